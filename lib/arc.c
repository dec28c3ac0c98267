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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ARC_CHUNK 65536
#define ONLY_TAR " (expected a tar archive, plain or compressed with zstd, " \
	"gzip or xz)"

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
 * (0: no cap). 0 or -1 after error().
 */
static int
read_data(struct archive *a, struct strbuf *sb, size_t cap, const char *path,
	  const char *what)
{
	char *buf = xmalloc(ARC_CHUNK);

	for (;;) {
		la_ssize_t r = archive_read_data(a, buf, ARC_CHUNK);

		if (r == 0)
			break;
		if (r < 0) {
			error("cannot read %s '%s': %s", what, path,
			      arc_why(a));
			goto err;
		}
		if (cap && sb->len + (size_t)r > cap) {
			error("cannot read %s '%s': it holds more than %zu "
			      "bytes once decompressed (the cap)", what,
			      path, cap);
			goto err;
		}
		sb_add(sb, buf, (size_t)r);
	}
	free(buf);
	return 0;
err:
	free(buf);
	return -1;
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

int
arc_read(const char *path, struct arc_member **out, size_t *n, size_t max)
{
	struct arc_member *m = NULL;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t nm = 0, total = 0, cap = 0;
	int entries = 0;

	*out = NULL;
	*n = 0;
	if (!a)
		die_oom();
	support_filters(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	if (archive_read_open_filename(a, path, ARC_CHUNK) != ARCHIVE_OK) {
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
	*out = m;
	*n = nm;
	return 0;
err:
	archive_read_free(a);
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
