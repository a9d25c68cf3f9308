/*
 * libFuzzer target: what envelogd reads from request headers and bodies
 * before any handler runs.  The first byte picks the part:
 *   0  the Authorization header (http_bearer), then the token check
 *      against a store holding one token, as authorize() does;
 *   1  the Content-Type header (http_content_type_match);
 *   2  the body absorber (http_absorb), the input cut into chunks;
 *   3  the static server's path cleaning (static_path_clean).
 * Each checks what must hold of the answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "handlers.h"
#include "http.h"
#include "note.h"
#include "store.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static elog_store *store;
static char token[ELOG_TOKEN_TEXT_MAX];
static char dir[] = "/tmp/fuzz_http.XXXXXX", path[64];

static void cleanup(void)
{
	char f[80];

	elog_store_close(store);
	unlink(path);
	snprintf(f, sizeof f, "%s-wal", path);
	unlink(f);
	snprintf(f, sizeof f, "%s-shm", path);
	unlink(f);
	rmdir(dir);
}

static void setup(void)
{
	elog_signer s;
	char vk[ELOG_KEY_TEXT_MAX];
	elog_verifier v;
	elog_store *w = NULL;
	int64_t id;

	if (!mkdtemp(dir))
		__builtin_trap();
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/f.db", dir);
	if (elog_signer_generate("fuzz.example/log", &s, NULL))
		__builtin_trap();
	elog_signer_public(&s, &v);
	if (elog_verifier_format(&v, vk, sizeof vk, NULL) ||
	    elog_store_create(path, "fuzz.example/log", vk, NULL) ||
	    elog_store_open(path, ELOG_STORE_WRITE, ELOG_SYNC_NORMAL, &w,
			    NULL) ||
	    elog_token_add(w, ELOG_ROLE_INGEST, NULL, "fuzz", token, &id,
			   NULL))
		__builtin_trap();
	elog_store_close(w);
	if (elog_store_open(path, ELOG_STORE_READ, ELOG_SYNC_NORMAL, &store,
			    NULL))
		__builtin_trap();
	elog_signer_wipe(&s);
}

static void bearer(const char *h)
{
	const char *tok = NULL;
	size_t len = 0;
	elog_token_info info;
	int rc = http_bearer(h, &tok, &len);

	if (rc == 0) {
		if (!tok || len == 0 || len >= ELOG_TOKEN_TEXT_MAX ||
		    tok < h || tok + len > h + strlen(h) ||
		    strncasecmp(h, "Bearer ", 7) != 0)
			__builtin_trap();
		rc = elog_token_check(store, tok, len, &info, NULL);
		/* Only the one token there is is known. */
		if (rc == 0 && (len != strlen(token) ||
				memcmp(tok, token, len) != 0))
			__builtin_trap();
	} else if (rc != ELOG_MISSING_TOKEN && rc != ELOG_UNKNOWN_TOKEN) {
		__builtin_trap();
	}
}

static void content_type(const char *h)
{
	static const char *const types[] = {"application/json",
					    "application/x-ndjson",
					    "text/plain", NULL};
	const char *m = NULL;
	const char *p = h;

	if (!http_content_type_match(h, types, &m))
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!m || strncasecmp(p, m, strlen(m)) != 0)
		__builtin_trap();
}

static void absorb(const uint8_t *d, size_t n)
{
	struct server srv;
	struct request rq;
	size_t off = 0, total = 0;

	if (n < 1)
		return;
	memset(&srv, 0, sizeof srv);
	memset(&rq, 0, sizeof rq);
	srv.cfg.max_body = 1 + (uint64_t)d[0] * 16; /* 1 .. 4081 bytes */
	rq.srv = &srv;
	d++;
	n--;
	while (off < n) {
		size_t k = 1 + d[off] % 97;
		if (k > n - off)
			k = n - off;
		http_absorb(&rq, (const char *)d + off, k);
		total += k;
		off += k;
		if (!rq.too_large) {
			if (rq.len != total || rq.len > srv.cfg.max_body ||
			    rq.len > rq.cap || rq.body[rq.len] != '\0' ||
			    memcmp(rq.body, d, rq.len) != 0)
				__builtin_trap();
		} else if (rq.body || rq.len || total <= srv.cfg.max_body) {
			__builtin_trap();
		}
	}
	free(rq.body);
}

static void web_path(const char *p)
{
	const char *s;

	if (!static_path_clean(p))
		return;
	if (p[0] != '/' || strstr(p, "/.") || strchr(p, '\\') ||
	    strchr(p, '%'))
		__builtin_trap();
	for (s = p; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *z;

	if (!store)
		setup();
	if (size < 1)
		return 0;
	z = malloc(size);
	if (!z)
		return 0;
	memcpy(z, data + 1, size - 1);
	z[size - 1] = '\0'; /* headers and paths are C strings */
	switch (data[0] % 4) {
	case 0:
		bearer(z);
		break;
	case 1:
		content_type(z);
		break;
	case 2:
		absorb(data + 1, size - 1);
		break;
	default:
		web_path(z);
		break;
	}
	free(z);
	return 0;
}
