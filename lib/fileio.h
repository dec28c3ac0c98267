/*
 * fileio.h - whole-file reads, atomic replacement, appends.
 *
 * Every snapshot a reader may look at (state.json, archives) is written
 * with file_write_atomic: a temporary file in the same directory, write,
 * fsync, rename over the target, fsync of the directory. A reader sees
 * the old file or the new one, never half of either. On failure the old
 * file is untouched and the temporary file removed. Files made from
 * others (the rendered site) go through file_update: atomic the same way,
 * not fsync'ed, and not rewritten when their bytes are unchanged.
 *
 * The spool is a folder other users may write to, so nothing here writes
 * through a name someone else could have planted. Every temporary file
 * in the program is made by file_write_temp: PATH.tmp.XXXXXXXX, eight
 * random letters and digits from getrandom(2) (never the pid), created
 * with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644, so a link or file planted
 * at a guessed name is skipped (another name is tried), never written
 * through; the rename then replaces whatever is at PATH, a link
 * included, without following it. Files that are opened in place
 * (appended logs, locks) go through file_open_regular, which refuses
 * anything but a regular file: a link, a FIFO, a device or a directory.
 * Links in the components leading to the last one are the caller's.
 */
#ifndef SPOOLBOARD_FILEIO_H
#define SPOOLBOARD_FILEIO_H

#include <stddef.h>

/*
 * Read a whole file into a new NUL-terminated buffer (the caller frees it);
 * *len gets its size when len is not NULL. Files larger than max bytes are
 * refused (max 0: no limit). Returns NULL after error().
 */
char *file_read(const char *path, size_t *len, size_t max);

/*
 * As file_read, but only a regular file is read: a symbolic link (as the
 * last component of path), a FIFO or a device is refused with error().
 * For files in the spool, which is a trust boundary: a link there must
 * not publish a file from elsewhere.
 */
char *file_read_regular(const char *path, size_t *len, size_t max);

/*
 * As file_read, from the file open on fd (read to its end, not closed);
 * messages call it name.
 */
char *file_read_fd(int fd, const char *name, size_t *len, size_t max);

/*
 * As file_read_regular, with name opened relative to the directory open
 * on dir (openat), so that a caller who opened the directories above it
 * with O_NOFOLLOW follows no link anywhere. Messages call it shown (NULL:
 * name).
 */
char *file_read_regular_at(int dir, const char *name, const char *shown,
			   size_t *len, size_t max);

/*
 * Write n bytes of data to a new temporary file beside path,
 * PATH.tmp.XXXXXXXX (see above), fsync'ed when sync is set. Returns its
 * name (the caller frees it, and renames or unlinks the file), or NULL
 * after error() with nothing left behind. Names that start with '.' in
 * incoming/ and names with '.tmp.' in control/ are ignored by the runner,
 * so a temporary there is never taken for a request.
 */
char *file_write_temp(const char *path, const void *data, size_t n,
		      int sync);

/*
 * For tests: take the random bytes of temporary names from fill (0 or
 * -1) instead of getrandom(2); NULL goes back to getrandom.
 */
void file_temp_random(int (*fill)(void *buf, size_t n));

/* Atomically replace path with n bytes of data, mode 0644. 0 or -1. */
int file_write_atomic(const char *path, const void *data, size_t n);

/*
 * Replace path atomically (temporary file, rename) with n bytes of data,
 * or leave it alone (and return 1) when its bytes already equal data, so
 * its mtime stays. Nothing is fsync'ed: this is for files derived from
 * others (the rendered site), which are made again after a crash, where a
 * reader must never see half a file but durability is not needed. The
 * temporary name is random (file_write_temp), so threads may write
 * different files at once. A link at path is never read nor followed: it
 * is replaced. 0 written, -1 error.
 */
int file_update(const char *path, const void *data, size_t n);

/*
 * file_update of name in the directory open as dir (AT_FDCWD: name is a
 * path), for a writer that opened its folder once (path_open_nofollow);
 * messages call the file shown.
 */
int file_update_at(int dir, const char *name, const char *shown,
		   const void *data, size_t n);

/*
 * open(2) path with flags (O_WRONLY|O_APPEND, O_RDWR, with or without
 * O_CREAT; mode 0644), adding O_NOFOLLOW and O_CLOEXEC, only when it is a
 * regular file: a symbolic link, a FIFO (opened with O_NONBLOCK, so no
 * open hangs on one), a device or a directory is refused with error()
 * naming the file ("cannot open 'P': a symbolic link, not a file"). For
 * files opened in place in a folder others may write: logs, locks. The
 * fd (blocking, close-on-exec), or -1.
 */
int file_open_regular(const char *path, int flags);

/*
 * Append n bytes to path (created 0644) with one write(2); path must be a
 * regular file (file_open_regular): an append to a link is refused, not
 * made to what it points to. 0 or -1.
 */
int file_append(const char *path, const void *data, size_t n);

/* fsync the directory that holds path. 0 or -1. */
int fsync_parent(const char *path);

/* mkdir -p with mode 0755. 0 or -1. */
int mkdir_p(const char *path);

/*
 * rm -r: remove path and, when it is a directory, everything under it.
 * Symbolic links are never followed: a link, whether path itself or
 * anywhere below it, is unlinked and what it points to is left alone (a
 * directory is entered through O_NOFOLLOW, so one swapped for a link
 * meanwhile is not entered either). Links in the components leading to
 * path are the caller's. A path that does not exist is not an error.
 * Goes on past a failure so that as much as possible is removed; each
 * failure is reported with error(). 0 when path is gone, -1 when
 * something stayed.
 */
int file_remove_tree(const char *path);

/* file_remove_tree of name in the directory open as dir; messages call it
 * shown. */
int file_remove_at(int dir, const char *name, const char *shown);

/*
 * Is name safe to use as one path component taken from a directory
 * listing, and as a command argument: [A-Za-z0-9._-]{1,64}, not starting
 * with '.' nor '-'? 1 yes, 0 no.
 */
int name_is_safe(const char *name);

/*
 * Is the file st describes one this user wrote and no one else may
 * write: a regular file, owned by the effective user, not writable by
 * its group or others? What a program keeps for itself in a folder that
 * others might write (a cache, a record) is taken only then.
 */
struct stat;
int file_is_private(const struct stat *st);

/* Join dir and name with one '/'; the caller frees the result. */
char *path_join(const char *dir, const char *name);

#endif
