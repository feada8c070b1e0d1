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

/* The unfolded ones'-complement sum of len bytes at buf, added to sum. Any
 * alignment and any length; bytes are paired in stream order, so an odd len
 * leaves the last byte as the first half of a word. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* Copy len bytes from src to dst (not overlapping) and return their sum
 * added to sum, in one pass. */
uint32_t csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum);
/* Fold a sum to 16 bits and complement it: the checksum to store. */
uint16_t csum_fold(uint32_t sum);
/* Add two sums with end-around carry, as Linux's csum_add. */
uint32_t csum_add(uint32_t a, uint32_t b);
/* Add block_sum, the sum of a block that starts at byte offset `offset` of
 * the stream (an odd offset pairs its bytes the other way round), to sum. */
uint32_t csum_block_add(uint32_t sum, uint32_t block_sum, size_t offset);
/* The IPv4 header checksum over ihl 32-bit words, the field's current
 * contents included: 0 when computing, the stored value when verifying
 * (where a good header gives 0). */
uint16_t ip_fast_csum(const void *iph, unsigned ihl);
/* Pseudo-header sums added to sum: IPv4 (saddr, daddr, zero + proto, L4
 * length) and IPv6 (RFC 8200 §8.1: addresses, 32-bit upper-layer length,
 * next header). Addresses in network order as they sit in the header, len in
 * host order. The _magic forms return the folded, complemented checksum. */
uint32_t csum_tcpudp_nofold(const void *saddr4, const void *daddr4, uint32_t len, uint8_t proto,
			    uint32_t sum);
uint16_t csum_tcpudp_magic(const void *saddr4, const void *daddr4, uint32_t len, uint8_t proto,
			   uint32_t sum);
uint32_t csum_ipv6_nofold(const void *saddr16, const void *daddr16, uint32_t len, uint8_t proto,
			  uint32_t sum);
uint16_t csum_ipv6_magic(const void *saddr16, const void *daddr16, uint32_t len, uint8_t proto,
			 uint32_t sum);
/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): update the stored checksum at
 * check (memory order) when a 16-bit or 32-bit field changes from old to
 * new_ (memory order too). Ones'-complement throughout, so no 0xffff-from-0
 * surprises. */
void csum_replace2(uint16_t *check, uint16_t old, uint16_t new_);
void csum_replace4(uint16_t *check, uint32_t old, uint32_t new_);

#endif
