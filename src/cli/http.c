/* http.c — the command line's HTTP client (see http.h). */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct cli_body *b = ud;
	size_t n = size * nmemb;

	if (n > CLI_RESPONSE_MAX - b->len) {
		b->over = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *g;
		while (cap < b->len + n + 1)
			cap *= 2;
		g = realloc(b->p, cap);
		if (!g)
			return 0;
		b->p = g;
		b->cap = cap;
	}
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

void cli_body_free(struct cli_body *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

int cli_http_init(struct cli_http *h, const char *url, const char *cacert,
		  long timeout, elog_err_t *err)
{
	size_t n = strlen(url);

	memset(h, 0, sizeof *h);
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, "url",
				 "--url must start with http:// or https://");
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n + 1 > sizeof h->base)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, "url",
				 "--url is too long");
	memcpy(h->base, url, n);
	h->base[n] = '\0';
	h->cacert = cacert;
	h->timeout = timeout;
	h->curl = curl_easy_init();
	if (!h->curl)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "libcurl failed to start");
	return 0;
}

void cli_http_close(struct cli_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

int cli_http_do(struct cli_http *h, const char *path, const char *post,
		size_t post_len, const char *token, long *status,
		struct cli_body *out, elog_err_t *err)
{
	char url[CLI_URL_MAX + 256], auth[CLI_TOKEN_MAX + 32],
		ebuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL, *t;
	CURLcode cc;
	int n, rc = 0;

	memset(out, 0, sizeof *out);
	*status = 0;
	ebuf[0] = '\0';
	auth[0] = '\0';
	n = snprintf(url, sizeof url, "%s%s", h->base, path);
	if (n < 0 || (size_t)n >= sizeof url)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, "url",
				 "the request URL is too long");
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->timeout);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT,
			 h->agent ? h->agent : "envelog");
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, out);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (h->cacert)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->cacert);
	if (post) {
		t = curl_slist_append(hdrs,
				      "Content-Type: text/plain; charset=utf-8");
		if (!t)
			goto nomem;
		hdrs = t;
		if (token) {
			n = snprintf(auth, sizeof auth,
				     "Authorization: Bearer %s", token);
			if (n < 0 || (size_t)n >= sizeof auth) {
				rc = elog_fail(err, ELOG_INVALID_PARAMETER, -1,
					       "token",
					       "the token is too long");
				goto out;
			}
			t = curl_slist_append(hdrs, auth);
			if (!t)
				goto nomem;
			hdrs = t;
		}
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)post_len);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	}
	cc = curl_easy_perform(h->curl);
	if (out->over) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "%s: the answer is larger than %zu bytes", url,
			       CLI_RESPONSE_MAX);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "%s: %s", url,
			       ebuf[0] ? ebuf : curl_easy_strerror(cc));
		goto out;
	}
	*status = 0;
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	if (!out->p) { /* an empty answer is a NUL-terminated "" */
		out->p = calloc(1, 1);
		if (!out->p)
			goto nomem;
	}
	goto out;
nomem:
	rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
out:
	if (hdrs)
		curl_slist_free_all(hdrs);
	sodium_memzero(auth, sizeof auth);
	if (rc)
		cli_body_free(out);
	return rc;
}
