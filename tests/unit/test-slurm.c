/*
 * test-slurm.c - the Slurm side of the runner without a cluster: the
 * sbatch argv, squeue's answers (canned from Slurm 22.05), the meaning
 * of each state, the messages, and running a command with a time limit.
 */
#include "runner/slurm.h"
#include "lib/error.h"
#include "lib/timeutil.h"
#include "tap.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* lines of `squeue -h -t all --jobs=... --Format=...`, as Slurm 22.05
   writes them (exit_code is the wait status) */
static const char pending[] = "12|PENDING|Resources||0|0|spoolboard:lin:a1\n";
static const char running[] = "13|RUNNING|None|node7|0|2|spoolboard:big:b2\n";
static const char timeout[] = "14|TIMEOUT|TimeLimit|n1|15|0|x\n";
static const char failed[] = "15|FAILED|NonZeroExitCode|n1|768|0|a|b\n";

static int
has_arg(char **argv, const char *arg)
{
	for (char **p = argv; *p; p++)
		if (strcmp(*p, arg) == 0)
			return 1;
	return 0;
}

static void
test_argv(void)
{
	const char *extra[] = { "--begin=now+1hour", "--qos=low" };
	struct slurm_opts o = { "gpu", "proj", extra, 2 };
	struct slurm_spec s = { "/usr/bin/spoolboard", "/sp 100%/jobs/a",
				"/data", "spoolboard:a:1", 4, 3600, 1500.5,
				0 };
	char **v = slurm_sbatch_argv(&o, &s, "/sp 100%/jobs/a/slurm.sh");
	int n = 0, script = -1;

	while (v[n]) {
		if (strcmp(v[n], "/sp 100%/jobs/a/slurm.sh") == 0)
			script = n;
		n++;
	}
	is_str(v[0], "sbatch", "argv[0] is sbatch");
	ok(has_arg(v, "--parsable"), "--parsable");
	ok(has_arg(v, "--job-name=spoolboard:a:1"), "the job name");
	ok(has_arg(v, "--output=/sp 100%%/jobs/a/log.txt"),
	   "the output is log.txt, '%%' doubled for sbatch");
	ok(has_arg(v, "--open-mode=append"), "appended");
	ok(has_arg(v, "--cpus-per-task=4"), "CPUs from the threads");
	ok(has_arg(v, "--mem=1501"), "memory rounded up");
	ok(has_arg(v, "--time=63"), "time from max_seconds, past the "
	   "trainer's own limit and the signal's margin, in minutes");
	ok(has_arg(v, "--signal=B:USR1@90"), "SIGUSR1 90 s before the end");
	ok(has_arg(v, "--requeue"), "requeue allowed");
	ok(has_arg(v, "--partition=gpu") && has_arg(v, "--account=proj"),
	   "partition and account");
	ok(script > 0 && strcmp(v[script - 1], "--qos=low") == 0 &&
	   strcmp(v[script - 2], "--begin=now+1hour") == 0,
	   "extra arguments in order, just before the script");
	ok(script > 0 && n == script + 10 &&
	   strcmp(v[script + 1], "/usr/bin/spoolboard") == 0 &&
	   strcmp(v[script + 2], "train") == 0 &&
	   strcmp(v[script + 3], "/sp 100%/jobs/a") == 0 &&
	   strcmp(v[script + 5], "/data") == 0 &&
	   strcmp(v[script + 7], "4") == 0 &&
	   strcmp(v[script + 9], "--wait-lock=600") == 0,
	   "the trainer's command follows the script, untouched");
	ok(!has_arg(v, "--allow-exec"), "no --allow-exec unless allowed");
	slurm_argv_free(v);
	s.allow_exec = 1;
	v = slurm_sbatch_argv(&o, &s, "x");
	ok(has_arg(v, "--allow-exec"), "--allow-exec passed on to train "
	   "when the runner has it");
	slurm_argv_free(v);
	s.allow_exec = 0;

	o = (struct slurm_opts){ NULL, NULL, NULL, 0 };
	s.threads = 0;
	s.max_seconds = 100.2;
	s.max_memory_mb = 0;
	v = slurm_sbatch_argv(&o, &s, "x");
	ok(has_arg(v, "--cpus-per-task=1") && has_arg(v, "--time=5") &&
	   has_arg(v, "--signal=B:USR1@90"), "a short limit: minutes past "
	   "it, the signal still asked for");
	slurm_argv_free(v);
	s.max_seconds = 0;
	v = slurm_sbatch_argv(&o, &s, "x");
	ok(has_arg(v, "--signal=B:USR1@90"), "no limit: the signal for the "
	   "partition's");
	for (int i = 0; v[i]; i++)
		ok(strncmp(v[i], "--mem", 5) != 0 &&
		   strncmp(v[i], "--time", 6) != 0 &&
		   strncmp(v[i], "--partition", 11) != 0 &&
		   strncmp(v[i], "--account", 9) != 0,
		   "no limit nor option: '%s'", v[i]);
	slurm_argv_free(v);
}

static void
test_parse(void)
{
	struct slurm_info i;
	char msg[256];

	ok(slurm_parse_line(pending, &i) == 0, "a pending job parses");
	ok(i.id == 12 && strcmp(i.state, "PENDING") == 0 &&
	   strcmp(i.reason, "Resources") == 0 && i.node[0] == '\0' &&
	   i.restarts == 0, "pending: id, state, reason, no node");
	is_str(i.name, "spoolboard:lin:a1", "pending: its job name");
	ok(slurm_phase_of(i.state) == SLURM_QUEUED, "PENDING is queued");
	ok(slurm_parse_line(running, &i) == 0 &&
	   strcmp(i.node, "node7") == 0 && i.restarts == 2 &&
	   slurm_phase_of(i.state) == SLURM_RUNNING, "running: node, restarts");
	ok(slurm_parse_line(timeout, &i) == 0 && i.exit_signal == 15 &&
	   i.exit_code == 0 && slurm_phase_of(i.state) == SLURM_ENDED &&
	   slurm_status_of(&i) == JOB_FAILED, "TIMEOUT (signal 15) fails");
	slurm_describe(&i, msg, sizeof(msg));
	is_str(msg, "Slurm: TIMEOUT (TimeLimit, signal 15) on node n1, "
	       "Slurm job 14", "TIMEOUT in Slurm's words");
	ok(slurm_parse_line(failed, &i) == 0 && i.exit_code == 3 &&
	   i.exit_signal == 0, "wait status 768: exit code 3");
	is_str(i.name, "a|b", "the name, last, is taken whole");
	slurm_describe(&i, msg, sizeof(msg));
	is_str(msg, "Slurm: FAILED (NonZeroExitCode, exit 3) on node n1, "
	       "Slurm job 15", "FAILED in Slurm's words");
	ok(slurm_parse_line("3|COMPLETED|None|n|0|0|x", &i) == 0 &&
	   slurm_status_of(&i) == JOB_COMPLETED, "COMPLETED 0 completes");
	slurm_describe(&i, msg, sizeof(msg));
	is_str(msg, "Slurm: COMPLETED on node n, Slurm job 3",
	       "no reason, no detail");
	ok(slurm_parse_line("4|CANCELLED|None||15|0|x", &i) == 0 &&
	   slurm_status_of(&i) == JOB_CANCELLED, "CANCELLED is cancelled");
	ok(slurm_parse_line("5|OUT_OF_MEMORY|OutOfMemory|n|9|0|x", &i) == 0 &&
	   slurm_status_of(&i) == JOB_FAILED && i.exit_signal == 9 &&
	   slurm_phase_of(i.state) == SLURM_ENDED, "OUT_OF_MEMORY fails");
	ok(slurm_phase_of("NODE_FAIL") == SLURM_ENDED &&
	   slurm_phase_of("PREEMPTED") == SLURM_ENDED &&
	   slurm_phase_of("REQUEUED") == SLURM_QUEUED &&
	   slurm_phase_of("COMPLETING") == SLURM_RUNNING,
	   "the other states");
	ok(slurm_parse_line("", &i) < 0, "an empty line is refused");
	ok(slurm_parse_line("5|RUNNING|None", &i) < 0, "a short line too");
	ok(slurm_parse_line("squeue: error: x|y|z|w|v|u|t", &i) < 0,
	   "a line of squeue's errors too");
	ok(slurm_parse_line("7||None||0|0|x", &i) < 0, "no state: refused");

	/* sacct -n -X -P --format=JobID,State,NodeList,ExitCode,JobName */
	ok(slurm_parse_sacct("21|CANCELLED by 1000|n4|0:15|spoolboard:a:1\n",
			     &i) == 0 && i.id == 21 &&
	   strcmp(i.state, "CANCELLED") == 0 && strcmp(i.node, "n4") == 0 &&
	   i.exit_signal == 15 && strcmp(i.name, "spoolboard:a:1") == 0,
	   "sacct: 'CANCELLED by UID' is CANCELLED, code:signal");
	ok(slurm_parse_sacct("22|TIMEOUT|n1|0:0|x", &i) == 0 &&
	   slurm_phase_of(i.state) == SLURM_ENDED, "sacct: TIMEOUT ended");
	ok(slurm_parse_sacct("23|FAILED|None assigned|2:0|x", &i) == 0 &&
	   i.node[0] == '\0' && i.exit_code == 2, "sacct: no node, exit 2");
	ok(slurm_parse_sacct("25_1|FAILED|n1|1:0|y", &i) < 0 &&
	   slurm_parse_sacct("-25|FAILED|n1|1:0|y", &i) < 0,
	   "sacct: an id is digits only");
	ok(slurm_parse_sacct("24|FAILED|n1|x|y", &i) < 0 &&
	   slurm_parse_sacct("sacct: error: Slurm accounting storage is "
			     "disabled", &i) < 0, "sacct: not a line");
}

/* What an answer says of each job asked about. */
static void
test_answer(void)
{
	char out[256];
	struct slurm_info i;
	int q = error_set_quiet(1);
	long ids[] = { 12, 13, 9 };
	char **v = slurm_squeue_argv(ids, 3);
	char user[32];

	snprintf(user, sizeof(user), "--user=%ld", (long)getuid());
	ok(has_arg(v, "--jobs=12,13,9") && has_arg(v, "all") &&
	   strncmp(v[6], "--Format=JobID:|,State:|", 24) == 0,
	   "one squeue for every job");
	ok(has_arg(v, user), "only the runner's user's jobs");
	slurm_argv_free(v);
	snprintf(out, sizeof(out), "%s%s", pending, running);
	ok(slurm_answer(0, out, "", 13, &i) == 1 && i.id == 13 &&
	   strcmp(i.node, "node7") == 0, "a job found in the answer");
	ok(slurm_answer(0, out, "", 9, &i) == 0,
	   "a job left out: no longer known");
	snprintf(out, sizeof(out), "13|PENDING|None||0|0|x\n%s", running);
	ok(slurm_answer(0, out, "", 13, &i) == -1 &&
	   strstr(error_last(), "listed job 13 twice"),
	   "a job listed twice (a name forging a line): not trusted");
	ok(slurm_parse_line("13_2|RUNNING|None|n|0|0|x", &i) < 0 &&
	   slurm_parse_line("+13|RUNNING|None|n|0|0|x", &i) < 0,
	   "an id is digits only");
	ok(slurm_answer(1, "", "slurm_load_jobs error: Invalid job id "
			"specified\n", 9, &i) == 0,
	   "one job asked about, unknown: no longer known");
	ok(slurm_answer(1, "", "slurm_load_jobs error: Unable to contact "
			"slurm controller (connect failure)\n", 9, &i) == -1 &&
	   strstr(error_last(), "Unable to contact slurm controller"),
	   "Slurm not answering is an error: %s", error_last());
	ok(slurm_answer(-1, "", "", 9, &i) == -1, "squeue not run: error");
	error_set_quiet(q);
}

static void
test_command(void)
{
	char *echo[] = { (char *)"sh", (char *)"-c",
			 (char *)"echo out; echo err >&2; exit 3", NULL };
	char *slow[] = { (char *)"sleep", (char *)"5", NULL };
	char *none[] = { (char *)"/nonexistent/sbatch", NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	double t0;
	int q = error_set_quiet(1), fd = -1, status;
	pid_t pid;

	ok(slurm_command(echo, 5, &out, &err) == 3, "exit status returned");
	is_str(sb_str(&out), "out\n", "stdout captured");
	is_str(sb_str(&err), "err\n", "stderr captured");
	t0 = time_mono();
	ok(slurm_command(slow, 0.3, NULL, NULL) == -1 &&
	   time_mono() - t0 < 3, "a command past its time is killed");
	ok(strstr(error_last(), "did not answer within") != NULL,
	   "and says so: %s", error_last());
	ok(slurm_command(none, 5, NULL, NULL) == -1 &&
	   strstr(error_last(), "cannot run /nonexistent/sbatch"),
	   "a missing command: %s", error_last());
	sb_reset(&out);
	pid = slurm_spawn(echo, &fd);
	ok(pid > 0 && fd >= 0, "a command started without waiting");
	for (t0 = time_mono(); fd >= 0 && time_mono() - t0 < 5;)
		if (!slurm_drain(fd, &out)) {
			close(fd);
			fd = -1;
		}
	ok(fd < 0 && waitpid(pid, &status, 0) == pid &&
	   WIFEXITED(status) && WEXITSTATUS(status) == 3,
	   "its output read to the end, its status reaped");
	ok(strstr(sb_str(&out), "out\n") && strstr(sb_str(&out), "err\n"),
	   "stdout and stderr in one pipe");
	error_set_quiet(q);
	sb_release(&out);
	sb_release(&err);
}

int
main(void)
{
	test_argv();
	test_parse();
	test_answer();
	test_command();
	return tap_done();
}
