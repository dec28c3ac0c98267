/*
 * fuzz-csv.c - CSV tables (lib/csvfile.c). The first byte picks the
 * delimiter, the flags and the way in: parsed from memory, or written to
 * a file and loaded with csvfile_load, plain or compressed (gzip, zstd, xz
 * through lib/arc.c: the rest of the input is then the compressed file,
 * decompressed by arc_read_file). Every cell of a parsed table is read.
 */
#include "fuzz.h"
#include "lib/csvfile.h"

static const char delims[] = { ',', ';', '\t', '|' };
static const char *const names[] = { "in.csv", "in.csv.gz", "in.csv.zst",
				     "in.csv.xz" };

static void
walk(const struct csvfile *t)
{
	size_t sum = 0;

	for (size_t c = 0; c < t->ncols; c++)
		sum += strlen(csvfile_header(t, c));
	for (size_t r = 0; r < t->nrows; r++) {
		sum += csvfile_line(t, r);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = csvfile_cell(t, r, c);
			double x = csvfile_number(cell);

			sum += strlen(cell) + (x == x);
		}
	}
	if (t->ncols)
		(void)csvfile_find(t, csvfile_header(t, t->ncols - 1));
	if (sum == (size_t)-1)
		abort();	/* keeps the reads */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csvfile t = { 0 };
	const char *dir = fz_dir();
	unsigned mode;
	char delim;
	int flags;

	if (size < 1)
		return 0;
	mode = data[0];
	delim = delims[mode & 3];
	flags = mode & 4 ? CSVFILE_PARTIAL_TAIL : 0;
	data++, size--;
	if (!(mode & 8)) {
		if (csvfile_parse(&t, (const char *)data, size, delim, "in.csv",
				  flags) == 0)
			walk(&t);
	} else {
		char *path = path_join(dir, names[(mode >> 4) & 3]);

		fz_write(path, data, size);
		if (csvfile_load(&t, path, delim, 1 << 20, flags) == 0)
			walk(&t);
		unlink(path);
		free(path);
	}
	csvfile_release(&t);
	return 0;
}
