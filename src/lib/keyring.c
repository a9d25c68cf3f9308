/* keyring.c — authorities and witnesses: named verifier keys.  See keyring.h. */
#include "keyring.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store_db.h"

#include "rfc3339.h"

/* Table names come from this list only, never from input. */
static const char *table(int ring)
{
	return ring == ELOG_KEYRING_WITNESS ? "witness" : "authority";
}

static int prepare(elog_store *s, const char *fmt, int ring,
		   sqlite3_stmt **st, elog_err_t *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, fmt, table(ring));
	if (sqlite3_prepare_v2(elog_store_db(s), sql, -1, st, NULL) !=
	    SQLITE_OK)
		return elog_fail(err, ELOG_IO, -1, NULL, "database error: %s",
				 sqlite3_errmsg(elog_store_db(s)));
	return 0;
}

int elog_keyring_add(elog_store *w, int ring, const char *name,
		     const char *vkey_text, elog_err_t *err)
{
	elog_verifier v;
	sqlite3_stmt *st = NULL;
	int rc;
	uint8_t want = ring == ELOG_KEYRING_WITNESS ? ELOG_ALG_COSIGNATURE_V1
						    : ELOG_ALG_ED25519;

	if ((rc = elog_verifier_parse(vkey_text, &v, err)))
		return rc;
	if (strcmp(v.name, name) != 0)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "name",
				 "the key's name is %s, not %s", v.name, name);
	if (v.alg != want && ring == ELOG_KEYRING_WITNESS)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "vkey",
				 "a witness key must be a cosignature/v1 key "
				 "(type 0x04, made by `envelog witness "
				 "keygen`); this one is of type 0x%02x, whose "
				 "cosignatures could never verify",
				 (unsigned)v.alg);
	if (v.alg != want)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "vkey",
				 "an authority key must be an Ed25519 "
				 "signed-note key (type 0x01); this one is of "
				 "type 0x%02x",
				 (unsigned)v.alg);
	if ((rc = prepare(w,
			  "INSERT INTO %s(name, vkey, added) VALUES (?1, ?2, "
			  "?3) ON CONFLICT DO NOTHING",
			  ring, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vkey_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, elog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = elog_fail(err, ELOG_IO, -1, NULL, "database error: %s",
			       sqlite3_errmsg(elog_store_db(w)));
	else if (sqlite3_changes(elog_store_db(w)) == 0)
		rc = elog_fail(err, ELOG_CONFLICT, -1, "name",
			       "%s %s is already registered", table(ring),
			       name);
	sqlite3_finalize(st);
	return rc;
}

int elog_keyring_get(elog_store *s, int ring, const char *name,
		     elog_verifier *out, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if ((rc = prepare(s,
			  "SELECT vkey FROM %s WHERE name = ?1 AND revoked "
			  "IS NULL",
			  ring, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = elog_verifier_parse(
			(const char *)sqlite3_column_text(st, 0), out, err);
	else if (rc == SQLITE_DONE)
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, "name",
			       "no live %s has that name", table(ring));
	else
		rc = elog_fail(err, ELOG_IO, -1, NULL, "database error: %s",
			       sqlite3_errmsg(elog_store_db(s)));
	sqlite3_finalize(st);
	return rc;
}

int elog_keyring_list(elog_store *s, int ring, elog_named_key_fn fn,
		      void *ctx, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if ((rc = prepare(s,
			  "SELECT name, vkey, added, revoked FROM %s ORDER BY "
			  "name",
			  ring, &st, err)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		elog_named_key k;
		const char *n = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		memset(&k, 0, sizeof k);
		snprintf(k.name, sizeof k.name, "%s", n ? n : "");
		snprintf(k.vkey, sizeof k.vkey, "%s", v ? v : "");
		k.added_ms = sqlite3_column_int64(st, 2);
		k.revoked = sqlite3_column_type(st, 3) != SQLITE_NULL;
		if ((rc = fn(ctx, &k)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0
			       : elog_fail(err, ELOG_IO, -1, NULL,
					   "database error: %s",
					   sqlite3_errmsg(elog_store_db(s)));
out:
	sqlite3_finalize(st);
	return rc;
}

int elog_keyring_revoke(elog_store *w, int ring, const char *name,
			elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if ((rc = prepare(w,
			  "UPDATE %s SET revoked = ?2 WHERE name = ?1 AND "
			  "revoked IS NULL",
			  ring, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, elog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = elog_fail(err, ELOG_IO, -1, NULL, "database error: %s",
			       sqlite3_errmsg(elog_store_db(w)));
	else if (sqlite3_changes(elog_store_db(w)) == 0)
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, "name",
			       "no live %s has that name", table(ring));
	sqlite3_finalize(st);
	return rc;
}
