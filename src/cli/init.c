/* init.c — envelog init: create the database and the log key beside it. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "rfc3339.h"

/* Create the directory of path (one level, mode 0700) if missing. */
static int make_parent(const char *path)
{
	char buf[4096];
	char *dir;
	if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
		return -1;
	dir = dirname(buf);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int cmd_init(int argc, char **argv)
{
	const char *db = CLI_DEFAULT_DB, *origin = NULL, *keyfile = NULL;
	const char *writer = NULL, *reader = NULL;
	const cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = "writer-role", .value = &writer},
		{.name = "reader-role", .value = &reader},
		{.name = "origin", .value = &origin},
		{.name = "key", .value = &keyfile},
		{.name = NULL},
	};
	char keybuf[4096], host[256], origin_buf[300];
	char sk_text[ELOG_KEY_TEXT_MAX], vk_text[ELOG_KEY_TEXT_MAX];
	elog_signer signer;
	elog_verifier vk;
	elog_store *w = NULL;
	elog_err_t err;
	int first, pg, rc = CLI_USAGE;

	memset(&signer, 0, sizeof signer);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "init", &first)) >= 0)
		return rc;
	rc = CLI_USAGE;
	if (first != argc)
		return cli_usage("init", 1);
	pg = elog_store_is_pg(db);
	if (!pg && (writer || reader)) {
		fprintf(stderr, "envelog: init: --writer-role and "
				"--reader-role are for a PostgreSQL --db\n");
		return CLI_USAGE;
	}
	if (!keyfile) {
		if (cli_key_path(db, keybuf, sizeof keybuf) < 0)
			return cli_usage("init", 1);
		keyfile = keybuf;
	}
	if (!origin) {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		snprintf(origin_buf, sizeof origin_buf, "%s/envelog", host);
		origin = origin_buf;
	}
	if (!elog_key_name_valid(origin)) {
		fprintf(stderr,
			"envelog: init: the origin must be a key name: no "
			"spaces, no '+', at most %d bytes\n",
			ELOG_NAME_MAX);
		return CLI_USAGE;
	}
	if ((!pg && access(db, F_OK) == 0) || access(keyfile, F_OK) == 0) {
		fprintf(stderr,
			"envelog: init: %s already exists; refusing to "
			"overwrite\n",
			!pg && access(db, F_OK) == 0 ? db : keyfile);
		return CLI_USAGE;
	}
	if ((!pg && make_parent(db) != 0) || make_parent(keyfile) != 0) {
		fprintf(stderr,
			"envelog: init: cannot create the directory "
			"of %s: %s\n",
			db, strerror(errno));
		return CLI_USAGE;
	}
	if ((writer || reader) &&
	    elog_store_grant(db, writer, reader, 1, &err)) {
		rc = cli_fail("init", &err);
		goto out;
	}
	if (elog_signer_generate(origin, &signer, &err) ||
	    elog_signer_format(&signer, sk_text, sizeof sk_text, &err)) {
		rc = cli_fail("init", &err);
		goto out;
	}
	elog_signer_public(&signer, &vk);
	if (elog_verifier_format(&vk, vk_text, sizeof vk_text, &err) ||
	    strlen(sk_text) + 2 > sizeof sk_text) {
		rc = cli_fail("init", &err);
		goto out;
	}
	memcpy(sk_text + strlen(sk_text), "\n", 2); /* fits: checked above */
	if (cli_write_secret(keyfile, sk_text, &err)) {
		rc = cli_fail("init", &err);
		goto out;
	}
	if (elog_store_create(db, origin, vk_text, &err) ||
	    ((writer || reader) &&
	     elog_store_grant(db, writer, reader, 0, &err)) ||
	    elog_store_open(db, ELOG_STORE_WRITE, ELOG_SYNC_FULL, &w, &err) ||
	    elog_store_begin(w, &err) ||
	    elog_store_commit(w, &signer, elog_now_ms(), NULL, &err)) {
		rc = cli_fail("init", &err);
		elog_store_close(w);
		w = NULL;
		unlink(keyfile);
		if (!pg) /* PostgreSQL: the database is the operator's */
			unlink(db);
		goto out;
	}
	fprintf(stderr, "envelog: created %s and %s (origin %s)\n",
		pg ? "the log in the PostgreSQL database" : db, keyfile,
		origin);
	printf("%s\n", vk_text);
	rc = CLI_OK;
out:
	elog_store_close(w);
	elog_signer_wipe(&signer);
	sodium_memzero(sk_text, sizeof sk_text);
	return rc;
}
