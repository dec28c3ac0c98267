/*
 * fuzz.h - helpers shared by the fuzz harnesses (fuzz/fuzz-NAME.c): a
 * per-process temporary folder for the APIs that take paths, and the
 * split of one input into several parts.
 *
 * Each harness defines LLVMFuzzerTestOneInput. It is linked either with
 * libFuzzer (`make fuzz`) or with fuzz/replay-main.c, which runs it on
 * the files of fuzz/corpus/NAME/ and fuzz/regressions/NAME/ (`make test`).
 * A bare name is fine here, as for tests/unit/tap.h: this header sits
 * beside its users.
 */
#ifndef SPOOLBOARD_FUZZ_H
#define SPOOLBOARD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parts of one input are separated by this line. */
#define FZ_SEP "\n@@\n"

static char *fz_tmp;

static void
fz_cleanup(void)
{
	int q = error_set_quiet(1);

	if (fz_tmp)
		file_remove_tree(fz_tmp);
	error_set_quiet(q);
}

/*
 * The process's temporary folder (made on first use under $TMPDIR, removed
 * at exit). Also silences error(): the harnesses feed bad input on purpose.
 */
static inline const char *
fz_dir(void)
{
	const char *tmp;

	if (fz_tmp)
		return fz_tmp;
	error_set_quiet(1);
	tmp = getenv("TMPDIR");
	fz_tmp = xasprintf("%s/spoolboard-fuzz.XXXXXX",
			   tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fz_tmp)) {
		perror("mkdtemp");
		abort();
	}
	atexit(fz_cleanup);
	return fz_tmp;
}

/*
 * Write n bytes to path (replaced); aborts on failure. A new file, not
 * one truncated: ext4 flushes a truncated file to disk when it is closed.
 */
static inline void
fz_write(const char *path, const void *data, size_t n)
{
	FILE *fp;

	unlink(path);
	fp = fopen(path, "wb");

	if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		abort();
	}
}

/*
 * Split data into at most max parts at each FZ_SEP: part[i] points into
 * data, len[i] is its size. Parts not present are NULL with length 0.
 * Returns the number of parts found.
 */
static inline int
fz_split(const uint8_t *data, size_t size, const uint8_t **part,
	 size_t *len, int max)
{
	size_t seplen = strlen(FZ_SEP);
	int n = 0;

	for (int i = 0; i < max; i++) {
		part[i] = NULL;
		len[i] = 0;
	}
	while (n < max) {
		const uint8_t *s = n < max - 1 ?
			memmem(data, size, FZ_SEP, seplen) : NULL;

		part[n] = data;
		len[n] = s ? (size_t)(s - data) : size;
		n++;
		if (!s)
			break;
		size -= len[n - 1] + seplen;
		data = s + seplen;
	}
	return n;
}

#endif
