/*
 * trace.c — the hop recorder and drop explainer (see trace.h).
 *
 * The record table is a direct-mapped cache of recent packets keyed by a hash
 * of (5-tuple, seq, flags): a new packet in a slot overwrites the old one, so
 * memory is fixed and the hook stays cheap on the data path.
 */
#include "trace.h"

#include <assert.h>
#include <inttypes.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "ev/counter.h"
#include "ev/ev.h"
#include "hv/hv.h"
#include "hv/papr.h"
#include "net/netdev.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"
#include "pcapng.h"
#include "stack/stack.h"

#define TRACE_SLOTS 4096
#define TRACE_HOPS 16
#define TRACE_FLOWS 16
#define TRACE_PCAPS 24
#define TRACE_RING 64  /* suspect deliveries kept per watched device */
#define TRACE_HOSTS 64 /* addresses named for real mode's labels */

struct trace_key {
	uint8_t family;
	uint8_t flags; /* SYN|FIN|RST|ACK */
	uint16_t sport, dport;
	uint8_t saddr[16], daddr[16];
	uint16_t zero; /* always 0: the key has no padding, so it is hashed and
			* compared as bytes (key_hash, key_equal) */
	uint32_t seq;
};
static_assert(sizeof(struct trace_key) == 44, "struct trace_key must have no padding");
static_assert(sizeof(struct trace_key) == 5 * sizeof(uint64_t) + sizeof(uint32_t),
	      "key_hash reads the key as five words and a tail");

static bool key_equal(const struct trace_key *a, const struct trace_key *b)
{
	return a->family == b->family && a->flags == b->flags && a->sport == b->sport &&
	       a->dport == b->dport && a->seq == b->seq && !memcmp(a->saddr, b->saddr, 16) &&
	       !memcmp(a->daddr, b->daddr, 16);
}

/* A hop as recorded on the data path: names are built only when a hop is
 * printed or a drop explained, so the hook stays cheap. */
struct raw_hop {
	const char *where; /* the layer's trace point (a string literal) */
	const struct netdev *dev;
	uint8_t ip_summed;
	bool frag_list;
	uint16_t csum_field;
	uint16_t gso_size;
	uint32_t len;
	uint64_t t_ns; /* trace_now when recorded */
	/* What the hypervisor saw of the frame at this hop (trace_observe_hv):
	 * HOP_DESC_SEND, a send's first descriptor flags and the mss register;
	 * HOP_DESC_RXQ, a receive-queue entry's flags and, for LRG_PKT, the mss
	 * in the buffer; HOP_DESC_NONE: not an ILLAN hop, or not seen. */
	uint8_t desc_kind;
	uint16_t desc_mss;
	uint32_t desc_flags;
};

enum { HOP_DESC_NONE, HOP_DESC_SEND, HOP_DESC_RXQ };

/* A packet's history. The hook resets a reused slot field by field (not
 * the hops): a new field here must be reset there too. */
struct trace_rec {
	struct trace_key key;
	bool used;
	bool printed;  /* selected: one of the first packets (or first GSO ones) of its flow */
	bool ack_only; /* a pure ACK: to pcap when selected, never to the text trace */
	unsigned n_hops;
	struct raw_hop hops[TRACE_HOPS];
	/* the receive-queue entry the hypervisor wrote for this packet, kept
	 * for its next "<dev> rx" hop (the driver's poll comes later) */
	bool rxq_pending;
	uint16_t rxq_mss;
	uint32_t rxq_flags;
};

struct trace_flow {
	char name[96];
	uint8_t family;
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	unsigned seen[2];     /* packets of each direction selected for trace/pcap */
	unsigned seen_gso[2]; /* GSO or frag_list packets selected, per direction */
	unsigned seen_ack[2]; /* pure ACKs selected (pcap only), per direction */
	uint64_t acks[2];     /* pure-ACK hops not printed, per direction */
};

/* A packet a watched device transmitted into a kernel, with its history
 * then (the slot in the record table may be reused before the kernel's
 * counter is read). */
struct trace_delivery {
	struct trace_rec rec;
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	bool done;     /* examined by trace_kernel_drops */
};

struct trace_watch {
	const struct netdev *dev;
	char kernel[32], display[32];
	struct trace_delivery ring[TRACE_RING];
	unsigned next; /* the slot the next delivery takes */
	uint64_t n_pushed;
};

struct trace_host {
	uint8_t family;
	uint8_t addr[16];
	char name[32];
};

#define TRACE_COMMENT_MAX 400

/* A "<dev> tx" hop held back from the text trace and the pcap file until
 * the hypervisor's observer sees the send it leads to (its descriptor flags
 * then complete the line and the comment), or until anything else is
 * written: the output keeps the order of events. */
struct trace_pending {
	bool active, text, pcap;
	struct trace_key key;
	struct raw_hop hop;
	char where[48];
	char comment[TRACE_COMMENT_MAX];
	uint64_t t_pcap;
	uint32_t n, len; /* bytes held in frame, the frame's length */
	bool partial;    /* CHECKSUM_PARTIAL */
	uint8_t *frame;  /* 64 KiB, allocated with the recorder when it writes pcaps */
};

struct trace_pcap {
	char where[48];
	struct pcapng *w;
	/* CHECKSUM_PARTIAL frames (1-based numbers, as tshark counts): their
	 * checksum field holds the pseudo-header sum, by design */
	unsigned n_partial, first_partial, last_partial;
};

struct trace {
	FILE *out;
	char pcap_dir[256];
	unsigned first_n;
	struct trace_rec *recs;
	struct trace_flow flows[TRACE_FLOWS];
	unsigned n_flows;
	struct trace_pcap pcaps[TRACE_PCAPS];
	unsigned n_pcaps;
	char ep_stack[3][16], ep_display[3][24];
	unsigned n_eps;
	struct trace_explanation expl[TRACE_MAX_EXPLAIN];
	unsigned n_expl;
	uint64_t n_expl_lost; /* drops of kinds beyond TRACE_MAX_EXPLAIN */
	bool pcap_warned;
	trace_listener_fn *listener;
	void *listener_arg;
	struct trace_watch *watches[TRACE_WATCHES];
	unsigned n_watches;
	struct trace_host hosts[TRACE_HOSTS];
	unsigned n_hosts;
	const struct ev_loop *clock; /* trace_set_clock; NULL: the real-time clock */
	uint64_t t0_ns;              /* the clock at trace_set_clock or trace_create */
	bool auto_flows;             /* trace_auto_flows: a client's SYN names a flow */
	/* pure ACKs (no payload, no SYN/FIN/RST) are not printed, only counted
	 * per flow direction: they would drown the packets that matter */
	uint64_t acks_hidden;
	bool header_done;
	struct trace_pending pend;
	struct hv *hv; /* trace_observe_hv: the hypervisor whose observer we are */
};

static const char *summed_name(uint8_t s)
{
	static const char *const names[] = {"NONE", "UNNECESSARY", "COMPLETE", "PARTIAL"};
	return s < 4 ? names[s] : "?";
}

/* Parse the TCP key out of a frame of len bytes, the first avail of them at
 * d (from the MAC header). Returns the transport offset, or 0 if the frame
 * is not TCP over IPv4/IPv6. */
static uint32_t key_of_bytes(const uint8_t *d, uint32_t avail, uint32_t len, struct trace_key *k,
			     struct hdr_info *h)
{
	if (hdr_parse_head(d, avail, len, h) || !h->l4_off || h->l4_proto != IPPROTO_TCP_)
		return 0;
	memset(k, 0, sizeof(*k));
	k->family = h->ip_version;
	const uint8_t *l3 = d + h->l3_off, *l4 = d + h->l4_off;
	if (h->ip_version == 4) {
		memcpy(k->saddr, l3 + 12, 4);
		memcpy(k->daddr, l3 + 16, 4);
	} else {
		memcpy(k->saddr, l3 + 8, 16);
		memcpy(k->daddr, l3 + 24, 16);
	}
	k->sport = hdr_get16(l4);
	k->dport = hdr_get16(l4 + 2);
	k->seq = hdr_get32(l4 + 4);
	k->flags = l4[13] & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK);
	return h->l4_off;
}

/* key_of_bytes over a packet whose data is at the MAC header. */
static uint32_t key_of(const struct pkt *p, struct trace_key *k, struct hdr_info *h)
{
	return key_of_bytes(pkt_data(p), pkt_headlen(p), p->len, k, h);
}

/* The key's slot: its 44 bytes (no padding, see struct trace_key) read as
 * five 64-bit words and the 32-bit tail, each folded in with a
 * multiply-xorshift round. The hook runs this on every hop of every packet
 * (each segment's seq makes a new key), so it works a word at a time, not
 * a byte. */
static uint32_t key_hash(const struct trace_key *k)
{
	uint64_t w[5];
	uint32_t tail;
	memcpy(w, k, sizeof(w));
	memcpy(&tail, (const uint8_t *)k + sizeof(w), sizeof(tail));
	uint64_t h = tail ^ 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < 5; i++) {
		h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h >> 32) % TRACE_SLOTS;
}

/* The plain words for an endpoint's drop reason: the stack counter of that
 * name (its list, stack.h, carries the phrase). */
static const struct counter_desc *phrase_of(const char *name)
{
	const struct counter_desc *d = counter_set_find(&stack_counters, name);
	return d && d->drop ? d : NULL;
}

static struct trace *current;

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Time since the trace began, in nanoseconds: on the loop's clock (the
 * virtual one in embedded mode) after trace_set_clock, else real time. */
static uint64_t trace_now(const struct trace *tr)
{
	return (tr->clock ? ev_now(tr->clock) : realtime_ns()) - tr->t0_ns;
}

/* A frame's pcap timestamp: the virtual clock from 0 in embedded mode, the
 * real time of day (since the epoch) in real mode. */
static uint64_t pcap_time(const struct trace *tr)
{
	return tr->clock ? trace_now(tr) : realtime_ns();
}

static struct trace_pcap *pcap_for(struct trace *tr, const char *where)
{
	for (unsigned i = 0; i < tr->n_pcaps; i++)
		if (strcmp(tr->pcaps[i].where, where) == 0)
			return &tr->pcaps[i];
	if (tr->n_pcaps == TRACE_PCAPS)
		return NULL;
	char path[400], name[48];
	snprintf(name, sizeof(name), "%s", where);
	for (char *c = name; *c; c++)
		if (*c == ' ' || *c == '/')
			*c = '_';
	snprintf(path, sizeof(path), "%s/%s.pcapng", tr->pcap_dir, name);
	struct pcapng *w = pcapng_open(path, where, "illan " ILLAN_VERSION);
	if (!w) {
		if (!tr->pcap_warned)
			fprintf(stderr, "illan: cannot write %s: %s\n", path, strerror(errno));
		tr->pcap_warned = true;
		return NULL;
	}
	struct trace_pcap *pc = &tr->pcaps[tr->n_pcaps++];
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->where, sizeof(pc->where), "%s", where);
	pc->w = w;
	return pc;
}

static const char *gso_type_name(uint32_t t)
{
	if (t & PKT_GSO_TCPV4)
		return t & PKT_GSO_DODGY ? "tcpv4|dodgy" : "tcpv4";
	if (t & PKT_GSO_TCPV6)
		return t & PKT_GSO_DODGY ? "tcpv6|dodgy" : "tcpv6";
	return t ? "other" : "none";
}

/* The frame's offload state at this hop, as its pcapng comment. csum_start
 * is given from the frame's first byte (the kernel's is from skb->head). */
static void offload_comment(const struct pkt *p, const char *where, char *buf, size_t size)
{
	size_t off =
		(size_t)snprintf(buf, size, "%s: ip_summed=%s", where, summed_name(p->ip_summed));
	if (p->ip_summed == CHECKSUM_PARTIAL && off < size)
		off += (size_t)snprintf(buf + off, size - off,
					" csum_start=%u csum_offset=%u (the TCP checksum field "
					"holds the pseudo-header sum, by design: not bad)",
					p->csum_start - p->data, p->csum_offset);
	if (off < size)
		off += (size_t)snprintf(buf + off, size - off, " gso_size=%u gso_type=%s",
					p->gso_size, gso_type_name(p->gso_type));
	if (off < size)
		snprintf(buf + off, size - off, " frag_list=%s len=%u%s", p->frag_list ? "yes" : "no",
			 p->len, p->len > 65535 ? " (cut to 65535 bytes)" : "");
}

/* The ILLAN flags the hypervisor saw at a hop, in the words of papr.h, as
 * " desc=VALID|NO_CSUM|CSUM_GOOD|LRG_SND mss=1448" (a send) or
 * " rxq=VALID|CSUM_GOOD|LRG_PKT mss=1448" (a receive-queue entry); "" when
 * none. The entry's TOGGLE is left out: it says where the ring is, not what
 * the frame is. */
static void desc_text(const struct raw_hop *h, char *buf, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} send_bits[] = {{IBMVETH_BUF_VALID, "VALID"},
			 {IBMVETH_BUF_TOGGLE, "TOGGLE"},
			 {IBMVETH_BUF_NO_CSUM, "NO_CSUM"},
			 {IBMVETH_BUF_CSUM_GOOD, "CSUM_GOOD"},
			 {IBMVETH_BUF_LRG_SND, "LRG_SND"}},
	  rxq_bits[] = {{IBMVETH_RXQ_VALID, "VALID"},
			{IBMVETH_RXQ_NO_CSUM, "NO_CSUM"},
			{IBMVETH_RXQ_CSUM_GOOD, "CSUM_GOOD"},
			{IBMVETH_RXQ_LRG_PKT, "LRG_PKT"}};
	buf[0] = 0;
	if (h->desc_kind == HOP_DESC_NONE)
		return;
	bool send = h->desc_kind == HOP_DESC_SEND;
	size_t off = (size_t)snprintf(buf, size, " %s=", send ? "desc" : "rxq");
	unsigned n = send ? 5 : 4, named = 0;
	for (unsigned i = 0; i < n && off < size; i++) {
		uint32_t bit = send ? send_bits[i].bit : rxq_bits[i].bit;
		if (h->desc_flags & bit)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", named++ ? "|" : "",
						send ? send_bits[i].name : rxq_bits[i].name);
	}
	if (!named && off < size)
		off += (size_t)snprintf(buf + off, size - off, "none");
	if (h->desc_mss && off < size)
		snprintf(buf + off, size - off, " mss=%u", h->desc_mss);
}

/* Write one frame to the pcap file of where. */
static void pcap_emit(struct trace *tr, const char *where, uint64_t t, const uint8_t *bytes,
		      uint32_t n, uint32_t len, const char *comment, bool partial)
{
	struct trace_pcap *pc = pcap_for(tr, where);
	if (!pc)
		return;
	if (pcapng_write(pc->w, t, bytes, n, len, comment) && !tr->pcap_warned) {
		fprintf(stderr, "illan: cannot write the pcap of %s\n", where);
		tr->pcap_warned = true;
	}
	if (partial) {
		unsigned num = (unsigned)pcapng_count(pc->w);
		if (!pc->n_partial++)
			pc->first_partial = num;
		pc->last_partial = num;
	}
}

static void pending_flush(struct trace *tr);

/* Write p as it is at hop where to its pcap file (hop: its record, for the
 * flags the hypervisor saw). */
static void pcap_write(struct trace *tr, const struct pkt *p, const char *where,
		       const struct raw_hop *hop)
{
	static uint8_t buf[65536];
	pending_flush(tr);
	uint32_t n = p->len < sizeof(buf) ? p->len : (uint32_t)sizeof(buf);
	if (pkt_copy_bits(p, 0, buf, n))
		return;
	char comment[TRACE_COMMENT_MAX], dtext[80];
	offload_comment(p, where, comment, sizeof(comment));
	desc_text(hop, dtext, sizeof(dtext));
	size_t used = strlen(comment);
	snprintf(comment + used, sizeof(comment) - used, "%s", dtext);
	pcap_emit(tr, where, pcap_time(tr), buf, n, p->len, comment,
		  p->ip_summed == CHECKSUM_PARTIAL);
}

/* Which named flow and direction a key belongs to: returns the flow or NULL;
 * *dir = 0 for a→b. */
static struct trace_flow *flow_of(struct trace *tr, const struct trace_key *k, int *dir)
{
	size_t alen = k->family == 4 ? 4 : 16;
	for (unsigned i = 0; i < tr->n_flows; i++) {
		struct trace_flow *f = &tr->flows[i];
		if (f->family != k->family)
			continue;
		if (!memcmp(f->a, k->saddr, alen) && !memcmp(f->b, k->daddr, alen) &&
		    f->pa == k->sport && f->pb == k->dport) {
			*dir = 0;
			return f;
		}
		if (!memcmp(f->b, k->saddr, alen) && !memcmp(f->a, k->daddr, alen) &&
		    f->pb == k->sport && f->pa == k->dport) {
			*dir = 1;
			return f;
		}
	}
	return NULL;
}

/* What the packet is; dir 1 (the server's side): a SYN is a SYN-ACK. */
static const char *what_of(const struct trace_key *k, int dir)
{
	if (k->flags & TCP_SYN)
		return dir == 1 ? "SYN-ACK" : "SYN";
	if (k->flags & TCP_FIN)
		return "FIN";
	if (k->flags & TCP_RST)
		return "RST";
	return "segment";
}

/* One naming scheme for every hop: "<device> rx" (netdev_receive),
 * "<device> tx" (dev_queue_xmit), "bridge upcall", "<device> stack rx|tx"
 * (an endpoint's TCP/IP stack; "<stack> stack tx" before the packet is on a
 * device), and "<device> <step>" for a step inside a layer (e.g. "trunk-out
 * checksum_help"); a step on no device yet keeps the step's name alone. */
static const char *hop_name(const struct netdev *dev, const char *where, char *buf, size_t size)
{
	const char *colon = strchr(where, ':');
	bool stack_point = colon && (strcmp(colon, ":tx") == 0 || strcmp(colon, ":rx") == 0);
	if (dev && strcmp(where, "netdev_receive") == 0)
		snprintf(buf, size, "%s rx", dev->name);
	else if (dev && strcmp(where, "dev_queue_xmit") == 0)
		snprintf(buf, size, "%s tx", dev->name);
	else if (strcmp(where, "br_upcall") == 0)
		snprintf(buf, size, "bridge upcall");
	else if (stack_point)
		snprintf(buf, size, "%.*s stack %s",
			 dev ? (int)strlen(dev->name) : (int)(colon - where),
			 dev ? dev->name : where, colon + 1);
	else if (dev)
		snprintf(buf, size, "%s %s", dev->name, where);
	else
		return where;
	return buf;
}

/* The named form of a recorded hop. */
static void name_hop(const struct raw_hop *r, struct trace_hop *h)
{
	char buf[48];
	snprintf(h->where, sizeof(h->where), "%s", hop_name(r->dev, r->where, buf, sizeof(buf)));
	h->ip_summed = r->ip_summed;
	h->csum_field = r->csum_field;
	h->gso_size = r->gso_size;
	h->frag_list = r->frag_list;
	h->len = r->len;
}

/* The text trace opens with what it holds and the names of its columns. */
static void print_header(struct trace *tr)
{
	if (tr->header_done)
		return;
	tr->header_done = true;
	fprintf(tr->out,
		"# illan trace: the first %u packets of each flow direction (and the first %u "
		"GSO or frag_list ones), every hop;\n"
		"# time: seconds %s; hop: DEVICE rx|tx, "
		"DEVICE stack rx|tx, DEVICE STEP,\n# or STEP alone while the packet is on no device; "
		"what: SYN, SYN-ACK, FIN, RST or data\n"
		"# pure ACKs are counted at the end, not listed; DROP lines explain a loss\n"
		"# an ILLAN hop ends with the flags the hypervisor saw: desc= the send "
		"descriptor's (tx), rxq= the receive-queue entry's (rx)\n",
		tr->first_n, tr->first_n,
		tr->clock ? "on the virtual clock from the run's start"
			  : "of real time from the start of the trace");
	fprintf(tr->out, "# %-12s %-8s %-5s %-7s %-14s %-26s %-22s %-11s %-14s %-13s %s\n",
		"time_s", "flow", "dir", "what", "seq", "hop", "ip_summed", "csum", "gso_size",
		"frag_list", "len");
}

/* One line of the text trace: the packet keyed k at hop raw. */
static void hop_line(struct trace *tr, const struct trace_key *k, const struct raw_hop *raw)
{
	struct trace_hop named, *hp = &named;
	name_hop(raw, &named);
	int dir = 0;
	struct trace_flow *f = flow_of(tr, k, &dir);
	char dtext[80];
	desc_text(raw, dtext, sizeof(dtext));
	print_header(tr);
	fprintf(tr->out,
		"%14.9f %-8s %-5s %-7s seq=%-10u %-26s ip_summed=%-12s csum=0x%04x gso_size=%-5u "
		"frag_list=%-3s len=%u%s\n",
		(double)raw->t_ns / 1e9, f ? f->name : "-", dir ? "reply" : "fwd",
		(k->flags & ~TCP_ACK) ? what_of(k, dir) : "data", k->seq, hp->where,
		summed_name(hp->ip_summed), hp->csum_field, hp->gso_size,
		hp->frag_list ? "yes" : "no", hp->len, dtext);
}

/* Write the held "<dev> tx" hop, with the send's flags if the hypervisor's
 * observer saw them. */
static void pending_flush(struct trace *tr)
{
	struct trace_pending *pd = &tr->pend;
	if (!pd->active)
		return;
	pd->active = false;
	if (pd->text)
		hop_line(tr, &pd->key, &pd->hop);
	if (pd->pcap) {
		char comment[TRACE_COMMENT_MAX + 80], dtext[80];
		desc_text(&pd->hop, dtext, sizeof(dtext));
		snprintf(comment, sizeof(comment), "%s%s", pd->comment, dtext);
		pcap_emit(tr, pd->where, pd->t_pcap, pd->frame, pd->n, pd->len, comment, pd->partial);
	}
}

/* Hold back the "<dev> tx" hop hp of r (packet p) for the text trace (text)
 * and the pcap file of where (pcap), until the send it leads to. */
static void pending_hold(struct trace *tr, const struct trace_rec *r, const struct raw_hop *hp,
			 const struct pkt *p, const char *where, bool text, bool pcap)
{
	struct trace_pending *pd = &tr->pend;
	pending_flush(tr);
	pd->key = r->key;
	pd->hop = *hp;
	pd->text = text;
	pd->pcap = pcap && pd->frame;
	if (pd->pcap) {
		pd->n = p->len < 65536 ? p->len : 65536;
		pd->len = p->len;
		if (pkt_copy_bits(p, 0, pd->frame, pd->n))
			pd->pcap = false;
		snprintf(pd->where, sizeof(pd->where), "%s", where);
		offload_comment(p, where, pd->comment, sizeof(pd->comment));
		pd->t_pcap = pcap_time(tr);
		pd->partial = p->ip_summed == CHECKSUM_PARTIAL;
	}
	pd->active = pd->text || pd->pcap;
}

/* A hop line of the text trace, after any held one. */
static void print_hop(struct trace *tr, const struct trace_rec *r, const struct raw_hop *raw)
{
	pending_flush(tr);
	hop_line(tr, &r->key, raw);
}

/* trace_auto_flows: a client's SYN (SYN without ACK) of a connection no
 * flow covers names a new one, "ADDR:PORT->ADDR:PORT", while there is room
 * (TRACE_FLOWS). */
static void auto_flow(struct trace *tr, const struct trace_key *k, const uint8_t *l4)
{
	int dir;
	if ((l4[13] & TCP_ACK) || flow_of(tr, k, &dir) || tr->n_flows == TRACE_FLOWS)
		return;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], name[96];
	int af = k->family == 4 ? AF_INET : AF_INET6;
	inet_ntop(af, k->saddr, a, sizeof(a));
	inet_ntop(af, k->daddr, b, sizeof(b));
	snprintf(name, sizeof(name), k->family == 4 ? "%s:%u->%s:%u" : "[%s]:%u->[%s]:%u", a,
		 k->sport, b, k->dport);
	trace_add_flow(tr, name, k->family, k->saddr, k->sport, k->daddr, k->dport);
}

static bool is_hop_point(const char *where)
{
	return strcmp(where, "netdev_receive") == 0 || strcmp(where, "dev_queue_xmit") == 0 ||
	       strcmp(where, "br_upcall") == 0;
}

/* Select a record for --trace/--pcap: the first first_n packets of each flow
 * direction, and the first first_n that carry GSO or a frag_list (those are
 * born later in a flow: GRO merges segments into them). Returns true if the
 * record became selected just now. */
static bool select_rec(struct trace *tr, struct trace_rec *r, const struct pkt *p, bool is_new)
{
	if (r->printed || (!tr->out && !tr->pcap_dir[0]))
		return false;
	int dir;
	struct trace_flow *f = flow_of(tr, &r->key, &dir);
	if (!f)
		return false;
	if (is_new && r->ack_only) {
		/* pure ACKs: their own budget, to the pcap files only */
		if (f->seen_ack[dir] < tr->first_n) {
			f->seen_ack[dir]++;
			return r->printed = true;
		}
		return false;
	}
	if (is_new && f->seen[dir] < tr->first_n) {
		f->seen[dir]++;
		return r->printed = true;
	}
	if ((p->gso_size || p->frag_list) && f->seen_gso[dir] < tr->first_n) {
		f->seen_gso[dir]++;
		return r->printed = true;
	}
	return false;
}

/* True if r's history could explain a checksum drop further on: some hop
 * received it with checksum field 0 while CHECKSUM_UNNECESSARY or
 * CHECKSUM_PARTIAL (what trace_explain's rules start from). */
static bool rec_suspect(const struct trace_rec *r)
{
	for (unsigned i = 0; i < r->n_hops; i++) {
		const struct raw_hop *h = &r->hops[i];
		if (h->csum_field == 0 && strcmp(h->where, "netdev_receive") == 0 &&
		    (h->ip_summed == CHECKSUM_UNNECESSARY || h->ip_summed == CHECKSUM_PARTIAL))
			return true;
	}
	return false;
}

/* dev transmitted r's packet: if dev feeds a watched kernel and the packet
 * is a suspect, keep a copy for trace_kernel_drops. */
static void watch_delivery(struct trace *tr, const struct trace_rec *r, const struct netdev *dev)
{
	for (unsigned i = 0; i < tr->n_watches; i++) {
		struct trace_watch *w = tr->watches[i];
		if (w->dev != dev)
			continue;
		if (!rec_suspect(r))
			return;
		struct trace_delivery *d = &w->ring[w->next];
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		d->rec = *r;
		d->t_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		d->done = false;
		w->next = (w->next + 1) % TRACE_RING;
		w->n_pushed++;
		return;
	}
}

/* A hop where an ILLAN driver (the ibmveth model, the kernel's ibmveth.c
 * through kcompat, either through GRO) hands a packet up: the receive
 * right after it is the one the receive-queue entry was for. A flooded
 * packet's other receivers (a NIC, a TAP) are not. */
static bool from_illan_driver(const char *where)
{
	return strcmp(where, "ibmveth_rx") == 0 || strcmp(where, "kernel_driver_rx") == 0 ||
	       strcmp(where, "gro_complete") == 0;
}

static void hook(const struct pkt *p, const char *where, void *arg)
{
	struct trace *tr = arg;
	struct trace_key k;
	struct hdr_info h;
	uint32_t l4 = key_of(p, &k, &h);
	if (!l4)
		return;
	struct trace_rec *r = &tr->recs[key_hash(&k)];
	bool is_new = !r->used || !key_equal(&r->key, &k);
	if (is_new) {
		/* every field but the hops: n_hops bounds them, and the hook
		 * writes each hop whole before anything reads it (a 700-byte
		 * memset per packet showed in the X->B profile) */
		r->key = k;
		r->used = true;
		r->printed = false;
		r->n_hops = 0;
		r->rxq_pending = false;
		r->rxq_mss = 0;
		r->rxq_flags = 0;
		const uint8_t *l4p = pkt_data(p) + l4;
		r->ack_only = !(k.flags & ~TCP_ACK) && p->len == l4 + ((l4p[12] >> 4) * 4u);
	}
	if (is_new && tr->auto_flows && (k.flags & TCP_SYN))
		auto_flow(tr, &k, pkt_data(p) + l4);
	bool just_selected = select_rec(tr, r, p, is_new);
	if (just_selected && tr->out && !r->ack_only)
		for (unsigned i = 0; i < r->n_hops; i++) /* its history so far */
			print_hop(tr, r, &r->hops[i]);
	if (r->n_hops == TRACE_HOPS)
		memmove(r->hops, r->hops + 1, sizeof(r->hops[0]) * (TRACE_HOPS - 1)), r->n_hops--;
	struct raw_hop *hp = &r->hops[r->n_hops++];
	hp->where = where;
	hp->dev = p->dev;
	hp->ip_summed = p->ip_summed;
	hp->csum_field = hdr_get16(pkt_data(p) + l4 + TCP_CSUM_OFFSET);
	hp->gso_size = p->gso_size;
	hp->frag_list = p->frag_list != NULL;
	hp->len = p->len;
	hp->t_ns = trace_now(tr);
	hp->desc_kind = HOP_DESC_NONE;
	hp->desc_mss = 0;
	hp->desc_flags = 0;
	bool tx_hop = strcmp(where, "dev_queue_xmit") == 0;
	if (r->rxq_pending && strcmp(where, "netdev_receive") == 0 && r->n_hops > 1 &&
	    from_illan_driver(r->hops[r->n_hops - 2].where)) {
		hp->desc_kind = HOP_DESC_RXQ;
		hp->desc_flags = r->rxq_flags;
		hp->desc_mss = r->rxq_mss;
		r->rxq_pending = false;
	}
	if (tr->n_watches && tx_hop)
		watch_delivery(tr, r, p->dev);
	if (tr->out && r->ack_only && is_hop_point(where)) {
		int dir;
		struct trace_flow *f = flow_of(tr, &r->key, &dir);
		if (f) {
			f->acks[dir]++;
			tr->acks_hidden++;
		}
	}
	if (!r->printed)
		return;
	char buf[48];
	if (tx_hop && tr->hv) {
		/* its send is still to come: held until the observer sees it */
		pending_hold(tr, r, hp, p, hop_name(p->dev, where, buf, sizeof(buf)),
			     tr->out && !r->ack_only, tr->pcap_dir[0] != 0);
		return;
	}
	if (tr->out && !r->ack_only)
		print_hop(tr, r, hp);
	if (tr->pcap_dir[0] && is_hop_point(where))
		pcap_write(tr, p, hop_name(p->dev, where, buf, sizeof(buf)), hp);
}

/* The hypervisor's observer (trace_observe_hv): a send's descriptor flags
 * complete the held "<dev> tx" hop of the same packet; a receive-queue
 * entry's flags wait in the packet's record for its "<dev> rx" hop. Reads
 * only, as hv.h asks. */
static void observe(void *arg, const struct hv_obs *ev)
{
	struct trace *tr = arg;
	struct trace_key k;
	struct hdr_info h;
	if (ev->kind == HV_OBS_SEND) {
		struct trace_pending *pd = &tr->pend;
		if (!pd->active || !ev->desc ||
		    !(papr_desc_flags_len(ev->desc[0]) & IBMVETH_BUF_VALID))
			return;
		uint32_t avail = papr_desc_len(ev->desc[0]), len = 0;
		for (unsigned i = 0; i < PAPR_SEND_DESCS; i++)
			if (papr_desc_flags_len(ev->desc[i]) & IBMVETH_BUF_VALID)
				len += papr_desc_len(ev->desc[i]);
		const uint8_t *f = hv_lmem_ptr(ev->part, papr_desc_addr(ev->desc[0]), avail);
		if (!f || !key_of_bytes(f, avail, len, &k, &h) || !key_equal(&k, &pd->key))
			return;
		pd->hop.desc_kind = HOP_DESC_SEND;
		pd->hop.desc_flags = papr_desc_flags_len(ev->desc[0]) & ~IBMVETH_BUF_LEN_MASK;
		pd->hop.desc_mss = (uint16_t)ev->mss;
		pending_flush(tr);
		return;
	}
	uint32_t off = ev->flags_off & IBMVETH_RXQ_OFF_MASK;
	if (!ev->buf || !key_of_bytes(ev->buf + off, ev->length, ev->length, &k, &h))
		return;
	struct trace_rec *r = &tr->recs[key_hash(&k)];
	if (!r->used || !key_equal(&r->key, &k))
		return;
	r->rxq_pending = true;
	r->rxq_flags = ev->flags_off & ~IBMVETH_RXQ_OFF_MASK & ~IBMVETH_RXQ_TOGGLE;
	r->rxq_mss = 0;
	if ((ev->flags_off & IBMVETH_RXQ_LRG_PKT) && off >= PAPR_RX_LRG_OFFSET)
		r->rxq_mss = (uint16_t)hdr_get32(ev->buf + 12); /* the be64's low half */
}

/* trace_observe_hv: see trace.h. */
void trace_observe_hv(struct trace *tr, struct hv *hv)
{
	pending_flush(tr);
	if (tr->hv && tr->hv != hv)
		hv_set_observer(tr->hv, NULL, NULL);
	if (!tr->out && !tr->pcap_dir[0])
		hv = NULL; /* nothing to show the flags in: the data path stays as it was */
	tr->hv = hv;
	if (hv)
		hv_set_observer(hv, observe, tr);
}

/* trace_create: see trace.h. */
struct trace *trace_create(const char *trace_file, const char *pcap_dir, unsigned first_n,
			   char *err, size_t err_size)
{
	struct trace *tr = calloc(1, sizeof(*tr));
	if (!tr || !(tr->recs = calloc(TRACE_SLOTS, sizeof(*tr->recs)))) {
		free(tr);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	tr->first_n = first_n;
	tr->t0_ns = realtime_ns();
	if (trace_file) {
		tr->out = strcmp(trace_file, "-") == 0 ? stdout : fopen(trace_file, "w");
		if (!tr->out) {
			snprintf(err, err_size, "cannot write trace file %s: %s", trace_file,
				 strerror(errno));
			trace_destroy(tr);
			return NULL;
		}
	}
	if (pcap_dir) {
		struct stat st;
		if (strlen(pcap_dir) >= sizeof(tr->pcap_dir) ||
		    (mkdir(pcap_dir, 0755) && errno != EEXIST)) {
			snprintf(err, err_size, "cannot create pcap directory %s: %s", pcap_dir,
				 strerror(errno));
			trace_destroy(tr);
			return NULL;
		}
		if (stat(pcap_dir, &st) || !S_ISDIR(st.st_mode) || access(pcap_dir, W_OK)) {
			snprintf(err, err_size, "pcap directory %s is not a writable directory",
				 pcap_dir);
			trace_destroy(tr);
			return NULL;
		}
		snprintf(tr->pcap_dir, sizeof(tr->pcap_dir), "%s", pcap_dir);
		tr->pend.frame = malloc(65536);
		if (!tr->pend.frame) {
			snprintf(err, err_size, "out of memory");
			trace_destroy(tr);
			return NULL;
		}
	}
	return tr;
}

/* trace_auto_flows: see trace.h. */
void trace_auto_flows(struct trace *tr)
{
	tr->auto_flows = true;
}

/* trace_set_clock: see trace.h. */
void trace_set_clock(struct trace *tr, const struct ev_loop *loop)
{
	tr->clock = loop;
	tr->t0_ns = loop ? ev_now(loop) : 0;
}

/* trace_pcap_note: see trace.h. */
size_t trace_pcap_note(struct trace *tr, char *buf, size_t size)
{
	size_t off = 0;
	pending_flush(tr); /* a held frame may be CHECKSUM_PARTIAL */
	buf[0] = 0;
	for (unsigned i = 0; i < tr->n_pcaps && off < size; i++) {
		const struct trace_pcap *pc = &tr->pcaps[i];
		if (!pc->n_partial)
			continue;
		char name[48];
		snprintf(name, sizeof(name), "%s", pc->where);
		for (char *c = name; *c; c++)
			if (*c == ' ' || *c == '/')
				*c = '_';
		off += (size_t)snprintf(buf + off, size - off,
					"%s%s.pcapng: %u frame%s CHECKSUM_PARTIAL, numbers %u to %u",
					off ? "\n  " : "", name, pc->n_partial,
					pc->n_partial == 1 ? "" : "s", pc->first_partial,
					pc->last_partial);
	}
	return off < size ? off : size - 1;
}

void trace_install(struct trace *tr)
{
	current = tr;
	pkt_trace_set_hook(hook, tr);
}

void trace_uninstall(void)
{
	current = NULL;
	pkt_trace_set_hook(NULL, NULL);
}

void trace_destroy(struct trace *tr)
{
	if (!tr)
		return;
	if (current == tr)
		trace_uninstall();
	if (tr->hv)
		hv_set_observer(tr->hv, NULL, NULL);
	pending_flush(tr);
	if (tr->out) {
		print_header(tr);
		fprintf(tr->out, "# pure ACKs not listed: %" PRIu64 " hops", tr->acks_hidden);
		for (unsigned i = 0; i < tr->n_flows; i++)
			for (int d = 0; d < 2; d++)
				if (tr->flows[i].acks[d])
					fprintf(tr->out, "; %s %s %" PRIu64, tr->flows[i].name,
						d ? "reply" : "fwd", tr->flows[i].acks[d]);
		fprintf(tr->out, "\n");
		if (tr->out == stdout)
			fflush(stdout);
		else
			fclose(tr->out);
	}
	for (unsigned i = 0; i < tr->n_pcaps; i++)
		pcapng_close(tr->pcaps[i].w);
	for (unsigned i = 0; i < tr->n_watches; i++)
		free(tr->watches[i]);
	free(tr->pend.frame);
	free(tr->recs);
	free(tr);
}

void trace_add_flow(struct trace *tr, const char *name, int family, const uint8_t *a, uint16_t pa,
		    const uint8_t *b, uint16_t pb)
{
	if (tr->n_flows == TRACE_FLOWS)
		return;
	struct trace_flow *f = &tr->flows[tr->n_flows++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->family = (uint8_t)family;
	memcpy(f->a, a, family == 4 ? 4 : 16);
	memcpy(f->b, b, family == 4 ? 4 : 16);
	f->pa = pa;
	f->pb = pb;
}

void trace_name_endpoint(struct trace *tr, const char *stack_name, const char *display)
{
	if (tr->n_eps == 3)
		return;
	snprintf(tr->ep_stack[tr->n_eps], sizeof(tr->ep_stack[0]), "%s", stack_name);
	snprintf(tr->ep_display[tr->n_eps], sizeof(tr->ep_display[0]), "%s", display);
	tr->n_eps++;
}

static bool is_trunk(const char *where)
{
	return strncmp(where, "trunk-", 6) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * trace_explain: the rules, from the seed's own account of its issues.
 *  Issue 2: a trunk received the packet CHECKSUM_UNNECESSARY with a zero
 *    checksum field, and a trunk then transmitted it not PARTIAL (so without
 *    NO_CSUM|CSUM_GOOD): the receiver sees a zero checksum and no flags.
 *  Issue 3: a trunk received it PARTIAL with a zero field (no pseudo-header
 *    seed), and something completed the checksum from that field: the bridge
 *    upcall (the packet reaches the next hop as NONE) or the physical NIC
 *    (it reached "phys tx" still PARTIAL).
 * Returns the seed issue number (0: not recognised) and writes the text.
 */
unsigned trace_explain(const struct trace_hop *hops, unsigned n_hops, const char *what,
		       const char *endpoint, const char *reason, char *out, size_t out_size)
{
	bool bad_csum = strcmp(reason, "tcp_bad_checksum") == 0;
	for (unsigned i = 0; bad_csum && i < n_hops; i++) {
		const struct trace_hop *h = &hops[i];
		if (!is_trunk(h->where) || !ends_with(h->where, " rx") || h->csum_field != 0)
			continue;
		if (h->ip_summed == CHECKSUM_UNNECESSARY) {
			for (unsigned j = i + 1; j < n_hops; j++) {
				const struct trace_hop *o = &hops[j];
				if (strcmp(o->where, "phys tx") == 0 &&
				    o->ip_summed != CHECKSUM_PARTIAL) {
					snprintf(out, out_size,
						 "%s dropped at %s: TCP checksum bad, packet left the physical NIC with "
						 "checksum 0 (nothing to complete) because it arrived "
						 "CHECKSUM_UNNECESSARY — seed issue 2",
						 what, endpoint);
					return 2;
				}
				if (is_trunk(o->where) && ends_with(o->where, " tx") &&
				    o->ip_summed != CHECKSUM_PARTIAL) {
					char dev[32];
					snprintf(dev, sizeof(dev), "%.*s",
						 (int)(strlen(o->where) - 3), o->where);
					snprintf(out, out_size,
						 "%s dropped at %s: TCP checksum bad, packet left %s without "
						 "NO_CSUM|CSUM_GOOD because it arrived CHECKSUM_UNNECESSARY — seed issue 2",
						 what, endpoint, dev);
					return 2;
				}
			}
		}
		if (h->ip_summed == CHECKSUM_PARTIAL) {
			for (unsigned j = i + 1; j < n_hops; j++) {
				const struct trace_hop *o = &hops[j];
				if (ends_with(o->where, " upcall") ||
				    (ends_with(o->where, " tx") && o->ip_summed == CHECKSUM_NONE)) {
					snprintf(out, out_size,
						 "%s dropped at %s: TCP checksum bad, the OVS upcall completed the "
						 "checksum from a zeroed pseudo-header seed (%.*s handed it up "
						 "CHECKSUM_PARTIAL with checksum field 0) — seed issue 3",
						 what, endpoint, (int)(strlen(h->where) - 3),
						 h->where);
					return 3;
				}
				if (strcmp(o->where, "phys tx") == 0 &&
				    o->ip_summed == CHECKSUM_PARTIAL) {
					snprintf(out, out_size,
						 "%s dropped at %s: TCP checksum bad, the physical NIC completed the "
						 "checksum from a zeroed pseudo-header seed (%.*s handed it up "
						 "CHECKSUM_PARTIAL with checksum field 0) — seed issue 3",
						 what, endpoint, (int)(strlen(h->where) - 3),
						 h->where);
					return 3;
				}
			}
		}
	}
	if (strcmp(reason, "rx_other_host") == 0) {
		/* A unicast frame to a MAC the bridge has not learned yet is
		 * flooded to every port (NORMAL); the hosts it was not for refuse
		 * it, as a NIC's unicast filter would. Not a loss. */
		snprintf(out, out_size,
			 "%s reached %s, which it was not addressed to: the bridge flooded "
			 "it (destination MAC not learned yet) — harmless",
			 what, endpoint);
		return 0;
	}
	if (bad_csum && n_hops) {
		snprintf(out, out_size,
			 "%s dropped at %s: TCP checksum bad (last hop %s, %s, field 0x%04x)", what,
			 endpoint, hops[n_hops - 1].where, summed_name(hops[n_hops - 1].ip_summed),
			 hops[n_hops - 1].csum_field);
	} else {
		const struct counter_desc *ph = phrase_of(reason);
		if (ph)
			snprintf(out, out_size, "%s dropped at %s: %s", what, endpoint, ph->drop);
		else
			snprintf(out, out_size, "%s dropped at %s: counted in %s", what, endpoint,
				 reason);
	}
	return 0;
}

/* Count one more occurrence of an explanation (merged by text). */
static void add_explanation(struct trace *tr, const char *text, unsigned issue, bool harmless,
			    uint64_t count, const char *object, const char *counter)
{
	struct trace_explanation *e = NULL;
	for (unsigned i = 0; i < tr->n_expl && !e; i++)
		if (strcmp(tr->expl[i].text, text) == 0) {
			e = &tr->expl[i];
			e->count += count;
		}
	if (!e && tr->n_expl == TRACE_MAX_EXPLAIN) {
		tr->n_expl_lost += count;
		if (tr->listener) {
			struct trace_explanation lost = {.seed_issue = issue, .harmless = harmless};
			snprintf(lost.text, sizeof(lost.text), "%s", text);
			snprintf(lost.object, sizeof(lost.object), "%s", object ? object : "");
			snprintf(lost.counter, sizeof(lost.counter), "%s", counter ? counter : "");
			tr->listener(tr->listener_arg, &lost, count);
		}
		return;
	}
	if (!e) {
		e = &tr->expl[tr->n_expl++];
		snprintf(e->text, sizeof(e->text), "%s", text);
		e->seed_issue = issue;
		e->harmless = harmless;
		e->count = count;
		snprintf(e->object, sizeof(e->object), "%s", object ? object : "");
		snprintf(e->counter, sizeof(e->counter), "%s", counter ? counter : "");
	}
	if (tr->listener)
		tr->listener(tr->listener_arg, e, count);
}

/* trace_counted_text: see trace.h. */
void trace_counted_text(const char *obj, const struct counter_desc *d, char *out, size_t out_size)
{
	snprintf(out, out_size, "dropped at %s: %s (%s)", obj, d->drop ? d->drop : "counted",
		 d->name);
}

/* trace_add_counted: see trace.h. */
bool trace_add_counted(struct trace *tr, const char *obj, const struct counter_desc *d, uint64_t value)
{
	if (!d->drop || !value)
		return false;
	char text[TRACE_TEXT_MAX];
	trace_counted_text(obj, d, text, sizeof(text));
	add_explanation(tr, text, 0, (d->flags & COUNTER_HARMLESS) != 0, value, obj, d->name);
	return true;
}

/* trace_count_drop: see trace.h. */
void trace_count_drop(struct trace *tr, const char *obj, const struct counter_desc *d, uint64_t value)
{
	if (!value)
		return;
	if (strcmp(d->name, "no_destination") == 0) {
		char text[TRACE_TEXT_MAX];
		bool trunk = strncmp(obj, "hv:trunk", 8) == 0;
		if (trunk)
			snprintf(text, sizeof(text),
				 "dropped at %s: no local adapter for the destination on its VLAN (a bridge "
				 "flood; frames from a trunk reach only local adapters) — harmless",
				 obj);
		else
			snprintf(text, sizeof(text),
				 "dropped at %s: no adapter and no trunk for the destination (no_destination)",
				 obj);
		add_explanation(tr, text, 0, trunk, value, obj, d->name);
		return;
	}
	trace_add_counted(tr, obj, d, value);
}

/* trace_set_listener: see trace.h. */
void trace_set_listener(struct trace *tr, trace_listener_fn *fn, void *arg)
{
	tr->listener = fn;
	tr->listener_arg = arg;
}

/* trace_add_text: see trace.h. */
void trace_add_text(struct trace *tr, const char *text, bool harmless, uint64_t count,
		    const char *object, const char *counter)
{
	add_explanation(tr, text, 0, harmless, count, object, counter);
}

uint64_t trace_explanations_lost(const struct trace *tr)
{
	return tr->n_expl_lost;
}

static const char *display_of(struct trace *tr, const char *stack_name)
{
	for (unsigned i = 0; i < tr->n_eps; i++)
		if (strcmp(tr->ep_stack[i], stack_name) == 0)
			return tr->ep_display[i];
	return stack_name;
}

/* The name of the host at addr, or NULL. */
static const char *host_of(const struct trace *tr, int family, const uint8_t *addr)
{
	for (unsigned i = 0; i < tr->n_hosts; i++)
		if (tr->hosts[i].family == family &&
		    !memcmp(tr->hosts[i].addr, addr, family == 4 ? 4 : 16))
			return tr->hosts[i].name;
	return NULL;
}

/* "vm-a" for a named host, else the address as text. */
static void host_text(const struct trace *tr, int family, const uint8_t *addr, char *out, size_t size)
{
	const char *n = host_of(tr, family, addr);
	if (n)
		snprintf(out, size, "%s", n);
	else if (family == 4)
		snprintf(out, size, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
	else
		snprintf(out, size, "[%02x%02x:%02x%02x:..:%02x%02x]", addr[0], addr[1], addr[2],
			 addr[3], addr[14], addr[15]);
}

/* The label of a packet no named flow covers: "client->server:port". The
 * client is the sender of a SYN, the receiver of a SYN-ACK and otherwise
 * the side with the higher port (a choice: ephemeral ports are high). */
static void conn_label(const struct trace *tr, const struct trace_key *k, char *out, size_t size)
{
	bool src_client;
	if (k->flags & TCP_SYN)
		src_client = !(k->flags & TCP_ACK);
	else
		src_client = k->sport >= k->dport;
	char c[32], sv[32];
	host_text(tr, k->family, src_client ? k->saddr : k->daddr, c, sizeof(c));
	host_text(tr, k->family, src_client ? k->daddr : k->saddr, sv, sizeof(sv));
	snprintf(out, size, "%s->%s:%u", c, sv, (unsigned)(src_client ? k->dport : k->sport));
}

/* The one sentence for a drop of the packet keyed k (history r, or NULL) at
 * endpoint ep for reason: what it was, where it went wrong (trace_explain),
 * under its flow's label. Returns the seed issue (0: none). */
static unsigned explain_key(struct trace *tr, const struct trace_key *k, const struct trace_rec *r,
			    const char *ep, const char *reason, char *text, size_t size)
{
	int dir = 0;
	struct trace_flow *f = flow_of(tr, k, &dir);
	/* a SYN from the server side of a known flow is a SYN-ACK; without
	 * flows (real mode) the ACK bit says it */
	const char *what = what_of(k, f ? dir : 0);
	if (!f && tr->n_hosts && (k->flags & TCP_SYN) && (k->flags & TCP_ACK))
		what = "SYN-ACK";
	struct trace_hop named[TRACE_HOPS];
	memset(named, 0, sizeof(named));
	unsigned n_named = r ? r->n_hops : 0;
	for (unsigned i = 0; i < n_named; i++)
		name_hop(&r->hops[i], &named[i]);
	char body[TRACE_TEXT_MAX - 100];
	unsigned issue = trace_explain(named, n_named, what, ep, reason, body, sizeof(body));
	char label[96] = "";
	if (f)
		snprintf(label, sizeof(label), "%s", f->name);
	else if (tr->n_hosts)
		conn_label(tr, k, label, sizeof(label));
	if (label[0])
		snprintf(text, size, "[%s] %s", label, body);
	else
		snprintf(text, size, "%s", body);
	return issue;
}

/* trace_drop: see trace.h. */
void trace_drop(struct trace *tr, const char *endpoint, const struct pkt *p, const char *reason)
{
	struct trace_key k;
	struct hdr_info h;
	char text[TRACE_TEXT_MAX];
	unsigned issue;
	const char *ep = display_of(tr, endpoint);
	if (key_of(p, &k, &h)) {
		const struct trace_rec *c = &tr->recs[key_hash(&k)];
		issue = explain_key(tr, &k, c->used && key_equal(&c->key, &k) ? c : NULL, ep,
				    reason, text, sizeof(text));
	} else {
		issue = 0;
		snprintf(text, sizeof(text), "packet dropped at %s: %s", ep, reason);
	}
	if (tr->out) {
		pending_flush(tr);
		print_header(tr);
		fprintf(tr->out, "%14.9f DROP %s\n", (double)trace_now(tr) / 1e9, text);
	}
	add_explanation(tr, text, issue, strcmp(reason, "rx_other_host") == 0, 1, ep, reason);
}

/* trace_watch_delivery: see trace.h. */
int trace_watch_delivery(struct trace *tr, const struct netdev *dev, const char *kernel,
			 const char *display)
{
	if (tr->n_watches == TRACE_WATCHES)
		return -ENOSPC;
	struct trace_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->dev = dev;
	snprintf(w->kernel, sizeof(w->kernel), "%s", kernel);
	snprintf(w->display, sizeof(w->display), "%s", display);
	tr->watches[tr->n_watches] = w;
	return (int)tr->n_watches++;
}

/* trace_name_host: see trace.h. */
void trace_name_host(struct trace *tr, int family, const uint8_t *addr, const char *name)
{
	if (tr->n_hosts == TRACE_HOSTS || host_of(tr, family, addr))
		return;
	struct trace_host *h = &tr->hosts[tr->n_hosts++];
	memset(h, 0, sizeof(*h));
	h->family = (uint8_t)family;
	memcpy(h->addr, addr, family == 4 ? 4 : 16);
	snprintf(h->name, sizeof(h->name), "%s", name);
}

/* trace_kernel_drops: see trace.h. Oldest deliveries first: a kernel counts
 * a packet as it takes it. */
uint64_t trace_kernel_drops(struct trace *tr, unsigned wi, const char *reason, const char *kcounter,
			    uint64_t n)
{
	if (wi >= tr->n_watches)
		return 0;
	struct trace_watch *w = tr->watches[wi];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, done = 0;
	unsigned held = w->n_pushed < TRACE_RING ? (unsigned)w->n_pushed : TRACE_RING;
	for (unsigned i = 0; i < held && done < n; i++) {
		struct trace_delivery *d = &w->ring[(w->next + TRACE_RING - held + i) % TRACE_RING];
		if (d->done || now - d->t_ns > TRACE_DELIVERY_TTL_NS)
			continue;
		d->done = true;
		char text[TRACE_TEXT_MAX], with[TRACE_TEXT_MAX + 80];
		unsigned issue = explain_key(tr, &d->rec.key, &d->rec, w->display, reason, text,
					     sizeof(text));
		if (!issue)
			continue;
		snprintf(with, sizeof(with), "%s (%s's kernel: %s)", text, w->kernel, kcounter);
		snprintf(text, sizeof(text), "%.*s", (int)sizeof(text) - 1, with);
		char kobj[48];
		snprintf(kobj, sizeof(kobj), "%s's kernel", w->kernel);
		add_explanation(tr, text, issue, false, 1, kobj, kcounter);
		done++;
	}
	return done;
}

static int by_count(const void *a, const void *b)
{
	const struct trace_explanation *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

unsigned trace_explanations(const struct trace *tr, const struct trace_explanation **out)
{
	qsort((void *)tr->expl, tr->n_expl, sizeof(tr->expl[0]), by_count);
	*out = tr->expl;
	return tr->n_expl;
}

/* trace_explanations_json: see trace.h. */
struct json_t *trace_explanations_json(const struct trace_explanation *rows, unsigned n)
{
	json_t *arr = json_array();
	for (unsigned i = 0; arr && i < n; i++) {
		const struct trace_explanation *e = &rows[i];
		json_t *o = json_pack("{s:I, s:s, s:b}", "count", (json_int_t)e->count, "text",
				      e->text, "harmless", e->harmless);
		if (o && e->seed_issue)
			json_object_set_new(o, "seed_issue", json_integer(e->seed_issue));
		if (o && e->counter[0])
			json_object_set_new(o, "counter", json_string(e->counter));
		if (o && e->object[0])
			json_object_set_new(o, "object", json_string(e->object));
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
