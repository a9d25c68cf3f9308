/*
 * records — the event records of a SQLite log as JSON, for tests that look
 * inside the database (the store keeps them packed, pack.h):
 *   records DB          one line per event that has a record: SEQ TAB RECORD
 *   records DB SEQ      event SEQ's record alone (exit 1 if it has none)
 * Read through the store, as envelogd and verify read them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "param.h"
#include "store.h"

static int print_record(void *ctx, const elog_leaf *l)
{
	(void)ctx;
	if (l->kind == ELOG_KIND_EVENT && l->record)
		printf("%llu\t%.*s\n", (unsigned long long)l->seq,
		       (int)l->record_len, l->record);
	return 0;
}

int main(int argc, char **argv)
{
	elog_store *s = NULL;
	elog_err_t err;
	uint64_t size = 0, seq;
	elog_leaf l;
	int rc = 2;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: records DB [SEQ]\n");
		return 2;
	}
	if (elog_store_open(argv[1], ELOG_STORE_READ, ELOG_SYNC_FULL, &s,
			    &err)) {
		fprintf(stderr, "records: %s\n", err.msg);
		return 2;
	}
	if (argc == 3) {
		if (elog_param_uint(argv[2], UINT64_MAX, &seq) != 0) {
			fprintf(stderr, "records: bad seq %s\n", argv[2]);
		} else if (elog_store_leaf(s, seq, &l, &err) == 0) {
			rc = l.record ? 0 : 1;
			if (l.record)
				printf("%.*s\n", (int)l.record_len, l.record);
		} else {
			fprintf(stderr, "records: %s\n", err.msg);
		}
	} else if (elog_store_size(s, &size, &err) == 0 &&
		   elog_store_leaves(s, 0, size, print_record, NULL, &err) ==
			   0) {
		rc = 0;
	} else {
		fprintf(stderr, "records: %s\n", err.msg);
	}
	elog_store_close(s);
	return rc;
}
