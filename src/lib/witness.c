/* witness.c — C2SP tlog-witness, the witness's checks.  See witness.h. */
#include "witness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "param.h"

#define MAX_PROOF_LINES 63

static int malformed(elog_err_t *err, const char *why)
{
	return elog_fail(err, ELOG_MALFORMED_REQUEST, -1, NULL,
			 "add-checkpoint: %s", why);
}

/* The line at *p (up to '\n', which must be there) into buf; *p moves past
 * it.  -1 if there is no '\n' before end or the line does not fit. */
static int line_at(const char **p, const char *end, char *buf, size_t cap)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t l;

	if (!nl)
		return -1;
	l = (size_t)(nl - *p);
	if (l >= cap)
		return -1;
	memcpy(buf, *p, l);
	buf[l] = '\0';
	*p = nl + 1;
	return 0;
}

int elog_witness_check(const char *body, size_t len,
		       const elog_witness_log *logs, size_t n,
		       const elog_signer *w, uint64_t now, char *line,
		       size_t cap, size_t *log, uint64_t *size,
		       elog_hash *root, elog_err_t *err)
{
	const char *p = body, *end = body + len;
	char buf[128];
	elog_hash proof[MAX_PROOF_LINES];
	size_t np = 0, text_len = 0, i, nsigs = 0;
	uint64_t old;
	elog_checkpoint cp;
	const elog_witness_log *lg = NULL;
	int rc;

	if (len > ELOG_WITNESS_MAX_BODY)
		return malformed(err, "the body is too long");
	if (line_at(&p, end, buf, sizeof buf) != 0 ||
	    strncmp(buf, "old ", 4) != 0 ||
	    elog_param_uint(buf + 4, (uint64_t)INT64_MAX, &old) != 0 ||
	    (buf[4] == '0' && buf[5] != '\0'))
		return malformed(err, "the first line must be \"old <size>\"");
	for (;;) {
		if (line_at(&p, end, buf, sizeof buf) != 0)
			return malformed(err, "a proof line or the empty line "
					      "is missing");
		if (buf[0] == '\0')
			break;
		if (np == MAX_PROOF_LINES)
			return malformed(err, "more than 63 proof lines");
		if (elog_hash_from_b64(buf, &proof[np]) != 0)
			return malformed(err, "a proof line is not a base64 "
					      "hash");
		np++;
	}
	/* The checkpoint: its origin picks the log. */
	rc = elog_note_parse(p, (size_t)(end - p), &text_len, NULL, 0, &nsigs,
			     err);
	if (rc == 0)
		rc = elog_checkpoint_parse(p, text_len, &cp, err);
	if (rc)
		return elog_fail(err, ELOG_MALFORMED_REQUEST, -1, NULL,
				 "add-checkpoint: the checkpoint: %s",
				 err ? err->msg : "malformed");
	for (i = 0; i < n; i++)
		if (strcmp(logs[i].key.name, cp.origin) == 0) {
			lg = &logs[i];
			break;
		}
	if (!lg)
		return elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
				 "this witness does not follow the log %s",
				 cp.origin);
	rc = elog_checkpoint_open(p, (size_t)(end - p), &lg->key, &cp, err);
	if (rc == -ELOG_UNKNOWN_KEY || rc == -ELOG_BAD_SIGNATURE)
		return elog_fail(err, ELOG_BAD_SIGNATURE, -1, NULL,
				 "the checkpoint carries no valid signature "
				 "by the key of %s",
				 cp.origin);
	if (rc)
		return rc;
	if (old > cp.size)
		return malformed(err, "old is above the checkpoint's size");
	if (old != lg->size) {
		*size = lg->size;
		return elog_fail(err, ELOG_CONFLICT, -1, NULL,
				 "old is %llu; the last checkpoint cosigned "
				 "has size %llu",
				 (unsigned long long)old,
				 (unsigned long long)lg->size);
	}
	if (old == 0 && np != 0)
		return elog_fail(err, ELOG_PROOF_INVALID, -1, NULL,
				 "the proof from size 0 must be empty");
	if (old == cp.size) {
		if (np != 0)
			return elog_fail(err, ELOG_PROOF_INVALID, -1, NULL,
					 "the proof to the same size must be "
					 "empty");
		/* a log never cosigned has the empty tree at size 0 */
		const elog_hash *had = old ? &lg->root : &ELOG_EMPTY_ROOT;
		if (memcmp(cp.root.b, had->b, ELOG_HASH_LEN) != 0) {
			*size = lg->size;
			return elog_fail(err, ELOG_CONFLICT, -1, NULL,
					 "a checkpoint of size %llu with "
					 "another root was cosigned: a fork",
					 (unsigned long long)old);
		}
	} else if (old > 0 &&
		   elog_verify_consistency(old, cp.size, &lg->root, &cp.root,
					   proof, np, err) != 0) {
		return elog_fail(err, ELOG_PROOF_INVALID, -1, NULL,
				 "the consistency proof from %llu to %llu "
				 "does not verify",
				 (unsigned long long)old,
				 (unsigned long long)cp.size);
	}
	if ((rc = elog_cosign(p, text_len, w, now, line, cap, err)) != 0)
		return rc;
	*log = (size_t)(lg - logs);
	*size = cp.size;
	*root = cp.root;
	return 0;
}

int elog_witness_state_format(const elog_witness_log *logs, size_t n,
			      char **out, size_t *len, elog_err_t *err)
{
	size_t cap = n * (ELOG_NAME_MAX + 80) + 1, off = 0;
	char *buf = malloc(cap), b64[ELOG_HASH_B64_LEN];

	if (!buf)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k;
		if (logs[i].size == 0)
			continue;
		elog_hash_to_b64(&logs[i].root, b64);
		k = snprintf(buf + off, cap - off, "%s %llu %s\n",
			     logs[i].key.name,
			     (unsigned long long)logs[i].size, b64);
		if (k < 0 || (size_t)k >= cap - off) {
			free(buf);
			return elog_fail(err, ELOG_INTERNAL, -1, NULL,
					 "state too long");
		}
		off += (size_t)k;
	}
	*out = buf;
	*len = off;
	return 0;
}

int elog_witness_state_parse(const char *text, size_t len,
			     elog_witness_log *logs, size_t n, elog_err_t *err)
{
	const char *p = text, *end = text + len;
	char buf[ELOG_NAME_MAX + 100];

	while (p < end) {
		char *sp1, *sp2;
		uint64_t size;
		elog_hash root;

		if (line_at(&p, end, buf, sizeof buf) != 0 ||
		    !(sp1 = strchr(buf, ' ')) || !(sp2 = strchr(sp1 + 1, ' ')))
			return elog_fail(err, ELOG_MALFORMED_REQUEST, -1, NULL,
					 "a witness state line is malformed");
		*sp1 = *sp2 = '\0';
		if (elog_param_uint(sp1 + 1, (uint64_t)INT64_MAX, &size) != 0 ||
		    elog_hash_from_b64(sp2 + 1, &root) != 0)
			return elog_fail(err, ELOG_MALFORMED_REQUEST, -1, NULL,
					 "a witness state line is malformed");
		for (size_t i = 0; i < n; i++)
			if (strcmp(logs[i].key.name, buf) == 0) {
				logs[i].size = size;
				logs[i].root = root;
			}
	}
	return 0;
}
