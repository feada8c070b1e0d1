/*
 * kc_mem.c — a driver instance's kernel memory and DMA: the region it takes
 * from its partition, kmalloc/kfree, pages, coherent allocations and
 * streaming mappings, all in the partition's logical memory.
 *
 * Serves the driver (kmalloc, get_zeroed_page, dma_map_single,
 * dma_alloc_coherent through the kernel-API headers), kc_vio.c (region set
 * up at probe, reclaimed at remove) and kc_skb.c (the packet pool).
 *
 * DMA: the partition sees its own logical memory; an I/O address is the
 * logical address of the buffer (an identity-mapped IOMMU), which the
 * hypervisor checks on every hcall. A mapping of memory outside the
 * partition, or reaching past 4 GiB (descriptors carry 32-bit addresses),
 * fails with DMA_MAPPING_ERROR, as a mapping that finds no free TCE does.
 * Every mapping is recorded, so an unmap of what was never mapped is
 * counted, and what a remove leaves mapped is counted and dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv.h"
#include "kcompat/kc_int.h"

/* The packet pool's classes: data size and count (see KC_POOL_CLASSES). */
static const struct {
	uint32_t data, count;
} kc_pool_classes[KC_POOL_CLASSES] = {
	{128, 2048}, {512, 512}, {2048, 1024}, {16384, 512}, {32768, 512}, {65536, 512},
};

static void kc_pool_class_list(struct pkt_pool_class c[KC_POOL_CLASSES])
{
	for (unsigned i = 0; i < KC_POOL_CLASSES; i++)
		c[i] = (struct pkt_pool_class){kc_pool_classes[i].data + KC_NET_SKB_PAD,
					       kc_pool_classes[i].count};
}

/* kc_pool_mem_needed: see kc_int.h. */
size_t kc_pool_mem_needed(void)
{
	struct pkt_pool_class c[KC_POOL_CLASSES];
	kc_pool_class_list(c);
	return pkt_pool_mem_needed(c, KC_POOL_CLASSES);
}

static size_t kc_heap_bytes(const struct kc_vio_config *cfg)
{
	size_t h = cfg && cfg->heap_size ? cfg->heap_size : KC_HEAP_DEFAULT;
	return (h + 4095) & ~(size_t)4095;
}

/* kc_lmem_needed: see kcompat.h. */
size_t kc_lmem_needed(const struct kc_vio_config *cfg)
{
	return kc_heap_bytes(cfg) + kc_pool_mem_needed() + 2 * 4096;
}

/* kc_mem_init: see kc_int.h. */
int kc_mem_init(struct kc_dev *kd)
{
	size_t heap = kc_heap_bytes(&kd->cfg);
	size_t pool = kc_pool_mem_needed();
	kd->region_size = heap + pool;
	uint64_t la = hv_lmem_alloc(kd->part, kd->region_size, 4096);
	if (la == UINT64_MAX || la + kd->region_size > (1ull << 32))
		return -ENOMEM; /* I/O addresses are 32 bits */
	kd->region_laddr = la;
	uint8_t *base = hv_lmem_ptr(kd->part, la, kd->region_size);
	kd->heap = kc_heap_create(base, la, heap);
	struct pkt_pool_class c[KC_POOL_CLASSES];
	kc_pool_class_list(c);
	kd->pool = pkt_pool_create(kd->name, c, KC_POOL_CLASSES, base + heap, pool);
	if (!kd->heap || !kd->pool)
		return -ENOMEM;
	return 0;
}

/* kc_mem_fini: see kc_int.h. */
void kc_mem_fini(struct kc_dev *kd)
{
	if (kd->heap) {
		struct kc_heap_stats hs;
		kc_heap_get_stats(kd->heap, &hs);
		if (hs.n_live) {
			kd->st.leaked_allocs += hs.n_live;
			kc_log(kd, KC_LOG_WARNING,
			       "%s: remove left %zu allocations (%zu bytes); reclaimed", kd->name,
			       hs.n_live, hs.in_use);
			kc_heap_reclaim(kd->heap);
		}
	}
	if (kd->maps_live) {
		kd->st.leaked_dma_maps += kd->maps_live;
		kc_log(kd, KC_LOG_WARNING, "%s: remove left %zu DMA mappings; dropped", kd->name,
		       kd->maps_live);
	}
	free(kd->maps);
	kd->maps = NULL;
	kd->maps_cap = kd->maps_used = kd->maps_live = 0;
	kc_heap_destroy(kd->heap);
	kd->heap = NULL;
	if (kd->pool) {
		unsigned left = pkt_pool_destroy(kd->pool);
		if (left)
			kc_log(NULL, KC_LOG_WARNING,
			       "%s: %u packets of its pool still held elsewhere", kd->name, left);
	}
	kd->pool = NULL;
}

/* ---- The mapping table -------------------------------------------------------- */

#define KC_MAP_TOMB UINT64_MAX

static size_t kc_map_hash(uint64_t addr, size_t cap)
{
	return (size_t)((addr >> 4) * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

static struct kc_dma_map *kc_map_find(struct kc_dev *kd, uint64_t addr)
{
	if (!kd->maps_cap)
		return NULL;
	size_t j = kc_map_hash(addr, kd->maps_cap);
	for (size_t n = 0; n < kd->maps_cap; n++, j = (j + 1) & (kd->maps_cap - 1)) {
		struct kc_dma_map *m = &kd->maps[j];
		if (!m->refs && m->addr != KC_MAP_TOMB)
			return NULL; /* empty: never used */
		if (m->refs && m->addr == addr)
			return m;
	}
	return NULL;
}

static int kc_map_rehash(struct kc_dev *kd)
{
	size_t cap = !kd->maps_cap                            ? 1024
		     : (kd->maps_live + 1) * 4 < kd->maps_cap ? kd->maps_cap
							      : kd->maps_cap * 2;
	struct kc_dma_map *t = calloc(cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < kd->maps_cap; i++) {
		struct kc_dma_map *m = &kd->maps[i];
		if (!m->refs)
			continue;
		size_t j = kc_map_hash(m->addr, cap);
		while (t[j].refs)
			j = (j + 1) & (cap - 1);
		t[j] = *m;
	}
	free(kd->maps);
	kd->maps = t;
	kd->maps_cap = cap;
	kd->maps_used = kd->maps_live;
	return 0;
}

static int kc_map_add(struct kc_dev *kd, uint64_t addr, size_t size, bool coherent)
{
	struct kc_dma_map *m = kc_map_find(kd, addr);
	if (m) {
		m->refs++;
		return 0;
	}
	if ((kd->maps_used + 1) * 2 > kd->maps_cap && kc_map_rehash(kd))
		return -ENOMEM;
	size_t j = kc_map_hash(addr, kd->maps_cap);
	while (kd->maps[j].refs)
		j = (j + 1) & (kd->maps_cap - 1);
	if (kd->maps[j].addr != KC_MAP_TOMB)
		kd->maps_used++;
	kd->maps[j] = (struct kc_dma_map){addr, (uint32_t)size, 1, coherent, kd->map_seq++};
	kd->maps_live++;
	return 0;
}

static bool kc_map_del(struct kc_dev *kd, uint64_t addr, size_t size, bool coherent)
{
	struct kc_dma_map *m = kc_map_find(kd, addr);
	if (!m || m->coherent != coherent || m->size != size)
		return false;
	if (--m->refs == 0) {
		m->addr = KC_MAP_TOMB;
		kd->maps_live--;
	}
	return true;
}

/* kc_dev_dma_live: see kcompat.h. */
unsigned kc_dev_dma_live(const struct kc_dev *kd, unsigned *coherent)
{
	unsigned c = 0;
	for (size_t i = 0; i < kd->maps_cap; i++)
		if (kd->maps[i].refs && kd->maps[i].coherent)
			c++;
	if (coherent)
		*coherent = c;
	return (unsigned)kd->maps_live - c;
}

/* kc_dev_dma_each: see kcompat.h. */
void kc_dev_dma_each(const struct kc_dev *kd,
		     void (*fn)(void *arg, uint64_t addr, size_t size, bool coherent), void *arg)
{
	for (size_t i = 0; i < kd->maps_cap; i++)
		if (kd->maps[i].refs)
			fn(arg, kd->maps[i].addr, kd->maps[i].size, kd->maps[i].coherent);
}

/* kc_dev_coherent: see kcompat.h. */
int kc_dev_coherent(const struct kc_dev *kd, unsigned i, uint64_t *laddr, size_t *size)
{
	/* the i-th by age: pick the smallest sequence number above the previous */
	uint64_t last = 0;
	bool have_last = false;
	for (unsigned k = 0; k <= i; k++) {
		const struct kc_dma_map *best = NULL;
		for (size_t j = 0; j < kd->maps_cap; j++) {
			const struct kc_dma_map *m = &kd->maps[j];
			if (!m->refs || !m->coherent || (have_last && m->seq <= last))
				continue;
			if (!best || m->seq < best->seq)
				best = m;
		}
		if (!best)
			return -ENOENT;
		last = best->seq;
		have_last = true;
		if (k == i) {
			if (laddr)
				*laddr = best->addr;
			if (size)
				*size = best->size;
		}
	}
	return 0;
}

/* kc_dev_dma_fault: see kcompat.h. */
void kc_dev_dma_fault(struct kc_dev *kd, unsigned n)
{
	kd->dma_fault_n = n;
}

/* kc_dev_heap_stats: see kcompat.h. */
void kc_dev_heap_stats(const struct kc_dev *kd, struct kc_heap_stats *st)
{
	kc_heap_get_stats(kd->heap, st);
}

/* ---- Kernel allocations ----------------------------------------------------------- */

/* The instance a kernel allocation belongs to: the running one. */
static struct kc_dev *kc_mem_dev(void)
{
	struct kc_dev *kd = kc_cur();
	if (!kd || !kd->heap) {
		kc_log(NULL, KC_LOG_ERR, "kernel allocation outside any driver instance");
		return NULL;
	}
	return kd;
}

/* kmalloc: natural alignment for power-of-two sizes up to a page (as the
 * kernel's slab guarantees), 16 bytes at least. */
void *kc_kmalloc(size_t size, gfp_t flags, bool zero)
{
	(void)flags;
	struct kc_dev *kd = kc_mem_dev();
	if (!kd)
		return NULL;
	if (size == 0)
		return (void *)16; /* ZERO_SIZE_PTR */
	size_t align = 16;
	if ((size & (size - 1)) == 0)
		align = size < 16 ? 16 : size > 4096 ? 4096 : size;
	void *p = kc_heap_alloc(kd->heap, size, align);
	if (!p) {
		kd->st.alloc_failures++;
		return NULL;
	}
	if (zero)
		memset(p, 0, size);
	return p;
}

/* The instance whose heap holds p (the running one first). */
static struct kc_dev *kc_mem_owner(const void *p)
{
	struct kc_dev *kd = kc_cur();
	if (kd && kc_heap_contains(kd->heap, p))
		return kd;
	for (kd = kc_devs(); kd; kd = kd->next_dev)
		if (kc_heap_contains(kd->heap, p))
			return kd;
	return NULL;
}

/* kfree: the kernel's: NULL and ZERO_SIZE_PTR are ignored; a pointer that is no
 * allocation is refused, logged and counted (bad_frees) instead of corrupting the heap. */
void kfree(const void *p)
{
	if (!p || p == (void *)16)
		return;
	struct kc_dev *kd = kc_mem_owner(p);
	if (!kd || kc_heap_free(kd->heap, p) != 0) {
		struct kc_dev *cur = kc_cur();
		if (cur)
			cur->st.bad_frees++;
		kc_log(cur, KC_LOG_ERR, "kfree of %p: not an allocation of this kernel (ignored)", p);
	}
}

/* __get_free_pages: the kernel's: 4 KiB << order, aligned to its size, from the
 * instance's heap. */
unsigned long __get_free_pages(gfp_t flags, unsigned int order)
{
	(void)flags;
	struct kc_dev *kd = kc_mem_dev();
	if (!kd || order > 10)
		return 0;
	size_t n = (size_t)4096 << order;
	void *p = kc_heap_alloc(kd->heap, n, n);
	if (!p) {
		kd->st.alloc_failures++;
		return 0;
	}
	return (unsigned long)p;
}

/* get_zeroed_page: the kernel's. */
unsigned long get_zeroed_page(gfp_t flags)
{
	unsigned long p = __get_free_pages(flags, 0);
	if (p)
		memset((void *)p, 0, 4096);
	return p;
}

/* free_pages: the kernel's. */
void free_pages(unsigned long addr, unsigned int order)
{
	(void)order;
	if (addr)
		kfree((void *)addr);
}

/* ---- DMA ---------------------------------------------------------------------------- */

static struct kc_dev *kc_dma_dev(struct device *dev)
{
	return dev && dev->kc ? dev->kc : kc_cur();
}

/* dma_map_single_attrs: the buffer's logical address; DMA_MAPPING_ERROR outside the
 * partition or past 4 GiB (see the top of this file), or the injected bad address
 * (kc_dev_dma_fault). */
dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size, int dir,
				unsigned long attrs)
{
	(void)dir;
	(void)attrs;
	struct kc_dev *kd = kc_dma_dev(dev);
	if (!kd)
		return KC_DMA_MAPPING_ERROR;
	uint64_t a = hv_lmem_addr(kd->part, ptr, size);
	if (a == UINT64_MAX || a + size > (1ull << 32)) {
		kd->st.dma_map_errors++;
		return KC_DMA_MAPPING_ERROR;
	}
	if (kd->dma_fault_n) {
		/* a stale translation: past the end of the partition's memory,
		 * still a 32-bit address, page offset kept */
		kd->dma_fault_n--;
		kd->st.dma_faults_injected++;
		uint64_t end = (hv_lmem_size(kd->part) + 0xfffffull) & ~0xfffffull;
		a = (end + 0x100000u + (a & 0xfffu)) & 0xffffffffull;
	}
	if (kc_map_add(kd, a, size, false)) {
		kd->st.dma_map_errors++;
		return KC_DMA_MAPPING_ERROR;
	}
	kd->st.dma_maps++;
	return a;
}

/* dma_unmap_single_attrs: a mapping is dropped by address and size; anything else is
 * counted (dma_bad_unmaps) and logged, as CONFIG_DMA_API_DEBUG would. */
void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size, int dir,
			    unsigned long attrs)
{
	(void)dir;
	(void)attrs;
	struct kc_dev *kd = kc_dma_dev(dev);
	if (!kd)
		return;
	if (!kc_map_del(kd, addr, size, false)) {
		kd->st.dma_bad_unmaps++;
		kc_log(kd, KC_LOG_ERR, "DMA-API: unmap of 0x%llx size %zu that is not mapped so",
		       (unsigned long long)addr, size);
	}
}

/* dma_alloc_coherent: zeroed, page-aligned memory of the instance's heap, its logical
 * address in *handle. */
void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t flags)
{
	(void)flags;
	struct kc_dev *kd = kc_dma_dev(dev);
	if (!kd || !kd->heap || !size)
		return NULL;
	size_t align = 4096;
	void *p = kc_heap_alloc(kd->heap, size, align);
	if (!p) {
		kd->st.alloc_failures++;
		return NULL;
	}
	uint64_t a = hv_lmem_addr(kd->part, p, size);
	if (a == UINT64_MAX || kc_map_add(kd, a, size, true)) {
		kc_heap_free(kd->heap, p);
		kd->st.alloc_failures++;
		return NULL;
	}
	memset(p, 0, size);
	*handle = a;
	return p;
}

/* dma_free_coherent: the kernel's; a wrong handle or size is counted and the memory kept. */
void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle)
{
	struct kc_dev *kd = kc_dma_dev(dev);
	if (!kd || !cpu_addr)
		return;
	if (!kc_map_del(kd, handle, size, true)) {
		kd->st.dma_bad_unmaps++;
		kc_log(kd, KC_LOG_ERR, "DMA-API: free of coherent 0x%llx size %zu not allocated so",
		       (unsigned long long)handle, size);
		return;
	}
	if (kc_heap_free(kd->heap, cpu_addr) != 0)
		kd->st.bad_frees++;
}
