/*
 * error.c - the one place errors are printed, and allocation wrappers.
 */
#include "lib/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per thread: the renderer writes pages from several threads. */
static _Thread_local char last[1024];
static _Thread_local int quiet;

int
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	if (!quiet)
		fprintf(stderr, "spoolboard: %s\n", last);
	return -1;
}

void
warning(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "spoolboard: warning: %s\n", msg);
}

const char *
error_last(void)
{
	return last;
}

void
error_clear(void)
{
	last[0] = '\0';
}

int
error_set_quiet(int on)
{
	int old = quiet;

	quiet = on;
	return old;
}

static void (*oom_hook)(size_t);

void
error_set_oom_hook(void (*hook)(size_t n))
{
	oom_hook = hook;
}

void
die_oom_bytes(size_t n)
{
	static const char msg[] = "spoolboard: out of memory\n";
	void (*hook)(size_t) = oom_hook;

	oom_hook = NULL;
	if (hook)
		hook(n);
	/* No stdio here: it may need the memory we do not have. */
	if (fwrite(msg, 1, sizeof(msg) - 1, stderr) == 0)
		abort();
	abort();
}

void
die_oom(void)
{
	die_oom_bytes(0);
}

/* n * size, or SIZE_MAX when that overflows: the figure to report. */
static size_t
oom_product(size_t n, size_t size)
{
	return size && n > SIZE_MAX / size ? SIZE_MAX : n * size;
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom_bytes(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die_oom_bytes(oom_product(n, size));
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die_oom_bytes(n);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die_oom_bytes(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		die_oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_oom();
	return s;
}
