/*
 * hcall.c — the ILLAN hypervisor calls a partition makes on its own adapters,
 * except H_SEND_LOGICAL_LAN (vsw.c): register and free the LAN, post receive
 * buffers, multicast control, MAC change, attributes, the VIO interrupt
 * signal, and hv_hcall, the dispatcher by opcode.
 *
 * Serves the ibmveth driver (src/drv/ibmveth), which reaches the hypervisor
 * only through these calls and its partition's memory, and fuzz tests.
 * Calls hv.c (the objects) and vsw.c (the active trunk; H_SEND_LOGICAL_LAN
 * from hv_hcall).
 *
 * Every call validates all of its arguments before it changes anything, so a
 * refused call changes nothing. Each call's checks, their order (QEMU's
 * hw/net/spapr_llan.c where it has the call), the choices where the sources
 * are silent and the counters refusals bump are its contract in hv.h.
 */
#include <string.h>

#include "hv/hv_internal.h"

static struct hv_adapter *hcall_adapter(struct hv_partition *part, uint64_t ua)
{
	if (!part)
		return NULL;
	part->stats.hcalls++;
	struct hv_adapter *a = hv_adapter_find(part, ua);
	if (!a)
		part->stats.bad_unit++;
	return a;
}

/* The attribute word H_ILLAN_ATTRIBUTES reports: firmware offers, trunk
 * priority and the active bit (from the switch's one definition of the
 * active trunk), and what the partition set. */
static uint64_t hcall_attrs(const struct hv_adapter *a)
{
	uint64_t attrs = a->cfg.fw_attrs | a->os_attrs;
	attrs |= ((uint64_t)a->cfg.trunk_priority << IBMVETH_ILLAN_TRUNK_PRI_SHIFT) &
		 IBMVETH_ILLAN_TRUNK_PRI_MASK;
	if (hv_adapter_is_trunk(a) && vsw_active_trunk(a->vsw, a->cfg.pvid) == a)
		attrs |= IBMVETH_ILLAN_ACTIVE_TRUNK;
	return attrs;
}

static long hcall_bad_addr(struct hv_adapter *a)
{
	a->stats.addr_errors++;
	return H_PARAMETER;
}

static long hcall_bad_param(struct hv_adapter *a)
{
	a->stats.param_errors++;
	return H_PARAMETER;
}

static long hcall_no_resource(struct hv_adapter *a)
{
	a->stats.resource_errors++;
	return H_RESOURCE;
}

/* Check a 4096-byte, 4096-aligned page at laddr (the buffer list and filter
 * list rule of QEMU's h_register_logical_lan). */
static long hcall_check_page(struct hv_adapter *a, uint64_t laddr)
{
	if (laddr & (PAPR_BUFLIST_SIZE - 1))
		return hcall_bad_param(a);
	if (!hv_lmem_ok(a->part, laddr, PAPR_BUFLIST_SIZE))
		return hcall_bad_addr(a);
	return H_SUCCESS;
}

/* h_register_logical_lan: see hv.h. */
long h_register_logical_lan(struct hv_partition *part, uint64_t ua, uint64_t buf_list,
			    uint64_t rxq_desc, uint64_t filter_list, uint64_t mac)
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (!a)
		return H_PARAMETER;
	if (a->open)
		return hcall_no_resource(a);
	long rc = hcall_check_page(a, buf_list);
	if (rc != H_SUCCESS)
		return rc;
	rc = hcall_check_page(a, filter_list);
	if (rc != H_SUCCESS)
		return rc;
	uint32_t rxq_flags = papr_desc_flags_len(rxq_desc);
	uint32_t rxq_len = papr_desc_len(rxq_desc);
	uint64_t rxq_addr = papr_desc_addr(rxq_desc);
	if (!(rxq_flags & IBMVETH_BUF_VALID) || rxq_len == 0 || (rxq_len & 15) || (rxq_addr & 15))
		return hcall_bad_param(a);
	if (!hv_lmem_ok(part, rxq_addr, rxq_len))
		return hcall_bad_addr(a);
	if (!hv_mac_is_valid_unicast(mac))
		return hcall_bad_param(a);
	if (!hv_mac_allowed(a, mac)) {
		a->stats.mac_denied++;
		return H_PARAMETER;
	}

	uint8_t *bl = part->mem + buf_list;
	hv_put_be64(bl + PAPR_BUFLIST_FILTER_DESC,
		    papr_desc(IBMVETH_BUF_VALID | PAPR_FILTER_LIST_SIZE, (uint32_t)filter_list));
	memset(bl + PAPR_BUFLIST_BUFS, 0, PAPR_BUFLIST_SIZE - PAPR_BUFLIST_BUFS);
	memset(part->mem + rxq_addr, 0, rxq_len);

	a->buf_list = buf_list;
	a->filter_list = filter_list;
	a->rxq_addr = rxq_addr;
	a->rxq_len = rxq_len;
	a->rxq_ptr = 0;
	a->rxq_toggle = false;
	hv_rxq_desc_store(a);
	for (unsigned i = 0; i < HV_RX_POOLS; i++)
		a->pools[i].n = 0;
	a->rx_bufs = 0;
	a->rx_buf_max = 0;
	a->signal_state = VIO_IRQ_DISABLE;
	a->mac = mac;
	a->open = true;
	a->closed_after_open = false;
	return H_SUCCESS;
}

/* h_free_logical_lan: see hv.h. */
long h_free_logical_lan(struct hv_partition *part, uint64_t ua)
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (!a)
		return H_PARAMETER;
	if (!a->open)
		return hcall_no_resource(a);
	a->open = false;
	a->closed_after_open = true;
	for (unsigned i = 0; i < HV_RX_POOLS; i++)
		a->pools[i].n = 0;
	a->rx_bufs = 0;
	a->rx_buf_max = 0;
	a->buf_list = a->filter_list = a->rxq_addr = 0;
	a->rxq_len = a->rxq_ptr = 0;
	a->signal_state = VIO_IRQ_DISABLE;
	a->mac = papr_mac_to_u64(a->cfg.mac);
	return H_SUCCESS;
}

/* Check one receive-buffer descriptor as QEMU's
 * check_valid_rx_buffer_descriptor does, plus VALID (our choice: the driver
 * always sets it, and a descriptor without it names no buffer). */
static long hcall_check_rx_desc(struct hv_adapter *a, uint64_t desc)
{
	uint32_t len = papr_desc_len(desc);
	uint64_t addr = papr_desc_addr(desc);
	if (!(papr_desc_flags_len(desc) & IBMVETH_BUF_VALID) || (len & 3) || (addr & 3) || len < 16)
		return hcall_bad_param(a);
	if (!hv_lmem_ok(a->part, addr, len))
		return hcall_bad_addr(a);
	return H_SUCCESS;
}

/* The pool holding buffers of exactly len bytes, or the empty pool that
 * would take them (QEMU lets an unknown length take over an empty pool), or
 * NULL when all five hold other lengths. */
static struct hv_rx_pool *hcall_pool_for(struct hv_adapter *a, uint32_t len)
{
	struct hv_rx_pool *empty = NULL;
	for (unsigned i = 0; i < HV_RX_POOLS; i++) {
		struct hv_rx_pool *p = &a->pools[i];
		if (p->n && p->buf_size == len)
			return p;
		if (!p->n && !empty)
			empty = p;
	}
	return empty;
}

static void hcall_pool_add(struct hv_adapter *a, uint64_t desc)
{
	struct hv_rx_pool *p = hcall_pool_for(a, papr_desc_len(desc));
	/* Capacity was checked by the caller. */
	if (!p->n)
		p->buf_size = papr_desc_len(desc);
	p->descs[p->n++] = desc;
	a->rx_bufs++;
	if (papr_desc_len(desc) > a->rx_buf_max)
		a->rx_buf_max = papr_desc_len(desc);
}

/*
 * Would descs[0..n) (zeros skipped) all fit in the pools? Simulates the
 * placement so a batch is taken whole or not at all.
 */
static bool hcall_pools_fit(struct hv_adapter *a, const uint64_t *descs, unsigned n)
{
	uint32_t size[HV_RX_POOLS];
	uint32_t count[HV_RX_POOLS];
	for (unsigned i = 0; i < HV_RX_POOLS; i++) {
		size[i] = a->pools[i].buf_size;
		count[i] = a->pools[i].n;
	}
	for (unsigned k = 0; k < n; k++) {
		if (!descs[k])
			continue;
		uint32_t len = papr_desc_len(descs[k]);
		int slot = -1;
		for (unsigned i = 0; i < HV_RX_POOLS && slot < 0; i++)
			if (count[i] && size[i] == len)
				slot = (int)i;
		for (unsigned i = 0; i < HV_RX_POOLS && slot < 0; i++)
			if (!count[i])
				slot = (int)i;
		if (slot < 0 || count[slot] >= HV_RX_POOL_MAX_BDS)
			return false;
		size[slot] = len;
		count[slot]++;
	}
	return true;
}

/* h_add_logical_lan_buffer: see hv.h. */
long h_add_logical_lan_buffer(struct hv_partition *part, uint64_t ua, uint64_t desc)
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (!a)
		return H_PARAMETER;
	long rc = hcall_check_rx_desc(a, desc);
	if (rc != H_SUCCESS)
		return rc;
	if (!a->open || !hcall_pools_fit(a, &desc, 1))
		return hcall_no_resource(a);
	hcall_pool_add(a, desc);
	return H_SUCCESS;
}

/* h_add_logical_lan_buffers: see hv.h. */
long h_add_logical_lan_buffers(struct hv_partition *part, uint64_t ua, const uint64_t desc[8])
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (!a)
		return H_PARAMETER;
	if (!(a->cfg.fw_attrs & IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT))
		return H_FUNCTION;
	if (!desc)
		return hcall_bad_param(a);
	unsigned used = 0;
	for (unsigned i = 0; i < 8; i++) {
		if (!desc[i])
			continue;
		long rc = hcall_check_rx_desc(a, desc[i]);
		if (rc != H_SUCCESS)
			return rc;
		used++;
	}
	if (!used)
		return hcall_bad_param(a);
	if (!a->open || !hcall_pools_fit(a, desc, 8))
		return hcall_no_resource(a);
	for (unsigned i = 0; i < 8; i++)
		if (desc[i])
			hcall_pool_add(a, desc[i]);
	return H_SUCCESS;
}

#define HCALL_MCAST_KNOWN                                                  \
	(IbmVethMcastReceptionModifyBit | IbmVethMcastReceptionEnableBit | \
	 IbmVethMcastFilterModifyBit | IbmVethMcastFilterEnableBit | 0x3ull)

static int hcall_mcast_index(const struct hv_adapter *a, uint64_t mac)
{
	for (unsigned i = 0; i < a->n_mcast; i++)
		if (a->mcast_table[i] == mac)
			return (int)i;
	return -1;
}

/* h_multicast_ctrl: see hv.h. */
long h_multicast_ctrl(struct hv_partition *part, uint64_t ua, uint64_t cmd, uint64_t mac)
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (!a)
		return H_PARAMETER;
	if (cmd & ~HCALL_MCAST_KNOWN)
		return hcall_bad_param(a);
	unsigned op = (unsigned)(cmd & 0x3);
	if (op == IbmVethMcastAddFilter || op == IbmVethMcastRemoveFilter) {
		if (mac >= (1ull << 48) || !(mac & (1ull << 40)))
			return hcall_bad_param(a);
	}
	int idx = hcall_mcast_index(a, mac);
	if (op == IbmVethMcastAddFilter && idx < 0 && a->n_mcast >= a->cfg.mcast_filter_size)
		return hcall_no_resource(a);

	if (cmd & IbmVethMcastReceptionModifyBit)
		a->mcast_recv = (cmd & IbmVethMcastReceptionEnableBit) != 0;
	if (cmd & IbmVethMcastFilterModifyBit)
		a->mcast_filtering = (cmd & IbmVethMcastFilterEnableBit) != 0;
	switch (op) {
	case IbmVethMcastAddFilter:
		if (idx < 0)
			a->mcast_table[a->n_mcast++] = mac;
		break;
	case IbmVethMcastRemoveFilter:
		if (idx >= 0)
			a->mcast_table[idx] = a->mcast_table[--a->n_mcast];
		break;
	case IbmVethMcastClearFilterTable:
		a->n_mcast = 0;
		break;
	default:
		break;
	}
	return H_SUCCESS;
}

/* h_change_logical_lan_mac: see hv.h. */
long h_change_logical_lan_mac(struct hv_partition *part, uint64_t ua, uint64_t mac)
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (!a)
		return H_PARAMETER;
	if (!hv_mac_is_valid_unicast(mac))
		return hcall_bad_param(a);
	/* The HMC's MAC address controls govern "MAC address overrides
	 * specified at the operating system level": this call. */
	if (!hv_mac_allowed(a, mac)) {
		a->stats.mac_denied++;
		return H_PARAMETER;
	}
	a->mac = mac;
	return H_SUCCESS;
}

/* h_illan_attributes: see hv.h. */
long h_illan_attributes(struct hv_partition *part, uint64_t ua, uint64_t reset_mask,
			uint64_t set_mask, uint64_t *ret_attrs)
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (ret_attrs)
		*ret_attrs = 0;
	if (!a)
		return H_PARAMETER;
	long rc = H_SUCCESS;
	if ((reset_mask | set_mask) & ~PAPR_ILLAN_OS_SETTABLE)
		rc = H_PARAMETER;
	else if ((set_mask & IBMVETH_ILLAN_LRG_SR_ENABLED) &&
		 !(a->cfg.fw_attrs & IBMVETH_ILLAN_LRG_SND_SUPPORT))
		rc = H_PARAMETER;
	else if ((set_mask & (IBMVETH_ILLAN_IPV4_TCP_CSUM | IBMVETH_ILLAN_IPV6_TCP_CSUM)) &&
		 !(a->cfg.fw_attrs & IBMVETH_ILLAN_PADDED_PKT_CSUM))
		rc = H_PARAMETER;
	if (rc == H_SUCCESS)
		a->os_attrs = (a->os_attrs & ~reset_mask) | set_mask;
	else
		a->stats.param_errors++;
	if (ret_attrs)
		*ret_attrs = hcall_attrs(a);
	return rc;
}

/* h_vio_signal: see hv.h. */
long h_vio_signal(struct hv_partition *part, uint64_t ua, uint64_t mode)
{
	struct hv_adapter *a = hcall_adapter(part, ua);
	if (!a)
		return H_PARAMETER;
	if (mode & ~(uint64_t)VIO_IRQ_ENABLE)
		return hcall_bad_param(a);
	a->signal_state = mode;
	return H_SUCCESS;
}

/* hv_hcall: see hv.h. */
long hv_hcall(struct hv_partition *part, uint64_t opcode, const uint64_t args[9], uint64_t rets[4])
{
	uint64_t r0 = 0;
	long rc;
	if (rets)
		memset(rets, 0, 4 * sizeof(uint64_t));
	if (!part)
		return H_PARAMETER;
	if (!args) {
		part->stats.hcalls++;
		return H_PARAMETER;
	}
	switch (opcode) {
	case H_REGISTER_LOGICAL_LAN:
		rc = h_register_logical_lan(part, args[0], args[1], args[2], args[3], args[4]);
		break;
	case H_FREE_LOGICAL_LAN:
		rc = h_free_logical_lan(part, args[0]);
		break;
	case H_ADD_LOGICAL_LAN_BUFFER:
		rc = h_add_logical_lan_buffer(part, args[0], args[1]);
		break;
	case H_ADD_LOGICAL_LAN_BUFFERS:
		rc = h_add_logical_lan_buffers(part, args[0], &args[1]);
		break;
	case H_SEND_LOGICAL_LAN:
		rc = h_send_logical_lan(part, args[0], &args[1], args[7], &r0, args[8]);
		break;
	case H_MULTICAST_CTRL:
		rc = h_multicast_ctrl(part, args[0], args[1], args[2]);
		break;
	case H_CHANGE_LOGICAL_LAN_MAC:
		rc = h_change_logical_lan_mac(part, args[0], args[1]);
		break;
	case H_ILLAN_ATTRIBUTES:
		rc = h_illan_attributes(part, args[0], args[1], args[2], &r0);
		break;
	case H_VIO_SIGNAL:
		rc = h_vio_signal(part, args[0], args[1]);
		break;
	default:
		part->stats.hcalls++;
		part->stats.bad_opcode++;
		return H_FUNCTION;
	}
	if (rets)
		rets[0] = r0;
	return rc;
}
