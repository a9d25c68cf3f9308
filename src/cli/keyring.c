/* keyring.c — envelog authority|witness add|list|revoke. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "keyring.h"

static int print_key(void *ctx, const elog_named_key *k)
{
	(void)ctx;
	printf("%s\t%s\t%s\n", k->name, k->vkey,
	       k->revoked ? "revoked" : "live");
	return 0;
}

static int keyring_cmd(int ring, const char *what, int argc, char **argv)
{
	const char *db = CLI_DEFAULT_DB, *verb;
	elog_store *s = NULL;
	elog_err_t err;
	int rc;
	const cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = NULL},
	};

	elog_err_clear(&err);
	if ((rc = cli_verb_options(argc, argv, opts, what, &verb, &argc,
				   &argv)) >= 0)
		return rc;
	if (strcmp(verb, "list") == 0 && argc == 0) {
		if ((rc = cli_open(db, ELOG_STORE_READ, &s)))
			return rc;
		rc = elog_keyring_list(s, ring, print_key, NULL, &err);
		elog_store_close(s);
		return rc ? cli_fail(what, &err) : CLI_OK;
	}
	if ((strcmp(verb, "add") == 0 && argc == 2) ||
	    (strcmp(verb, "revoke") == 0 && argc == 1)) {
		if ((rc = cli_open(db, ELOG_STORE_REGISTRY, &s)))
			return rc;
		if (argc == 2)
			rc = elog_keyring_add(s, ring, argv[0], argv[1], &err);
		else
			rc = elog_keyring_revoke(s, ring, argv[0], &err);
		elog_store_close(s);
		if (rc)
			return cli_fail(what, &err);
		printf("%s %s\n", argc == 2 ? "added" : "revoked", argv[0]);
		return CLI_OK;
	}
	return cli_usage(what, 1);
}

int cmd_authority(int argc, char **argv)
{
	return keyring_cmd(ELOG_KEYRING_AUTHORITY, "authority", argc, argv);
}

/* envelog witness keygen NAME --out FILE: a cosignature/v1 key. */
static int witness_keygen(int argc, char **argv)
{
	const char *out = NULL;
	int first, rc;
	const cli_opt opts[] = {
		{.name = "out", .value = &out},
		{.name = NULL},
	};
	if ((rc = cli_options(argc, argv, opts, "witness keygen", &first)) >= 0)
		return rc;
	if (argc - first != 1 || !out)
		return cli_usage("witness keygen", 1);
	return cli_keygen("witness keygen", argv[first],
			  ELOG_ALG_COSIGNATURE_V1, out);
}

int cmd_witness(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return witness_keygen(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return cmd_witness_serve(argc - 1, argv + 1);
	return keyring_cmd(ELOG_KEYRING_WITNESS, "witness", argc, argv);
}
