/*
 * test_request.c — lawful requests (request.c): opening a signed warrant
 * for the authority bound to a token, the policy and its refusal entries,
 * the disclosure and its records, and the bundle: a good bundle verifies,
 * and each kind of tampering is refused with its error.
 *
 * Every test works on a fresh log (logfx.h) with the authority uk-nca
 * registered and a few events around the window of its warrants.
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

#include "canon.h"
#include "checkpoint.h"
#include "keyring.h"
#include "request.h"
#include "logfx.h"

#define ORIGIN "test.example/log"
#define DAY 86400000LL
#define T0 1700000000000LL /* the window is [T0, T0 + 10 days) */
#define A "+447700900123"  /* subjects */
#define S "+447700900456"
#define C "+447700900777"  /* others */
#define D "+447700900888"

typedef struct rfx {
	logfx *log;
	elog_signer nca, other; /* uk-nca's key; another key named uk-nca */
	uint64_t want[8];       /* the seqs a warrant on A and S must give */
	size_t nwant;
} rfx;

/* ---- helpers ---- */

static void add_event(rfx *f, const char *sender, const char *recipient,
		      int64_t ts, int matches)
{
	uint64_t seq = logfx_event(f->log, sender, recipient, ts);
	if (matches)
		f->want[f->nwant++] = seq;
}

static int setup(void **state)
{
	rfx *f = calloc(1, sizeof *f);
	char vkey[ELOG_KEY_TEXT_MAX];
	elog_verifier v;
	elog_err_t err;

	assert_non_null(f);
	f->log = logfx_new(ORIGIN);
	assert_int_equal(elog_signer_generate("uk-nca", &f->nca, &err), 0);
	assert_int_equal(elog_signer_generate("uk-nca", &f->other, &err), 0);
	elog_signer_public(&f->nca, &v);
	assert_int_equal(elog_verifier_format(&v, vkey, sizeof vkey, &err), 0);
	assert_int_equal(elog_keyring_add(f->log->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", vkey, &err),
			 0);
	/* Around the window [T0, T0 + 10 days) of subjects A and S. */
	add_event(f, A, C, T0, 1);             /* first instant: in */
	add_event(f, C, S, T0 + 3 * DAY, 1);
	add_event(f, C, D, T0 + 3 * DAY, 0);   /* other parties */
	add_event(f, A, C, T0 - 1, 0);         /* before the window */
	add_event(f, A, S, T0 + 5 * DAY, 1);
	add_event(f, A, C, T0 + 10 * DAY, 0);  /* `to` is exclusive */
	add_event(f, D, A, T0 + 10 * DAY - 1, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	rfx *f = *state;
	logfx_free(f->log);
	elog_signer_wipe(&f->nca);
	elog_signer_wipe(&f->other);
	free(f);
	return 0;
}

/* The text of a warrant of uk-nca with nsubjects subjects from subj. */
static char *warrant_text(const char *id, int64_t from, int64_t to,
			  int64_t expires, const char *const *subj,
			  size_t nsubjects)
{
	char buf[4096], t1[32], t2[32], t3[32];
	size_t n = 0;
	int k;

	k = snprintf(buf, sizeof buf,
		     "envelog/warrant/v1\nid %s\nauthority uk-nca\nlog %s\n",
		     id, ORIGIN);
	assert_true(k > 0 && (size_t)k < sizeof buf);
	n = (size_t)k;
	for (size_t i = 0; i < nsubjects; i++) {
		k = snprintf(buf + n, sizeof buf - n, "subject %s\n", subj[i]);
		assert_true(k > 0 && (size_t)k < sizeof buf - n);
		n += (size_t)k;
	}
	k = snprintf(buf + n, sizeof buf - n,
		     "from %s\nto %s\nexpires %s\nbasis Test Act s.1\n",
		     logfx_time(from, t1), logfx_time(to, t2),
		     logfx_time(expires, t3));
	assert_true(k > 0 && (size_t)k < sizeof buf - n);
	return strdup(buf);
}

static const char *const AS[] = {A, S};

/* The usual warrant: id, the window [T0, T0 + 10 days), A and S, signed
 * by uk-nca.  malloc'd note. */
static char *warrant(rfx *f, const char *id)
{
	char *text = warrant_text(id, T0, T0 + 10 * DAY, elog_now_ms() + DAY,
				  AS, 2);
	char *note = logfx_sign(&f->nca, text);
	free(text);
	return note;
}

static elog_policy policy(void)
{
	elog_policy p = {.now_ms = elog_now_ms(),
			 .max_window_ms = 366 * DAY,
			 .max_subjects = 10};
	return p;
}

/* Open note for uk-nca; the status. */
static int open_note(rfx *f, const char *note, elog_request *rq)
{
	elog_err_t err;
	return elog_request_open(f->log->w, "uk-nca", note, strlen(note), rq,
				 &err);
}

/* Open, apply and commit note as the server's writer does; fills *o and
 * the commit (its checkpoint malloc'd in c->checkpoint). */
static void lawful(rfx *f, const char *note, const elog_policy *p,
		   size_t max_records, elog_outcome *o, elog_commit *c)
{
	elog_request rq;
	elog_err_t err;

	assert_int_equal(open_note(f, note, &rq), 0);
	assert_int_equal(elog_store_begin(f->log->w, &err), 0);
	assert_int_equal(elog_request_apply(f->log->w, &rq, p, max_records, o,
					    &err),
			 0);
	memset(c, 0, sizeof *c);
	assert_int_equal(elog_store_commit(f->log->w, &f->log->sk,
					   elog_now_ms(), c, &err),
			 0);
	elog_request_free(&rq);
}

/* A committed disclosure for the usual warrant, as bundle JSON. */
static json_t *good_bundle(rfx *f)
{
	elog_outcome o;
	elog_commit c;
	elog_err_t err;
	json_t *b = NULL;
	char *note = warrant(f, "W-1");
	elog_policy p = policy();

	lawful(f, note, &p, ELOG_MAX_RECORDS, &o, &c);
	assert_null(o.refusal);
	assert_int_equal(elog_bundle_build(f->log->w, &o, c.checkpoint, c.size,
					   &b, &err),
			 0);
	elog_outcome_free(&o);
	elog_commit_free(&c);
	free(note);
	return b;
}

/* elog_bundle_verify of b with key vk and no witnesses; the status. */
static int verify_with(const json_t *b, const elog_verifier *vk,
		       elog_bundle_report *rep)
{
	elog_err_t err;
	char *text = json_dumps(b, JSON_COMPACT);
	int rc;

	assert_non_null(text);
	rc = elog_bundle_verify(text, strlen(text), vk, NULL, 0, 0, rep, &err);
	free(text);
	return rc;
}

static int verify_bundle(rfx *f, const json_t *b)
{
	elog_bundle_report rep;
	return verify_with(b, &f->log->vk, &rep);
}

/* Entry of the last seq committed, parsed. */
static json_t *last_entry(rfx *f, int *kind)
{
	elog_leaf l;
	elog_err_t err;
	json_t *j = NULL;

	assert_int_equal(
		elog_store_leaf(f->log->w, logfx_size(f->log) - 1, &l, &err), 0);
	*kind = l.kind;
	assert_int_equal(elog_json_load(l.data, l.len, &j, &err), 0);
	return j;
}

/* ---- opening a warrant ---- */

static void test_open(void **state)
{
	rfx *f = *state;
	elog_request rq;
	elog_hash h;
	char hex[65], *note = warrant(f, "W-open"), *bad;

	assert_int_equal(open_note(f, note, &rq), 0);
	assert_string_equal(rq.w.id, "W-open");
	assert_string_equal(rq.w.authority, "uk-nca");
	assert_int_equal(rq.w.nsubjects, 2);
	assert_int_equal(rq.w.from, T0);
	assert_int_equal(rq.w.to, T0 + 10 * DAY);
	elog_sha256(note, strlen(note), &h);
	elog_hash_to_hex(&h, hex);
	assert_string_equal(rq.warrant_sha256, hex);
	assert_int_equal(rq.note_len, strlen(note));
	elog_request_free(&rq);

	/* The authority bound to the token must be registered. */
	{
		elog_err_t err;
		assert_int_equal(elog_request_open(f->log->w, "fr-dgsi", note,
						   strlen(note), &rq, &err),
				 -ELOG_UNKNOWN_KEY);
	}
	/* Altered after signing. */
	bad = strdup(note);
	assert_non_null(bad);
	memcpy(strstr(bad, "W-open"), "W-0pen", 6);
	assert_int_equal(open_note(f, bad, &rq), -ELOG_BAD_SIGNATURE);
	free(bad);
	/* The right name with another key. */
	{
		char *text = warrant_text("W-open", T0, T0 + DAY,
					  elog_now_ms() + DAY, AS, 2);
		char *forged = logfx_sign(&f->other, text);
		assert_int_equal(open_note(f, forged, &rq), -ELOG_BAD_SIGNATURE);
		free(forged);
		free(text);
	}
	/* Not a note; a note that is not a warrant. */
	assert_int_equal(open_note(f, "envelog/warrant/v1\n", &rq),
			 -ELOG_MALFORMED_NOTE);
	assert_int_equal(open_note(f, "", &rq), -ELOG_MALFORMED_NOTE);
	bad = logfx_sign(&f->nca, "envelog/warrant/v1\nid W-x\n");
	assert_int_equal(open_note(f, bad, &rq), -ELOG_MALFORMED_WARRANT);
	free(bad);
	/* Signed by uk-nca but naming another authority. */
	{
		char text[512], t1[32], t2[32], t3[32];
		int k = snprintf(text, sizeof text,
				 "envelog/warrant/v1\nid W-x\nauthority "
				 "fr-dgsi\nlog %s\nsubject %s\nfrom %s\nto %s\n"
				 "expires %s\nbasis x\n",
				 ORIGIN, A, logfx_time(T0, t1),
				 logfx_time(T0 + DAY, t2),
				 logfx_time(elog_now_ms() + DAY, t3));
		assert_true(k > 0 && (size_t)k < sizeof text);
		bad = logfx_sign(&f->nca, text);
		assert_int_equal(open_note(f, bad, &rq),
				 -ELOG_AUTHORITY_MISMATCH);
		free(bad);
	}
	free(note);
}

/* ---- the disclosure ---- */

static void test_disclosure(void **state)
{
	rfx *f = *state;
	uint64_t size0 = logfx_size(f->log);
	elog_outcome o;
	elog_commit c;
	elog_hash leaves[8], root;
	char b64[ELOG_HASH_B64_LEN], *note = warrant(f, "W-2");
	elog_policy p = policy();
	json_t *e;
	int kind;

	lawful(f, note, &p, ELOG_MAX_RECORDS, &o, &c);
	assert_null(o.refusal);
	/* Exactly the matching events, in seq order, each once. */
	assert_int_equal(o.nrecords, f->nwant);
	for (size_t i = 0; i < f->nwant; i++) {
		assert_int_equal(o.records[i], f->want[i]);
		leaves[i] = logfx_leaf_hash(f->log, f->want[i]);
	}
	assert_int_equal(o.ndata, f->nwant);
	/* The disclosure is the one entry appended, and the commit covers
	 * it. */
	assert_int_equal(o.seq, size0);
	assert_int_equal(logfx_size(f->log), size0 + 1);
	assert_int_equal(c.size, size0 + 1);
	assert_int_equal(o.partly_purged, 0);
	e = last_entry(f, &kind);
	assert_int_equal(kind, ELOG_KIND_DISCLOSURE);
	assert_string_equal(json_string_value(json_object_get(e, "authority")),
			    "uk-nca");
	assert_string_equal(
		json_string_value(json_object_get(e, "warrant_id")), "W-2");
	assert_int_equal(json_integer_value(json_object_get(e, "subjects")), 2);
	assert_int_equal(json_integer_value(json_object_get(e, "records")),
			 f->nwant);
	assert_int_equal(json_integer_value(json_object_get(e, "from")), T0);
	assert_int_equal(json_integer_value(json_object_get(e, "to")),
			 T0 + 10 * DAY);
	elog_root_of_leaves(leaves, f->nwant, &root);
	elog_hash_to_b64(&root, b64);
	if (json_object_get(e, "records_root"))
		assert_string_equal(
			json_string_value(json_object_get(e, "records_root")),
			b64);
	json_decref(e);
	elog_outcome_free(&o);
	elog_commit_free(&c);
	free(note);
}

static void test_disclosure_of_nothing(void **state)
{
	rfx *f = *state;
	const char *const nobody[] = {"+449999999999"};
	char *text = warrant_text("W-none", T0, T0 + DAY, elog_now_ms() + DAY,
				  nobody, 1);
	char *note = logfx_sign(&f->nca, text);
	elog_outcome o;
	elog_commit c;
	elog_err_t err;
	elog_bundle_report rep;
	json_t *b = NULL;
	elog_policy p = policy();

	lawful(f, note, &p, ELOG_MAX_RECORDS, &o, &c);
	assert_null(o.refusal);
	assert_int_equal(o.nrecords, 0);
	assert_int_equal(elog_bundle_build(f->log->w, &o, c.checkpoint, c.size,
					   &b, &err),
			 0);
	assert_int_equal(json_array_size(json_object_get(b, "records")), 0);
	assert_int_equal(verify_with(b, &f->log->vk, &rep), 0);
	assert_int_equal(rep.records, 0);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(b, "disclosure"),
						 "entry"),
				 "subjects")),
			 1);
	json_decref(b);
	elog_outcome_free(&o);
	elog_commit_free(&c);
	free(note);
	free(text);
}

/* ---- refusals ---- */

/* Apply note under p (max_records m): refused with reason, the refusal
 * entry the one entry appended, at the seq reported. */
static void expect_refusal(rfx *f, const char *note, const elog_policy *p,
			   size_t m, const char *reason)
{
	uint64_t size0 = logfx_size(f->log);
	elog_outcome o;
	elog_commit c;
	json_t *e;
	int kind;

	lawful(f, note, p, m, &o, &c);
	assert_non_null(o.refusal);
	assert_string_equal(o.refusal, reason);
	assert_int_equal(o.seq, size0);
	assert_int_equal(o.nrecords, 0);
	assert_int_equal(logfx_size(f->log), size0 + 1);
	e = last_entry(f, &kind);
	assert_int_equal(kind, ELOG_KIND_REFUSAL);
	assert_string_equal(json_string_value(json_object_get(e, "reason")),
			    reason);
	assert_string_equal(json_string_value(json_object_get(e, "authority")),
			    "uk-nca");
	json_decref(e);
	elog_outcome_free(&o);
	elog_commit_free(&c);
}

static void refuse_text(rfx *f, const char *text, const elog_policy *p,
			size_t m, const char *reason)
{
	char *note = logfx_sign(&f->nca, text);
	expect_refusal(f, note, p, m, reason);
	free(note);
}

static void test_refusals(void **state)
{
	rfx *f = *state;
	int64_t now = elog_now_ms();
	elog_policy p = policy();
	const char *const eleven[] = {"+441", "+442", "+443", "+444",
				      "+445", "+446", "+447", "+448",
				      "+449", "+4410", "+4411"};
	char *t;

	t = warrant_text("W-exp", T0, T0 + DAY, now - 1000, AS, 2);
	refuse_text(f, t, &p, ELOG_MAX_RECORDS, "expired");
	free(t);
	t = warrant_text("W-eq", T0, T0, now + DAY, AS, 2);
	refuse_text(f, t, &p, ELOG_MAX_RECORDS, "window_reversed");
	free(t);
	t = warrant_text("W-rev", T0 + DAY, T0, now + DAY, AS, 2);
	refuse_text(f, t, &p, ELOG_MAX_RECORDS, "window_reversed");
	free(t);
	t = warrant_text("W-none", T0, T0 + DAY, now + DAY, AS, 0);
	refuse_text(f, t, &p, ELOG_MAX_RECORDS, "no_subjects");
	free(t);
	t = warrant_text("W-11", T0, T0 + DAY, now + DAY, eleven, 11);
	refuse_text(f, t, &p, ELOG_MAX_RECORDS, "too_many_subjects");
	free(t);

	/* The policy's limits, just past and just inside. */
	p.max_window_ms = 7 * DAY;
	p.max_subjects = 2;
	t = warrant_text("W-long", T0, T0 + 7 * DAY + 1000, now + DAY, AS, 2);
	refuse_text(f, t, &p, ELOG_MAX_RECORDS, "window_too_long");
	free(t);
	t = warrant_text("W-3", T0, T0 + DAY, now + DAY, eleven, 3);
	refuse_text(f, t, &p, ELOG_MAX_RECORDS, "too_many_subjects");
	free(t);
	{
		elog_outcome o;
		elog_commit c;
		char *note;
		t = warrant_text("W-in", T0, T0 + 7 * DAY, now + DAY, AS, 2);
		note = logfx_sign(&f->nca, t);
		lawful(f, note, &p, ELOG_MAX_RECORDS, &o, &c);
		assert_null(o.refusal);
		elog_outcome_free(&o);
		elog_commit_free(&c);
		free(note);
		free(t);
	}

	/* More matching events than max_records: never a truncated bundle. */
	{
		char *note = warrant(f, "W-many");
		elog_policy dflt = policy();
		elog_outcome o;
		elog_commit c;
		expect_refusal(f, note, &dflt, f->nwant - 1, "too_many_records");
		lawful(f, note, &dflt, f->nwant, &o, &c);
		assert_null(o.refusal);
		assert_int_equal(o.nrecords, f->nwant);
		elog_outcome_free(&o);
		elog_commit_free(&c);
		free(note);
	}
}

static void test_id_reuse(void **state)
{
	rfx *f = *state;
	elog_policy p = policy();
	elog_outcome o;
	elog_commit c;
	const char *const other[] = {A, C};
	char *note = warrant(f, "W-5"), *text, *changed;

	/* The same id with the same text is answered again. */
	lawful(f, note, &p, ELOG_MAX_RECORDS, &o, &c);
	assert_null(o.refusal);
	elog_outcome_free(&o);
	elog_commit_free(&c);
	lawful(f, note, &p, ELOG_MAX_RECORDS, &o, &c);
	assert_null(o.refusal);
	elog_outcome_free(&o);
	elog_commit_free(&c);
	/* The same id with another text is refused. */
	text = warrant_text("W-5", T0, T0 + 10 * DAY, elog_now_ms() + DAY,
			    other, 2);
	changed = logfx_sign(&f->nca, text);
	expect_refusal(f, changed, &p, ELOG_MAX_RECORDS, "id_reused");
	free(changed);
	free(text);
	free(note);
}

/* ---- the bundle ---- */

static void test_bundle_verifies(void **state)
{
	rfx *f = *state;
	json_t *b = good_bundle(f);
	elog_bundle_report rep;
	json_t *r;
	size_t i;

	assert_int_equal(verify_with(b, &f->log->vk, &rep), 0);
	assert_int_equal(rep.records, f->nwant);
	assert_int_equal(rep.seq, logfx_size(f->log) - 1);
	assert_int_equal(rep.size, logfx_size(f->log));
	assert_string_equal(rep.authority, "uk-nca");
	assert_string_equal(rep.warrant_id, "W-1");
	assert_int_equal(rep.witnesses, 0);
	json_array_foreach(json_object_get(b, "records"), i, r)
		assert_int_equal(json_integer_value(json_object_get(r, "seq")),
				 f->want[i]);
	json_decref(b);
}

/* The object of a bundle's first record that holds the event's fields. */
static json_t *record_fields(json_t *b, size_t i)
{
	json_t *r = json_array_get(json_object_get(b, "records"), i);
	json_t *ev = json_object_get(r, "record");
	return ev ? ev : json_object_get(r, "entry");
}

/* Change a base64 hash in place to another valid one. */
static void change_hash(json_t *arr, size_t i)
{
	char s[ELOG_HASH_B64_LEN];
	json_t *h = json_array_get(arr, i);

	assert_true(json_is_string(h));
	snprintf(s, sizeof s, "%s", json_string_value(h));
	s[0] = s[0] == 'A' ? 'B' : 'A';
	json_array_set_new(arr, i, json_string(s));
}

/* A bundle whose second record is another event of the log (disclosed to
 * another warrant, so with its data as a bundle carries it), between the
 * first and the third in seq order, with a valid proof, under the
 * disclosure of the usual warrant. */
static void test_bundle_other_records(void **state)
{
	rfx *f = *state;
	elog_policy p = policy();
	elog_outcome o, o2;
	elog_commit c, c2;
	elog_err_t err;
	json_t *b = NULL;
	const char *const cd[] = {C, D};
	char *note = warrant(f, "W-swap"), *text, *note2;
	size_t k;

	lawful(f, note, &p, ELOG_MAX_RECORDS, &o, &c);
	assert_null(o.refusal);
	assert_true(o.nrecords >= 3);
	text = warrant_text("W-cd", T0, T0 + 10 * DAY, elog_now_ms() + DAY, cd,
			    2);
	note2 = logfx_sign(&f->nca, text);
	lawful(f, note2, &p, ELOG_MAX_RECORDS, &o2, &c2);
	assert_null(o2.refusal);
	for (k = 0; k < o2.nrecords; k++)
		if (o2.records[k] > o.records[0] &&
		    o2.records[k] < o.records[2] &&
		    o2.records[k] != o.records[1])
			break;
	assert_true(k < o2.nrecords && k < o2.ndata);
	o.records[1] = o2.records[k];
	free(o.data[1]);
	o.data[1] = strdup(o2.data[k]);
	assert_non_null(o.data[1]);
	assert_int_equal(elog_bundle_build(f->log->w, &o, c.checkpoint, c.size,
					   &b, &err),
			 0);
	assert_int_equal(verify_bundle(f, b), -ELOG_PROOF_INVALID);
	json_decref(b);
	elog_outcome_free(&o);
	elog_outcome_free(&o2);
	elog_commit_free(&c);
	elog_commit_free(&c2);
	free(note);
	free(note2);
	free(text);
}

static void test_bundle_tampered(void **state)
{
	rfx *f = *state;
	json_t *good = good_bundle(f), *b;
	elog_verifier wrong;
	elog_bundle_report rep;
	elog_signer other;
	elog_err_t err;

	assert_true(f->nwant >= 2);
#define TAMPERED(code, ...)                                                    \
	do {                                                                   \
		b = json_deep_copy(good);                                      \
		__VA_ARGS__;                                                   \
		assert_int_equal(verify_bundle(f, b), -(code));                \
		json_decref(b);                                                \
	} while (0)

	/* A record changed: the size, the recipient. */
	TAMPERED(ELOG_PROOF_INVALID,
		 json_object_set_new(record_fields(b, 1), "size",
				     json_integer(1025)));
	TAMPERED(ELOG_PROOF_INVALID,
		 json_object_set_new(record_fields(b, 0), "recipient",
				     json_string("+447700900999")));
	/* A record's proof changed, cut short, or moved to another seq. */
	TAMPERED(ELOG_PROOF_INVALID,
		 change_hash(json_object_get(json_array_get(
				     json_object_get(b, "records"), 1),
					     "proof"),
			     0));
	TAMPERED(ELOG_PROOF_INVALID,
		 json_array_remove(json_object_get(json_array_get(
					   json_object_get(b, "records"), 0),
						   "proof"),
				   0));
	TAMPERED(ELOG_PROOF_INVALID,
		 json_object_set_new(json_array_get(
					     json_object_get(b, "records"), 0),
				     "seq", json_integer(1)));
	/* A record removed: the disclosure's count no longer matches. */
	TAMPERED(ELOG_PROOF_INVALID,
		 json_array_remove(json_object_get(b, "records"), 1));
	/* Records out of order. */
	TAMPERED(ELOG_MALFORMED_BUNDLE, {
		json_t *rs = json_object_get(b, "records");
		json_t *first = json_incref(json_array_get(rs, 0));
		json_array_remove(rs, 0);
		json_array_append_new(rs, first);
	});
	/* The disclosure entry edited: its counts, its authority. */
	TAMPERED(ELOG_PROOF_INVALID,
		 json_object_set_new(
			 json_object_get(json_object_get(b, "disclosure"),
					 "entry"),
			 "subjects", json_integer(1)));
	TAMPERED(ELOG_PROOF_INVALID,
		 json_object_set_new(
			 json_object_get(json_object_get(b, "disclosure"),
					 "entry"),
			 "authority", json_string("fr-dgsi")));
	TAMPERED(ELOG_PROOF_INVALID,
		 change_hash(json_object_get(json_object_get(b, "disclosure"),
					     "proof"),
			     0));
	/* The checkpoint's signature broken, or its body changed. */
	TAMPERED(ELOG_BAD_SIGNATURE, {
		char cp[1024];
		size_t n;
		snprintf(cp, sizeof cp, "%s",
			 json_string_value(json_object_get(b, "checkpoint")));
		n = strlen(cp);
		assert_true(n > 20);
		cp[n - 10] = cp[n - 10] == 'A' ? 'B' : 'A';
		json_object_set_new(b, "checkpoint", json_string(cp));
	});
	TAMPERED(ELOG_BAD_SIGNATURE, {
		char cp[1024], *nl;
		snprintf(cp, sizeof cp, "%s",
			 json_string_value(json_object_get(b, "checkpoint")));
		nl = strchr(cp, '\n');
		assert_non_null(nl);
		nl[1] = nl[1] == '9' ? '8' : (char)(nl[1] + 1);
		json_object_set_new(b, "checkpoint", json_string(cp));
	});
	/* Not a bundle. */
	TAMPERED(ELOG_MALFORMED_BUNDLE, json_object_del(b, "records"));
	TAMPERED(ELOG_MALFORMED_BUNDLE,
		 json_object_del(json_object_get(b, "disclosure"), "proof"));
#undef TAMPERED

	/* The right bundle against another key of the log's name. */
	assert_int_equal(elog_signer_generate(ORIGIN, &other, &err), 0);
	elog_signer_public(&other, &wrong);
	assert_int_equal(verify_with(good, &wrong, &rep), -ELOG_BAD_SIGNATURE);
	elog_signer_wipe(&other);
	/* Witnesses required, none cosigned. */
	{
		char *text = json_dumps(good, JSON_COMPACT);
		assert_int_equal(elog_bundle_verify(text, strlen(text),
						    &f->log->vk, &wrong, 1, 1,
						    &rep, &err),
				 -ELOG_BAD_SIGNATURE);
		free(text);
	}
	/* The untouched bundle still verifies. */
	assert_int_equal(verify_bundle(f, good), 0);
	json_decref(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disclosure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disclosure_of_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_verifies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bundle_other_records,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_tampered, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
