/*
 * linux/skbuff.h — socket buffers: the fields and helpers a driver uses,
 * over illan's struct pkt (see struct sk_buff in kc/kstructs.h).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 *
 * The meanings are the kernel's (the kernel-doc of each helper): data is
 * the first byte of the packet, len its length, data_len the part outside
 * the linear area (skb_headlen = len - data_len); offsets count from head;
 * skb_put past the end is an skb_over_panic, here an oops of the driver
 * instance (kc_skb_panic) rather than of the process.
 */
#ifndef KC_LINUX_SKBUFF_H
#define KC_LINUX_SKBUFF_H

#include "kc/base.h"

#define CHECKSUM_NONE KC_CHECKSUM_NONE
#define CHECKSUM_UNNECESSARY KC_CHECKSUM_UNNECESSARY
#define CHECKSUM_COMPLETE KC_CHECKSUM_COMPLETE
#define CHECKSUM_PARTIAL KC_CHECKSUM_PARTIAL

#define SKB_GSO_TCPV4 KC_SKB_GSO_TCPV4
#define SKB_GSO_DODGY KC_SKB_GSO_DODGY
#define SKB_GSO_TCP_ECN KC_SKB_GSO_TCP_ECN
#define SKB_GSO_TCP_FIXEDID KC_SKB_GSO_TCP_FIXEDID
#define SKB_GSO_TCPV6 KC_SKB_GSO_TCPV6

#define PACKET_HOST KC_PACKET_HOST
#define PACKET_BROADCAST KC_PACKET_BROADCAST
#define PACKET_MULTICAST KC_PACKET_MULTICAST
#define PACKET_OTHERHOST KC_PACKET_OTHERHOST

#define MAX_SKB_FRAGS KC_MAX_SKB_FRAGS
#define NET_SKB_PAD KC_NET_SKB_PAD
#define NET_IP_ALIGN 0

#define skb_shinfo(skb) (&(skb)->kc_shinfo)

static inline unsigned int skb_headlen(const struct sk_buff *skb)
{
	return skb->len - skb->data_len;
}
static inline bool skb_is_nonlinear(const struct sk_buff *skb)
{
	return skb->data_len != 0;
}
static inline bool skb_is_gso(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->gso_size != 0;
}
static inline bool skb_is_gso_v6(const struct sk_buff *skb)
{
	return (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6) != 0;
}
static inline bool skb_has_frag_list(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->frag_list != NULL;
}
#define skb_walk_frags(skb, iter) for (iter = skb_shinfo(skb)->frag_list; iter; iter = iter->next)

static inline unsigned char *skb_tail_pointer(const struct sk_buff *skb)
{
	return skb->head + skb->tail;
}
static inline unsigned char *skb_end_pointer(const struct sk_buff *skb)
{
	return skb->head + skb->end;
}
static inline unsigned int skb_headroom(const struct sk_buff *skb)
{
	return (unsigned int)(skb->data - skb->head);
}
static inline int skb_tailroom(const struct sk_buff *skb)
{
	return skb_is_nonlinear(skb) ? 0 : (int)(skb->end - skb->tail);
}

static inline void skb_reserve(struct sk_buff *skb, int len)
{
	skb->data += len;
	skb->tail += len;
}

/* Extend the linear data by len bytes at the tail; the old tail is returned.
 * A nonlinear skb or one that would pass its end is a kernel panic
 * (SKB_LINEAR_ASSERT, skb_over_panic). */
static inline void *skb_put(struct sk_buff *skb, unsigned int len)
{
	void *tmp = skb_tail_pointer(skb);
	if (unlikely(skb_is_nonlinear(skb)))
		kc_skb_panic(skb, len, "skb_put on a nonlinear skb");
	skb->tail += len;
	skb->len += len;
	if (unlikely(skb->tail > skb->end))
		kc_skb_panic(skb, len, "skb_over_panic");
	return tmp;
}
static inline void *__skb_put(struct sk_buff *skb, unsigned int len)
{
	return skb_put(skb, len);
}

static inline void *skb_push(struct sk_buff *skb, unsigned int len)
{
	if (unlikely(len > skb_headroom(skb)))
		kc_skb_panic(skb, len, "skb_under_panic");
	skb->data -= len;
	skb->len += len;
	return skb->data;
}

static inline void *__skb_pull(struct sk_buff *skb, unsigned int len)
{
	skb->len -= len;
	if (unlikely(skb->len < skb->data_len))
		kc_skb_panic(skb, len, "__skb_pull past the linear data");
	return skb->data += len;
}
static inline void *skb_pull(struct sk_buff *skb, unsigned int len)
{
	return unlikely(len > skb->len) ? NULL : __skb_pull(skb, len);
}

static inline void skb_copy_to_linear_data(struct sk_buff *skb, const void *from, unsigned int len)
{
	memcpy(skb->data, from, len);
}
static inline void skb_copy_from_linear_data(const struct sk_buff *skb, void *to, unsigned int len)
{
	memcpy(to, skb->data, len);
}

/* Header offsets. */
static inline unsigned char *skb_mac_header(const struct sk_buff *skb)
{
	return skb->head + skb->mac_header;
}
static inline unsigned char *skb_network_header(const struct sk_buff *skb)
{
	return skb->head + skb->network_header;
}
static inline unsigned char *skb_transport_header(const struct sk_buff *skb)
{
	return skb->head + skb->transport_header;
}
static inline void skb_reset_mac_header(struct sk_buff *skb)
{
	skb->mac_header = (u16)(skb->data - skb->head);
}
static inline void skb_reset_network_header(struct sk_buff *skb)
{
	skb->network_header = (u16)(skb->data - skb->head);
}
static inline void skb_reset_transport_header(struct sk_buff *skb)
{
	skb->transport_header = (u16)(skb->data - skb->head);
}
static inline void skb_set_network_header(struct sk_buff *skb, int offset)
{
	skb->network_header = (u16)(skb->data - skb->head + offset);
}
static inline void skb_set_transport_header(struct sk_buff *skb, int offset)
{
	skb->transport_header = (u16)(skb->data - skb->head + offset);
}
static inline bool skb_mac_header_was_set(const struct sk_buff *skb)
{
	return skb->mac_header != KC_HDR_UNSET;
}
static inline bool skb_transport_header_was_set(const struct sk_buff *skb)
{
	return skb->transport_header != KC_HDR_UNSET;
}
static inline int skb_network_offset(const struct sk_buff *skb)
{
	return (int)(skb_network_header(skb) - skb->data);
}
static inline int skb_transport_offset(const struct sk_buff *skb)
{
	return (int)(skb_transport_header(skb) - skb->data);
}
static inline int skb_checksum_start_offset(const struct sk_buff *skb)
{
	return skb->csum_start - skb_headroom(skb);
}

static inline u16 skb_get_queue_mapping(const struct sk_buff *skb)
{
	return skb->queue_mapping;
}
static inline void skb_set_queue_mapping(struct sk_buff *skb, u16 q)
{
	skb->queue_mapping = q;
}

/* Page fragments: the layer never builds any (nr_frags is 0: an illan
 * packet's fragments are linearized where it becomes an skb, kc_skb.c);
 * frag_list members carry what a GRO engine chained. */
static inline unsigned int skb_frag_size(const skb_frag_t *frag)
{
	return frag->kc_len;
}
static inline void *skb_frag_address(const skb_frag_t *frag)
{
	return (char *)frag->kc_addr + frag->offset;
}
static inline void *skb_frag_address_safe(const skb_frag_t *frag)
{
	return skb_frag_address(frag);
}

static inline int skb_linearize(struct sk_buff *skb)
{
	return skb_is_nonlinear(skb) ? __skb_linearize(skb) : 0;
}

static inline struct sk_buff *netdev_alloc_skb(struct net_device *dev, unsigned int len)
{
	return __netdev_alloc_skb(dev, len, 0);
}
static inline struct sk_buff *dev_alloc_skb(unsigned int len)
{
	return __netdev_alloc_skb(NULL, len, 0);
}

/* Freeing: kfree_skb and dev_kfree_skb_any count as drops (the kernel's
 * drop monitor sees them), consume_skb and dev_consume_skb_any do not. */
#define dev_kfree_skb(skb) consume_skb(skb)
#define dev_kfree_skb_any(skb) kfree_skb(skb)
#define dev_kfree_skb_irq(skb) kfree_skb(skb)
#define dev_consume_skb_any(skb) consume_skb(skb)
#define dev_consume_skb_irq(skb) consume_skb(skb)

#endif
