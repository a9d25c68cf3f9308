/* bundle.c — envelog bundle verify: check a disclosure bundle offline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "request.h"

static const char usage[] =
	"usage: envelog bundle verify --vkey VKEY [--witness VKEY]...\n"
	"                             [--min-witnesses N] FILE\n"
	"\n"
	"Check a disclosure bundle offline (FILE or - for stdin): the\n"
	"checkpoint's signature by the log key VKEY (verifier key text),\n"
	"every record's and the disclosure's inclusion proof, and that the\n"
	"disclosure's records and records_root match the records.  With\n"
	"--min-witnesses N, at least N cosignatures by the given witnesses.\n"
	"Exit 0 valid, 1 invalid, 2 usage or I/O error.\n";

#define MAX_WITNESSES 16

int cmd_bundle(int argc, char **argv)
{
	static const struct option opts[] = {
		{"vkey", required_argument, NULL, 'v'},
		{"witness", required_argument, NULL, 'w'},
		{"min-witnesses", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *vkey = NULL, *file;
	elog_verifier vk, wits[MAX_WITNESSES];
	size_t nw = 0;
	unsigned long long minw = 0;
	elog_bundle_report rep;
	elog_err_t err;
	char *buf = NULL;
	size_t len = 0;
	int c, rc;

	elog_err_clear(&err);
	if (argc < 2)
		return cli_usage(usage, 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cli_usage(usage, 0);
	if (strcmp(argv[1], "verify") != 0)
		return cli_usage(usage, 1);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v': vkey = optarg; break;
		case 'w':
			if (nw == MAX_WITNESSES ||
			    elog_verifier_parse(optarg, &wits[nw], &err))
				return cli_fail("bundle verify: --witness",
						&err);
			nw++;
			break;
		case 'm':
			if (cli_parse_u64(optarg, &minw) || minw > MAX_WITNESSES)
				return cli_usage(usage, 1);
			break;
		case 'h': return cli_usage(usage, 0);
		default: return cli_usage(usage, 1);
		}
	}
	if (!vkey || optind + 1 != argc - 1)
		return cli_usage(usage, 1);
	file = argv[1 + optind];
	if (elog_verifier_parse(vkey, &vk, &err))
		return cli_fail("bundle verify: --vkey", &err);
	if (cli_read_file(file, 1u << 30, &buf, &len, &err))
		return cli_fail("bundle verify", &err);
	rc = elog_bundle_verify(buf, len, &vk, wits, nw, (size_t)minw, &rep,
				&err);
	free(buf);
	if (rc == -ELOG_IO || rc == -ELOG_NOMEM)
		return cli_fail("bundle verify", &err);
	if (rc) {
		printf("INVALID: %s\n", err.msg);
		return CLI_BAD;
	}
	printf("ok: disclosure seq %llu for %s warrant %s, %llu records, "
	       "checkpoint size %llu",
	       (unsigned long long)rep.seq, rep.authority, rep.warrant_id,
	       (unsigned long long)rep.records, (unsigned long long)rep.size);
	if (minw > 0)
		printf(", %zu witness cosignatures", rep.witnesses);
	printf("\n");
	return CLI_OK;
}
