/*
 * test-json.c - json_dump_web: compact JSON for the site that reads back
 * as the same value, with no raw '<' anywhere in it; json_load_path
 * leaves its caller's quiet setting as it found it.
 */
#include "tap.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* v dumped, checked for '<', parsed back and compared with v. */
static void
round_trip(json_t *v, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char err[128];
	json_t *back;

	json_dump_web(&sb, v);
	ok(strchr(sb_str(&sb), '<') == NULL, "%s: no raw <", name);
	back = json_load_buf(name, sb.buf, sb.len, err, sizeof(err));
	ok(back && json_equal(v, back), "%s: reads back equal (%s)", name,
	   back ? "parsed" : err);
	json_decref(back);
	json_decref(v);
	sb_release(&sb);
}

/* Many strings of every length 0-99 from bytes that do and do not need
   escapes, at every alignment: each reads back as it was. */
static void
random_strings(void)
{
	static const char *const parts[] = { "a", "b", "0", " ", "<", ">",
		"&", "\"", "\\", "\n", "\t", "\x01", "\x1f", "/", "'",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "~", "\x7f" };
	unsigned long x = 7;
	int bad = 0;

	for (int k = 0; k < 20000; k++) {
		struct strbuf s = STRBUF_INIT, out = STRBUF_INIT;
		int len = k % 100;
		json_t *v, *back;
		char err[64];

		for (int i = 0; i < len; i++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			/* mostly plain runs, as in markup */
			sb_adds(&s, (x >> 33) % 4 ? "x" :
				parts[(x >> 40) % (sizeof(parts) /
						    sizeof(parts[0]))]);
		}
		v = json_stringn(sb_str(&s), s.len);
		json_dump_web(&out, v);
		back = json_load_buf("s", out.buf, out.len, err, sizeof(err));
		if (!back || !json_equal(v, back) || strchr(out.buf, '<'))
			bad++;
		json_decref(v);
		json_decref(back);
		sb_release(&s);
		sb_release(&out);
	}
	ok(bad == 0, "20000 random strings read back as they were (%d not)",
	   bad);
}

/*
 * The bytes written to stderr while a quiet section reads a missing file
 * with json_load_path and then reports an error of its own: json_load_path
 * used to switch quiet off on its way out, so that error was printed (on
 * a full disk, the daemon's rescan printed the same error every time).
 */
static void
quiet_nests(void)
{
	char tmp[] = "/tmp/spoolboard-test-stderr.XXXXXX", err[256];
	int fd = mkstemp(tmp), saved = dup(2), q, inner;
	struct stat st;
	json_t *v;

	if (fd < 0 || saved < 0) {
		ok(0, "# cannot capture stderr");
		return;
	}
	fflush(stderr);
	dup2(fd, 2);
	q = error_set_quiet(1);
	v = json_load_path("/nonexistent/spoolboard/x.json", 0, err,
			   sizeof(err));
	error("after json_load_path");
	inner = error_set_quiet(q);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ok(v == NULL && strstr(err, "x.json") != NULL,
	   "a missing file is an error in err: %s", err);
	ok(q == 0 && inner == 1, "quiet still on after json_load_path");
	if (fstat(fd, &st) < 0)
		st.st_size = -1;
	ok(st.st_size == 0, "nothing printed inside the quiet section "
	   "(%lld bytes)", (long long)st.st_size);
	ok(error_set_quiet(0) == 0, "quiet put back as it was");
	close(fd);
	unlink(tmp);
}

/* json_int: a count from a file never converts out of range. */
static void
test_int(void)
{
	static const char src[] = "{\"i\": 42, \"r\": 7.9, \"neg\": -3.5, "
		"\"huge\": 5.5e20, \"edge\": 9007199254740992.0, "
		"\"s\": \"12\", \"n\": null}";
	char err[128];
	json_t *v = json_load_buf("t", src, strlen(src), err, sizeof(err));

	ok(v != NULL, "parsed: %s", v ? "" : err);
	ok(json_int(v, "i", -1) == 42, "an integer as it is");
	ok(json_int(v, "r", -1) == 7 && json_int(v, "neg", -1) == -3,
	   "a real truncated toward zero");
	ok(json_int(v, "huge", -1) == -1, "5.5e20: the default, no undefined "
	   "conversion");
	ok(json_int(v, "edge", -1) == 9007199254740992LL, "2^53 converts");
	ok(json_int(v, "s", -1) == -1 && json_int(v, "n", -1) == -1 &&
	   json_int(v, "missing", -1) == -1, "a string, null or nothing: "
	   "the default");
	json_decref(v);
}

int
main(void)
{
	struct strbuf sb = STRBUF_INIT;
	char ctl[33];
	json_t *v;

	test_int();
	for (int i = 0; i < 32; i++)
		ctl[i] = (char)(i + 1 < 32 ? i + 1 : ' ');
	ctl[32] = '\0';
	round_trip(json_pack("{s:s, s:s, s:s, s:s}",
		"markup", "<script>alert(1)</script> & 'x' \"y\"",
		"escapes", "back\\slash \"quote\" tab\tnl\ncr\r",
		"controls", ctl,
		"utf8", "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80"), "strings");
	round_trip(json_pack("{s:i, s:I, s:f, s:f, s:b, s:b, s:n}",
		"int", -17, "big", (json_int_t)1 << 53, "real", 0.1,
		"whole", 3.0, "t", 1, "f", 0, "null"), "numbers");
	round_trip(json_pack("[[], {}, [i, [i, {s:[]}]], s]", 1, 2, "k", ""),
		   "nesting");
	random_strings();
	v = json_pack("{s:s, s:[i, i]}", "b", "x", "a", 1, 2);
	json_dump_web(&sb, v);
	is_str(sb_str(&sb), "{\"b\":\"x\",\"a\":[1,2]}",
	       "compact, keys in insertion order");
	sb_reset(&sb);
	json_decref(v);
	v = json_real(3.0);
	json_dump_web(&sb, v);
	is_str(sb_str(&sb), "3.0", "a whole real keeps its point");
	json_decref(v);
	sb_release(&sb);
	quiet_nests();
	return tap_done();
}
