/*
 * harness.h — what the benchmarks share: clocks, quantiles and a random
 * sequence, the machine line, child processes (envelog, envelogd, mklog,
 * wrk), a copy of a generated log, authorised POSTs with libcurl, a wrk
 * run with its summary, and the plain SQLite the raw baselines write with.
 *
 * Every function that cannot go on prints "PROG: what" on stderr and exits
 * with status 2 (h_die): a benchmark either measures or stops; it never
 * fails on timing.  Children get only 127.0.0.1 addresses.
 */
#ifndef ELOG_BENCH_HARNESS_H
#define ELOG_BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "note.h"

/* The program name for diagnostics; set it first. */
extern const char *h_prog;

_Noreturn void h_die(const char *fmt, ...);
void *h_calloc(size_t n, size_t size);
/* Monotonic seconds. */
double h_now(void);
/* The q-quantile (0..1) of n values (nearest rank); sorts v. */
double h_quantile(double *v, size_t n, double q);
/* Parse a decimal count in 1..max into *out; -1 if it is not one. */
int h_count(const char *s, unsigned long long max, unsigned long long *out);
/* The next value of the xorshift64 sequence in *state (never 0). */
uint64_t h_rand(uint64_t *state);
/* An event type for the generated events, from a random value r: four in
 * ten "message", the others one in ten each. */
const char *h_event_type(uint64_t r);

/* The CPU model from /proc/cpuinfo into model[cap] ("unknown" if none). */
void h_cpu_model(char *model, size_t cap);
/* Print "machine: …" (cores, CPU model, load, date) and a note that
 * client and server share the cores. */
void h_machine(void);

/*
 * What every HTTP benchmark does first: initialise libsodium and libcurl,
 * print the machine line (h_machine) and make a fresh temporary directory
 * into dir[cap] (h_tmpdir).  h_end removes the directory and cleans up
 * libcurl.
 */
void h_begin(char *dir, size_t cap);
void h_end(const char *dir);

/* $B or "build": where envelog, envelogd and tests/tools/mklog are. */
const char *h_build_dir(void);

/* A fresh temporary directory into buf ($TMPDIR or /tmp). */
void h_tmpdir(char *buf, size_t cap);
/* Remove the directory and everything in it. */
void h_rmtree(const char *dir);

/*
 * Run argv (argv[0] a path) with input (may be NULL) on stdin, its stdout
 * into out[cap] (NUL-terminated, a trailing newline removed; out may be
 * NULL), stderr to stderr_path (NULL: inherited).  Returns its exit
 * status, or -1 if it did not exit normally.
 */
int h_run(char *const argv[], const char *input, char *out, size_t cap,
	  const char *stderr_path);

/*
 * A log of n entries made by tests/tools/mklog (event i: sender
 * "+4470000" + i % 1000, ts 1700000000000 + 1000 i ms), copied to
 * dir/log.db with its key dir/log.key.  With $ENVELOG_BENCH_CACHE (set by
 * bench/run) the log is made once there and copied for each program.
 */
void h_log(const char *dir, uint64_t n, char *db, size_t cap);

typedef struct h_server {
	pid_t pid;
	int port;
	char url[64];  /* http://127.0.0.1:PORT */
} h_server;

/*
 * Start envelogd --db db --listen 127.0.0.1:<free port> --web dir/web
 * plus extra (NULL-terminated, may be NULL), its stderr (one line per
 * request) to dir/envelogd.log; wait until /healthz answers.
 */
void h_server_start(h_server *s, const char *dir, const char *db,
		    const char *const *extra);
/* A free TCP port on 127.0.0.1 (for a server the benchmark starts). */
int h_free_port(void);
/* SIGTERM and wait; returns the exit status (-1 if killed). */
int h_server_stop(h_server *s);
/* Peak resident set (VmHWM) and current (VmRSS) of pid, in kB; -1. */
long h_status_kb(pid_t pid, const char *field);

/* GET url with libcurl on a fresh handle; returns the status (0 on a
 * transport error) and the body (malloc'd, may be NULL) in *body. */
long h_get(const char *url, char **body);

/*
 * The headers of an authorised POST: "Authorization: Bearer TOKEN", then
 * "Content-Type: content_type" and an empty "Expect:".  Wipes token[cap]
 * (the bearer token, NUL-terminated) and the line made from it.  Free the
 * list with curl_slist_free_all.
 */
struct curl_slist *h_auth_headers(char *token, size_t cap,
				  const char *content_type);
/* A keep-alive libcurl handle for POSTs to url with hdrs, answers to
 * on_body(…, data), each transfer limited to timeout_s seconds. */
CURL *h_post_handle(const char *url, struct curl_slist *hdrs,
		    long timeout_s, curl_write_callback on_body, void *data);
/* POST body[len] on c; returns the HTTP status (0 on a transport error)
 * and the seconds the transfer took in *secs. */
long h_post(CURL *c, const char *body, size_t len, double *secs);

/* The signer in the key file at path (one line, as envelog writes it);
 * the text read is wiped.  Wipe *sk with elog_signer_wipe. */
void h_read_signer(const char *path, elog_signer *sk);

typedef struct h_wrk {
	uint64_t requests;
	double secs;
	double rps;
	double p50_ms, p90_ms, p99_ms, max_ms;
	uint64_t err_connect, err_read, err_write, err_timeout;
	uint64_t non2xx;   /* HTTP status >= 400 (wrk's errors.status) */
} h_wrk;

/*
 * Write script (Lua; h_wrk_run appends its own done()) to dir/NAME.lua and
 * run wrk -t threads -c conns -d secs s --latency on url.  Exits if wrk is
 * missing or its summary cannot be read.
 */
void h_wrk_run(const char *dir, const char *name, const char *script,
	       const char *url, int threads, int conns, int secs,
	       h_wrk *out);
/* "  LABEL  N req/s  p50 … ms  p90 … p99 … max …  errors: …" */
void h_wrk_print(const char *label, const h_wrk *w);
/* Sum of all wrk error counts and non-2xx answers. */
uint64_t h_wrk_errors(const h_wrk *w);
/*
 * A wrk script into buf[cap] for GET /v1/proof/inclusion at a random size
 * in [1, n] and a random index below it, seeded per thread.  With
 * checkpoints, every other request is GET /v1/checkpoint instead.
 */
void h_proof_script(char *buf, size_t cap, unsigned long long n,
		    int checkpoints);

/*
 * The raw baselines' SQLite.  h_raw_open makes a fresh store database at
 * path (elog_store_create with origin and vkey, so the schema is the
 * store's) and opens it with plain SQLite and the store's pragmas (WAL,
 * synchronous FULL or NORMAL as sync, foreign keys off, temp store in
 * memory, 64 MiB cache).  h_prepare (sqlite3_prepare_v3 with flags),
 * h_exec and h_insert (step to SQLITE_DONE, then reset) exit on an error.
 */
sqlite3 *h_raw_open(const char *path, const char *origin, const char *vkey,
		    int sync);
sqlite3_stmt *h_prepare(sqlite3 *db, const char *sql, unsigned flags);
void h_exec(sqlite3 *db, const char *sql);
void h_insert(sqlite3 *db, sqlite3_stmt *st);

/* Event records in a raw database as the store keeps them (schema 009:
 * one table per partition of 2^h_part_bits seqs).  h_record_insert:
 * *st, the insert of event seq's record ((?1 seq, ?2 ts, ?3 data)), made
 * again, with its partition, when seq is in another partition than
 * *part (start with *st NULL).  h_records_view: a TEMP VIEW
 * records(seq, ts, data) over db's partitions, for untimed reads. */
unsigned h_part_bits(sqlite3 *db);
sqlite3_stmt *h_record_insert(sqlite3 *db, unsigned part_bits, uint64_t seq,
			      sqlite3_stmt **st, int64_t *part);
void h_records_view(sqlite3 *db);

#endif
