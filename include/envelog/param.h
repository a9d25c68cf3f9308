/*
 * param.h — parameter values from outside: query-string values of the HTTP
 * API, Content-Length, and command-line and config-file settings.  Both
 * parsers take NUL-terminated text and accept nothing around the value.
 */
#ifndef ELOG_PARAM_H
#define ELOG_PARAM_H

#include <stdint.h>

/*
 * A plain decimal unsigned integer (digits only: no sign, space or
 * prefix) of at most max.  0; -1 when it is not such a number; -2 when it
 * is above max.
 */
int elog_param_uint(const char *s, uint64_t max, uint64_t *out);

/*
 * A date "YYYY-MM-DD" (its midnight UTC) or an RFC 3339 UTC time
 * ("…T…Z"), in ms since the epoch.  0 or -1.
 */
int elog_param_time(const char *s, int64_t *ms);

#endif
