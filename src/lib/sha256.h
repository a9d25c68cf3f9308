/*
 * sha256.h — SHA-256 with the x86 SHA extensions, for merkle.c (private to
 * the library).
 *
 * The log hashes two or three short inputs per entry (leaf, chain, tree
 * node; the commitment at ingest), so SHA-256 is a large share of the CPU
 * time of ingest and of verify.  libsodium's SHA-256 is portable C; where
 * the processor has the SHA extensions (SHA-NI), these functions compute
 * the same digest several times faster.  Elsewhere they decline and the
 * caller uses libsodium.
 */
#ifndef ELOG_SHA256_H
#define ELOG_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* 1 if the processor has the SHA extensions (checked once), else 0. */
int elog_sha256_ni_available(void);

/*
 * SHA-256 of the concatenation a || b (either may be empty) into out (32
 * bytes).  Only when elog_sha256_ni_available() returned 1.
 */
void elog_sha256_ni(const void *a, size_t alen, const void *b, size_t blen,
		    uint8_t out[32]);

#endif
