/*
 * store_pg.c — the store's PostgreSQL backend (store_pg.h): the reads and
 * writes of store.c on one libpq connection, schema/pg/NNN_*.sql.
 *
 * store.c keeps what both backends share (the frontier, the chain value,
 * the signing of checkpoints, the tree-hash memo, the confirmation of a
 * lawful request's candidates) and calls these functions where it would
 * touch SQLite.  Parameters go in binary (int8, bytea, text); results come
 * back binary, so every integer column read here is a bigint.
 *
 * A writer's rows wait in memory (COPY buffers, binary format) until the
 * commit, or until a read in its transaction needs them (elog_pg_flush):
 * one COPY per table per group commit.
 */
#include "store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "param.h"
#include "rfc3339.h"
#include "schema.h"
#include "store_pg_query.h"

/* The session advisory lock a log's writer holds: one per database. */
#define WRITER_LOCK "7306090297101830759" /* "envelog" in ASCII */
/* The transaction lock the migrations run under. */
#define MIGRATE_LOCK "7306090297101830760"

#define INT8OID 20
#define TEXTOID 25
#define BYTEAOID 17
#define INT8ARRAYOID 1016
#define MAX_PARAMS 8

/* A COPY ... FROM STDIN (FORMAT binary) of one table, being filled. */
struct copybuf {
	uint8_t *b;
	size_t len, cap;
	size_t rows;
};

struct elog_pg {
	PGconn *conn;
	char *conninfo;
	int mode;
	unsigned bits;	    /* meta.index_run_bits, once known */
	int64_t parts_upto; /* highest partition known to exist (-1: none) */
	int64_t saved_parts;
	int in_read; /* in a read transaction of elog_pg_read_begin */
	/* elog_pg_index_has's window of index rows: seqs [idx_lo, idx_hi),
	 * in seq order (verification asks for every event in turn) */
	struct idx_row {
		int64_t party, ts, seq;
	} * idx;
	size_t idx_n, idx_cap;
	int64_t idx_lo, idx_hi;
	struct copybuf entry, event, index, tree;
	char *leaf_buf; /* elog_pg_leaf's copy of the leaf data */
	size_t leaf_cap;
	char msg[256]; /* the last error, for its message */
};

/* One statement's parameters, binary. */
struct params {
	int n;
	Oid type[MAX_PARAMS];
	const char *val[MAX_PARAMS];
	int len[MAX_PARAMS];
	int fmt[MAX_PARAMS];
	uint8_t ibuf[MAX_PARAMS][8];
};

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void p_int(struct params *p, int64_t v)
{
	int i = p->n++;
	put_be64(p->ibuf[i], (uint64_t)v);
	p->type[i] = INT8OID;
	p->val[i] = (const char *)p->ibuf[i];
	p->len[i] = 8;
	p->fmt[i] = 1;
}

static void p_bytes(struct params *p, const void *v, size_t len)
{
	int i = p->n++;
	p->type[i] = BYTEAOID;
	p->val[i] = v ? (const char *)v : "";
	p->len[i] = (int)len;
	p->fmt[i] = 1;
}

static void p_text(struct params *p, const char *v, size_t len)
{
	int i = p->n++;
	p->type[i] = TEXTOID;
	p->val[i] = v;
	p->len[i] = (int)len;
	p->fmt[i] = 1;
}

/* A text parameter of type oid (an array literal). */
static void p_literal(struct params *p, Oid oid, const char *v)
{
	int i = p->n++;
	p->type[i] = oid;
	p->val[i] = v;
	p->len[i] = 0;
	p->fmt[i] = 0;
}

static int connect_db(elog_pg *pg, elog_err_t *err);

static int pg_fail(elog_pg *pg, elog_err_t *err, const char *what,
		   const PGresult *res)
{
	const char *m = res ? PQresultErrorMessage(res) : "";
	size_t n;
	if (!m || !*m)
		m = pg->conn ? PQerrorMessage(pg->conn) : "no connection";
	snprintf(pg->msg, sizeof pg->msg, "%s", m && *m ? m : "unknown error");
	/* libpq's first line says it; the rest points into the SQL */
	pg->msg[strcspn(pg->msg, "\n")] = '\0';
	n = strlen(pg->msg);
	while (n > 0 && (pg->msg[n - 1] == '\n' || pg->msg[n - 1] == ' '))
		pg->msg[--n] = '\0';
	return elog_fail(err,
			 elog_pg_unavailable(pg->conn, res)
				 ? ELOG_DB_UNAVAILABLE
				 : ELOG_IO,
			 -1, NULL, "database error while %s: %s", what,
			 pg->msg);
}

/* Run sql with p (may be NULL), binary results.  *out (caller clears) is
 * the result when it has the status wanted; else an error. */
static int run(elog_pg *pg, const char *sql, const struct params *p,
	       ExecStatusType want, PGresult **out, const char *what,
	       elog_err_t *err)
{
	PGresult *r;
	int rc;
	*out = NULL;
	r = PQexecParams(pg->conn, sql, p ? p->n : 0, p ? p->type : NULL,
			 p ? p->val : NULL, p ? p->len : NULL,
			 p ? p->fmt : NULL, 1);
	/* A reader whose connection was lost (the server restarted, or
	 * failed over) connects again once, outside a read transaction:
	 * nothing of its state is lost.  A writer is left to
	 * elog_store_reconnect. */
	if (PQstatus(pg->conn) == CONNECTION_BAD &&
	    pg->mode == ELOG_STORE_READ && !pg->in_read) {
		PQclear(r);
		if ((rc = connect_db(pg, err)))
			return rc;
		r = PQexecParams(pg->conn, sql, p ? p->n : 0,
				 p ? p->type : NULL, p ? p->val : NULL,
				 p ? p->len : NULL, p ? p->fmt : NULL, 1);
	}
	if (r && PQresultStatus(r) == want) {
		*out = r;
		return 0;
	}
	rc = pg_fail(pg, err, what, r);
	PQclear(r);
	return rc;
}

/* Run sql, which returns no rows. */
static int run_cmd(elog_pg *pg, const char *sql, const struct params *p,
		   const char *what, elog_err_t *err)
{
	PGresult *r;
	int rc = run(pg, sql, p, PGRES_COMMAND_OK, &r, what, err);
	PQclear(r);
	return rc;
}

/* Column col of row as an integer: a bigint (8 bytes); 0 when NULL. */
static int64_t col_int(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
		return 0;
	return (int64_t)get_be64((const uint8_t *)PQgetvalue(r, row, col));
}

static int col_hash(const PGresult *r, int row, int col, elog_hash *out)
{
	if (PQgetisnull(r, row, col) ||
	    PQgetlength(r, row, col) != ELOG_HASH_LEN)
		return -1;
	memcpy(out->b, PQgetvalue(r, row, col), ELOG_HASH_LEN);
	return 0;
}

/* Run sql, which returns one row of one bigint (NULL: 0), into *v. */
static int run_int(elog_pg *pg, const char *sql, const struct params *p,
		   int64_t *v, const char *what, elog_err_t *err)
{
	PGresult *r;
	int rc = run(pg, sql, p, PGRES_TUPLES_OK, &r, what, err);
	if (rc)
		return rc;
	*v = PQntuples(r) > 0 ? col_int(r, 0, 0) : 0;
	PQclear(r);
	return 0;
}

PGconn *elog_pg_conn(elog_pg *pg)
{
	return pg->conn;
}

/* ---- connection, lock, schema ---- */

static int connect_db(elog_pg *pg, elog_err_t *err)
{
	PGresult *r;
	if (pg->conn)
		PQfinish(pg->conn);
	pg->in_read = 0;
	pg->idx_lo = pg->idx_hi = 0;
	pg->conn = PQconnectdb(pg->conninfo);
	if (!pg->conn)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		/* libpq's lines (one or more per host tried) as one line */
		const char *m = PQerrorMessage(pg->conn);
		size_t n = 0;
		for (; *m && n + 3 < sizeof pg->msg; m++) {
			if (*m != '\n') {
				pg->msg[n++] = *m == '\t' ? ' ' : *m;
				continue;
			}
			while (m[1] == '\t' || m[1] == ' ')
				m++;
			if (m[1]) {
				pg->msg[n++] = ';';
				pg->msg[n++] = ' ';
			}
		}
		pg->msg[n] = '\0';
		return elog_fail(err, ELOG_DB_UNAVAILABLE, -1, NULL,
				 "cannot connect to the PostgreSQL database: "
				 "%s",
				 pg->msg);
	}
	/* Quiet notices (IF NOT EXISTS), and a reader that writes nothing. */
	r = PQexec(pg->conn, pg->mode == ELOG_STORE_READ
				     ? "SET client_min_messages = warning; SET "
				       "default_transaction_read_only = on"
				     : "SET client_min_messages = warning");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		int rc = pg_fail(pg, err, "configuring the connection", r);
		PQclear(r);
		return rc;
	}
	PQclear(r);
	return 0;
}

/* Tries of take_lock, LOCK_WAIT_MS apart: a writer that was killed holds
 * the lock until its server process notices the closed connection, which
 * may come a moment after the writer started again. */
#define LOCK_TRIES 20
#define LOCK_WAIT_MS 100

/* The writer's lock: a second writer of the log fails (within about two
 * seconds) and never commits. */
static int take_lock(elog_pg *pg, elog_err_t *err)
{
	for (int i = 0; i < LOCK_TRIES; i++) {
		PGresult *r;
		int got, rc = run(pg,
				  "SELECT pg_try_advisory_lock(" WRITER_LOCK
				  ")",
				  NULL, PGRES_TUPLES_OK, &r,
				  "taking the writer's lock", err);
		if (rc)
			return rc;
		/* a boolean, binary: one byte */
		got = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 1 &&
		      PQgetvalue(r, 0, 0)[0] == 1;
		PQclear(r);
		if (got)
			return 0;
		if (i + 1 < LOCK_TRIES) {
			struct timespec ts = {0, LOCK_WAIT_MS * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	return elog_fail(err, ELOG_CONFLICT, -1, NULL,
			 "another writer holds this log (a writer already "
			 "has it open: one envelogd, or envelog purge, at a "
			 "time)");
}

/* The database's meta.schema_version (0: no log there), refusing one newer
 * than this program. */
static int schema_version(elog_pg *pg, int *version, elog_err_t *err)
{
	PGresult *r;
	int64_t has;
	int rc;
	*version = 0;
	if ((rc = run_int(pg,
			  "SELECT (to_regclass('meta') IS NOT NULL)::int::int8",
			  NULL, &has, "reading the schema version", err)))
		return rc;
	if (!has)
		return 0;
	if ((rc = run(pg, "SELECT value FROM meta WHERE key = 'schema_version'",
		      NULL, PGRES_TUPLES_OK, &r, "reading the schema version",
		      err)))
		return rc;
	if (PQntuples(r) == 1) {
		uint64_t v;
		if (elog_param_uint(PQgetvalue(r, 0, 0), 1000000, &v) != 0) {
			PQclear(r);
			return elog_fail(err, ELOG_IO, -1, NULL,
					 "meta.schema_version is damaged");
		}
		*version = (int)v;
	}
	PQclear(r);
	if (*version > elog_schema_pg_count)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "the database schema (version %d) is newer "
				 "than this program (version %d)",
				 *version, elog_schema_pg_count);
	return 0;
}

/* Apply the migrations above the database's version, each in its own
 * transaction under the migration lock (so that two openers do not both
 * apply one). */
static int migrate(elog_pg *pg, elog_err_t *err)
{
	int version, rc;
	for (;;) {
		struct params p = {0};
		int64_t locked;
		char v[16];
		if ((rc = run_cmd(pg, "BEGIN", NULL, "migrating", err)))
			return rc;
		if ((rc = run_int(pg,
				  "SELECT 0::int8 FROM pg_advisory_xact_lock(" MIGRATE_LOCK
				  ")",
				  NULL, &locked, "migrating", err)) ||
		    (rc = schema_version(pg, &version, err)))
			goto fail;
		if (version == elog_schema_pg_count)
			return run_cmd(pg, "COMMIT", NULL, "migrating", err);
		{
			PGresult *r = PQexec(pg->conn, elog_schema_pg[version]);
			const char *state = PQresultErrorField(r,
							       PG_DIAG_SQLSTATE);
			if (state && !strcmp(state, "42501"))
				rc = elog_fail(err, ELOG_IO, -1, NULL,
					       "the database schema (version "
					       "%d) must be migrated by the "
					       "role that owns the log's "
					       "tables: open it for writing "
					       "once as that role (envelogd "
					       "--db naming it)",
					       version);
			else if (PQresultStatus(r) != PGRES_COMMAND_OK &&
				 PQresultStatus(r) != PGRES_TUPLES_OK)
				rc = pg_fail(pg, err, "migrating", r);
			if (rc) {
				PQclear(r);
				goto fail;
			}
			PQclear(r);
		}
		snprintf(v, sizeof v, "%d", version + 1);
		p_text(&p, v, strlen(v));
		if ((rc = run_cmd(pg,
				  "INSERT INTO meta(key, value) VALUES "
				  "('schema_version', $1) ON CONFLICT (key) "
				  "DO UPDATE SET value = excluded.value",
				  &p, "migrating", err)) ||
		    (rc = run_cmd(pg, "COMMIT", NULL, "migrating", err)))
			goto fail;
	}
fail:
	PQclear(PQexec(pg->conn, "ROLLBACK"));
	return rc;
}

static void copybuf_free(struct copybuf *c)
{
	free(c->b);
	memset(c, 0, sizeof *c);
}

void elog_pg_free(elog_pg *pg)
{
	if (!pg)
		return;
	/* The writer's lock goes now, not when the server notices the
	 * closed connection: a writer started next must find it free. */
	if (pg->conn && pg->mode == ELOG_STORE_WRITE &&
	    PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "SELECT pg_advisory_unlock_all()"));
	if (pg->conn)
		PQfinish(pg->conn);
	free(pg->conninfo);
	copybuf_free(&pg->entry);
	copybuf_free(&pg->event);
	copybuf_free(&pg->index);
	copybuf_free(&pg->tree);
	free(pg->leaf_buf);
	free(pg->idx);
	free(pg);
}

/* The highest partition of event_index there is (-1: none). */
static int load_parts(elog_pg *pg, elog_err_t *err)
{
	return run_int(pg,
		       "SELECT coalesce(max(substr(c.relname, 14)::int8), -1) "
		       "FROM pg_inherits i JOIN pg_class c ON c.oid = "
		       "i.inhrelid WHERE i.inhparent = 'event_index'::regclass",
		       NULL, &pg->parts_upto, "reading the index partitions",
		       err);
}

int elog_pg_connect(const char *conninfo, int mode, int creating,
		    elog_pg **out, elog_err_t *err)
{
	elog_pg *pg = calloc(1, sizeof *pg);
	int version, rc;

	*out = NULL;
	if (!pg || !(pg->conninfo = strdup(conninfo))) {
		free(pg);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	pg->mode = mode;
	pg->parts_upto = -1;
	if ((rc = connect_db(pg, err)))
		goto out;
	if (creating) {
		if ((rc = schema_version(pg, &version, err)))
			goto out;
		if (version > 0) {
			rc = elog_fail(err, ELOG_CONFLICT, -1, NULL,
				       "the PostgreSQL database already holds "
				       "a log");
			goto out;
		}
	}
	if (mode == ELOG_STORE_WRITE && (rc = take_lock(pg, err)))
		goto out;
	if (mode != ELOG_STORE_READ)
		rc = migrate(pg, err);
	else
		rc = schema_version(pg, &version, err);
	if (rc)
		goto out;
	if (!creating && mode == ELOG_STORE_READ && version == 0) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "the PostgreSQL database holds no log (run "
			       "envelog init)");
		goto out;
	}
	if (mode == ELOG_STORE_WRITE && (rc = load_parts(pg, err)))
		goto out;
	*out = pg;
	pg = NULL;
out:
	elog_pg_free(pg);
	return rc;
}

int elog_pg_reconnect(elog_pg *pg, elog_err_t *err)
{
	int rc;
	copybuf_free(&pg->entry);
	copybuf_free(&pg->event);
	copybuf_free(&pg->index);
	copybuf_free(&pg->tree);
	if ((rc = connect_db(pg, err)))
		return rc;
	if (pg->mode == ELOG_STORE_WRITE &&
	    ((rc = take_lock(pg, err)) || (rc = load_parts(pg, err))))
		return rc;
	return 0;
}

void elog_pg_set_bits(elog_pg *pg, unsigned bits)
{
	pg->bits = bits;
}

int elog_pg_set_sync(elog_pg *pg, int sync, elog_err_t *err)
{
	/* FULL: on the primary's disk (and its synchronous standbys', if
	 * configured) when the commit returns; NORMAL: on the primary's
	 * disk only. */
	return run_cmd(pg,
		       sync == ELOG_SYNC_NORMAL
			       ? "SET synchronous_commit = local"
			       : "SET synchronous_commit = on",
		       NULL, "setting the sync mode", err);
}

/* ---- meta ---- */

int elog_pg_meta_get(elog_pg *pg, const char *key, char *buf, size_t cap,
		     elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	int rc;
	p_text(&p, key, strlen(key));
	if ((rc = run(pg, "SELECT value FROM meta WHERE key = $1", &p,
		      PGRES_TUPLES_OK, &r, "reading meta", err)))
		return rc;
	if (PQntuples(r) != 1)
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, key,
			       "meta value %s is not set", key);
	else if ((size_t)PQgetlength(r, 0, 0) >= cap)
		rc = elog_fail(err, ELOG_INTERNAL, -1, key,
			       "meta value %s is too long", key);
	else
		memcpy(buf, PQgetvalue(r, 0, 0),
		       (size_t)PQgetlength(r, 0, 0) + 1);
	PQclear(r);
	return rc;
}

int elog_pg_meta_set(elog_pg *pg, const char *key, const char *value,
		     elog_err_t *err)
{
	struct params p = {0};
	p_text(&p, key, strlen(key));
	p_text(&p, value, strlen(value));
	return run_cmd(pg,
		       "INSERT INTO meta(key, value) VALUES ($1, $2) ON "
		       "CONFLICT (key) DO UPDATE SET value = excluded.value",
		       &p, "writing meta", err);
}

/* ---- transactions ---- */

int elog_pg_exec(elog_pg *pg, const char *sql, elog_err_t *err)
{
	return run_cmd(pg, sql, NULL, "running a statement", err);
}

int elog_pg_in_tx(const elog_pg *pg)
{
	return PQtransactionStatus(pg->conn) != PQTRANS_IDLE;
}

int elog_pg_begin(elog_pg *pg, uint64_t size, elog_err_t *err)
{
	int rc;
	/* The partitions of the current run and the next, outside the
	 * transaction, so that the schema lock of their making is not held
	 * until the commit (elog_pg_ensure_parts). */
	if (pg->bits &&
	    (rc = elog_pg_ensure_parts(pg, (int64_t)(size >> pg->bits) + 1,
				       err)))
		return rc;
	if ((rc = run_cmd(pg, "BEGIN", NULL, "beginning a transaction", err)))
		return rc;
	pg->saved_parts = pg->parts_upto;
	return 0;
}

void elog_pg_rollback(elog_pg *pg)
{
	pg->entry.len = pg->event.len = pg->index.len = pg->tree.len = 0;
	pg->entry.rows = pg->event.rows = pg->index.rows = pg->tree.rows = 0;
	if (PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	pg->parts_upto = pg->saved_parts;
}

int elog_pg_commit(elog_pg *pg, elog_err_t *err)
{
	PGresult *r;
	int rc;
	if ((rc = elog_pg_flush(pg, err)) ||
	    (rc = run(pg, "COMMIT", NULL, PGRES_COMMAND_OK, &r, "committing",
		      err)))
		return rc;
	/* COMMIT of a failed transaction reports ROLLBACK. */
	if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "database error while committing: the "
			       "transaction was rolled back");
	PQclear(r);
	return rc;
}

int elog_pg_ensure_parts(elog_pg *pg, int64_t upto, elog_err_t *err)
{
	int rc;
	while (pg->parts_upto < upto) {
		int64_t k = pg->parts_upto + 1;
		struct params p = {0};
		int64_t made;
		/* elog_make_partition (schema/pg/002): made, then attached,
		 * by the tables' owner; it refuses any k but the next. */
		p_int(&p, k);
		rc = run_int(pg, "SELECT elog_make_partition($1)", &p, &made,
			     "creating an index partition", err);
		if (rc)
			return rc;
		pg->parts_upto = k;
	}
	return 0;
}

/* ---- roles ---- */

/* The grants of a least-privilege writer role (and a reader role) on the
 * tables of the connection's schema; %1$s the schema, %2$s the writer. */
static const char grants_writer[] =
	"REVOKE ALL ON ALL TABLES IN SCHEMA %1$s FROM %2$s; "
	"GRANT USAGE ON SCHEMA %1$s TO %2$s; "
	"GRANT SELECT ON ALL TABLES IN SCHEMA %1$s TO %2$s; "
	/* the log: append only */
	"GRANT INSERT ON entry, event_data, event_index, index_run, "
	"tree_hash, checkpoint, cosignature, warrant_use, purge_horizon "
	"TO %2$s; "
	/* the registries: added, and revoked (envelogd's admin API) */
	"GRANT INSERT, UPDATE (revoked) ON token, authority, witness TO %2$s; "
	"GRANT USAGE ON ALL SEQUENCES IN SCHEMA %1$s TO %2$s; "
	/* retry-safe ingest: put (an upsert) and expired */
	"GRANT INSERT, UPDATE, DELETE ON ingest_key TO %2$s; "
	"GRANT EXECUTE ON FUNCTION elog_make_partition(bigint), "
	"elog_purge_below(bigint) TO %2$s";
static const char
	grants_reader[] = "REVOKE ALL ON ALL TABLES IN SCHEMA %1$s FROM %2$s; "
			  "GRANT USAGE ON SCHEMA %1$s TO %2$s; "
			  "GRANT SELECT ON ALL TABLES IN SCHEMA %1$s TO %2$s";

/* Refuse a role that would not be held by the grants: the tables' owner
 * (the connection's role), a member of it, or a superuser. */
static int check_role(elog_pg *pg, const char *role, elog_err_t *err)
{
	struct params p = {0};
	int64_t bad;
	int rc;
	p_text(&p, role, strlen(role));
	if ((rc = run_int(pg,
			  "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM pg_roles "
			  "WHERE rolname = $1) THEN 1 WHEN (SELECT rolsuper "
			  "FROM pg_roles WHERE rolname = $1) THEN 2 WHEN "
			  "pg_has_role($1, current_user, 'MEMBER') THEN 3 "
			  "ELSE 0 END::int8",
			  &p, &bad, "checking a role", err)))
		return rc;
	if (bad)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, NULL,
				 "role %s %s", role,
				 bad == 1   ? "does not exist"
				 : bad == 2 ? "is a superuser: it would "
					      "bypass every grant"
					    : "is the tables' owner or a "
					      "member of it: it would own "
					      "the log");
	return 0;
}

static int grant_one(elog_pg *pg, const char *tmpl, const char *schema,
		     const char *role, elog_err_t *err)
{
	char *id = NULL, *sch = NULL, sql[2048];
	int rc;
	id = PQescapeIdentifier(pg->conn, role, strlen(role));
	sch = PQescapeIdentifier(pg->conn, schema, strlen(schema));
	if (!id || !sch) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, NULL,
			       "bad role name %s", role);
		goto out;
	}
	if ((size_t)snprintf(sql, sizeof sql, tmpl, sch, id) >= sizeof sql) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, NULL,
			       "role name %s is too long", role);
		goto out;
	}
	{
		PGresult *r = PQexec(pg->conn, sql);
		rc = PQresultStatus(r) == PGRES_COMMAND_OK
			     ? 0
			     : pg_fail(pg, err, "granting to a role", r);
		PQclear(r);
	}
out:
	PQfreemem(id);
	PQfreemem(sch);
	return rc;
}

int elog_pg_grant(elog_pg *pg, const char *writer, const char *reader,
		  int check_only, elog_err_t *err)
{
	PGresult *r;
	char schema[128];
	int rc;
	if ((writer && (rc = check_role(pg, writer, err))) ||
	    (reader && (rc = check_role(pg, reader, err))))
		return rc;
	if (check_only)
		return 0;
	if ((rc = run(pg, "SELECT current_schema()", NULL, PGRES_TUPLES_OK, &r,
		      "granting to a role", err)))
		return rc;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0) ||
	    (size_t)PQgetlength(r, 0, 0) >= sizeof schema) {
		PQclear(r);
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "the connection has no current schema");
	}
	memcpy(schema, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0) + 1);
	PQclear(r);
	if ((rc = run_cmd(pg, "BEGIN", NULL, "granting to a role", err)))
		return rc;
	if ((writer &&
	     (rc = grant_one(pg, grants_writer, schema, writer, err))) ||
	    (reader &&
	     (rc = grant_one(pg, grants_reader, schema, reader, err)))) {
		PQclear(PQexec(pg->conn, "ROLLBACK"));
		return rc;
	}
	return run_cmd(pg, "COMMIT", NULL, "granting to a role", err);
}

/* ---- the writer's rows, by COPY ---- */

static int cb_grow(struct copybuf *c, size_t more, elog_err_t *err)
{
	if (c->len + more > c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 65536;
		uint8_t *g;
		while (nc < c->len + more)
			nc *= 2;
		if (!(g = realloc(c->b, nc)))
			return elog_fail(err, ELOG_NOMEM, -1, NULL,
					 "out of memory");
		c->b = g;
		c->cap = nc;
	}
	return 0;
}

static void cb_u16(struct copybuf *c, int v)
{
	c->b[c->len++] = (uint8_t)((unsigned)v >> 8);
	c->b[c->len++] = (uint8_t)(v & 0xff);
}

static void cb_u32(struct copybuf *c, int32_t v)
{
	uint32_t u = (uint32_t)v;
	for (int i = 3; i >= 0; i--)
		c->b[c->len++] = (uint8_t)(u >> (8 * i));
}

static void cb_int(struct copybuf *c, int64_t v)
{
	cb_u32(c, 8);
	put_be64(c->b + c->len, (uint64_t)v);
	c->len += 8;
}

static void cb_bytes(struct copybuf *c, const void *p, size_t len)
{
	cb_u32(c, (int32_t)len);
	if (len)
		memcpy(c->b + c->len, p, len);
	c->len += len;
}

int elog_pg_add_entry(elog_pg *pg, uint64_t seq, const elog_entry *e,
		      const elog_hash *leaf, const elog_hash *chain,
		      elog_err_t *err)
{
	int64_t part = (int64_t)(seq >> pg->bits);
	int rc;
	if (e->kind == ELOG_KIND_EVENT && part > pg->parts_upto &&
	    (rc = elog_pg_ensure_parts(pg, part, err)))
		return rc;
	if ((rc = cb_grow(&pg->entry, 2 + 4 * 6 + 8 * 3 + e->len + 64, err)))
		return rc;
	cb_u16(&pg->entry, 6);
	cb_int(&pg->entry, (int64_t)seq);
	cb_int(&pg->entry, e->kind);
	if (e->kind != ELOG_KIND_EVENT)
		cb_int(&pg->entry, e->ts);
	else
		cb_u32(&pg->entry, -1);
	cb_bytes(&pg->entry, e->data, e->len);
	cb_bytes(&pg->entry, leaf->b, ELOG_HASH_LEN);
	cb_bytes(&pg->entry, chain->b, ELOG_HASH_LEN);
	pg->entry.rows++;
	if (e->kind != ELOG_KIND_EVENT)
		return 0;
	if ((rc = cb_grow(&pg->event, 2 + 4 * 3 + 16 + e->record_len, err)))
		return rc;
	cb_u16(&pg->event, 3);
	cb_int(&pg->event, (int64_t)seq);
	cb_int(&pg->event, e->ts);
	cb_bytes(&pg->event, e->record, e->record_len);
	pg->event.rows++;
	return 0;
}

int elog_pg_add_index(elog_pg *pg, int64_t party, int64_t ts, uint64_t seq,
		      elog_err_t *err)
{
	int rc;
	if ((rc = cb_grow(&pg->index, 2 + 3 * 12, err)))
		return rc;
	cb_u16(&pg->index, 3);
	cb_int(&pg->index, party);
	cb_int(&pg->index, ts);
	cb_int(&pg->index, (int64_t)seq);
	pg->index.rows++;
	return 0;
}

int elog_pg_add_tree(elog_pg *pg, int64_t id, const elog_hash *h,
		     elog_err_t *err)
{
	int rc;
	if ((rc = cb_grow(&pg->tree, 2 + 12 + 4 + ELOG_HASH_LEN, err)))
		return rc;
	cb_u16(&pg->tree, 2);
	cb_int(&pg->tree, id);
	cb_bytes(&pg->tree, h->b, ELOG_HASH_LEN);
	pg->tree.rows++;
	return 0;
}

/* COPY the rows waiting in c into the table (columns cols). */
static int copy_out(elog_pg *pg, struct copybuf *c, const char *cols,
		    elog_err_t *err)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	static const char trailer[2] = {(char)0xff, (char)0xff};
	char sql[160];
	PGresult *r;
	int rc = 0;

	if (c->rows == 0)
		return 0;
	snprintf(sql, sizeof sql, "COPY %s FROM STDIN (FORMAT binary)", cols);
	r = PQexec(pg->conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		rc = pg_fail(pg, err, "writing the log", r);
		PQclear(r);
		goto out;
	}
	PQclear(r);
	if (PQputCopyData(pg->conn, header, sizeof header) != 1 ||
	    PQputCopyData(pg->conn, (const char *)c->b, (int)c->len) != 1 ||
	    PQputCopyData(pg->conn, trailer, sizeof trailer) != 1 ||
	    PQputCopyEnd(pg->conn, NULL) != 1)
		rc = pg_fail(pg, err, "writing the log", NULL);
	while ((r = PQgetResult(pg->conn))) {
		if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = pg_fail(pg, err, "writing the log", r);
		PQclear(r);
	}
out:
	c->len = 0;
	c->rows = 0;
	return rc;
}

int elog_pg_flush(elog_pg *pg, elog_err_t *err)
{
	int rc;
	pg->idx_lo = pg->idx_hi = 0;
	if ((rc = copy_out(pg, &pg->entry,
			   "entry(seq, kind, ts, data, leaf_hash, chain_hash)",
			   err)) ||
	    (rc = copy_out(pg, &pg->event, "event_data(seq, ts, data)", err)) ||
	    (rc = copy_out(pg, &pg->index, "event_index(party, ts, seq)",
			   err)) ||
	    (rc = copy_out(pg, &pg->tree, "tree_hash(id, hash)", err)))
		return rc;
	return 0;
}

int elog_pg_pending(const elog_pg *pg)
{
	return pg->entry.rows || pg->event.rows || pg->index.rows ||
	       pg->tree.rows;
}

int elog_pg_add_checkpoint(elog_pg *pg, uint64_t size, const elog_hash *root,
			   const char *note, size_t len, int64_t now_ms,
			   elog_err_t *err)
{
	struct params p = {0};
	p_int(&p, (int64_t)size);
	p_bytes(&p, root->b, ELOG_HASH_LEN);
	p_text(&p, note, len);
	p_int(&p, now_ms);
	return run_cmd(pg,
		       "INSERT INTO checkpoint(size, root, note, created) "
		       "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
		       &p, "writing the checkpoint", err);
}

int elog_pg_seal(elog_pg *pg, uint64_t first, uint64_t last, elog_err_t *err)
{
	struct params p = {0};
	p_int(&p, (int64_t)(first >> pg->bits));
	p_int(&p, (int64_t)first);
	p_int(&p, (int64_t)last);
	return run_cmd(pg,
		       "INSERT INTO index_run(run, level, first_seq, "
		       "last_seq, min_ts, max_ts) SELECT $1, 0, $2, $3, "
		       "min(ts), max(ts) FROM event_index WHERE seq >= $2 "
		       "AND seq <= $3",
		       &p, "sealing the index", err);
}

/* ---- reading ---- */

int elog_pg_read_begin(elog_pg *pg, int *began, elog_err_t *err)
{
	int rc;
	*began = 0;
	if (PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		return 0;
	if ((rc = run_cmd(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
			  NULL, "starting a read", err)))
		return rc;
	*began = 1;
	pg->in_read = 1;
	return 0;
}

void elog_pg_read_end(elog_pg *pg, int began)
{
	if (began) {
		PQclear(PQexec(pg->conn, "COMMIT"));
		pg->in_read = 0;
	}
	pg->idx_lo = pg->idx_hi = 0; /* another snapshot next time */
}

int elog_pg_size(elog_pg *pg, uint64_t *size, elog_err_t *err)
{
	int64_t v;
	int rc = run_int(pg, "SELECT coalesce(max(seq) + 1, 0) FROM entry",
			 NULL, &v, "counting entries", err);
	if (rc == 0)
		*size = (uint64_t)v;
	return rc;
}

int elog_pg_last_chain(elog_pg *pg, elog_hash *out, elog_err_t *err)
{
	PGresult *r;
	int rc = run(pg,
		     "SELECT chain_hash FROM entry ORDER BY seq DESC LIMIT 1",
		     NULL, PGRES_TUPLES_OK, &r, "reading the chain", err);
	if (rc)
		return rc;
	if (PQntuples(r) != 1 || col_hash(r, 0, 0, out) < 0)
		rc = elog_fail(err, ELOG_TAMPERED, -1, NULL,
			       "the last entry has no chain value");
	PQclear(r);
	return rc;
}

int elog_pg_hash(elog_pg *pg, int level, uint64_t index, elog_hash *out,
		 elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	int rc;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	p_int(&p, level == 0 ? (int64_t)index
			     : (int64_t)elog_stored_hash_index(level, index));
	if ((rc = run(pg,
		      level == 0 ? "SELECT leaf_hash FROM entry WHERE seq = $1"
				 : "SELECT hash FROM tree_hash WHERE id = $1",
		      &p, PGRES_TUPLES_OK, &r, "reading a tree hash", err)))
		return rc;
	if (PQntuples(r) != 1 || col_hash(r, 0, 0, out) < 0)
		rc = elog_fail(err, ELOG_TAMPERED, -1, NULL,
			       "tree hash (level %d, index %llu) is missing "
			       "or damaged",
			       level, (unsigned long long)index);
	PQclear(r);
	return rc;
}

/* An entry with its public leaf data and, for events, the record from
 * event_data (NULL if purged). */
#define LEAF_SELECT \
	"SELECT e.seq, e.kind, coalesce(v.ts, e.ts), e.data, " \
	"e.leaf_hash, e.chain_hash, v.data FROM entry e LEFT JOIN " \
	"event_data v ON v.seq = e.seq AND e.kind = 0 "

static const char *col_blob(const PGresult *r, int row, int col, size_t *len)
{
	*len = 0;
	if (PQgetisnull(r, row, col))
		return NULL;
	*len = (size_t)PQgetlength(r, row, col);
	return PQgetvalue(r, row, col);
}

/* Row row of a LEAF_SELECT into *l (pointing into r). */
static void fill_leaf(const PGresult *r, int row, elog_leaf *l)
{
	l->seq = (uint64_t)col_int(r, row, 0);
	l->kind = (int)col_int(r, row, 1);
	l->ts = PQgetisnull(r, row, 2) ? -1 : col_int(r, row, 2);
	l->data = col_blob(r, row, 3, &l->len);
	if (col_hash(r, row, 4, &l->leaf_hash) < 0)
		memset(&l->leaf_hash, 0, sizeof l->leaf_hash);
	if (col_hash(r, row, 5, &l->chain_hash) < 0)
		memset(&l->chain_hash, 0, sizeof l->chain_hash);
	l->record = col_blob(r, row, 6, &l->record_len);
}

int elog_pg_leaf(elog_pg *pg, uint64_t seq, elog_leaf *out, elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	int rc;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	p_int(&p, (int64_t)seq);
	if ((rc = run(pg, LEAF_SELECT "WHERE e.seq = $1", &p, PGRES_TUPLES_OK,
		      &r, "reading an entry", err)))
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return elog_fail(err, ELOG_NOT_FOUND, -1, "seq",
				 "no entry %llu", (unsigned long long)seq);
	}
	fill_leaf(r, 0, out);
	/* A copy, valid until the next call on the store. */
	rc = elog_store_leaf_keep(out, &pg->leaf_buf, &pg->leaf_cap, err);
	PQclear(r);
	return rc;
}

/* Rows of a walk read per round trip. */
#define WALK_CHUNK 4096

int elog_pg_leaves(elog_pg *pg, uint64_t start, uint64_t end, elog_leaf_fn fn,
		   void *ctx, elog_err_t *err)
{
	uint64_t next = start;
	int rc;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	while (next < end) {
		struct params p = {0};
		PGresult *r;
		int n;
		p_int(&p, (int64_t)next);
		p_int(&p, (int64_t)end);
		p_int(&p, WALK_CHUNK);
		if ((rc = run(pg,
			      LEAF_SELECT "WHERE e.seq >= $1 AND e.seq < $2 "
					  "ORDER BY e.seq LIMIT $3",
			      &p, PGRES_TUPLES_OK, &r, "reading entries", err)))
			return rc;
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			elog_leaf l;
			/* NUL-terminated: libpq ends every value with one */
			fill_leaf(r, i, &l);
			if ((rc = fn(ctx, &l)) != 0) {
				PQclear(r);
				return rc;
			}
			next = l.seq + 1;
		}
		PQclear(r);
		if (n < WALK_CHUNK)
			break;
	}
	return 0;
}

int elog_pg_tile_rows(elog_pg *pg, int hashes, uint64_t first, unsigned width,
		      elog_pg_row_fn fn, void *ctx, elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	int rc;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	p_int(&p, (int64_t)first);
	p_int(&p, (int64_t)(first + width));
	if ((rc = run(pg,
		      hashes ? "SELECT seq, leaf_hash FROM entry WHERE seq >= "
			       "$1 AND seq < $2 ORDER BY seq"
			     : "SELECT seq, data FROM entry WHERE seq >= $1 "
			       "AND seq < $2 ORDER BY seq",
		      &p, PGRES_TUPLES_OK, &r, "reading a tile", err)))
		return rc;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		size_t len;
		const char *v = col_blob(r, i, 1, &len);
		rc = fn(ctx, (uint64_t)col_int(r, i, 0), v, len, err);
	}
	PQclear(r);
	return rc;
}

/* ids as an int8[] literal (malloc'd), NULL when out of memory. */
static char *int8_array(const int64_t *ids, size_t n)
{
	size_t cap = 2 + n * 21;
	char *lit = malloc(cap), *w = lit;
	if (!lit)
		return NULL;
	*w++ = '{';
	for (size_t i = 0; i < n; i++)
		w += snprintf(w, cap - (size_t)(w - lit), "%s%lld",
			      i ? "," : "", (long long)ids[i]);
	snprintf(w, cap - (size_t)(w - lit), "}");
	return lit;
}

int elog_pg_leaves_at(elog_pg *pg, const uint64_t *seqs, size_t n,
		      elog_leaf_fn fn, void *ctx, elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	char *lit;
	int rc = 0;
	if (n == 0)
		return 0;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	/* a seq below 2^63 is the same int64_t */
	if (!(lit = int8_array((const int64_t *)seqs, n)))
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	p_literal(&p, INT8ARRAYOID, lit);
	rc = run(pg,
		 LEAF_SELECT "WHERE e.seq = ANY($1::int8[]) ORDER BY e.seq",
		 &p, PGRES_TUPLES_OK, &r, "reading entries", err);
	free(lit);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		elog_leaf l;
		if ((size_t)PQntuples(r) <= i ||
		    (uint64_t)col_int(r, (int)i, 0) != seqs[i]) {
			rc = elog_fail(err, ELOG_NOT_FOUND, -1, "seq",
				       "no entry %llu",
				       (unsigned long long)seqs[i]);
			break;
		}
		fill_leaf(r, (int)i, &l);
		rc = fn(ctx, &l);
	}
	PQclear(r);
	return rc;
}

/* The hashes of ids (tree_hash ids, or leaves' seqs) in order, in one
 * query. */
static int hashes_by_id(elog_pg *pg, int leaves, const int64_t *ids, size_t n,
			elog_hash *out, elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	char *lit;
	int rc;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	if (!(lit = int8_array(ids, n)))
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	p_literal(&p, INT8ARRAYOID, lit);
	rc = run(pg,
		 leaves ? "SELECT t.leaf_hash FROM unnest($1::int8[]) WITH "
			  "ORDINALITY AS u(id, o) LEFT JOIN entry t ON t.seq = "
			  "u.id ORDER BY u.o"
			: "SELECT t.hash FROM unnest($1::int8[]) WITH ORDINALITY "
			  "AS u(id, o) LEFT JOIN tree_hash t ON t.id = u.id "
			  "ORDER BY u.o",
		 &p, PGRES_TUPLES_OK, &r, "reading tree hashes", err);
	free(lit);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++)
		if ((size_t)PQntuples(r) != n ||
		    col_hash(r, (int)i, 0, &out[i]))
			rc = elog_fail(err, ELOG_TAMPERED, -1, NULL,
				       leaves ? "the leaf hash of entry %lld is "
						"missing or damaged"
					      : "tree hash %lld is missing or "
						"damaged",
				       (long long)ids[i]);
	PQclear(r);
	return rc;
}

int elog_pg_tree_hashes(elog_pg *pg, const int64_t *ids, size_t n,
			elog_hash *out, elog_err_t *err)
{
	return hashes_by_id(pg, 0, ids, n, out, err);
}

int elog_pg_leaf_hashes(elog_pg *pg, const int64_t *seqs, size_t n,
			elog_hash *out, elog_err_t *err)
{
	return hashes_by_id(pg, 1, seqs, n, out, err);
}

/* ---- checkpoints ---- */

/* Append the cosignature lines stored for size to the malloc'd note. */
static int with_cosignatures(elog_pg *pg, uint64_t size, char **note,
			     size_t *len, elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	int rc;
	p_int(&p, (int64_t)size);
	if ((rc = run(pg,
		      "SELECT line FROM cosignature WHERE size = $1 ORDER BY "
		      "created, witness",
		      &p, PGRES_TUPLES_OK, &r, "reading cosignatures", err)))
		return rc;
	for (int i = 0; i < PQntuples(r); i++) {
		if ((rc = elog_store_note_add_line(note, len,
						   PQgetvalue(r, i, 0),
						   (size_t)PQgetlength(r, i, 0),
						   err))) {
			PQclear(r);
			return rc;
		}
	}
	PQclear(r);
	return 0;
}

int elog_pg_checkpoint(elog_pg *pg, int which, uint64_t size, char **note,
		       size_t *len, uint64_t *cp_size, elog_err_t *err)
{
	static const char *const sql[] = {
		[ELOG_PG_CP_LATEST] = "SELECT size, note FROM checkpoint ORDER "
				      "BY size DESC LIMIT 1",
		[ELOG_PG_CP_AT] = "SELECT size, note FROM checkpoint WHERE "
				  "size = $1",
		[ELOG_PG_CP_COVERING] = "SELECT size, note FROM checkpoint "
					"WHERE size >= $1 ORDER BY size LIMIT "
					"1",
	};
	struct params p = {0};
	PGresult *r;
	uint64_t sz;
	size_t n;
	int rc;

	*note = NULL;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	if (which != ELOG_PG_CP_LATEST)
		p_int(&p, (int64_t)size);
	if ((rc = run(pg, sql[which], &p, PGRES_TUPLES_OK, &r,
		      "reading a checkpoint", err)))
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
				 "no such checkpoint");
	}
	sz = (uint64_t)col_int(r, 0, 0);
	n = (size_t)PQgetlength(r, 0, 1);
	if (!(*note = malloc(n + 1))) {
		PQclear(r);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	memcpy(*note, PQgetvalue(r, 0, 1), n);
	(*note)[n] = '\0';
	PQclear(r);
	*len = n;
	if (cp_size)
		*cp_size = sz;
	rc = which != ELOG_PG_CP_COVERING
		     ? with_cosignatures(pg, sz, note, len, err)
		     : 0;
	if (rc) {
		free(*note);
		*note = NULL;
	}
	return rc;
}

int elog_pg_checkpoints(elog_pg *pg, elog_checkpoint_fn fn, void *ctx,
			elog_err_t *err)
{
	int64_t next = 0;
	int rc;
	for (;;) {
		struct params p = {0};
		PGresult *r;
		int n;
		p_int(&p, next);
		p_int(&p, WALK_CHUNK);
		if ((rc = run(pg,
			      "SELECT size, note FROM checkpoint WHERE size >= "
			      "$1 ORDER BY size LIMIT $2",
			      &p, PGRES_TUPLES_OK, &r, "reading checkpoints",
			      err)))
			return rc;
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			int64_t sz = col_int(r, i, 0);
			if ((rc = fn(ctx, (uint64_t)sz, PQgetvalue(r, i, 1),
				     (size_t)PQgetlength(r, i, 1))) != 0) {
				PQclear(r);
				return rc;
			}
			next = sz + 1;
		}
		PQclear(r);
		if (n < WALK_CHUNK)
			return 0;
	}
}

int elog_pg_add_cosignature(elog_pg *pg, uint64_t size, const char *witness,
			    const char *line, size_t len, int64_t now_ms,
			    elog_err_t *err)
{
	struct params p = {0};
	p_int(&p, (int64_t)size);
	p_text(&p, witness, strlen(witness));
	p_text(&p, line, len);
	p_int(&p, now_ms);
	return run_cmd(pg,
		       "INSERT INTO cosignature(size, witness, line, created) "
		       "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
		       &p, "storing a cosignature", err);
}

int elog_pg_checkpoint_time(elog_pg *pg, int64_t *created_ms, elog_err_t *err)
{
	PGresult *r;
	int rc = run(pg,
		     "SELECT created FROM checkpoint ORDER BY size DESC LIMIT 1",
		     NULL, PGRES_TUPLES_OK, &r,
		     "reading the latest checkpoint", err);
	if (rc)
		return rc;
	if (PQntuples(r) == 1)
		*created_ms = col_int(r, 0, 0);
	else
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
			       "no checkpoint yet");
	PQclear(r);
	return rc;
}

/* ---- the lawful-request index ---- */

int elog_pg_candidates(elog_pg *pg, const int64_t *hash, size_t nsubjects,
		       int64_t from, int64_t to, size_t limit, uint64_t **cand,
		       size_t *nc, int *truncated, elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	char *lit, *w;
	size_t cap = 2 + nsubjects * 22, n;
	int64_t lo;
	int rc;

	*cand = NULL;
	*nc = 0;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	/* The first seq worth reading: the first of the sealed runs whose ts
	 * range meets the window, else where the unsealed partitions begin
	 * (their ts range is not recorded: always read).  Given as a value,
	 * it lets the planner leave out every partition below it. */
	p_int(&p, from);
	p_int(&p, to);
	if ((rc = run_int(pg,
			  "SELECT coalesce(min(first_seq) FILTER (WHERE min_ts "
			  "< $2 AND max_ts >= $1), max(last_seq) + 1, 0) FROM "
			  "index_run",
			  &p, &lo, "querying the event index", err)))
		return rc;
	if (!(lit = malloc(cap)))
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	w = lit;
	*w++ = '{';
	for (size_t i = 0; i < nsubjects; i++)
		w += snprintf(w, cap - (size_t)(w - lit), "%s%lld",
			      i ? "," : "", (long long)hash[i]);
	snprintf(w, cap - (size_t)(w - lit), "}");
	p.n = 0;
	p_literal(&p, INT8ARRAYOID, lit);
	p_int(&p, from);
	p_int(&p, to);
	p_int(&p, (int64_t)limit + 1);
	p_int(&p, lo);
	/* Each partition's key (party, ts, seq): one search per subject. */
	rc = run(pg,
		 "SELECT seq FROM event_index WHERE party = ANY($1::int8[]) "
		 "AND ts >= $2 AND ts < $3 AND seq >= $5 LIMIT $4",
		 &p, PGRES_TUPLES_OK, &r, "querying the event index", err);
	free(lit);
	if (rc)
		return rc;
	n = (size_t)PQntuples(r);
	if (n > limit) {
		*truncated = 1;
		n = limit;
	}
	if (!(*cand = malloc((n ? n : 1) * sizeof **cand))) {
		PQclear(r);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		(*cand)[i] = (uint64_t)col_int(r, (int)i, 0);
	*nc = n;
	PQclear(r);
	return 0;
}

int elog_pg_index_runs(elog_pg *pg, elog_index_run **runs, size_t *n,
		       elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	elog_index_run *v;
	int rc, nt;

	*runs = NULL;
	*n = 0;
	/* The runs are the complete partitions (below the end of the last
	 * sealed run) and the rows of index_run, matched by number: a
	 * partition without its row comes with no ts range, a row without
	 * its partition as it is, so that verification finds either. */
	p_int(&p, pg->bits);
	if ((rc = run(pg,
		      "WITH p AS (SELECT substr(c.relname, 14)::int8 AS k "
		      "FROM pg_inherits i JOIN pg_class c ON c.oid = "
		      "i.inhrelid WHERE i.inhparent = "
		      "'event_index'::regclass), "
		      "b AS (SELECT coalesce(max(last_seq) + 1, 0) AS hot "
		      "FROM index_run) "
		      "SELECT coalesce(r.run, s.k), coalesce(r.level, 0), "
		      "coalesce(r.first_seq, s.k << $1::int4), "
		      "coalesce(r.last_seq, ((s.k + 1) << $1::int4) - 1), "
		      "r.min_ts, r.max_ts FROM (SELECT k FROM p, b WHERE "
		      "((k + 1) << $1::int4) <= b.hot) s FULL JOIN index_run "
		      "r ON r.run = s.k ORDER BY 3",
		      &p, PGRES_TUPLES_OK, &r, "reading the index runs", err)))
		return rc;
	nt = PQntuples(r);
	if (!(v = calloc(nt ? (size_t)nt : 1, sizeof *v))) {
		PQclear(r);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	for (int i = 0; i < nt; i++) {
		v[i].run = col_int(r, i, 0);
		v[i].level = (int)col_int(r, i, 1);
		v[i].first_seq = (uint64_t)col_int(r, i, 2);
		v[i].last_seq = (uint64_t)col_int(r, i, 3);
		v[i].has_ts = !PQgetisnull(r, i, 4) && !PQgetisnull(r, i, 5);
		v[i].min_ts = col_int(r, i, 4);
		v[i].max_ts = col_int(r, i, 5);
	}
	PQclear(r);
	*runs = v;
	*n = (size_t)nt;
	return 0;
}

/* Index rows read per window of elog_pg_index_has. */
#define IDX_WINDOW 8192

int elog_pg_index_has(elog_pg *pg, int64_t run_id, int64_t party, int64_t ts,
		      uint64_t seq, int *found, elog_err_t *err)
{
	size_t lo, hi;
	int rc;
	/* A run is a partition: the one holding seq, the partial one too. */
	(void)run_id;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	if ((int64_t)seq < pg->idx_lo || (int64_t)seq >= pg->idx_hi) {
		struct params p = {0};
		PGresult *r;
		size_t n;
		pg->idx_lo = pg->idx_hi = 0;
		p_int(&p, (int64_t)seq);
		p_int(&p, (int64_t)seq + IDX_WINDOW);
		if ((rc = run(pg,
			      "SELECT party, ts, seq FROM event_index WHERE seq "
			      ">= $1 AND seq < $2 ORDER BY seq",
			      &p, PGRES_TUPLES_OK, &r,
			      "reading the event index", err)))
			return rc;
		n = (size_t)PQntuples(r);
		if (n > pg->idx_cap) {
			struct idx_row *g = realloc(pg->idx, n * sizeof *g);
			if (!g) {
				PQclear(r);
				return elog_fail(err, ELOG_NOMEM, -1, NULL,
						 "out of memory");
			}
			pg->idx = g;
			pg->idx_cap = n;
		}
		for (size_t i = 0; i < n; i++) {
			pg->idx[i].party = col_int(r, (int)i, 0);
			pg->idx[i].ts = col_int(r, (int)i, 1);
			pg->idx[i].seq = col_int(r, (int)i, 2);
		}
		PQclear(r);
		pg->idx_n = n;
		pg->idx_lo = (int64_t)seq;
		pg->idx_hi = (int64_t)seq + IDX_WINDOW;
	}
	/* the first row of seq, by bisection */
	lo = 0;
	hi = pg->idx_n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pg->idx[mid].seq < (int64_t)seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	for (; lo < pg->idx_n && pg->idx[lo].seq == (int64_t)seq; lo++)
		if (pg->idx[lo].party == party && pg->idx[lo].ts == ts)
			*found = 1;
	return 0;
}

/* One partition's rows (seqs [lo, hi)) to fn as run run_id (hot: -1). */
static int scan_range(elog_pg *pg, uint64_t lo, uint64_t hi, int hot,
		      int64_t run_id, elog_index_row_fn fn, void *ctx,
		      elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	int rc;
	p_int(&p, (int64_t)lo);
	p_int(&p, (int64_t)hi);
	if ((rc = run(pg,
		      "SELECT party, ts, seq FROM event_index WHERE seq >= $1 "
		      "AND seq < $2",
		      &p, PGRES_TUPLES_OK, &r, "reading the event index", err)))
		return rc;
	for (int i = 0, nt = PQntuples(r); i < nt && rc == 0; i++) {
		elog_index_row row;
		row.party = col_int(r, i, 0);
		row.ts = col_int(r, i, 1);
		row.seq = (uint64_t)col_int(r, i, 2);
		rc = fn(ctx, hot, run_id, &row);
	}
	PQclear(r);
	return rc;
}

int elog_pg_index_scan(elog_pg *pg, unsigned bits, elog_index_row_fn fn,
		       void *ctx, elog_err_t *err)
{
	uint64_t size, hot_from;
	int rc;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	if ((rc = elog_pg_size(pg, &size, err)))
		return rc;
	hot_from = (size >> bits) << bits;
	/* Partition by partition, so that one result holds one run. */
	for (uint64_t k = 0; k < hot_from >> bits && rc == 0; k++)
		rc = scan_range(pg, k << bits, (k + 1) << bits, 0, (int64_t)k,
				fn, ctx, err);
	if (rc == 0)
		rc = scan_range(pg, hot_from, UINT64_C(1) << 62, 1, -1, fn,
				ctx, err);
	return rc;
}

int elog_pg_index_count(elog_pg *pg, uint64_t *n, elog_err_t *err)
{
	int64_t v = 0;
	int rc;
	if (elog_pg_pending(pg) && (rc = elog_pg_flush(pg, err)))
		return rc;
	rc = run_int(pg, "SELECT count(*) FROM event_index", NULL, &v,
		     "counting the event index", err);
	*n = (uint64_t)v;
	return rc;
}

/* ---- purge ---- */

int elog_pg_horizon(elog_pg *pg, int64_t *before, uint64_t *through,
		    elog_err_t *err)
{
	PGresult *r;
	int rc;
	*before = 0;
	*through = 0;
	if ((rc = run(pg,
		      "SELECT before, through_seq FROM purge_horizon ORDER BY "
		      "before DESC LIMIT 1",
		      NULL, PGRES_TUPLES_OK, &r, "reading the purge horizon",
		      err)))
		return rc;
	if (PQntuples(r) == 1) {
		*before = col_int(r, 0, 0);
		*through = (uint64_t)(col_int(r, 0, 1) + 1);
	}
	PQclear(r);
	return 0;
}

int elog_pg_purge(elog_pg *pg, int64_t before, elog_store_progress_fn progress,
		  void *ctx, uint64_t *events, uint64_t *through_seq,
		  elog_err_t *err)
{
	struct params p = {0};
	PGresult *r;
	int64_t cur, n = 0, count = 0, total = 1;
	uint64_t through;
	int rc;

	if ((rc = elog_pg_flush(pg, err)) ||
	    (rc = elog_pg_horizon(pg, &cur, &through, err)))
		return rc;
	if (before <= cur)
		return elog_fail(err, ELOG_HORIZON_BACKWARDS, -1, "before",
				 "the purge horizon only moves forward; it "
				 "is already at %lld ms",
				 (long long)cur);
	/* The prefix committed before the horizon: every seq below the
	 * largest checkpoint signed before it. */
	p_int(&p, before);
	if ((rc = run_int(pg,
			  "SELECT coalesce(max(size), 0) FROM checkpoint "
			  "WHERE created < $1",
			  &p, &n, "purging", err)))
		return rc;
	if (n < (int64_t)through)
		n = (int64_t)through;
	if (n == 0)
		return elog_fail(err, ELOG_NOT_FOUND, -1, "before",
				 "nothing was committed before the horizon");
	p.n = 0;
	p_int(&p, n);
	if ((rc = run_int(pg, "SELECT count(*) FROM event_data WHERE seq < $1",
			  &p, &count, "purging", err)))
		return rc;
	p.n = 0;
	p_int(&p, before);
	p_int(&p, n - 1);
	p_int(&p, elog_now_ms());
	if ((rc = run_cmd(pg,
			  "INSERT INTO purge_horizon(before, through_seq, "
			  "created) VALUES ($1, $2, $3)",
			  &p, "purging", err)))
		return rc;
	/* Whole partitions below n are dropped (event_data's and
	 * event_index's, with their runs); in the partition holding n, the
	 * rows below it are deleted: elog_purge_below (schema/pg/002), by the
	 * tables' owner, which refuses an n above the horizon just recorded.
	 * Dropping a partition waits for every reader of its table, and new
	 * readers wait behind it: rather than stall the log behind a long
	 * read, the purge fails (rolled back) and is tried again later. */
	if ((rc = run_cmd(pg, "SET LOCAL lock_timeout = '10s'", NULL,
			  "purging", err)))
		return rc;
	p.n = 0;
	p_int(&p, n);
	r = PQexecParams(pg->conn, "SELECT elog_purge_below($1)", p.n, p.type,
			 p.val, p.len, p.fmt, 1);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		total = col_int(r, 0, 0) + 1;
	else if (PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
		 !strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "55P03"))
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "the purge cannot drop the partitions below the "
			       "horizon while a long read holds them; nothing "
			       "was purged: try again");
	else
		rc = pg_fail(pg, err, "purging", r);
	PQclear(r);
	if (rc)
		return rc;
	if (progress)
		progress(ctx, (uint64_t)total, (uint64_t)total);
	*events = (uint64_t)count;
	*through_seq = (uint64_t)n - 1;
	return 0;
}
