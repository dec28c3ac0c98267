/*
 * test-slurm.c - the Slurm side of the runner without a cluster: the
 * sbatch argv, scontrol's answers (canned from Slurm 22.05), the meaning
 * of each state, the messages, and running a command with a time limit.
 */
#include "runner/slurm.h"
#include "lib/error.h"
#include "lib/timeutil.h"
#include "tap.h"

#include <stdlib.h>

static const char pending[] =
	"JobId=12 JobName=spoolboard:lin:a1 UserId=root(0) GroupId=root(0) "
	"MCS_label=N/A Priority=4294901757 Nice=0 Account=(null) "
	"QOS=(null) JobState=PENDING Reason=Resources Dependency=(null) "
	"Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 "
	"RunTime=00:00:00 TimeLimit=UNLIMITED NodeList=(null) "
	"BatchHost=(null) NumNodes=1 Command=/sp ace/slurm.sh\n";
static const char running[] =
	"JobId=13 JobName=spoolboard:big:b2 JobState=RUNNING Reason=None "
	"Dependency=(null) Requeue=1 Restarts=2 BatchFlag=1 ExitCode=0:0 "
	"NodeList=node7 BatchHost=node7\n";
static const char timeout[] =
	"JobId=14 JobName=x JobState=TIMEOUT Reason=TimeLimit "
	"Dependency=(null) Restarts=0 ExitCode=0:15 NodeList=n1\n";
static const char failed[] =
	"JobId=15 JobName=x JobState=FAILED Reason=NonZeroExitCode "
	"Restarts=0 ExitCode=3:0 NodeList=n1\n";

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
				"/data", "spoolboard:a:1", 4, 3600, 1500.5 };
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
	slurm_argv_free(v);

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

	ok(slurm_parse_show(pending, &i) == 0, "a pending job parses");
	ok(i.id == 12 && strcmp(i.state, "PENDING") == 0 &&
	   strcmp(i.reason, "Resources") == 0 && i.node[0] == '\0' &&
	   i.restarts == 0, "pending: id, state, reason, no node");
	is_str(i.name, "spoolboard:lin:a1", "pending: its job name");
	ok(slurm_phase_of(i.state) == SLURM_QUEUED, "PENDING is queued");
	ok(slurm_parse_show(running, &i) == 0 &&
	   strcmp(i.node, "node7") == 0 && i.restarts == 2 &&
	   slurm_phase_of(i.state) == SLURM_RUNNING, "running: node, restarts");
	ok(slurm_parse_show(timeout, &i) == 0 && i.exit_signal == 15 &&
	   slurm_phase_of(i.state) == SLURM_ENDED &&
	   slurm_status_of(&i) == JOB_FAILED, "TIMEOUT ends failed");
	slurm_describe(&i, msg, sizeof(msg));
	is_str(msg, "Slurm: TIMEOUT (TimeLimit, signal 15) on node n1, "
	       "Slurm job 14", "TIMEOUT in Slurm's words");
	ok(slurm_parse_show(failed, &i) == 0 && i.exit_code == 3,
	   "exit code 3");
	slurm_describe(&i, msg, sizeof(msg));
	is_str(msg, "Slurm: FAILED (NonZeroExitCode, exit 3) on node n1, "
	       "Slurm job 15", "FAILED in Slurm's words");
	ok(slurm_parse_show("JobId=3 JobState=COMPLETED Reason=None "
			    "ExitCode=0:0 NodeList=n", &i) == 0 &&
	   slurm_status_of(&i) == JOB_COMPLETED, "COMPLETED 0:0 completes");
	slurm_describe(&i, msg, sizeof(msg));
	is_str(msg, "Slurm: COMPLETED on node n, Slurm job 3",
	       "no reason, no detail");
	ok(slurm_parse_show("JobId=4 JobState=CANCELLED Reason=None "
			    "ExitCode=0:15", &i) == 0 &&
	   slurm_status_of(&i) == JOB_CANCELLED, "CANCELLED is cancelled");
	ok(slurm_parse_show("JobId=5 JobState=OUT_OF_MEMORY", &i) == 0 &&
	   slurm_status_of(&i) == JOB_FAILED &&
	   slurm_phase_of(i.state) == SLURM_ENDED, "OUT_OF_MEMORY fails");
	ok(slurm_phase_of("NODE_FAIL") == SLURM_ENDED &&
	   slurm_phase_of("PREEMPTED") == SLURM_ENDED &&
	   slurm_phase_of("REQUEUED") == SLURM_QUEUED &&
	   slurm_phase_of("COMPLETING") == SLURM_RUNNING,
	   "the other states");
	ok(slurm_parse_show("", &i) < 0, "an empty answer is refused");
	ok(slurm_parse_show("JobId=5 Reason=x", &i) < 0,
	   "no JobState: refused");
	ok(slurm_parse_show("XJobId=5 SubJobState=RUNNING", &i) < 0,
	   "a key is matched whole");
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
	int q = error_set_quiet(1);

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
	error_set_quiet(q);
	sb_release(&out);
	sb_release(&err);
}

int
main(void)
{
	test_argv();
	test_parse();
	test_command();
	return tap_done();
}
