/*
 * fileio.c - whole-file reads and atomic writes; see fileio.h.
 */
#include "lib/fileio.h"
#include "lib/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Random letters in a temporary name, and names tried before giving up. */
#define TEMP_RANDOM 8
#define TEMP_TRIES 100

/*
 * file_read, and with regular set, file_read_regular; name is in dir,
 * messages call it path.
 */
static char *
read_file(int dir, const char *name, const char *path, size_t *len,
	  size_t max, int regular)
{
	struct stat st;
	char *buf;
	int fd;

	fd = openat(dir, name, O_RDONLY | O_CLOEXEC |
		    (regular ? O_NOFOLLOW | O_NONBLOCK : 0));
	if (fd < 0) {
		error("cannot open '%s': %s", path, errno == ELOOP && regular ?
		      "a symbolic link, not a file" : strerror(errno));
		return NULL;
	}
	if (regular && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		error("cannot read '%s': not a regular file", path);
		close(fd);
		return NULL;
	}
	buf = file_read_fd(fd, path, len, max);
	close(fd);
	return buf;
}

char *
file_read_fd(int fd, const char *name, size_t *len, size_t max)
{
	const char *path = name;
	size_t cap = 8192, n = 0;
	struct stat st;
	char *buf;

	/* room for the whole file and the EOF read, when its size is known */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (!max || (size_t)st.st_size <= max))
		cap = (size_t)st.st_size + 2;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error("cannot read '%s': %s", path, strerror(errno));
			goto err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (max && n > max) {
			error("'%s' is larger than %zu bytes", path, max);
			goto err;
		}
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
err:
	free(buf);
	return NULL;
}

char *
file_read(const char *path, size_t *len, size_t max)
{
	return read_file(AT_FDCWD, path, path, len, max, 0);
}

char *
file_read_regular(const char *path, size_t *len, size_t max)
{
	return read_file(AT_FDCWD, path, path, len, max, 1);
}

char *
file_read_regular_at(int dir, const char *name, const char *shown,
		     size_t *len, size_t max)
{
	return read_file(dir, name, shown ? shown : name, len, max, 1);
}

static int
write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fsync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int fd, rc = 0;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = error("cannot sync the directory of '%s': %s", path,
			   strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

/* Read up to n bytes from fd; the number read, or -1. */
static ssize_t
read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The random bytes of temporary names: getrandom(2), or a test's. */
static int (*temp_fill)(void *buf, size_t n);

void
file_temp_random(int (*fill)(void *buf, size_t n))
{
	temp_fill = fill;
}

/* Fill buf with n random bytes: getrandom(2), else /dev/urandom. 0 or -1. */
static int
random_bytes(void *buf, size_t n)
{
	size_t got = 0;
	int fd;

	if (temp_fill)
		return temp_fill(buf, n);
	while (got < n) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read_all(fd, buf, n) == (ssize_t)n;
	close(fd);
	return got ? 0 : -1;
}

/*
 * Create a new file NAME.tmp.XXXXXXXX (8 random letters and digits) in
 * the directory dir (AT_FDCWD: name is a path) with O_EXCL, which never
 * follows a link and never opens a file that is there already: a name
 * someone planted is skipped, not written through. The fd, with *tmp the
 * name (the caller frees); -1 after error(), which calls it shown.
 */
static int
create_temp(int dir, const char *name, const char *shown, char **tmp)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[TEMP_RANDOM];
	char suffix[TEMP_RANDOM + 1];
	int fd = -1;

	*tmp = NULL;
	for (int tries = 0; tries < TEMP_TRIES; tries++) {
		if (random_bytes(r, sizeof(r)) < 0) {
			error("cannot create a temporary file for '%s': "
			      "no random bytes: %s", shown, strerror(errno));
			return -1;
		}
		for (size_t i = 0; i < sizeof(r); i++)
			suffix[i] = alnum[r[i] % (sizeof(alnum) - 1)];
		suffix[sizeof(r)] = '\0';
		free(*tmp);
		*tmp = xasprintf("%s.tmp.%s", name, suffix);
		fd = openat(dir, *tmp, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			break;
	}
	error("cannot create '%s.tmp.%s': %s", shown, suffix,
	      strerror(errno));
	free(*tmp);
	*tmp = NULL;
	return -1;
}

/* file_write_temp in the directory dir; messages call name shown. */
static char *
write_temp_at(int dir, const char *name, const char *shown,
	      const void *data, size_t n, int sync)
{
	char *tmp;
	int fd, saved;

	fd = create_temp(dir, name, shown, &tmp);
	if (fd < 0)
		return NULL;
	if (write_all(fd, data, n) < 0 || (sync && fsync(fd) < 0)) {
		saved = errno;
		close(fd);
		goto err;
	}
	if (close(fd) < 0) {
		saved = errno;
		goto err;
	}
	return tmp;
err:
	unlinkat(dir, tmp, 0);
	error("cannot write '%s': %s", shown, strerror(saved));
	free(tmp);
	return NULL;
}

char *
file_write_temp(const char *path, const void *data, size_t n, int sync)
{
	return write_temp_at(AT_FDCWD, path, path, data, n, sync);
}

/* A temporary beside name in dir (fsync'ed when sync is set) renamed
 * over it. */
static int
replace_at(int dir, const char *name, const char *shown, const void *data,
	   size_t n, int sync)
{
	char *tmp = write_temp_at(dir, name, shown, data, n, sync);

	if (!tmp)
		return -1;
	if (renameat(dir, tmp, dir, name) < 0) {
		int saved = errno;

		unlinkat(dir, tmp, 0);
		free(tmp);
		return error("cannot write '%s': %s", shown, strerror(saved));
	}
	free(tmp);
	return 0;
}

static int
replace_file(const char *path, const void *data, size_t n, int sync)
{
	return replace_at(AT_FDCWD, path, path, data, n, sync);
}

int
file_write_atomic(const char *path, const void *data, size_t n)
{
	if (replace_file(path, data, n, 1) < 0)
		return -1;
	return fsync_parent(path);
}

/* Whether name in dir is a regular file of exactly the n bytes of data. */
static int
same_bytes(int dir, const char *name, const void *data, size_t n)
{
	struct stat st;
	char *old;
	int fd, same = 0;

	/* a link there is not ours: never the same, the rename replaces it */
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == n) {
		old = n ? xmalloc(n) : NULL;
		same = n == 0 || (read_all(fd, old, n) == (ssize_t)n &&
				  memcmp(old, data, n) == 0);
		free(old);
	}
	close(fd);
	return same;
}

int
file_update_at(int dir, const char *name, const char *shown,
	       const void *data, size_t n)
{
	if (same_bytes(dir, name, data, n))
		return 1;
	return replace_at(dir, name, shown, data, n, 0);
}

int
file_update(const char *path, const void *data, size_t n)
{
	return file_update_at(AT_FDCWD, path, path, data, n);
}

int
file_open_regular(const char *path, int flags)
{
	struct stat st;
	int fd;

	fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		error("cannot open '%s': %s", path, errno == ELOOP ?
		      "a symbolic link, not a file" : errno == ENXIO ?
		      "not a regular file" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error("cannot open '%s': not a regular file", path);
		close(fd);
		return -1;
	}
	/* O_NONBLOCK was only for the open of a FIFO; drop it */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int
file_append(const char *path, const void *data, size_t n)
{
	int fd, rc = 0;

	fd = file_open_regular(path, O_WRONLY | O_CREAT | O_APPEND);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, n) < 0)
		rc = error("cannot write '%s': %s", path, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = error("cannot write '%s': %s", path, strerror(errno));
	return rc;
}

int
mkdir_p(const char *path)
{
	char *p, *s;

	/* mostly the parent is there already: one call then */
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	p = xstrdup(path);

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			error("cannot create directory '%s': %s", p,
			      strerror(e));
			free(p);
			return -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return 0;
}

/*
 * Remove name in the directory at (a directory first emptied); shown is
 * its path for messages. file_remove_tree without the start.
 */
int
file_remove_at(int at, const char *name, const char *shown)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		       error("cannot remove '%s': %s", shown, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		goto unlink;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		goto unlink;	/* no longer a directory: never enter it */
	if (fd < 0)
		return errno == ENOENT ? 0 :
		       error("cannot open '%s': %s", shown, strerror(errno));
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return error("cannot read '%s': %s", shown, strerror(errno));
	}
	for (;;) {
		char *sub;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno)
				rc = error("cannot read '%s': %s", shown,
					   strerror(errno));
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = path_join(shown, e->d_name);
		if (file_remove_at(dirfd(d), e->d_name, sub) < 0)
			rc = -1;
		free(sub);
	}
	closedir(d);
	/* after a failure below, the directory is not empty: said already */
	if (rc == 0 && unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = error("cannot remove '%s': %s", shown, strerror(errno));
	return rc;
unlink:
	if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
		return error("cannot remove '%s': %s", shown, strerror(errno));
	return 0;
}

int
file_remove_tree(const char *path)
{
	return file_remove_at(AT_FDCWD, path, path);
}

int
name_is_safe(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789._-") == n;
}

char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

int
file_is_private(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}
