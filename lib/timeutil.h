/*
 * timeutil.h - clocks and ISO 8601 timestamps.
 */
#ifndef SPOOLBOARD_TIMEUTIL_H
#define SPOOLBOARD_TIMEUTIL_H

#include <stddef.h>

/* Seconds since the epoch (CLOCK_REALTIME) with sub-second precision. */
double time_now(void);

/* Microseconds since the epoch (CLOCK_REALTIME), exact. */
long long time_now_us(void);

/* Seconds on CLOCK_MONOTONIC: for durations and rates. */
double time_mono(void);

/* Format t (seconds since the epoch) as "2026-11-25T18:52:09Z" into buf. */
void time_iso8601(double t, char *buf, size_t n);

/* Parse what time_iso8601 writes; returns seconds, or -1 if malformed. */
double time_parse_iso8601(const char *s);

/* Format a duration as "1h 02m", "3m 05s", "4.2s" into buf. */
void time_duration(double seconds, char *buf, size_t n);

#endif
