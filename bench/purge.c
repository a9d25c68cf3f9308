/*
 * purge — the retention purge on a large log: the database's size before
 * and after purging the older half of its events, the purge's time, and
 * the size after a full VACUUM of a copy as the baseline (the most any
 * purge could hand back).
 *
 *   purge [-n N]
 *
 * A log of N entries (default 1 000 000) from tests/tools/mklog (event i
 * has ts 1700000000000 + 1000 i ms); the horizon is the ts of event N/2.
 * The purge runs as `envelog purge` does: one transaction that deletes the
 * metadata, appends the purge entry and signs a checkpoint, handing freed
 * pages back (incremental vacuum), then a WAL checkpoint.  Then `envelog
 * verify` must pass.  Prints figures; never fails on timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "entry.h"
#include "harness.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"

#define TS0 1700000000000LL

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000;
	char dir[512], db[600], key[600], copy[600], out[256];
	elog_signer sk;
	elog_store *w = NULL;
	elog_entry e;
	elog_commit c;
	elog_err_t err;
	uint64_t events = 0, through = 0, seq = 0;
	int64_t before;
	long long size0, size1, vacuumed;
	double t0, t_purge, t_vacuum;
	sqlite3 *raw = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc &&
		    h_count(argv[i + 1], 100000000ULL, &n) == 0 && n >= 2) {
			i++;
			continue;
		}
		fprintf(stderr, "usage: purge [-n N]\n");
		return 2;
	}
	h_begin(dir, sizeof dir);
	h_log(dir, n, db, sizeof db);
	snprintf(key, sizeof key, "%s/log.key", dir);
	snprintf(copy, sizeof copy, "%s/vacuumed.db", dir);
	h_read_signer(key, &sk);
	before = TS0 + (int64_t)(n / 2) * 1000;
	size0 = file_size(db);

	elog_err_clear(&err);
	memset(&c, 0, sizeof c);
	if (elog_store_open(db, ELOG_STORE_WRITE, ELOG_SYNC_FULL, &w, &err))
		h_die(err.msg);
	t0 = h_now();
	if (elog_store_begin(w, &err) ||
	    elog_store_purge(w, before, NULL, NULL, &events, &through, &err) ||
	    elog_purge_entry(elog_now_ms(), before, through, events, &e,
			     &err) ||
	    elog_store_add(w, &e, &seq, &err) ||
	    elog_store_commit(w, &sk, elog_now_ms(), &c, &err))
		h_die(err.msg);
	t_purge = h_now() - t0;
	if (elog_store_vacuum(w, 0, &err))
		h_die(err.msg);
	elog_entry_free(&e);
	elog_commit_free(&c);
	elog_store_close(w);
	size1 = file_size(db);

	/* Baseline: a full VACUUM of a copy (rewrites the whole file). */
	{
		char *const cp[] = {"cp", db, copy, NULL};
		if (h_run(cp, NULL, NULL, 0, NULL) != 0)
			h_die("cannot copy the database");
	}
	if (sqlite3_open(copy, &raw) != SQLITE_OK)
		h_die("cannot open the copy");
	t0 = h_now();
	h_exec(raw, "VACUUM");
	t_vacuum = h_now() - t0;
	sqlite3_close(raw);
	vacuumed = file_size(copy);

	printf("log of %llu events; horizon at event %llu (%lld ms)\n", n,
	       n / 2, (long long)before);
	printf("  purge (one transaction, sync full)  %llu events purged "
	       "through seq %llu in %.2f s\n",
	       (unsigned long long)events, (unsigned long long)through,
	       t_purge);
	printf("  database before                    %12lld bytes\n", size0);
	printf("  database after purge               %12lld bytes  (%.1f %% "
	       "of before)\n",
	       size1, 100.0 * (double)size1 / (double)size0);
	printf("  baseline: full VACUUM of a copy    %12lld bytes  (%.1f %% "
	       "of before, %.2f s)\n",
	       vacuumed, 100.0 * (double)vacuumed / (double)size0, t_vacuum);
	{
		char path[600];
		int rc;
		snprintf(path, sizeof path, "%s/envelog", h_build_dir());
		char *const verify[] = {path, "verify", "--quiet", "--db", db,
					NULL};
		rc = h_run(verify, NULL, out, sizeof out, NULL);
		printf("  envelog verify after purge: exit %d: %s\n", rc, out);
		elog_signer_wipe(&sk);
		h_end(dir);
		return rc == 0 ? 0 : 1;
	}
}
