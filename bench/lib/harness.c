/* harness.c — see harness.h. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "store.h"
#include "store_db.h"

const char *h_prog = "bench";

_Noreturn void h_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", h_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *h_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		h_die("out of memory");
	return p;
}

double h_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double h_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

int h_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t h_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

const char *h_event_type(uint64_t r)
{
	static const char *const types[] = {
		"message", "message", "message",       "message", "media",
		"voice",   "call",    "group_message", "receipt", "status"};

	return types[r % (sizeof types / sizeof types[0])];
}

void h_cpu_model(char *model, size_t cap)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(model, cap, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *c;
		if (strncmp(line, "model name", 10) == 0 &&
		    (c = strchr(line, ':'))) {
			c++;
			while (*c == ' ' || *c == '\t')
				c++;
			c[strcspn(c, "\n")] = '\0';
			snprintf(model, cap, "%s", c);
			break;
		}
	}
	fclose(f);
}

void h_machine(void)
{
	FILE *f;
	char model[256], date[64] = "?";
	double load[3] = {0, 0, 0};
	time_t t = time(NULL);
	struct tm tm;

	h_cpu_model(model, sizeof model);
	f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
			load[0] = load[1] = load[2] = 0;
		fclose(f);
	}
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("machine: %ld cpus (nproc), %s; SQLite %s; %s; load %.2f %.2f "
	       "%.2f; %s\n",
	       sysconf(_SC_NPROCESSORS_ONLN), model, sqlite3_libversion(),
	       curl_version(), load[0], load[1], load[2], date);
	printf("note: client and envelogd share these cores, so every figure "
	       "includes the client's own CPU time\n");
	fflush(stdout);
}

void h_begin(char *dir, size_t cap)
{
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		h_die("library initialisation");
	h_machine();
	h_tmpdir(dir, cap);
}

void h_end(const char *dir)
{
	h_rmtree(dir);
	curl_global_cleanup();
}

const char *h_build_dir(void)
{
	const char *b = getenv("B");

	return b && *b ? b : "build";
}

void h_tmpdir(char *buf, size_t cap)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(buf, cap, "%s/envelog-%s-XXXXXX",
			     tmp && *tmp ? tmp : "/tmp", h_prog) >= cap ||
	    !mkdtemp(buf))
		h_die("cannot make a temporary directory: %s", strerror(errno));
}

void h_rmtree(const char *dir)
{
	char *argv[] = {"rm", "-rf", NULL, NULL};

	argv[2] = (char *)dir;
	if (h_run(argv, NULL, NULL, 0, NULL) != 0)
		fprintf(stderr, "%s: could not remove %s\n", h_prog, dir);
}

int h_run(char *const argv[], const char *input, char *out, size_t cap,
	  const char *stderr_path)
{
	int in[2] = {-1, -1}, outp[2] = {-1, -1}, st;
	size_t len = 0, ilen = input ? strlen(input) : 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(in) != 0 || pipe(outp) != 0)
		h_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		h_die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		if (stderr_path) {
			int fd = open(stderr_path,
				      O_WRONLY | O_CREAT | O_APPEND, 0600);
			if (fd >= 0)
				dup2(fd, 2);
		}
		close(in[0]);
		close(in[1]);
		close(outp[0]);
		close(outp[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", h_prog, argv[0],
			strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	/* Inputs here are small (a warrant body): write it all first. */
	signal(SIGPIPE, SIG_IGN);
	while (ilen > 0) {
		ssize_t w = write(in[1], input, ilen);
		if (w <= 0)
			break;
		input += w;
		ilen -= (size_t)w;
	}
	close(in[1]);
	for (;;) {
		char buf[4096];
		ssize_t r = read(outp[0], buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out && cap > 1) {
			size_t k = (size_t)r;
			if (k > cap - 1 - len)
				k = cap - 1 - len;
			memcpy(out + len, buf, k);
			len += k;
		}
	}
	close(outp[0]);
	if (out && cap) {
		out[len] = '\0';
		while (len > 0 && out[len - 1] == '\n')
			out[--len] = '\0';
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int copy_file(const char *from, const char *to)
{
	char *argv[] = {"cp", NULL, NULL, NULL};

	argv[1] = (char *)from;
	argv[2] = (char *)to;
	return h_run(argv, NULL, NULL, 0, NULL);
}

/* mklog DB N into path; prints how long it took. */
static void make_log(const char *path, uint64_t n)
{
	char tool[1024], count[32], out[64];
	char *argv[] = {tool, (char *)path, count, NULL};
	double t = h_now();

	snprintf(tool, sizeof tool, "%s/tests/tools/mklog", h_build_dir());
	snprintf(count, sizeof count, "%llu", (unsigned long long)n);
	if (access(tool, X_OK) != 0)
		h_die("%s is not built (make %s)", tool, tool);
	if (h_run(argv, NULL, out, sizeof out, NULL) != 0)
		h_die("mklog %s %s failed", path, count);
	printf("made a log of %s entries with tests/tools/mklog in %.1f s "
	       "(not timed below)\n",
	       out, h_now() - t);
	fflush(stdout);
}

void h_log(const char *dir, uint64_t n, char *db, size_t cap)
{
	const char *cache = getenv("ENVELOG_BENCH_CACHE");
	char src[2048], key[2048], dkey[2048], wal[2100];

	if ((size_t)snprintf(db, cap, "%s/log.db", dir) >= cap)
		h_die("path too long");
	if (!cache || !*cache) {
		make_log(db, n);
		return;
	}
	snprintf(src, sizeof src, "%s/log-%llu.db", cache,
		 (unsigned long long)n);
	snprintf(key, sizeof key, "%s/log-%llu.key", cache,
		 (unsigned long long)n);
	snprintf(dkey, sizeof dkey, "%s/log.key", dir);
	if (access(src, F_OK) != 0)
		make_log(src, n);
	else
		printf("copying the log of %llu entries made earlier in this "
		       "run by tests/tools/mklog\n",
		       (unsigned long long)n);
	if (copy_file(src, db) != 0 || copy_file(key, dkey) != 0)
		h_die("cannot copy %s", src);
	snprintf(wal, sizeof wal, "%s-wal", src);
	if (access(wal, F_OK) == 0) {
		char dwal[2100];
		snprintf(dwal, sizeof dwal, "%s-wal", db);
		if (copy_file(wal, dwal) != 0)
			h_die("cannot copy %s", wal);
	}
}

int h_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0)
		h_die("socket: %s", strerror(errno));
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		h_die("no free port: %s", strerror(errno));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static size_t sink(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

struct buf {
	char *p;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	char *q = realloc(b->p, b->len + size * n + 1);

	if (!q)
		return 0;
	memcpy(q + b->len, p, size * n);
	b->len += size * n;
	q[b->len] = '\0';
	b->p = q;
	return size * n;
}

long h_get(const char *url, char **body)
{
	CURL *c = curl_easy_init();
	struct buf b = {NULL, 0};
	long status = 0;

	if (!c)
		h_die("curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body ? collect : sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (body)
		*body = b.p;
	else
		free(b.p);
	return status;
}

struct curl_slist *h_auth_headers(char *token, size_t cap,
				  const char *content_type)
{
	char auth[300], type[128];
	struct curl_slist *h;

	if ((size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s",
			     token) >= sizeof auth ||
	    (size_t)snprintf(type, sizeof type, "Content-Type: %s",
			     content_type) >= sizeof type)
		h_die("header too long");
	sodium_memzero(token, cap);
	h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, type);
	h = curl_slist_append(h, "Expect:");
	sodium_memzero(auth, sizeof auth);
	if (!h)
		h_die("out of memory");
	return h;
}

CURL *h_post_handle(const char *url, struct curl_slist *hdrs,
		    long timeout_s, curl_write_callback on_body, void *data)
{
	CURL *c = curl_easy_init();

	if (!c)
		h_die("curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, data);
	return c;
}

long h_post(CURL *c, const char *body, size_t len, double *secs)
{
	long status = 0;
	double t;

	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	t = h_now();
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	*secs = h_now() - t;
	return status;
}

void h_read_signer(const char *path, elog_signer *sk)
{
	char text[ELOG_KEY_TEXT_MAX + 2];
	elog_err_t err;
	FILE *f = fopen(path, "r");

	if (!f || !fgets(text, sizeof text, f))
		h_die("cannot read %s", path);
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
	if (elog_signer_parse(text, sk, &err))
		h_die("%s: %s", path, err.msg);
	sodium_memzero(text, sizeof text);
}

void h_server_start(h_server *s, const char *dir, const char *db,
		    const char *const *extra)
{
	char daemon[1024], listen[64], web[2048], logp[2048], url[128];
	const char *argv[64];
	int argc = 0, st;
	pid_t pid;

	s->port = h_free_port();
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
	snprintf(daemon, sizeof daemon, "%s/envelogd", h_build_dir());
	snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
	snprintf(web, sizeof web, "%s/web", dir);
	snprintf(logp, sizeof logp, "%s/envelogd.log", dir);
	if (access(daemon, X_OK) != 0)
		h_die("%s is not built", daemon);
	argv[argc++] = daemon;
	argv[argc++] = "--db";
	argv[argc++] = db;
	argv[argc++] = "--listen";
	argv[argc++] = listen;
	argv[argc++] = "--web";
	argv[argc++] = web;
	for (; extra && *extra && argc < 62; extra++)
		argv[argc++] = *extra;
	argv[argc] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		h_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int nul = open("/dev/null", O_RDWR);
		if (fd >= 0)
			dup2(fd, 2);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		execv(daemon, (char *const *)argv);
		_exit(127);
	}
	s->pid = pid;
	snprintf(url, sizeof url, "%s/healthz", s->url);
	for (int i = 0; i < 400; i++) {
		if (h_get(url, NULL) == 200)
			return;
		if (waitpid(pid, &st, WNOHANG) == pid)
			h_die("envelogd exited at start; see %s", logp);
		usleep(25000);
	}
	kill(pid, SIGKILL);
	h_die("envelogd did not answer /healthz within 10 s; see %s", logp);
}

int h_server_stop(h_server *s)
{
	int st;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	while (waitpid(s->pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	s->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long h_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t fl = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			kb = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* Appended to every script: one machine-readable summary line. */
static const char wrk_done[] =
	"\ndone = function(summary, latency, requests)\n"
	"  local e = summary.errors\n"
	"  io.write(string.format(\"WRKSUMMARY %d %d %d %d %d %d %d %d %d "
	"%d %d\\n\",\n"
	"    summary.requests, summary.duration, e.connect, e.read, e.write,\n"
	"    e.status, e.timeout, latency:percentile(50),\n"
	"    latency:percentile(90), latency:percentile(99), latency.max))\n"
	"end\n";

void h_wrk_run(const char *dir, const char *name, const char *script,
	       const char *url, int threads, int conns, int secs,
	       h_wrk *out)
{
	char path[2048], t[16], c[16], d[16], *text, *line;
	char *argv[] = {"wrk", "-t", t, "-c", c, "-d", d, "--timeout", "10s",
			"-s", path, (char *)url, NULL};
	unsigned long long v[11];
	size_t cap = 1 << 16;
	FILE *f;
	int rc;

	snprintf(path, sizeof path, "%s/%s.lua", dir, name);
	snprintf(t, sizeof t, "%d", threads);
	snprintf(c, sizeof c, "%d", conns);
	snprintf(d, sizeof d, "%ds", secs);
	f = fopen(path, "w");
	if (!f || fputs(script, f) < 0 || fputs(wrk_done, f) < 0 ||
	    fclose(f) != 0)
		h_die("cannot write %s", path);
	text = h_calloc(cap, 1);
	rc = h_run(argv, NULL, text, cap, NULL);
	line = strstr(text, "WRKSUMMARY ");
	if (rc != 0 || !line ||
	    sscanf(line + 11, "%llu %llu %llu %llu %llu %llu %llu %llu %llu "
			      "%llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9], &v[10]) != 11)
		h_die("wrk failed (status %d; is it installed? make deps):\n%s",
		      rc, text);
	free(text);
	memset(out, 0, sizeof *out);
	out->requests = v[0];
	out->secs = (double)v[1] / 1e6;
	out->rps = out->secs > 0 ? (double)v[0] / out->secs : 0;
	out->err_connect = v[2];
	out->err_read = v[3];
	out->err_write = v[4];
	out->non2xx = v[5];
	out->err_timeout = v[6];
	out->p50_ms = (double)v[7] / 1e3;
	out->p90_ms = (double)v[8] / 1e3;
	out->p99_ms = (double)v[9] / 1e3;
	out->max_ms = (double)v[10] / 1e3;
}

uint64_t h_wrk_errors(const h_wrk *w)
{
	return w->err_connect + w->err_read + w->err_write + w->err_timeout +
	       w->non2xx;
}

void h_wrk_print(const char *label, const h_wrk *w)
{
	printf("  %-34s %8.0f req/s  (%llu in %.1f s)  latency p50 %.2f ms  "
	       "p90 %.2f  p99 %.2f  max %.2f   errors %llu (connect %llu "
	       "read %llu write %llu timeout %llu status>=400 %llu)\n",
	       label, w->rps, (unsigned long long)w->requests, w->secs,
	       w->p50_ms, w->p90_ms, w->p99_ms, w->max_ms,
	       (unsigned long long)h_wrk_errors(w),
	       (unsigned long long)w->err_connect,
	       (unsigned long long)w->err_read,
	       (unsigned long long)w->err_write,
	       (unsigned long long)w->err_timeout,
	       (unsigned long long)w->non2xx);
	fflush(stdout);
}

void h_proof_script(char *buf, size_t cap, unsigned long long n,
		    int checkpoints)
{
	int w = snprintf(
		buf, cap,
		"local n = %llu\n"
		"local counter = 0\n"
		"%s"
		"function setup(thread)\n"
		"  counter = counter + 1\n"
		"  thread:set(\"tid\", counter)\n"
		"end\n"
		"function init(args)\n"
		"  math.randomseed(tid * 7919 + os.time())\n"
		"end\n"
		"request = function()\n"
		"%s"
		"  local size = math.random(1, n)\n"
		"  local index = math.random(0, size - 1)\n"
		"  return wrk.format(\"GET\", \"/v1/proof/inclusion?index=\" .. "
		"index .. \"&size=\" .. size)\n"
		"end\n",
		n, checkpoints ? "local k = 0\n" : "",
		checkpoints ? "  k = k + 1\n"
			      "  if k % 2 == 0 then\n"
			      "    return wrk.format(\"GET\", \"/v1/checkpoint\")\n"
			      "  end\n"
			    : "");

	if (w < 0 || (size_t)w >= cap)
		h_die("wrk script too long");
}

sqlite3 *h_raw_open(const char *path, const char *origin, const char *vkey,
		    int sync)
{
	sqlite3 *db = NULL;
	elog_err_t err;

	if (elog_store_create(path, origin, vkey, &err))
		h_die("create: %s", err.msg);
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		h_die("open %s", path);
	/* The store's pragmas (store.c configure()). */
	h_exec(db, "PRAGMA journal_mode = WAL");
	h_exec(db, sync == ELOG_SYNC_NORMAL ? "PRAGMA synchronous = NORMAL"
					    : "PRAGMA synchronous = FULL");
	h_exec(db, "PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY; "
		   "PRAGMA cache_size = -65536");
	return db;
}

sqlite3_stmt *h_prepare(sqlite3 *db, const char *sql, unsigned flags)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v3(db, sql, -1, flags, &st, NULL) != SQLITE_OK)
		h_die("%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

void h_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		h_die("%s: %s", sql, msg ? msg : "?");
}

void h_insert(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		h_die("insert: %s", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

unsigned h_part_bits(sqlite3 *db)
{
	sqlite3_stmt *st = h_prepare(db,
				     "SELECT CAST(value AS INTEGER) FROM meta "
				     "WHERE key = 'index_run_bits'",
				     0);
	unsigned bits = 16;
	if (sqlite3_step(st) == SQLITE_ROW)
		bits = (unsigned)sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return bits + ELOG_INDEX_FANOUT_BITS;
}

sqlite3_stmt *h_record_insert(sqlite3 *db, unsigned part_bits, uint64_t seq,
			      sqlite3_stmt **st, int64_t *part)
{
	const int64_t k = (int64_t)(seq >> part_bits);
	char sql[ELOG_PART_SQL_MAX];

	if (*st && *part == k)
		return *st;
	sqlite3_finalize(*st);
	if (elog_store_part_sql(k, sql, sizeof sql))
		h_die("partition %lld", (long long)k);
	h_exec(db, sql);
	snprintf(sql, sizeof sql,
		 "INSERT INTO event_data_p%lld(seq, ts, data) VALUES (?1, ?2, "
		 "?3)",
		 (long long)k);
	*st = h_prepare(db, sql, SQLITE_PREPARE_PERSISTENT);
	*part = k;
	return *st;
}

void h_records_view(sqlite3 *db)
{
	sqlite3_stmt *st = h_prepare(
		db,
		"SELECT 'CREATE TEMP VIEW records(seq, ts, data) AS ' || "
		"coalesce(group_concat('SELECT seq, ts, data FROM ' || name, "
		"' UNION ALL '), 'SELECT 0, 0, NULL WHERE 0') FROM "
		"sqlite_schema WHERE type = 'table' AND name GLOB "
		"'event_data_p[0-9]*'",
		0);
	char *sql;
	if (sqlite3_step(st) != SQLITE_ROW)
		h_die("listing the partitions: %s", sqlite3_errmsg(db));
	sql = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (!sql)
		h_die("out of memory");
	h_exec(db, "DROP VIEW IF EXISTS temp.records");
	h_exec(db, sql);
	free(sql);
}
