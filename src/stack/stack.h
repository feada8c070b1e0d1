/*
 * stack.h — the built-in host stack: the endpoint a partition (or the
 * external host X) runs in embedded mode when no kernel is attached.
 *
 * Serves the topology (src/topo: one stack per VM and per external host, with
 * flows between them) and the CLI (per-flow results and named counters).
 *
 * What it is: Ethernet, ARP (answers requests, resolves, learns) and IPv6
 * neighbour discovery (answers solicitations, resolves), static neighbours,
 * IPv4 and IPv6 without forwarding or fragmentation, and a small but honest
 * TCP: three-way handshake, SYN/SYN-ACK retransmission with exponential
 * backoff on the loop's clock and Linux's retry limits, sequence and
 * acknowledgement numbers, the peer's advertised (scaled) window, a Reno-style
 * congestion window, MSS from the MTU and the MSS option, cumulative ACKs
 * sent when Linux sends them (__tcp_ack_snd_check: at once for more than one
 * full-sized segment unacknowledged — every second MSS segment, every GRO'd
 * packet — in quick-ACK mode, for out-of-order and duplicate data; else
 * from a delayed-ACK timer of 40 ms and up, or on our next segment; see
 * tcp.c), retransmission on RTO with backoff and on three duplicate ACKs,
 * FIN close both ways. TSO and checksum offload are used the way Linux hands
 * packets to a device that has them. Receive validates checksums as Linux
 * does: PARTIAL and UNNECESSARY are trusted, NONE (and COMPLETE) is verified
 * in software.
 *
 * Choices where Linux is richer (all documented in docs/architecture.md):
 *  - out-of-order segments are dropped (counted in tcp_ofo_drop) and answered
 *    with an immediate duplicate ACK; no SACK; the sender goes back to
 *    snd_una on three duplicate ACKs or an RTO (go-back-N);
 *  - no TCP timestamps; options are MSS and window scale on SYNs only;
 *  - every destination is on-link (no gateway): the neighbour looked up is the
 *    destination itself; the prefix lengths are kept for display only;
 *  - the application data is a deterministic pattern, so there is no send
 *    buffer: a retransmission regenerates the bytes, and received bytes are
 *    verified and consumed at once (the receive window never shrinks).
 *
 * Memory: every packet the stack sends comes from dev->pool (the partition's
 * memory); connections and flows are heap objects allocated once each.
 * Ownership: the stack takes every packet its device hands it.
 */
#ifndef ILLAN_STACK_H
#define ILLAN_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "ev/counter.h"
#include "ev/ev.h"
#include "net/netdev.h"

struct stack;
struct stack_flow;

struct stack_config {
	bool has_ip4;
	uint8_t ip4[4];
	unsigned prefix4;
	bool has_ip6;
	uint8_t ip6[16];
	unsigned prefix6;
	/* TCP tunables; 0 selects the Linux default shown. */
	uint32_t rcv_wnd;        /* receive window advertised, bytes (262144) */
	unsigned syn_retries;    /* tcp_syn_retries (6) */
	unsigned synack_retries; /* tcp_synack_retries (5) */
	unsigned retries2;       /* tcp_retries2 (15) */
	uint64_t rto_init_ns;    /* TCP_TIMEOUT_INIT (1 s) */
	uint64_t rto_min_ns;     /* TCP_RTO_MIN (200 ms) */
	uint64_t rto_max_ns;     /* TCP_RTO_MAX (120 s) */
	uint64_t time_wait_ns;   /* TCP_TIMEWAIT_LEN (60 s) */
	uint32_t init_cwnd;      /* segments (TCP_INIT_CWND 10) */
	bool no_arp;             /* do not answer or send ARP/ND (static only) */
	uint64_t seed;           /* for ISNs, IP ids and ephemeral ports */
};

/*
 * Create a stack on dev: it becomes dev's rx handler and allocates its
 * packets from dev->pool. Joins the IPv6 solicited-node multicast group of
 * its address. name is copied. Returns NULL on allocation failure or a bad
 * config (no address, prefix too long, dev without a pool).
 */
struct stack *stack_create(struct ev_loop *loop, const char *name, struct netdev *dev,
			   const struct stack_config *cfg);
/* Destroy: cancels timers and tasks, frees connections and packets waiting
 * for neighbour resolution, detaches from flows and from dev (rx handler
 * cleared). NULL is allowed. */
void stack_destroy(struct stack *s);
const char *stack_name(const struct stack *s);
struct netdev *stack_dev(const struct stack *s);

/*
 * Add (or replace) a static neighbour: family 4 or 6, ip in network order (4
 * or 16 bytes), mac. Static entries are never replaced by ARP/ND. Returns 0,
 * -EINVAL (family) or -ENOSPC (table full).
 */
int stack_add_neighbour(struct stack *s, int family, const uint8_t *ip, const uint8_t mac[6]);
/* Look up a resolved neighbour; true and *mac filled if known. */
bool stack_lookup_neighbour(const struct stack *s, int family, const uint8_t *ip, uint8_t mac[6]);

/* ---- Named counters (stack-wide, like /proc/net/snmp and netstat -s) ---- */
/* Every counter of a stack: name, drop phrase, flags (kind "stack"). */
extern const struct counter_set stack_counters;
/* Look up a counter by name; false if unknown. */
bool stack_get_counter(const struct stack *s, const char *name, uint64_t *value);
/* Visit every counter of stack_counters once, in its order. */
void stack_for_each_counter(const struct stack *s, counter_visit_fn *fn, void *arg);

/* Called for every packet the stack drops on receive, before it is freed,
 * with the name of the counter it was counted in (e.g. "tcp_bad_checksum").
 * The packet must not be kept. NULL removes the hook. */
typedef void (*stack_drop_fn)(void *arg, struct stack *s, const struct pkt *p, const char *reason);
void stack_set_drop_hook(struct stack *s, stack_drop_fn fn, void *arg);

/* ---- The test pattern ------------------------------------------------------
 * Byte i of a stream with seed `seed` is a function of (seed, i) only: byte
 * i & 7 (little-endian) of word i >> 3, which is a fixed 32 KiB table's word
 * (i >> 3) mod 4096 XOR a mix of (seed, i >> 15). Filled and checked eight
 * bytes at a time in vectorizable loops (pattern.c). */
void stack_pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, uint32_t n);
/* Number of bytes in buf[0..n) that differ from the pattern at off. */
uint32_t stack_pattern_check(uint64_t seed, uint64_t off, const uint8_t *buf, uint32_t n);

/* ---- Flows (flow.c) --------------------------------------------------------
 * A flow is one TCP connection between a client stack and a server stack of
 * the same process: the server listens on port; at start_ns the client
 * connects, sends `bytes` bytes of the pattern (seed derived from `seed`)
 * and closes its side; the server checks every byte, and once it has all of
 * them sends `reply_bytes` bytes which the client checks likewise, then
 * closes. The flow is done when both ends are closed with every byte
 * delivered, or when either end fails (the other is then aborted). */
struct stack_flow_spec {
	const char *name;     /* copied; NULL: "flow" */
	int family;           /* 4 or 6 */
	uint16_t port;        /* server port (must be free on the server) */
	uint16_t src_port;    /* 0: ephemeral, from 32768 (ip_local_port_range) */
	uint64_t bytes;       /* client -> server */
	uint64_t reply_bytes; /* server -> client */
	uint64_t seed;
	uint64_t start_ns;    /* absolute time of connect() on the loop clock */
	uint32_t trace_id;    /* nonzero: the first trace_first packets sent by */
	unsigned trace_first; /* each end carry this trace_id */
	void (*on_done)(void *arg, struct stack_flow *f); /* may be NULL */
	void *on_done_arg;
};

struct stack_flow_result {
	bool done;                   /* finished: success or failure */
	bool ok;                     /* done, connected, every byte both ways delivered intact */
	bool connected;              /* the client reached ESTABLISHED */
	bool intact;                 /* no received byte differed from the pattern (both ways) */
	uint64_t syn_retransmits;    /* client SYN retransmissions */
	uint64_t synack_retransmits; /* server SYN-ACK retransmissions */
	uint64_t retransmits;        /* data/FIN segments retransmitted, both ends */
	uint64_t bytes_sent;         /* distinct payload bytes the client sent */
	uint64_t bytes_delivered;    /* pattern-matching bytes the server received in order */
	uint64_t reply_sent;         /* distinct payload bytes the server sent */
	uint64_t reply_delivered;    /* pattern-matching bytes the client received */
	uint64_t bytes_corrupt;      /* received in order but not matching (both ways) */
	uint64_t t_start_ns, t_connected_ns, t_first_byte_ns, t_complete_ns;
	/* The longest time without a byte delivered either way, from the start
	 * to the end (a SYN lost counts, as does an outage mid-transfer), and
	 * when it began: what a failover costs a flow, in virtual time. */
	uint64_t longest_stall_ns, stall_from_ns;
	uint64_t t_last_progress_ns; /* internal: the last delivery (or the start) */
	char failure[128];           /* empty, or why the flow failed */
};

/*
 * Start a flow from client to server (two stacks on the same loop). The
 * server's address of spec->family must be configured, and the client's.
 * Returns the flow or NULL (-EINVAL-like misuse, port in use, no memory).
 * The flow stays valid until stack_flow_free, even after either stack is
 * destroyed; free it before the loop. spec->on_done runs inside the loop
 * (from a receive or a timer): it may read the result and stop the loop but
 * must not free the flow or a stack.
 */
struct stack_flow *stack_flow_start(struct stack *client, struct stack *server,
				    const struct stack_flow_spec *spec);
/* Abort the flow if running (no RST sent), detach it from both stacks, free. */
void stack_flow_free(struct stack_flow *f);
const struct stack_flow_result *stack_flow_result(const struct stack_flow *f);
const char *stack_flow_name(const struct stack_flow *f);
bool stack_flow_done(const struct stack_flow *f);

#endif
