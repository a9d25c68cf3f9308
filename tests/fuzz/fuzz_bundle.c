/* libFuzzer target: disclosure bundles checked offline. */
#include <stddef.h>
#include <stdint.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char vkey[] =
		"envelog.example/log-1+1da554fc+"
		"ATXV7sxJLph6V4SWjQU4PHowus2KwsD2CF27umiI+iOx";
	elog_verifier v;
	elog_bundle_report rep;
	if (elog_verifier_parse(vkey, &v, NULL) != 0)
		__builtin_trap();
	(void)elog_bundle_verify((const char *)data, size, &v, &v, 1, 0, &rep,
				 NULL);
	(void)elog_bundle_verify((const char *)data, size, &v, &v, 1, 1, &rep,
				 NULL);
	return 0;
}
