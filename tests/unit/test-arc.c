/*
 * test-arc.c - tar.zst round trips, size caps, damaged archives (errors,
 * never crashes: run it under the sanitizers), and reading compressed
 * single files.
 */
#include "lib/arc.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "tap.h"
#include "testfiles.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;

/* Member names and data (arc_member holds non-const pointers). */
static char n_state[] = "state.json", n_model[] = "model.safetensors";
static char n_empty[] = "empty", n_bytes[] = "sub/dir/bytes.bin";
static char n_none[] = "", n_x[] = "x", n_a[] = "a.txt", n_b[] = "b.txt";
static char state3[] = "{\"epoch\": 3}", state4[] = "{\"epoch\": 4}";
static char hello[] = "hello";

static size_t
count_files(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	size_t n = 0;

	if (!dp)
		return 0;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static void
test_round_trip(void)
{
	static char big[300000];
	char bin[256];
	struct arc_member in[4], *out = NULL;
	const struct arc_member *m;
	char *path = path_join(dir, "a.tar.zst");
	size_t n = 0;
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(big); i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (char)(x >> 24);
	}
	for (int i = 0; i < 256; i++)
		bin[i] = (char)i;
	in[0] = (struct arc_member){ n_state, state3, 12 };
	in[1] = (struct arc_member){ n_model, big, sizeof(big) };
	in[2] = (struct arc_member){ n_empty, NULL, 0 };
	in[3] = (struct arc_member){ n_bytes, bin, sizeof(bin) };

	ok(arc_write(path, in, 4) == 0, "write 4 members");
	ok(count_files(dir) == 1, "no temporary file left beside it");
	ok(arc_read(path, &out, &n, 0) == 0 && n == 4, "read 4 members back");
	for (size_t i = 0; i < 4 && n == 4; i++) {
		ok(strcmp(out[i].name, in[i].name) == 0 &&
		   out[i].size == in[i].size &&
		   (in[i].size == 0 ||
		    memcmp(out[i].data, in[i].data, in[i].size) == 0),
		   "member %zu '%s' round trips", i, in[i].name);
	}
	m = arc_find(out, n, "sub/dir/bytes.bin");
	ok(m && m->size == 256 && ((unsigned char *)m->data)[255] == 255,
	   "arc_find finds a member");
	ok(arc_find(out, n, "nope") == NULL, "arc_find: absent is NULL");
	arc_members_free(out, n);

	error_clear();
	ok(arc_read(path, &out, &n, 1000) < 0 && out == NULL && n == 0,
	   "members over the total cap are refused");
	ok(strstr(error_last(), "a.tar.zst") != NULL, "cap error names the "
	   "file: %s", error_last());
	ok(arc_read(path, &out, &n, sizeof(big) + 12 + 256) == 0 && n == 4,
	   "exactly at the cap is fine");
	arc_members_free(out, n);

	/* Replace it: the new contents, still one file. */
	in[0].data = state4;
	ok(arc_write(path, in, 1) == 0 && arc_read(path, &out, &n, 0) == 0 &&
	   n == 1 && memcmp(out[0].data, "{\"epoch\": 4}", 12) == 0,
	   "rewrite replaces the archive");
	arc_members_free(out, n);
	ok(count_files(dir) == 1, "still one file after the rewrite");

	ok(arc_write(path, in, 0) == 0 && arc_read(path, &out, &n, 0) == 0 &&
	   n == 0, "an archive with no members");
	arc_members_free(out, n);
	arc_members_free(NULL, 0);
	free(path);

	in[0].name = n_none;
	path = path_join(dir, "bad.tar.zst");
	ok(arc_write(path, in, 1) < 0, "a member without a name is refused");
	free(path);
	path = path_join(dir, "no/such/dir/x.tar.zst");
	in[0].name = n_x;
	error_clear();
	ok(arc_write(path, in, 1) < 0 && strstr(error_last(), "no/such/dir"),
	   "missing directory: error, old file untouched: %s",
	   error_last());
	free(path);
}

static void
test_damaged(void)
{
	static char payload[20000];
	struct arc_member in[2], *out = NULL;
	char *path = path_join(dir, "good.tar.zst"), *buf, *bad;
	size_t len, n = 0, errors = 0, tries = 0, wrong = 0;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (char)("spoolboard"[i % 10] + i / 1000);
	in[0] = (struct arc_member){ n_a, payload, sizeof(payload) };
	in[1] = (struct arc_member){ n_b, hello, 5 };
	if (arc_write(path, in, 2) < 0) {
		ok(0, "write the archive to damage");
		free(path);
		return;
	}
	buf = tf_slurp(path, &len);
	bad = path_join(dir, "bad.tar.zst");

	/* Every truncation is an error. */
	for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 7)) {
		free(tf_writen(dir, "bad.tar.zst", buf, cut));
		out = NULL;
		if (arc_read(bad, &out, &n, 0) < 0)
			errors++;
		else
			arc_members_free(out, n);
		tries++;
	}
	ok(errors == tries, "every truncated archive is an error (%zu/%zu)",
	   errors, tries);
	error_clear();
	free(tf_writen(dir, "bad.tar.zst", buf, len / 2));
	ok(arc_read(bad, &out, &n, 0) < 0 &&
	   strstr(error_last(), "bad.tar.zst") != NULL,
	   "the error names the file: %s", error_last());

	/*
	 * Flipped bytes: never a crash. The frame header and the tar
	 * headers are checked; libarchive's zstd writer adds no content
	 * checksum, so a flip inside compressed data may go unnoticed or
	 * read back as different bytes (the checkpoint module checksums its
	 * members for that).
	 */
	errors = tries = 0;
	for (size_t at = 0; at < len; at += (at < 64 ? 1 : 5)) {
		buf[at] ^= 0x5a;
		free(tf_writen(dir, "bad.tar.zst", buf, len));
		buf[at] ^= 0x5a;
		out = NULL;
		if (arc_read(bad, &out, &n, 0) < 0) {
			errors++;
		} else {
			if (n != 2 || out[0].size != sizeof(payload) ||
			    memcmp(out[0].data, payload, sizeof(payload)) ||
			    out[1].size != 5 || memcmp(out[1].data, "hello", 5))
				wrong++;
			arc_members_free(out, n);
		}
		tries++;
	}
	ok(1, "flipped bytes at %zu places: %zu errors, %zu read back "
	   "different, no crash", tries, errors, wrong);
	buf[0] ^= 0xff;
	free(tf_writen(dir, "bad.tar.zst", buf, len));
	buf[0] ^= 0xff;
	ok(arc_read(bad, &out, &n, 0) < 0, "a damaged magic number is an "
	   "error");

	free(tf_write(dir, "bad.tar.zst", ""));
	error_clear();
	ok(arc_read(bad, &out, &n, 0) < 0 &&
	   strstr(error_last(), "empty") != NULL,
	   "a 0-byte archive is an error: %s", error_last());
	free(tf_write(dir, "bad.tar.zst", "a,b\n1,2\n"));
	ok(arc_read(bad, &out, &n, 0) < 0, "a text file is not an archive: "
	   "%s", error_last());
	ok(arc_read("/nonexistent/x.tar.zst", &out, &n, 0) < 0,
	   "a missing file is an error: %s", error_last());
	free(buf);
	free(bad);
	free(path);
}

/* A checkpoint is tar: the other formats libarchive knows are refused. */
static void
test_only_tar(void)
{
	static const char *const formats[][2] = {
		{ "ustar", "zstd" }, { "pax", "none" }, { "gnutar", "none" },
		{ "cpio", "none" }, { "zip", "none" }, { "7zip", "none" },
		{ "iso9660", "none" }, { "xar", "none" }, { "ustar", "bzip2" },
		{ "ustar", "gzip" }, { "ustar", "xz" },
	};
	struct arc_member *out;
	size_t n;

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		int tar = i < 3;
		char *p = tf_archive(dir, "f.tar.zst", formats[i][0],
				     formats[i][1], "ab", 2);
		int r;

		if (!p) {
			ok(1, "# SKIP no %s writer in libarchive",
			   formats[i][0]);
			continue;
		}
		error_clear();
		r = arc_read(p, &out, &n, 0);
		if (tar)
			ok(r == 0 && n == 1 && out[0].size == 2 &&
			   memcmp(out[0].data, "ab", 2) == 0,
			   "%s with %s is read", formats[i][0],
			   formats[i][1]);
		else	/* iso9660 starts with 32 KiB of zeros: to tar, the
			 * end of an archive with no member */
			ok((r < 0 && strstr(error_last(), "f.tar.zst") &&
			    strstr(error_last(), "a tar archive")) ||
			   (r == 0 && n == 0),
			   "%s with %s is not read: %s", formats[i][0],
			   formats[i][1], r < 0 ? error_last() : "no member");
		if (r == 0)
			arc_members_free(out, n);
		free(p);
	}
}

/*
 * A zstd frame may ask for a window of up to 2^31 bytes: one over 2^23 is
 * refused before anything is allocated for it.
 */
static void
test_zstd_window(void)
{
	char *p = tf_archive(dir, "w.tar.zst", "ustar", "zstd", "ab", 2);
	struct arc_member *out = NULL;
	size_t n = 0, len = 0;
	char *raw = p ? tf_slurp(p, &len) : NULL;

	/* magic, then a frame header descriptor without the single-segment
	 * flag, then the window descriptor: 2^(10 + (WD >> 3)) */
	if (!raw || len < 6 || (unsigned char)raw[4] & 0x20) {
		ok(0, "a zstd frame with a window descriptor");
		free(raw);
		free(p);
		return;
	}
	raw[5] = (char)((23 - 10) << 3);
	free(tf_writen(dir, "w.tar.zst", raw, len));
	ok(arc_read(p, &out, &n, 0) == 0 && n == 1, "a 2^23 window is read");
	arc_members_free(out, n);
	raw[5] = (char)((24 - 10) << 3);
	free(tf_writen(dir, "w.tar.zst", raw, len));
	error_clear();
	ok(arc_read(p, &out, &n, 0) < 0 &&
	   strstr(error_last(), "w.tar.zst") &&
	   strstr(error_last(), "zstd window is over 2^23 bytes (the cap)"),
	   "a 2^24 window is refused: %s", error_last());
	free(raw);
	free(p);
}

/* The archive is opened as a file of its own: no link, no FIFO. */
static void
test_no_link(void)
{
	char *p = tf_archive(dir, "real.tar", "ustar", "zstd", "ab", 2);
	char *link = path_join(dir, "link.tar"), *fifo = path_join(dir,
								"fifo.tar");
	struct arc_member *out = NULL;
	size_t n = 0;

	ok(p && symlink(p, link) == 0 && mkfifo(fifo, 0600) == 0,
	   "a link and a FIFO");
	error_clear();
	ok(arc_read(link, &out, &n, 0) < 0 && out == NULL &&
	   strstr(error_last(), "link.tar': a symbolic link"),
	   "a link to an archive is not followed: %s", error_last());
	error_clear();
	ok(arc_read(fifo, &out, &n, 0) < 0 &&
	   strstr(error_last(), "fifo.tar': not a regular file"),
	   "a FIFO is refused, not waited on: %s", error_last());
	free(p);
	free(link);
	free(fifo);
}

static void
test_read_file(void)
{
	static const char text[] = "date,temp\n2024-01-01,3.5\n";
	static const char *const filters[] = { "gzip", "zstd", "xz" };
	char *p, *got, *big;
	size_t len;

	p = tf_write(dir, "plain.csv", text);
	got = arc_read_file(p, &len, 0);
	ok(got && len == strlen(text) && strcmp(got, text) == 0,
	   "a plain file passes through");
	free(got);
	free(p);
	for (int i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "data.csv.%d", i);
		p = tf_compress(dir, name, text, strlen(text), filters[i]);
		if (!p) {
			ok(1, "# SKIP no %s writer in libarchive", filters[i]);
			continue;
		}
		got = arc_read_file(p, &len, 0);
		ok(got && len == strlen(text) && strcmp(got, text) == 0,
		   "%s file is decompressed (found by content, not name)",
		   filters[i]);
		free(got);
		free(p);
	}
	p = tf_writen(dir, "empty.csv", "", 0);
	got = arc_read_file(p, &len, 0);
	ok(got && len == 0 && got[0] == '\0', "a 0-byte file reads as empty");
	free(got);
	free(p);
	p = tf_writen(dir, "nul.bin", "a\0b", 3);
	got = arc_read_file(p, &len, 0);
	ok(got && len == 3 && got[1] == '\0' && got[2] == 'b',
	   "binary bytes pass through with their length");
	free(got);
	free(p);

	/* A small file that inflates past the cap. */
	big = xcalloc(1, 1 << 20);
	memset(big, 'x', 1 << 20);
	p = tf_compress(dir, "bomb.gz", big, 1 << 20, "gzip");
	error_clear();
	ok(p && arc_read_file(p, &len, 100000) == NULL &&
	   strstr(error_last(), "bomb.gz") != NULL &&
	   strstr(error_last(), "more than 100000 bytes once "
		  "decompressed (the cap)") != NULL,
	   "decompressed size over the cap: %s", error_last());
	got = p ? arc_read_file(p, &len, 0) : NULL;
	ok(got && len == (1 << 20), "without a cap it reads whole");
	free(got);
	free(p);

	/* A damaged gzip file. */
	p = tf_compress(dir, "t.gz", big, 1 << 20, "gzip");
	if (p) {
		size_t n;
		char *raw = tf_slurp(p, &n);

		free(tf_writen(dir, "t.gz", raw, n / 2));
		error_clear();
		got = arc_read_file(p, &len, 0);
		ok(got == NULL && strstr(error_last(), "t.gz") != NULL,
		   "truncated gzip: %s", error_last());
		free(got);
		/* libarchive does not check the gzip CRC: a flip may read
		 * back as other bytes; it must never crash. */
		{
			size_t errs = 0, tries = 0;

			for (size_t at = 0; at < n; at += 3) {
				raw[at] ^= 0x55;
				free(tf_writen(dir, "t.gz", raw, n));
				raw[at] ^= 0x55;
				got = arc_read_file(p, &len, 0);
				errs += got == NULL;
				tries++;
				free(got);
			}
			ok(errs > 0, "gzip with flipped bytes: %zu errors in "
			   "%zu tries, no crash", errs, tries);
		}
		free(raw);
		free(p);
	}
	free(big);

	/* Only gzip, zstd and xz are decompressed: anything else is data
	 * (libarchive would start an external program for some filters). */
	p = tf_compress(dir, "t.bz2", text, strlen(text), "bzip2");
	got = p ? arc_read_file(p, &len, 0) : NULL;
	ok(!p || (got && len > 3 && memcmp(got, "BZh", 3) == 0),
	   "a bzip2 file is not decompressed");
	free(got);
	free(p);
	ok(arc_read_file("/nonexistent/data.csv", &len, 0) == NULL,
	   "missing file: %s", error_last());
}

int
main(void)
{
	error_set_quiet(1);
	dir = tf_dir();
	test_round_trip();
	test_only_tar();
	test_no_link();
	test_zstd_window();
	test_damaged();
	test_read_file();
	tf_cleanup(dir);
	return tap_done();
}
