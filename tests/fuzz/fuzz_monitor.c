/*
 * libFuzzer target: the monitor (monitor.h) fed arbitrary answers through
 * its fetch callback.  The input is a script of answers, one per request
 * in the order the monitor asks, separated by "\n#~\n"; the first byte of
 * each says what it is:
 *   '2' body   200 with body     '4' / '5' body   404 / 500 with body
 *   'T'        the transport fails (a timeout); so does a script run out
 *   'S' N B64  200 with a checkpoint of size N and root B64, signed with
 *              the pinned test key (so that the leaves are reached)
 * An input that starts with "tiles\n" is read over tiles (the answers
 * then go to /tlog/checkpoint, hash tiles and entry bundles, binary
 * bodies as they are), any other over /v1/ only.
 * Two runs from the empty state (the second from where the first left
 * it), with a cosignature POST after each that passed.  Properties: a run
 * that fails leaves the state as it was; a run that passes leaves the
 * checkpoint's size and root in the state, whose text parses back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "merkle.h"
#include "monitor.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Test keys, used nowhere else. */
#define LOG_SKEY "PRIVATE+KEY+fuzz.example/log+c1c19b6f+" \
		 "Aayknwx5VRTBjNV1N95CmIV0STlo6Op19TmyocKBqkel"
#define SEP "\n#~\n"

struct script {
	const char *p, *end;
	const elog_signer *sk;
};

/* The next separator in [p, end), or end. */
static const char *next_sep(const char *p, const char *end)
{
	size_t k = strlen(SEP);
	for (; (size_t)(end - p) >= k; p++)
		if (memcmp(p, SEP, k) == 0)
			return p;
	return end;
}

static char *copy_of(const char *p, size_t n)
{
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, p, n);
		c[n] = '\0';
	}
	return c;
}

/* A checkpoint "N B64" signed with the test key, or the text as is. */
static char *signed_checkpoint(const elog_signer *sk, const char *p, size_t n,
			       size_t *len)
{
	char buf[128], b64[64];
	unsigned long long sz = 0;
	elog_checkpoint cp;
	char *note = NULL;

	*len = 0;
	if (n >= sizeof buf)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	memset(&cp, 0, sizeof cp);
	if (sscanf(buf, "%llu %63s", &sz, b64) != 2 ||
	    elog_hash_from_b64(b64, &cp.root) != 0)
		return NULL;
	snprintf(cp.origin, sizeof cp.origin, "%s", sk->name);
	cp.size = sz;
	if (elog_checkpoint_sign(&cp, sk, &note, len, NULL) != 0)
		return NULL;
	return note;
}

static int scripted(void *ctx, const char *path, const char *post,
		    size_t post_len, long *status, char **body,
		    size_t *body_len, elog_err_t *err)
{
	struct script *s = ctx;
	const char *a = s->p, *e;
	size_t n;

	(void)post;
	(void)post_len;
	*body = NULL;
	if (a >= s->end)
		return elog_fail(err, ELOG_IO, -1, NULL, "%s: script ended",
				 path);
	e = next_sep(a, s->end);
	s->p = e < s->end ? e + strlen(SEP) : s->end;
	n = (size_t)(e - a);
	if (n == 0 || a[0] == 'T')
		return elog_fail(err, ELOG_IO, -1, NULL, "%s: timed out", path);
	*status = a[0] == '4' ? 404 : a[0] == '5' ? 500 : 200;
	if (a[0] == 'S') {
		*body = signed_checkpoint(s->sk, a + 1, n - 1, body_len);
		if (*body)
			return 0;
	}
	*body = copy_of(a + 1, n - 1);
	*body_len = n - 1;
	return *body ? 0 : elog_fail(err, ELOG_NOMEM, -1, NULL, "no memory");
}

static char *text_of(const elog_monitor_state *st)
{
	char *t = NULL;
	if (!st->present)
		return copy_of("", 0);
	if (elog_monitor_state_format(st, 1, &t, NULL) != 0)
		__builtin_trap();
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static elog_signer sk, witness;
	static elog_verifier vk;
	static char vtext[ELOG_KEY_TEXT_MAX];
	static int ready;
	struct script s;
	elog_monitor m;
	elog_monitor_state st, back;
	elog_monitor_result r;
	char *before, *after;
	int run, rc;

	if (!ready) {
		if (elog_signer_parse(LOG_SKEY, &sk, NULL) != 0 ||
		    elog_verifier_format((elog_signer_public(&sk, &vk), &vk),
					 vtext, sizeof vtext, NULL) != 0 ||
		    elog_signer_parse(LOG_SKEY, &witness, NULL) != 0)
			__builtin_trap();
		witness.alg = ELOG_ALG_COSIGNATURE_V1;
		ready = 1;
	}
	s.p = (const char *)data;
	s.end = s.p + size;
	s.sk = &sk;
	memset(&m, 0, sizeof m);
	m.tiles = ELOG_MONITOR_TILES_OFF;
	if (size >= 6 && memcmp(data, "tiles\n", 6) == 0) {
		m.tiles = ELOG_MONITOR_TILES_AUTO;
		s.p += 6;
	}
	m.vk = vk;
	m.fetch = scripted;
	m.fetch_ctx = &s;
	m.where = "fuzz:";
	m.witness = &witness;
	elog_monitor_state_init(&st, &vk, vtext);
	for (run = 0; run < 2; run++) {
		before = text_of(&st);
		rc = elog_monitor_run(&m, &st, &r);
		after = text_of(&st);
		if (rc != r.rc)
			__builtin_trap();
		if (rc != 0 && strcmp(before, after) != 0)
			__builtin_trap(); /* a failed run changed the state */
		if (rc == 0) {
			if (st.fr.size != r.cp.size ||
			    memcmp(st.root.b, r.cp.root.b, ELOG_HASH_LEN) != 0)
				__builtin_trap();
			if (elog_monitor_state_parse(after, strlen(after), "f",
						     &vk, &back, NULL) != 0 ||
			    back.fr.size != st.fr.size)
				__builtin_trap(); /* its own state refused */
			elog_monitor_state_free(&back);
			(void)elog_monitor_cosign(&m, &r, 1);
		}
		free(before);
		free(after);
		elog_monitor_result_free(&r);
		if (rc != 0)
			break;
	}
	elog_monitor_state_free(&st);
	elog_monitor_free(&m);
	return 0;
}
