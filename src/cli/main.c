/*
 * main.c — the illan program: dispatch to subcommands (cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#pragma weak cmd_run
#pragma weak cmd_matrix
#pragma weak cmd_bench
#pragma weak cmd_netns
#pragma weak cmd_daemon
#pragma weak cmd_stats
#pragma weak cmd_flows
#pragma weak cmd_why
#pragma weak cmd_watch
#pragma weak cmd_topo
#pragma weak cmd_diff

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{"run", cmd_run, "run a topology (the seed by default) and report every flow"},
	{"matrix", cmd_matrix, "run all 16 fix combinations and tabulate"},
	{"topo", cmd_topo, "check or draw a topology file"},
	{"bench", cmd_bench, "measure illan's speed (payload per wall second), per-hop cost"},
	{"netns", cmd_netns, "real traffic: netns up|down|status (root)"},
	{"daemon", cmd_daemon, "the real-traffic emulator (started by netns up)"},
	{"stats", cmd_stats, "counters of a running daemon"},
	{"flows", cmd_flows, "bridge datapath flows of a running daemon"},
	{"why", cmd_why, "what went wrong in a running daemon, in plain words"},
	{"watch", cmd_watch, "what goes wrong in a running daemon, as it happens"},
	{"diff", cmd_diff, "what differs between two runs' JSON (illan run --json)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: illan COMMAND [options]   (illan COMMAND --help; illan --version)\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s%s\n", commands[i].name, commands[i].help,
			commands[i].fn ? "" : " (not built)");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("illan %s\n", ILLAN_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (!commands[i].fn) {
			fprintf(stderr, "illan: '%s' is not built into this binary\n", argv[1]);
			return 2;
		}
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "illan: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
