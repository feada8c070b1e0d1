/*
 * csum.h — the Internet checksum (RFC 1071), incremental update (RFC 1624) and
 * IPv4/IPv6 pseudo-header sums.
 *
 * Serves the packet core (checksum_help, GSO, GRO), the hypervisor (software
 * checksums for receivers without offload), drivers and the stack.
 *
 * Conventions, as Linux's: a "sum" (uint32_t, like __wsum) is an unfolded
 * ones'-complement accumulation of 16-bit words read in memory order; a
 * "checksum" (uint16_t, like __sum16) is the 16-bit value to store into a
 * header with memcpy, as-is — no byte swapping anywhere.
 */
#ifndef ILLAN_CSUM_H
#define ILLAN_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Sum of len bytes at buf added to sum (any alignment, any length). Fast:
 * 64-bit accumulation. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* Copy len bytes and sum them in one pass. */
uint32_t csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum);
/* Fold a sum to 16 bits and complement it: the checksum to store. */
uint16_t csum_fold(uint32_t sum);
/* Add two sums; add a sum of a block that starts at odd offset `offset`. */
uint32_t csum_add(uint32_t a, uint32_t b);
uint32_t csum_block_add(uint32_t sum, uint32_t block_sum, size_t offset);
/* IPv4 header checksum over ihl 32-bit words (the field included). */
uint16_t ip_fast_csum(const void *iph, unsigned ihl);
/* Pseudo-header sums; addresses in network order as they sit in the header,
 * len in host order. */
uint32_t csum_tcpudp_nofold(const void *saddr4, const void *daddr4, uint32_t len,
			    uint8_t proto, uint32_t sum);
uint16_t csum_tcpudp_magic(const void *saddr4, const void *daddr4, uint32_t len,
			   uint8_t proto, uint32_t sum);
uint32_t csum_ipv6_nofold(const void *saddr16, const void *daddr16, uint32_t len,
			  uint8_t proto, uint32_t sum);
uint16_t csum_ipv6_magic(const void *saddr16, const void *daddr16, uint32_t len,
			 uint8_t proto, uint32_t sum);
/* RFC 1624 incremental update of a stored checksum (memory order) when a
 * 16-bit or 32-bit field changes from old to new (memory order too). */
void csum_replace2(uint16_t *check, uint16_t old, uint16_t new_);
void csum_replace4(uint16_t *check, uint32_t old, uint32_t new_);

#endif
