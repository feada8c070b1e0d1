/*
 * real.c — real-traffic mode's data path: TAPs glued to the endpoint
 * adapters, AF_PACKET wires glued to the NICs the hosts' cables plug into
 * (real.h), as a lab plan (lab.h) names them.
 *
 * Serves the real-traffic daemon (src/cli/daemon.c).
 *
 * Choices where the sources are silent: each endpoint adapter is given the
 * multicast groups its kernel joins for IPv6 (all-nodes, solicited-node of
 * the global and link-local addresses), as that kernel's
 * ibmveth_set_multicast_list would; a wire completes checksums the host's
 * kernel left partial (the host NIC's CSO, done by the TAP layer's wire
 * mode); a host whose cable plugs into an external switch gets a port of its
 * own on that switch, a plain NIC as the switch's other ports are (topo.c).
 *
 * Per turn of the loop, each TAP and wire reads at most TAP_RX_BATCH frames
 * (tap.c), so no endpoint can hold the others', or the control socket's,
 * turn however many labs' worth of devices there are.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real.h"
#include "bridge/bridge.h"
#include "drv/physnic/physnic.h"
#include "drv/tap/tap.h"
#include "net/netdev.h"
#include "pkt/pkt.h"

/* TAP -> the partition's adapter: what the partition's kernel sends goes
 * out through its ibmveth, offload metadata and all. */
static void real_tap_rx(void *arg, struct netdev *tap, struct pkt *p)
{
	(void)tap;
	dev_queue_xmit(arg, p);
}

/* The adapter received a frame: up into the partition's kernel through its TAP. */
static void real_vm_rx(void *arg, struct netdev *vm, struct pkt *p)
{
	(void)vm;
	dev_queue_xmit(arg, p);
}

/* A host's cable -> the NIC it plugs into. The wire reads (and cuts) frames
 * in the NIC's own memory, so the NIC takes them where they are: the one
 * write of those bytes into the IO server, its DMA. */
static void real_wire_rx(void *arg, struct netdev *wire, struct pkt *p)
{
	struct real_wire *w = arg;
	(void)wire;
	if (pkt_is_nonlinear(p) && pkt_linearize(p) < 0) {
		w->r->wire_rx_refused++;
		pkt_free(p);
	} else if (physnic_wire_receive_pkt(w->nic, p) < 0) {
		w->r->wire_rx_refused++; /* counted by the NIC too */
	}
}

/* What the NIC the cable plugs into can take before its next poll. */
static unsigned real_wire_room(void *arg)
{
	const struct real_wire *w = arg;
	return physnic_rx_room(w->nic);
}

/* The NIC transmits a finished frame onto the host's cable. */
static int real_wire_tx(void *arg, const uint8_t *frame, uint32_t len)
{
	return tap_send_frame(arg, frame, len);
}

/* Tell an endpoint's adapter the multicast groups its kernel joined for
 * IPv6: all-nodes and the solicited-node groups of its addresses. */
static void real_add_ipv6_groups(struct netdev *vm, const uint8_t mac[6], const struct topo_addr *a)
{
	uint8_t all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
	/* The link-local address is EUI-64 from the MAC: its last three bytes
	 * are the MAC's last three. */
	uint8_t sn_ll[6] = {0x33, 0x33, 0xff, mac[3], mac[4], mac[5]};
	netdev_mc_add(vm, all_nodes);
	netdev_mc_add(vm, sn_ll);
	if (a->has_ip6) {
		uint8_t sn_global[6] = {0x33, 0x33, 0xff, a->ip6[13], a->ip6[14], a->ip6[15]};
		netdev_mc_add(vm, sn_global);
	}
}

/* fd < 0: open the kernel's TAP; else adopt fd (real_create_on), which is
 * taken whatever happens. */
static int real_add_tap(struct real *r, const struct lab_link *l, int fd, char *err, size_t err_size)
{
	struct topo *t = r->topo;
	struct topo_dev *td = topo_find_dev(t, l->attach);
	if (!td || !td->is_adapter) {
		snprintf(err, err_size, "endpoint %s: no adapter %s in the topology", l->ep.name,
			 l->attach);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct netdev *vm = td->dev;
	struct tap_config tc = {
		.kind = TAP_KIND_TUN,
		.name = l->dev,
		.netns = r->lab->ns[l->ns].name,
		.ifname = l->ifname,
		.mac = vm->mac,
		.mtu = vm->mtu,
		.offloads = tap_offloads_from_features(vm->features),
		/* The partition kernel's packets are its partition's memory,
		 * so its ibmveth can map them as it maps its stack's. */
		.pool = vm->pool,
		.loop = t->loop,
		.adopt_fd = fd >= 0,
		.fd = fd,
	};
	struct real_tap *rt = &r->taps[r->n_taps];
	rt->tap = tap_create(&tc, err, err_size);
	if (!rt->tap)
		return -1;
	rt->link = l;
	rt->adapter = vm;
	rt->offloads = tc.offloads;
	r->n_taps++;
	netdev_set_rx_handler(rt->tap, real_tap_rx, vm);
	netdev_set_rx_handler(vm, real_vm_rx, rt->tap);
	real_add_ipv6_groups(vm, vm->mac, &l->ep.addr);
	return 0;
}

/* A port of switch s for a host's cable, named after the switch and the
 * host ("lan.host-x"), a plain NIC as topo.c makes the switch's others. */
static struct netdev *real_switch_port(struct real *r, const struct lab_link *l, struct br **sw,
				       char *err, size_t err_size)
{
	struct topo *t = r->topo;
	int s = topo_desc_find_switch(t->desc, l->attach);
	if (s < 0 || !t->switch_pools[s] || !t->brs[t->desc->n_bridges + (unsigned)s]) {
		snprintf(err, err_size, "host %s: no switch %s in the topology",
			 r->lab->ns[l->ns].owner, l->attach);
		return NULL;
	}
	*sw = t->brs[t->desc->n_bridges + (unsigned)s];
	char name[TOPO_NAME_MAX];
	snprintf(name, sizeof(name), "%.16s.%.14s", l->attach, r->lab->ns[l->ns].owner);
	for (unsigned k = 2; topo_find_dev(t, name); k++)
		snprintf(name, sizeof(name), "%.16s.%.10s%u", l->attach, r->lab->ns[l->ns].owner, k);
	struct physnic_config pc;
	physnic_config_init_plain(&pc);
	pc.mtu = 65535 - 14 - 4; /* a switch port takes whatever the NICs send */
	pc.mac[0] = 0x02;
	pc.mac[1] = 0x60;
	pc.mac[3] = (uint8_t)s;
	pc.mac[5] = (uint8_t)r->n_wires;
	struct netdev *port = physnic_create(name, t->switch_pools[s], t->loop, &pc);
	if (!port) {
		snprintf(err, err_size, "cannot create port %s of switch %s", name, l->attach);
		return NULL;
	}
	if (netdev_open(port) || br_add_port(*sw, port, NULL) < 0) {
		snprintf(err, err_size, "cannot add port %s to switch %s", name, l->attach);
		netdev_free(port);
		return NULL;
	}
	return port;
}

/* fd as real_add_tap's. */
static int real_add_wire(struct real *r, const struct lab_link *l, int fd, char *err, size_t err_size)
{
	struct topo *t = r->topo;
	struct real_wire *w = &r->wires[r->n_wires];
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->link = l;
	if (l->attach_switch) {
		w->nic = real_switch_port(r, l, &w->sw, err, err_size);
		if (!w->nic) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
	} else {
		struct topo_dev *td = topo_find_dev(t, l->attach);
		if (!td || td->kind != TOPO_DEV_NIC) {
			snprintf(err, err_size, "host %s: no NIC %s in the topology",
				 r->lab->ns[l->ns].owner, l->attach);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		w->nic = td->dev;
	}
	/* Receive sizing: the cable's MTU (the host NIC's, or the run's
	 * override), or the IO NIC's when that is larger. */
	unsigned mtu = t->cfg.mtu ? t->cfg.mtu : l->mtu;
	if (!l->attach_switch && w->nic->mtu > mtu)
		mtu = w->nic->mtu;
	struct tap_config wc = {
		.kind = TAP_KIND_PACKET,
		.name = l->dev,
		.netns = r->lab->ns[r->lab->io_ns].name,
		.ifname = l->io_ifname,
		.mtu = mtu,
		.wire = true,
		/* frames land in the NIC's memory (its DMA), cut there too */
		.pool = w->nic->pool,
		.wire_room = real_wire_room,
		.wire_room_arg = w,
		.loop = t->loop,
		.adopt_fd = fd >= 0,
		.fd = fd,
	};
	w->wire = tap_create(&wc, err, err_size);
	if (!w->wire) {
		if (w->sw) {
			br_del_port(w->sw, w->nic);
			netdev_free(w->nic);
		}
		return -1;
	}
	r->n_wires++;
	netdev_set_rx_handler(w->wire, real_wire_rx, w);
	physnic_set_wire(w->nic, real_wire_tx, w->wire);
	return 0;
}

/* real_create and real_create_on: fds NULL opens the kernels' devices;
 * else link i of the lab adopts fds[i] (n_fds of them), each taken whatever
 * happens. */
static struct real *real_glue(struct topo *t, const struct lab *lab, const int *fds, unsigned n_fds,
			      char *err, size_t err_size)
{
	unsigned fd_next = 0; /* fds[fd_next..] are still ours to close on failure */
	struct real *r = NULL;
	if (!t->cfg.real) {
		snprintf(err, err_size, "the topology was not built for real traffic (cfg.real)");
		goto fail;
	}
	if (fds && n_fds != lab->n_links) {
		snprintf(err, err_size, "%u fds for %u links", n_fds, lab->n_links);
		goto fail;
	}
	if (lab->io_ns < 0) {
		for (unsigned i = 0; i < lab->n_links; i++)
			if (lab->links[i].kind == LAB_LINK_WIRE) {
				snprintf(err, err_size, "the lab has wires but no IO namespace");
				goto fail;
			}
	}
	r = calloc(1, sizeof(*r));
	if (r) {
		r->taps = calloc(lab->n_links + 1, sizeof(*r->taps));
		r->wires = calloc(lab->n_links + 1, sizeof(*r->wires));
	}
	if (!r || !r->taps || !r->wires) {
		if (r) {
			free(r->taps);
			free(r->wires);
		}
		free(r);
		r = NULL;
		snprintf(err, err_size, "out of memory");
		goto fail;
	}
	r->topo = t;
	r->lab = lab;
	for (unsigned i = 0; i < lab->n_links; i++) {
		const struct lab_link *l = &lab->links[i];
		int fd = fds ? fds[i] : -1;
		fd_next = i + 1; /* real_add_* take fds[i], success or not */
		int rc = l->kind == LAB_LINK_TAP ? real_add_tap(r, l, fd, err, err_size)
						 : real_add_wire(r, l, fd, err, err_size);
		if (rc < 0)
			goto fail;
	}
	/* Bridge ports are promiscuous (br_add_if and OVS's ovs_netdev_link
	 * call dev_set_promiscuity), so trunks take every multicast frame —
	 * ND needs that. Idempotent if the bridge did it already. */
	for (unsigned b = 0; b < t->desc->n_bridges; b++)
		for (unsigned p = 0; p < t->desc->bridges[b].n_ports; p++) {
			struct topo_dev *td = topo_find_dev(t, t->desc->bridges[b].ports[p].dev);
			if (td && td->is_adapter)
				netdev_set_promisc(td->dev, true);
		}
	return r;
fail:
	real_destroy(r);
	for (unsigned i = fd_next; fds && i < n_fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return NULL;
}

/* real_create: see real.h. */
struct real *real_create(struct topo *t, const struct lab *lab, char *err, size_t err_size)
{
	return real_glue(t, lab, NULL, 0, err, err_size);
}

/* real_create_on: see real.h. */
struct real *real_create_on(struct topo *t, const struct lab *lab, const int *fds, unsigned n_fds,
			    char *err, size_t err_size)
{
	return real_glue(t, lab, fds, n_fds, err, err_size);
}

/* real_destroy: see real.h. */
void real_destroy(struct real *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n_wires; i++) {
		struct real_wire *w = &r->wires[i];
		physnic_set_wire(w->nic, NULL, NULL);
		netdev_free(w->wire);
		if (w->sw) {
			br_del_port(w->sw, w->nic);
			netdev_free(w->nic);
		}
	}
	for (unsigned i = 0; i < r->n_taps; i++) {
		netdev_set_rx_handler(r->taps[i].adapter, NULL, NULL);
		netdev_free(r->taps[i].tap);
	}
	free(r->taps);
	free(r->wires);
	free(r);
}

struct real_visit {
	topo_counter_fn *fn;
	void *arg;
	const char *obj;
};

static void real_visit_one(void *arg, const struct counter_desc *d, uint64_t v)
{
	struct real_visit *rv = arg;
	rv->fn(rv->arg, rv->obj, d, v);
}

static void real_visit_dev(struct netdev *dev, topo_counter_fn *fn, void *arg)
{
	struct real_visit rv = {fn, arg, dev->name};
	netdev_for_each_counter(dev, real_visit_one, &rv);
}

/* real_for_each_counter: see real.h. Order: TAPs, wires, switch ports made
 * for hosts. */
void real_for_each_counter(const struct real *r, topo_counter_fn *fn, void *arg)
{
	for (unsigned i = 0; i < r->n_taps; i++)
		real_visit_dev(r->taps[i].tap, fn, arg);
	for (unsigned i = 0; i < r->n_wires; i++)
		real_visit_dev(r->wires[i].wire, fn, arg);
	for (unsigned i = 0; i < r->n_wires; i++)
		if (r->wires[i].sw)
			real_visit_dev(r->wires[i].nic, fn, arg);
}
