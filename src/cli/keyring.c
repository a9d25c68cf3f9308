/* keyring.c — envelog authority|witness add|list|revoke. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "keyring.h"

static const char authority_usage[] =
	"usage: envelog authority add NAME VKEY [--db FILE]\n"
	"       envelog authority list [--db FILE]\n"
	"       envelog authority revoke NAME [--db FILE]\n"
	"\n"
	"Authorities sign warrants.  VKEY is the authority's signed-note\n"
	"verifier key text (NAME+KEYID+BASE64); its name must be NAME.\n";

static const char witness_usage[] =
	"usage: envelog witness add NAME VKEY [--db FILE]\n"
	"       envelog witness list [--db FILE]\n"
	"       envelog witness revoke NAME [--db FILE]\n"
	"       envelog witness keygen NAME --out FILE\n"
	"       envelog witness serve --key FILE --state FILE --log VKEY...\n"
	"\n"
	"Witnesses cosign checkpoints (C2SP tlog-cosignature).  VKEY is the\n"
	"witness's verifier key text; its name must be NAME.  keygen writes\n"
	"a witness signer key (cosignature/v1, algorithm byte 0x04; mode\n"
	"0600) for `envelog audit --cosign` and prints its verifier key.\n"
	"serve runs a C2SP tlog-witness (see `envelog witness serve --help`).\n";

static int print_key(void *ctx, const elog_named_key *k)
{
	(void)ctx;
	printf("%s\t%s\t%s\n", k->name, k->vkey, k->revoked ? "revoked" : "live");
	return 0;
}

static int keyring_cmd(int ring, const char *what, const char *usage,
		       int argc, char **argv)
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
	if ((rc = cli_verb_options(argc, argv, opts, usage, &verb, &argc,
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
		if ((rc = cli_open(db, ELOG_STORE_WRITE, &s)))
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
	return cli_usage(usage, 1);
}

int cmd_authority(int argc, char **argv)
{
	return keyring_cmd(ELOG_KEYRING_AUTHORITY, "authority",
			   authority_usage, argc, argv);
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
	if ((rc = cli_options(argc, argv, opts, witness_usage, &first)) >= 0)
		return rc;
	if (argc - first != 1 || !out)
		return cli_usage(witness_usage, 1);
	return cli_keygen("witness keygen", argv[first],
			  ELOG_ALG_COSIGNATURE_V1, out);
}

int cmd_witness(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return witness_keygen(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return cmd_witness_serve(argc - 1, argv + 1);
	return keyring_cmd(ELOG_KEYRING_WITNESS, "witness", witness_usage,
			   argc, argv);
}
