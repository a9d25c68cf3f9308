/*
 * test_monitor.c — the monitor (monitor.h) against a scripted server: a
 * fetch callback that serves a log built in memory and can be made to
 * lie in each way a hostile server can.  For each lie: the exact outcome
 * (a finding with its check and seq, or trouble) and a state left as it
 * was; for honest answers: the state advances.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "checkpoint.h"
#include "entry.h"
#include "merkle.h"
#include "monitor.h"
#include "note.h"

#define ORIGIN "monitor.example/log"
#define NMAX 64

/* The scripted server. */
typedef struct srv {
	elog_signer sk, other; /* the log's key, and a stranger's */
	elog_verifier vk;
	char vkey[ELOG_KEY_TEXT_MAX];
	uint64_t n;               /* leaves held */
	char *data[NMAX];         /* each leaf's public data (owned) */
	elog_hash lh[NMAX];       /* the leaf hashes served */
	elog_hash tree[NMAX];     /* the leaf hashes the checkpoint commits to */
	uint64_t cp_size;         /* the size the checkpoint is signed at */
	int sign_other;           /* sign with the stranger's key */
	size_t page_max;          /* leaves per answer (0: as asked) */
	long bad_chain_seq;       /* serve a wrong chain value here, or -1 */
	int seq_shift;            /* add this to every served seq */
	int extra_leaf;           /* serve one leaf more than asked */
	int drop_entries;         /* serve leaves without their entry */
	const char *checkpoint;   /* serve this instead of the checkpoint */
	const char *leaves;       /* serve this instead of any leaves */
	const char *proof;        /* serve this instead of any proof */
	long status;              /* answer every request with this status */
	const char *status_body;
	int transport_fail;       /* the callback fails (a timeout) */
	int fail_after;           /* ... after this many good calls (0: at once) */
	int calls;
	int tile_calls;           /* requests under /tlog/ */
	const char *bundle;       /* serve this instead of any entry bundle */
	int short_hash_tile;      /* serve hash tiles one byte short */
	int posts;                /* POSTs seen */
	char post[4096];          /* the last POST body */
} srv;

static char *dup_text(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	assert_non_null(p);
	memcpy(p, s, n + 1);
	return p;
}

/* Append leaf data (public, canonical) to the log. */
static void add_data(srv *s, const char *data)
{
	assert_true(s->n < NMAX);
	s->data[s->n] = dup_text(data);
	elog_leaf_hash(data, strlen(data), &s->lh[s->n]);
	s->tree[s->n] = s->lh[s->n];
	s->n++;
	s->cp_size = s->n;
}

/* An event: its commitment over a made-up record. */
static void add_event(srv *s)
{
	char rec[64], data[160], b64[ELOG_HASH_B64_LEN];
	elog_hash c;

	snprintf(rec, sizeof rec, "record %llu", (unsigned long long)s->n);
	elog_sha256(rec, strlen(rec), &c);
	elog_hash_to_b64(&c, b64);
	snprintf(data, sizeof data, "{\"commitment\":\"%s\",\"kind\":\"event\"}",
		 b64);
	add_data(s, data);
}

/* Another history: leaf i becomes another event, served and signed. */
static void rewrite(srv *s, uint64_t i)
{
	char data[160], b64[ELOG_HASH_B64_LEN];
	elog_hash c;
	int k;

	elog_sha256("rewritten", 9, &c);
	elog_hash_to_b64(&c, b64);
	k = snprintf(data, sizeof data,
		     "{\"commitment\":\"%s\",\"kind\":\"event\"}", b64);
	assert_true(k > 0 && (size_t)k < sizeof data);
	free(s->data[i]);
	s->data[i] = dup_text(data);
	elog_leaf_hash(data, strlen(data), &s->lh[i]);
	s->tree[i] = s->lh[i];
}

static void add_purge(srv *s)
{
	elog_entry e;
	assert_int_equal(elog_purge_entry(1700000000000, 1600000000000, 0, 1,
					  &e, NULL),
			 0);
	add_data(s, e.data);
	elog_entry_free(&e);
}

static srv *srv_new(uint64_t events)
{
	srv *s = calloc(1, sizeof *s);
	uint64_t i;

	assert_non_null(s);
	assert_int_equal(elog_signer_generate(ORIGIN, &s->sk, NULL), 0);
	assert_int_equal(elog_signer_generate(ORIGIN, &s->other, NULL), 0);
	elog_signer_public(&s->sk, &s->vk);
	assert_int_equal(
		elog_verifier_format(&s->vk, s->vkey, sizeof s->vkey, NULL), 0);
	s->bad_chain_seq = -1;
	for (i = 0; i < events; i++)
		add_event(s);
	return s;
}

static void srv_free(srv *s)
{
	uint64_t i;
	for (i = 0; i < s->n; i++)
		free(s->data[i]);
	elog_signer_wipe(&s->sk);
	elog_signer_wipe(&s->other);
	free(s);
}

static void root_of(const srv *s, uint64_t size, elog_hash *out)
{
	elog_root_of_leaves(s->tree, (size_t)size, out);
}

/* The signed checkpoint at size (malloc'd). */
static char *sign_at(srv *s, uint64_t size, int other)
{
	elog_checkpoint cp;
	char *note = NULL;
	size_t len = 0;

	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
	cp.size = size;
	root_of(s, size, &cp.root);
	assert_int_equal(elog_checkpoint_sign(&cp, other ? &s->other : &s->sk,
					      &note, &len, NULL),
			 0);
	return note;
}

static char *serve_leaves(srv *s, uint64_t start, uint64_t end)
{
	json_t *list = json_array(), *o;
	elog_hash chain = ELOG_ZERO_HASH, c;
	char lh[ELOG_HASH_B64_LEN], ch[ELOG_HASH_B64_LEN], *text;
	uint64_t i;

	if (end > s->n)
		end = s->n;
	if (s->page_max && end - start > s->page_max)
		end = start + s->page_max;
	if (s->extra_leaf && end < s->n)
		end++;
	for (i = 0; i < end; i++) {
		elog_chain_hash(&chain, &s->lh[i], &c);
		chain = c;
		if (i < start)
			continue;
		if ((long)i == s->bad_chain_seq)
			c.b[0] ^= 1;
		elog_hash_to_b64(&s->lh[i], lh);
		elog_hash_to_b64(&c, ch);
		o = json_pack("{s:I,s:s,s:s,s:s}", "seq",
			      (json_int_t)(i + (uint64_t)s->seq_shift), "kind",
			      strstr(s->data[i], "\"kind\":\"event\"") ? "event"
									 : "purge",
			      "leaf_hash", lh, "chain_hash", ch);
		assert_non_null(o);
		if (!s->drop_entries)
			json_object_set_new(o, "entry",
					    json_loads(s->data[i], 0, NULL));
		json_array_append_new(list, o);
	}
	o = json_pack("{s:o}", "leaves", list);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_non_null(text);
	return text;
}

static char *serve_proof(srv *s, uint64_t old, uint64_t new_size)
{
	elog_hash proof[ELOG_MAX_PROOF];
	elog_leaf_array la = {s->tree, (size_t)s->cp_size};
	json_t *a = json_array(), *j;
	char b64[ELOG_HASH_B64_LEN], *text;
	size_t n = 0, i;

	if (old > 0 && old <= new_size && new_size <= s->cp_size)
		assert_int_equal(elog_prove_consistency(old, new_size,
							elog_leaf_array_reader,
							&la, proof, &n, NULL),
				 0);
	for (i = 0; i < n; i++) {
		elog_hash_to_b64(&proof[i], b64);
		json_array_append_new(a, json_string(b64));
	}
	j = json_pack("{s:I,s:I,s:o}", "old", (json_int_t)old, "new",
		      (json_int_t)new_size, "proof", a);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(text);
	return text;
}

/* Read over tiles (the server offers them) or over /v1/ only. */
static int over_tiles;

/* Tile W of level 0 or the entry bundle (entries) at width w: *body, *len. */
static void serve_tile(srv *s, int entries, unsigned w, char **body,
		       size_t *len)
{
	size_t cap = entries ? 64 : (size_t)w * ELOG_HASH_LEN + 1, n = 0;
	char *p = malloc(cap);
	unsigned i;

	assert_non_null(p);
	for (i = 0; i < w; i++) {
		if (!entries) {
			memcpy(p + n, s->lh[i].b, ELOG_HASH_LEN);
			n += ELOG_HASH_LEN;
			continue;
		}
		size_t dl = strlen(s->data[i]);
		while (n + 2 + dl + 1 > cap) {
			cap *= 2;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		p[n++] = (char)(dl >> 8);
		p[n++] = (char)(dl & 0xff);
		memcpy(p + n, s->data[i], dl);
		n += dl;
	}
	if (!entries && s->short_hash_tile)
		n--;
	p[n] = '\0';
	*body = p;
	*len = n;
}

static int scripted(void *ctx, const char *path, const char *post,
		    size_t post_len, long *status, char **body, size_t *len,
		    elog_err_t *err)
{
	srv *s = ctx;
	unsigned long long a = 0, b = 0;
	char *out = NULL;

	*body = NULL;
	s->calls++;
	if (s->transport_fail && s->calls > s->fail_after)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "http://log.example%s: Operation timed out",
				 path);
	*status = 200;
	if (s->status) {
		*status = s->status;
		out = dup_text(s->status_body ? s->status_body : "");
	} else if (post) {
		assert_string_equal(path, "/v1/cosignatures");
		assert_true(post_len < sizeof s->post);
		memcpy(s->post, post, post_len);
		s->post[post_len] = '\0';
		s->posts++;
		out = dup_text("{}");
	} else if (over_tiles && strncmp(path, "/tlog/", 6) == 0 &&
		   s->tile_calls++ >= 0 &&
		   (sscanf(path, "/tlog/tile/0/000.p/%llu", &a) == 1 ||
		    sscanf(path, "/tlog/tile/entries/000.p/%llu", &a) == 1) &&
		   a >= 1 && a <= s->n) {
		if (s->bundle && strstr(path, "entries")) {
			out = dup_text(s->bundle);
		} else {
			serve_tile(s, strstr(path, "entries") != NULL,
				   (unsigned)a, body, len);
			return 0;
		}
	} else if (strcmp(path, "/v1/checkpoint") == 0 ||
		   (over_tiles && strcmp(path, "/tlog/checkpoint") == 0)) {
		out = s->checkpoint ? dup_text(s->checkpoint)
				    : sign_at(s, s->cp_size, s->sign_other);
	} else if (sscanf(path, "/v1/leaves?start=%llu&end=%llu", &a, &b) ==
		   2) {
		out = s->leaves ? dup_text(s->leaves) : serve_leaves(s, a, b);
	} else if (sscanf(path, "/v1/proof/consistency?old=%llu&new=%llu", &a,
			  &b) == 2) {
		out = s->proof ? dup_text(s->proof) : serve_proof(s, a, b);
	} else {
		*status = 404;
		out = dup_text("{\"error\":{\"code\":\"not_found\","
			       "\"message\":\"no such path\"}}");
	}
	*body = out;
	*len = strlen(out);
	return 0;
}

static void mon_init(elog_monitor *m, srv *s)
{
	memset(m, 0, sizeof *m);
	m->vk = s->vk;
	m->fetch = scripted;
	m->fetch_ctx = s;
	m->where = "http://log.example";
	m->tiles = over_tiles ? ELOG_MONITOR_TILES_ONLY : ELOG_MONITOR_TILES_OFF;
}

/* The state's text, to see that it did not change ("" before the first
 * checkpoint). */
static char *state_text(const elog_monitor_state *st)
{
	char *t = NULL;
	if (!st->present)
		return dup_text("");
	assert_int_equal(elog_monitor_state_format(st, 1, &t, NULL), 0);
	return t;
}

/* A state that verified the first size leaves of s. */
static void state_at(srv *s, uint64_t size, elog_monitor_state *st)
{
	elog_monitor m;
	elog_monitor_result r;
	uint64_t keep = s->cp_size;

	mon_init(&m, s);
	elog_monitor_state_init(st, &s->vk, s->vkey);
	s->cp_size = size;
	assert_int_equal(elog_monitor_run(&m, st, &r), 0);
	assert_int_equal(st->fr.size, size);
	elog_monitor_result_free(&r);
	s->cp_size = keep;
}

/*
 * Run the monitor on a state at from; expect rc and (for findings) check
 * and seq, and the state unchanged.
 */
static void expect(srv *s, uint64_t from, int want_rc, const char *check,
		   long long seq)
{
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;
	char *before, *after;
	int rc;

	if (from > 0) {
		const char *c = s->checkpoint, *l = s->leaves, *p = s->proof;
		const char *bu = s->bundle;
		long bc = s->bad_chain_seq;
		int t = s->transport_fail, so = s->sign_other, sh = s->seq_shift;
		int sht = s->short_hash_tile;
		long status = s->status;
		s->checkpoint = s->leaves = s->proof = s->bundle = NULL;
		s->bad_chain_seq = -1;
		s->transport_fail = s->sign_other = s->seq_shift = 0;
		s->short_hash_tile = 0;
		s->status = 0;
		state_at(s, from, &st);
		s->checkpoint = c;
		s->leaves = l;
		s->proof = p;
		s->bundle = bu;
		s->short_hash_tile = sht;
		s->bad_chain_seq = bc;
		s->transport_fail = t;
		s->sign_other = so;
		s->seq_shift = sh;
		s->status = status;
	} else {
		elog_monitor_state_init(&st, &s->vk, s->vkey);
	}
	s->calls = 0;
	before = state_text(&st);
	mon_init(&m, s);
	rc = elog_monitor_run(&m, &st, &r);
	if (want_rc == 0) { /* only the lies are checked below */
		assert_int_equal(rc, 0);
		elog_monitor_result_free(&r);
		elog_monitor_state_free(&st);
		free(before);
		return;
	}
	if (rc != want_rc)
		print_message("# got %d %s seq %lld: %s\n", rc, r.check, r.seq,
			      r.msg);
	assert_int_equal(rc, want_rc);
	assert_int_equal(r.rc, want_rc);
	if (check)
		assert_string_equal(r.check, check);
	assert_int_equal(r.seq, seq);
	assert_true(want_rc == 0 || r.msg[0] != '\0');
	after = state_text(&st);
	assert_string_equal(before, after);
	assert_int_equal(st.fr.size, from);
	free(before);
	free(after);
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	elog_monitor_free(&m);
}

/* ---- the good path ---- */

static void test_good_path(void **state)
{
	srv *s = srv_new(5);
	elog_monitor m;
	elog_monitor_state st, back;
	elog_monitor_result r;
	elog_hash root;
	char *text;
	uint64_t i;

	(void)state;
	add_purge(s);
	add_event(s);
	mon_init(&m, s);
	elog_monitor_state_init(&st, &s->vk, s->vkey);
	assert_int_equal(st.present, 0);
	assert_int_equal(elog_monitor_run(&m, &st, &r), 0);
	assert_int_equal(r.first_run, 1);
	assert_int_equal(r.old_size, 0);
	assert_int_equal(r.cp.size, 7);
	assert_int_equal(r.checked, 7);
	assert_int_equal(r.purges, 1);
	assert_int_equal(r.disclosures + r.refusals, 0);
	assert_int_equal(json_array_size(r.public_entries), 1);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(r.public_entries, 0), "seq")),
			 5);
	assert_int_equal(st.present, 1);
	assert_int_equal(st.fr.size, 7);
	root_of(s, 7, &root);
	assert_memory_equal(st.root.b, root.b, 32);
	assert_int_equal(st.purges, 1);
	assert_int_equal(st.entries, 7);
	elog_monitor_result_free(&r);

	/* Nothing new: ok, nothing checked. */
	assert_int_equal(elog_monitor_run(&m, &st, &r), 0);
	assert_int_equal(r.first_run, 0);
	assert_int_equal(r.checked, 0);
	elog_monitor_result_free(&r);

	/* More leaves, in short pages: the state advances over them. */
	for (i = 0; i < 30; i++)
		add_event(s);
	s->page_max = 4;
	assert_int_equal(elog_monitor_run(&m, &st, &r), 0);
	assert_int_equal(r.old_size, 7);
	assert_int_equal(r.checked, 30);
	assert_int_equal(st.fr.size, 37);
	assert_int_equal(st.entries, 37);
	root_of(s, 37, &root);
	assert_memory_equal(st.root.b, root.b, 32);
	elog_monitor_result_free(&r);

	/* The state file round-trips, and pins its key. */
	text = state_text(&st);
	assert_int_equal(elog_monitor_state_parse(text, strlen(text), "f",
						  &s->vk, &back, NULL),
			 0);
	assert_int_equal(back.present, 1);
	assert_int_equal(back.fr.size, 37);
	assert_memory_equal(back.root.b, st.root.b, 32);
	assert_memory_equal(back.chain.b, st.chain.b, 32);
	assert_int_equal(back.purges, 1);
	elog_monitor_state_free(&back);
	free(text);
	elog_monitor_state_free(&st);
	elog_monitor_free(&m);
	srv_free(s);
}

/* ---- the checkpoint ---- */

static void test_bad_signature(void **state)
{
	srv *s = srv_new(4);

	(void)state;
	s->sign_other = 1; /* same origin, another key */
	expect(s, 0, -ELOG_TAMPERED, "signature", -1);
	expect(s, 2, -ELOG_TAMPERED, "signature", -1);
	s->sign_other = 0;
	s->checkpoint = "not a note\n";
	expect(s, 2, -ELOG_TAMPERED, "signature", -1);
	s->checkpoint = "";
	expect(s, 0, -ELOG_TAMPERED, "signature", -1);
	srv_free(s);
}

static void test_rollback(void **state)
{
	srv *s = srv_new(8);
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;

	(void)state;
	state_at(s, 8, &st);
	s->cp_size = 5;
	mon_init(&m, s);
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "rollback");
	assert_int_equal(r.show_state, 1);
	assert_int_equal(r.show_served, 1);
	assert_non_null(strstr(r.served, "\n5\n"));
	assert_int_equal(st.fr.size, 8);
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	srv_free(s);
}

static void test_fork_same_size(void **state)
{
	srv *s = srv_new(5);
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;
	char *before, *after;

	(void)state;
	state_at(s, 5, &st);
	before = state_text(&st);
	rewrite(s, 2); /* signed at the same size over another history */
	mon_init(&m, s);
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "fork");
	assert_int_equal(r.seq, -1);
	assert_int_equal(r.show_state && r.show_served, 1);
	after = state_text(&st);
	assert_string_equal(before, after);
	free(before);
	free(after);
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	srv_free(s);
}

static void test_fork_larger(void **state)
{
	srv *s = srv_new(12);
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;
	char *before, *after;

	(void)state;
	state_at(s, 5, &st);
	before = state_text(&st);
	/* The log was rewritten below the state's size: the consistency
	 * proof from 5 to 12 cannot hold. */
	s->tree[3].b[5] ^= 1;
	s->lh[3] = s->tree[3];
	mon_init(&m, s);
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "consistency");
	assert_int_equal(r.seq, -1);
	after = state_text(&st);
	assert_string_equal(before, after);
	free(before);
	free(after);
	elog_monitor_result_free(&r);
	/* A proof that is not a proof. */
	s->tree[3].b[5] ^= 1;
	s->lh[3] = s->tree[3];
	s->proof = "{\"old\":5,\"new\":12,\"proof\":[]}";
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "consistency");
	elog_monitor_result_free(&r);
	s->proof = "{\"old\":4,\"new\":12,\"proof\":[]}"; /* wrong sizes */
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "response");
	elog_monitor_result_free(&r);
	s->proof = "{\"old\":5,\"new\":12,\"proof\":[\"AAAA\"]}";
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "response");
	elog_monitor_result_free(&r);
	s->proof = "{\"old\":5,\"new\":12,\"proof\":\"x\"";
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "response");
	assert_int_equal(st.fr.size, 5);
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	srv_free(s);
}

/* ---- the leaves ---- */

static void test_chain(void **state)
{
	srv *s = srv_new(10);

	(void)state;
	s->bad_chain_seq = 6;
	expect(s, 0, -ELOG_TAMPERED, "chain", 6);
	expect(s, 4, -ELOG_TAMPERED, "chain", 6);
	s->bad_chain_seq = 0;
	expect(s, 0, -ELOG_TAMPERED, "chain", 0);
	srv_free(s);
}

static void test_leaf_hash(void **state)
{
	srv *s = srv_new(10);

	(void)state;
	/* The served leaf hash (and chain, and tree) is not over the served
	 * entry. */
	free(s->data[7]);
	s->data[7] = dup_text("{\"commitment\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			      "AAAAAAAAAAA=\",\"kind\":\"event\"}");
	expect(s, 0, -ELOG_TAMPERED, "leaf_hash", 7);
	expect(s, 3, -ELOG_TAMPERED, "leaf_hash", 7);
	srv_free(s);
}

static void test_event_not_commitment(void **state)
{
	srv *s = srv_new(6);
	const char *rec = "{\"kind\":\"event\",\"recipient\":\"b\",\"sender\":\"a\","
			  "\"ts\":1700000000000}";

	(void)state;
	/* An event leaf whose public data is its record, not a commitment,
	 * hashed honestly into the chain and the tree. */
	free(s->data[3]);
	s->data[3] = dup_text(rec);
	elog_leaf_hash(rec, strlen(rec), &s->lh[3]);
	s->tree[3] = s->lh[3];
	expect(s, 0, -ELOG_TAMPERED, "entry", 3);
	/* A leaf listed as an event whose data is a purge. */
	srv_free(s);
	s = srv_new(6);
	free(s->data[2]);
	{
		elog_entry e;
		assert_int_equal(elog_purge_entry(1, 0, 0, 0, &e, NULL), 0);
		s->data[2] = dup_text(e.data);
		elog_leaf_hash(e.data, e.len, &s->lh[2]);
		s->tree[2] = s->lh[2];
		elog_entry_free(&e);
	}
	expect(s, 0, 0, NULL, -1); /* an honest purge among events: fine */
	/* Leaves served without their public data. */
	s->drop_entries = 1;
	expect(s, 0, -ELOG_TAMPERED, "entry", 0);
	srv_free(s);
}

static void test_not_in_tree(void **state)
{
	srv *s = srv_new(11);

	(void)state;
	/* Chain and leaf hash hold for what is served, but the checkpoint's
	 * tree has another leaf 9: located by bisection (9 or its sibling). */
	s->tree[9].b[1] ^= 1;
	expect(s, 0, -ELOG_TAMPERED, "tree_root", 9);
	expect(s, 6, -ELOG_TAMPERED, "tree_root", 9);
	/* The same over several pages: the page cross-check names it. */
	s->page_max = 3;
	expect(s, 0, -ELOG_TAMPERED, "tree_root", 9);
	srv_free(s);
}

static void test_pages(void **state)
{
	srv *s = srv_new(9);

	(void)state;
	s->leaves = "{\"leaves\":[]}"; /* short: nothing */
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	expect(s, 4, -ELOG_TAMPERED, "response", 4);
	s->leaves = "{\"leaves\":{}}";
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	s->leaves = "[";
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	s->leaves = "{\"leaves\":[{\"seq\":184467440737095516150,\"kind\":\"event\"}]}";
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	s->leaves = "{\"leaves\":[{\"seq\":-1,\"kind\":\"event\"}]}";
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	s->leaves = NULL;
	s->extra_leaf = 1; /* one leaf more than asked */
	s->cp_size = 6;
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	s->cp_size = s->n;
	s->extra_leaf = 0;
	s->seq_shift = 1; /* wrong seqs */
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	expect(s, 5, -ELOG_TAMPERED, "response", 5);
	s->seq_shift = 0;
	/* Out of order: seq 1 and 2 swapped. */
	{
		char *d = s->data[1];
		elog_hash h = s->lh[1];
		s->data[1] = s->data[2];
		s->lh[1] = s->lh[2];
		s->data[2] = d;
		s->lh[2] = h;
		/* Served in the swapped order with their chain: the tree the
		 * checkpoint signs is the honest one. */
		expect(s, 0, -ELOG_TAMPERED, "tree_root", 1);
	}
	srv_free(s);
}

static void test_huge_checkpoint(void **state)
{
	srv *s = srv_new(4);
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;
	elog_checkpoint cp;
	char *note = NULL;
	size_t len;

	(void)state;
	state_at(s, 4, &st);
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
	cp.size = (uint64_t)INT64_MAX;
	assert_int_equal(elog_checkpoint_sign(&cp, &s->sk, &note, &len, NULL),
			 0);
	s->checkpoint = note;
	mon_init(&m, s);
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "consistency");
	assert_int_equal(st.fr.size, 4);
	elog_monitor_result_free(&r);
	free(note);
	elog_monitor_state_free(&st);
	srv_free(s);
}

/* A first run on a checkpoint of size 0 whose root is not the empty
 * tree's: nothing to fetch, and still refused (the fuzzer's find). */
static void test_empty_checkpoint(void **state)
{
	srv *s = srv_new(4);
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;
	elog_checkpoint cp;
	char *note = NULL;
	size_t len;

	(void)state;
	s->cp_size = 0;
	expect(s, 0, 0, NULL, -1); /* the honest empty tree */
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
	cp.size = 0;
	root_of(s, 4, &cp.root);
	assert_int_equal(elog_checkpoint_sign(&cp, &s->sk, &note, &len, NULL),
			 0);
	s->checkpoint = note;
	expect(s, 0, -ELOG_TAMPERED, "tree_root", -1);
	/* ... also from a state at 0. */
	s->checkpoint = NULL;
	state_at(s, 0, &st);
	s->checkpoint = note;
	mon_init(&m, s);
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "fork");
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	free(note);
	srv_free(s);
}

/* ---- trouble ---- */

static void test_http_errors(void **state)
{
	srv *s = srv_new(5);
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;

	(void)state;
	s->status = 500;
	s->status_body = "{\"error\":{\"code\":\"internal_error\",\"message\":"
			 "\"boom\"}}";
	expect(s, 0, -ELOG_IO, "network", -1);
	expect(s, 3, -ELOG_IO, "network", -1);
	s->status = 0;
	s->transport_fail = 1;
	expect(s, 0, -ELOG_IO, "network", -1);
	/* A timeout in the middle of the leaves. */
	s->fail_after = 1;
	expect(s, 2, -ELOG_IO, "network", -1);
	s->transport_fail = 0;

	state_at(s, 1, &st);
	s->status = 502;
	s->status_body = "<html>bad gateway</html>";
	mon_init(&m, s);
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_IO);
	assert_int_equal(r.network, 1);
	assert_string_equal(r.msg, "http://log.example/v1/checkpoint: HTTP "
				   "502: <html>bad gateway</html>");
	elog_monitor_result_free(&r);
	s->status_body = "{\"error\":{\"code\":\"internal_error\",\"message\":"
			 "\"boom\"}}";
	assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_IO);
	s->status = 500;
	assert_string_equal(r.msg, "http://log.example/v1/checkpoint: HTTP "
				   "502: internal_error: boom");
	elog_monitor_result_free(&r);
	s->status = 0;
	/* No transport at all. */
	m.fetch = NULL;
	assert_int_equal(elog_monitor_run(&m, &st, &r),
			 -ELOG_INVALID_PARAMETER);
	assert_int_equal(r.network, 0);
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	srv_free(s);
}

/* ---- the state file ---- */

static void test_state_file(void **state)
{
	srv *s = srv_new(6), *t = srv_new(1);
	elog_monitor_state st, back;
	elog_err_t err;
	char *text, *bad_text;
	char *p;

	(void)state;
	state_at(s, 6, &st);
	text = state_text(&st);
	assert_int_equal(elog_monitor_state_parse(text, strlen(text), "f",
						  NULL, &back, &err),
			 0);
	elog_monitor_state_free(&back);
	/* Another log's key. */
	assert_int_equal(elog_monitor_state_parse(text, strlen(text), "f",
						  &t->vk, &back, &err),
			 -ELOG_UNKNOWN_KEY);
	assert_int_equal(back.present, 0);
	/* Not JSON, cut short, empty, not a state. */
	assert_int_equal(elog_monitor_state_parse("x", 1, "f", NULL, &back,
						  &err),
			 -ELOG_MALFORMED_JSON);
	assert_int_equal(elog_monitor_state_parse(text, strlen(text) / 2, "f",
						  NULL, &back, &err),
			 -ELOG_MALFORMED_JSON);
	assert_int_equal(elog_monitor_state_parse("", 0, "f", NULL, &back,
						  &err),
			 -ELOG_MALFORMED_JSON);
	assert_int_equal(elog_monitor_state_parse("{}", 2, "f", NULL, &back,
						  &err),
			 -ELOG_INVALID_VALUE);
	/* A size that does not match the signed checkpoint. */
	bad_text = dup_text(text);
	p = strstr(bad_text, "\"size\": 6");
	assert_non_null(p);
	p[8] = '4';
	assert_int_equal(elog_monitor_state_parse(bad_text, strlen(bad_text),
						  "f", NULL, &back, &err),
			 -ELOG_INCONSISTENT);
	assert_string_equal(err.field, "checkpoint");
	free(bad_text);
	/* A frontier hash changed: it no longer gives the root. */
	bad_text = dup_text(text);
	p = strstr(bad_text, "\"frontier\": [");
	assert_non_null(p);
	p = strchr(p, '"' ) + 1;
	p = strchr(p, '"') + 1;
	p = strchr(p, '"') + 1; /* inside the first frontier hash */
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(elog_monitor_state_parse(bad_text, strlen(bad_text),
						  "f", NULL, &back, &err),
			 -ELOG_INCONSISTENT);
	assert_string_equal(err.field, "frontier");
	free(bad_text);
	free(text);
	elog_monitor_state_free(&st);
	srv_free(s);
	srv_free(t);
}

/* ---- compare and cosign ---- */

static void test_compare(void **state)
{
	srv *s = srv_new(12);
	elog_monitor m;
	elog_monitor_state a, b, c;
	elog_monitor_result r;

	(void)state;
	mon_init(&m, s);
	state_at(s, 5, &a);
	state_at(s, 12, &b);
	assert_int_equal(elog_monitor_compare(&m, &a, &b, &r), 0);
	assert_non_null(strstr(r.msg, "consistency proof verified"));
	elog_monitor_result_free(&r);
	assert_int_equal(elog_monitor_compare(&m, &b, &b, &r), 0);
	elog_monitor_result_free(&r);
	/* Another history of the same size. */
	rewrite(s, 1);
	state_at(s, 12, &c);
	assert_int_equal(elog_monitor_compare(&m, &b, &c, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "fork");
	elog_monitor_result_free(&r);
	/* ... and a smaller state from the first: the server (serving the
	 * second) has no proof that holds. */
	assert_int_equal(elog_monitor_compare(&m, &a, &c, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "consistency");
	elog_monitor_result_free(&r);
	s->proof = "nonsense";
	assert_int_equal(elog_monitor_compare(&m, &a, &b, &r), -ELOG_TAMPERED);
	assert_string_equal(r.check, "consistency");
	elog_monitor_result_free(&r);
	s->proof = NULL;
	s->transport_fail = 1;
	assert_int_equal(elog_monitor_compare(&m, &a, &b, &r), -ELOG_IO);
	assert_int_equal(r.network, 1);
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&a);
	elog_monitor_state_free(&b);
	elog_monitor_state_free(&c);
	srv_free(s);
}

static void test_cosign(void **state)
{
	srv *s = srv_new(3);
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;
	elog_signer w;
	elog_verifier wv;
	char *nl;
	uint64_t t = 0;

	(void)state;
	assert_int_equal(elog_signer_generate("witness.example", &w, NULL), 0);
	w.alg = ELOG_ALG_COSIGNATURE_V1;
	w.keyid = elog_key_id(w.name, w.alg, w.pk);
	elog_signer_public(&w, &wv);
	mon_init(&m, s);
	m.witness = &w;
	elog_monitor_state_init(&st, &s->vk, s->vkey);
	assert_int_equal(elog_monitor_run(&m, &st, &r), 0);
	assert_int_equal(elog_monitor_cosign(&m, &r, 1700000000), 0);
	assert_int_equal(r.cosigned, 1);
	assert_int_equal(s->posts, 1);
	/* The body: the checkpoint text, a blank line, one cosignature. */
	assert_memory_equal(s->post, r.served, r.served_text_len);
	nl = s->post + r.served_text_len;
	assert_true(nl[0] == '\n');
	assert_int_equal(elog_cosignature_verify(r.served, r.served_text_len,
						 nl + 1, strlen(nl + 1), &wv,
						 &t, NULL),
			 0);
	assert_int_equal(t, 1700000000);
	elog_monitor_result_free(&r);
	/* The same checkpoint again: not cosigned twice. */
	assert_int_equal(elog_monitor_run(&m, &st, &r), 0);
	assert_int_equal(elog_monitor_cosign(&m, &r, 1700000001), 0);
	assert_int_equal(r.cosigned, 0);
	assert_int_equal(s->posts, 1);
	elog_monitor_result_free(&r);
	/* A refused POST is trouble. */
	add_event(s);
	assert_int_equal(elog_monitor_run(&m, &st, &r), 0);
	s->status = 403;
	s->status_body = "{\"error\":{\"code\":\"wrong_role\",\"message\":\"no\"}}";
	assert_int_equal(elog_monitor_cosign(&m, &r, 1700000002), -ELOG_IO);
	assert_int_equal(r.network, 1);
	assert_int_equal(r.cosigned, 0);
	elog_monitor_result_free(&r);
	elog_signer_wipe(&w);
	elog_monitor_state_free(&st);
	elog_monitor_free(&m);
	srv_free(s);
}

/* ---- over tiles ---- */

/* The state a run reaches from the empty log, as text ("" on failure). */
static char *run_text(srv *s)
{
	elog_monitor m;
	elog_monitor_state st;
	elog_monitor_result r;
	char *t;

	mon_init(&m, s);
	elog_monitor_state_init(&st, &s->vk, s->vkey);
	if (elog_monitor_run(&m, &st, &r) == 0)
		assert_int_equal(r.tiles, over_tiles);
	t = state_text(&st);
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	return t;
}

static void test_tiles(void **state)
{
	srv *s = srv_new(20);
	char *api, *tiles;

	(void)state;
	add_purge(s);
	add_event(s);
	/* The same state over the API and over tiles, and tiles were read. */
	api = run_text(s);
	over_tiles = 1;
	s->tile_calls = 0;
	tiles = run_text(s);
	assert_true(s->tile_calls == 3); /* checkpoint, bundle, hash tile */
	assert_string_equal(api, tiles);
	assert_true(api[0] != '\0');
	free(api);
	free(tiles);
	/* Growth from a held state: the consistency proof from the tiles. */
	expect(s, 0, 0, NULL, -1);
	expect(s, 7, 0, NULL, -1);
	/* The lies of the leaves, found as over /v1/: an entry whose data
	 * does not give the level-0 tile's hash... */
	free(s->data[7]);
	s->data[7] = dup_text("{\"commitment\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			      "AAAAAAAAAAA=\",\"kind\":\"event\"}");
	expect(s, 0, -ELOG_TAMPERED, "leaf_hash", 7);
	expect(s, 3, -ELOG_TAMPERED, "leaf_hash", 7);
	srv_free(s);
	/* ... a leaf that hashes right but is not in the checkpoint's tree:
	 * named by its tile's leaves (seq -1, the message has the range) ... */
	s = srv_new(11);
	s->tree[9].b[1] ^= 1;
	expect(s, 0, -ELOG_TAMPERED, "tree_root", -1);
	/* ... a rewritten history below the state: consistency */
	srv_free(s);
	s = srv_new(12);
	{
		elog_monitor m;
		elog_monitor_state st;
		elog_monitor_result r;
		state_at(s, 5, &st);
		s->tree[3].b[5] ^= 1;
		s->lh[3] = s->tree[3];
		mon_init(&m, s);
		assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_TAMPERED);
		assert_string_equal(r.check, "consistency");
		assert_int_equal(st.fr.size, 5);
		elog_monitor_result_free(&r);
		elog_monitor_state_free(&st);
		s->tree[3].b[5] ^= 1;
		s->lh[3] = s->tree[3];
	}
	/* Malformed tiles: a bundle that is not one, a hash tile one byte
	 * short. */
	s->bundle = "\x01";
	expect(s, 0, -ELOG_TAMPERED, "response", 0);
	s->bundle = NULL;
	s->short_hash_tile = 1;
	expect(s, 0, -ELOG_TAMPERED, "response", -1);
	expect(s, 4, -ELOG_TAMPERED, "response", -1);
	s->short_hash_tile = 0;
	/* An event that is no commitment. */
	srv_free(s);
	s = srv_new(6);
	{
		const char *rec = "{\"kind\":\"event\",\"recipient\":\"b\","
				  "\"sender\":\"a\",\"ts\":1700000000000}";
		free(s->data[3]);
		s->data[3] = dup_text(rec);
		elog_leaf_hash(rec, strlen(rec), &s->lh[3]);
		s->tree[3] = s->lh[3];
	}
	expect(s, 0, -ELOG_TAMPERED, "entry", 3);
	/* Without tiles where they are required: trouble, not a finding. */
	srv_free(s);
	s = srv_new(6);
	over_tiles = 0;
	{
		elog_monitor m;
		elog_monitor_state st;
		elog_monitor_result r;
		mon_init(&m, s);
		m.tiles = ELOG_MONITOR_TILES_ONLY;
		elog_monitor_state_init(&st, &s->vk, s->vkey);
		assert_int_equal(elog_monitor_run(&m, &st, &r), -ELOG_IO);
		assert_true(r.network);
		elog_monitor_result_free(&r);
		/* and AUTO falls back to /v1/ */
		m.tiles = ELOG_MONITOR_TILES_AUTO;
		assert_int_equal(elog_monitor_run(&m, &st, &r), 0);
		assert_int_equal(r.tiles, 0);
		elog_monitor_result_free(&r);
		elog_monitor_state_free(&st);
	}
	srv_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_path),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_fork_same_size),
		cmocka_unit_test(test_fork_larger),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_leaf_hash),
		cmocka_unit_test(test_event_not_commitment),
		cmocka_unit_test(test_not_in_tree),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_huge_checkpoint),
		cmocka_unit_test(test_empty_checkpoint),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_cosign),
		cmocka_unit_test(test_tiles),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
