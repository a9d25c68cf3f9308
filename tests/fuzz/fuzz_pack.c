/*
 * libFuzzer target: the packed forms of records and event leaf data
 * (pack.h).  The input is taken as a packed record and as a packed leaf
 * (unpacking never crashes; what it accepts packs again to the same
 * bytes), and as a record and as leaf data in JSON (what packs unpacks to
 * the same bytes; a record that packs is one the library reads as an
 * event).  Seeds (tests/fuzz/corpus/fuzz_pack): records and leaf data,
 * JSON and packed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "entry.h"
#include "pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char p[ELOG_RECORD_PACKED_MAX];
	char json[ELOG_RECORD_JSON_MAX];
	size_t n = 0, m = 0;
	int rc;

	/* packed, unpacked, packed again */
	rc = elog_unpack_record(data, size, json, sizeof json, &m);
	if (rc == 0) {
		if (m > ELOG_RECORD_JSON_MAX ||
		    elog_pack_record(json, m, p, sizeof p, &n) != 1 ||
		    n != size || memcmp(p, data, size) != 0)
			__builtin_trap();
	} else if (rc != -ELOG_TAMPERED) {
		__builtin_trap();
	}
	rc = elog_unpack_event_leaf(data, size, json, sizeof json, &m);
	if (rc == 0) {
		if (m != ELOG_EVENT_LEAF_JSON_LEN ||
		    elog_pack_event_leaf(json, m, p, sizeof p, &n) != 1 ||
		    n != size || memcmp(p, data, size) != 0)
			__builtin_trap();
	} else if (rc != -ELOG_TAMPERED) {
		__builtin_trap();
	}

	/* JSON, packed, unpacked */
	rc = elog_pack_record((const char *)data, size, p, sizeof p, &n);
	if (rc == 1) {
		elog_entry e;
		elog_err_t err;
		if (n > ELOG_RECORD_PACKED_MAX || n >= size ||
		    elog_unpack_record(p, n, json, sizeof json, &m) != 0 ||
		    m != size || memcmp(json, data, size) != 0)
			__builtin_trap();
		if (elog_entry_from_record((const char *)data, size, &e,
					   &err) != 0 ||
		    e.kind != ELOG_KIND_EVENT || e.record_len != size ||
		    memcmp(e.record, data, size) != 0)
			__builtin_trap();
		elog_entry_free(&e);
	} else if (rc != 0) {
		__builtin_trap();
	}
	rc = elog_pack_event_leaf((const char *)data, size, p, sizeof p, &n);
	if (rc == 1) {
		if (n != ELOG_EVENT_LEAF_PACKED_LEN ||
		    elog_unpack_event_leaf(p, n, json, sizeof json, &m) != 0 ||
		    m != size || memcmp(json, data, size) != 0)
			__builtin_trap();
	} else if (rc != 0) {
		__builtin_trap();
	}
	return 0;
}
