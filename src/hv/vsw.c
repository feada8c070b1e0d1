/*
 * vsw.c — the virtual switch and H_SEND_LOGICAL_LAN: gather the sender's
 * descriptors from its logical memory, apply the port VLAN rules, choose the
 * destinations (by MAC within the VLAN, the active trunk, VEB or VEPA), and
 * write each copy into a buffer the receiver posted plus a receive-queue
 * entry, carrying the checksum-offload and large-send flags — or doing the
 * checksum and the segmentation in software for a receiver that did not
 * enable them, as PHYP does (the 2004 ibmveth checksum-offload patch: "the
 * hypervisor will generate the checksum"; IBM's Platform Large Send notes:
 * it segments "using CPU pool resources"). It also holds the one definition
 * of the active trunk, and creates and destroys the hypervisor, whose send
 * scratch it owns.
 *
 * Serves the ibmveth driver (through h_send_logical_lan), hcall.c (the
 * active trunk, for H_ILLAN_ATTRIBUTES), the topology (hv_create,
 * hv_destroy) and, through the counters, the seed's issue 1: hv_sw_checksums
 * and hv_sw_segments are the work a trunk without offloads forces on the
 * hypervisor. Calls hv.c, never hcall.c.
 *
 * Writes into partition memory happen only inside ranges checked against that
 * partition: the receiver's posted buffers, its receive queue and its
 * buffer-list page (rx-queue descriptor, drop counter). The sender's memory is
 * only read.
 */
#include <stdlib.h>
#include <string.h>

#include "hv/hv_internal.h"
#include "ev/prof.h"
#include "pkt/csum.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

#define VSW_BCAST 0xFFFFFFFFFFFFull
#define VSW_GROUP_BIT (1ull << 40) /* I/G bit: bit 0 of the first octet */

#define VSW_CSUM_FLAGS (IBMVETH_BUF_NO_CSUM | IBMVETH_BUF_CSUM_GOOD)

/* A frame inside the switch: the sender's MAC addresses, the VLAN it is on,
 * and the bytes after the sender's tag (ethertype on). Delivered untagged or
 * with a tag rebuilt from tci. */
enum vsw_family { VSW_FAM_NONE, VSW_FAM_TCP4, VSW_FAM_TCP6 };

struct vsw_frame {
	uint8_t macs[12];
	const uint8_t *body;
	uint32_t body_len;
	uint16_t vid;
	uint16_t tci; /* priority and VID for a tagged delivery */
	uint64_t dst;
	uint32_t bd_flags; /* NO_CSUM / CSUM_GOOD of the sender's descriptor */
	uint16_t mss;      /* honoured large-send mss, 0 = none */
	/* Parsed once per send when offload flags need it; offsets relative to
	 * body (which starts at the ethertype after any tag). */
	enum vsw_family fam;
	uint32_t l3_body, l4_body, l4_len;
	/* The TCP checksum, once computed for one receiver, serves the next:
	 * it does not depend on the tag a receiver gets. */
	bool csum_done;
	uint16_t csum_val;
};

/* Packet classes for software segmentation: enough buffers for the most
 * segments a 64 KiB frame can yield at any mss >= HV_MIN_LRG_MSS, whichever
 * class a segment of that mss lands in, plus the super-frame itself. */
static const struct pkt_pool_class vsw_seg_classes[] = {
	{512, 1400},
	{2048, 400},
	{9216, 64},
	{PAPR_MAX_FRAME + 512, 12},
};

/* ---- The hypervisor as a whole ---------------------------------------------- */

/* hv_create: see hv.h. */
struct hv *hv_create(void)
{
	struct hv *hv = calloc(1, sizeof(*hv));
	if (!hv)
		return NULL;
	hv_objects_init(hv);
	hv->send.gather = malloc(PAPR_MAX_FRAME);
	if (!hv->send.gather)
		goto err_free_hv;
	return hv;

err_free_hv:
	free(hv);
	return NULL;
}

/* hv_destroy: see hv.h. */
void hv_destroy(struct hv *hv)
{
	if (!hv)
		return;
	hv_objects_free(hv);
	if (hv->send.seg_pool)
		pkt_pool_destroy(hv->send.seg_pool);
	free(hv->send.dests);
	free(hv->send.gather);
	free(hv);
}

/* ---- Destinations -------------------------------------------------------- */

static bool vsw_accepts_group(struct hv_adapter *r, uint64_t dst)
{
	if (dst == VSW_BCAST)
		return true;
	if (!r->mcast_recv)
		return false;
	if (!r->mcast_filtering)
		return true;
	for (unsigned i = 0; i < r->n_mcast; i++)
		if (r->mcast_table[i] == dst)
			return true;
	return false;
}

/* Is a on VLAN vid, as its PVID or one of its additional VIDs? */
static bool vsw_on_vlan(const struct hv_adapter *a, uint16_t vid)
{
	if (a->cfg.pvid == vid)
		return true;
	for (unsigned i = 0; i < a->cfg.n_vids; i++)
		if (a->cfg.vids[i] == vid)
			return true;
	return false;
}

/* vsw_active_trunk: see hv_internal.h. */
struct hv_adapter *vsw_active_trunk(const struct hv_vswitch *vsw, uint16_t vid)
{
	struct hv_adapter *best = NULL;
	for (struct hv_adapter *m = vsw->members; m; m = m->vsw_next) {
		if (!hv_adapter_is_trunk(m) || m->closed_after_open || !vsw_on_vlan(m, vid))
			continue;
		if (!best || m->cfg.trunk_priority < best->cfg.trunk_priority)
			best = m; /* members are in creation order: ties keep the oldest */
	}
	return best;
}

static bool vsw_dest_add(struct hv *hv, size_t *n, struct hv_adapter *r)
{
	if (*n == hv->send.n_dests_cap) {
		size_t cap = hv->send.n_dests_cap ? hv->send.n_dests_cap * 2 : 16;
		struct hv_adapter **d = realloc(hv->send.dests, cap * sizeof(*d));
		if (!d)
			return false;
		hv->send.dests = d;
		hv->send.n_dests_cap = cap;
	}
	hv->send.dests[(*n)++] = r;
	return true;
}

/*
 * Fill hv->send.dests with the adapters that get a copy of f from s.
 * - From a trunk: only local (client) adapters on the VLAN; a frame never
 *   goes from one trunk to another.
 * - From a client in VEPA mode: the active trunk of the VLAN, whatever the
 *   destination (kernel commit 66aa0678: in OVS mode "the hypervisor will
 *   no more bridge the packets between VMs").
 * - From a client in VEB mode: broadcast and multicast to every other member
 *   of the VLAN that accepts it plus the active trunk; unicast to the client
 *   adapter whose current MAC it is, else to the active trunk (inferred
 *   from IBM's description of trunk adapters; no source says it outright).
 * Unicast to a client MAC (from a trunk, or a client in VEB mode): the first
 * OPEN adapter, in creation order, whose current MAC matches; only when none
 * is open does a closed one with that MAC get the frame (dropped on delivery
 * as rx_not_open). Our choice where the sources are silent: PowerVM switches
 * frames among the adapters that are active, so an adapter whose LAN is not
 * registered — one that changed its MAC to another's while closed, say — must
 * not black-hole the owner's traffic.
 * Multicast filters apply to trunks too. Returns the count; no_destination
 * counts unicast with nowhere to go.
 */
static size_t vsw_route(struct hv *hv, struct hv_adapter *s, const struct vsw_frame *f)
{
	size_t n = 0;
	bool group = (f->dst & VSW_GROUP_BIT) != 0;
	struct hv_vswitch *vsw = s->vsw;
	struct hv_adapter *closed_match = NULL;

	if (!hv_adapter_is_trunk(s) && vsw->mode == HV_VSW_VEPA) {
		struct hv_adapter *t = vsw_active_trunk(vsw, f->vid);
		if (t && (!group || vsw_accepts_group(t, f->dst)))
			vsw_dest_add(hv, &n, t);
		else if (!t)
			s->stats.no_destination++;
		else
			t->stats.rx_filtered++;
		return n;
	}
	for (struct hv_adapter *m = vsw->members; m; m = m->vsw_next) {
		if (m == s || hv_adapter_is_trunk(m) || !vsw_on_vlan(m, f->vid))
			continue;
		if (group) {
			if (vsw_accepts_group(m, f->dst))
				vsw_dest_add(hv, &n, m);
			else
				m->stats.rx_filtered++;
		} else if (m->mac == f->dst) {
			if (m->open) {
				vsw_dest_add(hv, &n, m);
				return n;
			}
			if (!closed_match)
				closed_match = m;
		}
	}
	if (closed_match) {
		vsw_dest_add(hv, &n, closed_match);
		return n;
	}
	if (hv_adapter_is_trunk(s)) {
		if (!group)
			s->stats.no_destination++;
		return n;
	}
	struct hv_adapter *t = vsw_active_trunk(vsw, f->vid);
	if (t && (!group || vsw_accepts_group(t, f->dst)))
		vsw_dest_add(hv, &n, t);
	else if (t)
		t->stats.rx_filtered++;
	else if (!group)
		s->stats.no_destination++;
	return n;
}

/* ---- Receive side ----------------------------------------------------------- */

/* Frames for r go tagged unless they are on r's PVID (the PVID tag is
 * stripped on delivery; other VIDs keep theirs). */
static bool vsw_tagged_for(const struct hv_adapter *r, const struct vsw_frame *f)
{
	return f->vid != r->cfg.pvid;
}

static uint32_t vsw_variant_len(const struct vsw_frame *f, bool tagged)
{
	return 12 + (tagged ? VLAN_HLEN : 0) + f->body_len;
}

/* Write the head of a variant of f at to: the MACs, then the 802.1Q tag
 * when tagged. Returns its length. */
static uint32_t vsw_variant_head(uint8_t *to, const struct vsw_frame *f, bool tagged)
{
	memcpy(to, f->macs, 12);
	if (!tagged)
		return 12;
	hdr_put16(to + 12, ETH_P_8021Q);
	hdr_put16(to + 14, f->tci);
	return 12 + VLAN_HLEN;
}

static void vsw_variant_copy(uint8_t *to, const struct vsw_frame *f, bool tagged, uint32_t len)
{
	uint32_t hl = vsw_variant_head(to, f, tagged);
	/* memmove: a receiver in the sender's own partition may have posted a
	 * buffer overlapping the sender's frame (harmless to anyone else). */
	memmove(to + hl, f->body, len - hl);
	prof_copied(len);
}

/* Record a frame of need bytes (offset included) dropped for lack of a
 * buffer: the be64 counter at buf_list+4088 (QEMU's
 * spapr_vlan_record_dropped_rx_frame), which is all the partition learns,
 * and by name: rx_too_big when buffers were posted since register but none
 * that long (the frame could never have fitted), else rx_no_buffer (none
 * posted, or those that fit ran out). */
static void vsw_rx_drop_no_buffer(struct hv_adapter *r, uint32_t need)
{
	uint8_t *ctr = r->part->mem + r->buf_list + PAPR_BUFLIST_DROP_COUNT;
	hv_put_be64(ctr, hv_get_be64(ctr) + 1);
	if (r->rx_buf_max && need > r->rx_buf_max)
		r->stats.rx_too_big++;
	else
		r->stats.rx_no_buffer++;
}

/*
 * Take a posted buffer of at least need bytes, as QEMU's pool mode does: the
 * smallest pool whose length fits and that holds a buffer, last posted first.
 * Returns the buffer's host pointer (its range was checked when posted), or
 * NULL after counting the drop.
 */
static uint8_t *vsw_rx_take(struct hv_adapter *r, uint32_t need)
{
	struct hv_rx_pool *best = NULL;
	for (unsigned i = 0; i < HV_RX_POOLS; i++) {
		struct hv_rx_pool *p = &r->pools[i];
		if (p->n && p->buf_size >= need && (!best || p->buf_size < best->buf_size))
			best = p;
	}
	if (!best) {
		vsw_rx_drop_no_buffer(r, need);
		return NULL;
	}
	uint64_t desc = best->descs[--best->n];
	r->rx_bufs--;
	return hv_lmem_ptr(r->part, papr_desc_addr(desc), papr_desc_len(desc));
}

/*
 * Write the receive-queue entry for a frame of len bytes at buf+off with
 * rxq flags, as QEMU's spapr_vlan_receive: correlator (the buffer's first 8
 * bytes, verbatim), length, then flags_off last. Entries carry TOGGLE when
 * the descriptor's TOGGLE is clear; at the end of the queue the pointer wraps
 * and the descriptor's TOGGLE flips. Then counts and raises the interrupt.
 */
static void vsw_rx_post(struct hv_adapter *r, const uint8_t *buf, uint32_t off, uint32_t len,
			uint32_t flags)
{
	uint8_t *slot = r->part->mem + r->rxq_addr + r->rxq_ptr;
	struct papr_rxq_entry *e = (struct papr_rxq_entry *)slot;
	memcpy(e->correlator, buf, sizeof(e->correlator));
	hv_put_be32(e->length, len);
	uint32_t fo = IBMVETH_RXQ_VALID | flags | (off & IBMVETH_RXQ_OFF_MASK);
	if (!r->rxq_toggle)
		fo |= IBMVETH_RXQ_TOGGLE;
	hv_put_be32(e->flags_off, fo);
	struct hv *hv = r->part->hv;
	if (hv->observe) {
		struct hv_obs ev = {.kind = HV_OBS_RXQ,
				    .part = r->part,
				    .ua = r->ua,
				    .flags_off = fo,
				    .length = len,
				    .buf = buf};
		hv->observe(hv->observe_arg, &ev);
	}
	r->rxq_ptr += PAPR_RXQ_ENTRY_SIZE;
	if (r->rxq_ptr + PAPR_RXQ_ENTRY_SIZE > r->rxq_len) {
		r->rxq_ptr = 0;
		r->rxq_toggle = !r->rxq_toggle;
		hv_rxq_desc_store(r);
	}
	r->stats.rx_frames++;
	r->stats.rx_bytes += len;
	if (r->signal_state & VIO_IRQ_ENABLE) {
		r->stats.irqs++;
		if (r->irq_fn)
			r->irq_fn(r->irq_arg);
	}
}

static enum vsw_family vsw_classify(const uint8_t *frame, uint32_t len, struct hdr_info *h)
{
	if (hdr_parse(frame, len, h) != 0)
		return VSW_FAM_NONE;
	if (!h->l4_off || h->l4_proto != IPPROTO_TCP_ || h->is_fragment)
		return VSW_FAM_NONE;
	/* The checksum field and the L4 length must lie inside what the IP
	 * header claims and what was sent. */
	uint32_t l3_end = (uint32_t)h->l3_off + h->l3_tot_len;
	if (l3_end > len || (uint32_t)h->l4_off + 20 > l3_end)
		return VSW_FAM_NONE;
	if (h->ip_version == 4)
		return VSW_FAM_TCP4;
	if (h->ip_version == 6)
		return VSW_FAM_TCP6;
	return VSW_FAM_NONE;
}

/* Parse the sent frame once (its tag, if any, is still in place) and keep
 * the TCP geometry relative to the body. */
static void vsw_frame_parse(struct vsw_frame *f, const uint8_t *frame, uint32_t len)
{
	struct hdr_info h;
	f->fam = vsw_classify(frame, len, &h);
	if (f->fam == VSW_FAM_NONE)
		return;
	uint32_t body_off = (uint32_t)(f->body - frame);
	f->l3_body = h.l3_off - body_off;
	f->l4_body = h.l4_off - body_off;
	f->l4_len = (uint32_t)h.l3_off + h.l3_tot_len - h.l4_off;
}

/* The attribute bit with which a receiver enables CSO for a family; for
 * frames of no family (not TCP over IP) either bit will do. */
static bool vsw_rx_offloads(const struct hv_adapter *r, enum vsw_family fam)
{
	switch (fam) {
	case VSW_FAM_TCP4:
		return r->os_attrs & IBMVETH_ILLAN_IPV4_TCP_CSUM;
	case VSW_FAM_TCP6:
		return r->os_attrs & IBMVETH_ILLAN_IPV6_TCP_CSUM;
	default:
		return r->os_attrs & (IBMVETH_ILLAN_IPV4_TCP_CSUM | IBMVETH_ILLAN_IPV6_TCP_CSUM);
	}
}

/*
 * Copy f's body to to and complete its TCP checksum on the way: one pass over
 * the L4 bytes (csum_partial_copy), the field's sent contents taken back out,
 * the pseudo-header added. The sum covers the L4 length the IP header
 * claims, so Ethernet padding is never summed (PADDED_PKT_CSUM). The result
 * is kept in f for the next receiver.
 */
static void vsw_copy_and_checksum(uint8_t *to, struct vsw_frame *f)
{
	const uint8_t *b = f->body;
	uint32_t l4 = f->l4_body, l4_end = f->l4_body + f->l4_len;
	if (f->csum_done) {
		memcpy(to, b, f->body_len);
		prof_copied(f->body_len);
	} else {
		memcpy(to, b, l4); /* with the rest: body_len - l4_len (the L4 part counts itself) */
		prof_copied(f->body_len - f->l4_len);
		uint32_t sum = csum_partial_copy(to + l4, b + l4, f->l4_len, 0);
		uint16_t sent;
		memcpy(&sent, b + l4 + TCP_CSUM_OFFSET, 2);
		sum = csum_add(sum, (uint16_t)~sent); /* as if the field were 0 */
		const uint8_t *ip = b + f->l3_body;
		if (f->fam == VSW_FAM_TCP4)
			f->csum_val =
				csum_tcpudp_magic(ip + 12, ip + 16, f->l4_len, IPPROTO_TCP_, sum);
		else
			f->csum_val = csum_ipv6_magic(ip + 8, ip + 24, f->l4_len, IPPROTO_TCP_, sum);
		f->csum_done = true;
		memcpy(to + l4_end, b + l4_end, f->body_len - l4_end);
	}
	memcpy(to + l4 + TCP_CSUM_OFFSET, &f->csum_val, 2);
}

/*
 * Deliver f to r whole: with LRG_PKT and the mss when f is a large send
 * (r has LRG_SR_ENABLED). Checksum: if the sender set NO_CSUM and r enabled
 * CSO for the frame's family, the sender's NO_CSUM|CSUM_GOOD go into the rxq
 * entry and the bytes stay as sent ("the link is reliable": the 2004 ibmveth
 * checksum-offload patch);
 * if r did not, the hypervisor computes the TCP checksum into r's copy and
 * delivers no checksum flags. A NO_CSUM frame that is not TCP over IP cannot
 * be completed: it goes as sent, flagged only to a receiver with any CSO bit,
 * and hv_sw_errors counts it otherwise.
 */
static void vsw_deliver_whole(struct hv_adapter *r, struct vsw_frame *f)
{
	bool tagged = vsw_tagged_for(r, f);
	uint32_t len = vsw_variant_len(f, tagged);
	uint32_t off = f->mss ? PAPR_RX_LRG_OFFSET : PAPR_RX_OFFSET;
	uint8_t *buf = vsw_rx_take(r, len + off);
	if (!buf)
		return;
	uint8_t *frame = buf + off;
	uint32_t hl = vsw_variant_head(frame, f, tagged);
	prof_copied(hl);

	uint32_t flags = 0;
	bool compute = false;
	if (f->bd_flags & VSW_CSUM_FLAGS) {
		if (vsw_rx_offloads(r, f->fam))
			flags = f->bd_flags & VSW_CSUM_FLAGS;
		else if ((f->bd_flags & IBMVETH_BUF_NO_CSUM) && f->fam != VSW_FAM_NONE)
			compute = true;
		else if (f->bd_flags & IBMVETH_BUF_NO_CSUM)
			r->stats.hv_sw_errors++;
	}
	/* The body never overlaps the buffer: a receiver in the sender's
	 * partition gets its copy from the hypervisor's gather buffer. */
	if (compute) {
		vsw_copy_and_checksum(frame + hl, f);
		r->stats.hv_sw_checksums++;
	} else {
		memcpy(frame + hl, f->body, f->body_len);
		prof_copied(f->body_len);
	}
	if (f->mss) {
		/* PHYP writes the MSS as a be64 at buffer+8 (ibmveth_poll reads
		 * it there); the frame then starts at +16 (our choice: no source
		 * gives PHYP's offset). */
		hv_put_be64(buf + PAPR_RX_OFFSET, f->mss);
		flags |= IBMVETH_RXQ_LRG_PKT;
		r->stats.lrg_delivered++;
	}
	vsw_rx_post(r, buf, off, len, flags);
}

static struct pkt_pool *vsw_seg_pool(struct hv *hv)
{
	if (!hv->send.seg_pool)
		hv->send.seg_pool = pkt_pool_create(
			"hv-segment", vsw_seg_classes,
			sizeof(vsw_seg_classes) / sizeof(vsw_seg_classes[0]), NULL, 0);
	return hv->send.seg_pool;
}

/*
 * Deliver large send f to r, which did not enable large receive: cut it into
 * mss-sized TCP segments with the packet core's gso_segment (Platform Large
 * Send: "segments it into standard Ethernet frames for receivers without
 * PLSO"). For a NO_CSUM sender each segment is flagged NO_CSUM|CSUM_GOOD as
 * the sender's frame was if r enabled CSO for its family — its checksum
 * field zeroed, as the ibmveth transmit path leaves it (our choice) — or
 * carries a full checksum the hypervisor computed, and no flags. Any other
 * sender's segments carry its checksum field unchanged, with its flags for a
 * CSO receiver, as vsw_deliver_whole does. hv_sw_segments counts the segments cut,
 * hv_sw_checksums the checksums computed. A frame that is not TCP over IP, or
 * that cannot be cut, is dropped for r and counted in hv_sw_errors.
 */
static void vsw_deliver_segmented(struct hv *hv, struct hv_adapter *r, const struct vsw_frame *f)
{
	bool tagged = vsw_tagged_for(r, f);
	uint32_t len = vsw_variant_len(f, tagged);
	struct pkt_pool *pool = vsw_seg_pool(hv);
	struct pkt *p = pool ? pkt_alloc(pool, len, 0) : NULL;
	if (!p) {
		r->stats.hv_sw_errors++;
		return;
	}
	uint8_t *d = pkt_put(p, len);
	if (!d)
		goto err_free_p;
	vsw_variant_copy(d, f, tagged, len);
	struct hdr_info h;
	enum vsw_family fam = vsw_classify(d, len, &h);
	if (fam == VSW_FAM_NONE)
		goto err_free_p;
	uint32_t l3_end = (uint32_t)h.l3_off + h.l3_tot_len;
	if (l3_end < len && pkt_trim(p, l3_end) != 0) /* no Ethernet padding in a super-frame */
		goto err_free_p;

	p->mac_header = p->data;
	p->network_header = p->data + h.l3_off;
	p->transport_header = p->data + h.l4_off;
	p->protocol = h.ethertype;
	p->ip_summed = CHECKSUM_PARTIAL;
	p->csum_start = p->transport_header;
	p->csum_offset = TCP_CSUM_OFFSET;
	p->gso_size = f->mss;
	p->gso_type = fam == VSW_FAM_TCP4 ? PKT_GSO_TCPV4 : PKT_GSO_TCPV6;
	uint32_t payload = l3_end - h.l4_off - h.l4_hlen;
	if (payload <= f->mss) {
		/* Nothing to cut (gso_segment would answer -EINVAL, as
		 * tcp_gso_segment): our choice, the frame goes as an ordinary
		 * one, since Platform Large Send only promises standard
		 * Ethernet frames to a receiver without it. */
		pkt_free(p);
		struct vsw_frame whole = *f;
		whole.mss = 0;
		vsw_deliver_whole(r, &whole);
		return;
	}
	p->gso_segs = (uint16_t)((payload + f->mss - 1) / f->mss);
	/* The checksum is the hypervisor's to compute only when the sender set
	 * NO_CSUM (as vsw_deliver_whole): then the field the sender zeroed is
	 * seeded so that segmentation yields correct per-segment checksums.
	 * Otherwise nothing is computed: each segment carries the sender's
	 * field as it was (our choice: the header is copied, and only what
	 * cutting changes is rewritten — lengths, IPv4 id and header
	 * checksum, sequence, flags), so a sender that left a wrong field
	 * (seed issue 2, fix 2 off) is not repaired on the way. */
	bool no_csum = (f->bd_flags & IBMVETH_BUF_NO_CSUM) != 0;
	uint8_t sent_field[2];
	memcpy(sent_field, d + h.l4_off + TCP_CSUM_OFFSET, 2);
	if (no_csum && pkt_tcp_set_pseudo_seed(p) != 0)
		goto err_free_p;

	bool rx_cso = vsw_rx_offloads(r, fam);
	bool offload = no_csum && rx_cso;
	int err = 0;
	struct pkt *segs = gso_segment(p, offload || !no_csum, &err);
	pkt_free(p);
	if (!segs) {
		r->stats.hv_sw_errors++;
		return;
	}
	for (struct pkt *s = segs; s; s = s->next) {
		r->stats.hv_sw_segments++;
		uint32_t slen = pkt_headlen(s);
		uint8_t *sd = pkt_data(s);
		uint32_t flags = 0;
		bool has_field = (uint32_t)h.l4_off + TCP_CSUM_OFFSET + 2 <= slen;
		if (offload) {
			flags = f->bd_flags & VSW_CSUM_FLAGS;
			if (has_field)
				sd[h.l4_off + TCP_CSUM_OFFSET] =
					sd[h.l4_off + TCP_CSUM_OFFSET + 1] = 0;
		} else if (no_csum) {
			r->stats.hv_sw_checksums++;
		} else {
			if (rx_cso)
				flags = f->bd_flags & VSW_CSUM_FLAGS;
			if (has_field)
				memcpy(sd + h.l4_off + TCP_CSUM_OFFSET, sent_field, 2);
		}
		/* The interrupt handler may have freed r's LAN meanwhile. */
		if (!r->open) {
			r->stats.rx_not_open++;
			continue;
		}
		uint8_t *buf = vsw_rx_take(r, slen + PAPR_RX_OFFSET);
		if (!buf)
			continue;
		memcpy(buf + PAPR_RX_OFFSET, sd, slen);
		prof_copied(slen);
		vsw_rx_post(r, buf, PAPR_RX_OFFSET, slen, flags);
	}
	pkt_free_list(segs);
	return;

err_free_p:
	pkt_free(p);
	r->stats.hv_sw_errors++;
}

/* ---- Send ----------------------------------------------------------------- */

/*
 * Port input rules (IBM's PowerVM virtualization Redbooks): an untagged
 * frame takes the sender's PVID; a frame tagged with the PVID or one of the
 * adapter's additional VIDs keeps its VLAN; any other tag, VID 0 (priority
 * tag) or 4095, an 802.1ad outer tag, a second tag, or a truncated tag is
 * discarded — no VLAN hopping. Fills f's VLAN and body; false when discarded.
 */
static bool vsw_ingress(const struct hv_adapter *s, const uint8_t *frame, uint32_t len,
			struct vsw_frame *f)
{
	uint16_t type = hdr_get16(frame + 12);
	if (type == ETH_P_8021AD)
		return false;
	if (type != ETH_P_8021Q) {
		f->vid = s->cfg.pvid;
		f->tci = s->cfg.pvid;
		f->body = frame + 12;
		f->body_len = len - 12;
		return true;
	}
	if (len < ETH_HLEN + VLAN_HLEN)
		return false;
	uint16_t tci = hdr_get16(frame + 14);
	uint16_t inner = hdr_get16(frame + 16);
	uint16_t vid = tci & 0x0FFF;
	if (inner == ETH_P_8021Q || inner == ETH_P_8021AD)
		return false;
	if (vid == 0 || vid == 0x0FFF || !vsw_on_vlan(s, vid))
		return false;
	f->vid = vid;
	f->tci = tci;
	f->body = frame + 16;
	f->body_len = len - 16;
	return true;
}

/* The profiler section of H_SEND_LOGICAL_LAN. */
static struct prof_section hv_send_prof = PROF_SECTION_INIT("hv send+copy");

/* h_send_logical_lan: see hv.h. */
long h_send_logical_lan(struct hv_partition *part, uint64_t ua, const uint64_t desc[6],
			uint64_t continue_token, uint64_t *ret_token, uint64_t mss)
{
	/* the hcall's whole cost, switching and copies, is "hv send+copy" */
	PROF_SCOPE(prof, &hv_send_prof, 0);
	if (ret_token)
		*ret_token = 0;
	if (!part)
		return H_PARAMETER;
	part->stats.hcalls++;
	struct hv_adapter *s = hv_adapter_find(part, ua);
	if (!s) {
		part->stats.bad_unit++;
		return H_PARAMETER;
	}
	struct hv *hv = part->hv;
	if (hv->observe) {
		struct hv_obs ev = {
			.kind = HV_OBS_SEND, .part = part, .ua = ua, .desc = desc, .mss = mss};
		hv->observe(hv->observe_arg, &ev);
	}
	if (part->inject_n) {
		part->inject_n--;
		return part->inject_code;
	}
	if (hv->send.sending)
		return H_BUSY;
	if (!s->open) {
		s->stats.tx_not_open++;
		return H_DROPPED;
	}
	if (continue_token != 0 || !desc) {
		s->stats.param_errors++;
		return H_PARAMETER;
	}

	unsigned n_desc = 0;
	uint64_t total = 0;
	while (n_desc < PAPR_SEND_DESCS && (papr_desc_flags_len(desc[n_desc]) & IBMVETH_BUF_VALID))
		total += papr_desc_len(desc[n_desc++]);
	prof.bytes = total;
	if (total == 0)
		return H_SUCCESS;
	if (total > HV_MAX_FRAME) {
		s->stats.tx_too_big++;
		return H_RESOURCE;
	}
	/* A descriptor the partition cannot DMA from fails as QEMU's gather
	 * does: spapr_vio_dma_read answers H_DEST_PARM for a failed read, and
	 * h_send_logical_lan returns that code. */
	for (unsigned i = 0; i < n_desc; i++) {
		if (!hv_lmem_ok(part, papr_desc_addr(desc[i]), papr_desc_len(desc[i]))) {
			s->stats.addr_errors++;
			return H_DEST_PARM;
		}
	}
	uint32_t len = (uint32_t)total;
	if (len < ETH_HLEN) {
		s->stats.param_errors++;
		return H_PARAMETER;
	}

	const uint8_t *frame;
	if (n_desc == 1) {
		frame = part->mem + papr_desc_addr(desc[0]);
	} else {
		uint32_t at = 0;
		for (unsigned i = 0; i < n_desc; i++) {
			uint32_t l = papr_desc_len(desc[i]);
			memcpy(hv->send.gather + at, part->mem + papr_desc_addr(desc[i]), l);
			prof_copied(l);
			at += l;
		}
		frame = hv->send.gather;
	}

	struct vsw_frame f;
	memset(&f, 0, sizeof(f));
	memcpy(f.macs, frame, 12);
	f.dst = papr_mac_to_u64(frame);
	if (f.dst == s->mac) {
		s->stats.self_sends++;
		return H_PARAMETER;
	}
	/* The HMC's MAC controls, applied to what a client adapter sends. Our
	 * choice where the sources are silent (they speak of the MAC the OS
	 * sets): under deny or an allow list, a source MAC that is neither the
	 * adapter's current MAC nor one its policy allows is dropped
	 * (H_DROPPED, as a switch port filtering addresses drops silently), so
	 * one partition cannot pose as another and make a bridge behind the
	 * trunk learn it there. Allow-all (the default) sends anything, as
	 * kernel commit 2ac8af0967aa says PHYP accepts bridged frames. A trunk
	 * forwards other stations' frames and is never checked. */
	if (!hv_adapter_is_trunk(s) && s->cfg.mac_policy != HV_MAC_ALLOW_ALL) {
		uint64_t src = papr_mac_to_u64(frame + 6);
		if (src != s->mac && !hv_mac_allowed(s, src)) {
			s->stats.mac_discards++;
			return H_DROPPED;
		}
	}
	uint32_t flags = papr_desc_flags_len(desc[0]);
	f.bd_flags = flags & VSW_CSUM_FLAGS;
	f.mss = 0;
	if ((flags & IBMVETH_BUF_LRG_SND) && mss && (s->os_attrs & IBMVETH_ILLAN_LRG_SR_ENABLED)) {
		if (mss < HV_MIN_LRG_MSS || mss > 0xFFFF) {
			s->stats.param_errors++;
			return H_PARAMETER;
		}
		f.mss = (uint16_t)mss;
	}
	if (!vsw_ingress(s, frame, len, &f)) {
		s->stats.vlan_discards++;
		return H_DROPPED;
	}
	/* Only the active trunk of a VLAN carries it: "only one trunk adapter
	 * can be active per VLAN" (IBM's PowerVM virtual networking Redbooks).
	 * Our choice where the sources are silent on what a standby's sends
	 * become: dropped (H_DROPPED, as a VLAN the port may not use), so two IO
	 * servers bridging the same VLANs never deliver a frame twice nor loop
	 * through the outside network, as SEA failover's backup adapter never
	 * forwards. */
	if (hv_adapter_is_trunk(s) && vsw_active_trunk(s->vsw, f.vid) != s) {
		s->stats.standby_discards++;
		return H_DROPPED;
	}
	if (f.bd_flags)
		vsw_frame_parse(&f, frame, len);

	s->stats.tx_frames++;
	s->stats.tx_bytes += len;
	size_t n = vsw_route(hv, s, &f);
	/* A receiver in the sender's own partition could have posted a buffer
	 * over the frame being sent: deliver from a private copy then. */
	if (frame != hv->send.gather) {
		for (size_t i = 0; i < n; i++) {
			if (hv->send.dests[i]->part == part) {
				memcpy(hv->send.gather, frame, len);
				prof_copied(len);
				f.body = hv->send.gather + (f.body - frame);
				break;
			}
		}
	}

	hv->send.sending = true;
	for (size_t i = 0; i < n; i++) {
		struct hv_adapter *r = hv->send.dests[i];
		if (!r->open) {
			r->stats.rx_not_open++;
			continue;
		}
		if (f.mss && !(r->os_attrs & IBMVETH_ILLAN_LRG_SR_ENABLED))
			vsw_deliver_segmented(hv, r, &f);
		else
			vsw_deliver_whole(r, &f);
	}
	hv->send.sending = false;
	return H_SUCCESS;
}
