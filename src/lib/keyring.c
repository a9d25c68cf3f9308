/* keyring.c — authorities and witnesses: named verifier keys.  See keyring.h. */
#include "keyring.h"

#include <stdio.h>
#include <string.h>

#include "store_query.h"

#include "rfc3339.h"

/* The ring's name in messages. */
static const char *table(int ring)
{
	return ring == ELOG_KEYRING_WITNESS ? "witness" : "authority";
}

/* The store's query for a ring: the witness one of each pair when ring
 * is ELOG_KEYRING_WITNESS, else the authority one. */
static int prepare(elog_store *s, int authority_query, int witness_query,
		   int ring, elog_query **st, elog_err_t *err)
{
	if (elog_query_open(s,
			    ring == ELOG_KEYRING_WITNESS ? witness_query
							 : authority_query,
			    st))
		return elog_fail(err, elog_store_errcode(s), -1, NULL,
				 "database error: %s", elog_store_errmsg(s));
	return 0;
}

int elog_keyring_add(elog_store *w, int ring, const char *name,
		     const char *vkey_text, elog_err_t *err)
{
	elog_verifier v;
	elog_query *st = NULL;
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
	if ((rc = prepare(w, ELOG_Q_AUTHORITY_INSERT, ELOG_Q_WITNESS_INSERT,
			  ring, &st, err)))
		return rc;
	elog_query_bind_text(st, 1, name);
	elog_query_bind_text(st, 2, vkey_text);
	elog_query_bind_int(st, 3, elog_now_ms());
	if (elog_query_step(st) != ELOG_QUERY_DONE)
		rc = elog_fail(err, elog_store_errcode(w), -1, NULL,
			       "database error: %s", elog_store_errmsg(w));
	else if (elog_query_changes(st) == 0)
		rc = elog_fail(err, ELOG_CONFLICT, -1, "name",
			       "%s %s is already registered", table(ring),
			       name);
	elog_query_end(st);
	return rc;
}

int elog_keyring_get(elog_store *s, int ring, const char *name,
		     elog_verifier *out, elog_err_t *err)
{
	elog_query *st = NULL;
	int rc;
	if ((rc = prepare(s, ELOG_Q_AUTHORITY_GET, ELOG_Q_WITNESS_GET, ring,
			  &st, err)))
		return rc;
	elog_query_bind_text(st, 1, name);
	rc = elog_query_step(st);
	if (rc == ELOG_QUERY_ROW)
		rc = elog_verifier_parse(elog_query_text(st, 0), out, err);
	else if (rc == ELOG_QUERY_DONE)
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, "name",
			       "no live %s has that name", table(ring));
	else
		rc = elog_fail(err, elog_store_errcode(s), -1, NULL,
			       "database error: %s", elog_store_errmsg(s));
	elog_query_end(st);
	return rc;
}

int elog_keyring_list(elog_store *s, int ring, elog_named_key_fn fn, void *ctx,
		      elog_err_t *err)
{
	elog_query *st = NULL;
	int rc;
	if ((rc = prepare(s, ELOG_Q_AUTHORITY_LIST, ELOG_Q_WITNESS_LIST, ring,
			  &st, err)))
		return rc;
	while ((rc = elog_query_step(st)) == ELOG_QUERY_ROW) {
		elog_named_key k;
		const char *n = elog_query_text(st, 0);
		const char *v = elog_query_text(st, 1);
		memset(&k, 0, sizeof k);
		snprintf(k.name, sizeof k.name, "%s", n ? n : "");
		snprintf(k.vkey, sizeof k.vkey, "%s", v ? v : "");
		k.added_ms = elog_query_int(st, 2);
		k.revoked = !elog_query_is_null(st, 3);
		if ((rc = fn(ctx, &k)) != 0)
			goto out;
	}
	rc = rc == ELOG_QUERY_DONE
		     ? 0
		     : elog_fail(err, elog_store_errcode(s), -1, NULL,
				 "database error: %s", elog_store_errmsg(s));
out:
	elog_query_end(st);
	return rc;
}

int elog_keyring_revoke(elog_store *w, int ring, const char *name,
			elog_err_t *err)
{
	elog_query *st = NULL;
	int rc;
	if ((rc = prepare(w, ELOG_Q_AUTHORITY_REVOKE, ELOG_Q_WITNESS_REVOKE,
			  ring, &st, err)))
		return rc;
	elog_query_bind_text(st, 1, name);
	elog_query_bind_int(st, 2, elog_now_ms());
	if (elog_query_step(st) != ELOG_QUERY_DONE)
		rc = elog_fail(err, elog_store_errcode(w), -1, NULL,
			       "database error: %s", elog_store_errmsg(w));
	else if (elog_query_changes(st) == 0)
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, "name",
			       "no live %s has that name", table(ring));
	elog_query_end(st);
	return rc;
}
