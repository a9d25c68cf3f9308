/*
 * logfx.h — a fresh log for the unit tests of the modules above the store
 * (request, ledger): a temporary directory with the database, the log's
 * key pair, a writer on it, and helpers to append events and entries and
 * to sign notes.  Include after <cmocka.h>.
 */
#ifndef ELOG_TEST_LOGFX_H
#define ELOG_TEST_LOGFX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "entry.h"
#include "merkle.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"

typedef struct logfx {
	char dir[64];
	char path[128];
	elog_signer sk; /* the log's key; its name is the origin */
	elog_verifier vk;
	char vkey[ELOG_KEY_TEXT_MAX];
	elog_store *w;  /* the writer */
	elog_ingest_rules rules;
} logfx;

/* A new empty log of origin, with its writer open.  Free with logfx_free. */
static inline logfx *logfx_new(const char *origin)
{
	logfx *f = calloc(1, sizeof *f);
	elog_err_t err;
	int k;

	assert_non_null(f);
	k = snprintf(f->dir, sizeof f->dir, "/tmp/elog-test-XXXXXX");
	assert_true(k > 0 && (size_t)k < sizeof f->dir);
	assert_non_null(mkdtemp(f->dir));
	k = snprintf(f->path, sizeof f->path, "%s/log.db", f->dir);
	assert_true(k > 0 && (size_t)k < sizeof f->path);
	assert_int_equal(elog_signer_generate(origin, &f->sk, &err), 0);
	elog_signer_public(&f->sk, &f->vk);
	assert_int_equal(
		elog_verifier_format(&f->vk, f->vkey, sizeof f->vkey, &err), 0);
	assert_int_equal(elog_store_create(f->path, origin, f->vkey, &err), 0);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_NORMAL, &f->w, &err),
			 0);
	f->rules.now_ms = elog_now_ms();
	f->rules.max_future_ms = 300000;
	f->rules.max_events = ELOG_MAX_BATCH;
	return f;
}

static inline void logfx_free(logfx *f)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char p[160];

	if (!f)
		return;
	elog_store_close(f->w);
	for (size_t i = 0; i < 3; i++) {
		int k = snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
		assert_true(k > 0 && (size_t)k < sizeof p);
		unlink(p);
	}
	rmdir(f->dir);
	elog_signer_wipe(&f->sk);
	free(f);
}

static inline uint64_t logfx_size(logfx *f)
{
	uint64_t n = 0;
	elog_err_t err;

	assert_int_equal(elog_store_size(f->w, &n, &err), 0);
	return n;
}

/* Append e (then freed) in a commit of its own; its seq. */
static inline uint64_t logfx_entry(logfx *f, elog_entry *e)
{
	elog_commit c;
	elog_err_t err;

	memset(&c, 0, sizeof c);
	assert_int_equal(elog_store_append(f->w, e, 1, &f->sk, elog_now_ms(),
					   &c, &err),
			 0);
	elog_entry_free(e);
	elog_commit_free(&c);
	return c.first;
}

/* Append one event, as ingest would, in a commit of its own; its seq. */
static inline uint64_t logfx_event(logfx *f, const char *sender,
				   const char *recipient, int64_t ts)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:i}", "ts", (json_int_t)ts,
			      "sender", sender, "recipient", recipient, "type",
			      "message", "size", 1024);
	elog_entry e;
	elog_err_t err;

	assert_non_null(o);
	assert_int_equal(elog_event_from_json(o, 0, &f->rules, &e, &err), 0);
	json_decref(o);
	return logfx_entry(f, &e);
}

/* The leaf hash of seq, as stored. */
static inline elog_hash logfx_leaf_hash(logfx *f, uint64_t seq)
{
	elog_leaf l;
	elog_err_t err;

	assert_int_equal(elog_store_leaf(f->w, seq, &l, &err), 0);
	return l.leaf_hash;
}

/* text signed with s as a note; malloc'd. */
static inline char *logfx_sign(const elog_signer *s, const char *text)
{
	char *note = NULL;
	elog_err_t err;

	assert_int_equal(elog_note_sign(text, strlen(text), s, &note, NULL,
					&err),
			 0);
	return note;
}

/* ms as RFC 3339 UTC text, for warrants. */
static inline const char *logfx_time(int64_t ms, char buf[32])
{
	elog_rfc3339_format(ms, buf);
	return buf;
}

#endif
