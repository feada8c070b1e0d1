/*
 * benchscale.c — `illan bench --scale`: how the embedded path's cost grows
 * with what a managed system holds, each figure a ratio taken in one run:
 *
 *   flows     per-packet wall cost with 1, 100 and 10,000 concurrent flows
 *             through an IO server's OVS bridge (bench/scale-flows.yaml);
 *             target: 10k flows within 1.5x of 1 flow
 *   fan-out   a broadcast to N = 1, 8, 32, 63 receivers on one hypervisor
 *             switch (bench/scale-fanout.yaml): cost per receiver
 *   bring-up  wall time to build examples/many-lpars.yaml (64 client
 *             partitions and an IO server); target: under 1000 ms
 *   failover  the outage examples/dual-vios-failover.yaml's flows see, in
 *             virtual time
 *   copies    frame bytes copied per payload byte delivered, A->B and X->B
 *             on the seed, beside the minimum each path requires
 *
 * The topology files are compiled in (tools/embed-text.py) and read by the
 * same loader as any user's file, so the bench runs from any directory.
 * Serves cmd_bench (bench.c hands `--scale` over here). A benchmark measures
 * and prints; it never fails on a number.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "drv/ibmveth/ibmveth.h"
#include "ev/ev.h"
#include "ev/prof.h"
#include "net/netdev.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"
#include "topo/scenario.h"
#include "topo/topo.h"
#include "topo/topofile.h"

/* The compiled-in topology files (src/cli/meson.build). */
extern const char bench_scale_flows_yaml[], bench_scale_fanout_yaml[];
extern const size_t bench_scale_flows_yaml_len, bench_scale_fanout_yaml_len;
extern const char bench_many_lpars_yaml[], bench_failover_yaml[];
extern const size_t bench_many_lpars_yaml_len, bench_failover_yaml_len;

/* Under valgrind --tool=callgrind --collect-atstart=no (bench/callgrind.sh
 * --scale), only the timed loops are counted, one dump per case. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SCALE_CALLGRIND_START() CALLGRIND_TOGGLE_COLLECT
#define SCALE_CALLGRIND_STOP(what)             \
	do {                                   \
		CALLGRIND_TOGGLE_COLLECT;      \
		CALLGRIND_DUMP_STATS_AT(what); \
	} while (0)
#endif
#endif
#ifndef SCALE_CALLGRIND_START
#define SCALE_CALLGRIND_START() ((void)0)
#define SCALE_CALLGRIND_STOP(what) ((void)(what))
#endif

#define SCALE_MAX_REPS 9
/* Frames sent before the loop runs: fewer than any receive pool holds. */
#define SCALE_BURST 16
/* Virtual time given to each burst to drain (nothing in the path waits on
 * a timer, so the burst is through long before). */
#define SCALE_DRAIN_NS 20000u
#define SCALE_UDP_PAYLOAD 64u
/* Frames sent before timing starts: enough to cycle every receive pool
 * buffer the steady state uses (ibmveth's smallest pool: 256 buffers), so
 * the kernel's zeroing of fresh pages is not timed. */
#define SCALE_WARM 4096u

static const unsigned scale_n_flows[] = {1, 100, 10000};
enum { SCALE_N_FLOWS = sizeof(scale_n_flows) / sizeof(scale_n_flows[0]) };
static const unsigned scale_n_rcv[] = {1, 8, 32, 63};
enum { SCALE_N_RCV = sizeof(scale_n_rcv) / sizeof(scale_n_rcv[0]) };

struct scale_opts {
	bool quick, json;
	unsigned reps;
	unsigned flow_pkts; /* timed packets per flows case */
	unsigned bcasts;    /* timed broadcasts per fan-out case */
	uint64_t copy_bytes;
	const char *only; /* one part (for a profiler), NULL: all */
};

/* A moment on two clocks: the wall clock, and the CPU time this thread
 * used. These machines are shared (the load is often several times the
 * cores), so a wall-clock interval also holds other processes' turns; the
 * CPU time is the cost of the work itself, and the ratios are taken on it. */
struct scale_clock {
	double wall, cpu; /* seconds */
};

static double scale_read(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct scale_clock scale_now(void)
{
	return (struct scale_clock){scale_read(CLOCK_MONOTONIC), scale_read(CLOCK_THREAD_CPUTIME_ID)};
}

static int scale_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of n samples (sorts a copy). */
static double scale_median(const double *v, unsigned n)
{
	double s[SCALE_MAX_REPS];
	if (!n)
		return 0;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), scale_cmp);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Median over rounds of a[i] / b[i]: a ratio between samples of one round. */
static double scale_ratio(const double *a, const double *b, unsigned n)
{
	double r[SCALE_MAX_REPS];
	for (unsigned i = 0; i < n; i++)
		r[i] = b[i] > 0 ? a[i] / b[i] : 0;
	return scale_median(r, n);
}

/* Build a compiled-in topology file; keep_parts > 0 keeps only its first
 * keep_parts partitions (the fan-out file holds no flows, bridges or
 * events that could name the others). NULL on failure (reported). */
static struct topo *scale_build(const char *text, size_t len, const char *name, unsigned keep_parts)
{
	char err[512];
	struct topo_desc *d = topofile_load_string(text, len, name, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "illan bench --scale: %s\n", err);
		return NULL;
	}
	if (keep_parts && keep_parts < d->n_parts)
		d->n_parts = keep_parts;
	struct topo_config cfg;
	topo_config_default(&cfg);
	struct topo *t = topo_create(d, &cfg, err, sizeof(err));
	if (!t)
		fprintf(stderr, "illan bench --scale: %s: %s\n", name, err);
	return t;
}

/* Run what the frames sent so far set off, at (almost) the same virtual time. */
static void scale_drain(struct topo *t)
{
	ev_run_until(t->loop, NULL, NULL, ev_now(t->loop) + SCALE_DRAIN_NS);
}

static const struct topo_ep *scale_ep(const struct topo *t, const char *name)
{
	int i = topo_find_ep(t, name);
	return i < 0 ? NULL : &t->eps[i];
}

/* Send one IPv4 UDP frame from ep `from` to ep `to` (no UDP checksum, as
 * RFC 768 allows over IPv4). Returns dev_queue_xmit's result. */
static int scale_send_udp(const struct topo_ep *from, const struct topo_ep *to, uint16_t sport,
			  uint16_t dport)
{
	const uint32_t len = ETH_HLEN + 20 + 8 + SCALE_UDP_PAYLOAD;
	struct pkt *p = pkt_alloc(from->dev->pool, len, PKT_HEADROOM);
	if (!p)
		return -1;
	uint8_t *f = pkt_put(p, len), *ip = f + ETH_HLEN, *udp = ip + 20;
	memset(f, 0, len);
	memcpy(f, to->mac, ETH_ALEN);
	memcpy(f + ETH_ALEN, from->mac, ETH_ALEN);
	hdr_put16(f + 12, ETH_P_IP);
	ip[0] = 0x45;
	hdr_put16(ip + 2, (uint16_t)(len - ETH_HLEN));
	ip[8] = 64;
	ip[9] = IPPROTO_UDP_;
	memcpy(ip + 12, from->ip4, 4);
	memcpy(ip + 16, to->ip4, 4);
	uint16_t c = ip_fast_csum(ip, 5);
	memcpy(ip + 10, &c, 2);
	hdr_put16(udp, sport);
	hdr_put16(udp + 2, dport);
	hdr_put16(udp + 4, 8 + SCALE_UDP_PAYLOAD);
	p->protocol = ETH_P_IP;
	return dev_queue_xmit(from->dev, p);
}

/* Flow i of a case: (source port, destination port), all pairs distinct. */
static void scale_flow_ports(unsigned i, uint16_t *sport, uint16_t *dport)
{
	*sport = (uint16_t)(1024 + i % 100);
	*dport = (uint16_t)(5000 + i / 100);
}

struct scale_flows_result {
	double ns_per_pkt;      /* CPU time */
	double wall_ns_per_pkt; /* wall time */
	uint64_t bridge_flows;  /* datapath flows the bridge held at the end */
	/* a profiled pass after the timed one: each layer's exclusive ns per
	 * frame sent (the profiler's own cost included) */
	double layer_ns[PROF_MAX_SECTIONS];
	bool ok; /* every frame reached B's stack */
};

/* Send count frames A->B round robin over n_flows flows, the loop run
 * after every burst. Returns how many could not be sent. */
static uint64_t scale_send_flows(struct topo *t, const struct topo_ep *a, const struct topo_ep *b,
				 unsigned n_flows, unsigned count)
{
	uint64_t failed = 0;
	for (unsigned i = 0; i < count; i++) {
		uint16_t sp, dp;
		scale_flow_ports(i % n_flows, &sp, &dp);
		failed += scale_send_udp(a, b, sp, dp) != 0;
		if (i % SCALE_BURST == SCALE_BURST - 1)
			scale_drain(t);
	}
	scale_drain(t);
	return failed;
}

/* One flows case: n_flows flows installed by a warm-up pass, then n_pkts
 * frames round robin over them, timed, then a quarter as many profiled. */
static void scale_flows_case(unsigned n_flows, unsigned n_pkts, struct scale_flows_result *r)
{
	memset(r, 0, sizeof(*r));
	struct topo *t = scale_build(bench_scale_flows_yaml, bench_scale_flows_yaml_len,
				     "scale-flows.yaml", 0);
	if (!t)
		return;
	const struct topo_ep *a = scale_ep(t, "A"), *b = scale_ep(t, "B");
	uint64_t failed = 0;
	/* one frame B->A first, so the bridge knows B's MAC: A's frames then
	 * go to trunk-out alone, not flooded */
	failed += scale_send_udp(b, a, 9, 9) != 0;
	scale_drain(t);
	/* warm-up: every flow at least once (its upcall and install), and the
	 * memory the path cycles through touched */
	unsigned warm = n_flows < SCALE_WARM ? SCALE_WARM : n_flows;
	failed += scale_send_flows(t, a, b, n_flows, warm);
	struct scale_clock t0 = scale_now();
	SCALE_CALLGRIND_START();
	failed += scale_send_flows(t, a, b, n_flows, n_pkts);
	char what[32];
	snprintf(what, sizeof(what), "flows %u", n_flows);
	SCALE_CALLGRIND_STOP(what);
	struct scale_clock t1 = scale_now();
	r->ns_per_pkt = (t1.cpu - t0.cpu) * 1e9 / n_pkts;
	r->wall_ns_per_pkt = (t1.wall - t0.wall) * 1e9 / n_pkts;
	unsigned n_prof = n_pkts / 4 > n_flows ? n_pkts / 4 : n_flows;
	prof_reset();
	prof_enabled = true;
	failed += scale_send_flows(t, a, b, n_flows, n_prof);
	prof_enabled = false;
	for (unsigned s = 0; s < prof_n_sections() && s < PROF_MAX_SECTIONS; s++)
		r->layer_ns[s] = (double)prof_section_at(s)->ns / n_prof;
	prof_reset();
	r->bridge_flows = topo_counter_sum(t, "flows");
	r->ok = !failed && topo_counter(t, "B", "ip_unknown_proto") == warm + n_pkts + n_prof;
	if (topo_destroy(t))
		r->ok = false;
}

struct scale_fanout_result {
	double ns_per_bcast; /* CPU time */
	double wall_ns_per_bcast;
	bool ok; /* every receiver's stack saw every request */
};

/* Send an ARP request from ep `from` for 192.0.2.250, an address nobody has. */
static int scale_send_arp(const struct topo_ep *from)
{
	const uint32_t len = ETH_HLEN + 28;
	struct pkt *p = pkt_alloc(from->dev->pool, len, PKT_HEADROOM);
	if (!p)
		return -1;
	uint8_t *f = pkt_put(p, len), *a = f + ETH_HLEN;
	static const uint8_t target[4] = {192, 0, 2, 250};
	memset(f, 0xff, ETH_ALEN);
	memcpy(f + ETH_ALEN, from->mac, ETH_ALEN);
	hdr_put16(f + 12, ETH_P_ARP);
	memset(a, 0, 28);
	hdr_put16(a, 1); /* Ethernet */
	hdr_put16(a + 2, ETH_P_IP);
	a[4] = ETH_ALEN;
	a[5] = 4;
	hdr_put16(a + 6, 1); /* request */
	memcpy(a + 8, from->mac, ETH_ALEN);
	memcpy(a + 14, from->ip4, 4);
	memcpy(a + 24, target, 4);
	p->protocol = ETH_P_ARP;
	return dev_queue_xmit(from->dev, p);
}

/* One fan-out case: the first n_rcv + 1 partitions of the fan-out file,
 * P01 broadcasting n_bcasts times, timed after a warm-up. */
static void scale_fanout_case(unsigned n_rcv, unsigned n_bcasts, struct scale_fanout_result *r)
{
	memset(r, 0, sizeof(*r));
	struct topo *t = scale_build(bench_scale_fanout_yaml, bench_scale_fanout_yaml_len,
				     "scale-fanout.yaml", n_rcv + 1);
	if (!t)
		return;
	const struct topo_ep *s = scale_ep(t, "P01");
	uint64_t failed = 0, sent = 0;
	for (unsigned i = 0; i < SCALE_WARM; i++, sent++) {
		failed += scale_send_arp(s) != 0;
		if (i % SCALE_BURST == SCALE_BURST - 1)
			scale_drain(t);
	}
	scale_drain(t);
	struct scale_clock t0 = scale_now();
	SCALE_CALLGRIND_START();
	for (unsigned i = 0; i < n_bcasts; i++) {
		failed += scale_send_arp(s) != 0;
		if (i % SCALE_BURST == SCALE_BURST - 1)
			scale_drain(t);
	}
	scale_drain(t);
	char what[32];
	snprintf(what, sizeof(what), "fanout %u", n_rcv);
	SCALE_CALLGRIND_STOP(what);
	struct scale_clock t1 = scale_now();
	sent += n_bcasts;
	r->ns_per_bcast = (t1.cpu - t0.cpu) * 1e9 / n_bcasts;
	r->wall_ns_per_bcast = (t1.wall - t0.wall) * 1e9 / n_bcasts;
	/* every partition but the sender heard every request */
	r->ok = !failed && topo_counter_sum(t, "arp_rx") == sent * n_rcv;
	if (topo_destroy(t))
		r->ok = false;
}

struct scale_bringup_result {
	double create_ms, destroy_ms; /* wall time (the target is wall time) */
	double create_cpu_ms;
	unsigned n_parts;
	bool ok;
};

/* Load and build examples/many-lpars.yaml (timed), then tear it down. */
static void scale_bringup_case(struct scale_bringup_result *r)
{
	memset(r, 0, sizeof(*r));
	struct scale_clock t0 = scale_now();
	struct topo *t =
		scale_build(bench_many_lpars_yaml, bench_many_lpars_yaml_len, "many-lpars.yaml", 0);
	struct scale_clock t1 = scale_now();
	if (!t)
		return;
	r->n_parts = t->desc->n_parts;
	uint64_t leaked = topo_destroy(t);
	struct scale_clock t2 = scale_now();
	r->create_ms = (t1.wall - t0.wall) * 1e3;
	r->create_cpu_ms = (t1.cpu - t0.cpu) * 1e3;
	r->destroy_ms = (t2.wall - t1.wall) * 1e3;
	r->ok = leaked == 0;
}

struct scale_failover_result {
	double outage_s; /* longest stall of any flow, virtual seconds */
	double outage_from_s;
	char flow[2 * TOPO_NAME_MAX + 2];
	double wall_s;
	bool ok;
};

/* Run examples/dual-vios-failover.yaml's flows (bytes each, 0: the file's)
 * and find the longest outage any of them saw. */
static void scale_failover_case(uint64_t bytes, struct scale_failover_result *r)
{
	memset(r, 0, sizeof(*r));
	struct topo_desc *d;
	char err[512];
	d = topofile_load_string(bench_failover_yaml, bench_failover_yaml_len,
				 "dual-vios-failover.yaml", err, sizeof(err));
	if (!d) {
		fprintf(stderr, "illan bench --scale: %s\n", err);
		return;
	}
	for (unsigned i = 0; bytes && i < d->n_flows; i++)
		d->flows[i].bytes = bytes;
	struct topo *t = topo_create(d, NULL, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "illan bench --scale: dual-vios-failover.yaml: %s\n", err);
		return;
	}
	static struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	static struct scenario_result res;
	unsigned n = scenario_flows_of(t, specs, SCENARIO_MAX_FLOWS);
	struct scenario_options so;
	scenario_options_default(&so);
	so.explain = false;
	int rc = scenario_run(t, specs, n, &so, &res, err, sizeof(err));
	r->ok = rc == 0 && res.ok;
	r->wall_s = res.wall_s;
	for (unsigned i = 0; rc == 0 && i < res.n_flows; i++) {
		if (res.flows[i].stall_s > r->outage_s) {
			r->outage_s = res.flows[i].stall_s;
			r->outage_from_s = res.flows[i].stall_from_s;
			snprintf(r->flow, sizeof(r->flow), "%s", res.flows[i].name);
		}
	}
	if (topo_destroy(t))
		r->ok = false;
}

/* Frame bytes copied per payload byte delivered on one seed flow, counted
 * by the copy accounting of ev/prof.h, layer by layer. */
struct scale_copies_result {
	const char *name;
	bool x_to_b;
	double min; /* what the path cannot do without */
	const char *min_why;
	double per_byte;
	double by_section[PROF_MAX_SECTIONS];
	double outside;
	bool ok;
};

static void scale_copies_case(uint64_t bytes, struct scale_copies_result *r)
{
	char err[256];
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.fixes = IBMVETH_FIX_ALL;
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	r->ok = false;
	if (!t) {
		fprintf(stderr, "illan bench --scale: seed: %s\n", err);
		return;
	}
	struct scenario_flow_spec specs[2];
	scenario_default_flows(specs, bytes, 64 * 1024);
	struct scenario_options so;
	scenario_options_default(&so);
	so.explain = false;
	static struct scenario_result res;
	prof_reset();
	prof_enabled = true;
	int rc = scenario_run(t, &specs[r->x_to_b ? 1 : 0], 1, &so, &res, err, sizeof(err));
	prof_enabled = false;
	uint64_t delivered = rc ? 0 : res.flows[0].bytes_delivered + res.flows[0].reply_delivered;
	uint64_t total = prof_copied_outside;
	for (unsigned s = 0; s < prof_n_sections(); s++)
		total += prof_section_at(s)->copied;
	r->ok = rc == 0 && res.ok && delivered > 0;
	r->per_byte = delivered ? (double)total / (double)delivered : 0;
	for (unsigned s = 0; s < prof_n_sections(); s++)
		r->by_section[s] =
			delivered ? (double)prof_section_at(s)->copied / (double)delivered : 0;
	r->outside = delivered ? (double)prof_copied_outside / (double)delivered : 0;
	prof_reset();
	if (topo_destroy(t))
		r->ok = false;
}

static void scale_usage(FILE *f)
{
	fprintf(f, "usage: illan bench --scale [--quick] [--json] [--reps N] [--only PART]\n"
		   "  per-packet cost with 1, 100 and 10,000 flows through a bridge, broadcast\n"
		   "  fan-out to 1..63 receivers, bring-up of 64 partitions, the failover\n"
		   "  example's outage (virtual time), bytes copied per byte delivered.\n"
		   "  --only flows|fanout|bringup|failover|copies: that part alone (for a\n"
		   "  profiler: perf record, valgrind --tool=callgrind).\n");
}

static const char *const scale_parts[] = {"flows", "fanout", "bringup", "failover", "copies"};

static bool scale_is_part(const char *name)
{
	for (size_t i = 0; i < sizeof(scale_parts) / sizeof(scale_parts[0]); i++)
		if (strcmp(name, scale_parts[i]) == 0)
			return true;
	return false;
}

/* Whether part runs (and prints) in this invocation. */
static bool scale_wants(const struct scale_opts *o, const char *part)
{
	return !o->only || strcmp(o->only, part) == 0;
}

static int scale_parse(int argc, char **argv, struct scale_opts *o)
{
	static const struct option longopts[] = {
		{"scale", no_argument, NULL, 's'},
		{"quick", no_argument, NULL, 'q'},
		{"json", no_argument, NULL, 'j'},
		{"reps", required_argument, NULL, 'r'},
		{"only", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->reps = 3;
	bool reps_given = false;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 's':
			break;
		case 'q':
			o->quick = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'r':
			o->reps = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->reps == 0 || o->reps > SCALE_MAX_REPS) {
				fprintf(stderr, "illan bench: --reps takes 1..%d\n", SCALE_MAX_REPS);
				return 2;
			}
			reps_given = true;
			break;
		case 'o':
			o->only = optarg;
			if (!scale_is_part(optarg)) {
				fprintf(stderr, "illan bench --scale: --only takes flows, fanout, "
						"bringup, failover or copies\n");
				return 2;
			}
			break;
		case 'h':
			scale_usage(stdout);
			return 1;
		default:
			scale_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"illan bench --scale: no FILE here ('%s'): the topologies are built in\n",
			argv[optind]);
		return 2;
	}
	if (o->quick && !reps_given)
		o->reps = 1;
	o->flow_pkts = o->quick ? 20000 : 200000;
	o->bcasts = o->quick ? 500 : 5000;
	o->copy_bytes = o->quick ? (4u << 20) : (64u << 20);
	return 0;
}

/* cmd_bench_scale: see cli.h. */
int cmd_bench_scale(int argc, char **argv)
{
	struct scale_opts o;
	int rc = scale_parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;

	/* flows and fan-out: cases interleaved in each round, so load that
	 * comes and goes on a shared machine hits them alike */
	static double flow_ns[SCALE_N_FLOWS][SCALE_MAX_REPS], fan_ns[SCALE_N_RCV][SCALE_MAX_REPS];
	static double flow_wall[SCALE_N_FLOWS][SCALE_MAX_REPS], fan_wall[SCALE_N_RCV][SCALE_MAX_REPS];
	static double up_ms[SCALE_MAX_REPS], up_cpu_ms[SCALE_MAX_REPS], down_ms[SCALE_MAX_REPS];
	uint64_t bridge_flows[SCALE_N_FLOWS] = {0};
	static double layer_ns[SCALE_N_FLOWS][PROF_MAX_SECTIONS]; /* least of the rounds */
	bool flows_ok = true, fan_ok = true, up_ok = true;
	unsigned n_parts = 0;
	for (unsigned r = 0; r < o.reps; r++) {
		for (unsigned i = 0; scale_wants(&o, "flows") && i < SCALE_N_FLOWS; i++) {
			struct scale_flows_result fr;
			scale_flows_case(scale_n_flows[i], o.flow_pkts, &fr);
			flow_ns[i][r] = fr.ns_per_pkt;
			for (unsigned s = 0; s < PROF_MAX_SECTIONS; s++)
				if (r == 0 || fr.layer_ns[s] < layer_ns[i][s])
					layer_ns[i][s] = fr.layer_ns[s];
			flow_wall[i][r] = fr.wall_ns_per_pkt;
			bridge_flows[i] = fr.bridge_flows;
			flows_ok &= fr.ok;
		}
		for (unsigned i = 0; scale_wants(&o, "fanout") && i < SCALE_N_RCV; i++) {
			struct scale_fanout_result fo;
			scale_fanout_case(scale_n_rcv[i], o.bcasts, &fo);
			fan_ns[i][r] = fo.ns_per_bcast;
			fan_wall[i][r] = fo.wall_ns_per_bcast;
			fan_ok &= fo.ok;
		}
		if (scale_wants(&o, "bringup")) {
			struct scale_bringup_result bu;
			scale_bringup_case(&bu);
			up_ms[r] = bu.create_ms;
			up_cpu_ms[r] = bu.create_cpu_ms;
			down_ms[r] = bu.destroy_ms;
			up_ok &= bu.ok;
			n_parts = bu.n_parts;
		}
	}
	struct scale_failover_result fo = {0};
	if (scale_wants(&o, "failover"))
		scale_failover_case(o.quick ? (1u << 20) : 0, &fo);
	static struct scale_copies_result cp[] = {
		{.name = "A->B", .min = 2.0, .min_why = "two hypervisor copies"},
		{.name = "X->B",
		 .x_to_b = true,
		 .min = 2.0,
		 .min_why = "the NIC's receive DMA and one hypervisor copy"},
	};
	enum { N_CP = sizeof(cp) / sizeof(cp[0]) };
	for (unsigned i = 0; scale_wants(&o, "copies") && i < N_CP; i++)
		scale_copies_case(o.copy_bytes, &cp[i]);

	double flow_med[SCALE_N_FLOWS], flow_wall_med[SCALE_N_FLOWS], flow_vs1[SCALE_N_FLOWS];
	for (unsigned i = 0; i < SCALE_N_FLOWS; i++) {
		flow_med[i] = scale_median(flow_ns[i], o.reps);
		flow_wall_med[i] = scale_median(flow_wall[i], o.reps);
		flow_vs1[i] = scale_ratio(flow_ns[i], flow_ns[0], o.reps);
	}
	double fan_med[SCALE_N_RCV], fan_wall_med[SCALE_N_RCV], per_rcv[SCALE_N_RCV];
	double fan_vs1[SCALE_N_RCV], per_rcv_s[SCALE_N_RCV][SCALE_MAX_REPS];
	for (unsigned i = 0; i < SCALE_N_RCV; i++) {
		fan_med[i] = scale_median(fan_ns[i], o.reps);
		fan_wall_med[i] = scale_median(fan_wall[i], o.reps);
		for (unsigned r = 0; r < o.reps; r++)
			per_rcv_s[i][r] = fan_ns[i][r] / scale_n_rcv[i];
		per_rcv[i] = scale_median(per_rcv_s[i], o.reps);
		/* linearity: cost(N)/N against cost(1) */
		fan_vs1[i] = scale_ratio(per_rcv_s[i], per_rcv_s[0], o.reps);
	}
	/* the cost each receiver adds: the slope from the smallest to the
	 * largest fan-out, per round */
	double slope_s[SCALE_MAX_REPS];
	for (unsigned r = 0; r < o.reps; r++)
		slope_s[r] = (fan_ns[SCALE_N_RCV - 1][r] - fan_ns[0][r]) /
			     (scale_n_rcv[SCALE_N_RCV - 1] - scale_n_rcv[0]);
	double slope = scale_median(slope_s, o.reps);
	double up = scale_median(up_ms, o.reps), up_cpu = scale_median(up_cpu_ms, o.reps);
	double down = scale_median(down_ms, o.reps);

	if (o.json) {
		json_t *flows = json_array(), *fan = json_array(), *copies = json_array();
		for (unsigned i = 0; i < SCALE_N_FLOWS; i++) {
			json_t *layers = json_object();
			for (unsigned s = 0; s < prof_n_sections(); s++)
				if (layer_ns[i][s] > 0)
					json_object_set_new(layers, prof_section_at(s)->name,
							    json_real(layer_ns[i][s]));
			json_array_append_new(flows,
					      json_pack("{s:i, s:f, s:f, s:f, s:I, s:o}", "flows",
							scale_n_flows[i], "ns_per_packet",
							flow_med[i], "wall_ns_per_packet",
							flow_wall_med[i], "vs_1_flow", flow_vs1[i],
							"bridge_flows", (json_int_t)bridge_flows[i],
							"profiled_ns_per_packet_by_layer", layers));
		}
		for (unsigned i = 0; i < SCALE_N_RCV; i++)
			json_array_append_new(
				fan,
				json_pack("{s:i, s:f, s:f, s:f, s:f}", "receivers", scale_n_rcv[i],
					  "ns_per_broadcast", fan_med[i], "wall_ns_per_broadcast",
					  fan_wall_med[i], "ns_per_receiver", per_rcv[i],
					  "per_receiver_vs_1", fan_vs1[i]));
		for (unsigned i = 0; i < N_CP; i++) {
			json_t *by = json_object();
			for (unsigned s = 0; s < prof_n_sections(); s++)
				if (cp[i].by_section[s] > 0)
					json_object_set_new(by, prof_section_at(s)->name,
							    json_real(cp[i].by_section[s]));
			if (cp[i].outside > 0)
				json_object_set_new(by, "outside any layer",
						    json_real(cp[i].outside));
			json_array_append_new(
				copies, json_pack("{s:s, s:f, s:f, s:s, s:o, s:b}", "path",
						  cp[i].name, "copied_per_byte_delivered",
						  cp[i].per_byte, "minimum", cp[i].min, "minimum_is",
						  cp[i].min_why, "by_layer", by, "ok", cp[i].ok));
		}
		json_t *root = json_pack(
			"{s:i, s:s, s:{s:o, s:f, s:f, s:f, s:b}, s:{s:o, s:f, s:b}, "
			"s:{s:i, s:f, s:f, s:f, s:f, s:b}, s:{s:f, s:f, s:s, s:f, s:b}, s:o}",
			"reps", o.reps, "clock", "thread CPU time (wall time beside)", "flows",
			"cases", flows, "ratio_100_vs_1", flow_vs1[1], "ratio_10k_vs_1",
			flow_vs1[SCALE_N_FLOWS - 1], "target_10k_vs_1", 1.5, "ok", flows_ok,
			"fanout", "cases", fan, "ns_per_added_receiver", slope, "ok", fan_ok,
			"bringup", "partitions", n_parts, "create_ms", up, "create_cpu_ms", up_cpu,
			"destroy_ms", down, "target_ms", 1000.0, "ok", up_ok, "failover",
			"outage_virtual_s", fo.outage_s, "outage_from_s", fo.outage_from_s, "flow",
			fo.flow, "wall_s", fo.wall_s, "ok", fo.ok, "copies", copies);
		json_dumpf(root, stdout, JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(root);
		return 0;
	}
	printf("illan bench --scale: median of %u round%s; costs in CPU time of the thread (wall\n"
	       "time beside: it holds other processes' turns), ratios within one run\n",
	       o.reps, o.reps == 1 ? "" : "s");
	if (scale_wants(&o, "flows")) {
		printf("\nflows through the bridge (bench/scale-flows.yaml: A->B, %u-byte UDP "
		       "payload, %u frames):\n",
		       SCALE_UDP_PAYLOAD, o.flow_pkts);
		printf("  %-8s %12s %10s %12s %14s\n", "flows", "ns/packet", "vs 1 flow",
		       "wall ns/pkt", "bridge flows");
		for (unsigned i = 0; i < SCALE_N_FLOWS; i++)
			printf("  %-8u %12.1f %9.2fx %12.1f %14" PRIu64 "\n", scale_n_flows[i],
			       flow_med[i], flow_vs1[i], flow_wall_med[i], bridge_flows[i]);
		printf("  ratio 100/1 %.2fx, 10k/1 %.2fx (target <= 1.5)%s\n", flow_vs1[1],
		       flow_vs1[SCALE_N_FLOWS - 1], flows_ok ? "" : "   (FAILED: frames lost)");
		printf("  where a packet's time goes (a profiled pass; ns per packet, the "
		       "profiler's cost included):\n  %-14s",
		       "layer");
		for (unsigned i = 0; i < SCALE_N_FLOWS; i++)
			printf(" %7u fl", scale_n_flows[i]);
		printf("\n");
		for (unsigned s = 0; s < prof_n_sections(); s++) {
			bool any = false;
			for (unsigned i = 0; i < SCALE_N_FLOWS; i++)
				any |= layer_ns[i][s] >= 0.05;
			if (!any)
				continue;
			printf("  %-14s", prof_section_at(s)->name);
			for (unsigned i = 0; i < SCALE_N_FLOWS; i++)
				printf(" %10.1f", layer_ns[i][s]);
			printf("\n");
		}
	}
	if (scale_wants(&o, "fanout")) {
		printf("\nbroadcast fan-out (bench/scale-fanout.yaml: ARP requests on one VLAN, "
		       "%u each):\n",
		       o.bcasts);
		printf("  %-10s %14s %12s %12s %14s\n", "receivers", "ns/broadcast", "ns/receiver",
		       "vs N=1", "wall ns/bcast");
		for (unsigned i = 0; i < SCALE_N_RCV; i++)
			printf("  %-10u %14.1f %12.1f %11.2fx %14.1f\n", scale_n_rcv[i], fan_med[i],
			       per_rcv[i], fan_vs1[i], fan_wall_med[i]);
		printf("  each added receiver costs %.1f ns (slope from 1 to %u receivers)%s\n",
		       slope, scale_n_rcv[SCALE_N_RCV - 1],
		       fan_ok ? "" : "   (FAILED: a receiver missed one)");
	}
	if (scale_wants(&o, "bringup"))
		printf("\nbring-up (examples/many-lpars.yaml, %u partitions): %.1f ms of wall time "
		       "to load and build (target < 1000; %.1f ms CPU), %.1f ms to tear down%s\n",
		       n_parts, up, up_cpu, down, up_ok ? "" : "   (FAILED: packets leaked)");
	if (scale_wants(&o, "failover"))
		printf("\nfailover (examples/dual-vios-failover.yaml): outage %.3f s of virtual "
		       "time from %.3f s (%s); the run took %.2f s of wall time%s\n",
		       fo.outage_s, fo.outage_from_s, fo.flow[0] ? fo.flow : "no flow", fo.wall_s,
		       fo.ok ? "" : "   (FAILED: see illan run)");
	if (scale_wants(&o, "copies")) {
		printf("\nbytes copied per payload byte delivered (seed, IPv4 MTU 1500, all fixes, "
		       "by layer):\n");
		for (unsigned i = 0; i < N_CP; i++) {
			printf("  %-5s %6.3f   minimum %.1f (%s)%s\n", cp[i].name, cp[i].per_byte,
			       cp[i].min, cp[i].min_why, cp[i].ok ? "" : "   (FAILED)");
			for (unsigned s = 0; s < prof_n_sections(); s++)
				if (cp[i].by_section[s] > 0.0005)
					printf("        %-16s %6.3f\n", prof_section_at(s)->name,
					       cp[i].by_section[s]);
			if (cp[i].outside > 0.0005)
				printf("        %-16s %6.3f\n", "outside any layer", cp[i].outside);
		}
	}
	return 0;
}
