/*
 * artifacts.c - the files of an exec job's artifacts/; see artifacts.h.
 */
#include "job/artifacts.h"
#include "job/state.h"
#include "lib/error.h"
#include "lib/fileio.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct walk {
	artifacts_fn *fn;
	void *ctx;
	size_t left;		/* entries it may still read */
	size_t files;		/* files given to fn */
	int cut;		/* something was left out */
};

static int
artifact_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The safe names of the folder d, sorted, and their count in *n; w->left
 * counts down the entries read (w->cut set when it runs out).
 */
static char **
sorted_names(DIR *d, struct walk *w, size_t *n)
{
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	while ((e = readdir(d))) {
		if (w->left == 0) {
			w->cut = 1;
			break;
		}
		w->left--;
		if (!name_is_safe(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrdup(e->d_name);
	}
	if (*n)
		qsort(names, *n, sizeof(*names), artifact_cmp);
	return names;
}

static int walk_dir(struct walk *w, int fd, const char *rel, int depth);

/* The entry name of the folder dir (its lstat st), rel its path. */
static int
walk_entry(struct walk *w, int dir, const char *name, const char *rel,
	   const struct stat *st, int depth)
{
	int sub;

	if (S_ISREG(st->st_mode) && w->files < JOB_ARTIFACTS_MAX) {
		w->files++;
		return w->fn(w->ctx, dir, name, rel, st);
	}
	if (S_ISREG(st->st_mode) || (S_ISDIR(st->st_mode) && depth <= 1)) {
		w->cut = 1;
		return 0;
	}
	if (!S_ISDIR(st->st_mode))
		return 0;	/* a link, a FIFO, ...: never listed */
	sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	return sub < 0 ? 0 : walk_dir(w, sub, rel, depth - 1);
}

/* The folder fd (closed here), rel its path, depth levels down. */
static int
walk_dir(struct walk *w, int fd, const char *rel, int depth)
{
	DIR *d = fdopendir(fd);
	char **names;
	size_t n;
	int rc = 0;

	if (!d) {
		close(fd);
		return 0;
	}
	names = sorted_names(d, w, &n);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", rel, names[i]);
		struct stat st;

		if (rc == 0 && fstatat(dirfd(d), names[i], &st,
				       AT_SYMLINK_NOFOLLOW) == 0)
			rc = walk_entry(w, dirfd(d), names[i], path, &st,
					depth);
		free(path);
		free(names[i]);
	}
	free(names);
	closedir(d);
	return rc < 0 ? -1 : 0;
}

int
artifacts_walk(int job, artifacts_fn *fn, void *ctx)
{
	struct walk w = { fn, ctx, JOB_ARTIFACTS_SCAN, 0, 0 };
	int fd = openat(job, JOB_ARTIFACTS, O_RDONLY | O_DIRECTORY |
			O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0;	/* none, or not a folder: nothing to list */
	if (walk_dir(&w, fd, JOB_ARTIFACTS, JOB_ARTIFACTS_DEPTH) < 0)
		return -1;
	return w.cut;
}
