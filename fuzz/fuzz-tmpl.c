/*
 * fuzz-tmpl.c - the Mustache engine (render/tmpl.c). The input is a
 * template, then (after a line "@@") JSON data, then optionally a partial
 * that the template may include as {{> p}} or extend as {{< p}}.
 */
#include "fuzz.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "render/tmpl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3];
	size_t len[3];
	struct tmpl *t;
	struct tmpl_set *set;
	struct strbuf out = { 0 };
	json_t *root = NULL;
	char err[256];

	fz_dir();
	fz_split(data, size, part, len, 3);
	if (part[1])
		root = json_load_buf("data.json", (const char *)part[1],
				     len[1], err, sizeof(err));
	if (!root)
		root = json_object();
	t = tmpl_new("fuzz", (const char *)part[0], len[0]);
	if (t) {
		set = tmpl_set_new(NULL, NULL);
		if (part[2])
			tmpl_set_add(set, "p", (const char *)part[2], len[2]);
		tmpl_render(t, set, root, &out);
		tmpl_set_free(set);
		tmpl_free(t);
	}
	sb_release(&out);
	json_decref(root);
	return 0;
}
