/* bundle.c — envelog bundle verify: check a disclosure bundle, or a bundle
 * set of a root log's shards, offline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundleset.h"
#include "cli.h"
#include "param.h"
#include "request.h"

#define MAX_WITNESSES 16

/* The exit status for a failed check (rc < 0, err says why): a bad
 * --warrant or I/O is a usage or I/O error; anything else is a bundle or
 * set that does not verify, shown escaped (its names are the server's
 * text). */
static int refused(int rc, const elog_err_t *err)
{
	char msg[4 * sizeof err->msg];

	if (rc == -ELOG_MALFORMED_WARRANT || rc == -ELOG_MALFORMED_NOTE)
		return cli_fail("bundle verify: --warrant", err);
	if (rc == -ELOG_IO || rc == -ELOG_NOMEM)
		return cli_fail("bundle verify", err);
	printf("INVALID: %s\n",
	       cli_clean(msg, sizeof msg, err->msg, strlen(err->msg), 0));
	return CLI_BAD;
}

/* A bundle set (bundleset.h), vk the root's key, with the signed warrant
 * w (may be NULL) for the over-disclosure check; an exit status. */
static int verify_set(const char *buf, size_t len, const elog_verifier *vk,
		      const char *w, size_t wlen, int witness_options)
{
	elog_bundle_set_report rep;
	elog_err_t err;
	int rc;

	if (witness_options) {
		fprintf(stderr, "envelog: bundle verify: a bundle set is "
				"checked with --vkey ROOT_VKEY (and "
				"--warrant), without witnesses\n");
		return CLI_USAGE;
	}
	elog_err_clear(&err);
	rc = elog_bundle_set_verify(buf, len, vk, &rep, &err);
	if (rc == 0 && w) {
		elog_bundle_set_report wrep;
		rc = elog_bundle_set_check_warrant(buf, len, w, wlen, &wrep,
						   &err);
	}
	if (rc)
		return refused(rc, &err);
	printf("ok: bundle set of %zu shards under root checkpoint size %llu, "
	       "%llu records\n",
	       rep.shards, (unsigned long long)rep.root_size,
	       (unsigned long long)rep.records);
	return CLI_OK;
}

int cmd_bundle(int argc, char **argv)
{
	const char *vkey = NULL, *minw_s = NULL, *warrant = NULL, *verb, *file;
	const char *wtext[MAX_WITNESSES];
	elog_verifier vk, wits[MAX_WITNESSES];
	size_t nw = 0;
	uint64_t minw = 0;
	elog_bundle_report rep;
	elog_err_t err;
	char *buf = NULL, *wbuf = NULL, **args;
	char au[4 * sizeof rep.authority], wi[4 * sizeof rep.warrant_id];
	size_t len = 0, wlen = 0;
	int nargs, rc;
	const cli_opt opts[] = {
		{.name = "vkey", .value = &vkey},
		{.name = "witness",
		 .list = wtext,
		 .count = &nw,
		 .max = MAX_WITNESSES},
		{.name = "min-witnesses", .value = &minw_s},
		{.name = "warrant", .value = &warrant},
		{.name = NULL},
	};

	elog_err_clear(&err);
	if ((rc = cli_verb_options(argc, argv, opts, "bundle", &verb, &nargs,
				   &args)) >= 0)
		return rc;
	if (strcmp(verb, "verify") != 0 || !vkey || nargs != 1 ||
	    (minw_s && elog_param_uint(minw_s, MAX_WITNESSES, &minw)))
		return cli_usage("bundle", 1);
	for (size_t i = 0; i < nw; i++)
		if (elog_verifier_parse(wtext[i], &wits[i], &err))
			return cli_fail("bundle verify: --witness", &err);
	file = args[0];
	if (elog_verifier_parse(vkey, &vk, &err))
		return cli_fail("bundle verify: --vkey", &err);
	if (warrant &&
	    cli_read_file(warrant, ELOG_NOTE_MAX, &wbuf, &wlen, &err))
		return cli_fail("bundle verify: --warrant", &err);
	if (cli_read_file(file, 1u << 30, &buf, &len, &err)) {
		free(wbuf);
		return cli_fail("bundle verify", &err);
	}
	if (elog_bundle_is_set(buf, len)) {
		rc = verify_set(buf, len, &vk, wbuf, wlen, nw > 0 || minw_s);
		free(wbuf);
		free(buf);
		return rc;
	}
	rc = elog_bundle_verify(buf, len, &vk, wits, nw, (size_t)minw, &rep,
				&err);
	if (rc == 0 && wbuf)
		rc = elog_bundle_check_warrant(buf, len, wbuf, wlen, &err);
	free(buf);
	free(wbuf);
	if (rc)
		return refused(rc, &err);
	/* The bundle's names are the server's text: shown escaped. */
	printf("ok: disclosure seq %llu for %s warrant %s, %llu records, "
	       "checkpoint size %llu",
	       (unsigned long long)rep.seq,
	       cli_clean(au, sizeof au, rep.authority, strlen(rep.authority),
			 0),
	       cli_clean(wi, sizeof wi, rep.warrant_id, strlen(rep.warrant_id),
			 0),
	       (unsigned long long)rep.records, (unsigned long long)rep.size);
	if (minw > 0)
		printf(", %zu witness cosignatures", rep.witnesses);
	printf("\n");
	return CLI_OK;
}
