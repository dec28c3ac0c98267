/*
 * arc.h - archives and compressed files, through libarchive.
 *
 * This module is the only one that includes <archive.h>. It writes
 * tar.zst archives of in-memory members atomically (temporary file,
 * fsync, rename), reads them back whole, and decompresses single .gz,
 * .zst and .xz files (for CSV data).
 */
#ifndef SPOOLBOARD_ARC_H
#define SPOOLBOARD_ARC_H

#include <stddef.h>

struct arc_member {
	char *name;		/* path inside the archive */
	void *data;
	size_t size;
};

/*
 * Write members[0..n) as a zstd-compressed POSIX tar at path, replacing
 * it atomically. Member data is borrowed. 0, or -1 after error() (the old
 * file, if any, is untouched).
 */
int arc_write(const char *path, const struct arc_member *members, size_t n);

/*
 * Read every regular file of the tar archive at path (plain, or compressed
 * with zstd with a window of at most 2^23 bytes: no other format, so no
 * other parser sees a file from the spool; a link or anything but a
 * regular file is refused, never followed nor waited on) into a new array *out of *n members; each member and the array belong
 * to the caller (arc_members_free). Members larger than max bytes in
 * total are refused (0: no limit). A truncated or damaged archive, an
 * empty file, or one that is no archive is an error naming the file.
 * Member contents carry no checksum (libarchive's zstd frames have
 * none): a flipped byte in compressed data may read back as different
 * bytes; callers that need integrity checksum their members. 0 or -1
 * after error().
 */
int arc_read(const char *path, struct arc_member **out, size_t *n, size_t max);

void arc_members_free(struct arc_member *m, size_t n);

/* Find a member by name; NULL if absent. */
const struct arc_member *arc_find(const struct arc_member *m, size_t n,
				  const char *name);

/*
 * Read a whole file, decompressing it if it is gzip, zstd or xz (by
 * content, not name); a plain file is returned as is. The result is
 * NUL-terminated (the caller frees it); *len is its size. At most max
 * bytes after decompression (0: no limit). NULL after error().
 */
char *arc_read_file(const char *path, size_t *len, size_t max);

/*
 * The same for the n bytes of a file already read into raw (NUL-terminated,
 * taken: returned as is when plain, else freed); messages call it name.
 */
char *arc_decompress(const char *name, char *raw, size_t n, size_t *len,
		     size_t max);

#endif
