/*
 * vectors.h — the test vectors for the unit tests: read in place from
 * tests/vectors (tests run from the repository root), or from the folder
 * $ELOG_VECTORS names, any set of the same layout (tests/vectors/README.md).
 * Nothing about the set is remembered here or in the tests: counts, names,
 * key ids and warrant fields are read from the files.  Include after
 * <cmocka.h> and <jansson.h>.
 */
#ifndef ELOG_TEST_VECTORS_H
#define ELOG_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *vectors_dir(void)
{
	const char *d = getenv("ELOG_VECTORS");
	return d && *d ? d : "tests/vectors";
}

/* The JSON file at rel below the vectors directory; fails the test if it
 * cannot be read.  New reference. */
static inline json_t *load_vector(const char *rel)
{
	char path[1024];
	json_error_t jerr;
	json_t *j;
	int n = snprintf(path, sizeof path, "%s/%s", vectors_dir(), rel);

	assert_true(n > 0 && (size_t)n < sizeof path);
	j = json_load_file(path, 0, &jerr);
	if (j == NULL)
		fail_msg("cannot read %s: %s", path, jerr.text);
	return j;
}

/* Call check(data) with the leaf data of each record in
 * tlog/tlog-records.json, in order; fails the test unless there are
 * records and each has its data as a string. */
static inline void each_record(void (*check)(const char *data))
{
	json_t *recs = load_vector("tlog/tlog-records.json");
	size_t i;

	assert_true(json_array_size(recs) > 0);
	for (i = 0; i < json_array_size(recs); i++) {
		const char *data = json_string_value(
			json_object_get(json_array_get(recs, i), "data"));

		assert_non_null(data);
		check(data);
	}
	json_decref(recs);
}

/* tlog/notes.json, for the tests of signed notes and checkpoints. */
static json_t *notes;

static inline const char *vec(const char *key)
{
	const char *s = json_string_value(json_object_get(notes, key));

	assert_non_null(s);
	return s;
}

/* A key's text form split at its '+' (after "PRIVATE+KEY+" for a signer
 * key), without the library's parser: name, key id, base64 key. */
struct key_text {
	char name[256];
	char hexid[9];
	unsigned long keyid;
	char b64[128];
};

static inline void key_text_split(const char *text, struct key_text *k)
{
	const char *plus;
	int n;

	if (strncmp(text, "PRIVATE+KEY+", 12) == 0)
		text += 12;
	plus = strchr(text, '+');
	assert_non_null(plus);
	assert_true((size_t)(plus - text) < sizeof k->name);
	memcpy(k->name, text, (size_t)(plus - text));
	k->name[plus - text] = '\0';
	assert_int_equal(plus[9], '+');
	memcpy(k->hexid, plus + 1, 8);
	k->hexid[8] = '\0';
	k->keyid = strtoul(k->hexid, NULL, 16);
	n = snprintf(k->b64, sizeof k->b64, "%s", plus + 10);
	assert_true(n > 0 && (size_t)n < sizeof k->b64);
}

/* The vector key at key in notes.json, split. */
static inline struct key_text vec_key(const char *key)
{
	struct key_text k;

	key_text_split(vec(key), &k);
	return k;
}

static inline int notes_setup(void **state)
{
	(void)state;
	notes = load_vector("tlog/notes.json");
	return 0;
}

static inline int notes_teardown(void **state)
{
	(void)state;
	json_decref(notes);
	return 0;
}

#endif
