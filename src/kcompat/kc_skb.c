/*
 * kc_skb.c — socket buffers over illan packets: allocation from the
 * instance's packet pool, freeing, the skb helpers the kernel has out of
 * line (checksum help, partial checksum, linearize, eth_type_trans), and
 * the two crossings: a packet the stack hands the driver becomes an skb,
 * an skb the driver hands up becomes the packet again.
 *
 * Serves the driver (through the kernel-API headers) and kc_net.c (the
 * crossings). No frame byte is ever copied here: an skb's head is its pkt's
 * buffer; only metadata is carried across, with the kernel's meanings on
 * the skb side (offsets from head, KC_HDR_UNSET for an unset header,
 * protocol in network order) and pkt.h's on the other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kcompat/kc_int.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"

static struct sk_buff *kc_skb_cache; /* free wrappers (->next linked) */

static struct sk_buff *kc_skb_new(void)
{
	struct sk_buff *skb = kc_skb_cache;
	if (skb)
		kc_skb_cache = skb->next;
	else
		skb = malloc(sizeof(*skb));
	if (skb)
		memset(skb, 0, sizeof(*skb));
	return skb;
}

static void kc_skb_drop_wrapper(struct sk_buff *skb)
{
	skb->next = kc_skb_cache;
	kc_skb_cache = skb;
}

/* kc_skb_cache_trim: see kc_int.h. */
void kc_skb_cache_trim(void)
{
	while (kc_skb_cache) {
		struct sk_buff *n = kc_skb_cache->next;
		free(kc_skb_cache);
		kc_skb_cache = n;
	}
}

static void kc_skb_track(struct kc_dev *kd, struct sk_buff *skb)
{
	skb->kc_owner = kd;
	skb->kc_live_prev = NULL;
	skb->kc_live_next = kd->live_skbs;
	if (kd->live_skbs)
		kd->live_skbs->kc_live_prev = skb;
	kd->live_skbs = skb;
	kd->n_live_skbs++;
}

static void kc_skb_untrack(struct sk_buff *skb)
{
	struct kc_dev *kd = skb->kc_owner;
	if (!kd)
		return;
	if (skb->kc_live_prev)
		skb->kc_live_prev->kc_live_next = skb->kc_live_next;
	else
		kd->live_skbs = skb->kc_live_next;
	if (skb->kc_live_next)
		skb->kc_live_next->kc_live_prev = skb->kc_live_prev;
	kd->n_live_skbs--;
	skb->kc_owner = NULL;
}

/* kc_dev_skbs_live: see kcompat.h. */
unsigned kc_dev_skbs_live(const struct kc_dev *kd)
{
	return kd->n_live_skbs;
}

static uint16_t kc_off16(uint32_t off)
{
	return off == PKT_HDR_UNSET || off >= KC_HDR_UNSET ? KC_HDR_UNSET : (uint16_t)off;
}

static uint32_t kc_off32(uint16_t off)
{
	return off == KC_HDR_UNSET ? PKT_HDR_UNSET : off;
}

static unsigned kc_gso_to_kernel(uint32_t t)
{
	unsigned k = 0;
	k |= t & PKT_GSO_TCPV4 ? KC_SKB_GSO_TCPV4 : 0;
	k |= t & PKT_GSO_DODGY ? KC_SKB_GSO_DODGY : 0;
	k |= t & PKT_GSO_TCP_ECN ? KC_SKB_GSO_TCP_ECN : 0;
	k |= t & PKT_GSO_TCP_FIXEDID ? KC_SKB_GSO_TCP_FIXEDID : 0;
	k |= t & PKT_GSO_TCPV6 ? KC_SKB_GSO_TCPV6 : 0;
	return k;
}

static uint32_t kc_gso_from_kernel(unsigned k)
{
	uint32_t t = 0;
	t |= k & KC_SKB_GSO_TCPV4 ? PKT_GSO_TCPV4 : 0;
	t |= k & KC_SKB_GSO_DODGY ? PKT_GSO_DODGY : 0;
	t |= k & KC_SKB_GSO_TCP_ECN ? PKT_GSO_TCP_ECN : 0;
	t |= k & KC_SKB_GSO_TCP_FIXEDID ? PKT_GSO_TCP_FIXEDID : 0;
	t |= k & KC_SKB_GSO_TCPV6 ? PKT_GSO_TCPV6 : 0;
	return t;
}

/* The skb's bytes and lengths from p (headers and offloads not touched). */
static void kc_skb_set_data(struct sk_buff *skb, const struct pkt *p)
{
	skb->head = p->head;
	skb->data = p->head + p->data;
	skb->len = p->len;
	skb->data_len = p->data_len;
	skb->tail = p->data + pkt_headlen(p);
	skb->end = p->size;
	skb->truesize = p->size;
}

/* Carry the skb's data, lengths and offload state to its pkt (before a pkt
 * helper runs on the skb's behalf). */
static void kc_skb_sync_to_pkt(const struct sk_buff *skb)
{
	struct pkt *p = skb->kc_pkt;
	p->data = (uint32_t)(skb->data - skb->head);
	p->len = skb->len;
	p->data_len = skb->data_len;
	p->ip_summed = skb->ip_summed;
	p->csum_level = skb->csum_level;
	p->csum = skb->csum;
	p->csum_start = skb->csum_start;
	p->csum_offset = skb->csum_offset;
	p->gso_size = skb->kc_shinfo.gso_size;
	p->gso_segs = skb->kc_shinfo.gso_segs;
	p->gso_type = kc_gso_from_kernel(skb->kc_shinfo.gso_type);
	p->mac_header = kc_off32(skb->mac_header);
	p->network_header = kc_off32(skb->network_header);
	p->transport_header = kc_off32(skb->transport_header);
}

/* ---- Allocation and freeing -------------------------------------------------------- */

struct sk_buff *__netdev_alloc_skb(struct net_device *dev, unsigned int len, gfp_t gfp)
{
	(void)gfp;
	struct kc_dev *kd = dev && dev->kc ? dev->kc : kc_cur();
	if (!kd || !kd->pool)
		return NULL;
	struct pkt *p = pkt_alloc(kd->pool, len, KC_NET_SKB_PAD);
	if (!p) {
		kd->st.skb_alloc_failures++;
		return NULL;
	}
	struct sk_buff *skb = kc_skb_new();
	if (!skb) {
		pkt_free(p);
		kd->st.skb_alloc_failures++;
		return NULL;
	}
	skb->kc_pkt = p;
	kc_skb_set_data(skb, p);
	skb->dev = dev;
	skb->mac_header = skb->network_header = skb->transport_header = KC_HDR_UNSET;
	kc_skb_track(kd, skb);
	return skb;
}

/* Free the wrappers of skb's frag_list members (the members' pkts go with
 * the head pkt's frag_list). */
static void kc_skb_drop_members(struct sk_buff *skb)
{
	struct sk_buff *m = skb->kc_shinfo.frag_list;
	while (m) {
		struct sk_buff *n = m->next;
		kc_skb_drop_wrapper(m);
		m = n;
	}
	skb->kc_shinfo.frag_list = NULL;
}

/* kc_skb_release: see kc_int.h. */
void kc_skb_release(struct sk_buff *skb)
{
	kc_skb_untrack(skb);
	kc_skb_drop_members(skb);
	kc_skb_drop_wrapper(skb);
}

static void kc_skb_free(struct sk_buff *skb)
{
	if (!skb)
		return;
	if (skb->kc_frag_member) {
		kc_log(kc_cur(), KC_LOG_ERR, "skb free of a frag_list member (ignored)");
		return;
	}
	struct pkt *p = skb->kc_pkt;
	kc_skb_release(skb);
	pkt_free(p);
}

/* kfree_skb: the kernel's; counted as a drop (skb_kfree). */
void kfree_skb(struct sk_buff *skb)
{
	struct kc_dev *kd = skb ? skb->kc_owner : NULL;
	if (kd)
		kd->st.skb_kfree++;
	kc_skb_free(skb);
}

/* consume_skb: the kernel's. */
void consume_skb(struct sk_buff *skb)
{
	kc_skb_free(skb);
}

/* kc_skb_reclaim: see kc_int.h. */
unsigned kc_skb_reclaim(struct kc_dev *kd)
{
	unsigned n = 0;
	while (kd->live_skbs) {
		kc_skb_free(kd->live_skbs);
		n++;
	}
	return n;
}

/* kc_skb_panic: skb_over_panic and its relatives: an oops of the running instance. */
void kc_skb_panic(const struct sk_buff *skb, unsigned int len, const char *what)
{
	kc_oops("skbuff: %s: len:%u put:%u head:%p data:%p tail:%#x end:%#x", what, skb->len, len,
		(void *)skb->head, (void *)skb->data, skb->tail, skb->end);
}

/* ---- The crossings ------------------------------------------------------------------ */

/* A flow hash for the transmit queue (skb_tx_hash's role): IP addresses
 * and ports, so a flow stays on one queue. */
static uint16_t kc_skb_queue(const struct pkt *p, unsigned n_queues)
{
	if (n_queues <= 1)
		return 0;
	struct hdr_info h;
	if (hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h) || !h.l3_off)
		return 0;
	const uint8_t *f = pkt_data(p);
	uint32_t x = 2166136261u;
	uint32_t a_off = h.ip_version == 4 ? h.l3_off + 12u : h.l3_off + 8u;
	uint32_t a_len = h.ip_version == 4 ? 8u : 32u;
	for (uint32_t i = 0; i < a_len; i++)
		x = (x ^ f[a_off + i]) * 16777619u;
	if (h.l4_off)
		for (uint32_t i = 0; i < 4; i++)
			x = (x ^ f[h.l4_off + i]) * 16777619u;
	return (uint16_t)(x % n_queues);
}

/* Pull q's page fragments (not its frag_list) into its linear part.
 * Returns 0 or -ENOMEM (q unchanged). */
static int kc_skb_pull_frags(struct pkt *q)
{
	if (!q->nr_frags)
		return 0;
	struct pkt *fl = q->frag_list;
	uint32_t fl_len = 0;
	for (const struct pkt *m = fl; m; m = m->next)
		fl_len += m->len;
	q->frag_list = NULL;
	q->len -= fl_len;
	q->data_len -= fl_len;
	int rc = pkt_linearize(q);
	q->frag_list = fl;
	q->len += fl_len;
	q->data_len += fl_len;
	return rc;
}

/* kc_skb_from_pkt: see kc_int.h. As dev_queue_xmit leaves an skb for
 * ndo_start_xmit: mac header at data, network and transport headers from
 * the stack (or found by parsing, as a forwarder's flow extraction leaves
 * them), protocol the outermost ethertype (802.1Q for a tagged frame). */
struct sk_buff *kc_skb_from_pkt(struct kc_dev *kd, struct pkt *p, struct net_device *kdev)
{
	/* Page fragments are pulled into the linear part at this crossing,
	 * the head's and each frag_list member's: the layer maps no pages (no
	 * skb_frag_dma_map), so the driver only ever sees nr_frags 0. The
	 * bytes on the wire are the same; what the kernel would have sent as
	 * one descriptor per fragment goes as one. The frag_list stays, so the
	 * driver's own frag_list handling still runs. */
	if (kc_skb_pull_frags(p) != 0) {
		pkt_free(p);
		return NULL;
	}
	for (struct pkt *m = p->frag_list; m; m = m->next)
		if (kc_skb_pull_frags(m) != 0) {
			pkt_free(p);
			return NULL;
		}
	struct sk_buff *skb = kc_skb_new();
	if (!skb) {
		pkt_free(p);
		return NULL;
	}
	skb->kc_pkt = p;
	kc_skb_set_data(skb, p);
	skb->dev = kdev;
	skb->mac_header = kc_off16(p->data);
	uint32_t nh = p->network_header, th = p->transport_header;
	if (nh == PKT_HDR_UNSET || nh < p->data || th == PKT_HDR_UNSET || th < p->data) {
		struct hdr_info h;
		if (hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h) == 0) {
			if (nh == PKT_HDR_UNSET || nh < p->data)
				nh = h.l3_off ? p->data + h.l3_off : p->data + ETH_HLEN;
			if ((th == PKT_HDR_UNSET || th < p->data) && h.l4_off)
				th = p->data + h.l4_off;
		}
		if (nh == PKT_HDR_UNSET || nh < p->data)
			nh = p->data + ETH_HLEN;
	}
	if (p->ip_summed == CHECKSUM_PARTIAL)
		th = p->csum_start;
	skb->network_header = kc_off16(nh);
	skb->transport_header = kc_off16(th == PKT_HDR_UNSET || th < p->data ? PKT_HDR_UNSET : th);
	skb->protocol = 0;
	if (pkt_headlen(p) >= ETH_HLEN)
		memcpy(&skb->protocol, pkt_data(p) + 12, 2); /* network order, as stored */
	skb->ip_summed = p->ip_summed;
	skb->csum_level = p->csum_level;
	skb->csum = p->csum;
	skb->csum_start = (uint16_t)p->csum_start;
	skb->csum_offset = p->csum_offset;
	skb->kc_shinfo.gso_size = p->gso_size;
	skb->kc_shinfo.gso_segs = p->gso_segs;
	skb->kc_shinfo.gso_type = kc_gso_to_kernel(p->gso_type);
	skb->queue_mapping = kc_skb_queue(p, kdev->real_num_tx_queues);
	struct sk_buff **tailp = &skb->kc_shinfo.frag_list;
	for (struct pkt *m = p->frag_list; m; m = m->next) {
		struct sk_buff *w = kc_skb_new();
		if (!w) {
			kc_skb_drop_members(skb);
			kc_skb_drop_wrapper(skb);
			pkt_free(p);
			return NULL;
		}
		w->kc_pkt = m;
		kc_skb_set_data(w, m);
		w->kc_frag_member = true;
		w->dev = kdev;
		w->mac_header = w->network_header = w->transport_header = KC_HDR_UNSET;
		*tailp = w;
		tailp = &w->next;
	}
	kc_skb_track(kd, skb);
	return skb;
}

/* kc_skb_to_pkt: see kc_int.h. The driver pulled the Ethernet header
 * (eth_type_trans): the pkt starts at the mac header again, as
 * netdev_receive wants; headers the driver did not set are found by
 * parsing, as the kernel's IP layer would find them. */
struct pkt *kc_skb_to_pkt(struct sk_buff *skb)
{
	struct pkt *p = skb->kc_pkt;
	uint32_t data = (uint32_t)(skb->data - skb->head);
	uint32_t mac = skb->mac_header != KC_HDR_UNSET && skb->mac_header <= data ? skb->mac_header
										  : data;
	kc_skb_sync_to_pkt(skb);
	p->data = mac;
	p->len = skb->len + (data - mac);
	p->vlan_present = false;
	uint32_t nh = p->network_header, th = p->transport_header;
	if (pkt_parse_headers(p, NULL) != 0) {
		p->mac_header = mac;
		p->protocol = skb->len + (data - mac) >= ETH_HLEN ? hdr_get16(pkt_data(p) + 12) : 0;
	}
	if (nh != PKT_HDR_UNSET && nh >= mac)
		p->network_header = nh;
	if (th != PKT_HDR_UNSET && th >= mac)
		p->transport_header = th;
	kc_skb_release(skb);
	return p;
}

/* ---- Helpers the kernel has out of line --------------------------------------------- */

int skb_checksum_help(struct sk_buff *skb)
{
	kc_skb_sync_to_pkt(skb);
	int rc = pkt_checksum_help(skb->kc_pkt);
	skb->ip_summed = skb->kc_pkt->ip_summed;
	return rc;
}

/* Mark skb CHECKSUM_PARTIAL with the checksum field at start + off (start
 * from data): refused, nothing changed, when csum_start would not fit its
 * 16 bits or the field is not inside the linear data. */
bool skb_partial_csum_set(struct sk_buff *skb, u16 start, u16 off)
{
	uint32_t cstart = (uint32_t)(skb->data - skb->head) + start;
	if (cstart >= 0xffffu || (uint32_t)start + off + 2u > skb->len - skb->data_len) {
		kc_log(skb->kc_owner, KC_LOG_WARNING,
		       "bad partial csum: csum=%u/%u headroom=%u headlen=%u", start, off,
		       (unsigned)(skb->data - skb->head), skb->len - skb->data_len);
		return false;
	}
	skb->ip_summed = KC_CHECKSUM_PARTIAL;
	skb->csum_start = (u16)cstart;
	skb->csum_offset = off;
	skb->transport_header = (u16)cstart;
	return true;
}

/* __skb_linearize: the kernel's, through pkt_linearize (the buffer may move). */
int __skb_linearize(struct sk_buff *skb)
{
	if (skb->kc_frag_member)
		return -EINVAL;
	struct pkt *p = skb->kc_pkt;
	kc_skb_sync_to_pkt(skb);
	int rc = pkt_linearize(p);
	if (rc)
		return rc;
	kc_skb_drop_members(skb);
	kc_skb_set_data(skb, p);
	skb->mac_header = kc_off16(p->mac_header);
	skb->network_header = kc_off16(p->network_header);
	skb->transport_header = kc_off16(p->transport_header);
	skb->csum_start = (uint16_t)p->csum_start;
	return 0;
}

/*
 * Determine the packet's protocol and pull the Ethernet header, as
 * eth_type_trans does: skb->dev set, mac header at the frame, pkt_type from
 * the destination (broadcast, multicast, other host), and the protocol:
 * the ethertype when it is one (>= 0x0600), else 802.3 raw (0xFFFF after
 * the header) or 802.2 LLC.
 */
__be16 eth_type_trans(struct sk_buff *skb, struct net_device *dev)
{
	skb->dev = dev;
	skb->mac_header = (u16)(skb->data - skb->head);
	const unsigned char *eth = skb->data;
	if (skb->len - skb->data_len < ETH_HLEN)
		kc_skb_panic(skb, ETH_HLEN, "eth_type_trans on a runt");
	skb->len -= ETH_HLEN;
	skb->data += ETH_HLEN;
	if (eth[0] & 1) {
		static const unsigned char bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		skb->pkt_type = memcmp(eth, bcast, 6) == 0 ? KC_PACKET_BROADCAST
							   : KC_PACKET_MULTICAST;
	} else if (memcmp(eth, dev->dev_addr, 6) != 0) {
		skb->pkt_type = KC_PACKET_OTHERHOST;
	} else {
		skb->pkt_type = KC_PACKET_HOST;
	}
	uint16_t proto = hdr_get16(eth + 12);
	__be16 be;
	if (proto >= 0x0600) {
		memcpy(&be, eth + 12, 2);
		return be;
	}
	uint8_t raw[2];
	hdr_put16(raw, skb->len - skb->data_len >= 2 && skb->data[0] == 0xff && skb->data[1] == 0xff
			       ? 0x0001
			       : 0x0004);
	memcpy(&be, raw, 2);
	return be;
}

/* ---- Checksums (illan's csum.c; the same conventions as the kernel's) ---------------- */

__sum16 kc_ip_fast_csum(const void *iph, unsigned int ihl)
{
	return ip_fast_csum(iph, ihl);
}

__sum16 kc_csum_tcpudp_magic(__be32 saddr, __be32 daddr, u32 len, u8 proto, __wsum sum)
{
	return csum_tcpudp_magic(&saddr, &daddr, len, proto, sum);
}

__sum16 kc_csum_ipv6_magic(const void *saddr, const void *daddr, u32 len, u8 proto, __wsum sum)
{
	return csum_ipv6_magic(saddr, daddr, len, proto, sum);
}
