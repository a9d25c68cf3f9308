/* libFuzzer target: ingest bodies, as a JSON array and as NDJSON. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	elog_ingest_rules rules = {.now_ms = 1700000000000LL,
				   .max_future_ms = 300000,
				   .max_events = 100};
	for (int ndjson = 0; ndjson <= 1; ndjson++) {
		elog_entry *es = NULL;
		size_t n = 0;
		elog_err_t err;
		if (elog_events_parse((const char *)data, size, ndjson, &rules,
				      &es, &n, &err) == 0) {
			/* What was accepted reads back: the public leaf data
			 * as an event's commitment, the record as the event,
			 * committing to the same leaf data. */
			for (size_t i = 0; i < n; i++) {
				elog_entry back, rec;
				if (elog_entry_from_data(es[i].data, es[i].len,
							 &back, &err) != 0 ||
				    back.kind != ELOG_KIND_EVENT)
					__builtin_trap();
				elog_entry_free(&back);
				if (elog_entry_from_record(es[i].record,
							   es[i].record_len,
							   &rec, &err) != 0 ||
				    rec.len != es[i].len ||
				    memcmp(rec.data, es[i].data, rec.len) != 0)
					__builtin_trap();
				elog_entry_free(&rec);
			}
			elog_entries_free(es, n);
		}
	}
	return 0;
}
