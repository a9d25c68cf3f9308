/* verify.c — envelog verify: the complete offline check of a database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli.h"
#include "verify.h"

int cmd_verify(int argc, char **argv)
{
	const char *db = CLI_DEFAULT_DB, *cp_path = NULL;
	elog_verify_opts vo = {0};
	elog_store *s = NULL;
	elog_verify_report rep;
	elog_err_t err;
	char *cp = NULL;
	size_t cp_len = 0;
	int first, rc, quiet = 0;
	const cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = "vkey", .value = &vo.vkey},
		{.name = "checkpoint", .value = &cp_path},
		{.name = "quiet", .flag = &quiet},
		{.name = NULL},
	};

	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "verify", &first)) >= 0)
		return rc;
	if (first != argc)
		return cli_usage("verify", 1);
	if (cp_path) {
		if (cli_read_file(cp_path, 64 * 1024, &cp, &cp_len, &err))
			return cli_fail("verify: --checkpoint", &err);
		vo.checkpoint = cp;
		vo.checkpoint_len = cp_len;
	}
	if ((rc = cli_open(db, ELOG_STORE_READ, &s)))
		goto out;
	if (!vo.vkey)
		fprintf(stderr,
			"envelog: verify: warning: no --vkey given: "
			"signatures were checked against the key stored in "
			"the database, which its operator controls\n");
	rc = elog_verify_store(s, &vo, quiet ? NULL : cli_progress, NULL, &rep,
			       &err);
	elog_store_close(s);
	if (rc == -ELOG_TAMPERED) {
		if (rep.bad_seq >= 0)
			printf("TAMPERED seq %lld: %s\n",
			       (long long)rep.bad_seq, rep.what);
		else
			printf("TAMPERED: %s\n", rep.what);
		rc = CLI_BAD;
		goto out;
	}
	if (rc) {
		rc = cli_fail("verify", &err);
		goto out;
	}
	printf("ok: %llu entries (%llu purged), %llu tree hashes, %llu "
	       "checkpoints verified\n",
	       (unsigned long long)rep.entries, (unsigned long long)rep.purged,
	       (unsigned long long)rep.tree_hashes,
	       (unsigned long long)rep.checkpoints);
	rc = CLI_OK;
out:
	free(cp);
	return rc;
}
