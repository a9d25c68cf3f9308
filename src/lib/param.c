/* param.c — parameter values from outside.  See param.h. */
#include "param.h"

#include <stdio.h>
#include <string.h>

#include "rfc3339.h"

int elog_param_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s || !*s)
		return -1;
	for (i = 0; s[i]; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	if (v > max)
		return -2;
	*out = v;
	return 0;
}

int elog_param_time(const char *s, int64_t *ms)
{
	char buf[40];
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 35)
		return -1;
	if (n == 10) { /* YYYY-MM-DD */
		snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
		s = buf;
		n += 10;
	}
	return elog_rfc3339_parse(s, n, 1, ms) == 0 ? 0 : -1;
}
