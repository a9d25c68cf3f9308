/*
 * monitor.c — the monitor of a running log behind a fetch callback: the
 * state file's text, the checkpoint, rollback, fork and consistency
 * checks, every served leaf recomputed, the bad leaf located, two states
 * compared, the cosignature posted.  See monitor.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "canon.h"
#include "checkpoint.h"
#include "entry.h"
#include "merkle.h"
#include "monitor.h"
#include "note.h"
#include "tile.h"

/* consistency(): the proof holds, or it does not (other values are the
 * negative codes of a result already filled). */
enum { HOLDS = 0, FAILS = 1 };

/* ---- results ---- */

void elog_monitor_result_free(elog_monitor_result *r)
{
	if (!r)
		return;
	free(r->served);
	json_decref(r->public_entries);
	memset(r, 0, sizeof *r);
	r->seq = -1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
bad(elog_monitor_result *r, const char *check, long long seq, const char *fmt,
    ...)
{
	va_list ap;

	r->rc = -ELOG_TAMPERED;
	snprintf(r->check, sizeof r->check, "%s", check);
	r->seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
	return r->rc;
}

/* Trouble: the transport, the server's status (network) or this side. */
static int trouble(elog_monitor_result *r, int network, const elog_err_t *err)
{
	int code = err && err->code != ELOG_OK ? err->code : ELOG_IO;

	if (code == ELOG_TAMPERED) /* not a finding about the log */
		code = ELOG_IO;
	r->rc = -code;
	r->network = network;
	snprintf(r->check, sizeof r->check, "%s", network ? "network" : "io");
	r->seq = -1;
	snprintf(r->msg, sizeof r->msg, "%s",
		 err && err->msg[0] ? err->msg : "failed");
	return r->rc;
}

static int nomem(elog_monitor_result *r)
{
	elog_err_t err;
	elog_fail(&err, ELOG_NOMEM, -1, NULL, "out of memory");
	return trouble(r, 0, &err);
}

/* ---- the transport ---- */

/* "code: message" of a JSON error answer, or a prefix of the body: the
 * server's words, raw (the caller cleans what it prints). */
static void server_message(const char *body, size_t len, char *out, size_t cap)
{
	json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	if (msg)
		snprintf(out, cap, "%.120s: %.200s", code ? code : "error",
			 msg);
	else if (body && len)
		snprintf(out, cap, "%.*s", (int)(len < 120 ? len : 120), body);
	else
		snprintf(out, cap, "empty answer");
	json_decref(j);
}

/*
 * GET (post NULL) or POST path through the callback (counted in
 * r->requests).  A 2xx answer's body goes to *body (caller frees; never
 * NULL then); with missing, a 404 sets *missing and returns 0 with *body
 * NULL; anything else is trouble with r filled.
 */
static int fetch_x(elog_monitor *m, elog_monitor_result *r, const char *path,
		   const char *post, size_t post_len, char **body, size_t *len,
		   int *missing)
{
	char smsg[400];
	elog_err_t err;
	long status = 0;
	int rc;

	*body = NULL;
	*len = 0;
	elog_err_clear(&err);
	if (!m->fetch) {
		elog_fail(&err, ELOG_INVALID_PARAMETER, -1, "url",
			  "no server to ask for %s", path);
		return trouble(r, 0, &err);
	}
	r->requests++;
	rc = m->fetch(m->fetch_ctx, path, post, post_len, &status, body, len,
		      &err);
	if (rc) {
		free(*body);
		*body = NULL;
		if (err.code == ELOG_OK)
			elog_fail(&err, ELOG_IO, -1, NULL, "%s%s: no answer",
				  m->where ? m->where : "", path);
		return trouble(r, 1, &err);
	}
	if (missing && status == 404) {
		free(*body);
		*body = NULL;
		*missing = 1;
		return 0;
	}
	if (status < 200 || status > 299) {
		server_message(*body, *len, smsg, sizeof smsg);
		free(*body);
		*body = NULL;
		elog_fail(&err, ELOG_IO, -1, NULL, "%s%s: HTTP %ld: %s",
			  m->where ? m->where : "", path, status, smsg);
		return trouble(r, 1, &err);
	}
	if (!*body) { /* an empty answer is a NUL-terminated "" */
		*body = calloc(1, 1);
		*len = 0;
		if (!*body)
			return nomem(r);
	}
	return 0;
}

/*
 * GET (post NULL) or POST path through the callback.  A 2xx answer's body
 * goes to *body (caller frees; never NULL then); anything else is trouble
 * with r filled.
 */
static int fetch(elog_monitor *m, elog_monitor_result *r, const char *path,
		 const char *post, size_t post_len, char **body, size_t *len)
{
	return fetch_x(m, r, path, post, post_len, body, len, NULL);
}

/* ---- the state file ---- */

static int same_key(const elog_verifier *a, const elog_verifier *b)
{
	return strcmp(a->name, b->name) == 0 && a->keyid == b->keyid &&
	       a->alg == b->alg && memcmp(a->pk, b->pk, sizeof a->pk) == 0;
}

static int get_u64(json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_hash(json_t *o, const char *key, elog_hash *out)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? elog_hash_from_b64(s, out) : -1;
}

void elog_monitor_state_free(elog_monitor_state *st)
{
	if (!st)
		return;
	free(st->note);
	memset(st, 0, sizeof *st);
}

void elog_monitor_state_init(elog_monitor_state *st, const elog_verifier *vk,
			     const char *vkey)
{
	memset(st, 0, sizeof *st);
	st->vk = *vk;
	snprintf(st->vkey, sizeof st->vkey, "%s", vkey);
	elog_frontier_init(&st->fr);
	st->root = ELOG_EMPTY_ROOT;
	st->chain = ELOG_ZERO_HASH;
}

int elog_monitor_state_parse(const char *text, size_t len, const char *name,
			     const elog_verifier *pin, elog_monitor_state *st,
			     elog_err_t *err)
{
	size_t i, npeaks = 0;
	json_t *j = NULL, *fr, *tot;
	elog_checkpoint cp;
	elog_hash root;
	const char *s;
	uint64_t size;
	int rc = 0, lvl;

	memset(st, 0, sizeof *st);
	if (!name)
		name = "the state";
	if (len > ELOG_MONITOR_STATE_MAX)
		return elog_fail(err, ELOG_TOO_LONG, -1, NULL,
				 "%s is larger than %zu bytes", name,
				 ELOG_MONITOR_STATE_MAX);
	if (elog_json_load(text, len, &j, err) || !json_is_object(j)) {
		rc = elog_fail(err, ELOG_MALFORMED_JSON, -1, NULL,
			       "%s is not an audit state file (JSON)", name);
		goto out;
	}
	s = json_string_value(json_object_get(j, "format"));
	if (!s || strcmp(s, ELOG_MONITOR_STATE_FORMAT) != 0) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "format",
			       "%s is not an %s file", name,
			       ELOG_MONITOR_STATE_FORMAT);
		goto out;
	}
	s = json_string_value(json_object_get(j, "vkey"));
	if (!s || strlen(s) >= sizeof st->vkey ||
	    elog_verifier_parse(s, &st->vk, err)) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "vkey",
			       "%s: the log key is missing or malformed",
			       name);
		goto out;
	}
	if (pin && !same_key(pin, &st->vk)) {
		rc = elog_fail(err, ELOG_UNKNOWN_KEY, -1, "vkey",
			       "%s was written for another log key (%s)", name,
			       s);
		goto out;
	}
	snprintf(st->vkey, sizeof st->vkey, "%s", s);
	s = json_string_value(json_object_get(j, "checkpoint"));
	if (get_u64(j, "size", &size) || get_hash(j, "root", &st->root) ||
	    get_hash(j, "chain_hash", &st->chain) || !s) {
		rc = elog_fail(err, ELOG_MISSING_FIELD, -1, NULL,
			       "%s: size, root, chain_hash or checkpoint is "
			       "missing or malformed",
			       name);
		goto out;
	}
	st->note_len = strlen(s);
	st->note = malloc(st->note_len + 1);
	if (!st->note) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	memcpy(st->note, s, st->note_len + 1);
	if (elog_checkpoint_open(st->note, st->note_len, &st->vk, &cp, err) ||
	    cp.size != size ||
	    memcmp(cp.root.b, st->root.b, ELOG_HASH_LEN) != 0) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, "checkpoint",
			       "%s: the checkpoint does not verify or does not "
			       "match size and root",
			       name);
		goto out;
	}
	if (size == 0 &&
	    memcmp(st->chain.b, ELOG_ZERO_HASH.b, ELOG_HASH_LEN) != 0) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, "chain_hash",
			       "%s: chain_hash of an empty log must be zero",
			       name);
		goto out;
	}
	fr = json_object_get(j, "frontier");
	for (lvl = 0; lvl < 64; lvl++)
		if (size & ((uint64_t)1 << lvl))
			npeaks++;
	if (!json_is_array(fr) || json_array_size(fr) != npeaks) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "frontier",
			       "%s: the frontier does not fit the size", name);
		goto out;
	}
	elog_frontier_init(&st->fr);
	st->fr.size = size;
	i = 0;
	for (lvl = 63; lvl >= 0; lvl--) {
		if (!(size & ((uint64_t)1 << lvl)))
			continue;
		s = json_string_value(json_array_get(fr, i++));
		if (!s || elog_hash_from_b64(s, &st->fr.peak[lvl])) {
			rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "frontier",
				       "%s: a frontier hash is malformed",
				       name);
			goto out;
		}
	}
	elog_frontier_root(&st->fr, &root);
	if (memcmp(root.b, st->root.b, ELOG_HASH_LEN) != 0) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, "frontier",
			       "%s: the frontier does not give the root",
			       name);
		goto out;
	}
	tot = json_object_get(j, "totals");
	get_u64(tot, "entries", &st->entries);
	get_u64(tot, "disclosures", &st->disclosures);
	get_u64(tot, "refusals", &st->refusals);
	get_u64(tot, "purges", &st->purges);
	st->present = 1;
out:
	if (rc)
		elog_monitor_state_free(st);
	json_decref(j);
	return rc;
}

static json_t *b64_string(const elog_hash *h)
{
	char b64[ELOG_HASH_B64_LEN];
	elog_hash_to_b64(h, b64);
	return json_string(b64);
}

int elog_monitor_state_format(const elog_monitor_state *st, uint64_t now,
			      char **text, elog_err_t *err)
{
	json_t *j = NULL, *fr = NULL;
	int lvl;

	*text = NULL;
	if (!st->note)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "checkpoint",
				 "the state holds no verified checkpoint");
	fr = json_array();
	for (lvl = 63; fr && lvl >= 0; lvl--)
		if ((st->fr.size & ((uint64_t)1 << lvl)) &&
		    json_array_append_new(fr, b64_string(&st->fr.peak[lvl])))
			goto nomem;
	if (!fr)
		goto nomem;
	j = json_pack("{s:s,s:s,s:s,s:I,s:o,s:o,s:O,s:s,s:I,s:{s:I,s:I,s:I,s:I}}",
		      "format", ELOG_MONITOR_STATE_FORMAT, "vkey", st->vkey,
		      "origin", st->vk.name, "size", (json_int_t)st->fr.size,
		      "root", b64_string(&st->root), "chain_hash",
		      b64_string(&st->chain), "frontier", fr, "checkpoint",
		      st->note, "updated", (json_int_t)now, "totals",
		      "entries", (json_int_t)st->entries, "disclosures",
		      (json_int_t)st->disclosures, "refusals",
		      (json_int_t)st->refusals, "purges",
		      (json_int_t)st->purges);
	if (!j)
		goto nomem;
	*text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	json_decref(fr);
	if (!*text)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	return 0;
nomem:
	json_decref(j);
	json_decref(fr);
	return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
}

/* ---- the checks ---- */

/* ---- tiles ---- */

#define TILE_SLOTS 32	/* tiles a run keeps (proofs read few, often) */
#define TILE_CHUNK 1024 /* leaves between two checks against the tree */

/* The hash tiles a run has read, at the checkpoint's size. */
struct elog_monitor_tiles {
	uint64_t size;	/* the tree the tiles are read at */
	uint64_t clock; /* counts reads: the least recently read slot goes */
	struct {
		uint64_t last;
		int used, level;
		uint64_t index;
		char *p; /* width * 32 bytes */
		unsigned width;
	} slot[TILE_SLOTS];
	elog_monitor *m;
	elog_monitor_result *r;
};

static void tiles_free(struct elog_monitor_tiles *tc)
{
	unsigned i;
	for (i = 0; i < TILE_SLOTS; i++)
		free(tc->slot[i].p);
	memset(tc, 0, sizeof *tc);
}

/*
 * Fetch tile t (of t->width at the checkpoint's size) into *body, *len.
 * A partial tile the server no longer has (404) is read from its full tile
 * instead, as C2SP tlog-tiles lets clients do; *got says which width was
 * read (the caller takes the first t->width entries).  0 or trouble (r
 * filled).
 */
static int fetch_tile(elog_monitor *m, elog_monitor_result *r,
		      const elog_tile *t, char **body, size_t *len,
		      unsigned *got)
{
	char path[sizeof ELOG_MONITOR_TILE_PREFIX + ELOG_TILE_PATH_MAX];
	elog_tile full = *t;
	int missing = 0, rc, n;

	n = snprintf(path, sizeof path, "%s", ELOG_MONITOR_TILE_PREFIX);
	if (elog_tile_path(t, path + n, sizeof path - (size_t)n) < 0) {
		elog_err_t err;
		elog_fail(&err, ELOG_INTERNAL, -1, NULL, "no tile path");
		return trouble(r, 0, &err);
	}
	*got = t->width;
	if (t->width == ELOG_TILE_WIDTH)
		return fetch(m, r, path, NULL, 0, body, len);
	if ((rc = fetch_x(m, r, path, NULL, 0, body, len, &missing)) ||
	    !missing)
		return rc;
	full.width = ELOG_TILE_WIDTH;
	if (elog_tile_path(&full, path + n, sizeof path - (size_t)n) < 0) {
		elog_err_t err;
		elog_fail(&err, ELOG_INTERNAL, -1, NULL, "no tile path");
		return trouble(r, 0, &err);
	}
	*got = ELOG_TILE_WIDTH;
	return fetch(m, r, path, NULL, 0, body, len);
}

/*
 * The hashes of hash tile (level, index) at the checkpoint's size, from
 * the run's cache or fetched: *p holds the tile's width * 32 bytes.  0,
 * trouble, or -ELOG_TAMPERED ("response") for a tile of the wrong length.
 */
static int tile_get(struct elog_monitor_tiles *tc, int level, uint64_t index,
		    const char **p, unsigned *width)
{
	elog_tile t = {.level = level, .index = index};
	char *body = NULL;
	size_t len = 0;
	unsigned i, k, got = 0;
	int rc;

	tc->clock++;
	for (i = 0; i < TILE_SLOTS; i++)
		if (tc->slot[i].used && tc->slot[i].level == level &&
		    tc->slot[i].index == index) {
			tc->slot[i].last = tc->clock;
			*p = tc->slot[i].p;
			*width = tc->slot[i].width;
			return 0;
		}
	t.width = elog_tile_width_at(level, index, tc->size);
	if (t.width == 0) {
		elog_err_t err;
		elog_fail(&err, ELOG_INTERNAL, -1, NULL,
			  "tile %d/%llu is beyond the tree", level,
			  (unsigned long long)index);
		return trouble(tc->r, 0, &err);
	}
	if ((rc = fetch_tile(tc->m, tc->r, &t, &body, &len, &got)))
		return rc;
	if (len != (size_t)got * ELOG_HASH_LEN) {
		free(body);
		return bad(tc->r, "response", -1,
			   "the hash tile %d/%llu (width %u) is %zu bytes long",
			   level, (unsigned long long)index, t.width, len);
	}
	for (i = 0, k = 1; k < TILE_SLOTS; k++)
		if (!tc->slot[k].used ||
		    (tc->slot[i].used && tc->slot[k].last < tc->slot[i].last))
			i = k;
	free(tc->slot[i].p);
	tc->slot[i].used = 1;
	tc->slot[i].level = level;
	tc->slot[i].index = index;
	tc->slot[i].p = body;
	tc->slot[i].width = t.width;
	tc->slot[i].last = tc->clock;
	*p = body;
	*width = t.width;
	return 0;
}

/*
 * elog_hash_reader over the run's tiles: the complete subtree (level,
 * index) of the tree at tc->size, folded from the hashes of the tile level
 * below it (tile L holds Merkle level 8L).  On failure the result is
 * filled and its code returned.
 */
static int tile_reader(void *ctx, int level, uint64_t index, elog_hash *out,
		       elog_err_t *err)
{
	struct elog_monitor_tiles *tc = ctx;
	int tl = level / ELOG_TILE_HEIGHT, up = level % ELOG_TILE_HEIGHT;
	uint64_t first = index << up, cnt = (uint64_t)1 << up;
	elog_hash h[1 << (ELOG_TILE_HEIGHT - 1)];
	const char *p = NULL;
	unsigned width = 0, k;
	int rc;

	rc = tile_get(tc, tl, first / ELOG_TILE_WIDTH, &p, &width);
	if (rc == 0 && first % ELOG_TILE_WIDTH + cnt > width)
		rc = bad(tc->r, "response", -1,
			 "the tree of the checkpoint has no node %d/%llu",
			 level, (unsigned long long)index);
	if (rc)
		return elog_fail(err, -rc, -1, NULL, "%s", tc->r->msg);
	for (k = 0; k < cnt; k++)
		memcpy(h[k].b,
		       p + (first % ELOG_TILE_WIDTH + k) * ELOG_HASH_LEN,
		       ELOG_HASH_LEN);
	if (cnt == 1)
		*out = h[0];
	else
		elog_root_of_leaves(h, (size_t)cnt, out);
	return 0;
}

/* A consistency proof from old to new_size computed from the run's tiles
 * (at new_size), checked as consistency() does. */
static int consistency_tiles(elog_monitor *m, elog_monitor_result *r,
			     uint64_t old, uint64_t new_size,
			     const elog_hash *old_root,
			     const elog_hash *new_root)
{
	elog_hash proof[ELOG_MAX_PROOF];
	elog_err_t err;
	size_t np = 0;

	elog_err_clear(&err);
	if (new_size != m->tc->size) {
		elog_fail(&err, ELOG_INTERNAL, -1, NULL,
			  "tiles are read at size %llu, not %llu",
			  (unsigned long long)m->tc->size,
			  (unsigned long long)new_size);
		return trouble(r, 0, &err);
	}
	if (elog_prove_consistency(old, new_size, tile_reader, m->tc, proof,
				   &np, &err))
		return r->rc ? r->rc : trouble(r, 0, &err);
	return elog_verify_consistency(old, new_size, old_root, new_root,
				       proof, np, &err)
		       ? FAILS
		       : HOLDS;
}

/* The entries of an entry bundle of got entries: off[i], n[i] for its
 * first want.  0, or -1 when it is not such a bundle. */
static int bundle_split(const char *p, size_t len, unsigned want, unsigned got,
			size_t *off, size_t *n)
{
	size_t at = 0;
	unsigned i;

	size_t k;

	for (i = 0; i < got; i++) {
		if (len - at < 2)
			return -1;
		k = (size_t)(uint8_t)p[at] << 8 | (uint8_t)p[at + 1];
		at += 2;
		if (len - at < k)
			return -1;
		if (i < want) {
			off[i] = at;
			n[i] = k;
		}
		at += k;
	}
	return at == len ? 0 : -1;
}

/*
 * Fetch a consistency proof from old to new_size (over tiles: compute it
 * from the hash tiles) and check it against the two roots: HOLDS or FAILS; a negative code (r filled) on trouble, or
 * -ELOG_TAMPERED with check "response" on a malformed answer.
 */
static int consistency(elog_monitor *m, elog_monitor_result *r, uint64_t old,
		       uint64_t new_size, const elog_hash *old_root,
		       const elog_hash *new_root)
{
	elog_hash proof[ELOG_MAX_PROOF];
	char path[128], *body = NULL;
	size_t len = 0, i, np;
	elog_err_t err;
	json_t *j = NULL, *a;
	uint64_t o = 0, n = 0;
	int rc;

	if (m->tc)
		return consistency_tiles(m, r, old, new_size, old_root,
					 new_root);
	elog_err_clear(&err);
	snprintf(path, sizeof path, "/v1/proof/consistency?old=%llu&new=%llu",
		 (unsigned long long)old, (unsigned long long)new_size);
	if ((rc = fetch(m, r, path, NULL, 0, &body, &len)))
		return rc;
	if (elog_json_load(body, len, &j, &err) || get_u64(j, "old", &o) ||
	    get_u64(j, "new", &n) || o != old || n != new_size ||
	    !json_is_array(a = json_object_get(j, "proof")) ||
	    (np = json_array_size(a)) > ELOG_MAX_PROOF) {
		rc = bad(r, "response", -1,
			 "the consistency proof from %llu to %llu is "
			 "malformed",
			 (unsigned long long)old,
			 (unsigned long long)new_size);
		goto out;
	}
	for (i = 0; i < np; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s || elog_hash_from_b64(s, &proof[i])) {
			rc = bad(r, "response", -1,
				 "the consistency proof from %llu to %llu has "
				 "a malformed hash",
				 (unsigned long long)old,
				 (unsigned long long)new_size);
			goto out;
		}
	}
	rc = elog_verify_consistency(old, new_size, old_root, new_root, proof,
				     np, &err)
		     ? FAILS
		     : HOLDS;
out:
	json_decref(j);
	free(body);
	return rc;
}

/*
 * The leaves [a, b) failed the cross-check against the checkpoint's tree;
 * base is the frontier at a (which held), lh the page's leaf hashes.
 * Bisect with consistency proofs for the first leaf that is not the one in
 * the tree.  Fills r; returns -ELOG_TAMPERED.
 */
static int localise(elog_monitor *m, elog_monitor_result *r,
		    const elog_frontier *base, const elog_hash *lh, uint64_t a,
		    uint64_t b)
{
	uint64_t lo = a, hi = b, mid, k, step = 1;
	elog_frontier f;
	elog_hash root;
	int rc;

	/* Over tiles the nodes below a hash tile's level are folded from the
	 * level-0 tile, so a changed leaf hash there changes every proof
	 * through its tile: bisect whole tiles, and name the tile's leaves. */
	if (m->tc)
		step = ELOG_TILE_WIDTH;
	while ((hi - 1) / step > lo / step) {
		mid = ((lo / step + (hi - 1) / step + 1) / 2) * step;
		f = *base;
		for (k = a; k < mid; k++)
			elog_frontier_append(&f, &lh[k - a], NULL, NULL, NULL);
		elog_frontier_root(&f, &root);
		rc = consistency(m, r, mid, r->cp.size, &root, &r->cp.root);
		if (rc < 0)
			return bad(r, "tree_root", -1,
				   "the leaves served for seq %llu..%llu are not "
				   "those of the tree the checkpoint (size "
				   "%llu) commits to",
				   (unsigned long long)a,
				   (unsigned long long)(b - 1),
				   (unsigned long long)r->cp.size);
		if (rc == HOLDS)
			lo = mid;
		else
			hi = mid;
	}
	if (step > 1)
		return bad(r, "tree_root", -1,
			   "the leaves served for seq %llu..%llu (one entry "
			   "bundle and its hash tile) are not those of the "
			   "tree the checkpoint (size %llu) commits to",
			   (unsigned long long)lo,
			   (unsigned long long)(hi - 1),
			   (unsigned long long)r->cp.size);
	/* Proofs carry single leaf hashes as the server reads them, so a
	 * changed leaf hash and its sibling's look alike; and a SQLite log's
	 * server hashes the tree nodes of levels 1 to 3 up from the leaf
	 * hashes it reads, so its proofs carry a changed leaf hash folded
	 * into them from the start of its block of 16 on.  Name the leaves
	 * that may hold it: k's pair up to the end of its block. */
	k = hi - 1;
	lo = k & ~(uint64_t)1;
	hi = (k | 15) < r->cp.size ? k | 15 : r->cp.size - 1;
	if (hi > lo)
		return bad(r, "tree_root", (long long)k,
			   "a leaf hash served for seq %llu..%llu is not the "
			   "one in the tree the checkpoint (size %llu) commits "
			   "to (the served tree matches it below seq %llu)",
			   (unsigned long long)lo, (unsigned long long)hi,
			   (unsigned long long)r->cp.size,
			   (unsigned long long)k);
	return bad(r, "tree_root", (long long)k,
		   "the leaf hash served for seq %llu is not the one in the "
		   "tree the checkpoint (size %llu) commits to",
		   (unsigned long long)k, (unsigned long long)r->cp.size);
}

/* Check one served entry (R2: every leaf's data is public; an event's is
 * exactly its commitment) against its kind and leaf hash; 0 or TAMPERED. */
static int check_entry(elog_monitor_result *r, uint64_t seq, int kind,
		       json_t *entry, const elog_hash *leaf)
{
	const char *ek = json_string_value(json_object_get(entry, "kind"));
	elog_hash calc;
	elog_err_t err;
	elog_entry en;
	char *data = NULL;
	size_t len = 0;

	elog_err_clear(&err);
	if (!json_is_object(entry))
		return bad(r, "entry", (long long)seq,
			   "the %s entry of seq %llu is served without its "
			   "leaf data",
			   elog_kind_name(kind), (unsigned long long)seq);
	if (!ek || strcmp(ek, elog_kind_name(kind)) != 0)
		return bad(r, "entry", (long long)seq,
			   "the entry of seq %llu is listed as a %s but its "
			   "data says %.64s",
			   (unsigned long long)seq, elog_kind_name(kind),
			   ek ? ek : "no kind");
	if (elog_canon_dump(entry, &data, &len, &err))
		return bad(r, "leaf_hash", (long long)seq,
			   "the entry of seq %llu has no canonical form: %s",
			   (unsigned long long)seq, err.msg);
	if (elog_entry_from_data(data, len, &en, &err)) {
		free(data);
		return bad(r, "entry", (long long)seq,
			   "the %s entry of seq %llu is not one: %s",
			   elog_kind_name(kind), (unsigned long long)seq,
			   err.msg);
	}
	elog_entry_free(&en);
	elog_leaf_hash(data, len, &calc);
	free(data);
	if (memcmp(calc.b, leaf->b, ELOG_HASH_LEN) != 0)
		return bad(r, "leaf_hash", (long long)seq,
			   "the leaf hash of seq %llu does not match its %s "
			   "entry",
			   (unsigned long long)seq, elog_kind_name(kind));
	return 0;
}

/* Count a checked entry of kind at seq s, keeping the public ones. */
static int count_entry(elog_monitor_result *r, uint64_t s, int kind,
		       json_t *entry)
{
	if (kind == ELOG_KIND_EVENT)
		return 0;
	if (kind == ELOG_KIND_DISCLOSURE)
		r->disclosures++;
	else if (kind == ELOG_KIND_REFUSAL)
		r->refusals++;
	else if (kind == ELOG_KIND_PURGE)
		r->purges++;
	else
		r->shard_entries++;
	if (json_array_size(r->public_entries) < ELOG_MONITOR_LIST_MAX &&
	    json_array_append_new(r->public_entries,
				  json_pack("{s:I,s:O}", "seq", (json_int_t)s,
					    "entry", entry)))
		return nomem(r);
	return 0;
}

/*
 * Are the leaves read so far (the tree of size b in f, whose leaves a..b-1
 * have the hashes lh, on top of base) a prefix of the checkpoint's tree?
 * HOLDS, or the failure localised to the first bad leaf.
 */
static int check_prefix(elog_monitor *m, elog_monitor_result *r,
			const elog_frontier *f, const elog_frontier *base,
			const elog_hash *lh, uint64_t a, uint64_t b)
{
	elog_hash root;
	int rc;

	elog_frontier_root(f, &root);
	if (b < r->cp.size)
		rc = consistency(m, r, b, r->cp.size, &root, &r->cp.root);
	else
		rc = memcmp(root.b, r->cp.root.b, ELOG_HASH_LEN) ? FAILS
								 : HOLDS;
	if (rc == FAILS)
		rc = localise(m, r, base, lh, a, b);
	return rc;
}

/*
 * Over tiles: the leaf at seq s, whose data (len bytes, from its entry
 * bundle) must be a canonical entry; its leaf hash goes to *lh, checked
 * against served (the level-0 hash tile's).  0 or TAMPERED.
 */
static int check_bundled(elog_monitor_result *r, uint64_t s, const char *data,
			 size_t len, const elog_hash *served, elog_hash *lh)
{
	char *canon = NULL;
	const char *kn;
	size_t clen = 0;
	elog_err_t err;
	json_t *e = NULL;
	int rc, kind;

	elog_err_clear(&err);
	if (elog_json_load(data, len, &e, &err) || !json_is_object(e)) {
		rc = bad(r, "entry", (long long)s,
			 "the leaf data of seq %llu in its entry bundle is not "
			 "a JSON object",
			 (unsigned long long)s);
		goto out;
	}
	if (elog_canon_dump(e, &canon, &clen, &err) || clen != len ||
	    memcmp(canon, data, len) != 0) {
		rc = bad(r, "entry", (long long)s,
			 "the leaf data of seq %llu in its entry bundle is not "
			 "canonical JSON",
			 (unsigned long long)s);
		goto out;
	}
	kn = json_string_value(json_object_get(e, "kind"));
	kind = kn ? elog_kind_from_name(kn) : -1;
	if (kind < 0) {
		rc = bad(r, "entry", (long long)s,
			 "the leaf data of seq %llu names no kind of entry "
			 "(not an event's commitment, nor a public entry)",
			 (unsigned long long)s);
		goto out;
	}
	elog_leaf_hash(data, len, lh);
	if ((rc = check_entry(r, s, kind, e, served)))
		goto out;
	rc = count_entry(r, s, kind, e);
out:
	free(canon);
	json_decref(e);
	return rc;
}

/*
 * check_leaves over tiles: the leaves [from, r->cp.size) from entry
 * bundles, their leaf hashes against the level-0 hash tiles, and every
 * TILE_CHUNK leaves the tree so far against the checkpoint's (a
 * consistency proof from the tiles).
 */
static int check_leaves_tiles(elog_monitor *m, elog_monitor_result *r,
			      uint64_t from, elog_frontier *f,
			      elog_hash *chain)
{
	size_t off[ELOG_TILE_WIDTH], len[ELOG_TILE_WIDTH];
	elog_hash *lh = NULL, served, next;
	elog_frontier base;
	uint64_t a, b, x, xe, n = r->cp.size, s, idx;
	const char *hashes;
	char *body = NULL;
	size_t blen = 0;
	unsigned w, got, hw;
	elog_tile t;
	int rc = 0;

	lh = malloc(TILE_CHUNK * sizeof *lh);
	if (!lh)
		return nomem(r);
	for (a = from; a < n; a = b) {
		b = (a / TILE_CHUNK + 1) * TILE_CHUNK;
		if (b > n)
			b = n;
		base = *f;
		for (x = a; x < b; x = xe) {
			idx = x / ELOG_TILE_WIDTH;
			w = elog_tile_width_at(ELOG_TILE_ENTRIES, idx, n);
			xe = idx * ELOG_TILE_WIDTH + w;
			t.level = ELOG_TILE_ENTRIES;
			t.index = idx;
			t.width = w;
			if ((rc = tile_get(m->tc, 0, idx, &hashes, &hw)))
				goto out;
			if ((rc = fetch_tile(m, r, &t, &body, &blen, &got)))
				goto out;
			if (bundle_split(body, blen, w, got, off, len)) {
				rc = bad(r, "response", (long long)x,
					 "the entry bundle of seq %llu..%llu "
					 "is malformed",
					 (unsigned long long)(idx *
							      ELOG_TILE_WIDTH),
					 (unsigned long long)(xe - 1));
				goto out;
			}
			for (s = x; s < xe; s++) {
				unsigned i = (unsigned)(s % ELOG_TILE_WIDTH);
				elog_hash *h = &lh[s - a];
				memcpy(served.b,
				       hashes + (size_t)i * ELOG_HASH_LEN,
				       ELOG_HASH_LEN);
				if ((rc = check_bundled(r, s, body + off[i],
							len[i], &served, h)))
					goto out;
				elog_chain_hash(chain, h, &next);
				*chain = next;
				elog_frontier_append(f, h, NULL, NULL, NULL);
				r->checked++;
			}
			free(body);
			body = NULL;
		}
		if ((rc = check_prefix(m, r, f, &base, lh, a, b)))
			goto out;
		if (m->progress)
			m->progress(m->progress_ctx, b - from, n - from);
	}
out:
	free(body);
	free(lh);
	return rc;
}

/*
 * Fetch and check the leaves [from, r->cp.size), advancing *f and *chain.
 * 0 when all hold; else r is filled.
 */
static int check_leaves(elog_monitor *m, elog_monitor_result *r, uint64_t from,
			elog_frontier *f, elog_hash *chain)
{
	elog_hash *lh = NULL, served_chain, calc, root;
	elog_frontier base;
	uint64_t a, b, n = r->cp.size, s, seqv = 0;
	char path[128], *body = NULL;
	size_t blen = 0, i, cnt;
	elog_err_t err;
	json_t *j = NULL, *list;
	int rc = 0;

	if (m->progress)
		m->progress(m->progress_ctx, 0, n - from);
	if (from >= n) {
		/* No leaf to fetch: the tree is the state's (at size 0 on a
		 * first run, the empty tree). */
		elog_frontier_root(f, &root);
		if (memcmp(root.b, r->cp.root.b, ELOG_HASH_LEN) != 0)
			return bad(r, "tree_root", -1,
				   "the checkpoint (size %llu) does not commit "
				   "to the tree of its %llu leaves",
				   (unsigned long long)n,
				   (unsigned long long)n);
		return 0;
	}
	if (m->tc)
		return check_leaves_tiles(m, r, from, f, chain);
	lh = malloc(ELOG_MONITOR_PAGE * sizeof *lh);
	if (!lh)
		return nomem(r);
	for (a = from; a < n; a = b) {
		uint64_t want = n - a > ELOG_MONITOR_PAGE ? ELOG_MONITOR_PAGE
							  : n - a;
		elog_err_clear(&err);
		snprintf(path, sizeof path, "/v1/leaves?start=%llu&end=%llu",
			 (unsigned long long)a,
			 (unsigned long long)(a + want));
		if ((rc = fetch(m, r, path, NULL, 0, &body, &blen)))
			goto out;
		if (elog_json_load(body, blen, &j, &err) ||
		    !json_is_array(list = json_object_get(j, "leaves")) ||
		    (cnt = json_array_size(list)) == 0 || cnt > want) {
			rc = bad(r, "response", (long long)a,
				 "the leaves from seq %llu are malformed or "
				 "missing",
				 (unsigned long long)a);
			goto out;
		}
		b = a + cnt;
		base = *f;
		for (i = 0; i < cnt; i++) {
			json_t *o = json_array_get(list, i);
			json_t *entry = json_object_get(o, "entry");
			const char *kn = json_string_value(
				json_object_get(o, "kind"));
			int kind = kn ? elog_kind_from_name(kn) : -1;
			s = a + i;
			if (get_u64(o, "seq", &seqv) || seqv != s ||
			    kind < 0 || get_hash(o, "leaf_hash", &lh[i]) ||
			    get_hash(o, "chain_hash", &served_chain)) {
				rc = bad(r, "response", (long long)s,
					 "the leaf served for seq %llu is "
					 "malformed or out of order",
					 (unsigned long long)s);
				goto out;
			}
			elog_chain_hash(chain, &lh[i], &calc);
			if (memcmp(calc.b, served_chain.b, ELOG_HASH_LEN)) {
				rc = bad(r, "chain", (long long)s,
					 "the chain value of seq %llu does not "
					 "follow from seq %lld's and its leaf "
					 "hash: entries up to %llu were "
					 "changed, removed or reordered",
					 (unsigned long long)s,
					 (long long)s - 1,
					 (unsigned long long)s);
				goto out;
			}
			*chain = calc;
			if ((rc = check_entry(r, s, kind, entry, &lh[i])) ||
			    (rc = count_entry(r, s, kind, entry)))
				goto out;
			elog_frontier_append(f, &lh[i], NULL, NULL, NULL);
			r->checked++;
		}
		if ((rc = check_prefix(m, r, f, &base, lh, a, b)))
			goto out;
		json_decref(j);
		j = NULL;
		free(body);
		body = NULL;
		if (m->progress)
			m->progress(m->progress_ctx, b - from, n - from);
	}
out:
	json_decref(j);
	free(body);
	free(lh);
	return rc;
}

void elog_monitor_free(elog_monitor *m)
{
	if (!m)
		return;
	free(m->last_cosigned);
	m->last_cosigned = NULL;
}

/*
 * The served checkpoint into r->served: from the tiles when m->tiles asks
 * for them and the log offers them (r->tiles set, tc ready at the
 * checkpoint's size once it is parsed), else from /v1/.
 */
static int fetch_checkpoint(elog_monitor *m, elog_monitor_result *r)
{
	int missing = 0, rc;

	if (m->tiles != ELOG_MONITOR_TILES_OFF) {
		rc = fetch_x(m, r, ELOG_MONITOR_TILE_PREFIX "checkpoint", NULL,
			     0, &r->served, &r->served_len,
			     m->tiles == ELOG_MONITOR_TILES_AUTO ? &missing
								 : NULL);
		if (rc || !missing) {
			r->tiles = rc == 0;
			return rc;
		}
	}
	return fetch(m, r, "/v1/checkpoint", NULL, 0, &r->served,
		     &r->served_len);
}

static int run(elog_monitor *m, elog_monitor_state *st, elog_monitor_result *r,
	       struct elog_monitor_tiles *tc)
{
	elog_err_t err;
	elog_frontier f;
	elog_hash chain;
	char *copy;
	int rc;

	elog_err_clear(&err);
	if ((rc = fetch_checkpoint(m, r)))
		return rc;
	if (elog_note_verify(r->served, r->served_len, &m->vk,
			     &r->served_text_len, &err) ||
	    elog_checkpoint_open(r->served, r->served_len, &m->vk, &r->cp,
				 &err)) {
		r->show_served = 1;
		r->show_state = st->present;
		return bad(r, "signature", -1,
			   "the served checkpoint does not verify with the "
			   "pinned log key: %s",
			   err.msg);
	}
	if (r->tiles) {
		tc->size = r->cp.size;
		tc->m = m;
		tc->r = r;
		m->tc = tc;
	}
	r->old_size = st->present ? st->fr.size : 0;
	if (!st->present) {
		r->first_run = 1;
		/* The empty log: nothing to extend. */
	} else if (r->cp.size < st->fr.size) {
		r->show_state = r->show_served = 1;
		return bad(r, "rollback", -1,
			   "the served checkpoint (size %llu) is older than the "
			   "last verified one (size %llu): the log was rolled "
			   "back",
			   (unsigned long long)r->cp.size,
			   (unsigned long long)st->fr.size);
	} else if (r->cp.size == st->fr.size) {
		if (memcmp(r->cp.root.b, st->root.b, ELOG_HASH_LEN) != 0) {
			r->show_state = r->show_served = 1;
			return bad(r, "fork", -1,
				   "the served checkpoint has the size of the "
				   "last verified one (%llu) but another root: "
				   "the log forked",
				   (unsigned long long)r->cp.size);
		}
	} else if (st->fr.size > 0) {
		rc = consistency(m, r, st->fr.size, r->cp.size, &st->root,
				 &r->cp.root);
		if (rc == FAILS) {
			r->show_state = r->show_served = 1;
			return bad(r, "consistency", -1,
				   "the served checkpoint (size %llu) is not "
				   "consistent with the last verified one (size "
				   "%llu): the log forked or was rewritten",
				   (unsigned long long)r->cp.size,
				   (unsigned long long)st->fr.size);
		}
		if (rc)
			return rc;
	}
	f = st->fr;
	chain = st->chain;
	if ((rc = check_leaves(m, r, st->fr.size, &f, &chain)))
		return rc;
	/* Every check held: advance the state. */
	copy = malloc(r->served_len + 1);
	if (!copy)
		return nomem(r);
	memcpy(copy, r->served, r->served_len + 1);
	free(st->note);
	st->note = copy;
	st->note_len = r->served_len;
	st->fr = f;
	st->root = r->cp.root;
	st->chain = chain;
	st->entries += r->checked;
	st->disclosures += r->disclosures;
	st->refusals += r->refusals;
	st->purges += r->purges;
	st->present = 1;
	r->rc = 0;
	return 0;
}

int elog_monitor_run(elog_monitor *m, elog_monitor_state *st,
		     elog_monitor_result *r)
{
	struct elog_monitor_tiles tc;
	int rc;

	memset(r, 0, sizeof *r);
	memset(&tc, 0, sizeof tc);
	r->seq = -1;
	r->public_entries = json_array();
	if (!r->public_entries)
		return nomem(r);
	rc = run(m, st, r, &tc);
	m->tc = NULL;
	tiles_free(&tc);
	return rc;
}

int elog_monitor_cosign(elog_monitor *m, elog_monitor_result *r, uint64_t now)
{
	char line[ELOG_NAME_MAX + 256];
	char *post = NULL, *body = NULL, *copy;
	size_t tl = r->served_text_len, ll, blen = 0;
	elog_err_t err;
	int rc;

	elog_err_clear(&err);
	r->cosigned = 0;
	if (!m->witness || !r->served || r->rc != 0)
		return 0;
	if (m->last_cosigned && strcmp(m->last_cosigned, r->served) == 0)
		return 0;
	if (elog_cosign(r->served, tl, m->witness, now, line, sizeof line,
			&err))
		return trouble(r, 0, &err);
	ll = strlen(line);
	post = malloc(tl + 1 + ll + 1);
	if (!post)
		return nomem(r);
	/* The checkpoint text, a blank line, the cosignature line: a signed
	 * note carrying only the cosignature. */
	memcpy(post, r->served, tl);
	post[tl] = '\n';
	memcpy(post + tl + 1, line, ll + 1);
	rc = fetch(m, r, "/v1/cosignatures", post, tl + 1 + ll, &body, &blen);
	free(post);
	free(body);
	if (rc)
		return rc;
	r->cosigned = 1;
	copy = malloc(r->served_len + 1);
	if (copy)
		memcpy(copy, r->served, r->served_len + 1);
	free(m->last_cosigned);
	m->last_cosigned = copy;
	return 0;
}

int elog_monitor_compare(elog_monitor *m, const elog_monitor_state *a,
			 const elog_monitor_state *b, elog_monitor_result *r)
{
	const elog_monitor_state *lo = a->fr.size <= b->fr.size ? a : b;
	const elog_monitor_state *hi = lo == a ? b : a;
	const char *nlo = lo == a ? "A" : "B", *nhi = lo == a ? "B" : "A";
	int rc;

	memset(r, 0, sizeof *r);
	r->seq = -1;
	if (!same_key(&a->vk, &b->vk)) {
		elog_err_t err;
		elog_fail(&err, ELOG_UNKNOWN_KEY, -1, "vkey",
			  "the two states are for different log keys");
		return trouble(r, 0, &err);
	}
	if (lo->fr.size == hi->fr.size) {
		if (memcmp(lo->root.b, hi->root.b, ELOG_HASH_LEN) != 0)
			return bad(r, "fork", -1,
				   "both checkpoints have size %llu but "
				   "different roots: the log forked",
				   (unsigned long long)lo->fr.size);
		snprintf(r->msg, sizeof r->msg,
			 "consistent: both at size %llu with the same root",
			 (unsigned long long)lo->fr.size);
		return 0;
	}
	if (lo->fr.size == 0) {
		snprintf(r->msg, sizeof r->msg,
			 "consistent: %s is the empty log, a prefix of %s "
			 "(size %llu)",
			 nlo, nhi, (unsigned long long)hi->fr.size);
		return 0;
	}
	rc = consistency(m, r, lo->fr.size, hi->fr.size, &lo->root, &hi->root);
	if (rc < 0 && rc != -ELOG_TAMPERED)
		return rc;
	if (rc != HOLDS)
		return bad(r, "consistency", -1,
			   "%s (size %llu) and %s (size %llu) are not "
			   "consistent: %s",
			   nlo, (unsigned long long)lo->fr.size, nhi,
			   (unsigned long long)hi->fr.size,
			   rc == FAILS ? "the consistency proof fails"
				       : "the server gave no valid proof");
	snprintf(r->msg, sizeof r->msg,
		 "consistent: %s (size %llu) is a prefix of %s (size %llu); "
		 "consistency proof verified",
		 nlo, (unsigned long long)lo->fr.size, nhi,
		 (unsigned long long)hi->fr.size);
	return 0;
}
