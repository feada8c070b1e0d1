/*
 * test_fuzz.c — the hcall surface under random arguments. Several partitions
 * call every hcall (and unknown opcodes) tens of thousands of times with
 * random unit addresses, descriptors, addresses near and past their memory's
 * end, masks and frames, interleaved with well-formed traffic so frames
 * really flow, checksums are computed and large sends segmented. After every
 * call:
 *  - the return is a PAPR code;
 *  - in every partition, no byte changed outside the regions that partition
 *    itself handed to the hypervisor (buffer-list pages and receive queues it
 *    registered, buffers it posted) or that the test wrote as its OS;
 * and at the end nothing leaks (packet pools at zero; ASan checks the heap).
 * Deterministic: a fixed xorshift seed per case.
 */
#include "test.h"
#include "hv_test_util.h"

#define N_PARTS 4
#define N_ADS 7
#define PMEM 65536u
#define ZONE_LO 0x8000u
#define ZONE_HI 0xC000u
#define TX_LO 0xC000u

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}
static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

struct fad {
	struct tad t;
	unsigned pi;
	bool open;    /* as the return codes told us */
	uint64_t rxq; /* registered queue, for reaping */
	uint32_t rxq_len;
	uint32_t idx;
	bool toggle;
	bool disable_in_irq;
	unsigned irqs;
};

struct world {
	struct hv *hv;
	struct hv_partition *p[N_PARTS];
	uint8_t *shadow[N_PARTS];
	uint8_t *mask[N_PARTS]; /* 1 = the hypervisor may write here */
	/* unmasked intervals, rebuilt when a mask grows */
	unsigned n_iv[N_PARTS];
	uint32_t iv_store[N_PARTS][PMEM / 2][2];
	bool dirty[N_PARTS];
	struct fad ad[N_ADS];
	uint64_t rc_count[32];
	uint64_t calls, reaped, bad_entries, foreign_writes, bad_rc;
};

static struct world *W;

static void fz_irq(void *arg)
{
	struct fad *a = arg;
	a->irqs++;
	if (a->disable_in_irq)
		h_vio_signal(W->p[a->pi], a->t.ua, VIO_IRQ_DISABLE);
}

static void mark(unsigned pi, uint64_t addr, uint64_t len)
{
	if (addr >= PMEM)
		return;
	if (len > PMEM - addr)
		len = PMEM - addr;
	memset(W->mask[pi] + addr, 1, len);
	W->dirty[pi] = true;
}

static void rebuild(unsigned pi)
{
	unsigned n = 0;
	uint32_t i = 0;
	const uint8_t *m = W->mask[pi];
	while (i < PMEM) {
		while (i < PMEM && m[i])
			i++;
		uint32_t s = i;
		while (i < PMEM && !m[i])
			i++;
		if (i > s) {
			W->iv_store[pi][n][0] = s;
			W->iv_store[pi][n][1] = i;
			n++;
		}
	}
	W->n_iv[pi] = n;
	W->dirty[pi] = false;
}

/* The test, as the partition's OS, writes its own memory: keep the shadow. */
static void os_write(unsigned pi, uint64_t addr, const void *src, uint32_t len)
{
	memcpy(hv_lmem_base(W->p[pi]) + addr, src, len);
	memcpy(W->shadow[pi] + addr, src, len);
}

static bool is_papr_code(long rc)
{
	static const long codes[] = {H_SUCCESS,     H_BUSY,      H_CLOSED,    H_NOT_AVAILABLE,
				     H_CONSTRAINED, H_PARTIAL,   H_HARDWARE,  H_FUNCTION,
				     H_PRIVILEGE,   H_PARAMETER, H_NO_MEM,    H_AUTHORITY,
				     H_PERMISSION,  H_DROPPED,   H_DEST_PARM, H_RESOURCE};
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (rc == codes[i])
			return true;
	return H_IS_LONG_BUSY(rc);
}

static void check_after(long rc)
{
	W->calls++;
	if (!is_papr_code(rc))
		W->bad_rc++;
	W->rc_count[(rc + 16) & 31]++;
	for (unsigned pi = 0; pi < N_PARTS; pi++) {
		if (W->dirty[pi])
			rebuild(pi);
		const uint8_t *mem = hv_lmem_base(W->p[pi]), *sh = W->shadow[pi];
		for (unsigned k = 0; k < W->n_iv[pi]; k++) {
			uint32_t s = W->iv_store[pi][k][0], e = W->iv_store[pi][k][1];
			if (memcmp(mem + s, sh + s, e - s) != 0) {
				W->foreign_writes++;
				memcpy(W->shadow[pi] + s, mem + s, e - s); /* report once */
			}
		}
	}
}

/* Addresses: in the zone, near the end, past it, huge, anywhere. */
static uint64_t rnd_addr(void)
{
	switch (rn(8)) {
	case 0:
	case 1:
	case 2:
		return ZONE_LO + (rn(ZONE_HI - ZONE_LO) & ~15u);
	case 3:
		return PMEM - rn(4200);
	case 4:
		return PMEM + rn(5000);
	case 5:
		return rnd();
	case 6:
		return rn(4) * 4096 + 4096;
	default:
		return rn(PMEM);
	}
}

static uint32_t rnd_len(void)
{
	static const uint32_t lens[] = {0, 1, 12, 16, 17, 64, 256, 2048, 4096, 65536, 0xFFFFFF};
	return rn(3) ? lens[rn(sizeof(lens) / sizeof(lens[0]))] : rn(70000);
}

static uint64_t rnd_desc(void)
{
	uint32_t fl = rnd_len() & IBMVETH_BUF_LEN_MASK;
	if (rn(4))
		fl |= IBMVETH_BUF_VALID;
	if (rn(4) == 0)
		fl |= (uint32_t)rnd() & 0x7F000000u;
	return papr_desc(fl, (uint32_t)rnd_addr());
}

static uint64_t rnd_ua(unsigned pi)
{
	switch (rn(5)) {
	case 0:
		return rnd();
	case 1:
		return W->ad[rn(N_ADS)].t.ua; /* maybe another partition's */
	default: {
		/* one of the caller's own */
		for (unsigned tries = 0; tries < 8; tries++) {
			struct fad *a = &W->ad[rn(N_ADS)];
			if (a->pi == pi)
				return a->t.ua;
		}
		return W->ad[0].t.ua;
	}
	}
}

static uint64_t rnd_mac(void)
{
	switch (rn(6)) {
	case 0:
		return 0xFFFFFFFFFFFFull;
	case 1:
		return 0x01005E000000ull | rn(4);
	case 2:
		return rnd();
	default:
		return papr_mac_to_u64(W->ad[rn(N_ADS)].t.mac);
	}
}

static void reap(struct fad *a)
{
	if (!a->open || !a->rxq_len)
		return;
	unsigned pi = a->pi;
	for (unsigned n = 0; n < a->rxq_len / 16; n++) {
		uint8_t *e = hv_lmem_base(W->p[pi]) + a->rxq + a->idx;
		uint32_t fo = t_be32(e);
		if ((fo >> 31) != (uint32_t)a->toggle)
			break;
		W->reaped++;
		uint32_t off = fo & 0xFFFF, len = t_be32(e + 4);
		if (!(fo & IBMVETH_RXQ_VALID) || (off != 8 && off != 16) ||
		    len > PAPR_MAX_FRAME + 4 || (fo & 0x38FF0000u))
			W->bad_entries++;
		a->idx += 16;
		if (a->idx + 16 > a->rxq_len) {
			a->idx = 0;
			a->toggle = !a->toggle;
		}
	}
}

static void note_register(struct fad *a, long rc, uint64_t bl, uint64_t rxqd)
{
	if (rc != H_SUCCESS)
		return;
	a->open = true;
	a->rxq = papr_desc_addr(rxqd);
	a->rxq_len = papr_desc_len(rxqd);
	a->idx = 0;
	a->toggle = true;
	mark(a->pi, bl, 4096);
	mark(a->pi, a->rxq, a->rxq_len);
}

static void note_buffer(struct fad *a, uint64_t d)
{
	mark(a->pi, papr_desc_addr(d), papr_desc_len(d));
}

static struct fad *own_adapter(unsigned pi)
{
	for (unsigned tries = 0; tries < 16; tries++) {
		struct fad *a = &W->ad[rn(N_ADS)];
		if (a->pi == pi)
			return a;
	}
	for (unsigned i = 0; i < N_ADS; i++)
		if (W->ad[i].pi == pi)
			return &W->ad[i];
	return &W->ad[0];
}

static long well_formed_send(struct fad *a)
{
	unsigned pi = a->pi;
	static uint8_t f[PMEM];
	uint32_t len;
	uint64_t dm = rnd_mac();
	uint8_t dst[6];
	papr_u64_to_mac(dm & 0xFFFFFFFFFFFFull, dst);
	int tag = -1;
	switch (rn(6)) {
	case 0:
		tag = 10;
		break;
	case 1:
		tag = 20;
		break;
	case 2:
		tag = (int)rn(4096);
		break;
	default:
		break;
	}
	if (rn(3)) {
		struct tframe tf;
		memset(&tf, 0, sizeof(tf));
		memcpy(tf.dst, dst, 6);
		memcpy(tf.src, a->t.mac, 6);
		tf.vlan = tag;
		tf.ipv = rn(2) ? 4 : 6;
		tf.payload = rn(4) ? rn(1500) : rn(16000 - 100);
		tf.zero_csum = rn(2);
		tf.seq = (uint32_t)rnd();
		len = t_build_tcp(f, &tf);
		if (rn(8) == 0) /* corrupt a header byte */
			f[rn(len < 80 ? len : 80)] ^= (uint8_t)(1u << rn(8));
		if (rn(8) == 0 && len > 20) /* truncate */
			len = 14 + rn(len - 14);
	} else {
		len = t_build_raw(f, dst, a->t.mac, tag, rn(3000), (uint8_t)rnd());
		if (rn(6) == 0 && len >= 20) { /* a second tag */
			f[16] = 0x81;
			f[17] = 0x00;
		}
	}
	if (len > PMEM - TX_LO)
		len = PMEM - TX_LO;
	os_write(pi, TX_LO, f, len);
	uint32_t flags = 0;
	if (rn(2))
		flags |= IBMVETH_BUF_NO_CSUM | IBMVETH_BUF_CSUM_GOOD;
	if (rn(3) == 0)
		flags |= IBMVETH_BUF_LRG_SND;
	static const uint64_t msses[] = {0, 1, 47, 48, 100, 536, 1448, 9000, 65535, 70000};
	uint64_t mss = msses[rn(sizeof(msses) / sizeof(msses[0]))];
	uint64_t d[6] = {0};
	unsigned nd = 1 + rn(6);
	uint32_t at = 0;
	for (unsigned i = 0; i < nd; i++) {
		uint32_t l = i + 1 == nd ? len - at : rn(len - at + 1);
		d[i] = papr_desc(IBMVETH_BUF_VALID | flags | l, TX_LO + at);
		at += l;
	}
	if (rn(10) == 0)
		d[rn(nd)] = rnd_desc();
	uint64_t tok = 0;
	return h_send_logical_lan(W->p[pi], a->t.ua, d, rn(20) ? 0 : rnd(), &tok, mss);
}

static long well_formed(unsigned pi)
{
	struct fad *a = own_adapter(pi);
	struct hv_partition *p = W->p[pi];
	long rc;
	unsigned k = (unsigned)(a - W->ad);
	uint64_t base = 0x1000u + (uint64_t)(k % 2) * 0x3000u; /* layout slot per adapter */
	switch (rn(11)) {
	case 0: {
		if (a->open && rn(8) == 0) {
			rc = h_free_logical_lan(p, a->t.ua);
			if (rc == H_SUCCESS)
				a->open = false;
			return rc;
		}
		uint64_t rxqd = papr_desc(IBMVETH_BUF_VALID | (uint32_t)(16 * (1 + rn(64))),
					  (uint32_t)(base + 0x2000));
		rc = h_register_logical_lan(p, a->t.ua, base, rxqd, base + 0x1000,
					    papr_mac_to_u64(a->t.mac));
		note_register(a, rc, base, rxqd);
		return rc;
	}
	case 1:
	case 2:
	case 9: {
		static const uint32_t sizes[] = {64, 256, 1024, 2048, 4096, 16384};
		uint32_t s = sizes[rn(6)];
		uint64_t addr = ZONE_LO + (rn(ZONE_HI - ZONE_LO - s + 1) & ~15u);
		os_write(pi, addr, &addr, 8);
		uint64_t d = papr_desc(IBMVETH_BUF_VALID | s, (uint32_t)addr);
		rc = h_add_logical_lan_buffer(p, a->t.ua, d);
		if (rc == H_SUCCESS)
			note_buffer(a, d);
		return rc;
	}
	case 3: {
		uint64_t d[8] = {0};
		for (unsigned i = 0; i < 8; i++) {
			if (rn(4) == 0)
				continue;
			uint32_t s = 512u << rn(3);
			uint64_t addr = ZONE_LO + (rn(ZONE_HI - ZONE_LO - s + 1) & ~15u);
			os_write(pi, addr, &addr, 8);
			d[i] = papr_desc(IBMVETH_BUF_VALID | s, (uint32_t)addr);
		}
		rc = h_add_logical_lan_buffers(p, a->t.ua, d);
		if (rc == H_SUCCESS)
			for (unsigned i = 0; i < 8; i++)
				if (d[i])
					note_buffer(a, d[i]);
		return rc;
	}
	case 4:
	case 5:
	case 6:
		return well_formed_send(a);
	case 7: {
		static const uint64_t bits[] = {0,
						IBMVETH_ILLAN_IPV4_TCP_CSUM,
						IBMVETH_ILLAN_IPV6_TCP_CSUM,
						IBMVETH_ILLAN_LRG_SR_ENABLED,
						PAPR_ILLAN_OS_SETTABLE,
						IBMVETH_ILLAN_ACTIVE_TRUNK};
		uint64_t at;
		return h_illan_attributes(p, a->t.ua, bits[rn(6)], bits[rn(6)], rn(2) ? &at : NULL);
	}
	case 8: {
		static const uint64_t cmds[] = {
			IbmVethMcastEnableRecv,      IbmVethMcastDisableRecv,
			IbmVethMcastEnableFiltering, IbmVethMcastDisableFiltering,
			IbmVethMcastAddFilter,       IbmVethMcastRemoveFilter,
			IbmVethMcastClearFilterTable};
		return h_multicast_ctrl(p, a->t.ua, cmds[rn(7)] | (rn(10) ? 0 : cmds[rn(7)]),
					rnd_mac());
	}
	default:
		if (rn(4) == 0)
			return h_change_logical_lan_mac(
				p, a->t.ua, rn(2) ? papr_mac_to_u64(a->t.mac) : rnd_mac());
		return h_vio_signal(p, a->t.ua, rn(3));
	}
}

static long random_hcall(unsigned pi)
{
	static const uint64_t ops[] = {H_VIO_SIGNAL,
				       H_REGISTER_LOGICAL_LAN,
				       H_FREE_LOGICAL_LAN,
				       H_ADD_LOGICAL_LAN_BUFFER,
				       H_SEND_LOGICAL_LAN,
				       H_MULTICAST_CTRL,
				       H_CHANGE_LOGICAL_LAN_MAC,
				       H_ILLAN_ATTRIBUTES,
				       H_ADD_LOGICAL_LAN_BUFFERS,
				       0x1D4,
				       0,
				       0x2A8};
	uint64_t op = ops[rn(sizeof(ops) / sizeof(ops[0]))];
	uint64_t args[9], rets[4];
	args[0] = rnd_ua(pi);
	for (unsigned i = 1; i < 9; i++) {
		switch (rn(4)) {
		case 0:
			args[i] = rnd_addr();
			break;
		case 1:
			args[i] = rnd_desc();
			break;
		case 2:
			args[i] = rn(3) ? 0 : rnd();
			break;
		default:
			args[i] = rnd_mac();
			break;
		}
	}
	if (op == H_SEND_LOGICAL_LAN && rn(2))
		args[7] = 0;
	long rc = hv_hcall(W->p[pi], op, args, rets);
	/* learn what the hypervisor accepted so the isolation check stays exact */
	struct fad *a = NULL;
	for (unsigned i = 0; i < N_ADS; i++)
		if (W->ad[i].t.ua == args[0] && W->ad[i].pi == pi)
			a = &W->ad[i];
	if (a && rc == H_SUCCESS) {
		if (op == H_REGISTER_LOGICAL_LAN)
			note_register(a, rc, args[1], args[2]);
		else if (op == H_FREE_LOGICAL_LAN)
			a->open = false;
		else if (op == H_ADD_LOGICAL_LAN_BUFFER)
			note_buffer(a, args[1]);
		else if (op == H_ADD_LOGICAL_LAN_BUFFERS)
			for (unsigned i = 1; i < 9; i++)
				if (args[i])
					note_buffer(a, args[i]);
	}
	return rc;
}

static void world_up(uint64_t seed)
{
	W = calloc(1, sizeof(*W));
	REQUIRE(W);
	rng_state = seed;
	W->hv = hv_create();
	REQUIRE(W->hv);
	for (unsigned pi = 0; pi < N_PARTS; pi++) {
		W->p[pi] = hv_partition_create(W->hv, "fz", PMEM);
		REQUIRE(W->p[pi]);
		W->shadow[pi] = calloc(1, PMEM);
		W->mask[pi] = calloc(1, PMEM);
		REQUIRE(W->shadow[pi] && W->mask[pi]);
		W->dirty[pi] = true;
	}
	static const struct {
		unsigned pi, vsw;
		uint16_t pvid;
		uint16_t vid;
		unsigned pri;
		uint64_t fw;
	} spec[N_ADS] = {
		{0, 0, 10, 20, 0, IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT},
		{1, 0, 10, 0, 0, IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT},
		{2, 0, 20, 0, 0,
		 IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT |
			 IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT},
		{3, 0, 4000, 10, 1, IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT},
		{3, 0, 4000, 20, 2, 0},
		{0, 1, 10, 0, 0, IBMVETH_ILLAN_LRG_SND_SUPPORT},
		{1, 1, 10, 0, 1, IBMVETH_ILLAN_PADDED_PKT_CSUM},
	};
	for (unsigned i = 0; i < N_ADS; i++) {
		struct hv_adapter_config c = t_cfg((uint8_t)(0x40 + i), spec[i].vsw, spec[i].pvid,
						   spec[i].pri, spec[i].fw);
		if (spec[i].vid) {
			c.vids[0] = spec[i].vid;
			c.n_vids = 1;
		}
		c.mcast_filter_size = 3;
		/* MAC controls on two clients: MAC changes and source MACs refused */
		if (i == 1)
			c.mac_policy = HV_MAC_DENY;
		if (i == 5) {
			c.mac_policy = HV_MAC_ALLOW_LIST;
			c.n_mac_allowed = 1;
			t_mac(c.mac_allowed[0], 0x41);
		}
		struct fad *a = &W->ad[i];
		a->pi = spec[i].pi;
		memcpy(a->t.mac, c.mac, 6);
		a->t.part = W->p[a->pi];
		a->t.ua = hv_adapter_create(W->hv, W->p[a->pi], &c);
		REQUIRE(a->t.ua);
		a->disable_in_irq = i % 2;
		REQUIRE(hv_set_irq_handler(W->p[a->pi], a->t.ua, fz_irq, a) == 0);
	}
}

static void world_down(void)
{
	hv_destroy(W->hv);
	for (unsigned pi = 0; pi < N_PARTS; pi++) {
		free(W->shadow[pi]);
		free(W->mask[pi]);
	}
	free(W);
	W = NULL;
	CHECK_U64(pkt_outstanding_total(), 0);
}

static void run(uint64_t seed, unsigned iters)
{
	world_up(seed);
	for (unsigned it = 0; it < iters; it++) {
		unsigned pi = rn(N_PARTS);
		long rc;
		if (rn(50) == 0) {
			hv_vswitch_set_mode(W->hv, rn(2), rn(2) ? HV_VSW_VEPA : HV_VSW_VEB);
			continue;
		}
		if (rn(200) == 0)
			hv_inject_send_result(W->p[pi], rn(2) ? H_BUSY : H_DROPPED, rn(3));
		rc = rn(10) < 7 ? well_formed(pi) : random_hcall(pi);
		check_after(rc);
		if (rn(3) == 0)
			for (unsigned i = 0; i < N_ADS; i++)
				reap(&W->ad[i]);
	}
	CHECK_U64(W->bad_rc, 0);
	CHECK_U64(W->foreign_writes, 0);
	/* the run must have exercised the paths it claims to */
	CHECK(W->reaped > iters / 100);
	CHECK(W->rc_count[(H_SUCCESS + 16) & 31] > iters / 10);
	CHECK(W->rc_count[(H_PARAMETER + 16) & 31] > iters / 10);
	CHECK(W->rc_count[(H_RESOURCE + 16) & 31] > 0);
	CHECK(W->rc_count[(H_FUNCTION + 16) & 31] > 0);
	CHECK(W->rc_count[(H_DROPPED + 16) & 31] > 0);
	uint64_t sw_sum = 0, sw_seg = 0, lrg = 0, rxf = 0, nobuf = 0, notopen = 0, txf = 0,
		 mac_refused = 0;
	for (unsigned i = 0; i < N_ADS; i++) {
		struct hv_adapter_stats st;
		REQUIRE(hv_adapter_get_stats(W->p[W->ad[i].pi], W->ad[i].t.ua, &st) == 0);
		sw_sum += st.hv_sw_checksums;
		sw_seg += st.hv_sw_segments;
		lrg += st.lrg_delivered;
		rxf += st.rx_frames;
		txf += st.tx_frames;
		nobuf += st.rx_no_buffer;
		notopen += st.rx_not_open;
		mac_refused += st.mac_discards + st.mac_denied;
	}
	/* entries are not asserted: a random registration may legally overlap
	 * a queue with buffers in the caller's own memory */
	printf("# seed %#llx: %llu calls, %llu entries reaped (%llu odd), %llu sw checksums, %llu sw segments, "
	       "%llu lrg\n",
	       (unsigned long long)seed, (unsigned long long)W->calls,
	       (unsigned long long)W->reaped, (unsigned long long)W->bad_entries,
	       (unsigned long long)sw_sum, (unsigned long long)sw_seg, (unsigned long long)lrg);
	printf("# tx %llu rx %llu no-buffer %llu not-open %llu\n", (unsigned long long)txf,
	       (unsigned long long)rxf, (unsigned long long)nobuf, (unsigned long long)notopen);
	printf("# MAC policy refusals %llu\n", (unsigned long long)mac_refused);
	CHECK(sw_sum > 0);
	CHECK(sw_seg > 0);
	CHECK(mac_refused > 0);
	world_down();
}

TEST(fuzz_seed_1)
{
	run(0x9E3779B97F4A7C15ull, 40000);
}
TEST(fuzz_seed_2)
{
	run(0xD1B54A32D192ED03ull, 40000);
}
TEST(fuzz_seed_3)
{
	run(0x2545F4914F6CDD1Dull, 40000);
}

TEST_MAIN()
