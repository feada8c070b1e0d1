/*
 * net/ip6_checksum.h — csum_ipv6_magic.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_NET_IP6_CHECKSUM_H
#define KC_NET_IP6_CHECKSUM_H

#include <net/checksum.h>
#include <linux/ipv6.h>

static inline __sum16 csum_ipv6_magic(const struct in6_addr *saddr, const struct in6_addr *daddr,
				      __u32 len, __u8 proto, __wsum sum)
{
	return kc_csum_ipv6_magic(saddr, daddr, len, proto, sum);
}

#endif
