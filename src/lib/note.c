/*
 * note.c — C2SP signed-note keys, signing and verification, byte-compatible
 * with Go's golang.org/x/mod/sumdb/note.
 */
#include "note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, space */
#define SIG_PREFIX_LEN 4
#define NOTE_MAX_LINES 100 /* as Go: more signatures is malformed */
#define KEY_B64_LEN 44	   /* base64 of 33 bytes */

/*
 * Decode one UTF-8 sequence at s (avail bytes) as Go's utf8.DecodeRune
 * does: returns its length and the code point in *cp, or 0 if invalid
 * (overlong, surrogate, beyond U+10FFFF, truncated).
 */
static size_t utf8_next(const unsigned char *s, size_t avail, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (avail == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Go's unicode.IsSpace. */
static int is_unicode_space(uint32_t c)
{
	switch (c) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return 1;
	default:
		return c >= 0x2000 && c <= 0x200a;
	}
}

/* Key names, as name[0 .. len). */
static int name_valid(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, n;
	uint32_t c;

	if (len == 0 || len > ELOG_NAME_MAX)
		return 0;
	while (i < len) {
		n = utf8_next(s + i, len - i, &c);
		if (n == 0 || c == '+' || c < 0x20 || c == 0x7f ||
		    (c >= 0x80 && c <= 0x9f) || is_unicode_space(c))
			return 0;
		i += n;
	}
	return 1;
}

int elog_key_name_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return 0;
	len = strnlen(name, ELOG_NAME_MAX + 1);
	return name_valid(name, len);
}

uint32_t elog_key_id(const char *name, uint8_t alg, const uint8_t pk[32])
{
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	const unsigned char nl = '\n';

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name,
				  strlen(name));
	crypto_hash_sha256_update(&st, &nl, 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, sum);
	return (uint32_t)sum[0] << 24 | (uint32_t)sum[1] << 16 |
	       (uint32_t)sum[2] << 8 | (uint32_t)sum[3];
}

/*
 * Strict standard padded base64 of b64[0 .. len) into out (cap bytes);
 * the decoded length in *out_len.  -1 unless all of it decodes.
 */
static int b64_decode(const char *b64, size_t len, uint8_t *out, size_t cap,
		      size_t *out_len)
{
	const char *end = NULL;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (sodium_base642bin(out, cap, b64, len, NULL, out_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + len)
		return -1;
	return 0;
}

static int hex8(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (len != 8)
		return -1;
	for (i = 0; i < 8; i++) {
		char c = s[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* The next '+'-separated field of s[*pos .. len), as Go's chop. */
static void chop(const char *s, size_t len, size_t *pos, const char **f,
		 size_t *flen)
{
	const char *p = s + *pos;
	const char *plus = memchr(p, '+', len - *pos);

	*f = p;
	if (plus == NULL) {
		*flen = len - *pos;
		*pos = len;
	} else {
		*flen = (size_t)(plus - p);
		*pos += *flen + 1;
	}
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trimmed text bounds; -1 if longer than ELOG_KEY_TEXT_MAX. */
static int trim(const char *text, const char **s, size_t *len)
{
	size_t n = strnlen(text, ELOG_KEY_TEXT_MAX + 1);

	if (n > ELOG_KEY_TEXT_MAX)
		return -1;
	while (n > 0 && is_ws(*text)) {
		text++;
		n--;
	}
	while (n > 0 && is_ws(text[n - 1]))
		n--;
	*s = text;
	*len = n;
	return 0;
}

/*
 * Parse "<name>+<hex8>+<base64(alg || 32 bytes)>" from s[pos .. len): name
 * into name, keyid, alg and the 32 key bytes into key.
 */
static int parse_key_tail(const char *s, size_t len, size_t pos, char *name,
			  uint32_t *keyid, uint8_t *alg, uint8_t key[32],
			  elog_err_t *err)
{
	const char *f_name, *f_hash, *f_key;
	size_t n_name, n_hash, n_key, klen = 0;
	uint8_t raw[33];
	int rc = 0;

	chop(s, len, &pos, &f_name, &n_name);
	chop(s, len, &pos, &f_hash, &n_hash);
	f_key = s + pos;
	n_key = len - pos;
	if (!name_valid(f_name, n_name)) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
			       "The key name is not valid.");
		goto out;
	}
	if (hex8(f_hash, n_hash, keyid) != 0) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
			       "The key id is not 8 hex digits.");
		goto out;
	}
	if (n_key != KEY_B64_LEN ||
	    b64_decode(f_key, n_key, raw, sizeof raw, &klen) != 0 ||
	    klen != sizeof raw) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
			       "The key is not base64 of 33 bytes.");
		goto out;
	}
	if (raw[0] != ELOG_ALG_ED25519 && raw[0] != ELOG_ALG_COSIGNATURE_V1) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
			       "Unknown key algorithm %u.", raw[0]);
		goto out;
	}
	memcpy(name, f_name, n_name);
	name[n_name] = '\0';
	*alg = raw[0];
	memcpy(key, raw + 1, 32);
out:
	sodium_memzero(raw, sizeof raw);
	return rc;
}

int elog_signer_generate(const char *name, elog_signer *out, elog_err_t *err)
{
	elog_signer s;

	if (sodium_init() < 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The crypto library failed to start.");
	if (!elog_key_name_valid(name))
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "name",
				 "The key name is not valid.");
	memset(&s, 0, sizeof s);
	memcpy(s.name, name, strlen(name) + 1);
	s.alg = ELOG_ALG_ED25519;
	crypto_sign_ed25519_keypair(s.pk, s.sk);
	s.keyid = elog_key_id(s.name, s.alg, s.pk);
	*out = s;
	sodium_memzero(&s, sizeof s);
	return 0;
}

int elog_signer_parse(const char *text, elog_signer *out, elog_err_t *err)
{
	elog_signer s;
	const char *t, *f;
	size_t len, pos = 0, flen;
	uint8_t seed[32];
	int rc;

	if (sodium_init() < 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The crypto library failed to start.");
	memset(&s, 0, sizeof s);
	if (text == NULL || trim(text, &t, &len) != 0)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
				 "The signer key text is missing or too long.");
	chop(t, len, &pos, &f, &flen);
	if (flen != 7 || memcmp(f, "PRIVATE", 7) != 0) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
			       "A signer key starts with PRIVATE+KEY+.");
		goto out;
	}
	chop(t, len, &pos, &f, &flen);
	if (flen != 3 || memcmp(f, "KEY", 3) != 0) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
			       "A signer key starts with PRIVATE+KEY+.");
		goto out;
	}
	rc = parse_key_tail(t, len, pos, s.name, &s.keyid, &s.alg, seed, err);
	if (rc < 0)
		goto out;
	crypto_sign_ed25519_seed_keypair(s.pk, s.sk, seed);
	if (elog_key_id(s.name, s.alg, s.pk) != s.keyid) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
			       "The key id does not match the key.");
		goto out;
	}
	*out = s;
out:
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(&s, sizeof s);
	return rc;
}

int elog_signer_format(const elog_signer *s, char *buf, size_t cap,
		       elog_err_t *err)
{
	uint8_t raw[33];
	char b64[KEY_B64_LEN + 1];
	int n, rc = 0;

	raw[0] = s->alg;
	memcpy(raw + 1, s->sk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
			  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, cap, "PRIVATE+KEY+%s+%08lx+%s", s->name,
		     (unsigned long)s->keyid, b64);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			sodium_memzero(buf, cap);
		rc = elog_fail(err, ELOG_INTERNAL, -1, NULL,
			       "The buffer is too small for the signer key.");
	}
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(b64, sizeof b64);
	return rc;
}

void elog_signer_public(const elog_signer *s, elog_verifier *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->name, s->name, sizeof out->name);
	out->keyid = s->keyid;
	out->alg = s->alg;
	memcpy(out->pk, s->pk, sizeof out->pk);
}

void elog_signer_wipe(elog_signer *s)
{
	sodium_memzero(s, sizeof *s);
}

int elog_verifier_parse(const char *text, elog_verifier *out, elog_err_t *err)
{
	elog_verifier v;
	const char *t;
	size_t len;
	int rc;

	memset(&v, 0, sizeof v);
	if (text == NULL || trim(text, &t, &len) != 0)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
				 "The verifier key text is missing or too long.");
	rc = parse_key_tail(t, len, 0, v.name, &v.keyid, &v.alg, v.pk, err);
	if (rc < 0)
		return rc;
	if (elog_key_id(v.name, v.alg, v.pk) != v.keyid)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
				 "The key id does not match the key.");
	*out = v;
	return 0;
}

int elog_verifier_format(const elog_verifier *v, char *buf, size_t cap,
			 elog_err_t *err)
{
	uint8_t raw[33];
	char b64[KEY_B64_LEN + 1];
	int n;

	raw[0] = v->alg;
	memcpy(raw + 1, v->pk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
			  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, cap, "%s+%08lx+%s", v->name, (unsigned long)v->keyid,
		     b64);
	if (n < 0 || (size_t)n >= cap)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The buffer is too small for the verifier key.");
	return 0;
}

/*
 * Go's rule for a whole note: valid UTF-8 and no ASCII control characters
 * but \n.  Returns the offset of the first bad byte, or len.
 */
static size_t text_check(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		n = utf8_next(u + i, len - i, &c);
		if (n == 0 || (c < 0x20 && c != '\n'))
			return i;
		i += n;
	}
	return len;
}

int elog_note_sign(const char *text, size_t len, const elog_signer *s,
		   char **out, size_t *out_len, elog_err_t *err)
{
	uint8_t raw[4 + crypto_sign_ed25519_BYTES];
	char b64[sodium_base64_ENCODED_LEN(sizeof raw,
					   sodium_base64_VARIANT_ORIGINAL)];
	size_t name_len, b64_len, total, at = 0, i;
	char *note = NULL;
	int rc = 0;

	*out = NULL;
	if (text == NULL || len == 0 || len > ELOG_NOTE_MAX / 2 ||
	    text[len - 1] != '\n')
		return elog_fail(
			err, ELOG_MALFORMED_NOTE, -1, "text",
			"Note text must be non-empty and end in a newline.");
	if (text_check(text, len) != len)
		return elog_fail(
			err, ELOG_MALFORMED_NOTE, -1, "text",
			"Note text must be UTF-8 without control characters.");
	for (i = 0; i < len; i++)
		if (text[i] == '\n' && (i == 0 || text[i - 1] == '\n'))
			return elog_fail(
				err, ELOG_MALFORMED_NOTE, -1, "text",
				"Note text must not contain a blank line.");
	if (s->alg != ELOG_ALG_ED25519 || !elog_key_name_valid(s->name))
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
				 "Notes are signed with a named Ed25519 key.");

	raw[0] = (uint8_t)(s->keyid >> 24);
	raw[1] = (uint8_t)(s->keyid >> 16);
	raw[2] = (uint8_t)(s->keyid >> 8);
	raw[3] = (uint8_t)s->keyid;
	if (crypto_sign_ed25519_detached(raw + 4, NULL,
					 (const unsigned char *)text, len,
					 s->sk) != 0) {
		rc = elog_fail(err, ELOG_INTERNAL, -1, NULL, "Signing failed.");
		goto out;
	}
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
			  sodium_base64_VARIANT_ORIGINAL);
	b64_len = strlen(b64);
	name_len = strlen(s->name);
	total = len + 1 + SIG_PREFIX_LEN + name_len + 1 + b64_len + 1;
	note = malloc(total + 1);
	if (note == NULL) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "Out of memory.");
		goto out;
	}
	memcpy(note + at, text, len);
	at += len;
	note[at++] = '\n';
	memcpy(note + at, SIG_PREFIX, SIG_PREFIX_LEN);
	at += SIG_PREFIX_LEN;
	memcpy(note + at, s->name, name_len);
	at += name_len;
	note[at++] = ' ';
	memcpy(note + at, b64, b64_len);
	at += b64_len;
	note[at++] = '\n';
	note[at] = '\0';
	*out = note;
	if (out_len)
		*out_len = at;
out:
	return rc;
}

/* One parsed signature line, for the walker below. */
struct sig_line {
	const char *name;
	size_t name_len;
	uint32_t keyid;
	const uint8_t *sig; /* NULL if too long to keep */
	size_t sig_len;
	size_t off, len; /* the line in the note, with its \n */
};

typedef int (*sig_visit)(void *ctx, const struct sig_line *l);

static int bad_note(elog_err_t *err, long line, const char *why)
{
	return elog_fail(err, ELOG_MALFORMED_NOTE, line, "note", "%s", why);
}

/*
 * Check note against the signed-note grammar and call visit (may be NULL)
 * for each signature line, in order.
 */
static int note_walk(const char *note, size_t len, size_t *text_len,
		     sig_visit visit, void *ctx, elog_err_t *err)
{
	uint8_t small[96];
	uint8_t *big = NULL;
	size_t split = 0, pos, count = 0, i;
	int found = 0, rc = 0;

	if (note == NULL || len > ELOG_NOTE_MAX)
		return bad_note(err, -1, "The note is missing or too long.");
	if (text_check(note, len) != len)
		return bad_note(
			err, -1,
			"The note is not UTF-8 without control characters.");
	/* The signature block follows the last blank line. */
	for (i = len; i >= 2; i--) {
		if (note[i - 2] == '\n' && note[i - 1] == '\n') {
			split = i - 2;
			found = 1;
			break;
		}
	}
	if (!found)
		return bad_note(err, -1, "The note has no signature block.");
	pos = split + 2;
	if (pos == len || note[len - 1] != '\n')
		return bad_note(
			err, -1,
			"The signature block is empty or lacks a final newline.");
	*text_len = split + 1;

	while (pos < len) {
		const char *line = note + pos;
		const char *nl = memchr(line, '\n', len - pos);
		const char *sp, *b64;
		size_t line_len = (size_t)(nl - line), b64_len, raw_len = 0;
		size_t cap;
		uint8_t *raw = small;
		struct sig_line l;

		if (++count > NOTE_MAX_LINES) {
			rc = bad_note(err, (long)count - 1,
				      "The note has too many signatures.");
			goto out;
		}
		if (line_len < SIG_PREFIX_LEN ||
		    memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0) {
			rc = bad_note(
				err, (long)count - 1,
				"A signature line must start with an em dash and a space.");
			goto out;
		}
		l.name = line + SIG_PREFIX_LEN;
		sp = memchr(l.name, ' ', line_len - SIG_PREFIX_LEN);
		if (sp == NULL) {
			rc = bad_note(
				err, (long)count - 1,
				"A signature line needs a name and a signature.");
			goto out;
		}
		l.name_len = (size_t)(sp - l.name);
		b64 = sp + 1;
		b64_len = (size_t)(nl - b64);
		cap = b64_len / 4 * 3;
		if (cap > sizeof small) {
			free(big);
			big = malloc(cap);
			if (big == NULL) {
				rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
					       "Out of memory.");
				goto out;
			}
			raw = big;
		}
		if (!name_valid(l.name, l.name_len) ||
		    b64_decode(b64, b64_len, raw, cap, &raw_len) != 0 ||
		    raw_len < 5) {
			rc = bad_note(
				err, (long)count - 1,
				"A signature line has a bad name or signature.");
			goto out;
		}
		l.keyid = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
			  (uint32_t)raw[2] << 8 | (uint32_t)raw[3];
		l.sig = raw + 4;
		l.sig_len = raw_len - 4;
		l.off = pos;
		l.len = line_len + 1;
		if (visit) {
			rc = visit(ctx, &l);
			if (rc < 0)
				goto out;
		}
		pos += line_len + 1;
	}
out:
	free(big);
	return rc;
}

struct parse_ctx {
	elog_note_sig *sigs;
	size_t max, n;
};

static int parse_visit(void *ctx, const struct sig_line *l)
{
	struct parse_ctx *p = ctx;
	elog_note_sig *s;

	if (p->n >= p->max)
		return 0;
	s = &p->sigs[p->n++];
	memset(s, 0, sizeof *s);
	memcpy(s->name, l->name, l->name_len);
	s->keyid = l->keyid;
	if (l->sig_len <= sizeof s->sig) {
		memcpy(s->sig, l->sig, l->sig_len);
		s->sig_len = l->sig_len;
	}
	s->line_off = l->off;
	s->line_len = l->len;
	return 0;
}

int elog_note_parse(const char *note, size_t len, size_t *text_len,
		    elog_note_sig *sigs, size_t max, size_t *nsigs,
		    elog_err_t *err)
{
	struct parse_ctx p;
	size_t tl = 0;
	int rc;

	p.sigs = sigs;
	p.max = sigs ? max : 0;
	p.n = 0;
	rc = note_walk(note, len, &tl, parse_visit, &p, err);
	if (rc < 0)
		return rc;
	*text_len = tl;
	if (nsigs)
		*nsigs = p.n;
	return 0;
}

struct verify_ctx {
	const elog_verifier *v;
	const char *text;
	size_t text_len;
	int same_name; /* a line carries v's name */
	int checked;   /* the first line of v was checked (as Go) */
	int ok;
};

static int verify_visit(void *ctx, const struct sig_line *l)
{
	struct verify_ctx *c = ctx;

	if (l->name_len != strlen(c->v->name) ||
	    memcmp(l->name, c->v->name, l->name_len) != 0)
		return 0;
	c->same_name = 1;
	if (l->keyid != c->v->keyid || c->checked)
		return 0;
	c->checked = 1;
	c->ok = l->sig_len == crypto_sign_ed25519_BYTES &&
		crypto_sign_ed25519_verify_detached(l->sig,
						    (const unsigned char *)
							    c->text,
						    c->text_len,
						    c->v->pk) == 0;
	return 0;
}

int elog_note_verify(const char *note, size_t len, const elog_verifier *v,
		     size_t *text_len, elog_err_t *err)
{
	struct verify_ctx c;
	size_t tl = 0;
	int rc;

	if (sodium_init() < 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The crypto library failed to start.");
	if (v->alg != ELOG_ALG_ED25519)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
				 "Notes are verified with Ed25519 keys only.");
	memset(&c, 0, sizeof c);
	c.v = v;
	c.text = note;
	/* note_walk sets the text length before it visits any line. */
	rc = note_walk(note, len, &c.text_len, verify_visit, &c, err);
	if (rc < 0)
		return rc;
	tl = c.text_len;
	if (!c.checked) {
		if (c.same_name)
			return elog_fail(
				err, ELOG_BAD_SIGNATURE, -1, "note",
				"The note is signed under %s by another key.",
				v->name);
		return elog_fail(err, ELOG_UNKNOWN_KEY, -1, "note",
				 "The note carries no signature by %s.",
				 v->name);
	}
	if (!c.ok)
		return elog_fail(err, ELOG_BAD_SIGNATURE, -1, "note",
				 "The signature by %s does not verify.",
				 v->name);
	*text_len = tl;
	return 0;
}
