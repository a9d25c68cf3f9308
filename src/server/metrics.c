/* metrics.c — Prometheus counters and histograms (see metrics.h). */
#include "metrics.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "optab.h"
#include "schema.h"

#define NSTATUS 600

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
					0.025,	0.05,  0.1,    0.25,  0.5,
					1.0,	2.5,   5.0};
#define NLAT (sizeof latency_bounds / sizeof latency_bounds[0])
static const double batch_bounds[] = {1,    2,	  5,	 10,   20,
				      50,   100,  200,	 500,  1000,
				      2000, 5000, 10000, 50000};
#define NBATCH (sizeof batch_bounds / sizeof batch_bounds[0])

static size_t nslots;
static const char *const *slot_labels;
static atomic_uint_fast64_t requests[METRICS_MAX_ROUTES + 2][NSTATUS];
static atomic_uint_fast64_t lat_bucket[NLAT + 1];
/* Request durations per route slot. */
static atomic_uint_fast64_t req_bucket[METRICS_MAX_ROUTES + 2][NLAT + 1];
static atomic_uint_fast64_t req_sum_us[METRICS_MAX_ROUTES + 2];
static atomic_int_fast64_t checkpoint_ms, horizon_ms;
static atomic_uint_fast64_t horizon_entries;
static double start_time;
static atomic_uint_fast64_t lat_sum_us;
static atomic_uint_fast64_t batch_bucket[NBATCH + 1];
static atomic_uint_fast64_t batch_sum;
static atomic_uint_fast64_t commits, commit_failures, entries_total;
static atomic_uint_fast64_t full_sync_commits, ingest_replays;
static atomic_uint_fast64_t witness_cosigned, witness_refused;
static atomic_uint_fast64_t shard_counts[3]; /* METRICS_SHARD_* */
static atomic_uint_fast64_t events_total;
static atomic_uint_fast64_t log_size, queue_depth, queue_full;
/* Reconnects to the database, by connection. */
static const char *const connections[] = {"reader", "writer"};
static atomic_uint_fast64_t reconnects[2];
/* Reads that may be served by the --read-db standby, by who answered. */
static const char *const read_db_servers[] = {"primary", "standby"};
static atomic_uint_fast64_t read_db_reads[2];

/* Lawful requests by outcome, and refusals by reason. */
static const char *const lawful_outcomes[] = {
	"answered",	 "refused",   "unauthenticated",
	"bad_signature", "malformed", "failed",
};
static const char *const refusal_reasons[] = {
	"expired",	    "window_reversed",	 "window_too_long",
	"no_subjects",	    "too_many_subjects", "id_reused",
	"too_many_records", "other_log",
};
#define NOUTCOMES (sizeof lawful_outcomes / sizeof lawful_outcomes[0])
#define NREASONS (sizeof refusal_reasons / sizeof refusal_reasons[0])
static atomic_uint_fast64_t lawful[NOUTCOMES];
static atomic_uint_fast64_t refusals[NREASONS];

void metrics_init(size_t nroutes, const char *const *labels)
{
	nslots = nroutes + 2 <= METRICS_MAX_ROUTES + 2
			 ? nroutes + 2
			 : METRICS_MAX_ROUTES + 2;
	slot_labels = labels;
	start_time = (double)time(NULL);
	{
		struct timespec ts;
		if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
			start_time = (double)ts.tv_sec +
				     (double)ts.tv_nsec / 1e9;
	}
}

void metrics_request(size_t route, unsigned status, double seconds)
{
	size_t i;

	if (route >= nslots || status >= NSTATUS)
		return;
	atomic_fetch_add(&requests[route][status], 1);
	for (i = 0; i < NLAT && seconds > latency_bounds[i]; i++)
		;
	atomic_fetch_add(&req_bucket[route][i], 1);
	atomic_fetch_add(&req_sum_us[route],
			 (uint64_t)(seconds > 0 ? seconds * 1e6 : 0));
}

void metrics_checkpoint(int64_t created_ms)
{
	atomic_store(&checkpoint_ms, created_ms);
}

void metrics_set_horizon(int64_t before_ms, uint64_t entries)
{
	atomic_store(&horizon_ms, before_ms);
	atomic_store(&horizon_entries, entries);
}

void metrics_commit(uint64_t entries, double seconds, uint64_t size)
{
	size_t i;

	for (i = 0; i < NLAT && seconds > latency_bounds[i]; i++)
		;
	atomic_fetch_add(&lat_bucket[i], 1);
	atomic_fetch_add(&lat_sum_us, (uint64_t)(seconds * 1e6));
	for (i = 0; i < NBATCH && (double)entries > batch_bounds[i]; i++)
		;
	atomic_fetch_add(&batch_bucket[i], 1);
	atomic_fetch_add(&batch_sum, entries);
	atomic_fetch_add(&commits, 1);
	atomic_fetch_add(&entries_total, entries);
	atomic_store(&log_size, size);
}

void metrics_commit_failed(void)
{
	atomic_fetch_add(&commit_failures, 1);
}

void metrics_full_sync_commit(void)
{
	atomic_fetch_add(&full_sync_commits, 1);
}

void metrics_shard(int what)
{
	if (what >= 0 && what < 3)
		atomic_fetch_add(&shard_counts[what], 1);
}

void metrics_witness(int cosigned)
{
	atomic_fetch_add(cosigned ? &witness_cosigned : &witness_refused, 1);
}

void metrics_ingest_replay(void)
{
	atomic_fetch_add(&ingest_replays, 1);
}

void metrics_events(uint64_t n)
{
	atomic_fetch_add(&events_total, n);
}

void metrics_set_size(uint64_t size)
{
	atomic_store(&log_size, size);
}

void metrics_set_queue(uint64_t entries)
{
	atomic_store(&queue_depth, entries);
}

void metrics_reconnect(int writer)
{
	atomic_fetch_add(&reconnects[writer ? 1 : 0], 1);
}

void metrics_read_db(int standby)
{
	atomic_fetch_add(&read_db_reads[standby ? 1 : 0], 1);
}

void metrics_queue_full(void)
{
	atomic_fetch_add(&queue_full, 1);
}

/* A growing text buffer; on overflow of memory it records failure. */
struct text {
	char *p;
	size_t len, cap;
	int failed;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t ncap = t->cap * 2 + (size_t)n;
		char *np = realloc(t->p, ncap);
		if (!np) {
			t->failed = 1;
			return;
		}
		t->p = np;
		t->cap = ncap;
	}
}

static const char *slot_label(size_t i)
{
	if (i + 2 == nslots)
		return "static";
	if (i + 1 == nslots)
		return "unmatched";
	return slot_labels ? slot_labels[i] : "?";
}

static void count_named(const char *const *names, size_t n,
			atomic_uint_fast64_t *counters, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0) {
			atomic_fetch_add(&counters[i], 1);
			return;
		}
}

void metrics_lawful(const char *outcome)
{
	count_named(lawful_outcomes, NOUTCOMES, lawful, outcome);
}

void metrics_lawful_refused(const char *reason)
{
	metrics_lawful("refused");
	count_named(refusal_reasons, NREASONS, refusals, reason);
}

/* One metric of one value: its HELP, TYPE and sample lines. */
static void put_value(struct text *t, const char *metric, const char *type,
		      const char *help, uint64_t v)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", metric, help, metric,
	    type, metric, (unsigned long long)v);
}

/* A histogram: cumulative buckets (n bounds, then +Inf), sum and count. */
static void put_histogram(struct text *t, const char *metric, const char *help,
			  const double *bounds, size_t n,
			  atomic_uint_fast64_t *buckets, const char *sum)
{
	uint64_t cum = 0;
	put(t, "# HELP %s %s\n# TYPE %s histogram\n", metric, help, metric);
	for (size_t i = 0; i < n; i++) {
		cum += atomic_load(&buckets[i]);
		put(t, "%s_bucket{le=\"%g\"} %llu\n", metric, bounds[i],
		    (unsigned long long)cum);
	}
	cum += atomic_load(&buckets[n]);
	put(t, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %s\n%s_count %llu\n",
	    metric, (unsigned long long)cum, metric, sum, metric,
	    (unsigned long long)cum);
}

/* A counter family with one label: one line per name. */
static void put_counters(struct text *t, const char *metric, const char *help,
			 const char *label, const char *const *names,
			 atomic_uint_fast64_t *v, size_t n)
{
	put(t, "# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
	for (size_t i = 0; i < n; i++)
		put(t, "%s{%s=\"%s\"} %llu\n", metric, label, names[i],
		    (unsigned long long)atomic_load(&v[i]));
}

/* A label value in the exposition format: '\\', '"' and newlines
 * escaped. */
static void put_label(struct text *t, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			put(t, "\\%c", *v);
		else if (*v == '\n')
			put(t, "\\n");
		else
			put(t, "%c", *v);
	}
}

/* The process_* metrics of the Prometheus client libraries, from
 * getrusage, getrlimit and /proc/self. */
static void put_process(struct text *t)
{
	struct rusage ru;
	struct rlimit rl;
	unsigned long long vsz = 0, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t fds = 0;
	FILE *f;
	DIR *d;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		put(t,
		    "# HELP process_cpu_seconds_total Total user and "
		    "system CPU time spent in seconds.\n"
		    "# TYPE process_cpu_seconds_total counter\n"
		    "process_cpu_seconds_total %.6f\n",
		    (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
			    (double)(ru.ru_utime.tv_usec +
				     ru.ru_stime.tv_usec) /
				    1e6);
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &vsz, &rss) == 2 && page > 0) {
			put_value(t, "process_virtual_memory_bytes", "gauge",
				  "Virtual memory size in bytes.",
				  vsz * (unsigned long long)page);
			put_value(t, "process_resident_memory_bytes", "gauge",
				  "Resident memory size in bytes.",
				  rss * (unsigned long long)page);
		}
		fclose(f);
	}
	d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				fds++;
		closedir(d);
		put_value(t, "process_open_fds", "gauge",
			  "Number of open file descriptors.",
			  fds ? fds - 1 : 0); /* not the one reading */
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		put_value(t, "process_max_fds", "gauge",
			  "Maximum number of open file descriptors.",
			  (uint64_t)rl.rlim_cur);
	put(t,
	    "# HELP process_start_time_seconds Start time of the process "
	    "since unix epoch in seconds.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds %.3f\n",
	    start_time);
}

int metrics_render(uint64_t in_flight, char **out, size_t *len)
{
	struct text t = {0};
	char sum[32];
	size_t i, s;
	int64_t cp, now = 0;
	struct timespec ts;

	t.cap = 8192;
	t.p = malloc(t.cap);
	if (!t.p)
		return -1;
	put(&t, "# HELP envelog_build_info The envelog release, the schema "
		"version it writes and the libraries it runs with.\n"
		"# TYPE envelog_build_info gauge\n"
		"envelog_build_info{version=\"");
	put_label(&t, elog_version);
	put(&t, "\",schema=\"%d\"} 1\n", elog_schema_count);
	put_process(&t);
	put_value(&t, "envelog_http_requests_in_flight", "gauge",
		  "HTTP requests begun and not yet completed.", in_flight);
	put(&t, "# HELP envelog_http_request_duration_seconds Time from a "
		"request's first byte to its completion, by route.\n"
		"# TYPE envelog_http_request_duration_seconds histogram\n");
	for (i = 0; i < nslots; i++) {
		uint64_t cum = 0;
		for (s = 0; s <= NLAT; s++) {
			cum += atomic_load(&req_bucket[i][s]);
			if (s < NLAT)
				put(&t,
				    "envelog_http_request_duration_seconds_"
				    "bucket{route=\"%s\",le=\"%g\"} %llu\n",
				    slot_label(i), latency_bounds[s],
				    (unsigned long long)cum);
		}
		put(&t,
		    "envelog_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"+Inf\"} %llu\n"
		    "envelog_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n"
		    "envelog_http_request_duration_seconds_count{route=\"%s\"} "
		    "%llu\n",
		    slot_label(i), (unsigned long long)cum, slot_label(i),
		    (double)atomic_load(&req_sum_us[i]) / 1e6, slot_label(i),
		    (unsigned long long)cum);
	}
	cp = atomic_load(&checkpoint_ms);
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	put(&t,
	    "# HELP envelog_checkpoint_timestamp_seconds When the latest "
	    "checkpoint was signed.\n"
	    "# TYPE envelog_checkpoint_timestamp_seconds gauge\n"
	    "envelog_checkpoint_timestamp_seconds %.3f\n"
	    "# HELP envelog_checkpoint_age_seconds Time since the latest "
	    "checkpoint was signed: the log's key alert.\n"
	    "# TYPE envelog_checkpoint_age_seconds gauge\n"
	    "envelog_checkpoint_age_seconds %.3f\n",
	    (double)cp / 1e3, cp && now > cp ? (double)(now - cp) / 1e3 : 0.0);
	put(&t,
	    "# HELP envelog_purge_horizon_timestamp_seconds The retention "
	    "purge horizon: events committed before it have no metadata "
	    "left (0: never purged).\n"
	    "# TYPE envelog_purge_horizon_timestamp_seconds gauge\n"
	    "envelog_purge_horizon_timestamp_seconds %.3f\n",
	    (double)atomic_load(&horizon_ms) / 1e3);
	put_value(&t, "envelog_purge_horizon_entries", "gauge",
		  "Entries below the purge horizon (seq < through_seq + 1).",
		  atomic_load(&horizon_entries));
	put(&t, "# HELP envelog_http_requests_total HTTP requests answered, "
		"by route and status.\n"
		"# TYPE envelog_http_requests_total counter\n");
	for (i = 0; i < nslots; i++)
		for (s = 0; s < NSTATUS; s++) {
			uint64_t v = atomic_load(&requests[i][s]);
			if (v)
				put(&t,
				    "envelog_http_requests_total{route=\"%s\","
				    "status=\"%zu\"} %llu\n",
				    slot_label(i), s, (unsigned long long)v);
		}
	put_value(&t, "envelog_events_appended_total", "counter",
		  "Events acknowledged to ingest clients.",
		  atomic_load(&events_total));
	put_value(&t, "envelog_entries_appended_total", "counter",
		  "Entries committed to the log.",
		  atomic_load(&entries_total));
	put_value(&t, "envelog_commits_total", "counter",
		  "Transactions committed, each with one signed checkpoint.",
		  atomic_load(&commits));
	put_value(&t, "envelog_commit_failures_total", "counter",
		  "Transactions rolled back.", atomic_load(&commit_failures));
	put_value(&t, "envelog_witness_cosignatures_total", "counter",
		  "Cosignatures gathered from --witness witnesses (tlog-witness).",
		  atomic_load(&witness_cosigned));
	put_value(&t, "envelog_witness_refusals_total", "counter",
		  "Checkpoints a --witness witness refused: an alarm (a fork, a "
		  "rollback or a bad proof).",
		  atomic_load(&witness_refused));
	put_value(&t, "envelog_shard_checkpoints_total", "counter",
		  "Shard checkpoints a root recorded (--shards).",
		  atomic_load(&shard_counts[METRICS_SHARD_RECORDED]));
	put_value(&t, "envelog_shard_refusals_total", "counter",
		  "Shard checkpoints a root refused: an alarm (a rollback or a "
		  "fork of a shard).",
		  atomic_load(&shard_counts[METRICS_SHARD_REFUSAL]));
	put_value(&t, "envelog_shard_follow_errors_total", "counter",
		  "Polls of a shard that failed: unreachable, or a checkpoint "
		  "its key did not sign.",
		  atomic_load(&shard_counts[METRICS_SHARD_ERROR]));
	put_value(&t, "envelog_full_sync_commits_total", "counter",
		  "Transactions committed with full sync under --sync normal, "
		  "because they held a lawful request.",
		  atomic_load(&full_sync_commits));
	put_value(&t, "envelog_ingest_replays_total", "counter",
		  "Ingest retries answered from their Idempotency-Key, "
		  "appending nothing.",
		  atomic_load(&ingest_replays));

	snprintf(sum, sizeof sum, "%llu",
		 (unsigned long long)atomic_load(&batch_sum));
	put_histogram(&t, "envelog_commit_batch_entries",
		      "Entries per committed transaction.", batch_bounds,
		      NBATCH, batch_bucket, sum);
	snprintf(sum, sizeof sum, "%.6f",
		 (double)atomic_load(&lat_sum_us) / 1e6);
	put_histogram(&t, "envelog_commit_seconds",
		      "Time to run, commit and sign one transaction.",
		      latency_bounds, NLAT, lat_bucket, sum);

	put_counters(&t, "envelog_lawful_requests_total",
		     "Lawful requests, by outcome.", "outcome",
		     lawful_outcomes, lawful, NOUTCOMES);
	put_counters(&t, "envelog_lawful_refusals_total",
		     "Warrants refused by policy, by reason.", "reason",
		     refusal_reasons, refusals, NREASONS);

	put_value(&t, "envelog_log_size", "gauge",
		  "Entries in the log (tree size of the latest checkpoint).",
		  atomic_load(&log_size));
	put_value(&t, "envelog_writer_queue_entries", "gauge",
		  "Entries waiting for the writer.",
		  atomic_load(&queue_depth));
	put_value(&t, "envelog_writer_queue_full_total", "counter",
		  "Writes refused because the writer's queue was full "
		  "(answered 503 queue_full).",
		  atomic_load(&queue_full));
	put_counters(&t, "envelog_store_reconnects_total",
		     "Connections to the database opened again after they "
		     "were lost (a failover), by connection.",
		     "connection", connections, reconnects, 2);
	put_counters(&t, "envelog_read_db_reads_total",
		     "Reads of a checkpoint's size that a --read-db standby "
		     "may serve, by the database that answered (primary: "
		     "the standby was behind, unreachable or not set).",
		     "server", read_db_servers, read_db_reads, 2);
	if (t.failed) {
		free(t.p);
		return -1;
	}
	*out = t.p;
	*len = t.len;
	return 0;
}
