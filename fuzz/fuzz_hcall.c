/*
 * fuzz_hcall.c — libFuzzer target for the hcall surface (src/hv): a hostile
 * partition issues arbitrary sequences of hcalls (through hv_hcall, every
 * opcode and unknown ones) with arguments built from its own memory's pages,
 * addresses at and past its end, descriptors, other partitions' unit
 * addresses and MACs, and raw values; it writes its own memory freely and
 * has H_SEND_LOGICAL_LAN results injected — while three honest partitions
 * (tests/harden/hos.h) run traffic: V1 and V2 on VLAN 10 (the attacker's
 * first adapter is on it too), V3 alone on VLAN 20.
 *
 * Checked beyond "no crash": every return is a PAPR code; no byte of any
 * honest partition's memory changed outside the ranges it handed the
 * hypervisor (buffer-list page, receive queue, posted buffers) — compared
 * with a snapshot before each honest step and at the end; V3 received
 * nothing (no VLAN hopping: the attacker has no adapter on VLAN 20); every
 * frame V1 and V2 sent each other was delivered or counted as a drop for
 * lack of a buffer (the attacker may flood them, but a MAC it copies does not
 * divert their frames: its adapters were created after theirs, see
 * tests/harden/test_isolation.c); every correlator reaped was the victim's
 * own; no packet leaked.
 */
#include "fuzz_util.h"
#include "harden/hos.h"
#include "hv/hv.h"

#define A_MEM 65536u
#define V_MEM 65536u
#define N_VICTIMS 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct world {
	struct hv *hv;
	struct hv_partition *att, *vp[N_VICTIMS];
	uint64_t att_ua[2];
	struct hos_ad v[N_VICTIMS];
	uint8_t *shadow[N_VICTIMS];
	uint8_t *mask[N_VICTIMS];
};

struct mask_arg {
	uint8_t *mask;
	size_t size;
};

static void mask_range(void *arg, uint64_t laddr, uint64_t len)
{
	struct mask_arg *m = arg;
	if (laddr >= m->size)
		return;
	if (len > m->size - laddr)
		len = m->size - laddr;
	memset(m->mask + laddr, 1, len);
}

static void snapshot(struct world *w, unsigned i)
{
	memcpy(w->shadow[i], hv_lmem_base(w->vp[i]), V_MEM);
}

/* No honest partition's memory changed outside what it handed over. */
static void check_victims(struct world *w)
{
	for (unsigned i = 0; i < N_VICTIMS; i++) {
		const uint8_t *mem = hv_lmem_base(w->vp[i]);
		for (size_t b = 0; b < V_MEM; b += 64) {
			if (memcmp(mem + b, w->shadow[i] + b, 64) == 0)
				continue;
			for (size_t k = b; k < b + 64; k++)
				if (mem[k] != w->shadow[i][k])
					FUZZ_CHECK(w->mask[i][k]);
		}
	}
}

static bool papr_code(long rc)
{
	switch (rc) {
	case H_SUCCESS:
	case H_BUSY:
	case H_CLOSED:
	case H_NOT_AVAILABLE:
	case H_CONSTRAINED:
	case H_PARTIAL:
	case H_HARDWARE:
	case H_FUNCTION:
	case H_PRIVILEGE:
	case H_PARAMETER:
	case H_DEST_PARM:
	case H_NO_MEM:
	case H_AUTHORITY:
	case H_PERMISSION:
	case H_DROPPED:
	case H_RESOURCE:
		return true;
	default:
		return H_IS_LONG_BUSY(rc);
	}
}

static uint64_t pick_ua(struct world *w, uint8_t b)
{
	switch (b % 8) {
	case 0:
	case 1:
		return w->att_ua[0];
	case 2:
		return w->att_ua[1];
	case 3:
	case 4:
	case 5:
		return w->v[b % 8 - 3].ua;
	case 6:
		return 0;
	default:
		return b;
	}
}

static uint64_t page_addr(uint8_t b)
{
	return (uint64_t)(b % 17) * 4096; /* 16 = the end of memory */
}

/* An argument from a selector byte and what follows it. */
static uint64_t pick_arg(struct world *w, struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	switch (sel % 9) {
	case 0:
		return fuzz_u64(in);
	case 1:
		return page_addr(fuzz_u8(in)) + (uint64_t)(fuzz_u8(in) & 0xf0);
	case 2: { /* at or past the end */
		uint8_t b = fuzz_u8(in);
		return b & 0x80 ? A_MEM + (b & 0x7f) : A_MEM - b;
	}
	case 3: { /* a valid-looking descriptor */
		uint32_t flags = (uint32_t)(fuzz_u8(in) & 0x47) << 24; /* TOGGLE, LRG, csum */
		uint32_t len = fuzz_u16(in);
		uint8_t a = fuzz_u8(in);
		uint64_t addr = a & 0x80 ? A_MEM - (uint64_t)(a & 0x7f) * 16 : page_addr(a);
		return papr_desc(IBMVETH_BUF_VALID | flags | (len & IBMVETH_BUF_LEN_MASK),
				 (uint32_t)addr);
	}
	case 4:
		return pick_ua(w, fuzz_u8(in));
	case 5:
		return fuzz_u8(in);
	case 6: { /* someone's MAC */
		uint8_t b = fuzz_u8(in);
		return papr_mac_to_u64(w->v[b % N_VICTIMS].mac) + (b >= 128);
	}
	case 7: /* a descriptor with a raw address */
		return papr_desc(IBMVETH_BUF_VALID | fuzz_u16(in), fuzz_u32(in));
	default: /* attribute / multicast bits */
		return (uint64_t)fuzz_u32(in);
	}
}

static const uint64_t opcodes[] = {
	H_REGISTER_LOGICAL_LAN,    H_FREE_LOGICAL_LAN,
	H_ADD_LOGICAL_LAN_BUFFER,  H_SEND_LOGICAL_LAN,
	H_MULTICAST_CTRL,          H_CHANGE_LOGICAL_LAN_MAC,
	H_ILLAN_ATTRIBUTES,        H_VIO_SIGNAL,
	H_ADD_LOGICAL_LAN_BUFFERS, H_SEND_LOGICAL_LAN,
	H_ADD_LOGICAL_LAN_BUFFER,
};

static void attacker_call(struct world *w, struct fuzz_in *in)
{
	uint8_t o = fuzz_u8(in);
	uint64_t opcode = o < 240 ? opcodes[o % (sizeof(opcodes) / sizeof(opcodes[0]))]
				  : fuzz_u16(in);
	uint64_t args[9] = {0}, rets[4];
	uint8_t n_args = (uint8_t)(fuzz_u8(in) % 10);
	args[0] = pick_ua(w, fuzz_u8(in));
	for (unsigned i = 1; i < n_args; i++)
		args[i] = pick_arg(w, in);
	long rc = hv_hcall(w->att, opcode, args, rets);
	FUZZ_CHECK(papr_code(rc));
}

/* The attacker's OS writes its own memory (descriptor pages, frames). */
static void attacker_write(struct world *w, struct fuzz_in *in)
{
	uint64_t at = page_addr(fuzz_u8(in)) + fuzz_u8(in);
	size_t n;
	const uint8_t *b = fuzz_bytes(in, fuzz_u8(in) % 64, &n);
	uint8_t *mem = hv_lmem_ptr(w->att, at, n);
	if (mem && n)
		memcpy(mem, b, n);
}

/* Honest traffic: V1 <-> V2 on VLAN 10, V3 sends a broadcast on VLAN 20. */
static void victim_traffic(struct world *w, uint8_t b, uint64_t *sent)
{
	uint8_t f[256];
	unsigned s = b & 1, d = s ^ 1;
	/* Everything the attacker did since the last snapshot: the victims'
	 * own writes below would hide it. */
	check_victims(w);
	uint32_t len = hos_frame(f, w->v[d].mac, w->v[s].mac, NULL, 0, 20 + b % 100, b);
	long rc = hos_send(&w->v[s], f, len);
	FUZZ_CHECK(papr_code(rc));
	if (rc == H_SUCCESS)
		sent[d]++;
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	len = hos_frame(f, bcast, w->v[2].mac, NULL, 0, 30, 0x33);
	FUZZ_CHECK(papr_code(hos_send(&w->v[2], f, len)));
	for (unsigned i = 0; i < N_VICTIMS; i++) {
		hos_reap(&w->v[i]);
		snapshot(w, i); /* the victim's own writes are its business */
	}
}

static bool world_create(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->hv = hv_create();
	if (!w->hv)
		return false;
	hv_vswitch_set_mode(w->hv, 0, HV_VSW_VEB);
	struct hv_adapter_config c;
	static const char *names[N_VICTIMS] = {"v1", "v2", "v3"};
	static const uint16_t pvids[N_VICTIMS] = {10, 10, 20};
	for (unsigned i = 0; i < N_VICTIMS; i++) {
		w->vp[i] = hv_partition_create(w->hv, names[i], V_MEM);
		if (!w->vp[i])
			return false;
		c = hos_cfg((uint8_t)(0xb1 + i), 0, pvids[i], 0);
		if (!hos_adapter(&w->v[i], w->hv, w->vp[i], &c, 16) || hos_open(&w->v[i]) != H_SUCCESS)
			return false;
		w->shadow[i] = malloc(V_MEM);
		w->mask[i] = calloc(1, V_MEM);
		if (!w->shadow[i] || !w->mask[i])
			return false;
		struct mask_arg m = {w->mask[i], V_MEM};
		hos_may_write(&w->v[i], mask_range, &m);
		snapshot(w, i);
	}
	w->att = hv_partition_create(w->hv, "attacker", A_MEM);
	if (!w->att)
		return false;
	c = hos_cfg(0xa0, 0, 10, 0);
	w->att_ua[0] = hv_adapter_create(w->hv, w->att, &c);
	c = hos_cfg(0xa1, 0, 40, 0);
	c.n_vids = 1;
	c.vids[0] = 41;
	w->att_ua[1] = hv_adapter_create(w->hv, w->att, &c);
	return w->att_ua[0] && w->att_ua[1];
}

static void world_destroy(struct world *w)
{
	for (unsigned i = 0; i < N_VICTIMS; i++) {
		free(w->shadow[i]);
		free(w->mask[i]);
	}
	if (w->hv)
		hv_destroy(w->hv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct world w;
	FUZZ_CHECK(world_create(&w));
	uint64_t sent[N_VICTIMS] = {0};
	unsigned steps = 0;
	while (in.n && steps++ < 400) {
		uint8_t op = fuzz_u8(&in);
		switch (op % 8) {
		case 0:
		case 1:
		case 2:
		case 3:
			attacker_call(&w, &in);
			break;
		case 4:
		case 5:
			attacker_write(&w, &in);
			break;
		case 6:
			victim_traffic(&w, fuzz_u8(&in), sent);
			break;
		default: {
			static const long codes[] = {H_BUSY, H_DROPPED, H_RESOURCE, H_PARAMETER};
			hv_inject_send_result(w.att, codes[op >> 6], fuzz_u8(&in) % 4);
			break;
		}
		}
	}
	victim_traffic(&w, 0, sent);
	check_victims(&w);
	/* No VLAN hopping: V3 is alone on VLAN 20 and hears nothing. */
	FUZZ_CHECK(w.v[2].rx_frames == 0);
	for (unsigned i = 0; i < N_VICTIMS; i++)
		FUZZ_CHECK(w.v[i].rx_bad_corr == 0);
	for (unsigned i = 0; i < 2; i++) {
		struct hv_adapter_stats st;
		FUZZ_CHECK(hv_adapter_get_stats(w.vp[i], w.v[i].ua, &st) == 0);
		FUZZ_CHECK(w.v[i].rx_frames + st.rx_no_buffer >= sent[i]);
	}
	world_destroy(&w);
	FUZZ_CHECK(pkt_outstanding_total() == 0);
	fuzz_end();
	return 0;
}
