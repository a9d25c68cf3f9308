/*
 * tiles.c — envelog tiles export: the log as C2SP tlog-tiles in a
 * directory, the same files envelogd serves under /tlog/, for a static
 * server, object storage or a CDN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "statefile.h"
#include "tile.h"

#define PATH_CAP 4096

struct export
{
	const char *dir;
	int written; /* files written */
	int kept;    /* tiles found already there (an export interrupted
			before its checkpoint), not rewritten */
};

/* mkdir -p of the directories above path (relative to e->dir). */
static int parents(const struct export *e, const char *rel, elog_err_t *err)
{
	char p[PATH_CAP];
	int n = snprintf(p, sizeof p, "%s/%s", e->dir, rel);
	size_t base = strlen(e->dir) + 1;

	if (n < 0 || (size_t)n >= sizeof p)
		return elog_fail(err, ELOG_IO, -1, NULL, "path too long");
	for (size_t i = base; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			int e2 = errno;
			return elog_fail(err, ELOG_IO, -1, NULL,
					 "cannot create %s: %s", p,
					 strerror(e2));
		}
		p[i] = '/';
	}
	return 0;
}

/*
 * Write data to DIR/rel atomically: a temporary file in DIR, synced, then
 * moved into place: renamed over the old file when replace, else linked
 * (never replacing a file that exists: counted as kept, nothing written).
 */
static int put(struct export *e, const char *rel, const void *data, size_t len,
	       int replace, elog_err_t *err)
{
	char tmp[PATH_CAP], dst[PATH_CAP];
	int rc, n;

	n = snprintf(dst, sizeof dst, "%s/%s", e->dir, rel);
	if (n < 0 || (size_t)n >= sizeof dst)
		return elog_fail(err, ELOG_IO, -1, NULL, "path too long");
	n = snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", e->dir);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return elog_fail(err, ELOG_IO, -1, NULL, "path too long");
	if ((rc = parents(e, rel, err)) != 0 ||
	    (rc = elog_file_temp(tmp, data, len, 0644, err)) != 0)
		return rc;
	if (replace) {
		if (rename(tmp, dst) != 0)
			goto ioerr;
	} else {
		if (link(tmp, dst) != 0) {
			if (errno != EEXIST)
				goto ioerr;
			e->kept++;
			unlink(tmp);
			return 0;
		}
		unlink(tmp);
	}
	e->written++;
	return 0;
ioerr:
	rc = elog_fail(err, ELOG_IO, -1, NULL, "cannot write %s: %s", dst,
		       strerror(errno));
	unlink(tmp);
	return rc;
}

/* The size of the tree DIR/checkpoint holds: 0 when absent; the log's
 * checkpoint of that size must have the same root. */
static int old_size(elog_store *s, const char *dir, uint64_t *size,
		    elog_err_t *err)
{
	char path[PATH_CAP], *note = NULL;
	size_t len = 0;
	elog_verifier v;
	elog_checkpoint cp;
	elog_hash root;
	int rc, n = snprintf(path, sizeof path, "%s/checkpoint", dir);

	*size = 0;
	if (n < 0 || (size_t)n >= sizeof path)
		return elog_fail(err, ELOG_IO, -1, NULL, "path too long");
	if (access(path, F_OK) != 0)
		return 0;
	if ((rc = cli_read_file(path, 64 * 1024, &note, &len, err)) != 0)
		return rc;
	rc = elog_verifier_parse(elog_store_vkey(s), &v, err);
	if (rc == 0)
		rc = elog_checkpoint_open(note, len, &v, &cp, err);
	if (rc) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, NULL,
			       "%s is not a checkpoint of this log: %s", path,
			       err->msg);
		goto out;
	}
	rc = elog_store_root(s, cp.size, &root, err);
	if (rc == 0 && memcmp(root.b, cp.root.b, ELOG_HASH_LEN) != 0)
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, NULL,
			       "%s is not a prefix of this log", path);
	if (rc == -ELOG_NOT_FOUND || rc == -ELOG_PARAMETER_OUT_OF_RANGE ||
	    rc == -ELOG_TAMPERED)
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, NULL,
			       "%s holds a larger tree than this log", path);
	if (rc == 0)
		*size = cp.size;
out:
	free(note);
	return rc;
}

/* Write the tiles of level (or entry bundles) that differ between the
 * trees of old and size leaves. */
static int level_tiles(struct export *e, elog_store *s, int level,
		       uint64_t old, uint64_t size, elog_err_t *err)
{
	int h = level == ELOG_TILE_ENTRIES ? 0 : level * ELOG_TILE_HEIGHT;
	uint64_t nodes = size >> h, i;
	char rel[ELOG_TILE_PATH_MAX];
	int rc = 0;

	for (i = (old >> h) / ELOG_TILE_WIDTH; i * ELOG_TILE_WIDTH < nodes;
	     i++) {
		elog_tile t = {level, i, elog_tile_width_at(level, i, size)};
		unsigned was = elog_tile_width_at(level, i, old);
		uint8_t *data = NULL;
		size_t len = 0;

		if (t.width == was)
			continue;
		if (elog_tile_path(&t, rel, sizeof rel) < 0)
			return elog_fail(err, ELOG_INTERNAL, -1, NULL,
					 "tile path");
		rc = elog_store_tile(s, &t, size, &data, &len, err);
		if (rc == 0)
			rc = put(e, rel, data, len, 0, err);
		free(data);
		if (rc)
			return rc;
	}
	return 0;
}

/* Remove the partial tile of the tree of old at this level once the tree
 * of size has filled it up (C2SP: a log must keep serving the partial
 * tiles of its checkpoints until the full tile is available). */
static void prune(const struct export *e, int level, uint64_t old,
		  uint64_t size)
{
	int h = level == ELOG_TILE_ENTRIES ? 0 : level * ELOG_TILE_HEIGHT;
	uint64_t i = (old >> h) / ELOG_TILE_WIDTH;
	elog_tile t = {level, i, elog_tile_width_at(level, i, old)};
	char rel[ELOG_TILE_PATH_MAX], path[PATH_CAP], *slash;
	int n;

	if (t.width == 0 || t.width == ELOG_TILE_WIDTH ||
	    elog_tile_width_at(level, i, size) != ELOG_TILE_WIDTH)
		return;
	if (elog_tile_path(&t, rel, sizeof rel) < 0)
		return;
	n = snprintf(path, sizeof path, "%s/%s", e->dir, rel);
	if (n < 0 || (size_t)n >= sizeof path)
		return;
	unlink(path);
	/* and its "N.p" directory once empty */
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		rmdir(path);
	}
}

static int export_tiles(elog_store *s, struct export *e, uint64_t *from,
			uint64_t *to, elog_err_t *err)
{
	char *note = NULL;
	size_t len = 0;
	uint64_t old = 0, size = 0;
	int began = 0, rc, level;

	if ((rc = elog_store_read_begin(s, &began, err)) != 0)
		return rc;
	if ((rc = elog_store_checkpoint_latest(s, &note, &len, &size, err)))
		goto out;
	if ((rc = old_size(s, e->dir, &old, err)))
		goto out;
	if (old > size) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, NULL,
			       "%s/checkpoint holds a larger tree than this "
			       "log",
			       e->dir);
		goto out;
	}
	rc = level_tiles(e, s, ELOG_TILE_ENTRIES, old, size, err);
	for (level = 0; rc == 0 && level <= ELOG_TILE_MAX_LEVEL &&
			(size >> (level * ELOG_TILE_HEIGHT)) > 0;
	     level++)
		rc = level_tiles(e, s, level, old, size, err);
	if (rc)
		goto out;
	if ((rc = put(e, "checkpoint", note, len, 1, err)))
		goto out;
	prune(e, ELOG_TILE_ENTRIES, old, size);
	for (level = 0; level <= ELOG_TILE_MAX_LEVEL &&
			(old >> (level * ELOG_TILE_HEIGHT)) > 0;
	     level++)
		prune(e, level, old, size);
	*from = old;
	*to = size;
out:
	free(note);
	elog_store_read_end(s, began);
	return rc;
}

int cmd_tiles(int argc, char **argv)
{
	const char *db = CLI_DEFAULT_DB, *out = NULL, *verb = NULL;
	const cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = "out", .value = &out},
		{.name = NULL},
	};
	struct export e = {NULL, 0, 0};
	elog_store *s = NULL;
	elog_err_t err;
	uint64_t from = 0, to = 0;
	char **args;
	int nargs, rc;

	elog_err_clear(&err);
	if ((rc = cli_verb_options(argc, argv, opts, "tiles", &verb, &nargs,
				   &args)) >= 0)
		return rc;
	if (strcmp(verb, "export") != 0 || nargs != 0 || !out)
		return cli_usage("tiles", 1);
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "envelog: tiles: cannot create %s: %s\n", out,
			strerror(errno));
		return CLI_USAGE;
	}
	e.dir = out;
	if ((rc = cli_open(db, ELOG_STORE_READ, &s)))
		return rc;
	rc = export_tiles(s, &e, &from, &to, &err);
	if (rc) {
		cli_fail("tiles export", &err);
		rc = err.code == ELOG_INCONSISTENT ? CLI_BAD : CLI_USAGE;
	} else {
		printf("exported size %llu (was %llu): %d files written",
		       (unsigned long long)to, (unsigned long long)from,
		       e.written);
		if (e.kept)
			printf(" (%d already there, kept)", e.kept);
		printf("\n");
		rc = CLI_OK;
	}
	elog_store_close(s);
	return rc;
}
