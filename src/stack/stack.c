/*
 * stack.c — the built-in host stack below TCP: device glue (rx handler,
 * transmit through dev_queue_xmit), Ethernet, ARP, IPv4, IPv6, neighbour
 * discovery, the neighbour table and the named counters.
 *
 * Serves tcp.c (which builds segments and hands them to stack_neigh_output),
 * flow.c (addresses, ports) and, through stack.h, the topology and the CLI.
 *
 * Receive follows Linux's order: the frame must be for us (PACKET_HOST,
 * broadcast or multicast), IPv4's header checksum is always verified (as
 * ip_rcv_core does, whatever ip_summed says), Ethernet padding is trimmed,
 * fragments and other hosts' addresses are dropped, and the TCP checksum is
 * verified unless the device vouched for it: CHECKSUM_UNNECESSARY and
 * CHECKSUM_PARTIAL are trusted, CHECKSUM_NONE (and COMPLETE, which no illan
 * device produces) is summed in software, as tcp_v4_rcv / tcp_v6_rcv do
 * through skb_checksum_init. A bad checksum is TcpInCsumErrors: counted in
 * tcp_bad_checksum and dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev/prof.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"
#include "stack/stack_int.h"

#define ARP_HLEN 28
#define ND_NS 135
#define ND_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_MSG_LEN 32 /* NS/NA with one link-layer address option */

static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

COUNTER_SET_DEFINE(stack_counters, "stack", struct stack_stats, STACK_COUNTERS);

/* ---- small helpers ---------------------------------------------------------- */

uint64_t stack_rand(struct stack *s)
{
	/* xorshift64*: deterministic from cfg.seed */
	uint64_t x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static unsigned addr_len(int family)
{
	return family == 4 ? 4 : 16;
}

const uint8_t *stack_addr(const struct stack *s, int family)
{
	if (family == 4)
		return s->cfg.has_ip4 ? s->cfg.ip4 : NULL;
	if (family == 6)
		return s->cfg.has_ip6 ? s->cfg.ip6 : NULL;
	return NULL;
}

bool stack_csum_ok_for(const struct stack *s, int family)
{
	uint32_t f = s->dev->features;
	return family == 4 ? (f & (NETIF_F_IP_CSUM | NETIF_F_HW_CSUM)) != 0
			   : (f & (NETIF_F_IPV6_CSUM | NETIF_F_HW_CSUM)) != 0;
}

bool stack_tso_ok_for(const struct stack *s, int family)
{
	/* sk_can_gso: TSO for the family, and TSO needs checksum offload */
	uint32_t f = s->dev->features;
	return stack_csum_ok_for(s, family) && (f & (family == 4 ? NETIF_F_TSO : NETIF_F_TSO6)) != 0;
}

void stack_drop(struct stack *s, struct pkt *p, uint64_t *ctr, const char *reason)
{
	(*ctr)++;
	if (s->drop_fn)
		s->drop_fn(s->drop_arg, s, p, reason);
	pkt_free(p);
}

#define DROP(s, p, name) stack_drop((s), (p), &(s)->ctr.name, #name)

static void stack_xmit(struct stack *s, struct pkt *p)
{
	pkt_trace(p, s->trace_tx);
	if (dev_queue_xmit(s->dev, p) != 0)
		s->ctr.tx_errors++;
}

/* ---- neighbours ---------------------------------------------------------------- */

static struct neigh *neigh_find(const struct stack *s, int family, const uint8_t *ip)
{
	for (unsigned i = 0; i < STACK_NEIGH_MAX; i++) {
		const struct neigh *n = &s->neigh[i];
		if (n->state != NEIGH_FREE && n->family == family &&
		    memcmp(n->ip, ip, addr_len(family)) == 0)
			return (struct neigh *)n;
	}
	return NULL;
}

static struct neigh *neigh_new(struct stack *s, int family, const uint8_t *ip)
{
	for (unsigned i = 0; i < STACK_NEIGH_MAX; i++) {
		struct neigh *n = &s->neigh[i];
		if (n->state == NEIGH_FREE) {
			n->family = family;
			memset(n->ip, 0, sizeof n->ip);
			memcpy(n->ip, ip, addr_len(family));
			n->probes = 0;
			n->queue = NULL;
			n->qlen = 0;
			return n;
		}
	}
	return NULL;
}

static void neigh_release(struct stack *s, struct neigh *n)
{
	ev_timer_cancel(s->loop, &n->timer);
	pkt_free_list(n->queue);
	n->queue = NULL;
	n->qlen = 0;
	n->state = NEIGH_FREE;
}

/* Send n's queued packets now that its address is known. */
static void neigh_flush(struct stack *s, struct neigh *n)
{
	struct pkt *q = n->queue;
	n->queue = NULL;
	n->qlen = 0;
	while (q) {
		struct pkt *next = q->next;
		q->next = NULL;
		memcpy(pkt_data(q), n->mac, 6);
		stack_xmit(s, q);
		q = next;
	}
}

/* Learn ip -> mac. create: make an entry if there is none (an ARP request or
 * NS addressed to us, as neigh_event_ns does); otherwise only an existing
 * entry is updated. Static entries are never overwritten. */
static void neigh_update(struct stack *s, int family, const uint8_t *ip, const uint8_t mac[6],
			 bool create)
{
	struct neigh *n = neigh_find(s, family, ip);
	if (!n) {
		if (!create || !(n = neigh_new(s, family, ip)))
			return;
	}
	if (n->state == NEIGH_STATIC)
		return;
	if (n->state == NEIGH_INCOMPLETE) {
		ev_timer_cancel(s->loop, &n->timer);
		s->ctr.neigh_resolved++;
	}
	memcpy(n->mac, mac, 6);
	n->state = NEIGH_REACHABLE;
	neigh_flush(s, n);
}

static void arp_send(struct stack *s, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
		     const uint8_t *tpa)
{
	struct pkt *p = pkt_alloc(s->dev->pool, ETH_HLEN + ARP_HLEN, PKT_HEADROOM);
	if (!p) {
		s->ctr.tx_alloc_fail++;
		return;
	}
	uint8_t *f = pkt_put(p, ETH_HLEN + ARP_HLEN);
	memcpy(f, eth_dst, 6);
	memcpy(f + 6, s->dev->mac, 6);
	hdr_put16(f + 12, ETH_P_ARP);
	uint8_t *a = f + ETH_HLEN;
	hdr_put16(a, 1); /* ARPHRD_ETHER */
	hdr_put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	hdr_put16(a + 6, op);
	memcpy(a + 8, s->dev->mac, 6);
	memcpy(a + 14, s->cfg.ip4, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	p->mac_header = p->data;
	p->protocol = ETH_P_ARP;
	if (op == 1)
		s->ctr.arp_requests_sent++;
	else
		s->ctr.arp_replies_sent++;
	stack_xmit(s, p);
}

/* Build and send an ICMPv6 NS or NA (software checksum: ND is never
 * offloaded). */
static void nd_send(struct stack *s, uint8_t type, const uint8_t *eth_dst, const uint8_t *ip_dst,
		    const uint8_t *target, uint8_t na_flags)
{
	const uint32_t len = ETH_HLEN + 40 + ND_MSG_LEN;
	struct pkt *p = pkt_alloc(s->dev->pool, len, PKT_HEADROOM);
	if (!p) {
		s->ctr.tx_alloc_fail++;
		return;
	}
	uint8_t *f = pkt_put(p, len);
	memset(f, 0, len);
	memcpy(f, eth_dst, 6);
	memcpy(f + 6, s->dev->mac, 6);
	hdr_put16(f + 12, ETH_P_IPV6);
	uint8_t *ip6 = f + ETH_HLEN;
	ip6[0] = 0x60;
	hdr_put16(ip6 + 4, ND_MSG_LEN);
	ip6[6] = IPPROTO_ICMPV6_;
	ip6[7] = 255; /* RFC 4861: hop limit 255 */
	memcpy(ip6 + 8, s->cfg.ip6, 16);
	memcpy(ip6 + 24, ip_dst, 16);
	uint8_t *m = ip6 + 40;
	m[0] = type;
	m[4] = na_flags;
	memcpy(m + 8, target, 16);
	m[24] = type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
	m[25] = 1;
	memcpy(m + 26, s->dev->mac, 6);
	uint16_t c = csum_ipv6_magic(ip6 + 8, ip6 + 24, ND_MSG_LEN, IPPROTO_ICMPV6_,
				     csum_partial(m, ND_MSG_LEN, 0));
	memcpy(m + 2, &c, 2);
	p->mac_header = p->data;
	p->network_header = p->data + ETH_HLEN;
	p->transport_header = p->data + ETH_HLEN + 40;
	p->protocol = ETH_P_IPV6;
	if (type == ND_NS)
		s->ctr.nd_ns_sent++;
	else
		s->ctr.nd_na_sent++;
	stack_xmit(s, p);
}

static void solicited_node(const uint8_t *ip, uint8_t mcast_ip[16], uint8_t mcast_mac[6])
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
	memcpy(mcast_ip, pfx, 13);
	memcpy(mcast_ip + 13, ip + 13, 3);
	mcast_mac[0] = 0x33;
	mcast_mac[1] = 0x33;
	memcpy(mcast_mac + 2, mcast_ip + 12, 4);
}

static void neigh_solicit(struct stack *s, struct neigh *n)
{
	n->probes++;
	if (n->family == 4) {
		static const uint8_t zero[6];
		arp_send(s, 1, mac_bcast, zero, n->ip);
	} else {
		uint8_t mip[16], mmac[6];
		solicited_node(n->ip, mip, mmac);
		nd_send(s, ND_NS, mmac, mip, n->ip, 0);
	}
	ev_timer_arm(s->loop, &n->timer, ev_now(s->loop) + 1000000000ull); /* retrans_time 1 s */
}

static void neigh_timer_fn(struct ev_timer *t)
{
	struct neigh *n = STACK_CONTAINER_OF(t, struct neigh, timer);
	struct stack *s = n->s;
	if (n->state != NEIGH_INCOMPLETE)
		return;
	if (n->probes >= STACK_NEIGH_PROBES) {
		/* as neigh_invalidate: the waiting packets are dropped */
		s->ctr.neigh_failed++;
		neigh_release(s, n);
		return;
	}
	neigh_solicit(s, n);
}

void stack_neigh_output(struct stack *s, int family, const uint8_t *ip, struct pkt *p)
{
	struct neigh *n = neigh_find(s, family, ip);
	if (n && (n->state == NEIGH_REACHABLE || n->state == NEIGH_STATIC)) {
		memcpy(pkt_data(p), n->mac, 6);
		stack_xmit(s, p);
		return;
	}
	if (s->cfg.no_arp || (!n && !(n = neigh_new(s, family, ip)))) {
		s->ctr.neigh_failed++;
		pkt_free(p);
		return;
	}
	p->next = NULL;
	if (n->qlen >= STACK_NEIGH_QLEN) {
		/* as __neigh_event_send: the oldest waiting packet goes */
		struct pkt *old = n->queue;
		n->queue = old->next;
		n->qlen--;
		old->next = NULL;
		pkt_free(old);
		s->ctr.neigh_queue_drops++;
	}
	struct pkt **tail = &n->queue;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	n->qlen++;
	if (n->state == NEIGH_FREE) {
		n->state = NEIGH_INCOMPLETE;
		neigh_solicit(s, n);
	}
}

/* Add a static neighbour (see stack.h). */
int stack_add_neighbour(struct stack *s, int family, const uint8_t *ip, const uint8_t mac[6])
{
	if (family != 4 && family != 6)
		return -EINVAL;
	struct neigh *n = neigh_find(s, family, ip);
	if (!n && !(n = neigh_new(s, family, ip)))
		return -ENOSPC;
	ev_timer_cancel(s->loop, &n->timer);
	memcpy(n->mac, mac, 6);
	n->state = NEIGH_STATIC;
	neigh_flush(s, n);
	return 0;
}

/* Look up a resolved neighbour (see stack.h). */
bool stack_lookup_neighbour(const struct stack *s, int family, const uint8_t *ip, uint8_t mac[6])
{
	if (family != 4 && family != 6)
		return false;
	const struct neigh *n = neigh_find(s, family, ip);
	if (!n || (n->state != NEIGH_REACHABLE && n->state != NEIGH_STATIC))
		return false;
	memcpy(mac, n->mac, 6);
	return true;
}

/* ---- receive ---------------------------------------------------------------- */

static void arp_rcv(struct stack *s, struct pkt *p, const uint8_t *f, uint32_t len)
{
	if (len < ETH_HLEN + ARP_HLEN) {
		DROP(s, p, arp_malformed);
		return;
	}
	const uint8_t *a = f + ETH_HLEN;
	uint16_t op = hdr_get16(a + 6);
	if (hdr_get16(a) != 1 || hdr_get16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4 ||
	    (op != 1 && op != 2)) {
		DROP(s, p, arp_malformed);
		return;
	}
	s->ctr.arp_rx++;
	if (s->cfg.has_ip4 && !s->cfg.no_arp) {
		const uint8_t *sha = a + 8, *spa = a + 14, *tpa = a + 24;
		if (memcmp(tpa, s->cfg.ip4, 4) == 0) {
			neigh_update(s, 4, spa, sha, true);
			if (op == 1)
				arp_send(s, 2, sha, sha, spa);
		} else {
			neigh_update(s, 4, spa, sha, false);
		}
	}
	pkt_free(p);
}

/* ND options: find a link-layer address option of type `type`. */
static const uint8_t *nd_find_lladdr(const uint8_t *opt, uint32_t len, uint8_t type)
{
	uint32_t i = 0;
	while (i + 2 <= len) {
		uint32_t olen = (uint32_t)opt[i + 1] * 8;
		if (olen == 0 || i + olen > len)
			return NULL; /* RFC 4861: length 0 is invalid */
		if (opt[i] == type && olen >= 8)
			return opt + i + 2;
		i += olen;
	}
	return NULL;
}

static void icmp6_rcv(struct stack *s, struct pkt *p, const uint8_t *f, const struct hdr_info *h)
{
	const uint8_t *ip6 = f + h->l3_off;
	uint32_t off = h->l3_off + h->l3_hlen;
	uint32_t end = h->l3_off + h->l3_tot_len;
	if (end < off + 4) {
		DROP(s, p, icmp6_malformed);
		return;
	}
	const uint8_t *m = f + off;
	uint32_t mlen = end - off;
	if (p->ip_summed != CHECKSUM_UNNECESSARY && p->ip_summed != CHECKSUM_PARTIAL &&
	    csum_ipv6_magic(ip6 + 8, ip6 + 24, mlen, IPPROTO_ICMPV6_, csum_partial(m, mlen, 0)) != 0) {
		DROP(s, p, icmp6_bad_checksum);
		return;
	}
	if (m[0] != ND_NS && m[0] != ND_NA) {
		DROP(s, p, icmp6_unhandled);
		return;
	}
	/* RFC 4861 7.1.1/7.1.2 validity: hop limit 255, code 0, length >= 24 */
	if (ip6[7] != 255 || m[1] != 0 || mlen < 24) {
		DROP(s, p, icmp6_malformed);
		return;
	}
	s->ctr.nd_rx++;
	const uint8_t *target = m + 8;
	static const uint8_t unspec[16];
	if (!s->cfg.no_arp && m[0] == ND_NS) {
		if (memcmp(target, s->cfg.ip6, 16) != 0 || memcmp(ip6 + 8, unspec, 16) == 0) {
			pkt_free(p); /* not for us, or DAD (we do none) */
			return;
		}
		const uint8_t *ll = nd_find_lladdr(m + 24, mlen - 24, ND_OPT_SLLA);
		const uint8_t *reply_mac = ll ? ll : f + 6;
		if (ll)
			neigh_update(s, 6, ip6 + 8, ll, true);
		nd_send(s, ND_NA, reply_mac, ip6 + 8, s->cfg.ip6, 0x60 /* Solicited|Override */);
	} else if (!s->cfg.no_arp) {
		const uint8_t *ll = nd_find_lladdr(m + 24, mlen - 24, ND_OPT_TLLA);
		neigh_update(s, 6, target, ll ? ll : f + 6, false);
	}
	pkt_free(p);
}

/* Checksum validation as tcp_v4_rcv/tcp_v6_rcv (skb_checksum_init): returns
 * true if the TCP checksum is good or was vouched for by the device. */
static bool tcp_csum_valid(const struct pkt *p)
{
	switch (p->ip_summed) {
	case CHECKSUM_UNNECESSARY: /* the device verified it (csum_level 0 = TCP) */
	case CHECKSUM_PARTIAL:     /* from a Linux on the same host: never on a wire */
		return true;
	default: /* NONE; COMPLETE modelled as NONE */
		return pkt_l4_csum_ok(p);
	}
}

static void tcp_input(struct stack *s, struct pkt *p, const uint8_t *f, const struct hdr_info *h,
		      int family)
{
	if (h->l4_off == 0 || h->l4_hlen < 20) {
		DROP(s, p, tcp_malformed);
		return;
	}
	p->mac_header = p->data;
	p->network_header = p->data + h->l3_off;
	p->transport_header = p->data + h->l4_off;
	p->protocol = h->ethertype;
	if (!tcp_csum_valid(p)) {
		DROP(s, p, tcp_bad_checksum);
		return;
	}
	uint32_t end = h->l3_off + h->l3_tot_len;
	uint32_t poff = h->l4_off + h->l4_hlen;
	if (end < poff) {
		DROP(s, p, tcp_malformed);
		return;
	}
	const uint8_t *th = f + h->l4_off;
	const uint8_t *ip = f + h->l3_off;
	struct tcp_seg seg = {
		.family = family,
		.saddr = family == 4 ? ip + 12 : ip + 8,
		.daddr = family == 4 ? ip + 16 : ip + 24,
		.sport = hdr_get16(th),
		.dport = hdr_get16(th + 2),
		.seq = hdr_get32(th + 4),
		.ack = hdr_get32(th + 8),
		.flags = th[13],
		.wnd = hdr_get16(th + 14),
		.opts = th + 20,
		.optlen = h->l4_hlen - 20u,
		.payload = f + poff,
		.plen = end - poff,
		.gso_size = pkt_is_gso(p) ? p->gso_size : 0,
	};
	s->ctr.tcp_rx_segments++;
	if (pkt_is_gso(p))
		s->ctr.tcp_rx_gso++;
	tcp_rcv(s, p, &seg);
}

static void ip4_rcv(struct stack *s, struct pkt *p, const uint8_t *f, uint32_t len,
		    const struct hdr_info *h)
{
	const uint8_t *iph = f + h->l3_off;
	/* ip_rcv_core verifies the header checksum whatever ip_summed says */
	if (ip_fast_csum(iph, h->l3_hlen / 4u) != 0) {
		DROP(s, p, ip_bad_checksum);
		return;
	}
	uint32_t end = h->l3_off + h->l3_tot_len;
	if (len > end && pkt_trim(p, end) != 0) { /* Ethernet padding */
		DROP(s, p, rx_nomem);
		return;
	}
	if (h->is_fragment) {
		DROP(s, p, ip_frag_drop);
		return;
	}
	if (!s->cfg.has_ip4 || memcmp(iph + 16, s->cfg.ip4, 4) != 0) {
		DROP(s, p, ip_not_ours);
		return;
	}
	if (h->l4_proto != IPPROTO_TCP_) {
		DROP(s, p, ip_unknown_proto);
		return;
	}
	tcp_input(s, p, f, h, 4);
}

static void ip6_rcv(struct stack *s, struct pkt *p, const uint8_t *f, uint32_t len,
		    const struct hdr_info *h)
{
	const uint8_t *ip6 = f + h->l3_off;
	const uint8_t *dst = ip6 + 24;
	uint8_t snm_ip[16], snm_mac[6];
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	bool ours = s->cfg.has_ip6 && memcmp(dst, s->cfg.ip6, 16) == 0;
	bool mcast = false;
	if (s->cfg.has_ip6 && !ours) {
		solicited_node(s->cfg.ip6, snm_ip, snm_mac);
		mcast = memcmp(dst, snm_ip, 16) == 0 || memcmp(dst, all_nodes, 16) == 0;
	}
	if (!ours && !mcast) {
		DROP(s, p, ip_not_ours);
		return;
	}
	uint32_t end = h->l3_off + h->l3_tot_len;
	if (len > end && pkt_trim(p, end) != 0) {
		DROP(s, p, rx_nomem);
		return;
	}
	if (h->is_fragment) {
		DROP(s, p, ip_frag_drop);
		return;
	}
	if (h->l4_proto == IPPROTO_ICMPV6_) {
		icmp6_rcv(s, p, f, h);
		return;
	}
	if (h->l4_proto != IPPROTO_TCP_ || !ours) {
		DROP(s, p, ip_unknown_proto);
		return;
	}
	tcp_input(s, p, f, h, 6);
}

/* The profiler section of receive (charged by netdev_receive), ACKs sent in
 * answer excepted (tcp.c charges them to "stack tx"). */
static struct prof_section stack_rx_prof = PROF_SECTION_INIT("stack rx");

/* The rx handler. */
static void stack_rx(void *arg, struct netdev *dev, struct pkt *p)
{
	struct stack *s = arg;
	(void)dev;
	s->ctr.rx_frames++;
	pkt_trace(p, s->trace_rx);
	if (pkt_is_nonlinear(p)) {
		/* GRO packets (page fragments, frag_list) are flattened once
		 * (headers and payload contiguous). */
		if (pkt_linearize(p) != 0) {
			DROP(s, p, rx_nomem);
			return;
		}
		s->ctr.rx_linearized++;
	}
	const uint8_t *f = pkt_data(p);
	uint32_t len = pkt_headlen(p);
	if (len < ETH_HLEN) {
		DROP(s, p, rx_malformed);
		return;
	}
	if (!(f[0] & 1) && memcmp(f, s->dev->mac, 6) != 0) {
		DROP(s, p, rx_other_host);
		return;
	}
	struct hdr_info h;
	if (hdr_parse(f, len, &h) != 0) {
		DROP(s, p, rx_malformed);
		return;
	}
	if (h.n_vlans) {
		DROP(s, p, rx_vlan_drop);
		return;
	}
	switch (h.ethertype) {
	case ETH_P_ARP:
		arp_rcv(s, p, f, len);
		break;
	case ETH_P_IP:
		if (h.l3_off == 0 || h.ip_version != 4)
			DROP(s, p, rx_malformed);
		else
			ip4_rcv(s, p, f, len, &h);
		break;
	case ETH_P_IPV6:
		if (h.l3_off == 0 || h.ip_version != 6)
			DROP(s, p, rx_malformed);
		else
			ip6_rcv(s, p, f, len, &h);
		break;
	default:
		DROP(s, p, rx_unknown_ethertype);
		break;
	}
}

/* ---- lifecycle ------------------------------------------------------------------ */

/* Create a stack on dev (see stack.h). */
struct stack *stack_create(struct ev_loop *loop, const char *name, struct netdev *dev,
			   const struct stack_config *cfg)
{
	if (!loop || !dev || !dev->pool || !cfg || (!cfg->has_ip4 && !cfg->has_ip6) ||
	    (cfg->has_ip4 && cfg->prefix4 > 32) || (cfg->has_ip6 && cfg->prefix6 > 128))
		return NULL;
	struct stack *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	snprintf(s->name, sizeof s->name, "%s", name ? name : dev->name);
	snprintf(s->trace_tx, sizeof s->trace_tx, "%s:tx", s->name);
	snprintf(s->trace_rx, sizeof s->trace_rx, "%s:rx", s->name);
	s->loop = loop;
	s->dev = dev;
	s->cfg = *cfg;
	struct stack_config *c = &s->cfg;
	if (!c->rcv_wnd)
		c->rcv_wnd = 262144;
	if (c->rcv_wnd > (65535u << 14))
		c->rcv_wnd = 65535u << 14;
	if (!c->syn_retries)
		c->syn_retries = 6;
	if (!c->synack_retries)
		c->synack_retries = 5;
	if (!c->retries2)
		c->retries2 = 15;
	if (!c->rto_init_ns)
		c->rto_init_ns = 1000000000ull;
	if (!c->rto_min_ns)
		c->rto_min_ns = 200000000ull;
	if (!c->rto_max_ns)
		c->rto_max_ns = 120000000000ull;
	if (!c->time_wait_ns)
		c->time_wait_ns = 60000000000ull;
	if (!c->init_cwnd)
		c->init_cwnd = 10;
	s->rng = cfg->seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	for (const char *q = s->name; *q; q++)
		s->rng = (s->rng ^ (uint8_t)*q) * 0x100000001B3ull;
	if (!s->rng)
		s->rng = 1;
	s->next_port = (uint16_t)(32768 + stack_rand(s) % 28232); /* ip_local_port_range */
	for (unsigned i = 0; i < STACK_NEIGH_MAX; i++) {
		s->neigh[i].s = s;
		ev_timer_init(&s->neigh[i].timer, neigh_timer_fn);
	}
	if (c->has_ip6) {
		uint8_t mip[16], mmac[6];
		static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
		solicited_node(c->ip6, mip, mmac);
		netdev_mc_add(dev, mmac);
		netdev_mc_add(dev, all_nodes_mac);
	}
	netdev_set_rx_handler(dev, stack_rx, s);
	netdev_set_rx_prof(dev, &stack_rx_prof);
	return s;
}

/* Destroy a stack (see stack.h). */
void stack_destroy(struct stack *s)
{
	if (!s)
		return;
	if (s->dev->rx_handler_arg == s)
		netdev_set_rx_handler(s->dev, NULL, NULL);
	flow_stack_destroy(s);
	tcp_stack_destroy(s);
	for (unsigned i = 0; i < STACK_NEIGH_MAX; i++)
		neigh_release(s, &s->neigh[i]);
	free(s);
}

const char *stack_name(const struct stack *s)
{
	return s->name;
}
struct netdev *stack_dev(const struct stack *s)
{
	return s->dev;
}

void stack_set_drop_hook(struct stack *s, stack_drop_fn fn, void *arg)
{
	s->drop_fn = fn;
	s->drop_arg = arg;
}

/* Look up a counter by name (see stack.h). */
bool stack_get_counter(const struct stack *s, const char *name, uint64_t *value)
{
	const struct counter_desc *d = counter_set_find(&stack_counters, name);
	if (!d)
		return false;
	*value = counter_get(&s->ctr, d);
	return true;
}

/* stack_for_each_counter: see stack.h. */
void stack_for_each_counter(const struct stack *s, counter_visit_fn *fn, void *arg)
{
	counter_set_visit(&stack_counters, &s->ctr, fn, arg);
}
