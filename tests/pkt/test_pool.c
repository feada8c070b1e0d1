/*
 * test_pool.c — pools (size classes, caller memory, counts, fault injection,
 * packet objects reused from a free list) and the packet's byte operations
 * (put, push, pull, trim, copy_bits, copy, linearize, frag_list).
 */
#include <errno.h>
#include <stdlib.h>

#include "pkt/csum.h"
#include "pktgen.h"
#include "test.h"

TEST(size_classes_and_fallthrough)
{
	struct pkt_pool_class c[] = {{2048, 2}, {256, 2}};
	struct pkt_pool *pool = pkt_pool_create("classes", c, 2, NULL, 0);
	REQUIRE(pool);
	CHECK(strcmp(pkt_pool_name(pool), "classes") == 0);
	struct pkt *a = pkt_alloc(pool, 100, 16); /* smallest fit: 256 */
	REQUIRE(a);
	CHECK_EQ(a->size, 256);
	CHECK_EQ(a->data, 16);
	CHECK_EQ(a->len, 0);
	CHECK_EQ(a->mac_header, PKT_HDR_UNSET);
	struct pkt *b = pkt_alloc(pool, 240, 16); /* exactly 256 */
	REQUIRE(b);
	CHECK_EQ(b->size, 256);
	struct pkt *d = pkt_alloc(pool, 10, 0); /* 256s gone: falls to 2048 */
	REQUIRE(d);
	CHECK_EQ(d->size, 2048);
	CHECK(pkt_alloc(pool, 2049, 0) == NULL); /* fits no class */
	struct pkt *e = pkt_alloc(pool, 2000, 48);
	REQUIRE(e);
	CHECK(pkt_alloc(pool, 1, 0) == NULL); /* empty */
	struct pkt_pool_stats st;
	pkt_pool_get_stats(pool, &st);
	CHECK_U64(st.allocs, 4);
	CHECK_U64(st.failures, 2);
	CHECK_EQ(st.outstanding, 4);
	CHECK_U64(pkt_outstanding_total(), 4);
	/* Buffers do not overlap. */
	struct pkt *all[] = {a, b, d, e};
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			if (i != j)
				CHECK(all[i]->head + all[i]->size <= all[j]->head ||
				      all[j]->head + all[j]->size <= all[i]->head);
	pkt_free(b);
	/* The freed packet object and buffer come back: no per-packet malloc. */
	struct pkt *b2 = pkt_alloc(pool, 1, 0);
	CHECK(b2 == b);
	pkt_free(a);
	pkt_free(b2);
	pkt_free(d);
	pkt_free(e);
	pkt_free(NULL);
	pkt_pool_get_stats(pool, &st);
	CHECK_U64(st.frees, 5);
	CHECK_EQ(st.outstanding, 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST(caller_memory)
{
	struct pkt_pool_class c[] = {{100, 3}, {1500, 2}};
	size_t need = pkt_pool_mem_needed(c, 2);
	CHECK(need >= 3 * 100 + 2 * 1500);
	uint8_t *mem = malloc(need);
	REQUIRE(mem);
	CHECK(pkt_pool_create("small", c, 2, mem, need - 1) == NULL);
	CHECK(pkt_pool_create("none", c, 0, mem, need) == NULL);
	struct pkt_pool *pool = pkt_pool_create("lpar", c, 2, mem, need);
	REQUIRE(pool);
	struct pkt *ps[5];
	for (int i = 0; i < 5; i++) {
		ps[i] = pkt_alloc(pool, i < 3 ? 100 : 1500, 0);
		REQUIRE(ps[i]);
		/* Every buffer lies inside the caller's memory. */
		CHECK(ps[i]->head >= mem && ps[i]->head + ps[i]->size <= mem + need);
		memset(ps[i]->head, i, ps[i]->size);
	}
	CHECK(pkt_alloc(pool, 1, 0) == NULL);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(ps[i]->head[0], i); /* no buffer overwritten another */
		pkt_free(ps[i]);
	}
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	free(mem);
}

TEST(outstanding_total_and_leak_report)
{
	struct pkt_pool *p1 = gen_pool("one"), *p2 = gen_pool("two");
	REQUIRE(p1 && p2);
	uint64_t base = pkt_outstanding_total();
	struct pkt *a = pkt_alloc(p1, 10, 0), *b = pkt_alloc(p2, 10, 0), *c = pkt_alloc(p2, 10, 0);
	REQUIRE(a && b && c);
	CHECK_U64(pkt_outstanding_total(), base + 3);
	CHECK_EQ(pkt_pool_outstanding(p2), 2);
	pkt_free(b);
	/* Destroy reports the leak and the pool leaves the total. */
	CHECK_EQ(pkt_pool_destroy(p2), 1);
	CHECK_U64(pkt_outstanding_total(), base + 1);
	pkt_free(a);
	CHECK_EQ(pkt_pool_destroy(p1), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST(fault_injection)
{
	struct pkt_pool *pool = gen_pool("fault");
	REQUIRE(pool);
	pkt_fault_fail_nth(0);
	struct pkt *a = pkt_alloc(pool, 10, 0), *b = pkt_alloc(pool, 10, 0);
	CHECK_U64(pkt_fault_fail_nth(2), 2); /* two allocs seen; arm the 2nd next */
	struct pkt *c = pkt_alloc(pool, 10, 0);
	struct pkt *d = pkt_alloc(pool, 10, 0);
	struct pkt *e = pkt_alloc(pool, 10, 0); /* one-shot: works again */
	CHECK(c != NULL);
	CHECK(d == NULL);
	CHECK(e != NULL);
	struct pkt_pool_stats st;
	pkt_pool_get_stats(pool, &st);
	CHECK_U64(st.failures, 1);
	CHECK_U64(pkt_fault_fail_nth(0), 3);
	pkt_free(a);
	pkt_free(b);
	pkt_free(c);
	pkt_free(e);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
}

TEST(put_push_pull_trim)
{
	struct pkt_pool_class c[] = {{256, 4}};
	struct pkt_pool *pool = pkt_pool_create("ops", c, 1, NULL, 0);
	REQUIRE(pool);
	struct pkt *p = pkt_alloc(pool, 100, 64);
	REQUIRE(p);
	CHECK_EQ(pkt_headroom(p), 64);
	CHECK_EQ(pkt_tailroom(p), 192);
	uint8_t *t = pkt_put(p, 100);
	REQUIRE(t == p->head + 64);
	for (int i = 0; i < 100; i++)
		t[i] = (uint8_t)i;
	CHECK(pkt_put(p, 93) == NULL); /* only 92 left */
	CHECK_EQ(p->len, 100);
	uint8_t *h = pkt_push(p, 14);
	CHECK(h == p->head + 50);
	CHECK_EQ(p->len, 114);
	CHECK(pkt_push(p, 51) == NULL);
	CHECK(pkt_pull(p, 115) == NULL);
	CHECK(pkt_pull(p, 14) == p->head + 64);
	CHECK_EQ(p->len, 100);
	CHECK_EQ(pkt_trim(p, 101), -EINVAL);
	CHECK_EQ(pkt_trim(p, 60), 0);
	CHECK_EQ(p->len, 60);
	uint8_t out[60];
	CHECK_EQ(pkt_copy_bits(p, 0, out, 60), 0);
	CHECK_EQ(out[59], 59);
	CHECK_EQ(pkt_copy_bits(p, 1, out, 60), -EINVAL);
	pkt_free(p);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
}

/* p = head (hl bytes of pattern) + members of the given sizes. */
static struct pkt *chain(struct pkt_pool *pool, uint32_t hl, const uint32_t *m, int n,
			 uint32_t tail_extra)
{
	uint32_t total = hl;
	for (int i = 0; i < n; i++)
		total += m[i];
	struct pkt *p = pkt_alloc(pool, hl + tail_extra, 32);
	if (!p)
		return NULL;
	uint8_t *d = pkt_put(p, hl);
	uint32_t k = 0;
	for (uint32_t i = 0; i < hl; i++)
		d[i] = (uint8_t)(k++ * 13);
	for (int j = 0; j < n; j++) {
		struct pkt *q = pkt_alloc(pool, m[j], 0);
		if (!q) {
			pkt_free(p);
			return NULL;
		}
		d = pkt_put(q, m[j]);
		for (uint32_t i = 0; i < m[j]; i++)
			d[i] = (uint8_t)(k++ * 13);
		pkt_frag_list_append(p, q);
	}
	(void)total;
	return p;
}

TEST(frag_list_copy_and_linearize)
{
	struct pkt_pool *pool = gen_pool("frag");
	REQUIRE(pool);
	const uint32_t m[] = {100, 1, 77};
	struct pkt *p = chain(pool, 50, m, 3, 178); /* tailroom for all */
	REQUIRE(p);
	CHECK_EQ(p->len, 228);
	CHECK_EQ(p->data_len, 178);
	CHECK_EQ(pkt_headlen(p), 50);
	CHECK(pkt_put(p, 1) == NULL); /* no put on a frag_list packet */
	uint8_t out[228];
	CHECK_EQ(pkt_copy_bits(p, 0, out, 228), 0);
	for (uint32_t i = 0; i < 228; i++)
		if (out[i] != (uint8_t)(i * 13)) {
			TEST_FAILF("byte %u", i);
			break;
		}
	CHECK_EQ(pkt_copy_bits(p, 149, out, 2), 0); /* straddles members */
	CHECK_EQ(out[0], (uint8_t)(149 * 13));
	CHECK_EQ(out[1], (uint8_t)(150 * 13));
	/* The checksum across members equals the flat one (odd member). */
	uint8_t flat[228];
	pkt_copy_bits(p, 0, flat, 228);
	for (uint32_t off = 0; off < 228; off += 17)
		CHECK_EQ(csum_fold(pkt_checksum(p, off, 228 - off, 0)),
			 csum_fold(csum_partial(flat + off, 228 - off, 0)));
	struct pkt *cp = pkt_copy(p, NULL);
	REQUIRE(cp);
	CHECK(cp->frag_list == NULL);
	CHECK_EQ(cp->len, 228);
	CHECK_EQ(cp->data, p->data);
	CHECK_MEM(pkt_data(cp), flat, 228);
	pkt_free(cp);
	/* The head buffer has tailroom for the members: linearized in place. */
	uint8_t *old_head = p->head;
	CHECK_EQ(pkt_linearize(p), 0);
	CHECK(p->head == old_head);
	CHECK(p->frag_list == NULL);
	CHECK_EQ(p->data_len, 0);
	CHECK_EQ(p->len, 228);
	CHECK_MEM(pkt_data(p), flat, 228);
	pkt_free(p);
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
}

/* Linear piece of n bytes continuing the byte pattern from *k. */
static struct pkt *piece(struct pkt_pool *pool, uint32_t n, uint32_t *k)
{
	struct pkt *q = pkt_alloc(pool, n, 0);
	REQUIRE(q);
	uint8_t *d = pkt_put(q, n);
	for (uint32_t i = 0; i < n; i++)
		d[i] = (uint8_t)((*k)++ * 13);
	return q;
}

/* Page fragments: the sk_buff order (linear, frags, then frag_list members,
 * each with its own frags), MAX_SKB_FRAGS, and every byte operation across
 * them; freeing releases them. */
TEST(page_fragments_before_frag_list)
{
	struct pkt_pool *pool = gen_pool("frags");
	REQUIRE(pool);
	uint32_t k = 0;
	struct pkt *p = pkt_alloc(pool, 40 + 600, 32);
	REQUIRE(p);
	uint8_t *d = pkt_put(p, 40);
	for (uint32_t i = 0; i < 40; i++)
		d[i] = (uint8_t)(k++ * 13);
	for (unsigned i = 0; i < PKT_MAX_FRAGS; i++)
		CHECK_EQ(pkt_frag_append(p, piece(pool, 10 + i, &k)), 0);
	struct pkt *extra = piece(pool, 5, &k);
	CHECK_EQ(pkt_frag_append(p, extra), -E2BIG); /* MAX_SKB_FRAGS */
	pkt_free(extra);
	k -= 5;
	CHECK_EQ(p->nr_frags, PKT_MAX_FRAGS);
	CHECK(pkt_is_nonlinear(p) && !pkt_has_frag_list(p));
	CHECK(pkt_put(p, 1) == NULL);
	struct pkt *m = piece(pool, 30, &k);
	CHECK_EQ(pkt_frag_append(m, piece(pool, 7, &k)), 0);
	/* m: 30 linear + 7 in a fragment */
	pkt_frag_list_append(p, m);
	struct pkt *late = piece(pool, 3, &k);
	CHECK_EQ(pkt_frag_append(p, late), -EINVAL); /* fragments precede the frag_list */
	pkt_free(late);
	k -= 3;
	CHECK_EQ(pkt_total_frags(p), PKT_MAX_FRAGS + 1);
	uint32_t total = k;
	CHECK_EQ(p->len, total);
	CHECK_EQ(pkt_headlen(p), 40);
	uint8_t out[1024];
	REQUIRE(total <= sizeof(out));
	CHECK_EQ(pkt_copy_bits(p, 0, out, total), 0);
	for (uint32_t i = 0; i < total; i++)
		if (out[i] != (uint8_t)(i * 13)) {
			TEST_FAILF("byte %u", i);
			break;
		}
	for (uint32_t off = 0; off < total; off += 11)
		CHECK_EQ(csum_fold(pkt_checksum(p, off, total - off, 0)),
			 csum_fold(csum_partial(out + off, total - off, 0)));
	struct pkt *cp = pkt_copy(p, NULL);
	REQUIRE(cp);
	CHECK(!pkt_is_nonlinear(cp));
	CHECK_MEM(pkt_data(cp), out, total);
	/* a cut in the linear part drops every fragment and member */
	CHECK_EQ(pkt_trim(cp, 20), 0);
	pkt_free(cp);
	cp = pkt_copy(p, NULL);
	REQUIRE(cp);
	pkt_free(cp);
	CHECK_EQ(pkt_linearize(p), 0);
	CHECK_EQ(p->nr_frags, 0);
	CHECK(p->frag_list == NULL);
	CHECK_EQ(p->len, total);
	CHECK_MEM(pkt_data(p), out, total);
	pkt_free(p);
	/* trim inside the linear part of a fragmented packet */
	k = 0;
	p = piece(pool, 50, &k);
	CHECK_EQ(pkt_frag_append(p, piece(pool, 20, &k)), 0);
	CHECK_EQ(pkt_trim(p, 30), 0);
	CHECK_EQ(p->len, 30);
	CHECK_EQ(p->nr_frags, 0);
	CHECK(!pkt_is_nonlinear(p));
	pkt_free(p);
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
}

TEST(linearize_reallocates_and_fails_cleanly)
{
	struct pkt_pool *pool = gen_pool("lin");
	REQUIRE(pool);
	const uint32_t m[] = {1000, 1000, 999};
	struct pkt *p = chain(pool, 60, m, 3, 0); /* head in a 256 buffer */
	REQUIRE(p);
	uint8_t flat[3059];
	pkt_copy_bits(p, 0, flat, sizeof(flat));
	p->network_header = p->data + 14;
	/* The reallocation fails: -ENOMEM, p unchanged. */
	pkt_fault_fail_nth(1);
	CHECK_EQ(pkt_linearize(p), -ENOMEM);
	CHECK(p->frag_list != NULL);
	CHECK_EQ(p->data_len, 2999);
	CHECK_EQ(pkt_pool_outstanding(pool), 4);
	/* Then it works: bigger buffer, same headroom, same identity. */
	CHECK_EQ(pkt_linearize(p), 0);
	CHECK(p->size >= 32 + 3059);
	CHECK_EQ(p->data, 32);
	CHECK_EQ(p->network_header, p->data + 14);
	CHECK_MEM(pkt_data(p), flat, sizeof(flat));
	CHECK_EQ(pkt_pool_outstanding(pool), 1);
	/* Trim inside what was the frag_list. */
	CHECK_EQ(pkt_trim(p, 1500), 0);
	CHECK_MEM(pkt_data(p), flat, 1500);
	pkt_free(p);
	/* Trim of a frag_list packet inside the head drops the members. */
	p = chain(pool, 60, m, 3, 0);
	REQUIRE(p);
	CHECK_EQ(pkt_trim(p, 40), 0);
	CHECK(p->frag_list == NULL);
	CHECK_EQ(pkt_pool_outstanding(pool), 1);
	pkt_free(p);
	/* Trim into the frag_list linearizes first. */
	p = chain(pool, 60, m, 3, 0);
	REQUIRE(p);
	CHECK_EQ(pkt_trim(p, 2000), 0);
	CHECK_EQ(p->len, 2000);
	CHECK(p->frag_list == NULL);
	CHECK_MEM(pkt_data(p), flat, 2000);
	pkt_free(p);
	pkt_fault_fail_nth(0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

/* A GRO aggregate of nearly 64 KiB linearizes into the largest buffer even
 * when its headroom would not fit too: headroom shrinks, offsets follow. */
TEST(linearize_gives_up_headroom_not_the_packet)
{
	struct pkt_pool_class c[] = {{2048, 64}, {65536, 4}};
	struct pkt_pool *pool = pkt_pool_create("lin64", c, 2, NULL, 0);
	REQUIRE(pool);
	struct pkt *p = pkt_alloc(pool, 1514, 128);
	REQUIRE(p);
	uint8_t *d = pkt_put(p, 1514);
	REQUIRE(d);
	for (uint32_t i = 0; i < 1514; i++)
		d[i] = (uint8_t)i;
	p->mac_header = p->data;
	p->network_header = p->data + 14;
	p->transport_header = p->data + 34;
	p->ip_summed = CHECKSUM_PARTIAL;
	p->csum_start = p->data + 34;
	p->csum_offset = 16;
	uint32_t total = 1514;
	while (total < 65422) { /* the aggregate the soak saw */
		uint32_t n = 65422 - total < 1448 ? 65422 - total : 1448;
		struct pkt *m = pkt_alloc(pool, n, 0);
		REQUIRE(m);
		uint8_t *md = pkt_put(m, n);
		for (uint32_t i = 0; i < n; i++)
			md[i] = (uint8_t)(total + i);
		pkt_frag_list_append(p, m);
		total += n;
	}
	REQUIRE(total + 128 > 65536);
	CHECK_EQ(pkt_linearize(p), 0);
	CHECK(p->frag_list == NULL);
	CHECK_EQ(p->len, total);
	CHECK(p->data + p->len <= p->size);
	CHECK(p->data < 128);
	CHECK_EQ(p->mac_header, p->data);
	CHECK_EQ(p->network_header, p->data + 14);
	CHECK_EQ(p->transport_header, p->data + 34);
	CHECK_EQ(p->csum_start, p->data + 34);
	bool same = true;
	for (uint32_t i = 0; i < total; i++)
		if (pkt_data(p)[i] != (uint8_t)i)
			same = false;
	CHECK(same);
	pkt_free(p);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
}

TEST(copy_meta_moves_offsets)
{
	struct pkt_pool *pool = gen_pool("meta");
	REQUIRE(pool);
	struct pkt *a = pkt_alloc(pool, 100, 64), *b = pkt_alloc(pool, 100, 10);
	REQUIRE(a && b);
	a->mac_header = 64;
	a->network_header = 78;
	a->transport_header = 98;
	a->ip_summed = CHECKSUM_PARTIAL;
	a->csum_start = 98;
	a->csum_offset = 16;
	a->gso_size = 1448;
	a->gso_type = PKT_GSO_TCPV4;
	a->vlan_present = true;
	a->vlan_tci = 5;
	pkt_copy_meta(b, a);
	CHECK_EQ(b->mac_header, 10);
	CHECK_EQ(b->network_header, 24);
	CHECK_EQ(b->transport_header, 44);
	CHECK_EQ(b->csum_start, 44);
	CHECK_EQ(b->csum_offset, 16);
	CHECK_EQ(b->ip_summed, CHECKSUM_PARTIAL);
	CHECK_EQ(b->gso_size, 1448);
	CHECK(b->vlan_present);
	CHECK(pkt_network_hdr(b) == b->head + 24);
	pkt_reset_meta(b);
	CHECK(pkt_network_hdr(b) == NULL);
	CHECK_EQ(b->ip_summed, CHECKSUM_NONE);
	CHECK_EQ(b->gso_size, 0);
	pkt_free(a);
	pkt_free(b);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
}

static unsigned trace_calls;
static void trace_hook(const struct pkt *p, const char *where, void *arg)
{
	(void)p;
	(void)where;
	*(unsigned *)arg += 1;
	trace_calls++;
}

TEST(trace_hook_sees_every_packet_while_installed)
{
	struct pkt_pool *pool = gen_pool("trace");
	REQUIRE(pool);
	unsigned n = 0;
	struct pkt *p = pkt_alloc(pool, 10, 0);
	REQUIRE(p);
	pkt_trace(p, "x"); /* no hook: nothing */
	CHECK_EQ(n, 0);
	pkt_trace_set_hook(trace_hook, &n);
	pkt_trace(p, "x");
	CHECK_EQ(n, 1);
	p->trace_id = 7;
	pkt_trace(p, "x");
	CHECK_EQ(n, 2);
	pkt_trace(NULL, "x");
	CHECK_EQ(n, 2);
	pkt_trace_set_hook(NULL, NULL);
	pkt_trace(p, "x");
	CHECK_EQ(n, 2);
	pkt_free(p);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
}

TEST_MAIN()
