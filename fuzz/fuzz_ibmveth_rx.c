/*
 * fuzz_ibmveth_rx.c — libFuzzer target for the ibmveth driver's receive path
 * (src/drv/ibmveth) fed by a hostile hypervisor. A peer partition (the honest
 * OS of tests/harden/hos.h) sends fuzzed frames with fuzzed descriptor flags
 * (CSUM_GOOD, NO_CSUM, LRG_SND) and mss to a driver instance — a client, or
 * an active trunk with a fuzzed fix set; between the hypervisor's write and
 * the driver's NAPI poll the target rewrites what a faulty hypervisor could:
 * the receive-queue entry (flags and offset, length, correlator), the
 * correlator stored in posted buffers, and bytes of the delivered frame.
 * Everything happens in the driver's own partition memory, as the brief for
 * the real hypervisor would allow.
 *
 * Input: records of [op][args...]: op 0-3 a send (flags byte, mss byte,
 * length byte/2, frame bytes), 4 rewrite the next entry's flags_off,
 * 5 its length, 6 its correlator, 7 a posted buffer's correlator, then the
 * loop runs.
 * Checked beyond "no crash": every packet handed up is consistent (len =
 * linear + frag_list, PARTIAL offsets inside the linear part, GSO only with
 * gso_size > 0) and pkt_checksum_help accepts it; after teardown no packet
 * is outstanding anywhere.
 */
#include "drv/ibmveth/ibmveth.h"
#include "ev/ev.h"
#include "fuzz_util.h"
#include "harden/hos.h"
#include "pkt/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rig {
	struct hv *hv;
	struct ev_loop *loop;
	struct hv_partition *vm, *peer_part;
	struct netdev *dev;
	struct hos_ad peer;
	unsigned delivered;
};

static void rx_check(void *arg, struct netdev *dev, struct pkt *p)
{
	struct rig *r = arg;
	(void)dev;
	r->delivered++;
	uint32_t frag = 0;
	for (struct pkt *m = p->frag_list; m; m = m->next)
		frag += m->len;
	FUZZ_CHECK(frag == p->data_len);
	FUZZ_CHECK(p->len <= PKT_MAX_LEN);
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		FUZZ_CHECK(p->csum_start >= p->data);
		FUZZ_CHECK(p->csum_start - p->data + p->csum_offset + 2u <= pkt_headlen(p));
		if (!pkt_is_gso(p))
			FUZZ_CHECK(pkt_checksum_help(p) == 0);
	}
	if (p->gso_type)
		FUZZ_CHECK(p->gso_size > 0 || !pkt_is_gso(p));
	pkt_free(p);
}

static bool rig_up(struct rig *r, uint8_t cfg)
{
	memset(r, 0, sizeof(*r));
	r->hv = hv_create();
	r->loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	if (!r->hv || !r->loop)
		return false;
	hv_vswitch_set_mode(r->hv, 0, HV_VSW_VEB);
	bool trunk = cfg & 1;
	r->vm = hv_partition_create(r->hv, "vm", ibmveth_lmem_needed() + 65536);
	r->peer_part = hv_partition_create(r->hv, "peer", 131072);
	if (!r->vm || !r->peer_part)
		return false;
	struct hv_adapter_config c = hos_cfg(0x10, 0, 10, trunk ? 1 : 0);
	c.fw_attrs = IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT |
		     IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT;
	uint64_t ua = hv_adapter_create(r->hv, r->vm, &c);
	if (!ua)
		return false;
	struct ibmveth_params params;
	ibmveth_params_default(&params);
	params.fixes = (cfg >> 1) & IBMVETH_FIX_ALL;
	params.old_large_send = cfg & 0x20;
	struct ibmveth_of_node of = {.mcast_filter_size = 8, .illan_options = !(cfg & 0x40)};
	memcpy(of.mac, c.mac, 6);
	r->dev = ibmveth_create("fz-veth", r->vm, ua, &of, r->loop, &params);
	if (!r->dev)
		return false;
	netdev_set_rx_handler(r->dev, rx_check, r);
	if (netdev_open(r->dev) != 0)
		return false;
	/* The peer: with a trunk as receiver it sends on VLAN 10 from a client. */
	struct hv_adapter_config pc = hos_cfg(0x20, 0, 10, 0);
	if (!hos_adapter(&r->peer, r->hv, r->peer_part, &pc, 4) || hos_open(&r->peer) != H_SUCCESS)
		return false;
	/* Large sends need LRG_SR_ENABLED on the sender. */
	h_illan_attributes(r->peer_part, r->peer.ua, 0, IBMVETH_ILLAN_LRG_SR_ENABLED, NULL);
	ev_run_until(r->loop, NULL, NULL, UINT64_MAX);
	return true;
}

static void rig_down(struct rig *r)
{
	if (r->dev)
		netdev_free(r->dev);
	if (r->loop)
		ev_loop_destroy(r->loop);
	if (r->hv)
		hv_destroy(r->hv);
}

/* The receive-queue entry the driver will read next. */
static uint8_t *next_entry(struct rig *r)
{
	uint64_t rxq;
	unsigned idx;
	if (ibmveth_rxq_state(r->dev, &rxq, &idx, NULL) != 0)
		return NULL;
	return hv_lmem_ptr(r->vm, rxq + (uint64_t)idx * 16, 16);
}

static void peer_send(struct rig *r, struct fuzz_in *in)
{
	uint8_t fl = fuzz_u8(in), mss = fuzz_u8(in);
	uint32_t want = (uint32_t)fuzz_u8(in) * 64 + fuzz_u8(in);
	uint8_t *tx = hv_lmem_ptr(r->peer_part, r->peer.tx, 9216);
	size_t got;
	const uint8_t *b = fuzz_bytes(in, want < 9216 ? want : 9216, &got);
	memcpy(tx, b, got);
	if (got >= 12) { /* keep the destination the driver's, mostly */
		if (!(fl & 0x80))
			memcpy(tx, r->dev->mac, 6);
		if (!(fl & 0x40))
			memcpy(tx + 6, r->peer.mac, 6);
	}
	uint32_t len = (uint32_t)got;
	if (fl & 0x20) /* pad to a large frame with a pattern */
		for (; len < 9000; len++)
			tx[len] = (uint8_t)len;
	uint32_t flags = (uint32_t)(fl & 7) << 24; /* LRG_SND, NO_CSUM, CSUM_GOOD */
	uint64_t d[6] = {papr_desc(IBMVETH_BUF_VALID | flags | len, (uint32_t)r->peer.tx)};
	h_send_logical_lan(r->peer_part, r->peer.ua, d, 0, NULL, mss ? (uint64_t)mss * 8 : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct rig r;
	FUZZ_CHECK(rig_up(&r, fuzz_u8(&in)));
	unsigned steps = 0;
	while (in.n && steps++ < 64) {
		uint8_t op = fuzz_u8(&in);
		uint8_t *e = next_entry(&r);
		switch (op % 8) {
		case 4:
			if (e)
				hdr_put32(e, fuzz_u32(&in));
			break;
		case 5:
			if (e)
				hdr_put32(e + 4, fuzz_u32(&in));
			break;
		case 6:
			if (e) {
				uint64_t c = fuzz_u64(&in);
				memcpy(e + 8, &c, 8);
			}
			break;
		case 7: {
			uint8_t pool = fuzz_u8(&in), idx = fuzz_u8(&in);
			uint64_t la = ibmveth_pool_buffer_laddr(r.dev, pool % IBMVETH_NUM_BUFF_POOLS, idx);
			uint8_t *b = la == UINT64_MAX ? NULL : hv_lmem_ptr(r.vm, la, 8);
			uint64_t c = fuzz_u64(&in);
			if (b)
				memcpy(b, &c, 8);
			break;
		}
		default:
			peer_send(&r, &in);
			/* Rewrite the entry just written, before the poll. */
			if ((op & 0x18) && e) {
				uint8_t what = fuzz_u8(&in);
				if (what & 1)
					hdr_put32(e + 4, fuzz_u32(&in)); /* length */
				if (what & 2)
					hdr_put32(e, (hdr_get32(e) & 0xC0000000u) | (fuzz_u32(&in) & 0x3FFFFFFFu));
			}
			ev_run_until(r.loop, NULL, NULL, UINT64_MAX);
			hos_reap(&r.peer);
			break;
		}
	}
	ev_run_until(r.loop, NULL, NULL, UINT64_MAX);
	rig_down(&r);
	FUZZ_CHECK(pkt_outstanding_total() == 0);
	fuzz_end();
	return 0;
}
