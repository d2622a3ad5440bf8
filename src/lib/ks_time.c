/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_time.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ks_err.h"

int64_t ks_time_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reads exactly n decimal digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return KS_EINVAL;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, const char **end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return KS_EINVAL;
		p++;
	}
	if (p == s)
		return KS_EINVAL;
	*end = p;
	*out = v;
	return 0;
}

int ks_time_parse(const char *s, int64_t now_us, int64_t *out)
{
	const char *p;
	uint64_t v;
	if (s[0] == '@') {
		if (parse_uint(s + 1, &p, 1ull << 40, &v) != 0 || *p)
			return KS_EINVAL;
		*out = (int64_t)v * 1000000;
		return 0;
	}
	if (parse_uint(s, &p, 1ull << 32, &v) == 0 && p[0] && !p[1] && strchr("smhdw", p[0])) {
		static const struct { char u; int64_t sec; } units[] = {
			{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			int64_t age, t;
			if (units[i].u != p[0])
				continue;
			if (__builtin_mul_overflow((int64_t)v, units[i].sec * 1000000, &age) ||
			    __builtin_sub_overflow(now_us, age, &t))
				return KS_EINVAL;
			*out = t;
		}
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int y, mo, d, h = 0, mi = 0, se = 0;
	p = s;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
		return KS_EINVAL;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return KS_EINVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se))
				return KS_EINVAL;
		}
		if (*p == 'Z')
			p++;
	}
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
	    mi > 59 || se > 59)
		return KS_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (int64_t)timegm(&tm) * 1000000;
	return 0;
}

const char *ks_time_iso(int64_t us, char *buf, size_t n)
{
	time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "?");
	return buf;
}
