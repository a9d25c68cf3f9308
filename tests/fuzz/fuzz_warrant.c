/* libFuzzer target: warrant notes, their text, and the policy. */
#include <stddef.h>
#include <stdint.h>

#include "note.h"
#include "warrant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	elog_warrant w;
	elog_note_sig sigs[ELOG_NOTE_MAX_SIGS];
	size_t text_len = 0, nsigs = 0;
	const char *s = (const char *)data;
	elog_policy p = {.now_ms = 1700000000000LL,
			 .max_window_ms = 366LL * 86400000,
			 .max_subjects = 10};

	if (elog_warrant_parse(s, size, &w, NULL) == 0) {
		(void)elog_warrant_refusal(&w, &p);
		elog_warrant_free(&w);
	}
	if (elog_note_parse(s, size, &text_len, sigs, ELOG_NOTE_MAX_SIGS,
			    &nsigs, NULL) == 0) {
		if (text_len > size)
			__builtin_trap();
		if (elog_warrant_parse(s, text_len, &w, NULL) == 0)
			elog_warrant_free(&w);
	}
	return 0;
}
