/* metrics.c — Prometheus counters and histograms (see metrics.h). */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSTATUS 600

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
					0.025,  0.05,  0.1,    0.25,  0.5,
					1.0,    2.5,   5.0};
#define NLAT (sizeof latency_bounds / sizeof latency_bounds[0])
static const double batch_bounds[] = {1,   2,    5,    10,   20,  50, 100,
				      200, 500, 1000, 2000, 5000, 10000, 50000};
#define NBATCH (sizeof batch_bounds / sizeof batch_bounds[0])

static size_t nslots;
static const char *const *slot_labels;
static atomic_uint_fast64_t requests[METRICS_MAX_ROUTES + 2][NSTATUS];
static atomic_uint_fast64_t lat_bucket[NLAT + 1];
static atomic_uint_fast64_t lat_sum_us;
static atomic_uint_fast64_t batch_bucket[NBATCH + 1];
static atomic_uint_fast64_t batch_sum;
static atomic_uint_fast64_t commits, commit_failures, entries_total;
static atomic_uint_fast64_t full_sync_commits, ingest_replays;
static atomic_uint_fast64_t witness_cosigned, witness_refused;
static atomic_uint_fast64_t events_total;
static atomic_uint_fast64_t log_size, queue_depth;

/* Lawful requests by outcome, and refusals by reason. */
static const char *const lawful_outcomes[] = {
	"answered", "refused", "unauthenticated", "bad_signature",
	"malformed", "failed",
};
static const char *const refusal_reasons[] = {
	"expired",	     "window_reversed", "window_too_long",
	"no_subjects",	     "too_many_subjects", "id_reused",
	"too_many_records",  "other_log",
};
#define NOUTCOMES (sizeof lawful_outcomes / sizeof lawful_outcomes[0])
#define NREASONS (sizeof refusal_reasons / sizeof refusal_reasons[0])
static atomic_uint_fast64_t lawful[NOUTCOMES];
static atomic_uint_fast64_t refusals[NREASONS];

void metrics_init(size_t nroutes, const char *const *labels)
{
	nslots = nroutes + 2 <= METRICS_MAX_ROUTES + 2 ? nroutes + 2
						       : METRICS_MAX_ROUTES + 2;
	slot_labels = labels;
}

void metrics_request(size_t route, unsigned status)
{
	if (route >= nslots || status >= NSTATUS)
		return;
	atomic_fetch_add(&requests[route][status], 1);
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

/* A growing text buffer; on overflow of memory it records failure. */
struct text {
	char *p;
	size_t len, cap;
	int failed;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(struct text *t, const char *fmt, ...)
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
static void put_histogram(struct text *t, const char *metric,
			  const char *help, const double *bounds, size_t n,
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
static void put_counters(struct text *t, const char *metric,
			 const char *help, const char *label,
			 const char *const *names, atomic_uint_fast64_t *v,
			 size_t n)
{
	put(t, "# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
	for (size_t i = 0; i < n; i++)
		put(t, "%s{%s=\"%s\"} %llu\n", metric, label, names[i],
		    (unsigned long long)atomic_load(&v[i]));
}

int metrics_render(char **out, size_t *len)
{
	struct text t = {0};
	char sum[32];
	size_t i, s;

	t.cap = 8192;
	t.p = malloc(t.cap);
	if (!t.p)
		return -1;
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
		  "Transactions rolled back.",
		  atomic_load(&commit_failures));
	put_value(&t, "envelog_witness_cosignatures_total", "counter",
		  "Cosignatures gathered from --witness witnesses (tlog-witness).",
		  atomic_load(&witness_cosigned));
	put_value(&t, "envelog_witness_refusals_total", "counter",
		  "Checkpoints a --witness witness refused: an alarm (a fork, a "
		  "rollback or a bad proof).",
		  atomic_load(&witness_refused));
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
		  "Entries waiting for the writer.", atomic_load(&queue_depth));
	if (t.failed) {
		free(t.p);
		return -1;
	}
	*out = t.p;
	*len = t.len;
	return 0;
}
