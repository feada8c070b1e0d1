/*
 * linux/if_vlan.h — VLAN helpers a driver calls from ndo_features_check.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_IF_VLAN_H
#define KC_LINUX_IF_VLAN_H

#include <linux/netdevice.h>

static inline bool eth_type_vlan(__be16 ethertype)
{
	return ethertype == htons(ETH_P_8021Q) || ethertype == htons(ETH_P_8021AD);
}

/* More than one 802.1Q/802.1ad tag in the frame (tags are always in-band
 * here: illan's validate_xmit pushes an out-of-band tag before the driver
 * sees the packet). */
static inline bool skb_vlan_tagged_multi(const struct sk_buff *skb)
{
	if (!eth_type_vlan(skb->protocol) || skb_headlen(skb) < ETH_HLEN + 4 + 2)
		return false;
	__be16 inner;
	memcpy(&inner, skb->data + ETH_HLEN + 2, sizeof(inner));
	return eth_type_vlan(inner);
}

/* A multi-tagged frame keeps only the offloads that need not parse past
 * the tags (the meaning of the kernel's vlan_features_check). */
static inline netdev_features_t vlan_features_check(struct sk_buff *skb, netdev_features_t features)
{
	if (skb_vlan_tagged_multi(skb))
		features = netdev_intersect_features(
			features, NETIF_F_SG | NETIF_F_HIGHDMA | NETIF_F_HW_CSUM | NETIF_F_FRAGLIST |
					  NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX);
	return features;
}

#endif
