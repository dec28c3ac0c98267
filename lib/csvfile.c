/*
 * csvfile.c - CSV tables with a header row, on libcsv; see csvfile.h.
 *
 * libcsv is a streaming parser that knows nothing of line numbers, so the
 * buffer is fed to it one line at a time and the line count is kept here:
 * a row starts on the line where the parser is fed its first non-blank
 * byte after the previous row ended, and ends when libcsv calls the end
 * of row callback (always at the end of a line, since lines are cut at
 * every LF and at every CR not followed by LF). Blank lines between rows
 * are skipped without feeding them, which is what libcsv would do anyway.
 *
 * Cells are stored back to back in one text buffer with an offset per
 * cell, so a million-row file costs a few allocations, not millions.
 * libcsv has no way for a callback to stop it; an error found in a
 * callback sets a flag, later callbacks do nothing, and the feeding loop
 * stops after that line.
 */
#include "lib/csvfile.h"
#include "lib/arc.h"
#include "lib/error.h"

#include <csv.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct parse {
	struct csvfile *t;
	struct strbuf text;
	size_t *off;
	size_t noff, capoff;
	size_t *lines;
	size_t nlines, caplines;
	size_t line;		/* the line being fed */
	size_t row_line;	/* the line the current row started on */
	size_t cells;		/* cells of the current row so far */
	int in_row;
	int have_header;
	int failed;
};

/*
 * libcsv grows a cell's buffer with this; refusing past the limit makes
 * csv_parse stop with CSV_ENOMEM, reported as a cell that is too long.
 */
static void *
cell_realloc(void *p, size_t n)
{
	if (n > (size_t)CSVFILE_MAX_CELL + 1)
		return NULL;
	return realloc(p, n);
}

static void
push_off(struct parse *ps, size_t v)
{
	if (ps->noff == ps->capoff) {
		ps->capoff = ps->capoff ? 2 * ps->capoff : 256;
		ps->off = xreallocarray(ps->off, ps->capoff, sizeof(size_t));
	}
	ps->off[ps->noff++] = v;
}

static void
on_cell(void *s, size_t len, void *data)
{
	struct parse *ps = data;

	if (ps->failed)
		return;
	ps->cells++;
	if (!ps->have_header && ps->cells > CSVFILE_MAX_COLS) {
		error("%s:%zu: the header has more than %d cells",
		      ps->t->name, ps->row_line, CSVFILE_MAX_COLS);
		ps->failed = 1;
		return;
	}
	/* A ragged row is refused at its end; keep no extra cells. */
	if (ps->have_header && ps->cells > ps->t->ncols)
		return;
	if (ps->noff >= CSVFILE_MAX_CELLS) {
		error("%s:%zu: more than %zu cells in the table (the cap)",
		      ps->t->name, ps->row_line, CSVFILE_MAX_CELLS);
		ps->failed = 1;
		return;
	}
	push_off(ps, ps->text.len);
	if (len)
		sb_add(&ps->text, s, len);
	sb_addc(&ps->text, '\0');
}

static void
on_row(int c, void *data)
{
	struct parse *ps = data;

	(void)c;
	if (ps->failed)
		return;
	if (!ps->have_header) {
		ps->t->ncols = ps->cells;
		ps->t->header_line = ps->row_line;
		ps->have_header = 1;
	} else if (ps->cells != ps->t->ncols) {
		error("%s:%zu: expected %zu cells (as in the header), "
		      "found %zu", ps->t->name, ps->row_line, ps->t->ncols,
		      ps->cells);
		ps->failed = 1;
		return;
	} else {
		if (ps->nlines == ps->caplines) {
			ps->caplines = ps->caplines ? 2 * ps->caplines : 256;
			ps->lines = xreallocarray(ps->lines, ps->caplines,
						  sizeof(size_t));
		}
		ps->lines[ps->nlines++] = ps->row_line;
	}
	ps->cells = 0;
	ps->in_row = 0;
}

/* Only what libcsv skips between rows: spaces, tabs, line ends. */
static int
is_blank_row(const char *s, size_t n, char delim)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == delim)
			return 0;
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return 0;
	}
	return 1;
}

/* The end of the line starting at pos: after its LF, CRLF or CR. */
static size_t
line_end(const char *buf, size_t len, size_t pos)
{
	while (pos < len) {
		if (buf[pos] == '\n')
			return pos + 1;
		if (buf[pos] == '\r' && (pos + 1 >= len ||
					 buf[pos + 1] != '\n'))
			return pos + 1;
		pos++;
	}
	return len;
}

/* Sort column indices by name (merge sort: stable, needs no context). */
static void
sort_by_name(const struct csvfile *t, size_t *idx)
{
	size_t n = t->ncols;
	size_t *tmp = xreallocarray(NULL, n ? n : 1, sizeof(*tmp));

	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi) {
				if (strcmp(csvfile_header(t, idx[j]),
					   csvfile_header(t, idx[i])) < 0)
					tmp[k++] = idx[j++];
				else
					tmp[k++] = idx[i++];
			}
			while (i < mid)
				tmp[k++] = idx[i++];
			while (j < hi)
				tmp[k++] = idx[j++];
		}
		memcpy(idx, tmp, n * sizeof(*idx));
	}
	free(tmp);
}

static int
check_header(struct csvfile *t)
{
	size_t *idx;
	size_t a = 0, b = 0;

	for (size_t c = 0; c < t->ncols; c++) {
		const char *h = csvfile_header(t, c);

		if (is_blank_row(h, strlen(h), '\0'))
			return error("%s:%zu: header cell %zu is empty; every "
				     "column needs a name", t->name,
				     t->header_line, c + 1);
		if (!csvfile_utf8_valid(h))
			return error("%s:%zu: header cell %zu is not valid "
				     "UTF-8", t->name, t->header_line, c + 1);
	}
	/* Duplicates: sort the indices by name, compare neighbours. */
	idx = xreallocarray(NULL, t->ncols, sizeof(*idx));
	for (size_t c = 0; c < t->ncols; c++)
		idx[c] = c;
	sort_by_name(t, idx);
	for (size_t k = 1; k < t->ncols; k++) {
		if (strcmp(csvfile_header(t, idx[k - 1]),
			   csvfile_header(t, idx[k])) != 0)
			continue;
		/* Report the pair whose second column comes first. */
		if (!b || idx[k] < b) {
			a = idx[k - 1];
			b = idx[k];
		}
	}
	free(idx);
	if (b) {
		struct strbuf sb = STRBUF_INIT;

		csvfile_show(&sb, csvfile_header(t, a), 64);
		error("%s:%zu: duplicate column name '%s' (columns %zu and "
		      "%zu)", t->name, t->header_line, sb_str(&sb), a + 1,
		      b + 1);
		sb_release(&sb);
		return -1;
	}
	return 0;
}

int
csvfile_parse(struct csvfile *t, const char *buf, size_t len, char delim,
	      const char *name, int flags)
{
	struct csv_parser p;
	struct parse ps;
	size_t pos = 0;

	memset(t, 0, sizeof(*t));
	memset(&ps, 0, sizeof(ps));
	t->name = xstrdup(name);
	ps.t = t;
	ps.line = 1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		die_oom();
	csv_set_delim(&p, (unsigned char)delim);
	csv_set_realloc_func(&p, cell_realloc);
	csv_set_blk_size(&p, 4096);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	if ((flags & CSVFILE_PARTIAL_TAIL) && len > pos &&
	    buf[len - 1] != '\n' && buf[len - 1] != '\r') {
		while (len > pos && buf[len - 1] != '\n' &&
		       buf[len - 1] != '\r')
			len--;
	}
	while (pos < len) {
		size_t end = line_end(buf, len, pos), n = end - pos, got;
		const char *nul = memchr(buf + pos, '\0', n);

		if (nul) {
			error("%s:%zu:%zu: a NUL byte: this is a binary file, "
			      "not CSV text", t->name, ps.line,
			      (size_t)(nul - (buf + pos)) + 1);
			goto err;
		}
		if (!ps.in_row) {
			if (is_blank_row(buf + pos, n, delim)) {
				pos = end;
				ps.line++;
				continue;
			}
			ps.row_line = ps.line;
			ps.in_row = 1;
		}
		got = csv_parse(&p, buf + pos, n, on_cell, on_row, &ps);
		if (ps.failed)
			goto err;
		if (got < n) {
			int e = csv_error(&p);

			if (e == CSV_EPARSE)
				error("%s:%zu:%zu: bad quoting (%s): a quote "
				      "inside an unquoted cell, or text after "
				      "a closing quote", t->name, ps.line,
				      got + 1, csv_strerror(e));
			else
				error("%s:%zu: a cell longer than %d bytes",
				      t->name, ps.line, CSVFILE_MAX_CELL);
			goto err;
		}
		pos = end;
		ps.line++;
	}
	if (csv_fini(&p, on_cell, on_row, &ps) != 0) {
		error("%s:%zu: a quoted cell is not closed (the row starts on "
		      "this line)", t->name, ps.row_line);
		goto err;
	}
	if (ps.failed)
		goto err;
	if (!ps.have_header) {
		error("%s: no header: the file is empty; a first row with the "
		      "column names is needed", t->name);
		goto err;
	}
	csv_free(&p);
	t->text = sb_detach(&ps.text, NULL);
	t->off = ps.off;
	t->lines = ps.lines;
	t->nrows = ps.nlines;
	if (check_header(t) < 0) {
		csvfile_release(t);
		return -1;
	}
	return 0;
err:
	csv_free(&p);
	sb_release(&ps.text);
	free(ps.off);
	free(ps.lines);
	free(t->name);
	memset(t, 0, sizeof(*t));
	return -1;
}

int
csvfile_load(struct csvfile *t, const char *path, char delim, size_t max,
	     int flags)
{
	size_t len;
	char *buf = arc_read_file(path, &len, max);
	int rc;

	if (!buf) {
		memset(t, 0, sizeof(*t));
		return -1;
	}
	rc = csvfile_parse(t, buf, len, delim, path, flags);
	free(buf);
	return rc;
}

/*
 * Digits make an exact integer m, and m / 10^k (k <= 15) is one correctly
 * rounded division of exact values: strtod's result, without strtod.
 */
double
csvfile_number(const char *c)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	const char *p = c + (*c == '-');
	long long m = 0;
	int digits = 0, frac = -1;
	char *end;
	double v;

	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			m = m * 10 + (*p - '0');
			digits++;
			if (frac >= 0)
				frac++;
		} else if (*p == '.' && frac < 0) {
			frac = 0;
		} else {
			break;
		}
		if (digits > 15)
			break;
	}
	if (!*p && digits > 0) {
		v = (double)m / p10[frac > 0 ? frac : 0];
		return *c == '-' ? -v : v;
	}
	v = strtod(c, &end);
	return !*c || *end ? NAN : v;
}

void
csvfile_release(struct csvfile *t)
{
	free(t->name);
	free(t->text);
	free(t->off);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

const char *
csvfile_header(const struct csvfile *t, size_t col)
{
	return t->text + t->off[col];
}

const char *
csvfile_cell(const struct csvfile *t, size_t row, size_t col)
{
	return t->text + t->off[(row + 1) * t->ncols + col];
}

size_t
csvfile_line(const struct csvfile *t, size_t row)
{
	return t->lines[row];
}

long
csvfile_find(const struct csvfile *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(csvfile_header(t, c), name) == 0)
			return (long)c;
	return -1;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
csvfile_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

void
csvfile_add_cell(struct strbuf *sb, const char *s, int guard)
{
	size_t n;
	int quote;

	if (!s)
		s = "";
	n = strlen(s);
	/* a space or tab at either end: readers (libcsv among them) drop
	   them around an unquoted cell */
	quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' ||
		s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));
	if (quote)
		sb_addc(sb, '"');
	if (guard && n && strchr("=+-@\t\r", s[0]))
		sb_addc(sb, '\'');
	if (!quote) {
		sb_add(sb, s, n);
		return;
	}
	for (const char *q = strchr(s, '"'); q; q = strchr(s, '"')) {
		sb_add(sb, s, (size_t)(q - s) + 1);	/* the quote, doubled */
		sb_addc(sb, '"');
		s = q + 1;
	}
	sb_adds(sb, s);
	sb_addc(sb, '"');
}

void
csvfile_show(struct strbuf *sb, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0;

	while (*p) {
		size_t n = utf8_len(p);

		if (!n)
			n = 1;
		if (used + n > max) {
			sb_adds(sb, "...");
			return;
		}
		if (*p == '\n')
			sb_adds(sb, "\\n");
		else if (*p == '\r')
			sb_adds(sb, "\\r");
		else if (*p == '\t')
			sb_adds(sb, "\\t");
		else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 &&
						      !utf8_len(p)))
			sb_addf(sb, "\\x%02x", *p);
		else
			sb_add(sb, p, n);
		used += n;
		p += n;
	}
}

void
csvfile_show_list(struct strbuf *sb, const char *const *names, size_t n,
		  size_t max)
{
	size_t start = sb->len;

	for (size_t i = 0; i < n; i++) {
		if (i && sb->len - start > max) {
			sb_addf(sb, ", ... (%zu more)", n - i);
			return;
		}
		sb_adds(sb, i ? ", '" : "'");
		csvfile_show(sb, names[i], 40);
		sb_addc(sb, '\'');
	}
}

void
csvfile_show_header(struct strbuf *sb, const struct csvfile *t, size_t max)
{
	const char **names;

	names = xreallocarray(NULL, t->ncols ? t->ncols : 1, sizeof(*names));
	for (size_t c = 0; c < t->ncols; c++)
		names[c] = csvfile_header(t, c);
	csvfile_show_list(sb, names, t->ncols, max);
	free(names);
}
