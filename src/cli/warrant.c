/* warrant.c — envelog warrant keygen|sign, for authorities and tests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "warrant.h"

static const char usage[] =
	"usage: envelog warrant keygen NAME --out FILE\n"
	"       envelog warrant sign --key FILE < WARRANT > SIGNED\n"
	"\n"
	"keygen writes a signer key (PRIVATE+KEY+NAME+KEYID+BASE64, mode\n"
	"0600, as Go's note.GenerateKey) and prints its verifier key, which\n"
	"the log's operator registers with `envelog authority add`.\n"
	"sign reads a warrant body on stdin, checks its grammar, and prints\n"
	"the signed note.\n";

static int keygen(const char *name, const char *out)
{
	elog_signer s;
	elog_verifier v;
	elog_err_t err;
	char sk[ELOG_KEY_TEXT_MAX + 2], vk[ELOG_KEY_TEXT_MAX];
	int rc = CLI_USAGE;
	size_t n;

	elog_err_clear(&err);
	if (elog_signer_generate(name, &s, &err) ||
	    elog_signer_format(&s, sk, sizeof sk - 1, &err)) {
		rc = cli_fail("warrant keygen", &err);
		goto out;
	}
	n = strlen(sk);
	sk[n] = '\n';
	sk[n + 1] = '\0';
	elog_signer_public(&s, &v);
	if (elog_verifier_format(&v, vk, sizeof vk, &err) ||
	    cli_write_secret(out, sk, &err)) {
		rc = cli_fail("warrant keygen", &err);
		goto out;
	}
	printf("%s\n", vk);
	rc = CLI_OK;
out:
	elog_signer_wipe(&s);
	sodium_memzero(sk, sizeof sk);
	return rc;
}

static int sign(const char *keyfile)
{
	elog_signer s;
	elog_warrant w;
	elog_err_t err;
	char *text = NULL, *note = NULL;
	size_t len = 0, nlen = 0;
	int rc = CLI_USAGE;

	elog_err_clear(&err);
	memset(&w, 0, sizeof w);
	memset(&s, 0, sizeof s);
	if (cli_load_signer(keyfile, &s, &err)) {
		rc = cli_fail("warrant sign", &err);
		goto out;
	}
	if (cli_read_file("-", 64 * 1024, &text, &len, &err) ||
	    elog_warrant_parse(text, len, &w, &err)) {
		rc = cli_fail("warrant sign", &err);
		goto out;
	}
	if (strcmp(w.authority, s.name) != 0) {
		fprintf(stderr, "envelog: warrant sign: the warrant names "
				"authority %s but the key is %s's\n",
			w.authority, s.name);
		goto out;
	}
	if (elog_note_sign(text, len, &s, &note, &nlen, &err)) {
		rc = cli_fail("warrant sign", &err);
		goto out;
	}
	fwrite(note, 1, nlen, stdout);
	rc = CLI_OK;
out:
	elog_warrant_free(&w);
	elog_signer_wipe(&s);
	free(text);
	free(note);
	return rc;
}

int cmd_warrant(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"key", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *key = NULL, *verb;
	int c;

	if (argc < 2)
		return cli_usage(usage, 1);
	verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
		return cli_usage(usage, 0);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'k': key = optarg; break;
		case 'h': return cli_usage(usage, 0);
		default: return cli_usage(usage, 1);
		}
	}
	argc -= 1 + optind;
	argv += 1 + optind;
	if (strcmp(verb, "keygen") == 0 && argc == 1 && out)
		return keygen(argv[0], out);
	if (strcmp(verb, "sign") == 0 && argc == 0 && key)
		return sign(key);
	return cli_usage(usage, 1);
}
