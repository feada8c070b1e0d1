/*
 * soak.h — the soak: rounds of random flows over the seed topology until a
 * time bound, each round building a topology (topo_seed_create), running a
 * few flows with random endpoints, sizes, MTU (1500/9000), family (4/6) and
 * a correct fix set (all fixes with offloads on, or all fixes with offloads
 * off), sometimes with the Linux-style bridge, the hypervisor switch in VEB
 * mode or the NIC without GRO, and tearing it down. A round is clean when:
 *  - every flow connected and delivered every byte both ways, intact;
 *  - every drop the endpoints explained is harmless (a flooded frame refused
 *    by a host it was not for) and no TCP checksum was bad;
 *  - any retransmission is matched by a named loss counter that moved;
 *  - nothing leaked (topo_destroy returns 0, pkt_outstanding_total() is 0).
 * Memory must stay flat: resident size (from /proc/self/statm) at the end of
 * the run may exceed the size after warm-up by at most a stated bound.
 *
 * Shared by the benchmark program bench/soak.c (10 minutes by default) and
 * the short soak test tests/harden/test_soak.c (30 s, 10 s under ASan), so
 * both run exactly the same rounds. Everything is deterministic from the
 * seed except how many rounds fit in the time.
 */
#ifndef ILLAN_HARDEN_SOAK_H
#define ILLAN_HARDEN_SOAK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drv/ibmveth/ibmveth.h"
#include "pkt/pkt.h"
#include "topo/scenario.h"
#include "topo/topo.h"

/* Warm-up lasts warmup_frac of the time and at least this many rounds: the
 * heap settles after a few topologies have come and gone (with glibc's
 * MALLOC_PERTURB_, which meson sets for tests, freed partition memory is
 * touched and the heap takes about ten rounds to reach its plateau). */
#define SOAK_WARMUP_ROUNDS 20

struct soak_opts {
	double seconds;       /* stop starting rounds after this much wall time */
	uint64_t max_rounds;  /* 0: no bound but the time */
	uint64_t first_round; /* round numbers start here (to replay one round) */
	bool dump_counters;   /* print every nonzero counter of each round */
	uint64_t seed;
	double warmup_frac;      /* fraction of the time before the RSS baseline */
	uint64_t rss_bound_kib;  /* allowed growth after warm-up */
	bool check_rss;          /* false: RSS reported, not judged (sanitizers) */
	uint64_t max_flow_bytes; /* largest client->server volume of a flow */
	FILE *out;               /* per-round lines and the verdict; NULL: quiet */
	bool quiet_rounds;       /* print a round's line only when it has a violation */
	const char *prefix;      /* before every line printed ("# " in a TAP test) */
};

struct soak_stats {
	uint64_t rounds, flows, bytes, violations;
	uint64_t harmless_drops, retransmits, loss_counted;
	uint64_t frame_limit_drops; /* refused above PowerVM's 65,408-byte frame limit */
	uint64_t rss_start_kib, rss_warm_kib, rss_mid_kib, rss_end_kib, rss_max_kib;
	bool rss_ok;
	double wall_s;
};

static inline void soak_opts_default(struct soak_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seconds = 600;
	o->seed = 1;
	o->warmup_frac = 0.1;
	o->rss_bound_kib = 8192;
	o->check_rss = true;
	o->max_flow_bytes = 4u << 20;
	o->out = stdout;
}

static inline double soak_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print one line (fmt has no newline) to o->out with o->prefix. */
__attribute__((format(printf, 2, 3))) static inline void soak_say(const struct soak_opts *o,
								  const char *fmt, ...)
{
	if (!o->out)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs(o->prefix ? o->prefix : "", o->out);
	vfprintf(o->out, fmt, ap);
	fputc('\n', o->out);
	va_end(ap);
}

/* Resident set size in KiB (the second field of /proc/self/statm), 0 if
 * unreadable. */
static inline uint64_t soak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	unsigned long long size = 0, res = 0;
	int n = fscanf(f, "%llu %llu", &size, &res);
	fclose(f);
	if (n != 2)
		return 0;
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

/* splitmix64: one well-mixed number per call from a counter state. */
static inline uint64_t soak_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A volume from 1 to max, log-uniform so small, odd and large sizes all
 * come up. */
static inline uint64_t soak_size(uint64_t *s, uint64_t max)
{
	unsigned bits = 0;
	while (bits < 63 && (2ull << bits) <= max)
		bits++;
	uint64_t lim = 2ull << (soak_rand(s) % (bits + 1));
	if (lim > max)
		lim = max;
	return 1 + soak_rand(s) % lim;
}

/* Counters whose moving means data was lost somewhere (the causes a
 * retransmission needs): every drop, failure, error, "no buffer/memory",
 * "bad", discard and ring-full counter. The harmless flooding counters
 * (rx_other_host, no_destination, rx_filtered) are not losses. */
static inline bool soak_is_loss_counter(const struct counter_desc *d)
{
	return d->drop && !(d->flags & COUNTER_HARMLESS) && strcmp(d->name, "no_destination") != 0;
}

struct soak_losses {
	uint64_t total;
	const struct soak_opts *print; /* non-NULL: print each nonzero loss counter */
};

static inline void soak_loss_visit(void *arg, const char *obj, const struct counter_desc *d,
				   uint64_t v)
{
	struct soak_losses *l = arg;
	if (!v || !soak_is_loss_counter(d))
		return;
	l->total += v;
	if (l->print)
		soak_say(l->print, "    %s %s %" PRIu64, obj, d->name, v);
}

static inline void soak_dump_visit(void *arg, const char *obj, const struct counter_desc *d,
				   uint64_t v)
{
	if (v)
		soak_say(arg, "    %s %s %" PRIu64, obj, d->name, v);
}

/* One round: build, run, check, tear down. Returns the number of
 * violations (each printed); adds to st. */
static inline unsigned soak_round(const struct soak_opts *o, uint64_t round, struct soak_stats *st)
{
	static const char *const ep_name[TOPO_N_EP] = {"A", "B", "X"};
	uint64_t rs = o->seed * 0x100000001b3ull + round;
	unsigned bad = 0;
	char err[256];

	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.fixes = IBMVETH_FIX_ALL;
	cfg.seed = soak_rand(&rs);
	cfg.no_offload = soak_rand(&rs) % 2;
	cfg.mtu = soak_rand(&rs) % 2 ? 9000 : 1500;
	cfg.linux_bridge = soak_rand(&rs) % 4 == 0;
	cfg.veb = soak_rand(&rs) % 4 == 0;
	cfg.gro = soak_rand(&rs) % 4 != 0;
	struct scenario_options so;
	scenario_options_default(&so);
	so.family = soak_rand(&rs) % 2 ? 6 : 4;

	struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	memset(specs, 0, sizeof(specs));
	unsigned n = 1 + (unsigned)(soak_rand(&rs) % 4);
	uint64_t offered = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = (unsigned)(soak_rand(&rs) % TOPO_N_EP);
		unsigned s = (c + 1 + (unsigned)(soak_rand(&rs) % (TOPO_N_EP - 1))) % TOPO_N_EP;
		specs[i].client = (enum topo_seed_ep)c;
		specs[i].server = (enum topo_seed_ep)s;
		snprintf(specs[i].name, sizeof(specs[i].name), "%s->%s#%u", ep_name[c], ep_name[s],
			 i);
		specs[i].port = (uint16_t)(5001 + i);
		specs[i].bytes = soak_size(&rs, o->max_flow_bytes);
		specs[i].reply_bytes =
			soak_rand(&rs) % 4 == 0 ? 0 : soak_size(&rs, o->max_flow_bytes / 4);
		offered += specs[i].bytes + specs[i].reply_bytes;
	}

	char desc[160];
	snprintf(desc, sizeof(desc), "round %" PRIu64 ": IPv%d mtu %u %s %s %s%s, %u flow%s %.2f MiB",
		 round, so.family, cfg.mtu, cfg.no_offload ? "no-offload" : "offload",
		 cfg.linux_bridge ? "linux-bridge" : "ovs", cfg.veb ? "veb" : "vepa",
		 cfg.gro ? "" : " no-gro", n, n == 1 ? "" : "s", (double)offered / (1 << 20));

	double t0 = soak_now();
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	if (!t) {
		soak_say(o, "%s: topology not built: %s", desc, err);
		st->violations++;
		return 1;
	}
	static struct scenario_result res;
	int rc = scenario_run(t, specs, n, &so, &res, err, sizeof(err));
	if (rc) {
		soak_say(o, "%s: scenario error: %s", desc, err);
		bad++;
	} else {
		uint64_t retrans = 0;
		for (unsigned i = 0; i < res.n_flows; i++) {
			const struct scenario_flow_result *r = &res.flows[i];
			retrans += r->retransmits + r->syn_retransmits + r->synack_retransmits;
			st->bytes += r->bytes_delivered + r->reply_delivered;
			st->flows++;
			if (!r->ok || !r->intact || r->bytes_delivered != specs[i].bytes ||
			    r->reply_delivered != specs[i].reply_bytes) {
				bad++;
				soak_say(o,
					 "%s: flow %s failed: %s (%" PRIu64 "/%" PRIu64
					 " bytes, %" PRIu64 "/%" PRIu64 " reply)",
					 desc, r->name, r->failure, r->bytes_delivered,
					 specs[i].bytes, r->reply_delivered, specs[i].reply_bytes);
			}
		}
		/* PowerVM carries frames up to 65,408 bytes, and nothing in the
		 * kernel caps a GRO aggregate (up to 65,535 IP bytes) below it for
		 * ibmveth: an aggregate past the limit fails at the trunk's
		 * H_SEND_LOGICAL_LAN (hv tx_too_big; the driver's tx_send_failed
		 * and tx_dropped for the same frame) and TCP resends its bytes
		 * (docs/architecture.md). Those drops are the model working, not a
		 * violation, up to the number of frames the hypervisor refused. */
		uint64_t too_big = topo_counter_sum(t, "tx_too_big");
		for (unsigned i = 0; i < res.n_expl; i++) {
			if (res.expl[i].harmless) {
				st->harmless_drops += res.expl[i].count;
				continue;
			}
			const char *c = res.expl[i].counter;
			if (too_big && res.expl[i].count <= too_big &&
			    (!strcmp(c, "tx_too_big") || !strcmp(c, "tx_send_failed") ||
			     !strcmp(c, "tx_dropped"))) {
				if (!strcmp(c, "tx_too_big")) /* one per frame */
					st->frame_limit_drops += res.expl[i].count;
				continue;
			}
			bad++;
			soak_say(o, "%s: drop not harmless: %" PRIu64 "x %s", desc,
				 res.expl[i].count, res.expl[i].text);
		}
		uint64_t bad_csum = topo_counter_sum(t, "tcp_bad_checksum");
		if (bad_csum) {
			bad++;
			soak_say(o, "%s: tcp_bad_checksum %" PRIu64, desc, bad_csum);
		}
		struct soak_losses loss = {0, NULL};
		topo_for_each_counter(t, soak_loss_visit, &loss);
		st->retransmits += retrans;
		st->loss_counted += loss.total;
		if (retrans && !loss.total) {
			bad++;
			soak_say(o, "%s: %" PRIu64 " retransmissions with no loss counter moved",
				 desc, retrans);
		}
		if ((bad || retrans) && loss.total) {
			soak_say(o, "%s: %" PRIu64 " retransmissions; loss counters:", desc, retrans);
			loss.print = o;
			topo_for_each_counter(t, soak_loss_visit, &loss);
		}
	}
	if (o->dump_counters)
		topo_for_each_counter(t, soak_dump_visit, (void *)o);
	uint64_t leaked = topo_destroy(t);
	uint64_t outstanding = pkt_outstanding_total();
	if (leaked || outstanding) {
		bad++;
		soak_say(o, "%s: leaked %" PRIu64 " packets (%" PRIu64 " outstanding in the process)",
			 desc, leaked, outstanding);
	}
	double dt = soak_now() - t0;
	if (bad || !o->quiet_rounds)
		soak_say(o, "%s, %.3f s, rss %" PRIu64 " KiB: %s", desc, dt, soak_rss_kib(),
			 bad ? "VIOLATION" : "ok");
	st->violations += bad;
	return bad;
}

/* Run rounds until o->seconds (or o->max_rounds) and judge. Returns 0 when
 * the soak is clean, 1 otherwise; st gets the totals. */
static inline int soak_run(const struct soak_opts *o, struct soak_stats *st)
{
	memset(st, 0, sizeof(*st));
	double t0 = soak_now();
	st->rss_start_kib = soak_rss_kib();
	bool warm = false, mid = false;
	for (uint64_t i = 0; !o->max_rounds || i < o->max_rounds; i++) {
		uint64_t r = o->first_round + i;
		double el = soak_now() - t0;
		if (i > 0 && el >= o->seconds)
			break;
		if (!warm && el >= o->seconds * o->warmup_frac && i >= SOAK_WARMUP_ROUNDS) {
			warm = true;
			st->rss_warm_kib = soak_rss_kib();
		}
		if (!mid && el >= o->seconds / 2 && i > SOAK_WARMUP_ROUNDS) {
			mid = true;
			st->rss_mid_kib = soak_rss_kib();
		}
		soak_round(o, r, st);
		st->rounds++;
		uint64_t rss = soak_rss_kib();
		if (warm && rss > st->rss_max_kib)
			st->rss_max_kib = rss;
	}
	st->wall_s = soak_now() - t0;
	st->rss_end_kib = soak_rss_kib();
	if (!warm)
		st->rss_warm_kib = st->rss_end_kib; /* too short to judge growth */
	if (!mid)
		st->rss_mid_kib = st->rss_end_kib;
	uint64_t peak = st->rss_max_kib > st->rss_end_kib ? st->rss_max_kib : st->rss_end_kib;
	st->rss_ok = peak <= st->rss_warm_kib + o->rss_bound_kib;
	bool clean = st->violations == 0 && (st->rss_ok || !o->check_rss) && st->rounds > 0;
	soak_say(o,
		 "soak: %" PRIu64 " rounds, %" PRIu64 " flows, %.1f MiB delivered intact in %.1f s; "
		 "%" PRIu64 " harmless drops, %" PRIu64 " over the 65,408-byte frame limit, %" PRIu64
		 " retransmissions, %" PRIu64 " counted losses; %" PRIu64 " violations",
		 st->rounds, st->flows, (double)st->bytes / (1 << 20), st->wall_s, st->harmless_drops,
		 st->frame_limit_drops, st->retransmits, st->loss_counted, st->violations);
	soak_say(o,
		 "soak: rss start %" PRIu64 " KiB, after warm-up %" PRIu64 " KiB, middle %" PRIu64
		 " KiB, end %" PRIu64 " KiB, peak after warm-up %" PRIu64 " KiB; bound +%" PRIu64
		 " KiB after warm-up: %s",
		 st->rss_start_kib, st->rss_warm_kib, st->rss_mid_kib, st->rss_end_kib, peak,
		 o->rss_bound_kib,
		 !o->check_rss ? "not judged (sanitizer build)"
		 : st->rss_ok  ? "flat"
			       : "GREW");
	soak_say(o, "soak: %s", clean ? "PASS" : "FAIL");
	return clean ? 0 : 1;
}

#endif
