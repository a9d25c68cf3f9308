/* warrant.c — envelog warrant keygen|sign, for authorities and tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "warrant.h"

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
		fprintf(stderr,
			"envelog: warrant sign: the warrant names "
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
	const char *out = NULL, *key = NULL, *verb;
	char **args;
	int nargs, rc;
	const cli_opt opts[] = {
		{.name = "out", .value = &out},
		{.name = "key", .value = &key},
		{.name = NULL},
	};

	if ((rc = cli_verb_options(argc, argv, opts, "warrant", &verb, &nargs,
				   &args)) >= 0)
		return rc;
	if (strcmp(verb, "keygen") == 0 && nargs == 1 && out)
		return cli_keygen("warrant keygen", args[0], ELOG_ALG_ED25519,
				  out);
	if (strcmp(verb, "sign") == 0 && nargs == 0 && key)
		return sign(key);
	return cli_usage("warrant", 1);
}
