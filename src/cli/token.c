/* token.c — envelog token add|list|revoke. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "param.h"
#include "token.h"

static int print_token(void *ctx, const elog_token_info *t)
{
	(void)ctx;
	printf("%lld\t%s\t%s\t%s\t%s\n", (long long)t->id,
	       elog_role_name(t->role), t->authority[0] ? t->authority : "-",
	       t->label[0] ? t->label : "-", t->revoked ? "revoked" : "live");
	return 0;
}

/*
 * One line of stdin into text (its newline removed); a line too long for
 * text is read whole and left for elog_token_import to refuse.  -1 if
 * stdin has no line.
 */
static int read_token(char text[ELOG_TOKEN_TEXT_MAX])
{
	size_t n;

	if (!fgets(text, ELOG_TOKEN_TEXT_MAX, stdin))
		return -1;
	n = strcspn(text, "\r\n");
	if (text[n] == '\0' && n == ELOG_TOKEN_TEXT_MAX - 1) {
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
		return 0; /* too long: refused as not a token */
	}
	text[n] = '\0';
	return 0;
}

int cmd_token(int argc, char **argv)
{
	const char *db = CLI_DEFAULT_DB, *role = NULL, *authority = NULL,
		   *label = NULL, *verb;
	elog_store *s = NULL;
	elog_err_t err;
	int rc, from_stdin = 0;
	const cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = "role", .value = &role},
		{.name = "authority", .value = &authority},
		{.name = "label", .value = &label},
		{.name = "stdin", .flag = &from_stdin},
		{.name = NULL},
	};

	elog_err_clear(&err);
	if ((rc = cli_verb_options(argc, argv, opts, "token", &verb, &argc,
				   &argv)) >= 0)
		return rc;
	if (strcmp(verb, "add") == 0 && argc == 0) {
		char text[ELOG_TOKEN_TEXT_MAX];
		int64_t id;
		int r = elog_role_from_name(role);
		if (r == ELOG_ROLE_NONE) {
			fprintf(stderr, "envelog: token add: --role must be "
					"ingest, auditor or authority\n");
			return CLI_USAGE;
		}
		if (from_stdin && read_token(text) != 0) {
			fprintf(stderr, "envelog: token add --stdin: no token "
					"line on stdin\n");
			return CLI_USAGE;
		}
		if ((rc = cli_open(db, ELOG_STORE_REGISTRY, &s))) {
			sodium_memzero(text, sizeof text);
			return rc;
		}
		if (from_stdin)
			rc = elog_token_import(s, r, authority, label, text,
					       &id, &err);
		else
			rc = elog_token_add(s, r, authority, label, text, &id,
					    &err);
		elog_store_close(s);
		if (rc) {
			sodium_memzero(text, sizeof text);
			return cli_fail("token add", &err);
		}
		if (from_stdin) {
			fprintf(stderr, "envelog: token %lld (%s) added\n",
				(long long)id, elog_role_name(r));
			sodium_memzero(text, sizeof text);
			return CLI_OK;
		}
		fprintf(stderr,
			"envelog: token %lld (%s) created; it is shown "
			"only now\n",
			(long long)id, elog_role_name(r));
		printf("%s\n", text);
		sodium_memzero(text, sizeof text);
		return CLI_OK;
	}
	if (strcmp(verb, "list") == 0 && argc == 0) {
		if ((rc = cli_open(db, ELOG_STORE_READ, &s)))
			return rc;
		rc = elog_token_list(s, print_token, NULL, &err);
		elog_store_close(s);
		return rc ? cli_fail("token list", &err) : CLI_OK;
	}
	if (strcmp(verb, "revoke") == 0 && argc == 1) {
		uint64_t id;
		if (elog_param_uint(argv[0], INT64_MAX, &id)) {
			fprintf(stderr, "envelog: token revoke: ID must be a "
					"number from `envelog token list`\n");
			return CLI_USAGE;
		}
		if ((rc = cli_open(db, ELOG_STORE_REGISTRY, &s)))
			return rc;
		rc = elog_token_revoke(s, (int64_t)id, &err);
		elog_store_close(s);
		if (rc)
			return cli_fail("token revoke", &err);
		printf("revoked %llu\n", (unsigned long long)id);
		return CLI_OK;
	}
	return cli_usage("token", 1);
}
