/* shards.c — a root log's follower of its shards.  See shards.h. */
#include "shards.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "canon.h"
#include "checkpoint.h"
#include "entry.h"
#include "http.h"
#include "ledger.h"
#include "log.h"
#include "merkle.h"
#include "metrics.h"
#include "rfc3339.h"
#include "shard.h"
#include "store.h"
#include "writer.h"

#define BODY_MAX (64u << 10) /* a checkpoint or a proof, answered */
#define FETCH_TIMEOUT 10L    /* seconds per request to a shard */
#define REFUSED_MAX 64	     /* refused checkpoints remembered per shard */
#define TRACKS_MAX (2 * SHARDS_MAX)

/* What the root knows of one origin: its line of the file (if any) and
 * what its own log says. */
struct track {
	struct shard_spec spec; /* spec.origin always set */
	int in_file;
	int64_t reg_seq; /* its shard_add, -1: none */
	char reg_vkey[ELOG_KEY_TEXT_MAX];
	int retired, closed; /* their entries are in the log */
	int has_latest;	     /* the last shard entry recorded */
	uint64_t latest_seq;
	elog_checkpoint latest;
	uint64_t refusals;
	struct {
		uint64_t size;
		elog_hash root;
	} refused[REFUSED_MAX];
	size_t nrefused;
	char trouble[200]; /* the last problem logged, to say it once */
};

struct shards {
	struct server *srv;
	char path[CONFIG_PATH_MAX];
	uint64_t interval_ms;
	struct track *t; /* TRACKS_MAX; written by the follower alone,
			    under mu */
	size_t n;
	struct shards_file *pending; /* a reloaded file, under mu */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	/* the entry being appended */
	struct writer_job job;
	elog_entry entry;
	uint64_t seq;
	int job_done, job_rc;
	elog_err_t job_err;
};

struct body {
	char *buf;
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t l = size * n;

	if (b->len + l > BODY_MAX)
		return 0;
	memcpy(b->buf + b->len, p, l);
	b->len += l;
	b->buf[b->len] = '\0';
	return l;
}

/* GET base+path into b (BODY_MAX + 1 bytes); the status, 0 for none. */
static long fetch(const char *base, const char *path, struct body *b)
{
	char full[SHARD_URL_MAX + 128];
	CURL *c = curl_easy_init();
	long status = 0;

	b->len = 0;
	b->buf[0] = '\0';
	if (!c)
		return 0;
	snprintf(full, sizeof full, "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, FETCH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, FETCH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

/* ---- appending through the writer ---- */

static int append_run(struct writer_job *job, elog_store *w, elog_err_t *err)
{
	struct shards *sh = job->ctx;
	return elog_store_add(w, &sh->entry, &sh->seq, err);
}

static void append_done(struct writer_job *job, int rc, const elog_err_t *err,
			const elog_commit *c)
{
	struct shards *sh = job->ctx;
	(void)c;
	pthread_mutex_lock(&sh->mu);
	sh->job_rc = rc;
	if (rc && err)
		sh->job_err = *err;
	sh->job_done = 1;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
}

/* Append the root entry s and wait for its commit; its seq in *seq. */
static int append(struct shards *sh, const elog_shard_entry *s, uint64_t *seq,
		  elog_err_t *err)
{
	int rc;

	if ((rc = elog_shard_entry_build(s, &sh->entry, err)))
		return rc;
	memset(&sh->job, 0, sizeof sh->job);
	sh->job.run = append_run;
	sh->job.done = append_done;
	sh->job.ctx = sh;
	sh->job.weight = 1;
	sh->job.full_sync = 1;
	sh->job_done = 0;
	if ((rc = writer_submit(sh->srv->writer, &sh->job, err)) == 0) {
		pthread_mutex_lock(&sh->mu);
		while (!sh->job_done)
			pthread_cond_wait(&sh->cv, &sh->mu);
		rc = sh->job_rc;
		if (rc)
			*err = sh->job_err;
		pthread_mutex_unlock(&sh->mu);
	}
	*seq = sh->seq;
	elog_entry_free(&sh->entry);
	return rc;
}

/* ---- the state of each origin ---- */

static struct track *find(struct shards *sh, const char *origin)
{
	for (size_t i = 0; i < sh->n; i++)
		if (!strcmp(sh->t[i].spec.origin, origin))
			return &sh->t[i];
	return NULL;
}

static struct track *find_or_add(struct shards *sh, const char *origin)
{
	struct track *t = find(sh, origin);

	if (t || sh->n == TRACKS_MAX || strlen(origin) > ELOG_NAME_MAX)
		return t;
	t = &sh->t[sh->n++];
	memset(t, 0, sizeof *t);
	memcpy(t->spec.origin, origin, strlen(origin) + 1);
	t->reg_seq = -1;
	return t;
}

/* Shards registered and not closed: K of the next shard entry. */
static uint64_t registry(const struct shards *sh)
{
	uint64_t k = 0;
	for (size_t i = 0; i < sh->n; i++)
		k += sh->t[i].reg_seq >= 0 && !sh->t[i].closed;
	return k;
}

static int was_refused(const struct track *t, const elog_checkpoint *cp)
{
	size_t n = t->nrefused < REFUSED_MAX ? t->nrefused : REFUSED_MAX;
	for (size_t i = 0; i < n; i++)
		if (t->refused[i].size == cp->size &&
		    !memcmp(t->refused[i].root.b, cp->root.b, ELOG_HASH_LEN))
			return 1;
	return 0;
}

static void note_refused(struct track *t, const elog_checkpoint *cp)
{
	size_t i = t->nrefused++ % REFUSED_MAX;
	t->refused[i].size = cp->size;
	t->refused[i].root = cp->root;
}

/* One root entry read back from the log into the state. */
static int load_one(void *ctx, uint64_t seq, int kind, const char *data,
		    size_t len)
{
	struct shards *sh = ctx;
	json_t *o = NULL;
	struct track *t;
	elog_checkpoint cp;
	const char *s;

	if (elog_json_load(data, len, &o, NULL) != 0)
		return 0;
	s = json_string_value(json_object_get(o, "origin"));
	if (!s || !(t = find_or_add(sh, s)))
		goto out;
	memset(&cp, 0, sizeof cp);
	cp.size = (uint64_t)json_integer_value(json_object_get(o, "size"));
	s = json_string_value(json_object_get(o, "root"));
	if (s)
		elog_hash_from_b64(s, &cp.root);
	pthread_mutex_lock(&sh->mu);
	if (kind == ELOG_KIND_SHARD_ADD) {
		t->reg_seq = (int64_t)seq;
		snprintf(t->reg_vkey, sizeof t->reg_vkey, "%s",
			 json_string_value(json_object_get(o, "vkey")));
	} else if (kind == ELOG_KIND_SHARD) {
		t->has_latest = 1;
		t->latest_seq = seq;
		t->latest = cp;
	} else if (kind == ELOG_KIND_SHARD_REFUSAL) {
		t->refusals++;
		note_refused(t, &cp);
	} else if (kind == ELOG_KIND_SHARD_RETIRE) {
		t->retired = 1;
	} else if (kind == ELOG_KIND_SHARD_CLOSE) {
		t->closed = 1;
	}
	pthread_mutex_unlock(&sh->mu);
out:
	json_decref(o);
	return 0;
}

static int load_log(struct shards *sh, elog_err_t *err)
{
	unsigned mask = 0;
	elog_store *s = NULL;
	int rc;

	for (int k = ELOG_KIND_SHARD_ADD; k <= ELOG_KIND_SHARD_CLOSE; k++)
		mask |= ELOG_KINDMASK(k);
	if ((rc = elog_store_open(sh->srv->cfg.db, ELOG_STORE_READ,
				  ELOG_SYNC_FULL, &s, err)))
		return rc;
	rc = elog_ledger_list(s, 0, SIZE_MAX, mask, load_one, sh, err);
	elog_store_close(s);
	return rc;
}

/* ---- following one shard ---- */

/* A problem that is no entry: a metric, and a line the first time. */
static void trouble(struct track *t, const char *fmt, ...)
{
	char msg[sizeof t->trouble];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	metrics_shard(METRICS_SHARD_ERROR);
	if (strcmp(msg, t->trouble) == 0)
		return;
	snprintf(t->trouble, sizeof t->trouble, "%s", msg);
	log_event(LEVEL_WARN, NULL, "shard %s: %s", t->spec.origin, msg);
}

/* Record cp (shard) or refuse it (shard_refusal, reason why). */
static void write_cp(struct shards *sh, struct track *t,
		     const elog_checkpoint *cp, const uint8_t *sig,
		     const char *why)
{
	elog_shard_entry s;
	elog_err_t err;
	uint64_t seq = 0;

	if (why && was_refused(t, cp))
		return;
	memset(&s, 0, sizeof s);
	s.kind = why ? ELOG_KIND_SHARD_REFUSAL : ELOG_KIND_SHARD;
	s.ts = elog_now_ms();
	s.origin = t->spec.origin;
	s.reason = why;
	s.registry = registry(sh);
	s.cp = *cp;
	memcpy(s.signature, sig, ELOG_SHARD_SIG_LEN);
	elog_err_clear(&err);
	if (append(sh, &s, &seq, &err)) {
		trouble(t, "cannot append its entry: %s", err.msg);
		return;
	}
	pthread_mutex_lock(&sh->mu);
	if (why) {
		t->refusals++;
		note_refused(t, cp);
	} else {
		t->has_latest = 1;
		t->latest_seq = seq;
		t->latest = *cp;
	}
	pthread_mutex_unlock(&sh->mu);
	t->trouble[0] = '\0';
	if (why) {
		metrics_shard(METRICS_SHARD_REFUSAL);
		log_event(LEVEL_ERROR, NULL,
			  "ALARM: shard %s: checkpoint of size %llu refused "
			  "(%s), root entry seq %llu",
			  t->spec.origin, (unsigned long long)cp->size, why,
			  (unsigned long long)seq);
	} else {
		metrics_shard(METRICS_SHARD_RECORDED);
	}
}

/* Is cp consistent with the last recorded checkpoint (smaller)?  1 yes,
 * 0 no (a fork), -1 the proof could not be read. */
static int consistent(struct track *t, const elog_checkpoint *cp,
		      struct body *b)
{
	elog_hash proof[ELOG_MAX_PROOF];
	json_t *o = NULL, *arr;
	char path[96];
	size_t n = 0, i;
	int ok = -1;

	if (t->latest.size == 0)
		return 1; /* every tree extends the empty one */
	snprintf(path, sizeof path, "/v1/proof/consistency?old=%llu&new=%llu",
		 (unsigned long long)t->latest.size,
		 (unsigned long long)cp->size);
	if (fetch(t->spec.url, path, b) != 200 ||
	    elog_json_load(b->buf, b->len, &o, NULL) != 0 ||
	    !json_is_array(arr = json_object_get(o, "proof")) ||
	    (n = json_array_size(arr)) > ELOG_MAX_PROOF) {
		trouble(t, "cannot read a consistency proof from %llu to %llu",
			(unsigned long long)t->latest.size,
			(unsigned long long)cp->size);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *h = json_string_value(json_array_get(arr, i));
		if (!h || elog_hash_from_b64(h, &proof[i]))
			break;
	}
	ok = i == n &&
	     elog_verify_consistency(t->latest.size, cp->size, &t->latest.root,
				     &cp->root, proof, n, NULL) == 0;
out:
	json_decref(o);
	return ok;
}

/* Poll one shard and record or refuse its checkpoint. */
static void follow(struct shards *sh, struct track *t, struct body *b)
{
	uint8_t sig[ELOG_SHARD_SIG_LEN];
	elog_checkpoint cp;
	elog_err_t err;
	long status;
	int c;

	status = fetch(t->spec.url, "/v1/checkpoint", b);
	if (status != 200) {
		trouble(t, "unreachable (GET /v1/checkpoint: %ld)", status);
		return;
	}
	elog_err_clear(&err);
	if (elog_shard_checkpoint_open(b->buf, b->len, &t->spec.vk, &cp, sig,
				       &err)) {
		trouble(t,
			"a checkpoint that does not verify with its key: "
			"%s",
			err.msg);
		return;
	}
	if (!t->has_latest) {
		write_cp(sh, t, &cp, sig, NULL);
	} else if (cp.size < t->latest.size) {
		write_cp(sh, t, &cp, sig, "rollback");
	} else if (cp.size == t->latest.size) {
		if (memcmp(cp.root.b, t->latest.root.b, ELOG_HASH_LEN))
			write_cp(sh, t, &cp, sig, "fork");
		else
			t->trouble[0] = '\0';
	} else if ((c = consistent(t, &cp, b)) >= 0) {
		write_cp(sh, t, &cp, sig, c ? NULL : "fork");
	}
}

/* ---- the file ---- */

/* Refuse a file that contradicts the log: another key for a registered
 * origin, or a closed shard back.  0 or INVALID_VALUE. */
static int file_check(struct shards *sh, const struct shards_file *f,
		      elog_err_t *err)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct shard_spec *s = &f->spec[i];
		struct track *t = find(sh, s->origin);
		if (!t)
			continue;
		if (t->reg_seq >= 0 && strcmp(t->reg_vkey, s->vkey))
			return elog_fail(err, ELOG_INVALID_VALUE, -1, "shards",
					 "shard %s: its VKEY is not the one "
					 "registered at root seq %lld",
					 s->origin, (long long)t->reg_seq);
		if (t->closed && s->state != SHARD_CLOSED)
			return elog_fail(err, ELOG_INVALID_VALUE, -1, "shards",
					 "shard %s was closed: it cannot be "
					 "%s again",
					 s->origin,
					 s->state == SHARD_ACTIVE ? "active"
								  : "retired");
	}
	if (sh->n + f->n > TRACKS_MAX)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "shards",
				 "too many shards over the root's life");
	return 0;
}

/* Apply a checked file: take its lines and append the entries it asks
 * for.  The first failure to append is returned (the rest is tried again
 * at the next reload or start). */
static int apply(struct shards *sh, const struct shards_file *f,
		 struct body *b, elog_err_t *err)
{
	elog_shard_entry s;
	uint64_t seq;
	int rc;

	pthread_mutex_lock(&sh->mu);
	for (size_t i = 0; i < sh->n; i++)
		sh->t[i].in_file = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct track *t = find_or_add(sh, f->spec[i].origin);
		t->spec = f->spec[i];
		t->in_file = 1;
	}
	pthread_mutex_unlock(&sh->mu);
	for (size_t i = 0; i < sh->n; i++) {
		struct track *t = &sh->t[i];
		int want = t->spec.state;
		if (!t->in_file)
			continue;
		memset(&s, 0, sizeof s);
		s.origin = t->spec.origin;
		s.ts = elog_now_ms();
		if (t->reg_seq < 0) {
			s.kind = ELOG_KIND_SHARD_ADD;
			s.vkey = t->spec.vkey;
			if ((rc = append(sh, &s, &seq, err)))
				return rc;
			pthread_mutex_lock(&sh->mu);
			t->reg_seq = (int64_t)seq;
			snprintf(t->reg_vkey, sizeof t->reg_vkey, "%s",
				 t->spec.vkey);
			pthread_mutex_unlock(&sh->mu);
		}
		if (want == SHARD_ACTIVE && t->retired)
			log_event(LEVEL_WARN, NULL,
				  "shard %s is retired in the root log; it "
				  "stays retired",
				  t->spec.origin);
		if ((want == SHARD_RETIRED && !t->retired) ||
		    (want == SHARD_CLOSED && !t->closed)) {
			/* what the shard says now, then its mark on it */
			if (!t->closed)
				follow(sh, t, b);
			s.kind = want == SHARD_RETIRED ? ELOG_KIND_SHARD_RETIRE
						       : ELOG_KIND_SHARD_CLOSE;
			s.ts = elog_now_ms();
			s.cp.size = t->has_latest ? t->latest.size : 0;
			s.cp.root = t->has_latest ? t->latest.root
						  : ELOG_EMPTY_ROOT;
			if ((rc = append(sh, &s, &seq, err)))
				return rc;
			pthread_mutex_lock(&sh->mu);
			if (want == SHARD_RETIRED)
				t->retired = 1;
			else
				t->closed = 1;
			pthread_mutex_unlock(&sh->mu);
		}
	}
	return 0;
}

/* ---- the thread ---- */

static int stopping(struct shards *sh)
{
	int stop;

	pthread_mutex_lock(&sh->mu);
	stop = sh->stop;
	pthread_mutex_unlock(&sh->mu);
	return stop;
}

static void *loop(void *arg)
{
	struct shards *sh = arg;
	struct body b;
	char buf[BODY_MAX + 1];

	b.buf = buf;
	b.len = 0;
	pthread_mutex_lock(&sh->mu);
	while (!sh->stop) {
		struct shards_file *f = sh->pending;
		struct timespec until;
		uint64_t ns;
		sh->pending = NULL;
		pthread_mutex_unlock(&sh->mu);
		if (f) {
			elog_err_t err;
			elog_err_clear(&err);
			if (file_check(sh, f, &err) || apply(sh, f, &b, &err))
				log_event(LEVEL_ERROR, NULL,
					  "SIGHUP: shards file %s: %s",
					  sh->path, err.msg);
			else
				log_event(LEVEL_INFO, NULL,
					  "SIGHUP: shards file %s applied",
					  sh->path);
			free(f);
		}
		for (size_t i = 0; i < sh->n && !stopping(sh); i++)
			if (sh->t[i].in_file && !sh->t[i].closed)
				follow(sh, &sh->t[i], &b);
		pthread_mutex_lock(&sh->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		ns = (uint64_t)until.tv_nsec + sh->interval_ms * 1000000u;
		until.tv_sec += (time_t)(ns / 1000000000u);
		until.tv_nsec = (long)(ns % 1000000000u);
		while (!sh->stop && !sh->pending &&
		       pthread_cond_timedwait(&sh->cv, &sh->mu, &until) !=
			       ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&sh->mu);
	return NULL;
}

int shards_start(struct server *srv, struct shards **out, elog_err_t *err)
{
	struct shards_file *f = NULL;
	struct shards *sh = NULL;
	struct body b = {NULL, 0};
	int rc;

	*out = NULL;
	if (!srv->cfg.shards[0])
		return 0;
	if (!(sh = calloc(1, sizeof *sh)) ||
	    !(sh->t = calloc(TRACKS_MAX, sizeof *sh->t)) ||
	    !(f = malloc(sizeof *f)) || !(b.buf = malloc(BODY_MAX + 1))) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto fail;
	}
	sh->srv = srv;
	sh->interval_ms = srv->cfg.follow_interval;
	snprintf(sh->path, sizeof sh->path, "%s", srv->cfg.shards);
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->cv, NULL);
	if ((rc = shards_file_load(sh->path, f, err)) ||
	    (rc = load_log(sh, err)) || (rc = file_check(sh, f, err)) ||
	    (rc = apply(sh, f, &b, err)))
		goto fail_locks;
	if (pthread_create(&sh->thread, NULL, loop, sh) != 0) {
		rc = elog_fail(err, ELOG_INTERNAL, -1, NULL,
			       "cannot start the shard follower");
		goto fail_locks;
	}
	free(f);
	free(b.buf);
	*out = sh;
	return 0;
fail_locks:
	pthread_mutex_destroy(&sh->mu);
	pthread_cond_destroy(&sh->cv);
fail:
	free(b.buf);
	free(f);
	if (sh)
		free(sh->t);
	free(sh);
	return rc;
}

void shards_reload(struct shards *sh)
{
	struct shards_file *f;
	elog_err_t err;

	if (!sh)
		return;
	elog_err_clear(&err);
	if (!(f = malloc(sizeof *f)) || shards_file_load(sh->path, f, &err)) {
		log_event(LEVEL_ERROR, NULL,
			  "SIGHUP: shards file kept as it was: %s",
			  f ? err.msg : "out of memory");
		free(f);
		return;
	}
	pthread_mutex_lock(&sh->mu);
	free(sh->pending);
	sh->pending = f;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
}

void shards_stop(struct shards *sh)
{
	if (!sh || sh->stop)
		return;
	pthread_mutex_lock(&sh->mu);
	sh->stop = 1;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
	pthread_join(sh->thread, NULL);
}

void shards_free(struct shards *sh)
{
	if (!sh)
		return;
	shards_stop(sh);
	pthread_mutex_destroy(&sh->mu);
	pthread_cond_destroy(&sh->cv);
	free(sh->pending);
	free(sh->t);
	free(sh);
}

size_t shards_targets(struct shards *sh, struct shard_target *out, size_t max)
{
	size_t k = 0;

	pthread_mutex_lock(&sh->mu);
	for (size_t i = 0; i < sh->n && k < max; i++) {
		const struct track *t = &sh->t[i];
		if (t->reg_seq < 0 || t->closed)
			continue;
		memcpy(out[k].origin, t->spec.origin, sizeof out[k].origin);
		snprintf(out[k].url, sizeof out[k].url, "%s",
			 t->in_file ? t->spec.url : "");
		snprintf(out[k].token_path, sizeof out[k].token_path, "%s",
			 t->in_file ? t->spec.token_path : "");
		k++;
	}
	pthread_mutex_unlock(&sh->mu);
	return k;
}

static json_t *track_json(const struct track *t)
{
	char root[ELOG_HASH_B64_LEN];
	json_t *latest = json_null();

	if (t->has_latest) {
		elog_hash_to_b64(&t->latest.root, root);
		latest = json_pack("{s:I,s:I,s:s}", "seq",
				   (json_int_t)t->latest_seq, "size",
				   (json_int_t)t->latest.size, "root", root);
	}
	return json_pack("{s:s,s:o,s:s,s:s,s:{s:I},s:o,s:I}", "origin",
			 t->spec.origin, "url",
			 t->in_file ? json_string(t->spec.url) : json_null(),
			 "vkey", t->reg_vkey, "state",
			 t->closed    ? "closed"
			 : t->retired ? "retired"
				      : "active",
			 "registered", "seq", (json_int_t)t->reg_seq, "latest",
			 latest, "refusals", (json_int_t)t->refusals);
}

json_t *shards_json(struct shards *sh)
{
	json_t *arr = json_array(), *o = NULL;

	if (!arr)
		return NULL;
	pthread_mutex_lock(&sh->mu);
	for (size_t i = 0; i < sh->n; i++)
		if (sh->t[i].reg_seq >= 0 &&
		    json_array_append_new(arr, track_json(&sh->t[i])))
			goto out;
	o = json_pack("{s:s,s:I,s:O}", "origin", sh->srv->signer.name,
		      "registry", (json_int_t)registry(sh), "shards", arr);
out:
	pthread_mutex_unlock(&sh->mu);
	json_decref(arr);
	return o;
}
