/*
 * replay-main.c - runs a fuzz harness without libFuzzer, built with the
 * normal compiler (and under `make check`'s sanitizers). With file
 * arguments, each file is given to LLVMFuzzerTestOneInput once. Without,
 * every file of fuzz/corpus/NAME/ and fuzz/regressions/NAME/ is (NAME is
 * FUZZ_NAME, set by the Makefile), and one TAP line per folder is printed,
 * so `make test` counts the replay. A crash kills the program (the file
 * it was on is printed first); tests/run.sh counts that as a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Give the file at path to the harness. 0, or -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	size_t len;
	int q = error_set_quiet(1);	/* the harness may have set it */
	char *buf = file_read(path, &len, 0);
	uint8_t *copy;

	error_set_quiet(q);
	if (!buf) {
		fprintf(stderr, "replay: %s\n", error_last());
		return -1;
	}
	fprintf(stderr, "# %s\n", path);
	/* an exact-size copy, so that ASan sees a read past the end */
	copy = xmalloc(len ? len : 1);
	memcpy(copy, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of dir in name order; -1 if one fails. */
static int
replay_dir(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	*count = 0;
	if (!d)
		return 0;	/* no regressions yet */
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = path_join(dir, e->d_name);
		}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (replay_file(names[i]) < 0)
			rc = -1;
		else
			(*count)++;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "fuzz/corpus/", "fuzz/regressions/" };
	int rc = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_file(argv[i]) < 0)
				rc = 1;
		return rc;
	}
	printf("1..2\n");
	for (int i = 0; i < 2; i++) {
		char *dir = xasprintf("%s%s", dirs[i], FUZZ_NAME);
		int count;
		int r = replay_dir(dir, &count);

		printf("%sok %d - %s: %d files replayed\n", r ? "not " : "",
		       i + 1, dir, count);
		rc |= r != 0;
		free(dir);
	}
	return rc;
}
