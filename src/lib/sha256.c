/* sha256.c — SHA-256 with the x86 SHA extensions.  See sha256.h. */
#include "sha256.h"

#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)

#include <cpuid.h>
#include <immintrin.h>

#define NI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static atomic_int ni_state = -1; /* -1: not checked yet */

int elog_sha256_ni_available(void)
{
	unsigned a, b, c, d;
	int v = atomic_load_explicit(&ni_state, memory_order_relaxed);

	if (v >= 0)
		return v;
	v = 0;
	/* SSSE3 and SSE4.1 (leaf 1, ecx bits 9 and 19), SHA (leaf 7, ebx
	 * bit 29). */
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 9)) &&
	    (c & (1u << 19)) && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
	    (b & (1u << 29)))
		v = 1;
	atomic_store_explicit(&ni_state, v, memory_order_relaxed);
	return v;
}

/* The compression function over n 64-byte blocks. */
NI_TARGET static void compress(uint32_t state[8], const uint8_t *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
					    0x0405060700010203ULL);
	__m128i s0, s1, t, abef, cdgh, msg, w[4];

	t = _mm_loadu_si128((const __m128i *)&state[0]);
	s1 = _mm_loadu_si128((const __m128i *)&state[4]);
	t = _mm_shuffle_epi32(t, 0xB1);	   /* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1B);  /* EFGH */
	s0 = _mm_alignr_epi8(t, s1, 8);	   /* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xF0); /* CDGH */
	for (; n > 0; n--, p += 64) {
		abef = s0;
		cdgh = s1;
		/* unrolled, so that w[] stays in registers */
#pragma GCC unroll 16
		for (int g = 0; g < 16; g++) {
			__m128i cur;
			if (g < 4) {
				cur = _mm_shuffle_epi8(
					_mm_loadu_si128(
						(const __m128i *)(p + 16 * g)),
					mask);
			} else {
				/* w[g] from w[g-4] .. w[g-1] */
				__m128i m4 = w[g & 3], m3 = w[(g + 1) & 3],
					m2 = w[(g + 2) & 3],
					m1 = w[(g + 3) & 3];
				cur = _mm_sha256msg1_epu32(m4, m3);
				cur = _mm_add_epi32(cur,
						    _mm_alignr_epi8(m1, m2, 4));
				cur = _mm_sha256msg2_epu32(cur, m1);
			}
			w[g & 3] = cur;
			msg = _mm_add_epi32(cur,
					    _mm_loadu_si128((
						    const __m128i *)&K[4 * g]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);   /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);  /* DCHG */
	s0 = _mm_blend_epi16(t, s1, 0xF0); /* DCBA */
	s1 = _mm_alignr_epi8(s1, t, 8);	   /* ABEF */
	_mm_storeu_si128((__m128i *)&state[0], s0);
	_mm_storeu_si128((__m128i *)&state[4], s1);
}

struct ctx {
	uint32_t h[8];
	uint8_t buf[64];
	size_t fill;
};

static void feed(struct ctx *c, const uint8_t *p, size_t len)
{
	if (c->fill > 0) {
		size_t take = 64 - c->fill < len ? 64 - c->fill : len;
		memcpy(c->buf + c->fill, p, take);
		c->fill += take;
		p += take;
		len -= take;
		if (c->fill < 64)
			return;
		compress(c->h, c->buf, 1);
		c->fill = 0;
	}
	if (len >= 64) {
		compress(c->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(c->buf, p, len);
	c->fill = len;
}

void elog_sha256_ni(const void *a, size_t alen, const void *b, size_t blen,
		    uint8_t out[32])
{
	struct ctx c = {
		.h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19},
		.fill = 0,
	};
	uint64_t bits = ((uint64_t)alen + (uint64_t)blen) * 8;

	if (alen)
		feed(&c, a, alen);
	if (blen)
		feed(&c, b, blen);
	c.buf[c.fill++] = 0x80;
	if (c.fill > 56) {
		memset(c.buf + c.fill, 0, 64 - c.fill);
		compress(c.h, c.buf, 1);
		c.fill = 0;
	}
	memset(c.buf + c.fill, 0, 56 - c.fill);
	for (int i = 0; i < 8; i++)
		c.buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	compress(c.h, c.buf, 1);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c.h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c.h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c.h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c.h[i];
	}
}

#else /* not x86-64: libsodium does it all */

int elog_sha256_ni_available(void)
{
	return 0;
}

void elog_sha256_ni(const void *a, size_t alen, const void *b, size_t blen,
		    uint8_t out[32])
{
	(void)a;
	(void)alen;
	(void)b;
	(void)blen;
	memset(out, 0, 32);
}

#endif
