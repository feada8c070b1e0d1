/*
 * topocmd.c — `illan topo check FILE` (validate and explain) and
 * `illan topo show FILE [--dot]` (draw it), over the topology loader
 * (src/topo/topofile.h), its checker (desc.h) and its drawings (draw.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "topo/desc.h"
#include "topo/draw.h"
#include "topo/topofile.h"

#define TOPOCMD_MAX_DIAGS 200

static void usage_topo(FILE *f)
{
	fprintf(f,
		"usage: illan topo check FILE     validate a topology file and explain every finding\n"
		"       illan topo show FILE [--dot]\n"
		"                                 draw it: a text picture, or Graphviz DOT\n"
		"                                 (illan topo show FILE --dot | dot -Tsvg > topo.svg)\n"
		"FILE 'seed' means the built-in seed topology (examples/seed.yaml).\n");
}

/* Load FILE, or the built-in seed for "seed". Prints the error. */
static struct topo_desc *load(const char *path)
{
	char err[512];
	struct topo_desc *d;
	if (strcmp(path, "seed") == 0)
		d = topofile_load_seed(err, sizeof(err));
	else
		d = topofile_load(path, err, sizeof(err));
	if (!d)
		fprintf(stderr, "illan: %s\n", err);
	return d;
}

static int topo_check(const char *path)
{
	struct topo_desc *d = load(path);
	if (!d)
		return 1;
	unsigned errors = topo_desc_report(d, stderr, TOPOCMD_MAX_DIAGS);
	if (!errors) {
		unsigned n_ad = 0;
		for (unsigned p = 0; p < d->n_parts; p++)
			n_ad += d->parts[p].n_adapters;
		printf("%s: ok — %u partitions, %u virtual adapters, %u bridges, %u NICs, %u hosts, "
		       "%u flows, %u events\n",
		       d->file, d->n_parts, n_ad, d->n_bridges, d->n_nics, d->n_hosts, d->n_flows,
		       d->n_events);
	}
	topo_desc_free(d);
	return errors ? 1 : 0;
}

static int topo_show(const char *path, bool dot)
{
	struct topo_desc *d = load(path);
	if (!d)
		return 1;
	if (topo_desc_report(d, stderr, TOPOCMD_MAX_DIAGS)) {
		topo_desc_free(d);
		return 1;
	}
	int rc = dot ? draw_dot(d, NULL, stdout) : draw_text(d, NULL, stdout);
	topo_desc_free(d);
	if (rc) {
		fprintf(stderr, "illan: cannot draw %s: %s\n", path, strerror(-rc));
		return 1;
	}
	return 0;
}

/* `illan topo`: see usage_topo. */
int cmd_topo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) /* topo --help, topo check --help, ... */
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_topo(stdout);
			return 0;
		}
	if (argc < 3) {
		usage_topo(stderr);
		return 2;
	}
	if (strcmp(argv[1], "check") == 0) {
		if (argc != 3) {
			fprintf(stderr, "illan: topo check takes one FILE\n");
			return 2;
		}
		if (argv[2][0] == '-' && argv[2][1]) {
			fprintf(stderr, "illan: topo check: unknown option '%s'\n", argv[2]);
			return 2;
		}
		return topo_check(argv[2]);
	}
	if (strcmp(argv[1], "show") == 0) {
		bool dot = false;
		const char *path = NULL;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--dot") == 0)
				dot = true;
			else if (argv[i][0] == '-' && argv[i][1]) {
				fprintf(stderr, "illan: topo show: unknown option '%s'\n", argv[i]);
				return 2;
			} else if (!path)
				path = argv[i];
			else {
				fprintf(stderr, "illan: topo show takes one FILE\n");
				return 2;
			}
		}
		if (!path) {
			usage_topo(stderr);
			return 2;
		}
		return topo_show(path, dot);
	}
	fprintf(stderr, "illan: unknown topo command '%s'\n", argv[1]);
	usage_topo(stderr);
	return 2;
}
