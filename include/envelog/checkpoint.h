/*
 * checkpoint.h — C2SP tlog-checkpoint: "<origin>\n<size>\n<base64 root>\n"
 * (optional extension lines follow and are kept as opaque text), signed as
 * a C2SP signed note by the log key, whose name equals the origin.
 *
 * Also C2SP tlog-cosignature (cosignature/v1): a witness signs
 * "cosignature/v1\ntime <T>\n" || checkpoint text with an Ed25519 key whose
 * verifier uses algorithm byte 0x04; the signature line carries
 * base64(keyid || 8-byte big-endian T || signature).
 */
#ifndef ELOG_CHECKPOINT_H
#define ELOG_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "merkle.h"
#include "note.h"

#define ELOG_CHECKPOINT_TEXT_MAX 1024

typedef struct elog_checkpoint {
	char origin[ELOG_NAME_MAX + 1];
	uint64_t size;
	elog_hash root;
} elog_checkpoint;

/* Checkpoint text (no extension lines) into buf; returns its length in *len. */
int elog_checkpoint_format(const elog_checkpoint *cp, char *buf, size_t cap,
			   size_t *len, elog_err_t *err);
/* Parse checkpoint text (the body of a note, without signatures). */
int elog_checkpoint_parse(const char *text, size_t len, elog_checkpoint *cp,
			  elog_err_t *err);
/* Format and sign: malloc'd signed note in *note. */
int elog_checkpoint_sign(const elog_checkpoint *cp, const elog_signer *s,
			 char **note, size_t *note_len, elog_err_t *err);
/*
 * Verify a signed checkpoint note with the log key v and parse it.  The
 * origin must equal v's name (MALFORMED_CHECKPOINT otherwise).
 */
int elog_checkpoint_open(const char *note, size_t len, const elog_verifier *v,
			 elog_checkpoint *cp, elog_err_t *err);

/*
 * Cosignature of the checkpoint text by witness key s (alg
 * ELOG_ALG_COSIGNATURE_V1) at time t (seconds, below 2^63, else
 * OUT_OF_RANGE): the full signature line, with its "— " prefix and
 * trailing \n, into line (cap bytes).
 */
int elog_cosign(const char *cp_text, size_t cp_len, const elog_signer *s,
		uint64_t t, char *line, size_t cap, elog_err_t *err);
/*
 * Verify one cosignature line (with or without trailing \n) over cp_text
 * by witness key v; *t receives its timestamp.  A timestamp of 2^63 or
 * more is MALFORMED_COSIGNATURE (C2SP tlog-cosignature).
 */
int elog_cosignature_verify(const char *cp_text, size_t cp_len,
			    const char *line, size_t line_len,
			    const elog_verifier *v, uint64_t *t,
			    elog_err_t *err);

#endif
