/* libFuzzer target: query-string and flag values (integers, dates). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "param.h"
#include "rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t u;
	int64_t ms;
	char *z = malloc(size + 1);

	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	if (elog_param_uint(z, UINT64_MAX, &u) == 0 && u > 0 && z[0] == '0')
		(void)u; /* leading zeros are allowed in query values */
	if (elog_param_time(z, &ms) == 0) {
		/* Every accepted time formats and parses back to itself. */
		char back[32];
		int64_t again;
		elog_rfc3339_format(ms, back);
		if (elog_rfc3339_parse(back, strlen(back), 1, &again) != 0 ||
		    again != ms)
			__builtin_trap();
	}
	(void)elog_rfc3339_parse((const char *)data, size, 0, &ms);
	free(z);
	return 0;
}
