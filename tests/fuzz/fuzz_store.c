/*
 * libFuzzer target: a hostile database file.  The input is written as the
 * database; it is opened as envelogd's readers and `envelog verify` open
 * it, read (latest checkpoint, leaves, horizon) and verified whole, then
 * opened as the writer (migrations, the frontier).  Nothing may crash; a
 * verify that passes must have checked what it reports.  Seeds
 * (tests/fuzz/corpus/fuzz_store) are a small log with 512-byte pages and
 * corrupted copies of it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz_store.XXXXXX", path[64], wal[72], shm[72];

static void cleanup(void)
{
	unlink(wal);
	unlink(shm);
	unlink(path);
	rmdir(dir);
}

static int leaf(void *ctx, const elog_leaf *l)
{
	(void)ctx;
	(void)l;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	elog_store *s = NULL;
	elog_verify_report rep;
	char *note = NULL;
	size_t len = 0;
	uint64_t cps = 0, through = 0;
	int64_t before = 0;
	FILE *f;

	if (!path[0]) {
		if (!mkdtemp(dir))
			__builtin_trap();
		atexit(cleanup);
		snprintf(path, sizeof path, "%s/f.db", dir);
		snprintf(wal, sizeof wal, "%s-wal", path);
		snprintf(shm, sizeof shm, "%s-shm", path);
	}
	unlink(wal);
	unlink(shm);
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (elog_store_open(path, ELOG_STORE_READ, ELOG_SYNC_NORMAL, &s,
			    NULL) == 0) {
		if (elog_store_checkpoint_latest(s, &note, &len, &cps, NULL) ==
		    0)
			free(note);
		(void)elog_store_leaves(s, 0, 64, leaf, NULL, NULL);
		(void)elog_store_horizon(s, &before, &through, NULL);
		memset(&rep, 0, sizeof rep);
		if (elog_verify_store(s, NULL, NULL, NULL, &rep, NULL) == 0 &&
		    rep.bad_seq != -1)
			__builtin_trap();
		elog_store_close(s);
	}
	s = NULL;
	if (elog_store_open(path, ELOG_STORE_WRITE, ELOG_SYNC_NORMAL, &s,
			    NULL) == 0)
		elog_store_close(s);
	return 0;
}
