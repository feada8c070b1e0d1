/*
 * gro.h — generic receive offload for TCP over IPv4 and IPv6, as a driver's
 * napi_gro_receive / napi_complete_done do it in Linux 6.1.
 *
 * Consecutive in-order segments of one flow merge into one packet, as
 * skb_gro_receive builds it: the first segment keeps its headers and
 * payload in the linear part, each later segment's buffer (headers pulled)
 * becomes one page fragment of the last packet of the chain, and once that
 * packet holds PKT_MAX_FRAGS (17) fragments the next segment is chained on
 * the head's frag_list and takes the following fragments itself. So up to
 * 18 segments make a packet with fragments only; beyond, a frag_list
 * appears (a 64 KiB aggregate of 1448-byte segments has two members). On
 * flush the merged packet gets gso_size = MSS (the first segment's payload
 * length), gso_segs, gso_type TCPV4/TCPV6 (+FIXEDID for IPv4 with DF and a
 * fixed id), ip_summed PARTIAL, csum_start at the TCP header and the
 * pseudo-header seed for the new length (as tcp_gro_complete), with IP
 * total/payload length rewritten. A held flow that ends with a single
 * segment is delivered unchanged.
 *
 * Serves the drivers that run GRO in their NAPI poll: the physical NIC
 * (src/drv/physnic) and ibmveth (src/drv/ibmveth).
 */
#ifndef ILLAN_GRO_H
#define ILLAN_GRO_H

#include <stdbool.h>
#include <stdint.h>

#include "ev/counter.h"
#include "pkt.h"

#define GRO_MAX_FLOWS 8     /* MAX_GRO_SKBS (over all buckets here) */
#define GRO_MAX_SIZE 65536u /* GRO_LEGACY_MAX_SIZE, the default gro_max_size */
/* Jiffies for GRO's age test: HZ 250 (a 4 ms tick). The kernel's HZ is a
 * build option (100, 250, 300 or 1000); illan picks the common 250. */
#define GRO_HZ 250u
#define GRO_JIFFY_NS (1000000000ull / GRO_HZ)

/* GRO's counters (src/ev/counter.h); the owner of a gro_ctx reports them
 * (physnic and ibmveth register gro_counters on their netdev). */
#define GRO_COUNTERS(X, T)                                                  \
	/* segments appended to a held packet */                            \
	X(T, gro_merged, NULL, 0)                                           \
	/* of those, the ones that became a page fragment */                \
	X(T, gro_merged_frags, NULL, 0)                                     \
	/* of those, the ones chained on a frag_list (17 fragments full) */ \
	X(T, gro_merged_frag_list, NULL, 0)                                 \
	/* packets that started a held flow */                              \
	X(T, gro_held, NULL, 0)                                             \
	/* packets delivered after being held */                            \
	X(T, gro_flushed, NULL, 0)                                          \
	/* packets GRO does not touch */                                    \
	X(T, gro_passthrough, NULL, 0)                                      \
	/* polls that kept flows held past their end (gro_flush_timeout) */ \
	X(T, gro_deferred_flushes, NULL, 0)

struct gro_stats {
	GRO_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct gro_stats (kind "gro"). */
extern const struct counter_set gro_counters;

/* Per held packet: NAPI_GRO_CB(p) and what GRO keeps of its headers. */
struct gro_flow {
	struct pkt *last;  /* NAPI_GRO_CB(p)->last: the chain's last packet */
	uint32_t next_seq; /* sequence number the next segment must carry */
	uint64_t age;      /* jiffy the flow was first held */
	uint16_t mss;      /* payload length of the first segment (gso_size) */
	uint16_t count;    /* segments held */
	bool is_atomic;    /* IPv4 DF and the id not (yet) seen incrementing */
	uint16_t l3_off, l4_off, hlen;
};

/* The device's deferred-flush settings (sysfs gro_flush_timeout and
 * napi_defer_hard_irqs); 0/0, the kernel's defaults, flush at the end of
 * every poll. */
struct gro_defer_cfg {
	uint64_t flush_timeout_ns;
	uint32_t defer_hard_irqs;
};

struct gro_ctx {
	void (*deliver)(void *arg, struct pkt *p);
	void *arg;
	struct pkt *flows[GRO_MAX_FLOWS]; /* held packets, oldest first */
	unsigned n_flows;
	uint64_t jiffies; /* set by the owner at each poll (gro_set_time) */
	struct gro_defer_cfg defer;
	uint32_t defer_hard_irqs_count; /* napi->defer_hard_irqs_count */
	struct gro_stats stats;
	struct gro_flow flow_state[GRO_MAX_FLOWS];
};

/* An empty context: deliver(arg, p) receives every packet GRO releases,
 * merged or not, and takes ownership of it. Deferred flush off (0/0). */
void gro_init(struct gro_ctx *g, void (*deliver)(void *arg, struct pkt *p), void *arg);
/* The clock of the owner's loop, now_ns: GRO ages held flows in jiffies of
 * GRO_JIFFY_NS. Call at the start of each poll. */
void gro_set_time(struct gro_ctx *g, uint64_t now_ns);
/* Take p (ownership): merge it into a held flow, hold it, or deliver it (and
 * whatever it flushes), with the rules of dev_gro_receive, inet_gro_receive,
 * ipv6_gro_receive, tcp4/6_gro_receive, tcp_gro_receive and
 * skb_gro_receive. Expects a frame with mac header at data. */
void gro_receive(struct gro_ctx *g, struct pkt *p);
/* Deliver every held flow, oldest first (napi_gro_flush(napi, false)). */
void gro_flush(struct gro_ctx *g);
/* Free every held packet without delivering it, as flush_gro_hash does
 * when a NAPI instance is deleted; returns how many (for the owner's drop
 * counter). */
unsigned gro_discard(struct gro_ctx *g);
/* Deliver the held flows first held before the current jiffy
 * (napi_gro_flush(napi, true)). */
void gro_flush_old(struct gro_ctx *g);
/*
 * The GRO part of napi_complete_done(napi, work_done) at the end of a poll
 * that did not use its whole budget: with work done, the timeout is
 * gro_flush_timeout when flows are held and the hard-irq deferral count is
 * reloaded from napi_defer_hard_irqs; while that count lasts, it is spent
 * and the timeout applies even without held flows, and then hard irqs stay
 * masked (*irq_rearm false; else true). Held flows are then flushed: only
 * the old ones when a timeout applies, all otherwise. Returns the timeout in
 * ns (0: none) after which the owner must poll again (napi_watchdog).
 */
uint64_t gro_napi_complete(struct gro_ctx *g, unsigned work_done, bool *irq_rearm);

#endif
