/* keyring.c — envelog authority|witness add|list|revoke. */
#include <getopt.h>
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
	"\n"
	"Witnesses cosign checkpoints (C2SP tlog-cosignature).  VKEY is the\n"
	"witness's verifier key text; its name must be NAME.  keygen writes\n"
	"a witness signer key (cosignature/v1, algorithm byte 0x04; mode\n"
	"0600) for `envelog audit --cosign` and prints its verifier key.\n";

static int print_key(void *ctx, const elog_named_key *k)
{
	(void)ctx;
	printf("%s\t%s\t%s\n", k->name, k->vkey, k->revoked ? "revoked" : "live");
	return 0;
}

static int keyring_cmd(int ring, const char *what, const char *usage,
		       int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = CLI_DEFAULT_DB, *verb;
	elog_store *s = NULL;
	elog_err_t err;
	int c, rc;

	elog_err_clear(&err);
	if (argc < 2)
		return cli_usage(usage, 1);
	verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
		return cli_usage(usage, 0);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h': return cli_usage(usage, 0);
		default: return cli_usage(usage, 1);
		}
	}
	argc -= 1 + optind;
	argv += 1 + optind;
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

/* envelog witness keygen NAME --out FILE: an Ed25519 key with the
 * cosignature/v1 algorithm byte, and its key id recomputed for it. */
static int witness_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	elog_signer s;
	elog_verifier v;
	elog_err_t err;
	char sk[ELOG_KEY_TEXT_MAX + 2], vk[ELOG_KEY_TEXT_MAX];
	int c, rc = CLI_USAGE;
	size_t n;

	elog_err_clear(&err);
	memset(&s, 0, sizeof s);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': return cli_usage(witness_usage, 0);
		default: return cli_usage(witness_usage, 1);
		}
	}
	if (argc - optind != 1 || !out)
		return cli_usage(witness_usage, 1);
	if (elog_signer_generate(argv[optind], &s, &err))
		goto fail;
	s.alg = ELOG_ALG_COSIGNATURE_V1;
	s.keyid = elog_key_id(s.name, s.alg, s.pk);
	if (elog_signer_format(&s, sk, sizeof sk - 1, &err))
		goto fail;
	n = strlen(sk);
	sk[n] = '\n';
	sk[n + 1] = '\0';
	elog_signer_public(&s, &v);
	if (elog_verifier_format(&v, vk, sizeof vk, &err) ||
	    cli_write_secret(out, sk, &err))
		goto fail;
	printf("%s\n", vk);
	rc = CLI_OK;
	goto out;
fail:
	rc = cli_fail("witness keygen", &err);
out:
	elog_signer_wipe(&s);
	sodium_memzero(sk, sizeof sk);
	return rc;
}

int cmd_witness(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return witness_keygen(argc - 1, argv + 1);
	return keyring_cmd(ELOG_KEYRING_WITNESS, "witness", witness_usage,
			   argc, argv);
}
