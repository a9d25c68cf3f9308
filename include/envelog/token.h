/*
 * token.h — bearer tokens.  A token is shown once, at creation; the store
 * keeps only SHA-256(token).  Lookup is by hash, and the stored hash is
 * compared in constant time.
 *
 * Token text: "elog_" + 43 characters of unpadded base64url (32 random
 * bytes).
 */
#ifndef ELOG_TOKEN_H
#define ELOG_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "note.h"
#include "store.h"

#define ELOG_TOKEN_TEXT_MAX 64
#define ELOG_TOKEN_TEXT_LEN 48 /* "elog_" + 43 */
#define ELOG_LABEL_MAX 128

enum elog_role {
	ELOG_ROLE_NONE = 0,
	ELOG_ROLE_INGEST = 1,
	ELOG_ROLE_AUDITOR = 2,
	ELOG_ROLE_AUTHORITY = 3,
};

const char *elog_role_name(int role);
int elog_role_from_name(const char *name); /* ELOG_ROLE_NONE if unknown */

typedef struct elog_token_info {
	int64_t id;
	int role;
	char authority[ELOG_NAME_MAX + 1]; /* authority tokens only */
	char label[ELOG_LABEL_MAX + 1];
	int64_t created_ms;
	int revoked;
} elog_token_info;

/*
 * Create a token; its text (shown once) into text[ELOG_TOKEN_TEXT_MAX].
 * Authority tokens must name a registered, unrevoked authority.
 */
int elog_token_add(elog_store *w, int role, const char *authority,
		   const char *label, char text[ELOG_TOKEN_TEXT_MAX],
		   int64_t *id, elog_err_t *err);
/*
 * Add an existing token, text as elog_token_add printed it (for another
 * log): the same token then works on both, e.g. one ingest token on every
 * shard behind a routing proxy.  INVALID_VALUE if text is not a token's
 * form; CONFLICT if this log has it already (live or revoked).
 */
int elog_token_import(elog_store *w, int role, const char *authority,
		      const char *label, const char *text, int64_t *id,
		      elog_err_t *err);
/* UNKNOWN_TOKEN unless text is a live token; fills *out. */
int elog_token_check(elog_store *s, const char *text, size_t len,
		     elog_token_info *out, elog_err_t *err);
typedef int (*elog_token_fn)(void *ctx, const elog_token_info *t);
int elog_token_list(elog_store *s, elog_token_fn fn, void *ctx,
		    elog_err_t *err);
int elog_token_revoke(elog_store *w, int64_t id, elog_err_t *err);

#endif
