/*
 * site.h - the static dashboard: every page, JSON file and feed of a spool.
 */
#ifndef SPOOLBOARD_SITE_H
#define SPOOLBOARD_SITE_H

#include <stddef.h>

#include "lib/json.h"
#include "render/view.h"

/*
 * The file that marks a folder as a site this renderer made (its first
 * line says so): only in such a folder (or an empty one, which gets it)
 * does a render write or remove anything.
 */
#define SITE_MARKER ".spoolboard-site"

/* The render cache at the top of a site (site.c), private to renders. */
#define SITE_CACHE ".spoolboard-cache"

/* What to render, from where, with what. */
struct site_opts {
	const char *spool;	/* the spool folder */
	const char *www;	/* where the site goes */
	const char *templates;	/* *.mustache, style.css, live.js */
	struct view_opts view;	/* the log patterns of the job pages */
	int threads;		/* threads that make pages; 0: one per CPU */
	int defer_lists;	/* 1: jobs.json, jobs.csv and feed.xml are
				   left as they are (watch mode writes them
				   at most every few seconds) */
};

/*
 * Render the spool o->spool into the folder o->www with the templates in
 * o->templates (layout, index, row, job, group, compare *.mustache,
 * style.css, live.js, runs.js): www/index.html, www/jobs.json,
 * www/jobs.csv, www/feed.xml, www/compare.html, the assets, for each job
 * www/jobs/ID/index.html, data.json, compare.js and files/ (hard links,
 * or copies across filesystems, of its downloads and checkpoints), and
 * for each group of SPOOL/groups/ (group.h) www/groups/GID/index.html and
 * data.json (a group whose group.json cannot be read is warned about and
 * its pages left as they were; the pages of a group gone are removed).
 * A queued job's view gets queue_pos and queue_len (in the runner's
 * order: higher priority first, then older first).
 * Only directory entries named [A-Za-z0-9._-]{1,64} are read. Every file is
 * written with file_update, so a file whose bytes do not change keeps its
 * mtime. A job whose state.json cannot be read is warned about and shown
 * from its last good render (its data.json in www), or left out when it
 * has none. 0, or -1 after error() when a template or a write fails.
 */
int site_render_all(const struct site_opts *o);

/*
 * As site_render_all, but only the jobs named by the nwant IDs of want
 * (and every queued job, whose place in the queue may move) get their
 * page, data.json and files/ rewritten; the index, jobs.json, feed.xml and
 * assets are always written. The folder www/jobs/ID of a wanted ID whose
 * job is gone from the spool is removed. want NULL means every job (then
 * every folder in www/jobs without a job is removed): site_render_all.
 * cache, when not NULL, is a JSON object kept by the caller between
 * calls, of each job's entry by ID (its summary, index row and JSON; see
 * make_entry in site.c): the entries of jobs not wanted are taken from it
 * when there, and every entry freshly made is put in it (a gone job's is
 * taken out), so only the wanted jobs, and queued jobs whose place in the
 * queue moved, are read from the spool. Pass an empty object (or want NULL) to
 * read everything. Job pages are made by o->threads threads; only
 * summaries are kept in memory, not whole views. The cache also keeps the
 * groups (".groups") and which group each job is in (".members"): a job
 * whose group changed is read again, and a group's page is written when
 * its group.json changed or one of its members was read or is gone, from
 * the members' entries. 0, or -1 after error().
 */
int site_render_ids(const struct site_opts *o, char *const *want,
		    size_t nwant, json_t *cache);

#endif
