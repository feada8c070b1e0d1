/*
 * topo.c — builds the seed topology (see topo.h) and reads its counters.
 *
 * Serves the CLI and the scenario runner. Everything here is wiring: the
 * behaviour lives in the layers it connects.
 */
#include "topo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/physnic/physnic.h"
#include "ev/ev.h"
#include "hv/hv.h"
#include "net/netdev.h"
#include "pkt/pkt.h"
#include "stack/stack.h"

/* Logical memory per partition: what each ibmveth instance carves (its
 * lists, queue and packet pool, which also serves the partition's stack and,
 * in the IO server, the physical NIC's receive ring), plus slack. */
#define TOPO_MEM_SLACK (4u << 20)

/* VLANs of the seed: A and B on different VLANs, so the hypervisor cannot
 * switch between them and every frame crosses the IO server. */
#define TOPO_VLAN_A 10
#define TOPO_VLAN_B 20

/* Firmware attributes offered to every adapter: what POWER8+ firmware with
 * PowerVM 2.2.5 offers (checksum offload for padded packets, platform large
 * send). --no-offload offers neither, so no adapter can enable them. */
#define TOPO_FW_ATTRS (IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT)

static const char *const ep_names[TOPO_N_EP] = {"A", "B", "X"};

void topo_config_default(struct topo_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->fixes = IBMVETH_FIX_ALL;
	cfg->mtu = 1500;
	cfg->seed = 1;
	cfg->gro = true;
}

static void seterr(char *err, size_t size, const char *fmt, ...)
{
	if (!err || !size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* Make one ibmveth adapter in part: the hypervisor side (adapter with its
 * VLAN and trunk priority), then the driver probe and open. */
static struct netdev *make_adapter(struct topo *t, struct hv_partition *part, const char *name,
				   const uint8_t mac[6], uint16_t pvid, unsigned trunk_pri,
				   char *err, size_t err_size)
{
	struct hv_adapter_config ac;
	memset(&ac, 0, sizeof(ac));
	memcpy(ac.mac, mac, 6);
	ac.vswitch = 0;
	ac.pvid = pvid;
	ac.trunk_priority = trunk_pri;
	ac.fw_attrs = t->cfg.no_offload ? 0 : TOPO_FW_ATTRS;
	ac.mcast_filter_size = 256;
	uint64_t ua = hv_adapter_create(t->hv, part, &ac);
	if (!ua) {
		seterr(err, err_size, "hypervisor refused adapter %s", name);
		return NULL;
	}
	struct ibmveth_params params;
	ibmveth_params_default(&params);
	params.fixes = t->cfg.fixes;
	struct ibmveth_of_node of;
	memset(&of, 0, sizeof(of));
	memcpy(of.mac, mac, 6);
	of.mcast_filter_size = ac.mcast_filter_size;
	of.illan_options = !t->cfg.no_offload;
	struct netdev *dev = ibmveth_create(name, part, ua, &of, t->loop, &params);
	if (!dev) {
		seterr(err, err_size, "ibmveth probe of %s failed", name);
		return NULL;
	}
	for (int i = 0; i < 4; i++)
		if (!t->ua_dev[i]) {
			t->ua_dev[i] = dev;
			t->ua[i] = ua;
			t->ua_part[i] = part;
			break;
		}
	int rc = 0;
	if (t->cfg.mtu != dev->mtu)
		rc = netdev_set_mtu(dev, t->cfg.mtu);
	if (!rc)
		rc = netdev_open(dev);
	if (rc) {
		seterr(err, err_size, "%s: %s (mtu %u)", name, strerror(-rc), t->cfg.mtu);
		netdev_free(dev);
		return NULL;
	}
	return dev;
}

static void fill_addresses(struct topo *t)
{
	for (int e = 0; e < TOPO_N_EP; e++) {
		const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, (uint8_t)(0x0a + e)};
		memcpy(t->mac[e], mac, 6);
		const uint8_t ip4[4] = {192, 0, 2, (uint8_t)(1 + e)};
		memcpy(t->ip4[e], ip4, 4);
		uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8};
		ip6[15] = (uint8_t)(1 + e);
		memcpy(t->ip6[e], ip6, 16);
	}
}

static struct stack *make_stack(struct topo *t, int e, struct netdev *dev)
{
	struct stack_config sc;
	memset(&sc, 0, sizeof(sc));
	sc.has_ip4 = true;
	memcpy(sc.ip4, t->ip4[e], 4);
	sc.prefix4 = 24;
	sc.has_ip6 = true;
	memcpy(sc.ip6, t->ip6[e], 16);
	sc.prefix6 = 64;
	sc.no_arp = true; /* static neighbours: the first frame of a flow is its SYN */
	sc.seed = t->cfg.seed * 1000003u + (uint64_t)e;
	return stack_create(t->loop, ep_names[e], dev, &sc);
}

/* topo_seed_create: see topo.h. */
struct topo *topo_seed_create(const struct topo_config *cfg, char *err, size_t err_size)
{
	struct topo *t = calloc(1, sizeof(*t));
	if (!t) {
		seterr(err, err_size, "out of memory");
		return NULL;
	}
	if (cfg)
		t->cfg = *cfg;
	else
		topo_config_default(&t->cfg);
	fill_addresses(t);

	t->loop = ev_loop_create(t->cfg.monotonic ? EV_CLOCK_MONOTONIC : EV_CLOCK_VIRTUAL);
	t->hv = hv_create();
	if (!t->loop || !t->hv) {
		seterr(err, err_size, "out of memory");
		goto fail;
	}
	hv_vswitch_set_mode(t->hv, 0, t->cfg.veb ? HV_VSW_VEB : HV_VSW_VEPA);
	static const char *const part_names[3] = {"vm-a", "vm-b", "ios"};
	for (int i = 0; i < 3; i++) {
		size_t mem = (i == 2 ? 2 : 1) * ibmveth_lmem_needed() + TOPO_MEM_SLACK;
		t->part[i] = hv_partition_create(t->hv, part_names[i], mem);
		if (!t->part[i]) {
			seterr(err, err_size, "cannot create partition %s", part_names[i]);
			goto fail;
		}
	}

	const uint8_t mac_trunk_in[6] = {0x02, 0, 0, 0, 0x01, 0x01};
	const uint8_t mac_trunk_out[6] = {0x02, 0, 0, 0, 0x01, 0x02};
	t->vm_a = make_adapter(t, t->part[0], "vm-a", t->mac[TOPO_EP_A], TOPO_VLAN_A, 0, err, err_size);
	if (!t->vm_a)
		goto fail;
	t->vm_b = make_adapter(t, t->part[1], "vm-b", t->mac[TOPO_EP_B], TOPO_VLAN_B, 0, err, err_size);
	if (!t->vm_b)
		goto fail;
	t->trunk_in = make_adapter(t, t->part[2], "trunk-in", mac_trunk_in, TOPO_VLAN_A, 1, err, err_size);
	if (!t->trunk_in)
		goto fail;
	t->trunk_out = make_adapter(t, t->part[2], "trunk-out", mac_trunk_out, TOPO_VLAN_B, 1, err, err_size);
	if (!t->trunk_out)
		goto fail;

	/* The physical NIC receives into IO-server memory, so what it hands the
	 * bridge can go out of a trunk without a bounce copy. */
	struct physnic_config pc;
	physnic_config_init(&pc);
	pc.mtu = t->cfg.mtu;
	pc.gro = t->cfg.gro;
	if (t->cfg.no_offload)
		pc.tx_csum = pc.tso = false;
	const uint8_t mac_phys[6] = {0x02, 0, 0, 0, 0x01, 0x03};
	memcpy(pc.mac, mac_phys, 6);
	t->phys = physnic_create("phys", t->trunk_out->pool, t->loop, &pc);
	if (!t->phys || netdev_open(t->phys)) {
		seterr(err, err_size, "cannot create the physical NIC");
		goto fail;
	}

	t->br = br_create(t->cfg.linux_bridge ? "br0" : "ovs0",
			  t->cfg.linux_bridge ? BR_LINUX : BR_OVS, t->loop);
	if (!t->br || br_add_port(t->br, t->trunk_in, NULL) < 0 ||
	    br_add_port(t->br, t->trunk_out, NULL) < 0 || br_add_port(t->br, t->phys, NULL) < 0) {
		seterr(err, err_size, "cannot build the bridge");
		goto fail;
	}

	if (!t->cfg.real) {
		/* Host X: an ordinary host whose NIC has no offloads, so it
		 * sends MSS-sized, fully checksummed frames (TSO off on its
		 * side) that the IO server's NIC then merges with GRO. */
		struct pkt_pool_class xc[] = {{2048 + PKT_HEADROOM, 4096}, {16384 + PKT_HEADROOM, 64},
					      {65536 + PKT_HEADROOM, 64}};
		struct physnic_config xcfg;
		physnic_config_init_plain(&xcfg);
		xcfg.mtu = t->cfg.mtu;
		memcpy(xcfg.mac, t->mac[TOPO_EP_X], 6);
		t->x_pool = pkt_pool_create("host-x", xc, 3, NULL, 0);
		if (!t->x_pool) {
			seterr(err, err_size, "out of memory");
			goto fail;
		}
		t->x_nic = physnic_create("x-nic", t->x_pool, t->loop, &xcfg);
		if (!t->x_nic || netdev_open(t->x_nic) || physnic_link(t->phys, t->x_nic)) {
			seterr(err, err_size, "cannot create host X's NIC");
			goto fail;
		}
		struct netdev *devs[TOPO_N_EP] = {t->vm_a, t->vm_b, t->x_nic};
		for (int e = 0; e < TOPO_N_EP; e++) {
			t->stack[e] = make_stack(t, e, devs[e]);
			if (!t->stack[e]) {
				seterr(err, err_size, "cannot create stack %s", ep_names[e]);
				goto fail;
			}
		}
		for (int e = 0; e < TOPO_N_EP; e++)
			for (int o = 0; o < TOPO_N_EP; o++) {
				if (o == e)
					continue;
				stack_add_neighbour(t->stack[e], 4, t->ip4[o], t->mac[o]);
				stack_add_neighbour(t->stack[e], 6, t->ip6[o], t->mac[o]);
			}
	}
	return t;
fail:
	topo_destroy(t);
	return NULL;
}

/* topo_destroy: see topo.h. Order: endpoints, bridge, devices, hypervisor. */
uint64_t topo_destroy(struct topo *t)
{
	if (!t)
		return 0;
	for (int e = 0; e < TOPO_N_EP; e++)
		stack_destroy(t->stack[e]);
	if (t->br)
		br_destroy(t->br);
	struct netdev *devs[] = {t->x_nic, t->phys, t->vm_a, t->vm_b, t->trunk_in, t->trunk_out};
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (devs[i])
			netdev_free(devs[i]);
	uint64_t leaked = pkt_outstanding_total();
	if (t->x_pool)
		pkt_pool_destroy(t->x_pool);
	if (t->hv)
		hv_destroy(t->hv);
	if (t->loop)
		ev_loop_destroy(t->loop);
	free(t);
	return leaked;
}

struct counter_visit {
	void (*fn)(void *arg, const char *obj, const char *name, uint64_t v);
	void *arg;
	const char *obj;
};

static void visit_one(void *arg, const char *name, uint64_t v)
{
	struct counter_visit *cv = arg;
	cv->fn(cv->arg, cv->obj, name, v);
}

static void visit_desc(void *arg, const struct counter_desc *d, uint64_t v)
{
	visit_one(arg, d->name, v);
}

static void visit_hv(struct counter_visit *cv, struct topo *t, int i)
{
	struct netdev *dev = t->ua_dev[i];
	struct hv_adapter_stats st;
	if (!dev || hv_adapter_get_stats(t->ua_part[i], t->ua[i], &st))
		return;
	char obj[64];
	snprintf(obj, sizeof(obj), "hv:%s", dev->name);
	const struct {
		const char *name;
		uint64_t v;
	} c[] = {
		{"tx_frames", st.tx_frames},       {"tx_bytes", st.tx_bytes},
		{"rx_frames", st.rx_frames},       {"rx_bytes", st.rx_bytes},
		{"rx_no_buffer", st.rx_no_buffer}, {"rx_not_open", st.rx_not_open},
		{"rx_filtered", st.rx_filtered},   {"vlan_discards", st.vlan_discards},
		{"no_destination", st.no_destination}, {"self_sends", st.self_sends},
		{"hv_sw_checksums", st.hv_sw_checksums}, {"hv_sw_segments", st.hv_sw_segments},
		{"lrg_delivered", st.lrg_delivered}, {"addr_errors", st.addr_errors},
		{"param_errors", st.param_errors}, {"irqs", st.irqs},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		cv->fn(cv->arg, obj, c[i].name, c[i].v);
}

/* topo_for_each_counter: see topo.h. */
void topo_for_each_counter(struct topo *t,
			   void (*fn)(void *arg, const char *obj, const char *name, uint64_t v),
			   void *arg)
{
	struct counter_visit cv = {fn, arg, NULL};
	struct netdev *devs[] = {t->vm_a, t->trunk_in, t->trunk_out, t->vm_b, t->phys, t->x_nic};
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		if (!devs[i])
			continue;
		cv.obj = devs[i]->name;
		netdev_for_each_counter(devs[i], visit_desc, &cv);
	}
	for (int i = 0; i < 4; i++)
		visit_hv(&cv, t, i);
	if (t->br) {
		cv.obj = br_name(t->br);
		br_for_each_counter(t->br, visit_desc, &cv);
	}
	for (int e = 0; e < TOPO_N_EP; e++) {
		if (!t->stack[e])
			continue;
		cv.obj = stack_name(t->stack[e]);
		stack_for_each_counter(t->stack[e], visit_desc, &cv);
	}
}

struct counter_query {
	const char *obj, *name;
	uint64_t sum;
};

static void sum_one(void *arg, const char *obj, const char *name, uint64_t v)
{
	struct counter_query *q = arg;
	if (strcmp(name, q->name) == 0 && (!q->obj || strcmp(obj, q->obj) == 0))
		q->sum += v;
}

uint64_t topo_counter_sum(struct topo *t, const char *name)
{
	struct counter_query q = {NULL, name, 0};
	topo_for_each_counter(t, sum_one, &q);
	return q.sum;
}

uint64_t topo_counter(struct topo *t, const char *obj, const char *name)
{
	struct counter_query q = {obj, name, 0};
	topo_for_each_counter(t, sum_one, &q);
	return q.sum;
}
