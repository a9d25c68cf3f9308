/*
 * verify — `envelog verify` over a large log: entries per second, CPU
 * time and peak resident size of each run, and their medians.
 *
 *   verify [-n N] [--runs R] [--envelog PATH]
 *
 * A log of N entries (default 1 000 000) from tests/tools/mklog, verified
 * R times (default 3) by `envelog verify --quiet` ($B/envelog, or PATH to
 * measure another build against the same log).  The first run reads the
 * file from disk if it is not in the page cache yet.  Prints figures;
 * exits 1 only if a verification failed, never on timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MAX_RUNS 15

/* One run of argv (stdout dropped, stderr into err_path): wall seconds,
 * user + system CPU seconds, peak resident kB; the exit status, or -1. */
static int timed_run(char *const argv[], const char *err_path, double *wall,
		     double *cpu, long *maxrss_kb)
{
	struct rusage ru;
	int status;
	double t0 = h_now();
	pid_t pid = fork();

	if (pid < 0)
		h_die("fork failed");
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen(err_path, "w", stderr))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		h_die("wait4 failed");
	*wall = h_now() - t0;
	*cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	*maxrss_kb = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void load_average(char *out, size_t cap)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;

	if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, "%.2f %.2f %.2f", a, b, c);
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, runs = 3;
	char dir[512], db[600], errs[600], envelog[1024] = "";
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	int failed = 0;

	h_prog = "verify";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc &&
		    h_count(argv[i + 1], 1000000000ULL, &n) == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc &&
		    h_count(argv[i + 1], MAX_RUNS, &runs) == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--envelog") == 0 && i + 1 < argc &&
		    strlen(argv[i + 1]) < sizeof envelog) {
			snprintf(envelog, sizeof envelog, "%s", argv[++i]);
			continue;
		}
		fprintf(stderr,
			"usage: verify [-n N] [--runs R] [--envelog PATH]\n");
		return 2;
	}
	if (!*envelog)
		snprintf(envelog, sizeof envelog, "%s/envelog", h_build_dir());
	if (access(envelog, X_OK) != 0)
		h_die("%s is not built", envelog);
	h_begin(dir, sizeof dir);
	h_log(dir, n, db, sizeof db);
	snprintf(errs, sizeof errs, "%s/verify.err", dir);
	printf("%s verify --quiet --db LOG   (%llu entries from "
	       "tests/tools/mklog)\n",
	       envelog, n);
	for (unsigned long long r = 0; r < runs; r++) {
		char *const argv_v[] = {envelog, "verify", "--quiet",
					"--db",	 db,	   NULL};
		char load[64];
		long rss = 0;
		int rc;

		load_average(load, sizeof load);
		rc = timed_run(argv_v, errs, &wall[r], &cpu[r], &rss);
		printf("  run %llu: exit %d, %.2f s, %.0f entries/s, CPU %.2f "
		       "s (%.2f us per entry), peak RSS %ld kB, load %s\n",
		       r + 1, rc, wall[r], (double)n / wall[r], cpu[r],
		       1e6 * cpu[r] / (double)n, rss, load);
		fflush(stdout);
		if (rc != 0) {
			char *const cat[] = {"/bin/cat", errs, NULL};
			h_run(cat, NULL, NULL, 0, NULL);
			failed = 1;
		}
	}
	{
		double w = h_quantile(wall, (size_t)runs, 0.5);
		double c = h_quantile(cpu, (size_t)runs, 0.5);
		printf("  median of %llu: %.2f s, %.0f entries/s; CPU %.2f s "
		       "(%.2f us per entry)\n",
		       runs, w, (double)n / w, c, 1e6 * c / (double)n);
	}
	h_end(dir);
	return failed;
}
