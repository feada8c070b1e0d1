/*
 * bench.c — `illan bench`: goodput of the seed path in several
 * configurations, per-layer cost, bytes copied per byte delivered, and
 * ratios against references measured in the same run (the no-offload and
 * unfixed paths; hot memcpy bandwidth is printed for scale).
 * A benchmark measures and prints; it never fails on a number.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif

#include "cli.h"
#include "opts.h"
#include "drv/ibmveth/ibmveth.h"
#include "ev/prof.h"
#include "pkt/pkt.h"
#include "topo/scenario.h"
#include "topo/topo.h"
#include "topo/topofile.h"

#pragma weak cmd_bench_real

#define BENCH_MAX_CASES 32
#define BENCH_MAX_REPS 9
/* Warm-up flow before each timed one: enough to cycle every receive buffer
 * the steady state uses (ibmveth replenishes at 7/8: 32 x 64 KiB per pool). */
#define BENCH_WARM_BYTES (8u << 20)

struct bench_case {
	char name[48];
	int family;
	unsigned mtu;
	unsigned fixes;
	bool no_offload;
	bool x_to_b; /* X->B instead of A->B */
	double gbps; /* median */
	double samples[BENCH_MAX_REPS];
	unsigned n_samples;
	bool ok;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

/* Hot memcpy of 64 KiB blocks: the machine's copy bandwidth, for scale. */
static volatile uint8_t bench_sink;
static double memcpy_gbytes(double seconds)
{
	static uint8_t a[65536], b[65536];
	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b)); /* warm */
	uint64_t n = 0;
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < 256; i++) {
			memcpy((i & 1) ? a : b, (i & 1) ? b : a, sizeof(a));
			__asm__ volatile("" ::: "memory");
		}
		n += 256;
		t = now_s();
	} while (t - t0 < seconds);
	bench_sink = a[n % sizeof(a)] ^ b[7];
	return (double)n * sizeof(a) / (t - t0) / 1e9;
}

/*
 * One run of one flow; returns goodput in Gbit/s (payload, both ways).
 * A warm-up flow runs first on the same topology (another server port, so a
 * new connection): it faults in the partition memory the steady state cycles
 * through and warms the caches, as a long-running system is warm — without
 * it a short run mostly measures the kernel zeroing fresh pages. Only the
 * second flow is timed.
 */
static double run_case(const struct bench_case *c, uint64_t bytes, uint64_t warm_bytes, bool *ok)
{
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.fixes = c->fixes;
	cfg.no_offload = c->no_offload;
	cfg.mtu = c->mtu;
	char err[256];
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "illan bench: %s: %s\n", c->name, err);
		*ok = false;
		return 0;
	}
	struct scenario_options so;
	scenario_options_default(&so);
	so.family = c->family;
	so.explain = false;
	static struct scenario_result res;
	int rc = 0;
	*ok = true;
	if (warm_bytes) {
		struct scenario_flow_spec warm[2];
		scenario_default_flows(warm, warm_bytes, 64 * 1024);
		warm[c->x_to_b ? 1 : 0].port = (uint16_t)(warm[c->x_to_b ? 1 : 0].port + 100);
		bool was = prof_enabled;
		prof_enabled = false; /* the per-layer profile counts the timed flow only */
		rc = scenario_run(t, &warm[c->x_to_b ? 1 : 0], 1, &so, &res, err, sizeof(err));
		prof_enabled = was;
		if (was)
			prof_reset();
		*ok = rc == 0 && res.ok;
	}
	struct scenario_flow_spec specs[2];
	scenario_default_flows(specs, bytes, 64 * 1024);
	if (rc == 0) {
#ifdef BENCH_HAVE_CALLGRIND
		/* bench/callgrind.sh counts the timed flow only (--collect-atstart=no) */
		CALLGRIND_TOGGLE_COLLECT;
#endif
		rc = scenario_run(t, &specs[c->x_to_b ? 1 : 0], 1, &so, &res, err, sizeof(err));
#ifdef BENCH_HAVE_CALLGRIND
		CALLGRIND_TOGGLE_COLLECT;
#endif
	}
	*ok = *ok && rc == 0 && res.ok;
	topo_destroy(t);
	return rc ? 0 : res.flows[0].goodput_gbps;
}

struct hop_cost {
	double ns_per_pkt, ns_per_byte, share;
	double copied_per_byte; /* frame bytes this section copied per payload byte moved */
	uint64_t calls, bytes;
};

/* A configuration profiled layer by layer (IPv4, MTU 1500). */
struct hop_profile {
	const char *name;
	unsigned fixes;
	bool no_offload, x_to_b;
	struct hop_cost hc[PROF_MAX_SECTIONS]; /* by prof_section_at index */
	double ns_per_64k;      /* every section's time per 64 KiB of payload moved */
	double copies_per_byte; /* frame bytes copied (all sections) per payload byte moved */
	double copies_min;      /* the fewest the path can do with (two crossings of
				 * the hypervisor, or the NIC's DMA and one) */
};

/* Per-layer cost of one configuration, with the section profiler on for
 * the timed flow. */
static void hop_costs_once(struct hop_profile *hp, uint64_t bytes)
{
	struct bench_case c = {.family = 4,
			       .mtu = 1500,
			       .fixes = hp->fixes,
			       .no_offload = hp->no_offload,
			       .x_to_b = hp->x_to_b};
	snprintf(c.name, sizeof(c.name), "profile %s", hp->name);
	prof_reset();
	prof_enabled = true;
	bool ok;
	run_case(&c, bytes, BENCH_WARM_BYTES, &ok);
	prof_enabled = false;
	/* every section the layers registered so far; one first met later
	 * (e.g. the physical NIC's) stays zero in this profile */
	double total = 0;
	const unsigned n = prof_n_sections();
	for (unsigned s = 0; s < n; s++)
		total += (double)prof_section_at(s)->ns;
	for (unsigned s = 0; s < n; s++) {
		const struct prof_section *e = prof_section_at(s);
		struct hop_cost *h = &hp->hc[s];
		h->calls = e->calls;
		h->bytes = e->bytes;
		h->ns_per_pkt = e->calls ? (double)e->ns / (double)e->calls : 0;
		h->ns_per_byte = e->bytes ? (double)e->ns / (double)e->bytes : 0;
		h->share = total > 0 ? (double)e->ns / total : 0;
	}
	/* the flow moves `bytes` one way and a 64 KiB reply */
	const double moved = (double)(bytes + 65536);
	hp->ns_per_64k = total / (moved / 65536.0);
	uint64_t copied = prof_copied_outside;
	for (unsigned s = 0; s < n; s++) {
		copied += prof_section_at(s)->copied;
		hp->hc[s].copied_per_byte = (double)prof_section_at(s)->copied / moved;
	}
	hp->copies_per_byte = (double)copied / moved;
}

/* The least disturbed of reps profiles (lowest total): a preemption lands
 * in whichever section happens to be running and would blame it. */
static void hop_costs(struct hop_profile *hp, uint64_t bytes, unsigned reps)
{
	struct hop_profile best = *hp;
	for (unsigned r = 0; r < reps; r++) {
		struct hop_profile t = *hp;
		hop_costs_once(&t, bytes);
		if (r == 0 || t.ns_per_64k < best.ns_per_64k)
			best = t;
	}
	*hp = best;
}

static void add_case(struct bench_case *cs, unsigned *n, const char *what, int family, unsigned mtu,
		     unsigned fixes, bool no_offload, bool x_to_b)
{
	struct bench_case *c = &cs[(*n)++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s v%d mtu%u", what, family, mtu);
	c->family = family;
	c->mtu = mtu;
	c->fixes = fixes;
	c->no_offload = no_offload;
	c->x_to_b = x_to_b;
}

static const struct bench_case *find(const struct bench_case *cs, unsigned n, const char *what,
				     int family, unsigned mtu)
{
	char name[48];
	snprintf(name, sizeof(name), "%s v%d mtu%u", what, family, mtu);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(cs[i].name, name) == 0)
			return &cs[i];
	return NULL;
}

/* Median over rounds of a's sample / b's sample (0 when either is missing). */
static double ratio(const struct bench_case *a, const struct bench_case *b)
{
	if (!a || !b || a->n_samples != b->n_samples || !a->n_samples)
		return 0;
	double r[BENCH_MAX_REPS];
	for (unsigned i = 0; i < a->n_samples; i++)
		r[i] = b->samples[i] > 0 ? a->samples[i] / b->samples[i] : 0;
	return median(r, a->n_samples);
}

static int write_plot(const char *png, const struct bench_case *cs, unsigned n, double memcpy_gbps)
{
	char dat[] = "/tmp/illan-bench-XXXXXX";
	int fd = mkstemp(dat);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f)
		return -errno;
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%u \"%s\" %.4f\n", i, cs[i].name, cs[i].gbps);
	fclose(f);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "gnuplot -e \"set terminal png size 1400,760; set output '%s'; "
		 "set title 'illan goodput per configuration (hot memcpy %.1f Gbit/s)'; set ylabel 'Gbit/s'; "
		 "set style fill solid 0.6; set boxwidth 0.7; set xtics rotate by -40; set grid ytics; "
		 "set yrange [0:*]; set offsets 0.5, 0.5, 0, 0; set rmargin 12; set bmargin 12; unset key; "
		 "plot '%s' using 1:3:xtic(2) with boxes, '' using 1:3:(sprintf('%%.1f', \\$3)) "
		 "with labels offset 0,0.7 font ',9'\" 2>&1",
		 png, memcpy_gbps, dat);
	int rc = system(cmd);
	remove(dat);
	return rc == 0 ? 0 : -EIO;
}

static void usage_bench(FILE *f)
{
	fprintf(f,
		"usage: illan bench [FILE] [--quick] [--json] [--plot FILE.png] [--bytes N] [--reps N] [--real]\n"
		"       illan bench --scale [--quick] [--json] [--reps N]   (flows, fan-out, bring-up)\n"
		"  embedded: memcpy reference, A->B and X->B goodput per configuration (IPv4/IPv6,\n"
		"  MTU 1500/9000), per-layer cost, ratios. --real (root): iperf3 through namespaces.\n"
		"  FILE: a topology file's flows, all at once, under all fixes, no offload, fix 1 off\n"
		"  and fix 4 off; aggregate goodput per wall second and ratios to all fixes.\n"
		"  --bytes N: bytes per flow, K/M/G suffixes as every command (default 64M, 16M\n"
		"  with --quick); --reps N: rounds, the median reported (default 3).\n");
}

/* One configuration of `illan bench FILE`: every flow of the file at once,
 * each sending bytes (reply 64 KiB). Returns aggregate goodput (payload both
 * ways per wall second), 0 when the run failed (*ok false). */
static double file_case(const char *path, unsigned fixes, bool no_offload, uint64_t bytes, bool *ok)
{
	char err[512];
	struct topo_desc *d = topofile_load(path, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "illan bench: %s\n", err);
		*ok = false;
		return 0;
	}
	for (unsigned i = 0; i < d->n_flows; i++) {
		d->flows[i].bytes = bytes;
		d->flows[i].reply_bytes = 64 * 1024;
	}
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.fixes = fixes;
	cfg.no_offload = no_offload;
	struct topo *t = topo_create(d, &cfg, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "illan bench: %s\n", err);
		*ok = false;
		return 0;
	}
	static struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_flows_of(t, specs, SCENARIO_MAX_FLOWS);
	struct scenario_options so;
	scenario_options_default(&so);
	so.explain = false;
	static struct scenario_result res;
	int rc = scenario_run(t, specs, n, &so, &res, err, sizeof(err));
	*ok = rc == 0 && res.ok;
	uint64_t moved = 0;
	for (unsigned i = 0; i < res.n_flows; i++)
		moved += res.flows[i].bytes_delivered + res.flows[i].reply_delivered;
	topo_destroy(t);
	return *ok && res.wall_s > 0 ? (double)moved * 8 / res.wall_s / 1e9 : 0;
}

/* `illan bench FILE`: the median of reps rounds per configuration, the
 * configurations interleaved in each round so drift hits them alike. */
static int bench_file(const char *path, uint64_t bytes, unsigned reps, bool json)
{
	static const struct {
		const char *name;
		unsigned fixes;
		bool no_offload;
	} cfgs[] = {
		{"all-fixes", IBMVETH_FIX_ALL, false},
		{"no-offload", IBMVETH_FIX_ALL, true},
		{"fix1-off", IBMVETH_FIX_ALL & ~IBMVETH_FIX_TRUNK_OFFLOAD, false},
		{"fix4-off", IBMVETH_FIX_ALL & ~IBMVETH_FIX_FRAGLIST_LINEARIZE, false},
	};
	enum { N = sizeof(cfgs) / sizeof(cfgs[0]) };
	double g[N][BENCH_MAX_REPS];
	bool all_ok = true;
	for (unsigned r = 0; r < reps; r++)
		for (unsigned c = 0; c < N; c++) {
			bool ok;
			g[c][r] = file_case(path, cfgs[c].fixes, cfgs[c].no_offload, bytes, &ok);
			all_ok &= ok;
		}
	double med[N];
	for (unsigned c = 0; c < N; c++) {
		for (unsigned i = 1; i < reps; i++) /* insertion sort: reps is small */
			for (unsigned k = i; k > 0 && g[c][k - 1] > g[c][k]; k--) {
				double x = g[c][k];
				g[c][k] = g[c][k - 1];
				g[c][k - 1] = x;
			}
		med[c] = g[c][reps / 2];
	}
	if (json) {
		json_t *cases = json_array();
		for (unsigned c = 0; c < N; c++)
			json_array_append_new(cases, json_pack("{s:s, s:f, s:f}", "name", cfgs[c].name,
							       "gbps", med[c], "vs_all_fixes",
							       med[0] > 0 ? med[c] / med[0] : 0.0));
		json_t *root = json_pack("{s:s, s:I, s:i, s:b, s:o}", "file", path,
					 "bytes_per_flow", (json_int_t)bytes, "reps", reps, "ok",
					 all_ok, "cases", cases);
		json_dumpf(root, stdout, JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(root);
	} else {
		printf("illan bench %s: every flow at once, %" PRIu64
		       " MiB each, median of %u rounds\n\n",
		       path, bytes >> 20, reps);
		printf("%-12s %10s %14s\n", "config", "Gbit/s", "vs all-fixes");
		for (unsigned c = 0; c < N; c++)
			printf("%-12s %10.2f %14.2f\n", cfgs[c].name, med[c],
			       med[0] > 0 ? med[c] / med[0] : 0);
		if (!all_ok)
			printf("\nnot every flow delivered every byte in every round (see illan run %s)\n",
			       path);
	}
	return 0;
}

/* `illan bench`: see usage_bench. */
int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"quick", no_argument, NULL, 'q'},      {"json", no_argument, NULL, 'j'},
		{"plot", required_argument, NULL, 'p'}, {"bytes", required_argument, NULL, 'b'},
		{"reps", required_argument, NULL, 'r'}, {"only", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	/* --real has options of its own: hand over before parsing */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--real") == 0) {
			if (!cmd_bench_real) {
				fprintf(stderr,
					"illan bench: --real is not built into this binary\n");
				return 2;
			}
			return cmd_bench_real(argc, argv);
		}
		if (strcmp(argv[i], "--scale") == 0)
			return cmd_bench_scale(argc, argv);
	}
	bool quick = false, json = false;
	const char *plot = NULL, *only = NULL;
	uint64_t bytes = 64u << 20;
	unsigned reps = 3;
	bool bytes_set = false, reps_set = false;
	optind = 0; /* 0: glibc re-initialises getopt fully (safe to parse twice) */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'q':
			quick = true;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			plot = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		case 'b':
			/* the grammar of every subcommand (opts.h): 4M, 1G, ... */
			if (opts_parse_size(optarg, &bytes) || bytes == 0 || bytes > (64ull << 30)) {
				fprintf(stderr,
					"illan bench: --bytes '%s': expected a byte count from 1 to 64G "
					"(K, M, G suffixes: 4M)\n",
					optarg);
				return 2;
			}
			bytes_set = true;
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, &end, 10);
			reps_set = true;
			if (*end || reps == 0 || reps > BENCH_MAX_REPS) {
				fprintf(stderr, "illan bench: --reps takes 1..%d\n", BENCH_MAX_REPS);
				return 2;
			}
			break;
		case 'h':
			usage_bench(stdout);
			return 0;
		default:
			fprintf(stderr,
				"illan bench: unknown or incomplete option '%s' (illan bench --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (quick && !bytes_set) /* --quick sets defaults; --bytes and --reps still rule */
		bytes = 16u << 20;
	if (quick && !reps_set)
		reps = 3;
	if (optind < argc) {
		const char *file = argv[optind++];
		if (optind < argc) {
			fprintf(stderr, "illan bench: one topology FILE at most ('%s')\n",
				argv[optind]);
			return 2;
		}
		if (plot || only) {
			fprintf(stderr,
				"illan bench: --plot and --only are for the seed's benchmark\n");
			return 2;
		}
		return bench_file(file, bytes, reps, json);
	}

	static struct bench_case cs[BENCH_MAX_CASES];
	unsigned n = 0;
	const unsigned all = IBMVETH_FIX_ALL;
	const int families[2] = {4, 6};
	const unsigned mtus[2] = {1500, 9000};
	for (int fi = 0; fi < 2; fi++)
		for (int mi = 0; mi < 2; mi++) {
			int fam = families[fi];
			unsigned mtu = mtus[mi];
			add_case(cs, &n, "A->B all-fixes", fam, mtu, all, false, false);
			add_case(cs, &n, "A->B no-offload", fam, mtu, all, true, false);
			add_case(cs, &n, "A->B fix1-off", fam, mtu,
				 all & ~IBMVETH_FIX_TRUNK_OFFLOAD, false, false);
			add_case(cs, &n, "X->B fix4-on", fam, mtu, all, false, true);
			add_case(cs, &n, "X->B fix4-off", fam, mtu,
				 all & ~IBMVETH_FIX_FRAGLIST_LINEARIZE, false, true);
		}

	if (only) {
		/* one or a few cases, for a profiler: no memcpy reference (a
		 * time-bounded loop would make instruction counts vary) and no
		 * per-layer pass */
		unsigned k = 0;
		for (unsigned i = 0; i < n; i++)
			if (strstr(cs[i].name, only))
				cs[k++] = cs[i];
		n = k;
		if (!n) {
			fprintf(stderr, "illan bench: no case matches --only '%s'\n", only);
			return 2;
		}
	}
	/*
	 * Rounds: each round measures the memcpy reference and then every case
	 * once, so a ratio is taken between samples of the same round (these
	 * machines are shared: load comes and goes) and reported as the median
	 * over rounds; each case's goodput is the median of its samples.
	 */
	double mc[BENCH_MAX_REPS] = {0};
	if (!json)
		printf("%-28s %10s (median of %u round%s, %" PRIu64
		       " bytes per flow; payload per wall second)\n",
		       "case", "Gbit/s", reps, reps == 1 ? "" : "s", bytes);
	for (unsigned r = 0; r < reps; r++) {
		mc[r] = only ? 0 : memcpy_gbytes(0.05);
		for (unsigned i = 0; i < n; i++) {
			struct bench_case *bc = &cs[i];
			bool ok;
			if (r == 0)
				bc->ok = true;
			bc->samples[bc->n_samples++] = run_case(bc, bytes, BENCH_WARM_BYTES, &ok);
			bc->ok &= ok;
		}
	}
	double tmp[BENCH_MAX_REPS];
	memcpy(tmp, mc, sizeof(tmp));
	double memcpy_gb = median(tmp, reps); /* GB/s */
	if (!json && !only)
		printf("%-28s %10.2f   (%.2f GB/s, hot 64 KiB blocks)\n", "memcpy reference",
		       memcpy_gb * 8, memcpy_gb);
	for (unsigned i = 0; i < n; i++) {
		struct bench_case *bc = &cs[i];
		memcpy(tmp, bc->samples, sizeof(tmp));
		bc->gbps = median(tmp, bc->n_samples);
		if (!json)
			printf("%-28s %10.2f%s\n", bc->name, bc->gbps,
			       bc->ok ? "" : "   (FAILED: not every byte delivered)");
	}
	fflush(stdout);

	static struct hop_profile hops[] = {
		{.name = "A->B all-fixes", .fixes = IBMVETH_FIX_ALL, .copies_min = 2},
		{.name = "A->B no-offload",
		 .fixes = IBMVETH_FIX_ALL,
		 .no_offload = true,
		 .copies_min = 2},
		{.name = "X->B fix4-on", .fixes = IBMVETH_FIX_ALL, .x_to_b = true, .copies_min = 2},
		{.name = "X->B fix4-off",
		 .fixes = IBMVETH_FIX_ALL & ~IBMVETH_FIX_FRAGLIST_LINEARIZE,
		 .x_to_b = true,
		 .copies_min = 2},
	};
	const unsigned n_hops = only ? 0 : sizeof(hops) / sizeof(hops[0]);
	for (unsigned i = 0; i < n_hops; i++)
		hop_costs(&hops[i], bytes, reps);

	const struct bench_case *ab = find(cs, n, "A->B all-fixes", 4, 1500);
	double offload_speedup = ratio(ab, find(cs, n, "A->B no-offload", 4, 1500));
	double fraglist_speedup =
		ratio(find(cs, n, "X->B fix4-on", 4, 1500), find(cs, n, "X->B fix4-off", 4, 1500));
	double fix1_speedup = ratio(ab, find(cs, n, "A->B fix1-off", 4, 1500));

	if (json) {
		printf("{\"reps\": %u, \"bytes_per_flow\": %" PRIu64
		       ", \"memcpy_gbytes_per_s\": %.4f,\n \"cases\": [",
		       reps, bytes, memcpy_gb);
		for (unsigned i = 0; i < n; i++)
			printf("%s\n  {\"name\": \"%s\", \"gbps\": %.4f, \"ok\": %s}", i ? "," : "",
			       cs[i].name, cs[i].gbps, cs[i].ok ? "true" : "false");
		printf("],\n \"hops\": {");
		for (unsigned i = 0; i < n_hops; i++) {
			printf("%s\n  \"%s v4 mtu1500\": {\"ns_per_64k\": %.1f, "
			       "\"copied_per_byte_delivered\": %.4f, \"copies_minimum\": %.1f",
			       i ? "," : "", hops[i].name, hops[i].ns_per_64k,
			       hops[i].copies_per_byte, hops[i].copies_min);
			for (unsigned s = 0; s < prof_n_sections(); s++) {
				const struct hop_cost *h = &hops[i].hc[s];
				printf(", \"%s\": {\"calls\": %" PRIu64 ", \"ns_per_packet\": %.1f, "
				       "\"ns_per_byte\": %.4f, \"share\": %.3f, "
				       "\"copied_per_byte\": %.4f}",
				       prof_section_at(s)->name, h->calls, h->ns_per_pkt,
				       h->ns_per_byte, h->share, h->copied_per_byte);
			}
			printf("}");
		}
		printf("},\n \"ratios\": {\"offload_speedup\": %.3f, \"fraglist_speedup\": %.3f, "
		       "\"fix1_speedup\": %.3f}}\n",
		       offload_speedup, fraglist_speedup, fix1_speedup);
	} else {
		for (unsigned i = 0; i < n_hops; i++) {
			printf("\nper-layer cost, %s, IPv4 MTU 1500 (exclusive time, least disturbed of the reps; "
			       "%.0f ns per 64 KiB moved):\n",
			       hops[i].name, hops[i].ns_per_64k);
			printf("  %-14s %10s %10s %10s %8s %9s\n", "layer", "calls", "ns/call",
			       "ns/byte", "share", "copied/B");
			for (unsigned s = 0; s < prof_n_sections(); s++) {
				const struct hop_cost *h = &hops[i].hc[s];
				if (h->calls)
					printf("  %-14s %10" PRIu64 " %10.1f %10.4f %7.1f%% %9.3f\n",
					       prof_section_at(s)->name, h->calls, h->ns_per_pkt,
					       h->ns_per_byte, h->share * 100, h->copied_per_byte);
			}
		}
		printf("\nratios (same run):\n");
		printf("  offload speedup   (A->B all fixes / no offload)   %6.2fx  (target >= 4)\n",
		       offload_speedup);
		printf("  fraglist speedup  (X->B fix 4 on / off)           %6.2fx  (target >= 3)\n",
		       fraglist_speedup);
		printf("  fix 1 speedup     (A->B all fixes / fix 1 off)    %6.2fx\n", fix1_speedup);
		printf("\nbytes copied per payload byte delivered (IPv4 MTU 1500; minimum: two "
		       "hypervisor copies A->B, the NIC's DMA and one hypervisor copy X->B):\n");
		for (unsigned i = 0; i < n_hops; i++)
			printf("  %-18s %6.3f   (minimum %.1f)\n", hops[i].name,
			       hops[i].copies_per_byte, hops[i].copies_min);
		if (n_hops)
			printf("instructions per 64 KiB moved, the repeatable figure: "
			       "sh bench/callgrind.sh\n");
	}
	if (plot) {
		int rc = write_plot(plot, cs, n, memcpy_gb * 8);
		if (rc)
			fprintf(stderr,
				"illan bench: could not plot to %s (is gnuplot installed?)\n", plot);
		else if (!json)
			printf("\nplot written to %s\n", plot);
	}
	return 0;
}
