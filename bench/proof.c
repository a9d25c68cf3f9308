/*
 * proof — inclusion proofs per second over HTTP on a large log, next to the
 * cheapest endpoints and to the proofs the library makes in-process.
 *
 *   proof [-n N] [--seconds S] [--repeat R] [--connections C]
 *         [--wrk-threads T] [--calls K]
 *
 * A log of N entries (default 1 000 000) made by tests/tools/mklog is
 * served by envelogd (default flags).  Then:
 *
 *   library    elog_store_prove_inclusion in a loop on one reader, random
 *              size in [1, N] and index in [0, size): K calls per variant
 *              (default 100 000) in 5 interleaved slices; the median slice
 *              rate.  Variants: the bare proof (which runs in one read
 *              transaction of its own); with elog_store_size first; that
 *              with the reader mapped (PRAGMA mmap_size = 1 GiB), which is
 *              what envelogd's proof handler does on its mapped readers;
 *              and two that envelogd does not do: size and proof in one
 *              read transaction, unmapped and mapped.
 *   HTTP       wrk (T threads, C keep-alive connections, S seconds) on
 *              GET /healthz, GET /v1/checkpoint and
 *              GET /v1/proof/inclusion?index=I&size=N (random, as above),
 *              interleaved, R rounds (default 3); the median rate.
 *
 * One proof fetched with libcurl is compared with the library's.  Prints
 * figures; never fails on timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "harness.h"
#include "merkle.h"
#include "store.h"
#include "store_db.h"

#define MAX_ROUNDS 9
#define SLICES 5
#define NVARIANTS 5

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static const char path_lua[] =
	"request = function()\n"
	"  return wrk.format(\"GET\", \"%s\")\n"
	"end\n";

/* The in-process variants, measured in interleaved slices. */
struct variant {
	const char *name;
	int with_size; /* elog_store_size first, as the handler does */
	int txn;       /* elog_store_size and the proof inside one explicit
			  read transaction (BEGIN … COMMIT on the store's
			  connection); the proof alone always runs in one */
	int mmap;      /* PRAGMA mmap_size = 1 GiB on the connection */
	double rate[SLICES];
};

/* k random proofs with variant v; returns proofs/s. */
static double library_slice(elog_store *s, uint64_t n, uint64_t k,
			    const struct variant *v)
{
	sqlite3 *db = elog_store_db(s);
	elog_hash proof[ELOG_MAX_PROOF];
	elog_err_t err;
	double t;

	h_exec(db, v->mmap ? "PRAGMA mmap_size = 1073741824"
			   : "PRAGMA mmap_size = 0");
	t = h_now();
	for (uint64_t i = 0; i < k; i++) {
		uint64_t size = 1 + h_rand(&rng) % n;
		uint64_t index = h_rand(&rng) % size, cur;
		size_t len;
		if (v->txn)
			h_exec(db, "BEGIN");
		if (v->with_size && elog_store_size(s, &cur, &err))
			h_die("size: %s", err.msg);
		if (elog_store_prove_inclusion(s, index, size, proof, &len,
					       &err))
			h_die("prove: %s", err.msg);
		if (v->txn)
			h_exec(db, "COMMIT");
	}
	return (double)k / (h_now() - t);
}

/* Fetch one proof over HTTP and compare it with the library's. */
static int same_proof(const h_server *srv, elog_store *s, uint64_t n)
{
	uint64_t size = n - n / 3, index = n / 7;
	elog_hash proof[ELOG_MAX_PROOF];
	char url[256], b64[ELOG_HASH_B64_LEN], *body = NULL;
	elog_err_t err;
	size_t len;
	json_t *v, *a;
	int ok = 0;

	snprintf(url, sizeof url, "%s/v1/proof/inclusion?index=%llu&size=%llu",
		 srv->url, (unsigned long long)index,
		 (unsigned long long)size);
	if (h_get(url, &body) != 200 || !body ||
	    elog_store_prove_inclusion(s, index, size, proof, &len, &err)) {
		free(body);
		return 0;
	}
	v = json_loads(body, 0, NULL);
	a = json_object_get(v, "proof");
	if (json_is_array(a) && json_array_size(a) == len) {
		ok = 1;
		for (size_t i = 0; i < len; i++) {
			elog_hash_to_b64(&proof[i], b64);
			if (!json_is_string(json_array_get(a, i)) ||
			    strcmp(json_string_value(json_array_get(a, i)),
				   b64) != 0)
				ok = 0;
		}
	}
	json_decref(v);
	free(body);
	return ok;
}

static void usage(void)
{
	fprintf(stderr, "usage: proof [-n N] [--seconds S] [--repeat R] "
			"[--connections C]\n"
			"             [--wrk-threads T] [--calls K]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, secs = 5, rounds = 3, conns = 16,
			   wthreads = 2, calls = 100000;
	const char *names[3] = {"GET /healthz", "GET /v1/checkpoint",
				"GET /v1/proof/inclusion (random)"};
	struct variant variants[] = {
		{"elog_store_prove_inclusion", 0, 0, 0, {0}},
		{"elog_store_size + prove_inclusion", 1, 0, 0, {0}},
		{"  + PRAGMA mmap_size = 1 GiB (the handler)", 1, 0, 1, {0}},
		{"  + size and proof in one read transaction", 1, 1, 0, {0}},
		{"  + both", 1, 1, 1, {0}},
	};
	double rates[3][MAX_ROUNDS], lib_size = 0;
	h_wrk w[3][MAX_ROUNDS], best;
	char dir[1024], db[2048], script[2048];
	elog_store *s = NULL;
	elog_err_t err;
	h_server srv;
	uint64_t total_err = 0;
	long hwm;

	h_prog = "proof";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long *dst;
		unsigned long long max = 1000000000ULL;
		if (!strcmp(a, "-n"))
			dst = &n;
		else if (!strcmp(a, "--seconds"))
			dst = &secs, max = 3600;
		else if (!strcmp(a, "--repeat"))
			dst = &rounds, max = MAX_ROUNDS;
		else if (!strcmp(a, "--connections"))
			dst = &conns, max = 10000;
		else if (!strcmp(a, "--wrk-threads"))
			dst = &wthreads, max = 64;
		else if (!strcmp(a, "--calls"))
			dst = &calls, max = 1000000000ULL;
		else
			usage();
		if (!v || h_count(v, max, dst))
			usage();
		i++;
	}
	if (calls < SLICES)
		calls = SLICES;

	h_begin(dir, sizeof dir);
	h_log(dir, n, db, sizeof db);

	if (elog_store_open(db, ELOG_STORE_READ, ELOG_SYNC_FULL, &s, &err))
		h_die("open %s: %s", db, err.msg);
	printf("\nin-process, one reader connection, %llu random proofs per variant "
	       "in %d interleaved slices (median slice):\n", calls, SLICES);
	for (int sl = 0; sl < SLICES; sl++)
		for (size_t v = 0; v < NVARIANTS; v++)
			variants[v].rate[sl] =
				library_slice(s, n, calls / SLICES, &variants[v]);
	for (size_t v = 0; v < NVARIANTS; v++) {
		double r = h_quantile(variants[v].rate, SLICES, 0.5);
		if (v == 2)
			lib_size = r;
		if (v == 1)
			printf("  the handler's loop on this program's connection: "
			       "envelogd maps its readers; it does not read size "
			       "and proof in one transaction:\n");
		printf("  %-46s %8.0f proofs/s  (%.1f us each)\n",
		       variants[v].name, r, 1e6 / r);
	}
	h_exec(elog_store_db(s), "PRAGMA mmap_size = 0");
	fflush(stdout);

	h_server_start(&srv, dir, db, NULL);
	if (!same_proof(&srv, s, n))
		h_die("the server's proof differs from the library's");
	printf("\nHTTP: envelogd (default flags, %ld threads), wrk -t%llu "
	       "-c%llu -d%llus, %llu rounds interleaved (median rate):\n",
	       sysconf(_SC_NPROCESSORS_ONLN), wthreads, conns, secs, rounds);
	fflush(stdout);
	for (unsigned long long r = 0; r < rounds; r++) {
		for (int k = 0; k < 3; k++) {
			if (k == 2)
				h_proof_script(script, sizeof script, n, 0);
			else
				snprintf(script, sizeof script, path_lua,
					 k == 0 ? "/healthz" : "/v1/checkpoint");
			h_wrk_run(dir, k == 0 ? "healthz" : k == 1 ? "checkpoint"
								    : "proof",
				  script, srv.url, (int)wthreads, (int)conns,
				  (int)secs, &w[k][r]);
			rates[k][r] = w[k][r].rps;
			total_err += h_wrk_errors(&w[k][r]);
		}
	}
	for (int k = 0; k < 3; k++) {
		double med;
		unsigned long long i, pick = 0;
		med = h_quantile(rates[k], rounds, 0.5);
		for (i = 0; i < rounds; i++)
			if (w[k][i].rps == med)
				pick = i;
		best = w[k][pick];
		h_wrk_print(names[k], &best);
		if (rounds > 1) {
			printf("  %-34s rounds:", "");
			for (i = 0; i < rounds; i++)
				printf(" %.0f", w[k][i].rps);
			printf(" req/s\n");
		}
	}
	hwm = h_status_kb(srv.pid, "VmHWM");
	printf("  envelogd peak RSS (VmHWM) %ld kB; errors over all runs: "
	       "%llu\n",
	       hwm, (unsigned long long)total_err);
	{
		double proof_med = h_quantile(rates[2], rounds, 0.5),
		       health_med = h_quantile(rates[0], rounds, 0.5);
		printf("\n  proofs over HTTP / /healthz over HTTP = %.2f;  "
		       "proofs over HTTP / in-process proofs (1 thread) = "
		       "%.2f\n",
		       proof_med / health_med, proof_med / lib_size);
	}
	printf("  envelogd exit status after SIGTERM: %d\n",
	       h_server_stop(&srv));
	elog_store_close(s);
	h_end(dir);
	return 0;
}
