/*
 * tmpl.h - Mustache templates over JSON values.
 *
 * A template is parsed once into a tree (tmpl_new) and rendered any number
 * of times (tmpl_render) against a json_t view model. The engine follows
 * the Mustache spec: variables, sections, inverted sections, comments, set
 * delimiters, partials ({{>name}}), and template inheritance (parents
 * {{<name}} with blocks {{$name}}), with the spec's standalone-line and
 * indentation rules. Lambdas are not supported.
 *
 *	struct tmpl_set *set = tmpl_set_new(my_loader, dir);
 *	struct tmpl *page = tmpl_set_get(set, "job");
 *	struct strbuf out = STRBUF_INIT;
 *	if (page && tmpl_render(page, set, model, &out) == 0)
 *		... out.buf ...
 *
 * Values: {{x}} looks x up in the context stack (innermost first); dotted
 * names a.b.c look up a, then b and c inside it; {{.}} is the current
 * value. Strings print as they are, integers in decimal, reals in the
 * shortest form that reads back the same (1.5, 3), true/false as words;
 * null, a missing name, arrays and objects print nothing. {{x}} escapes
 * HTML (tmpl_escape_html), {{{x}}} and {{&x}} do not. A section is skipped
 * for a missing name, null, false, "" and []; an array repeats it once per
 * element; any other value renders it once with the value pushed.
 *
 * Ownership: a struct tmpl belongs to whoever made it with tmpl_new (freed
 * with tmpl_free) or to the struct tmpl_set that returned it. The json_t
 * passed to tmpl_render is only borrowed.
 */
#ifndef SPOOLBOARD_TMPL_H
#define SPOOLBOARD_TMPL_H

#include "lib/json.h"
#include "lib/strbuf.h"

#include <stddef.h>

struct tmpl;
struct tmpl_set;

/*
 * Parse the template src (len bytes, need not be NUL-terminated). name is
 * used in messages: a syntax error is reported with error() as
 * "NAME:LINE:COL: message" (an unclosed tag, a section closed by the wrong
 * name, a closing tag without an opening one, bad set-delimiters, an empty
 * tag, nesting deeper than 256) and NULL is returned. The caller frees the
 * result with tmpl_free.
 */
struct tmpl *tmpl_new(const char *name, const char *src, size_t len);

void tmpl_free(struct tmpl *t);

/* The name given to tmpl_new (borrowed). */
const char *tmpl_name(const struct tmpl *t);

/*
 * Append t rendered against data to out. Partials and parents are taken
 * from set (may be NULL: then every partial is missing); a missing partial
 * or parent renders as empty text, as the spec says. Returns 0, or -1 after
 * error() when a partial fails to parse or expansion nests deeper than
 * 1000 levels (a partial that includes itself without end); out then holds
 * what was rendered so far. t is not changed, so one parsed template may be
 * rendered many times (but not from two threads with one set at once).
 */
int tmpl_render(const struct tmpl *t, struct tmpl_set *set,
		const json_t *data, struct strbuf *out);

/*
 * Append s (n bytes) to out with & < > " ' replaced by &amp; &lt; &gt;
 * &quot; &#39;, safe in element content and in quoted attributes. The one
 * HTML escaping function of the project.
 */
void tmpl_escape_html(struct strbuf *out, const char *s, size_t n);

/*
 * A loader returns the source of the template called name as a new
 * malloc'd buffer (the caller frees it) and its length in *len, or NULL
 * when there is no such template (not an error: nothing is printed).
 * load may be NULL: only templates given to tmpl_set_add exist.
 */
struct tmpl_set *tmpl_set_new(char *(*load)(void *arg, const char *name,
					    size_t *len),
			      void *arg);

/*
 * A set may be shared by threads rendering at once (its cache is locked);
 * tmpl_set_add must not replace a template another thread is rendering.
 */

/* Free the set and every template it parsed. */
void tmpl_set_free(struct tmpl_set *set);

/*
 * The parsed template called name, loaded and parsed on first use and
 * cached. NULL when the loader has no such template, or after error() when
 * it does not parse (both are remembered; the loader is not asked again).
 * The set owns the result.
 */
struct tmpl *tmpl_set_get(struct tmpl_set *set, const char *name);

/*
 * Parse src (len bytes) as the template called name and keep it in the
 * set, in place of the loader's and of any earlier one of that name
 * (pointers to which become invalid). The set owns the result; NULL after
 * error() when src does not parse (the set is then unchanged).
 */
struct tmpl *tmpl_set_add(struct tmpl_set *set, const char *name,
			  const char *src, size_t len);

#endif
