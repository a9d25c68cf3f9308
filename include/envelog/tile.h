/*
 * tile.h — C2SP tlog-tiles: the names and contents of hash tiles and entry
 * bundles (https://c2sp.org/tlog-tiles).
 *
 * A hash tile (level L, index N) holds up to 256 hashes: those of the
 * complete subtrees of Merkle level 8L with indexes N*256 … N*256+255
 * (level 0: leaf hashes).  An entry bundle (index N) holds the public leaf
 * data of leaves N*256 … N*256+255, each behind a big-endian uint16 length.
 * A tile of width 256 is full and never changes; one of width W < 256 is
 * partial, named with ".p/W".  Paths are relative to the log's prefix:
 *
 *   tile/<L>/<N>[.p/<W>]        hash tiles, L in 0…63
 *   tile/entries/<N>[.p/<W>]    entry bundles
 *
 * N is written in groups of three digits, all but the last prefixed "x":
 * 1234067 is x001/x234/067, 5 is 005.
 */
#ifndef ELOG_TILE_H
#define ELOG_TILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ELOG_TILE_WIDTH 256
#define ELOG_TILE_HEIGHT 8
#define ELOG_TILE_ENTRIES (-1) /* the level of entry bundles */
#define ELOG_TILE_MAX_LEVEL 63
/* Longest tile path: "tile/entries/" + 7 groups "xNNN/" + ".p/255". */
#define ELOG_TILE_PATH_MAX 64
/* The largest leaf data an entry bundle can carry. */
#define ELOG_TILE_MAX_ENTRY 65535

typedef struct elog_tile {
	int level;	/* 0…63, or ELOG_TILE_ENTRIES */
	uint64_t index; /* N */
	unsigned width; /* 1…256; 256 = full */
} elog_tile;

/*
 * Parse a tile path (relative to the prefix, no leading '/').  0, or
 * INVALID_PARAMETER (err names "path") when it is not a tile path in the
 * spec's one encoding (no leading zeros in L or W, exactly three digits
 * per group of N, no superfluous "x000" group, W in 1…255).
 */
int elog_tile_parse(const char *path, elog_tile *t, elog_err_t *err);

/* Write t's path into buf (cap bytes).  Its length, or -1 if it does not
 * fit or t is not a tile. */
int elog_tile_path(const elog_tile *t, char *buf, size_t cap);

/*
 * The width of tile (level, index) in the tree of size leaves: 256 when
 * full, 1…255 when the tree ends in it, 0 when the tree does not reach it.
 * Entry bundles (ELOG_TILE_ENTRIES) count like level-0 tiles.
 */
unsigned elog_tile_width_at(int level, uint64_t index, uint64_t size);

/* The Merkle level of the hashes in tile t: 8L (entry bundles: 0). */
int elog_tile_merkle_level(const elog_tile *t);

#endif
