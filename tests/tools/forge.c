/*
 * forge — the forgeries of the adversarial review, for the tamper tests.
 * They act as someone with write access to the database file would.
 *
 *   forge rekey OLD NEW
 *     Rebuild the log of OLD into the new database NEW (and NEW's .key)
 *     from OLD's leaf data as it now stands: leaf hashes, chain values and
 *     tree hashes recomputed, a checkpoint at every size OLD signed, all
 *     signed with a fresh key of the same origin, which NEW's meta stores.
 *     warrant_use and purge_horizon rows are copied.  A rewrite of OLD's
 *     data then passes every check but the key's.
 *   forge purge DB SEQ [horizon]
 *     Without the log key: delete event SEQ's record and index
 *     rows and append a purge entry {before:1, through_seq:SEQ, events:1}
 *     with correct leaf, chain and tree hashes and no checkpoint; with
 *     "horizon", also the matching purge_horizon row.
 *   forge tail DB
 *     Without the log key: append one valid event (leaf, chain, tree
 *     hashes and index rows as envelogd writes them) and no checkpoint.
 *
 * Exit 0 done, 2 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "entry.h"
#include "rfc3339.h"
#include "store.h"
#include "store_db.h"

static int die(const char *what, const elog_err_t *e)
{
	fprintf(stderr, "forge: %s: %s\n", what, e ? e->msg : "failed");
	return 2;
}

struct sizes {
	uint64_t *v;
	size_t n, cap;
};

static int add_size(void *ctx, uint64_t size, const char *note, size_t len)
{
	struct sizes *s = ctx;
	(void)note;
	(void)len;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint64_t *g = realloc(s->v, cap * sizeof *g);
		if (!g)
			return -1;
		s->v = g;
		s->cap = cap;
	}
	s->v[s->n++] = size;
	return 0;
}

struct copy {
	elog_store *w;
	elog_err_t *err;
};

static int copy_leaf(void *ctx, const elog_leaf *l)
{
	struct copy *c = ctx;
	elog_entry e;
	int rc;
	if (l->kind == ELOG_KIND_EVENT && !l->record)
		return elog_fail(c->err, ELOG_INTERNAL, -1, NULL,
				 "seq %llu is purged",
				 (unsigned long long)l->seq);
	if ((rc = l->record
			  ? elog_entry_from_record(l->record, l->record_len,
						   &e, c->err)
			  : elog_entry_from_data(l->data, l->len, &e, c->err)))
		return rc;
	rc = elog_store_add(c->w, &e, NULL, c->err);
	elog_entry_free(&e);
	return rc;
}

static int rekey(const char *old, const char *new)
{
	elog_err_t err;
	elog_store *r = NULL, *w = NULL;
	elog_signer sk;
	elog_verifier vk;
	struct sizes sz = {0};
	char text[ELOG_KEY_TEXT_MAX], keypath[4096], sql[4200];
	uint64_t done = 0;
	FILE *f;
	mode_t old_mask;

	elog_err_clear(&err);
	if (elog_store_open(old, ELOG_STORE_READ, 0, &r, &err))
		return die("open", &err);
	if (elog_store_checkpoints(r, add_size, &sz, &err))
		return die("checkpoints", &err);
	if (elog_signer_generate(elog_store_origin(r), &sk, &err) ||
	    elog_signer_format(&sk, text, sizeof text, &err))
		return die("key", &err);
	snprintf(keypath, sizeof keypath, "%.*s.key", (int)strlen(new) - 3,
		 new);
	old_mask = umask(077);
	f = fopen(keypath, "w");
	umask(old_mask);
	if (!f)
		return die("cannot write the key", NULL);
	fprintf(f, "%s\n", text);
	fclose(f);
	elog_signer_public(&sk, &vk);
	if (elog_verifier_format(&vk, text, sizeof text, &err) ||
	    elog_store_create(new, elog_store_origin(r), text, &err) ||
	    elog_store_open(new, ELOG_STORE_WRITE, ELOG_SYNC_NORMAL, &w, &err))
		return die("create", &err);
	for (size_t i = 0; i < sz.n; i++) {
		struct copy c = {w, &err};
		elog_commit cm;
		if (elog_store_begin(w, &err) ||
		    elog_store_leaves(r, done, sz.v[i], copy_leaf, &c, &err) ||
		    elog_store_commit(w, &sk, elog_now_ms(), &cm, &err))
			return die("rebuild", &err);
		elog_commit_free(&cm);
		done = sz.v[i];
	}
	snprintf(sql, sizeof sql,
		 "ATTACH '%s' AS old; "
		 "INSERT INTO warrant_use SELECT * FROM old.warrant_use; "
		 "INSERT INTO purge_horizon SELECT * FROM old.purge_horizon; "
		 "DETACH old;",
		 old);
	if (sqlite3_exec(elog_store_db(w), sql, NULL, NULL, NULL) != SQLITE_OK)
		return fprintf(stderr, "forge: copy: %s\n",
			       sqlite3_errmsg(elog_store_db(w))),
		       2;
	printf("%llu\n", (unsigned long long)done);
	free(sz.v);
	elog_store_close(w);
	elog_store_close(r);
	elog_signer_wipe(&sk);
	return 0;
}

static int forged_purge(const char *db, uint64_t seq, int horizon)
{
	elog_err_t err;
	elog_store *w = NULL;
	elog_entry e;
	uint64_t at;
	sqlite3 *h;
	sqlite3_stmt *st = NULL;
	int64_t run = -1;
	char sql[640], sealed[192] = "";
	uint64_t part;

	elog_err_clear(&err);
	if (elog_store_open(db, ELOG_STORE_WRITE, ELOG_SYNC_NORMAL, &w, &err))
		return die("open", &err);
	h = elog_store_db(w);
	/* the sealed run holding seq, if any (its own table: schema 010) */
	snprintf(sql, sizeof sql,
		 "SELECT run FROM index_run WHERE first_seq <= %llu AND "
		 "last_seq >= %llu",
		 (unsigned long long)seq, (unsigned long long)seq);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		run = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (run >= 0)
		snprintf(sealed, sizeof sealed,
			 "DROP TRIGGER IF EXISTS index_sealed_%lld_no_delete; "
			 "DELETE FROM index_sealed_%lld WHERE seq = %llu;",
			 (long long)run, (long long)run,
			 (unsigned long long)seq);
	/* the record's partition (schema 009) */
	part = seq >> (elog_store_index_run_bits(w) + ELOG_INDEX_FANOUT_BITS);
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER IF EXISTS event_data_p%llu_no_delete; "
		 "DELETE FROM event_data_p%llu WHERE seq = %llu; "
		 "DELETE FROM index_hot WHERE seq = %llu; %s %s",
		 (unsigned long long)part, (unsigned long long)part,
		 (unsigned long long)seq, (unsigned long long)seq, sealed,
		 horizon ? "INSERT INTO purge_horizon(before, through_seq, "
			   "created) VALUES (1, ?, 0);"
			 : "");
	if (horizon) { /* the row's through_seq */
		char *q = strchr(sql, '?');
		char tail[64];
		snprintf(tail, sizeof tail, "%llu, 0);",
			 (unsigned long long)seq);
		if (!q || (size_t)(q - sql) + strlen(tail) + 1 > sizeof sql)
			return 2;
		memcpy(q, tail, strlen(tail) + 1);
	}
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fprintf(stderr, "forge: delete: %s\n",
			       sqlite3_errmsg(h)),
		       2;
	if (elog_purge_entry(elog_now_ms(), 1, seq, 1, &e, &err) ||
	    elog_store_begin(w, &err) || elog_store_add(w, &e, &at, &err))
		return die("append", &err);
	/* Commit without signing: the forger has no key. */
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fprintf(stderr, "forge: commit: %s\n",
			       sqlite3_errmsg(h)),
		       2;
	printf("%llu\n", (unsigned long long)at);
	elog_entry_free(&e);
	/* The store still thinks its transaction is open; its rollback on
	 * close is a no-op now. */
	elog_store_close(w);
	return 0;
}

static int tail(const char *db)
{
	elog_err_t err;
	elog_store *w = NULL;
	elog_entry e;
	elog_ingest_rules rules = {.now_ms = elog_now_ms(),
				   .max_future_ms = 300000,
				   .max_events = 1};
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:i}", "ts",
			      (json_int_t)rules.now_ms, "sender",
			      "+447700900999", "recipient", "+447700900998",
			      "type", "message", "size", 10);
	uint64_t at;

	elog_err_clear(&err);
	if (!o || elog_event_from_json(o, 0, &rules, &e, &err))
		return die("event", &err);
	json_decref(o);
	if (elog_store_open(db, ELOG_STORE_WRITE, ELOG_SYNC_NORMAL, &w, &err) ||
	    elog_store_begin(w, &err) || elog_store_add(w, &e, &at, &err) ||
	    elog_store_index_flush(w, &err))
		return die("append", &err);
	/* Commit without signing (the event's index rows are in index_hot,
	 * as a writer's commit leaves them unless it completes a run). */
	if (sqlite3_exec(elog_store_db(w), "COMMIT", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return die("commit", NULL);
	printf("%llu\n", (unsigned long long)at);
	elog_entry_free(&e);
	elog_store_close(w);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "rekey") == 0)
		return rekey(argv[2], argv[3]);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "purge") == 0)
		return forged_purge(argv[2], strtoull(argv[3], NULL, 10),
				    argc == 5 && !strcmp(argv[4], "horizon"));
	if (argc == 3 && strcmp(argv[1], "tail") == 0)
		return tail(argv[2]);
	fprintf(stderr, "usage: forge rekey OLD NEW | forge purge DB SEQ "
			"[horizon] | forge tail DB\n");
	return 2;
}
