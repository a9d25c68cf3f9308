/* purge.c — envelog purge: the retention purge of old event metadata. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "entry.h"
#include "param.h"
#include "rfc3339.h"

/*
 * The purge's progress on stderr: a bar on a terminal (cli_progress),
 * otherwise a line at each tenth of the work, so that a purge of a large
 * log run from cron or a unit shows in its log that it advances.
 */
static void purge_progress(void *ctx, uint64_t done, uint64_t total)
{
	int *last = ctx;
	int tenth;

	if (isatty(STDERR_FILENO)) {
		cli_progress(NULL, done, total);
		return;
	}
	tenth = total ? (int)(done * 10 / total) : 10;
	if (tenth <= *last)
		return;
	*last = tenth;
	fprintf(stderr, "envelog: purge: %d%% (%llu/%llu)\n", tenth * 10,
		(unsigned long long)done, (unsigned long long)total);
}

int cmd_purge(int argc, char **argv)
{
	const char *db = CLI_DEFAULT_DB, *key = NULL, *before_s = NULL;
	const cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = "key", .value = &key},
		{.name = "before", .value = &before_s},
		{.name = NULL},
	};
	char keybuf[4096];
	elog_signer signer;
	elog_store *w = NULL;
	elog_entry e;
	elog_commit c;
	elog_err_t err;
	int64_t before, now = elog_now_ms();
	uint64_t events = 0, through = 0, seq = 0;
	struct stat st0, st1;
	int first, rc = CLI_USAGE, last = 0;

	memset(&signer, 0, sizeof signer);
	memset(&e, 0, sizeof e);
	memset(&c, 0, sizeof c);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "purge", &first)) >= 0)
		return rc;
	rc = CLI_USAGE;
	if (first != argc || !before_s)
		return cli_usage("purge", 1);
	if (elog_param_time(before_s, &before) != 0) {
		fprintf(stderr, "envelog: purge: --before must be YYYY-MM-DD "
				"or an RFC 3339 UTC time\n");
		return CLI_USAGE;
	}
	if (before > now) {
		fprintf(stderr, "envelog: purge: --before is in the future\n");
		return CLI_USAGE;
	}
	if (!key) {
		if (cli_key_path(db, keybuf, sizeof keybuf) < 0)
			return cli_usage("purge", 1);
		key = keybuf;
	}
	if (cli_load_signer(key, &signer, &err))
		return cli_fail("purge", &err);
	if ((rc = cli_open(db, ELOG_STORE_WRITE, &w)))
		goto out;
	if (stat(db, &st0) != 0) /* PostgreSQL: no file */
		st0.st_size = -1;
	if (elog_store_begin(w, &err))
		goto fail;
	rc = elog_store_purge(w, before, purge_progress, &last, &events,
			      &through, &err);
	if (rc == -ELOG_NOT_FOUND) {
		elog_store_rollback(w);
		printf("nothing to purge: no entry was committed before %s\n",
		       before_s);
		rc = CLI_OK;
		goto out;
	}
	if (rc || elog_purge_entry(now, before, through, events, &e, &err) ||
	    elog_store_add(w, &e, &seq, &err) ||
	    elog_store_commit(w, &signer, now, &c, &err)) {
fail:
		elog_store_rollback(w);
		/* Not tampering (1), not a usage error: refused by the rule
		 * that the horizon only moves forward; nothing changed. */
		rc = err.code == ELOG_HORIZON_BACKWARDS ? CLI_REFUSED
							: CLI_USAGE;
		cli_fail("purge", &err);
		goto out;
	}
	if (elog_store_vacuum(w, 0, &err))
		cli_fail("purge: vacuum", &err);
	if (st0.st_size < 0 || stat(db, &st1) != 0)
		printf("purged %llu events through seq %llu; purge entry seq "
		       "%llu\n",
		       (unsigned long long)events, (unsigned long long)through,
		       (unsigned long long)seq);
	else
		printf("purged %llu events through seq %llu; purge entry seq "
		       "%llu; database %lld -> %lld bytes\n",
		       (unsigned long long)events, (unsigned long long)through,
		       (unsigned long long)seq, (long long)st0.st_size,
		       (long long)st1.st_size);
	rc = CLI_OK;
out:
	elog_commit_free(&c);
	elog_entry_free(&e);
	elog_store_close(w);
	elog_signer_wipe(&signer);
	return rc;
}
