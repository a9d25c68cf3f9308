/* pack.c — an event record's direct form, and the packed forms of records
 * and of event leaf data (pack.h). */
#include "pack.h"

#include <string.h>

#include <sodium.h>

#include "canon.h"
#include "error.h"

#define NONCE_LEN 16	 /* ELOG_NONCE_LEN (entry.h checks it) */
#define NONCE_B64_LEN 24 /* 22 characters and "==" */

/* ---- the direct form, written ---- */

struct rec {
	char *b;
	size_t cap, len;
	int ok; /* 0: it would not be the canonical dump */
};

static void rec_put(struct rec *r, const char *s, size_t n)
{
	if (!r->ok || n > r->cap - r->len) {
		r->ok = 0;
		return;
	}
	memcpy(r->b + r->len, s, n);
	r->len += n;
}

/* A literal and its length, as two arguments. */
#define LIT(s) s, sizeof s - 1

/* key: the text before the value, e.g. ",\"ip\":" (klen bytes) */
static void rec_str(struct rec *r, const char *key, size_t klen, const char *s,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == '"' || c == '\\')
			r->ok = 0; /* the dump escapes or refuses it */
	}
	rec_put(r, key, klen);
	rec_put(r, "\"", 1);
	rec_put(r, s, n);
	rec_put(r, "\"", 1);
}

static void rec_int(struct rec *r, const char *key, size_t klen, int64_t v)
{
	char num[24];
	size_t k = sizeof num;
	uint64_t u = (uint64_t)v;

	if (v < 0 || v >= ELOG_JSON_INT_MAX) {
		r->ok = 0; /* the dump refuses it */
		return;
	}
	do { /* the digits of %lld, from the last */
		num[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	rec_put(r, key, klen);
	rec_put(r, num + k, sizeof num - k);
}

int elog_record_form_write(const elog_record_form *f, char *out, size_t cap,
			   size_t *out_len)
{
	struct rec r = {out, cap, 0, 1};

	rec_put(&r, "{", 1);
	if (f->device)
		rec_str(&r, LIT("\"device\":"), f->device, f->device_len);
	if (f->device && f->ip)
		rec_put(&r, ",", 1);
	if (f->ip)
		rec_str(&r, LIT("\"ip\":"), f->ip, f->ip_len);
	if (f->device || f->ip)
		rec_put(&r, ",", 1);
	rec_str(&r, LIT("\"kind\":"), LIT("event"));
	rec_str(&r, LIT(",\"nonce\":"), f->nonce, f->nonce_len);
	rec_str(&r, LIT(",\"recipient\":"), f->recipient, f->recipient_len);
	rec_str(&r, LIT(",\"sender\":"), f->sender, f->sender_len);
	rec_int(&r, LIT(",\"size\":"), f->size);
	rec_int(&r, LIT(",\"ts\":"), f->ts);
	rec_str(&r, LIT(",\"type\":"), f->type, f->type_len);
	rec_put(&r, "}", 1);
	if (!r.ok)
		return 0;
	*out_len = r.len;
	return 1;
}

/* ---- the direct form, read ----
 *
 * The record is scanned for the fixed shape and written again; only if the
 * bytes are the same is it taken: they are then the canonical dump of the
 * values read. */

/* 1 if c is written verbatim in a string the scan takes: printable ASCII
 * but '"' and '\\'. */
static int printable(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

/* A string value of printable characters at p: *s and *n set, the text
 * after it returned; or NULL. */
static const char *scan_str(const char *p, const char *end, const char **s,
			    size_t *n)
{
	const char *q;

	if (!p || p >= end || *p != '"')
		return NULL;
	for (q = ++p; q < end && *q != '"'; q++)
		if (!printable((unsigned char)*q))
			return NULL;
	if (q >= end)
		return NULL;
	*s = p;
	*n = (size_t)(q - p);
	return q + 1;
}

/* The text after lit at p, or NULL. */
static const char *scan_lit(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	if (!p || (size_t)(end - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	return p + n;
}

/* A non-negative integer of at most 17 digits (the writer refuses larger
 * ones); the text after it, or NULL. */
static const char *scan_int(const char *p, const char *end, int64_t *v)
{
	int64_t x = 0;
	int k = 0;
	if (!p)
		return NULL;
	for (; p < end && *p >= '0' && *p <= '9'; p++, k++) {
		if (k == 17)
			return NULL;
		x = x * 10 + (*p - '0');
	}
	if (k == 0)
		return NULL;
	*v = x;
	return p;
}

/* The number of c in the base64 alphabet, or -1. */
static int b64_num(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* 1 if s (n characters) is the base64 of NONCE_LEN bytes with its
 * padding and the unused bits of its last character zero. */
static int nonce_ok(const char *s, size_t n)
{
	if (n != NONCE_B64_LEN || s[22] != '=' || s[23] != '=')
		return 0;
	for (size_t i = 0; i < 22; i++)
		if (b64_num(s[i]) < 0)
			return 0;
	return (b64_num(s[21]) & 0xf) == 0;
}

int elog_record_form_read(const char *record, size_t len, elog_record_form *f)
{
	const char *p = record, *end = record + len, *q;
	char again[ELOG_RECORD_JSON_MAX];
	size_t n = 0;

	memset(f, 0, sizeof *f);
	p = scan_lit(p, end, "{");
	if ((q = scan_lit(p, end, "\"device\":")) != NULL)
		p = scan_lit(scan_str(q, end, &f->device, &f->device_len), end,
			     ",");
	if ((q = scan_lit(p, end, "\"ip\":")) != NULL)
		p = scan_lit(scan_str(q, end, &f->ip, &f->ip_len), end, ",");
	p = scan_lit(p, end, "\"kind\":\"event\",\"nonce\":");
	p = scan_str(p, end, &f->nonce, &f->nonce_len);
	p = scan_lit(p, end, ",\"recipient\":");
	p = scan_str(p, end, &f->recipient, &f->recipient_len);
	p = scan_lit(p, end, ",\"sender\":");
	p = scan_str(p, end, &f->sender, &f->sender_len);
	p = scan_int(scan_lit(p, end, ",\"size\":"), end, &f->size);
	p = scan_int(scan_lit(p, end, ",\"ts\":"), end, &f->ts);
	p = scan_lit(p, end, ",\"type\":");
	p = scan_lit(scan_str(p, end, &f->type, &f->type_len), end, "}");
	if (!p || p != end || !nonce_ok(f->nonce, f->nonce_len) ||
	    !elog_record_form_write(f, again, sizeof again, &n) || n != len ||
	    memcmp(again, record, len) != 0)
		return 0;
	return 1;
}

/* ---- event leaf data ---- */

/* The canonical form of {"commitment":<b64>,"kind":"event"}: keys in
 * order, and base64 holds nothing to escape. */
static const char leaf_head[] = "{\"commitment\":\"";
static const char leaf_tail[] = "\",\"kind\":\"event\"}";
_Static_assert(sizeof leaf_head - 1 + ELOG_HASH_B64_LEN - 1 +
			       sizeof leaf_tail - 1 ==
		       ELOG_EVENT_LEAF_JSON_LEN,
	       "the event leaf data's length");

void elog_event_leaf_write(const elog_hash *commitment,
			   char out[ELOG_EVENT_LEAF_JSON_LEN])
{
	char b64[ELOG_HASH_B64_LEN];

	elog_hash_to_b64(commitment, b64);
	memcpy(out, leaf_head, sizeof leaf_head - 1);
	memcpy(out + sizeof leaf_head - 1, b64, ELOG_HASH_B64_LEN - 1);
	memcpy(out + sizeof leaf_head - 1 + ELOG_HASH_B64_LEN - 1, leaf_tail,
	       sizeof leaf_tail - 1);
}

int elog_pack_event_leaf(const char *data, size_t len, unsigned char *out,
			 size_t cap, size_t *out_len)
{
	const char *b64 = data + sizeof leaf_head - 1, *end = NULL;
	char again[ELOG_EVENT_LEAF_JSON_LEN];
	size_t bin_len = 0;
	elog_hash h;

	if (cap < ELOG_EVENT_LEAF_PACKED_LEN)
		return -ELOG_INTERNAL;
	if (len != ELOG_EVENT_LEAF_JSON_LEN ||
	    sodium_base642bin(h.b, sizeof h.b, b64, ELOG_HASH_B64_LEN - 1,
			      NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != ELOG_HASH_LEN || end != b64 + ELOG_HASH_B64_LEN - 1)
		return 0;
	/* the whole text again: the keys, and the unused bits of the last
	 * base64 character zero */
	elog_event_leaf_write(&h, again);
	if (memcmp(again, data, len) != 0)
		return 0;
	out[0] = ELOG_PACK_TAG_EVENT_LEAF;
	memcpy(out + 1, h.b, ELOG_HASH_LEN);
	*out_len = ELOG_EVENT_LEAF_PACKED_LEN;
	return 1;
}

int elog_unpack_event_leaf(const unsigned char *p, size_t n, char *out,
			   size_t cap, size_t *out_len)
{
	elog_hash h;

	if (cap < ELOG_EVENT_LEAF_JSON_LEN)
		return -ELOG_INTERNAL;
	if (n != ELOG_EVENT_LEAF_PACKED_LEN || p[0] != ELOG_PACK_TAG_EVENT_LEAF)
		return -ELOG_TAMPERED;
	memcpy(h.b, p + 1, ELOG_HASH_LEN);
	elog_event_leaf_write(&h, out);
	*out_len = ELOG_EVENT_LEAF_JSON_LEN;
	return 0;
}

/* ---- packed records ---- */

/* The characters of a digits string, by the number of their half byte;
 * digit_num[c] is 1 + the number of c, or 0 for the others. */
static const char digit_chars[17] = "0123456789+-.() ";
static const unsigned char digit_num[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,	['8'] = 9,  ['9'] = 10, ['+'] = 11, ['-'] = 12,
	['.'] = 13, ['('] = 14, [')'] = 15, [' '] = 16,
};

/* The dictionary of words, by number.  Append only. */
static const struct {
	const char *s;
	size_t n;
} words[] = {
	{LIT("message")}, {LIT("media")},      {LIT("voice")},
	{LIT("call")},	  {LIT("video_call")}, {LIT("group_message")},
	{LIT("receipt")}, {LIT("status")},
};
#define NWORDS (sizeof words / sizeof words[0])

enum { STR_PLAIN = 0, STR_DIGITS = 1, STR_WORD = 2 };

/* The number of c in digit_chars, or -1. */
static int digit_of(char c)
{
	return (int)digit_num[(unsigned char)c] - 1;
}

/* How s (n bytes) is packed: STR_WORD (*word set), STR_DIGITS or
 * STR_PLAIN. */
static int str_mode(const char *s, size_t n, size_t *word)
{
	size_t i;

	for (i = 0; i < NWORDS; i++)
		if (words[i].n == n && memcmp(words[i].s, s, n) == 0) {
			*word = i;
			return STR_WORD;
		}
	for (i = 0; i < n; i++)
		if (digit_of(s[i]) < 0)
			return STR_PLAIN;
	return STR_DIGITS;
}

/* Packed bytes being written: out of room sets ok to 0. */
struct put {
	unsigned char *b;
	size_t cap, len;
	int ok;
};

static void put_byte(struct put *w, unsigned char c)
{
	if (w->len >= w->cap) {
		w->ok = 0;
		return;
	}
	w->b[w->len++] = c;
}

static void put_varint(struct put *w, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(w, (unsigned char)(v | 0x80));
		v >>= 7;
	}
	put_byte(w, (unsigned char)v);
}

static void put_str(struct put *w, const char *s, size_t n)
{
	size_t word = 0, i;

	switch (str_mode(s, n, &word)) {
	case STR_WORD:
		put_varint(w, (uint64_t)word << 2 | STR_WORD);
		break;
	case STR_DIGITS:
		put_varint(w, (uint64_t)n << 2 | STR_DIGITS);
		for (i = 0; i < n; i += 2) {
			int lo = i + 1 < n ? digit_of(s[i + 1]) : 0;
			put_byte(w, (unsigned char)(digit_of(s[i]) << 4 | lo));
		}
		break;
	default:
		put_varint(w, (uint64_t)n << 2 | STR_PLAIN);
		for (i = 0; i < n; i++)
			put_byte(w, (unsigned char)s[i]);
	}
}

int elog_pack_record(const char *rec, size_t len, unsigned char *out,
		     size_t cap, size_t *out_len)
{
	struct put w = {out, cap, 0, 1};
	unsigned char nonce[NONCE_LEN];
	elog_record_form f;
	size_t nonce_len = 0;

	if (cap < ELOG_RECORD_PACKED_MAX)
		return -ELOG_INTERNAL;
	if (!elog_record_form_read(rec, len, &f) ||
	    sodium_base642bin(nonce, sizeof nonce, f.nonce, f.nonce_len, NULL,
			      &nonce_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    nonce_len != NONCE_LEN)
		return 0;
	put_byte(&w, ELOG_PACK_TAG_RECORD | (f.device ? ELOG_PACK_DEVICE : 0) |
			     (f.ip ? ELOG_PACK_IP : 0));
	for (size_t i = 0; i < NONCE_LEN; i++)
		put_byte(&w, nonce[i]);
	put_varint(&w, (uint64_t)f.ts);
	put_varint(&w, (uint64_t)f.size);
	put_str(&w, f.sender, f.sender_len);
	put_str(&w, f.recipient, f.recipient_len);
	put_str(&w, f.type, f.type_len);
	if (f.device)
		put_str(&w, f.device, f.device_len);
	if (f.ip)
		put_str(&w, f.ip, f.ip_len);
	if (!w.ok) /* cannot be: packed is shorter than its JSON */
		return -ELOG_INTERNAL;
	*out_len = w.len;
	return 1;
}

/* Packed bytes being read. */
struct get {
	const unsigned char *p, *end;
};

/* An unsigned LEB128 varint below max (at most 2^56) in its fewest bytes
 * into *v: 0, or -1. */
static int get_varint(struct get *g, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 8 && g->p < g->end; i++) {
		unsigned char c = *g->p++;
		x |= (uint64_t)(c & 0x7f) << (7 * i);
		if (c & 0x80)
			continue;
		if ((c == 0 && i > 0) || x >= max)
			return -1;
		*v = x;
		return 0;
	}
	return -1;
}

/* A packed string into text (its free room at text->b + text->len) as
 * *s, *n: 0, or -1 if malformed. */
static int get_str(struct get *g, struct put *text, const char **s, size_t *n)
{
	uint64_t h;
	size_t len, i;
	const char *start = (const char *)text->b + text->len;

	if (get_varint(g, (uint64_t)ELOG_RECORD_JSON_MAX << 2, &h) != 0)
		return -1;
	len = (size_t)(h >> 2);
	switch (h & 3) {
	case STR_WORD:
		if (len >= NWORDS)
			return -1;
		for (i = 0; i < words[len].n; i++)
			put_byte(text, (unsigned char)words[len].s[i]);
		break;
	case STR_DIGITS:
		if ((size_t)(g->end - g->p) < (len + 1) / 2)
			return -1;
		for (i = 0; i < len; i++) {
			unsigned c = g->p[i / 2];
			put_byte(text,
				 (unsigned char)
					 digit_chars[i % 2 ? c & 0xf : c >> 4]);
		}
		if (len % 2 && (g->p[len / 2] & 0xf) != 0)
			return -1;
		g->p += (len + 1) / 2;
		break;
	case STR_PLAIN:
		if ((size_t)(g->end - g->p) < len)
			return -1;
		for (i = 0; i < len; i++) {
			if (!printable(g->p[i]))
				return -1;
			put_byte(text, g->p[i]);
		}
		g->p += len;
		break;
	default:
		return -1;
	}
	if (!text->ok)
		return -1;
	*s = start;
	*n = (size_t)((const char *)text->b + text->len - start);
	/* the one packing of this string */
	if (str_mode(*s, *n, &i) != (int)(h & 3))
		return -1;
	return 0;
}

int elog_unpack_record(const unsigned char *p, size_t n, char *out, size_t cap,
		       size_t *out_len)
{
	unsigned char textb[ELOG_RECORD_JSON_MAX];
	struct put text = {textb, sizeof textb, 0, 1};
	struct get g = {p, p + n};
	char nonce[NONCE_B64_LEN + 1];
	elog_record_form f;
	uint64_t ts, size;
	int tag;

	if (cap < ELOG_RECORD_JSON_MAX)
		return -ELOG_INTERNAL;
	memset(&f, 0, sizeof f);
	if (n < 1 + NONCE_LEN || (p[0] & ~(ELOG_PACK_DEVICE | ELOG_PACK_IP)) !=
					 ELOG_PACK_TAG_RECORD)
		return -ELOG_TAMPERED;
	tag = p[0];
	sodium_bin2base64(nonce, sizeof nonce, p + 1, NONCE_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	f.nonce = nonce;
	f.nonce_len = NONCE_B64_LEN;
	g.p += 1 + NONCE_LEN;
	if (get_varint(&g, (uint64_t)ELOG_JSON_INT_MAX, &ts) != 0 ||
	    get_varint(&g, (uint64_t)ELOG_JSON_INT_MAX, &size) != 0 ||
	    get_str(&g, &text, &f.sender, &f.sender_len) != 0 ||
	    get_str(&g, &text, &f.recipient, &f.recipient_len) != 0 ||
	    get_str(&g, &text, &f.type, &f.type_len) != 0 ||
	    ((tag & ELOG_PACK_DEVICE) &&
	     get_str(&g, &text, &f.device, &f.device_len) != 0) ||
	    ((tag & ELOG_PACK_IP) &&
	     get_str(&g, &text, &f.ip, &f.ip_len) != 0) ||
	    g.p != g.end)
		return -ELOG_TAMPERED;
	f.ts = (int64_t)ts;
	f.size = (int64_t)size;
	if (!elog_record_form_write(&f, out, ELOG_RECORD_JSON_MAX, out_len))
		return -ELOG_TAMPERED; /* longer than a record can be */
	return 0;
}
