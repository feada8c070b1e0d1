/*
 * fuzz_vnet.c — libFuzzer target for the virtio-net header conversion
 * (src/drv/tap/vnet.c): a header from a hostile kernel applied to a frame
 * (vnet_hdr_to_pkt), the header written back for an accepted packet
 * (vnet_hdr_from_pkt), GSO of what was accepted, and the writer fed packet
 * metadata nobody validated.
 *
 * Input: 10 bytes of little-endian virtio_net_hdr, 1 mode byte, the frame.
 * Checked beyond "no crash": encode(decode(x)) == x; a refusal is counted and
 * leaves the packet's metadata untouched; an accepted header is written back
 * with the same NEEDS_CSUM offsets and GSO type/size; GSO of an accepted
 * packet conserves the payload; nothing leaks.
 */
#include <errno.h>

#include "drv/tap/vnet.h"
#include "fuzz_util.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rx_errors(const struct vnet_stats *st)
{
	return st->vnet_bad_csum_start + st->vnet_bad_csum_offset + st->vnet_bad_gso_size +
	       st->vnet_bad_gso_type + st->vnet_bad_headers + st->vnet_bad_hdr_len + st->vnet_runt;
}

static void gso_conserves(struct pkt *p, bool csum_offload)
{
	int err = 0;
	struct pkt *segs = gso_segment(p, csum_offload, &err);
	if (!segs) {
		FUZZ_CHECK(err == -EINVAL || err == -ENOMEM);
		return;
	}
	struct hdr_info h;
	FUZZ_CHECK(hdr_parse(pkt_data(p), p->len, &h) == 0);
	uint32_t hlen = (uint32_t)h.l4_off + h.l4_hlen, off = 0;
	for (struct pkt *s = segs; s; s = s->next) {
		FUZZ_CHECK(s->len >= hlen);
		uint32_t n = s->len - hlen;
		FUZZ_CHECK(off + n <= p->len - hlen);
		FUZZ_CHECK(memcmp(pkt_data(s) + hlen, pkt_data(p) + hlen + off, n) == 0);
		off += n;
	}
	FUZZ_CHECK(off == p->len - hlen);
	pkt_free_list(segs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < VNET_HDR_LEN + 1 || size - VNET_HDR_LEN - 1 > PKT_MAX_LEN)
		return 0;
	struct vnet_hdr h, back;
	uint8_t raw[VNET_HDR_LEN];
	vnet_hdr_decode(data, &h);
	vnet_hdr_encode(&h, raw);
	FUZZ_CHECK(memcmp(raw, data, VNET_HDR_LEN) == 0);
	uint8_t mode = data[VNET_HDR_LEN];
	const uint8_t *frame = data + VNET_HDR_LEN + 1;
	size_t flen = size - VNET_HDR_LEN - 1;

	struct pkt *p = fuzz_pkt(frame, flen);
	if (!p)
		goto out;
	struct vnet_stats st = {0};

	if (mode & 1) {
		/* The writer on metadata nobody validated. */
		p->ip_summed = (mode >> 1) & 3;
		p->csum_start = p->data + h.csum_start - (mode & 8 ? 200u : 0u);
		p->csum_offset = h.csum_offset;
		p->gso_size = h.gso_size;
		p->gso_type = h.gso_type;
		int rc = vnet_hdr_from_pkt(p, &back, &st);
		FUZZ_CHECK(rc == 0 || (rc == -EINVAL && st.vnet_tx_bad_meta == 1));
		vnet_hdr_encode(&back, raw);
		pkt_free(p);
		goto out;
	}

	struct pkt before = *p;
	int rc = vnet_hdr_to_pkt(p, &h, &st);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(rx_errors(&st) == 1);
		FUZZ_CHECK(memcmp(&before, p, sizeof(before)) == 0);
		pkt_free(p);
		goto out;
	}
	FUZZ_CHECK(rx_errors(&st) == 0);
	bool needs_csum = h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	FUZZ_CHECK((p->ip_summed == CHECKSUM_PARTIAL) == needs_csum);
	if (pkt_is_gso(p)) {
		FUZZ_CHECK(p->gso_size == h.gso_size);
		FUZZ_CHECK(p->gso_type & PKT_GSO_DODGY);
	}
	rc = vnet_hdr_from_pkt(p, &back, &st);
	FUZZ_CHECK(rc == 0);
	if (needs_csum) {
		FUZZ_CHECK(back.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
		FUZZ_CHECK(back.csum_start == h.csum_start);
		FUZZ_CHECK(back.csum_offset == h.csum_offset);
	}
	if (pkt_is_gso(p)) {
		FUZZ_CHECK(back.gso_type == h.gso_type);
		FUZZ_CHECK(back.gso_size == h.gso_size);
		FUZZ_CHECK(back.hdr_len <= p->len);
		gso_conserves(p, mode & 2);
	} else {
		FUZZ_CHECK(back.gso_type == VIRTIO_NET_HDR_GSO_NONE);
	}
	pkt_free(p);
out:
	fuzz_end();
	return 0;
}
