/*
 * stack_int.h — internals shared by the built-in stack's files: stack.c
 * (device glue, Ethernet, ARP, IPv4/IPv6, ND, neighbours, counters), tcp.c
 * (TCP connections) and flow.c (the flows run over them). Not for other
 * layers: use stack.h.
 */
#ifndef ILLAN_STACK_INT_H
#define ILLAN_STACK_INT_H

#include <stddef.h>

#include "ev/counter.h"
#include "pkt/hdr.h"
#include "stack/stack.h"

#define STACK_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Every stack-wide counter, in the order stack_for_each_counter visits (see
 * ev/counter.h): name, the words for a drop it counts (NULL: no drop), flags. */
#define STACK_COUNTERS(X, T)                                                                              \
	X(T, rx_frames, NULL, 0)                 /* frames the device handed up */                        \
	X(T, rx_malformed, "malformed frame", 0) /* headers truncated or invalid (hdr_parse refused) */   \
	/* unicast to another MAC (PACKET_OTHERHOST): a flooded frame, not a loss */                      \
	X(T, rx_other_host, "unicast frame for another host (flooded by the bridge)",                     \
	  COUNTER_HARMLESS)                                                                               \
	X(T, rx_vlan_drop, "VLAN-tagged frame (the host stack takes none)", 0)                            \
	X(T, rx_unknown_ethertype, "unknown ethertype", 0)                                                \
	X(T, rx_linearized, NULL, 0)                 /* GRO packets flattened before parsing */           \
	X(T, rx_nomem, "no memory to receive it", 0) /* could not linearize */                            \
	X(T, arp_rx, NULL, 0)                                                                             \
	X(T, arp_malformed, "malformed ARP", 0)                                                           \
	X(T, arp_requests_sent, NULL, 0)                                                                  \
	X(T, arp_replies_sent, NULL, 0)                                                                   \
	X(T, nd_rx, NULL, 0)                                                                              \
	X(T, nd_ns_sent, NULL, 0)                                                                         \
	X(T, nd_na_sent, NULL, 0)                                                                         \
	X(T, icmp6_bad_checksum, "ICMPv6 checksum bad", 0)                                                \
	X(T, icmp6_malformed, "malformed ICMPv6", 0)                                                      \
	X(T, icmp6_unhandled, "ICMPv6 message other than neighbour discovery", 0)                         \
	X(T, neigh_resolved, NULL, 0) /* entries completed by ARP/ND */                                   \
	/* resolutions given up (packets dropped) */                                                      \
	X(T, neigh_failed, "neighbour address not resolved (ARP/ND unanswered)", 0)                       \
	/* packets pushed out of a full unresolved queue */                                               \
	X(T, neigh_queue_drops, "packet waiting for neighbour resolution dropped", 0)                     \
	/* IPv4 header checksum (IPSTATS_MIB_CSUMERRORS) */                                               \
	X(T, ip_bad_checksum, "IPv4 header checksum bad", 0)                                              \
	/* destination address not ours (no forwarding) */                                                \
	X(T, ip_not_ours, "IP destination is not this host", 0)                                           \
	/* fragments: no reassembly (we always send DF) */                                                \
	X(T, ip_frag_drop, "IP fragment (not reassembled)", 0)                                            \
	X(T, ip_unknown_proto, "unknown IP protocol", 0)                                                  \
	X(T, tcp_rx_segments, NULL, 0) /* TCP packets accepted by checksum validation */                  \
	X(T, tcp_rx_gso, NULL, 0)      /* of which GSO super-frames, consumed whole */                    \
	X(T, tcp_bad_checksum, "TCP checksum bad", 0) /* TcpInCsumErrors */                               \
	X(T, tcp_malformed, "malformed TCP header", 0)                                                    \
	/* no connection or listener: RST sent */                                                         \
	X(T, tcp_no_socket,                                                                               \
	  "no socket for it (nobody listening, or that end had already given up)", 0)                     \
	X(T, tcp_rst_sent, NULL, 0)                                                                       \
	/* RSTs received; one for no socket is dropped and reported under this name, but                \
	 * most close a connection: not counted as drops */ \
	X(T, tcp_rst_rx, NULL, 0)                                                                         \
	/* out-of-order segments dropped (no OFO queue) */                                                \
	X(T, tcp_ofo_drop, "out-of-order TCP segment dropped (retransmitted later)", 0)                   \
	X(T, tcp_dup_data, NULL, 0) /* segments wholly already received (DelayedACKLost) */               \
	X(T, tcp_beyond_window, "segment beyond the receive window", 0)                                   \
	X(T, tcp_ack_unsent, "TCP ACK for data never sent", 0) /* dropped, ACK sent */                    \
	/* TCP packets handed to the device (a TSO frame is 1) */                                         \
	X(T, tcp_tx_packets, NULL, 0)                                                                     \
	X(T, tcp_tx_pure_acks, NULL, 0) /* of which pure ACKs (no data, SYN, FIN or RST) */               \
	X(T, tcp_delayed_acks, NULL, 0) /* ACKs sent by the delayed-ACK timer (DelayedACKs) */            \
	X(T, tcp_tx_segments, NULL, 0)  /* TCP segments they stand for (TSO: gso_segs) */                 \
	X(T, tcp_tx_tso, NULL, 0)       /* TSO super-frames sent */                                       \
	X(T, tcp_tx_partial, NULL, 0)   /* packets sent CHECKSUM_PARTIAL (device completes) */            \
	X(T, tcp_tx_sw_csum, NULL, 0)   /* packets checksummed by the stack (no CSO) */                   \
	X(T, tcp_retransmits, NULL, 0)  /* TcpRetransSegs: data/FIN segments sent again */                \
	X(T, syn_retransmits, NULL, 0)                                                                    \
	X(T, synack_retransmits, NULL, 0)                                                                 \
	X(T, tcp_timeouts, NULL, 0)         /* RTO expiries in a synchronized state */                    \
	X(T, tcp_fast_retransmits, NULL, 0) /* three duplicate ACKs */                                    \
	X(T, tcp_dup_acks_rx, NULL, 0)                                                                    \
	X(T, tcp_established, NULL, 0)                                                                    \
	X(T, tcp_conn_failed, NULL, 0)                                                                    \
	X(T, tx_alloc_fail, "no buffer to send", 0) /* no buffer in dev->pool */                          \
	/* dev_queue_xmit returned an error, or the packet could not be marked PARTIAL */                 \
	X(T, tx_errors, "the device refused the packet (dev_queue_xmit failed)", 0)

struct stack_stats {
	STACK_COUNTERS(COUNTER_FIELD, _)
};

enum neigh_state { NEIGH_FREE, NEIGH_INCOMPLETE, NEIGH_REACHABLE, NEIGH_STATIC };

#define STACK_NEIGH_MAX 32
#define STACK_NEIGH_QLEN 3   /* unres_qlen in packets, as Linux's old default */
#define STACK_NEIGH_PROBES 3 /* mcast_solicit */

struct neigh {
	struct stack *s;
	enum neigh_state state;
	int family;
	uint8_t ip[16];
	uint8_t mac[6];
	unsigned probes;
	struct pkt *queue; /* packets waiting for the address, ->next linked */
	unsigned qlen;
	struct ev_timer timer; /* retrans_time (1 s) between probes */
};

struct tcp_conn;

struct stack {
	char name[NETDEV_NAME_MAX];
	char trace_tx[NETDEV_NAME_MAX + 8];
	char trace_rx[NETDEV_NAME_MAX + 8];
	struct ev_loop *loop;
	struct netdev *dev;
	struct stack_config cfg;
	struct neigh neigh[STACK_NEIGH_MAX];
	struct tcp_conn *conns;          /* every connection, until destroy */
	struct stack_flow *listeners;    /* flows whose server is this stack */
	struct stack_flow *client_flows; /* flows whose client is this stack */
	uint16_t next_port;
	uint64_t rng;
	stack_drop_fn drop_fn;
	void *drop_arg;
	struct stack_stats ctr;
};

/* A flow (see stack.h): created and freed by flow.c; tcp.c records its
 * connections' events in res as they happen. */
struct stack_flow {
	char name[64];
	struct stack_flow_spec spec;
	struct ev_loop *loop;
	struct stack *client, *server;
	struct tcp_conn *cc, *sc;
	struct stack_flow *listen_next; /* in server->listeners */
	struct stack_flow *client_next; /* in client->client_flows */
	bool listening;
	struct ev_timer start_timer;
	struct stack_flow_result res;
};

/* A parsed TCP segment, as tcp_rcv receives it from the IP layer. */
struct tcp_seg {
	int family;
	const uint8_t *saddr, *daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opts;
	unsigned optlen;
	const uint8_t *payload;
	uint32_t plen;
	uint16_t gso_size; /* a GRO'd / GSO packet's segment size, else 0 */
};

/* stack.c */
uint64_t stack_rand(struct stack *s);
/* Drop a received packet: count it (ctr points into s->ctr), report, free. */
void stack_drop(struct stack *s, struct pkt *p, uint64_t *ctr, const char *reason);
/* Fill the Ethernet destination from the neighbour table and transmit, or
 * queue p while the neighbour is being resolved. Takes p. */
void stack_neigh_output(struct stack *s, int family, const uint8_t *ip, struct pkt *p);
bool stack_csum_ok_for(const struct stack *s, int family);
bool stack_tso_ok_for(const struct stack *s, int family);
const uint8_t *stack_addr(const struct stack *s, int family);

/* tcp.c */
/* Handle a TCP packet that passed checksum validation; takes p. */
void tcp_rcv(struct stack *s, struct pkt *p, const struct tcp_seg *seg);
/* Abort and free every connection of s, clearing the flows' pointers to
 * them (call flow_stack_destroy first). */
void tcp_stack_destroy(struct stack *s);
/* Open f's client connection from s to daddr (sport -> dport): sets f->cc,
 * sends the SYN and arms its retransmission. NULL if out of memory. */
struct tcp_conn *tcp_connect(struct stack *s, struct stack_flow *f, int family,
			     const uint8_t *daddr, uint16_t sport, uint16_t dport);
/* Stop c's timers and output and close it, without a RST. */
void tcp_conn_abort(struct tcp_conn *c);
/* As tcp_conn_abort, but a gracefully finished c keeps its state; c forgets
 * its flow. NULL is allowed. */
void tcp_conn_detach(struct tcp_conn *c);
/* True once c closed gracefully (TIME_WAIT, or CLOSED from LAST_ACK). */
bool tcp_conn_finished(const struct tcp_conn *c);
struct stack *tcp_conn_stack(const struct tcp_conn *c);

/* flow.c */
/* A segment of one of f's connections was handled: if both ends have
 * closed, the flow is done (ok when every byte arrived intact both ways). */
void flow_check(struct stack_flow *f);
/* Bytes were delivered (either way) at now: the stall ending now is measured
 * against the longest so far (stack.h, longest_stall_ns). Also called once at
 * the flow's end. */
void flow_progress(struct stack_flow *f, uint64_t now);
/* Fail f with reason (copied): abort both connections, count
 * tcp_conn_failed once, call on_done. No-op if f is NULL or done. */
void flow_fail(struct stack_flow *f, const char *reason);
/* Detach every flow whose client or server is s (the flows stay valid for
 * stack_flow_free). */
void flow_stack_destroy(struct stack *s);

#endif
