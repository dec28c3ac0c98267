/*
 * test-csv.c - the CSV reader: quoting, line ends, BOM, blank lines, line
 * numbers, and every malformed input giving an error that names the line.
 */
#include "lib/csvfile.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tap.h"
#include "testfiles.h"

#include <stdlib.h>
#include <string.h>

static struct csvfile t;

/* Parse s with delim; 0 or -1 (t is filled on 0). */
static int
parse(const char *s, char delim)
{
	error_clear();
	return csvfile_parse(&t, s, strlen(s), delim, "t.csv", 0);
}

/* Parse s expecting an error; the message. */
static const char *
fails(const char *s, char delim)
{
	if (parse(s, delim) == 0) {
		csvfile_release(&t);
		return "(parsed)";
	}
	ok(t.text == NULL && t.nrows == 0 && t.name == NULL,
	   "table left empty after the error");
	return error_last();
}

static void
test_basic(void)
{
	ok(parse("a,b,c\n1,2,3\n4,5,6\n", ',') == 0, "simple file parses");
	ok(t.ncols == 3 && t.nrows == 2, "3 columns, 2 rows");
	is_str(csvfile_header(&t, 2), "c", "header cell");
	is_str(csvfile_cell(&t, 1, 0), "4", "cell (1, 0)");
	ok(csvfile_line(&t, 0) == 2 && csvfile_line(&t, 1) == 3,
	   "line numbers 2 and 3");
	ok(t.header_line == 1, "header on line 1");
	ok(csvfile_find(&t, "b") == 1 && csvfile_find(&t, "z") == -1,
	   "find columns by name");
	csvfile_release(&t);
	csvfile_release(&t);
	ok(t.text == NULL, "release twice is fine");

	ok(parse("x,y\n  1 ,\t2\n", ',') == 0 &&
	   strcmp(csvfile_cell(&t, 0, 0), "1") == 0 &&
	   strcmp(csvfile_cell(&t, 0, 1), "2") == 0,
	   "spaces around unquoted cells are dropped");
	csvfile_release(&t);

	ok(parse("x,y\n1,2", ',') == 0 && t.nrows == 1 &&
	   strcmp(csvfile_cell(&t, 0, 1), "2") == 0,
	   "last line without a line end");
	csvfile_release(&t);

	ok(parse("x,y\n,\n", ',') == 0 && t.nrows == 1 &&
	   strcmp(csvfile_cell(&t, 0, 0), "") == 0 &&
	   strcmp(csvfile_cell(&t, 0, 1), "") == 0,
	   "a row of empty cells");
	csvfile_release(&t);

	ok(parse("only\n", ',') == 0 && t.ncols == 1 && t.nrows == 0,
	   "header only: 0 rows, no error here");
	csvfile_release(&t);
}

static void
test_quotes(void)
{
	const char *s =
		"name,note,n\n"
		"\"Smith, J\",\"said \"\"hi\"\"\",1\n"
		"\"two\nlines\",\"x\r\ny\",2\n"
		"plain,\"\",3\n";

	ok(parse(s, ',') == 0, "quoted cells parse");
	ok(t.nrows == 3, "3 rows (newlines in quotes are not row ends)");
	is_str(csvfile_cell(&t, 0, 0), "Smith, J", "embedded delimiter");
	is_str(csvfile_cell(&t, 0, 1), "said \"hi\"", "doubled quotes");
	is_str(csvfile_cell(&t, 1, 0), "two\nlines", "embedded newline");
	is_str(csvfile_cell(&t, 1, 1), "x\r\ny", "embedded CRLF");
	is_str(csvfile_cell(&t, 2, 1), "", "empty quoted cell");
	ok(csvfile_line(&t, 0) == 2, "row 1 on line 2");
	ok(csvfile_line(&t, 1) == 3, "row 2 starts on line 3");
	ok(csvfile_line(&t, 2) == 6, "row 3 on line 6 (row 2 spans 3-5)");
	csvfile_release(&t);

	ok(parse("\"a,b\",\"c\"\n1,2\n", ',') == 0 &&
	   strcmp(csvfile_header(&t, 0), "a,b") == 0,
	   "quoted header names");
	csvfile_release(&t);
}

static void
test_line_ends(void)
{
	ok(parse("a,b\r\n1,2\r\n3,4\r\n", ',') == 0 && t.nrows == 2,
	   "CRLF file");
	ok(t.nrows == 2 && strcmp(csvfile_cell(&t, 1, 1), "4") == 0 &&
	   csvfile_line(&t, 1) == 3, "CRLF: cells and lines");
	csvfile_release(&t);

	ok(parse("a,b\r1,2\r3,4", ',') == 0 && t.nrows == 2 &&
	   csvfile_line(&t, 1) == 3, "CR-only line ends");
	csvfile_release(&t);

	ok(parse("\xef\xbb\xbf" "a,b\n1,2\n", ',') == 0 &&
	   strcmp(csvfile_header(&t, 0), "a") == 0,
	   "UTF-8 BOM is skipped");
	csvfile_release(&t);

	ok(parse("\xef\xbb\xbf\"a\",b\r\n1,2\r\n", ',') == 0 &&
	   strcmp(csvfile_header(&t, 0), "a") == 0,
	   "BOM before a quoted header, CRLF");
	csvfile_release(&t);

	ok(parse("\n\na,b\n\n1,2\n   \n\r\n3,4\n\n", ',') == 0,
	   "blank lines are skipped");
	ok(t.header_line == 3 && t.nrows == 2 && csvfile_line(&t, 0) == 5 &&
	   csvfile_line(&t, 1) == 8, "blank lines still count in line "
	   "numbers (header 3, rows 5 and 8)");
	csvfile_release(&t);
}

static void
test_delimiters(void)
{
	ok(parse("a;b;c\n1,5;2,5;\"x;y\"\n", ';') == 0 && t.ncols == 3,
	   "semicolon delimiter");
	is_str(csvfile_cell(&t, 0, 0), "1,5", "comma is plain text with ';'");
	is_str(csvfile_cell(&t, 0, 2), "x;y", "quoted ';'");
	csvfile_release(&t);

	ok(parse("a\tb\n1\t2\n\t\n", '\t') == 0 && t.nrows == 2 &&
	   strcmp(csvfile_cell(&t, 1, 0), "") == 0,
	   "tab delimiter; a line holding only a tab is a row");
	csvfile_release(&t);

	ok(parse("a|b\n1|2\n", '|') == 0 && t.ncols == 2, "'|' delimiter");
	csvfile_release(&t);
}

static void
test_errors(void)
{
	char *big;
	size_t n;

	is_str(fails("a,b,c\n1,2,3\n4,5\n", ','),
	       "t.csv:3: expected 3 cells (as in the header), found 2",
	       "too few cells, with the line");
	is_str(fails("a,b\n1,2\n\n\n4,5,6\n", ','),
	       "t.csv:5: expected 2 cells (as in the header), found 3",
	       "too many cells, line counts blank lines");
	is_str(fails("a,b\n\"x\ny\",2\n1,2,3\n", ','),
	       "t.csv:4: expected 2 cells (as in the header), found 3",
	       "line numbers after a quoted newline");
	is_str(fails("a,b\r\n1,2\r\n3\r\n", ','),
	       "t.csv:3: expected 2 cells (as in the header), found 1",
	       "ragged row in a CRLF file");
	is_str(fails("a;b\n1;2;3\n", ';'),
	       "t.csv:2: expected 2 cells (as in the header), found 3",
	       "ragged row with ';'");
	is_str(fails("a,b\n1,2,3", ','),
	       "t.csv:2: expected 2 cells (as in the header), found 3",
	       "ragged last row without a line end");
	is_str(fails("", ','),
	       "t.csv: no header: the file is empty; a first row with the "
	       "column names is needed", "0-byte file");
	is_str(fails("\n\r\n  \n", ','),
	       "t.csv: no header: the file is empty; a first row with the "
	       "column names is needed", "blank lines only");
	is_str(fails("\xef\xbb\xbf", ','),
	       "t.csv: no header: the file is empty; a first row with the "
	       "column names is needed", "BOM only");
	is_str(fails("a,,c\n1,2,3\n", ','),
	       "t.csv:1: header cell 2 is empty; every column needs a name",
	       "empty header cell");
	is_str(fails("a,b,\n1,2,3\n", ','),
	       "t.csv:1: header cell 3 is empty; every column needs a name",
	       "trailing delimiter in the header");
	is_str(fails("\na,\" \"\n", ','),
	       "t.csv:2: header cell 2 is empty; every column needs a name",
	       "blank quoted header cell");
	is_str(fails("a,b,c,b,a\n1,2,3,4,5\n", ','),
	       "t.csv:1: duplicate column name 'b' (columns 2 and 4)",
	       "duplicate header names");
	is_str(fails("a,\xff\n1,2\n", ','),
	       "t.csv:1: header cell 2 is not valid UTF-8",
	       "Latin-1 header");
	is_str(fails("a,b\n1,x\"y\n", ','),
	       "t.csv:2:4: bad quoting (error parsing data while strict "
	       "checking enabled): a quote inside an unquoted cell, or "
	       "text after a closing quote",
	       "quote inside an unquoted cell, with line:col");
	is_str(fails("a,b\n\"1\"x,2\n", ','),
	       "t.csv:2:4: bad quoting (error parsing data while strict "
	       "checking enabled): a quote inside an unquoted cell, or "
	       "text after a closing quote", "text after a closing quote");
	is_str(fails("a,b\n1,2\n3,\"open\n4,5\n", ','),
	       "t.csv:3: a quoted cell is not closed (the row starts on this "
	       "line)", "unterminated quote at the end");
	is_str(fails("a,b\n1,2\n3,\0", ','), "(parsed)",
	       "(strlen stops at NUL: control)");
	{
		static const char bin[] = "a,b\n1,2\n3,\0\x01\x02\n";

		error_clear();
		ok(csvfile_parse(&t, bin, sizeof(bin) - 1, ',', "t.csv", 0) <
		   0, "NUL byte refused");
		is_str(error_last(), "t.csv:3:3: a NUL byte: this is a binary "
		       "file, not CSV text", "binary file message");
	}

	/* A cell past the limit, and a very long line of many cells. */
	n = CSVFILE_MAX_CELL + 100;
	big = xmalloc(n + 16);
	memcpy(big, "a,b\n1,", 6);
	memset(big + 6, '7', n);
	strcpy(big + 6 + n, "\n");
	is_str(fails(big, ','), "t.csv:2: a cell longer than 1048576 bytes",
	       "a very long cell is refused");
	for (size_t i = 6; i < 6 + n; i += 2)
		big[i] = ',';
	ok(strncmp(fails(big, ','), "t.csv:2: expected 2 cells (as in the "
		   "header), found ", 46) == 0,
	   "a very long line of cells is a ragged row");
	free(big);

	n = 2 * CSVFILE_MAX_COLS + 10;
	big = xmalloc(n + 2);
	for (size_t i = 0; i < n; i += 2) {
		big[i] = 'c';
		big[i + 1] = ',';
	}
	big[n - 1] = '\n';
	big[n] = '\0';
	is_str(fails(big, ','), "t.csv:1: the header has more than 65536 "
	       "cells", "a header with too many cells");
	free(big);
}

static void
test_partial_tail(void)
{
	const char *s = "epoch,loss\n1,0.5\n2,0.4\n3,0.";

	error_clear();
	ok(csvfile_parse(&t, s, strlen(s), ',', "m.csv",
			 CSVFILE_PARTIAL_TAIL) == 0 && t.nrows == 2,
	   "CSVFILE_PARTIAL_TAIL ignores a last line without a line end");
	csvfile_release(&t);
	ok(csvfile_parse(&t, s, 6, ',', "m.csv", CSVFILE_PARTIAL_TAIL) < 0,
	   "CSVFILE_PARTIAL_TAIL on a half header: no header");
	ok(csvfile_parse(&t, "a\n1\n", 4, ',', "m.csv",
			 CSVFILE_PARTIAL_TAIL) == 0 && t.nrows == 1,
	   "CSVFILE_PARTIAL_TAIL keeps complete lines");
	csvfile_release(&t);
}

/*
 * A table of tiny cells stops at CSVFILE_MAX_CELLS, naming the file, the
 * line and the cap: a compressed file of "0,0\n" again and again must
 * not take the memory of its offsets.
 */
static void
test_cell_cap(void)
{
	size_t rows = CSVFILE_MAX_CELLS / 2, len = 4 + 4 * rows;
	char *buf = xmalloc(len), msg[128];

	memcpy(buf, "a,b\n", 4);
	for (size_t i = 0; i < rows; i++)
		memcpy(buf + 4 + 4 * i, "0,0\n", 4);
	error_clear();
	snprintf(msg, sizeof(msg), "t.csv:%zu: more than %zu cells in the "
		 "table (the cap)", rows + 1, CSVFILE_MAX_CELLS);
	ok(csvfile_parse(&t, buf, len, ',', "t.csv", 0) < 0 &&
	   strstr(error_last(), msg) != NULL && t.nrows == 0,
	   "%zu rows of 2 cells and a header: %s", rows, error_last());
	ok(csvfile_parse(&t, buf, len - 4, ',', "t.csv", 0) == 0 &&
	   t.nrows == rows - 1, "one row fewer is read: %zu cells",
	   CSVFILE_MAX_CELLS);
	csvfile_release(&t);
	free(buf);
}

static void
test_show(void)
{
	struct strbuf sb = STRBUF_INIT;
	const char *names[] = { "alpha", "beta", "gamma", "delta" };

	csvfile_show(&sb, "a\tb\nc\x01", 64);
	is_str(sb_str(&sb), "a\\tb\\nc\\x01", "control characters escaped");
	sb_reset(&sb);
	csvfile_show(&sb, "abcdefgh", 5);
	is_str(sb_str(&sb), "abcde...", "shortened with ...");
	sb_reset(&sb);
	csvfile_show(&sb, "ab\xc3\xa9", 3);
	is_str(sb_str(&sb), "ab...", "not cut inside a UTF-8 character");
	sb_reset(&sb);
	csvfile_show(&sb, "\xff" "x", 10);
	is_str(sb_str(&sb), "\\xffx", "invalid byte escaped");
	sb_reset(&sb);
	csvfile_show_list(&sb, names, 4, 1000);
	is_str(sb_str(&sb), "'alpha', 'beta', 'gamma', 'delta'", "list");
	sb_reset(&sb);
	csvfile_show_list(&sb, names, 4, 10);
	is_str(sb_str(&sb), "'alpha', 'beta', ... (2 more)",
	       "long list shortened");
	sb_release(&sb);

	ok(csvfile_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	   "valid UTF-8");
	ok(!csvfile_utf8_valid("\xc0\xaf"), "overlong encoding refused");
	ok(!csvfile_utf8_valid("\xed\xa0\x80"), "surrogate refused");
	ok(!csvfile_utf8_valid("\xe2\x82"), "truncated sequence refused");
	ok(!csvfile_utf8_valid("\xf4\x90\x80\x80"), "above U+10FFFF refused");
}

static void
test_load(void)
{
	char *dir = tf_dir(), *p;
	const char *s = "x,y\n1,2\n3,4\n";

	p = tf_compress(dir, "m.csv.gz", s, strlen(s), "gzip");
	ok(p && csvfile_load(&t, p, ',', 0, 0) == 0 && t.nrows == 2 &&
	   strcmp(csvfile_cell(&t, 1, 1), "4") == 0,
	   "csvfile_load decompresses");
	ok(t.name && p && strcmp(t.name, p) == 0, "name is the path");
	csvfile_release(&t);
	free(p);
	p = path_join(dir, "absent.csv");
	error_clear();
	ok(csvfile_load(&t, p, ',', 0, 0) < 0 &&
	   strstr(error_last(), "absent.csv") != NULL,
	   "missing file: error names it");
	free(p);
	tf_cleanup(dir);
}

/* strtod's reading of a whole cell: NaN for empty or trailing bytes. */
static double
strtod_cell(const char *c)
{
	char *end;
	double v = strtod(c, &end);

	return !*c || *end ? NAN : v;
}

/* csvfile_number gives strtod's bits for decimals and odd cells alike. */
static void
test_number(void)
{
	static const char *const odd[] = { "", "-", ".", "1.", "-.5", "1..2",
		"0x10", "1e5", "-2.5E-3", "inf", "nan", "-0", "-0.0", " 1",
		"1 ", "+3", "12345678901234567890", "0.1234567890123456789",
		"007", "1,5" };
	unsigned long x = 3;
	long bad = 0;
	char buf[64];

	for (long i = 0; i < 500000; i++) {
		double v, a, b;
		int prec;

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		prec = (int)((x >> 5) % 12);
		v = (double)(x >> 11) / 9007199254740992.0 *
		    pow(10, (int)((x >> 40) % 8) - 3);
		snprintf(buf, sizeof(buf), "%.*f", prec, x & 1 ? -v : v);
		a = csvfile_number(buf);
		b = strtod_cell(buf);
		if (memcmp(&a, &b, sizeof(a)) != 0 && bad++ < 3)
			diag("'%s': %.17g, strtod %.17g", buf, a, b);
	}
	ok(bad == 0, "500000 decimals read as strtod reads them");
	bad = 0;
	for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
		double a = csvfile_number(odd[k]), b = strtod_cell(odd[k]);

		if (!(isnan(a) && isnan(b)) &&
		    memcmp(&a, &b, sizeof(a)) != 0 && bad++ < 3)
			diag("'%s': %.17g, strtod %.17g", odd[k], a, b);
	}
	ok(bad == 0, "odd cells as strtod reads them (NaN when not wholly "
	   "a number)");
}

/* RFC 4180 cells written, and read back the same by the parser. */
static void
test_add_cell(void)
{
	static const char *const cells[][3] = {
		/* cell, written, written with guard */
		{ "plain", "plain", "plain" },
		{ "", "", "" },
		{ "a,b", "\"a,b\"", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"", "\"two\nlines\"" },
		{ "cr\r", "\"cr\r\"", "\"cr\r\"" },
		{ " pad", "\" pad\"", "\" pad\"" },
		{ "=1+2", "=1+2", "'=1+2" },
		{ "+SUM(A1)", "+SUM(A1)", "'+SUM(A1)" },
		{ "-2+3", "-2+3", "'-2+3" },
		{ "@cmd", "@cmd", "'@cmd" },
		{ "\tx", "\"\tx\"", "\"'\tx\"" },
		{ "=HYPERLINK(\"x\",\"y\")", "\"=HYPERLINK(\"\"x\"\",\"\"y\"\")\"",
		  "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"" },
		{ "a=b", "a=b", "a=b" },
		{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
	};
	struct strbuf row = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		for (int guard = 0; guard < 2; guard++) {
			struct strbuf sb = STRBUF_INIT;

			csvfile_add_cell(&sb, cells[i][0], guard);
			is_str(sb_str(&sb), cells[i][1 + guard],
			       "cell %zu%s", i, guard ? " guarded" : "");
			sb_release(&sb);
		}
		csvfile_add_cell(&row, cells[i][0], 0);
		sb_adds(&row, i + 1 < sizeof(cells) / sizeof(cells[0]) ?
			"," : "\r\n");
	}
	{
		/* the parser reads the row back as it was (a header of
		   one cell per column, then the row) */
		struct strbuf text = STRBUF_INIT;
		struct csvfile t;
		size_t n = sizeof(cells) / sizeof(cells[0]), same = 0;

		for (size_t i = 0; i < n; i++)
			sb_addf(&text, "%sc%zu", i ? "," : "", i);
		sb_adds(&text, "\r\n");
		sb_add(&text, row.buf, row.len);
		ok(csvfile_parse(&t, text.buf, text.len, ',', "w.csv", 0) == 0 &&
		   t.nrows == 1, "a written row parses");
		for (size_t i = 0; t.nrows == 1 && i < n; i++) {
			/* libcsv drops the spaces around unquoted cells
			   only: " pad" was quoted */
			if (strcmp(csvfile_cell(&t, 0, i), cells[i][0]) == 0)
				same++;
			else
				diag("cell %zu: '%s'", i, csvfile_cell(&t, 0, i));
		}
		ok(same == n, "every cell reads back as written (%zu of %zu)",
		   same, n);
		csvfile_release(&t);
		sb_release(&text);
	}
	sb_release(&row);
	{
		struct strbuf sb = STRBUF_INIT;

		csvfile_add_cell(&sb, NULL, 1);
		is_str(sb_str(&sb), "", "NULL is an empty cell");
		sb_release(&sb);
	}
}

int
main(void)
{
	error_set_quiet(1);
	test_add_cell();
	test_number();
	test_basic();
	test_quotes();
	test_line_ends();
	test_delimiters();
	test_errors();
	test_partial_tail();
	test_cell_cap();
	test_show();
	test_load();
	return tap_done();
}
