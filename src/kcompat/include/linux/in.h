/*
 * linux/in.h — IP protocol numbers (include/uapi/linux/in.h).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_IN_H
#define KC_LINUX_IN_H

#include "kc/base.h"

#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_ICMPV6 58
#define IPPROTO_RAW 255

#endif
