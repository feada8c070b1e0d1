/*
 * fuzz_gro.c — libFuzzer target for GRO (src/pkt/gro.c) fed a stream of
 * hostile frames, then GSO of what GRO merged (the physical NIC's path into
 * the bridge and out of a trunk without TSO).
 *
 * Input: records of [flags][len hi][len lo][len bytes of frame]; flags bits
 * 0-1 the frame's ip_summed, bit 2 a flush (end of a NAPI poll) after it,
 * bit 3 segment merged packets with checksum offload, bit 4 make that end
 * of poll napi_complete_done's with a gro_flush_timeout (only older
 * jiffies' flows go), bit 5 advance the clock a jiffy first.
 * Checked beyond "no crash": every frame is either merged or delivered,
 * exactly once (stats.gro_merged + delivered == frames fed); a merged packet is
 * consistent (len = linear + fragments + frag_list, at most 17 fragments per
 * packet of the chain, IP length field = len, PARTIAL at the
 * TCP header, gso_segs = segments merged); GSO of a merged packet gives back
 * its TCP payload byte for byte; nothing leaks.
 */
#include <errno.h>

#include "fuzz_util.h"
#include "pkt/gro.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	unsigned delivered;
	bool csum_offload;
};

/* Bytes of p outside its linear part, counted over its fragments and
 * members (each consistent the same way). */
static uint32_t nonlinear_bytes(const struct pkt *p)
{
	uint32_t n = 0;
	FUZZ_CHECK(p->nr_frags <= PKT_MAX_FRAGS);
	for (unsigned i = 0; i < p->nr_frags; i++) {
		FUZZ_CHECK(!pkt_is_nonlinear(p->frags[i]));
		n += p->frags[i]->len;
	}
	for (const struct pkt *m = p->frag_list; m; m = m->next) {
		FUZZ_CHECK(nonlinear_bytes(m) == m->data_len);
		n += m->len;
	}
	return n;
}

static void check_merged(struct pkt *p, bool csum_offload)
{
	FUZZ_CHECK(nonlinear_bytes(p) == p->data_len);
	FUZZ_CHECK(p->ip_summed == CHECKSUM_PARTIAL);
	struct hdr_info h;
	FUZZ_CHECK(hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h) == 0);
	FUZZ_CHECK(h.l4_off && h.l4_proto == IPPROTO_TCP_);
	FUZZ_CHECK(h.l3_off + h.l3_tot_len == p->len);
	FUZZ_CHECK(p->csum_start == p->data + h.l4_off);
	FUZZ_CHECK(p->gso_segs >= 2);

	uint32_t hlen = (uint32_t)h.l4_off + h.l4_hlen;
	uint8_t *flat = malloc(p->len);
	FUZZ_CHECK(flat);
	FUZZ_CHECK(pkt_copy_bits(p, 0, flat, p->len) == 0);
	int err = 0;
	struct pkt *segs = gso_segment(p, csum_offload, &err);
	if (!segs) {
		FUZZ_CHECK(err == -ENOMEM);
	} else {
		uint32_t off = hlen, n = 0;
		for (struct pkt *s = segs; s; s = s->next, n++) {
			uint32_t pay = s->len - hlen;
			FUZZ_CHECK(off + pay <= p->len);
			FUZZ_CHECK(memcmp(pkt_data(s) + hlen, flat + off, pay) == 0);
			if (!csum_offload)
				FUZZ_CHECK(pkt_l4_csum_ok(s));
			off += pay;
		}
		FUZZ_CHECK(off == p->len);
		FUZZ_CHECK(n == p->gso_segs);
		pkt_free_list(segs);
	}
	free(flat);
}

static void deliver(void *arg, struct pkt *p)
{
	struct sink *s = arg;
	s->delivered++;
	if (pkt_is_gso(p))
		check_merged(p, s->csum_offload);
	else
		FUZZ_CHECK(!pkt_is_nonlinear(p));
	pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct sink s = {0};
	struct gro_ctx g;
	gro_init(&g, deliver, &s);
	unsigned fed = 0;
	while (in.n >= 3 && fed < 200) {
		uint8_t flags = fuzz_u8(&in);
		uint16_t len = fuzz_u16(&in);
		size_t got;
		const uint8_t *b = fuzz_bytes(&in, len, &got);
		struct pkt *p = fuzz_pkt(b, got);
		if (!p)
			break;
		p->ip_summed = flags & 3;
		if (p->ip_summed == CHECKSUM_PARTIAL) {
			p->csum_start = p->data + 34;
			p->csum_offset = TCP_CSUM_OFFSET;
		}
		s.csum_offload = flags & 8;
		gro_receive(&g, p);
		fed++;
		if (flags & 32)
			gro_set_time(&g, (g.jiffies + 1) * GRO_JIFFY_NS);
		if (flags & 4) {
			if (flags & 16) {
				g.defer.flush_timeout_ns = 100000;
				gro_napi_complete(&g, 1, NULL);
				g.defer.flush_timeout_ns = 0;
			} else {
				gro_flush(&g);
			}
		}
	}
	gro_flush(&g);
	FUZZ_CHECK(g.stats.gro_merged + s.delivered == fed);
	fuzz_end();
	return 0;
}
