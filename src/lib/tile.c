/* tile.c — C2SP tlog-tiles names and widths.  See tile.h. */
#include "tile.h"

#include <stdio.h>
#include <string.h>

static int bad(elog_err_t *err, const char *why)
{
	return elog_fail(err, ELOG_INVALID_PARAMETER, -1, "path",
			 "not a tile path: %s", why);
}

/* A decimal number without leading zeros ("0" itself allowed) of at most
 * max, ending at a '/', '.' or NUL; *p moves past it.  0 or -1. */
static int number(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*p = s;
	*out = v;
	return 0;
}

int elog_tile_parse(const char *path, elog_tile *t, elog_err_t *err)
{
	const char *p = path;
	uint64_t v, d, n = 0;
	int groups = 0, last = 0;

	if (strncmp(p, "tile/", 5) != 0)
		return bad(err, "it does not start with tile/");
	p += 5;
	if (strncmp(p, "entries/", 8) == 0) {
		t->level = ELOG_TILE_ENTRIES;
		p += 8;
	} else {
		if (number(&p, ELOG_TILE_MAX_LEVEL, &v) != 0 || *p != '/')
			return bad(err, "the level must be 0 to 63");
		t->level = (int)v;
		p++;
	}
	/* N: "xDDD/"… then "DDD" */
	while (!last) {
		if (*p == 'x')
			p++;
		else
			last = 1;
		if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' &&
		      p[1] <= '9' && p[2] >= '0' && p[2] <= '9'))
			return bad(err, "the index is written in groups of "
					"three digits");
		d = (uint64_t)(p[0] - '0') * 100 +
		    (uint64_t)(p[1] - '0') * 10 + (uint64_t)(p[2] - '0');
		if (n > (UINT64_MAX - d) / 1000)
			return bad(err, "the index is too large");
		n = n * 1000 + d;
		if (groups == 0 && !last && n == 0)
			return bad(err, "the index has a leading x000 group");
		groups++;
		p += 3;
		if (!last) {
			if (*p != '/')
				return bad(err, "an x group ends with /");
			p++;
		}
	}
	t->index = n;
	t->width = ELOG_TILE_WIDTH;
	if (*p == '\0')
		return 0;
	if (strncmp(p, ".p/", 3) != 0)
		return bad(err, "only .p/<W> may follow the index");
	p += 3;
	if (number(&p, ELOG_TILE_WIDTH - 1, &v) != 0 || v == 0 || *p != '\0')
		return bad(err, "a partial width must be 1 to 255");
	t->width = (unsigned)v;
	return 0;
}

int elog_tile_path(const elog_tile *t, char *buf, size_t cap)
{
	char num[40];
	size_t len = 0, nd;
	uint64_t n = t->index;
	int k;
	char digits[24];

	if (t->level < ELOG_TILE_ENTRIES || t->level > ELOG_TILE_MAX_LEVEL ||
	    t->width < 1 || t->width > ELOG_TILE_WIDTH)
		return -1;
	/* digits of N, padded to a multiple of three */
	k = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	if (k < 0 || (size_t)k >= sizeof digits)
		return -1;
	nd = (size_t)k;
	{
		size_t pad = (3 - nd % 3) % 3, i, j = 0;
		char full[32];

		memset(full, '0', pad);
		memcpy(full + pad, digits, nd);
		nd += pad;
		for (i = 0; i < nd; i += 3) {
			if (i + 3 < nd)
				num[j++] = 'x';
			memcpy(num + j, full + i, 3);
			j += 3;
			if (i + 3 < nd)
				num[j++] = '/';
		}
		num[j] = '\0';
	}
	if (t->level == ELOG_TILE_ENTRIES)
		k = snprintf(buf, cap, "tile/entries/%s", num);
	else
		k = snprintf(buf, cap, "tile/%d/%s", t->level, num);
	if (k < 0 || (size_t)k >= cap)
		return -1;
	len = (size_t)k;
	if (t->width < ELOG_TILE_WIDTH) {
		k = snprintf(buf + len, cap - len, ".p/%u", t->width);
		if (k < 0 || (size_t)k >= cap - len)
			return -1;
		len += (size_t)k;
	}
	return (int)len;
}

unsigned elog_tile_width_at(int level, uint64_t index, uint64_t size)
{
	int h = level == ELOG_TILE_ENTRIES ? 0 : level * ELOG_TILE_HEIGHT;
	uint64_t nodes, first;

	if (h >= 64)
		return 0;
	nodes = size >> h; /* complete subtrees of Merkle level h */
	if (index > (UINT64_MAX >> 8))
		return 0;
	first = index * ELOG_TILE_WIDTH;
	if (nodes <= first)
		return 0;
	return nodes - first >= ELOG_TILE_WIDTH ? ELOG_TILE_WIDTH
						: (unsigned)(nodes - first);
}

int elog_tile_merkle_level(const elog_tile *t)
{
	return t->level == ELOG_TILE_ENTRIES ? 0 : t->level * ELOG_TILE_HEIGHT;
}
