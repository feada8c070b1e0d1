/*
 * tcp.c — the built-in stack's TCP: connections, their timers, output and
 * acknowledgements.
 *
 * Serves stack.c (tcp_rcv for every validated segment) and flow.c (which
 * opens, aborts and detaches the connections its flows run over).
 *
 * Sequence space is kept internally as 64-bit stream positions: position 0
 * is the SYN, data byte i is position 1 + i, the FIN follows the last byte.
 * The wire carries iss/irs + position modulo 2^32, and incoming numbers are
 * turned back into positions relative to snd_una / rcv_nxt, so transfers
 * beyond 4 GiB need no wrap-around care.
 *
 * What is modelled after Linux (net/ipv4/tcp_*.c), and where it is simpler,
 * is said at each place; the summary is in stack.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "ev/prof.h"
#include "pkt/pkt.h"
#include "stack/stack_int.h"

/* tcp_xmit_size_goal: gso_max_size - 1 - MAX_TCP_HEADER (320 on 64-bit). */
#define TCP_TSO_GOAL (65536u - 1u - 320u)
#define TCP_MSS_DEFAULT4 536u  /* RFC 1122/9293, no MSS option */
#define TCP_MSS_DEFAULT6 1220u /* IPv6 minimum MTU 1280 - 60 */
#define TCP_SYN_OPTLEN 8       /* MSS (4) + NOP + window scale (3) */
#define TCP_MAX_WSCALE 14
#define TCP_MIN_MSS 88u /* include/net/tcp.h */
#define TCP_HDR_LEN 20u /* tcp_header_len: no timestamps here */

/* Delayed ACKs (include/net/tcp.h, net/ipv4/tcp_input.c), on the loop's clock */
#define TCP_ATO_MIN_NS 40000000ull     /* TCP_ATO_MIN = TCP_DELACK_MIN = HZ/25 */
#define TCP_DELACK_MAX_NS 200000000ull /* TCP_DELACK_MAX = HZ/5 (icsk_delack_max) */
#define TCP_ATO_CAP_NS 500000000ull    /* HZ/2: tcp_send_delayed_ack's max_ato */
#define TCP_MAX_QUICKACKS 16u          /* quick ACKs at the start of a connection */

enum tcp_state {
	TCP_CLOSED,
	TCP_SYN_SENT,
	TCP_SYN_RECV,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT1,
	TCP_FIN_WAIT2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

struct tcp_conn {
	struct stack *s;
	struct stack_flow *flow; /* NULL once detached */
	bool client;
	struct tcp_conn *next;
	int family;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	enum tcp_state state;
	bool finished; /* closed gracefully (TIME_WAIT, or CLOSED from LAST_ACK) */

	uint32_t iss, irs;
	uint64_t snd_una, snd_nxt, snd_max; /* positions */
	uint64_t recover;                   /* snd_max when loss recovery began */
	bool in_recovery;
	unsigned dupacks;
	uint32_t snd_wnd, max_wnd, last_wnd_field;
	uint8_t snd_wscale, rcv_wscale;
	bool wscale_ok;
	uint32_t cwnd, ssthresh;
	uint16_t mss;

	uint64_t rcv_nxt; /* position */
	uint32_t rcv_wnd;

	/* When to acknowledge what we received: Linux's icsk_ack state (see
	 * "acknowledging received data" below) */
	struct ev_timer delack_timer; /* ICSK_TIME_DACK */
	uint64_t rcv_wup;             /* rcv_nxt when our last ACK left */
	uint32_t rcv_mss;             /* icsk_ack.rcv_mss: the peer's MSS, as measured */
	uint32_t last_seg_size;       /* icsk_ack.last_seg_size */
	unsigned quick;               /* quick ACKs left (icsk_ack.quick) */
	unsigned ack_retry;           /* icsk_ack.retry: failed pure ACKs in a row */
	uint64_t ato;                 /* icsk_ack.ato, ns; 0 until the first data */
	uint64_t lrcvtime;            /* when the last data arrived */
	uint64_t delack_when;         /* icsk_ack.timeout */
	bool ack_sched;               /* ICSK_ACK_SCHED: received data not yet acknowledged */
	bool ack_timer;               /* ICSK_ACK_TIMER: delack_timer armed for it */
	bool ack_pushed;              /* ICSK_ACK_PUSHED: a short (or pushed) segment came */
	bool ack_pushed2;             /* ICSK_ACK_PUSHED2: two of them */
	bool ack_now;                 /* ICSK_ACK_NOW: acknowledge the next check at once */
	bool pingpong;                /* inet_csk_in_pingpong_mode (tcp_pingpong_thresh 1) */
	bool ack_at_output;           /* ACK no later than the output task (see tcp_output) */
	bool rx_unread;               /* data arrived since the application last read */
	bool ofo_seen;                /* out-of-order data dropped since the last in-order */

	/* the application: a pattern stream each way */
	uint64_t tx_seed, rx_seed;
	uint64_t tx_total; /* bytes to send once tx_ready */
	bool tx_ready;
	bool fin_queued; /* close() after the data */
	uint64_t rx_expected;
	bool fin_rcvd;

	struct ev_timer rto_timer; /* RTO, SYN/SYN-ACK retransmission, TIME_WAIT */
	struct ev_task out_task;   /* send what the windows allow, and ACKs */
	uint64_t rto_ns;
	unsigned backoff;
	bool rtt_active;
	uint64_t rtt_pos, rtt_t;
	int64_t srtt, rttvar;
	bool have_rtt;
	bool syn_retransmitted;
	uint16_t ip_id;
	unsigned traced;
};

static void tcp_output(struct tcp_conn *c);
static void tcp_event_ack_sent(struct tcp_conn *c);
static void conn_fail(struct tcp_conn *c, const char *reason);

static uint64_t now(const struct tcp_conn *c)
{
	return ev_now(c->s->loop);
}

static unsigned alen(int family)
{
	return family == 4 ? 4 : 16;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* ---- building and sending segments ------------------------------------------ */

/* The profiler section of building and sending one TCP packet. */
static struct prof_section tcp_tx_prof = PROF_SECTION_INIT("stack tx");

/* A segment to send: its header's values, payload length (plen) and TSO
 * segment size (gso_size, 0: no TSO) as a received one has them — opts and
 * payload unused — and what building it needs besides. */
struct tcp_tx {
	struct tcp_seg seg;
	bool syn_opts;
	uint16_t mss_opt;
	uint8_t wscale_opt;
	uint16_t ip_id;
	uint64_t pat_seed; /* payload = pattern(pat_seed, pat_off ..) */
	uint64_t pat_off;
	uint32_t trace_id;
};

/*
 * Build one TCP packet from dev->pool and hand it to the neighbour layer.
 * Checksums as Linux hands them to a device: with checksum offload for the
 * family, CHECKSUM_PARTIAL with the pseudo-header seed in the field
 * (__tcp_v4_send_check / __tcp_v6_send_check), csum_start at the TCP header,
 * csum_offset 16; a TSO super-frame additionally carries gso_size = MSS and
 * gso_type TCPV4/TCPV6. Without checksum offload the checksum is completed
 * here. Returns 0 or -ENOMEM.
 */
static int tcp_send_pkt(struct stack *s, const struct tcp_tx *t)
{
	/* charged to "stack tx"; the layers below charge their own */
	const struct tcp_seg *g = &t->seg;
	PROF_SCOPE(prof, &tcp_tx_prof, g->plen);
	const unsigned iphl = g->family == 4 ? 20 : 40;
	const unsigned thl = 20 + (t->syn_opts ? TCP_SYN_OPTLEN : 0);
	const uint32_t hdrs = ETH_HLEN + iphl + thl;
	const uint32_t l4len = thl + g->plen;
	struct pkt *p = pkt_alloc(s->dev->pool, hdrs + g->plen, PKT_HEADROOM);
	if (!p) {
		s->ctr.tx_alloc_fail++;
		return -ENOMEM;
	}
	uint8_t *f = pkt_put(p, hdrs + g->plen);
	memset(f, 0, 6); /* destination: filled by the neighbour layer */
	memcpy(f + 6, s->dev->mac, 6);
	hdr_put16(f + 12, g->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	uint8_t *ip = f + ETH_HLEN;
	if (g->family == 4) {
		ip[0] = 0x45;
		ip[1] = 0;
		hdr_put16(ip + 2, (uint16_t)(iphl + l4len));
		hdr_put16(ip + 4, t->ip_id);
		hdr_put16(ip + 6, 0x4000); /* DF: PMTU discovery, as Linux TCP */
		ip[8] = 64;
		ip[9] = IPPROTO_TCP_;
		ip[10] = ip[11] = 0;
		memcpy(ip + 12, g->saddr, 4);
		memcpy(ip + 16, g->daddr, 4);
		uint16_t hc = ip_fast_csum(ip, 5);
		memcpy(ip + 10, &hc, 2);
	} else {
		hdr_put32(ip, 0x60000000u);
		hdr_put16(ip + 4, (uint16_t)l4len);
		ip[6] = IPPROTO_TCP_;
		ip[7] = 64;
		memcpy(ip + 8, g->saddr, 16);
		memcpy(ip + 24, g->daddr, 16);
	}
	uint8_t *th = ip + iphl;
	hdr_put16(th, g->sport);
	hdr_put16(th + 2, g->dport);
	hdr_put32(th + 4, g->seq);
	hdr_put32(th + 8, g->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = g->flags;
	hdr_put16(th + 14, g->wnd);
	th[16] = th[17] = th[18] = th[19] = 0;
	if (t->syn_opts) {
		th[20] = 2;
		th[21] = 4;
		hdr_put16(th + 22, t->mss_opt);
		th[24] = 1;
		th[25] = 3;
		th[26] = 3;
		th[27] = t->wscale_opt;
	}
	if (g->plen)
		stack_pattern_fill(t->pat_seed, t->pat_off, th + thl, g->plen);

	p->mac_header = p->data;
	p->network_header = p->data + ETH_HLEN;
	p->transport_header = p->data + ETH_HLEN + iphl;
	p->protocol = g->family == 4 ? ETH_P_IP : ETH_P_IPV6;
	p->trace_id = t->trace_id;
	unsigned segs = 1;
	if (stack_csum_ok_for(s, g->family)) {
		if (pkt_tcp_set_pseudo_seed(p) != 0 ||
		    !pkt_partial_csum_set(p, ETH_HLEN + iphl, TCP_CSUM_OFFSET)) {
			s->ctr.tx_errors++;
			pkt_free(p);
			return -EINVAL;
		}
		s->ctr.tcp_tx_partial++;
		if (g->gso_size && g->plen > g->gso_size) {
			p->gso_size = g->gso_size;
			segs = (g->plen + g->gso_size - 1) / g->gso_size;
			p->gso_segs = (uint16_t)segs;
			p->gso_type = g->family == 4 ? PKT_GSO_TCPV4 : PKT_GSO_TCPV6;
			s->ctr.tcp_tx_tso++;
		}
	} else {
		uint32_t sum = csum_partial(th, l4len, 0);
		uint16_t c = g->family == 4
				     ? csum_tcpudp_magic(g->saddr, g->daddr, l4len, IPPROTO_TCP_, sum)
				     : csum_ipv6_magic(g->saddr, g->daddr, l4len, IPPROTO_TCP_, sum);
		memcpy(th + TCP_CSUM_OFFSET, &c, 2);
		p->ip_summed = CHECKSUM_NONE;
		s->ctr.tcp_tx_sw_csum++;
	}
	s->ctr.tcp_tx_packets++;
	s->ctr.tcp_tx_segments += segs;
	stack_neigh_output(s, g->family, g->daddr, p);
	return 0;
}

/* The window field we advertise (RFC 7323: never scaled on a SYN). */
static uint16_t tcp_wnd_field(const struct tcp_conn *c, bool syn)
{
	uint32_t w = c->rcv_wnd;
	if (!syn && c->wscale_ok)
		w >>= c->rcv_wscale;
	return (uint16_t)(w > 65535 ? 65535 : w);
}

static uint16_t tcp_mss_for_mtu(const struct stack *s, int family)
{
	unsigned mtu = s->dev->mtu ? s->dev->mtu : 1500;
	unsigned over = family == 4 ? 40 : 60;
	return (uint16_t)(mtu > over + 64 ? mtu - over : 64);
}

/* Send one segment of c: payload [pos, pos+len) of the stream, flags. */
static int tcp_xmit(struct tcp_conn *c, uint64_t pos, uint32_t len, uint8_t flags)
{
	struct stack *s = c->s;
	bool syn = flags & TCP_SYN;
	struct tcp_tx t = {
		.seg =
			{
				.family = c->family,
				.saddr = c->laddr,
				.daddr = c->raddr,
				.sport = c->lport,
				.dport = c->rport,
				.seq = c->iss + (uint32_t)pos,
				.ack = (flags & TCP_ACK) ? c->irs + (uint32_t)c->rcv_nxt : 0,
				.flags = flags,
				.wnd = tcp_wnd_field(c, syn),
				.plen = len,
				.gso_size = c->mss,
			},
		.syn_opts = syn,
		.mss_opt = tcp_mss_for_mtu(s, c->family),
		.wscale_opt = c->rcv_wscale,
		.pat_seed = c->tx_seed,
		.pat_off = pos - 1,
	};
	unsigned segs = c->mss && len > c->mss ? (len + c->mss - 1u) / c->mss : 1;
	if (c->family == 4) {
		/* as ip_select_ident_segs for a connected DF socket: a per-socket
		 * counter advanced by the number of segments; the SYN-ACK (sent by
		 * the listener in Linux, ip_build_and_send_pkt) carries id 0. */
		if (syn && (flags & TCP_ACK)) {
			t.ip_id = 0;
		} else {
			t.ip_id = c->ip_id;
			c->ip_id = (uint16_t)(c->ip_id + segs);
		}
	}
	const struct stack_flow *f = c->flow;
	if (f && f->spec.trace_id && c->traced < f->spec.trace_first) {
		t.trace_id = f->spec.trace_id;
		c->traced++;
	}
	int rc = tcp_send_pkt(s, &t);
	if (rc != 0)
		return rc;
	/* tcp_event_data_sent: data sent within ato of the last data received
	 * is a reply, the mark of an interactive exchange (pingpong mode) */
	if (len && now(c) - c->lrcvtime < c->ato)
		c->pingpong = true;
	if (flags & TCP_ACK) {
		if (!len && flags == TCP_ACK)
			s->ctr.tcp_tx_pure_acks++;
		tcp_event_ack_sent(c); /* whatever we acknowledge rides here */
	}
	return 0;
}

/* A reset in answer to a segment that has no connection (tcp_v4_send_reset). */
static void tcp_send_reset(struct stack *s, const struct tcp_seg *g)
{
	if (g->flags & TCP_RST)
		return;
	struct tcp_tx t = {
		.seg =
			{
				.family = g->family,
				.saddr = g->daddr,
				.daddr = g->saddr,
				.sport = g->dport,
				.dport = g->sport,
			},
	};
	if (g->flags & TCP_ACK) {
		t.seg.seq = g->ack;
		t.seg.flags = TCP_RST;
	} else {
		t.seg.ack = g->seq + g->plen + !!(g->flags & TCP_SYN) + !!(g->flags & TCP_FIN);
		t.seg.flags = TCP_RST | TCP_ACK;
	}
	if (tcp_send_pkt(s, &t) == 0)
		s->ctr.tcp_rst_sent++;
}

/* ---- acknowledging received data -------------------------------------------------
 *
 * When the receiver sends its ACK follows Linux (net/ipv4/tcp_input.c,
 * tcp_output.c, tcp_timer.c, tcp.c):
 *
 *  - every in-order segment with data schedules an ACK (tcp_event_data_recv)
 *    and measures rcv_mss, the peer's segment size: a GRO'd or GSO packet
 *    counts its gso_size, another its length (tcp_measure_rcv_mss);
 *  - after the segment, __tcp_ack_snd_check sends the ACK at once if more
 *    than one full-sized segment is unacknowledged, rcv_nxt - rcv_wup >
 *    rcv_mss (with MSS-sized segments: every second one; a GRO'd packet of
 *    two or more segments is acknowledged on its own, since Linux makes that
 *    check once per packet it is handed), or in quick-ACK mode, or when a
 *    hole was just filled (ICSK_ACK_NOW, RFC 5681 4.2); otherwise it arms
 *    the delayed-ACK timer (tcp_send_delayed_ack): ato, 40 ms (TCP_ATO_MIN)
 *    while data keeps coming, adapted to the gaps between arrivals, capped
 *    by the RTT and 200 ms (TCP_DELACK_MAX). When the timer fires
 *    (tcp_delack_timer_handler) the ACK goes and ato doubles;
 *  - quick-ACK mode: the first data of a connection (tcp_incr_quickack) and
 *    every duplicate segment (tcp_enter_quickack_mode) allow up to
 *    TCP_MAX_QUICKACKS (16) ACKs, bounded by rcv_wnd / (2 * rcv_mss), each
 *    sent at once; each ACK of new data uses one (tcp_dec_quickack_mode);
 *  - when the application reads (tcp_cleanup_rbuf; here the output task that
 *    follows the receive batch), it acknowledges a short or pushed segment
 *    at once unless the exchange is interactive (pingpong), and sends a
 *    window update once half the advertised window is used;
 *  - any segment we send carries the ACK and cancels the timer
 *    (tcp_event_ack_sent): a reply or our FIN takes it along;
 *  - out-of-order and duplicate segments are acknowledged at once (the
 *    duplicate ACK), a FIN in FIN_WAIT1/FIN_WAIT2 at once (tcp_fin).
 *
 * Where this is simpler than Linux: the receive buffer is drained as data
 * arrives, so the window right edge always advances (the window test of
 * __tcp_ack_snd_check always passes) and rcv_wnd never grows (no
 * tcp_grow_window, which also grants a quick ACK); a FIN in ESTABLISHED
 * (after which Linux enters pingpong mode and leaves the ACK to the
 * application's close) is acknowledged by the output task of the same batch,
 * on our reply or FIN when the application sends one at once, as ours does.
 */

static bool tcp_in_quickack_mode(const struct tcp_conn *c)
{
	return c->quick && !c->pingpong;
}

/* tcp_incr_quickack */
static void tcp_incr_quickack(struct tcp_conn *c, unsigned max_quickacks)
{
	unsigned q = c->rcv_wnd / (2u * c->rcv_mss);
	if (q == 0)
		q = 2;
	if (q > max_quickacks)
		q = max_quickacks;
	if (q > c->quick)
		c->quick = q;
}

/* tcp_enter_quickack_mode */
static void tcp_enter_quickack_mode(struct tcp_conn *c, unsigned max_quickacks)
{
	tcp_incr_quickack(c, max_quickacks);
	c->pingpong = false;
	c->ato = TCP_ATO_MIN_NS;
}

/* tcp_initialize_rcv_mss: a guess from below until segments are measured */
static void tcp_initialize_rcv_mss(struct tcp_conn *c)
{
	uint32_t hint = tcp_mss_for_mtu(c->s, c->family);
	if (c->mss < hint)
		hint = c->mss;
	if (c->rcv_wnd / 2 < hint)
		hint = c->rcv_wnd / 2;
	if (hint > TCP_MSS_DEFAULT4)
		hint = TCP_MSS_DEFAULT4;
	if (hint < TCP_MIN_MSS)
		hint = TCP_MIN_MSS;
	c->rcv_mss = hint;
}

/* tcp_measure_rcv_mss: adapt rcv_mss to what the peer sends; a segment
 * shorter than rcv_mss (or a full one with PSH) marks the ACK "pushed". */
static void tcp_measure_rcv_mss(struct tcp_conn *c, const struct tcp_seg *g)
{
	const uint32_t lss = c->last_seg_size;
	const uint32_t advmss = tcp_mss_for_mtu(c->s, c->family);
	c->last_seg_size = 0;
	uint32_t len = g->gso_size ? g->gso_size : g->plen;
	if (len >= c->rcv_mss) {
		c->rcv_mss = len < advmss ? len : advmss;
		if (g->flags & TCP_PSH)
			c->ack_pushed = true;
		return;
	}
	len += TCP_HDR_LEN + g->optlen;
	if (len >= TCP_MSS_DEFAULT4 + TCP_HDR_LEN ||
	    (len >= TCP_MIN_MSS + TCP_HDR_LEN &&
	     !(g->flags & (TCP_FIN | TCP_URG | TCP_SYN | TCP_PSH)))) {
		len -= TCP_HDR_LEN;
		c->last_seg_size = len;
		if (len == lss) {
			c->rcv_mss = len;
			return;
		}
	}
	if (c->ack_pushed)
		c->ack_pushed2 = true;
	c->ack_pushed = true;
}

/* tcp_event_data_recv: in-order data arrived */
static void tcp_event_data_recv(struct tcp_conn *c, const struct tcp_seg *g)
{
	uint64_t t = now(c);
	c->ack_sched = true;
	tcp_measure_rcv_mss(c, g);
	if (!c->ato) {
		/* the first data: start with quick ACKs */
		tcp_incr_quickack(c, TCP_MAX_QUICKACKS);
		c->ato = TCP_ATO_MIN_NS;
	} else {
		uint64_t m = t - c->lrcvtime;
		if (m <= TCP_ATO_MIN_NS / 2) {
			c->ato = c->ato / 2 + TCP_ATO_MIN_NS / 2;
		} else if (m < c->ato) {
			c->ato = c->ato / 2 + m;
			if (c->ato > c->rto_ns)
				c->ato = c->rto_ns;
		} else if (m > c->rto_ns) {
			/* a long gap: the sender restarts, ACK quickly */
			tcp_incr_quickack(c, TCP_MAX_QUICKACKS);
		}
	}
	c->lrcvtime = t;
}

/* tcp_event_ack_sent: an ACK left (on any segment); tcp_dec_quickack_mode
 * counts it against the quick ACKs if it acknowledged new data. */
static void tcp_event_ack_sent(struct tcp_conn *c)
{
	if (c->quick && c->ack_sched) {
		if (--c->quick == 0)
			c->ato = TCP_ATO_MIN_NS;
	}
	c->ack_sched = c->ack_timer = c->ack_pushed = c->ack_pushed2 = c->ack_now = false;
	c->ack_at_output = false;
	c->ack_retry = 0;
	ev_timer_cancel(c->s->loop, &c->delack_timer);
	c->rcv_wup = c->rcv_nxt;
}

static void tcp_send_ack(struct tcp_conn *c)
{
	if (tcp_xmit(c, c->snd_nxt, 0, TCP_ACK) == 0)
		return;
	/* __tcp_send_ack without a buffer: keep the ACK scheduled and retry
	 * from the delayed-ACK timer, TCP_DELACK_MAX doubling per failure */
	uint64_t delay = TCP_DELACK_MAX_NS << c->ack_retry;
	if (delay < c->s->cfg.rto_max_ns)
		c->ack_retry++;
	c->ack_sched = true;
	c->ato = TCP_ATO_MIN_NS;
	c->ack_timer = true;
	c->delack_when = now(c) + delay;
	ev_timer_arm(c->s->loop, &c->delack_timer, c->delack_when);
}

/* tcp_send_delayed_ack: arm the delayed-ACK timer (or keep an earlier one) */
static void tcp_send_delayed_ack(struct tcp_conn *c)
{
	uint64_t ato = c->ato;
	if (ato > TCP_ATO_MIN_NS) {
		uint64_t max_ato = c->pingpong || c->ack_pushed ? TCP_DELACK_MAX_NS : TCP_ATO_CAP_NS;
		if (c->have_rtt) {
			/* bounded by the RTT measured, never below TCP_DELACK_MIN */
			uint64_t rtt = (uint64_t)c->srtt > TCP_ATO_MIN_NS ? (uint64_t)c->srtt
									  : TCP_ATO_MIN_NS;
			if (rtt < max_ato)
				max_ato = rtt;
		}
		if (ato > max_ato)
			ato = max_ato;
	}
	if (ato > TCP_DELACK_MAX_NS)
		ato = TCP_DELACK_MAX_NS;
	uint64_t t = now(c);
	uint64_t when = t + ato;
	if (c->ack_timer) {
		/* an ACK already waits: if its timer is about to fire, send now;
		 * else keep the earlier of the two */
		if (c->delack_when <= t + ato / 4) {
			tcp_send_ack(c);
			return;
		}
		if (c->delack_when < when)
			when = c->delack_when;
	}
	c->ack_sched = true;
	c->ack_timer = true;
	c->delack_when = when;
	if (ev_timer_arm(c->s->loop, &c->delack_timer, when) != 0)
		tcp_send_ack(c); /* no timer: do not sit on the ACK */
}

/* __tcp_ack_snd_check, after a segment's data (and FIN) was taken in */
static void tcp_ack_snd_check(struct tcp_conn *c)
{
	if (!c->ack_sched)
		return;
	if (c->rcv_nxt - c->rcv_wup > c->rcv_mss || tcp_in_quickack_mode(c) || c->ack_now) {
		tcp_send_ack(c);
		return;
	}
	if (c->ack_at_output)
		return; /* the output task of this batch sends it (see tcp_output) */
	tcp_send_delayed_ack(c);
}

/* The delayed-ACK timer (tcp_delack_timer_handler). */
static void tcp_delack_fn(struct ev_timer *tm)
{
	struct tcp_conn *c = STACK_CONTAINER_OF(tm, struct tcp_conn, delack_timer);
	if (c->state == TCP_CLOSED || !c->ack_timer)
		return;
	c->ack_timer = false;
	if (!c->ack_sched)
		return;
	if (!c->pingpong) {
		/* delayed ACK missed: inflate ato */
		c->ato <<= 1;
		if (c->ato > c->rto_ns)
			c->ato = c->rto_ns;
	} else {
		/* leave pingpong mode, deflate ato */
		c->pingpong = false;
		c->ato = TCP_ATO_MIN_NS;
	}
	c->s->ctr.tcp_delayed_acks++;
	tcp_send_ack(c);
}

/*
 * The application reads what arrived (tcp_recvmsg -> tcp_cleanup_rbuf):
 * true if that read must send an ACK now — more than a full segment still
 * unacknowledged, a short/pushed segment read while not interactive (or two
 * of them), or a window update once at most half of the advertised window
 * is left.
 */
static bool tcp_cleanup_rbuf(struct tcp_conn *c)
{
	bool copied = c->rx_unread;
	c->rx_unread = false;
	if (c->ack_sched && (c->rcv_nxt - c->rcv_wup > c->rcv_mss ||
			     (copied && (c->ack_pushed2 || (c->ack_pushed && !c->pingpong)))))
		return true;
	if (copied && !c->fin_rcvd) {
		/* the window left from our last advertisement, against what we
		 * would offer now: all of rcv_wnd (the data is consumed) */
		uint64_t used = c->rcv_nxt - c->rcv_wup;
		uint64_t left = used >= c->rcv_wnd ? 0 : c->rcv_wnd - used;
		if (2 * left <= c->rcv_wnd)
			return true;
	}
	return false;
}

/* ---- timers ---------------------------------------------------------------------- */

static void tcp_arm_rto(struct tcp_conn *c)
{
	ev_timer_arm(c->s->loop, &c->rto_timer, now(c) + c->rto_ns);
}

/* RFC 6298 with Linux's floor: rto = srtt + max(4 * rttvar, rto_min). */
static void tcp_rtt_sample(struct tcp_conn *c, uint64_t r)
{
	int64_t rtt = (int64_t)r;
	if (!c->have_rtt) {
		c->srtt = rtt;
		c->rttvar = rtt / 2;
		c->have_rtt = true;
	} else {
		int64_t d = c->srtt - rtt;
		if (d < 0)
			d = -d;
		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + rtt) / 8;
	}
	uint64_t var = (uint64_t)(4 * c->rttvar);
	if (var < c->s->cfg.rto_min_ns)
		var = c->s->cfg.rto_min_ns;
	c->rto_ns = (uint64_t)c->srtt + var;
	if (c->rto_ns > c->s->cfg.rto_max_ns)
		c->rto_ns = c->s->cfg.rto_max_ns;
}

static void tcp_backoff(struct tcp_conn *c)
{
	c->backoff++;
	c->rto_ns *= 2;
	if (c->rto_ns > c->s->cfg.rto_max_ns)
		c->rto_ns = c->s->cfg.rto_max_ns;
}

static void tcp_conn_stop(struct tcp_conn *c)
{
	ev_timer_cancel(c->s->loop, &c->rto_timer);
	ev_timer_cancel(c->s->loop, &c->delack_timer);
	c->ack_timer = false;
	ev_task_cancel(c->s->loop, &c->out_task);
}

static void tcp_send_syn(struct tcp_conn *c)
{
	uint8_t flags = c->state == TCP_SYN_RECV ? TCP_SYN | TCP_ACK : TCP_SYN;
	tcp_xmit(c, 0, 0, flags);
	c->snd_nxt = c->snd_max = 1;
}

/* Send c's SYN (its SYN-ACK on the passive side) again, counted in the
 * stack's and the flow's retransmissions of it. */
static void tcp_resend_syn(struct tcp_conn *c)
{
	struct stack *s = c->s;
	if (c->state == TCP_SYN_RECV) {
		s->ctr.synack_retransmits++;
		if (c->flow)
			c->flow->res.synack_retransmits++;
	} else {
		s->ctr.syn_retransmits++;
		if (c->flow)
			c->flow->res.syn_retransmits++;
	}
	tcp_send_syn(c);
}

/* The retransmission timer during the handshake: as tcp_write_timeout, give
 * up after tcp_syn_retries retransmissions of the SYN (tcp_synack_retries of
 * the SYN-ACK), else back off and send it again. */
static void tcp_rto_handshake(struct tcp_conn *c)
{
	const struct stack_config *cfg = &c->s->cfg;
	bool synack = c->state == TCP_SYN_RECV;
	if (c->backoff >= (synack ? cfg->synack_retries : cfg->syn_retries)) {
		conn_fail(c, synack ? "accept failed: no ACK for the SYN-ACK, retransmissions "
				      "exhausted (tcp_synack_retries)"
				    : "connect failed: no SYN-ACK, SYN retransmissions exhausted "
				      "(tcp_syn_retries)");
		return;
	}
	tcp_backoff(c);
	c->syn_retransmitted = true;
	tcp_resend_syn(c);
	tcp_arm_rto(c);
}

static void tcp_enter_time_wait(struct tcp_conn *c)
{
	c->state = TCP_TIME_WAIT;
	c->finished = true;
	ev_timer_arm(c->s->loop, &c->rto_timer, now(c) + c->s->cfg.time_wait_ns);
}

static void tcp_rto_fn(struct ev_timer *tm)
{
	struct tcp_conn *c = STACK_CONTAINER_OF(tm, struct tcp_conn, rto_timer);
	struct stack *s = c->s;
	switch (c->state) {
	case TCP_CLOSED:
		return;
	case TCP_TIME_WAIT:
		c->state = TCP_CLOSED;
		return;
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		tcp_rto_handshake(c);
		return;
	default:
		break;
	}
	if (c->snd_una >= c->snd_max) {
		/* nothing outstanding: the timer was a retry after a failed
		 * allocation (see tcp_output) */
		tcp_output(c);
		return;
	}
	if (c->backoff >= s->cfg.retries2) {
		conn_fail(c, "connection timed out: retransmissions unanswered (tcp_retries2)");
		return;
	}
	/* tcp_retransmit_timer + tcp_enter_loss: cwnd to one segment, go back */
	s->ctr.tcp_timeouts++;
	uint64_t flight = c->snd_max - c->snd_una;
	c->ssthresh = (uint32_t)(flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss);
	c->cwnd = c->mss;
	c->snd_nxt = c->snd_una;
	c->in_recovery = true;
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->rtt_active = false;
	tcp_backoff(c);
	tcp_output(c);
	if (!ev_timer_armed(&c->rto_timer))
		tcp_arm_rto(c);
}

/* ---- output ------------------------------------------------------------------------ */

/* Payload bytes per packet: one MSS, or with TSO as tcp_xmit_size_goal
 * computes it — the 64 KiB GSO limit less header room, bounded by half the
 * largest window the peer offered, rounded down to whole MSS. */
static uint32_t tcp_size_goal(const struct tcp_conn *c)
{
	if (!stack_tso_ok_for(c->s, c->family))
		return c->mss;
	uint32_t goal = TCP_TSO_GOAL;
	if (c->max_wnd > TCP_MSS_DEFAULT4 && c->max_wnd / 2 < goal)
		goal = c->max_wnd / 2;
	goal -= goal % c->mss;
	return goal < c->mss ? c->mss : goal;
}

static void tcp_count_sent(struct tcp_conn *c, uint64_t pos, uint32_t len, bool fin)
{
	uint64_t end = pos + len + fin;
	if (pos < c->snd_max) {
		/* TcpRetransSegs counts segments: a TSO frame counts gso_segs */
		uint64_t rtx_end = end < c->snd_max ? end : c->snd_max;
		uint64_t n = rtx_end - pos;
		uint64_t segs = n > c->mss ? (n + c->mss - 1) / c->mss : 1;
		c->s->ctr.tcp_retransmits += segs;
		if (c->flow)
			c->flow->res.retransmits += segs;
	}
	if (end > c->snd_max) {
		uint64_t data_end = 1 + c->tx_total;
		uint64_t old = c->snd_max < data_end ? c->snd_max : data_end;
		uint64_t nw = (pos + len) < data_end ? pos + len : data_end;
		if (nw > old && c->flow) {
			if (c->client)
				c->flow->res.bytes_sent += nw - old;
			else
				c->flow->res.reply_sent += nw - old;
		}
		if (!c->rtt_active) {
			c->rtt_active = true;
			c->rtt_pos = end;
			c->rtt_t = now(c);
		}
		c->snd_max = end;
	}
}

static void tcp_fin_sent(struct tcp_conn *c)
{
	if (c->state == TCP_ESTABLISHED)
		c->state = TCP_FIN_WAIT1;
	else if (c->state == TCP_CLOSE_WAIT)
		c->state = TCP_LAST_ACK;
}

/*
 * The output task, run after the receive batch that scheduled it: the
 * application reads what arrived (an ACK if tcp_cleanup_rbuf asks for one),
 * then we send what the peer's window and the congestion window allow, the
 * FIN when the data is out, and an ACK that is due by now (ack_at_output:
 * the handshake's, a FIN's) if nothing else carried it.
 */
static void tcp_output(struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		if (tcp_cleanup_rbuf(c))
			tcp_send_ack(c);
		break;
	case TCP_FIN_WAIT2:
	case TCP_TIME_WAIT:
		if (tcp_cleanup_rbuf(c) || c->ack_at_output)
			tcp_send_ack(c);
		return;
	default:
		return;
	}
	const uint64_t data_end = 1 + (c->tx_ready ? c->tx_total : 0);
	const bool fin = c->fin_queued && c->tx_ready;
	const uint32_t goal = tcp_size_goal(c);
	bool blocked = false; /* dev->pool had no buffer */
	for (;;) {
		uint64_t wnd = c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;
		uint64_t wnd_end = c->snd_una + wnd;
		if (c->snd_nxt < data_end) {
			if (c->snd_nxt >= wnd_end)
				break;
			uint64_t avail = data_end - c->snd_nxt;
			uint64_t room = wnd_end - c->snd_nxt;
			uint64_t len = avail < room ? avail : room;
			if (len > goal)
				len = goal;
			if (len < avail && len > c->mss)
				len -= len % c->mss; /* whole segments, the tail excepted */
			/* sender silly-window avoidance (tcp_nagle_test et al.): a
			 * short segment only at the end of the data or when nothing
			 * is in flight */
			if (len < c->mss && len < avail && c->snd_nxt > c->snd_una)
				break;
			bool with_fin = fin && c->snd_nxt + len == data_end;
			uint8_t flags = TCP_ACK | (with_fin ? TCP_FIN : 0) |
					(c->snd_nxt + len == data_end ? TCP_PSH : 0);
			uint64_t pos = c->snd_nxt;
			if (tcp_xmit(c, pos, (uint32_t)len, flags) != 0) {
				blocked = true;
				break;
			}
			tcp_count_sent(c, pos, (uint32_t)len, with_fin);
			c->snd_nxt = pos + len + with_fin;
			if (with_fin)
				tcp_fin_sent(c);
		} else if (fin && c->snd_nxt == data_end) {
			if (tcp_xmit(c, data_end, 0, TCP_ACK | TCP_FIN) != 0) {
				blocked = true;
				break;
			}
			tcp_count_sent(c, data_end, 0, true);
			c->snd_nxt = data_end + 1;
			tcp_fin_sent(c);
		} else {
			break;
		}
	}
	if (c->ack_at_output)
		tcp_send_ack(c);
	/* arm when something is outstanding, or when a failed allocation
	 * stopped us with nothing in flight (the timer is then the retry, as
	 * Linux's probe timer is after a failed tcp_transmit_skb) */
	if ((c->snd_max > c->snd_una || blocked) && !ev_timer_armed(&c->rto_timer))
		tcp_arm_rto(c);
}

static void tcp_out_task_fn(struct ev_task *t)
{
	struct tcp_conn *c = STACK_CONTAINER_OF(t, struct tcp_conn, out_task);
	tcp_output(c);
}

static void tcp_schedule_output(struct tcp_conn *c)
{
	ev_task_schedule(c->s->loop, &c->out_task);
}

/* ---- connections -------------------------------------------------------------------- */

static struct tcp_conn *tcp_conn_new(struct stack *s, struct stack_flow *f, bool client, int family,
				     const uint8_t *raddr, uint16_t lport, uint16_t rport)
{
	struct tcp_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->s = s;
	c->flow = f;
	c->client = client;
	c->family = family;
	memcpy(c->laddr, stack_addr(s, family), alen(family));
	memcpy(c->raddr, raddr, alen(family));
	c->lport = lport;
	c->rport = rport;
	c->iss = (uint32_t)stack_rand(s);
	c->ip_id = (uint16_t)stack_rand(s);
	c->rcv_wnd = s->cfg.rcv_wnd;
	while (c->rcv_wscale < TCP_MAX_WSCALE && (c->rcv_wnd >> c->rcv_wscale) > 65535)
		c->rcv_wscale++;
	c->rto_ns = s->cfg.rto_init_ns;
	c->mss = tcp_mss_for_mtu(s, family);
	c->rcv_mss = TCP_MIN_MSS; /* set from the MSS once established */
	uint64_t base = f ? f->spec.seed : 0;
	uint64_t up = mix64(base ^ 0x75702d6c696e6b00ull);   /* client -> server */
	uint64_t down = mix64(base ^ 0x646f776e6c696e6bull); /* server -> client */
	c->tx_seed = client ? up : down;
	c->rx_seed = client ? down : up;
	c->tx_total = f ? (client ? f->spec.bytes : f->spec.reply_bytes) : 0;
	c->rx_expected = f ? (client ? f->spec.reply_bytes : f->spec.bytes) : 0;
	ev_timer_init(&c->rto_timer, tcp_rto_fn);
	ev_task_init(&c->out_task, tcp_out_task_fn);
	ev_timer_init(&c->delack_timer, tcp_delack_fn);
	c->next = s->conns;
	s->conns = c;
	return c;
}

static struct tcp_conn *tcp_lookup(const struct stack *s, const struct tcp_seg *g)
{
	for (struct tcp_conn *c = s->conns; c; c = c->next) {
		if (c->state != TCP_CLOSED && c->family == g->family && c->lport == g->dport &&
		    c->rport == g->sport && memcmp(c->raddr, g->saddr, alen(g->family)) == 0 &&
		    memcmp(c->laddr, g->daddr, alen(g->family)) == 0)
			return c;
	}
	return NULL;
}

/* MSS and window scale from a SYN's options (tcp_parse_options); malformed
 * options end the walk, as Linux does, without dropping the segment. */
static void tcp_parse_syn_opts(struct tcp_conn *c, const struct tcp_seg *g)
{
	uint16_t mss = g->family == 4 ? TCP_MSS_DEFAULT4 : TCP_MSS_DEFAULT6;
	bool ws = false;
	uint8_t wscale = 0;
	unsigned i = 0;
	while (i < g->optlen) {
		uint8_t kind = g->opts[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= g->optlen)
			break;
		uint8_t l = g->opts[i + 1];
		if (l < 2 || i + l > g->optlen)
			break;
		if (kind == 2 && l == 4) {
			uint16_t m = hdr_get16(g->opts + i + 2);
			if (m)
				mss = m;
		} else if (kind == 3 && l == 3) {
			ws = true;
			wscale = g->opts[i + 2] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : g->opts[i + 2];
		}
		i += l;
	}
	if (mss < 64)
		mss = 64; /* tcp_mss_clamp-style floor; never divide by tiny */
	if (mss < c->mss)
		c->mss = mss;
	c->wscale_ok = ws;
	c->snd_wscale = ws ? wscale : 0;
	if (!ws)
		c->rcv_wscale = 0;
	if (!ws && c->rcv_wnd > 65535)
		c->rcv_wnd = 65535;
}

static void tcp_established(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct stack *s = c->s;
	c->state = TCP_ESTABLISHED;
	c->snd_una = 1;
	if (c->snd_nxt < 1)
		c->snd_nxt = 1;
	c->snd_wnd = (uint32_t)g->wnd << (c->client ? 0 : c->snd_wscale);
	c->max_wnd = c->snd_wnd;
	c->last_wnd_field = g->wnd;
	c->cwnd = s->cfg.init_cwnd * c->mss;
	c->ssthresh = UINT32_MAX;
	ev_timer_cancel(s->loop, &c->rto_timer);
	if (!c->syn_retransmitted)
		tcp_rtt_sample(c, now(c) - c->rtt_t); /* Karn: only an unambiguous SYN */
	else
		c->rto_ns = s->cfg.rto_init_ns;
	c->backoff = 0;
	c->rtt_active = false;
	s->ctr.tcp_established++;
	struct stack_flow *f = c->flow;
	if (c->client) {
		c->tx_ready = true;
		c->fin_queued = true;
		if (f) {
			f->res.connected = true;
			f->res.t_connected_ns = now(c);
		}
	} else if (c->rx_expected == 0) {
		c->tx_ready = true;
		c->fin_queued = true;
	}
	/* rcv_mss for delayed ACKs (tcp_init_transfer -> tcp_initialize_rcv_mss) */
	c->rcv_wup = c->rcv_nxt;
	tcp_initialize_rcv_mss(c);
	/* the client's ACK of the SYN-ACK: on its first data, or alone from
	 * the output task (Linux sends it at once unless data is about to
	 * follow); the server has nothing to acknowledge yet */
	if (c->client)
		c->ack_at_output = true;
	tcp_schedule_output(c);
}

/* Deliver in-order payload to the application: check every byte. */
static void tcp_app_rx(struct tcp_conn *c, const uint8_t *d, uint32_t n)
{
	uint64_t off = c->rcv_nxt - 1;
	uint32_t bad;
	if (off + n > c->rx_expected) {
		/* bytes beyond what the peer should send are all wrong */
		uint32_t in = off >= c->rx_expected ? 0 : (uint32_t)(c->rx_expected - off);
		bad = (in ? stack_pattern_check(c->rx_seed, off, d, in) : 0) + (n - in);
	} else {
		bad = stack_pattern_check(c->rx_seed, off, d, n);
	}
	struct stack_flow *f = c->flow;
	if (f) {
		if (c->client) {
			f->res.reply_delivered += n - bad;
		} else {
			if (f->res.bytes_delivered == 0 && n > bad)
				f->res.t_first_byte_ns = now(c);
			f->res.bytes_delivered += n - bad;
		}
		f->res.bytes_corrupt += bad;
		if (bad)
			f->res.intact = false;
		if (n > bad)
			flow_progress(f, now(c));
	}
	if (!c->client && !c->tx_ready && off + n >= c->rx_expected) {
		/* the server has it all: reply, then close */
		c->tx_ready = true;
		c->fin_queued = true;
	}
}

static void tcp_ack_rcv(struct tcp_conn *c, const struct tcp_seg *g, bool *drop)
{
	struct stack *s = c->s;
	int32_t delta = (int32_t)(g->ack - (c->iss + (uint32_t)c->snd_una));
	uint32_t wnd = (uint32_t)g->wnd << c->snd_wscale;
	if (delta > 0 && c->snd_una + (uint64_t)delta > c->snd_max) {
		/* tcp_ack: an ACK for something not yet sent is dropped, ACK sent */
		s->ctr.tcp_ack_unsent++;
		tcp_send_ack(c);
		*drop = true;
		return;
	}
	if (delta > 0) {
		uint64_t acked = (uint64_t)delta;
		c->snd_una += acked;
		if (c->snd_nxt < c->snd_una)
			c->snd_nxt = c->snd_una;
		if (c->rtt_active && c->snd_una >= c->rtt_pos) {
			tcp_rtt_sample(c, now(c) - c->rtt_t);
			c->rtt_active = false;
		} else if (c->backoff) {
			/* progress after backoff: back to the computed RTO */
			c->rto_ns = c->have_rtt ? c->rto_ns >> c->backoff : s->cfg.rto_init_ns;
			if (c->rto_ns < s->cfg.rto_min_ns)
				c->rto_ns = s->cfg.rto_min_ns;
		}
		c->backoff = 0;
		c->dupacks = 0;
		if (c->in_recovery && c->snd_una >= c->recover) {
			c->in_recovery = false;
			if (c->cwnd < c->ssthresh)
				c->cwnd = c->ssthresh;
		}
		if (!c->in_recovery) {
			uint64_t cw = c->cwnd;
			if (cw < c->ssthresh)
				cw += acked; /* slow start */
			else
				cw += (acked * c->mss) / (cw ? cw : 1) + 1; /* congestion avoidance */
			c->cwnd = cw > (1u << 30) ? (1u << 30) : (uint32_t)cw;
		} else {
			c->cwnd += (uint32_t)(acked < c->mss ? acked
							     : c->mss); /* slow start after loss */
		}
		if (c->snd_una >= c->snd_max)
			ev_timer_cancel(s->loop, &c->rto_timer);
		else
			tcp_arm_rto(c);
		tcp_schedule_output(c);
	} else if (delta == 0 && g->plen == 0 && !(g->flags & (TCP_SYN | TCP_FIN)) &&
		   g->wnd == c->last_wnd_field && c->snd_max > c->snd_una) {
		s->ctr.tcp_dup_acks_rx++;
		if (++c->dupacks == 3 && !c->in_recovery) {
			/* fast retransmit; without SACK the receiver dropped what
			 * followed the hole, so go back to snd_una */
			s->ctr.tcp_fast_retransmits++;
			uint64_t flight = c->snd_max - c->snd_una;
			c->ssthresh = (uint32_t)(flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss);
			c->cwnd = c->ssthresh;
			c->in_recovery = true;
			c->recover = c->snd_max;
			c->snd_nxt = c->snd_una;
			c->rtt_active = false;
			tcp_schedule_output(c);
		}
	}
	if (delta >= 0) {
		c->snd_wnd = wnd;
		if (wnd > c->max_wnd)
			c->max_wnd = wnd;
		c->last_wnd_field = g->wnd;
		if (delta > 0 || wnd)
			tcp_schedule_output(c);
	}
	/* our FIN acknowledged? */
	uint64_t fin_end = 2 + c->tx_total;
	if (c->fin_queued && c->snd_una >= fin_end) {
		switch (c->state) {
		case TCP_FIN_WAIT1:
			c->state = TCP_FIN_WAIT2;
			break;
		case TCP_CLOSING:
			tcp_enter_time_wait(c);
			break;
		case TCP_LAST_ACK:
			tcp_conn_stop(c);
			c->state = TCP_CLOSED;
			c->finished = true;
			break;
		default:
			break;
		}
	}
}

static void tcp_data_rcv(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct stack *s = c->s;
	bool fin = g->flags & TCP_FIN;
	if (!g->plen && !fin)
		return;
	int32_t d = (int32_t)(g->seq - (c->irs + (uint32_t)c->rcv_nxt));
	if (d > 0) {
		/* a hole before it: no out-of-order queue; Linux would queue it
		 * and, without SACK, ACK at once (__tcp_ack_snd_check): the
		 * duplicate ACK now. The segment filling the hole is then
		 * acknowledged at once too (ICSK_ACK_NOW). */
		s->ctr.tcp_ofo_drop++;
		c->ofo_seen = true;
		c->ack_sched = true;
		tcp_send_ack(c);
		return;
	}
	uint32_t skip = (uint32_t)(-(int64_t)d);
	if (skip > g->plen || (skip == g->plen && (!fin || c->fin_rcvd))) {
		/* tcp_data_queue: a retransmission of what we have — quick-ACK
		 * mode and an ACK now */
		s->ctr.tcp_dup_data++;
		tcp_enter_quickack_mode(c, TCP_MAX_QUICKACKS);
		c->ack_sched = true;
		tcp_send_ack(c);
		return;
	}
	uint32_t n = g->plen - skip;
	if (n > c->rcv_wnd) {
		s->ctr.tcp_beyond_window++;
		tcp_send_ack(c);
		return;
	}
	if (n) {
		tcp_app_rx(c, g->payload + skip, n);
		c->rcv_nxt += n;
		c->rx_unread = true;
		tcp_event_data_recv(c, g);
		if (c->ofo_seen) {
			/* RFC 5681 4.2: ACK at once when the hole is filled */
			c->ofo_seen = false;
			c->ack_now = true;
		}
	}
	if (fin && !c->fin_rcvd) {
		/* tcp_fin */
		c->fin_rcvd = true;
		c->rcv_nxt++;
		c->ack_sched = true;
		switch (c->state) {
		case TCP_ESTABLISHED:
			/* Linux enters pingpong mode and lets the application's
			 * close carry the ACK; ours answers in this batch's output
			 * task, which acknowledges in any case */
			c->state = TCP_CLOSE_WAIT;
			c->pingpong = true;
			c->ack_at_output = true;
			break;
		case TCP_FIN_WAIT1:
			tcp_send_ack(c);
			c->state = TCP_CLOSING;
			break;
		case TCP_FIN_WAIT2:
			tcp_send_ack(c);
			tcp_enter_time_wait(c);
			break;
		default:
			break;
		}
	}
	tcp_ack_snd_check(c);
	/* the application reads (and may answer) after this receive batch */
	tcp_schedule_output(c);
}

static void tcp_conn_rcv(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct stack *s = c->s;
	if (c->state == TCP_SYN_SENT) {
		if ((g->flags & TCP_ACK) && g->ack != c->iss + 1) {
			if (!(g->flags & TCP_RST))
				tcp_send_reset(s, g);
			return;
		}
		if (g->flags & TCP_RST) {
			s->ctr.tcp_rst_rx++;
			if (g->flags & TCP_ACK)
				conn_fail(c, "connection refused: RST in answer to the SYN");
			return;
		}
		if (!(g->flags & TCP_SYN) || !(g->flags & TCP_ACK))
			return; /* no simultaneous open */
		c->irs = g->seq;
		c->rcv_nxt = 1;
		tcp_parse_syn_opts(c, g);
		tcp_established(c, g);
		return;
	}
	if (c->state == TCP_SYN_RECV) {
		if (g->flags & TCP_RST) {
			s->ctr.tcp_rst_rx++;
			conn_fail(c, "connection reset during the handshake");
			return;
		}
		if ((g->flags & TCP_SYN) && !(g->flags & TCP_ACK)) {
			if (g->seq == c->irs) {
				/* a retransmitted SYN: answer with the SYN-ACK again
				 * (tcp_check_req -> inet_rtx_syn_ack) */
				tcp_resend_syn(c);
			}
			return;
		}
		if (!(g->flags & TCP_ACK))
			return;
		if (g->ack != c->iss + 1) {
			tcp_send_reset(s, g);
			return;
		}
		tcp_established(c, g);
		/* the window in this ACK is scaled */
		c->snd_wnd = (uint32_t)g->wnd << c->snd_wscale;
		c->max_wnd = c->snd_wnd;
	}
	if (g->flags & TCP_RST) {
		s->ctr.tcp_rst_rx++;
		/* RFC 5961: reset only on an exact sequence match */
		if (g->seq == c->irs + (uint32_t)c->rcv_nxt)
			conn_fail(c, "connection reset by peer");
		else
			tcp_send_ack(c);
		return;
	}
	if (g->flags & TCP_SYN) {
		/* a retransmitted SYN-ACK (our ACK was lost): acknowledge again */
		tcp_send_ack(c);
		return;
	}
	if (!(g->flags & TCP_ACK))
		return;
	bool drop = false;
	tcp_ack_rcv(c, g, &drop);
	if (drop || c->state == TCP_CLOSED)
		return;
	tcp_data_rcv(c, g);
}

/* Handle a validated TCP segment (see stack_int.h). */
void tcp_rcv(struct stack *s, struct pkt *p, const struct tcp_seg *g)
{
	if ((g->flags & TCP_SYN) && (g->flags & (TCP_FIN | TCP_RST))) {
		/* SYN with FIN or RST is never valid (Linux discards it) */
		stack_drop(s, p, &s->ctr.tcp_malformed, "tcp_malformed");
		return;
	}
	struct tcp_conn *c = tcp_lookup(s, g);
	if (!c) {
		struct stack_flow *f = NULL;
		if ((g->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
			for (f = s->listeners; f; f = f->listen_next)
				if (f->listening && f->spec.family == g->family &&
				    f->spec.port == g->dport && !f->sc)
					break;
		}
		if (!f) {
			if (!(g->flags & TCP_RST)) {
				tcp_send_reset(s, g); /* before the drop frees g's bytes */
				stack_drop(s, p, &s->ctr.tcp_no_socket, "tcp_no_socket");
			} else {
				stack_drop(s, p, &s->ctr.tcp_rst_rx, "tcp_rst_rx");
			}
			return;
		}
		c = tcp_conn_new(s, f, false, g->family, g->saddr, g->dport, g->sport);
		if (!c) {
			pkt_free(p);
			return;
		}
		f->sc = c;
		c->irs = g->seq;
		c->rcv_nxt = 1;
		tcp_parse_syn_opts(c, g);
		c->state = TCP_SYN_RECV;
		c->rtt_t = now(c);
		tcp_send_syn(c);
		tcp_arm_rto(c);
		pkt_free(p);
		return;
	}
	tcp_conn_rcv(c, g);
	pkt_free(p);
	if (c->flow)
		flow_check(c->flow);
}

/* ---- what flows ask of a connection ------------------------------------------------ */

/* tcp_connect: see stack_int.h. */
struct tcp_conn *tcp_connect(struct stack *s, struct stack_flow *f, int family,
			     const uint8_t *daddr, uint16_t sport, uint16_t dport)
{
	struct tcp_conn *c = tcp_conn_new(s, f, true, family, daddr, sport, dport);
	if (!c)
		return NULL;
	f->cc = c;
	c->state = TCP_SYN_SENT;
	c->rtt_t = now(c);
	tcp_send_syn(c);
	tcp_arm_rto(c);
	return c;
}

/* tcp_conn_abort: see stack_int.h. */
void tcp_conn_abort(struct tcp_conn *c)
{
	tcp_conn_stop(c);
	c->state = TCP_CLOSED;
}

/* tcp_conn_detach: see stack_int.h. */
void tcp_conn_detach(struct tcp_conn *c)
{
	if (!c)
		return;
	tcp_conn_stop(c);
	if (!c->finished)
		c->state = TCP_CLOSED;
	c->flow = NULL;
}

/* tcp_conn_finished: see stack_int.h. */
bool tcp_conn_finished(const struct tcp_conn *c)
{
	return c->finished;
}

/* tcp_conn_stack: see stack_int.h. */
struct stack *tcp_conn_stack(const struct tcp_conn *c)
{
	return c->s;
}

/* A connection failed: fail its flow (which aborts both ends), or, if it
 * has none, just stop it. */
static void conn_fail(struct tcp_conn *c, const char *reason)
{
	if (c->flow) {
		flow_fail(c->flow, reason);
		return;
	}
	c->s->ctr.tcp_conn_failed++;
	tcp_conn_stop(c);
	c->state = TCP_CLOSED;
}

/* Abort and free every connection of s (see stack_int.h). */
void tcp_stack_destroy(struct stack *s)
{
	struct tcp_conn *c = s->conns;
	while (c) {
		struct tcp_conn *next = c->next;
		tcp_conn_stop(c);
		if (c->flow) {
			if (c->flow->cc == c)
				c->flow->cc = NULL;
			if (c->flow->sc == c)
				c->flow->sc = NULL;
		}
		free(c);
		c = next;
	}
	s->conns = NULL;
}
