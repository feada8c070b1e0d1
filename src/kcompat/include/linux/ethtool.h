/*
 * linux/ethtool.h — ethtool constants (the structures are in kc/kstructs.h).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_ETHTOOL_H
#define KC_LINUX_ETHTOOL_H

#include "kc/base.h"

#define ETH_GSTRING_LEN KC_ETH_GSTRING_LEN
#define ETH_SS_TEST KC_ETH_SS_TEST
#define ETH_SS_STATS KC_ETH_SS_STATS
#define SPEED_10 10
#define SPEED_100 100
#define SPEED_1000 1000
#define SPEED_10000 10000
#define SPEED_UNKNOWN -1
#define DUPLEX_HALF 0x00
#define DUPLEX_FULL 0x01
#define DUPLEX_UNKNOWN 0xff
#define PORT_TP 0x00
#define PORT_FIBRE 0x03
#define PORT_OTHER 0xff

#endif
