/*
 * proofcheck — checks over what envelogd serves, for the crash test, using
 * libenvelog's own verifiers and frontier: it is not independent of the
 * library (a Merkle bug there is a bug here too).  The integration suites
 * use tests/tools/oracle.mjs, which shares no code with libenvelog.
 *
 *   proofcheck checkpoint VKEY FILE
 *       verify the signed checkpoint note in FILE with the verifier key text
 *       VKEY; print "SIZE ROOT" (root in base64).
 *   proofcheck inclusion INDEX SIZE LEAF ROOT [PROOF...]
 *   proofcheck consistency OLD NEW OLDROOT NEWROOT [PROOF...]
 *       verify an RFC 9162 proof (hashes in base64).
 *   proofcheck leaves
 *       read "LEAF_HASH CHAIN_HASH" lines for seq 0, 1, … on stdin;
 *       check every chain value and print the root over all leaf hashes.
 *
 * Exit status: 0 valid, 1 invalid, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "merkle.h"
#include "note.h"

static int num(const char *s, uint64_t *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

static int hashes(char **argv, int n, elog_hash *out)
{
	int i;

	if (n > ELOG_MAX_PROOF)
		return -1;
	for (i = 0; i < n; i++)
		if (elog_hash_from_b64(argv[i], &out[i]) != 0)
			return -1;
	return 0;
}

static int cmd_checkpoint(const char *vkey, const char *path)
{
	elog_verifier v;
	elog_checkpoint cp;
	elog_err_t err;
	char buf[8192], root[ELOG_HASH_B64_LEN];
	size_t len;
	FILE *f;

	elog_err_clear(&err);
	if (elog_verifier_parse(vkey, &v, &err)) {
		fprintf(stderr, "proofcheck: bad key: %s\n", err.msg);
		return 2;
	}
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 2;
	}
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (elog_checkpoint_open(buf, len, &v, &cp, &err)) {
		fprintf(stderr, "proofcheck: checkpoint: %s\n", err.msg);
		return 1;
	}
	elog_hash_to_b64(&cp.root, root);
	printf("%llu %s\n", (unsigned long long)cp.size, root);
	return 0;
}

static int cmd_inclusion(int argc, char **argv)
{
	elog_hash leaf, root, proof[ELOG_MAX_PROOF];
	uint64_t index, size;
	elog_err_t err;

	if (argc < 4 || num(argv[0], &index) || num(argv[1], &size) ||
	    elog_hash_from_b64(argv[2], &leaf) ||
	    elog_hash_from_b64(argv[3], &root) ||
	    hashes(argv + 4, argc - 4, proof))
		return 2;
	if (elog_verify_inclusion(index, size, &leaf, proof,
				  (size_t)(argc - 4), &root, &err)) {
		fprintf(stderr, "proofcheck: inclusion: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_consistency(int argc, char **argv)
{
	elog_hash r1, r2, proof[ELOG_MAX_PROOF];
	uint64_t m, n;
	elog_err_t err;

	if (argc < 4 || num(argv[0], &m) || num(argv[1], &n) ||
	    elog_hash_from_b64(argv[2], &r1) ||
	    elog_hash_from_b64(argv[3], &r2) ||
	    hashes(argv + 4, argc - 4, proof))
		return 2;
	if (elog_verify_consistency(m, n, &r1, &r2, proof, (size_t)(argc - 4),
				    &err)) {
		fprintf(stderr, "proofcheck: consistency: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_leaves(void)
{
	elog_frontier f;
	elog_hash prev = ELOG_ZERO_HASH, leaf, chain, want, root;
	elog_err_t err;
	char line[256], a[128], b[128], out[ELOG_HASH_B64_LEN];
	uint64_t seq = 0;

	elog_frontier_init(&f);
	while (fgets(line, sizeof line, stdin)) {
		if (sscanf(line, "%127s %127s", a, b) != 2 ||
		    elog_hash_from_b64(a, &leaf) ||
		    elog_hash_from_b64(b, &want)) {
			fprintf(stderr, "proofcheck: bad line %llu\n",
				(unsigned long long)seq);
			return 2;
		}
		elog_chain_hash(&prev, &leaf, &chain);
		if (memcmp(chain.b, want.b, ELOG_HASH_LEN) != 0) {
			fprintf(stderr, "proofcheck: chain breaks at seq %llu\n",
				(unsigned long long)seq);
			return 1;
		}
		prev = chain;
		if (elog_frontier_append(&f, &leaf, NULL, NULL, &err))
			return 2;
		seq++;
	}
	elog_frontier_root(&f, &root);
	elog_hash_to_b64(&root, out);
	printf("%llu %s\n", (unsigned long long)seq, out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "checkpoint"))
		return cmd_checkpoint(argv[2], argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "inclusion"))
		return cmd_inclusion(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "consistency"))
		return cmd_consistency(argc - 2, argv + 2);
	if (argc == 2 && !strcmp(argv[1], "leaves"))
		return cmd_leaves();
	fprintf(stderr, "usage: proofcheck checkpoint|inclusion|consistency|"
			"leaves …\n");
	return 2;
}
