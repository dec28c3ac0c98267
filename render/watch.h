/*
 * watch.h - keep the static dashboard of a spool up to date with inotify.
 */
#ifndef SPOOLBOARD_WATCH_H
#define SPOOLBOARD_WATCH_H

/*
 * Render the site as o says (site_render_all), then watch SPOOL/jobs/,
 * every job folder (and its checkpoints/), SPOOL/rejected/, SPOOL/groups/
 * and every group's folder with inotify until SIGTERM or SIGINT.
 * A change is rendered 10 ms after it comes, or, when the previous
 * render began less than 200 ms before, 200 ms after that one, together
 * with every change since (coalesced); then the changed jobs (their
 * pages, data.json and files/; a removed job's folder in www/jobs is
 * removed), the pages of their groups (and of any group whose group.json
 * changed) and the shared pages are rendered again (site_render_ids).
 * When the kernel's event queue overflows, everything is rendered again.
 * A failed render is warned about and the watch goes on. 0 when ended by
 * a signal, -1 after error() when the first render or inotify fails.
 */
struct site_opts;
int watch_run(const struct site_opts *o);

#endif
