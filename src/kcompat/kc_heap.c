/*
 * kc_heap.c — first-fit allocator over a region of partition memory, with
 * out-of-band block records (see kc_heap.h).
 *
 * Serves kc_mem.c. The blocks form one list in address order covering the
 * whole region, each free or live; a live block is found again by its start
 * through a small open-addressed table, so a free is checked (and cheap)
 * however many blocks there are.
 */
#include "kcompat/kc_heap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KC_HEAP_GRAIN 16u

struct kc_block {
	size_t off, size;
	bool live;
	struct kc_block *prev, *next; /* address order */
};

struct kc_heap {
	uint8_t *base;
	uint64_t laddr;
	size_t size;
	struct kc_block *first;
	struct kc_block *spare; /* recycled records (->next linked) */
	/* live blocks by start offset: open addressing, tombstones */
	struct kc_block **table;
	size_t table_cap, table_used; /* used counts tombstones too */
	struct kc_heap_stats st;
};

static struct kc_block kc_heap_tomb;

static size_t kc_hash(size_t off, size_t cap)
{
	return (size_t)((off / KC_HEAP_GRAIN) * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

/* Rebuild the table without tombstones, twice as large unless the live
 * blocks fill less than a quarter of it (churn alone never grows it). */
static int kc_table_grow(struct kc_heap *h)
{
	size_t cap = !h->table_cap                           ? 64
		     : (h->st.n_live + 1) * 4 < h->table_cap ? h->table_cap
							     : h->table_cap * 2;
	struct kc_block **t = calloc(cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < h->table_cap; i++) {
		struct kc_block *b = h->table[i];
		if (!b || b == &kc_heap_tomb)
			continue;
		size_t j = kc_hash(b->off, cap);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = b;
	}
	free(h->table);
	h->table = t;
	h->table_cap = cap;
	h->table_used = h->st.n_live;
	return 0;
}

static int kc_table_insert(struct kc_heap *h, struct kc_block *b)
{
	if ((h->table_used + 1) * 2 > h->table_cap && kc_table_grow(h))
		return -ENOMEM;
	size_t j = kc_hash(b->off, h->table_cap);
	while (h->table[j] && h->table[j] != &kc_heap_tomb)
		j = (j + 1) & (h->table_cap - 1);
	if (!h->table[j])
		h->table_used++;
	h->table[j] = b;
	return 0;
}

/* The live block starting at off, removed from the table when take. */
static struct kc_block *kc_table_find(const struct kc_heap *h, size_t off, bool take)
{
	if (!h->table_cap)
		return NULL;
	size_t j = kc_hash(off, h->table_cap);
	for (size_t n = 0; n < h->table_cap && h->table[j]; n++, j = (j + 1) & (h->table_cap - 1)) {
		struct kc_block *b = h->table[j];
		if (b != &kc_heap_tomb && b->off == off) {
			if (take)
				h->table[j] = &kc_heap_tomb;
			return b;
		}
	}
	return NULL;
}

static struct kc_block *kc_block_new(struct kc_heap *h)
{
	struct kc_block *b = h->spare;
	if (b)
		h->spare = b->next;
	else
		b = malloc(sizeof(*b));
	if (b)
		memset(b, 0, sizeof(*b));
	return b;
}

static void kc_block_put(struct kc_heap *h, struct kc_block *b)
{
	b->next = h->spare;
	h->spare = b;
}

/* kc_heap_create: see kc_heap.h. */
struct kc_heap *kc_heap_create(uint8_t *base, uint64_t laddr, size_t size)
{
	if (!base || size < KC_HEAP_GRAIN)
		return NULL;
	struct kc_heap *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->base = base;
	h->laddr = laddr;
	h->size = size;
	h->first = kc_block_new(h);
	if (!h->first) {
		free(h);
		return NULL;
	}
	h->first->size = size;
	h->st.size = size;
	return h;
}

/* kc_heap_destroy: see kc_heap.h. */
void kc_heap_destroy(struct kc_heap *h)
{
	if (!h)
		return;
	for (struct kc_block *b = h->first, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	for (struct kc_block *b = h->spare, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(h->table);
	free(h);
}

/* Split b at off (relative to the region): b keeps [b->off, off), a new
 * free block follows with the rest. Returns the new block or NULL. */
static struct kc_block *kc_split(struct kc_heap *h, struct kc_block *b, size_t off)
{
	struct kc_block *n = kc_block_new(h);
	if (!n)
		return NULL;
	n->off = off;
	n->size = b->off + b->size - off;
	b->size = off - b->off;
	n->prev = b;
	n->next = b->next;
	if (b->next)
		b->next->prev = n;
	b->next = n;
	return n;
}

/* Merge b with its successor (both free). */
static void kc_merge_next(struct kc_heap *h, struct kc_block *b)
{
	struct kc_block *n = b->next;
	b->size += n->size;
	b->next = n->next;
	if (n->next)
		n->next->prev = b;
	kc_block_put(h, n);
}

/* kc_heap_alloc: see kc_heap.h. */
void *kc_heap_alloc(struct kc_heap *h, size_t size, size_t align)
{
	if (!h || size == 0 || size > h->size || (align & (align - 1)) != 0) {
		if (h)
			h->st.failures++;
		return NULL;
	}
	if (align < KC_HEAP_GRAIN)
		align = KC_HEAP_GRAIN;
	size = (size + KC_HEAP_GRAIN - 1) & ~(size_t)(KC_HEAP_GRAIN - 1);
	for (struct kc_block *b = h->first; b; b = b->next) {
		if (b->live || b->size < size)
			continue;
		uint64_t la = h->laddr + b->off;
		size_t start = b->off + (size_t)(((la + align - 1) & ~(uint64_t)(align - 1)) - la);
		if (start + size > b->off + b->size)
			continue;
		struct kc_block *blk = b;
		if (start > b->off) {
			blk = kc_split(h, b, start);
			if (!blk)
				break;
		}
		if (blk->size > size && !kc_split(h, blk, blk->off + size)) {
			if (blk != b)
				kc_merge_next(h, b);
			break;
		}
		if (kc_table_insert(h, blk)) {
			while (blk->next && !blk->next->live)
				kc_merge_next(h, blk);
			if (blk != b)
				kc_merge_next(h, b);
			break;
		}
		blk->live = true;
		h->st.allocs++;
		h->st.n_live++;
		h->st.in_use += blk->size;
		if (h->st.in_use > h->st.peak)
			h->st.peak = h->st.in_use;
		return h->base + blk->off;
	}
	h->st.failures++;
	return NULL;
}

/* kc_heap_contains: see kc_heap.h. */
bool kc_heap_contains(const struct kc_heap *h, const void *p)
{
	const uint8_t *c = p;
	return h && c >= h->base && c < h->base + h->size;
}

/* kc_heap_free: see kc_heap.h. */
int kc_heap_free(struct kc_heap *h, const void *p)
{
	if (!kc_heap_contains(h, p)) {
		if (h)
			h->st.bad_frees++;
		return -EINVAL;
	}
	struct kc_block *b = kc_table_find(h, (size_t)((const uint8_t *)p - h->base), true);
	if (!b) {
		h->st.bad_frees++;
		return -EINVAL;
	}
	b->live = false;
	h->st.frees++;
	h->st.n_live--;
	h->st.in_use -= b->size;
	if (b->next && !b->next->live)
		kc_merge_next(h, b);
	if (b->prev && !b->prev->live)
		kc_merge_next(h, b->prev);
	return 0;
}

/* kc_heap_block_size: see kc_heap.h. */
size_t kc_heap_block_size(const struct kc_heap *h, const void *p)
{
	if (!kc_heap_contains(h, p))
		return 0;
	const struct kc_block *b = kc_table_find(h, (size_t)((const uint8_t *)p - h->base), false);
	return b ? b->size : 0;
}

/* kc_heap_get_stats: see kc_heap.h. */
void kc_heap_get_stats(const struct kc_heap *h, struct kc_heap_stats *st)
{
	*st = h->st;
	st->largest_free = 0;
	st->n_free_blocks = 0;
	for (const struct kc_block *b = h->first; b; b = b->next) {
		if (b->live)
			continue;
		st->n_free_blocks++;
		if (b->size > st->largest_free)
			st->largest_free = b->size;
	}
}

/* kc_heap_each_live: see kc_heap.h. */
void kc_heap_each_live(const struct kc_heap *h, void (*fn)(void *arg, void *p, size_t size), void *arg)
{
	for (const struct kc_block *b = h->first; b; b = b->next)
		if (b->live)
			fn(arg, h->base + b->off, b->size);
}

/* kc_heap_reclaim: see kc_heap.h. */
size_t kc_heap_reclaim(struct kc_heap *h)
{
	size_t n = 0;
	for (struct kc_block *b = h->first; b;) {
		struct kc_block *next = b->next;
		if (b->live) {
			kc_heap_free(h, h->base + b->off);
			n++;
			next = h->first; /* merging may have freed next: restart */
		}
		b = next;
	}
	return n;
}
