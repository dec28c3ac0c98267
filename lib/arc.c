/*
 * arc.c - archives and compressed files through libarchive; see arc.h.
 *
 * Writing builds the whole tar.zst in memory (archives here are a job's
 * checkpoints and exports: megabytes) and hands the bytes to
 * file_write_atomic(), so the temporary file, fsync, rename and directory
 * fsync live in one place (lib/fileio.c). Reading trusts nothing: every
 * libarchive status is checked, sizes are capped before memory is
 * allocated, and a damaged input ends in error() naming the file.
 *
 * What is not detected: libarchive's zstd writer puts no content checksum
 * in its frames, so a flipped byte inside compressed member data can
 * decode to different bytes without an error (tar headers have their
 * own checksum; truncation is always caught). Callers that must know
 * their members are intact checksum them (the checkpoint module does).
 */
#include "lib/arc.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#define ARC_CHUNK 65536
#define ONLY_TAR " (expected a tar archive, plain or compressed with zstd)"
/* The largest zstd window a checkpoint may ask for: 2^23 bytes (zstd's
 * levels 1 to 19 use at most that; spoolboard writes 2^21). */
#define ZSTD_WINDOW_LOG_MAX 23

static const char *
arc_why(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s && *s ? s : "unknown error";
}

static la_ssize_t
write_cb(struct archive *a, void *data, const void *buf, size_t n)
{
	(void)a;
	sb_add(data, buf, n);
	return (la_ssize_t)n;
}

static int
write_member(struct archive *a, const struct arc_member *m, time_t now)
{
	struct archive_entry *e = archive_entry_new();
	const char *p = m->data;
	size_t left = m->size;
	int rc = -1;

	if (!e)
		die_oom();
	archive_entry_set_pathname(e, m->name);
	archive_entry_set_size(e, (la_int64_t)m->size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, now, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		goto out;
	while (left > 0) {
		la_ssize_t w = archive_write_data(a, p, left);

		if (w <= 0)
			goto out;
		p += w;
		left -= (size_t)w;
	}
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

int
arc_write(const char *path, const struct arc_member *members, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	struct archive *a;
	time_t now = time(NULL);
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!members[i].name || !members[i].name[0] ||
		    (members[i].size && !members[i].data))
			return error("cannot write archive '%s': member %zu "
				     "has no name or no data", path, i);
	a = archive_write_new();
	if (!a)
		die_oom();
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, &sb, NULL, write_cb, NULL) != ARCHIVE_OK)
		goto err;
	for (size_t i = 0; i < n; i++)
		if (write_member(a, &members[i], now) < 0)
			goto err;
	if (archive_write_close(a) != ARCHIVE_OK)
		goto err;
	archive_write_free(a);
	rc = file_write_atomic(path, sb.buf, sb.len);
	sb_release(&sb);
	return rc;
err:
	error("cannot write archive '%s': %s", path, arc_why(a));
	archive_write_free(a);
	sb_release(&sb);
	return -1;
}

void
arc_members_free(struct arc_member *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].data);
	}
	free(m);
}

const struct arc_member *
arc_find(const struct arc_member *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

/*
 * Read the current entry's data into sb, refusing to go past cap bytes
 * (0: no cap). Blocks are taken as libarchive holds them (no copy through
 * a buffer of ours); a sparse entry's holes read as zeros. 0 or -1 after
 * error().
 */
static int
read_data(struct archive *a, struct strbuf *sb, size_t cap, const char *path,
	  const char *what)
{
	for (;;) {
		const void *p;
		size_t n;
		la_int64_t off;
		int r = archive_read_data_block(a, &p, &n, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return error("cannot read %s '%s': %s", what, path,
				     arc_why(a));
		if (off < 0 || (uint64_t)off < sb->len)
			return error("cannot read %s '%s': its blocks are "
				     "out of order", what, path);
		if ((cap && ((uint64_t)off > cap || n > cap - (size_t)off)) ||
		    (uint64_t)off > SIZE_MAX / 2)
			return error("cannot read %s '%s': it holds more "
				     "than %zu bytes once decompressed (the "
				     "cap)", what, path, cap ? cap :
				     SIZE_MAX / 2);
		if (sb->len < (size_t)off) {	/* a hole */
			size_t gap = (size_t)off - sb->len;

			sb_grow(sb, gap);
			memset(sb->buf + sb->len, 0, gap);
			sb->len += gap;
		}
		sb_add(sb, p, n);
	}
}

/*
 * The filters spoolboard reads: gzip, zstd and xz (no filter is always
 * read). Never archive_read_support_filter_all(): it adds formats whose
 * decoders are external programs (lrzip, grzip, lzop...) that libarchive
 * would start on a file from the spool.
 */
static void
support_filters(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
}

/*
 * A zstd-compressed archive is decompressed here, not by libarchive's
 * filter: its window is capped (ZSTD_WINDOW_LOG_MAX: a frame header
 * asking for more is an error, not an allocation of up to 2 GiB), and one
 * decompression context serves every read of the process (the trainer
 * reads checkpoints one at a time) instead of a new window per archive.
 */
struct zsrc {
	int fd;
	size_t left;		/* ZSTD_decompressStream's last hint: 0 at
				   the end of a frame */
	int eof;
	ZSTD_inBuffer in;
	char inbuf[ARC_CHUNK];
	char outbuf[ARC_CHUNK];
};

static ZSTD_DCtx *
zsrc_ctx(void)
{
	static ZSTD_DCtx *dc;

	if (!dc) {
		dc = ZSTD_createDCtx();
		if (!dc)
			die_oom();
		ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax,
				       ZSTD_WINDOW_LOG_MAX);
	}
	return dc;
}

static la_ssize_t
zsrc_read(struct archive *a, void *data, const void **buf)
{
	struct zsrc *z = data;
	ZSTD_outBuffer out = { z->outbuf, sizeof(z->outbuf), 0 };

	*buf = z->outbuf;
	while (out.pos == 0) {
		if (z->in.pos == z->in.size && !z->eof) {
			ssize_t r = read(z->fd, z->inbuf, sizeof(z->inbuf));

			if (r < 0) {
				archive_set_error(a, errno, "%s",
						  strerror(errno));
				return -1;
			}
			z->in = (ZSTD_inBuffer){ z->inbuf, (size_t)r, 0 };
			z->eof = r == 0;
		}
		if (z->in.pos == z->in.size && z->eof) {
			if (z->left == 0)
				return 0;
			archive_set_error(a, EILSEQ,
					  "truncated zstd data");
			return -1;
		}
		z->left = ZSTD_decompressStream(zsrc_ctx(), &out, &z->in);
		if (ZSTD_isError(z->left)) {
			if (ZSTD_getErrorCode(z->left) ==
			    ZSTD_error_frameParameter_windowTooLarge)
				archive_set_error(a, EILSEQ, "its zstd window "
						  "is over 2^%d bytes (the cap)",
						  ZSTD_WINDOW_LOG_MAX);
			else
				archive_set_error(a, EILSEQ, "zstd: %s",
						  ZSTD_getErrorName(z->left));
			return -1;
		}
	}
	return (la_ssize_t)out.pos;
}

/* Does the file start with zstd's magic number? Leaves the offset at 0. */
static int
is_zstd(int fd)
{
	unsigned char m[4];

	return pread(fd, m, 4, 0) == 4 && m[0] == 0x28 && m[1] == 0xb5 &&
		m[2] == 0x2f && m[3] == 0xfd;
}

int
arc_read(const char *path, struct arc_member **out, size_t *n, size_t max)
{
	struct arc_member *m = NULL;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t nm = 0, total = 0, cap = 0;
	int entries = 0, fd = -1, opened;
	struct zsrc *z = NULL;

	*out = NULL;
	*n = 0;
	if (!a)
		die_oom();
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	/* no link followed, no FIFO waited on: a job folder is the spool's */
	fd = file_open_regular(path, O_RDONLY);
	if (fd < 0)
		goto err;
	if (is_zstd(fd)) {
		z = xcalloc(1, sizeof(*z));
		z->fd = fd;
		ZSTD_DCtx_reset(zsrc_ctx(), ZSTD_reset_session_only);
		opened = archive_read_open(a, z, NULL, zsrc_read, NULL);
	} else {
		opened = archive_read_open_fd(a, fd, ARC_CHUNK);
	}
	if (opened != ARCHIVE_OK) {
		error("cannot read archive '%s': %s%s", path, arc_why(a),
		      ONLY_TAR);
		goto err;
	}
	for (;;) {
		struct strbuf sb = STRBUF_INIT;
		const char *name;
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			error("cannot read archive '%s': %s%s", path,
			      arc_why(a), entries ? "" : ONLY_TAR);
			goto err;
		}
		entries++;
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (archive_entry_size_is_set(e) && max &&
		    (archive_entry_size(e) < 0 ||
		     (size_t)archive_entry_size(e) > max - total)) {
			error("cannot read archive '%s': it holds more than "
			      "%zu bytes once decompressed (the cap)", path,
			      max);
			goto err;
		}
		if (read_data(a, &sb, max ? max - total : 0, path,
			      "archive") < 0) {
			sb_release(&sb);
			goto err;
		}
		total += sb.len;
		if (nm == cap) {
			cap = cap ? 2 * cap : 8;
			m = xreallocarray(m, cap, sizeof(*m));
		}
		name = archive_entry_pathname(e);
		m[nm].name = xstrdup(name ? name : "");
		m[nm].size = sb.len;
		m[nm].data = sb.buf ? sb_detach(&sb, NULL) : xcalloc(1, 1);
		nm++;
	}
	/* libarchive reads a 0-byte file as an empty archive: refuse it. */
	if (entries == 0 && archive_format(a) == ARCHIVE_FORMAT_EMPTY) {
		error("cannot read archive '%s': the file is empty", path);
		goto err;
	}
	archive_read_free(a);
	close(fd);
	free(z);
	*out = m;
	*n = nm;
	return 0;
err:
	archive_read_free(a);
	if (fd >= 0)
		close(fd);
	free(z);
	arc_members_free(m, nm);
	return -1;
}

char *
arc_read_file(const char *path, size_t *len, size_t max)
{
	size_t n;
	char *raw = file_read(path, &n, max);

	return raw ? arc_decompress(path, raw, n, len, max) : NULL;
}

char *
arc_decompress(const char *path, char *raw, size_t n, size_t *len,
	       size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	struct archive *a;
	struct archive_entry *e;

	if (n == 0)
		goto plain;
	a = archive_read_new();
	if (!a)
		die_oom();
	support_filters(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, raw, n) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		error("cannot decompress '%s': %s", path, arc_why(a));
		goto err;
	}
	if (archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE) {
		archive_read_free(a);
		goto plain;
	}
	if (read_data(a, &sb, max, path, "compressed file") < 0)
		goto err;
	archive_read_free(a);
	free(raw);
	if (len)
		*len = sb.len;
	return sb.buf ? sb_detach(&sb, NULL) : xcalloc(1, 1);
plain:
	if (len)
		*len = n;
	return raw;
err:
	archive_read_free(a);
	sb_release(&sb);
	free(raw);
	return NULL;
}
