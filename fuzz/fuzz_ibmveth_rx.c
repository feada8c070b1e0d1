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
 * gso_size > 0) and pkt_checksum_help accepts it; after the adapter is
 * closed no packet is outstanding anywhere.
 *
 * Speed: building a hypervisor and probing a driver carves and touches
 * ~60 MB of partition memory (~14 ms), and opening the adapter posts 1024
 * buffers (~1.3 ms instrumented). So one hypervisor per adapter kind
 * (client, trunk) is built on first use and kept, and a driver is probed
 * again only when an input asks for other parameters, in the memory the
 * last one had (hv_lmem_release: the pages stay mapped). Between inputs the
 * driver is reset to a state a fresh one could be in:
 *  - what the target wrote into the driver's memory and the driver has not
 *    consumed (the next receive-queue entry, a posted buffer's correlator)
 *    is put back as it was;
 *  - when the driver consumed a write that may change which buffer it takes
 *    (a forged correlator, flags that make a stale entry look new), or
 *    counted trouble with its buffers (invalid buffer, bad correlator,
 *    refused or failed replenish, interrupt errors), its bookkeeping may
 *    disagree with the hypervisor's: the adapter is closed (every buffer
 *    freed: nothing may be outstanding) and opened again for the next
 *    input, as the driver's own reset does; a generation before current
 *    that stopped at a BUG_ON (kernel_bug) is freed and probed again, as
 *    after a reboot;
 *  - otherwise it stays open; then every packet of its pool must be a
 *    posted receive buffer.
 * What carries over from a clean input is only where the receive queue's
 * cursor stands and which buffers are posted, as after any run of traffic.
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
	uint64_t ua;        /* the driver's adapter */
	uint8_t mac[6];     /* its MAC */
	size_t lmem_mark;   /* partition memory before the driver's */
	struct netdev *dev; /* probed with dev_cfg */
	uint8_t dev_cfg;
	uint64_t trouble; /* trouble_count() when the input began */
	struct hos_ad peer;
	unsigned delivered;
};

static void rx_check(void *arg, struct netdev *dev, struct pkt *p)
{
	struct rig *r = arg;
	(void)dev;
	r->delivered++;
	uint32_t frag = 0;
	for (unsigned i = 0; i < p->nr_frags; i++)
		frag += p->frags[i]->len;
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

/* The hypervisor, partitions and peer of one adapter kind, built once. */
static struct rig *rig_get(bool trunk)
{
	static struct rig rigs[2];
	struct rig *r = &rigs[trunk];
	if (r->hv)
		return r;
	r->hv = hv_create();
	r->loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	FUZZ_CHECK(r->hv && r->loop);
	hv_vswitch_set_mode(r->hv, 0, HV_VSW_VEB);
	r->vm = hv_partition_create(r->hv, "vm", ibmveth_lmem_needed() + 65536);
	r->peer_part = hv_partition_create(r->hv, "peer", 131072);
	FUZZ_CHECK(r->vm && r->peer_part);
	struct hv_adapter_config c = hos_cfg(0x10, 0, 10, trunk ? 1 : 0);
	c.fw_attrs = IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT |
		     IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT;
	r->ua = hv_adapter_create(r->hv, r->vm, &c);
	FUZZ_CHECK(r->ua);
	memcpy(r->mac, c.mac, 6);
	r->lmem_mark = hv_lmem_mark(r->vm);
	/* The peer: with a trunk as receiver it sends on VLAN 10 from a client. */
	struct hv_adapter_config pc = hos_cfg(0x20, 0, 10, 0);
	FUZZ_CHECK(hos_adapter(&r->peer, r->hv, r->peer_part, &pc, 4) &&
		   hos_open(&r->peer) == H_SUCCESS);
	/* Large sends need LRG_SR_ENABLED on the sender. */
	h_illan_attributes(r->peer_part, r->peer.ua, 0, IBMVETH_ILLAN_LRG_SR_ENABLED, NULL);
	return r;
}

/* Sum of the driver's counters that say its bookkeeping of posted
 * buffers may have gone wrong (see the reset rules above). Drops of frames
 * (too long, bad offset, no buffer) leave nothing behind and do not count.
 * The descriptors are found by name once, then by address. */
static const char *const trouble_names[] = {"rx_invalid_buffer", "rx_bad_correlator", "irq_errors",
					    "replenish_add_buff_failure", "replenish_no_mem"};
#define N_TROUBLE (sizeof(trouble_names) / sizeof(trouble_names[0]))
static const struct counter_desc *trouble_descs[N_TROUBLE];

static void trouble_visit(void *arg, const struct counter_desc *d, uint64_t v)
{
	for (size_t i = 0; i < N_TROUBLE; i++) {
		if (!trouble_descs[i] && strcmp(d->name, trouble_names[i]) == 0)
			trouble_descs[i] = d;
		if (trouble_descs[i] == d)
			*(uint64_t *)arg += v;
	}
}

static uint64_t trouble_count(struct rig *r)
{
	uint64_t sum = 0;
	netdev_for_each_counter(r->dev, trouble_visit, &sum);
	return sum;
}

/* Bytes the target overwrote in the driver's memory, to put back unless
 * the driver consumed them (see the reset rules above). */
struct undo {
	uint8_t *at;
	uint8_t saved[16], written[16];
	size_t size;
	bool identity;       /* may make the driver take another buffer than the hypervisor used */
	bool entry;          /* a receive-queue entry (else a posted buffer's correlator) */
	bool overwritten;    /* entry: the hypervisor wrote it afresh, erasing ours */
	unsigned idx;        /* entry: its index */
	unsigned pool, slot; /* correlator: the pool slot the buffer was posted in */
	uint64_t laddr;      /* ... and its address */
};
static struct undo undos[64];
static unsigned n_undos;

/* Note at[0..size) before the target writes there; NULL when full. */
static struct undo *undo_note(uint8_t *at, size_t size, bool identity)
{
	if (!at || n_undos == sizeof(undos) / sizeof(undos[0]))
		return NULL;
	struct undo *u = &undos[n_undos++];
	memset(u, 0, sizeof(*u));
	u->at = at;
	u->size = size;
	u->identity = identity;
	memcpy(u->saved, at, size);
	return u;
}

/* The entry e at the driver's cursor, before the target writes to it. */
static struct undo *undo_entry(struct rig *r, uint8_t *e, bool identity)
{
	uint64_t rxq;
	unsigned idx;
	if (!e || ibmveth_rxq_state(r->dev, &rxq, &idx, NULL) != 0)
		return NULL;
	struct undo *u = undo_note(e, 16, identity);
	if (u) {
		u->entry = true;
		u->idx = idx;
	}
	return u;
}

/* After the target's write: what it wrote. */
static void undo_written(struct undo *u)
{
	if (u)
		memcpy(u->written, u->at, u->size);
}

/* A frame was just sent, before the driver polls: entries the hypervisor
 * wrote afresh no longer hold the target's bytes. */
static void undo_after_send(void)
{
	for (unsigned i = 0; i < n_undos; i++)
		if (undos[i].entry && memcmp(undos[i].at, undos[i].written, 16) != 0)
			undos[i].overwritten = true;
}

/* Put back, newest first, what the driver did not consume. Returns true
 * if the driver consumed a write that may change which buffer it takes (a
 * forged correlator, or flags making a stale entry look new): its buffer
 * bookkeeping may then disagree with the hypervisor's, silently. A length,
 * offset or checksum flag the driver consumed changes nothing it keeps. */
static bool undo_all(struct rig *r)
{
	bool consumed = false;
	uint64_t rxq;
	unsigned cursor = UINT32_MAX;
	if (ibmveth_rxq_state(r->dev, &rxq, &cursor, NULL) != 0)
		cursor = UINT32_MAX;
	while (n_undos) {
		struct undo *u = &undos[--n_undos];
		bool unread;
		if (u->entry) {
			if (u->overwritten)
				continue; /* erased before the driver saw it */
			unread = u->idx == cursor;
		} else {
			/* Still posted where it was, its correlator still ours:
			 * the hypervisor never used the buffer. */
			unread = ibmveth_pool_buffer_laddr(r->dev, u->pool, u->slot) == u->laddr &&
				 memcmp(u->at, u->written, u->size) == 0;
		}
		if (unread)
			memcpy(u->at, u->saved, u->size);
		else if (u->identity)
			consumed = true;
	}
	return consumed;
}

/* The rig for cfg with its driver probed for cfg and open. */
static struct rig *rig_up(uint8_t cfg)
{
	struct rig *r = rig_get(cfg & 1);
	if (r->dev && r->dev_cfg != cfg) {
		netdev_free(r->dev);
		r->dev = NULL;
		hv_lmem_release(r->vm, r->lmem_mark);
	}
	if (!r->dev) {
		struct ibmveth_params params;
		ibmveth_params_default(&params);
		/* bit 7: the seed generation with the fix set of bits 1-4; else
		 * the generation bits 1-4 name (mod 5) */
		params.fixes = (cfg >> 1) & IBMVETH_FIX_ALL;
		params.gen = cfg & 0x80 ? IBMVETH_GEN_V4_15
					: (enum ibmveth_gen)(((cfg >> 1) & 0xf) % IBMVETH_N_GENS);
		params.old_large_send = cfg & 0x20;
		struct ibmveth_of_node of = {.mcast_filter_size = 8, .illan_options = !(cfg & 0x40)};
		memcpy(of.mac, r->mac, 6);
		r->dev = ibmveth_create(cfg & 1 ? "fz-veth1" : "fz-veth0", r->vm, r->ua, &of,
					r->loop, &params);
		FUZZ_CHECK(r->dev);
		r->dev_cfg = cfg;
		netdev_set_rx_handler(r->dev, rx_check, r);
	}
	r->delivered = 0;
	n_undos = 0;
	if (!r->dev->up) {
		FUZZ_CHECK(netdev_open(r->dev) == 0);
		ev_run_until(r->loop, NULL, NULL, UINT64_MAX);
	}
	r->trouble = trouble_count(r);
	return r;
}

/* End of an input: put back what was not consumed; with trouble, close the
 * adapter (the LAN is freed and every posted buffer with it: nothing may be
 * left outstanding), else every packet out of its pool is a posted buffer. */
static void rig_down(struct rig *r)
{
	ev_run_until(r->loop, NULL, NULL, UINT64_MAX);
	hos_reap(&r->peer);
	bool consumed = undo_all(r);
	uint64_t bug = 0;
	FUZZ_CHECK(netdev_get_counter(r->dev, "kernel_bug", &bug));
	if (bug) {
		/* a generation before current stopped at a BUG_ON: the partition
		 * is rebooted (the driver probed again for the next input) */
		netdev_free(r->dev);
		r->dev = NULL;
		hv_lmem_release(r->vm, r->lmem_mark);
		return;
	}
	if (consumed || trouble_count(r) != r->trouble) {
		netdev_stop(r->dev);
		ev_run_until(r->loop, NULL, NULL, UINT64_MAX);
		FUZZ_CHECK(pkt_pool_outstanding(r->dev->pool) == 0);
		return;
	}
	unsigned posted = 0;
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++) {
		struct ibmveth_pool_info info;
		FUZZ_CHECK(ibmveth_get_pool_info(r->dev, i, &info) == 0);
		posted += info.available;
	}
	FUZZ_CHECK(pkt_pool_outstanding(r->dev->pool) == posted);
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
	struct rig *r = rig_up(fuzz_u8(&in));
	unsigned steps = 0;
	while (in.n && steps++ < 64) {
		uint8_t op = fuzz_u8(&in);
		uint8_t *e = next_entry(r);
		struct undo *u = NULL;
		switch (op % 8) {
		case 4:
			u = undo_entry(r, e, true); /* flags: may make a stale entry look new */
			if (e)
				hdr_put32(e, fuzz_u32(&in));
			break;
		case 5:
			u = undo_entry(r, e, false);
			if (e)
				hdr_put32(e + 4, fuzz_u32(&in));
			break;
		case 6:
			u = undo_entry(r, e, true); /* a forged correlator */
			if (e) {
				uint64_t c = fuzz_u64(&in);
				memcpy(e + 8, &c, 8);
			}
			break;
		case 7: {
			uint8_t pool = fuzz_u8(&in), idx = fuzz_u8(&in);
			uint64_t la = ibmveth_pool_buffer_laddr(r->dev,
								pool % IBMVETH_NUM_BUFF_POOLS, idx);
			uint8_t *b = la == UINT64_MAX ? NULL : hv_lmem_ptr(r->vm, la, 8);
			uint64_t c = fuzz_u64(&in);
			if (b) {
				u = undo_note(b, 8, true);
				if (u) {
					u->pool = pool % IBMVETH_NUM_BUFF_POOLS;
					u->slot = idx;
					u->laddr = la;
				}
				memcpy(b, &c, 8);
			}
			break;
		}
		default:
			peer_send(r, &in);
			undo_after_send();
			/* Rewrite the entry just written, before the poll: its
			 * length and offset, never which buffer it names. */
			if ((op & 0x18) && e) {
				u = undo_entry(r, e, false);
				uint8_t what = fuzz_u8(&in);
				if (what & 1)
					hdr_put32(e + 4, fuzz_u32(&in)); /* length */
				if (what & 2)
					hdr_put32(e, (hdr_get32(e) & 0xC0000000u) |
							     (fuzz_u32(&in) & 0x3FFFFFFFu));
				undo_written(u);
			}
			ev_run_until(r->loop, NULL, NULL, UINT64_MAX);
			hos_reap(&r->peer);
			u = NULL;
			break;
		}
		undo_written(u);
	}
	rig_down(r);
	fuzz_end();
	return 0;
}
