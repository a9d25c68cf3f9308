/*
 * keyring.h — the named verifier keys the log trusts: authorities (who may
 * sign warrants) and witnesses (who may cosign checkpoints).  Revocation
 * keeps the row, so history stays explainable.
 */
#ifndef ELOG_KEYRING_H
#define ELOG_KEYRING_H

#include <stdint.h>

#include "error.h"
#include "note.h"
#include "store.h"

enum elog_keyring { ELOG_KEYRING_AUTHORITY = 0, ELOG_KEYRING_WITNESS = 1 };

typedef struct elog_named_key {
	char name[ELOG_NAME_MAX + 1];
	char vkey[ELOG_KEY_TEXT_MAX];
	int64_t added_ms;
	int revoked;
} elog_named_key;

/* Add a key; vkey_text must parse and its name must equal name; a witness
 * key must be cosignature/v1 (0x04), an authority key Ed25519 (0x01), else
 * MALFORMED_KEY.  CONFLICT if the name exists (even revoked). */
int elog_keyring_add(elog_store *w, int ring, const char *name,
		     const char *vkey_text, elog_err_t *err);
/* The live (unrevoked) key of name: NOT_FOUND otherwise. */
int elog_keyring_get(elog_store *s, int ring, const char *name,
		     elog_verifier *out, elog_err_t *err);
typedef int (*elog_named_key_fn)(void *ctx, const elog_named_key *k);
int elog_keyring_list(elog_store *s, int ring, elog_named_key_fn fn, void *ctx,
		      elog_err_t *err);
int elog_keyring_revoke(elog_store *w, int ring, const char *name,
			elog_err_t *err);

#endif
