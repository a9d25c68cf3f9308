/*
 * test_idempotency.c — the Idempotency-Key of ingest: the key's bounds,
 * the body hash, finding and keeping keys inside the writer's transaction
 * (per token, conflicts, expiry, rollback), and the checkpoint a retried
 * batch is answered with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "idempotency.h"
#include "logfx.h"

#define ORIGIN "test.example/log"

static int setup(void **state)
{
	*state = logfx_new(ORIGIN);
	return 0;
}

static int teardown(void **state)
{
	logfx_free(*state);
	return 0;
}

static void test_key_check(void **state)
{
	char k[ELOG_IDEMPOTENCY_KEY_MAX + 2];
	elog_err_t err;

	(void)state;
	assert_int_equal(elog_idempotency_key_check("a", 1, &err), 0);
	assert_int_equal(elog_idempotency_key_check(
				 "6f1c2a9e-3b7d-4c55-9a0e-2f8d1b6c7e40", 36,
				 &err),
			 0);
	assert_int_equal(elog_idempotency_key_check("mx1:2026.03_18-1", 16,
						    &err),
			 0);
	memset(k, 'k', sizeof k);
	assert_int_equal(elog_idempotency_key_check(
				 k, ELOG_IDEMPOTENCY_KEY_MAX, &err),
			 0);
	assert_int_equal(elog_idempotency_key_check(
				 k, ELOG_IDEMPOTENCY_KEY_MAX + 1, &err),
			 -ELOG_TOO_LONG);
	assert_string_equal(err.field, "Idempotency-Key");
	assert_int_equal(elog_idempotency_key_check("", 0, &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(elog_idempotency_key_check("a b", 3, &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(elog_idempotency_key_check("a/b", 3, &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(elog_idempotency_key_check("a\0b", 3, &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(elog_idempotency_key_check("\xc3\xa9", 2, &err),
			 -ELOG_INVALID_VALUE);
}

static void test_body_hash(void **state)
{
	uint8_t a[32], b[32], c[32];

	(void)state;
	elog_idempotency_body_hash("application/json", "[1]", 3, a);
	elog_idempotency_body_hash("application/json", "[1]", 3, b);
	assert_memory_equal(a, b, 32);
	elog_idempotency_body_hash("application/x-ndjson", "[1]", 3, c);
	assert_memory_not_equal(a, c, 32);
	elog_idempotency_body_hash("application/json", "[2]", 3, c);
	assert_memory_not_equal(a, c, 32);
	/* the media type and the body are separated */
	elog_idempotency_body_hash("application/jso", "n[1]", 4, c);
	assert_memory_not_equal(a, c, 32);
}

/* In a transaction: find (token, key) with hash h at now. */
static int find(logfx *f, int64_t token, const char *key, const uint8_t *h,
		int64_t now, int64_t window, uint64_t *first, uint64_t *count)
{
	elog_err_t err;
	int found = -1, rc;

	assert_int_equal(elog_store_begin(f->w, &err), 0);
	rc = elog_idempotency_find(f->w, token, key, h, now, window, &found,
				   first, count, &err);
	if (rc == 0)
		assert_int_equal(elog_store_commit(f->w, &f->sk, now, NULL,
						   &err),
				 0);
	else
		elog_store_rollback(f->w);
	return rc < 0 ? rc : found;
}

static void put(logfx *f, int64_t token, const char *key, const uint8_t *h,
		uint64_t first, uint64_t count, int64_t now)
{
	elog_err_t err;

	assert_int_equal(elog_store_begin(f->w, &err), 0);
	assert_int_equal(elog_idempotency_put(f->w, token, key, h, first,
					      count, now, &err),
			 0);
	assert_int_equal(elog_store_commit(f->w, &f->sk, now, NULL, &err), 0);
}

static void test_find_put(void **state)
{
	logfx *f = *state;
	uint8_t a[32], b[32];
	uint64_t first = 99, count = 99, n;
	int64_t now = elog_now_ms(), day = 86400000;
	elog_err_t err;

	elog_idempotency_body_hash("application/json", "A", 1, a);
	elog_idempotency_body_hash("application/json", "B", 1, b);
	assert_int_equal(find(f, 1, "k", a, now, day, &first, &count), 0);
	put(f, 1, "k", a, 5, 3, now);
	assert_int_equal(find(f, 1, "k", a, now, day, &first, &count), 1);
	assert_int_equal(first, 5);
	assert_int_equal(count, 3);
	/* another body: conflict; another token: not kept */
	assert_int_equal(find(f, 1, "k", b, now, day, &first, &count),
			 -ELOG_CONFLICT);
	assert_int_equal(find(f, 2, "k", b, now, day, &first, &count), 0);
	assert_int_equal(find(f, 1, "K", a, now, day, &first, &count), 0);
	/* a key put in a transaction that is rolled back is not kept */
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	assert_int_equal(elog_idempotency_put(f->w, 1, "gone", a, 0, 1, now,
					      &err),
			 0);
	elog_store_rollback(f->w);
	assert_int_equal(find(f, 1, "gone", b, now, day, &first, &count), 0);
	/* expiry: kept for the window, then deleted (for every token) */
	put(f, 3, "old", a, 7, 1, now - day - 1);
	assert_int_equal(elog_idempotency_count(f->w, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(find(f, 1, "k", a, now, day, &first, &count), 1);
	assert_int_equal(elog_idempotency_count(f->w, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(find(f, 1, "k", a, now + day + 1, day, &first,
			      &count),
			 0);
	assert_int_equal(elog_idempotency_count(f->w, &n, &err), 0);
	assert_int_equal(n, 0);
}

/* The checkpoint a retry is answered with: the first signed at or beyond
 * its entries, without cosignature lines. */
static void test_checkpoint_covering(void **state)
{
	logfx *f = *state;
	elog_entry e[3];
	elog_commit c1, c2;
	elog_err_t err;
	char *note = NULL;
	size_t len;
	uint64_t size;
	int64_t now = elog_now_ms();

	for (int i = 0; i < 3; i++) {
		json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:i}", "ts",
				      (json_int_t)now, "sender", "+1",
				      "recipient", "+2", "type", "message",
				      "size", i);
		assert_int_equal(elog_event_from_json(o, 0, &f->rules, &e[i],
						      &err),
				 0);
		json_decref(o);
	}
	memset(&c1, 0, sizeof c1);
	memset(&c2, 0, sizeof c2);
	assert_int_equal(elog_store_append(f->w, e, 2, &f->sk, now, &c1, &err),
			 0);
	assert_int_equal(elog_store_append(f->w, e + 2, 1, &f->sk, now, &c2,
					   &err),
			 0);
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	assert_int_equal(elog_store_add_cosignature(f->w, 2, "w", "— w AAAA\n",
						    10, now, &err),
			 0);
	assert_int_equal(elog_store_commit(f->w, &f->sk, now, NULL, &err), 0);
	assert_int_equal(elog_store_checkpoint_covering(f->w, 1, &note, &len,
							&size, &err),
			 0);
	assert_int_equal(size, 2);
	assert_string_equal(note, c1.checkpoint);
	free(note);
	assert_int_equal(elog_store_checkpoint_covering(f->w, 3, &note, &len,
							&size, &err),
			 0);
	assert_int_equal(size, 3);
	assert_string_equal(note, c2.checkpoint);
	free(note);
	assert_int_equal(elog_store_checkpoint_covering(f->w, 4, &note, &len,
							&size, &err),
			 -ELOG_NOT_FOUND);
	for (int i = 0; i < 3; i++)
		elog_entry_free(&e[i]);
	elog_commit_free(&c1);
	elog_commit_free(&c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_check),
		cmocka_unit_test(test_body_hash),
		cmocka_unit_test_setup_teardown(test_find_put, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_covering,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
