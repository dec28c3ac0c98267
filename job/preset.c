/*
 * preset.c - "extends": read a config's chain of presets and merge it;
 * see preset.h.
 *
 * The chain is read from the config outwards (the config, its preset, the
 * preset's preset, ...) and merged from the far end inwards, so a nearer
 * file wins. Each file is named by a root folder and a path below it: the
 * config's own folder, or the presets folder. A preset named by a file
 * is looked for below that file's root, next to that file, first; then in
 * the presets folder. Files are told apart by device and inode, so a
 * cycle through two names of one file is still a cycle.
 */
#include "job/preset.h"
#include "job/field.h"
#include "job/schema.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One file of the chain. */
struct node {
	const char *root;	/* the folder rel is below; NULL: rel a path */
	const char *root_shown;	/* its name in messages ("" for none) */
	char *rel;
	char *shown;
	dev_t dev;
	ino_t ino;
};

struct chain {
	struct node nodes[PRESET_DEPTH + 1];
	int n;
	const struct preset_opts *o;
	const char *file;	/* the config's name, first on every line */
	size_t bytes;		/* read from presets so far */
	struct strbuf *problems;
};

void
preset_merge(json_t *base, const json_t *over)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)over, key, v) {
		json_t *b = json_object_get(base, key);

		if (json_is_object(b) && json_is_object(v)) {
			preset_merge(b, v);
			continue;
		}
		if (json_object_set_new(base, key, json_deep_copy(v)) < 0)
			die_oom();
	}
}

/* "a -> b -> c" of the chain's files, plus last when not NULL. */
static char *
chain_text(const struct chain *ch, const char *last)
{
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < ch->n; i++)
		sb_addf(&sb, "%s%s", i ? " -> " : "", ch->nodes[i].shown);
	if (last)
		sb_addf(&sb, " -> %s", last);
	return sb_detach(&sb, NULL);
}

/* Report msg (freed here) with the chain that led to it. */
static void
problem(struct chain *ch, char *msg)
{
	char *chain = chain_text(ch, NULL);

	sb_addf(ch->problems, "%s: extends: %s", ch->file, msg);
	free(msg);
	if (ch->n > 1)
		sb_addf(ch->problems, " (in %s)", chain);
	sb_addc(ch->problems, '\n');
	free(chain);
}

/* The folder part of rel ("" when none), a new string. */
static char *
dir_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *d = slash ? strndup(rel, (size_t)(slash - rel + 1)) :
		  xstrdup("");

	if (!d)
		die_oom();
	return d;
}

/*
 * Open root/rel as the chain reads: confined, beneath root without a
 * link; else as any program. The descriptor or -1 with errno set.
 */
static int
open_candidate(const struct chain *ch, const char *root, const char *rel)
{
	int fd, rfd, saved;
	char *p;

	if (!ch->o || !ch->o->confined) {
		p = root && rel[0] != '/' ? path_join(root, rel) :
		    xstrdup(rel);
		fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		free(p);
		return fd;
	}
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	fd = path_open_nofollow(rfd, rel);
	saved = errno;
	close(rfd);
	errno = saved;
	return fd;
}

/*
 * Read and parse the file open as fd (named shown). A new reference, or
 * NULL with the problem reported.
 */
static json_t *
read_preset(struct chain *ch, int fd, const char *shown, struct stat *st)
{
	char err[512];
	char *buf;
	size_t len;
	json_t *v;

	if (fstat(fd, st) < 0) {
		problem(ch, xasprintf("cannot stat '%s': %s", shown,
				      strerror(errno)));
		return NULL;
	}
	if (!S_ISREG(st->st_mode)) {
		problem(ch, xasprintf("'%s' is not a regular file%s", shown,
				      S_ISDIR(st->st_mode) ? " (a folder)" :
				      ""));
		return NULL;
	}
	if (st->st_size > CONFIG_MAX_BYTES) {
		problem(ch, xasprintf("'%s' is too large: a preset may have "
				      "at most %d bytes", shown,
				      CONFIG_MAX_BYTES));
		return NULL;
	}
	buf = file_read_fd(fd, shown, &len, CONFIG_MAX_BYTES);
	if (buf)
		ch->bytes += len;
	if (!buf) {
		problem(ch, xasprintf("cannot read '%s': %s", shown,
				      error_last()));
		return NULL;
	}
	v = json_load_buf(shown, buf, len, err, sizeof err);
	free(buf);
	if (!v) {
		sb_addf(ch->problems, "%s (a preset of %s)\n", err, ch->file);
		return NULL;
	}
	if (!json_is_object(v)) {
		problem(ch, xasprintf("'%s' must hold a JSON object, as a "
				      "config does", shown));
		json_decref(v);
		return NULL;
	}
	return v;
}

/*
 * Push the preset v read from the candidate (root, rel, shown; st its
 * status) onto the chain, unless it closes a cycle or the chain is full
 * (reported). 1 pushed (rel and shown are the node's now), 0 not.
 */
static int
push_node(struct chain *ch, const char *root, const char *root_shown,
	  char **rel, char **shown, const struct stat *st)
{
	struct node *nd = &ch->nodes[ch->n];
	const char *why = NULL;
	char *c;

	for (int k = 0; k < ch->n && !why; k++)
		if (ch->nodes[k].dev == st->st_dev &&
		    ch->nodes[k].ino == st->st_ino)
			why = "a cycle";
	if (!why && ch->n == PRESET_DEPTH + 1)
		why = "more than " PRESET_DEPTH_TEXT " presets deep";
	if (!why && ch->bytes > CONFIG_MAX_BYTES)
		why = "its presets hold more than 1 MiB in all";
	if (why) {
		c = chain_text(ch, *shown);
		sb_addf(ch->problems, "%s: extends: %s: %s\n", ch->file, why,
			c);
		free(c);
		return 0;
	}
	nd->root = root;
	nd->root_shown = root_shown;
	nd->rel = *rel;
	nd->shown = *shown;
	nd->dev = st->st_dev;
	nd->ino = st->st_ino;
	*rel = NULL;
	*shown = NULL;
	ch->n++;
	return 1;
}

/* Where the preset name, named by the chain's last file, may be. */
struct candidate {
	const char *root, *root_shown;
	char *rel;
};

static int
candidates(const struct chain *ch, const char *name, struct candidate *cand)
{
	const struct preset_opts *o = ch->o;
	const struct node *from = &ch->nodes[ch->n - 1];
	int n = 0;

	/*
	 * Beside the file that names it; but the runner never looks beside
	 * a config in incoming/, where anyone may drop a file of that name
	 * for someone else's config to extend.
	 */
	if (!(o && o->confined && ch->n == 1)) {
		char *d = dir_of(from->rel);

		cand[n].root = from->root;
		cand[n].root_shown = from->root_shown;
		cand[n++].rel = name[0] == '/' ? xstrdup(name) :
				xasprintf("%s%s", d, name);
		free(d);
	}
	if (o && o->presets && name[0] != '/') {
		cand[n].root = o->presets;
		cand[n].root_shown = o->presets_shown;
		cand[n++].rel = xstrdup(name);
		if (strncmp(name, "presets/", 8) == 0 && name[8]) {
			cand[n].root = o->presets;
			cand[n].root_shown = o->presets_shown;
			cand[n++].rel = xstrdup(name + 8);
		}
	}
	return n;
}

/*
 * Find and read the preset name, named by the chain's last file. On
 * success the new node is pushed and the document returned (a new
 * reference); NULL with the problem reported. A candidate that is the
 * naming file itself is passed over (a config named like the preset it
 * extends means the preset).
 */
static json_t *
find_preset(struct chain *ch, const char *name)
{
	const struct preset_opts *o = ch->o;
	const struct node *from = &ch->nodes[ch->n - 1];
	struct strbuf looked = STRBUF_INIT;
	struct candidate cand[3];
	int ncand, found = 0, self = 0;
	json_t *v = NULL;

	if (o && o->confined && !path_is_below(name)) {
		problem(ch, xasprintf("'%s' must be a relative path below %s/, "
				      "without '..'", name, o->presets_shown ?
				      o->presets_shown : "presets"));
		return NULL;
	}
	ncand = candidates(ch, name, cand);
	for (int i = 0; i < ncand && !found; i++) {
		char *shown = cand[i].root && cand[i].rel[0] != '/' &&
			      cand[i].root_shown[0] ?
			      xasprintf("%s/%s", cand[i].root_shown,
					cand[i].rel) : xstrdup(cand[i].rel);
		int fd = open_candidate(ch, cand[i].root, cand[i].rel);
		struct stat st;

		if (fd >= 0 && fstat(fd, &st) == 0 &&
		    st.st_dev == from->dev && st.st_ino == from->ino) {
			self = 1;
		} else if (fd >= 0) {
			found = 1;
			v = read_preset(ch, fd, shown, &st);
			if (v && !push_node(ch, cand[i].root,
					    cand[i].root_shown, &cand[i].rel,
					    &shown, &st)) {
				json_decref(v);
				v = NULL;
			}
		} else if (errno == ENOENT) {
			char *q = xasprintf("'%s'", shown);

			if (!strstr(sb_str(&looked), q))
				sb_addf(&looked, "%s%s", looked.len ? ", " :
					"", q);
			free(q);
		} else if (o && o->confined && (errno == ELOOP ||
			   errno == ENOTDIR || errno == EXDEV)) {
			found = 1;
			problem(ch, xasprintf("'%s': a symbolic link, '..' or "
					      "a file where a folder should "
					      "be is on the way; a preset in "
					      "the spool must be a plain file "
					      "in plain folders", shown));
		} else {
			found = 1;
			problem(ch, xasprintf("cannot open '%s': %s", shown,
					      strerror(errno)));
		}
		if (fd >= 0)
			close(fd);
		free(shown);
	}
	if (!found && self) {
		char *c = chain_text(ch, from->shown);

		sb_addf(ch->problems, "%s: extends: a cycle: %s\n", ch->file,
			c);
		free(c);
	} else if (!found) {
		problem(ch, xasprintf("cannot find the preset '%s' (looked "
				      "for %s)", name, sb_str(&looked)));
	}
	for (int i = 0; i < ncand; i++)
		free(cand[i].rel);
	sb_release(&looked);
	return v;
}

json_t *
preset_resolve(const json_t *root, const char *path, const char *shown,
	       const struct preset_opts *o, struct strbuf *problems)
{
	struct chain ch = { .o = o, .file = shown, .problems = problems };
	json_t *docs[PRESET_DEPTH + 2];
	int ndocs = 0, bad = 0;
	const char *slash = strrchr(path, '/');
	char *folder = slash ? strndup(path, (size_t)(slash - path)) :
		       xstrdup(".");
	const json_t *cur = root;
	char *shown_folder;
	json_t *out = NULL;
	struct stat st;

	if (!folder)
		die_oom();
	ch.nodes[0].root = folder;
	/* names below the config's folder are shown as the config is */
	{
		const char *ss = strrchr(shown, '/');

		shown_folder = ss ? strndup(shown, (size_t)(ss - shown)) :
			       xstrdup("");
		if (!shown_folder)
			die_oom();
	}
	ch.nodes[0].root_shown = shown_folder;
	ch.nodes[0].rel = xstrdup(slash ? slash + 1 : path);
	ch.nodes[0].shown = xstrdup(shown);
	/* the config itself, for a cycle back to it (when it is a file) */
	if (stat(path, &st) == 0) {
		ch.nodes[0].dev = st.st_dev;
		ch.nodes[0].ino = st.st_ino;
	}
	ch.n = 1;
	docs[ndocs++] = json_incref((json_t *)root);
	while (json_is_object(cur) && json_object_get(cur, "extends")) {
		const json_t *e = json_object_get(cur, "extends");
		const char *name = json_string_value(e);
		json_t *next;

		if (!name || !name[0] || strlen(name) > 4096) {
			char *c = chain_text(&ch, NULL);

			sb_addf(problems, "%s: extends: must be the file name "
				"of a preset (a string), got %s%s%s\n", shown,
				field_type_name(e), ch.n > 1 ? " in " : "",
				ch.n > 1 ? c : "");
			free(c);
			bad = 1;
			break;
		}
		next = find_preset(&ch, name);
		if (!next) {
			bad = 1;
			break;
		}
		docs[ndocs++] = next;
		cur = next;
	}
	if (!bad) {
		/* the far end first: nearer files win */
		out = json_deep_copy(docs[ndocs - 1]);
		if (!out)
			die_oom();
		json_object_del(out, "extends");
		for (int i = ndocs - 2; i >= 0; i--) {
			preset_merge(out, docs[i]);
			json_object_del(out, "extends");
		}
	}
	for (int i = 0; i < ndocs; i++)
		json_decref(docs[i]);
	for (int i = 0; i < ch.n; i++) {
		free(ch.nodes[i].rel);
		free(ch.nodes[i].shown);
	}
	free(folder);
	free(shown_folder);
	return out;
}
