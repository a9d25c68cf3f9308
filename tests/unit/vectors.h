/*
 * vectors.h — the shared test vectors for the unit tests: read in place
 * from ../shared/vectors (tests run from the repository root), or from
 * $ELOG_VECTORS.  Include after <cmocka.h> and <jansson.h>.
 */
#ifndef ELOG_TEST_VECTORS_H
#define ELOG_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>

static inline const char *vectors_dir(void)
{
	const char *d = getenv("ELOG_VECTORS");
	return d && *d ? d : "../shared/vectors";
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
 * tlog/tlog-records.json, in order; fails the test unless there are 300
 * records and each has its data as a string. */
static inline void each_record(void (*check)(const char *data))
{
	json_t *recs = load_vector("tlog/tlog-records.json");
	size_t i;

	assert_int_equal(json_array_size(recs), 300);
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
