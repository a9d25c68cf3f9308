/*
 * rfc3339.h — RFC 3339 timestamps <-> integer milliseconds since the epoch.
 */
#ifndef ELOG_RFC3339_H
#define ELOG_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)" ('t'/'z' and ' ' separator
 * are refused; years 1970..9999).  With utc_only, only "Z" is accepted.
 * Fractions beyond milliseconds are truncated.  0 on success, -1 on error.
 */
int elog_rfc3339_parse(const char *s, size_t len, int utc_only, int64_t *ms);

/* Format ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (or without ".mmm" when whole
 * seconds) into buf (at least 32 bytes). */
void elog_rfc3339_format(int64_t ms, char buf[32]);

/* Current time in milliseconds (CLOCK_REALTIME). */
int64_t elog_now_ms(void);

#endif
