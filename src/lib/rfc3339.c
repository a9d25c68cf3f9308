/* rfc3339.c — RFC 3339 timestamps <-> milliseconds since the epoch (UTC). */
#include "rfc3339.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse: y-m-d of a day count. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dm[12] = {31, 28, 31, 30, 31, 30,
					31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* n decimal digits at s into *v; -1 unless all are digits. */
static int digits(const char *s, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

int elog_rfc3339_parse(const char *s, size_t len, int utc_only, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, oh = 0, om = 0, sign = 0;
	size_t i;
	int64_t t;

	if (!s || len < 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    (unsigned)d > days_in_month(y, (unsigned)mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	i = 19;
	if (s[i] == '.') {
		int nd = 0;

		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nd < 3)
				frac = frac * 10 + (s[i] - '0');
			nd++;
			i++;
		}
		if (nd == 0)
			return -1;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	if (i >= len)
		return -1;
	if (s[i] == 'Z') {
		i++;
	} else if (!utc_only && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '+' ? 1 : -1;
		if (len - i < 6 || digits(s + i + 1, 2, &oh) ||
		    s[i + 3] != ':' || digits(s + i + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		i += 6;
	} else {
		return -1;
	}
	if (i != len)
		return -1;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	    mi * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	if (t < 0)
		return -1;
	*ms = t * 1000 + frac;
	return 0;
}

/* The last millisecond of 9999-12-31. */
#define MAX_MS ((int64_t)253402300799999)

void elog_rfc3339_format(int64_t ms, char buf[32])
{
	char tmp[96]; /* room for any field widths the compiler imagines */
	int64_t secs, days, y;
	unsigned m, d, rem;
	int msr, k;

	if (ms < 0)
		ms = 0;
	if (ms > MAX_MS)
		ms = MAX_MS;
	secs = ms / 1000;
	msr = (int)(ms % 1000);
	days = secs / 86400;
	rem = (unsigned)(secs % 86400);
	civil_from_days(days, &y, &m, &d);
	if (msr)
		k = snprintf(tmp, sizeof tmp,
			     "%04lld-%02u-%02uT%02u:%02u:%02u.%03dZ",
			     (long long)y, m, d, rem / 3600, rem / 60 % 60,
			     rem % 60, msr);
	else
		k = snprintf(tmp, sizeof tmp,
			     "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y,
			     m, d, rem / 3600, rem / 60 % 60, rem % 60);
	if (k < 0 || k >= 32)
		k = 0;
	memcpy(buf, tmp, (size_t)k);
	buf[k] = '\0';
}

int64_t elog_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
