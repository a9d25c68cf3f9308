/* libFuzzer target: signed notes, checkpoints, cosignatures, key texts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char vkey[] =
		"envelog.example/log-1+1da554fc+"
		"ATXV7sxJLph6V4SWjQU4PHowus2KwsD2CF27umiI+iOx";
	elog_verifier v, k;
	elog_signer sk;
	elog_checkpoint cp;
	size_t text_len = 0;
	uint64_t t;
	const char *s = (const char *)data;
	char *z;

	if (elog_verifier_parse(vkey, &v, NULL) != 0)
		__builtin_trap();
	(void)elog_note_verify(s, size, &v, &text_len, NULL);
	(void)elog_checkpoint_open(s, size, &v, &cp, NULL);
	(void)elog_checkpoint_parse(s, size, &cp, NULL);
	(void)elog_cosignature_verify("a\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
				      49, s, size, &v, &t, NULL);
	/* Key parsers take NUL-terminated text. */
	z = malloc(size + 1);
	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	if (elog_verifier_parse(z, &k, NULL) == 0) {
		char out[ELOG_KEY_TEXT_MAX];
		if (elog_verifier_format(&k, out, sizeof out, NULL) != 0)
			__builtin_trap();
	}
	if (elog_signer_parse(z, &sk, NULL) == 0)
		elog_signer_wipe(&sk);
	free(z);
	return 0;
}
