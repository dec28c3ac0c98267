/*
 * testfiles.h - a throwaway directory and input files for the unit tests
 * of the data modules (arc, csvfile, data).
 *
 *	char *dir = tf_dir();			mkdtemp under $TMPDIR
 *	char *p = tf_write(dir, "a.csv", "x,y\n1,2\n");
 *	tf_compress(dir, "a.csv.gz", text, len, "gzip");   (also zstd, xz)
 *	tf_cleanup(dir);			rm -r
 *
 * Compressed inputs are written with libarchive's write filters (raw
 * format), so the tests need no command-line tools. This test helper is
 * the only place besides lib/arc.c that includes <archive.h>.
 */
#ifndef SPOOLBOARD_TESTFILES_H
#define SPOOLBOARD_TESTFILES_H

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/fileio.h"

static inline char *
tf_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/spoolboard-test.XXXXXX",
			      tmp && *tmp ? tmp : "/tmp");

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	return dir;
}

/* Write n bytes to dir/name; the new path (caller frees). */
static inline char *
tf_writen(const char *dir, const char *name, const void *data, size_t n)
{
	char *path = path_join(dir, name);
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

static inline char *
tf_write(const char *dir, const char *name, const char *text)
{
	return tf_writen(dir, name, text, strlen(text));
}

static la_ssize_t
tf_write_cb(struct archive *a, void *data, const void *buf, size_t n)
{
	FILE *fp = data;

	(void)a;
	return fwrite(buf, 1, n, fp) == n ? (la_ssize_t)n : -1;
}

/*
 * Write an archive in format ("raw", "cpio", "zip", "ustar"...) with
 * filter ("none", "gzip", "zstd", "xz", "bzip2"...) to dir/name, holding
 * one member "data" of n bytes. The new path (caller frees), or NULL when
 * this libarchive cannot.
 */
static inline char *
tf_archive(const char *dir, const char *name, const char *format,
	   const char *filter, const void *data, size_t n)
{
	char *path = path_join(dir, name);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	FILE *fp = fopen(path, "wb");
	int ok;

	ok = fp && archive_write_set_format_by_name(a, format) == ARCHIVE_OK &&
		(strcmp(filter, "none") == 0 ||
		 archive_write_add_filter_by_name(a, filter) == ARCHIVE_OK) &&
		archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK &&
		archive_write_open(a, fp, NULL, tf_write_cb, NULL) ==
		ARCHIVE_OK;
	if (ok) {
		archive_entry_set_pathname(e, "data");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)n);
		archive_entry_set_perm(e, 0644);
		ok = archive_write_header(a, e) == ARCHIVE_OK &&
			archive_write_data(a, data, n) == (la_ssize_t)n &&
			archive_write_close(a) == ARCHIVE_OK;
	}
	if (!ok)
		fprintf(stderr, "# cannot write %s %s: %s\n", format, filter,
			archive_error_string(a) ? archive_error_string(a) :
			"?");
	archive_entry_free(e);
	archive_write_free(a);
	if (fp && fclose(fp) != 0)
		ok = 0;
	if (!ok) {
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

/* Write data compressed with filter ("gzip", "zstd", "xz") to dir/name. */
static inline char *
tf_compress(const char *dir, const char *name, const void *data, size_t n,
	    const char *filter)
{
	return tf_archive(dir, name, "raw", filter, data, n);
}

/* rm -r dir, and free the string. */
static inline void
tf_cleanup(char *dir)
{
	file_remove_tree(dir);
	free(dir);
}

/* The whole file at path (caller frees), *n its size. */
static inline char *
tf_slurp(const char *path, size_t *n)
{
	return file_read(path, n, 0);
}

#endif
