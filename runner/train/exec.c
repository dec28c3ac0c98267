/*
 * exec.c - the supervisor of an exec job's command; see exec.h and
 * docs/exec.md.
 *
 * One loop: poll(2) on the command's output pipe with a short timeout,
 * so that a stop signal (caught into run_stop_signal), the time limit,
 * the command's end (waitpid WNOHANG) and the state's bounded writes are
 * all looked at a few times a second. Output is cut into lines of at
 * most EXEC_LINE_MAX bytes; each is logged (up to EXEC_LOG_MAX bytes,
 * EXEC_LOG_TOTAL for the whole log.txt, then only the last
 * EXEC_TAIL_LINES are kept, for the log's end) and
 * matched against the metrics patterns.
 *
 * metrics.csv: epoch, seconds, the named groups of the patterns (in the
 * config's order, each once; not epoch and epochs), cpu_pct, rss_mb. A
 * "pairs" pattern's names come from the output: a name seen for the first
 * time becomes a column before cpu_pct, and the file is rewritten with an
 * empty field for it in the rows before (while it is under
 * EXEC_WIDEN_MAX).
 * Values matched are gathered into one pending row, written when a new
 * epoch is seen or a column would be set twice, so that "epoch 3 loss
 * 0.5" and a later "val_loss 0.6" make one row. A row without an epoch
 * takes the last one seen, else its own number.
 *
 * Ending: once the command has exited (or was stopped), what is left of
 * it (its process group, and any process reparented to us, the child
 * subreaper) gets SIGTERM, then SIGKILL after EXEC_GRACE, and is reaped;
 * the pipe is read until no writer is left.
 */
#include "runner/train/exec.h"
#include "job/state.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "lib/pattern.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define STATE_EVERY 1.0		/* seconds between state.json writes */
#define STATE_QUIET 5.0		/* ... when no line matched: resources */
#define POLL_MS 100
#define END_WAIT 5.0		/* seconds after SIGKILL before giving up:
				   EXEC_GRACE + END_WAIT is under the
				   runner's own grace (daemon.c KILL_GRACE) */
#define MATCH_BUDGET 0.2	/* seconds of pattern matching a drain */
#define MESSAGE_MAX 300		/* bytes of an output line in the error */
#define EXEC_TAIL_LINE_MAX 1024	/* bytes of a last line logged past the
				   log's cap */
#define EXEC_USAGE_EVERY 1.0	/* seconds between looks at /proc */
#define EXEC_PROC_MAX 65536	/* processes read from /proc */
#define EXEC_PROC_DEPTH 64	/* levels of the command's tree counted */

/* The thread variables of the libraries a command may use. */
static const char *const thread_vars[] = { "OMP_NUM_THREADS",
	"MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
	"VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS", NULL };

/* Lines that look like an error, for the message of a failed command. */
static const char error_re[] = "(?i)(traceback|error|exception|killed|"
	"fatal|panic|abort|segmentation fault|out of memory|cannot run)";

/* why the command was stopped; STOP_ORPHAN: our parent, the runner, died */
enum why_stop { STOP_NO, STOP_SIGNAL, STOP_TIME, STOP_ORPHAN };

/* A value a pattern matched: its name and text (both owned). */
struct hit {
	char *name;
	char *text;
};

struct exec {
	struct run *r;
	struct pattern **pats;	/* one per metrics pattern */
	char **vals;		/* a match's group values (scratch) */
	struct hit *hits;	/* a line's values (scratch) */
	int matched;		/* the last pattern matched the line */
	size_t maxgroups;
	char **cols;		/* metrics.csv columns after epoch, seconds */
	size_t ncols;
	double *row;		/* the pending row (NAN: unset) */
	int row_set;		/* some column of it is set */
	double row_epoch;	/* its epoch; NAN: none yet */
	double last_epoch;	/* the last epoch seen; NAN: none */
	long counter;		/* rows numbered without an epoch */
	long rows;		/* rows written */
	long csv_bytes;		/* metrics.csv's size */
	long widened;		/* bytes written by metrics_widen */
	int widen_note;		/* the log said a name could not be added */
	int epochs;		/* the total the command printed; 0 none */
	double best_val;
	int logfd;
	long logged;		/* bytes of output in log.txt */
	long log_cap;		/* what this run may add to it */
	int stage_changes;
	long cut_lines;		/* lines past the cap */
	long cut_bytes;
	char *tail[EXEC_TAIL_LINES];	/* the last lines, a ring */
	size_t tail_n, tail_at;
	struct strbuf line;	/* the line being read */
	int skipping;		/* past EXEC_LINE_MAX in this line */
	long long_lines;	/* lines cut at EXEC_LINE_MAX */
	double match_left;	/* seconds of matching left this drain */
	long unmatched;		/* lines logged but not matched */
	int group_gone;		/* the command's group found empty */
	struct pattern *errpat;
	pid_t pid;		/* the command; also its process group */
	int status;		/* its wait status, once reaped */
	int reaped;
	enum why_stop why;
	int sig;		/* the signal that stopped it */
	pid_t parent;		/* our parent when the runner's death is
				   to stop us (see runner_death); else 0 */
	double stop_at;		/* monotonic: SIGTERM sent; 0 none */
	int killed;		/* SIGKILL sent */
	int late;		/* the stop signal came after the command
				   ended (signalled) */
	double t0;		/* monotonic start of the command */
	double last_write;
	int dirty;		/* the state changed since it was written */
	double cpu_prev, cpu_wall;	/* for cpu_pct */
	double cpu_pct, rss;
};

/* ---- the environment ----------------------------------------------- */

/* Set "NAME=value" kv in env (n entries, room for one more and NULL). */
static void
env_set(char ***env, size_t *n, char *kv)
{
	size_t len = strcspn(kv, "=") + 1;

	for (size_t i = 0; i < *n; i++)
		if (strncmp((*env)[i], kv, len) == 0) {
			free((*env)[i]);
			(*env)[i] = kv;
			return;
		}
	*env = xreallocarray(*env, *n + 2, sizeof(**env));
	(*env)[(*n)++] = kv;
	(*env)[*n] = NULL;
}

/*
 * The newest regular file (by mtime, then name) directly in the folder
 * dir whose name is name_is_safe, as dir/NAME; NULL when there is none.
 * Links are not followed; at most EXEC_RESUME_SCAN entries are read.
 */
static char *
newest_file(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	struct timespec best = { 0, 0 };
	char *name = NULL, *path;
	int left = EXEC_RESUME_SCAN;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (left-- > 0 && (e = readdir(d))) {
		struct stat st;

		if (!name_is_safe(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!name || st.st_mtim.tv_sec > best.tv_sec ||
		    (st.st_mtim.tv_sec == best.tv_sec &&
		     (st.st_mtim.tv_nsec > best.tv_nsec ||
		      (st.st_mtim.tv_nsec == best.tv_nsec &&
		       strcmp(e->d_name, name) > 0)))) {
			free(name);
			name = xstrdup(e->d_name);
			best = st.st_mtim;
		}
	}
	closedir(d);
	if (!name)
		return NULL;
	path = path_join(dir, name);
	free(name);
	return path;
}

/*
 * The command's environment: ours, PYTHONUNBUFFERED=1 (output is read
 * as it comes), the config's env, then what the job decides: its ID,
 * folders and threads. A new NULL-terminated list.
 */
static char **
make_env(const struct run *r, const char *jobdir, const char *root,
	 int threads)
{
	const struct config *cfg = &r->cfg;
	char **env = xcalloc(1, sizeof(*env));
	size_t n = 0;
	const char *id = json_str(r->jf.state, "id", "");

	/* the job's SPOOLBOARD_ variables are its own, never inherited */
	for (char **e = environ; e && *e; e++)
		if (strchr(*e, '=') && strncmp(*e, "SPOOLBOARD_", 11) != 0)
			env_set(&env, &n, xstrdup(*e));
	env_set(&env, &n, xstrdup("PYTHONUNBUFFERED=1"));
	for (size_t i = 0; i < cfg->exec.nenv; i++)
		env_set(&env, &n, xstrdup(cfg->exec.env[i]));
	env_set(&env, &n, xasprintf("SPOOLBOARD_JOB_ID=%s", id));
	env_set(&env, &n, xasprintf("SPOOLBOARD_JOB_DIR=%s", jobdir));
	env_set(&env, &n, xasprintf("SPOOLBOARD_ARTIFACTS=%s/%s", jobdir,
				    JOB_ARTIFACTS));
	env_set(&env, &n, xasprintf("SPOOLBOARD_CHECKPOINT_DIR=%s/%s", jobdir,
				    JOB_CHECKPOINTS));
	{
		/* a run again (retry, restart): where the last one got to */
		char *ck = path_join(jobdir, JOB_CHECKPOINTS);
		char *last = newest_file(ck);

		if (last)
			env_set(&env, &n, xasprintf(
				"SPOOLBOARD_RESUME_FROM=%s", last));
		free(last);
		free(ck);
	}
	env_set(&env, &n, xasprintf("SPOOLBOARD_DATA_ROOT=%s", root));
	env_set(&env, &n, xasprintf("SPOOLBOARD_ATTEMPT=%lld",
		(long long)json_int(r->jf.state, "attempt", 1)));
	env_set(&env, &n, xasprintf("SPOOLBOARD_THREADS=%d", threads));
	for (size_t i = 0; thread_vars[i]; i++)
		env_set(&env, &n, xasprintf("%s=%d", thread_vars[i], threads));
	return env;
}

static void
env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

/* ---- processes ----------------------------------------------------- */

/*
 * In the child, between fork and exec: only async-signal-safe calls.
 * out is the pipe's write end, dirfd the workdir.
 */
static void
exec_in_child(const struct run *r, char **env, int out, int dirfd,
	      pid_t parent)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGUSR1, SIGPIPE,
		SIGHUP, SIGQUIT, SIGCHLD };
	char *const *argv = r->cfg.exec.argv;
	sigset_t none;
	int fd;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(126);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, 0);
	if (fchdir(dirfd) < 0)
		_exit(126);
	environ = env;
	execvp(argv[0], argv);
	{
		/* the words a failed run's message is made from */
		const char *e = strerror(errno);
		ssize_t rc = write(2, "spoolboard: cannot run '", 24);

		rc = write(2, argv[0], strlen(argv[0]));
		rc = write(2, "': ", 3);
		rc = write(2, e, strlen(e));
		rc = write(2, "\n", 1);
		(void)rc;
	}
	_exit(127);
}

/*
 * Read /proc/PID/stat into buf (n bytes): what follows the command's
 * name (its state, ppid, ...), or NULL when the process is gone.
 */
static const char *
proc_stat(pid_t pid, char *buf, size_t n)
{
	char path[64];
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got <= 0)
		return NULL;
	buf[got] = '\0';
	/* the name, in parentheses, may hold anything: the last ')' */
	buf = strrchr(buf, ')');
	return buf ? buf + 1 : NULL;
}

/* Read /proc/PID/stat: its ppid and process group. 0, or -1 gone. */
static int
proc_parent(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
	char buf[512];
	const char *p = proc_stat(pid, buf, sizeof(buf));
	int pp, pg;

	if (!p || sscanf(p, " %*c %d %d", &pp, &pg) != 2)
		return -1;
	*ppid = pp;
	*pgrp = pg;
	return 0;
}

/*
 * Send sig to what is left of the command: its process group and every
 * process that is our child (the command, or reparented to us) or in
 * that group. The number of processes found.
 */
static int
kill_rest(struct exec *x, int sig)
{
	pid_t me = getpid();
	DIR *d;
	struct dirent *e;
	int n = 0;

	/*
	 * The group's number is the command's pid: once the command is
	 * reaped and the group empty, the number may be another process's,
	 * so the group is never signalled again (while it has a member, its
	 * number is not given to a new process).
	 */
	if (!x->group_gone && x->reaped && kill(-x->pid, 0) < 0 &&
	    errno == ESRCH)
		x->group_gone = 1;
	if (!x->group_gone)
		kill(-x->pid, sig);
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		pid_t pid = (pid_t)atol(e->d_name), pp, pg;

		if (pid <= 0 || pid == me || proc_parent(pid, &pp, &pg) < 0)
			continue;
		if (pp == me || (!x->group_gone && pg == x->pid)) {
			kill(pid, sig);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* A process of /proc: its parent, CPU seconds and resident pages. */
struct proc {
	pid_t pid, ppid;
	double cpu;
	long rss;
};

/*
 * The processes of /proc (at most EXEC_PROC_MAX) into a new array, their
 * count in *n: each one's CPU seconds are its own and those of the
 * children it has waited for, so that a child's time is counted once,
 * alive or gone.
 */
static struct proc *
proc_list(size_t *n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct proc *ps = NULL;
	size_t cap = 0;
	double tick = (double)sysconf(_SC_CLK_TCK);

	*n = 0;
	while (d && (e = readdir(d)) && *n < EXEC_PROC_MAX) {
		char buf[1024];
		const char *p;
		unsigned long long ut, st, cut, cst;
		long pid = strtol(e->d_name, NULL, 10), ppid, rss;

		if (pid <= 0 || !(p = proc_stat((pid_t)pid, buf, sizeof(buf))))
			continue;
		/* state ppid ... utime stime cutime cstime ... rss */
		if (sscanf(p, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%llu %llu %llu %llu %*d %*d %*d %*d %*u %*u %ld",
			   &ppid, &ut, &st, &cut, &cst, &rss) != 6)
			continue;
		if (*n == cap)
			ps = xreallocarray(ps, cap = cap ? 2 * cap : 256,
					   sizeof(*ps));
		ps[(*n)++] = (struct proc){ (pid_t)pid, (pid_t)ppid,
			(double)(ut + st + cut + cst) / tick, rss };
	}
	if (d)
		closedir(d);
	return ps;
}

static int
proc_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct proc *)a)->pid;
	pid_t y = ((const struct proc *)b)->pid;

	return (x > y) - (x < y);
}

/*
 * CPU seconds and resident MiB of every process below this one: the
 * command and all it started, orphans included (this process is their
 * subreaper, so none leaves the tree), and those already reaped here.
 */
static void
tree_usage(double *cpu, double *rss)
{
	size_t n;
	struct proc *ps = proc_list(&n);
	char *in = xcalloc(n + 1, 1);
	long *up = xcalloc(n + 1, sizeof(*up));
	struct rusage ru;
	long pages = 0;
	int grew = 1;
	pid_t self = getpid();

	*cpu = 0;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		*cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	/* each one's parent, found by pid in the sorted list (-1: none) */
	if (n)
		qsort(ps, n, sizeof(*ps), proc_cmp);
	for (size_t i = 0; i < n; i++) {
		struct proc key = { .pid = ps[i].ppid };
		struct proc *p = n ? bsearch(&key, ps, n, sizeof(*ps),
					     proc_cmp) : NULL;

		up[i] = p ? p - ps : -1;
	}
	/* a process is in when its parent is us or is in: a pass a level */
	for (int pass = 0; grew && pass < EXEC_PROC_DEPTH; pass++) {
		grew = 0;
		for (size_t i = 0; i < n; i++)
			if (!in[i] && (ps[i].ppid == self ||
				       (up[i] >= 0 && in[up[i]])))
				in[i] = grew = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (in[i]) {
			*cpu += ps[i].cpu;
			pages += ps[i].rss;
		}
	*rss = (double)pages * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
	free(up);
	free(in);
	free(ps);
}

/*
 * cpu_pct and rss_mb of the command and every process it started, into
 * the state; at most once every EXEC_USAGE_EVERY seconds.
 */
static void
sample_usage(struct exec *x)
{
	double cpu, rss, now = time_mono();

	if (x->reaped || now - x->cpu_wall < EXEC_USAGE_EVERY)
		return;
	tree_usage(&cpu, &rss);
	if (x->cpu_wall > 0 && cpu >= x->cpu_prev)
		x->cpu_pct = 100.0 * (cpu - x->cpu_prev) / (now - x->cpu_wall);
	x->cpu_prev = cpu;
	x->cpu_wall = now;
	x->rss = rss;
	json_object_set_new(x->r->jf.state, "resources", json_pack(
		"{s:o,s:o}", "cpu_pct", json_num(x->cpu_pct), "rss_mb",
		json_num(x->rss)));
}

/* ---- metrics ------------------------------------------------------- */

static void
row_num(struct strbuf *sb, double v)
{
	if (isfinite(v))
		sb_addf(sb, ",%.9g", v);
	else
		sb_addf(sb, ",");
}

/* Names that are never a column of their own after seconds. */
static int
fixed_name(const char *name)
{
	static const char *const fixed[] = { "epoch", "epochs", "seconds",
		"cpu_pct", "rss_mb", NULL };

	for (size_t k = 0; fixed[k]; k++)
		if (strcmp(fixed[k], name) == 0)
			return 1;
	return 0;
}

/* Write line (with its '\n' added) to metrics.csv; header: as its first. */
static int
csv_line(struct exec *x, const struct strbuf *line, int header)
{
	if (jobfiles_metrics_line(&x->r->jf, sb_str(line), header) < 0)
		return -1;
	x->csv_bytes = (header ? 0 : x->csv_bytes) + (long)line->len + 1;
	return 0;
}

/* Write the pending row, if it has a value. */
static void
row_flush(struct exec *x)
{
	struct strbuf sb = STRBUF_INIT;
	double epoch;

	if (!x->row_set)
		goto out;
	sample_usage(x);
	epoch = isfinite(x->row_epoch) ? x->row_epoch :
		isfinite(x->last_epoch) ? x->last_epoch : (double)++x->counter;
	if (x->rows == EXEC_METRICS_ROWS)
		jobfiles_log(&x->r->jf, "metrics.csv has %d rows: the rows "
			     "matched from now on are not written",
			     EXEC_METRICS_ROWS);
	if (x->rows++ >= EXEC_METRICS_ROWS)
		goto out;
	sb_addf(&sb, "%.9g", epoch);
	row_num(&sb, time_mono() - x->t0);
	for (size_t i = 0; i < x->ncols; i++)
		row_num(&sb, x->row[i]);
	row_num(&sb, x->cpu_pct);
	row_num(&sb, x->rss);
	csv_line(x, &sb, 0);
out:
	for (size_t i = 0; i < x->ncols; i++)
		x->row[i] = NAN;
	x->row_set = 0;
	x->row_epoch = NAN;
	sb_release(&sb);
}

static long
col_index(const struct exec *x, const char *name)
{
	for (size_t i = 0; i < x->ncols; i++)
		if (strcmp(x->cols[i], name) == 0)
			return (long)i;
	return -1;
}

/* The columns and the header: the groups of every pattern, once each. */
static int
metrics_init(struct exec *x)
{
	const struct config *cfg = &x->r->cfg;
	struct strbuf sb = STRBUF_INIT;
	char err[256];
	int rc;

	x->pats = xcalloc(cfg->exec.nmetrics + 1, sizeof(*x->pats));
	x->cols = xcalloc(1, sizeof(*x->cols));
	for (size_t i = 0; i < cfg->exec.nmetrics; i++) {
		struct pattern *p = pattern_new(cfg->exec.metrics[i].pattern,
						err, sizeof(err));
		size_t ng;

		if (!p)
			return error("metrics[%zu].pattern: not a valid PCRE2 "
				     "pattern: %s", i, err);
		x->pats[i] = p;
		ng = pattern_group_count(p);
		if (ng > x->maxgroups)
			x->maxgroups = ng;
		for (size_t g = 0; g < ng && !cfg->exec.metrics[i].pairs; g++) {
			const char *name = pattern_group_name(p, g);

			if (fixed_name(name) || col_index(x, name) >= 0)
				continue;
			x->cols = xreallocarray(x->cols, x->ncols + 1,
						sizeof(*x->cols));
			x->cols[x->ncols++] = xstrdup(name);
		}
	}
	x->vals = xcalloc(x->maxgroups + 1, sizeof(*x->vals));
	x->hits = xcalloc(x->maxgroups > EXEC_LINE_PAIRS ? x->maxgroups :
			  EXEC_LINE_PAIRS, sizeof(*x->hits));
	x->row = xcalloc(x->ncols + 1, sizeof(*x->row));
	for (size_t i = 0; i < x->ncols; i++)
		x->row[i] = NAN;
	x->row_epoch = x->last_epoch = NAN;
	x->best_val = INFINITY;
	sb_addf(&sb, "epoch,seconds");
	for (size_t i = 0; i < x->ncols; i++)
		sb_addf(&sb, ",%s", x->cols[i]);
	sb_addf(&sb, ",cpu_pct,rss_mb");
	rc = csv_line(x, &sb, 1);
	sb_release(&sb);
	return rc;
}

/*
 * Rewrite metrics.csv with the column name, the last of x->cols, before
 * cpu_pct and rss_mb (the last two fields of every line): the header
 * gains it, the rows an empty field. 0 or -1 (the file is as it was).
 */
static int
metrics_widen(struct exec *x, const char *name)
{
	struct strbuf out = STRBUF_INIT;
	size_t len;
	char *csv = file_read_regular(x->r->jf.metrics_path, &len,
				      (size_t)EXEC_WIDEN_MAX * 2);
	int rc = -1;

	if (!csv)
		return -1;
	for (char *line = csv, *end; line < csv + len; line = end + 1) {
		char *cut = NULL;
		int commas = 0;

		end = memchr(line, '\n', (size_t)(csv + len - line));
		if (!end)	/* never: lines are written whole */
			goto out;
		for (char *c = end; c > line && commas < 2; c--)
			if (c[-1] == ',' && ++commas == 2)
				cut = c - 1;
		if (!cut)
			goto out;
		sb_add(&out, line, (size_t)(cut - line));
		sb_addf(&out, ",%s", line == csv ? name : "");
		sb_add(&out, cut, (size_t)(end - cut) + 1);
	}
	rc = file_write_atomic(x->r->jf.metrics_path, out.buf, out.len);
	x->widened += (long)out.len;
	if (rc == 0)
		x->csv_bytes = (long)out.len;
out:
	free(csv);
	sb_release(&out);
	return rc;
}

/*
 * The column of a pair's name: a new one is added to metrics.csv, while
 * the name is fit for one, there are fewer than CONFIG_MAX_GROUPS and the
 * file is under EXEC_WIDEN_MAX. -1 when it is not a column (the log says
 * why, once).
 */
static long
pair_column(struct exec *x, const char *name)
{
	long c = col_index(x, name);
	size_t n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
			  "qrstuvwxyz0123456789_./-");
	const char *why = NULL;

	if (c >= 0 || fixed_name(name))
		return c;
	if (name[n] || n > EXEC_KEY_MAX || !n || strchr("0123456789./-",
							 name[0]))
		why = "a name is a letter or _, then letters, digits, "
		      "_ . / or -, at most 64 bytes";
	else if (x->ncols >= CONFIG_MAX_GROUPS)
		why = "metrics.csv has its most columns";
	else if (x->csv_bytes > EXEC_WIDEN_MAX)
		why = "metrics.csv is past 4 MiB, too long to rewrite for a "
		      "new column";
	else if (x->widened > EXEC_WIDEN_TOTAL)
		why = "metrics.csv was written again for new columns 64 MiB "
		      "in all";
	if (!why) {
		x->cols = xreallocarray(x->cols, x->ncols + 1,
					sizeof(*x->cols));
		x->cols[x->ncols] = xstrdup(name);
		x->row = xreallocarray(x->row, x->ncols + 1, sizeof(*x->row));
		x->row[x->ncols] = NAN;
		if (metrics_widen(x, name) == 0)
			return (long)x->ncols++;
		free(x->cols[x->ncols]);
		why = "metrics.csv could not be rewritten";
	}
	if (!x->widen_note++)
		jobfiles_log(&x->r->jf, "spoolboard: \"%.64s\" is not made a "
			     "column of metrics.csv (%s); this is said "
			     "once, for the first name left out", name, why);
	return -1;
}

/* A number matched: all of s a finite number, into *v. */
static int
number(const char *s, double *v)
{
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	return *end == '\0' && errno != ERANGE && isfinite(*v);
}

/* The state's epoch, progress and ETA after epoch e of x->epochs. */
static void
set_epoch(struct exec *x, double e)
{
	json_t *st = x->r->jf.state;
	double elapsed = time_mono() - x->t0;

	x->r->epoch = (int)e;
	json_object_set_new(st, "epoch", json_integer((json_int_t)e));
	if (x->epochs <= 0)
		return;
	json_object_set_new(st, "progress", json_real(e >= x->epochs ? 1.0 :
			    e <= 0 ? 0.0 : e / x->epochs));
	json_object_set_new(st, "eta_seconds", e > 0 && e < x->epochs ?
			    json_num(elapsed / e * (x->epochs - e)) :
			    json_null());
}

/* One value of group name matched. */
static void
take_value(struct exec *x, const char *name, double v)
{
	json_t *st = x->r->jf.state;
	long c;

	if (strcmp(name, "epochs") == 0) {
		x->epochs = v > 0 && v < 1e9 ? (int)v : 0;
		json_object_set_new(st, "epochs", json_integer(x->epochs));
		if (isfinite(x->last_epoch))
			set_epoch(x, x->last_epoch);
		return;
	}
	c = col_index(x, name);
	if (c < 0)		/* seconds, cpu_pct, rss_mb: ours */
		return;
	if (!isnan(x->row[c]))
		row_flush(x);
	x->row[c] = v;
	x->row_set = 1;
	if (strcmp(name, "step") == 0) {
		if (fabs(v) < 1e15)	/* an integer JSON keeps exactly */
			json_object_set_new(st, name,
					    json_integer((json_int_t)v));
	} else if (strcmp(name, "train_loss") == 0 ||
		   strcmp(name, "val_loss") == 0) {
		json_object_set_new(st, name, json_num(v));
	} else {
		json_t *m = json_object_get(st, "metrics");

		if (!json_is_object(m)) {
			m = json_object();
			json_object_set_new(st, "metrics", m);
		}
		json_object_set_new(m, name, json_num(v));
	}
	if (strcmp(name, "val_loss") == 0 && v < x->best_val) {
		x->best_val = v;
		json_object_set_new(st, "best", json_pack("{s:i,s:o}", "epoch",
			x->r->epoch, "val_loss", json_num(v)));
	}
}

/*
 * Match line against p, a pattern of named groups: its values into
 * x->hits, their count (x->matched: whether it matched at all).
 */
static size_t
match_groups(struct exec *x, const struct pattern *p, const char *line,
	     size_t len)
{
	double t0 = time_mono();
	size_t n = 0;

	x->matched = pattern_match_named(p, line, len, x->vals);
	x->match_left -= time_mono() - t0;
	for (size_t g = 0; x->matched && g < pattern_group_count(p); g++) {
		if (!x->vals[g])
			continue;
		x->hits[n].name = xstrdup(pattern_group_name(p, g));
		x->hits[n++].text = x->vals[g];
		x->vals[g] = NULL;
	}
	return n;
}

/*
 * Match line against p, a pairs pattern (groups key and value, in either
 * order), again and again along it (up
 * to EXEC_LINE_PAIRS, while the drain's matching time lasts): each
 * (key, value) into x->hits, their count.
 */
static size_t
match_pairs(struct exec *x, const struct pattern *p, const char *line,
	    size_t len)
{
	size_t n = 0, at = 0;
	int k = strcmp(pattern_group_name(p, 0), "key") != 0;

	x->matched = 0;
	while (n < EXEC_LINE_PAIRS && x->match_left > 0) {
		double t0 = time_mono();
		int hit = pattern_match_at(p, line, len, &at, x->vals);

		x->match_left -= time_mono() - t0;
		if (!hit)
			break;
		x->matched = 1;
		if (x->vals[0] && x->vals[1]) {
			/* the loss a script prints is its training loss */
			if (strcmp(x->vals[k], "loss") == 0) {
				free(x->vals[k]);
				x->vals[k] = xstrdup("train_loss");
			}
			x->hits[n].name = x->vals[k];
			x->hits[n++].text = x->vals[!k];
		} else {
			free(x->vals[0]);
			free(x->vals[1]);
		}
	}
	return n;
}

/*
 * The n values in x->hits (freed here), the epoch first: a new epoch
 * ends the pending row before the others go into the next. pairs: the
 * names came from the output, and a new one becomes a column.
 */
static void
take_hits(struct exec *x, size_t n, int pairs)
{
	struct hit *h = x->hits;
	double v;

	for (size_t i = 0; i < n; i++)
		if (strcmp(h[i].name, "epoch") == 0 && number(h[i].text, &v) &&
		    v >= 0 && v <= 1e9) {
			if (!isnan(x->row_epoch) && v != x->row_epoch)
				row_flush(x);
			else if (isnan(x->row_epoch) && x->row_set &&
				 v != x->last_epoch)
				row_flush(x);
			x->row_epoch = x->last_epoch = v;
			set_epoch(x, v);
		}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(h[i].name, "epoch") != 0 &&
		    number(h[i].text, &v) &&
		    (!pairs || pair_column(x, h[i].name) >= 0 ||
		     fixed_name(h[i].name)))
			take_value(x, h[i].name, v);
		free(h[i].name);
		free(h[i].text);
	}
}

/*
 * Match line (len bytes) against every pattern, while this drain's time
 * for matching lasts (x->match_left, seconds): patterns that backtrack
 * on lines that come faster than they are matched must not keep the loop
 * from its signals and limits. A line past it is logged, not matched.
 */
static void
match_line(struct exec *x, const char *line, size_t len)
{
	const struct config *cfg = &x->r->cfg;

	if (cfg->exec.nmetrics && x->match_left <= 0) {
		if (x->unmatched++ == 0)
			jobfiles_log(&x->r->jf, "spoolboard: the output came "
				     "faster than the metrics patterns could "
				     "be matched; lines are logged, and some "
				     "are not matched");
		return;
	}

	for (size_t i = 0; i < cfg->exec.nmetrics; i++) {
		int pairs = cfg->exec.metrics[i].pairs;
		int stage = cfg->exec.metrics[i].stage;
		size_t n = pairs ? match_pairs(x, x->pats[i], line, len) :
				   match_groups(x, x->pats[i], line, len);

		if (!x->matched)
			continue;
		take_hits(x, n, pairs);
		if (stage >= 0 && stage != (int)x->r->stage &&
		    x->stage_changes == EXEC_STAGE_CHANGES) {
			x->stage_changes++;
			jobfiles_log(&x->r->jf, "spoolboard: %d stage changes: "
				     "the stage stays %s from now on",
				     EXEC_STAGE_CHANGES,
				     job_stage_name(x->r->stage));
		}
		if (stage >= 0 && stage != (int)x->r->stage &&
		    x->stage_changes < EXEC_STAGE_CHANGES) {
			x->stage_changes++;
			run_stage_end(x->r, x->r->stage, JOB_COMPLETED);
			run_stage_begin(x->r, (enum stage)stage);
		}
		x->dirty = 1;
	}
}

/* ---- output -------------------------------------------------------- */

static void
tail_add(struct exec *x, const char *line, size_t len)
{
	char *copy = strndup(line, len);

	if (!copy)
		die_oom();
	if (x->tail_n < EXEC_TAIL_LINES) {
		x->tail[(x->tail_at + x->tail_n++) % EXEC_TAIL_LINES] = copy;
		return;
	}
	free(x->tail[x->tail_at]);
	x->tail[x->tail_at] = copy;
	x->tail_at = (x->tail_at + 1) % EXEC_TAIL_LINES;
}

/* The i-th of the last lines, oldest first. */
static const char *
tail_get(const struct exec *x, size_t i)
{
	return x->tail[(x->tail_at + i) % EXEC_TAIL_LINES];
}

static void
put_bytes(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* A whole line of output (without its '\n'). */
static void
take_line(struct exec *x, const char *line, size_t len)
{
	if (x->logged + (long)len + 1 <= x->log_cap && !x->cut_lines) {
		put_bytes(x->logfd, line, len);
		put_bytes(x->logfd, "\n", 1);
		x->logged += (long)len + 1;
	} else {
		if (!x->cut_lines)
			jobfiles_log(&x->r->jf, "spoolboard: the command's "
				     "output past %.1f MiB is not kept here "
				     "(%ld MiB a run, %ld MiB of log.txt in "
				     "all); its last lines follow at its end",
				     x->log_cap / 1048576.0,
				     EXEC_LOG_MAX >> 20, EXEC_LOG_TOTAL >> 20);
		x->cut_lines++;
		x->cut_bytes += (long)len + 1;
	}
	if (x->r->jf.echo) {
		put_bytes(STDERR_FILENO, line, len);
		put_bytes(STDERR_FILENO, "\n", 1);
	}
	tail_add(x, line, len);
	match_line(x, line, len);
}

/* Bytes read from the pipe. */
static void
take_bytes(struct exec *x, const char *b, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(b, '\n', n);
		size_t k = nl ? (size_t)(nl - b) : n;
		size_t room = EXEC_LINE_MAX - x->line.len;

		if (!x->skipping) {
			size_t at = x->line.len;
			char *z;

			sb_add(&x->line, b, k < room ? k : room);
			/* a NUL would end the log panel's text (view.c) */
			while ((z = memchr(x->line.buf + at, '\0',
					   x->line.len - at))) {
				*z = '?';
				at = (size_t)(z - x->line.buf) + 1;
			}
		}
		if (!x->skipping && k >= room && x->line.len >=
		    EXEC_LINE_MAX) {
			/* a line that long is cut; its rest is dropped */
			take_line(x, x->line.buf, x->line.len);
			if (!x->long_lines++)
				jobfiles_log(&x->r->jf, "spoolboard: the line "
					     "before is cut at %d KiB; the rest "
					     "of it, and of any longer line, is "
					     "not kept or matched",
					     EXEC_LINE_MAX >> 10);
			sb_reset(&x->line);
			x->skipping = 1;
		}
		if (!nl)
			return;
		if (!x->skipping)
			take_line(x, sb_str(&x->line), x->line.len);
		sb_reset(&x->line);
		x->skipping = 0;
		b = nl + 1;
		n -= k + 1;
	}
}

/* Read what the pipe has; 0 at its end (no writer left), else 1. */
static int
drain(struct exec *x, int fd)
{
	char buf[65536];

	/* a few reads at most: a command that writes without end must not
	   keep the loop from its signals and limits */
	x->match_left = MATCH_BUDGET;
	for (int i = 0; i < 16 && x->match_left > 0; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;	/* EAGAIN: nothing more now */
		if (n == 0)
			return 0;
		take_bytes(x, buf, (size_t)n);
	}
	return 1;
}

/* The end of the log when output was left out: its last lines. */
static void
log_tail(struct exec *x)
{
	size_t k;

	if (x->line.len)	/* a last line without '\n' */
		take_line(x, sb_str(&x->line), x->line.len);
	sb_reset(&x->line);
	if (!x->cut_lines)
		return;
	k = x->cut_lines < (long)x->tail_n ? (size_t)x->cut_lines : x->tail_n;
	jobfiles_log(&x->r->jf, "spoolboard: %ld lines (%ld bytes) of output "
		     "were left out of log.txt; the last %zu:", x->cut_lines,
		     x->cut_bytes, k);
	for (size_t i = x->tail_n - k; i < x->tail_n; i++) {
		const char *t = tail_get(x, i);
		size_t n = strlen(t);

		/* past the cap, a line is kept to its start (whole UTF-8) */
		if (n > EXEC_TAIL_LINE_MAX) {
			n = EXEC_TAIL_LINE_MAX;
			while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
				n--;
		}
		put_bytes(x->logfd, t, n);
		if (n < strlen(t))
			put_bytes(x->logfd, " [...]", 6);
		put_bytes(x->logfd, "\n", 1);
	}
}

/* The length of the valid UTF-8 sequence at s (of n bytes); 0 none. */
static size_t
seq_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 :
		     (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;

	if (len > n || (len == 2 && s[0] < 0xC2))
		return 0;
	for (size_t j = 1; j < len; j++)
		if ((s[j] & 0xC0) != 0x80)
			return 0;
	return len;
}

/*
 * At most MESSAGE_MAX bytes of s, leading blanks dropped, as text a
 * state.json can hold: a byte that is not valid UTF-8 or is a control
 * character becomes '?' (output may be anything). A new string.
 */
static char *
cut(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t len = seq_len((const unsigned char *)s + i, n - i);

		if (sb.len + (len ? len : 1) > MESSAGE_MAX) {
			sb_add(&sb, "...", 3);
			break;
		}
		if (len == 0 || (len == 1 && ((unsigned char)s[i] < 0x20 ||
					      s[i] == 0x7F)))
			sb_add(&sb, "?", 1);
		else
			sb_add(&sb, s + i, len);
		i += len ? len : 1;
	}
	{
		char *r = xstrdup(sb_str(&sb));
		json_t *check = json_string(r);

		/* a form jansson refuses still (overlong, a surrogate) */
		for (char *p = r; !check && *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		json_decref(check);
		sb_release(&sb);
		return r;
	}
}

/*
 * The line a failure is told by: the last that looks like an error (the
 * last line when that is a Traceback's start: the exception is below
 * it), else the last non-blank one; NULL when there is no output. New.
 */
static char *
error_line(const struct exec *x)
{
	const char *last = NULL;

	for (size_t i = x->tail_n; i-- > 0;) {
		const char *s = tail_get(x, i);

		if (!last && s[strspn(s, " \t\r")])
			last = s;
		if (pattern_match(x->errpat, s))
			return cut(strncmp(s, "Traceback", 9) == 0 && last ?
				   last : s);
	}
	return last ? cut(last) : NULL;
}

/* ---- the run ------------------------------------------------------- */

static void
state_write(struct exec *x, int force)
{
	double now = time_mono();

	if (!force && now - x->last_write < (x->dirty ? STATE_EVERY :
						     STATE_QUIET))
		return;
	sample_usage(x);
	jobfiles_state_write(&x->r->jf);
	x->last_write = now;
	x->dirty = 0;
}

/* Ask what is left to stop: SIGTERM (or sig) now, SIGKILL later. */
static void
stop(struct exec *x, enum why_stop why, int sig)
{
	if (x->stop_at > 0)
		return;
	x->why = why;
	x->sig = sig;
	x->stop_at = time_mono();
	kill_rest(x, sig);
}

/*
 * A stop signal came (run_stop_signal): stop what is left, for the reason
 * it gives. When we were not started by a runner on this machine (in
 * Slurm), a SIGTERM or SIGINT that comes once the command has ended, as
 * what it left is ended or its output read, still stops the run: scancel
 * signals every process of the job at once, and the command may end first,
 * even with status 0 (only a child of it was killed). A runner's SIGTERM
 * reaches us alone: a command that ended before it ended by itself and
 * keeps its status, as it does before the other reasons (the runner gone;
 * Slurm's time limit near, which reaches the batch step alone).
 */
static void
signalled(struct exec *x)
{
	int sig = run_stop_signal == SIGINT ? SIGINT : SIGTERM;
	enum why_stop why = x->parent && getppid() != x->parent ?
			    STOP_ORPHAN : run_stop_signal == SIGUSR1 ?
			    STOP_TIME : STOP_SIGNAL;

	if (!x->stop_at) {
		stop(x, why, sig);
	} else if (why == STOP_SIGNAL && !x->parent) {
		x->why = why;
		x->sig = sig;
		x->late = 1;
	}
}

/* Reap what ended; the command's status once it has. 1 when none left. */
static int
reap_ended(struct exec *x)
{
	for (;;) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return errno == ECHILD;
		if (p == 0)
			return 0;
		if (p == x->pid) {
			x->status = status;
			x->reaped = 1;
		}
	}
}

/*
 * The runner starts us with SIGKILL as our parent-death signal
 * (PR_SET_PDEATHSIG), so that no job outlives it. Killed at once, we
 * could not end what the command left in sessions of its own; so we ask
 * for SIGTERM instead and, when it comes with our parent gone, end the
 * command and all it left, and exit leaving the job's state running: the
 * next runner queues it again, as it does a killed trainer's.
 */
static void
runner_death(struct exec *x)
{
	int sig = 0;

	if (prctl(PR_GET_PDEATHSIG, &sig) < 0 || sig != SIGKILL)
		return;
	x->parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) {
		x->parent = 0;
		return;
	}
	/* it died before the signal was ours to choose */
	if (getppid() != x->parent)
		raise(SIGTERM);
}

/* Start the command (x->pid), its output into *rfd. 0, or -1 after error(). */
static int
start(struct exec *x, const char *jobdir, const char *root, int dirfd,
      int threads, int *rfd)
{
	struct run *r = x->r;
	char **env = make_env(r, jobdir, root, threads);
	pid_t me = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		env_free(env);
		return error("cannot make a pipe: %s", strerror(errno));
	}
	x->pid = fork();
	if (x->pid < 0) {
		close(p[0]);
		close(p[1]);
		env_free(env);
		return error("cannot start the command: fork: %s",
			     strerror(errno));
	}
	if (x->pid == 0)
		exec_in_child(r, env, p[1], dirfd, me);
	setpgid(x->pid, x->pid);	/* both sides: no race with a kill */
	close(p[1]);
	env_free(env);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	*rfd = p[0];
	return 0;
}

/* The words of the run's end, into the state; the exit status. */
static int
finish(struct exec *x)
{
	struct run *r = x->r;
	int st = x->status;
	char *line = error_line(x), *msg;
	const char *hint = NULL;
	int rc;

	if (run_stop_signal && x->why == STOP_NO)
		signalled(x);	/* one that came as the loop ended */
	row_flush(x);
	sample_usage(x);
	if (x->why == STOP_ORPHAN) {
		free(line);
		jobfiles_log(&r->jf, "spoolboard: the runner is gone; the "
			     "command was stopped and the job left running, "
			     "for the next runner to queue again");
		jobfiles_state_write(&r->jf);
		return TRAIN_CANCELLED;
	}
	if (x->why == STOP_SIGNAL) {
		free(line);
		jobfiles_log(&r->jf, "the command was stopped (%s)%s",
			     x->killed ? "SIGKILL after SIGTERM" :
			     strsignal(x->sig), x->late ? " as it was ending"
			     : "");
		return run_cancel(r);
	}
	if (x->why == STOP_TIME) {
		msg = xasprintf("time limit: ran longer than %g seconds "
				"(limits.max_seconds)%s",
				r->cfg.limits.max_seconds, run_stop_signal ==
				SIGUSR1 ? "; Slurm's limit was near" : "");
		hint = "raise limits.max_seconds, or make the command do less";
	} else if (x->reaped && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		free(line);
		run_stage_end(r, r->stage, JOB_COMPLETED);
		jobfiles_log(&r->jf, "the command completed in %.1fs",
			     time_mono() - x->t0);
		return run_complete(r);
	} else if (x->reaped && WIFSIGNALED(st)) {
		msg = xasprintf("the command was killed by signal %d (%s)%s%s",
				WTERMSIG(st), strsignal(WTERMSIG(st)),
				line ? ": " : "", line ? line : "");
		if (r->cfg.limits.max_memory_mb > 0)
			hint = "it may have used more than "
			       "limits.max_memory_mb; see log.txt";
	} else if (x->reaped) {
		msg = xasprintf("the command exited with status %d%s%s",
				WEXITSTATUS(st), line ? ": " : "",
				line ? line : "");
		hint = WEXITSTATUS(st) == 127 ? "check the command's program "
		       "name and PATH" : "see the job's log.txt";
		if (r->cfg.limits.max_memory_mb > 0 && line &&
		    (strstr(line, "MemoryError") ||
		     strstr(line, "memory")))
			hint = "raise limits.max_memory_mb (each process of "
			       "the command may use that much address space)";
	} else {
		msg = xstrdup("the command could not be waited for");
	}
	free(line);
	rc = run_fail(r, msg, hint);
	free(msg);
	return rc;
}

/* The workdir below root, opened; -1 after error(). */
static int
open_workdir(const struct config *cfg, const char *root)
{
	struct strbuf why = STRBUF_INIT;
	const char *wd = cfg->exec.workdir ? cfg->exec.workdir : ".";
	struct stat st;
	int fd;

	if (strcmp(wd, ".") == 0)
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		fd = path_open_inside("data root", root, "workdir", wd, &why);
	if (fd < 0) {
		if (why.len)
			error("%s", sb_str(&why));
		else
			error("cannot open the data root '%s': %s", root,
			      strerror(errno));
		sb_release(&why);
		return -1;
	}
	sb_release(&why);
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return error("workdir: '%s' is not a folder below the data "
			     "root '%s'", wd, root);
	}
	return fd;
}

int
exec_check_workdir(const struct config *cfg, const char *root)
{
	int fd = open_workdir(cfg, root);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void
exec_release(struct exec *x)
{
	for (size_t i = 0; x->pats && i < x->r->cfg.exec.nmetrics; i++)
		pattern_free(x->pats[i]);
	free(x->pats);
	free(x->vals);
	free(x->hits);
	for (size_t i = 0; i < x->ncols; i++)
		free(x->cols[i]);
	free(x->cols);
	free(x->row);
	for (size_t i = 0; i < x->tail_n; i++)
		free(x->tail[(x->tail_at + i) % EXEC_TAIL_LINES]);
	pattern_free(x->errpat);
	sb_release(&x->line);
	if (x->logfd >= 0)
		close(x->logfd);
}

int
exec_run(struct run *r, const char *data_root, int threads)
{
	struct exec x;
	char *jobdir = NULL, *root = NULL, *dir;
	char err[128];
	int dirfd = -1, rfd = -1, open_pipe = 1, rc;
	double max = r->cfg.limits.max_seconds, gone_at = 0;

	memset(&x, 0, sizeof(x));
	x.r = r;
	x.logfd = -1;
	x.errpat = pattern_new(error_re, err, sizeof(err));
	for (int s = 0; s < NSTAGES; s++)
		if (s != STAGE_TRAIN)
			json_object_set_new(job_state_stage(r->jf.state, s),
				"status", json_string(job_status_name(
				JOB_SKIPPED)));
	run_stage_begin(r, STAGE_TRAIN);
	jobdir = realpath(r->jf.dir, NULL);
	root = realpath(data_root, NULL);
	if (!jobdir || !root) {
		error("cannot resolve '%s': %s", jobdir ? data_root :
		      r->jf.dir, strerror(errno));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		dir = path_join(jobdir, i ? JOB_CHECKPOINTS : JOB_ARTIFACTS);
		rc = mkdir_p(dir);
		free(dir);
		if (rc < 0)
			goto fail;
	}
	x.logfd = file_open_regular(r->jf.log_path, O_WRONLY | O_APPEND |
				    O_CREAT);
	if (x.logfd < 0 || metrics_init(&x) < 0)
		goto fail;
	{
		struct stat st;
		long size = fstat(x.logfd, &st) == 0 ? (long)st.st_size : 0;

		x.log_cap = EXEC_LOG_TOTAL - size;
		if (x.log_cap > EXEC_LOG_MAX)
			x.log_cap = EXEC_LOG_MAX;
		if (x.log_cap < 0)
			x.log_cap = 0;
	}
	dirfd = open_workdir(&r->cfg, root);
	if (dirfd < 0)
		goto fail;
	/* what the command leaves behind is reparented to us */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		warning("cannot be the command's subreaper: %s",
			strerror(errno));
	{
		struct strbuf cmd = STRBUF_INIT;

		for (size_t i = 0; i < r->cfg.exec.argc; i++)
			sb_addf(&cmd, "%s%s", i ? " " : "",
				r->cfg.exec.argv[i]);
		jobfiles_log(&r->jf, "exec: %s (in %s/%s, %d threads)",
			     sb_str(&cmd), root, r->cfg.exec.workdir, threads);
		sb_release(&cmd);
	}
	runner_death(&x);
	x.t0 = time_mono();
	r->own_resources = 1;
	if (start(&x, jobdir, root, dirfd, threads, &rfd) < 0)
		goto fail;
	close(dirfd);
	dirfd = -1;
	json_object_set_new(r->jf.state, "command_pid", json_integer(x.pid));
	x.dirty = 1;
	for (;;) {
		struct pollfd pfd = { rfd, POLLIN, 0 };
		double now;
		int none_left;

		if (open_pipe && poll(&pfd, 1, POLL_MS) > 0)
			open_pipe = drain(&x, rfd);
		else if (!open_pipe)
			poll(NULL, 0, POLL_MS);
		now = time_mono();
		none_left = reap_ended(&x);
		if (run_stop_signal && x.why == STOP_NO)
			signalled(&x);
		if (max > 0 && !x.stop_at && now - x.t0 > max) {
			jobfiles_log(&r->jf, "time limit of %g s reached; "
				     "stopping the command", max);
			stop(&x, STOP_TIME, SIGTERM);
		}
		if (x.reaped && !x.stop_at) {
			/* the command is done: what it left is ended */
			x.stop_at = now;
			kill_rest(&x, SIGTERM);
		}
		if (x.stop_at && now - x.stop_at > EXEC_GRACE)
			x.killed = 1;
		if (x.killed)
			kill_rest(&x, SIGKILL);
		if (none_left && x.reaped) {
			if (open_pipe)
				open_pipe = drain(&x, rfd);
			if (!open_pipe || !gone_at)
				gone_at = gone_at ? gone_at : now;
			/* nobody is left to write: an open end is some
			   process outside our tree; stop reading soon */
			if (!open_pipe || now - gone_at > 1.0)
				break;
		}
		if (x.killed && now - x.stop_at > EXEC_GRACE + END_WAIT) {
			jobfiles_log(&r->jf, "spoolboard: processes of the "
				     "command are still there %g s after "
				     "SIGKILL; leaving them", END_WAIT);
			break;
		}
		state_write(&x, 0);
	}
	close(rfd);
	log_tail(&x);
	rc = finish(&x);
	exec_release(&x);
	free(jobdir);
	free(root);
	return rc;
fail:
	if (dirfd >= 0)
		close(dirfd);
	rc = run_fail(r, error_last(), "check the command, workdir and the "
		      "job folder");
	exec_release(&x);
	free(jobdir);
	free(root);
	return rc;
}
