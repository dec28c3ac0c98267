/*
 * tmpl.c - Mustache parser and renderer; see tmpl.h.
 *
 * Parsing turns the source into a tree of nodes: text (split after each
 * newline, so that every piece knows whether it begins a source line),
 * variables, and containers (section, inverted, parent, block) holding
 * their children. Names are split at the dots once, here.
 *
 * Standalone lines: at each line start the parser looks ahead over the
 * line. A line holding only whitespace and one non-output tag ({{#}},
 * {{^}}, {{/}}, {{!}}, {{=}}, {{>}}, {{<}}, {{$}}) is dropped except for
 * the tag; so is a line of several such tags when every gap between them
 * lies directly inside a parent, where text is ignored anyway
 * ("{{<layout}}{{$title}}"). The dropped leading whitespace is the
 * indentation of a partial or parent on that line.
 *
 * Indentation is applied while rendering: the renderer keeps the current
 * indentation (a prefix of rs->ind) and emits it before the first byte of
 * each output line that comes from template text, never inside values. A
 * block's body is reindented: the indentation of its own first line (where
 * it was written) is stripped from each of its source lines and the
 * indentation of the place where it is expanded is added.
 */
#include "render/tmpl.h"
#include "lib/error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST 256		/* open sections while parsing */
#define MAX_DEPTH 300		/* nested expansions while rendering (more
				   than MAX_NEST: every parsed nesting renders) */

enum {
	N_ROOT, N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL,
	N_PARENT, N_BLOCK
};

struct node {
	int type;
	int bol;		/* text: begins a source line */
	int nseg;		/* names: segments in name, 0 for "." */
	const char *text;	/* text: into t->src */
	size_t len;
	char *name;		/* segments separated by NULs */
	const char *ind;	/* partial, parent: standalone indentation;
				   block: indentation where it expands */
	size_t indlen;
	const char *bind;	/* block: indentation of its body's lines */
	size_t bindlen;
	struct node *kids;
	size_t nkids;
};

struct tmpl {
	char *name;
	char *src;
	size_t len;
	struct node root;
};

struct set_entry {
	char *name;
	struct tmpl *t;		/* NULL: missing or broken */
	int broken;
	int loaded;		/* the loader was asked, or tmpl_set_add */
};

struct tmpl_set {
	char *(*load)(void *arg, const char *name, size_t *len);
	void *arg;
	pthread_mutex_t lock;	/* threads render with one set */
	struct set_entry *ent;
	size_t n, cap;
};

/* ---- parsing ---- */

struct open {
	struct node *kids;	/* children collected so far */
	size_t n, cap;
	int type;
	char *name;
	int nseg;
	size_t pos;		/* of the opening tag, for messages */
	size_t namepos, namelen;
	int standalone;
	const char *ind;
	size_t indlen;
};

struct parser {
	const char *name;
	const char *src;
	size_t len;
	const char *otag, *ctag;
	size_t olen, clen;
	struct open stack[MAX_NEST + 1];
	int depth;		/* stack[0] is the root */
};

struct tag {
	size_t pos;		/* of the opening delimiter */
	size_t end;		/* just past the closing delimiter */
	char sigil;		/* 0 for a plain variable */
	size_t name, namelen;	/* trimmed content */
};

static void
position(const char *src, size_t pos, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < pos; i++) {
		if (src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int __attribute__((format(printf, 3, 4)))
perr(const struct parser *p, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	position(p->src, pos, &line, &col);
	return error("%s:%d:%d: %s", p->name, line, col, msg);
}

static int
is_space_char(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
find_bytes(const char *hay, size_t n, const char *needle, size_t m)
{
	size_t i;

	if (m == 0 || m > n)
		return NULL;
	for (i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}

static int
at(const struct parser *p, size_t pos, const char *s, size_t n)
{
	return pos + n <= p->len && memcmp(p->src + pos, s, n) == 0;
}

/*
 * Scan the tag whose opening delimiter (olen bytes) is at pos; c closes it.
 * 0 and the tag in *t, or -1 (no message) when it is not closed.
 */
static int
scan_tag(const struct parser *p, size_t pos, size_t olen,
	 const char *c, size_t clen, struct tag *t)
{
	size_t i = pos + olen, b, e;
	const char *end;
	char close[64];
	size_t closelen = clen;
	const char *cl = c;

	t->pos = pos;
	t->sigil = 0;
	if (i < p->len && strchr("#^/!=><${&", p->src[i]) && p->src[i]) {
		t->sigil = p->src[i];
		i++;
	}
	if ((t->sigil == '{' || t->sigil == '=') && clen < sizeof(close)) {
		close[0] = t->sigil == '{' ? '}' : '=';
		memcpy(close + 1, c, clen);
		cl = close;
		closelen = clen + 1;
	}
	end = find_bytes(p->src + i, p->len - i, cl, closelen);
	if (!end)
		return -1;
	b = i;
	e = (size_t)(end - p->src);
	t->end = e + closelen;
	while (b < e && is_space(p->src[b]))
		b++;
	while (e > b && is_space(p->src[e - 1]))
		e--;
	t->name = b;
	t->namelen = e - b;
	return 0;
}

/*
 * Parse "{{=OPEN CLOSE=}}" content into *o and *c (into the source).
 * 0 or -1 (no message).
 */
static int
parse_delims(const struct parser *p, const struct tag *t, const char **o,
	     size_t *olen, const char **c, size_t *clen)
{
	const char *s = p->src + t->name, *e = s + t->namelen, *q;

	q = s;
	while (q < e && !is_space(*q) && *q != '=')
		q++;
	if (q == s || q == e || *q == '=')
		return -1;
	*o = s;
	*olen = (size_t)(q - s);
	while (q < e && is_space(*q))
		q++;
	s = q;
	while (q < e && !is_space(*q) && *q != '=')
		q++;
	if (q == s || q != e)
		return -1;
	*c = s;
	*clen = (size_t)(q - s);
	return 0;
}

static int
container_type(char sigil)
{
	switch (sigil) {
	case '#': return N_SECTION;
	case '^': return N_INVERTED;
	case '<': return N_PARENT;
	case '$': return N_BLOCK;
	}
	return 0;
}

/*
 * Is the line starting at pos standalone? When it is, *end is the position
 * after its newline (or the end of the source).
 */
static int
line_standalone(const struct parser *p, size_t pos, size_t *end)
{
	const char *o = p->otag, *c = p->ctag;
	size_t olen = p->olen, clen = p->clen;
	int pushed[32], npushed = 0, base = p->depth, ntags = 0, cur;
	struct tag t;

	while (pos < p->len && is_space_char(p->src[pos]))
		pos++;
	for (;;) {
		if (pos >= p->len) {
			*end = pos;
			return ntags > 0;
		}
		if (p->src[pos] == '\n' || at(p, pos, "\r\n", 2)) {
			*end = pos + (p->src[pos] == '\n' ? 1 : 2);
			return ntags > 0;
		}
		if (!at(p, pos, o, olen) ||
		    scan_tag(p, pos, olen, c, clen, &t) < 0)
			return 0;
		if (!t.sigil || t.sigil == '{' || t.sigil == '&')
			return 0;
		cur = npushed ? pushed[npushed - 1] : p->stack[base].type;
		if (ntags > 0 && cur != N_PARENT)
			return 0;
		if (container_type(t.sigil)) {
			if (npushed == 32)
				return 0;
			pushed[npushed++] = container_type(t.sigil);
		} else if (t.sigil == '/') {
			if (npushed)
				npushed--;
			else if (base > 0)
				base--;
			else
				return 0;
		} else if (t.sigil == '=') {
			if (parse_delims(p, &t, &o, &olen, &c, &clen) < 0)
				return 0;
		}
		ntags++;
		pos = t.end;
		while (pos < p->len && is_space_char(p->src[pos]))
			pos++;
	}
}

static struct node *
add_node(struct parser *p, int type)
{
	struct open *o = &p->stack[p->depth];
	struct node *n;

	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 8;
		o->kids = xreallocarray(o->kids, o->cap, sizeof(*o->kids));
	}
	n = &o->kids[o->n++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	return n;
}

/* Copy a name, splitting it at the dots; "." has no segments. */
static char *
split_name(const char *s, size_t n, int *nseg)
{
	char *name = xmalloc(n + 1);
	size_t i;

	memcpy(name, s, n);
	name[n] = '\0';
	if (n == 1 && s[0] == '.') {
		*nseg = 0;
		return name;
	}
	*nseg = 1;
	for (i = 0; i < n; i++) {
		if (name[i] == '.') {
			name[i] = '\0';
			(*nseg)++;
		}
	}
	return name;
}

static void node_release(struct node *n);

static void
nodes_free(struct node *kids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		node_release(&kids[i]);
	free(kids);
}

static void
node_release(struct node *n)
{
	free(n->name);
	nodes_free(n->kids, n->nkids);
}

static void
add_text_node(struct parser *p, size_t from, size_t to, int bol)
{
	struct node *n;

	if (to <= from)
		return;
	n = add_node(p, N_TEXT);
	n->text = p->src + from;
	n->len = to - from;
	n->bol = bol;
}

static const char *
sigil_what(int type)
{
	switch (type) {
	case N_PARENT: return "parent";
	case N_BLOCK: return "block";
	}
	return "section";
}

/*
 * The indentation of a block's body where it was written: the whitespace
 * that begins its first line when the opening tag stands alone on its
 * line, else none. The block expands at that indentation when it has a
 * default body on lines of its own, else at the whitespace before it.
 */
static void
block_indents(struct node *n, const struct open *o)
{
	const struct node *first = o->n ? &o->kids[0] : NULL;
	size_t e = 0;

	n->bind = "";
	n->bindlen = 0;
	if (o->standalone && first && first->type == N_TEXT && first->bol) {
		while (e < first->len && is_space_char(first->text[e]))
			e++;
		n->bind = first->text;
		n->bindlen = e;
	}
	if (o->standalone && o->n) {
		n->ind = n->bind;
		n->indlen = n->bindlen;
	}
}

/*
 * Handle the tag t. standalone: it is on a standalone line, whose dropped
 * indentation is ind/indlen; otherwise ind is the whitespace before it
 * when only whitespace precedes it on its line.
 */
static int
do_tag(struct parser *p, const struct tag *t, int standalone,
       const char *ind, size_t indlen)
{
	const char *nm = p->src + t->name;
	struct open *o;
	struct node *n;
	int type;

	if (t->sigil == '!')
		return 0;
	if (t->sigil == '=') {
		if (parse_delims(p, t, &p->otag, &p->olen, &p->ctag,
				 &p->clen) < 0)
			return perr(p, t->pos, "bad set-delimiter tag: want "
				    "two delimiters without '=' or spaces, "
				    "as in {{=<%% %%>=}}");
		return 0;
	}
	if (t->namelen == 0)
		return perr(p, t->pos, "empty tag: want a name");
	type = container_type(t->sigil);
	if (type) {
		if (p->depth == MAX_NEST)
			return perr(p, t->pos, "sections nested too deeply "
				    "(more than %d)", MAX_NEST);
		o = &p->stack[++p->depth];
		memset(o, 0, sizeof(*o));
		o->type = type;
		if (type == N_SECTION || type == N_INVERTED) {
			o->name = split_name(nm, t->namelen, &o->nseg);
		} else {
			o->name = xmalloc(t->namelen + 1);
			memcpy(o->name, nm, t->namelen);
			o->name[t->namelen] = '\0';
		}
		o->pos = t->pos;
		o->namepos = t->name;
		o->namelen = t->namelen;
		o->standalone = standalone;
		o->ind = ind;
		o->indlen = indlen;
		return 0;
	}
	if (t->sigil == '/') {
		int line, col;

		o = &p->stack[p->depth];
		if (p->depth == 0)
			return perr(p, t->pos, "closing tag '%.*s' without an "
				    "opening tag", (int)t->namelen, nm);
		if (o->namelen != t->namelen ||
		    memcmp(p->src + o->namepos, nm, t->namelen) != 0) {
			position(p->src, o->pos, &line, &col);
			return perr(p, t->pos, "closing tag '%.*s' does not "
				    "match %s '%.*s' opened at %d:%d",
				    (int)t->namelen, nm, sigil_what(o->type),
				    (int)o->namelen, p->src + o->namepos,
				    line, col);
		}
		p->depth--;
		n = add_node(p, o->type);
		n->name = o->name;
		n->nseg = o->nseg;
		n->kids = o->kids;
		n->nkids = o->n;
		n->ind = o->ind;
		n->indlen = o->indlen;
		if (o->type == N_BLOCK)
			block_indents(n, o);
		return 0;
	}
	n = add_node(p, t->sigil == '>' ? N_PARTIAL :
		     t->sigil == '{' || t->sigil == '&' ? N_RAW : N_VAR);
	if (n->type == N_PARTIAL) {
		n->name = xmalloc(t->namelen + 1);
		memcpy(n->name, nm, t->namelen);
		n->name[t->namelen] = '\0';
		if (standalone) {
			n->ind = ind;
			n->indlen = indlen;
		}
	} else {
		n->name = split_name(nm, t->namelen, &n->nseg);
	}
	return 0;
}

static int
parse(struct parser *p)
{
	size_t pos = 0, end, ls = 0, i;
	int bol = 1, first;
	const char *nlnext = NULL;	/* the next newline, cached */
	struct tag t;

	while (pos < p->len) {
		if (bol && line_standalone(p, pos, &end)) {
			size_t ws = pos;

			while (is_space_char(p->src[pos]))
				pos++;
			first = 1;
			for (;;) {
				while (pos < end && is_space_char(p->src[pos]))
					pos++;
				if (pos >= end || !at(p, pos, p->otag, p->olen))
					break;
				if (scan_tag(p, pos, p->olen, p->ctag,
					     p->clen, &t) < 0)
					return perr(p, pos, "unclosed tag: "
						    "no '%.*s' after it",
						    (int)p->clen, p->ctag);
				if (do_tag(p, &t, 1, p->src + ws,
					   first ? t.pos - ws : 0) < 0)
					return -1;
				first = 0;
				pos = t.end;
			}
			pos = end;
			ls = pos;
			bol = 1;
			continue;
		}
		if (at(p, pos, p->otag, p->olen)) {
			size_t n;

			if (scan_tag(p, pos, p->olen, p->ctag,
				     p->clen, &t) < 0)
				return perr(p, pos, "unclosed tag: no '%.*s' "
					    "after it", (int)p->clen, p->ctag);
			for (i = ls; i < pos && is_space_char(p->src[i]); i++)
				;
			n = i == pos ? pos - ls : 0;
			if (do_tag(p, &t, 0, p->src + ls, n) < 0)
				return -1;
			pos = t.end;
			bol = 0;
			continue;
		}
		/* text up to the next tag or through the next newline */
		if (!nlnext || nlnext < p->src + pos)
			nlnext = memchr(p->src + pos, '\n', p->len - pos);
		if (!nlnext)
			nlnext = p->src + p->len;	/* none left */
		{
			const char *nl = nlnext < p->src + p->len ? nlnext :
				NULL;
			size_t lim = nl ? (size_t)(nl - p->src) + 1 : p->len;
			/* only this line: the parse stays linear */
			const char *tg = find_bytes(p->src + pos, lim - pos,
					      p->otag, p->olen);
			size_t stop = p->len;
			int newline = 0;

			if (nl && (!tg || nl < tg)) {
				stop = (size_t)(nl - p->src) + 1;
				newline = 1;
			} else if (tg) {
				stop = (size_t)(tg - p->src);
			}
			add_text_node(p, pos, stop, pos == ls);
			pos = stop;
			bol = newline;
			if (newline)
				ls = pos;
		}
	}
	if (p->depth > 0) {
		struct open *o = &p->stack[p->depth];

		return perr(p, o->pos, "unclosed %s '%.*s'",
			    sigil_what(o->type), (int)o->namelen,
			    p->src + o->namepos);
	}
	return 0;
}

struct tmpl *
tmpl_new(const char *name, const char *src, size_t len)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));
	struct parser p;
	int i;

	t->name = xstrdup(name);
	t->src = xmalloc(len + 1);
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->len = len;
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.src = t->src;
	p.len = len;
	p.otag = "{{";
	p.ctag = "}}";
	p.olen = p.clen = 2;
	p.stack[0].type = N_ROOT;
	if (parse(&p) < 0) {
		for (i = p.depth; i >= 0; i--) {
			nodes_free(p.stack[i].kids, p.stack[i].n);
			free(p.stack[i].name);
		}
		free(t->src);
		free(t->name);
		free(t);
		return NULL;
	}
	t->root.type = N_ROOT;
	t->root.kids = p.stack[0].kids;
	t->root.nkids = p.stack[0].n;
	return t;
}

void
tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	node_release(&t->root);
	free(t->src);
	free(t->name);
	free(t);
}

const char *
tmpl_name(const struct tmpl *t)
{
	return t->name;
}

/* ---- rendering ---- */

struct ovr {
	const struct node *parent;	/* its block children override */
	const struct ovr *next;		/* pushed earlier */
};

struct rs {
	struct strbuf *out;
	struct tmpl_set *set;
	const json_t **ctx;
	size_t nctx, cap;
	struct strbuf ind;	/* indentation; the current one is a prefix */
	int pending;		/* output is at a line start */
	int depth;
};

void
tmpl_escape_html(struct strbuf *out, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *rep;

	sb_grow(out, n);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		sb_add(out, s + run, i - run);
		sb_adds(out, rep);
		run = i + 1;
	}
	sb_add(out, s + run, n - run);
}

static void
flush_indent(struct rs *rs, size_t ilen)
{
	if (rs->pending && ilen)
		sb_add(rs->out, rs->ind.buf, ilen);
	rs->pending = 0;
}

static int
falsy(const json_t *v)
{
	return !v || json_is_null(v) || json_is_false(v) ||
		(json_is_array(v) && json_array_size(v) == 0) ||
		(json_is_string(v) && json_string_length(v) == 0);
}

static const json_t *
lookup(const struct rs *rs, const struct node *n)
{
	const json_t *v = NULL;
	const char *seg = n->name;
	size_t i;
	int k;

	if (n->nseg == 0)
		return rs->nctx ? rs->ctx[rs->nctx - 1] : NULL;
	for (i = rs->nctx; i-- > 0;) {
		if (json_is_object(rs->ctx[i])) {
			v = json_object_get(rs->ctx[i], seg);
			if (v)
				break;
		}
	}
	for (k = 1; v && k < n->nseg; k++) {
		seg += strlen(seg) + 1;
		v = json_is_object(v) ? json_object_get(v, seg) : NULL;
	}
	return v;
}

/*
 * The shortest %g form of x that reads back as x. Any decimal of 15
 * digits or fewer survives a trip through a double, so when 15 digits read
 * back, %g's trimming of zeros has already made the shortest form.
 */
static void
add_real(struct strbuf *out, double x)
{
	char buf[64];
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	sb_adds(out, buf);
}

static void
add_int(struct strbuf *out, json_int_t i)
{
	char buf[32], *p = buf + sizeof(buf);
	unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i :
		(unsigned long long)i;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (i < 0)
		*--p = '-';
	sb_add(out, p, (size_t)(buf + sizeof(buf) - p));
}

static void
put_value(struct rs *rs, const json_t *v, int escape, size_t ilen)
{
	const char *s;
	size_t before;

	if (!v)
		return;
	before = rs->out->len;
	if (rs->pending && ilen && !json_is_null(v) && !json_is_array(v) &&
	    !json_is_object(v) &&
	    !(json_is_string(v) && json_string_length(v) == 0))
		flush_indent(rs, ilen);
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		if (escape)
			tmpl_escape_html(rs->out, s, json_string_length(v));
		else
			sb_add(rs->out, s, json_string_length(v));
		break;
	case JSON_INTEGER:
		add_int(rs->out, json_integer_value(v));
		break;
	case JSON_REAL:
		add_real(rs->out, json_real_value(v));
		break;
	case JSON_TRUE:
		sb_adds(rs->out, "true");
		break;
	case JSON_FALSE:
		sb_adds(rs->out, "false");
		break;
	default:
		break;
	}
	if (rs->out->len > before)
		rs->pending = 0;
}

static void
push_context(struct rs *rs, const json_t *v)
{
	if (rs->nctx == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 16;
		rs->ctx = xreallocarray(rs->ctx, rs->cap, sizeof(*rs->ctx));
	}
	rs->ctx[rs->nctx++] = v;
}

static int lookup_set(struct tmpl_set *set, const char *name,
		      const struct tmpl **t);

/* Set the indentation to the first ilen bytes plus x less strip. */
static size_t
indent_to(struct rs *rs, size_t ilen, const char *x, size_t xlen,
	  const char *strip, size_t slen)
{
	/* memcmp must not see a NULL pointer, even for 0 bytes */
	if (slen == 0) {
		/* nothing to strip */
	} else if (xlen >= slen && memcmp(x, strip, slen) == 0) {
		x += slen;
		xlen -= slen;
	} else if (xlen > 0 && xlen < slen && memcmp(x, strip, xlen) == 0) {
		xlen = 0;
	}
	rs->ind.len = ilen;
	sb_add(&rs->ind, x, xlen);
	return ilen + xlen;
}

static int
render(struct rs *rs, const struct node *kids, size_t nkids, size_t ilen,
       const char *strip, size_t slen, const struct ovr *ovr)
{
	const struct node *n;
	const struct tmpl *t;
	const json_t *v;
	size_t i, j, k, nl;
	int r = 0;

	if (++rs->depth > MAX_DEPTH) {
		rs->depth--;
		return error("template expansion nested too deeply (more "
			     "than %d levels): a partial that includes "
			     "itself?", MAX_DEPTH);
	}
	for (i = 0; i < nkids && r == 0; i++) {
		n = &kids[i];
		switch (n->type) {
		case N_TEXT: {
			const char *s = n->text;
			size_t len = n->len;

			if (n->bol && slen) {
				for (k = 0; k < slen && k < len &&
				     s[k] == strip[k]; k++)
					;
				s += k;
				len -= k;
			}
			if (!len)
				break;
			flush_indent(rs, ilen);
			sb_add(rs->out, s, len);
			rs->pending = s[len - 1] == '\n';
			break;
		}
		case N_VAR:
		case N_RAW:
			put_value(rs, lookup(rs, n), n->type == N_VAR, ilen);
			break;
		case N_SECTION:
			v = lookup(rs, n);
			if (falsy(v))
				break;
			if (json_is_array(v)) {
				for (j = 0; j < json_array_size(v) && !r;
				     j++) {
					push_context(rs, json_array_get(v, j));
					r = render(rs, n->kids, n->nkids, ilen,
						   strip, slen, ovr);
					rs->nctx--;
				}
			} else {
				push_context(rs, v);
				r = render(rs, n->kids, n->nkids, ilen, strip,
					   slen, ovr);
				rs->nctx--;
			}
			break;
		case N_INVERTED:
			if (falsy(lookup(rs, n)))
				r = render(rs, n->kids, n->nkids, ilen, strip,
					   slen, ovr);
			break;
		case N_PARTIAL:
		case N_PARENT: {
			struct ovr o;

			r = lookup_set(rs->set, n->name, &t);
			if (r < 0 || !t)
				break;
			o.parent = n;
			o.next = ovr;
			nl = indent_to(rs, ilen, n->ind, n->indlen, strip,
				       slen);
			r = render(rs, t->root.kids, t->root.nkids, nl, "", 0,
				   n->type == N_PARENT ? &o : ovr);
			rs->ind.len = ilen;
			break;
		}
		case N_BLOCK: {
			const struct node *body = n;
			const struct ovr *q;

			for (q = ovr; q; q = q->next) {
				for (j = 0; j < q->parent->nkids; j++) {
					const struct node *b =
						&q->parent->kids[j];

					if (b->type == N_BLOCK &&
					    strcmp(b->name, n->name) == 0)
						body = b;
				}
			}
			nl = indent_to(rs, ilen, n->ind, n->indlen, strip,
				       slen);
			r = render(rs, body->kids, body->nkids, nl, body->bind,
				   body->bindlen, ovr);
			rs->ind.len = ilen;
			break;
		}
		}
	}
	rs->depth--;
	return r;
}

int
tmpl_render(const struct tmpl *t, struct tmpl_set *set, const json_t *data,
	    struct strbuf *out)
{
	struct rs rs;
	int r;

	memset(&rs, 0, sizeof(rs));
	rs.out = out;
	rs.set = set;
	rs.pending = 1;
	sb_grow(&rs.ind, 64);
	if (data)
		push_context(&rs, data);
	sb_grow(out, t->len);
	out->buf[out->len] = '\0';	/* sb_grow leaves it unterminated */
	r = render(&rs, t->root.kids, t->root.nkids, 0, "", 0, NULL);
	free(rs.ctx);
	sb_release(&rs.ind);
	return r;
}

/* ---- the set of named templates ---- */

struct tmpl_set *
tmpl_set_new(char *(*load)(void *arg, const char *name, size_t *len),
	     void *arg)
{
	struct tmpl_set *set = xcalloc(1, sizeof(*set));

	set->load = load;
	set->arg = arg;
	pthread_mutex_init(&set->lock, NULL);
	return set;
}

void
tmpl_set_free(struct tmpl_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->ent[i].name);
		tmpl_free(set->ent[i].t);
	}
	free(set->ent);
	pthread_mutex_destroy(&set->lock);
	free(set);
}

static struct set_entry *
set_entry(struct tmpl_set *set, const char *name)
{
	struct set_entry *e;
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->ent[i].name, name) == 0)
			return &set->ent[i];
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 8;
		set->ent = xreallocarray(set->ent, set->cap, sizeof(*set->ent));
	}
	e = &set->ent[set->n++];
	e->name = xstrdup(name);
	e->t = NULL;
	e->broken = 0;
	e->loaded = 0;
	return e;
}

struct tmpl *
tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
	     size_t len)
{
	struct tmpl *t = tmpl_new(name, src, len);
	struct set_entry *e;

	if (!t)
		return NULL;
	pthread_mutex_lock(&set->lock);
	e = set_entry(set, name);
	tmpl_free(e->t);
	e->t = t;
	e->broken = 0;
	e->loaded = 1;
	pthread_mutex_unlock(&set->lock);
	return t;
}

/* 0 with *t (NULL when missing), or -1 when it does not parse. */
static int
lookup_locked(struct tmpl_set *set, const char *name, const struct tmpl **t)
{
	struct set_entry *e;
	size_t len = 0;
	char *src;

	*t = NULL;
	if (!set)
		return 0;
	e = set_entry(set, name);
	if (e->loaded) {
		*t = e->t;
		if (e->broken)
			return error("template '%s' does not parse", name);
		return 0;
	}
	e->loaded = 1;
	src = set->load ? set->load(set->arg, name, &len) : NULL;
	if (!src)
		return 0;
	e->t = tmpl_new(name, src, len);
	free(src);
	if (!e->t) {
		e->broken = 1;
		return -1;
	}
	*t = e->t;
	return 0;
}

static int
lookup_set(struct tmpl_set *set, const char *name, const struct tmpl **t)
{
	int rc;

	if (!set) {
		*t = NULL;
		return 0;
	}
	pthread_mutex_lock(&set->lock);
	rc = lookup_locked(set, name, t);
	pthread_mutex_unlock(&set->lock);
	return rc;
}

struct tmpl *
tmpl_set_get(struct tmpl_set *set, const char *name)
{
	const struct tmpl *t;

	if (lookup_set(set, name, &t) < 0)
		return NULL;
	return (struct tmpl *)t;
}
