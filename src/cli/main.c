/* main.c — envelog: the operator's and auditor's command line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"init", cmd_init},	      {"token", cmd_token},
	{"authority", cmd_authority}, {"witness", cmd_witness},
	{"warrant", cmd_warrant},     {"verify", cmd_verify},
	{"bundle", cmd_bundle},	      {"audit", cmd_audit},
	{"purge", cmd_purge},	      {"tiles", cmd_tiles},
	{"copy", cmd_copy},	      {"request", cmd_request},
};

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(NULL, 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return cli_usage(NULL, 0);
	if (strcmp(argv[1], "--version") == 0) {
		elog_print_version(stdout, "envelog");
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "envelog: unknown command '%s'\n", argv[1]);
	return cli_usage(NULL, 1);
}
