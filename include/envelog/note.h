/*
 * note.h — C2SP signed-note: Ed25519 signer and verifier keys in their text
 * forms, signing, and verification.  Byte-compatible with Go's
 * golang.org/x/mod/sumdb/note.
 *
 *   signer key text:   PRIVATE+KEY+<name>+<8 hex keyid>+<base64(0x01 || seed)>
 *   verifier key text: <name>+<8 hex keyid>+<base64(0x01 || public key)>
 *   keyid:             first 4 bytes (big-endian) of
 *                      SHA-256(name || 0x0A || 0x01 || public key)
 *   note:              text (each line ends in \n) || "\n" ||
 *                      signature lines "— <name> <base64(keyid || sig)>\n"
 *
 * Key names are 1..ELOG_NAME_MAX bytes of UTF-8 without '+', spaces or
 * control characters.
 */
#ifndef ELOG_NOTE_H
#define ELOG_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ELOG_NAME_MAX 255
#define ELOG_KEY_TEXT_MAX 512
#define ELOG_NOTE_MAX_SIGS 32
#define ELOG_NOTE_MAX (1 << 20) /* notes longer than this are refused */

/* Signature algorithm bytes of C2SP signed-note. */
#define ELOG_ALG_ED25519 0x01
#define ELOG_ALG_COSIGNATURE_V1 0x04

typedef struct elog_verifier {
	char name[ELOG_NAME_MAX + 1];
	uint32_t keyid;
	uint8_t alg; /* ELOG_ALG_ED25519 or ELOG_ALG_COSIGNATURE_V1 */
	uint8_t pk[32];
} elog_verifier;

typedef struct elog_signer {
	char name[ELOG_NAME_MAX + 1];
	uint32_t keyid;
	uint8_t alg;
	uint8_t sk[64]; /* libsodium secret key (seed || pk); wipe when done */
	uint8_t pk[32];
} elog_signer;

/* One signature line of a note. */
typedef struct elog_note_sig {
	char name[ELOG_NAME_MAX + 1];
	uint32_t keyid;
	uint8_t sig[72]; /* Ed25519: 64 bytes; cosignature/v1: 8 + 64 */
	size_t sig_len;	 /* 0 if the line's signature is longer than sig */
	size_t line_off, line_len; /* the line within the note, with its \n */
} elog_note_sig;

/* 1 if name is a valid key name. */
int elog_key_name_valid(const char *name);
uint32_t elog_key_id(const char *name, uint8_t alg, const uint8_t pk[32]);

/* Generate a fresh Ed25519 signer (alg ELOG_ALG_ED25519). */
int elog_signer_generate(const char *name, elog_signer *out, elog_err_t *err);
/* Parse signer key text (surrounding whitespace allowed). */
int elog_signer_parse(const char *text, elog_signer *out, elog_err_t *err);
/* Format signer key text into buf; fails with INTERNAL if cap too small. */
int elog_signer_format(const elog_signer *s, char *buf, size_t cap,
		       elog_err_t *err);
void elog_signer_public(const elog_signer *s, elog_verifier *out);
void elog_signer_wipe(elog_signer *s);

int elog_verifier_parse(const char *text, elog_verifier *out, elog_err_t *err);
int elog_verifier_format(const elog_verifier *v, char *buf, size_t cap,
			 elog_err_t *err);

/*
 * Sign text (len bytes, non-empty, ending in \n, no control characters but
 * \n, no blank line) and return a malloc'd NUL-terminated note in *out
 * (length in *out_len if not NULL).
 */
int elog_note_sign(const char *text, size_t len, const elog_signer *s,
		   char **out, size_t *out_len, elog_err_t *err);

/*
 * Split a note into its text (note[0 .. *text_len)) and its signature lines.
 * Fills at most max sigs and stores how many it filled in *nsigs (lines
 * beyond max are checked but not returned).  MALFORMED_NOTE on any
 * deviation from the grammar, or over 100 signature lines (as Go).
 */
int elog_note_parse(const char *note, size_t len, size_t *text_len,
		    elog_note_sig *sigs, size_t max, size_t *nsigs,
		    elog_err_t *err);

/*
 * Verify that note carries a valid Ed25519 signature by v (matched on name
 * and keyid; as Go, only the first such line counts).  Sets *text_len.
 * UNKNOWN_KEY if no line carries v's name, BAD_SIGNATURE if the line's
 * signature is wrong or the name comes only with other key ids,
 * MALFORMED_NOTE on bad grammar, MALFORMED_KEY unless v is Ed25519.
 */
int elog_note_verify(const char *note, size_t len, const elog_verifier *v,
		     size_t *text_len, elog_err_t *err);

#endif
