/* main.c — envelog: the operator's and auditor's command line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: envelog <command> [options]\n"
	"\n"
	"commands:\n"
	"  init [--db FILE] [--origin O]       create the database and log key\n"
	"  token add|list|revoke                manage bearer tokens\n"
	"  authority add|list|revoke            manage warrant-signing authorities\n"
	"  witness add|list|revoke|keygen|serve   cosigning witnesses\n"
	"  warrant keygen|sign                  make authority keys, sign warrants\n"
	"  verify [--db FILE]                   check the whole log offline\n"
	"  bundle verify --vkey VKEY FILE       check a disclosure bundle offline\n"
	"  audit --url URL --vkey VKEY --state FILE   monitor a running log\n"
	"  audit compare STATE_A STATE_B        are two auditors' views consistent?\n"
	"  purge --before DATE                  retention purge of old metadata\n"
	"  tiles export --out DIR               the log as static C2SP tlog-tiles\n"
	"\n"
	"Every command takes --help.  Exit status: 0 ok, 1 verification failed,\n"
	"2 usage or I/O error.\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"init", cmd_init},
	{"token", cmd_token},
	{"authority", cmd_authority},
	{"witness", cmd_witness},
	{"warrant", cmd_warrant},
	{"verify", cmd_verify},
	{"bundle", cmd_bundle},
	{"audit", cmd_audit},
	{"purge", cmd_purge},
	{"tiles", cmd_tiles},
};

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(usage, 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return cli_usage(usage, 0);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "envelog: unknown command '%s'\n", argv[1]);
	return cli_usage(usage, 1);
}
