/*
 * request.c — envelog request: an authority's lawful request across the
 * shards of a root log (docs/PROTOCOL.md, "The authority's fan-out").
 *
 * GET the root's /v1/shards; POST the warrant to every shard not closed, in
 * parallel; wait (at most --wait seconds) until the root has recorded each
 * shard that answered at a size at least its bundle's; fetch and verify
 * the root checkpoint; fetch each shard's root entries with their
 * inclusion proofs and, from the shard, the consistency proof from its
 * bundle's checkpoint to the recorded one; write the bundle set.  A shard
 * that did not answer is named on stderr and listed in "missing", and the
 * exit status is 1: never a silent partial answer.  A complete set is
 * verified (elog_bundle_set_verify, and every record inside the warrant:
 * elog_bundle_set_check_warrant) before exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "bundleset.h"
#include "canon.h"
#include "checkpoint.h"
#include "cli.h"
#include "http.h"
#include "param.h"

#define MAX_SHARDS 256
#define TOKENS_MAX (1u << 20) /* bytes of a --tokens file */
#define POLL_MS 200

struct shard {
	char origin[ELOG_NAME_MAX + 1];
	char url[CLI_URL_MAX];
	char token[CLI_TOKEN_MAX];
	elog_verifier vk;
	int closed;
	/* the answer */
	long status;
	json_t *bundle; /* 200: the bundle */
	uint64_t bsize; /* its checkpoint's size */
	char error[64]; /* "" while it counts as answered */
	char message[512];
	/* the root's entries for it */
	uint64_t reg_seq, rec_seq, rec_size;
	int recorded;
};

struct fanout {
	struct shard *sh;
	const char *note;
	size_t note_len;
	const char *cacert;
	long timeout;
};

static void set_missing(struct shard *s, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
static void set_missing(struct shard *s, const char *code, const char *fmt, ...)
{
	va_list ap;
	snprintf(s->error, sizeof s->error, "%s", code);
	va_start(ap, fmt);
	vsnprintf(s->message, sizeof s->message, fmt, ap);
	va_end(ap);
}

/* GET base||path as JSON into *out; IO / MALFORMED_JSON / the status. */
static int get_json(struct cli_http *h, const char *path, json_t **out,
		    elog_err_t *err)
{
	struct cli_body b;
	long status = 0;
	int rc;

	*out = NULL;
	if ((rc = cli_http_do(h, path, NULL, 0, NULL, &status, &b, err)))
		return rc;
	if (status != 200) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "%s%s: HTTP %ld",
			       h->base, path, status);
		cli_body_free(&b);
		return rc;
	}
	rc = elog_json_load(b.p, b.len, out, err);
	cli_body_free(&b);
	return rc;
}

/* One shard's POST, on its own thread. */
struct post_job {
	struct fanout *f;
	struct shard *s;
	pthread_t t;
};

static void *post_main(void *arg)
{
	struct post_job *j = arg;
	struct shard *s = j->s;
	struct cli_http h;
	struct cli_body b;
	elog_err_t err;
	json_t *ans = NULL;
	const char *note;
	elog_checkpoint cp;

	memset(&b, 0, sizeof b);
	if (cli_http_init(&h, s->url, j->f->cacert, j->f->timeout, &err)) {
		set_missing(s, "bad_url", "%s", err.msg);
		return NULL;
	}
	h.agent = "envelog-request";
	if (cli_http_do(&h, "/v1/requests", j->f->note, j->f->note_len,
			s->token, &s->status, &b, &err)) {
		set_missing(s, "unreachable", "%s", err.msg);
		goto out;
	}
	if (elog_json_load(b.p, b.len, &ans, NULL) != 0) {
		set_missing(s, "malformed_answer",
			    "HTTP %ld with an answer that is not JSON",
			    s->status);
		goto out;
	}
	if (s->status != 200) {
		json_t *e = json_object_get(ans, "error");
		const char *code = json_string_value(
			json_object_get(e, "code"));
		const char *why = json_string_value(
			json_object_get(json_object_get(e, "detail"),
					"reason"));
		const char *msg = json_string_value(
			json_object_get(e, "message"));
		set_missing(s, code ? code : "http_error", "HTTP %ld%s%s: %s",
			    s->status, why ? ", reason " : "", why ? why : "",
			    msg ? msg : "no message");
		goto out;
	}
	note = json_string_value(json_object_get(ans, "checkpoint"));
	if (!note ||
	    elog_checkpoint_open(note, strlen(note), &s->vk, &cp, &err)) {
		set_missing(s, "bad_bundle",
			    "the bundle's checkpoint is not signed by the "
			    "shard's registered key");
		goto out;
	}
	s->bsize = cp.size;
	s->bundle = ans;
	ans = NULL;
out:
	json_decref(ans);
	cli_body_free(&b);
	cli_http_close(&h);
	return NULL;
}

/* The token for origin from a --tokens file's "ORIGIN TOKEN" lines. */
static int token_for(const char *tokens, const char *origin, char *out,
		     size_t cap)
{
	size_t ol = strlen(origin);
	const char *p = tokens;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > ol + 1 && !strncmp(p, origin, ol) && p[ol] == ' ') {
			size_t tl = n - ol - 1;
			while (tl && (p[ol + 1 + tl - 1] == '\r' ||
				      p[ol + 1 + tl - 1] == ' '))
				tl--;
			if (tl == 0 || tl >= cap)
				return -1;
			memcpy(out, p + ol + 1, tl);
			out[tl] = '\0';
			return 0;
		}
		p = e ? e + 1 : NULL;
	}
	return -1;
}

/* Read the root's /v1/shards into sh[0..*n); the shard list's entries. */
static int load_shards(struct cli_http *root, const char *token,
		       const char *tokens, struct shard *sh, size_t *n,
		       elog_err_t *err)
{
	json_t *j = NULL, *arr, *o;
	size_t i;
	int rc;

	*n = 0;
	if ((rc = get_json(root, "/v1/shards", &j, err)))
		return rc;
	arr = json_object_get(j, "shards");
	if (!json_is_array(arr) || json_array_size(arr) > MAX_SHARDS) {
		rc = elog_fail(err, ELOG_MALFORMED_JSON, -1, NULL,
			       "the root's /v1/shards has no list of at most "
			       "%d shards",
			       MAX_SHARDS);
		goto out;
	}
	json_array_foreach(arr, i, o)
	{
		struct shard *s = &sh[i];
		const char *origin = json_string_value(
			json_object_get(o, "origin"));
		const char *url = json_string_value(json_object_get(o, "url"));
		const char *vk = json_string_value(json_object_get(o, "vkey"));
		const char *st = json_string_value(json_object_get(o, "state"));
		memset(s, 0, sizeof *s);
		if (!origin || !url || !vk || !st ||
		    snprintf(s->origin, sizeof s->origin, "%s", origin) >=
			    (int)sizeof s->origin ||
		    snprintf(s->url, sizeof s->url, "%s", url) >=
			    (int)sizeof s->url ||
		    elog_verifier_parse(vk, &s->vk, NULL) != 0 ||
		    strcmp(s->vk.name, origin) != 0) {
			rc = elog_fail(err, ELOG_MALFORMED_JSON, (long)i, NULL,
				       "shard %zu of the root's /v1/shards "
				       "lacks an origin, url, state or a vkey "
				       "named for it",
				       i);
			goto out;
		}
		s->closed = strcmp(st, "closed") == 0;
		if (tokens ? token_for(tokens, origin, s->token,
				       sizeof s->token) != 0
			   : snprintf(s->token, sizeof s->token, "%s",
				      token) >= (int)sizeof s->token) {
			rc = elog_fail(err, ELOG_INVALID_PARAMETER, -1,
				       "tokens",
				       "no usable token for shard %s in "
				       "--tokens",
				       origin);
			goto out;
		}
		(*n)++;
	}
out:
	json_decref(j);
	return rc;
}

/* Note each answered shard's root entries from /v1/shards; *pending: how
 * many answered shards the root has not recorded at their bundle's size. */
static int poll_recorded(struct cli_http *root, struct shard *sh, size_t n,
			 size_t *pending, elog_err_t *err)
{
	json_t *j = NULL, *arr, *o;
	size_t i;
	int rc;

	*pending = 0;
	if ((rc = get_json(root, "/v1/shards", &j, err)))
		return rc;
	arr = json_object_get(j, "shards");
	for (size_t k = 0; k < n; k++) {
		struct shard *s = &sh[k];
		if (s->closed || s->error[0])
			continue;
		s->recorded = 0;
		json_array_foreach(arr, i, o)
		{
			const char *origin = json_string_value(
				json_object_get(o, "origin"));
			json_t *reg = json_object_get(o, "registered");
			json_t *lat = json_object_get(o, "latest");
			json_int_t rs, ls, lz;
			if (!origin || strcmp(origin, s->origin) != 0)
				continue;
			rs = json_integer_value(json_object_get(reg, "seq"));
			ls = json_integer_value(json_object_get(lat, "seq"));
			lz = json_integer_value(json_object_get(lat, "size"));
			if (json_is_object(lat) && rs >= 0 && ls > rs &&
			    lz >= 0 && (uint64_t)lz >= s->bsize) {
				s->reg_seq = (uint64_t)rs;
				s->rec_seq = (uint64_t)ls;
				s->rec_size = (uint64_t)lz;
				s->recorded = 1;
			}
		}
		if (!s->recorded)
			(*pending)++;
	}
	json_decref(j);
	return 0;
}

/* A proof answer's "proof" array (a new reference), or NULL. */
static json_t *get_proof(struct cli_http *h, const char *path, elog_err_t *err)
{
	json_t *j = NULL, *p;

	if (get_json(h, path, &j, err))
		return NULL;
	p = json_object_get(j, "proof");
	if (!json_is_array(p)) {
		elog_fail(err, ELOG_MALFORMED_PROOF, -1, NULL,
			  "%s%s: no proof in the answer", h->base, path);
		json_decref(j);
		return NULL;
	}
	json_incref(p);
	json_decref(j);
	return p;
}

/* {"seq","entry","proof"} of the root's entry seq, proved at size. */
static json_t *root_proved(struct cli_http *root, uint64_t seq, uint64_t size,
			   elog_err_t *err)
{
	char path[128];
	json_t *j = NULL, *entry, *proof, *out;

	snprintf(path, sizeof path, "/v1/leaves?start=%llu&end=%llu",
		 (unsigned long long)seq, (unsigned long long)seq + 1);
	if (get_json(root, path, &j, err))
		return NULL;
	entry = json_object_get(json_array_get(json_object_get(j, "leaves"), 0),
				"entry");
	if (!json_is_object(entry)) {
		elog_fail(err, ELOG_MALFORMED_JSON, -1, NULL,
			  "the root's leaf %llu has no entry",
			  (unsigned long long)seq);
		json_decref(j);
		return NULL;
	}
	snprintf(path, sizeof path, "/v1/proof/inclusion?index=%llu&size=%llu",
		 (unsigned long long)seq, (unsigned long long)size);
	proof = get_proof(root, path, err);
	out = proof ? json_pack("{s:I,s:O,s:o}", "seq", (json_int_t)seq,
				"entry", entry, "proof", proof)
		    : NULL;
	json_decref(j);
	return out;
}

/* The set's entry for answered and recorded shard s (a new reference). */
static json_t *shard_member(struct cli_http *root, struct fanout *f,
			    struct shard *s, uint64_t root_size,
			    elog_err_t *err)
{
	json_t *reg = NULL, *rec = NULL, *cons = NULL, *out = NULL;
	struct cli_http h;
	char path[128];

	memset(&h, 0, sizeof h);
	if (!(reg = root_proved(root, s->reg_seq, root_size, err)) ||
	    !(rec = root_proved(root, s->rec_seq, root_size, err)))
		goto out;
	if (s->bsize == s->rec_size) {
		cons = json_array();
	} else {
		if (cli_http_init(&h, s->url, f->cacert, f->timeout, err))
			goto out;
		snprintf(path, sizeof path,
			 "/v1/proof/consistency?old=%llu&new=%llu",
			 (unsigned long long)s->bsize,
			 (unsigned long long)s->rec_size);
		if (!(cons = get_proof(&h, path, err)))
			goto out;
	}
	out = json_pack("{s:s,s:O,s:O,s:O,s:O}", "origin", s->origin,
			"registration", reg, "recorded", rec, "consistency",
			cons, "bundle", s->bundle);
out:
	cli_http_close(&h);
	json_decref(reg);
	json_decref(rec);
	json_decref(cons);
	return out;
}

/* Write text to path (mode 0600: the set holds private records). */
static int write_out(const char *path, const char *text, elog_err_t *err)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return elog_fail(err, ELOG_IO, -1, NULL, "%s: %s", path,
				 strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			return elog_fail(err, ELOG_IO, -1, NULL, "%s: %s",
					 path, strerror(e));
		}
		off += (size_t)w;
	}
	if (close(fd) != 0)
		return elog_fail(err, ELOG_IO, -1, NULL, "%s: %s", path,
				 strerror(errno));
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmd_request(int argc, char **argv)
{
	const char *root_url = NULL, *vkey = NULL, *warrant = NULL,
		   *token = NULL, *tokens_path = NULL, *out_path = NULL,
		   *wait_s = NULL, *cacert = NULL;
	struct shard *sh = NULL;
	struct post_job *jobs = NULL;
	struct fanout f;
	struct cli_http root;
	elog_verifier root_vk;
	elog_checkpoint rcp;
	elog_err_t err;
	char *note = NULL, *tokens = NULL, *text = NULL, hex[65], msg[1024];
	char ecode[4 * 64], emsg[4 * 512];
	size_t note_len = 0, tlen = 0, n = 0, pending = 0, nmissing = 0;
	uint64_t wait = 30;
	json_t *set = NULL, *members = NULL, *missing = NULL;
	struct cli_body cpb;
	long status = 0;
	int first, rc = CLI_USAGE, curl_up = 0;
	int64_t deadline;
	elog_hash h;
	const cli_opt opts[] = {
		{.name = "root", .value = &root_url},
		{.name = "vkey", .value = &vkey},
		{.name = "warrant", .value = &warrant},
		{.name = "token", .value = &token},
		{.name = "tokens", .value = &tokens_path},
		{.name = "out", .value = &out_path},
		{.name = "wait", .value = &wait_s},
		{.name = "cacert", .value = &cacert},
		{.name = NULL},
	};

	memset(&root, 0, sizeof root);
	memset(&cpb, 0, sizeof cpb);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "request", &first)) >= 0)
		return rc;
	rc = CLI_USAGE;
	if (first != argc || !root_url || !vkey || !warrant || !out_path ||
	    (!token == !tokens_path) ||
	    (wait_s && elog_param_uint(wait_s, 86400, &wait)) || wait == 0)
		return cli_usage("request", 1);
	if (elog_verifier_parse(vkey, &root_vk, &err))
		return cli_fail("request: --vkey", &err);
	if (cli_read_file(warrant, ELOG_NOTE_MAX, &note, &note_len, &err))
		return cli_fail("request: --warrant", &err);
	if (tokens_path)
		cli_warn_mode(tokens_path);
	if (tokens_path &&
	    cli_read_file(tokens_path, TOKENS_MAX, &tokens, &tlen, &err)) {
		rc = cli_fail("request: --tokens", &err);
		goto out;
	}
	elog_sha256(note, note_len, &h);
	elog_hash_to_hex(&h, hex);
	sh = calloc(MAX_SHARDS, sizeof *sh);
	jobs = calloc(MAX_SHARDS, sizeof *jobs);
	if (!sh || !jobs) {
		fprintf(stderr, "envelog: request: out of memory\n");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "envelog: request: libcurl failed to start\n");
		goto out;
	}
	curl_up = 1;
	if (cli_http_init(&root, root_url, cacert, (long)wait, &err)) {
		rc = cli_fail("request: --root", &err);
		goto out;
	}
	root.agent = "envelog-request";
	if (load_shards(&root, token, tokens, sh, &n, &err)) {
		rc = cli_fail("request: the root's shards", &err);
		goto out;
	}
	/* Fan out: every shard not closed, in parallel. */
	f.sh = sh;
	f.note = note;
	f.note_len = note_len;
	f.cacert = cacert;
	f.timeout = (long)wait;
	for (size_t i = 0; i < n; i++) {
		jobs[i].f = &f;
		jobs[i].s = &sh[i];
		if (sh[i].closed)
			continue;
		if (pthread_create(&jobs[i].t, NULL, post_main, &jobs[i])) {
			set_missing(&sh[i], "internal_error",
				    "cannot start a thread");
			sh[i].closed = 2; /* not joined */
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!sh[i].closed)
			pthread_join(jobs[i].t, NULL);
	/* Wait for the root to record every shard that answered; a root
	 * that does not answer a poll is asked again until the deadline. */
	deadline = now_ms() + (int64_t)wait * 1000;
	for (;;) {
		int failed = poll_recorded(&root, sh, n, &pending, &err) != 0;
		if (failed && now_ms() >= deadline) {
			rc = cli_fail("request: the root's shards", &err);
			goto out;
		}
		if (!failed && (pending == 0 || now_ms() >= deadline))
			break;
		usleep(POLL_MS * 1000);
	}
	for (size_t i = 0; i < n; i++)
		if (sh[i].closed != 1 && !sh[i].error[0] && !sh[i].recorded)
			set_missing(&sh[i], "not_recorded",
				    "the root did not record its checkpoint "
				    "of size %llu within %llu s",
				    (unsigned long long)sh[i].bsize,
				    (unsigned long long)wait);
	/* The root checkpoint that the set is tied to. */
	if (cli_http_do(&root, "/v1/checkpoint", NULL, 0, NULL, &status, &cpb,
			&err)) {
		rc = cli_fail("request: the root checkpoint", &err);
		goto out;
	}
	if (status != 200 ||
	    elog_checkpoint_open(cpb.p, cpb.len, &root_vk, &rcp, &err)) {
		fprintf(stderr,
			"envelog: request: the root checkpoint (HTTP %ld) is "
			"not signed by --vkey\n",
			status);
		rc = CLI_BAD;
		goto out;
	}
	members = json_array();
	missing = json_array();
	for (size_t i = 0; i < n; i++) {
		struct shard *s = &sh[i];
		json_t *m;
		if (s->closed == 1)
			continue;
		if (!s->error[0]) {
			if (s->rec_seq >= rcp.size)
				set_missing(s, "not_recorded",
					    "the root checkpoint (size %llu) "
					    "does not cover its entry %llu",
					    (unsigned long long)rcp.size,
					    (unsigned long long)s->rec_seq);
			else if (!(m = shard_member(&root, &f, s, rcp.size,
						    &err)))
				set_missing(s, "unreachable", "%s", err.msg);
			else
				json_array_append_new(members, m);
		}
		if (s->error[0]) {
			json_array_append_new(missing,
					      json_pack("{s:s,s:s,s:s}",
							"origin", s->origin,
							"error", s->error,
							"message", s->message));
			nmissing++;
			fprintf(stderr,
				"envelog: request: shard %s did not answer: "
				"%s: %s\n",
				cli_clean(msg, sizeof msg, s->origin,
					  strlen(s->origin), 0),
				cli_clean(ecode, sizeof ecode, s->error,
					  strlen(s->error), 0),
				cli_clean(emsg, sizeof emsg, s->message,
					  strlen(s->message), 0));
		}
	}
	set = json_pack("{s:s,s:s,s:s,s:O,s:O}", "bundle_set",
			ELOG_BUNDLE_SET_FORMAT, "root_checkpoint", cpb.p,
			"warrant_sha256", hex, "shards", members, "missing",
			missing);
	if (!set || !(text = json_dumps(set, JSON_COMPACT | JSON_SORT_KEYS))) {
		fprintf(stderr, "envelog: request: out of memory\n");
		goto out;
	}
	if (write_out(out_path, text, &err)) {
		rc = cli_fail("request: --out", &err);
		goto out;
	}
	if (nmissing > 0) {
		fprintf(stderr,
			"envelog: request: incomplete: %zu of %zu shards did "
			"not answer; the set in %s lists them in \"missing\"\n",
			nmissing, json_array_size(members) + nmissing,
			out_path);
		rc = CLI_BAD;
		goto out;
	}
	{
		elog_bundle_set_report rep, wrep;
		/* The set as an auditor will check it, and no shard disclosed
		 * a record outside the warrant. */
		if (elog_bundle_set_verify(text, strlen(text), &root_vk, &rep,
					   &err) ||
		    elog_bundle_set_check_warrant(text, strlen(text), note,
						  note_len, &wrep, &err)) {
			printf("INVALID: %s\n",
			       cli_clean(msg, sizeof msg, err.msg,
					 strlen(err.msg), 0));
			rc = CLI_BAD;
			goto out;
		}
		printf("ok: %zu shards answered, %llu records, root checkpoint "
		       "size %llu; the bundle set is in %s\n",
		       rep.shards, (unsigned long long)rep.records,
		       (unsigned long long)rep.root_size, out_path);
	}
	rc = CLI_OK;
out:
	for (size_t i = 0; sh && i < n; i++)
		json_decref(sh[i].bundle);
	if (sh)
		sodium_memzero(sh, MAX_SHARDS * sizeof *sh);
	free(sh);
	free(jobs);
	json_decref(set);
	json_decref(members);
	json_decref(missing);
	free(text);
	cli_body_free(&cpb);
	cli_http_close(&root);
	if (curl_up)
		curl_global_cleanup();
	free(note);
	if (tokens)
		sodium_memzero(tokens, tlen);
	free(tokens);
	return rc;
}
