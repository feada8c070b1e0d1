/*
 * linux/etherdevice.h — Ethernet devices: addresses, alloc_etherdev, eth_type_trans.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_ETHERDEVICE_H
#define KC_LINUX_ETHERDEVICE_H

#include <linux/netdevice.h>

static inline bool is_zero_ether_addr(const u8 *addr)
{
	return (addr[0] | addr[1] | addr[2] | addr[3] | addr[4] | addr[5]) == 0;
}
static inline bool is_multicast_ether_addr(const u8 *addr)
{
	return (addr[0] & 0x01) != 0;
}
static inline bool is_broadcast_ether_addr(const u8 *addr)
{
	return (addr[0] & addr[1] & addr[2] & addr[3] & addr[4] & addr[5]) == 0xff;
}
static inline bool is_unicast_ether_addr(const u8 *addr)
{
	return !is_multicast_ether_addr(addr);
}
static inline bool is_valid_ether_addr(const u8 *addr)
{
	return !is_multicast_ether_addr(addr) && !is_zero_ether_addr(addr);
}
static inline bool ether_addr_equal(const u8 *a, const u8 *b)
{
	return memcmp(a, b, ETH_ALEN) == 0;
}
static inline void ether_addr_copy(u8 *dst, const u8 *src)
{
	memcpy(dst, src, ETH_ALEN);
}

/* The address as a u64, first byte most significant (ether_addr_to_u64). */
static inline u64 ether_addr_to_u64(const u8 *addr)
{
	u64 u = 0;
	for (int i = 0; i < ETH_ALEN; i++)
		u = u << 8 | addr[i];
	return u;
}
static inline void u64_to_ether_addr(u64 u, u8 *addr)
{
	for (int i = ETH_ALEN - 1; i >= 0; i--, u >>= 8)
		addr[i] = (u8)u;
}

/* Set dev_addr (dev_addr is read-only to drivers since 5.17). */
static inline void eth_hw_addr_set(struct net_device *dev, const u8 *addr)
{
	memcpy(dev->kc_dev_addr, addr, ETH_ALEN);
}
static inline void dev_addr_set(struct net_device *dev, const u8 *addr)
{
	memcpy(dev->kc_dev_addr, addr, dev->addr_len);
}
static inline int eth_validate_addr(struct net_device *dev)
{
	return is_valid_ether_addr(dev->dev_addr) ? 0 : -EADDRNOTAVAIL;
}
static inline struct net_device *alloc_etherdev(int sizeof_priv)
{
	return alloc_etherdev_mqs(sizeof_priv, 1, 1);
}
#define alloc_etherdev_mq(sizeof_priv, count) alloc_etherdev_mqs((sizeof_priv), (count), (count))

#endif
