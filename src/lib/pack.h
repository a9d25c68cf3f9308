/*
 * pack.h — private to libenvelog: an event record in the form the library
 * writes it (its "direct form"), and a compact, exact binary form of such
 * records and of an event's public leaf data for the store.  Not installed.
 *
 * The packed forms are a storage detail: every packed form turns back into
 * exactly the canonical JSON bytes it was made from, so every hash stays
 * over the same bytes.  Bytes that begin with '{' are JSON; a packed form
 * begins with a tag byte that no JSON text can begin with (a control byte
 * that is not JSON whitespace).  Each packed form is the only one of its
 * JSON: pack(unpack(p)) == p for every p that unpack accepts.
 *
 * Packed record (ELOG_PACK_TAG_RECORD | flags):
 *   tag    0x10 | 0x01 if "device" is present | 0x02 if "ip" is present
 *   nonce  the 16 bytes its base64 stands for
 *   ts, size                       unsigned LEB128, fewest bytes
 *   sender, recipient, type, [device], [ip]       each a packed string
 * A packed string is an unsigned LEB128 header h, then:
 *   h & 3 == 0  plain: h >> 2 bytes of printable ASCII but '"' and '\\'
 *   h & 3 == 1  digits: h >> 2 characters of "0123456789+-.() ", two to a
 *               byte (high half first; a last half unused is 0)
 *   h & 3 == 2  word number h >> 2 of the dictionary: "message", "media",
 *               "voice", "call", "video_call", "group_message", "receipt",
 *               "status" (append only: stored data names them by number)
 * A string is packed as a word if it is one, else as digits if every
 * character is one of them (the empty string too), else plain; an
 * unpacker refuses any other choice.
 *
 * Packed event leaf data: ELOG_PACK_TAG_EVENT_LEAF, then the 32 bytes of
 * the commitment.
 */
#ifndef ELOG_PACK_H
#define ELOG_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

/* The longest record in the direct form: the longest record
 * elog_record_form_write writes and elog_unpack_record gives back. */
#define ELOG_RECORD_JSON_MAX 768
/* The longest packed record (a packed record is always shorter than its
 * JSON). */
#define ELOG_RECORD_PACKED_MAX ELOG_RECORD_JSON_MAX
/* {"commitment":"<44 base64 characters>","kind":"event"}, and packed. */
#define ELOG_EVENT_LEAF_JSON_LEN 76
#define ELOG_EVENT_LEAF_PACKED_LEN 33

#define ELOG_PACK_TAG_EVENT_LEAF 0x01
#define ELOG_PACK_TAG_RECORD 0x10 /* | ELOG_PACK_DEVICE | ELOG_PACK_IP */
#define ELOG_PACK_DEVICE 0x01
#define ELOG_PACK_IP 0x02

/*
 * An event record's values, as written in the direct form: keys in byte
 * order, "device" and "ip" when present, "kind":"event", strings written
 * verbatim between quotes, integers in decimal.  The strings are not
 * NUL-terminated and are not owned.
 */
typedef struct elog_record_form {
	const char *device, *ip; /* NULL when absent */
	size_t device_len, ip_len;
	const char *nonce, *recipient, *sender, *type;
	size_t nonce_len, recipient_len, sender_len, type_len;
	int64_t size, ts;
} elog_record_form;

/*
 * Write the record of f in the direct form into out (cap bytes, no NUL):
 * the bytes elog_canon_dump gives for the same object.  1 written (*out_len
 * set); 0 if a value would make the dump differ (a string holding a control
 * character, '"' or '\\'; an integer below 0 or from ELOG_JSON_INT_MAX) or
 * the record is longer than cap: out is then not a record.
 */
int elog_record_form_write(const elog_record_form *f, char *out, size_t cap,
			   size_t *out_len);

/*
 * 1 if record (len bytes) is exactly what elog_record_form_write writes
 * (within ELOG_RECORD_JSON_MAX bytes) for values whose strings are
 * printable ASCII and whose nonce is 24 characters of canonical padded
 * base64 of 16 bytes; *f then holds them, pointing into record.  Else 0.
 */
int elog_record_form_read(const char *record, size_t len, elog_record_form *f);

/* {"commitment":"<base64 of commitment>","kind":"event"}: the public leaf
 * data of an event whose record hashes to commitment, without a NUL. */
void elog_event_leaf_write(const elog_hash *commitment,
			   char out[ELOG_EVENT_LEAF_JSON_LEN]);

/*
 * Pack rec (len bytes) into out (cap >= ELOG_RECORD_PACKED_MAX bytes).
 * 1 packed, *out_len set; 0 if rec is not in the direct form
 * (elog_record_form_read), and it stays JSON; -ELOG_INTERNAL if cap is
 * smaller than ELOG_RECORD_PACKED_MAX.
 */
int elog_pack_record(const char *rec, size_t len, unsigned char *out,
		     size_t cap, size_t *out_len);

/*
 * The record p (n bytes, a packed record) stands for, into out (cap >=
 * ELOG_RECORD_JSON_MAX bytes, no NUL): the exact bytes it was packed from.
 * 0 ok, *out_len set; -ELOG_TAMPERED if p is not a packed record as
 * elog_pack_record writes it (unknown tag, truncated, an over-long or
 * non-minimal varint, a length past the end, trailing bytes, a character
 * or an encoding choice pack never writes, an integer out of range, a
 * record over ELOG_RECORD_JSON_MAX bytes); -ELOG_INTERNAL if cap is
 * smaller than ELOG_RECORD_JSON_MAX.
 */
int elog_unpack_record(const unsigned char *p, size_t n, char *out, size_t cap,
		       size_t *out_len);

/*
 * Pack an event's leaf data (len bytes) into out (cap >=
 * ELOG_EVENT_LEAF_PACKED_LEN bytes).  1 packed, *out_len set; 0 if data is
 * not exactly what elog_event_leaf_write writes, and it stays JSON;
 * -ELOG_INTERNAL if cap is too small.
 */
int elog_pack_event_leaf(const char *data, size_t len, unsigned char *out,
			 size_t cap, size_t *out_len);

/*
 * The leaf data p (n bytes, a packed event leaf) stands for, into out
 * (cap >= ELOG_EVENT_LEAF_JSON_LEN bytes, no NUL).  0 ok, *out_len set;
 * -ELOG_TAMPERED if p is not ELOG_PACK_TAG_EVENT_LEAF and 32 bytes;
 * -ELOG_INTERNAL if cap is too small.
 */
int elog_unpack_event_leaf(const unsigned char *p, size_t n, char *out,
			   size_t cap, size_t *out_len);

#endif
