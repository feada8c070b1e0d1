/*
 * hv.c — the emulated PowerVM hypervisor's objects: partitions and their
 * logical memory, ILLAN adapters and virtual switches, the rx-queue
 * descriptor kept in an adapter's buffer-list page, and the adapters'
 * counters.
 *
 * Serves the topology (which builds partitions and adapters), the drivers
 * (which use the logical-memory helpers as a partition's kernel would use its
 * own memory and DMA mapping) and the other files of src/hv. It is their
 * leaf: it calls nothing in vsw.c or hcall.c (see hv_internal.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/hv_internal.h"

COUNTER_SET_DEFINE(hv_adapter_counters, "hv-adapter", struct hv_adapter_stats, HV_ADAPTER_COUNTERS);
COUNTER_SET_DEFINE(hv_partition_counters, "hv-partition", struct hv_partition_stats,
		   HV_PARTITION_COUNTERS);

/*
 * A partition's logical memory is an anonymous mapping of its own, between
 * two PROT_NONE pages. Partitions are sized for the most their drivers may
 * take (a packet pool of 64 KiB buffers, ...), and most of it is never
 * touched: mapped pages cost nothing until used, where calloc'd ones are
 * cleared (and, with MALLOC_PERTURB_, filled first) in full. The guard pages
 * make an access just outside the partition fault at once.
 */
static size_t hv_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 0 ? (size_t)ps : 4096;
}

static uint8_t *hv_lmem_map(size_t mem_size, size_t *map_size)
{
	size_t page = hv_page_size();
	size_t body = (mem_size + page - 1) & ~(page - 1);
	size_t total = body + 2 * page;
	uint8_t *m = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (mprotect(m + page, body, PROT_READ | PROT_WRITE) != 0) {
		munmap(m, total);
		return NULL;
	}
	*map_size = total;
	return m + page;
}

static void hv_lmem_unmap(uint8_t *mem, size_t map_size)
{
	if (mem)
		munmap(mem - hv_page_size(), map_size);
}

/* hv_objects_init: see hv_internal.h. */
void hv_objects_init(struct hv *hv)
{
	hv->next_ua = HV_FIRST_UA;
}

static void hv_adapter_free(struct hv_adapter *a)
{
	for (unsigned i = 0; i < HV_RX_POOLS; i++)
		free(a->pools[i].descs);
	free(a->mcast_table);
	free(a);
}

/* hv_objects_free: see hv_internal.h. */
void hv_objects_free(struct hv *hv)
{
	struct hv_partition *part = hv->parts;
	while (part) {
		struct hv_partition *pnext = part->next;
		struct hv_adapter *a = part->adapters;
		while (a) {
			struct hv_adapter *anext = a->part_next;
			hv_adapter_free(a);
			a = anext;
		}
		hv_lmem_unmap(part->mem, part->map_size);
		free(part);
		part = pnext;
	}
	hv->parts = NULL;
	struct hv_vswitch *vsw = hv->vswitches;
	while (vsw) {
		struct hv_vswitch *vnext = vsw->next;
		free(vsw);
		vsw = vnext;
	}
	hv->vswitches = NULL;
}

/* hv_vswitch_get: see hv_internal.h. */
struct hv_vswitch *hv_vswitch_get(struct hv *hv, unsigned num)
{
	struct hv_vswitch **pp = &hv->vswitches;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->num == num)
			return *pp;
	struct hv_vswitch *vsw = calloc(1, sizeof(*vsw));
	if (!vsw)
		return NULL;
	vsw->num = num;
	vsw->mode = HV_VSW_VEB;
	*pp = vsw;
	return vsw;
}

/* hv_vswitch_set_mode: see hv.h. */
int hv_vswitch_set_mode(struct hv *hv, unsigned vswitch, enum hv_vsw_mode mode)
{
	if (!hv || (mode != HV_VSW_VEB && mode != HV_VSW_VEPA))
		return -EINVAL;
	struct hv_vswitch *vsw = hv_vswitch_get(hv, vswitch);
	if (!vsw)
		return -ENOMEM;
	vsw->mode = mode;
	return 0;
}

/* hv_partition_create: see hv.h. */
struct hv_partition *hv_partition_create(struct hv *hv, const char *name, size_t mem_size)
{
	if (!hv || mem_size == 0 || (uint64_t)mem_size > (1ull << 32))
		return NULL;
	struct hv_partition *part = calloc(1, sizeof(*part));
	if (!part)
		return NULL;
	part->mem = hv_lmem_map(mem_size, &part->map_size);
	if (!part->mem)
		goto err_free_part;
	snprintf(part->name, sizeof(part->name), "%s", name ? name : "");
	part->hv = hv;
	part->mem_size = mem_size;
	part->bump = HV_LMEM_FIRST;
	struct hv_partition **pp = &hv->parts;
	while (*pp)
		pp = &(*pp)->next;
	*pp = part;
	return part;

err_free_part:
	free(part);
	return NULL;
}

/* hv_partition_name: see hv.h. */
const char *hv_partition_name(const struct hv_partition *part)
{
	return part->name;
}

/* hv_partition_get_stats: see hv.h. */
void hv_partition_get_stats(const struct hv_partition *part, struct hv_partition_stats *st)
{
	*st = part->stats;
}

/* hv_mac_is_valid_unicast: see hv_internal.h. */
bool hv_mac_is_valid_unicast(uint64_t mac)
{
	/* 48 bits, not zero, group bit (bit 0 of the first octet) clear: as
	 * is_valid_ether_addr. */
	return mac != 0 && mac < (1ull << 48) && !(mac & (1ull << 40));
}

static bool hv_config_ok(const struct hv_adapter_config *cfg)
{
	if (!hv_mac_is_valid_unicast(papr_mac_to_u64(cfg->mac)))
		return false;
	if (cfg->pvid < 1 || cfg->pvid > 4094)
		return false;
	if (cfg->n_vids > HV_MAX_VIDS)
		return false;
	for (unsigned i = 0; i < cfg->n_vids; i++) {
		if (cfg->vids[i] < 1 || cfg->vids[i] > 4094 || cfg->vids[i] == cfg->pvid)
			return false;
		for (unsigned j = 0; j < i; j++)
			if (cfg->vids[j] == cfg->vids[i])
				return false;
	}
	if (cfg->trunk_priority > 15)
		return false;
	if (cfg->fw_attrs & ~HV_FW_OFFERABLE)
		return false;
	if (cfg->mcast_filter_size > HV_MCAST_FILTER_MAX)
		return false;
	if (cfg->mac_policy != HV_MAC_ALLOW_ALL && cfg->mac_policy != HV_MAC_DENY &&
	    cfg->mac_policy != HV_MAC_ALLOW_LIST)
		return false;
	if (cfg->n_mac_allowed > HV_MAC_ALLOWED_MAX ||
	    (cfg->n_mac_allowed && cfg->mac_policy != HV_MAC_ALLOW_LIST))
		return false;
	for (unsigned i = 0; i < cfg->n_mac_allowed; i++)
		if (!hv_mac_is_valid_unicast(papr_mac_to_u64(cfg->mac_allowed[i])))
			return false;
	return true;
}

/* hv_mac_allowed: see hv_internal.h. */
bool hv_mac_allowed(const struct hv_adapter *a, uint64_t mac)
{
	if (a->cfg.mac_policy == HV_MAC_ALLOW_ALL || mac == papr_mac_to_u64(a->cfg.mac))
		return true;
	for (unsigned i = 0; i < a->cfg.n_mac_allowed; i++)
		if (mac == papr_mac_to_u64(a->cfg.mac_allowed[i]))
			return true;
	return false;
}

/* hv_adapter_create: see hv.h. */
uint64_t hv_adapter_create(struct hv *hv, struct hv_partition *part,
			   const struct hv_adapter_config *cfg)
{
	if (!hv || !part || !cfg || part->hv != hv || !hv_config_ok(cfg))
		return 0;
	struct hv_adapter *a = calloc(1, sizeof(*a));
	if (!a)
		return 0;
	for (unsigned i = 0; i < HV_RX_POOLS; i++) {
		a->pools[i].descs = calloc(HV_RX_POOL_MAX_BDS, sizeof(uint64_t));
		if (!a->pools[i].descs)
			goto err_free_adapter;
	}
	if (cfg->mcast_filter_size) {
		a->mcast_table = calloc(cfg->mcast_filter_size, sizeof(uint64_t));
		if (!a->mcast_table)
			goto err_free_adapter;
	}
	a->vsw = hv_vswitch_get(hv, cfg->vswitch);
	if (!a->vsw)
		goto err_free_adapter;
	a->cfg = *cfg;
	a->part = part;
	a->mac = papr_mac_to_u64(cfg->mac);
	a->mcast_recv = true;
	a->ua = hv->next_ua++;

	struct hv_adapter **pp = &part->adapters;
	while (*pp)
		pp = &(*pp)->part_next;
	*pp = a;
	pp = &a->vsw->members;
	while (*pp)
		pp = &(*pp)->vsw_next;
	*pp = a;
	return a->ua;

err_free_adapter:
	hv_adapter_free(a);
	return 0;
}

/* hv_adapter_find: see hv_internal.h. */
struct hv_adapter *hv_adapter_find(struct hv_partition *part, uint64_t ua)
{
	if (!part)
		return NULL;
	for (struct hv_adapter *a = part->adapters; a; a = a->part_next)
		if (a->ua == ua)
			return a;
	return NULL;
}

/* hv_set_observer: see hv.h. */
void hv_set_observer(struct hv *hv, hv_observer_fn fn, void *arg)
{
	hv->observe = fn;
	hv->observe_arg = fn ? arg : NULL;
}

/* hv_adapter_get_stats: see hv.h. */
int hv_adapter_get_stats(struct hv_partition *part, uint64_t ua, struct hv_adapter_stats *st)
{
	struct hv_adapter *a = hv_adapter_find(part, ua);
	if (!a)
		return -ENOENT;
	*st = a->stats;
	return 0;
}

/* hv_adapter_set_fw_attrs: see hv.h. */
int hv_adapter_set_fw_attrs(struct hv_partition *part, uint64_t ua, uint64_t fw_attrs)
{
	struct hv_adapter *a = hv_adapter_find(part, ua);
	if (!a)
		return -ENOENT;
	if (fw_attrs & ~HV_FW_OFFERABLE)
		return -EINVAL;
	a->cfg.fw_attrs = fw_attrs;
	return 0;
}

/* hv_set_irq_handler: see hv.h. */
int hv_set_irq_handler(struct hv_partition *part, uint64_t ua, void (*fn)(void *arg), void *arg)
{
	struct hv_adapter *a = hv_adapter_find(part, ua);
	if (!a)
		return -ENOENT;
	a->irq_fn = fn;
	a->irq_arg = arg;
	return 0;
}

/* hv_rxq_desc_store: see hv_internal.h. */
void hv_rxq_desc_store(struct hv_adapter *a)
{
	uint32_t fl = IBMVETH_BUF_VALID | a->rxq_len;
	if (a->rxq_toggle)
		fl |= IBMVETH_BUF_TOGGLE;
	hv_put_be64(a->part->mem + a->buf_list + PAPR_BUFLIST_RXQ_DESC,
		    papr_desc(fl, (uint32_t)a->rxq_addr));
}

/* ---- Logical memory -------------------------------------------------------- */

/* hv_lmem_ok: see hv_internal.h. */
bool hv_lmem_ok(const struct hv_partition *part, uint64_t laddr, uint64_t len)
{
	return laddr <= part->mem_size && len <= part->mem_size - laddr;
}

/* hv_lmem_base: see hv.h. */
uint8_t *hv_lmem_base(struct hv_partition *part)
{
	return part->mem;
}

/* hv_lmem_size: see hv.h. */
size_t hv_lmem_size(const struct hv_partition *part)
{
	return part->mem_size;
}

/* hv_lmem_alloc: see hv.h. */
uint64_t hv_lmem_alloc(struct hv_partition *part, size_t size, size_t align)
{
	if (align == 0)
		align = 1;
	if (size == 0 || (align & (align - 1)) != 0 || align > part->mem_size)
		return UINT64_MAX;
	uint64_t addr = ((uint64_t)part->bump + align - 1) & ~((uint64_t)align - 1);
	if (!hv_lmem_ok(part, addr, size))
		return UINT64_MAX;
	part->bump = (size_t)(addr + size);
	return addr;
}

/* hv_lmem_mark: see hv.h. */
size_t hv_lmem_mark(const struct hv_partition *part)
{
	return part->bump;
}

/* hv_lmem_release: see hv.h. */
void hv_lmem_release(struct hv_partition *part, size_t mark)
{
	if (mark >= HV_LMEM_FIRST && mark <= part->bump)
		part->bump = mark;
}

/* hv_lmem_ptr: see hv.h. */
void *hv_lmem_ptr(struct hv_partition *part, uint64_t laddr, size_t len)
{
	if (!hv_lmem_ok(part, laddr, len))
		return NULL;
	return part->mem + laddr;
}

/* hv_lmem_addr: see hv.h. */
uint64_t hv_lmem_addr(struct hv_partition *part, const void *ptr, size_t len)
{
	uintptr_t p = (uintptr_t)ptr, base = (uintptr_t)part->mem;
	if (p < base)
		return UINT64_MAX;
	uint64_t laddr = (uint64_t)(p - base);
	if (!hv_lmem_ok(part, laddr, len))
		return UINT64_MAX;
	return laddr;
}

/* ---- Fault injection --------------------------------------------------------- */

/* hv_inject_send_result: see hv.h. */
void hv_inject_send_result(struct hv_partition *part, long code, unsigned n)
{
	part->inject_code = code;
	part->inject_n = n;
}
