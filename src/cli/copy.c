/* copy.c — envelog copy: move a log to another store and verify it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "copy.h"

int cmd_copy(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *key = NULL, *writer = NULL,
		   *reader = NULL;
	const cli_opt opts[] = {
		{.name = "from", .value = &from},
		{.name = "to", .value = &to},
		{.name = "key", .value = &key},
		{.name = "writer-role", .value = &writer},
		{.name = "reader-role", .value = &reader},
		{.name = NULL},
	};
	char keybuf[4096];
	elog_signer signer;
	elog_store *src = NULL;
	elog_copy_report rep;
	elog_err_t err;
	int first, rc;

	memset(&signer, 0, sizeof signer);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "copy", &first)) >= 0)
		return rc;
	if (first != argc || !from || !to)
		return cli_usage("copy", 1);
	if (!key) {
		if (cli_key_path(from, keybuf, sizeof keybuf) < 0)
			return cli_usage("copy", 1);
		key = keybuf;
	}
	/* the roles first: a refused one leaves nothing copied */
	if ((writer || reader) && elog_store_grant(to, writer, reader, 1, &err))
		return cli_fail("copy", &err);
	if (cli_load_signer(key, &signer, &err))
		return cli_fail("copy", &err);
	if ((rc = cli_open(from, ELOG_STORE_READ, &src)))
		goto out;
	if (elog_store_copy(src, to, &signer, &rep, &err)) {
		cli_fail("copy", &err);
		rc = err.code == ELOG_CONFLICT	 ? CLI_REFUSED
		     : err.code == ELOG_TAMPERED ? CLI_BAD
						 : CLI_USAGE;
		goto out;
	}
	if ((writer || reader) &&
	    elog_store_grant(to, writer, reader, 0, &err)) {
		rc = cli_fail("copy", &err);
		goto out;
	}
	printf("copied %llu entries (%llu of the purged prefix as rows), "
	       "%llu checkpoints and %llu other rows; the copy verifies\n",
	       (unsigned long long)rep.size, (unsigned long long)rep.purged,
	       (unsigned long long)rep.checkpoints,
	       (unsigned long long)rep.rows);
	rc = CLI_OK;
out:
	elog_store_close(src);
	elog_signer_wipe(&signer);
	return rc;
}
