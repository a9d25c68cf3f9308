/*
 * http.h — the command line's HTTP client (libcurl): one base URL per
 * handle, bounded answers, timeouts, no redirects, http and https only.
 * Used by envelog audit and envelog request.
 */
#ifndef ELOG_CLI_HTTP_H
#define ELOG_CLI_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "error.h"

#define CLI_RESPONSE_MAX ((size_t)64 << 20) /* bytes of one HTTP answer */
#define CLI_URL_MAX 2048
#define CLI_TOKEN_MAX 512

struct cli_http {
	CURL *curl;
	char base[CLI_URL_MAX];
	const char *cacert;
	long timeout;	   /* seconds for a whole request */
	const char *agent; /* User-Agent (default "envelog") */
};

/* An answer: p is NUL-terminated (len bytes before the NUL). */
struct cli_body {
	char *p;
	size_t len, cap;
	int over;
};

/* A handle on url (http:// or https://, trailing slashes dropped). */
int cli_http_init(struct cli_http *h, const char *url, const char *cacert,
		  long timeout, elog_err_t *err);
void cli_http_close(struct cli_http *h);
void cli_body_free(struct cli_body *b);

/*
 * GET (post == NULL) or POST text/plain (with the bearer token, if given)
 * to base || path.  The answer goes into *out (caller frees) and its status
 * into *status, whatever it is.  Fails with IO on transport errors and
 * answers over CLI_RESPONSE_MAX bytes.
 */
int cli_http_do(struct cli_http *h, const char *path, const char *post,
		size_t post_len, const char *token, long *status,
		struct cli_body *out, elog_err_t *err);

#endif
