/* token.c — bearer tokens, stored as SHA-256 hashes.  See token.h. */
#include "token.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "store_query.h"

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
	return elog_fail(err, elog_store_errcode(s), -1, NULL,
			 "database error while %s: %s", what,
			 elog_store_errmsg(s));
}

/* The checks of a new token's role, authority and label, then its row. */
static int token_insert(elog_store *w, int role, const char *authority,
			const char *label, const char *text, int64_t *id,
			elog_err_t *err)
{
	elog_hash h;
	elog_query *st = NULL;
	int rc;

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
		if ((rc = elog_keyring_get(w, ELOG_KEYRING_AUTHORITY,
					   authority, &v, err)))
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
	elog_sha256(text, strlen(text), &h);
	if (elog_query_open(w, ELOG_Q_TOKEN_BY_HASH, &st)) {
		rc = db_fail(w, err, "adding a token");
		goto out;
	}
	elog_query_bind_blob(st, 1, h.b, ELOG_HASH_LEN);
	rc = elog_query_step(st);
	elog_query_end(st);
	st = NULL;
	if (rc == ELOG_QUERY_ROW) {
		rc = elog_fail(err, ELOG_CONFLICT, -1, "token",
			       "this token is already in the log");
		goto out;
	}
	if (rc != ELOG_QUERY_DONE) {
		rc = db_fail(w, err, "adding a token");
		goto out;
	}
	if (elog_query_open(w, ELOG_Q_TOKEN_INSERT, &st)) {
		rc = db_fail(w, err, "adding a token");
		goto out;
	}
	elog_query_bind_blob(st, 1, h.b, ELOG_HASH_LEN);
	elog_query_bind_text(st, 2, elog_role_name(role));
	if (role == ELOG_ROLE_AUTHORITY)
		elog_query_bind_text(st, 3, authority);
	elog_query_bind_text(st, 4, label ? label : "");
	elog_query_bind_int(st, 5, elog_now_ms());
	if (elog_query_step(st) != ELOG_QUERY_DONE) {
		rc = db_fail(w, err, "adding a token");
		goto out;
	}
	if (id)
		*id = elog_query_rowid(st);
	rc = 0;
out:
	elog_query_end(st);
	return rc;
}

int elog_token_add(elog_store *w, int role, const char *authority,
		   const char *label, char text[ELOG_TOKEN_TEXT_MAX],
		   int64_t *id, elog_err_t *err)
{
	uint8_t raw[32];
	const char *prefix = "elog_";
	size_t plen = strlen(prefix);
	int rc;

	randombytes_buf(raw, sizeof raw);
	memcpy(text, prefix, plen);
	sodium_bin2base64(text + plen, ELOG_TOKEN_TEXT_MAX - plen, raw,
			  sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	rc = token_insert(w, role, authority, label, text, id, err);
	if (rc)
		sodium_memzero(text, ELOG_TOKEN_TEXT_MAX);
	return rc;
}

int elog_token_import(elog_store *w, int role, const char *authority,
		      const char *label, const char *text, int64_t *id,
		      elog_err_t *err)
{
	uint8_t raw[32];
	size_t rawlen = 0, len = text ? strlen(text) : 0;
	const char *end = NULL;

	if (len != ELOG_TOKEN_TEXT_LEN || strncmp(text, "elog_", 5) != 0 ||
	    sodium_base642bin(raw, sizeof raw, text + 5, len - 5, NULL,
			      &rawlen, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rawlen != sizeof raw || end != text + len) {
		sodium_memzero(raw, sizeof raw);
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "token",
				 "a token is \"elog_\" and 43 characters of "
				 "base64url, as envelog token add prints it");
	}
	sodium_memzero(raw, sizeof raw);
	return token_insert(w, role, authority, label, text, id, err);
}

static void fill_info(elog_query *st, elog_token_info *t)
{
	const char *a = elog_query_text(st, 2);
	const char *l = elog_query_text(st, 3);
	memset(t, 0, sizeof *t);
	t->id = elog_query_int(st, 0);
	t->role = elog_role_from_name(elog_query_text(st, 1));
	snprintf(t->authority, sizeof t->authority, "%s", a ? a : "");
	snprintf(t->label, sizeof t->label, "%s", l ? l : "");
	t->created_ms = elog_query_int(st, 4);
	t->revoked = !elog_query_is_null(st, 5);
}

int elog_token_check(elog_store *s, const char *text, size_t len,
		     elog_token_info *out, elog_err_t *err)
{
	elog_hash h;
	elog_query *st = NULL;
	int rc;

	if (len == 0 || len >= ELOG_TOKEN_TEXT_MAX)
		return elog_fail(err, ELOG_UNKNOWN_TOKEN, -1, NULL,
				 "the token is not known");
	elog_sha256(text, len, &h);
	if (elog_query_open(s, ELOG_Q_TOKEN_BY_HASH, &st))
		return db_fail(s, err, "checking a token");
	elog_query_bind_blob(st, 1, h.b, ELOG_HASH_LEN);
	rc = elog_query_step(st);
	if (rc == ELOG_QUERY_ROW && elog_query_bytes(st, 6) == ELOG_HASH_LEN &&
	    sodium_memcmp(elog_query_blob(st, 6), h.b, ELOG_HASH_LEN) == 0) {
		fill_info(st, out);
		rc = out->revoked
			     ? elog_fail(err, ELOG_UNKNOWN_TOKEN, -1, NULL,
					 "the token has been revoked")
			     : 0;
	} else if (rc == ELOG_QUERY_ROW || rc == ELOG_QUERY_DONE) {
		rc = elog_fail(err, ELOG_UNKNOWN_TOKEN, -1, NULL,
			       "the token is not known");
	} else {
		rc = db_fail(s, err, "checking a token");
	}
	elog_query_end(st);
	sodium_memzero(&h, sizeof h);
	return rc;
}

int elog_token_list(elog_store *s, elog_token_fn fn, void *ctx, elog_err_t *err)
{
	elog_query *st = NULL;
	int rc;
	if (elog_query_open(s, ELOG_Q_TOKEN_LIST, &st))
		return db_fail(s, err, "listing tokens");
	while ((rc = elog_query_step(st)) == ELOG_QUERY_ROW) {
		elog_token_info t;
		fill_info(st, &t);
		if ((rc = fn(ctx, &t)) != 0)
			goto out;
	}
	rc = rc == ELOG_QUERY_DONE ? 0 : db_fail(s, err, "listing tokens");
out:
	elog_query_end(st);
	return rc;
}

int elog_token_revoke(elog_store *w, int64_t id, elog_err_t *err)
{
	elog_query *st = NULL;
	int rc;
	if (elog_query_open(w, ELOG_Q_TOKEN_REVOKE, &st))
		return db_fail(w, err, "revoking a token");
	elog_query_bind_int(st, 1, id);
	elog_query_bind_int(st, 2, elog_now_ms());
	if (elog_query_step(st) != ELOG_QUERY_DONE)
		rc = db_fail(w, err, "revoking a token");
	else if (elog_query_changes(st) == 0)
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, "id",
			       "no live token has id %lld", (long long)id);
	else
		rc = 0;
	elog_query_end(st);
	return rc;
}
