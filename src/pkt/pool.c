/*
 * pool.c — packet pools: size classes of buffers carved from caller memory
 * (a partition's logical memory) or the heap, and the struct pkt objects
 * that describe them, kept on a free list so nothing is malloc'd per packet.
 *
 * Serves everyone who allocates a packet: drivers (receive buffers, copies
 * out of partition memory), the hypervisor's software paths, GSO (segments
 * from the super-frame's pool), the stack. Tests read the outstanding counts
 * (per pool and over every live pool) and inject allocation failures.
 *
 * Single-threaded by design (architecture.md: one event loop per process).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/pkt.h"
#include "pkt/pkt_internal.h"

#define PKT_POOL_MAX_CLASSES 16
#define PKT_POOL_ALIGN 64u /* every buffer starts on a cache line of the carve */

struct pkt_slot {
	struct pkt pkt;             /* first: a struct pkt * is a struct pkt_slot * */
	struct pkt_slot *free_next; /* free-list linkage */
	uint8_t cls;                /* class of the buffer the packet holds */
	bool live;
};

struct pkt_class_rt {
	uint32_t buf_size;
	uint32_t count;
	uint32_t n_free;
	uint8_t **free; /* stack of free buffers */
};

struct pkt_pool {
	char name[32];
	unsigned n_classes;
	struct pkt_class_rt cls[PKT_POOL_MAX_CLASSES];
	uint8_t *heap_mem; /* the carve when the caller gave no memory */
	struct pkt_slot *slots;
	struct pkt_slot *free_slots;
	struct pkt_pool_stats st;
	struct pkt_pool *live_prev, *live_next;
};

static struct pkt_pool *pkt_live_pools;
static uint64_t pkt_fault_countdown; /* 0 = off */
static uint64_t pkt_fault_allocs;    /* allocs since the last pkt_fault_fail_nth */

static size_t pkt_pool_stride(uint32_t buf_size)
{
	return ((size_t)buf_size + PKT_POOL_ALIGN - 1) & ~(size_t)(PKT_POOL_ALIGN - 1);
}

/* pkt_pool_mem_needed: see pkt.h. */
size_t pkt_pool_mem_needed(const struct pkt_pool_class *classes, unsigned n_classes)
{
	size_t n = 0;
	for (unsigned i = 0; i < n_classes; i++)
		n += pkt_pool_stride(classes[i].buf_size) * classes[i].count;
	return n;
}

/* pkt_pool_create: see pkt.h. */
struct pkt_pool *pkt_pool_create(const char *name, const struct pkt_pool_class *classes,
				 unsigned n_classes, void *mem, size_t mem_size)
{
	if (!classes || n_classes == 0 || n_classes > PKT_POOL_MAX_CLASSES)
		return NULL;
	size_t total_bufs = 0;
	for (unsigned i = 0; i < n_classes; i++) {
		if (classes[i].buf_size == 0)
			return NULL;
		total_bufs += classes[i].count;
	}
	size_t need = pkt_pool_mem_needed(classes, n_classes);
	if (mem && mem_size < need)
		return NULL;

	struct pkt_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	for (size_t i = 0; name && name[i] && i < sizeof(pool->name) - 1; i++)
		pool->name[i] = name[i];
	pool->n_classes = n_classes;
	uint8_t *carve = mem;
	if (!carve && need) {
		pool->heap_mem = aligned_alloc(PKT_POOL_ALIGN, need);
		if (!pool->heap_mem)
			goto err_pool;
		carve = pool->heap_mem;
	}
	if (total_bufs) {
		pool->slots = calloc(total_bufs, sizeof(*pool->slots));
		if (!pool->slots)
			goto err_heap;
	}
	for (unsigned c = 0; c < n_classes; c++) {
		struct pkt_class_rt *k = &pool->cls[c];
		k->buf_size = classes[c].buf_size;
		k->count = classes[c].count;
		if (k->count) {
			k->free = malloc(sizeof(*k->free) * k->count);
			if (!k->free)
				goto err_classes;
		}
		size_t stride = pkt_pool_stride(k->buf_size);
		/* Push in reverse so buffers come out in address order. */
		for (uint32_t i = k->count; i-- > 0;)
			k->free[k->n_free++] = carve + stride * i;
		carve += stride * k->count;
	}
	for (size_t i = total_bufs; i-- > 0;) {
		pool->slots[i].free_next = pool->free_slots;
		pool->free_slots = &pool->slots[i];
	}
	pool->live_next = pkt_live_pools;
	if (pkt_live_pools)
		pkt_live_pools->live_prev = pool;
	pkt_live_pools = pool;
	return pool;

err_classes:
	for (unsigned c = 0; c < n_classes; c++)
		free(pool->cls[c].free);
	free(pool->slots);
err_heap:
	free(pool->heap_mem);
err_pool:
	free(pool);
	return NULL;
}

/* pkt_pool_destroy: see pkt.h. */
unsigned pkt_pool_destroy(struct pkt_pool *pool)
{
	if (!pool)
		return 0;
	unsigned leaked = pool->st.outstanding;
	if (pool->live_prev)
		pool->live_prev->live_next = pool->live_next;
	else
		pkt_live_pools = pool->live_next;
	if (pool->live_next)
		pool->live_next->live_prev = pool->live_prev;
	for (unsigned c = 0; c < pool->n_classes; c++)
		free(pool->cls[c].free);
	free(pool->slots);
	free(pool->heap_mem);
	free(pool);
	return leaked;
}

/* pkt_pool_get_stats: see pkt.h. */
void pkt_pool_get_stats(const struct pkt_pool *pool, struct pkt_pool_stats *st)
{
	*st = pool->st;
}

/* pkt_pool_outstanding: see pkt.h. */
unsigned pkt_pool_outstanding(const struct pkt_pool *pool)
{
	return pool->st.outstanding;
}

/* pkt_pool_name: see pkt.h. */
const char *pkt_pool_name(const struct pkt_pool *pool)
{
	return pool->name;
}

/* pkt_outstanding_total: see pkt.h. */
uint64_t pkt_outstanding_total(void)
{
	uint64_t n = 0;
	for (const struct pkt_pool *p = pkt_live_pools; p; p = p->live_next)
		n += p->st.outstanding;
	return n;
}

/* pkt_fault_fail_nth: see pkt.h. */
uint64_t pkt_fault_fail_nth(uint64_t n)
{
	uint64_t seen = pkt_fault_allocs;
	pkt_fault_allocs = 0;
	pkt_fault_countdown = n;
	return seen;
}

/* Take a free buffer from the smallest class whose buffers hold need bytes;
 * a full class falls through to the next larger one (our choice: Linux's
 * kmalloc caches behave alike, a refusal would only add drops). */
static int pkt_pool_take_buf(struct pkt_pool *pool, size_t need, uint8_t **buf)
{
	int best = -1;
	for (unsigned c = 0; c < pool->n_classes; c++) {
		const struct pkt_class_rt *k = &pool->cls[c];
		if (k->buf_size < need || k->n_free == 0)
			continue;
		if (best < 0 || k->buf_size < pool->cls[best].buf_size)
			best = (int)c;
	}
	if (best < 0)
		return -1;
	struct pkt_class_rt *k = &pool->cls[best];
	*buf = k->free[--k->n_free];
	return best;
}

static void pkt_pool_put_buf(struct pkt_pool *pool, unsigned cls, uint8_t *buf)
{
	struct pkt_class_rt *k = &pool->cls[cls];
	assert(k->n_free < k->count);
	k->free[k->n_free++] = buf;
}

/* pkt_alloc: see pkt.h. */
struct pkt *pkt_alloc(struct pkt_pool *pool, uint32_t size, uint32_t headroom)
{
	if (!pool)
		return NULL;
	pkt_fault_allocs++;
	if (pkt_fault_countdown && --pkt_fault_countdown == 0) {
		pool->st.failures++;
		return NULL;
	}
	uint8_t *buf;
	int cls = pkt_pool_take_buf(pool, (size_t)size + headroom, &buf);
	if (cls < 0) {
		pool->st.failures++;
		return NULL;
	}
	struct pkt_slot *s = pool->free_slots;
	assert(s); /* one slot per buffer: a free buffer implies a free slot */
	pool->free_slots = s->free_next;
	s->free_next = NULL;
	s->cls = (uint8_t)cls;
	s->live = true;
	struct pkt *p = &s->pkt;
	/* Field by field rather than a memset of the whole struct: every field
	 * is set here or by pkt_reset_meta, and a short rep stos costs more
	 * than the rest of the allocation. */
	p->next = NULL;
	p->frag_list = NULL;
	p->pool = pool;
	p->head = buf;
	p->size = pool->cls[cls].buf_size;
	p->data = headroom;
	p->len = 0;
	p->data_len = 0;
	p->nr_frags = 0;
	pkt_reset_meta(p);
	pool->st.allocs++;
	pool->st.outstanding++;
	return p;
}

/* pkt_free: see pkt.h. */
void pkt_free(struct pkt *p)
{
	if (!p)
		return;
	struct pkt *frags = p->frag_list;
	struct pkt_slot *s = (struct pkt_slot *)(void *)p;
	struct pkt_pool *pool = p->pool;
	assert(s->live);
	s->live = false;
	pkt_pool_put_buf(pool, s->cls, p->head);
	p->head = NULL;
	p->frag_list = NULL;
	s->free_next = pool->free_slots;
	pool->free_slots = s;
	pool->st.frees++;
	pool->st.outstanding--;
	for (unsigned i = 0; i < p->nr_frags; i++) {
		pkt_free(p->frags[i]);
		p->frags[i] = NULL;
	}
	p->nr_frags = 0;
	/* Members are linked by ->next. */
	pkt_free_list(frags);
}

/* pkt_free_list: see pkt.h. */
void pkt_free_list(struct pkt *p)
{
	while (p) {
		struct pkt *n = p->next;
		p->next = NULL;
		pkt_free(p);
		p = n;
	}
}

/* pkt_pool_max_buf: see pkt.h. */
uint32_t pkt_pool_max_buf(const struct pkt_pool *pool)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < pool->n_classes; i++)
		if (pool->cls[i].buf_size > m)
			m = pool->cls[i].buf_size;
	return m;
}

/* pkt_swap_buffers: see pkt_internal.h. */
void pkt_swap_buffers(struct pkt *a, struct pkt *b)
{
	struct pkt_slot *sa = (struct pkt_slot *)(void *)a, *sb = (struct pkt_slot *)(void *)b;
	assert(a->pool == b->pool);
	uint8_t *h = a->head;
	uint32_t sz = a->size;
	uint8_t c = sa->cls;
	a->head = b->head;
	a->size = b->size;
	sa->cls = sb->cls;
	b->head = h;
	b->size = sz;
	sb->cls = c;
}
