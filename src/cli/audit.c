/*
 * audit.c — envelog audit: the monitor of a running log, and
 * envelog audit compare: are two auditors' checkpoints consistent?
 *
 * The checks are the library's (monitor.h: the state file's text, the
 * checkpoint, rollback, fork, consistency, every leaf recomputed, the bad
 * leaf located, the cosignature); this front end gives it libcurl as its
 * fetch callback, reads and atomically replaces the state file, parses
 * the options and prints the result.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "checkpoint.h"
#include "cli.h"
#include "http.h"
#include "monitor.h"
#include "note.h"
#include "param.h"
#include "statefile.h"

#define LIST_TEXT_MAX 20 /* public entries listed in the human summary */
#define STATE_FORMAT ELOG_MONITOR_STATE_FORMAT
#define EVIDENCE_MAX \
	8192 /* bytes of a served "checkpoint" shown as evidence */

/* The monitor's fetch callback (monitor.h): ctx is the struct audit. */
struct audit {
	struct cli_http h;
	struct cli_http ht; /* --tiles: where the /tlog/ paths are read */
	elog_monitor mon;
	const char *state_path;
	int json;
	int first_use; /* no state file yet: say so before the leaves */
	const char *token;
};

static int fetch_http(void *ctx, const char *path, const char *post,
		      size_t post_len, long *status, char **body,
		      size_t *body_len, elog_err_t *err)
{
	struct audit *au = ctx;
	struct cli_http *h = &au->h;
	struct cli_body b;
	int rc;

	/* --tiles URL stands for URL/tlog. */
	if (au->ht.curl && !post &&
	    strncmp(path, ELOG_MONITOR_TILE_PREFIX,
		    strlen(ELOG_MONITOR_TILE_PREFIX)) == 0) {
		h = &au->ht;
		path += strlen(ELOG_MONITOR_TILE_PREFIX) - 1;
	}
	rc = cli_http_do(h, path, post, post_len, post ? au->token : NULL,
			 status, &b, err);
	*body = b.p;
	*body_len = b.len;
	return rc;
}

/* The monitor's progress: the first-use notice, then the progress bar. */
static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct audit *au = ctx;

	if (done == 0 && au->first_use)
		fprintf(stderr,
			"envelog: audit: no state in %s yet: trusting the log "
			"on first use, auditing its whole history (size "
			"%llu)\n",
			au->state_path, (unsigned long long)total);
	if (done > 0 && !au->json)
		cli_progress(NULL, done, total);
}

/* ---- the state file ---- */

/*
 * Load the state file at path into *st (elog_monitor_state_parse).  A
 * missing file gives st->present 0.
 */
static int state_load(const char *path, const elog_verifier *pin,
		      elog_monitor_state *st, elog_err_t *err)
{
	char *text = NULL;
	size_t len = 0;
	struct stat sb;
	int rc;

	memset(st, 0, sizeof *st);
	if (stat(path, &sb) != 0 && errno == ENOENT)
		return 0;
	if ((rc = cli_read_file(path, ELOG_MONITOR_STATE_MAX, &text, &len,
				err)))
		return rc;
	rc = elog_monitor_state_parse(text, len, path, pin, st, err);
	free(text);
	return rc;
}

static int state_save(const char *path, const elog_monitor_state *st,
		      elog_err_t *err)
{
	char *text = NULL;
	int rc = elog_monitor_state_format(st, (uint64_t)time(NULL), &text,
					   err);
	if (rc == 0) {
		/* The text and a final newline. */
		size_t tl = strlen(text);
		char *nl = realloc(text, tl + 2);

		if (!nl) {
			free(text);
			return elog_fail(err, ELOG_NOMEM, -1, NULL,
					 "out of memory");
		}
		text = nl;
		memcpy(text + tl, "\n", 2);
		rc = elog_file_replace(path, text, tl + 1, 0644, err);
	}
	free(text);
	return rc;
}

/* One audit run against *st, which advances (and is saved) on success;
 * then the cosignature, if asked for. */
static int audit_once(struct audit *au, elog_monitor_state *st,
		      elog_monitor_result *r)
{
	elog_err_t err;
	int rc;

	au->first_use = !st->present;
	rc = elog_monitor_run(&au->mon, st, r);
	if (rc == -ELOG_TAMPERED)
		return CLI_BAD;
	if (rc)
		return CLI_USAGE;
	elog_err_clear(&err);
	if (state_save(au->state_path, st, &err)) {
		st->present = 0; /* reload before trusting it again */
		r->rc = -ELOG_IO;
		r->network = 0;
		snprintf(r->check, sizeof r->check, "io");
		snprintf(r->msg, sizeof r->msg, "%s", err.msg);
		return CLI_USAGE;
	}
	if (elog_monitor_cosign(&au->mon, r, (uint64_t)time(NULL)))
		return CLI_USAGE;
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

	if (kind && strcmp(kind, "shard_add") == 0)
		printf("  seq %llu shard_add: %s\n", (unsigned long long)seq,
		       field_text(e, "origin", ab, sizeof ab));
	else if (kind && strncmp(kind, "shard", 5) == 0)
		printf("  seq %llu %s: %s size %lld\n",
		       (unsigned long long)seq,
		       field_text(e, "kind", rb, sizeof rb),
		       field_text(e, "origin", ab, sizeof ab),
		       (long long)json_integer_value(
			       json_object_get(e, "size")));
	else if (kind && strcmp(kind, "purge") == 0)
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

/* Print the result of a run; rc is its exit status (CLI_OK, CLI_BAD or
 * CLI_USAGE).  The server's words in r->msg are cleaned first. */
static void report(const struct audit *au, int rc,
		   const elog_monitor_result *r, const elog_monitor_state *st)
{
	const char *old_note = r->show_state && st->note ? st->note : NULL;
	const char *new_note = r->show_served ? r->served : NULL;
	char root[ELOG_HASH_B64_LEN], msg[4 * sizeof r->msg], shards[48] = "";
	size_t i;

	if (r->shard_entries)
		snprintf(shards, sizeof shards, ", %llu shard entries",
			 (unsigned long long)r->shard_entries);
	cli_clean(msg, sizeof msg, r->msg, strlen(r->msg), 0);
	if (au->json) {
		json_t *o;
		char *s;
		if (rc == CLI_OK) {
			elog_hash_to_b64(&r->cp.root, root);
			o = json_pack(
				"{s:b,s:s,s:I,s:I,s:s,s:b,s:I,s:I,s:I,s:I,s:I,"
				"s:O,s:b,s:s,s:I}",
				"ok", 1, "origin", r->cp.origin, "old_size",
				(json_int_t)r->old_size, "new_size",
				(json_int_t)r->cp.size, "root", root,
				"first_run", r->first_run, "entries_checked",
				(json_int_t)r->checked, "disclosures",
				(json_int_t)r->disclosures, "refusals",
				(json_int_t)r->refusals, "purges",
				(json_int_t)r->purges, "shard_entries",
				(json_int_t)r->shard_entries, "public_entries",
				r->public_entries, "cosigned", r->cosigned,
				"read", r->tiles ? "tiles" : "api", "requests",
				(json_int_t)r->requests);
		} else {
			o = json_pack("{s:b,s:s,s:o,s:s,s:o,s:o}", "ok", 0,
				      "check", r->check, "seq",
				      r->seq >= 0 ? json_integer(r->seq)
						  : json_null(),
				      "message", msg, "state_checkpoint",
				      note_json(old_note), "served_checkpoint",
				      note_json(new_note));
		}
		s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
		      : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
		if (rc == CLI_USAGE)
			fprintf(stderr, "envelog: audit: %s\n", msg);
		fflush(stdout);
		return;
	}
	if (rc == CLI_USAGE) {
		fprintf(stderr, "envelog: audit: %s\n", msg);
		return;
	}
	if (rc == CLI_BAD) {
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
	       "last run %llu disclosures, %llu refusals, %llu purges%s%s; "
	       "%llu requests (%s)\n",
	       r->cp.origin, (unsigned long long)r->old_size,
	       (unsigned long long)r->cp.size,
	       r->first_run ? " (first run)" : "",
	       (unsigned long long)r->checked,
	       (unsigned long long)r->disclosures,
	       (unsigned long long)r->refusals, (unsigned long long)r->purges,
	       shards, r->cosigned ? "; cosigned" : "",
	       (unsigned long long)r->requests, r->tiles ? "tiles" : "API");
	for (i = 0;
	     i < json_array_size(r->public_entries) && i < LIST_TEXT_MAX;
	     i++) {
		json_t *pe = json_array_get(r->public_entries, i);
		print_entry_line((uint64_t)json_integer_value(
					 json_object_get(pe, "seq")),
				 json_object_get(pe, "entry"));
	}
	if (json_array_size(r->public_entries) > LIST_TEXT_MAX)
		printf("  … and %llu more\n",
		       (unsigned long long)(r->disclosures + r->refusals +
					    r->purges + r->shard_entries -
					    LIST_TEXT_MAX));
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
		       const char *vtext, elog_monitor_state *st,
		       elog_err_t *err)
{
	int rc = state_load(path, vk, st, err);
	if (rc == 0 && !st->present)
		elog_monitor_state_init(st, vk, vtext);
	return rc;
}

static int compare(int argc, char **argv);

int cmd_audit(int argc, char **argv)
{
	const char *url = NULL, *vkey = NULL, *cacert = NULL, *wkey = NULL;
	const char *follow_s = NULL, *timeout_s = NULL, *tiles_url = NULL;
	int no_tiles = 0;
	uint64_t follow = 0, timeout = 60;
	struct audit au;
	elog_monitor_state st;
	elog_monitor_result r;
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
		{.name = "tiles", .value = &tiles_url},
		{.name = "no-tiles", .flag = &no_tiles},
		{.name = NULL},
	};

	if (argc >= 2 && strcmp(argv[1], "compare") == 0)
		return compare(argc - 1, argv + 1);
	memset(&au, 0, sizeof au);
	memset(&st, 0, sizeof st);
	memset(&r, 0, sizeof r);
	memset(&witness, 0, sizeof witness);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "audit", &first)) >= 0)
		return rc;
	rc = CLI_USAGE;
	if (follow_s &&
	    (elog_param_uint(follow_s, 86400, &follow) || follow < 1)) {
		fprintf(stderr, "envelog: audit: --follow takes 1..86400 "
				"seconds\n");
		return CLI_USAGE;
	}
	if (timeout_s &&
	    (elog_param_uint(timeout_s, 3600, &timeout) || timeout < 1)) {
		fprintf(stderr, "envelog: audit: --timeout takes 1..3600 "
				"seconds\n");
		return CLI_USAGE;
	}
	if (first != argc || !url || !vkey || !au.state_path)
		return cli_usage("audit", 1);
	if (tiles_url && no_tiles) {
		fprintf(stderr, "envelog: audit: --tiles and --no-tiles "
				"contradict each other\n");
		return CLI_USAGE;
	}
	if (!au.token)
		au.token = getenv("ENVELOG_TOKEN");
	if (load_vkey(vkey, &au.mon.vk, vtext, sizeof vtext, &err))
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
			fprintf(stderr,
				"envelog: audit: %s is not a witness "
				"(cosignature/v1) key; make one with "
				"`envelog witness keygen`\n",
				wkey);
			return CLI_USAGE;
		}
		au.mon.witness = &witness;
	}
	if (state_start(au.state_path, &au.mon.vk, vtext, &st, &err)) {
		rc = cli_fail("audit: --state", &err);
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "envelog: audit: libcurl failed to start\n");
		goto out;
	}
	curl_up = 1;
	if (cli_http_init(&au.h, url, cacert, (long)timeout, &err)) {
		rc = cli_fail("audit", &err);
		goto out;
	}
	if (tiles_url &&
	    cli_http_init(&au.ht, tiles_url, cacert, (long)timeout, &err)) {
		rc = cli_fail("audit: --tiles", &err);
		goto out;
	}
	au.h.agent = au.ht.agent = "envelog-audit";
	au.mon.tiles = tiles_url  ? ELOG_MONITOR_TILES_ONLY
		       : no_tiles ? ELOG_MONITOR_TILES_OFF
				  : ELOG_MONITOR_TILES_AUTO;
	au.mon.fetch = fetch_http;
	au.mon.fetch_ctx = &au;
	au.mon.where = tiles_url ? NULL : au.h.base;
	au.mon.progress = on_progress;
	au.mon.progress_ctx = &au;
	for (;;) {
		rc = audit_once(&au, &st, &r);
		report(&au, rc, &r, &st);
		if (!follow || rc == CLI_BAD || (rc == CLI_USAGE && !r.network))
			break;
		if (rc == CLI_USAGE)
			fprintf(stderr, "envelog: audit: retrying in %llu s\n",
				(unsigned long long)follow);
		elog_monitor_result_free(&r);
		if (!st.present) {
			/* The state file could not be written: start over
			 * from what it holds. */
			elog_monitor_state_free(&st);
			if (state_start(au.state_path, &au.mon.vk, vtext, &st,
					&err)) {
				rc = cli_fail("audit: --state", &err);
				goto out;
			}
		}
		sleep((unsigned)follow);
	}
out:
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&st);
	cli_http_close(&au.h);
	cli_http_close(&au.ht);
	if (curl_up)
		curl_global_cleanup();
	elog_signer_wipe(&witness);
	elog_monitor_free(&au.mon);
	return rc;
}

/* ---- compare ---- */

static int compare(int argc, char **argv)
{
	const char *url = NULL, *vkey = NULL, *cacert = NULL;
	elog_monitor_state sa, sb;
	struct audit cau;
	elog_monitor_result r;
	elog_verifier pin;
	elog_err_t err;
	char vtext[ELOG_KEY_TEXT_MAX], msg[4 * sizeof r.msg];
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
	memset(&cau, 0, sizeof cau);
	memset(&r, 0, sizeof r);
	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "audit compare", &first)) >= 0)
		return rc;
	rc = CLI_USAGE;
	if (argc - first != 2)
		return cli_usage("audit compare", 1);
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
	if (sa.fr.size != sb.fr.size && sa.fr.size > 0 && sb.fr.size > 0) {
		/* A consistency proof is needed: from the server. */
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
		if (cli_http_init(&cau.h, url, cacert, 60, &err)) {
			rc = cli_fail("audit compare", &err);
			goto out;
		}
		cau.h.agent = "envelog-audit";
		cau.mon.fetch = fetch_http;
		cau.mon.fetch_ctx = &cau;
		cau.mon.where = cau.h.base;
	}
	cau.mon.vk = sa.vk;
	rc = elog_monitor_compare(&cau.mon, &sa, &sb, &r);
	if (rc && rc != -ELOG_TAMPERED) {
		fprintf(stderr, "envelog: audit compare: %s\n",
			cli_clean(msg, sizeof msg, r.msg, strlen(r.msg), 0));
		rc = CLI_USAGE;
		goto out;
	}
	rc = rc ? CLI_BAD : CLI_OK;
	if (json) {
		json_t *o = json_pack("{s:b,s:s,s:s,s:I,s:I,s:s,s:s}", "ok",
				      rc == CLI_OK, "check",
				      rc == CLI_OK ? "none" : r.check,
				      "message", r.msg, "size_a",
				      (json_int_t)sa.fr.size, "size_b",
				      (json_int_t)sb.fr.size, "checkpoint_a",
				      sa.note, "checkpoint_b", sb.note);
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
	elog_monitor_result_free(&r);
	elog_monitor_state_free(&sa);
	elog_monitor_state_free(&sb);
	cli_http_close(&cau.h);
	if (curl_up)
		curl_global_cleanup();
	return rc;
}
