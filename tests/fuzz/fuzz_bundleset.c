/* libFuzzer target: bundle sets of a root log's shards checked offline. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bundleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The root key of the seeds (tests/vectors/tlog/notes.json). */
	static const char vkey[] =
		"envelog.example/log-1+1da554fc+"
		"ATXV7sxJLph6V4SWjQU4PHowus2KwsD2CF27umiI+iOx";
	static const char warrant[] =
		"envelog/warrant/v1\nid W-1\n\n\xe2\x80\x94 a AAAA\n";
	elog_verifier v;
	elog_bundle_set_report rep;
	if (elog_verifier_parse(vkey, &v, NULL) != 0)
		__builtin_trap();
	(void)elog_bundle_is_set((const char *)data, size);
	(void)elog_bundle_set_verify((const char *)data, size, &v, &rep, NULL);
	(void)elog_bundle_set_check_warrant((const char *)data, size, warrant,
					    strlen(warrant), &rep, NULL);
	return 0;
}
