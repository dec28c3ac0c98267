/*
 * timeutil.c - clocks and timestamps; see timeutil.h.
 */
#include "lib/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double
time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long long
time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double
time_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void
time_iso8601(double t, char *buf, size_t n)
{
	time_t s = (time_t)floor(t);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double
time_parse_iso8601(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end != 'Z' && *end != '\0'))
		return -1;
	return (double)timegm(&tm);
}

void
time_duration(double sec, char *buf, size_t n)
{
	long s;

	if (sec < 0 || !isfinite(sec))
		sec = 0;
	if (sec > 8.64e9)	/* 100,000 days: an ETA from a file is input */
		sec = 8.64e9;
	if (sec < 10) {
		snprintf(buf, n, "%.1fs", sec);
		return;
	}
	s = lround(sec);
	if (s < 3600)
		snprintf(buf, n, "%ldm %02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%ldh %02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, n, "%ldd %02ldh", s / 86400, s % 86400 / 3600);
}
