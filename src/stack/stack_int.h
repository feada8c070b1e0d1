/*
 * stack_int.h — internals shared by the built-in stack's files: stack.c
 * (device glue, Ethernet, ARP, IPv4/IPv6, ND, neighbours, counters), tcp.c
 * (TCP connections) and flow.c (the flows run over them). Not for other
 * layers: use stack.h.
 */
#ifndef ILLAN_STACK_INT_H
#define ILLAN_STACK_INT_H

#include <stddef.h>

#include "pkt/hdr.h"
#include "stack/stack.h"

#define STACK_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Every stack-wide counter, in the order stack_for_each_counter visits. */
#define STACK_COUNTERS(X)                                                                  \
	X(rx_frames)              /* frames the device handed up */                         \
	X(rx_malformed)           /* headers truncated or invalid (hdr_parse refused) */     \
	X(rx_other_host)          /* unicast to another MAC (PACKET_OTHERHOST) */            \
	X(rx_vlan_drop)           /* in-band VLAN tag: no VLAN interfaces here */            \
	X(rx_unknown_ethertype)                                                            \
	X(rx_linearized)          /* frag_list packets flattened before parsing */           \
	X(rx_nomem)               /* could not linearize */                                 \
	X(arp_rx)                                                                          \
	X(arp_malformed)                                                                   \
	X(arp_requests_sent)                                                               \
	X(arp_replies_sent)                                                                \
	X(nd_rx)                                                                           \
	X(nd_ns_sent)                                                                      \
	X(nd_na_sent)                                                                      \
	X(icmp6_bad_checksum)                                                              \
	X(icmp6_malformed)                                                                 \
	X(icmp6_unhandled)                                                                 \
	X(neigh_resolved)         /* entries completed by ARP/ND */                         \
	X(neigh_failed)           /* resolutions given up (packets dropped) */              \
	X(neigh_queue_drops)      /* packets pushed out of a full unresolved queue */       \
	X(ip_bad_checksum)        /* IPv4 header checksum (IPSTATS_MIB_CSUMERRORS) */       \
	X(ip_not_ours)            /* destination address not ours (no forwarding) */        \
	X(ip_frag_drop)           /* fragments: no reassembly (we always send DF) */        \
	X(ip_unknown_proto)                                                                \
	X(tcp_rx_segments)        /* TCP packets accepted by checksum validation */         \
	X(tcp_rx_gso)             /* of which GSO super-frames, consumed whole */           \
	X(tcp_bad_checksum)       /* TcpInCsumErrors */                                     \
	X(tcp_malformed)                                                                   \
	X(tcp_no_socket)          /* no connection or listener: RST sent */                 \
	X(tcp_rst_sent)                                                                    \
	X(tcp_rst_rx)                                                                      \
	X(tcp_ofo_drop)           /* out-of-order segments dropped (no OFO queue) */        \
	X(tcp_dup_data)           /* segments wholly already received (DelayedACKLost) */   \
	X(tcp_beyond_window)                                                               \
	X(tcp_ack_unsent)         /* ACK for data never sent: dropped */                    \
	X(tcp_tx_packets)         /* TCP packets handed to the device (a TSO frame is 1) */  \
	X(tcp_tx_pure_acks)       /* of which pure ACKs (no data, SYN, FIN or RST) */       \
	X(tcp_delayed_acks)       /* ACKs sent by the delayed-ACK timer (DelayedACKs) */    \
	X(tcp_tx_segments)        /* TCP segments they stand for (TSO: gso_segs) */          \
	X(tcp_tx_tso)             /* TSO super-frames sent */                               \
	X(tcp_tx_partial)         /* packets sent CHECKSUM_PARTIAL (device completes) */    \
	X(tcp_tx_sw_csum)         /* packets checksummed by the stack (no CSO) */           \
	X(tcp_retransmits)        /* TcpRetransSegs: data/FIN segments sent again */        \
	X(syn_retransmits)                                                                 \
	X(synack_retransmits)                                                              \
	X(tcp_timeouts)           /* RTO expiries in a synchronized state */                \
	X(tcp_fast_retransmits)   /* three duplicate ACKs */                                \
	X(tcp_dup_acks_rx)                                                                 \
	X(tcp_established)                                                                 \
	X(tcp_conn_failed)                                                                 \
	X(tx_alloc_fail)          /* no buffer in dev->pool */                              \
	X(tx_errors)              /* dev_queue_xmit returned an error */

struct stack_counters {
#define STACK_CTR_FIELD(n) uint64_t n;
	STACK_COUNTERS(STACK_CTR_FIELD)
#undef STACK_CTR_FIELD
};

enum neigh_state { NEIGH_FREE, NEIGH_INCOMPLETE, NEIGH_REACHABLE, NEIGH_STATIC };

#define STACK_NEIGH_MAX 32
#define STACK_NEIGH_QLEN 3    /* unres_qlen in packets, as Linux's old default */
#define STACK_NEIGH_PROBES 3  /* mcast_solicit */

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
	struct stack_counters ctr;
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
/* Fail f with reason (copied): abort both connections, count
 * tcp_conn_failed once, call on_done. No-op if f is NULL or done. */
void flow_fail(struct stack_flow *f, const char *reason);
/* Detach every flow whose client or server is s (the flows stay valid for
 * stack_flow_free). */
void flow_stack_destroy(struct stack *s);

#endif
