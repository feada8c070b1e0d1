/*
 * real.c — real-traffic mode's data path: TAPs glued to VM A's and VM B's
 * ibmveth adapters, the AF_PACKET wire glued to the physical NIC (real.h).
 *
 * Serves the real-traffic daemon (src/cli/daemon.c).
 *
 * Choices where the sources are silent: the VMs' multicast lists
 * (all-nodes, solicited-node of the global and link-local addresses) are
 * given to their ibmveth adapters, as the VM kernel's
 * ibmveth_set_multicast_list would; the wire completes checksums X's kernel
 * left partial (X's NIC's CSO, done by the TAP layer's wire mode).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "real.h"
#include "drv/physnic/physnic.h"
#include "drv/tap/tap.h"
#include "net/netdev.h"
#include "pkt/pkt.h"

const char *const real_ns_names[TOPO_N_EP] = {"vm-a", "vm-b", "host-x"};

static const char *const real_tap_names[2] = {"tap-a", "tap-b"};

/* TAP -> the partition's adapter: what the VM kernel sends goes out through
 * its ibmveth, offload metadata and all. */
static void real_tap_rx(void *arg, struct netdev *tap, struct pkt *p)
{
	(void)tap;
	dev_queue_xmit(arg, p);
}

/* The adapter received a frame: up into the VM kernel through its TAP. */
static void real_vm_rx(void *arg, struct netdev *vm, struct pkt *p)
{
	(void)vm;
	dev_queue_xmit(arg, p);
}

/* X's cable -> the physical NIC (which copies the bytes off the wire). */
static void real_wire_rx(void *arg, struct netdev *wire, struct pkt *p)
{
	struct real *r = arg;
	(void)wire;
	if (pkt_has_frag_list(p) && pkt_linearize(p) < 0)
		r->wire_rx_refused++;
	else if (physnic_wire_receive(r->topo->phys, pkt_data(p), p->len) < 0)
		r->wire_rx_refused++; /* counted by the NIC too */
	pkt_free(p);
}

/* The physical NIC transmits a finished frame onto X's cable. */
static int real_wire_tx(void *arg, const uint8_t *frame, uint32_t len)
{
	return tap_send_frame(arg, frame, len);
}

/* Tell a VM's adapter the multicast groups its kernel joined for IPv6:
 * all-nodes and the solicited-node groups of its addresses. */
static void real_add_ipv6_groups(struct netdev *vm, const uint8_t mac[6], const uint8_t ip6[16])
{
	uint8_t all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t sn_global[6] = {0x33, 0x33, 0xff, ip6[13], ip6[14], ip6[15]};
	/* The link-local address is EUI-64 from the MAC: its last three bytes
	 * are the MAC's last three. */
	uint8_t sn_ll[6] = {0x33, 0x33, 0xff, mac[3], mac[4], mac[5]};
	netdev_mc_add(vm, all_nodes);
	netdev_mc_add(vm, sn_global);
	netdev_mc_add(vm, sn_ll);
}

/* real_create and real_create_on: fds NULL opens the kernels' devices. */
static struct real *real_glue(struct topo *t, const int fds[3], char *err, size_t err_size)
{
	int fd_left = 0; /* fds[fd_left..2] are still ours to close on failure */
	struct real *r = NULL;
	if (!t->cfg.real) {
		snprintf(err, err_size, "the topology was not built for real traffic (cfg.real)");
		goto fail;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, err_size, "out of memory");
		goto fail;
	}
	r->topo = t;
	struct netdev *vms[2] = {t->vm_a, t->vm_b};
	for (int e = 0; e < 2; e++) {
		struct tap_config tc = {
			.kind = TAP_KIND_TUN,
			.name = real_tap_names[e],
			.netns = real_ns_names[e],
			.ifname = REAL_IFNAME,
			.mac = t->mac[e],
			.mtu = t->cfg.mtu,
			.offloads = tap_offloads_from_features(vms[e]->features),
			/* The VM kernel's packets are its partition's memory, so
			 * its ibmveth can map them as it maps its stack's. */
			.pool = vms[e]->pool,
			.loop = t->loop,
			.adopt_fd = fds != NULL,
			.fd = fds ? fds[e] : -1,
		};
		fd_left = e + 1; /* tap_create takes fds[e], success or not */
		r->tap[e] = tap_create(&tc, err, err_size);
		if (!r->tap[e])
			goto fail;
		r->tap_offloads[e] = tc.offloads;
		netdev_set_rx_handler(r->tap[e], real_tap_rx, vms[e]);
		netdev_set_rx_handler(vms[e], real_vm_rx, r->tap[e]);
		real_add_ipv6_groups(vms[e], t->mac[e], t->ip6[e]);
	}
	/* Bridge ports are promiscuous (br_add_if and OVS's ovs_netdev_link
	 * call dev_set_promiscuity), so the trunks take every multicast frame
	 * — ND needs that. Idempotent if the bridge did it already. */
	netdev_set_promisc(t->trunk_in, true);
	netdev_set_promisc(t->trunk_out, true);
	struct tap_config wc = {
		.kind = TAP_KIND_PACKET,
		.name = "wire-x",
		.netns = REAL_NS_IO,
		.ifname = REAL_WIRE_IF,
		.mtu = t->cfg.mtu,
		.wire = true,
		.loop = t->loop,
		.adopt_fd = fds != NULL,
		.fd = fds ? fds[2] : -1,
	};
	fd_left = 3;
	r->wire = tap_create(&wc, err, err_size);
	if (!r->wire)
		goto fail;
	netdev_set_rx_handler(r->wire, real_wire_rx, r);
	physnic_set_wire(t->phys, real_wire_tx, r->wire);
	return r;
fail:
	real_destroy(r);
	for (int i = fd_left; fds && i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return NULL;
}

/* real_create: see real.h. */
struct real *real_create(struct topo *t, char *err, size_t err_size)
{
	return real_glue(t, NULL, err, err_size);
}

/* real_create_on: see real.h. */
struct real *real_create_on(struct topo *t, const int fds[3], char *err, size_t err_size)
{
	return real_glue(t, fds, err, err_size);
}

/* real_destroy: see real.h. */
void real_destroy(struct real *r)
{
	if (!r)
		return;
	struct topo *t = r->topo;
	if (r->wire) {
		physnic_set_wire(t->phys, NULL, NULL);
		netdev_free(r->wire);
	}
	struct netdev *vms[2] = {t->vm_a, t->vm_b};
	for (int e = 0; e < 2; e++) {
		if (!r->tap[e])
			continue;
		netdev_set_rx_handler(vms[e], NULL, NULL);
		netdev_free(r->tap[e]);
	}
	free(r);
}

struct real_visit {
	void (*fn)(void *arg, const char *obj, const char *name, uint64_t v);
	void *arg;
	const char *obj;
};

static void real_visit_one(void *arg, const struct counter_desc *d, uint64_t v)
{
	struct real_visit *rv = arg;
	rv->fn(rv->arg, rv->obj, d->name, v);
}

/* real_for_each_counter: see real.h. */
void real_for_each_counter(const struct real *r,
			   void (*fn)(void *arg, const char *obj, const char *name, uint64_t v),
			   void *arg)
{
	struct netdev *mine[] = {r->tap[0], r->tap[1], r->wire};
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		if (!mine[i])
			continue;
		struct real_visit rv = {fn, arg, mine[i]->name};
		netdev_for_each_counter(mine[i], real_visit_one, &rv);
	}
}
