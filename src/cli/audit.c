/*
 * audit.c — envelog audit: the monitor of a running log, and
 * envelog audit compare: are two auditors' checkpoints consistent?
 *
 * One audit run: fetch the latest checkpoint and verify it with the pinned
 * log key; check that it extends the last verified checkpoint (kept in the
 * state file) with a consistency proof; fetch the new leaves in pages,
 * recompute their chain values and the leaf hashes of the public entries,
 * and the tree root over them (the state keeps the tree's frontier, so it
 * stays O(log n) small); check after every page with a consistency proof
 * that the leaves so far are a prefix of the tree the checkpoint commits
 * to (so a bad leaf is named by its seq); then replace the state file
 * atomically.  Nothing is written unless every check holds.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "canon.h"
#include "checkpoint.h"
#include "cli.h"
#include "param.h"
#include "statefile.h"
#include "entry.h"
#include "merkle.h"
#include "note.h"

#define RESPONSE_MAX ((size_t)64 << 20) /* bytes of one HTTP answer */
#define STATE_MAX ((size_t)4 << 20)     /* bytes of a state file */
#define PAGE 1000                       /* leaves per /v1/leaves call */
#define URL_MAX 2048
#define TOKEN_MAX 512
#define LIST_JSON_MAX 1000 /* public entries listed with --json */
#define LIST_TEXT_MAX 20   /* ... and in the human summary */
#define STATE_FORMAT "envelog-audit-state/v1"
#define EVIDENCE_MAX 8192 /* bytes of a served "checkpoint" shown as evidence */

/* check_consistency(): the proof holds, or it does not. */
enum { HOLDS = 0, FAILS = 3 };

static const char usage[] =
	"usage: envelog audit --url URL --vkey VKEY --state FILE [--json]\n"
	"                     [--follow SECONDS] [--cacert FILE]\n"
	"                     [--timeout SECONDS] [--cosign KEYFILE]\n"
	"                     [--token TOKEN]\n"
	"       envelog audit compare STATE_A STATE_B [--url URL] [--vkey VKEY]\n"
	"                     [--cacert FILE] [--json]\n"
	"\n"
	"Monitor a running log.  Fetch the latest checkpoint from URL and\n"
	"verify its signature with the pinned log key VKEY (verifier key text,\n"
	"or a file holding it); verify that it is consistent with the last\n"
	"checkpoint verified (kept in FILE); fetch the new leaves, recompute\n"
	"their chain values, the leaf hashes of the public entries\n"
	"(disclosure, refusal, purge) and the tree root, which must equal the\n"
	"checkpoint's.  Only then FILE is replaced (atomically).  Without FILE\n"
	"the whole history is fetched and trusted on first use.\n"
	"\n"
	"  --json             print the result as one JSON object per run\n"
	"  --follow SECONDS   keep auditing every SECONDS; stop at the first\n"
	"                     failed check (network errors are retried)\n"
	"  --cacert FILE      CA certificates for an https URL\n"
	"  --timeout SECONDS  per request (default 60; connect: 10)\n"
	"  --cosign KEYFILE   after each successful run, cosign the checkpoint\n"
	"                     (C2SP cosignature/v1) with the witness key made\n"
	"                     by `envelog witness keygen` and POST it to\n"
	"                     URL/v1/cosignatures with the auditor token\n"
	"  --token TOKEN      auditor bearer token (default: $ENVELOG_TOKEN)\n"
	"\n"
	"compare proves that two auditors' state files hold consistent\n"
	"checkpoints (equal roots at equal sizes, else a consistency proof\n"
	"from URL between them), or prints both signed checkpoints as the\n"
	"evidence that they are not.\n"
	"\n"
	"State FILE: a JSON object\n"
	"  {\"format\":\"" STATE_FORMAT "\", \"vkey\":VKEY, \"origin\":O,\n"
	"   \"size\":N, \"root\":B64, \"chain_hash\":B64 (chain value of seq\n"
	"   N-1; 32 zero bytes when N is 0), \"frontier\":[B64…] (the roots of\n"
	"   the complete subtrees that make up the tree of size N, left to\n"
	"   right), \"checkpoint\":\"the signed note\", \"updated\":UNIX_TIME,\n"
	"   \"totals\":{\"entries\",\"disclosures\",\"refusals\",\"purges\"}}\n"
	"\n"
	"Exit 0 when every check holds, 1 when one fails (the check and the\n"
	"seq are named; on a rollback or fork both checkpoints are printed as\n"
	"evidence), 2 for usage, network or I/O errors (FILE unchanged).\n";

/* ---- HTTP ---- */

struct http {
	CURL *curl;
	char base[URL_MAX];
	const char *cacert;
	long timeout;
};

struct body {
	char *p;
	size_t len, cap;
	int over;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;

	if (n > RESPONSE_MAX - b->len) {
		b->over = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *g;
		while (cap < b->len + n + 1)
			cap *= 2;
		g = realloc(b->p, cap);
		if (!g)
			return 0;
		b->p = g;
		b->cap = cap;
	}
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

static void body_free(struct body *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* "code: message" of a JSON error answer, or a prefix of the body, with
 * control characters escaped (cli_clean): a hostile server's text. */
static void server_message(const struct body *b, char *out, size_t cap)
{
	json_t *j = b->p ? json_loadb(b->p, b->len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	char raw[512];
	int n;

	if (msg)
		n = snprintf(raw, sizeof raw, "%s: %s", code ? code : "error",
			     msg);
	else if (b->p && b->len)
		n = snprintf(raw, sizeof raw, "%.*s",
			     (int)(b->len < 120 ? b->len : 120), b->p);
	else
		n = snprintf(raw, sizeof raw, "empty answer");
	if (n < 0)
		n = 0;
	cli_clean(out, cap, raw,
		  (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1, 0);
	json_decref(j);
}

static int http_init(struct http *h, const char *url, const char *cacert,
		     long timeout, elog_err_t *err)
{
	size_t n = strlen(url);

	memset(h, 0, sizeof *h);
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, "url",
				 "--url must start with http:// or https://");
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n + 1 > sizeof h->base)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, "url",
				 "--url is too long");
	memcpy(h->base, url, n);
	h->base[n] = '\0';
	h->cacert = cacert;
	h->timeout = timeout;
	h->curl = curl_easy_init();
	if (!h->curl)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "libcurl failed to start");
	return 0;
}

static void http_close(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

/*
 * GET (post == NULL) or POST text/plain to base || path.  The answer goes
 * into *out (caller frees).  Fails with IO on transport errors, oversized
 * answers and non-2xx statuses (with the server's message).
 */
static int http_do(struct http *h, const char *path, const char *post,
		   size_t post_len, const char *token, struct body *out,
		   elog_err_t *err)
{
	char url[URL_MAX + 256], auth[TOKEN_MAX + 32], ebuf[CURL_ERROR_SIZE];
	char smsg[200];
	struct curl_slist *hdrs = NULL, *t;
	CURLcode cc;
	long status = 0;
	int n, rc = 0;

	memset(out, 0, sizeof *out);
	ebuf[0] = '\0';
	auth[0] = '\0';
	n = snprintf(url, sizeof url, "%s%s", h->base, path);
	if (n < 0 || (size_t)n >= sizeof url)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, "url",
				 "the request URL is too long");
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->timeout);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "envelog-audit");
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, out);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (h->cacert)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->cacert);
	if (post) {
		t = curl_slist_append(hdrs,
				      "Content-Type: text/plain; charset=utf-8");
		if (!t)
			goto nomem;
		hdrs = t;
		if (token) {
			n = snprintf(auth, sizeof auth,
				     "Authorization: Bearer %s", token);
			if (n < 0 || (size_t)n >= sizeof auth) {
				rc = elog_fail(err, ELOG_INVALID_PARAMETER, -1,
					       "token", "the token is too long");
				goto out;
			}
			t = curl_slist_append(hdrs, auth);
			if (!t)
				goto nomem;
			hdrs = t;
		}
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)post_len);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	}
	cc = curl_easy_perform(h->curl);
	if (out->over) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "%s: the answer is larger than %zu bytes", url,
			       RESPONSE_MAX);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "%s: %s", url,
			       ebuf[0] ? ebuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		server_message(out, smsg, sizeof smsg);
		rc = elog_fail(err, ELOG_IO, -1, NULL, "%s: HTTP %ld: %s", url,
			       status, smsg);
		goto out;
	}
	if (!out->p) { /* an empty answer is a NUL-terminated "" */
		out->p = calloc(1, 1);
		if (!out->p)
			goto nomem;
	}
	goto out;
nomem:
	rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
out:
	if (hdrs)
		curl_slist_free_all(hdrs);
	sodium_memzero(auth, sizeof auth);
	if (rc)
		body_free(out);
	return rc;
}

/* ---- results ---- */

/* The outcome of one run: what failed, where, and the evidence. */
struct run {
	int rc;             /* CLI_OK, CLI_BAD or CLI_USAGE */
	int network;        /* CLI_USAGE came from the network or the server */
	char check[32];     /* the failed check */
	long long seq;      /* the seq it concerns, or -1 */
	char msg[512];
	int show_state, show_served; /* print these checkpoints as evidence */
	char *served;       /* the served checkpoint note (owned) */
	size_t served_len, served_text_len;
	elog_checkpoint cp; /* ... parsed */
	int first_run;
	uint64_t old_size, checked, disclosures, refusals, purges;
	json_t *public_entries; /* [{seq, entry}] seen in this run */
	int cosigned;
};

static void run_free(struct run *r)
{
	free(r->served);
	json_decref(r->public_entries);
	memset(r, 0, sizeof *r);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int bad(struct run *r, const char *check, long long seq,
	       const char *fmt, ...)
{
	va_list ap;

	r->rc = CLI_BAD;
	snprintf(r->check, sizeof r->check, "%s", check);
	r->seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
	return CLI_BAD;
}

/* A usage, I/O or network error (exit 2). */
static int trouble(struct run *r, int network, const elog_err_t *err)
{
	r->rc = CLI_USAGE;
	r->network = network;
	snprintf(r->check, sizeof r->check, "%s", network ? "network" : "io");
	r->seq = -1;
	snprintf(r->msg, sizeof r->msg, "%s",
		 err && err->msg[0] ? err->msg : "failed");
	return CLI_USAGE;
}

/* ---- the state file ---- */

struct state {
	int present;
	elog_verifier vk;
	char vkey[ELOG_KEY_TEXT_MAX];
	elog_frontier fr; /* fr.size is the verified size */
	elog_hash root, chain;
	char *note; /* the last verified signed checkpoint (owned) */
	size_t note_len;
	uint64_t entries, disclosures, refusals, purges; /* totals */
};

static void state_free(struct state *st)
{
	free(st->note);
	memset(st, 0, sizeof *st);
}

static int same_key(const elog_verifier *a, const elog_verifier *b)
{
	return strcmp(a->name, b->name) == 0 && a->keyid == b->keyid &&
	       a->alg == b->alg && memcmp(a->pk, b->pk, sizeof a->pk) == 0;
}

static int get_u64(json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_hash(json_t *o, const char *key, elog_hash *out)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? elog_hash_from_b64(s, out) : -1;
}

/*
 * Load the state file at path into *st.  A missing file gives st->present
 * 0.  With pin, the state must be for that key; without, the state's own
 * key is used.  Everything in it is cross-checked: the checkpoint's
 * signature, size and root, and the frontier's root.
 */
static int state_load(const char *path, const elog_verifier *pin,
		      struct state *st, elog_err_t *err)
{
	char *text = NULL;
	size_t len = 0, i, npeaks = 0;
	json_t *j = NULL, *fr, *tot;
	elog_checkpoint cp;
	elog_hash root;
	const char *s;
	struct stat sb;
	uint64_t size;
	int rc, lvl;

	memset(st, 0, sizeof *st);
	if (stat(path, &sb) != 0 && errno == ENOENT)
		return 0;
	if ((rc = cli_read_file(path, STATE_MAX, &text, &len, err)))
		return rc;
	if (elog_json_load(text, len, &j, err) || !json_is_object(j)) {
		rc = elog_fail(err, ELOG_MALFORMED_JSON, -1, NULL,
			       "%s is not an audit state file (JSON)", path);
		goto out;
	}
	s = json_string_value(json_object_get(j, "format"));
	if (!s || strcmp(s, STATE_FORMAT) != 0) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "format",
			       "%s is not an %s file", path, STATE_FORMAT);
		goto out;
	}
	s = json_string_value(json_object_get(j, "vkey"));
	if (!s || elog_verifier_parse(s, &st->vk, err)) {
		rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "vkey",
			       "%s: the log key is missing or malformed", path);
		goto out;
	}
	if (pin && !same_key(pin, &st->vk)) {
		rc = elog_fail(err, ELOG_UNKNOWN_KEY, -1, "vkey",
			       "%s was written for another log key (%s)", path,
			       s);
		goto out;
	}
	snprintf(st->vkey, sizeof st->vkey, "%s", s);
	s = json_string_value(json_object_get(j, "checkpoint"));
	if (get_u64(j, "size", &size) || get_hash(j, "root", &st->root) ||
	    get_hash(j, "chain_hash", &st->chain) || !s) {
		rc = elog_fail(err, ELOG_MISSING_FIELD, -1, NULL,
			       "%s: size, root, chain_hash or checkpoint is "
			       "missing or malformed", path);
		goto out;
	}
	st->note_len = strlen(s);
	st->note = malloc(st->note_len + 1);
	if (!st->note) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	memcpy(st->note, s, st->note_len + 1);
	if (elog_checkpoint_open(st->note, st->note_len, &st->vk, &cp, err) ||
	    cp.size != size ||
	    memcmp(cp.root.b, st->root.b, ELOG_HASH_LEN) != 0) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, "checkpoint",
			       "%s: the checkpoint does not verify or does not "
			       "match size and root",
			       path);
		goto out;
	}
	if (size == 0 &&
	    memcmp(st->chain.b, ELOG_ZERO_HASH.b, ELOG_HASH_LEN) != 0) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, "chain_hash",
			       "%s: chain_hash of an empty log must be zero",
			       path);
		goto out;
	}
	fr = json_object_get(j, "frontier");
	for (lvl = 0; lvl < 64; lvl++)
		if (size & ((uint64_t)1 << lvl))
			npeaks++;
	if (!json_is_array(fr) || json_array_size(fr) != npeaks) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "frontier",
			       "%s: the frontier does not fit the size", path);
		goto out;
	}
	elog_frontier_init(&st->fr);
	st->fr.size = size;
	i = 0;
	for (lvl = 63; lvl >= 0; lvl--) {
		if (!(size & ((uint64_t)1 << lvl)))
			continue;
		s = json_string_value(json_array_get(fr, i++));
		if (!s || elog_hash_from_b64(s, &st->fr.peak[lvl])) {
			rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "frontier",
				       "%s: a frontier hash is malformed",
				       path);
			goto out;
		}
	}
	elog_frontier_root(&st->fr, &root);
	if (memcmp(root.b, st->root.b, ELOG_HASH_LEN) != 0) {
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, "frontier",
			       "%s: the frontier does not give the root", path);
		goto out;
	}
	tot = json_object_get(j, "totals");
	get_u64(tot, "entries", &st->entries);
	get_u64(tot, "disclosures", &st->disclosures);
	get_u64(tot, "refusals", &st->refusals);
	get_u64(tot, "purges", &st->purges);
	st->present = 1;
out:
	if (rc) {
		free(st->note);
		st->note = NULL;
	}
	json_decref(j);
	free(text);
	return rc;
}

static json_t *b64_string(const elog_hash *h)
{
	char b64[ELOG_HASH_B64_LEN];
	elog_hash_to_b64(h, b64);
	return json_string(b64);
}

static int state_save(const char *path, const struct state *st,
		      elog_err_t *err)
{
	json_t *j = NULL, *fr = NULL;
	char *text = NULL;
	int lvl, rc = 0;

	fr = json_array();
	for (lvl = 63; fr && lvl >= 0; lvl--)
		if ((st->fr.size & ((uint64_t)1 << lvl)) &&
		    json_array_append_new(fr, b64_string(&st->fr.peak[lvl])))
			goto nomem;
	if (!fr)
		goto nomem;
	j = json_pack("{s:s,s:s,s:s,s:I,s:o,s:o,s:O,s:s,s:I,s:{s:I,s:I,s:I,s:I}}",
		      "format", STATE_FORMAT, "vkey", st->vkey, "origin",
		      st->vk.name, "size", (json_int_t)st->fr.size, "root",
		      b64_string(&st->root), "chain_hash",
		      b64_string(&st->chain), "frontier", fr, "checkpoint",
		      st->note, "updated", (json_int_t)time(NULL), "totals",
		      "entries", (json_int_t)st->entries, "disclosures",
		      (json_int_t)st->disclosures, "refusals",
		      (json_int_t)st->refusals, "purges",
		      (json_int_t)st->purges);
	if (!j)
		goto nomem;
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		goto nomem;
	{
		size_t tl = strlen(text);
		char *nl = realloc(text, tl + 2);
		if (!nl)
			goto nomem;
		text = nl;
		memcpy(text + tl, "\n", 2);
		rc = elog_file_replace(path, text, tl + 1, 0644, err);
	}
	goto out;
nomem:
	rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
out:
	free(text);
	json_decref(j);
	json_decref(fr);
	return rc;
}

/* ---- the checks ---- */

struct audit {
	struct http h;
	elog_verifier vk;
	const char *state_path;
	int json;
	const elog_signer *witness; /* NULL without --cosign */
	const char *token;
	char *last_cosigned; /* the note cosigned last (owned) */
};

/*
 * Fetch a consistency proof from old to new_size and check it against the
 * two roots: HOLDS or FAILS; CLI_USAGE (with r filled) on network errors,
 * CLI_BAD (with r filled) on a malformed answer.
 */
static int check_consistency(struct http *h, struct run *r, uint64_t old,
			     uint64_t new_size, const elog_hash *old_root,
			     const elog_hash *new_root)
{
	elog_hash proof[ELOG_MAX_PROOF];
	char path[128];
	struct body b;
	elog_err_t err;
	json_t *j = NULL, *a;
	uint64_t o = 0, n = 0;
	size_t i, np;
	int rc;

	elog_err_clear(&err);
	snprintf(path, sizeof path, "/v1/proof/consistency?old=%llu&new=%llu",
		 (unsigned long long)old, (unsigned long long)new_size);
	if (http_do(h, path, NULL, 0, NULL, &b, &err))
		return trouble(r, 1, &err);
	if (elog_json_load(b.p, b.len, &j, &err) || get_u64(j, "old", &o) ||
	    get_u64(j, "new", &n) || o != old || n != new_size ||
	    !json_is_array(a = json_object_get(j, "proof")) ||
	    (np = json_array_size(a)) > ELOG_MAX_PROOF) {
		rc = bad(r, "response", -1,
			 "the consistency proof from %llu to %llu is "
			 "malformed",
			 (unsigned long long)old, (unsigned long long)new_size);
		goto out;
	}
	for (i = 0; i < np; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s || elog_hash_from_b64(s, &proof[i])) {
			rc = bad(r, "response", -1,
				 "the consistency proof from %llu to %llu has "
				 "a malformed hash",
				 (unsigned long long)old,
				 (unsigned long long)new_size);
			goto out;
		}
	}
	rc = elog_verify_consistency(old, new_size, old_root, new_root, proof,
				     np, &err)
		     ? FAILS
		     : HOLDS;
out:
	json_decref(j);
	body_free(&b);
	return rc;
}

/*
 * The leaves [a, b) failed the cross-check against the checkpoint's tree;
 * base is the frontier at a (which held), lh the page's leaf hashes.
 * Bisect with consistency proofs for the first leaf that is not the one in
 * the tree.  Fills r.
 */
static int localise(struct http *h, struct run *r, const elog_frontier *base,
		    const elog_hash *lh, uint64_t a, uint64_t b)
{
	uint64_t lo = a, hi = b, mid, k;
	elog_frontier f;
	elog_hash root;
	int rc;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		f = *base;
		for (k = a; k < mid; k++)
			elog_frontier_append(&f, &lh[k - a], NULL, NULL, NULL);
		elog_frontier_root(&f, &root);
		rc = check_consistency(h, r, mid, r->cp.size, &root,
				       &r->cp.root);
		if (rc == CLI_USAGE || rc == CLI_BAD)
			return bad(r, "tree_root", -1,
				   "the leaves served for seq %llu..%llu are not "
				   "those of the tree the checkpoint (size "
				   "%llu) commits to",
				   (unsigned long long)a,
				   (unsigned long long)(b - 1),
				   (unsigned long long)r->cp.size);
		if (rc == HOLDS)
			lo = mid;
		else
			hi = mid;
	}
	/* Proofs carry single leaf hashes as the server reads them, so a
	 * changed leaf hash and its sibling's look alike: name both. */
	k = hi - 1;
	if ((k ^ 1) < r->cp.size)
		return bad(r, "tree_root", (long long)k,
			   "the leaf hash served for seq %llu (or for its "
			   "sibling seq %llu) is not the one in the tree the "
			   "checkpoint (size %llu) commits to",
			   (unsigned long long)k, (unsigned long long)(k ^ 1),
			   (unsigned long long)r->cp.size);
	return bad(r, "tree_root", (long long)k,
		   "the leaf hash served for seq %llu is not the one in the "
		   "tree the checkpoint (size %llu) commits to",
		   (unsigned long long)k, (unsigned long long)r->cp.size);
}

/* Check one served entry (R2: every leaf's data is public; an event's is
 * exactly its commitment) against its kind and leaf hash; 0 or CLI_BAD. */
static int check_entry(struct run *r, uint64_t seq, int kind, json_t *entry,
		       const elog_hash *leaf)
{
	const char *ek = json_string_value(json_object_get(entry, "kind"));
	elog_hash calc;
	elog_err_t err;
	elog_entry en;
	char *data = NULL;
	size_t len = 0;

	elog_err_clear(&err);
	if (!json_is_object(entry))
		return bad(r, "entry", (long long)seq,
			   "the %s entry of seq %llu is served without its "
			   "leaf data",
			   elog_kind_name(kind), (unsigned long long)seq);
	if (!ek || strcmp(ek, elog_kind_name(kind)) != 0)
		return bad(r, "entry", (long long)seq,
			   "the entry of seq %llu is listed as a %s but its "
			   "data says %s",
			   (unsigned long long)seq, elog_kind_name(kind),
			   ek ? ek : "no kind");
	if (elog_canon_dump(entry, &data, &len, &err))
		return bad(r, "leaf_hash", (long long)seq,
			   "the entry of seq %llu has no canonical form: %s",
			   (unsigned long long)seq, err.msg);
	if (elog_entry_from_data(data, len, &en, &err)) {
		free(data);
		return bad(r, "entry", (long long)seq,
			   "the %s entry of seq %llu is not one: %s",
			   elog_kind_name(kind), (unsigned long long)seq,
			   err.msg);
	}
	elog_entry_free(&en);
	elog_leaf_hash(data, len, &calc);
	free(data);
	if (memcmp(calc.b, leaf->b, ELOG_HASH_LEN) != 0)
		return bad(r, "leaf_hash", (long long)seq,
			   "the leaf hash of seq %llu does not match its %s "
			   "entry",
			   (unsigned long long)seq, elog_kind_name(kind));
	return 0;
}

/*
 * Fetch and check the leaves [st->fr.size, r->cp.size), advancing *f and
 * *chain.  0 when all hold; else r is filled.
 */
static int check_leaves(struct audit *au, struct run *r,
			const struct state *st, elog_frontier *f,
			elog_hash *chain)
{
	elog_hash lh[PAGE], served_chain, calc, root;
	elog_frontier base;
	uint64_t a, b, n = r->cp.size, s, seqv = 0;
	char path[128];
	struct body bd;
	elog_err_t err;
	json_t *j = NULL, *list;
	size_t i, cnt;
	int rc = 0;

	memset(&bd, 0, sizeof bd);
	for (a = st->fr.size; a < n; a = b) {
		uint64_t want = n - a > PAGE ? PAGE : n - a;
		elog_err_clear(&err);
		snprintf(path, sizeof path, "/v1/leaves?start=%llu&end=%llu",
			 (unsigned long long)a, (unsigned long long)(a + want));
		if (http_do(&au->h, path, NULL, 0, NULL, &bd, &err)) {
			rc = trouble(r, 1, &err);
			goto out;
		}
		if (elog_json_load(bd.p, bd.len, &j, &err) ||
		    !json_is_array(list = json_object_get(j, "leaves")) ||
		    (cnt = json_array_size(list)) == 0 || cnt > want) {
			rc = bad(r, "response", (long long)a,
				 "the leaves from seq %llu are malformed or "
				 "missing",
				 (unsigned long long)a);
			goto out;
		}
		b = a + cnt;
		base = *f;
		for (i = 0; i < cnt; i++) {
			json_t *o = json_array_get(list, i);
			json_t *entry = json_object_get(o, "entry");
			const char *kn = json_string_value(
				json_object_get(o, "kind"));
			int kind = kn ? elog_kind_from_name(kn) : -1;
			s = a + i;
			if (get_u64(o, "seq", &seqv) || seqv != s ||
			    kind < 0 || get_hash(o, "leaf_hash", &lh[i]) ||
			    get_hash(o, "chain_hash", &served_chain)) {
				rc = bad(r, "response", (long long)s,
					 "the leaf served for seq %llu is "
					 "malformed or out of order",
					 (unsigned long long)s);
				goto out;
			}
			elog_chain_hash(chain, &lh[i], &calc);
			if (memcmp(calc.b, served_chain.b, ELOG_HASH_LEN)) {
				rc = bad(r, "chain", (long long)s,
					 "the chain value of seq %llu does not "
					 "follow from seq %lld's and its leaf "
					 "hash: entries up to %llu were "
					 "changed, removed or reordered",
					 (unsigned long long)s,
					 (long long)s - 1,
					 (unsigned long long)s);
				goto out;
			}
			*chain = calc;
			if ((rc = check_entry(r, s, kind, entry, &lh[i])))
				goto out;
			if (kind != ELOG_KIND_EVENT) {
				if (kind == ELOG_KIND_DISCLOSURE)
					r->disclosures++;
				else if (kind == ELOG_KIND_REFUSAL)
					r->refusals++;
				else
					r->purges++;
				if (json_array_size(r->public_entries) <
				    LIST_JSON_MAX)
					json_array_append_new(
						r->public_entries,
						json_pack("{s:I,s:O}", "seq",
							  (json_int_t)s,
							  "entry", entry));
			}
			elog_frontier_append(f, &lh[i], NULL, NULL, NULL);
			r->checked++;
		}
		/* Are the leaves so far a prefix of the checkpoint's tree? */
		elog_frontier_root(f, &root);
		if (b < n)
			rc = check_consistency(&au->h, r, b, n, &root,
					       &r->cp.root);
		else
			rc = memcmp(root.b, r->cp.root.b, ELOG_HASH_LEN)
				     ? FAILS
				     : HOLDS;
		if (rc == FAILS)
			rc = localise(&au->h, r, &base, lh, a, b);
		if (rc)
			goto out;
		json_decref(j);
		j = NULL;
		body_free(&bd);
		if (!au->json)
			cli_progress(NULL, b - st->fr.size, n - st->fr.size);
	}
out:
	json_decref(j);
	body_free(&bd);
	return rc;
}

/* POST the cosignature of the verified checkpoint. */
static int cosign(struct audit *au, struct run *r)
{
	char line[ELOG_NAME_MAX + 256];
	char *body = NULL;
	size_t tl = r->served_text_len, ll;
	struct body b;
	elog_err_t err;
	int rc;

	elog_err_clear(&err);
	memset(&b, 0, sizeof b);
	if (elog_cosign(r->served, tl, au->witness, (uint64_t)time(NULL), line,
			sizeof line, &err))
		return trouble(r, 0, &err);
	ll = strlen(line);
	body = malloc(tl + 1 + ll + 1);
	if (!body) {
		elog_fail(&err, ELOG_NOMEM, -1, NULL, "out of memory");
		return trouble(r, 0, &err);
	}
	/* The checkpoint text, a blank line, the cosignature line: a signed
	 * note carrying only the cosignature. */
	memcpy(body, r->served, tl);
	body[tl] = '\n';
	memcpy(body + tl + 1, line, ll + 1);
	rc = http_do(&au->h, "/v1/cosignatures", body, tl + 1 + ll, au->token,
		     &b, &err);
	free(body);
	body_free(&b);
	if (rc)
		return trouble(r, 1, &err);
	r->cosigned = 1;
	free(au->last_cosigned);
	au->last_cosigned = strdup(r->served);
	return 0;
}

/* One audit run against the state *st, which advances on success. */
static int audit_once(struct audit *au, struct state *st, struct run *r)
{
	struct body b;
	elog_err_t err;
	elog_frontier f;
	elog_hash chain;
	char *copy;
	int rc;

	memset(r, 0, sizeof *r);
	r->seq = -1;
	elog_err_clear(&err);
	r->public_entries = json_array();
	if (!r->public_entries) {
		elog_fail(&err, ELOG_NOMEM, -1, NULL, "out of memory");
		return trouble(r, 0, &err);
	}
	if (http_do(&au->h, "/v1/checkpoint", NULL, 0, NULL, &b, &err))
		return trouble(r, 1, &err);
	r->served = b.p;
	r->served_len = b.len;
	if (elog_note_verify(r->served, r->served_len, &au->vk,
			     &r->served_text_len, &err) ||
	    elog_checkpoint_open(r->served, r->served_len, &au->vk, &r->cp,
				 &err)) {
		r->show_served = 1;
		r->show_state = st->present;
		return bad(r, "signature", -1,
			   "the served checkpoint does not verify with the "
			   "pinned log key: %s",
			   err.msg);
	}
	r->old_size = st->present ? st->fr.size : 0;
	if (!st->present) {
		r->first_run = 1;
		fprintf(stderr,
			"envelog: audit: no state in %s yet: trusting the log "
			"on first use, auditing its whole history (size "
			"%llu)\n",
			au->state_path, (unsigned long long)r->cp.size);
	} else if (r->cp.size < st->fr.size) {
		r->show_state = r->show_served = 1;
		return bad(r, "rollback", -1,
			   "the served checkpoint (size %llu) is older than the "
			   "last verified one (size %llu): the log was rolled "
			   "back",
			   (unsigned long long)r->cp.size,
			   (unsigned long long)st->fr.size);
	} else if (r->cp.size == st->fr.size) {
		if (memcmp(r->cp.root.b, st->root.b, ELOG_HASH_LEN) != 0) {
			r->show_state = r->show_served = 1;
			return bad(r, "fork", -1,
				   "the served checkpoint has the size of the "
				   "last verified one (%llu) but another root: "
				   "the log forked",
				   (unsigned long long)r->cp.size);
		}
	} else if (st->fr.size > 0) {
		rc = check_consistency(&au->h, r, st->fr.size, r->cp.size,
				       &st->root, &r->cp.root);
		if (rc == FAILS) {
			r->show_state = r->show_served = 1;
			return bad(r, "consistency", -1,
				   "the served checkpoint (size %llu) is not "
				   "consistent with the last verified one (size "
				   "%llu): the log forked or was rewritten",
				   (unsigned long long)r->cp.size,
				   (unsigned long long)st->fr.size);
		}
		if (rc)
			return rc;
	}
	f = st->fr;
	chain = st->chain;
	if ((rc = check_leaves(au, r, st, &f, &chain)))
		return rc;
	/* Every check held: advance the state. */
	copy = malloc(r->served_len + 1);
	if (!copy) {
		elog_fail(&err, ELOG_NOMEM, -1, NULL, "out of memory");
		return trouble(r, 0, &err);
	}
	memcpy(copy, r->served, r->served_len + 1);
	free(st->note);
	st->note = copy;
	st->note_len = r->served_len;
	st->fr = f;
	st->root = r->cp.root;
	st->chain = chain;
	st->entries += r->checked;
	st->disclosures += r->disclosures;
	st->refusals += r->refusals;
	st->purges += r->purges;
	if (state_save(au->state_path, st, &err)) {
		st->present = 0; /* reload before trusting it again */
		return trouble(r, 0, &err);
	}
	st->present = 1;
	/* Cosign each checkpoint once (--follow sees the same one often). */
	if (au->witness && (!au->last_cosigned ||
			    strcmp(au->last_cosigned, r->served) != 0) &&
	    (rc = cosign(au, r)))
		return rc;
	r->rc = CLI_OK;
	return CLI_OK;
}

/* ---- output ---- */

/* A served string field of e, cleaned for the terminal, or "?". */
static const char *field_text(json_t *e, const char *name, char *buf,
			      size_t cap)
{
	json_t *v = json_object_get(e, name);

	if (!json_is_string(v))
		return "?";
	return cli_clean(buf, cap, json_string_value(v), json_string_length(v),
			 0);
}

static void print_entry_line(uint64_t seq, json_t *e)
{
	const char *kind = json_string_value(json_object_get(e, "kind"));
	char ab[256], wb[256], rb[256];
	const char *auth = field_text(e, "authority", ab, sizeof ab);
	const char *wid = field_text(e, "warrant_id", wb, sizeof wb);

	if (kind && strcmp(kind, "purge") == 0)
		printf("  seq %llu purge: %lld events through seq %lld\n",
		       (unsigned long long)seq,
		       (long long)json_integer_value(
			       json_object_get(e, "events")),
		       (long long)json_integer_value(
			       json_object_get(e, "through_seq")));
	else if (kind && strcmp(kind, "refusal") == 0)
		printf("  seq %llu refusal: %s warrant %s: %s\n",
		       (unsigned long long)seq, auth, wid,
		       field_text(e, "reason", rb, sizeof rb));
	else
		printf("  seq %llu disclosure: %s warrant %s: %lld records of "
		       "%lld subjects\n",
		       (unsigned long long)seq, auth, wid,
		       (long long)json_integer_value(
			       json_object_get(e, "records")),
		       (long long)json_integer_value(
			       json_object_get(e, "subjects")));
}

/* A checkpoint note as served (bounded), control characters escaped. */
static void print_note(const char *title, const char *note)
{
	size_t n = strlen(note), m = n > EVIDENCE_MAX ? EVIDENCE_MAX : n;
	char *clean = malloc(4 * m + 1);

	printf("%s:\n", title);
	if (clean) {
		fputs(cli_clean(clean, 4 * m + 1, note, m, 1), stdout);
		free(clean);
	}
	if (m < n)
		printf("\n[… %zu more bytes]\n", n - m);
	else if (m == 0 || note[m - 1] != '\n')
		putchar('\n');
}

/* A note as a JSON string (bounded), or null. */
static json_t *note_json(const char *note)
{
	size_t n;
	json_t *s;
	if (!note)
		return json_null();
	n = strlen(note);
	s = json_stringn(note, n > EVIDENCE_MAX ? EVIDENCE_MAX : n);
	return s ? s : json_null();
}

static void report(const struct audit *au, const struct run *r,
		   const struct state *st)
{
	const char *old_note = r->show_state && st->note ? st->note : NULL;
	const char *new_note = r->show_served ? r->served : NULL;
	char root[ELOG_HASH_B64_LEN], msg[4 * sizeof r->msg];
	size_t i;

	if (au->json) {
		json_t *o;
		char *s;
		if (r->rc == CLI_OK) {
			elog_hash_to_b64(&r->cp.root, root);
			o = json_pack(
				"{s:b,s:s,s:I,s:I,s:s,s:b,s:I,s:I,s:I,s:I,s:O,"
				"s:b}",
				"ok", 1, "origin", r->cp.origin, "old_size",
				(json_int_t)r->old_size, "new_size",
				(json_int_t)r->cp.size, "root", root,
				"first_run", r->first_run, "entries_checked",
				(json_int_t)r->checked, "disclosures",
				(json_int_t)r->disclosures, "refusals",
				(json_int_t)r->refusals, "purges",
				(json_int_t)r->purges, "public_entries",
				r->public_entries, "cosigned", r->cosigned);
		} else {
			o = json_pack("{s:b,s:s,s:o,s:s,s:o,s:o}", "ok", 0,
				      "check", r->check, "seq",
				      r->seq >= 0 ? json_integer(r->seq)
						  : json_null(),
				      "message", r->msg, "state_checkpoint",
				      note_json(old_note), "served_checkpoint",
				      note_json(new_note));
		}
		s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
		      : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
		if (r->rc == CLI_USAGE)
			fprintf(stderr, "envelog: audit: %s\n",
				cli_clean(msg, sizeof msg, r->msg,
					  strlen(r->msg), 0));
		fflush(stdout);
		return;
	}
	cli_clean(msg, sizeof msg, r->msg, strlen(r->msg), 0);
	if (r->rc == CLI_USAGE) {
		fprintf(stderr, "envelog: audit: %s\n", msg);
		return;
	}
	if (r->rc == CLI_BAD) {
		if (r->seq >= 0)
			printf("FAILED %s at seq %lld: %s\n", r->check, r->seq,
			       msg);
		else
			printf("FAILED %s: %s\n", r->check, msg);
		if (old_note)
			print_note("last verified checkpoint (from the state "
				   "file)",
				   old_note);
		if (new_note)
			print_note("checkpoint served now", new_note);
		fflush(stdout);
		return;
	}
	printf("ok: %s size %llu -> %llu%s: %llu entries checked; since the "
	       "last run %llu disclosures, %llu refusals, %llu purges%s\n",
	       r->cp.origin, (unsigned long long)r->old_size,
	       (unsigned long long)r->cp.size,
	       r->first_run ? " (first run)" : "",
	       (unsigned long long)r->checked,
	       (unsigned long long)r->disclosures,
	       (unsigned long long)r->refusals,
	       (unsigned long long)r->purges,
	       r->cosigned ? "; cosigned" : "");
	for (i = 0; i < json_array_size(r->public_entries) &&
		    i < LIST_TEXT_MAX;
	     i++) {
		json_t *pe = json_array_get(r->public_entries, i);
		print_entry_line((uint64_t)json_integer_value(
					 json_object_get(pe, "seq")),
				 json_object_get(pe, "entry"));
	}
	if (json_array_size(r->public_entries) > LIST_TEXT_MAX)
		printf("  … and %llu more\n",
		       (unsigned long long)(r->disclosures + r->refusals +
					    r->purges - LIST_TEXT_MAX));
	fflush(stdout);
}

/* ---- the command ---- */

/* Verifier key text, or a file holding it. */
static int load_vkey(const char *arg, elog_verifier *vk, char *text,
		     size_t cap, elog_err_t *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (elog_verifier_parse(arg, vk, NULL) != 0) {
		if (access(arg, R_OK) != 0)
			return elog_fail(err, ELOG_MALFORMED_KEY, -1, "vkey",
					 "--vkey is neither verifier key text "
					 "nor a readable file");
		if ((rc = cli_read_file(arg, 4096, &buf, &len, err)))
			return rc;
		rc = elog_verifier_parse(buf, vk, err);
		free(buf);
		if (rc)
			return rc;
	}
	if (vk->alg != ELOG_ALG_ED25519)
		return elog_fail(err, ELOG_MALFORMED_KEY, -1, "vkey",
				 "--vkey must be the log's Ed25519 key");
	return elog_verifier_format(vk, text, cap, err);
}

/*
 * The state to audit from: the state file when it exists, else the empty
 * log under the pinned key (vk, its text vtext), trusted on first use.
 */
static int state_start(const char *path, const elog_verifier *vk,
		       const char *vtext, struct state *st, elog_err_t *err)
{
	int rc = state_load(path, vk, st, err);
	if (rc == 0 && !st->present) {
		st->vk = *vk;
		snprintf(st->vkey, sizeof st->vkey, "%s", vtext);
		elog_frontier_init(&st->fr);
		st->root = ELOG_EMPTY_ROOT;
		st->chain = ELOG_ZERO_HASH;
	}
	return rc;
}

static int compare(int argc, char **argv);

int cmd_audit(int argc, char **argv)
{
	const char *url = NULL, *vkey = NULL, *cacert = NULL, *wkey = NULL;
	const char *follow_s = NULL, *timeout_s = NULL;
	uint64_t follow = 0, timeout = 60;
	struct audit au;
	struct state st;
	struct run r;
	elog_signer witness;
	elog_err_t err;
	char vtext[ELOG_KEY_TEXT_MAX];
	int first, rc = CLI_USAGE, curl_up = 0;
	const cli_opt opts[] = {
		{.name = "url", .value = &url},
		{.name = "vkey", .value = &vkey},
		{.name = "state", .value = &au.state_path},
		{.name = "json", .flag = &au.json},
		{.name = "follow", .value = &follow_s},
		{.name = "cacert", .value = &cacert},
		{.name = "timeout", .value = &timeout_s},
		{.name = "cosign", .value = &wkey},
		{.name = "token", .value = &au.token},
		{.name = NULL},
	};

	if (argc >= 2 && strcmp(argv[1], "compare") == 0)
		return compare(argc - 1, argv + 1);
	memset(&au, 0, sizeof au);
	memset(&st, 0, sizeof st);
	memset(&r, 0, sizeof r);
	memset(&witness, 0, sizeof witness);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	rc = CLI_USAGE;
	if (follow_s && (elog_param_uint(follow_s, 86400, &follow) ||
			 follow < 1)) {
		fprintf(stderr, "envelog: audit: --follow takes 1..86400 "
				"seconds\n");
		return CLI_USAGE;
	}
	if (timeout_s && (elog_param_uint(timeout_s, 3600, &timeout) ||
			  timeout < 1)) {
		fprintf(stderr, "envelog: audit: --timeout takes 1..3600 "
				"seconds\n");
		return CLI_USAGE;
	}
	if (first != argc || !url || !vkey || !au.state_path)
		return cli_usage(usage, 1);
	if (!au.token)
		au.token = getenv("ENVELOG_TOKEN");
	if (load_vkey(vkey, &au.vk, vtext, sizeof vtext, &err))
		return cli_fail("audit: --vkey", &err);
	if (wkey) {
		if (!au.token || !au.token[0]) {
			fprintf(stderr, "envelog: audit: --cosign needs an "
					"auditor token (--token or "
					"ENVELOG_TOKEN)\n");
			return CLI_USAGE;
		}
		if (cli_load_signer(wkey, &witness, &err))
			return cli_fail("audit: --cosign", &err);
		if (witness.alg != ELOG_ALG_COSIGNATURE_V1) {
			elog_signer_wipe(&witness);
			fprintf(stderr, "envelog: audit: %s is not a witness "
					"(cosignature/v1) key; make one with "
					"`envelog witness keygen`\n",
				wkey);
			return CLI_USAGE;
		}
		au.witness = &witness;
	}
	if (state_start(au.state_path, &au.vk, vtext, &st, &err)) {
		rc = cli_fail("audit: --state", &err);
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "envelog: audit: libcurl failed to start\n");
		goto out;
	}
	curl_up = 1;
	if (http_init(&au.h, url, cacert, (long)timeout, &err)) {
		rc = cli_fail("audit", &err);
		goto out;
	}
	for (;;) {
		rc = audit_once(&au, &st, &r);
		report(&au, &r, &st);
		if (!follow || rc == CLI_BAD || (rc == CLI_USAGE && !r.network))
			break;
		if (rc == CLI_USAGE)
			fprintf(stderr, "envelog: audit: retrying in %llu s\n",
				(unsigned long long)follow);
		run_free(&r);
		if (!st.present) {
			/* The state file could not be written: start over
			 * from what it holds. */
			state_free(&st);
			if (state_start(au.state_path, &au.vk, vtext, &st,
					&err)) {
				rc = cli_fail("audit: --state", &err);
				goto out;
			}
		}
		sleep((unsigned)follow);
	}
out:
	run_free(&r);
	state_free(&st);
	http_close(&au.h);
	if (curl_up)
		curl_global_cleanup();
	elog_signer_wipe(&witness);
	free(au.last_cosigned);
	return rc;
}

/* ---- compare ---- */

static const char compare_usage[] =
	"usage: envelog audit compare STATE_A STATE_B [--url URL] [--vkey VKEY]\n"
	"                     [--cacert FILE] [--json]\n"
	"\n"
	"Prove that the checkpoints in two audit state files are consistent:\n"
	"at equal sizes their roots must be equal; otherwise a consistency\n"
	"proof from URL must link the smaller to the larger.  Both\n"
	"checkpoints' signatures are checked with VKEY (default: the key in\n"
	"STATE_A, which STATE_B must share).  Exit 0 consistent, 1 not (both\n"
	"signed checkpoints are printed as evidence), 2 usage or network\n"
	"error.\n";

static int compare(int argc, char **argv)
{
	const char *url = NULL, *vkey = NULL, *cacert = NULL;
	struct state sa, sb;
	const struct state *lo, *hi;
	struct http h;
	struct run r;
	elog_verifier pin;
	elog_err_t err;
	char vtext[ELOG_KEY_TEXT_MAX], path_lo[16], path_hi[16];
	int first, json = 0, rc = CLI_USAGE, curl_up = 0;
	const cli_opt opts[] = {
		{.name = "url", .value = &url},
		{.name = "vkey", .value = &vkey},
		{.name = "cacert", .value = &cacert},
		{.name = "json", .flag = &json},
		{.name = NULL},
	};

	memset(&sa, 0, sizeof sa);
	memset(&sb, 0, sizeof sb);
	memset(&h, 0, sizeof h);
	memset(&r, 0, sizeof r);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, compare_usage, &first)) >= 0)
		return rc;
	rc = CLI_USAGE;
	if (argc - first != 2)
		return cli_usage(compare_usage, 1);
	if (vkey && load_vkey(vkey, &pin, vtext, sizeof vtext, &err))
		return cli_fail("audit compare: --vkey", &err);
	if (state_load(argv[first], vkey ? &pin : NULL, &sa, &err)) {
		rc = cli_fail("audit compare", &err);
		goto out;
	}
	if (!sa.present) {
		fprintf(stderr, "envelog: audit compare: %s does not exist\n",
			argv[first]);
		goto out;
	}
	if (state_load(argv[first + 1], &sa.vk, &sb, &err)) {
		rc = cli_fail("audit compare", &err);
		goto out;
	}
	if (!sb.present) {
		fprintf(stderr, "envelog: audit compare: %s does not exist\n",
			argv[first + 1]);
		goto out;
	}
	lo = sa.fr.size <= sb.fr.size ? &sa : &sb;
	hi = lo == &sa ? &sb : &sa;
	snprintf(path_lo, sizeof path_lo, "%s", lo == &sa ? "A" : "B");
	snprintf(path_hi, sizeof path_hi, "%s", lo == &sa ? "B" : "A");
	r.seq = -1;
	if (lo->fr.size == hi->fr.size) {
		if (memcmp(lo->root.b, hi->root.b, ELOG_HASH_LEN) != 0)
			bad(&r, "fork", -1,
			    "both checkpoints have size %llu but different "
			    "roots: the log forked",
			    (unsigned long long)lo->fr.size);
		else
			snprintf(r.msg, sizeof r.msg,
				 "consistent: both at size %llu with the same "
				 "root",
				 (unsigned long long)lo->fr.size);
	} else if (lo->fr.size == 0) {
		snprintf(r.msg, sizeof r.msg,
			 "consistent: %s is the empty log, a prefix of %s "
			 "(size %llu)",
			 path_lo, path_hi, (unsigned long long)hi->fr.size);
	} else {
		if (!url) {
			fprintf(stderr, "envelog: audit compare: the sizes "
					"differ: --url is needed for a "
					"consistency proof\n");
			goto out;
		}
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			fprintf(stderr, "envelog: audit compare: libcurl "
					"failed to start\n");
			goto out;
		}
		curl_up = 1;
		if (http_init(&h, url, cacert, 60, &err)) {
			rc = cli_fail("audit compare", &err);
			goto out;
		}
		rc = check_consistency(&h, &r, lo->fr.size, hi->fr.size,
				       &lo->root, &hi->root);
		if (rc == CLI_USAGE) {
			fprintf(stderr, "envelog: audit compare: %s\n", r.msg);
			goto out;
		}
		if (rc == FAILS || rc == CLI_BAD)
			bad(&r, "consistency", -1,
			    "%s (size %llu) and %s (size %llu) are not "
			    "consistent: %s",
			    path_lo, (unsigned long long)lo->fr.size, path_hi,
			    (unsigned long long)hi->fr.size,
			    rc == FAILS ? "the consistency proof fails"
				    : "the server gave no valid proof");
		else
			snprintf(r.msg, sizeof r.msg,
				 "consistent: %s (size %llu) is a prefix of %s "
				 "(size %llu); consistency proof verified",
				 path_lo, (unsigned long long)lo->fr.size,
				 path_hi, (unsigned long long)hi->fr.size);
	}
	rc = r.rc == CLI_BAD ? CLI_BAD : CLI_OK;
	if (json) {
		json_t *o = json_pack(
			"{s:b,s:s,s:s,s:I,s:I,s:s,s:s}", "ok", rc == CLI_OK,
			"check", rc == CLI_OK ? "none" : r.check, "message",
			r.msg, "size_a", (json_int_t)sa.fr.size, "size_b",
			(json_int_t)sb.fr.size, "checkpoint_a", sa.note,
			"checkpoint_b", sb.note);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
			    : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else if (rc == CLI_OK) {
		printf("%s\n", r.msg);
	} else {
		printf("FAILED %s: %s\n", r.check, r.msg);
		print_note("checkpoint A", sa.note);
		print_note("checkpoint B", sb.note);
	}
out:
	state_free(&sa);
	state_free(&sb);
	http_close(&h);
	if (curl_up)
		curl_global_cleanup();
	return rc;
}
