/* token.c — bearer tokens, stored as SHA-256 hashes.  See token.h. */
#include "token.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store_db.h"

#include "canon.h"
#include "keyring.h"
#include "merkle.h"
#include "rfc3339.h"

static const char *const roles[] = {
	[ELOG_ROLE_NONE] = "none",
	[ELOG_ROLE_INGEST] = "ingest",
	[ELOG_ROLE_AUDITOR] = "auditor",
	[ELOG_ROLE_AUTHORITY] = "authority",
};

const char *elog_role_name(int role)
{
	if (role < 0 || role > ELOG_ROLE_AUTHORITY)
		return "none";
	return roles[role];
}

int elog_role_from_name(const char *name)
{
	for (int r = ELOG_ROLE_INGEST; r <= ELOG_ROLE_AUTHORITY; r++)
		if (name && strcmp(name, roles[r]) == 0)
			return r;
	return ELOG_ROLE_NONE;
}

static int db_fail(elog_store *s, elog_err_t *err, const char *what)
{
	return elog_fail(err, ELOG_IO, -1, NULL, "database error while %s: %s",
			 what, sqlite3_errmsg(elog_store_db(s)));
}

int elog_token_add(elog_store *w, int role, const char *authority,
		   const char *label, char text[ELOG_TOKEN_TEXT_MAX],
		   int64_t *id, elog_err_t *err)
{
	uint8_t raw[32];
	elog_hash h;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = elog_store_db(w);
	const char *prefix = "elog_";
	size_t plen = strlen(prefix);
	int rc;

	text[0] = '\0';
	if (role == ELOG_ROLE_NONE)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "role",
				 "role must be ingest, auditor or authority");
	if (role == ELOG_ROLE_AUTHORITY) {
		elog_verifier v;
		if (!authority || !*authority)
			return elog_fail(err, ELOG_MISSING_FIELD, -1,
					 "authority",
					 "an authority token must name its "
					 "authority");
		if ((rc = elog_keyring_get(w, ELOG_KEYRING_AUTHORITY, authority, &v, err)))
			return rc;
	} else if (authority && *authority) {
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "authority",
				 "only authority tokens name an authority");
	}
	if (label && strlen(label) > ELOG_LABEL_MAX)
		return elog_fail(err, ELOG_TOO_LONG, -1, "label",
				 "the label is longer than %d bytes",
				 ELOG_LABEL_MAX);
	if (label && !elog_text_clean(label, strlen(label)))
		return elog_fail(err, ELOG_CONTROL_CHARACTER, -1, "label",
				 "the label must be UTF-8 without control "
				 "characters");
	randombytes_buf(raw, sizeof raw);
	memcpy(text, prefix, plen);
	sodium_bin2base64(text + plen, ELOG_TOKEN_TEXT_MAX - plen, raw,
			  sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	elog_sha256(text, strlen(text), &h);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO token(hash, role, authority, label, "
			       "created) VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(w, err, "adding a token");
		goto out;
	}
	sqlite3_bind_blob(st, 1, h.b, ELOG_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, elog_role_name(role), -1, SQLITE_STATIC);
	if (role == ELOG_ROLE_AUTHORITY)
		sqlite3_bind_text(st, 3, authority, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, label ? label : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, elog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(w, err, "adding a token");
		goto out;
	}
	if (id)
		*id = sqlite3_last_insert_rowid(db);
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc)
		sodium_memzero(text, ELOG_TOKEN_TEXT_MAX);
	return rc;
}

static void fill_info(sqlite3_stmt *st, elog_token_info *t)
{
	const char *a = (const char *)sqlite3_column_text(st, 2);
	const char *l = (const char *)sqlite3_column_text(st, 3);
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(st, 0);
	t->role = elog_role_from_name((const char *)sqlite3_column_text(st, 1));
	snprintf(t->authority, sizeof t->authority, "%s", a ? a : "");
	snprintf(t->label, sizeof t->label, "%s", l ? l : "");
	t->created_ms = sqlite3_column_int64(st, 4);
	t->revoked = sqlite3_column_type(st, 5) != SQLITE_NULL;
}

int elog_token_check(elog_store *s, const char *text, size_t len,
		     elog_token_info *out, elog_err_t *err)
{
	elog_hash h;
	sqlite3_stmt *st = NULL;
	int rc;

	if (len == 0 || len >= ELOG_TOKEN_TEXT_MAX)
		return elog_fail(err, ELOG_UNKNOWN_TOKEN, -1, NULL,
				 "the token is not known");
	elog_sha256(text, len, &h);
	if (sqlite3_prepare_v2(elog_store_db(s),
			       "SELECT id, role, authority, label, created, "
			       "revoked, hash FROM token WHERE hash = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "checking a token");
	sqlite3_bind_blob(st, 1, h.b, ELOG_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 6) == ELOG_HASH_LEN &&
	    sodium_memcmp(sqlite3_column_blob(st, 6), h.b, ELOG_HASH_LEN) ==
		    0) {
		fill_info(st, out);
		rc = out->revoked ? elog_fail(err, ELOG_UNKNOWN_TOKEN, -1, NULL,
					      "the token has been revoked")
				  : 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		rc = elog_fail(err, ELOG_UNKNOWN_TOKEN, -1, NULL,
			       "the token is not known");
	} else {
		rc = db_fail(s, err, "checking a token");
	}
	sqlite3_finalize(st);
	sodium_memzero(&h, sizeof h);
	return rc;
}

int elog_token_list(elog_store *s, elog_token_fn fn, void *ctx,
		    elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (sqlite3_prepare_v2(elog_store_db(s),
			       "SELECT id, role, authority, label, created, "
			       "revoked FROM token ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "listing tokens");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		elog_token_info t;
		fill_info(st, &t);
		if ((rc = fn(ctx, &t)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "listing tokens");
out:
	sqlite3_finalize(st);
	return rc;
}

int elog_token_revoke(elog_store *w, int64_t id, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = elog_store_db(w);
	int rc;
	if (sqlite3_prepare_v2(db,
			       "UPDATE token SET revoked = ?2 WHERE id = ?1 "
			       "AND revoked IS NULL",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(w, err, "revoking a token");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, elog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(w, err, "revoking a token");
	else if (sqlite3_changes(db) == 0)
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, "id",
			       "no live token has id %lld", (long long)id);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}
