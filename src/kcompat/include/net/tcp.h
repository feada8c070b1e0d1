/*
 * net/tcp.h — TCP: the header and the checksum helpers a driver uses.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_NET_TCP_H
#define KC_NET_TCP_H

#include <linux/tcp.h>
#include <linux/ip.h>
#include <net/checksum.h>

#endif
