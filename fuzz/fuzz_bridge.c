/*
 * fuzz_bridge.c — libFuzzer target for the bridge's datapath (src/bridge)
 * on hostile frames: flow-key extraction of any bytes, the upcall slow
 * path, rule translation (NORMAL with MAC learning, VLAN push/pop/set,
 * outputs), datapath flow hits, the execution of their actions on the
 * frame, and the output through dev_queue_xmit (validate_xmit's software
 * GSO and checksum) to ports with different offloads.
 *
 * Two bridges are built once and kept across inputs, as the daemon keeps
 * its one: an OVS-style one with a few rules beside NORMAL, and a Linux
 * one; four ports each — every offload, none, checksum only, and an access
 * port of VLAN 10 — on devices that check what they are given and free it.
 *
 * Input: records [ctl][csum_start 2][csum_offset][gso_size 2][len 2][frame]:
 * ctl bit 0 which bridge, bits 1-2 the port it arrives on, bit 3 needs
 * checksum, bit 4 GSO (TCPV4 or TCPV6 by the frame), bit 5 the tail in a
 * frag_list (as GRO builds it), bit 6 CHECKSUM_UNNECESSARY (as a trunk
 * reports CSUM_GOOD), bit 7 let 1-255 s pass first (flows and MACs age).
 * The metadata goes through pkt_offload_apply first, as every device that
 * takes it from outside does; a frame it refuses is dropped there.
 *
 * Checked beyond "no crash": what a port's driver is given is what
 * validate_xmit promises it (no frag_list without FRAGLIST, no GSO without
 * TSO, no CHECKSUM_PARTIAL without a checksum feature, lengths that add
 * up) and never longer than the port's MTU unless GSO; nothing is left
 * allocated after each input.
 */
#include "bridge/bridge.h"
#include "ev/ev.h"
#include "fuzz_util.h"
#include "net/netdev.h"
#include "pkt/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_PORTS 4

static struct ev_loop *loop;
static struct br *bridges[2];
static struct netdev *ports[2][N_PORTS];
static unsigned sent;

static enum netdev_tx port_xmit(struct netdev *dev, struct pkt *p)
{
	FUZZ_CHECK(p->len == pkt_headlen(p) + p->data_len);
	if (!(dev->features & NETIF_F_FRAGLIST))
		FUZZ_CHECK(!pkt_has_frag_list(p));
	if (!(dev->features & (NETIF_F_TSO | NETIF_F_TSO6)))
		FUZZ_CHECK(!pkt_is_gso(p));
	if (!(dev->features & NETIF_F_CSUM_MASK))
		FUZZ_CHECK(p->ip_summed != CHECKSUM_PARTIAL);
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		FUZZ_CHECK(p->csum_start >= p->data);
		FUZZ_CHECK(p->csum_start - p->data + p->csum_offset + 2u <= pkt_headlen(p));
	}
	if (!pkt_is_gso(p))
		FUZZ_CHECK(p->len <= dev->mtu + ETH_HLEN + VLAN_HLEN);
	sent++;
	pkt_free(p);
	return NETDEV_TX_OK;
}

static const struct netdev_ops port_ops = {.start_xmit = port_xmit};

static struct netdev *port_dev(const char *name, uint32_t features)
{
	struct netdev *dev = netdev_alloc(name, 0);
	FUZZ_CHECK(dev);
	dev->ops = &port_ops;
	dev->mtu = 1500;
	dev->min_mtu = 68;
	dev->max_mtu = 65535;
	dev->hw_features = dev->features = dev->vlan_features = features;
	dev->pool = fuzz_pool();
	FUZZ_CHECK(netdev_register(dev) == 0);
	FUZZ_CHECK(netdev_open(dev) == 0);
	return dev;
}

static void setup_once(void)
{
	if (loop)
		return;
	loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	FUZZ_CHECK(loop);
	const uint32_t all = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6 |
			     NETIF_F_FRAGLIST;
	const uint32_t features[N_PORTS] = {all, 0, NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM,
					    all & ~NETIF_F_FRAGLIST};
	for (int b = 0; b < 2; b++) {
		bridges[b] = br_create(b ? "fz-lbr" : "fz-ovs", b ? BR_LINUX : BR_OVS, loop);
		FUZZ_CHECK(bridges[b]);
		for (int i = 0; i < N_PORTS; i++) {
			char name[16];
			snprintf(name, sizeof(name), "fz-br%d-%d", b, i);
			ports[b][i] = port_dev(name, features[i]);
			struct br_port_config pc = {.port_no = (unsigned)i + 1,
						    .tag = i == 3 ? 10 : 0};
			FUZZ_CHECK(br_add_port(bridges[b], ports[b][i], &pc) == i + 1);
		}
	}
	/* Beside the default NORMAL rule: VLAN rewriting, outputs, a drop. */
	static const char *const rules[] = {
		"priority=10,in_port=1,dl_type=0x0800,nw_proto=6,tp_dst=80,actions=pop_vlan,output:2",
		"priority=20,in_port=2,dl_vlan=20,actions=strip_vlan,push_vlan:0x2014,output:1,output:3",
		"priority=30,udp,nw_dst=192.0.2.9,actions=drop",
		"priority=5,dl_vlan=30,actions=mod_vlan_vid:40,normal",
		"priority=40,tcp,tp_src=7,actions=push_vlan:0x0007,output:3,output:4,output:2",
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		FUZZ_CHECK(br_rule_add_text(bridges[0], rules[i]) > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	struct fuzz_in in = {data, size};
	unsigned steps = 0;
	while (in.n && steps++ < 32) {
		uint8_t ctl = fuzz_u8(&in);
		struct pkt_offload_req req = {
			.needs_csum = ctl & 8,
			.csum_start = fuzz_u16(&in),
			.csum_offset = fuzz_u8(&in),
		};
		req.gso_size = fuzz_u16(&in);
		size_t want = fuzz_u16(&in), got;
		const uint8_t *b = fuzz_bytes(&in, want < PKT_MAX_LEN ? want : PKT_MAX_LEN, &got);
		if (ctl & 0x80) /* time passes: 1..256 s, the first frame byte's worth */
			ev_run_until(loop, NULL, NULL,
				     ev_now(loop) + (1ull + (got ? b[0] : 0)) * 1000000000ull);
		struct pkt *p = ctl & 0x20 ? fuzz_pkt_frags(b, got, got / 3, 1 + got / 4)
					   : fuzz_pkt(b, got);
		if (!p)
			continue;
		if (ctl & 0x10) {
			struct hdr_info h;
			req.gso_type = hdr_parse(b, (uint32_t)got, &h) == 0 && h.ip_version == 6
					       ? PKT_GSO_TCPV6
					       : PKT_GSO_TCPV4;
		}
		if (pkt_offload_apply(p, &req, NULL) < 0) {
			pkt_free(p);
			continue;
		}
		if ((ctl & 0x40) && p->ip_summed == CHECKSUM_NONE)
			p->ip_summed = CHECKSUM_UNNECESSARY;
		netdev_receive(ports[ctl & 1][(ctl >> 1) & 3], p);
		ev_run_until(loop, NULL, NULL, ev_now(loop));
	}
	fuzz_end();
	return 0;
}
