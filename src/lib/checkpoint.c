/* checkpoint.c — C2SP tlog-checkpoint and tlog-cosignature (cosignature/v1). */
#include "checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "canon.h"

#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, space */
#define SIG_PREFIX_LEN 4
#define COSIG_RAW_LEN (4 + 8 + crypto_sign_ed25519_BYTES)
#define COSIG_B64_LEN 104   /* base64 of 76 bytes */
#define COSIG_HEADER_MAX 64 /* "cosignature/v1\ntime <20 digits>\n" */

int elog_checkpoint_format(const elog_checkpoint *cp, char *buf, size_t cap,
			   size_t *len, elog_err_t *err)
{
	char b64[ELOG_HASH_B64_LEN];
	int n;

	if (!elog_key_name_valid(cp->origin))
		return elog_fail(
			err, ELOG_MALFORMED_CHECKPOINT, -1, "origin",
			"The checkpoint origin is not a valid key name.");
	elog_hash_to_b64(&cp->root, b64);
	n = snprintf(buf, cap, "%s\n%" PRIu64 "\n%s\n", cp->origin, cp->size,
		     b64);
	if (n < 0 || (size_t)n >= cap)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The buffer is too small for the checkpoint.");
	*len = (size_t)n;
	return 0;
}

static int bad_cp(elog_err_t *err, long line, const char *why)
{
	return elog_fail(err, ELOG_MALFORMED_CHECKPOINT, line, "checkpoint",
			 "%s", why);
}

int elog_checkpoint_parse(const char *text, size_t len, elog_checkpoint *cp,
			  elog_err_t *err)
{
	elog_checkpoint c;
	const char *line[3];
	size_t line_len[3], pos = 0, i;
	char b64[ELOG_HASH_B64_LEN];
	uint64_t size = 0;

	if (text == NULL || len == 0)
		return bad_cp(err, -1, "The checkpoint is empty.");
	if (len > ELOG_CHECKPOINT_TEXT_MAX)
		return bad_cp(err, -1, "The checkpoint is too long.");
	if (text[len - 1] != '\n')
		return bad_cp(err, -1, "The checkpoint must end in a newline.");
	for (i = 0; i < 3; i++) {
		const char *nl;
		if (pos >= len)
			return bad_cp(
				err, (long)i,
				"The checkpoint needs origin, size and root lines.");
		nl = memchr(text + pos, '\n', len - pos);
		line[i] = text + pos;
		line_len[i] = (size_t)(nl - line[i]);
		pos += line_len[i] + 1;
	}
	/* Extension lines: non-empty text, kept opaque. */
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = (size_t)(nl - (text + pos));
		if (l == 0 || !elog_text_clean(text + pos, l))
			return bad_cp(
				err, -1,
				"A checkpoint extension line is empty or not text.");
		pos += l + 1;
	}

	memset(&c, 0, sizeof c);
	if (line_len[0] > ELOG_NAME_MAX ||
	    !elog_text_clean(line[0], line_len[0]))
		return bad_cp(err, 0, "The checkpoint origin is not valid.");
	memcpy(c.origin, line[0], line_len[0]);
	c.origin[line_len[0]] = '\0';
	if (!elog_key_name_valid(c.origin))
		return bad_cp(err, 0, "The checkpoint origin is not valid.");

	if (line_len[1] == 0 || line_len[1] > 20 ||
	    (line_len[1] > 1 && line[1][0] == '0'))
		return bad_cp(
			err, 1,
			"The tree size must be decimal without leading zeros.");
	for (i = 0; i < line_len[1]; i++) {
		char ch = line[1][i];
		uint64_t d;
		if (ch < '0' || ch > '9')
			return bad_cp(err, 1, "The tree size must be decimal.");
		d = (uint64_t)(ch - '0');
		if (size > (UINT64_MAX - d) / 10)
			return bad_cp(err, 1, "The tree size is too large.");
		size = size * 10 + d;
	}
	c.size = size;

	if (line_len[2] != ELOG_HASH_B64_LEN - 1)
		return bad_cp(err, 2, "The root must be base64 of 32 bytes.");
	memcpy(b64, line[2], line_len[2]);
	b64[line_len[2]] = '\0';
	if (elog_hash_from_b64(b64, &c.root) != 0)
		return bad_cp(err, 2, "The root must be base64 of 32 bytes.");
	*cp = c;
	return 0;
}

int elog_checkpoint_sign(const elog_checkpoint *cp, const elog_signer *s,
			 char **note, size_t *note_len, elog_err_t *err)
{
	char text[ELOG_CHECKPOINT_TEXT_MAX];
	size_t len = 0;
	int rc;

	*note = NULL;
	if (strcmp(cp->origin, s->name) != 0)
		return elog_fail(
			err, ELOG_MALFORMED_CHECKPOINT, -1, "origin",
			"The checkpoint origin must equal the key name.");
	rc = elog_checkpoint_format(cp, text, sizeof text, &len, err);
	if (rc < 0)
		return rc;
	return elog_note_sign(text, len, s, note, note_len, err);
}

int elog_checkpoint_open(const char *note, size_t len, const elog_verifier *v,
			 elog_checkpoint *cp, elog_err_t *err)
{
	elog_checkpoint c;
	size_t text_len = 0;
	int rc;

	rc = elog_note_verify(note, len, v, &text_len, err);
	if (rc < 0)
		return rc;
	rc = elog_checkpoint_parse(note, text_len, &c, err);
	if (rc < 0)
		return rc;
	if (strcmp(c.origin, v->name) != 0)
		return bad_cp(err, 0,
			      "The checkpoint origin is not the log key's name.");
	*cp = c;
	return 0;
}

/* "cosignature/v1\ntime <t>\n" || cp_text into msg; its length. */
static size_t cosig_message(const char *cp_text, size_t cp_len, uint64_t t,
			    char *msg, size_t cap)
{
	int n = snprintf(msg, cap, "cosignature/v1\ntime %" PRIu64 "\n", t);

	if (n < 0 || (size_t)n + cp_len > cap)
		return 0;
	memcpy(msg + n, cp_text, cp_len);
	return (size_t)n + cp_len;
}

int elog_cosign(const char *cp_text, size_t cp_len, const elog_signer *s,
		uint64_t t, char *line, size_t cap, elog_err_t *err)
{
	char msg[COSIG_HEADER_MAX + ELOG_CHECKPOINT_TEXT_MAX];
	uint8_t raw[COSIG_RAW_LEN];
	char b64[COSIG_B64_LEN + 1];
	elog_checkpoint c;
	size_t msg_len;
	int rc, i, n;

	if (s->alg != ELOG_ALG_COSIGNATURE_V1 || !elog_key_name_valid(s->name))
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
				 "Cosignatures need a cosignature/v1 key.");
	if (t > (uint64_t)INT64_MAX)
		return elog_fail(err, ELOG_OUT_OF_RANGE, -1, "time",
				 "A cosignature's time must be below 2^63.");
	rc = elog_checkpoint_parse(cp_text, cp_len, &c, err);
	if (rc < 0)
		return rc;
	msg_len = cosig_message(cp_text, cp_len, t, msg, sizeof msg);
	if (msg_len == 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The cosigned message does not fit.");
	for (i = 0; i < 4; i++)
		raw[i] = (uint8_t)(s->keyid >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		raw[4 + i] = (uint8_t)(t >> (56 - 8 * i));
	if (crypto_sign_ed25519_detached(raw + 12, NULL,
					 (const unsigned char *)msg, msg_len,
					 s->sk) != 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "Signing failed.");
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
			  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(line, cap, SIG_PREFIX "%s %s\n", s->name, b64);
	if (n < 0 || (size_t)n >= cap)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The buffer is too small for the cosignature.");
	return 0;
}

static int bad_cosig(elog_err_t *err, const char *why)
{
	return elog_fail(err, ELOG_MALFORMED_COSIGNATURE, -1, "cosignature",
			 "%s", why);
}

int elog_cosignature_verify(const char *cp_text, size_t cp_len,
			    const char *line, size_t line_len,
			    const elog_verifier *v, uint64_t *t,
			    elog_err_t *err)
{
	char msg[COSIG_HEADER_MAX + ELOG_CHECKPOINT_TEXT_MAX];
	uint8_t raw[COSIG_RAW_LEN + 3];
	elog_checkpoint c;
	const char *name, *sp, *b64, *end = NULL;
	size_t name_len, b64_len, raw_len = 0, msg_len;
	uint32_t keyid = 0;
	uint64_t ts = 0;
	int rc, i;

	if (v->alg != ELOG_ALG_COSIGNATURE_V1)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "key",
				 "Cosignatures verify with cosignature/v1 keys.");
	rc = elog_checkpoint_parse(cp_text, cp_len, &c, err);
	if (rc < 0)
		return rc;
	if (line == NULL)
		return bad_cosig(err, "The cosignature line is missing.");
	if (line_len > 0 && line[line_len - 1] == '\n')
		line_len--;
	if (line_len < SIG_PREFIX_LEN ||
	    memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0 ||
	    memchr(line, '\n', line_len) != NULL)
		return bad_cosig(
			err,
			"A cosignature line starts with an em dash and a space.");
	name = line + SIG_PREFIX_LEN;
	sp = memchr(name, ' ', line_len - SIG_PREFIX_LEN);
	if (sp == NULL)
		return bad_cosig(
			err,
			"A cosignature line needs a name and a signature.");
	name_len = (size_t)(sp - name);
	b64 = sp + 1;
	b64_len = (size_t)(line + line_len - b64);
	if (b64_len != COSIG_B64_LEN ||
	    sodium_base642bin(raw, sizeof raw, b64, b64_len, NULL, &raw_len,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + b64_len || raw_len != COSIG_RAW_LEN)
		return bad_cosig(err, "A cosignature is base64 of 76 bytes.");
	if (name_len != strlen(v->name) || memcmp(name, v->name, name_len) != 0)
		return elog_fail(err, ELOG_UNKNOWN_KEY, -1, "cosignature",
				 "The cosignature is not by %s.", v->name);
	for (i = 0; i < 4; i++)
		keyid = keyid << 8 | raw[i];
	for (i = 0; i < 8; i++)
		ts = ts << 8 | raw[4 + i];
	/* C2SP tlog-cosignature: the timestamp is below 2^63. */
	if (ts > (uint64_t)INT64_MAX)
		return bad_cosig(err,
				 "A cosignature's time must be below 2^63.");
	if (keyid != v->keyid)
		return elog_fail(err, ELOG_BAD_SIGNATURE, -1, "cosignature",
				 "The cosignature is by another key named %s.",
				 v->name);
	msg_len = cosig_message(cp_text, cp_len, ts, msg, sizeof msg);
	if (msg_len == 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The cosigned message does not fit.");
	if (crypto_sign_ed25519_verify_detached(raw + 12,
						(const unsigned char *)msg,
						msg_len, v->pk) != 0)
		return elog_fail(err, ELOG_BAD_SIGNATURE, -1, "cosignature",
				 "The cosignature by %s does not verify.",
				 v->name);
	if (t)
		*t = ts;
	return 0;
}
