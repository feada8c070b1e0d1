/*
 * gro.h — generic receive offload for TCP over IPv4 and IPv6, as a NIC
 * driver's napi_gro_receive does it.
 *
 * Consecutive in-order segments of one flow merge into one packet whose
 * frag_list holds the later segments' payloads; on flush the merged packet
 * gets gso_size = MSS (the first segment's payload length), gso_segs,
 * gso_type TCPV4/TCPV6, ip_summed PARTIAL, csum_start at the TCP header and
 * the pseudo-header seed for the new length (as tcp_gro_complete), with IP
 * total/payload length rewritten. A flow is flushed on PSH/FIN/RST/SYN/URG,
 * a sequence gap, any other flag or ack difference, a segment longer than the
 * first, IP options/fragments, or when it would reach 64 KiB. A held flow
 * that ends with a single segment is delivered unchanged.
 *
 * Serves the physical NIC (src/drv/physnic).
 */
#ifndef ILLAN_GRO_H
#define ILLAN_GRO_H

#include <stdint.h>

#include "ev/counter.h"
#include "pkt.h"

#define GRO_MAX_FLOWS 8
#define GRO_MAX_SIZE 65536u

/* GRO's counters (src/ev/counter.h); the owner of a gro_ctx reports them
 * (the physical NIC registers gro_counters on its netdev). */
#define GRO_COUNTERS(X, T)                       \
	/* segments appended to a held packet */ \
	X(T, gro_merged, NULL, 0)                \
	/* packets that started a held flow */   \
	X(T, gro_held, NULL, 0)                  \
	/* packets delivered after being held */ \
	X(T, gro_flushed, NULL, 0)               \
	/* packets GRO does not touch */         \
	X(T, gro_passthrough, NULL, 0)

struct gro_stats {
	GRO_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct gro_stats (kind "gro"). */
extern const struct counter_set gro_counters;

/* Per held flow (GRO's own bookkeeping, index-parallel to flows[]). */
struct gro_flow {
	struct pkt *tail;  /* last frag_list member, for O(1) appends */
	uint32_t next_seq; /* sequence number the next segment must carry */
	uint16_t mss;      /* payload length of the first segment */
	uint16_t count;    /* segments held */
	uint16_t last_id;  /* IPv4 id of the last segment */
	uint8_t id_mode;   /* 0 undecided, 1 incrementing, 2 fixed */
	uint16_t l3_off, l4_off, hlen;
};

struct gro_ctx {
	void (*deliver)(void *arg, struct pkt *p);
	void *arg;
	struct pkt *flows[GRO_MAX_FLOWS]; /* held packets, oldest first */
	unsigned n_flows;
	struct gro_stats stats;
	struct gro_flow flow_state[GRO_MAX_FLOWS];
};

/* An empty context: deliver(arg, p) receives every packet GRO releases,
 * merged or not, and takes ownership of it. */
void gro_init(struct gro_ctx *g, void (*deliver)(void *arg, struct pkt *p), void *arg);
/* Take p (ownership): merge it into a held flow, hold it, or deliver it (and
 * whatever it flushes). Expects a frame with mac header at data. */
void gro_receive(struct gro_ctx *g, struct pkt *p);
/* Deliver every held flow, oldest first (end of a NAPI poll). */
void gro_flush(struct gro_ctx *g);

#endif
