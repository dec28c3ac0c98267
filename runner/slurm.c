/*
 * slurm.c - the Slurm commands the runner uses, and what their answers
 * mean; see slurm.h and docs/slurm.md.
 *
 * Every command is run by fork and execvp of an argv, its output read
 * through pipes with poll(2) until it exits or its time is up, and the
 * child waited for by pid: the daemon's own waitpid(-1) never runs while a
 * command is in flight, since the daemon is one thread and waits here.
 */
#include "runner/slurm.h"
#include "lib/error.h"
#include "lib/fileio.h"
#include "lib/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
argv_push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* s with each '%' doubled: sbatch expands %j, %x, ... in file names */
static char *
percent_escape(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *r = xmalloc(2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		r[k++] = s[i];
		if (s[i] == '%')
			r[k++] = '%';
	}
	r[k] = '\0';
	return r;
}

char **
slurm_sbatch_argv(const struct slurm_opts *o, const struct slurm_spec *spec,
		  const char *script)
{
	char **v = NULL, *log_path = path_join(spec->jobdir, JOB_LOG);
	char *esc = percent_escape(log_path);
	size_t n = 0;

	argv_push(&v, &n, xstrdup("sbatch"));
	argv_push(&v, &n, xstrdup("--parsable"));
	argv_push(&v, &n, xasprintf("--job-name=%s", spec->name));
	argv_push(&v, &n, xasprintf("--output=%s", esc));
	argv_push(&v, &n, xstrdup("--open-mode=append"));
	argv_push(&v, &n, xasprintf("--chdir=%s", spec->jobdir));
	argv_push(&v, &n, xasprintf("--cpus-per-task=%d",
		  spec->threads > 0 ? spec->threads : 1));
	if (spec->max_memory_mb > 0)
		argv_push(&v, &n, xasprintf("--mem=%.0f",
			  ceil(spec->max_memory_mb)));
	if (spec->max_seconds > 0) {
		/* the trainer stops itself at max_seconds (checkpointed, in
		   its words); Slurm's limit, in whole minutes, is past that
		   and its early signal, a backstop for a trainer stuck */
		long m = (long)ceil((spec->max_seconds + SLURM_SIGNAL_MARGIN +
				     SLURM_SIGNAL_EARLY + 30) / 60.0);

		argv_push(&v, &n, xasprintf("--time=%ld", m));
	}
	/* before any time limit (ours, or the partition's): SIGUSR1 to the
	   batch step, which is the trainer (slurm.sh execs it): it
	   checkpoints and fails saying so; a retry resumes */
	argv_push(&v, &n, xasprintf("--signal=B:USR1@%d",
		  SLURM_SIGNAL_MARGIN));
	argv_push(&v, &n, xstrdup("--requeue"));
	if (o->partition)
		argv_push(&v, &n, xasprintf("--partition=%s", o->partition));
	if (o->account)
		argv_push(&v, &n, xasprintf("--account=%s", o->account));
	for (int i = 0; i < o->nextra; i++)
		argv_push(&v, &n, xstrdup(o->extra[i]));
	argv_push(&v, &n, xstrdup(script));
	argv_push(&v, &n, xstrdup(spec->exe));
	argv_push(&v, &n, xstrdup("train"));
	argv_push(&v, &n, xstrdup(spec->jobdir));
	argv_push(&v, &n, xstrdup("--data-root"));
	argv_push(&v, &n, xstrdup(spec->data_root));
	argv_push(&v, &n, xstrdup("--threads"));
	argv_push(&v, &n, xasprintf("%d", spec->threads > 0 ?
		  spec->threads : 1));
	argv_push(&v, &n, xstrdup("--no-progress"));
	argv_push(&v, &n, xasprintf("--wait-lock=%d", SLURM_LOCK_WAIT));
	if (spec->allow_exec)
		argv_push(&v, &n, xstrdup("--allow-exec"));
	free(esc);
	free(log_path);
	return v;
}

void
slurm_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
command_child(char *const argv[], int out, int err)
{
	sigset_t none;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* its own process group: a timeout kills what it started too */
	setpgid(0, 0);
	if (fd >= 0)
		dup2(fd, 0);
	if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

int
slurm_drain(int fd, struct strbuf *sb)
{
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof(buf));

	if (r < 0)
		return errno == EINTR || errno == EAGAIN;
	if (r > 0 && sb)
		sb_add(sb, buf, (size_t)r);
	return r > 0;
}

pid_t
slurm_spawn(char *const argv[], int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return error("cannot run %s: pipe: %s", argv[0],
			     strerror(errno));
	pid = fork();
	if (pid == 0) {
		/* the child's end blocks, as a command's output expects */
		fcntl(p[1], F_SETFL, 0);
		command_child(argv, p[1], p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return error("cannot run %s: fork: %s", argv[0],
			     strerror(errno));
	}
	*fd = p[0];
	return pid;
}

/*
 * What a command that ended with wait status status says: its exit
 * status, or -1 after error() when it could not run, was killed, or was
 * killed by the caller after timed_out seconds (0: it was not).
 */
static int
command_ended(const char *name, int status, double timed_out)
{
	if (timed_out > 0)
		return error("%s did not answer within %gs", name, timed_out);
	if (WIFSIGNALED(status))
		return error("%s was killed by signal %d", name,
			     WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		return error("cannot run %s: not found, or it could not be "
			     "executed", name);
	return WEXITSTATUS(status);
}

int
slurm_command(char *const argv[], double timeout, struct strbuf *out,
	      struct strbuf *err)
{
	int po[2], pe[2], status, open_n = 2, timed_out = 0;
	struct pollfd pfd[2];
	double end = time_mono() + timeout;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0)
		return error("cannot run %s: pipe: %s", argv[0],
			     strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return error("cannot run %s: pipe: %s", argv[0],
			     strerror(errno));
	}
	pid = fork();
	if (pid == 0)
		command_child(argv, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		return error("cannot run %s: fork: %s", argv[0],
			     strerror(errno));
	}
	pfd[0].fd = po[0];
	pfd[1].fd = pe[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_n > 0) {
		double left = end - time_mono();

		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		if (poll(pfd, 2, (int)(left * 1000) + 1) < 0 &&
		    errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (!slurm_drain(pfd[i].fd, i == 0 ? out : err)) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_n--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return command_ended(argv[0], status, timed_out ? timeout : 0);
}

/* The fields asked of squeue, in this order; the name last, whole. */
#define SQUEUE_FORMAT "JobID:|,State:|,Reason:|,NodeList:|,exit_code:|," \
		      "RestartCnt:|,Name:"

char **
slurm_squeue_argv(const long *ids, int n)
{
	struct strbuf list = STRBUF_INIT;
	char **v = NULL;
	size_t k = 0;

	for (int i = 0; i < n; i++)
		sb_addf(&list, "%s%ld", i ? "," : "", ids[i]);
	argv_push(&v, &k, xstrdup("squeue"));
	argv_push(&v, &k, xstrdup("-h"));
	argv_push(&v, &k, xstrdup("-t"));
	argv_push(&v, &k, xstrdup("all"));
	argv_push(&v, &k, xasprintf("--jobs=%s", sb_str(&list)));
	/* only the runner's own jobs: another user's never answers */
	argv_push(&v, &k, xasprintf("--user=%ld", (long)getuid()));
	argv_push(&v, &k, xstrdup("--Format=" SQUEUE_FORMAT));
	sb_release(&list);
	return v;
}

/* The next '|'-ended field of *p into buf (truncated); -1 when none. */
static int
next_field(const char **p, char *buf, size_t n)
{
	const char *bar = strchr(*p, '|');
	size_t len;

	if (!bar)
		return -1;
	len = (size_t)(bar - *p);
	if (n) {
		size_t c = len < n - 1 ? len : n - 1;

		memcpy(buf, *p, c);
		buf[c] = '\0';
	}
	*p = bar + 1;
	return 0;
}

/* The rest of the line at p, whole (truncated to buf's n bytes). */
static void
last_field(const char *p, char *buf, size_t n)
{
	size_t len = strcspn(p, "\n");

	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

/* A job id field: digits only (not "12_3", "+12", " 12"). 0 or -1. */
static int
parse_id(const char *s, long *id)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	*id = strtol(s, &end, 10);
	return *end || *id <= 0 ? -1 : 0;
}

/*
 * The one line of out that parse() takes and that is about job id, into
 * *info: 1, 0 when there is none, -1 after error() when there are two (a
 * job name with a newline in it could forge a line: not trusted).
 */
static int
find_line(const char *out, long id,
	  int (*parse)(const char *, struct slurm_info *),
	  struct slurm_info *info)
{
	struct slurm_info line;
	int found = 0;

	while (*out) {
		if (parse(out, &line) == 0 && line.id == id) {
			if (found++)
				return error("Slurm listed job %ld twice", id);
			*info = line;
		}
		out += strcspn(out, "\n");
		out += *out == '\n';
	}
	return found;
}

int
slurm_parse_line(const char *line, struct slurm_info *info)
{
	char id[32], code[32], restarts[32];
	const char *p = line;
	long v;

	memset(info, 0, sizeof(*info));
	if (next_field(&p, id, sizeof(id)) < 0 ||
	    next_field(&p, info->state, sizeof(info->state)) < 0 ||
	    next_field(&p, info->reason, sizeof(info->reason)) < 0 ||
	    next_field(&p, info->node, sizeof(info->node)) < 0 ||
	    next_field(&p, code, sizeof(code)) < 0 ||
	    next_field(&p, restarts, sizeof(restarts)) < 0)
		return -1;
	last_field(p, info->name, sizeof(info->name));
	if (parse_id(id, &info->id) < 0)
		return -1;
	/* exit_code is the wait status: a signal in its low 7 bits, else
	   the exit code in the next 8 */
	v = strtol(code, NULL, 10);
	info->exit_signal = (int)(v & 0x7f);
	info->exit_code = info->exit_signal ? 0 : (int)((v >> 8) & 0xff);
	info->restarts = (int)strtol(restarts, NULL, 10);
	if (strcmp(info->node, "(null)") == 0)
		info->node[0] = '\0';
	return info->state[0] ? 0 : -1;
}

enum slurm_phase
slurm_phase_of(const char *state)
{
	static const char *const queued[] = {
		"PENDING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
		"RESV_DEL_HOLD", "CONFIGURING", NULL
	};
	static const char *const ended[] = {
		"COMPLETED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY",
		"CANCELLED", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",
		"DEADLINE", "SPECIAL_EXIT", "REVOKED", NULL
	};

	for (int i = 0; queued[i]; i++)
		if (strcmp(state, queued[i]) == 0)
			return SLURM_QUEUED;
	for (int i = 0; ended[i]; i++)
		if (strcmp(state, ended[i]) == 0)
			return SLURM_ENDED;
	return SLURM_RUNNING;
}

enum job_status
slurm_status_of(const struct slurm_info *info)
{
	if (strcmp(info->state, "COMPLETED") == 0 && info->exit_code == 0 &&
	    info->exit_signal == 0)
		return JOB_COMPLETED;
	if (strcmp(info->state, "CANCELLED") == 0)
		return JOB_CANCELLED;
	return JOB_FAILED;
}

void
slurm_describe(const struct slurm_info *info, char *buf, size_t n)
{
	char detail[128] = "";
	int k = 0;

	if (info->reason[0] && strcmp(info->reason, "None") != 0)
		k += snprintf(detail + k, sizeof(detail) - (size_t)k, "%s",
			      info->reason);
	if (info->exit_signal)
		k += snprintf(detail + k, sizeof(detail) - (size_t)k,
			      "%ssignal %d", k ? ", " : "",
			      info->exit_signal);
	else if (info->exit_code)
		snprintf(detail + k, sizeof(detail) - (size_t)k,
			 "%sexit %d", k ? ", " : "", info->exit_code);
	snprintf(buf, n, "Slurm: %s%s%s%s%s%s, Slurm job %ld", info->state,
		 detail[0] ? " (" : "", detail, detail[0] ? ")" : "",
		 info->node[0] ? " on node " : "", info->node, info->id);
}

int
slurm_write_script(const char *jobdir)
{
	static const char text[] =
		"#!/bin/sh\n"
		"# spoolboard: the job's Slurm batch script; its arguments are "
		"the trainer's command\n"
		"exec \"$@\"\n";
	char *path = path_join(jobdir, SLURM_SCRIPT);
	int rc = file_write_atomic(path, text, sizeof(text) - 1);

	free(path);
	return rc;
}

/* The first line of a command's stderr, for a message. */
static const char *
first_line(struct strbuf *sb)
{
	if (!sb->buf)
		return "no message";
	sb->buf[strcspn(sb->buf, "\n")] = '\0';
	return *sb->buf ? sb->buf : "no message";
}

long
slurm_submit(const struct slurm_opts *o, const struct slurm_spec *spec)
{
	char *script = path_join(spec->jobdir, SLURM_SCRIPT);
	char **argv = slurm_sbatch_argv(o, spec, script);
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	long id = -1;
	int rc = slurm_command(argv, SLURM_CMD_TIMEOUT, &out, &err);

	if (rc == 0) {
		/* --parsable: "ID" or "ID;CLUSTER" */
		id = strtol(sb_str(&out), NULL, 10);
		if (id <= 0) {
			error("sbatch printed no job id: '%s'",
			      first_line(&out));
			id = -1;
		}
	} else if (rc > 0) {
		error("sbatch failed: %s", first_line(&err));
	}
	sb_release(&out);
	sb_release(&err);
	slurm_argv_free(argv);
	free(script);
	return id;
}

int
slurm_answer(int status, const char *out, const char *err, long id,
	     struct slurm_info *info)
{
	if (status == 0)
		return find_line(out, id, slurm_parse_line, info);
	/* one id that Slurm no longer knows (or never did) */
	if (status > 0 && strstr(err, "Invalid job id"))
		return 0;
	if (status > 0) {
		size_t n = strcspn(err, "\n");

		error("squeue about job %ld: %.*s", id, (int)n, n ? err :
		      "no message");
	}
	return -1;
}

int
slurm_query(long id, struct slurm_info *info)
{
	char **argv = slurm_squeue_argv(&id, 1);
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int rc = slurm_command(argv, SLURM_CMD_TIMEOUT, &out, &err);
	int found = slurm_answer(rc, sb_str(&out), sb_str(&err), id, info);

	sb_release(&out);
	sb_release(&err);
	slurm_argv_free(argv);
	return found;
}

int
slurm_parse_sacct(const char *line, struct slurm_info *info)
{
	char id[32], code[32];
	const char *p = line;

	memset(info, 0, sizeof(*info));
	if (next_field(&p, id, sizeof(id)) < 0 ||
	    next_field(&p, info->state, sizeof(info->state)) < 0 ||
	    next_field(&p, info->node, sizeof(info->node)) < 0 ||
	    next_field(&p, code, sizeof(code)) < 0)
		return -1;
	last_field(p, info->name, sizeof(info->name));
	/* "CANCELLED by 1000": the state is the first word */
	info->state[strcspn(info->state, " ")] = '\0';
	if (parse_id(id, &info->id) < 0 ||
	    sscanf(code, "%d:%d", &info->exit_code, &info->exit_signal) != 2)
		return -1;
	if (strcmp(info->node, "None assigned") == 0)
		info->node[0] = '\0';
	return info->state[0] ? 0 : -1;
}

int
slurm_sacct(long id, struct slurm_info *info)
{
	char ids[32];
	char user[32];
	char *argv[] = { (char *)"sacct", (char *)"-n", (char *)"-X",
			 (char *)"-P", (char *)"-j", ids, user,
			 (char *)"--format=JobID,State,NodeList,ExitCode,"
			 "JobName", NULL };
	struct strbuf out = STRBUF_INIT;
	int q = error_set_quiet(1), found = 0;

	snprintf(ids, sizeof(ids), "%ld", id);
	snprintf(user, sizeof(user), "--user=%ld", (long)getuid());
	if (slurm_command(argv, SLURM_CMD_TIMEOUT, &out, NULL) == 0)
		found = find_line(sb_str(&out), id, slurm_parse_sacct, info) > 0;
	error_set_quiet(q);
	sb_release(&out);
	return found;
}

long
slurm_find_name(const char *name)
{
	char *arg = xasprintf("--name=%s", name);
	char *user = xasprintf("--user=%ld", (long)getuid());
	char *argv[] = { (char *)"squeue", (char *)"-h", (char *)"-t",
			 (char *)"all", arg, user, (char *)"-o", (char *)"%i",
			 NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	long best = 0;
	int rc = slurm_command(argv, SLURM_CMD_TIMEOUT, &out, &err);

	if (rc == 0) {
		const char *p = sb_str(&out);

		while (*p) {
			long id = strtol(p, NULL, 10);

			if (id > best)
				best = id;
			p += strcspn(p, "\n");
			p += *p == '\n';
		}
	} else {
		if (rc > 0)
			error("squeue --name=%s: %s", name, first_line(&err));
		best = -1;
	}
	sb_release(&out);
	sb_release(&err);
	free(user);
	free(arg);
	return best;
}

pid_t
slurm_cancel_start(long id, int *fd)
{
	char ids[32];
	char *argv[] = { (char *)"scancel", ids, NULL };

	snprintf(ids, sizeof(ids), "%ld", id);
	return slurm_spawn(argv, fd);
}

int
slurm_cancel_end(long id, int status, int fd, int killed)
{
	struct strbuf out = STRBUF_INIT;
	int rc;

	/* it has ended: what it wrote (at most a pipe's worth) is there */
	for (int i = 0; i < 16 && slurm_drain(fd, &out); i++)
		;
	close(fd);
	rc = command_ended("scancel", status, killed ? SLURM_CMD_TIMEOUT : 0);
	if (rc > 0)
		error("scancel %ld: %s", id, first_line(&out));
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}
