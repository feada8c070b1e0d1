/*
 * net/checksum.h — Internet checksum helpers (illan's csum.c, through kc_skb.c).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_NET_CHECKSUM_H
#define KC_NET_CHECKSUM_H

#include "kc/base.h"

static inline __sum16 ip_fast_csum(const void *iph, unsigned int ihl)
{
	return kc_ip_fast_csum(iph, ihl);
}
static inline __sum16 csum_tcpudp_magic(__be32 saddr, __be32 daddr, __u32 len, __u8 proto, __wsum sum)
{
	return kc_csum_tcpudp_magic(saddr, daddr, len, proto, sum);
}

#endif
