/*
 * hdr.h — bounded header parsing and the wire header layouts: Ethernet,
 * 802.1Q (one or two tags), IPv4 (with options), IPv6 (extension headers
 * walked or refused, never misread), TCP, UDP.
 *
 * Serves the packet core, drivers (ibmveth's helpers), the hypervisor (VLAN
 * rules, software checksum/segmentation), the bridge (flow keys) and the
 * stack. Every truncation is an error, never a read past len.
 */
#ifndef ILLAN_HDR_H
#define ILLAN_HDR_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ALEN 6
#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_IPV6 0x86DD
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_ICMP_ 1
#define TCP_CSUM_OFFSET 16 /* offsetof(struct tcphdr, check) */
#define UDP_CSUM_OFFSET 6

/*
 * Wire layouts, with Linux's names (ethhdr, iphdr, ipv6hdr, tcphdr). Every
 * field is bytes, so a layout may lie over a frame at any alignment;
 * multi-byte fields are big-endian (hdr_get16/hdr_get32). Callers check the
 * length before they cast.
 */
struct hdr_eth {
	uint8_t h_dest[ETH_ALEN];
	uint8_t h_source[ETH_ALEN];
	uint8_t h_proto[2];
};
static_assert(sizeof(struct hdr_eth) == ETH_HLEN, "Ethernet header is 14 bytes");

#define IPV4_HLEN 20 /* without options */
struct hdr_ip {
	uint8_t version_ihl; /* version << 4 | header length in 32-bit words */
	uint8_t tos;
	uint8_t tot_len[2];
	uint8_t id[2];
	uint8_t frag_off[2]; /* IP_DF, IP_MF, offset in 8-byte units */
	uint8_t ttl;
	uint8_t protocol;
	uint8_t check[2];
	uint8_t saddr[4];
	uint8_t daddr[4];
};
static_assert(sizeof(struct hdr_ip) == IPV4_HLEN, "IPv4 header is 20 bytes");
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

#define IPV6_HLEN 40 /* the fixed header */
struct hdr_ipv6 {
	uint8_t version_tc_flow[4];
	uint8_t payload_len[2];
	uint8_t nexthdr;
	uint8_t hop_limit;
	uint8_t saddr[16];
	uint8_t daddr[16];
};
static_assert(sizeof(struct hdr_ipv6) == IPV6_HLEN, "IPv6 header is 40 bytes");

#define TCP_HLEN 20 /* without options */
struct hdr_tcp {
	uint8_t source[2];
	uint8_t dest[2];
	uint8_t seq[4];
	uint8_t ack_seq[4];
	uint8_t doff_res; /* data offset << 4, in 32-bit words */
	uint8_t flags;    /* TCP_FIN .. TCP_CWR */
	uint8_t window[2];
	uint8_t check[2];
	uint8_t urg_ptr[2];
};
static_assert(sizeof(struct hdr_tcp) == TCP_HLEN, "TCP header is 20 bytes");
static_assert(offsetof(struct hdr_tcp, check) == TCP_CSUM_OFFSET, "TCP checksum at 16");

/* IPv4 version and header length in bytes; TCP header length in bytes. */
static inline unsigned hdr_ip_version(const struct hdr_ip *ip)
{
	return ip->version_ihl >> 4;
}
static inline unsigned hdr_ip_hlen(const struct hdr_ip *ip)
{
	return (ip->version_ihl & 0xfu) * 4u;
}
static inline unsigned hdr_tcp_hlen(const struct hdr_tcp *th)
{
	return (th->doff_res >> 4) * 4u;
}

/* TCP flag bits (struct hdr_tcp flags, byte 13 of the header). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Result of parsing a frame. Offsets are from the start of the frame. */
struct hdr_info {
	uint8_t n_vlans; /* 0, 1 or 2 in-band tags */
	uint16_t vlan_tpid[2];
	uint16_t vlan_tci[2]; /* outer first */
	uint16_t ethertype;   /* after the tags, host order */
	uint16_t l3_off;      /* 0 if not IPv4/IPv6 */
	uint8_t ip_version;   /* 4, 6 or 0 */
	uint16_t l3_hlen;     /* IPv4 ihl*4; IPv6 40 + extension headers */
	uint32_t l3_tot_len;  /* length the IP header claims (IPv6: 40 + payload_len) */
	bool is_fragment;     /* IPv4 MF/offset or IPv6 fragment header */
	uint8_t l4_proto;     /* final protocol / next header */
	uint16_t l4_off;      /* 0 if no L4 header parsed */
	uint16_t l4_hlen;     /* TCP doff*4, UDP 8 */
};

/*
 * Parse frame[0..len). Stops at the deepest header it understands: non-IP
 * ethertypes give l3_off = 0; non-TCP/UDP give l4_off = 0; fragments that
 * are not the first give l4_off = 0. Returns 0, or -EINVAL when a header is
 * truncated or malformed (bad version, ihl < 5, doff < 5, tot_len < header
 * length or > len), -EPROTONOSUPPORT for an IPv6 extension header it will
 * not walk (anything but hop-by-hop, routing, fragment, destination options),
 * or more than two VLAN tags.
 */
int hdr_parse(const uint8_t *frame, uint32_t len, struct hdr_info *h);

/*
 * As hdr_parse, for a frame of which only the first avail bytes can be read
 * (a packet's linear part) but whose whole length is len (frag_list
 * included): headers must lie within avail, length fields are checked
 * against len. Same results and errors as hdr_parse; h is filled as far as
 * parsing got, also on error.
 */
int hdr_parse_head(const uint8_t *frame, uint32_t avail, uint32_t len, struct hdr_info *h);

/*
 * Parse from an IP header at offset off of frame, with no L2 header (the
 * version nibble selects IPv4/IPv6; ethertype is set to match, n_vlans 0).
 * avail and len as hdr_parse_head; offsets in h are from frame. Same errors
 * as hdr_parse, and -EINVAL when off is outside avail (or beyond 16 bits) or
 * the version is neither 4 nor 6.
 */
int hdr_parse_ip(const uint8_t *frame, uint32_t avail, uint32_t len, uint32_t off,
		 struct hdr_info *h);

struct pkt;
/*
 * Parse a packet whose MAC header is at data (hdr_parse_head over its linear
 * part, length fields against p->len) and set p's mac_header,
 * network_header, transport_header (those found; others PKT_HDR_UNSET) and
 * protocol. h (may be NULL) receives the parse. Returns hdr_parse's result;
 * on error p is unchanged.
 */
int pkt_parse_headers(struct pkt *p, struct hdr_info *h);

/* Big-endian loads and stores on unaligned bytes. */
static inline uint16_t hdr_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t hdr_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t hdr_get64(const uint8_t *p)
{
	return (uint64_t)hdr_get32(p) << 32 | hdr_get32(p + 4);
}
static inline void hdr_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void hdr_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
