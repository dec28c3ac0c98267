/*
 * stamp.c - fingerprints of files and folders; see stamp.h.
 */
#include "render/stamp.h"
#include "lib/error.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t
stamp_hash(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The fields of st a stamp takes, hashed into h. */
static uint64_t
stamp_stat(uint64_t h, const struct stat *st)
{
	int64_t f[5] = { (int64_t)(st->st_mode & S_IFMT), (int64_t)st->st_ino,
			 (int64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
			 (int64_t)st->st_mtim.tv_nsec };

	return stamp_hash(h, f, sizeof(f));
}

/*
 * stamp_tree of the open folder fd (closed here), into h; 0 on failure
 * or when the tree holds more than *left entries (counted down).
 */
static uint64_t
stamp_fd(int fd, uint64_t h, int depth, size_t *left)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct stat st;

	if (!d) {
		close(fd);
		return 0;
	}
	while (h && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*left == 0) {
			h = 0;
			break;
		}
		--*left;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	if (h && n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; h && i < n; i++) {
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			h = 0;
			break;
		}
		h = stamp_hash(h, names[i], strlen(names[i]) + 1);
		h = stamp_stat(h, &st);
		if (S_ISDIR(st.st_mode) && depth > 1) {
			int sub = openat(dirfd(d), names[i], O_RDONLY |
					 O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			h = sub < 0 ? 0 : stamp_fd(sub, h, depth - 1, left);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return h;
}

uint64_t
stamp_tree(int dir, const char *name, int depth)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	struct stat st;
	size_t left;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	left = STAMP_MAX_ENTRIES;
	return stamp_fd(fd, stamp_stat(STAMP_START, &st), depth, &left);
}

uint64_t
stamp_entry(int dir, const char *name, time_t *mtime)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (mtime)
		*mtime = st.st_mtime;
	return stamp_stat(STAMP_START, &st);
}

uint64_t
stamp_names(int dir, const char *name, const char *const *names)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	struct stat st;
	uint64_t h;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	h = stamp_stat(STAMP_START, &st);
	for (int i = 0; names[i]; i++) {
		h = stamp_hash(h, names[i], strlen(names[i]) + 1);
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			h = stamp_stat(h, &st);
		else
			h = stamp_hash(h, "-", 1);
	}
	close(fd);
	return h;
}
