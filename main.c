/*
 * main.c - spoolboard's command line: options, usage, wiring, exit codes.
 *
 * Exit codes: 0 ok, 1 runtime error or bad input, 2 usage.
 * Each subcommand parses its own options and calls into the modules. Every
 * usage error, for every command, is reported by usage_error() (bad_option()
 * for what getopt_long refuses): "spoolboard CMD: what is wrong" and the
 * command's usage lines on stderr, exit status 2.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job/config.h"
#include "runner/daemon.h"
#include "render/mirror.h"
#include "render/site.h"
#include "render/watch.h"
#include "lib/error.h"
#include "runner/jobcmd.h"
#include "lib/pattern.h"
#include "lib/strbuf.h"
#include "runner/train/train.h"

#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 2

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

static const struct command *find_command(const char *name);
static int usage_all(FILE *fp);

/* --help: the command's usage and summary on stdout. Returns 0. */
static int
print_help(const struct command *c)
{
	printf("usage: %s\n\n%s\n", c->usage, c->summary);
	return 0;
}

/*
 * The one report of a usage error: "spoolboard CMD: MESSAGE" on stderr,
 * then CMD's usage lines as its --help starts (up to the option list).
 * With self NULL, "spoolboard: MESSAGE" and the list of commands. Returns
 * EXIT_USAGE, the status main() exits with.
 */
static int
usage_error(const struct command *self, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
usage_error(const struct command *self, const char *fmt, ...)
{
	const char *end;
	va_list ap;

	if (self)
		fprintf(stderr, "spoolboard %s: ", self->name);
	else
		fputs("spoolboard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!self)
		return usage_all(stderr);
	end = strstr(self->usage, "\n\n");
	if (!end)
		end = self->usage + strlen(self->usage);
	fprintf(stderr, "usage: %.*s\n", (int)(end - self->usage),
		self->usage);
	return EXIT_USAGE;
}

/*
 * The usage error for what getopt_long returned, c being '?' or ':' (every
 * option string starts with ':' and opterr is 0, so getopt prints nothing):
 * an unknown or ambiguous option, one without its value, or a long one
 * given a value it does not take. opts are the command's long options.
 * Returns EXIT_USAGE.
 */
static int
bad_option(const struct command *self, int c, char **argv,
	   const struct option *opts)
{
	/* getopt_long has stepped past a long option it refuses */
	const char *arg = argv[optind - 1];
	const char *name = strncmp(arg, "--", 2) == 0 ? arg + 2 : NULL;
	size_t len = name ? strcspn(name, "=") : 0;
	struct strbuf alts = STRBUF_INIT;
	int n = 0;

	if (c == ':' && name)
		return usage_error(self, "option '%s' needs a value", arg);
	if (c == ':')
		return usage_error(self, "option '-%c' needs a value", optopt);
	/* optopt: the unknown short option, or the long one given a value */
	for (const struct option *o = opts; optopt && name && o->name; o++)
		if (o->val == optopt && !o->has_arg && name[len] == '=' &&
		    strncmp(o->name, name, len) == 0)
			return usage_error(self, "option '--%s' takes no value",
					   o->name);
	if (optopt || !name)
		return usage_error(self, "unknown option '-%c'", optopt);
	for (const struct option *o = opts; o->name; o++)
		if (strncmp(o->name, name, len) == 0)
			sb_addf(&alts, "%s--%s", n++ ? ", " : "", o->name);
	if (n > 1)
		usage_error(self, "option '--%.*s' is ambiguous: %s", (int)len,
			    name, sb_str(&alts));
	else
		usage_error(self, "unknown option '--%.*s'", (int)len, name);
	sb_release(&alts);
	return EXIT_USAGE;
}

/*
 * The value s of option opt, an integer from lo to hi, into *v; -1 after
 * a usage error that says what would be accepted.
 */
static int
int_arg(const struct command *self, const char *opt, const char *s, int lo,
	int hi, int *v)
{
	char *end;
	long l = strtol(s, &end, 10);

	if (!*s || *end || l < lo || l > hi) {
		usage_error(self, "option '%s' must be an integer from %d to "
			    "%d, got '%s'", opt, lo, hi, s);
		return -1;
	}
	*v = (int)l;
	return 0;
}

/*
 * Compile re, the value of option opt, into *p (when p is not NULL); -1
 * after a usage error that says where in it the problem is.
 */
static int
compile_pattern(const struct command *self, const char *opt, const char *re,
		struct pattern **p)
{
	char err[256];
	struct pattern *pat = pattern_new(re, err, sizeof(err));

	if (!pat) {
		usage_error(self, "option '%s' must be a PCRE2 pattern, got "
			    "'%s': %s", opt, re, err);
		return -1;
	}
	if (p)
		*p = pat;
	else
		pattern_free(pat);
	return 0;
}

static int
cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *self = find_command("version");
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return print_help(self);
		return bad_option(self, c, argv, opts);
	}
	if (optind != argc)
		return usage_error(self, "unexpected argument '%s'",
				   argv[optind]);
	printf("spoolboard %s\n", SPOOLBOARD_VERSION);
	return 0;
}

/*
 * validate [--spool DIR] FILE...: each file's problems on stderr, or
 * "FILE: ok" (a sweep: its table) on stdout. 1 when any file had a
 * problem.
 */
static int
cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "data-root", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *self = find_command("validate");
	const char *spool = "spool", *data_root = NULL;
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return print_help(self);
		if (c == 's')
			spool = optarg;
		else if (c == 'd')
			data_root = optarg;
		else
			return bad_option(self, c, argv, opts);
	}
	if (optind == argc)
		return usage_error(self, "no config file given");
	return jobcmd_validate(spool, argv + optind, argc - optind, 0,
			       data_root);
}

/* sweep [--spool DIR] [--dry-run] FILE...: submit sweeps, or list them. */
static int
cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *self = find_command("sweep");
	const char *spool = "spool";
	int c, dry = 0;

	while ((c = getopt_long(argc, argv, ":hn", opts, NULL)) != -1) {
		if (c == 'h')
			return print_help(self);
		if (c == 's')
			spool = optarg;
		else if (c == 'n')
			dry = 1;
		else
			return bad_option(self, c, argv, opts);
	}
	if (optind == argc)
		return usage_error(self, "no config file given");
	if (dry)
		return jobcmd_validate(spool, argv + optind, argc - optind, 1,
				       NULL);
	return jobcmd_submit(spool, argv + optind, argc - optind, 1);
}

static int
cmd_train(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "data-root", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "fresh", no_argument, NULL, 'F' },
		{ "wait-lock", required_argument, NULL, 'W' },
		{ "fixed-threads", no_argument, NULL, 'X' },
		{ "allow-exec", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *self = find_command("train");
	struct train_opts o = { .progress = -1 };
	char *out = NULL;
	struct stat st;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":o:d:t:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'o':
			o.jobdir = optarg;
			break;
		case 'd':
			o.data_root = optarg;
			break;
		case 't':
			if (int_arg(self, "--threads", optarg, 1, 1024,
				    &o.threads) < 0)
				return EXIT_USAGE;
			break;
		case 'p':
			o.progress = 1;
			break;
		case 'P':
			o.progress = 0;
			break;
		case 'F':
			o.fresh = 1;
			break;
		case 'W':
			if (int_arg(self, "--wait-lock", optarg, 0, 86400,
				    &o.wait_lock) < 0)
				return EXIT_USAGE;
			break;
		case 'X':
			o.fixed_threads = 1;
			break;
		case 'x':
			o.allow_exec = 1;
			break;
		case 'h':
			return print_help(self);
		default:
			return bad_option(self, c, argv, longopts);
		}
	}
	if (optind == argc)
		return usage_error(self, "no config file or job directory "
				   "given");
	if (optind + 1 != argc)
		return usage_error(self, "unexpected argument '%s'",
				   argv[optind + 1]);
	if (stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode)) {
		if (o.jobdir)
			return usage_error(self, "option '--out' is for a "
					   "config file; '%s' is a job "
					   "directory", argv[optind]);
		o.jobdir = argv[optind];
	} else {
		o.config = argv[optind];
		if (!o.jobdir) {
			/* runs/STEM, STEM being the config's name less .json */
			char *copy = xstrdup(o.config);
			char *stem = basename(copy);
			char *dot = strrchr(stem, '.');

			if (dot && dot != stem)
				*dot = '\0';
			out = xasprintf("runs/%s", stem);
			free(copy);
			o.jobdir = out;
		}
	}
	rc = train_run(&o);
	free(out);
	return rc;
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "www", required_argument, NULL, 'w' },
		{ "slots", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "data-root", required_argument, NULL, 'd' },
		{ "once", no_argument, NULL, 'o' },
		{ "no-render", no_argument, NULL, 'R' },
		{ "templates", required_argument, NULL, 'T' },
		{ "log-error", required_argument, NULL, 'E' },
		{ "log-warning", required_argument, NULL, 'W' },
		{ "executor", required_argument, NULL, 'x' },
		{ "partition", required_argument, NULL, 'P' },
		{ "account", required_argument, NULL, 'A' },
		{ "sbatch-arg", required_argument, NULL, 'B' },
		{ "allow-exec", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *self = find_command("run");
	struct daemon_opts o = { .spool = "spool", .slots = 1, .render = 1 };
	static const char *extra[64];
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.spool = optarg;
			break;
		case 'w':
			o.www = optarg;
			break;
		case 'n':
			if (int_arg(self, "--slots", optarg, 0, 256,
				    &o.slots) < 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (int_arg(self, "--threads", optarg, 1, 1024,
				    &o.threads) < 0)
				return EXIT_USAGE;
			break;
		case 'd':
			o.data_root = optarg;
			break;
		case 'o':
			o.once = 1;
			break;
		case 'R':
			o.render = 0;
			break;
		case 'T':
			o.templates = optarg;
			break;
		case 'E':
		case 'W':
			if (compile_pattern(self, c == 'E' ? "--log-error" :
					    "--log-warning", optarg, NULL) < 0)
				return EXIT_USAGE;
			*(c == 'E' ? &o.log_error : &o.log_warning) = optarg;
			break;
		case 'x':
			if (strcmp(optarg, "local") != 0 &&
			    strcmp(optarg, "slurm") != 0)
				return usage_error(self, "--executor: '%s' is "
						   "not local or slurm",
						   optarg);
			o.slurm = strcmp(optarg, "slurm") == 0;
			break;
		case 'P':
			o.sbatch.partition = optarg;
			break;
		case 'A':
			o.sbatch.account = optarg;
			break;
		case 'B':
			if (o.sbatch.nextra == (int)(sizeof(extra) /
						     sizeof(*extra)))
				return usage_error(self, "--sbatch-arg: more "
						   "than %zu", sizeof(extra) /
						   sizeof(*extra));
			extra[o.sbatch.nextra++] = optarg;
			break;
		case 'X':
			o.allow_exec = 1;
			break;
		case 'h':
			return print_help(self);
		default:
			return bad_option(self, c, argv, opts);
		}
	}
	o.sbatch.extra = extra;
	if (optind != argc)
		return usage_error(self, "unexpected argument '%s'",
				   argv[optind]);
	if (!o.slurm && (o.sbatch.partition || o.sbatch.account ||
			 o.sbatch.nextra))
		return usage_error(self, "--partition, --account and "
				   "--sbatch-arg need --executor slurm");
	return daemon_run(&o);
}

/*
 * The commands that take [--spool DIR] and operands: parse the options,
 * leave the operands in argv[optind..argc). json, fresh and out are NULL
 * for a command without --json, --fresh or -o/--output. Returns -1 to go
 * on, else the exit status.
 */
static int
spool_options(const struct command *self, int argc, char **argv,
	      const char **spool, int *json, int *fresh, const char **out)
{
	struct option opts[6];
	int c, n = 0;

	/* Only this command's options: the others are unknown to it. */
	opts[n++] = (struct option){ "spool", required_argument, NULL, 's' };
	if (json)
		opts[n++] = (struct option){ "json", no_argument, NULL, 'j' };
	if (fresh)
		opts[n++] = (struct option){ "fresh", no_argument, NULL, 'f' };
	if (out)
		opts[n++] = (struct option){ "output", required_argument, NULL,
					     'o' };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	*spool = "spool";
	while ((c = getopt_long(argc, argv, out ? ":ho:" : ":h", opts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			*spool = optarg;
			break;
		case 'j':
			*json = 1;
			break;
		case 'f':
			*fresh = 1;
			break;
		case 'o':
			*out = optarg;
			break;
		case 'h':
			return print_help(self);
		default:
			return bad_option(self, c, argv, opts);
		}
	}
	return -1;
}

static int
cmd_submit(int argc, char **argv)
{
	const struct command *self = find_command("submit");
	const char *spool;
	int rc = spool_options(self, argc, argv, &spool, NULL, NULL, NULL);

	if (rc >= 0)
		return rc;
	if (optind == argc)
		return usage_error(self, "no config file given");
	return jobcmd_submit(spool, argv + optind, argc - optind, 0);
}

static int
cmd_ls(int argc, char **argv)
{
	const struct command *self = find_command("ls");
	const char *spool;
	int json = 0;
	int rc = spool_options(self, argc, argv, &spool, &json, NULL, NULL);

	if (rc >= 0)
		return rc;
	if (optind != argc)
		return usage_error(self, "unexpected argument '%s'",
				   argv[optind]);
	return jobcmd_ls(spool, json);
}

/* cancel, retry and rm: IDs after the options. */
static int
control_command(const char *name, int argc, char **argv,
		enum control_action a)
{
	const struct command *self = find_command(name);
	const char *spool;
	int fresh = 0;
	int rc = spool_options(self, argc, argv, &spool, NULL,
			       a == CONTROL_RETRY ? &fresh : NULL, NULL);

	if (rc >= 0)
		return rc;
	if (optind == argc)
		return usage_error(self, "no job ID given");
	return jobcmd_control(spool, argv + optind, argc - optind,
			      fresh ? CONTROL_RETRY_FRESH : a);
}

static int
cmd_cancel(int argc, char **argv)
{
	return control_command("cancel", argc, argv, CONTROL_CANCEL);
}

static int
cmd_retry(int argc, char **argv)
{
	return control_command("retry", argc, argv, CONTROL_RETRY);
}

static int
cmd_rm(int argc, char **argv)
{
	return control_command("rm", argc, argv, CONTROL_RM);
}

static int
cmd_export(int argc, char **argv)
{
	const struct command *self = find_command("export");
	const char *spool, *out = NULL;
	int rc = spool_options(self, argc, argv, &spool, NULL, NULL, &out);

	if (rc >= 0)
		return rc;
	if (optind == argc)
		return usage_error(self, "no job ID given");
	if (optind + 1 != argc)
		return usage_error(self, "unexpected argument '%s'",
				   argv[optind + 1]);
	return jobcmd_export(spool, argv[optind], out);
}

/*
 * Where the templates are when --templates is not given: the installed
 * ones (SPOOLBOARD_DATADIR/templates), else those of the source tree the
 * binary was built in (BIN/../templates, for build/spoolboard), else
 * ./templates. The caller frees the result.
 */
static char *
default_templates(void)
{
	char exe[4096], *dir;
	struct stat st;
	ssize_t n;

	if (stat(SPOOLBOARD_DATADIR "/templates", &st) == 0)
		return xstrdup(SPOOLBOARD_DATADIR "/templates");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		dir = xasprintf("%s/../templates", dirname(exe));
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
		free(dir);
	}
	return xstrdup("templates");
}

/*
 * render [--spool DIR] [--www DIR] [--templates DIR]: the static site of
 * a spool. Templates default to SPOOLBOARD_DATADIR/templates when it
 * exists, else ./templates.
 */
static int
cmd_render(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "www", required_argument, NULL, 'w' },
		{ "templates", required_argument, NULL, 't' },
		{ "watch", no_argument, NULL, 'W' },
		{ "log-error", required_argument, NULL, 'E' },
		{ "log-warning", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *self = find_command("render");
	const char *spool = "spool", *www = NULL, *templates = NULL;
	const char *err_re = VIEW_ERROR_RE, *warn_re = VIEW_WARNING_RE;
	struct pattern *pe = NULL, *pw = NULL;
	struct site_opts o = { 0 };
	char *www_def = NULL, *tmpl_def = NULL;
	struct stat st;
	int c, rc, watching = 0;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			spool = optarg;
			break;
		case 'w':
			www = optarg;
			break;
		case 't':
			templates = optarg;
			break;
		case 'W':
			watching = 1;
			break;
		case 'E':
			err_re = optarg;
			break;
		case 'L':
			warn_re = optarg;
			break;
		case 'h':
			return print_help(self);
		default:
			return bad_option(self, c, argv, longopts);
		}
	}
	if (optind != argc)
		return usage_error(self, "unexpected argument '%s'",
				   argv[optind]);
	if ((*err_re &&
	     compile_pattern(self, "--log-error", err_re, &pe) < 0) ||
	    (*warn_re &&
	     compile_pattern(self, "--log-warning", warn_re, &pw) < 0)) {
		pattern_free(pe);
		return EXIT_USAGE;
	}
	if (stat(spool, &st) < 0 || !S_ISDIR(st.st_mode)) {
		error("render: '%s' is not a spool directory", spool);
		return 1;
	}
	if (!www) {
		www_def = xasprintf("%s/www", spool);
		www = www_def;
	}
	if (!templates)
		templates = tmpl_def = default_templates();
	o.spool = spool;
	o.www = www;
	o.templates = templates;
	o.view.error_re = pe;
	o.view.warning_re = pw;
	if (watching)
		rc = watch_run(&o) < 0 ? 1 : 0;
	else
		rc = site_render_all(&o) < 0 ? 1 : 0;
	pattern_free(pe);
	pattern_free(pw);
	free(www_def);
	free(tmpl_def);
	return rc;
}

/*
 * mirror [--spool DIR] [--www DIR] [--full] DEST [-- RSYNC-OPTION...]:
 * copy the site to DEST with rsync, sending what changed since the last
 * mirror there. What follows "--" goes to rsync as it is.
 */
static int
cmd_mirror(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "www", required_argument, NULL, 'w' },
		{ "full", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *self = find_command("mirror");
	const char *spool = "spool", *www = NULL;
	char *www_def = NULL;
	int c, rc, full = 0, nopt = argc;

	/* DEST comes before "--", rsync's options after it */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			nopt = i;
			break;
		}
	while ((c = getopt_long(nopt, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			spool = optarg;
			break;
		case 'w':
			www = optarg;
			break;
		case 'f':
			full = 1;
			break;
		case 'h':
			return print_help(self);
		default:
			return bad_option(self, c, argv, longopts);
		}
	}
	if (optind == nopt)
		return usage_error(self, "no destination given");
	if (optind + 1 != nopt)
		return usage_error(self, "unexpected argument '%s'",
				   argv[optind + 1]);
	if (!www)
		www = www_def = xasprintf("%s/www", spool);
	rc = mirror_run(www, argv[optind], full, argv + nopt + (nopt < argc),
			argc - nopt - (nopt < argc)) < 0 ? 1 : 0;
	free(www_def);
	return rc;
}

static const struct command commands[] = {
	{ "run", cmd_run, "Serve a spool: claim configs, run the jobs.",
	  "spoolboard run [--spool DIR] [--www DIR] [--slots N] "
	  "[--threads N]\n"
	  "                      [--data-root DIR] [--once] [--no-render]\n"
	  "                      [--templates DIR] [--log-error RE] "
	  "[--log-warning RE]\n"
	  "                      [--executor local|slurm] [--partition P] "
	  "[--account A]\n"
	  "                      [--sbatch-arg ARG]... [--allow-exec]\n\n"
	  "  --spool DIR       the spool (default ./spool, created when "
	  "missing)\n"
	  "  --www DIR         where the site goes (default SPOOL/www)\n"
	  "  --slots N         jobs at once (default 1; 0 claims, runs none)\n"
	  "  --threads N       threads per job whose config sets none\n"
	  "                    (default: cores / slots)\n"
	  "  --data-root DIR   data.path is relative to DIR and must stay in "
	  "it\n"
	  "                    (default: the working directory)\n"
	  "  --once            run what is queued, wait for it, exit\n"
	  "  --no-render       do not render the site\n"
	  "  --templates DIR, --log-error RE, --log-warning RE\n"
	  "                    passed on to `spoolboard render`\n"
	  "  --executor E      local: each job is a process here (default);\n"
	  "                    slurm: each job is an sbatch job "
	  "(docs/slurm.md)\n"
	  "  --partition P, --account A\n"
	  "                    the Slurm partition and account (with slurm)\n"
	  "  --sbatch-arg ARG  one more sbatch option, as one argument "
	  "(repeatable)\n"
	  "  --allow-exec      run exec jobs, configs with a \"command\" "
	  "(docs/exec.md);\n"
	  "                    without it they are rejected: anyone who can "
	  "write\n"
	  "                    into incoming/ could run any command" },
	{ "submit", cmd_submit,
	  "Validate configs (and sweeps) and copy them into incoming/.",
	  "spoolboard submit [--spool DIR] FILE..." },
	{ "ls", cmd_ls, "List the jobs of a spool.",
	  "spoolboard ls [--spool DIR] [--json]" },
	{ "cancel", cmd_cancel,
	  "Cancel jobs (a running one checkpoints and stops).",
	  "spoolboard cancel [--spool DIR] ID..." },
	{ "retry", cmd_retry,
	  "Queue finished jobs again, resuming from their newest checkpoint.",
	  "spoolboard retry [--spool DIR] [--fresh] ID...\n\n"
	  "  --fresh   start over: the job's checkpoints are removed" },
	{ "rm", cmd_rm, "Remove finished jobs.",
	  "spoolboard rm [--spool DIR] ID..." },
	{ "export", cmd_export, "Write one tar.zst archive of a job.",
	  "spoolboard export [--spool DIR] ID [-o FILE]\n\n"
	  "  -o, --output FILE   the archive (default ID.tar.zst)" },
	{ "train", cmd_train, "Train one job in the foreground.",
	  "spoolboard train CONFIG [--out JOBDIR] [--data-root DIR] "
	  "[--threads N]\n"
	  "                        [--progress | --no-progress] [--fresh]\n"
	  "                        [--wait-lock S] [--fixed-threads] "
	  "[--allow-exec]\n"
	  "       spoolboard train JOBDIR [OPTIONS]\n\n"
	  "  --out JOBDIR      the job directory to write (default runs/STEM)\n"
	  "  --data-root DIR   data.path is relative to DIR (default: the\n"
	  "                    config's directory)\n"
	  "  --threads N       OpenMP threads at most (default: the config's,\n"
	  "                    else all cores): fewer when other processes\n"
	  "                    keep cores busy, or when one thread is faster\n"
	  "  --fixed-threads   exactly N threads, whatever the load or speed\n"
	  "  --progress        draw a progress bar (default: on a terminal)\n"
	  "  --no-progress     never draw one\n"
	  "  --fresh           delete the job's checkpoints and start over\n"
	  "                    (default: resume from the newest one)\n"
	  "  --wait-lock S     when another process trains the job, wait up\n"
	  "                    to S seconds for it to stop (default 0: fail)\n"
	  "  --allow-exec      run the command of an exec job "
	  "(docs/exec.md)\n\n"
	  "SIGTERM or SIGINT: checkpoint and stop, cancelled. SIGUSR1:\n"
	  "checkpoint and stop, failed before a time limit (a retry resumes).\n"
	  "Exit status: 0 completed, 1 failed, 2 usage, 3 cancelled." },
	{ "render", cmd_render, "Write the static dashboard of a spool.",
	  "spoolboard render [--spool DIR] [--www DIR] [--templates DIR] "
	  "[--watch]\n"
	  "                         [--log-error RE] [--log-warning RE]\n\n"
	  "  --spool DIR       the spool (default ./spool)\n"
	  "  --www DIR         the site to write (default SPOOL/www)\n"
	  "  --templates DIR   the templates (default the installed ones,\n"
	  "                    else those beside the binary's folder, else\n"
	  "                    ./templates)\n"
	  "  --watch           render, then keep the site up to date with\n"
	  "                    inotify until SIGTERM or SIGINT\n"
	  "  --log-error RE    PCRE2 pattern of the log lines marked as errors\n"
	  "                    (default " VIEW_ERROR_RE "; '' for none)\n"
	  "  --log-warning RE  the same for warnings (default "
	  VIEW_WARNING_RE ";\n"
	  "                    '' for none)" },
	{ "mirror", cmd_mirror,
	  "Copy the site elsewhere with rsync, sending what changed.",
	  "spoolboard mirror [--spool DIR] [--www DIR] [--full] DEST "
	  "[-- RSYNC-OPTION...]\n\n"
	  "  --spool DIR   the spool (default ./spool)\n"
	  "  --www DIR     the site (default SPOOL/www)\n"
	  "  --full        copy everything and delete in DEST what the site\n"
	  "                lacks (the first mirror to DEST always does)\n\n"
	  "DEST is any destination rsync takes (a folder, host:path). After\n"
	  "the first, a mirror sends only the paths changed or gone since\n"
	  "the last one to DEST (the site keeps a record of each in\n"
	  "www/" MIRROR_DIR "). Options after -- go to rsync: -z, -q, --stats,\n"
	  "-e 'ssh -p 2222' and others that neither skip a file, follow a\n"
	  "link nor copy nothing (docs/dashboard.md)." },
	{ "sweep", cmd_sweep,
	  "Submit sweeps (one config, many jobs), or list their jobs.",
	  "spoolboard sweep [--spool DIR] [--dry-run] FILE...\n\n"
	  "  --dry-run   validate every member and print them as a table;\n"
	  "              submit nothing" },
	{ "validate", cmd_validate,
	  "Check job configs and report every problem in each.",
	  "spoolboard validate [--spool DIR] [--data-root DIR] FILE...\n\n"
	  "  --spool DIR       presets are also looked for in DIR/presets\n"
	  "                    (default ./spool)\n"
	  "  --data-root DIR   also open each config's data below DIR and\n"
	  "                    check it as the trainer will (the file, the\n"
	  "                    columns and targets, enough rows)" },
	{ "version", cmd_version, "Print the version.", "spoolboard version" },
};

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
usage_all(FILE *fp)
{
	fprintf(fp, "usage: spoolboard COMMAND [OPTIONS]\n\n"
		"Train small neural networks from a spool of JSON configs.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(fp, "\n'spoolboard COMMAND --help' describes one command.\n");
	return fp == stdout ? 0 : EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	const struct command *c;

	/* Usage errors are reported by usage_error(), never by getopt. */
	opterr = 0;
	if (argc < 2)
		return usage_error(NULL, "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage_all(stdout);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	if (argv[1][0] == '-' && argv[1][1])
		return usage_error(NULL, "unknown option '%s'", argv[1]);
	c = find_command(argv[1]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	return c->run(argc - 1, argv + 1);
}
