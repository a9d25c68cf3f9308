/*
 * load — readers and writers at once: wrk on the proof and checkpoint
 * endpoints while ingest runs, then the log must still verify.
 *
 *   load [-n N] [--seconds S] [--connections C] [--clients K]
 *        [--batch B]
 *
 * A log of N entries (default 1 000 000) made by tests/tools/mklog is
 * served by envelogd (default flags: --sync full).  For S seconds
 * (default 60) wrk (2 threads, C keep-alive connections, default 16)
 * alternates GET /v1/proof/inclusion (random index and size within the
 * first N) and GET /v1/checkpoint, while K ingest clients (default 2,
 * libcurl) post batches of B events (default 1000) one after another.
 * Reported: wrk's requests/s, latency percentiles and errors (there must
 * be none), ingest events/s and errors, envelogd's peak RSS (VmHWM), its
 * exit status after SIGTERM, then `envelog verify` of the database and how
 * long it took.  Exits 1 if there were errors or verify failed; never
 * fails on timing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"
#include "rfc3339.h"

#define POOL 32

struct ingest {
	const char *url;
	struct curl_slist *hdrs;
	char *body[POOL];
	size_t len[POOL], per_body;
	atomic_int stop;
	atomic_size_t events, posts, errors, next;
	double *lat;     /* per post, up to cap */
	size_t cap;
};

static size_t sink(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static void *client(void *arg)
{
	struct ingest *in = arg;
	CURL *c = h_post_handle(in->url, in->hdrs, 60L, sink, NULL);

	while (!atomic_load(&in->stop)) {
		size_t k = atomic_fetch_add(&in->next, 1);
		double t;
		long status = h_post(c, in->body[k % POOL], in->len[k % POOL],
				     &t);
		if (status == 201) {
			size_t p = atomic_fetch_add(&in->posts, 1);
			if (p < in->cap)
				in->lat[p] = t;
			atomic_fetch_add(&in->events, in->per_body);
		} else if (atomic_fetch_add(&in->errors, 1) < 5) {
			fprintf(stderr, "load: ingest answered %ld\n", status);
		}
	}
	curl_easy_cleanup(c);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: load [-n N] [--seconds S] [--connections C] "
			"[--clients K] [--batch B]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, secs = 60, conns = 16, clients = 2,
			   batch = 1000;
	char dir[1024], db[2048], envelog[1024], token[256];
	char url[160], script[2048], out[4096];
	struct ingest in;
	pthread_t th[32];
	h_server srv;
	h_wrk w;
	double t0, t1, vt;
	long hwm, rss;
	int vrc, src, failed = 0;
	size_t posts;

	h_prog = "load";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long *dst, max = 100000000ULL;
		if (!strcmp(a, "-n"))
			dst = &n;
		else if (!strcmp(a, "--seconds"))
			dst = &secs, max = 3600;
		else if (!strcmp(a, "--connections"))
			dst = &conns, max = 1000;
		else if (!strcmp(a, "--clients"))
			dst = &clients, max = 32;
		else if (!strcmp(a, "--batch"))
			dst = &batch, max = 10000;
		else
			usage();
		if (!v || h_count(v, max, dst))
			usage();
		i++;
	}
	h_begin(dir, sizeof dir);
	h_log(dir, n, db, sizeof db);
	snprintf(envelog, sizeof envelog, "%s/envelog", h_build_dir());
	{
		char *tok[] = {envelog, "token", "add", "--db", db, "--role",
			       "ingest", NULL};
		if (h_run(tok, NULL, token, sizeof token, "/dev/null") != 0)
			h_die("envelog token add failed");
	}
	memset(&in, 0, sizeof in);
	in.per_body = (size_t)batch;
	{
		int64_t ts = elog_now_ms() - 3600000;
		for (size_t k = 0; k < POOL; k++) {
			size_t cap = (size_t)batch * 160 + 8, len = 0;
			char *p = h_calloc(cap, 1);
			p[len++] = '[';
			for (size_t i = 0; i < batch; i++) {
				int m = snprintf(p + len, cap - len,
						 "%s{\"ts\":%lld,\"sender\":"
						 "\"+4479%07zu\",\"recipient\":"
						 "\"+4478%07zu\",\"type\":"
						 "\"message\",\"size\":%zu}",
						 i ? "," : "", (long long)ts,
						 (k * 7919 + i) % 1000000,
						 (k * 104729 + i * 13) % 1000000,
						 i * 31 % 100000);
				if (m < 0 || (size_t)m >= cap - len - 1)
					h_die("body buffer too small");
				len += (size_t)m;
			}
			p[len++] = ']';
			in.body[k] = p;
			in.len[k] = len;
		}
	}
	in.cap = 1000000;
	in.lat = h_calloc(in.cap, sizeof *in.lat);
	in.hdrs = h_auth_headers(token, sizeof token, "application/json");

	h_server_start(&srv, dir, db, NULL);
	snprintf(url, sizeof url, "%s/v1/events", srv.url);
	in.url = url;
	printf("\nenvelogd (default flags: --sync full) on a log of %llu "
	       "entries, %llu s: wrk -t2 -c%llu alternating GET "
	       "/v1/proof/inclusion (random) and GET /v1/checkpoint, while "
	       "%llu ingest clients post batches of %llu\n",
	       n, secs, conns, clients, batch);
	fflush(stdout);
	t0 = h_now();
	for (size_t i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, client, &in) != 0)
			h_die("pthread_create");
	h_proof_script(script, sizeof script, n, 1);
	h_wrk_run(dir, "mixed", script, srv.url, 2, (int)conns, (int)secs, &w);
	atomic_store(&in.stop, 1);
	for (size_t i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	t1 = h_now();
	hwm = h_status_kb(srv.pid, "VmHWM");
	rss = h_status_kb(srv.pid, "VmRSS");
	h_wrk_print("proof + checkpoint (wrk)", &w);
	posts = atomic_load(&in.posts);
	if (posts > in.cap)
		posts = in.cap;
	printf("  %-34s %8.0f events/s (%zu events in %zu posts, %.1f s)  "
	       "latency p50 %.1f ms  p99 %.1f ms   errors %zu\n",
	       "ingest (POST /v1/events)",
	       (double)atomic_load(&in.events) / (t1 - t0),
	       atomic_load(&in.events), atomic_load(&in.posts), t1 - t0,
	       h_quantile(in.lat, posts, 0.5) * 1e3,
	       h_quantile(in.lat, posts, 0.99) * 1e3, atomic_load(&in.errors));
	printf("  envelogd peak RSS (VmHWM) %ld kB, RSS at the end %ld kB\n",
	       hwm, rss);
	src = h_server_stop(&srv);
	printf("  envelogd exit status after SIGTERM: %d\n", src);
	fflush(stdout);
	{
		char *verify[] = {envelog, "verify", "--db", db, NULL};
		vt = h_now();
		vrc = h_run(verify, NULL, out, sizeof out, "/dev/null");
		vt = h_now() - vt;
		printf("  envelog verify: exit %d in %.1f s: %s\n", vrc, vt,
		       out);
	}
	if (h_wrk_errors(&w) || atomic_load(&in.errors) || vrc != 0 ||
	    src != 0) {
		printf("  FAILED: errors under load, or the log does not "
		       "verify\n");
		failed = 1;
	}
	for (size_t k = 0; k < POOL; k++)
		free(in.body[k]);
	free(in.lat);
	curl_slist_free_all(in.hdrs);
	h_end(dir);
	return failed;
}
