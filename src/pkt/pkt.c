/*
 * pkt.c — the packet's byte operations (put, push, pull, trim, copy,
 * linearize, frag_list), its metadata helpers and the trace hook: the parts
 * of Linux's skbuff.c that illan needs, with the same meanings.
 *
 * Serves every layer above: drivers, the hypervisor's software paths, the
 * bridge, netdev's validate_xmit and the stack. Pools live in pool.c.
 */
#include <errno.h>
#include <string.h>

#include "ev/prof.h"
#include "pkt/csum.h"
#include "pkt/pkt.h"
#include "pkt/pkt_internal.h"

static pkt_trace_fn pkt_trace_hook;
static void *pkt_trace_arg;

/* pkt_clear_offload: see pkt.h. */
void pkt_clear_offload(struct pkt *p)
{
	p->ip_summed = CHECKSUM_NONE;
	p->csum_level = 0;
	p->csum = 0;
	p->csum_start = 0;
	p->csum_offset = 0;
	p->csum_by_wire = false;
	p->gso_size = 0;
	p->gso_segs = 0;
	p->gso_type = 0;
}

/* pkt_reset_meta: see pkt.h. */
void pkt_reset_meta(struct pkt *p)
{
	p->mac_header = PKT_HDR_UNSET;
	p->network_header = PKT_HDR_UNSET;
	p->transport_header = PKT_HDR_UNSET;
	p->protocol = 0;
	pkt_clear_offload(p);
	p->vlan_present = false;
	p->vlan_tci = 0;
	p->iif = 0;
	p->dev = NULL;
	p->trace_id = 0;
	memset(p->cb, 0, sizeof(p->cb));
}

/* Move a head-relative offset of `from` to the same frame position in `to`. */
static uint32_t pkt_move_off(uint32_t off, const struct pkt *from, const struct pkt *to)
{
	if (off == PKT_HDR_UNSET)
		return off;
	return off - from->data + to->data;
}

/* pkt_copy_meta: see pkt.h. */
void pkt_copy_meta(struct pkt *to, const struct pkt *from)
{
	to->mac_header = pkt_move_off(from->mac_header, from, to);
	to->network_header = pkt_move_off(from->network_header, from, to);
	to->transport_header = pkt_move_off(from->transport_header, from, to);
	to->protocol = from->protocol;
	to->ip_summed = from->ip_summed;
	to->csum_level = from->csum_level;
	to->csum = from->csum;
	to->csum_start = from->ip_summed == CHECKSUM_PARTIAL
				 ? from->csum_start - from->data + to->data
				 : from->csum_start;
	to->csum_offset = from->csum_offset;
	to->gso_size = from->gso_size;
	to->gso_segs = from->gso_segs;
	to->gso_type = from->gso_type;
	to->vlan_present = from->vlan_present;
	to->vlan_tci = from->vlan_tci;
	to->iif = from->iif;
	to->dev = from->dev;
	to->trace_id = from->trace_id;
	memcpy(to->cb, from->cb, sizeof(to->cb));
}

/* pkt_put: see pkt.h. */
uint8_t *pkt_put(struct pkt *p, uint32_t n)
{
	if (p->data_len || n > pkt_tailroom(p))
		return NULL;
	uint8_t *t = pkt_data(p) + pkt_headlen(p);
	p->len += n;
	return t;
}

/* pkt_push: see pkt.h. */
uint8_t *pkt_push(struct pkt *p, uint32_t n)
{
	if (n > p->data)
		return NULL;
	p->data -= n;
	p->len += n;
	return pkt_data(p);
}

/* pkt_pull: see pkt.h. */
uint8_t *pkt_pull(struct pkt *p, uint32_t n)
{
	if (n > pkt_headlen(p))
		return NULL;
	p->data += n;
	p->len -= n;
	return pkt_data(p);
}

/* Free every fragment and the frag_list; the packet keeps its linear part. */
static void pkt_drop_nonlinear(struct pkt *p)
{
	for (unsigned i = 0; i < p->nr_frags; i++) {
		pkt_free(p->frags[i]);
		p->frags[i] = NULL;
	}
	p->nr_frags = 0;
	pkt_free_list(p->frag_list);
	p->frag_list = NULL;
	p->len -= p->data_len;
	p->data_len = 0;
}

/* pkt_trim: see pkt.h. */
int pkt_trim(struct pkt *p, uint32_t len)
{
	if (len > p->len)
		return -EINVAL;
	if (len == p->len)
		return 0;
	if (len > pkt_headlen(p)) {
		int rc = pkt_linearize(p);
		if (rc)
			return rc;
	}
	pkt_drop_nonlinear(p);
	p->len = len;
	return 0;
}

/*
 * Visit the bytes [off, off+n) of p in order, across fragments and
 * frag_list (the sk_buff order: linear, frags, frag_list): fn gets
 * each contiguous piece and its position from off. Returns -EINVAL if the
 * range is not inside the packet (nothing visited then).
 */
typedef void (*pkt_visit_fn)(const uint8_t *piece, uint32_t n, uint32_t pos, void *arg);

static void pkt_visit_linear(const struct pkt *p, uint32_t *off, uint32_t *n, uint32_t *pos,
			     pkt_visit_fn fn, void *arg);

static void pkt_visit_rec(const struct pkt *p, uint32_t *off, uint32_t *n, uint32_t *pos,
			  pkt_visit_fn fn, void *arg)
{
	pkt_visit_linear(p, off, n, pos, fn, arg);
	for (unsigned i = 0; i < p->nr_frags && *n; i++)
		pkt_visit_linear(p->frags[i], off, n, pos, fn, arg);
	for (const struct pkt *m = p->frag_list; m && *n; m = m->next)
		pkt_visit_rec(m, off, n, pos, fn, arg);
}

static void pkt_visit_linear(const struct pkt *p, uint32_t *off, uint32_t *n, uint32_t *pos,
			     pkt_visit_fn fn, void *arg)
{
	uint32_t hl = pkt_headlen(p);
	if (*off >= hl) {
		*off -= hl;
		return;
	}
	uint32_t take = hl - *off;
	if (take > *n)
		take = *n;
	fn(pkt_data(p) + *off, take, *pos, arg);
	*pos += take;
	*n -= take;
	*off = 0;
}

static int pkt_visit(const struct pkt *p, uint32_t off, uint32_t n, pkt_visit_fn fn, void *arg)
{
	if ((uint64_t)off + n > p->len)
		return -EINVAL;
	uint32_t pos = 0;
	pkt_visit_rec(p, &off, &n, &pos, fn, arg);
	return n ? -EINVAL : 0; /* n left: lengths disagree with the chain */
}

static void pkt_copy_piece(const uint8_t *piece, uint32_t n, uint32_t pos, void *arg)
{
	memcpy((uint8_t *)arg + pos, piece, n);
	prof_copied(n);
}

/* pkt_copy_bits: see pkt.h. */
int pkt_copy_bits(const struct pkt *p, uint32_t off, void *to, uint32_t n)
{
	return pkt_visit(p, off, n, pkt_copy_piece, to);
}

struct pkt_csum_walk {
	uint32_t sum;
	uint8_t *copy_to; /* NULL: sum only */
};

static void pkt_csum_piece(const uint8_t *piece, uint32_t n, uint32_t pos, void *arg)
{
	struct pkt_csum_walk *w = arg;
	uint32_t s = w->copy_to ? csum_partial_copy(w->copy_to + pos, piece, n, 0)
				: csum_partial(piece, n, 0);
	w->sum = csum_block_add(w->sum, s, pos);
}

/* pkt_checksum: see pkt.h. */
uint32_t pkt_checksum(const struct pkt *p, uint32_t off, uint32_t len, uint32_t sum)
{
	struct pkt_csum_walk w = {0, NULL};
	if ((uint64_t)off + len > p->len)
		len = off > p->len ? 0 : p->len - off;
	pkt_visit(p, off, len, pkt_csum_piece, &w);
	return csum_add(sum, w.sum);
}

/* pkt_copy_and_csum_bits: see pkt.h. */
uint32_t pkt_copy_and_csum_bits(const struct pkt *p, uint32_t off, void *to, uint32_t n)
{
	struct pkt_csum_walk w = {0, to};
	if (pkt_visit(p, off, n, pkt_csum_piece, &w))
		return 0;
	return w.sum;
}

/* pkt_copy: see pkt.h. */
struct pkt *pkt_copy(const struct pkt *p, struct pkt_pool *pool)
{
	struct pkt *q = pkt_alloc(pool ? pool : p->pool, p->len, p->data);
	if (!q)
		return NULL;
	pkt_copy_bits(p, 0, pkt_data(q), p->len);
	q->len = p->len;
	pkt_copy_meta(q, p);
	return q;
}

/* pkt_linearize: see pkt.h. */
int pkt_linearize(struct pkt *p)
{
	if (!p->data_len)
		return 0;
	uint32_t hl = pkt_headlen(p);
	if (p->data_len > pkt_tailroom(p)) {
		/* Keep the headroom if a buffer that large exists; otherwise
		 * give up what is needed of it rather than the packet: a GRO
		 * aggregate of nearly
		 * 64 KiB must still fit a 64 KiB buffer, as __pskb_pull_tail
		 * (which reallocates the head with no size classes) never
		 * refuses it for lack of headroom. */
		uint32_t nh = p->data, max = pkt_pool_max_buf(p->pool);
		if ((uint64_t)p->len + nh > max && p->len <= max)
			nh = max - p->len;
		struct pkt *big = pkt_alloc(p->pool, p->len, nh);
		if (!big)
			return -ENOMEM;
		memcpy(pkt_data(big), pkt_data(p), hl);
		prof_copied(hl);
		pkt_copy_bits(p, hl, pkt_data(big) + hl, p->data_len);
		pkt_swap_buffers(p, big);
		pkt_free(big); /* now holds p's old buffer */
		if (nh != p->data) {
			/* head-relative offsets move with the data */
			uint32_t *offs[] = {&p->mac_header, &p->network_header, &p->transport_header};
			for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
				if (*offs[i] != PKT_HDR_UNSET)
					*offs[i] = *offs[i] - p->data + nh;
			if (p->ip_summed == CHECKSUM_PARTIAL)
				p->csum_start = p->csum_start - p->data + nh;
			p->data = nh;
		}
	} else {
		pkt_copy_bits(p, hl, pkt_data(p) + hl, p->data_len);
	}
	uint32_t len = p->len;
	pkt_drop_nonlinear(p);
	p->len = len; /* the bytes are all linear now */
	return 0;
}

/* pkt_frag_list_append: see pkt.h. */
void pkt_frag_list_append(struct pkt *p, struct pkt *member)
{
	struct pkt **tail = &p->frag_list;
	while (*tail)
		tail = &(*tail)->next;
	member->next = NULL;
	*tail = member;
	p->len += member->len;
	p->data_len += member->len;
}

/* pkt_frag_append: see pkt.h. */
int pkt_frag_append(struct pkt *p, struct pkt *frag)
{
	if (!frag || frag == p || frag->data_len || frag->len == 0 || p->frag_list)
		return -EINVAL;
	if (p->nr_frags >= PKT_MAX_FRAGS)
		return -E2BIG;
	frag->next = NULL;
	p->frags[p->nr_frags++] = frag;
	p->len += frag->len;
	p->data_len += frag->len;
	return 0;
}

/* pkt_total_frags: see pkt.h. */
unsigned pkt_total_frags(const struct pkt *p)
{
	unsigned n = p->nr_frags;
	for (const struct pkt *m = p->frag_list; m; m = m->next)
		n += pkt_total_frags(m);
	return n;
}

/* pkt_mac_hdr, pkt_network_hdr, pkt_transport_hdr: see pkt.h. */
uint8_t *pkt_mac_hdr(const struct pkt *p)
{
	return p->mac_header == PKT_HDR_UNSET ? NULL : p->head + p->mac_header;
}

uint8_t *pkt_network_hdr(const struct pkt *p)
{
	return p->network_header == PKT_HDR_UNSET ? NULL : p->head + p->network_header;
}

uint8_t *pkt_transport_hdr(const struct pkt *p)
{
	return p->transport_header == PKT_HDR_UNSET ? NULL : p->head + p->transport_header;
}

/* pkt_trace_set_hook: see pkt.h. */
void pkt_trace_set_hook(pkt_trace_fn fn, void *arg)
{
	pkt_trace_hook = fn;
	pkt_trace_arg = arg;
}

/* pkt_trace: see pkt.h. */
void pkt_trace(const struct pkt *p, const char *where)
{
	if (pkt_trace_hook && p)
		pkt_trace_hook(p, where, pkt_trace_arg);
}
