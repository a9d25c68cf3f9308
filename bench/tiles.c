/*
 * tiles — C2SP tlog-tiles requests per second, from envelogd (/tlog/, read
 * from the database) and from nginx serving `envelog tiles export`'s
 * directory, next to envelogd's inclusion proofs.
 *
 *   tiles [-n N] [--seconds S] [--repeat R] [--connections C]
 *         [--wrk-threads T]
 *
 * A log of N entries (default 1 000 000) made by tests/tools/mklog is
 * exported (timed: the first export, then one after no growth) and served
 * by envelogd (default flags) and by nginx (Debian's, its own config and
 * prefix in the temporary directory, 2 workers, on a free port).  wrk (T
 * threads, C keep-alive connections, S seconds) then asks, interleaved, R
 * rounds (default 3), the median rate printed:
 *
 *   envelogd  GET /tlog/tile/0/<random full tile>        (8 KiB)
 *   envelogd  GET /tlog/tile/entries/<random full tile>
 *   nginx     the same two
 *   envelogd  GET /v1/proof/inclusion (random index and size)
 *
 * A client proving one leaf from tiles reads about log256(N) + 1 hash tiles
 * (most of them shared between leaves and cacheable), against one proof
 * request.  Prints figures; never fails on timing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MAX_ROUNDS 9
#define KINDS 5

static const char tile_lua[] =
	"local tiles = %llu\n"
	"local counter = 0\n"
	"function setup(thread)\n"
	"  counter = counter + 1\n"
	"  thread:set(\"tid\", counter)\n"
	"end\n"
	"function init(args)\n"
	"  math.randomseed(tid * 7919 + os.time())\n"
	"end\n"
	"local function tpath(k)\n"
	"  local s = string.format(\"%%03d\", k %% 1000)\n"
	"  k = math.floor(k / 1000)\n"
	"  while k > 0 do\n"
	"    s = string.format(\"x%%03d/\", k %% 1000) .. s\n"
	"    k = math.floor(k / 1000)\n"
	"  end\n"
	"  return s\n"
	"end\n"
	"request = function()\n"
	"  return wrk.format(\"GET\", \"%s\" .. tpath(math.random(0, tiles - 1)))\n"
	"end\n";

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: tiles [-n N] [--seconds S] [--repeat R] "
			"[--connections C] [--wrk-threads T]\n");
	exit(2);
}

/* Start nginx on a free port serving root (which holds tlog/); *pid, url. */
static pid_t nginx_start(const char *dir, const char *root, char *url,
			 size_t cap)
{
	char conf[1200], prefix[1100], probe[256];
	const char *bin = access("/usr/sbin/nginx", X_OK) == 0
				  ? "/usr/sbin/nginx"
				  : NULL;
	int port = h_free_port();
	pid_t pid;
	FILE *f;

	if (!bin)
		h_die("nginx is not installed (make deps)");
	snprintf(prefix, sizeof prefix, "%s/nginx", dir);
	if (mkdir(prefix, 0755) != 0 && errno != EEXIST)
		h_die("mkdir %s: %s", prefix, strerror(errno));
	snprintf(conf, sizeof conf, "%s/nginx.conf", prefix);
	if (!(f = fopen(conf, "w")))
		h_die("cannot write %s", conf);
	fprintf(f,
		"daemon off;\n"
		"worker_processes 2;\n"
		"pid %s/nginx.pid;\n"
		"error_log %s/error.log;\n"
		"%s"
		"events { worker_connections 1024; }\n"
		"http {\n"
		"  access_log off;\n"
		"  client_body_temp_path %s/body;\n"
		"  proxy_temp_path %s/proxy;\n"
		"  fastcgi_temp_path %s/fastcgi;\n"
		"  uwsgi_temp_path %s/uwsgi;\n"
		"  scgi_temp_path %s/scgi;\n"
		"  types { }\n"
		"  server {\n"
		"    listen 127.0.0.1:%d;\n"
		"    root %s;\n"
		"    location = /tlog/checkpoint {\n"
		"      default_type \"text/plain; charset=utf-8\";\n"
		"      add_header Cache-Control \"public, max-age=5\";\n"
		"    }\n"
		"    location /tlog/tile/ {\n"
		"      default_type application/octet-stream;\n"
		"      add_header Cache-Control \"public, max-age=31536000, "
		"immutable\";\n"
		"      location ~ \\.p/[0-9]+$ {\n"
		"        add_header Cache-Control \"public, max-age=5\";\n"
		"      }\n"
		"    }\n"
		"  }\n"
		"}\n",
		prefix, prefix,
		getuid() == 0 ? "user nobody nogroup;\n" : "", prefix, prefix,
		prefix, prefix, prefix, port, root);
	fclose(f);
	chmod(dir, 0711); /* nginx's workers may run as another user */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		h_die("fork: %s", strerror(errno));
	if (pid == 0) {
		execl(bin, bin, "-p", prefix, "-c", conf, (char *)NULL);
		_exit(127);
	}
	snprintf(url, cap, "http://127.0.0.1:%d", port);
	snprintf(probe, sizeof probe, "%s/tlog/checkpoint", url);
	for (int i = 0; i < 200; i++) {
		if (h_get(probe, NULL) == 200)
			return pid;
		usleep(25000);
	}
	h_die("nginx did not answer; see %s/error.log", prefix);
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, secs = 5, rounds = 3, conns = 16,
			   wthreads = 2;
	static const char *const names[KINDS] = {
		"envelogd GET /tlog/tile/0/N (random)",
		"envelogd GET /tlog/tile/entries/N",
		"nginx    GET /tlog/tile/0/N (random)",
		"nginx    GET /tlog/tile/entries/N",
		"envelogd GET /v1/proof/inclusion",
	};
	double rates[KINDS][MAX_ROUNDS];
	h_wrk w[KINDS][MAX_ROUNDS];
	char dir[1024], db[2048], www[1100], out[1200], script[4096],
		nurl[128], msg[256];
	const char *exp_argv[8];
	unsigned long long tiles;
	uint64_t total_err = 0;
	h_server srv;
	pid_t ngx;
	double t;
	int st;

	h_prog = "tiles";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long *dst, max = 1000000000ULL;
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
		else
			usage();
		if (!v || h_count(v, max, dst))
			usage();
		i++;
	}
	if (n < 256)
		h_die("-n must be at least 256 (one full tile)");
	tiles = n / 256;

	h_begin(dir, sizeof dir);
	h_log(dir, n, db, sizeof db);
	snprintf(www, sizeof www, "%s/www", dir);
	if (mkdir(www, 0755) != 0)
		h_die("mkdir %s: %s", www, strerror(errno));
	snprintf(out, sizeof out, "%s/tlog", www);
	{
		char envelog[1024];
		snprintf(envelog, sizeof envelog, "%s/envelog",
			 h_build_dir());
		exp_argv[0] = envelog;
		exp_argv[1] = "tiles";
		exp_argv[2] = "export";
		exp_argv[3] = "--db";
		exp_argv[4] = db;
		exp_argv[5] = "--out";
		exp_argv[6] = out;
		exp_argv[7] = NULL;
		for (int k = 0; k < 2; k++) {
			t = h_now();
			st = h_run((char *const *)exp_argv, NULL, msg,
				   sizeof msg, NULL);
			if (st != 0)
				h_die("envelog tiles export: status %d", st);
			printf("envelog tiles export (%s): %.2f s: %s\n",
			       k ? "again, no growth" : "first", h_now() - t,
			       msg);
		}
	}
	h_server_start(&srv, dir, db, NULL);
	ngx = nginx_start(dir, www, nurl, sizeof nurl);
	printf("\nHTTP: envelogd (default flags) and nginx (2 workers) on "
	       "the exported directory, %llu full tiles per level-0 kind; "
	       "wrk -t%llu -c%llu -d%llus, %llu rounds interleaved (median "
	       "rate):\n",
	       tiles, wthreads, conns, secs, rounds);
	fflush(stdout);
	for (unsigned long long r = 0; r < rounds; r++) {
		for (int k = 0; k < KINDS; k++) {
			const char *base = k < 2 || k == 4 ? srv.url : nurl;
			if (k == 4)
				h_proof_script(script, sizeof script, n, 0);
			else
				snprintf(script, sizeof script, tile_lua,
					 tiles,
					 k % 2 == 0 ? "/tlog/tile/0/"
						    : "/tlog/tile/entries/");
			h_wrk_run(dir, k == 4 ? "proof" : "tile", script, base,
				  (int)wthreads, (int)conns, (int)secs,
				  &w[k][r]);
			rates[k][r] = w[k][r].rps;
			total_err += h_wrk_errors(&w[k][r]);
		}
	}
	for (int k = 0; k < KINDS; k++) {
		double med = h_quantile(rates[k], rounds, 0.5);
		unsigned long long pick = 0;
		for (unsigned long long i = 0; i < rounds; i++)
			if (w[k][i].rps == med)
				pick = i;
		h_wrk_print(names[k], &w[k][pick]);
		if (rounds > 1) {
			printf("  %-34s rounds:", "");
			for (unsigned long long i = 0; i < rounds; i++)
				printf(" %.0f", w[k][i].rps);
			printf(" req/s\n");
		}
	}
	printf("  errors over all runs: %llu\n",
	       (unsigned long long)total_err);
	{
		double proof = h_quantile(rates[4], rounds, 0.5);
		printf("\n  tiles from envelogd / proofs = %.2f;  tiles from "
		       "nginx / proofs = %.2f\n",
		       h_quantile(rates[0], rounds, 0.5) / proof,
		       h_quantile(rates[2], rounds, 0.5) / proof);
	}
	kill(ngx, SIGTERM);
	while (waitpid(ngx, &st, 0) < 0 && errno == EINTR)
		;
	printf("  envelogd exit status after SIGTERM: %d\n",
	       h_server_stop(&srv));
	h_end(dir);
	return 0;
}
