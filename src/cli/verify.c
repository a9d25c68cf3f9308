/* verify.c — envelog verify: the complete offline check of a database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli.h"
#include "verify.h"

static const char usage[] =
	"usage: envelog verify [--db FILE] [--vkey VKEY] [--checkpoint FILE]\n"
	"                      [--quiet]\n"
	"\n"
	"Check the whole log offline: every leaf hash from its data (unless\n"
	"purged), the hash chain, every stored tree hash, every stored\n"
	"checkpoint's root and signature, every entry covered by a signed\n"
	"checkpoint.  Prints the result on stdout and names the first bad seq.\n"
	"Exit 0 intact, 1 tampering found, 2 usage or I/O error.\n"
	"\n"
	"  --vkey VKEY        the log's verifier key as you hold it; signatures\n"
	"                     are checked against it.  Without it, verify trusts\n"
	"                     the key stored in the database (and says so).\n"
	"  --checkpoint FILE  a signed checkpoint you hold (e.g. cosigned by\n"
	"                     witnesses): the log must contain it, so a\n"
	"                     truncated, rolled back or rewritten log fails.\n";

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
	if ((rc = cli_options(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (first != argc)
		return cli_usage(usage, 1);
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
	rc = elog_verify_store(s, &vo, quiet ? NULL : cli_progress, NULL,
			       &rep, &err);
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
	       (unsigned long long)rep.entries,
	       (unsigned long long)rep.purged,
	       (unsigned long long)rep.tree_hashes,
	       (unsigned long long)rep.checkpoints);
	rc = CLI_OK;
out:
	free(cp);
	return rc;
}
