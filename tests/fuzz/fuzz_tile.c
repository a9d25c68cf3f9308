/* libFuzzer target: C2SP tile paths.  Every accepted path formats back to
 * exactly itself (one encoding per tile), and its width is 1…256. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *z = malloc(size + 1), back[ELOG_TILE_PATH_MAX];
	elog_tile t;
	elog_err_t err;

	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	if (elog_tile_parse(z, &t, &err) == 0) {
		int n = elog_tile_path(&t, back, sizeof back);
		if (n < 0 || (size_t)n != strlen(z) || strcmp(back, z) != 0 ||
		    t.width < 1 || t.width > ELOG_TILE_WIDTH)
			__builtin_trap();
		(void)elog_tile_width_at(t.level, t.index, UINT64_MAX);
	}
	free(z);
	return 0;
}
