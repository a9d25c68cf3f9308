/* shard.c — the entries of a root log and the shard statements they carry.
 * See shard.h. */
#include "shard.h"

#include <string.h>

#include <sodium.h>

#include "canon.h"

struct field {
	const char *name;
	int type; /* 's' string, 'i' integer */
};

/* The fields of each root kind, "kind" included, in canonical order. */
static const struct field add_fields[] = {{"kind", 's'},
					  {"origin", 's'},
					  {"ts", 'i'},
					  {"vkey", 's'},
					  {NULL, 0}};
static const struct field shard_fields[] =
	{{"kind", 's'},	     {"origin", 's'}, {"registry", 'i'}, {"root", 's'},
	 {"signature", 's'}, {"size", 'i'},   {"ts", 'i'},	 {NULL, 0}};
static const struct field refusal_fields[] =
	{{"kind", 's'},	     {"origin", 's'}, {"reason", 's'}, {"root", 's'},
	 {"signature", 's'}, {"size", 'i'},   {"ts", 'i'},     {NULL, 0}};
static const struct field mark_fields[] = {{"kind", 's'}, {"origin", 's'},
					   {"root", 's'}, {"size", 'i'},
					   {"ts", 'i'},	  {NULL, 0}};

static const struct field *fields_of(int kind)
{
	switch (kind) {
	case ELOG_KIND_SHARD_ADD:
		return add_fields;
	case ELOG_KIND_SHARD:
		return shard_fields;
	case ELOG_KIND_SHARD_REFUSAL:
		return refusal_fields;
	case ELOG_KIND_SHARD_RETIRE:
	case ELOG_KIND_SHARD_CLOSE:
		return mark_fields;
	default:
		return NULL;
	}
}

int elog_kind_is_root(int kind)
{
	return fields_of(kind) != NULL;
}

static int has_field(const struct field *f, const char *name)
{
	for (; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return 1;
	return 0;
}

/* 1 if s (n bytes) is base64 of exactly want bytes (padded, canonical). */
static int b64_exact(const char *s, size_t n, size_t want)
{
	unsigned char buf[ELOG_SHARD_SIG_LEN];
	char again[sodium_base64_ENCODED_LEN(ELOG_SHARD_SIG_LEN,
					     sodium_base64_VARIANT_ORIGINAL)];
	size_t got = 0;

	if (want > sizeof buf ||
	    n != sodium_base64_ENCODED_LEN(want,
					   sodium_base64_VARIANT_ORIGINAL) -
			    1 ||
	    sodium_base642bin(buf, sizeof buf, s, n, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != want)
		return 0;
	/* no unused bits set: one text per value */
	sodium_bin2base64(again, sizeof again, buf, want,
			  sodium_base64_VARIANT_ORIGINAL);
	return memcmp(again, s, n) == 0;
}

/* A verifier key text in its canonical form, Ed25519, named origin. */
static int vkey_check(const char *vkey, const char *origin, elog_err_t *err)
{
	char again[ELOG_KEY_TEXT_MAX];
	elog_verifier v;

	if (elog_verifier_parse(vkey, &v, NULL) != 0 ||
	    v.alg != ELOG_ALG_ED25519 ||
	    elog_verifier_format(&v, again, sizeof again, NULL) != 0 ||
	    strcmp(again, vkey) != 0)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "vkey",
				 "The vkey is not an Ed25519 verifier key in "
				 "its text form.");
	if (strcmp(v.name, origin) != 0)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "vkey",
				 "The vkey's name is not the origin.");
	return 0;
}

static int reason_valid(const char *r)
{
	return strcmp(r, "rollback") == 0 || strcmp(r, "fork") == 0;
}

/* The checks of one field's value (type already checked). */
static int value_check(const json_t *obj, const char *name, const json_t *v,
		       elog_err_t *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || i >= ELOG_JSON_INT_MAX ||
		    (strcmp(name, "registry") == 0 && i < 1))
			return elog_fail(err, ELOG_OUT_OF_RANGE, -1, name,
					 "The %s is out of range.", name);
		return 0;
	}
	if (strcmp(name, "origin") == 0 &&
	    (strlen(s) != n || !elog_key_name_valid(s)))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, name,
				 "The origin is not a valid log name.");
	if (strcmp(name, "root") == 0 && !b64_exact(s, n, ELOG_HASH_LEN))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, name,
				 "The root is not 32 bytes of base64.");
	if (strcmp(name, "signature") == 0 &&
	    !b64_exact(s, n, ELOG_SHARD_SIG_LEN))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, name,
				 "The signature is not 68 bytes of base64.");
	if (strcmp(name, "reason") == 0 && !reason_valid(s))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, name,
				 "The reason is not rollback or fork.");
	if (strcmp(name, "vkey") == 0)
		return vkey_check(s,
				  json_string_value(
					  json_object_get(obj, "origin")),
				  err);
	return 0;
}

int elog_shard_data_check(const json_t *obj, int kind, elog_err_t *err)
{
	const struct field *want = fields_of(kind), *f;
	const char *key;
	json_t *v;
	int rc;

	if (!want || !json_is_object(obj))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "kind",
				 "Not the leaf data of a root entry.");
	json_object_foreach((json_t *)obj, key, v)
	{
		if (!has_field(want, key))
			return elog_fail(err, ELOG_UNKNOWN_FIELD, -1, key,
					 "A %s entry has no field %s.",
					 elog_kind_name(kind), key);
	}
	for (f = want; f->name; f++) {
		v = json_object_get(obj, f->name);
		if (!v)
			return elog_fail(err, ELOG_MISSING_FIELD, -1, f->name,
					 "The %s entry has no %s.",
					 elog_kind_name(kind), f->name);
		if (f->type == 's' ? !json_is_string(v) : !json_is_integer(v))
			return elog_fail(err, ELOG_WRONG_TYPE, -1, f->name,
					 "The %s of a %s entry must be %s.",
					 f->name, elog_kind_name(kind),
					 f->type == 's' ? "a string"
							: "an integer");
	}
	/* origin first: the vkey's check names it */
	if ((rc = value_check(obj, "origin", json_object_get(obj, "origin"),
			      err)))
		return rc;
	for (f = want; f->name; f++)
		if (strcmp(f->name, "kind") &&
		    (rc = value_check(obj, f->name,
				      json_object_get(obj, f->name), err)))
			return rc;
	return 0;
}

/* Set key to a new reference (stolen); -1 on failure. */
static int put(json_t *obj, const char *key, json_t *val)
{
	return val ? json_object_set_new(obj, key, val) : -1;
}

static int put_b64(json_t *obj, const char *key, const uint8_t *b, size_t n)
{
	char s[sodium_base64_ENCODED_LEN(ELOG_SHARD_SIG_LEN,
					 sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(s, sizeof s, b, n, sodium_base64_VARIANT_ORIGINAL);
	return put(obj, key, json_string(s));
}

int elog_shard_entry_build(const elog_shard_entry *s, elog_entry *out,
			   elog_err_t *err)
{
	const char *name = elog_kind_name(s->kind);
	json_t *obj = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (!elog_kind_is_root(s->kind))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "kind",
				 "Not a root kind.");
	if (s->ts < 0 || s->ts >= ELOG_JSON_INT_MAX ||
	    s->cp.size >= (uint64_t)ELOG_JSON_INT_MAX ||
	    s->registry >= (uint64_t)ELOG_JSON_INT_MAX)
		return elog_fail(err, ELOG_OUT_OF_RANGE, -1, "ts",
				 "A ts, size or registry is outside 0 to "
				 "2^53-1.");
	if (!s->origin || (s->kind == ELOG_KIND_SHARD_ADD && !s->vkey) ||
	    (s->kind == ELOG_KIND_SHARD_REFUSAL && !s->reason))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "origin",
				 "A field of the %s entry is missing.", name);
	obj = json_object();
	if (!obj || put(obj, "kind", json_string(name)) ||
	    put(obj, "origin", json_string(s->origin)) ||
	    put(obj, "ts", json_integer(s->ts)))
		goto nomem;
	if (s->kind == ELOG_KIND_SHARD_ADD) {
		if (put(obj, "vkey", json_string(s->vkey)))
			goto nomem;
	} else if (put(obj, "size", json_integer((json_int_t)s->cp.size)) ||
		   put_b64(obj, "root", s->cp.root.b, ELOG_HASH_LEN)) {
		goto nomem;
	}
	if ((s->kind == ELOG_KIND_SHARD ||
	     s->kind == ELOG_KIND_SHARD_REFUSAL) &&
	    put_b64(obj, "signature", s->signature, ELOG_SHARD_SIG_LEN))
		goto nomem;
	if (s->kind == ELOG_KIND_SHARD &&
	    put(obj, "registry", json_integer((json_int_t)s->registry)))
		goto nomem;
	if (s->kind == ELOG_KIND_SHARD_REFUSAL &&
	    put(obj, "reason", json_string(s->reason)))
		goto nomem;
	/* the builder writes only what the reader accepts */
	if ((rc = elog_shard_data_check(obj, s->kind, err)) ||
	    (rc = elog_canon_dump(obj, &out->data, &out->len, err)))
		goto out;
	out->kind = s->kind;
	out->ts = s->ts;
	goto out;
nomem:
	rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
		       "Out of memory building a root entry.");
out:
	json_decref(obj);
	if (rc)
		elog_entry_free(out);
	return rc;
}

int elog_shard_sig_verify(const elog_verifier *v, const char *origin,
			  uint64_t size, const elog_hash *root,
			  const uint8_t sig[ELOG_SHARD_SIG_LEN],
			  elog_err_t *err)
{
	char text[ELOG_CHECKPOINT_TEXT_MAX];
	elog_checkpoint cp;
	size_t len = 0;
	uint32_t keyid;
	int rc;

	if (sodium_init() < 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The crypto library failed to start.");
	if (v->alg != ELOG_ALG_ED25519 || strcmp(v->name, origin) != 0)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "vkey",
				 "The shard key is not an Ed25519 key named "
				 "after the shard's origin.");
	memset(&cp, 0, sizeof cp);
	if (strlen(origin) >= sizeof cp.origin)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "origin",
				 "The origin is too long.");
	memcpy(cp.origin, origin, strlen(origin) + 1);
	cp.size = size;
	cp.root = *root;
	if ((rc = elog_checkpoint_format(&cp, text, sizeof text, &len, err)))
		return rc;
	keyid = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 |
		(uint32_t)sig[2] << 8 | sig[3];
	if (keyid != v->keyid ||
	    crypto_sign_verify_detached(sig + 4, (const unsigned char *)text,
					len, v->pk) != 0)
		return elog_fail(err, ELOG_BAD_SIGNATURE, -1, "signature",
				 "The signature of %s at size %llu does not "
				 "verify with its key.",
				 origin, (unsigned long long)size);
	return 0;
}

int elog_shard_entry_verify(const json_t *entry, const elog_verifier *v,
			    elog_err_t *err)
{
	const char *kind = json_string_value(json_object_get(entry, "kind"));
	const char *origin = json_string_value(
		json_object_get(entry, "origin"));
	const char *root = json_string_value(json_object_get(entry, "root"));
	const char *sig = json_string_value(
		json_object_get(entry, "signature"));
	json_t *size = json_object_get(entry, "size");
	uint8_t raw[ELOG_SHARD_SIG_LEN];
	size_t got = 0;
	elog_hash h;

	if (!kind || (strcmp(kind, "shard") && strcmp(kind, "shard_refusal")))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "kind",
				 "Only shard and shard_refusal entries carry "
				 "a shard's signature.");
	if (!origin || !root || !sig || !json_is_integer(size) ||
	    json_integer_value(size) < 0 || elog_hash_from_b64(root, &h) ||
	    sodium_base642bin(raw, sizeof raw, sig, strlen(sig), NULL, &got,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != sizeof raw)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "entry",
				 "The entry is not a root entry.");
	return elog_shard_sig_verify(v, origin,
				     (uint64_t)json_integer_value(size), &h,
				     raw, err);
}

int elog_shard_checkpoint_open(const char *note, size_t len,
			       const elog_verifier *v, elog_checkpoint *cp,
			       uint8_t sig[ELOG_SHARD_SIG_LEN],
			       elog_err_t *err)
{
	elog_note_sig sigs[ELOG_NOTE_MAX_SIGS];
	char text[ELOG_CHECKPOINT_TEXT_MAX];
	size_t text_len = 0, n = 0, i, tl = 0;
	int rc;

	if ((rc = elog_checkpoint_open(note, len, v, cp, err)) ||
	    (rc = elog_note_parse(note, len, &text_len, sigs,
				  ELOG_NOTE_MAX_SIGS, &n, err)) ||
	    (rc = elog_checkpoint_format(cp, text, sizeof text, &tl, err)))
		return rc;
	if (tl != text_len)
		return elog_fail(err, ELOG_MALFORMED_CHECKPOINT, -1, "note",
				 "The checkpoint of %s has extension lines.",
				 v->name);
	for (i = 0; i < n; i++)
		if (strcmp(sigs[i].name, v->name) == 0 &&
		    sigs[i].keyid == v->keyid && sigs[i].sig_len == 64)
			break;
	if (i == n)
		return elog_fail(err, ELOG_UNKNOWN_KEY, -1, "note",
				 "The checkpoint carries no signature line "
				 "by %s among its first %d.",
				 v->name, ELOG_NOTE_MAX_SIGS);
	sig[0] = (uint8_t)(v->keyid >> 24);
	sig[1] = (uint8_t)(v->keyid >> 16);
	sig[2] = (uint8_t)(v->keyid >> 8);
	sig[3] = (uint8_t)v->keyid;
	memcpy(sig + 4, sigs[i].sig, 64);
	/* the first line of v's counts, as in elog_note_verify */
	return elog_shard_sig_verify(v, v->name, cp->size, &cp->root, sig, err);
}
