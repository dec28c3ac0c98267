/*
 * main.c - spoolboard's command line: options, usage, wiring, exit codes.
 *
 * Exit codes: 0 ok, 1 runtime error or bad input, 2 usage.
 * Each subcommand parses its own options and calls into the modules.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define EXIT_USAGE 2

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

static const struct command *find_command(const char *name);

static int
print_usage(const struct command *c, FILE *fp)
{
	fprintf(fp, "usage: %s\n\n%s\n", c->usage, c->summary);
	return fp == stdout ? 0 : EXIT_USAGE;
}

static int
cmd_version(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		return print_usage(find_command("version"), stdout);
	if (argc > 1)
		return print_usage(find_command("version"), stderr);
	printf("spoolboard %s\n", SPOOLBOARD_VERSION);
	return 0;
}

static const struct command commands[] = {
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

	if (argc < 2)
		return usage_all(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage_all(stdout);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	c = find_command(argv[1]);
	if (!c) {
		error("unknown command '%s'", argv[1]);
		return usage_all(stderr);
	}
	return c->run(argc - 1, argv + 1);
}
