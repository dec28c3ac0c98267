/*
 * csvfile.h - CSV tables with a header row, read whole (libcsv).
 *
 * The only module that includes <csv.h>. csvfile_parse() turns a buffer
 * into a table of strings: the header's column names and the data rows'
 * cells, with the line on which each row starts, so a caller can point at
 * "data.csv:12". Understood: RFC 4180 quoting (delimiters, quotes written
 * "" and newlines inside quoted cells), LF, CRLF or CR line ends, a UTF-8
 * byte order mark at the start, blank lines (skipped, but counted in line
 * numbers) and any one-byte delimiter. Spaces around unquoted cells are
 * dropped (libcsv does this).
 *
 * Parsing is strict, and each of these is an error naming the file and
 * line: no header (an empty file), a header cell that is empty, not UTF-8
 * or a duplicate, a quote inside an unquoted cell or text after a closing
 * quote, a quote left open at the end, a NUL byte (a binary file), a cell
 * longer than CSVFILE_MAX_CELL bytes, more than CSVFILE_MAX_COLS columns,
 * more than CSVFILE_MAX_CELLS cells in all, and a row whose number of cells differs from the header's.
 *
 *	struct csvfile t;
 *	if (csvfile_parse(&t, buf, len, ',', "data.csv", 0) < 0)
 *		return -1;
 *	for (size_t r = 0; r < t.nrows; r++)
 *		use(csvfile_cell(&t, r, col), csvfile_line(&t, r));
 *	csvfile_release(&t);
 */
#ifndef SPOOLBOARD_CSVFILE_H
#define SPOOLBOARD_CSVFILE_H

#include <stddef.h>

#include "lib/strbuf.h"

#define CSVFILE_MAX_CELL (1024 * 1024)	/* bytes in one cell */
#define CSVFILE_MAX_COLS 65536		/* cells in the header */
/*
 * Cells in a whole table, the header's included: each costs an offset
 * (8 bytes) beside its text, and a data loader then keeps a number per
 * cell, so a small compressed file of tiny cells ("0,0\n" again and
 * again) must stop here, not when memory runs out. 2^25 cells are
 * about 256 MiB of offsets; a training set for this tool is far smaller.
 */
#define CSVFILE_MAX_CELLS ((size_t)1 << 25)

/*
 * csvfile_parse flag: ignore a last line that has no line end, as a reader
 * of a file another process appends rows to (metrics.csv) may see half a
 * row. Without it, the last line needs no line end.
 */
#define CSVFILE_PARTIAL_TAIL 1

struct csvfile {
	char *name;		/* the file's name in messages (owned) */
	size_t ncols;		/* header cells; every row has as many */
	size_t nrows;		/* data rows, the header not counted */
	size_t header_line;	/* line of the header (1 unless blank lines
				   come first) */
	/* Storage: read it through the functions below. */
	char *text;		/* every cell, NUL-terminated, back to back */
	size_t *off;		/* ((nrows + 1) * ncols) offsets into text;
				   the header first */
	size_t *lines;		/* (nrows) line on which each row starts */
};

/*
 * Parse len bytes of buf (need not be NUL-terminated) with the delimiter
 * delim ('"' quotes). name is the file's name for messages. flags: 0 or
 * CSVFILE_PARTIAL_TAIL. 0 with t filled (release it with csvfile_release),
 * or -1 after error() with a message "NAME:LINE: what" (t left empty).
 */
int csvfile_parse(struct csvfile *t, const char *buf, size_t len, char delim,
		  const char *name, int flags);

/*
 * Read the file at path (at most max bytes, 0: no limit; .gz, .zst and .xz
 * are decompressed, see arc_read_file) and parse it as csvfile_parse does,
 * with path as the name. 0 or -1 after error().
 */
int csvfile_load(struct csvfile *t, const char *path, char delim, size_t max,
		 int flags);

/*
 * The number in cell c as strtod reads it, NaN when c is empty or not
 * wholly a number. Plain decimals of up to 15 digits ("0.12345", "-17",
 * "3.5") are read without strtod, several times faster; anything else
 * (exponents, more digits, "inf") goes to strtod.
 */
double csvfile_number(const char *c);

/* Free what t holds and empty it; a zeroed or empty t is fine. */
void csvfile_release(struct csvfile *t);

/* The name of column col < ncols. Valid until csvfile_release. */
const char *csvfile_header(const struct csvfile *t, size_t col);

/* The cell of data row row < nrows, column col < ncols, as written. */
const char *csvfile_cell(const struct csvfile *t, size_t row, size_t col);

/* The line (from 1) on which data row row starts. */
size_t csvfile_line(const struct csvfile *t, size_t row);

/* The index of the column named name, or -1. */
long csvfile_find(const struct csvfile *t, const char *name);

/*
 * Append s to sb for a message: at most max bytes of it (cut at a UTF-8
 * character boundary, "..." added when cut), control characters written
 * as \n, \r, \t or \xNN.
 */
void csvfile_show(struct strbuf *sb, const char *s, size_t max);

/*
 * Append names[0..n) to sb for a message, each quoted and shortened by
 * csvfile_show: "'a', 'b', 'c'", stopping near max bytes with
 * ", ... (N more)".
 */
void csvfile_show_list(struct strbuf *sb, const char *const *names, size_t n,
		       size_t max);

/* Append the header's names as csvfile_show_list does. */
void csvfile_show_header(struct strbuf *sb, const struct csvfile *t,
			 size_t max);

/*
 * Append s (NUL-terminated; NULL is "") to sb as one cell of an RFC 4180
 * file: as it is, or between double quotes (each quote doubled) when it
 * holds a comma, a quote, CR or LF, or starts or ends with a space or a
 * tab. With guard, a cell that starts with =, +, -, @, a tab or CR gets a
 * leading ' first, so that a spreadsheet takes it for text, not a
 * formula (CSV injection): for cells of text from a user, not for
 * numbers written by the program (a guarded -0.5 would no longer read as
 * a number).
 */
void csvfile_add_cell(struct strbuf *sb, const char *s, int guard);

/* Is s (NUL-terminated) valid UTF-8? 1 yes, 0 no. */
int csvfile_utf8_valid(const char *s);

#endif
