/*
 * site.h - the static dashboard: every page, JSON file and feed of a spool.
 */
#ifndef SPOOLBOARD_SITE_H
#define SPOOLBOARD_SITE_H

/*
 * Render the spool at spool into the folder www with the templates in the
 * folder templates (layout, index, job *.mustache, style.css, live.js):
 * www/index.html, www/jobs.json, www/feed.xml, www/style.css, www/live.js
 * and for each job www/jobs/ID/index.html, data.json and files/ (hard
 * links, or copies across filesystems, of its downloads and checkpoints).
 * A queued job's view gets queue_pos and queue_len (oldest created first).
 * Only directory entries named [A-Za-z0-9._-]{1,64} are read. Every file is
 * written with file_update, so a file whose bytes do not change keeps its
 * mtime. A job whose state.json cannot be read is warned about and shown
 * from its last good render (its data.json in www), or left out when it
 * has none. 0, or -1 after error() when a template or a write fails.
 */
int site_render_all(const char *spool, const char *www,
		    const char *templates);

#endif
