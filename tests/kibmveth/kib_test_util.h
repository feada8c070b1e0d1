/*
 * kib_test_util.h — what the kernel-driver tests share: the addresses of
 * their A -> B traffic, its ARP request, and the IP and TCP/UDP headers of
 * one of its packets.
 *
 * Header-only (static functions); used by test_kibmveth.c and
 * test_differential.c.
 */
#ifndef ILLAN_KIB_TEST_UTIL_H
#define ILLAN_KIB_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/hdr.h"

static const uint8_t IP4_A[4] = {192, 0, 2, 1}, IP4_B[4] = {192, 0, 2, 2};
static const uint8_t IP6_A[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t IP6_B[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* At a, an ARP request (Ethernet, IPv4) from sha at A for B's address. */
static inline void kib_arp_fill(uint8_t *a, const uint8_t sha[6])
{
	memset(a, 0, 28);
	hdr_put16(a, 1);
	hdr_put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	hdr_put16(a + 6, 1);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, IP4_A, 4);
	memcpy(a + 24, IP4_B, 4);
}

/* At ip, the IPv4 (family 4) or IPv6 header and the TCP or UDP (udp)
 * header of an A -> B packet of l4len L4 bytes, its L4 header included:
 * port 40000 -> 5201, TTL 64, IPv4 with DF and its header checksum, TCP
 * seq 1000 ack 2000 ACK window 1000; the L4 checksum field left 0. */
static inline void kib_ip_l4_fill(uint8_t *ip, int family, bool udp, uint32_t l4len)
{
	uint32_t l3 = family == 4 ? 20 : 40;
	uint8_t proto = udp ? IPPROTO_UDP_ : IPPROTO_TCP_;
	memset(ip, 0, l3 + (udp ? 8 : 20));
	if (family == 4) {
		ip[0] = 0x45;
		hdr_put16(ip + 2, (uint16_t)(l3 + l4len));
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, IP4_A, 4);
		memcpy(ip + 16, IP4_B, 4);
		uint16_t c = ip_fast_csum(ip, 5);
		memcpy(ip + 10, &c, 2);
	} else {
		ip[0] = 0x60;
		hdr_put16(ip + 4, (uint16_t)l4len);
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, IP6_A, 16);
		memcpy(ip + 24, IP6_B, 16);
	}
	uint8_t *th = ip + l3;
	hdr_put16(th, 40000);
	hdr_put16(th + 2, 5201);
	if (udp) {
		hdr_put16(th + 4, (uint16_t)l4len);
	} else {
		hdr_put32(th + 4, 1000);
		hdr_put32(th + 8, 2000);
		th[12] = 5 << 4;
		th[13] = TCP_ACK;
		hdr_put16(th + 14, 1000);
	}
}

#endif
