/* libFuzzer target: proof verification with arbitrary sizes and hashes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t a, b;
	elog_hash h1, h2, proof[ELOG_MAX_PROOF];
	size_t n;
	if (size < 16 + 64)
		return 0;
	memcpy(&a, data, 8);
	memcpy(&b, data + 8, 8);
	memcpy(h1.b, data + 16, 32);
	memcpy(h2.b, data + 48, 32);
	n = (size - 80) / 32;
	if (n > ELOG_MAX_PROOF)
		n = ELOG_MAX_PROOF;
	memcpy(proof, data + 80, n * 32);
	(void)elog_verify_inclusion(a, b, &h1, proof, n, &h2, NULL);
	(void)elog_verify_consistency(a, b, &h1, &h2, proof, n, NULL);
	return 0;
}
