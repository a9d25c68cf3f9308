/*
 * fetch.h — envelogd as an HTTP client (libcurl): the witnesses it sends
 * checkpoints to, and a root log's shards (their checkpoints, proofs and
 * reports).  One bounded exchange at a time, http and https only.
 */
#ifndef ELOG_SERVER_FETCH_H
#define ELOG_SERVER_FETCH_H

#include <stddef.h>

/* An answer's body: buf holds max + 1 bytes (the body, NUL-terminated). */
struct fetch_buf {
	char *buf;
	size_t len;
	size_t max;
};

/*
 * One exchange with url: a GET, or a POST of body (len bytes) when body is
 * not NULL; header (NULL: none) is one extra request header line, such as
 * "Authorization: Bearer …".  Gives up after timeout seconds.  The answer's
 * body goes to b; a body longer than b->max is no answer.  Returns the
 * HTTP status, 0 when there was no answer.
 */
long fetch_http(const char *url, const char *header, const char *body,
		size_t len, long timeout, struct fetch_buf *b);

#endif
