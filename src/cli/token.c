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

int cmd_token(int argc, char **argv)
{
	const char *db = CLI_DEFAULT_DB, *role = NULL, *authority = NULL,
		   *label = NULL, *verb;
	elog_store *s = NULL;
	elog_err_t err;
	int rc;
	const cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = "role", .value = &role},
		{.name = "authority", .value = &authority},
		{.name = "label", .value = &label},
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
		if ((rc = cli_open(db, ELOG_STORE_REGISTRY, &s)))
			return rc;
		rc = elog_token_add(s, r, authority, label, text, &id, &err);
		elog_store_close(s);
		if (rc)
			return cli_fail("token add", &err);
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
