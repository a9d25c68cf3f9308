/* fetch.c — envelogd's HTTP client.  See fetch.h. */
#include "fetch.h"

#include <string.h>

#include <curl/curl.h>

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct fetch_buf *b = ctx;
	size_t l = size * n;

	if (l > b->max - b->len)
		return 0;
	memcpy(b->buf + b->len, p, l);
	b->len += l;
	b->buf[b->len] = '\0';
	return l;
}

long fetch_http(const char *url, const char *header, const char *body,
		size_t len, long timeout, struct fetch_buf *b)
{
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	long status = 0;

	b->len = 0;
	b->buf[0] = '\0';
	if (!c)
		return 0;
	if (header && !(h = curl_slist_append(NULL, header)))
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		b->buf[b->len = 0] = '\0';
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}
