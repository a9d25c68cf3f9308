/* store_pg_query.c — the store's named queries on PostgreSQL.  See
 * store_pg_query.h and store_query.h. */
#include "store_pg_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_query.h"

/* Rows fetched at a time from a cursor. */
#define FETCH_ROWS 4096
/* Parameters of the largest query. */
#define MAX_PARAMS 8

/* OIDs of the integer types (catalog/pg_type_d.h, stable). */
#define BOOLOID 16
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23

enum {
	Q_STREAM = 1, /* may walk a whole table: a cursor in a transaction */
	Q_ID = 2,     /* an insert that returns its row's id (RETURNING id) */
};

struct pg_sql {
	const char *sql;
	int flags;
};

/* The same queries as store_query.c's, in PostgreSQL's dialect (schema/pg:
 * the same tables and columns). */
static const struct pg_sql query_sql[ELOG_Q_COUNT] = {
	[ELOG_Q_TOKEN_INSERT] = {"INSERT INTO token(hash, role, authority, "
				 "label, created) VALUES ($1, $2, $3, $4, $5) "
				 "RETURNING id",
				 Q_ID},
	[ELOG_Q_TOKEN_BY_HASH] = {"SELECT id, role, authority, label, "
				  "created, revoked, hash FROM token WHERE "
				  "hash = $1",
				  0},
	[ELOG_Q_TOKEN_LIST] = {"SELECT id, role, authority, label, created, "
			       "revoked FROM token ORDER BY id",
			       0},
	[ELOG_Q_TOKEN_REVOKE] = {"UPDATE token SET revoked = $2 WHERE id = "
				 "$1 AND revoked IS NULL",
				 0},
	[ELOG_Q_AUTHORITY_INSERT] = {"INSERT INTO authority(name, vkey, "
				     "added) VALUES ($1, $2, $3) ON CONFLICT "
				     "DO NOTHING",
				     0},
	[ELOG_Q_AUTHORITY_GET] = {"SELECT vkey FROM authority WHERE name = "
				  "$1 AND revoked IS NULL",
				  0},
	[ELOG_Q_AUTHORITY_LIST] = {"SELECT name, vkey, added, revoked FROM "
				   "authority ORDER BY name",
				   0},
	[ELOG_Q_AUTHORITY_REVOKE] = {"UPDATE authority SET revoked = $2 "
				     "WHERE name = $1 AND revoked IS NULL",
				     0},
	[ELOG_Q_WITNESS_INSERT] = {"INSERT INTO witness(name, vkey, added) "
				   "VALUES ($1, $2, $3) ON CONFLICT DO "
				   "NOTHING",
				   0},
	[ELOG_Q_WITNESS_GET] = {"SELECT vkey FROM witness WHERE name = $1 "
				"AND revoked IS NULL",
				0},
	[ELOG_Q_WITNESS_LIST] = {"SELECT name, vkey, added, revoked FROM "
				 "witness ORDER BY name",
				 0},
	[ELOG_Q_WITNESS_REVOKE] = {"UPDATE witness SET revoked = $2 WHERE "
				   "name = $1 AND revoked IS NULL",
				   0},
	[ELOG_Q_INGEST_KEY_EXPIRE] = {"DELETE FROM ingest_key WHERE created "
				      "< $1",
				      0},
	[ELOG_Q_INGEST_KEY_GET] = {"SELECT body_hash, first, count FROM "
				   "ingest_key WHERE token = $1 AND key = $2",
				   0},
	[ELOG_Q_INGEST_KEY_PUT] = {"INSERT INTO ingest_key(token, key, "
				   "body_hash, first, count, created) VALUES "
				   "($1, $2, $3, $4, $5, $6) ON CONFLICT "
				   "(token, key) DO UPDATE SET body_hash = "
				   "EXCLUDED.body_hash, first = "
				   "EXCLUDED.first, count = EXCLUDED.count, "
				   "created = EXCLUDED.created",
				   0},
	[ELOG_Q_INGEST_KEY_COUNT] = {"SELECT count(*) FROM ingest_key", 0},
	[ELOG_Q_WARRANT_USE_GET] = {"SELECT text_sha256 FROM warrant_use "
				    "WHERE authority = $1 AND id = $2",
				    0},
	[ELOG_Q_WARRANT_USE_INSERT] = {"INSERT INTO warrant_use(authority, "
				       "id, text_sha256, first_seq) VALUES "
				       "($1, $2, $3, $4)",
				       0},
	[ELOG_Q_PUBLIC_ENTRIES] = {"SELECT seq, kind, data FROM entry WHERE "
				   "kind <> 0 AND seq >= $1 ORDER BY seq",
				   Q_STREAM},
	/* One snapshot for the whole walk of the verifier, as SQLite's read
	 * transaction gives. */
	[ELOG_Q_BEGIN] = {"BEGIN ISOLATION LEVEL REPEATABLE READ", 0},
	[ELOG_Q_COMMIT] = {"COMMIT", 0},
	[ELOG_Q_WARRANT_USE_FIRST_SEQ] = {"SELECT first_seq FROM warrant_use "
					  "WHERE authority = $1 AND id = $2",
					  0},
	[ELOG_Q_WARRANT_USE_COUNT] = {"SELECT count(*) FROM warrant_use", 0},
	[ELOG_Q_PURGE_ENTRIES] = {"SELECT seq, data FROM entry WHERE kind = "
				  "3 ORDER BY seq",
				  Q_STREAM},
	[ELOG_Q_PURGE_HORIZONS] = {"SELECT before, through_seq FROM "
				   "purge_horizon ORDER BY before",
				   0},
	[ELOG_Q_TREE_HASHES] = {"SELECT id, hash FROM tree_hash ORDER BY id",
				Q_STREAM},
	[ELOG_Q_CHECKPOINTS] = {"SELECT size, root, note FROM checkpoint "
				"ORDER BY size",
				Q_STREAM},
	[ELOG_Q_COSIGNED_MISSING] = {"SELECT min(size) FROM cosignature "
				     "WHERE size NOT IN (SELECT size FROM "
				     "checkpoint)",
				     0},
	[ELOG_Q_MAX_CHECKPOINT_SIZE] = {"SELECT max(size) FROM checkpoint", 0},
	[ELOG_Q_COPY_CHECKPOINTS] = {"SELECT size, root, note, created FROM "
				     "checkpoint ORDER BY size",
				     Q_STREAM},
	[ELOG_Q_COPY_CHECKPOINT_INSERT] = {"INSERT INTO checkpoint(size, "
					   "root, note, created) VALUES ($1, "
					   "$2, $3, $4)",
					   0},
	[ELOG_Q_COPY_ENTRY_INSERT] = {"INSERT INTO entry(seq, kind, ts, data, "
				      "leaf_hash, chain_hash) VALUES ($1, $2, "
				      "$3, $4, $5, $6)",
				      0},
	[ELOG_Q_COPY_TREE_HASH_INSERT] = {"INSERT INTO tree_hash(id, hash) "
					  "VALUES ($1, $2)",
					  0},
	[ELOG_Q_COPY_COSIGNATURES] = {"SELECT size, witness, line, created "
				      "FROM cosignature ORDER BY size, "
				      "witness",
				      Q_STREAM},
	[ELOG_Q_COPY_COSIGNATURE_INSERT] = {"INSERT INTO cosignature(size, "
					    "witness, line, created) VALUES "
					    "($1, $2, $3, $4)",
					    0},
	[ELOG_Q_COPY_TOKENS] = {"SELECT id, hash, role, authority, label, "
				"created, revoked FROM token ORDER BY id",
				0},
	[ELOG_Q_COPY_TOKEN_INSERT] = {"INSERT INTO token(id, hash, role, "
				      "authority, label, created, revoked) "
				      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
				      0},
	/* Ids given explicitly leave the identity's sequence behind. */
	[ELOG_Q_COPY_TOKEN_NEXT_ID] = {"SELECT setval(pg_get_serial_sequence("
				       "'token', 'id'), coalesce(max(id), 0) "
				       "+ 1, false) FROM token",
				       0},
	[ELOG_Q_COPY_AUTHORITY_INSERT] = {"INSERT INTO authority(name, vkey, "
					  "added, revoked) VALUES ($1, $2, "
					  "$3, $4)",
					  0},
	[ELOG_Q_COPY_WITNESS_INSERT] = {"INSERT INTO witness(name, vkey, "
					"added, revoked) VALUES ($1, $2, $3, "
					"$4)",
					0},
	[ELOG_Q_COPY_WARRANT_USES] = {"SELECT authority, id, text_sha256, "
				      "first_seq FROM warrant_use ORDER BY "
				      "first_seq, authority, id",
				      Q_STREAM},
	[ELOG_Q_COPY_PURGE_HORIZONS] = {"SELECT before, through_seq, created "
					"FROM purge_horizon ORDER BY before",
					0},
	[ELOG_Q_COPY_PURGE_HORIZON_INSERT] = {"INSERT INTO purge_horizon("
					      "before, through_seq, created) "
					      "VALUES ($1, $2, $3)",
					      0},
	[ELOG_Q_COPY_INGEST_KEYS] = {"SELECT token, key, body_hash, first, "
				     "count, created FROM ingest_key ORDER BY "
				     "token, key",
				     Q_STREAM},
};

struct elog_pg_query {
	PGconn *c;
	const struct pg_sql *q;
	int nparams;
	const char *values[MAX_PARAMS];
	int lengths[MAX_PARAMS];
	int formats[MAX_PARAMS];
	char ints[MAX_PARAMS][24]; /* integers bound, as text */
	PGresult *res;
	int row;    /* the current row of res; -1 before the first */
	int ran;    /* the query was sent */
	int done;   /* ELOG_QUERY_DONE was returned */
	int cursor; /* a cursor is open (Q_STREAM in a transaction) */
	char name[40];
	int changes;
	int64_t rowid;
};

/* The highest $N in sql: the parameters PostgreSQL expects. */
static int count_params(const char *sql)
{
	int n = 0;

	for (; *sql; sql++) {
		if (*sql == '$' && sql[1] >= '1' && sql[1] <= '9') {
			int v = (int)strtol(sql + 1, NULL, 10);
			if (v > n)
				n = v;
		}
	}
	return n;
}

int elog_pg_query_open(PGconn *c, int id, elog_pg_query **out)
{
	elog_pg_query *q;

	*out = NULL;
	if (!c || id < 0 || id >= ELOG_Q_COUNT || !query_sql[id].sql)
		return -1;
	q = calloc(1, sizeof *q);
	if (!q)
		return -1;
	q->c = c;
	q->q = &query_sql[id];
	q->nparams = count_params(q->q->sql);
	if (q->nparams > MAX_PARAMS) {
		free(q);
		return -1;
	}
	q->row = -1;
	*out = q;
	return 0;
}

/* Close q's cursor if it is still open and its transaction still runs (a
 * COMMIT closed it otherwise). */
static void close_cursor(elog_pg_query *q)
{
	char sql[64];

	if (!q->cursor)
		return;
	q->cursor = 0;
	if (PQtransactionStatus(q->c) != PQTRANS_INTRANS)
		return;
	snprintf(sql, sizeof sql, "CLOSE %s", q->name);
	PQclear(PQexec(q->c, sql));
}

void elog_pg_query_end(elog_pg_query *q)
{
	if (!q)
		return;
	close_cursor(q);
	PQclear(q->res);
	free(q);
}

static int param_ok(elog_pg_query *q, int i)
{
	return i >= 1 && i <= q->nparams;
}

void elog_pg_query_bind_int(elog_pg_query *q, int i, int64_t v)
{
	if (!param_ok(q, i))
		return;
	snprintf(q->ints[i - 1], sizeof q->ints[i - 1], "%lld", (long long)v);
	q->values[i - 1] = q->ints[i - 1];
	q->lengths[i - 1] = 0;
	q->formats[i - 1] = 0;
}

void elog_pg_query_bind_text(elog_pg_query *q, int i, const char *v)
{
	if (!param_ok(q, i))
		return;
	q->values[i - 1] = v;
	q->lengths[i - 1] = 0;
	q->formats[i - 1] = 0;
}

void elog_pg_query_bind_blob(elog_pg_query *q, int i, const void *v, size_t len)
{
	if (!param_ok(q, i))
		return;
	/* A NULL pointer binds NULL, as in SQLite; an empty blob needs one. */
	q->values[i - 1] = v ? v : (len ? NULL : "");
	q->lengths[i - 1] = (int)len;
	q->formats[i - 1] = 1;
}

/* Whether the last query that failed in this thread failed because the
 * database was unavailable (elog_pg_last_unavailable). */
static _Thread_local int last_unavailable;

int elog_pg_unavailable(PGconn *c, const PGresult *r)
{
	const char *st;

	if (!c || PQstatus(c) != CONNECTION_OK)
		return 1;
	st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!st)
		return 0;
	return strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 ||
	       strcmp(st, "57P02") == 0 || strcmp(st, "57P03") == 0 ||
	       strcmp(st, "25006") == 0;
}

int elog_pg_last_unavailable(PGconn *c)
{
	return (c && PQstatus(c) != CONNECTION_OK) || last_unavailable;
}

/* Note how r (the result of a query on c that failed) failed; -1. */
static int failed(PGconn *c, const PGresult *r)
{
	last_unavailable = elog_pg_unavailable(c, r);
	return -1;
}

/* The next FETCH_ROWS rows of q's cursor into q->res: 0, or -1. */
static int fetch(elog_pg_query *q)
{
	char sql[80];

	PQclear(q->res);
	snprintf(sql, sizeof sql, "FETCH %d FROM %s", FETCH_ROWS, q->name);
	q->res = PQexecParams(q->c, sql, 0, NULL, NULL, NULL, NULL, 1);
	q->row = -1;
	return PQresultStatus(q->res) == PGRES_TUPLES_OK
		       ? 0
		       : failed(q->c, q->res);
}

/* Send q: 0, or -1. */
static int run(elog_pg_query *q)
{
	char sql[1024];
	PGresult *r;
	ExecStatusType st;
	int n;

	q->ran = 1;
	last_unavailable = 0;
	if ((q->q->flags & Q_STREAM) &&
	    PQtransactionStatus(q->c) == PQTRANS_INTRANS) {
		/* Unique among the queries alive on the connection. */
		snprintf(q->name, sizeof q->name, "elog_c%llx",
			 (unsigned long long)(uintptr_t)q);
		n = snprintf(sql, sizeof sql,
			     "DECLARE %s NO SCROLL CURSOR FOR %s", q->name,
			     q->q->sql);
		if (n < 0 || (size_t)n >= sizeof sql)
			return -1;
		r = PQexecParams(q->c, sql, q->nparams, NULL, q->values,
				 q->lengths, q->formats, 1);
		st = PQresultStatus(r);
		if (st != PGRES_COMMAND_OK) {
			failed(q->c, r);
			PQclear(r);
			return -1;
		}
		PQclear(r);
		q->cursor = 1;
		return fetch(q);
	}
	q->res = PQexecParams(q->c, q->q->sql, q->nparams, NULL, q->values,
			      q->lengths, q->formats, 1);
	switch (PQresultStatus(q->res)) {
	case PGRES_COMMAND_OK:
		q->changes = (int)strtol(PQcmdTuples(q->res), NULL, 10);
		q->done = 1;
		return 0;
	case PGRES_TUPLES_OK:
		if (q->q->flags & Q_ID) {
			/* An insert: its id, no row for the caller. */
			q->changes = PQntuples(q->res);
			if (q->changes > 0) {
				q->row = 0;
				q->rowid = elog_pg_query_int(q, 0);
			}
			q->done = 1;
		}
		return 0;
	default:
		return failed(q->c, q->res);
	}
}

int elog_pg_query_step(elog_pg_query *q)
{
	if (!q->ran && run(q))
		return ELOG_QUERY_ERROR;
	if (q->done)
		return ELOG_QUERY_DONE;
	if (++q->row < PQntuples(q->res))
		return ELOG_QUERY_ROW;
	if (q->cursor && PQntuples(q->res) == FETCH_ROWS) {
		if (fetch(q))
			return ELOG_QUERY_ERROR;
		if (++q->row < PQntuples(q->res))
			return ELOG_QUERY_ROW;
	}
	close_cursor(q);
	q->done = 1;
	return ELOG_QUERY_DONE;
}

/* 1 when col of the current row can be read. */
static int have(elog_pg_query *q, int col)
{
	return q->res && q->row >= 0 && q->row < PQntuples(q->res) &&
	       col >= 0 && col < PQnfields(q->res) &&
	       !PQgetisnull(q->res, q->row, col);
}

int64_t elog_pg_query_int(elog_pg_query *q, int col)
{
	const unsigned char *p;
	uint64_t v = 0;
	int n, i;

	if (!have(q, col))
		return 0;
	p = (const unsigned char *)PQgetvalue(q->res, q->row, col);
	n = PQgetlength(q->res, q->row, col);
	switch (PQftype(q->res, col)) {
	case INT8OID:
	case INT4OID:
	case INT2OID:
	case BOOLOID:
		break;
	default:
		return 0;
	}
	if (n < 1 || n > 8)
		return 0;
	/* Network order, two's complement: sign-extend from the top byte. */
	if (p[0] & 0x80)
		v = ~(uint64_t)0;
	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

const char *elog_pg_query_text(elog_pg_query *q, int col)
{
	/* text in binary is its bytes; libpq ends every value with a NUL. */
	return have(q, col) ? PQgetvalue(q->res, q->row, col) : NULL;
}

const void *elog_pg_query_blob(elog_pg_query *q, int col)
{
	return have(q, col) ? PQgetvalue(q->res, q->row, col) : NULL;
}

int elog_pg_query_bytes(elog_pg_query *q, int col)
{
	return have(q, col) ? PQgetlength(q->res, q->row, col) : 0;
}

int elog_pg_query_is_null(elog_pg_query *q, int col)
{
	return !have(q, col);
}

int elog_pg_query_changes(elog_pg_query *q)
{
	return q->changes;
}

int64_t elog_pg_query_rowid(elog_pg_query *q)
{
	return q->rowid;
}

int elog_pg_query_exec(PGconn *c, int id)
{
	PGresult *r;
	int rc;

	if (!c || id < 0 || id >= ELOG_Q_COUNT || !query_sql[id].sql)
		return -1;
	r = PQexec(c, query_sql[id].sql);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : failed(c, r);
	PQclear(r);
	return rc;
}

const char *elog_pg_errmsg(PGconn *c)
{
	static _Thread_local char buf[512];
	const char *m = c ? PQerrorMessage(c) : "no connection";
	static const char *const prefixes[] = {"ERROR:  ", "FATAL:  ",
					       "PANIC:  "};
	size_t i, n;

	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		n = strlen(prefixes[i]);
		if (strncmp(m, prefixes[i], n) == 0) {
			m += n;
			break;
		}
	}
	n = strcspn(m, "\n");
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, m, n);
	buf[n] = '\0';
	if (!*buf)
		return "unknown PostgreSQL error";
	return buf;
}
