/*
 * libFuzzer target: the witness's check of an add-checkpoint body
 * (elog_witness_check): the old line, the proof lines, the note and the
 * checkpoint, the log lookup, signature and consistency checks.  One log
 * (a fixed test key) that the witness never cosigned; a body that passes
 * gives a cosignature line.  Seed: "old 0", the empty line and a
 * checkpoint of that log (tests/fuzz/corpus/fuzz_witness/valid).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Test keys, used nowhere else (the log's is fuzz_cosignature's). */
#define LOG_VKEY "fuzz.example/log+c1c19b6f+" \
		 "AUVz3Nb1l0dAhrPYwomLnrkh6fahOF5IVnGM2oyI+A9P"
#define WITNESS_SKEY "PRIVATE+KEY+fuzz-witness+4930430f+" \
		     "BHeGuoHpgfUsM5KCs4/zppNfHl47mIMZ1Zow5pR4E5iK"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static elog_witness_log log;
	static elog_signer w;
	static int ready;
	char line[512];
	size_t which = 99;
	uint64_t n = 0;
	elog_hash root;
	elog_err_t err;

	if (!ready) {
		if (elog_verifier_parse(LOG_VKEY, &log.key, &err) != 0)
			__builtin_trap();
		if (elog_signer_parse(WITNESS_SKEY, &w, &err) != 0)
			__builtin_trap();
		ready = 1;
	}
	if (elog_witness_check((const char *)data, size, &log, 1, &w, 1,
			       line, sizeof line, &which, &n, &root,
			       &err) == 0) {
		if (which != 0 || strncmp(line, "\xe2\x80\x94 ", 4) != 0)
			__builtin_trap();
	}
	return 0;
}
