/*
 * libFuzzer target: the monitor's state file parser
 * (elog_monitor_state_parse), with and without a pinned key.  A state
 * that parses must format and parse back to the same size, root, chain
 * value and frontier root.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merkle.h"
#include "monitor.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The test key of fuzz_monitor and fuzz_cosignature. */
#define LOG_VKEY "fuzz.example/log+c1c19b6f+" \
		 "AUVz3Nb1l0dAhrPYwomLnrkh6fahOF5IVnGM2oyI+A9P"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static elog_verifier vk;
	static int ready;
	elog_monitor_state st, back;
	elog_hash root;
	char *text = NULL;

	if (!ready) {
		if (elog_verifier_parse(LOG_VKEY, &vk, NULL) != 0)
			__builtin_trap();
		ready = 1;
	}
	if (elog_monitor_state_parse((const char *)data, size, "f", &vk, &st,
				     NULL) == 0)
		elog_monitor_state_free(&st);
	if (elog_monitor_state_parse((const char *)data, size, "f", NULL, &st,
				     NULL) != 0)
		return 0;
	if (!st.present || !st.note)
		__builtin_trap();
	elog_frontier_root(&st.fr, &root);
	if (memcmp(root.b, st.root.b, ELOG_HASH_LEN) != 0)
		__builtin_trap();
	if (elog_monitor_state_format(&st, 1, &text, NULL) != 0 ||
	    elog_monitor_state_parse(text, strlen(text), "f", &st.vk, &back,
				     NULL) != 0)
		__builtin_trap();
	if (back.fr.size != st.fr.size ||
	    memcmp(back.root.b, st.root.b, ELOG_HASH_LEN) != 0 ||
	    memcmp(back.chain.b, st.chain.b, ELOG_HASH_LEN) != 0 ||
	    strcmp(back.note, st.note) != 0)
		__builtin_trap();
	elog_monitor_state_free(&back);
	elog_monitor_state_free(&st);
	free(text);
	return 0;
}
