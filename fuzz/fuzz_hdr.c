/*
 * fuzz_hdr.c — libFuzzer target for the bounded header parsers (src/pkt/hdr.c):
 * hdr_parse on the frame, hdr_parse_head on every truncation of its first
 * bytes (each copied into an allocation of exactly that size, so ASan sees a
 * read past the readable part), hdr_parse_ip at several offsets, and
 * pkt_parse_headers on a packet. Beyond "no crash" it asserts what a caller
 * relies on: every header reported lies inside the readable bytes, in order,
 * and the lengths the IP header claims fit in the frame.
 */
#include <errno.h>

#include "fuzz_util.h"
#include "pkt/hdr.h"

/* What hdr_parse_head promises on success with avail readable bytes of len.
 * ip_at_0: hdr_parse_ip at offset 0, where l3_off 0 is the IP header. */
static void check_info(const struct hdr_info *h, uint32_t avail, uint32_t len, bool ip_at_0)
{
	if (avail > len)
		avail = len;
	FUZZ_CHECK(h->n_vlans <= 2);
	if (h->l3_off || (ip_at_0 && h->ip_version)) {
		FUZZ_CHECK(h->ip_version == 4 || h->ip_version == 6);
		FUZZ_CHECK((uint32_t)h->l3_off + h->l3_hlen <= avail);
		FUZZ_CHECK((uint32_t)h->l3_off + h->l3_tot_len <= len);
		FUZZ_CHECK(h->l3_hlen <= h->l3_tot_len);
		FUZZ_CHECK(h->l3_hlen >= (h->ip_version == 4 ? 20 : 40));
	}
	if (h->l4_off) {
		FUZZ_CHECK(h->l3_off != 0 || ip_at_0);
		FUZZ_CHECK(h->l4_off >= (uint32_t)h->l3_off + h->l3_hlen);
		FUZZ_CHECK((uint32_t)h->l4_off + h->l4_hlen <= avail);
		FUZZ_CHECK((uint32_t)h->l4_off + h->l4_hlen <= (uint32_t)h->l3_off + h->l3_tot_len);
		FUZZ_CHECK(h->l4_proto == IPPROTO_TCP_ || h->l4_proto == IPPROTO_UDP_);
		FUZZ_CHECK(h->l4_hlen >= 8);
	}
}

static void check_rc(int rc)
{
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -EPROTONOSUPPORT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > PKT_MAX_LEN)
		return 0;
	uint32_t n = (uint32_t)size;
	struct hdr_info h, h2;

	int rc = hdr_parse(data, n, &h);
	check_rc(rc);
	if (rc == 0)
		check_info(&h, n, n, false);

	/* Every truncation of the readable part (up to 160 bytes: all headers
	 * the parser walks in a typical frame), the frame still n long. */
	uint32_t max_avail = n < 160 ? n : 160;
	for (uint32_t avail = 0; avail <= max_avail; avail++) {
		uint8_t *copy = malloc(avail ? avail : 1);
		FUZZ_CHECK(copy);
		memcpy(copy, data, avail);
		int r = hdr_parse_head(copy, avail, n, &h2);
		check_rc(r);
		if (r == 0) {
			check_info(&h2, avail, n, false);
			/* The full parse agrees with any successful partial one
			 * on what both found. */
			if (rc == 0 && h2.l4_off) {
				FUZZ_CHECK(h2.l4_off == h.l4_off);
				FUZZ_CHECK(h2.l3_off == h.l3_off);
			}
		}
		free(copy);
	}

	/* From an IP header at a few offsets, no L2. */
	for (uint32_t off = 0; off < 24 && off < n; off += 2) {
		int r = hdr_parse_ip(data, n, n, off, &h2);
		check_rc(r);
		if (r == 0)
			check_info(&h2, n, n, off == 0);
	}

	/* A packet: offsets agree with the plain parse. */
	struct pkt *p = fuzz_pkt(data, size);
	if (p) {
		struct hdr_info h3;
		int r = pkt_parse_headers(p, &h3);
		FUZZ_CHECK(r == rc);
		if (r == 0) {
			FUZZ_CHECK(p->protocol == h.ethertype);
			if (h.l3_off)
				FUZZ_CHECK(p->network_header == p->data + h.l3_off);
			if (h.l4_off)
				FUZZ_CHECK(p->transport_header == p->data + h.l4_off);
		}
		pkt_free(p);
	}
	fuzz_end();
	return 0;
}
