/*
 * mkvectors — write a vector set of the layout of tests/vectors (see its
 * README) with libenvelog: another origin, fresh random keys, another
 * record count and another warrant id, so that `make check` can run the
 * unit tests against a set they have never seen (ELOG_VECTORS=DIR).
 *
 *   mkvectors DIR [RECORDS [ORIGIN [AUTHORITY [WARRANT-ID]]]]
 *
 * Writes DIR/tlog/ (records, roots, inclusion and consistency proofs,
 * notes.json with signed checkpoints and warrants), DIR/merkle/ (cases in
 * nested folders, one folder in which every case expects an error) and
 * DIR/v2/ (events with commitments, records commitments, warrants with a
 * log line).  Exit 0, or 1 with a message on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "checkpoint.h"
#include "merkle.h"
#include "note.h"

#define MAX_RECORDS 4096

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "mkvectors: %s\n", what);
	exit(1);
}

/* mkdir -p DIR/rel. */
static void make_dirs(const char *rel)
{
	char path[1024];
	size_t i;
	int n = snprintf(path, sizeof path, "%s/%s", dir, rel);

	if (n < 0 || (size_t)n >= sizeof path)
		die("path too long");
	for (i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		mkdir(path, 0755);
		path[i] = '/';
	}
	mkdir(path, 0755);
}

/* Write j (stolen) as DIR/rel, indented, keys sorted. */
static void write_json(const char *rel, json_t *j)
{
	char path[1024];
	int n = snprintf(path, sizeof path, "%s/%s", dir, rel);

	if (j == NULL || n < 0 || (size_t)n >= sizeof path)
		die("cannot build a file");
	if (json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "mkvectors: cannot write %s\n", path);
		exit(1);
	}
	json_decref(j);
}

static json_t *b64_hash(const elog_hash *h)
{
	char b64[ELOG_HASH_B64_LEN];

	elog_hash_to_b64(h, b64);
	return json_string(b64);
}

static json_t *b64_bytes(const void *b, size_t len)
{
	char out[256];

	if (sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL) > sizeof out)
		die("too long for base64");
	sodium_bin2base64(out, sizeof out, b, len, sodium_base64_VARIANT_ORIGINAL);
	return json_string(out);
}

static json_t *proof_array(const elog_hash *p, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, b64_hash(&p[i]));
	return a;
}

static uint32_t rnd(uint32_t below)
{
	return randombytes_uniform(below);
}

/* The signer and verifier key texts of s (ELOG_KEY_TEXT_MAX each). */
static void key_texts(const elog_signer *s, char *skey, char *vkey)
{
	elog_verifier v;

	elog_signer_public(s, &v);
	if (elog_signer_format(s, skey, ELOG_KEY_TEXT_MAX, NULL) != 0 ||
	    elog_verifier_format(&v, vkey, ELOG_KEY_TEXT_MAX, NULL) != 0)
		die("cannot format a key");
}

static json_t *sign(const char *text, const elog_signer *s)
{
	char *note = NULL;
	json_t *j;

	if (elog_note_sign(text, strlen(text), s, &note, NULL, NULL) != 0)
		die("cannot sign a note");
	j = json_string(note);
	free(note);
	return j;
}

/* tlog/: records, roots, proofs; fills leaves[0..n). */
static void write_tlog(size_t n, elog_hash *leaves)
{
	elog_leaf_array la = {leaves, n};
	json_t *recs = json_array(), *roots = json_object(), *incl = json_array(), *cons = json_array();
	elog_hash root, p[ELOG_MAX_PROOF];
	size_t i, np;
	uint64_t a, b;
	char data[512], key[32];

	for (i = 0; i < n; i++) {
		uint8_t nonce[16];
		json_t *nj;
		int len;

		randombytes_buf(nonce, sizeof nonce);
		nj = b64_bytes(nonce, sizeof nonce);
		len = snprintf(data, sizeof data,
			       "{\"kind\":\"event\",\"nonce\":\"%s\",\"recipient\":\"+4478%08u\","
			       "\"sender\":\"+4479%08u\",\"size\":%u,\"ts\":%llu,\"type\":\"%s\"}",
			       json_string_value(nj), (unsigned)rnd(100000000), (unsigned)rnd(100000000),
			       (unsigned)rnd(1000000), 1710000000000ULL + (unsigned long long)i * 1789,
			       i % 3 ? "message" : "voice_call");
		json_decref(nj);
		if (len < 0 || (size_t)len >= sizeof data)
			die("record too long");
		elog_leaf_hash(data, (size_t)len, &leaves[i]);
		json_array_append_new(recs, json_pack("{sI ss so}", "index", (json_int_t)i, "data", data,
						      "leaf_hash", b64_hash(&leaves[i])));
	}
	for (i = 0; i <= n; i++) {
		elog_root_of_leaves(leaves, i, &root);
		snprintf(key, sizeof key, "%zu", i);
		json_object_set_new(roots, key, b64_hash(&root));
	}
	/* Inclusion proofs: every index of a few sizes, and random pairs. */
	for (b = 1; b <= n; b += b < 9 ? 1 : n / 5 + 1) {
		for (a = 0; a < b; a += b < 9 ? 1 : b / 4 + 1) {
			if (elog_prove_inclusion(a, b, elog_leaf_array_reader, &la, p, &np, NULL) != 0)
				die("cannot prove inclusion");
			elog_root_of_leaves(leaves, b, &root);
			json_array_append_new(incl, json_pack("{sI sI so so so}", "index", (json_int_t)a,
				"size", (json_int_t)b, "root", b64_hash(&root), "leaf_hash", b64_hash(&leaves[a]),
				"proof", proof_array(p, np)));
		}
	}
	for (b = 1; b <= n; b += b < 9 ? 1 : n / 4 + 1) {
		for (a = 1; a <= b; a += a < 5 ? 1 : b / 3 + 1) {
			elog_hash r1;

			if (elog_prove_consistency(a, b, elog_leaf_array_reader, &la, p, &np, NULL) != 0)
				die("cannot prove consistency");
			elog_root_of_leaves(leaves, a, &r1);
			elog_root_of_leaves(leaves, b, &root);
			json_array_append_new(cons, json_pack("{sI sI so so so}", "old", (json_int_t)a,
				"new", (json_int_t)b, "old_root", b64_hash(&r1), "new_root", b64_hash(&root),
				"proof", proof_array(p, np)));
		}
	}
	write_json("tlog/tlog-records.json", recs);
	write_json("tlog/tlog-roots.json", roots);
	write_json("tlog/tlog-inclusion.json", incl);
	write_json("tlog/tlog-consistency.json", cons);
}

/* The warrant text of id, authority, an optional log line, into buf. */
static void warrant_text(char *buf, size_t cap, const char *id, const char *authority,
			 const char *log, const char *subject2)
{
	char logline[300] = "";
	int n;

	if (log)
		snprintf(logline, sizeof logline, "log %s\n", log);
	n = snprintf(buf, cap,
		     "envelog/warrant/v1\nid %s\nauthority %s\n%ssubject +447700900777\n"
		     "subject %s\nfrom 2024-02-29T12:00:00Z\nto 2024-03-02T00:00:00Z\n"
		     "expires 2098-12-31T23:59:59Z\nbasis Generated Vectors Act s.%u\n",
		     id, authority, logline, subject2, (unsigned)rnd(90) + 10);
	if (n < 0 || (size_t)n >= cap)
		die("warrant too long");
}

/* tlog/notes.json: keys, signed checkpoints, warrants. */
static void write_notes(size_t n, const elog_hash *leaves, const elog_signer *log,
			const elog_signer *auth, const char *warrant_id)
{
	char skey[ELOG_KEY_TEXT_MAX], vkey[ELOG_KEY_TEXT_MAX], text[1024];
	uint64_t sizes[] = {0, 1, 5, n};
	json_t *notes = json_object(), *cps = json_array(), *signed_w;
	elog_signer other;
	char *tampered, *at;
	size_t i;

	key_texts(log, skey, vkey);
	json_object_set_new(notes, "log_signer_key", json_string(skey));
	json_object_set_new(notes, "log_verifier_key", json_string(vkey));
	key_texts(auth, skey, vkey);
	json_object_set_new(notes, "authority_signer_key", json_string(skey));
	json_object_set_new(notes, "authority_verifier_key", json_string(vkey));
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		elog_checkpoint cp;
		char *note = NULL;
		size_t len;

		memset(&cp, 0, sizeof cp);
		snprintf(cp.origin, sizeof cp.origin, "%s", log->name);
		cp.size = sizes[i];
		elog_root_of_leaves(leaves, sizes[i], &cp.root);
		if (elog_checkpoint_format(&cp, text, sizeof text, &len, NULL) != 0 ||
		    elog_checkpoint_sign(&cp, log, &note, &len, NULL) != 0)
			die("cannot sign a checkpoint");
		json_array_append_new(cps, json_pack("{sI ss ss}", "size", (json_int_t)sizes[i], "text", text,
						     "signed_note", note));
		free(note);
	}
	json_object_set_new(notes, "checkpoints", cps);
	warrant_text(text, sizeof text, warrant_id, auth->name, NULL, "+447700900888");
	json_object_set_new(notes, "warrant_text", json_string(text));
	signed_w = sign(text, auth);
	json_object_set_new(notes, "warrant_signed", signed_w);
	if (elog_signer_generate(auth->name, &other, NULL) != 0)
		die("cannot make a key");
	json_object_set_new(notes, "warrant_forged_same_name_other_key", sign(text, &other));
	elog_signer_wipe(&other);
	tampered = strdup(json_string_value(signed_w));
	if (tampered == NULL || (at = strstr(tampered, "+447700900888")) == NULL)
		die("cannot tamper");
	at[12] = '9';
	json_object_set_new(notes, "warrant_tampered_after_signing", json_string(tampered));
	free(tampered);
	write_json("tlog/notes.json", notes);
}

/* One merkle case file at DIR/merkle/rel. */
static void merkle_case(const char *rel, json_t *c, const char *desc, int want_err)
{
	json_object_set_new(c, "desc", json_string(desc));
	json_object_set_new(c, "wantErr", json_boolean(want_err));
	write_json(rel, c);
}

/* merkle/: a happy path per tree, in nested folders; the all-errors
 * folders of inclusion and consistency hold only cases that must be
 * rejected. */
static void write_merkle(size_t n, const elog_hash *leaves)
{
	elog_leaf_array la = {leaves, n};
	uint64_t sizes[] = {2, 7, n};
	elog_hash root, r1, p[ELOG_MAX_PROOF];
	char rel[256];
	size_t i, np;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint64_t size = sizes[i], idx = size / 2, old = size / 2 + 1;
		json_t *c;

		snprintf(rel, sizeof rel, "merkle/inclusion/generated/size-%llu", (unsigned long long)size);
		make_dirs(rel);
		elog_root_of_leaves(leaves, size, &root);
		if (elog_prove_inclusion(idx, size, elog_leaf_array_reader, &la, p, &np, NULL) != 0)
			die("cannot prove inclusion");
		c = json_pack("{sI sI so so so}", "leafIdx", (json_int_t)idx, "treeSize", (json_int_t)size,
			      "root", b64_hash(&root), "leafHash", b64_hash(&leaves[idx]), "proof", proof_array(p, np));
		snprintf(rel, sizeof rel, "merkle/inclusion/generated/size-%llu/happy-path.json", (unsigned long long)size);
		merkle_case(rel, json_deep_copy(c), "happy path", 0);
		json_object_set_new(c, "leafIdx", json_integer((json_int_t)(idx ^ 1)));
		snprintf(rel, sizeof rel, "merkle/inclusion/all-errors/size-%llu-other-index.json", (unsigned long long)size);
		make_dirs("merkle/inclusion/all-errors");
		merkle_case(rel, c, "other index", 1);

		snprintf(rel, sizeof rel, "merkle/consistency/generated/deeper/size-%llu", (unsigned long long)size);
		make_dirs(rel);
		if (elog_prove_consistency(old, size, elog_leaf_array_reader, &la, p, &np, NULL) != 0)
			die("cannot prove consistency");
		elog_root_of_leaves(leaves, old, &r1);
		c = json_pack("{sI sI so so so}", "size1", (json_int_t)old, "size2", (json_int_t)size,
			      "root1", b64_hash(&r1), "root2", b64_hash(&root), "proof", proof_array(p, np));
		snprintf(rel, sizeof rel, "merkle/consistency/generated/deeper/size-%llu/happy-path.json",
			 (unsigned long long)size);
		merkle_case(rel, json_deep_copy(c), "happy path", 0);
		elog_root_of_leaves(leaves, size - 1, &r1);
		json_object_set_new(c, "root2", b64_hash(&r1));
		make_dirs("merkle/consistency/all-errors");
		snprintf(rel, sizeof rel, "merkle/consistency/all-errors/size-%llu-other-root2.json",
			 (unsigned long long)size);
		merkle_case(rel, c, "root2 of another tree", 1);
	}
}

/* v2/: events with their commitments, records commitments, warrants
 * with a log line. */
static void write_v2(size_t n, const elog_signer *auth, const char *origin, const char *warrant_id)
{
	static const size_t sets[][6] = {{0}, {1, 3}, {2, 0, 1}, {4, 1, 2, 4, 7}};
	elog_hash *leaves = calloc(n, sizeof *leaves);
	json_t *events = json_array(), *commits = json_array(), *w = json_object();
	char skey[ELOG_KEY_TEXT_MAX], vkey[ELOG_KEY_TEXT_MAX], text[1024], id2[128];
	size_t i;

	if (leaves == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		uint8_t nonce[16];
		elog_hash c;
		json_t *nj, *cj;
		char rec[512], leaf[128];
		int len;

		randombytes_buf(nonce, sizeof nonce);
		nj = b64_bytes(nonce, sizeof nonce);
		len = snprintf(rec, sizeof rec,
			       "{\"device\":\"dev-%u\",\"ip\":\"198.51.100.%u\",\"kind\":\"event\",\"nonce\":\"%s\","
			       "\"recipient\":\"+4477%08u\",\"sender\":\"+1555%07u\",\"size\":%u,\"ts\":%llu,"
			       "\"type\":\"message\"}",
			       (unsigned)rnd(1000), (unsigned)rnd(255), json_string_value(nj), (unsigned)rnd(100000000),
			       (unsigned)rnd(10000000), (unsigned)rnd(1000000), 1710000000000ULL + (unsigned long long)i * 611);
		json_decref(nj);
		if (len < 0 || (size_t)len >= sizeof rec)
			die("record too long");
		elog_sha256(rec, (size_t)len, &c);
		cj = b64_hash(&c);
		len = snprintf(leaf, sizeof leaf, "{\"commitment\":\"%s\",\"kind\":\"event\"}", json_string_value(cj));
		if (len < 0 || (size_t)len >= sizeof leaf)
			die("leaf too long");
		elog_leaf_hash(leaf, (size_t)len, &leaves[i]);
		json_array_append_new(events, json_pack("{sI ss so ss so}", "seq", (json_int_t)i, "record", rec,
							"commitment", cj, "leaf_data", leaf, "leaf_hash", b64_hash(&leaves[i])));
	}
	for (i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		elog_hash sel[8], root, commit;
		uint8_t salt[16], buf[16 + ELOG_HASH_LEN];
		json_t *seqs = json_array();
		size_t k, m = sets[i][0];

		for (k = 0; k < m; k++) {
			size_t seq = sets[i][k + 1] % n;

			json_array_append_new(seqs, json_integer((json_int_t)seq));
			sel[k] = leaves[seq];
		}
		elog_root_of_leaves(sel, m, &root);
		randombytes_buf(salt, sizeof salt);
		memcpy(buf, salt, sizeof salt);
		memcpy(buf + sizeof salt, root.b, ELOG_HASH_LEN);
		elog_sha256(buf, sizeof buf, &commit);
		json_array_append_new(commits, json_pack("{so so so so}", "seqs", seqs, "records_root", b64_hash(&root),
							 "records_salt", b64_bytes(salt, sizeof salt),
							 "records_commitment", b64_hash(&commit)));
	}
	key_texts(auth, skey, vkey);
	json_object_set_new(w, "authority_signer_key", json_string(skey));
	json_object_set_new(w, "authority_verifier_key", json_string(vkey));
	json_object_set_new(w, "log_origin", json_string(origin));
	snprintf(id2, sizeof id2, "%s-2", warrant_id);
	warrant_text(text, sizeof text, id2, auth->name, origin, "+447700900999");
	json_object_set_new(w, "warrant_for_this_log", sign(text, auth));
	warrant_text(text, sizeof text, id2, auth->name, "elsewhere.example/other-log", "+447700900999");
	json_object_set_new(w, "warrant_for_other_log", sign(text, auth));
	write_json("v2/events.json", events);
	write_json("v2/records-commitments.json", commits);
	write_json("v2/warrants.json", w);
	free(leaves);
}

int main(int argc, char **argv)
{
	const char *origin = argc > 3 ? argv[3] : "vectors.test/generated-log-2";
	const char *authority = argc > 4 ? argv[4] : "generated-authority";
	const char *warrant_id = argc > 5 ? argv[5] : "GEN/2024/0173";
	char *end = NULL;
	unsigned long n = 173;
	elog_signer log, auth;
	elog_hash *leaves;

	if (argc < 2 || argc > 6 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mkvectors DIR [RECORDS [ORIGIN [AUTHORITY [WARRANT-ID]]]]\n");
		return 1;
	}
	dir = argv[1];
	if (argc > 2) {
		n = strtoul(argv[2], &end, 10);
		if (*end != '\0' || n < 8 || n > MAX_RECORDS)
			die("RECORDS must be 8 to 4096");
	}
	if (sodium_init() < 0)
		die("libsodium does not start");
	if (elog_signer_generate(origin, &log, NULL) != 0 ||
	    elog_signer_generate(authority, &auth, NULL) != 0)
		die("ORIGIN and AUTHORITY must be valid key names");
	leaves = calloc(n, sizeof *leaves);
	if (leaves == NULL)
		die("out of memory");
	make_dirs("tlog");
	make_dirs("v2");
	write_tlog(n, leaves);
	write_notes(n, leaves, &log, &auth, warrant_id);
	write_merkle(n, leaves);
	write_v2(n < 64 ? n : 64, &auth, origin, warrant_id);
	elog_signer_wipe(&log);
	elog_signer_wipe(&auth);
	free(leaves);
	return 0;
}
