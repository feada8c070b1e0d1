/*
 * run.c — `illan run [FILE]` (a topology's flows, reported in plain words or
 * JSON; the seed topology without FILE) and `illan matrix [FILE]` (all 16
 * fix combinations in one table).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "opts.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/kibmveth/kibmveth.h"
#include "proc.h"
#include "topo/draw.h"
#include "topo/scenario.h"
#include "topo/snap.h"
#include "topo/topo.h"
#include "topo/topofile.h"

static const char *const fix_names[4] = {"trunk-offload", "trunk-csum-partial", "pseudo-csum",
					 "fraglist-linearize"};

struct run_opts {
	struct topo_config cfg;
	struct scenario_options so;
	uint64_t bytes, reply_bytes;
	bool bytes_set, reply_set; /* given on the command line: override the file */
	bool json;
	const char *file;   /* NULL: the built-in seed */
	const char *report; /* --report FILE.svg|.png|.dot, or NULL */
};

/* What a run really used, read from the topology before teardown. */
struct run_info {
	char topology[TOPO_NAME_MAX];
	char file[256];
	unsigned fixes; /* in force; TOPO_FIXES_FILE when adapters differ */
	int gen;        /* every adapter's enum ibmveth_gen, or -1 (they differ, kernel) */
	unsigned mtu;
	uint64_t seed;
	unsigned n_parts, n_adapters, n_bridges, n_nics, n_hosts, n_events_fired;
	json_t *config;         /* the whole configuration, for JSON */
	struct topo_desc *desc; /* a copy for --report (the topology is gone by then) */
	json_t *klog;           /* the kernel drivers' log lines: [{device, level, line, count}] */
	const char *driver;     /* --driver, or NULL */
};

struct klog_walk {
	json_t *arr;
	const char *dev;
};

/* One log line of a kernel driver: repeated lines are counted, not kept
 * again (a driver that logs per packet would flood the report). */
static void klog_line(void *arg, int level, const char *line)
{
	struct klog_walk *w = arg;
	size_t i;
	json_t *e;
	json_array_foreach(w->arr, i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "device")), w->dev) &&
		    !strcmp(json_string_value(json_object_get(e, "line")), line)) {
			json_object_set_new(
				e, "count",
				json_integer(json_integer_value(json_object_get(e, "count")) + 1));
			return;
		}
	}
	if (json_array_size(w->arr) < 64)
		json_array_append_new(w->arr, json_pack("{s:s, s:i, s:s, s:i}", "device", w->dev,
							"level", level, "line", line, "count", 1));
}

/* The options run and matrix share, in both help texts. */
#define RUN_COMMON_HELP                                                                          \
	"  --no-offload           every adapter and NIC without CSO/LSO (the baseline)\n"        \
	"  --family 4|6           IPv4 (default) or IPv6\n"                                      \
	"  --reply-bytes N        bytes each server sends back (K/M/G/T suffixes)\n"             \
	"  --mtu N                MTU of every device, 576..65394 (default: the file's, 1500)\n" \
	"  --seed N               deterministic seed (default: the file's, 1)\n"                 \
	"  --no-gro               every server NIC without GRO\n"                                \
	"  --linux-bridge         Linux-style bridges instead of OVS-style ones\n"               \
	"  --veb                  hypervisor switches in VEB instead of VEPA mode\n"             \
	"  --driver NAME          every adapter's driver: a generation of illan's model\n"       \
	"                         (v4.13, v4.15, v5.10, v6.1, current; illan = v5.10), or\n"     \
	"                         kernel-VERSION, the real ibmveth.c of a Linux tree built in\n" \
	"                         (illan run --driver list shows them with their commits;\n"     \
	"                         docs/architecture.md, docs/kcompat.md)\n"                      \
	"  --json                 one JSON object on stdout\n"

static void usage_run(FILE *f)
{
	fprintf(f,
		"usage: illan run [FILE] [options]\n"
		"  FILE                   a topology file (see docs/topology.md); default: the\n"
		"                         built-in seed topology (examples/seed.yaml). Options\n"
		"                         override the file where they apply.\n"
		"  --fixes all|none|LIST  the seed generation v4.15 with these of its fixes on: all,\n"
		"                         none, or a comma list of 1-4 and/or trunk-offload,\n"
		"                         trunk-csum-partial, pseudo-csum, fraglist-linearize\n"
		"                         (case and spaces ignored)\n"
		"  --bytes N              bytes each client sends (K/M/G/T suffixes; default 128M)\n"
		"                         (--reply-bytes: default 4M)\n" RUN_COMMON_HELP
		"  --trace FILE           offload state of the first packets of each flow, hop by hop,\n"
		"                         times on the virtual clock, pure ACKs counted at the end;\n"
		"                         ILLAN hops add the hypervisor's flags: desc=VALID|NO_CSUM|\n"
		"                         CSUM_GOOD|LRG_SND mss=N (a send), rxq=... (a queue entry)\n"
		"                         (- for stdout; not with --json, which owns stdout)\n"
		"  --pcap DIR             one pcapng file per hop (DEV_rx.pcapng, DEV_tx.pcapng), the\n"
		"                         same packets; each frame's comment gives its offload state\n"
		"                         there (ip_summed, csum_start/offset, gso_size/type,\n"
		"                         frag_list, and desc=/rxq= as in --trace); timestamps on\n"
		"                         the virtual clock. Frames that are CHECKSUM_PARTIAL carry a\n"
		"                         partial (pseudo-header) TCP checksum by design, so tshark's\n"
		"                         'bad checksum' on them is expected; the report lists which\n"
		"                         frames those are\n"
		"  --report FILE          the topology drawn (FILE.svg, .png with Graphviz's dot;\n"
		"                         .dot for the graph itself) with the first failed flow's\n"
		"                         ends and the place of the first loss marked\n"
		"  On a terminal a progress line shows bytes moved, rate and ETA; Ctrl-C stops the\n"
		"  run with the report so far (exit 130). The report gives illan's own speed (payload\n"
		"  per wall second of emulation), apart from virtual time, and none for a failed run.\n");
}

static void usage_matrix(FILE *f)
{
	fprintf(f,
		"usage: illan matrix [FILE] [options]\n"
		"  All 16 combinations of the four seed fixes, one row each: whether every flow\n"
		"  delivered every byte, SYN retransmissions, bad checksums, software-path work\n"
		"  and a verdict. The verdict rests on counters, never on wall time.\n"
		"  FILE                   a topology file (default: the built-in seed)\n"
		"  --bytes N              bytes each client sends (K/M/G/T suffixes; default 32M)\n"
		"                         (--reply-bytes: default 1M)\n" RUN_COMMON_HELP
		"  matrix sets the fixes itself and writes no per-packet files, so it refuses\n"
		"  illan run's --fixes, --trace, --pcap and --report. Ctrl-C stops after the rows\n"
		"  so far (exit 130).\n");
}

/* Parse the options shared by run and matrix. Returns 0, 1 (help shown) or
 * -EINVAL (message printed). */
static int parse_run_opts(int argc, char **argv, struct run_opts *o, bool matrix)
{
	static const struct option longopts[] = {
		{"fixes", required_argument, NULL, 'f'},
		{"no-offload", no_argument, NULL, 'n'},
		{"family", required_argument, NULL, '4'},
		{"bytes", required_argument, NULL, 'b'},
		{"reply-bytes", required_argument, NULL, 'r'},
		{"mtu", required_argument, NULL, 'm'},
		{"seed", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"trace", required_argument, NULL, 't'},
		{"pcap", required_argument, NULL, 'p'},
		{"no-gro", no_argument, NULL, 'g'},
		{"linux-bridge", no_argument, NULL, 'l'},
		{"veb", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"report", required_argument, NULL, 'R'},
		{"driver", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	topo_config_default(&o->cfg);
	scenario_options_default(&o->so);
	o->bytes = matrix ? 32u << 20 : 128u << 20;
	o->reply_bytes = matrix ? 1u << 20 : 4u << 20;
	o->json = false;
	o->file = NULL;
	o->report = NULL;
	o->bytes_set = o->reply_set = false;
	optind = 0; /* 0: glibc re-initialises getopt fully (safe to parse twice) */
	opterr = 0;
	const char *prog = matrix ? "illan matrix" : "illan run";
	int c, li;
	unsigned long long v;
	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		if (matrix && (c == 'f' || c == 't' || c == 'p' || c == 'R')) {
			fprintf(stderr,
				"illan matrix: --%s is not an option of matrix (it runs all 16 fix "
				"combinations and writes no per-packet files); it is one of illan run\n",
				longopts[li].name);
			return -EINVAL;
		}
		switch (c) {
		case 'f':
			if (opts_parse_fixes(prog, optarg, &o->cfg.fixes))
				return -EINVAL;
			break;
		case 'n':
			o->cfg.no_offload = true;
			break;
		case '4':
			if (strcmp(optarg, "4") != 0 && strcmp(optarg, "6") != 0) {
				fprintf(stderr, "%s: --family must be 4 or 6, not '%s'\n", prog,
					optarg);
				return -EINVAL;
			}
			o->so.family = optarg[0] - '0';
			break;
		case 'b':
		case 'r': {
			uint64_t n;
			if (opts_parse_size(optarg, &n) || n == 0 || n > (1ull << 40)) {
				fprintf(stderr,
					"%s: --%s '%s': expected a byte count from 1 to 1T "
					"(K, M, G, T suffixes: 4M)\n",
					prog, c == 'b' ? "bytes" : "reply-bytes", optarg);
				return -EINVAL;
			}
			if (c == 'b')
				o->bytes = n, o->bytes_set = true;
			else
				o->reply_bytes = n, o->reply_set = true;
			break;
		}
		case 'm':
			if (opts_parse_mtu(prog, optarg, false, &o->cfg.mtu))
				return -EINVAL;
			break;
		case 's':
			if (opts_parse_uint(optarg, UINT64_MAX, &v)) {
				fprintf(stderr, "%s: --seed '%s': expected a number\n", prog, optarg);
				return -EINVAL;
			}
			o->cfg.seed = v;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			o->so.trace_file = optarg;
			break;
		case 'p':
			o->so.pcap_dir = optarg;
			break;
		case 'g':
			o->cfg.gro = false;
			break;
		case 'l':
			o->cfg.linux_bridge = true;
			break;
		case 'v':
			o->cfg.veb = true;
			break;
		case 'D':
			if (strcmp(optarg, "list") == 0) {
				printf("illan\t= %s (the default)\n",
				       ibmveth_gen_name(IBMVETH_GEN_DEFAULT));
				for (unsigned g = 0; g < IBMVETH_N_GENS; g++)
					printf("%s\t%s\n", ibmveth_gen_name((enum ibmveth_gen)g),
					       ibmveth_gen_commits((enum ibmveth_gen)g));
				for (unsigned i = 0; i < kibmveth_n_versions(); i++) {
					const char *src = NULL;
					const char *v = kibmveth_version(i, &src);
					printf("kernel-%s\t%s\n", v, src ? src : "");
				}
				return 1;
			}
			enum ibmveth_gen g;
			if (ibmveth_parse_gen(optarg, &g) != 0 && strncmp(optarg, "kernel-", 7) != 0) {
				fprintf(stderr,
					"illan: --driver '%s': expected illan, v4.13, v4.15, v5.10, v6.1, "
					"current or kernel-VERSION (--driver list)\n",
					optarg);
				return -EINVAL;
			}
			o->cfg.driver = optarg;
			break;
		case 'R': {
			const char *dot = strrchr(optarg, '.');
			if (matrix || !dot ||
			    (strcmp(dot, ".svg") != 0 && strcmp(dot, ".png") != 0 &&
			     strcmp(dot, ".dot") != 0)) {
				fprintf(stderr,
					"illan: --report '%s': expected FILE.svg, FILE.png or FILE.dot "
					"(for `illan run`)\n",
					optarg);
				return -EINVAL;
			}
			o->report = optarg;
			break;
		}
		case 'h':
			(matrix ? usage_matrix : usage_run)(stdout);
			return 1;
		default:
			fprintf(stderr, "%s: unknown or incomplete option '%s' (%s --help)\n", prog,
				argv[optind - 1], prog);
			return -EINVAL;
		}
	}
	/* --fixes switches the seed generation's fixes: it selects v4.15, and
	 * no other generation (theirs are what their kernels shipped). */
	if (o->cfg.fixes != TOPO_FIXES_FILE) {
		enum ibmveth_gen g = IBMVETH_GEN_V4_15;
		if (!o->cfg.driver)
			o->cfg.driver = "v4.15";
		else if (ibmveth_parse_gen(o->cfg.driver, &g) != 0 || g != IBMVETH_GEN_V4_15) {
			fprintf(stderr,
				"illan: --fixes switches the fixes of the seed generation (--driver "
				"v4.15); driver %s has its kernel's\n",
				o->cfg.driver);
			return -EINVAL;
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "illan: unexpected argument '%s' (one topology FILE at most)\n",
			argv[optind]);
		return -EINVAL;
	}
	if (o->json && o->so.trace_file && strcmp(o->so.trace_file, "-") == 0) {
		fprintf(stderr,
			"%s: --trace - and --json both want stdout: give the trace a file "
			"(--trace FILE)\n",
			prog);
		return -EINVAL;
	}
	if (o->so.family == 6 && o->cfg.mtu && o->cfg.mtu < 1280) {
		fprintf(stderr, "illan: IPv6 needs an MTU of at least 1280 (RFC 8200), not %u\n",
			o->cfg.mtu);
		return -EINVAL;
	}
	return 0;
}

static void fixes_list(unsigned fixes, char *buf, size_t size, bool names)
{
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < 4; i++) {
		if (!(fixes & (1u << i)))
			continue;
		if (names)
			off += (size_t)snprintf(buf + off, size - off, "%s%d (%s)", off ? ", " : "",
						i + 1, fix_names[i]);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%d", off ? "," : "", i + 1);
		if (off >= size)
			break;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* Load the run's topology (FILE or the seed), refuse it on any error the
 * checker finds (printed as FILE:LINE:COL), and give its flows the
 * command's volumes where the file gave none or the command line overrides. */
static struct topo_desc *load_topology(const struct run_opts *o)
{
	char err[512];
	struct topo_desc *d = o->file ? topofile_load(o->file, err, sizeof(err))
				      : topofile_load_seed(err, sizeof(err));
	if (!d) {
		fprintf(stderr, "illan: %s\n", err);
		return NULL;
	}
	/* errors stop the run; warnings (a flow PowerVM cannot carry) are said
	 * and the run goes on, so the report shows what they cost */
	unsigned errors = topo_desc_report(d, stderr, 16);
	if (errors) {
		fprintf(stderr, "illan: %s has errors (illan topo check %s lists every finding)\n",
			d->file, d->file);
		topo_desc_free(d);
		return NULL;
	}
	for (unsigned i = 0; i < d->n_flows; i++) {
		struct topo_flow *f = &d->flows[i];
		if (o->bytes_set || !f->bytes_given)
			f->bytes = o->bytes;
		if (o->reply_set || !f->reply_given)
			f->reply_bytes = o->reply_bytes;
	}
	return d;
}

/* The fix set in force in every illan driver of t, or TOPO_FIXES_FILE when
 * they differ; *gen their generation, or -1 when they differ or a kernel
 * driver runs. */
static unsigned effective_fixes(const struct topo *t, int *gen)
{
	unsigned fixes = TOPO_FIXES_FILE;
	bool first = true;
	*gen = -1;
	for (unsigned i = 0; i < t->n_devs; i++) {
		const struct topo_dev *td = &t->devs[i];
		if (!td->is_adapter)
			continue;
		const struct ibmveth_params *p = ibmveth_get_params(td->dev);
		unsigned f = ibmveth_fixes_in_force(p);
		int g = p ? (int)p->gen : -1;
		if (first) {
			fixes = f, *gen = g, first = false;
		} else {
			if (f != fixes)
				fixes = TOPO_FIXES_FILE;
			if (g != *gen)
				*gen = -1;
		}
	}
	return fixes;
}

static json_t *fixes_json(unsigned fixes);

static json_t *config_json(const struct run_opts *o, const struct topo *t)
{
	const struct topo_desc *d = t->desc;
	json_t *c = json_object();
	json_object_set_new(c, "illan_version", json_string(ILLAN_VERSION));
	json_object_set_new(c, "topology", json_string(d->name));
	json_object_set_new(c, "file", json_string(o->file ? o->file : "(built-in seed)"));
	json_t *vs = json_array();
	for (unsigned v = 0; v < d->n_vswitches; v++) {
		bool veb = t->cfg.veb || d->vswitches[v].mode == TOPO_VSW_VEB;
		json_array_append_new(vs, json_pack("{s:s, s:s}", "name", d->vswitches[v].name,
						    "mode", veb ? "veb" : "vepa"));
	}
	json_object_set_new(c, "vswitches", vs);
	json_t *parts = json_array();
	for (unsigned p = 0; p < d->n_parts; p++) {
		const struct topo_partition *tp = &d->parts[p];
		json_t *ads = json_array();
		for (unsigned i = 0; i < tp->n_adapters; i++) {
			const struct topo_adapter *a = &tp->adapters[i];
			json_t *vids = json_array();
			for (unsigned k = 0; k < a->n_vids; k++)
				json_array_append_new(vids, json_integer(a->vids[k]));
			json_array_append_new(
				ads, json_pack("{s:s, s:i, s:o, s:i, s:b, s:b, s:b, s:s, s:i}",
					       "name", a->name, "pvid", a->pvid, "vids", vids,
					       "trunk_priority", a->trunk_priority, "csum_offload",
					       a->csum_offload && !t->cfg.no_offload, "large_send",
					       a->large_send && !t->cfg.no_offload, "rx_multi_buff",
					       a->rx_multi_buff, "driver", a->driver.kind, "fixes",
					       t->cfg.fixes != TOPO_FIXES_FILE ? t->cfg.fixes
									       : a->driver.fixes));
		}
		json_array_append_new(parts, json_pack("{s:s, s:s, s:o}", "name", tp->name, "role",
						       tp->role == TOPO_ROLE_IO_SERVER ? "io-server"
										       : "client",
						       "adapters", ads));
	}
	json_object_set_new(c, "partitions", parts);
	json_t *brs = json_array();
	for (unsigned b = 0; b < d->n_bridges; b++) {
		bool linux_br = t->cfg.linux_bridge || d->bridges[b].kind == TOPO_BR_LINUX;
		json_array_append_new(brs, json_pack("{s:s, s:s}", "name", d->bridges[b].name,
						     "kind", linux_br ? "linux" : "ovs"));
	}
	json_object_set_new(c, "bridges", brs);
	json_t *nics = json_array();
	for (unsigned n = 0; n < d->n_nics; n++)
		json_array_append_new(nics,
				      json_pack("{s:s, s:b, s:b, s:b}", "name", d->nics[n].name,
						"gro", d->nics[n].gro && t->cfg.gro, "tso",
						d->nics[n].tso && !t->cfg.no_offload, "tx_csum",
						d->nics[n].tx_csum && !t->cfg.no_offload));
	json_object_set_new(c, "nics", nics);
	json_object_set_new(c, "options",
			    json_pack("{s:b, s:b, s:b, s:b, s:I, s:I, s:s?, s:s?}", "no_offload",
				      t->cfg.no_offload, "no_gro", !t->cfg.gro, "linux_bridge",
				      t->cfg.linux_bridge, "veb", t->cfg.veb, "bytes",
				      (json_int_t)o->bytes, "reply_bytes", (json_int_t)o->reply_bytes,
				      "trace", o->so.trace_file, "pcap", o->so.pcap_dir));
	/* the rest of what decides a run, so `illan diff` can compare two */
	json_t *opt = json_object_get(c, "options");
	json_object_set_new(opt, "family", json_integer(o->so.family));
	json_object_set_new(opt, "mtu", json_integer(t->cfg.mtu ? t->cfg.mtu : d->mtu));
	json_object_set_new(opt, "seed", json_integer((json_int_t)t->cfg.seed));
	json_object_set_new(opt, "driver", json_string(o->cfg.driver ? o->cfg.driver : "illan"));
	json_object_set_new(opt, "fixes",
			    t->cfg.fixes == TOPO_FIXES_FILE ? json_string("per adapter")
							    : fixes_json(t->cfg.fixes));
	json_t *flows = json_array();
	for (unsigned i = 0; i < d->n_flows; i++)
		json_array_append_new(flows, json_pack("{s:s, s:s, s:s, s:I, s:I, s:i}", "name",
						       d->flows[i].name, "from", d->flows[i].from,
						       "to", d->flows[i].to, "bytes",
						       (json_int_t)d->flows[i].bytes, "reply_bytes",
						       (json_int_t)d->flows[i].reply_bytes, "port",
						       d->flows[i].port));
	json_object_set_new(c, "flows", flows);
	return c;
}

static void info_take(struct run_info *info, const struct run_opts *o, const struct topo *t)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->topology, sizeof(info->topology), "%s", t->desc->name);
	snprintf(info->file, sizeof(info->file), "%s", o->file ? o->file : "");
	info->fixes = effective_fixes(t, &info->gen);
	info->mtu = t->cfg.mtu ? t->cfg.mtu : t->desc->mtu;
	info->seed = t->cfg.seed;
	info->n_parts = t->desc->n_parts;
	for (unsigned p = 0; p < t->desc->n_parts; p++)
		info->n_adapters += t->desc->parts[p].n_adapters;
	info->n_bridges = t->desc->n_bridges;
	info->n_nics = t->desc->n_nics;
	info->n_hosts = t->desc->n_hosts;
	info->n_events_fired = t->n_events_fired;
	info->config = config_json(o, t);
	info->driver = o->cfg.driver;
	info->klog = json_array();
	for (unsigned i = 0; i < t->n_devs; i++) {
		const struct kc_dev *kd = kibmveth_kc(t->devs[i].dev);
		if (!kd)
			continue;
		struct klog_walk w = {info->klog, t->devs[i].dev->name};
		kc_dev_log_each(kd, klog_line, &w);
	}
	if (o->report) {
		info->desc = topo_desc_new();
		if (info->desc) {
			struct topo_partition *parts = info->desc->parts;
			*info->desc = *t->desc;
			info->desc->parts = parts;
			memcpy(parts, t->desc->parts, t->desc->n_parts * sizeof(*parts));
		}
	}
}

/* The device an explanation's place names: "dropped at hv:trunk-in" is
 * trunk-in, "dropped at VM B" is VM B's endpoint device. NULL when none. */
static const char *place_of(const struct topo_desc *d, const char *text, char *buf, size_t size)
{
	const char *at = strstr(text, " at ");
	if (!at)
		return NULL;
	at += 4;
	size_t len = strcspn(at, ":,");
	if (strncmp(at, "hv:", 3) == 0 && len > 3) {
		at += 3;
		len = strcspn(at, ":,");
	}
	snprintf(buf, size, "%.*s", (int)len, at);
	/* an endpoint's display name: its device */
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
			const struct topo_adapter *a = &d->parts[p].adapters[i];
			if (a->ep.present && strcmp(a->ep.display, buf) == 0)
				snprintf(buf, size, "%s", a->name);
		}
	for (unsigned h = 0; h < d->n_hosts; h++)
		if (d->hosts[h].ep.present && strcmp(d->hosts[h].ep.display, buf) == 0)
			snprintf(buf, size, "%s", d->nics[d->hosts[h].nic].name);
	return buf;
}

/* The endpoint's device name for endpoint name (for the overlay's path). */
static const char *ep_device(const struct topo_desc *d, const char *name)
{
	struct topo_ep_ref ref;
	if (topo_desc_find_endpoint(d, name, &ref))
		return NULL;
	switch (ref.kind) {
	case TOPO_EPK_ADAPTER:
		return d->parts[ref.part].adapters[ref.index].name;
	case TOPO_EPK_HOST:
		return d->nics[d->hosts[ref.index].nic].name;
	case TOPO_EPK_CONTAINER:
		return d->containers[ref.index].name;
	}
	return NULL;
}

/* --report: the picture with the first failed flow's ends and the first
 * loss marked, drawn by Graphviz's dot (or the DOT itself). Returns 0 or
 * prints why not and returns -1. */
static int write_report(const struct run_opts *o, const struct run_info *info,
			const struct scenario_result *r)
{
	const struct topo_desc *d = info->desc;
	if (!d) {
		fprintf(stderr, "illan: --report: out of memory\n");
		return -1;
	}
	const char *path[2];
	struct draw_overlay ov = {.path = path};
	for (unsigned i = 0; i < r->n_flows && !ov.n_path; i++) {
		if (r->flows[i].ok)
			continue;
		for (unsigned k = 0; k < d->n_flows; k++)
			if (strcmp(d->flows[k].name, r->flows[i].name) == 0) {
				path[0] = ep_device(d, d->flows[k].from);
				path[1] = ep_device(d, d->flows[k].to);
				ov.n_path = path[0] && path[1] ? 2 : 0;
			}
	}
	char place[TOPO_NAME_MAX + 8];
	for (unsigned i = 0; i < r->n_expl && !ov.drop_at; i++)
		if (!r->expl[i].harmless) {
			ov.drop_at = place_of(d, r->expl[i].text, place, sizeof(place));
			ov.drop_reason = r->expl[i].text;
		}
	const char *ext = strrchr(o->report, '.');
	bool dot_only = strcmp(ext, ".dot") == 0;
	char tmp[] = "/tmp/illan-report-XXXXXX";
	int fd = dot_only ? open(o->report, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
				 0644)
			  : mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "illan: --report %s: %s\n", o->report, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = draw_dot(d, &ov, f);
	if (fclose(f) || rc) {
		fprintf(stderr, "illan: --report %s: cannot write the graph\n", o->report);
		if (!dot_only)
			unlink(tmp);
		return -1;
	}
	if (dot_only)
		return 0;
	char fmt[8];
	snprintf(fmt, sizeof(fmt), "-T%s", ext + 1);
	char *argv[] = {"dot", fmt, "-o", (char *)o->report, tmp, NULL};
	int st = proc_run(argv, false, NULL);
	unlink(tmp);
	if (st) {
		fprintf(stderr, "illan: --report %s: Graphviz's dot %s (apt-get install graphviz)\n",
			o->report, st < 0 ? "is not installed" : "failed");
		return -1;
	}
	return 0;
}

/* Run one configuration: build the topology and run its flows. Returns the
 * topology (the caller reads its counters and tears it down), or NULL with
 * the error printed and *rc set to -errno. */
static struct topo *run_once(const struct run_opts *o, struct scenario_result *res, int *rc)
{
	char err[512];
	struct topo_desc *d = load_topology(o);
	if (!d) {
		*rc = -EINVAL;
		return NULL;
	}
	struct topo *t = topo_create(d, &o->cfg, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "illan: %s\n", err);
		*rc = -EIO;
		return NULL;
	}
	static struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_flows_of(t, specs, SCENARIO_MAX_FLOWS);
	if (!n) {
		fprintf(stderr, "illan: %s has no flows between endpoints to run\n", t->desc->file);
		topo_destroy(t);
		*rc = -EINVAL;
		return NULL;
	}
	*rc = scenario_run(t, specs, n, &o->so, res, err, sizeof(err));
	if (*rc) {
		fprintf(stderr, "illan: %s\n", err);
		topo_destroy(t);
		return NULL;
	}
	return t;
}

static json_t *fixes_json(unsigned fixes)
{
	json_t *a = json_array();
	for (int i = 0; i < 4 && fixes != TOPO_FIXES_FILE; i++)
		if (fixes & (1u << i))
			json_array_append_new(a, json_integer(i + 1));
	return a;
}

static void print_json(FILE *f, const struct run_opts *o, const struct run_info *info,
		       const struct scenario_result *r, const struct snap *t, uint64_t leaked)
{
	json_t *root = json_object();
	json_object_set_new(root, "ok", json_boolean(r->ok && !leaked));
	json_object_set_new(root, "fixes",
			    info->fixes == TOPO_FIXES_FILE ? json_string("per adapter")
							   : fixes_json(info->fixes));
	json_object_set_new(root, "generation",
			    info->gen >= 0
				    ? json_string(ibmveth_gen_name((enum ibmveth_gen)info->gen))
				    : json_null());
	json_object_set_new(root, "offload", json_boolean(!o->cfg.no_offload));
	json_object_set_new(root, "family", json_integer(o->so.family));
	json_object_set_new(root, "mtu", json_integer(info->mtu));
	json_object_set_new(root, "seed", json_integer((json_int_t)info->seed));
	json_object_set_new(root, "wall_s", json_real(r->wall_s));
	json_object_set_new(root, "virtual_s", json_real(r->virtual_s));
	json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
	/* illan's own speed, apart from virtual time; null when a flow failed */
	json_object_set_new(
		root, "emulation",
		json_pack("{s:I, s:f, s:o, s:s}", "payload_bytes", (json_int_t)r->payload_delivered,
			  "wall_s", r->wall_s, "gbit_per_wall_s",
			  r->ok && r->wall_s > 0
				  ? json_real((double)r->payload_delivered * 8 / r->wall_s / 1e9)
				  : json_null(),
			  "what",
			  "payload delivered both ways by every flow per wall second of "
			  "emulation: illan's speed, not the modelled path's"));
	json_object_set_new(root, "leaked_packets", json_integer((json_int_t)leaked));
	json_object_set_new(root, "events_fired", json_integer(info->n_events_fired));
	json_object_set(root, "config", info->config);
	json_object_set(root, "kernel_log", info->klog);
	json_t *flows = json_array();
	for (unsigned i = 0; i < r->n_flows; i++) {
		const struct scenario_flow_result *fr = &r->flows[i];
		json_t *jf = json_object();
		json_object_set_new(jf, "name", json_string(fr->name));
		json_object_set_new(jf, "ok", json_boolean(fr->ok));
		json_object_set_new(jf, "connected", json_boolean(fr->connected));
		json_object_set_new(jf, "syn_retransmits",
				    json_integer((json_int_t)fr->syn_retransmits));
		json_object_set_new(jf, "synack_retransmits",
				    json_integer((json_int_t)fr->synack_retransmits));
		json_object_set_new(jf, "retransmits", json_integer((json_int_t)fr->retransmits));
		json_object_set_new(jf, "bytes_sent", json_integer((json_int_t)fr->bytes_sent));
		json_object_set_new(jf, "bytes_delivered",
				    json_integer((json_int_t)fr->bytes_delivered));
		json_object_set_new(jf, "reply_sent", json_integer((json_int_t)fr->reply_sent));
		json_object_set_new(jf, "reply_delivered",
				    json_integer((json_int_t)fr->reply_delivered));
		json_object_set_new(jf, "intact", json_boolean(fr->intact));
		json_object_set_new(jf, "wall_s", json_real(fr->wall_s));
		json_object_set_new(jf, "virtual_s", json_real(fr->virtual_s));
		json_object_set_new(jf, "longest_stall_s", json_real(fr->stall_s));
		json_object_set_new(jf, "stall_from_s", json_real(fr->stall_from_s));
		json_object_set_new(jf, "failure", json_string(fr->failure));
		json_array_append_new(flows, jf);
	}
	json_object_set_new(root, "flows", flows);
	/* the shape of `illan why --json`'s explanations, from the same function */
	json_object_set_new(root, "drops", trace_explanations_json(r->expl, r->n_expl));
	if (r->pcap_note[0]) { /* which pcap frames tshark will call bad, and why */
		json_t *files = json_array();
		char note[sizeof(r->pcap_note)], *save = NULL;
		snprintf(note, sizeof(note), "%s", r->pcap_note);
		for (char *l = strtok_r(note, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			json_array_append_new(files, json_string(l + strspn(l, " ")));
		json_object_set_new(root, "pcap_checksum_partial",
				    json_pack("{s:s, s:o}", "why",
					      "CHECKSUM_PARTIAL frames carry a partial (pseudo-header) "
					      "TCP checksum by design; tshark calls it bad",
					      "files", files));
	}
	json_object_set_new(root, "counters", snap_json_sums(t));
	json_object_set_new(root, "objects", snap_json_objects(t));
	json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	fputc('\n', f);
	json_decref(root);
}

static void print_text(FILE *f, const struct run_opts *o, const struct run_info *info,
		       const struct scenario_result *r, const struct snap *t, uint64_t leaked)
{
	char fx[320];
	if (info->driver && strncmp(info->driver, "kernel-", 7) == 0) {
		snprintf(fx, sizeof(fx),
			 "none apply: every adapter runs %s (a kernel driver is what its "
			 "tree is)",
			 info->driver);
	} else if (info->fixes == TOPO_FIXES_FILE) {
		snprintf(fx, sizeof(fx), "per adapter, as the file says");
	} else {
		char list[120];
		fixes_list(info->fixes, list, sizeof(list), true);
		const char *why = "";
		if (info->gen == IBMVETH_GEN_V4_15)
			why = info->fixes == IBMVETH_FIX_ALL
				      ? ", the seed as shipped"
				      : ", the seed's laboratory: this set never shipped in a kernel";
		else if (info->gen == IBMVETH_GEN_V4_13)
			why = ", before the seed";
		if (info->gen >= 0)
			snprintf(fx, sizeof(fx), "%s (driver %s%s)", list,
				 ibmveth_gen_name((enum ibmveth_gen)info->gen), why);
		else
			snprintf(fx, sizeof(fx), "%s", list);
	}
	if (!o->file)
		fprintf(f,
			"illan run: seed topology (VM A, VM B, IO server with OVS-style bridge, host X)\n");
	else
		fprintf(f,
			"illan run: %s (topology %s: %u partitions, %u virtual adapters, %u bridges, "
			"%u NICs, %u hosts)\n",
			info->file, info->topology, info->n_parts, info->n_adapters,
			info->n_bridges, info->n_nics, info->n_hosts);
	fprintf(f, "  fixes: %s\n  offloads %s, IPv%d, MTU %u, seed %" PRIu64 "\n\n", fx,
		o->cfg.no_offload ? "off (--no-offload)" : "on", o->so.family, info->mtu, info->seed);
	for (unsigned i = 0; i < r->n_flows; i++) {
		const struct scenario_flow_result *fr = &r->flows[i];
		fprintf(f, "flow %s: %s", fr->name, fr->connected ? "connected" : "NOT connected");
		fprintf(f, ", %" PRIu64 " SYN retransmission%s", fr->syn_retransmits,
			fr->syn_retransmits == 1 ? "" : "s");
		if (fr->synack_retransmits)
			fprintf(f, ", %" PRIu64 " SYN-ACK retransmissions", fr->synack_retransmits);
		if (fr->retransmits)
			fprintf(f, ", %" PRIu64 " data retransmissions", fr->retransmits);
		fprintf(f,
			"\n  sent %" PRIu64 " bytes, %" PRIu64 " delivered%s; reply %" PRIu64
			" sent, %" PRIu64 " delivered\n",
			fr->bytes_sent, fr->bytes_delivered,
			fr->intact ? " intact" : " (CORRUPTED bytes seen)", fr->reply_sent,
			fr->reply_delivered);
		/* No speed per flow: flows share one loop, so a flow's wall time
		 * is every flow's work; and a failed flow has no speed at all. */
		if (fr->ok)
			fprintf(f, "  done at %.6g s virtual, %.3f s wall\n", fr->virtual_s,
				fr->wall_s);
		else
			fprintf(f, "  %s at %.6g s virtual, %.3f s wall: %s\n",
				r->interrupted && fr->connected ? "STOPPED" : "FAILED",
				fr->virtual_s, fr->wall_s, fr->failure);
		if (fr->stall_s >= 0.001)
			fprintf(f,
				"  longest stall: %.3f s of virtual time without a byte delivered "
				"(from %.3f s to %.3f s)\n",
				fr->stall_s, fr->stall_from_s, fr->stall_from_s + fr->stall_s);
	}
	fprintf(f, "\ndrops:%s\n", r->n_expl ? "" : " none");
	for (unsigned i = 0; i < r->n_expl; i++)
		fprintf(f, "  %" PRIu64 "x %s\n", r->expl[i].count, r->expl[i].text);
	if (r->pcap_note[0])
		fprintf(f,
			"\npcap files in %s: CHECKSUM_PARTIAL frames carry a partial (pseudo-header) "
			"TCP checksum by design,\nso tshark's 'bad checksum' on them is expected (each "
			"frame's comment gives its offload state):\n  %s\n",
			o->so.pcap_dir, r->pcap_note);
	if (json_array_size(info->klog)) {
		fprintf(f, "\nkernel driver log:\n");
		size_t i;
		json_t *e;
		json_array_foreach(info->klog, i, e)
		{
			fprintf(f, "  %" PRId64 "x %s: %s\n",
				(int64_t)json_integer_value(json_object_get(e, "count")),
				json_string_value(json_object_get(e, "device")),
				json_string_value(json_object_get(e, "line")));
		}
	}
	fprintf(f,
		"\ncounters: tcp_bad_checksum %" PRIu64 ", upcalls %" PRIu64
		", sw_gso_segments %" PRIu64 ", sw_checksums %" PRIu64 ", hv_sw_checksums %" PRIu64
		", hv_sw_segments %" PRIu64 ", tx_large_packets %" PRIu64
		", rx_large_packets %" PRIu64 "\n",
		snap_sum(t, "tcp_bad_checksum"), snap_sum(t, "upcalls"),
		snap_sum(t, "sw_gso_segments"), snap_sum(t, "sw_checksums"),
		snap_sum(t, "hv_sw_checksums"), snap_sum(t, "hv_sw_segments"),
		snap_sum(t, "tx_large_packets"), snap_sum(t, "rx_large_packets"));
	if (leaked)
		fprintf(f, "LEAK: %" PRIu64 " packets still outstanding at teardown\n", leaked);
	fprintf(f,
		"\nemulation: %.1f MiB of payload delivered (every flow, both ways) in %.3f s of "
		"wall time",
		(double)r->payload_delivered / (1024.0 * 1024.0), r->wall_s);
	if (r->ok && r->wall_s > 0)
		fprintf(f, " = %.2f Gbit/s", (double)r->payload_delivered * 8 / r->wall_s / 1e9);
	fprintf(f,
		"%s\n  (how fast illan itself runs, not a speed of the modelled path: its links have "
		"no modelled rate,\n  and virtual time, %.6g s here, passes only on timers: "
		"retransmissions, events)\n",
		r->ok ? "" : "; no rate: not every flow delivered every byte", r->virtual_s);
	if (r->interrupted)
		fprintf(f, "\ninterrupted (Ctrl-C): the report covers the run so far\n");
	fprintf(f, "\nresult: %s\n",
		r->ok && !leaked ? "OK — every flow delivered every byte intact"
				 : "FAILED — not every flow delivered every byte intact");
}

static volatile int run_interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	run_interrupted = 1;
}

/* Ctrl-C stops the run (or the matrix) cleanly: the flows so far are
 * reported; a second Ctrl-C kills as usual. Progress is drawn on a
 * terminal only. */
static void run_interactive(struct run_opts *o)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	/* a SIGINT the caller ignores (a background job, nohup) stays ignored */
	if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGINT, &sa, NULL);
	o->so.interrupt = &run_interrupted;
	o->so.progress = isatty(STDERR_FILENO);
}

/* `illan run`: see usage_run. Exit 0 only if every flow delivered every byte
 * intact (and nothing leaked). */
int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_run_opts(argc, argv, &o, false);
	if (rc)
		return rc > 0 ? 0 : 2;
	run_interactive(&o);
	static struct scenario_result res;
	struct topo *t = run_once(&o, &res, &rc);
	if (!t)
		return rc == -EINVAL ? 2 : 1; /* a path we cannot write is a usage error */
	/* Counters are read before teardown; leaks are counted after it, and
	 * the report is written last so it says what really happened. */
	struct run_info info;
	info_take(&info, &o, t);
	struct snap *snap = snap_take(t);
	uint64_t leaked = topo_destroy(t);
	if (!snap) {
		fprintf(stderr, "illan: out of memory\n");
		json_decref(info.config);
		return 1;
	}
	if (leaked) {
		fprintf(stderr, "illan: %" PRIu64 " packets leaked at teardown\n", leaked);
		res.ok = false;
	}
	if (o.json)
		print_json(stdout, &o, &info, &res, snap, leaked);
	else
		print_text(stdout, &o, &info, &res, snap, leaked);
	int report_rc = o.report ? write_report(&o, &info, &res) : 0;
	snap_free(snap);
	json_decref(info.config);
	json_decref(info.klog);
	topo_desc_free(info.desc);
	if (report_rc)
		return 2;
	if (res.interrupted)
		return 130; /* as a shell reports a run stopped by SIGINT */
	return res.ok && !leaked ? 0 : 1;
}

/* `illan matrix`: the 16 fix combinations, one row each. */
int cmd_matrix(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_run_opts(argc, argv, &o, true);
	if (rc)
		return rc > 0 ? 0 : 2;
	run_interactive(&o);
	if (!o.json) {
		char mtu[16];
		snprintf(mtu, sizeof(mtu), "%u", o.cfg.mtu ? o.cfg.mtu : 1500);
		printf("illan matrix: %s%sIPv%d, MTU %s, %" PRIu64 " bytes per flow, offloads %s\n\n",
		       o.file ? o.file : "", o.file ? ", " : "", o.so.family,
		       o.cfg.mtu || !o.file ? mtu : "as the file says", o.bytes,
		       o.cfg.no_offload ? "off" : "on");
		if (!o.file) {
			printf("%-9s %-9s %-9s %-10s %-10s %-8s %-9s %-9s %s\n", "fixes", "A->B",
			       "X->B", "SYN-rexmit", "bad-csum", "sw-path", "A->B", "X->B",
			       "verdict");
			printf("%-9s %-9s %-9s %-10s %-10s %-8s %-9s %-9s\n", "", "", "", "", "",
			       "", "virtual-s", "virtual-s");
		} else {
			printf("%-9s %-9s %-10s %-10s %-8s %s\n", "fixes", "flows-ok", "SYN-rexmit",
			       "bad-csum", "sw-path", "verdict");
		}
	} else {
		printf("{\"rows\": [");
	}
	/* Every row is the seed generation v4.15 with that fix set: 1,2,3,4 is
	 * the seed as shipped, the others never shipped in a kernel. */
	enum ibmveth_gen mg = IBMVETH_GEN_V4_15;
	if (o.cfg.driver && (ibmveth_parse_gen(o.cfg.driver, &mg) != 0 || mg != IBMVETH_GEN_V4_15)) {
		fprintf(stderr,
			"illan matrix: the rows are fix sets of the seed generation v4.15; "
			"--driver %s has its kernel's fixes (illan run --driver %s)\n",
			o.cfg.driver, o.cfg.driver);
		return 2;
	}
	bool all_ok = true;
	for (unsigned fixes = 0; fixes < 16; fixes++) {
		struct run_opts ro = o;
		ro.cfg.fixes = fixes;
		ro.cfg.driver = "v4.15";
		ro.so.explain = false;
		static struct scenario_result res;
		struct topo *t = run_once(&ro, &res, &rc);
		if (!t)
			return 1;
		if (res.interrupted) {
			topo_destroy(t);
			break;
		}
		uint64_t bad = topo_counter_sum(t, "tcp_bad_checksum");
		uint64_t sw = topo_counter_sum(t, "hv_sw_checksums") +
			      topo_counter_sum(t, "hv_sw_segments") +
			      topo_counter_sum(t, "sw_gso_segments");
		uint64_t rexmit = 0;
		bool connected = true, intact = true;
		unsigned n_ok = 0;
		for (unsigned i = 0; i < res.n_flows; i++) {
			n_ok += res.flows[i].ok;
			rexmit += res.flows[i].syn_retransmits + res.flows[i].synack_retransmits;
			connected &= res.flows[i].ok;
			intact &= res.flows[i].intact;
		}
		uint64_t leaked = topo_destroy(t);
		/* One verdict per row: a broken flow first, then first-packet
		 * losses, then software fallback; "whole and fast" only when
		 * nothing of that happened. */
		char verdict[160];
		if (!intact || leaked) {
			snprintf(verdict, sizeof(verdict), "CORRUPT or leaking");
		} else if (!connected) {
			size_t off = (size_t)snprintf(verdict, sizeof(verdict), "broken:");
			for (unsigned i = 0; i < res.n_flows && off < sizeof(verdict); i++) {
				const struct scenario_flow_result *fr = &res.flows[i];
				const char *st = !fr->ok ? "fails"
						 : fr->syn_retransmits + fr->synack_retransmits
							 ? "loses first packets"
							 : "ok";
				off += (size_t)snprintf(verdict + off, sizeof(verdict) - off,
							"%s %s %s", i ? "," : "", fr->name, st);
			}
		} else if (rexmit) {
			snprintf(verdict, sizeof(verdict), "works, loses first packets");
		} else if (sw) {
			snprintf(verdict, sizeof(verdict), "works, software fallback (slow)");
		} else {
			snprintf(verdict, sizeof(verdict), "whole and fast");
		}
		if (fixes == 15 && strcmp(verdict, "whole and fast") != 0)
			all_ok = false;
		char fx[32];
		fixes_list(fixes, fx, sizeof(fx), false);
		if (o.json) {
			json_t *row = json_pack("{s:o, s:b, s:I, s:I, s:I, s:s}", "fixes",
						fixes_json(fixes), "flows_ok", connected,
						"syn_retransmits", (json_int_t)rexmit,
						"tcp_bad_checksum", (json_int_t)bad,
						"software_path", (json_int_t)sw, "verdict", verdict);
			/* virtual time to completion: what lost packets cost (RTOs);
			 * wall time says how fast illan ran, not the path */
			json_t *vt = json_array();
			for (unsigned i = 0; i < res.n_flows; i++)
				json_array_append_new(vt, json_real(res.flows[i].virtual_s));
			json_object_set_new(row, "virtual_s", vt);
			char *text = json_dumps(row, JSON_PRESERVE_ORDER | JSON_COMPACT);
			printf("%s\n %s", fixes ? "," : "", text ? text : "null");
			free(text);
			json_decref(row);
		} else if (o.file) {
			char okcol[24];
			snprintf(okcol, sizeof(okcol), "%u/%u", n_ok, res.n_flows);
			printf("%-9s %-9s %-10" PRIu64 " %-10" PRIu64 " %-8" PRIu64 " %s\n", fx,
			       okcol, rexmit, bad, sw, verdict);
		} else {
			printf("%-9s %-9s %-9s %-10" PRIu64 " %-10" PRIu64 " %-8" PRIu64
			       " %-9.2f %-9.2f %s\n",
			       fx, res.flows[0].ok ? "ok" : "FAIL", res.flows[1].ok ? "ok" : "FAIL",
			       rexmit, bad, sw, res.flows[0].virtual_s, res.flows[1].virtual_s,
			       verdict);
		}
		fflush(stdout);
	}
	if (o.json)
		printf("]%s}\n", run_interrupted ? ", \"interrupted\": true" : "");
	else if (run_interrupted)
		printf("\ninterrupted (Ctrl-C): the rows above are the combinations run so far\n");
	else
		printf("\nEvery row runs the seed generation v4.15 (66aa0678) with that fix set: "
		       "1,2,3,4 is the seed\nas shipped; the other fifteen sets never shipped in a "
		       "kernel (the driver before the\nseed is `illan run --driver v4.13`, not "
		       "\"none\"). The seed's warning: fixes 1, 2 and 3\nonly work together.\n"
		       "Verdicts rest on counters (lost first packets, software checksums and\n"
		       "segmentation), never on wall time; virtual-s is each flow's time to\n"
		       "completion on the virtual clock (a lost SYN costs a 1 s timeout).\n");
	if (run_interrupted)
		return 130;
	return all_ok ? 0 : 1;
}
