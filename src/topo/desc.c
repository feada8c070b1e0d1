/*
 * desc.c — the topology model (see desc.h): a new description with its
 * defaults, lookups by name, completion of what depends on the whole
 * description (made-up MACs, far ends of cables, flow names, event order),
 * and topo_desc_check, which finds what PowerVM (or illan) would refuse or
 * silently not carry, each finding naming the place in the file.
 *
 * Serves the topology file loader (topofile.c), the builder (topo.c), the
 * drawings (draw.c) and `illan topo check`. docs/topology.md lists every
 * finding and the PowerVM facts behind it.
 */
#include "desc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv/ibmveth/ibmveth.h"

/* Linux interface names hold 15 characters (IFNAMSIZ - 1). */
#define DESC_IFNAME_MAX 15
#define DESC_FLOW_PORT_BASE 5001

/* ---- New, free, defaults -------------------------------------------------- */

/* topo_desc_new: see desc.h. */
struct topo_desc *topo_desc_new(void)
{
	struct topo_desc *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->parts = calloc(TOPO_MAX_PARTS, sizeof(*d->parts));
	if (!d->parts) {
		free(d);
		return NULL;
	}
	d->mtu = 1500;
	d->bytes = 128ull << 20;
	d->reply_bytes = 4ull << 20;
	d->seed = 1;
	snprintf(d->vswitches[0].name, TOPO_NAME_MAX, "ETHERNET0");
	d->vswitches[0].mode = TOPO_VSW_VEPA;
	d->n_vswitches = 1;
	return d;
}

/* topo_desc_free: see desc.h. */
void topo_desc_free(struct topo_desc *d)
{
	if (!d)
		return;
	free(d->parts);
	free(d);
}

/* topo_desc_default_adapter: see desc.h. */
void topo_desc_default_adapter(const struct topo_desc *d, struct topo_adapter *a)
{
	memset(a, 0, sizeof(*a));
	a->pvid = 1;
	a->csum_offload = true;
	a->large_send = true;
	a->mtu = d->mtu;
	a->mcast_filter_size = 256;
	snprintf(a->driver.kind, TOPO_NAME_MAX, "illan");
	a->driver.fixes = IBMVETH_FIX_ALL;
	a->ep.addr.prefix4 = 24;
	a->ep.addr.prefix6 = 64;
}

/* topo_desc_default_nic: see desc.h. */
void topo_desc_default_nic(const struct topo_desc *d, struct topo_nic *n, bool in_host)
{
	memset(n, 0, sizeof(*n));
	n->in_host = in_host;
	n->gro = n->tso = n->tx_csum = n->rx_csum = !in_host;
	n->mtu = d->mtu;
}

/* topo_desc_default_container: see desc.h. */
void topo_desc_default_container(const struct topo_desc *d, struct topo_container *c)
{
	memset(c, 0, sizeof(*c));
	c->mtu = d->mtu;
	c->ep.addr.prefix4 = 24;
	c->ep.addr.prefix6 = 64;
}

/* topo_desc_default_flow: see desc.h. */
void topo_desc_default_flow(const struct topo_desc *d, struct topo_flow *f, unsigned index)
{
	memset(f, 0, sizeof(*f));
	f->bytes = d->bytes;
	f->reply_bytes = d->reply_bytes;
	f->port = (uint16_t)(DESC_FLOW_PORT_BASE + index);
}

/* ---- Lookups --------------------------------------------------------------- */

/* topo_desc_find_part: see desc.h. */
int topo_desc_find_part(const struct topo_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_parts; i++)
		if (strcmp(d->parts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* topo_desc_find_adapter: see desc.h. */
int topo_desc_find_adapter(const struct topo_desc *d, const char *name, unsigned *part)
{
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++)
			if (strcmp(d->parts[p].adapters[i].name, name) == 0) {
				if (part)
					*part = p;
				return (int)i;
			}
	return -1;
}

/* topo_desc_find_nic: see desc.h. */
int topo_desc_find_nic(const struct topo_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_nics; i++)
		if (strcmp(d->nics[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* topo_desc_find_host: see desc.h. */
int topo_desc_find_host(const struct topo_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_hosts; i++)
		if (strcmp(d->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* topo_desc_find_vswitch: see desc.h. */
int topo_desc_find_vswitch(const struct topo_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_vswitches; i++)
		if (strcmp(d->vswitches[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* topo_desc_find_switch: see desc.h. */
int topo_desc_find_switch(const struct topo_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_switches; i++)
		if (strcmp(d->switches[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* topo_desc_find_container: see desc.h. */
int topo_desc_find_container(const struct topo_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_containers; i++)
		if (strcmp(d->containers[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* topo_desc_find_bridge: see desc.h. */
int topo_desc_find_bridge(const struct topo_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_bridges; i++)
		if (strcmp(d->bridges[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* topo_desc_find_endpoint: see desc.h. */
int topo_desc_find_endpoint(const struct topo_desc *d, const char *name, struct topo_ep_ref *ref)
{
	struct topo_ep_ref r;
	memset(&r, 0, sizeof(r));
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
			const struct topo_adapter *a = &d->parts[p].adapters[i];
			if (a->ep.present && strcmp(a->ep.name, name) == 0) {
				r = (struct topo_ep_ref){TOPO_EPK_ADAPTER, p,      i,
							 &a->ep,           a->mac, a->mtu};
				goto found;
			}
		}
	for (unsigned h = 0; h < d->n_hosts; h++) {
		const struct topo_host *ho = &d->hosts[h];
		if (ho->ep.present && strcmp(ho->ep.name, name) == 0 && ho->nic < d->n_nics) {
			const struct topo_nic *n = &d->nics[ho->nic];
			r = (struct topo_ep_ref){TOPO_EPK_HOST, 0, h, &ho->ep, n->mac, n->mtu};
			goto found;
		}
	}
	for (unsigned c = 0; c < d->n_containers; c++) {
		const struct topo_container *co = &d->containers[c];
		if (co->ep.present && strcmp(co->ep.name, name) == 0) {
			r = (struct topo_ep_ref){
				TOPO_EPK_CONTAINER, co->partition, c, &co->ep, co->mac, co->mtu};
			goto found;
		}
	}
	return -1;
found:
	if (ref)
		*ref = r;
	return 0;
}

/* topo_desc_adapter_on_vlan: see desc.h. */
bool topo_desc_adapter_on_vlan(const struct topo_adapter *a, uint16_t vid)
{
	if (a->pvid == vid)
		return true;
	for (unsigned i = 0; i < a->n_vids && i < TOPO_MAX_VIDS; i++)
		if (a->vids[i] == vid)
			return true;
	return false;
}

/* topo_desc_active_trunk: see desc.h. */
bool topo_desc_active_trunk(const struct topo_desc *d, unsigned vsw, uint16_t vid, unsigned *part,
			    unsigned *adapter)
{
	const struct topo_adapter *best = NULL;
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
			const struct topo_adapter *a = &d->parts[p].adapters[i];
			if (!a->trunk_priority || a->vswitch != vsw ||
			    !topo_desc_adapter_on_vlan(a, vid))
				continue;
			if (!best || a->trunk_priority < best->trunk_priority) {
				best = a;
				if (part)
					*part = p;
				if (adapter)
					*adapter = i;
			}
		}
	return best != NULL;
}

/* topo_desc_format_mac: see desc.h. */
void topo_desc_format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* ---- Completion ------------------------------------------------------------ */

static bool mac_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];
	return memcmp(mac, zero, 6) == 0;
}

/* Visit every device MAC of d (adapters, NICs, containers). */
#define DESC_MAX_MACS (TOPO_MAX_PARTS * TOPO_MAX_ADAPTERS + TOPO_MAX_NICS + TOPO_MAX_CONTAINERS)

static unsigned desc_macs(struct topo_desc *d, uint8_t **macs)
{
	unsigned n = 0;
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++)
			macs[n++] = d->parts[p].adapters[i].mac;
	for (unsigned i = 0; i < d->n_nics; i++)
		macs[n++] = d->nics[i].mac;
	for (unsigned i = 0; i < d->n_containers; i++)
		macs[n++] = d->containers[i].mac;
	return n;
}

/* Made-up MACs: locally administered unicast 02:1a:7a:xx:xx:xx, counting up
 * from 1 in declaration order, skipping any MAC already in use. */
static void desc_fill_macs(struct topo_desc *d)
{
	uint8_t **macs = malloc(DESC_MAX_MACS * sizeof(*macs));
	if (!macs)
		return;
	unsigned n = desc_macs(d, macs);
	uint32_t next = 1;
	for (unsigned i = 0; i < n; i++) {
		if (!mac_zero(macs[i]))
			continue;
		for (;;) {
			uint8_t cand[6] = {0x02,
					   0x1a,
					   0x7a,
					   (uint8_t)(next >> 16),
					   (uint8_t)(next >> 8),
					   (uint8_t)next};
			next++;
			bool used = false;
			for (unsigned j = 0; j < n && !used; j++)
				used = memcmp(macs[j], cand, 6) == 0;
			if (!used) {
				memcpy(macs[i], cand, 6);
				break;
			}
		}
	}
	free(macs);
}

static void desc_fill_display(struct topo_endpoint *ep)
{
	if (ep->present && !ep->display[0])
		memcpy(ep->display, ep->name, sizeof(ep->display));
}

/* topo_desc_complete: see desc.h. */
void topo_desc_complete(struct topo_desc *d)
{
	desc_fill_macs(d);
	for (unsigned i = 0; i < d->n_nics; i++) {
		int m = topo_desc_find_nic(d, d->nics[i].peer);
		if (m >= 0 && (unsigned)m != i && !d->nics[m].peer[0])
			memcpy(d->nics[m].peer, d->nics[i].name, TOPO_NAME_MAX);
	}
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++)
			desc_fill_display(&d->parts[p].adapters[i].ep);
	for (unsigned h = 0; h < d->n_hosts; h++)
		desc_fill_display(&d->hosts[h].ep);
	for (unsigned c = 0; c < d->n_containers; c++) {
		struct topo_container *co = &d->containers[c];
		desc_fill_display(&co->ep);
		if (!co->veth[0])
			snprintf(co->veth, TOPO_NAME_MAX, "veth-%.26s", co->name);
	}
	for (unsigned f = 0; f < d->n_flows; f++) {
		struct topo_flow *fl = &d->flows[f];
		if (!fl->port)
			fl->port = (uint16_t)(DESC_FLOW_PORT_BASE + f);
		if (fl->name[0])
			continue;
		for (unsigned k = 1;; k++) {
			if (k == 1)
				snprintf(fl->name, sizeof(fl->name), "%s->%s", fl->from, fl->to);
			else
				snprintf(fl->name, sizeof(fl->name), "%s->%s/%u", fl->from, fl->to,
					 k);
			bool taken = false;
			for (unsigned g = 0; g < d->n_flows && !taken; g++)
				taken = g != f && strcmp(d->flows[g].name, fl->name) == 0;
			if (!taken)
				break;
		}
	}
	/* Stable insertion sort: few events, file order kept for equal times. */
	for (unsigned i = 1; i < d->n_events; i++) {
		struct topo_event e = d->events[i];
		unsigned j = i;
		while (j > 0 && d->events[j - 1].at_ns > e.at_ns) {
			d->events[j] = d->events[j - 1];
			j--;
		}
		d->events[j] = e;
	}
}

/* ---- Diagnostics ------------------------------------------------------------ */

struct chk {
	const struct topo_desc *d;
	struct topo_diag *diags;
	unsigned n, cap;
	unsigned total;
	unsigned errors;
};

static struct topo_src pick(struct topo_src field, struct topo_src obj)
{
	return field.line ? field : obj;
}

__attribute__((format(printf, 4, 5))) static void chk_add(struct chk *c, bool error,
							  struct topo_src src, const char *fmt, ...)
{
	c->total++;
	if (error)
		c->errors++;
	if (c->n == c->cap) {
		unsigned cap = c->cap ? 2 * c->cap : 64;
		struct topo_diag *nd = realloc(c->diags, cap * sizeof(*nd));
		if (!nd)
			return;
		c->diags = nd;
		c->cap = cap;
	}
	struct topo_diag *g = &c->diags[c->n++];
	memset(g, 0, sizeof(*g));
	g->error = error;
	g->src = src;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

/* Findings about the whole file name no place. */
static const struct topo_src desc_nowhere;

#define ERR(c, src, ...) chk_add((c), true, (src), __VA_ARGS__)
#define WARN(c, src, ...) chk_add((c), false, (src), __VA_ARGS__)

/* topo_desc_format_time: see desc.h. */
void topo_desc_format_time(uint64_t ns, char *buf, size_t size)
{
	const uint64_t sec = 1000000000, msec = 1000000, usec = 1000;
	if (ns == 0)
		snprintf(buf, size, "0s");
	else if (ns % sec == 0)
		snprintf(buf, size, "%" PRIu64 "s", ns / sec);
	else if (ns % msec == 0 && ns < sec)
		snprintf(buf, size, "%" PRIu64 "ms", ns / msec);
	else if (ns % msec == 0)
		snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 "s", ns / sec, ns % sec / msec);
	else if (ns % usec == 0)
		snprintf(buf, size, "%" PRIu64 "us", ns / usec);
	else
		snprintf(buf, size, "%" PRIu64 "ns", ns);
}

/* ---- Names ---------------------------------------------------------------- */

/* A name in one namespace, for duplicate detection. */
struct chk_name {
	const char *name;
	const char *what; /* "partition", "adapter", ... */
	struct topo_src src;
};

static int chk_name_cmp(const void *a, const void *b)
{
	const struct chk_name *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	if (r)
		return r;
	if (x->src.line != y->src.line)
		return x->src.line < y->src.line ? -1 : 1;
	return x->src.col < y->src.col ? -1 : x->src.col > y->src.col;
}

/* Report every name of names[0..n) used twice; the second one is the error. */
static void chk_unique(struct chk *c, struct chk_name *names, unsigned n, const char *space)
{
	qsort(names, n, sizeof(*names), chk_name_cmp);
	for (unsigned i = 1; i < n; i++)
		if (names[i].name[0] && strcmp(names[i].name, names[i - 1].name) == 0)
			ERR(c, names[i].src, "%s %s: the name is taken by %s %s (line %u); %s",
			    names[i].what, names[i].name, names[i - 1].what, names[i - 1].name,
			    names[i - 1].src.line, space);
}

static void chk_name_chars(struct chk *c, const char *what, const char *name, struct topo_src src,
			   bool ifname)
{
	if (!name[0]) {
		ERR(c, src, "%s without a name", what);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			ERR(c, src, "%s name contains a control character", what);
			return;
		}
		if (ifname && (*p == '/' || *p == ':' || *p == ' ')) {
			ERR(c, src,
			    "%s %s: Linux does not allow '/', ':' or spaces in interface names",
			    what, name);
			return;
		}
	}
	if (ifname && strlen(name) > DESC_IFNAME_MAX)
		WARN(c, src,
		     "%s %s: the name is longer than %d characters, Linux's limit for interface "
		     "names (IFNAMSIZ): real mode cannot create it as named",
		     what, name, DESC_IFNAME_MAX);
}

static void chk_names(struct chk *c)
{
	const struct topo_desc *d = c->d;
	unsigned cap = TOPO_MAX_PARTS * (TOPO_MAX_ADAPTERS + 1) + TOPO_MAX_NICS + TOPO_MAX_BRIDGES +
		       TOPO_MAX_SWITCHES + 2 * TOPO_MAX_CONTAINERS + TOPO_MAX_HOSTS +
		       TOPO_MAX_FLOWS + TOPO_MAX_VSWITCHES;
	struct chk_name *names = malloc(cap * sizeof(*names));
	if (!names)
		return;
	unsigned n;

	/* Machines: partitions, hosts and containers. */
	n = 0;
	for (unsigned p = 0; p < d->n_parts; p++) {
		chk_name_chars(c, "partition", d->parts[p].name, d->parts[p].src, false);
		names[n++] = (struct chk_name){d->parts[p].name, "partition", d->parts[p].src};
	}
	for (unsigned h = 0; h < d->n_hosts; h++) {
		chk_name_chars(c, "host", d->hosts[h].name, d->hosts[h].src, false);
		names[n++] = (struct chk_name){d->hosts[h].name, "host", d->hosts[h].src};
	}
	for (unsigned i = 0; i < d->n_containers; i++) {
		chk_name_chars(c, "container", d->containers[i].name, d->containers[i].src, false);
		names[n++] =
			(struct chk_name){d->containers[i].name, "container", d->containers[i].src};
	}
	chk_unique(c, names, n, "partitions, hosts and containers need names of their own");

	/* Devices: one namespace, as netdev names in one system. */
	n = 0;
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
			const struct topo_adapter *a = &d->parts[p].adapters[i];
			chk_name_chars(c, "adapter", a->name, a->src, true);
			names[n++] = (struct chk_name){a->name, "adapter", a->src};
		}
	for (unsigned i = 0; i < d->n_nics; i++) {
		chk_name_chars(c, "NIC", d->nics[i].name, d->nics[i].src, true);
		names[n++] = (struct chk_name){d->nics[i].name, "NIC", d->nics[i].src};
	}
	for (unsigned i = 0; i < d->n_bridges; i++) {
		chk_name_chars(c, "bridge", d->bridges[i].name, d->bridges[i].src, true);
		names[n++] = (struct chk_name){d->bridges[i].name, "bridge", d->bridges[i].src};
	}
	for (unsigned i = 0; i < d->n_switches; i++) {
		chk_name_chars(c, "switch", d->switches[i].name, d->switches[i].src, false);
		names[n++] = (struct chk_name){d->switches[i].name, "switch", d->switches[i].src};
	}
	for (unsigned i = 0; i < d->n_containers; i++) {
		chk_name_chars(c, "veth", d->containers[i].veth, d->containers[i].src, true);
		names[n++] = (struct chk_name){d->containers[i].veth, "veth", d->containers[i].src};
	}
	chk_unique(c, names, n,
		   "adapters, NICs, bridges, switches and veths are devices of one system and "
		   "need names of their own");

	/* Endpoints. */
	n = 0;
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
			const struct topo_endpoint *ep = &d->parts[p].adapters[i].ep;
			if (ep->present)
				names[n++] = (struct chk_name){ep->name, "endpoint", ep->src};
		}
	for (unsigned h = 0; h < d->n_hosts; h++)
		if (d->hosts[h].ep.present)
			names[n++] = (struct chk_name){d->hosts[h].ep.name, "endpoint",
						       d->hosts[h].ep.src};
	for (unsigned i = 0; i < d->n_containers; i++)
		if (d->containers[i].ep.present)
			names[n++] = (struct chk_name){d->containers[i].ep.name, "endpoint",
						       d->containers[i].ep.src};
	for (unsigned i = 0; i < n; i++)
		chk_name_chars(c, "endpoint", names[i].name, names[i].src, false);
	chk_unique(c, names, n, "flows name endpoints, so each needs a name of its own");

	n = 0;
	for (unsigned i = 0; i < d->n_vswitches; i++) {
		chk_name_chars(c, "vswitch", d->vswitches[i].name, d->vswitches[i].src, false);
		names[n++] = (struct chk_name){d->vswitches[i].name, "vswitch", d->vswitches[i].src};
	}
	chk_unique(c, names, n, "adapters name their vswitch, so each needs a name of its own");

	n = 0;
	for (unsigned i = 0; i < d->n_flows; i++)
		names[n++] = (struct chk_name){d->flows[i].name, "flow", d->flows[i].src};
	chk_unique(c, names, n, "reports name flows, so each needs a name of its own");
	free(names);
}

/* ---- Adapters, VLANs, trunks -------------------------------------------- */

static bool vid_ok(unsigned vid)
{
	return vid >= 1 && vid <= TOPO_VID_MAX;
}

static void chk_mtu(struct chk *c, const char *what, const char *name, unsigned mtu,
		    struct topo_src src)
{
	if (mtu < TOPO_MTU_MIN || mtu > TOPO_MTU_MAX)
		ERR(c, src,
		    "%s %s: MTU %u: illan allows %u–%u (the virtual Ethernet carries frames up "
		    "to 65408 bytes)",
		    what, name, mtu, TOPO_MTU_MIN, TOPO_MTU_MAX);
}

static void chk_mac(struct chk *c, const char *what, const char *name, const uint8_t mac[6],
		    struct topo_src src)
{
	char m[18];
	topo_desc_format_mac(mac, m);
	if (mac_zero(mac))
		ERR(c, src, "%s %s: MAC %s: a device needs a nonzero MAC", what, name, m);
	else if (mac[0] & 1)
		ERR(c, src,
		    "%s %s: MAC %s is a group (multicast) address: a device's MAC must be unicast "
		    "(the first octet even)",
		    what, name, m);
}

static void chk_endpoint_addr(struct chk *c, const struct topo_endpoint *ep, unsigned mtu)
{
	if (!ep->present)
		return;
	const struct topo_addr *ad = &ep->addr;
	if (!ad->has_ip4 && !ad->has_ip6)
		ERR(c, ep->src, "endpoint %s has no address: give it ipv4, ipv6 or both", ep->name);
	if (ad->has_ip4) {
		if (ad->prefix4 < 1 || ad->prefix4 > 32)
			ERR(c, pick(ad->src_ip4, ep->src),
			    "endpoint %s: IPv4 prefix /%u: expected 1–32", ep->name, ad->prefix4);
		else if (ad->prefix4 <= 30) {
			uint32_t a = (uint32_t)ad->ip4[0] << 24 | (uint32_t)ad->ip4[1] << 16 |
				     (uint32_t)ad->ip4[2] << 8 | ad->ip4[3];
			uint32_t host = a & (0xffffffffu >> ad->prefix4);
			if (host == 0 || host == (0xffffffffu >> ad->prefix4))
				WARN(c, pick(ad->src_ip4, ep->src),
				     "endpoint %s: %u.%u.%u.%u/%u is the %s address of its subnet",
				     ep->name, ad->ip4[0], ad->ip4[1], ad->ip4[2], ad->ip4[3],
				     ad->prefix4, host ? "broadcast" : "network");
		}
		if (ad->ip4[0] == 0 || ad->ip4[0] == 127 || ad->ip4[0] >= 224)
			ERR(c, pick(ad->src_ip4, ep->src),
			    "endpoint %s: %u.%u.%u.%u is not a unicast host address", ep->name,
			    ad->ip4[0], ad->ip4[1], ad->ip4[2], ad->ip4[3]);
	}
	if (ad->has_ip6) {
		static const uint8_t zero[16];
		if (ad->prefix6 < 1 || ad->prefix6 > 128)
			ERR(c, pick(ad->src_ip6, ep->src),
			    "endpoint %s: IPv6 prefix /%u: expected 1–128", ep->name, ad->prefix6);
		if (ad->ip6[0] == 0xff || memcmp(ad->ip6, zero, 16) == 0 ||
		    (memcmp(ad->ip6, zero, 15) == 0 && ad->ip6[15] == 1))
			ERR(c, pick(ad->src_ip6, ep->src),
			    "endpoint %s: the IPv6 address is not a unicast host address", ep->name);
		if (mtu < 1280)
			WARN(c, pick(ad->src_ip6, ep->src),
			     "endpoint %s: its device's MTU %u is below 1280, the least IPv6 needs "
			     "(RFC 8200)",
			     ep->name, mtu);
	}
}

static void chk_driver(struct chk *c, const struct topo_adapter *a)
{
	enum ibmveth_gen gen = IBMVETH_GEN_DEFAULT;
	bool kernel = strncmp(a->driver.kind, "kernel-", 7) == 0;
	if (!a->driver.kind[0])
		ERR(c, a->src, "adapter %s: driver without a kind", a->name);
	else if (!kernel && ibmveth_parse_gen(a->driver.kind, &gen) != 0)
		ERR(c, a->src,
		    "adapter %s: driver '%s': expected illan, a generation (v4.13, v4.15, v5.10, "
		    "v6.1, current) or kernel-VERSION",
		    a->name, a->driver.kind);
	else if (!kernel && a->driver.fixes_set && strcmp(a->driver.kind, "illan") != 0 &&
		 gen != IBMVETH_GEN_V4_15)
		ERR(c, a->src,
		    "adapter %s: driver %s with fixes: the seed's fix switches are for driver "
		    "v4.15 (or illan), the other generations have their kernel's",
		    a->name, a->driver.kind);
	if (a->driver.fixes & ~(unsigned)IBMVETH_FIX_ALL)
		ERR(c, a->src, "adapter %s: driver fixes 0x%x: the seed's fixes are 1–4", a->name,
		    a->driver.fixes);
	/* only generation current posts several buffers per hcall ("ibmveth: Add
	 * multi buffers rx replenishment hcall support", 2025, after 6.12) */
	if (a->rx_multi_buff && (kernel || gen < IBMVETH_GEN_CURRENT))
		WARN(c, pick(a->src_rx_multi_buff, a->src),
		     "adapter %s: rx_multi_buff: driver %s posts one buffer per "
		     "H_ADD_LOGICAL_LAN_BUFFER call; only driver current uses the attribute",
		     a->name, a->driver.kind);
}

/* The HMC's MAC address controls: an allow list names 1–4 unicast MACs,
 * each once; on a trunk the policy governs MAC changes only (the hypervisor
 * never checks what a trunk forwards). */
static void chk_mac_policy(struct chk *c, const struct topo_adapter *a)
{
	struct topo_src ps = pick(a->src_mac_policy, a->src);
	if (a->mac_policy == TOPO_MAC_ALLOW_LIST && a->n_mac_allowed == 0)
		ERR(c, ps,
		    "adapter %s: mac_policy allows an empty list of MACs: write mac_policy: deny",
		    a->name);
	if (a->n_mac_allowed > TOPO_MAX_MAC_ALLOWED)
		ERR(c, ps, "adapter %s: %u allowed MACs: PowerVM allows up to %d", a->name,
		    a->n_mac_allowed, TOPO_MAX_MAC_ALLOWED);
	if (a->n_mac_allowed && a->mac_policy != TOPO_MAC_ALLOW_LIST)
		ERR(c, ps, "adapter %s: allowed MACs listed with a policy that is no allow list",
		    a->name);
	for (unsigned i = 0; i < a->n_mac_allowed && i < TOPO_MAX_MAC_ALLOWED; i++) {
		struct topo_src s = pick(a->src_mac_allowed[i], ps);
		chk_mac(c, "adapter", a->name, a->mac_allowed[i], s);
		for (unsigned j = 0; j < i; j++)
			if (memcmp(a->mac_allowed[j], a->mac_allowed[i], 6) == 0) {
				char m[18];
				topo_desc_format_mac(a->mac_allowed[i], m);
				ERR(c, s, "adapter %s: allowed MAC %s is listed twice", a->name, m);
				break;
			}
	}
	if (a->trunk_priority && a->mac_policy != TOPO_MAC_ALLOW_ALL)
		WARN(c, ps,
		     "adapter %s is a trunk: its MAC policy governs its own MAC changes only; the "
		     "frames it forwards carry other stations' MACs and are never checked",
		     a->name);
}

/* Adapter values on their own. */
static void chk_adapter(struct chk *c, const struct topo_partition *p, const struct topo_adapter *a)
{
	const struct topo_desc *d = c->d;
	if (a->vswitch >= d->n_vswitches)
		ERR(c, a->src, "adapter %s: vswitch %u does not exist", a->name, a->vswitch);
	if (!vid_ok(a->pvid))
		ERR(c, pick(a->src_pvid, a->src),
		    "adapter %s: VID %u: VIDs are 1–4094 (IEEE 802.1Q reserves 0 and 4095)",
		    a->name, a->pvid);
	if (a->n_vids > TOPO_MAX_VIDS)
		ERR(c, a->src, "adapter %s: %u additional VIDs: PowerVM allows up to %d", a->name,
		    a->n_vids, TOPO_MAX_VIDS);
	for (unsigned i = 0; i < a->n_vids && i < TOPO_MAX_VIDS; i++) {
		struct topo_src s = pick(a->src_vids[i], a->src);
		if (!vid_ok(a->vids[i])) {
			ERR(c, s,
			    "adapter %s: VID %u: VIDs are 1–4094 (IEEE 802.1Q reserves 0 and 4095)",
			    a->name, a->vids[i]);
			continue;
		}
		if (a->vids[i] == a->pvid)
			ERR(c, s,
			    "adapter %s: VID %u is its PVID and an additional VID: PowerVM refuses "
			    "an additional VID equal to the port VLAN ID",
			    a->name, a->vids[i]);
		for (unsigned j = 0; j < i; j++)
			if (a->vids[j] == a->vids[i]) {
				ERR(c, s, "adapter %s: additional VID %u is listed twice", a->name,
				    a->vids[i]);
				break;
			}
	}
	if (a->trunk_priority > TOPO_TRUNK_PRI_MAX)
		ERR(c, pick(a->src_trunk, a->src),
		    "adapter %s: trunk priority %u: PowerVM allows 1–15", a->name, a->trunk_priority);
	if (a->trunk_priority && p->role == TOPO_ROLE_CLIENT)
		ERR(c, pick(a->src_trunk, a->src),
		    "adapter %s is a trunk (priority %u) in client partition %s: PowerVM gives "
		    "trunk adapters (\"access external network\") only to IO servers; make %s "
		    "role: io-server or drop trunk_priority",
		    a->name, a->trunk_priority, p->name, p->name);
	chk_mac(c, "adapter", a->name, a->mac, pick(a->src_mac, a->src));
	chk_mtu(c, "adapter", a->name, a->mtu, pick(a->src_mtu, a->src));
	for (unsigned i = 0; i < 5; i++)
		if (a->pool_sizes[i] > TOPO_POOL_COUNT_MAX)
			ERR(c, a->src,
			    "adapter %s: receive pool %u of %u buffers: ibmveth allows up to %d per "
			    "pool",
			    a->name, i, a->pool_sizes[i], TOPO_POOL_COUNT_MAX);
	if (a->mcast_filter_size > 512)
		ERR(c, a->src,
		    "adapter %s: %u multicast filter slots: the filter list is one 4 KiB page, "
		    "512 entries",
		    a->name, a->mcast_filter_size);
	chk_mac_policy(c, a);
	chk_driver(c, a);
	if (a->ep.present) {
		chk_endpoint_addr(c, &a->ep, a->mtu);
		if (a->trunk_priority)
			WARN(c, a->ep.src,
			     "endpoint %s on trunk %s: a trunk carries other partitions' traffic to a "
			     "bridge and receives only frames no client takes; give %s's own address "
			     "a client adapter of its own, as a VIOS does",
			     a->ep.name, a->name, p->name);
	}
}

static void fmt_vlan(const struct topo_desc *d, unsigned vsw, unsigned vid, char *buf, size_t size)
{
	snprintf(buf, size, "VLAN %u of vswitch %s", vid,
		 vsw < d->n_vswitches ? d->vswitches[vsw].name : "?");
}

/* Adapters together: MACs per VLAN, trunk priorities per VLAN, MTUs per
 * VLAN, VLANs without an active trunk. */
static void chk_vlans(struct chk *c)
{
	const struct topo_desc *d = c->d;
	struct ad {
		const struct topo_adapter *a;
		const struct topo_partition *p;
	};
	unsigned total = 0;
	for (unsigned p = 0; p < d->n_parts; p++)
		total += d->parts[p].n_adapters;
	if (!total)
		return;
	struct ad *ads = malloc(total * sizeof(*ads));
	uint8_t *seen = calloc(TOPO_MAX_VSWITCHES, 4096 / 8);
	if (!ads || !seen)
		goto out;
	unsigned n = 0;
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++)
			ads[n++] = (struct ad){&d->parts[p].adapters[i], &d->parts[p]};

	char v[64], m[18];
	for (unsigned i = 0; i < n; i++) {
		const struct topo_adapter *a = ads[i].a;
		for (unsigned j = 0; j < i; j++) {
			const struct topo_adapter *b = ads[j].a;
			if (a->vswitch != b->vswitch)
				continue;
			/* One shared VLAN is enough for both findings. */
			int shared = -1;
			if (topo_desc_adapter_on_vlan(b, a->pvid))
				shared = a->pvid;
			for (unsigned k = 0; shared < 0 && k < a->n_vids && k < TOPO_MAX_VIDS; k++)
				if (topo_desc_adapter_on_vlan(b, a->vids[k]))
					shared = a->vids[k];
			if (shared < 0 || !vid_ok((unsigned)shared))
				continue;
			fmt_vlan(d, a->vswitch, (unsigned)shared, v, sizeof(v));
			if (memcmp(a->mac, b->mac, 6) == 0) {
				topo_desc_format_mac(a->mac, m);
				ERR(c, pick(a->src_mac, a->src),
				    "two adapters on %s share MAC %s: %s (line %u) and %s; the hypervisor "
				    "switches by MAC, so one of them would get the other's frames",
				    v, m, b->name, b->src.line, a->name);
			}
			if (a->trunk_priority && a->trunk_priority == b->trunk_priority) {
				/* Report each priority clash on its first shared VLAN
				 * with the same priority. */
				ERR(c, pick(a->src_trunk, a->src),
				    "trunks %s and %s both have priority %u on %s: PowerVM refuses two "
				    "trunks of one priority on a VLAN (the HMC says so); give the "
				    "standby priority %u",
				    b->name, a->name, a->trunk_priority, v,
				    a->trunk_priority < TOPO_TRUNK_PRI_MAX ? a->trunk_priority + 1
									   : 1);
			}
			if (a->mtu != b->mtu && !(a->trunk_priority && b->trunk_priority))
				WARN(c, pick(a->src_mtu, a->src),
				     "adapters on %s have different MTUs (%s %u, %s %u): frames longer "
				     "than the smaller MTU are dropped by the receiver",
				     v, b->name, b->mtu, a->name, a->mtu);
		}
	}

	/* VLANs of client adapters without a trunk; trunks outside bridges. */
	for (unsigned i = 0; i < n; i++) {
		const struct topo_adapter *a = ads[i].a;
		if (a->vswitch >= d->n_vswitches)
			continue;
		if (a->trunk_priority) {
			bool bridged = false;
			for (unsigned b = 0; b < d->n_bridges && !bridged; b++)
				for (unsigned q = 0; q < d->bridges[b].n_ports; q++)
					if (strcmp(d->bridges[b].ports[q].dev, a->name) == 0)
						bridged = true;
			if (!bridged)
				WARN(c, a->src,
				     "trunk %s is no bridge's port: frames it receives for external "
				     "destinations on VLAN %u go nowhere",
				     a->name, a->pvid);
			continue;
		}
		bool vepa = d->vswitches[a->vswitch].mode == TOPO_VSW_VEPA;
		for (unsigned k = 0; k <= a->n_vids && k <= TOPO_MAX_VIDS; k++) {
			unsigned vid = k == 0 ? a->pvid : a->vids[k - 1];
			if (!vid_ok(vid))
				continue;
			uint8_t *bit = &seen[a->vswitch * 512 + vid / 8];
			if (*bit & (1u << (vid % 8)))
				continue;
			*bit |= (uint8_t)(1u << (vid % 8));
			if (topo_desc_active_trunk(d, a->vswitch, (uint16_t)vid, NULL, NULL))
				continue;
			fmt_vlan(d, a->vswitch, vid, v, sizeof(v));
			if (vepa)
				WARN(c,
				     k ? pick(a->src_vids[k - 1], a->src) : pick(a->src_pvid, a->src),
				     "%s has no active trunk: in VEPA mode every frame a client sends "
				     "goes to the trunk, so all traffic on it is dropped (first client: "
				     "%s)",
				     v, a->name);
			else
				WARN(c,
				     k ? pick(a->src_vids[k - 1], a->src) : pick(a->src_pvid, a->src),
				     "%s has no active trunk: frames to external destinations on it "
				     "are dropped (first client: %s)",
				     v, a->name);
		}
	}
out:
	free(seen);
	free(ads);
}

/* ---- Partitions, bridges, NICs, hosts, containers ------------------------ */

/* What a device name in partition p is: 'a' adapter, 'n' NIC, 'v' veth, 0. */
static char part_device(const struct topo_desc *d, unsigned p, const char *name, unsigned *index)
{
	const struct topo_partition *pt = &d->parts[p];
	for (unsigned i = 0; i < pt->n_adapters; i++)
		if (strcmp(pt->adapters[i].name, name) == 0) {
			*index = i;
			return 'a';
		}
	for (unsigned i = 0; i < d->n_nics; i++)
		if (!d->nics[i].in_host && d->nics[i].owner == p &&
		    strcmp(d->nics[i].name, name) == 0) {
			*index = i;
			return 'n';
		}
	for (unsigned i = 0; i < d->n_containers; i++)
		if (d->containers[i].partition == p && strcmp(d->containers[i].veth, name) == 0) {
			*index = i;
			return 'v';
		}
	return 0;
}

/* Where a device named name lives, for "it is in partition X" hints. */
static const char *device_home(const struct topo_desc *d, const char *name)
{
	unsigned p;
	if (topo_desc_find_adapter(d, name, &p) >= 0)
		return d->parts[p].name;
	int n = topo_desc_find_nic(d, name);
	if (n >= 0)
		return d->nics[n].in_host ? d->hosts[d->nics[n].owner].name
					  : d->parts[d->nics[n].owner].name;
	for (unsigned i = 0; i < d->n_containers; i++)
		if (strcmp(d->containers[i].veth, name) == 0)
			return d->parts[d->containers[i].partition].name;
	return NULL;
}

static void chk_partitions(struct chk *c)
{
	const struct topo_desc *d = c->d;
	size_t need = ibmveth_lmem_needed();
	for (unsigned p = 0; p < d->n_parts; p++) {
		const struct topo_partition *pt = &d->parts[p];
		if (pt->n_adapters > TOPO_MAX_ADAPTERS) {
			ERR(c, pt->src, "partition %s: %u adapters: illan allows up to %d",
			    pt->name, pt->n_adapters, TOPO_MAX_ADAPTERS);
			continue;
		}
		for (unsigned i = 0; i < pt->n_adapters; i++)
			chk_adapter(c, pt, &pt->adapters[i]);
		if (pt->memory > TOPO_MEMORY_MAX)
			ERR(c, pt->src,
			    "partition %s: memory %" PRIu64 "M: illan allows up to 4G (ibmveth "
			    "descriptors carry 32-bit addresses)",
			    pt->name, pt->memory >> 20);
		else if (pt->memory && pt->memory < pt->n_adapters * need)
			ERR(c, pt->src,
			    "partition %s: memory %" PRIu64 "M is less than its %u adapter(s) need "
			    "(%zuM each for buffers, queues and lists)",
			    pt->name, pt->memory >> 20, pt->n_adapters,
			    (need + (1u << 20) - 1) >> 20);
		bool has_trunk = false, has_nic = false;
		for (unsigned i = 0; i < pt->n_adapters; i++)
			has_trunk |= pt->adapters[i].trunk_priority != 0;
		for (unsigned i = 0; i < d->n_nics; i++)
			has_nic |= !d->nics[i].in_host && d->nics[i].owner == p;
		if (pt->role == TOPO_ROLE_IO_SERVER && !has_trunk)
			WARN(c, pt->src,
			     "IO server %s has no trunk adapter: it bridges no VLAN to anything",
			     pt->name);
		if (!pt->n_adapters && !has_nic)
			WARN(c, pt->src, "partition %s has no adapter and no NIC: it is cut off",
			     pt->name);
	}
}

static void chk_bridges(struct chk *c)
{
	const struct topo_desc *d = c->d;
	for (unsigned b = 0; b < d->n_bridges; b++) {
		const struct topo_bridge *br = &d->bridges[b];
		if (br->partition >= d->n_parts) {
			ERR(c, br->src, "bridge %s: partition %u does not exist", br->name,
			    br->partition);
			continue;
		}
		const struct topo_partition *pt = &d->parts[br->partition];
		if (br->n_ports < 2)
			WARN(c, br->src, "bridge %s has %u port%s: it forwards nothing", br->name,
			     br->n_ports, br->n_ports == 1 ? "" : "s");
		for (unsigned q = 0; q < br->n_ports && q < TOPO_MAX_BR_PORTS; q++) {
			const struct topo_br_port *po = &br->ports[q];
			unsigned idx;
			char kind = part_device(d, br->partition, po->dev, &idx);
			if (!kind) {
				const char *home = device_home(d, po->dev);
				if (home)
					ERR(c, po->src,
					    "bridge port %s: no such device in partition %s (%s is in %s; a "
					    "bridge's ports are devices of its own partition)",
					    po->dev, pt->name, po->dev, home);
				else
					ERR(c, po->src,
					    "bridge port %s: no such device in partition %s",
					    po->dev, pt->name);
				continue;
			}
			for (unsigned r = 0; r < q; r++)
				if (strcmp(br->ports[r].dev, po->dev) == 0)
					ERR(c, po->src, "bridge %s lists port %s twice", br->name,
					    po->dev);
			for (unsigned b2 = 0; b2 < b; b2++)
				for (unsigned r = 0; r < d->bridges[b2].n_ports; r++)
					if (strcmp(d->bridges[b2].ports[r].dev, po->dev) == 0)
						ERR(c, po->src,
						    "device %s is a port of both %s and %s: a device belongs to "
						    "one bridge at most",
						    po->dev, d->bridges[b2].name, br->name);
			if (po->tag && !vid_ok(po->tag))
				ERR(c, po->src, "bridge port %s: tag %u: VIDs are 1–4094", po->dev,
				    po->tag);
			if (po->tag && po->n_trunks)
				ERR(c, po->src,
				    "bridge port %s has both tag and trunks: a port is an access port "
				    "(tag) or a trunk port (trunks)",
				    po->dev);
			for (unsigned k = 0; k < po->n_trunks && k < TOPO_MAX_VIDS; k++)
				if (!vid_ok(po->trunks[k]))
					ERR(c, po->src,
					    "bridge port %s: trunk VLAN %u: VIDs are 1–4094",
					    po->dev, po->trunks[k]);
			if (kind == 'a') {
				const struct topo_adapter *a = &pt->adapters[idx];
				if (a->ep.present)
					ERR(c, po->src,
					    "adapter %s carries endpoint %s and is a port of bridge %s: a "
					    "bridge port hands every frame to the bridge, so the endpoint's "
					    "stack would see none",
					    a->name, a->ep.name, br->name);
				if (!a->trunk_priority) {
					char m[18];
					topo_desc_format_mac(a->mac, m);
					WARN(c, po->src,
					     "bridge %s in %s bridges client adapter %s: the hypervisor "
					     "gives a client adapter only frames for its own MAC (%s) and "
					     "broadcasts, so unicast for anything behind the bridge never "
					     "arrives; only trunk adapters (IO servers) get other MACs' frames",
					     br->name, pt->name, a->name, m);
				}
			}
		}
	}
}

static void chk_nics(struct chk *c)
{
	const struct topo_desc *d = c->d;
	for (unsigned i = 0; i < d->n_nics; i++) {
		const struct topo_nic *n = &d->nics[i];
		if (n->in_host ? n->owner >= d->n_hosts : n->owner >= d->n_parts) {
			ERR(c, n->src, "NIC %s: its owner does not exist", n->name);
			continue;
		}
		chk_mac(c, "NIC", n->name, n->mac, pick(n->src_mac, n->src));
		chk_mtu(c, "NIC", n->name, n->mtu, pick(n->src_mtu, n->src));
		if (n->tso && !n->tx_csum)
			WARN(c, n->src,
			     "NIC %s: tso without tx_csum: Linux turns TSO off when checksum offload "
			     "is off (netdev_fix_features)",
			     n->name);
		struct topo_src ps = pick(n->src_peer, n->src);
		if (!n->peer[0]) {
			WARN(c, n->src, "NIC %s has no wire: what it sends is lost (tx_no_carrier)",
			     n->name);
			continue;
		}
		int m = topo_desc_find_nic(d, n->peer);
		if (m < 0) {
			if (topo_desc_find_switch(d, n->peer) < 0)
				ERR(c, ps, "NIC %s: wire %s: no such NIC or switch", n->name,
				    n->peer);
			continue;
		}
		const struct topo_nic *o = &d->nics[m];
		if ((unsigned)m == i)
			ERR(c, ps, "NIC %s is wired to itself", n->name);
		else if (strcmp(o->peer, n->name) != 0)
			ERR(c, ps,
			    "NIC %s is wired to %s, but %s is wired to %s: a cable has two ends; "
			    "plug more NICs into a switch (switches:)",
			    n->name, o->name, o->name, o->peer[0] ? o->peer : "nothing");
		else if (n->mtu != o->mtu && i < (unsigned)m)
			WARN(c, ps,
			     "NICs %s and %s at the two ends of a wire have different MTUs (%u, %u): "
			     "frames longer than the smaller MTU are dropped",
			     n->name, o->name, n->mtu, o->mtu);
	}
	for (unsigned s = 0; s < d->n_switches; s++) {
		unsigned k = 0;
		for (unsigned i = 0; i < d->n_nics; i++)
			k += strcmp(d->nics[i].peer, d->switches[s].name) == 0;
		if (k < 2)
			WARN(c, d->switches[s].src,
			     "switch %s has %u NIC%s plugged in: it connects nothing",
			     d->switches[s].name, k, k == 1 ? "" : "s");
	}
	/* MACs among NICs and containers (adapters are checked per VLAN). */
	for (unsigned i = 0; i < d->n_nics; i++)
		for (unsigned j = 0; j < i; j++)
			if (memcmp(d->nics[i].mac, d->nics[j].mac, 6) == 0) {
				char m[18];
				topo_desc_format_mac(d->nics[i].mac, m);
				WARN(c, pick(d->nics[i].src_mac, d->nics[i].src),
				     "NICs %s and %s share MAC %s: a switch or bridge that sees both "
				     "learns it on the wrong port",
				     d->nics[j].name, d->nics[i].name, m);
			}
}

static void chk_hosts_containers(struct chk *c)
{
	const struct topo_desc *d = c->d;
	for (unsigned h = 0; h < d->n_hosts; h++) {
		const struct topo_host *ho = &d->hosts[h];
		if (ho->nic >= d->n_nics || !d->nics[ho->nic].in_host || d->nics[ho->nic].owner != h) {
			ERR(c, ho->src, "host %s has no NIC of its own", ho->name);
			continue;
		}
		if (!ho->ep.present)
			WARN(c, ho->src, "host %s has no endpoint: nothing runs on it", ho->name);
		else
			chk_endpoint_addr(c, &ho->ep, d->nics[ho->nic].mtu);
	}
	for (unsigned i = 0; i < d->n_containers; i++) {
		const struct topo_container *co = &d->containers[i];
		if (co->partition >= d->n_parts) {
			ERR(c, co->src, "container %s: partition %u does not exist", co->name,
			    co->partition);
			continue;
		}
		chk_mac(c, "container", co->name, co->mac, pick(co->src_mac, co->src));
		chk_mtu(c, "container", co->name, co->mtu, pick(co->src_mtu, co->src));
		if (!co->ep.present)
			WARN(c, co->src, "container %s has no endpoint: nothing runs in it",
			     co->name);
		else
			chk_endpoint_addr(c, &co->ep, co->mtu);
		bool bridged = false;
		for (unsigned b = 0; b < d->n_bridges && !bridged; b++)
			if (d->bridges[b].partition == co->partition)
				for (unsigned q = 0; q < d->bridges[b].n_ports; q++)
					bridged |= strcmp(d->bridges[b].ports[q].dev, co->veth) == 0;
		if (!bridged)
			WARN(c, co->src,
			     "container %s: its veth %s is no bridge's port in partition %s: the "
			     "container is cut off",
			     co->name, co->veth, d->parts[co->partition].name);
	}
}

/* Every endpoint's addresses distinct. */
static void chk_addresses(struct chk *c)
{
	const struct topo_desc *d = c->d;
	const struct topo_endpoint **eps =
		malloc((TOPO_MAX_PARTS * TOPO_MAX_ADAPTERS + TOPO_MAX_HOSTS + TOPO_MAX_CONTAINERS) *
		       sizeof(*eps));
	if (!eps)
		return;
	unsigned n = 0;
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters && i < TOPO_MAX_ADAPTERS; i++)
			if (d->parts[p].adapters[i].ep.present)
				eps[n++] = &d->parts[p].adapters[i].ep;
	for (unsigned h = 0; h < d->n_hosts; h++)
		if (d->hosts[h].ep.present)
			eps[n++] = &d->hosts[h].ep;
	for (unsigned i = 0; i < d->n_containers; i++)
		if (d->containers[i].ep.present)
			eps[n++] = &d->containers[i].ep;
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < i; j++) {
			const struct topo_addr *a = &eps[i]->addr, *b = &eps[j]->addr;
			char s[INET6_ADDRSTRLEN];
			if (a->has_ip4 && b->has_ip4 && memcmp(a->ip4, b->ip4, 4) == 0) {
				inet_ntop(AF_INET, a->ip4, s, sizeof(s));
				ERR(c, pick(a->src_ip4, eps[i]->src),
				    "endpoints %s and %s share %s: addresses identify endpoints",
				    eps[j]->name, eps[i]->name, s);
			}
			if (a->has_ip6 && b->has_ip6 && memcmp(a->ip6, b->ip6, 16) == 0) {
				inet_ntop(AF_INET6, a->ip6, s, sizeof(s));
				ERR(c, pick(a->src_ip6, eps[i]->src),
				    "endpoints %s and %s share %s: addresses identify endpoints",
				    eps[j]->name, eps[i]->name, s);
			}
		}
	free(eps);
}

/* ---- Layer-2 paths ----------------------------------------------------------
 * Can a unicast frame from one endpoint reach another's device, with every
 * adapter up and every bridge flooding (before it learns)? The walk follows
 * the hypervisor's rules (vsw_route: by VLAN and MAC, VEB or VEPA, only the
 * active trunk takes frames for other MACs, never trunk to trunk), the
 * bridges' port VLAN rules (access tag or trunk, never out of the in-port),
 * cables and external switches (tags pass). States are (where, device, tag):
 * a device transmits or receives a frame with tag t (0: untagged), or an
 * adapter sends one into the hypervisor on VLAN t. */

enum { PS_TX, PS_RX, PS_HV };

/* Device numbers: adapters by part * TOPO_MAX_ADAPTERS + index, then NICs,
 * then containers' partition ends (veth), then their container ends. */
#define DEV_NIC0 (TOPO_MAX_PARTS * TOPO_MAX_ADAPTERS)
#define DEV_VETH0 (DEV_NIC0 + TOPO_MAX_NICS)
#define DEV_CONT0 (DEV_VETH0 + TOPO_MAX_CONTAINERS)
#define DEV_N (DEV_CONT0 + TOPO_MAX_CONTAINERS)

struct path {
	const struct topo_desc *d;
	/* The bridge port of each device, or -1. */
	int16_t br_of[DEV_N], port_of[DEV_N];
	/* The device of each bridge port, or -1. */
	int16_t port_dev[TOPO_MAX_BRIDGES][TOPO_MAX_BR_PORTS];
	/* Visited states: open addressing on keys + 1 (0 = empty). */
	uint32_t *set;
	unsigned set_cap, set_n;
	uint32_t *work;
	unsigned work_n, work_cap;
	bool oom;
};

static uint32_t ps_key(unsigned kind, unsigned dev, unsigned tag)
{
	return (uint32_t)kind << 28 | (uint32_t)dev << 12 | (tag & 0xfff);
}

static bool path_grow(struct path *pa)
{
	unsigned cap = pa->set_cap ? 2 * pa->set_cap : 1024;
	uint32_t *ns = calloc(cap, sizeof(*ns));
	if (!ns)
		return false;
	for (unsigned i = 0; i < pa->set_cap; i++) {
		uint32_t k = pa->set[i];
		if (!k)
			continue;
		unsigned h = (k * 2654435761u) & (cap - 1);
		while (ns[h])
			h = (h + 1) & (cap - 1);
		ns[h] = k;
	}
	free(pa->set);
	pa->set = ns;
	pa->set_cap = cap;
	return true;
}

static void path_push(struct path *pa, unsigned kind, unsigned dev, unsigned tag)
{
	if (pa->oom)
		return;
	uint32_t k = ps_key(kind, dev, tag) + 1;
	if (2 * (pa->set_n + 1) > pa->set_cap && !path_grow(pa)) {
		pa->oom = true;
		return;
	}
	unsigned h = (k * 2654435761u) & (pa->set_cap - 1);
	while (pa->set[h]) {
		if (pa->set[h] == k)
			return;
		h = (h + 1) & (pa->set_cap - 1);
	}
	if (pa->work_n == pa->work_cap) {
		unsigned cap = pa->work_cap ? 2 * pa->work_cap : 256;
		uint32_t *nw = realloc(pa->work, cap * sizeof(*nw));
		if (!nw) {
			pa->oom = true;
			return;
		}
		pa->work = nw;
		pa->work_cap = cap;
	}
	pa->set[h] = k;
	pa->set_n++;
	pa->work[pa->work_n++] = k - 1;
}

static const struct topo_adapter *path_adapter(const struct topo_desc *d, unsigned dev)
{
	return &d->parts[dev / TOPO_MAX_ADAPTERS].adapters[dev % TOPO_MAX_ADAPTERS];
}

/* A frame of the hypervisor on VLAN vid arrives at adapter dev. */
static void path_hv_deliver(struct path *pa, unsigned dev, unsigned vid)
{
	const struct topo_adapter *r = path_adapter(pa->d, dev);
	path_push(pa, PS_RX, dev, vid == r->pvid ? 0 : vid);
}

static bool path_trunk(const struct path *pa, unsigned vsw, unsigned vid, unsigned *dev)
{
	unsigned p, i;
	if (!topo_desc_active_trunk(pa->d, vsw, (uint16_t)vid, &p, &i))
		return false;
	*dev = p * TOPO_MAX_ADAPTERS + i;
	return true;
}

/* Adapter dev sent a frame for mac into the hypervisor on VLAN vid (as vsw_route). */
static void path_hv(struct path *pa, unsigned dev, unsigned vid, const uint8_t mac[6])
{
	const struct topo_desc *d = pa->d;
	const struct topo_adapter *s = path_adapter(d, dev);
	if (s->vswitch >= d->n_vswitches)
		return;
	unsigned t;
	if (!s->trunk_priority && d->vswitches[s->vswitch].mode == TOPO_VSW_VEPA) {
		if (path_trunk(pa, s->vswitch, vid, &t))
			path_hv_deliver(pa, t, vid);
		return;
	}
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
			const struct topo_adapter *r = &d->parts[p].adapters[i];
			unsigned rdev = p * TOPO_MAX_ADAPTERS + i;
			if (rdev == dev || r->trunk_priority || r->vswitch != s->vswitch ||
			    !topo_desc_adapter_on_vlan(r, (uint16_t)vid) ||
			    memcmp(r->mac, mac, 6) != 0)
				continue;
			path_hv_deliver(pa, rdev, vid);
			return;
		}
	if (!s->trunk_priority && path_trunk(pa, s->vswitch, vid, &t))
		path_hv_deliver(pa, t, vid);
}

static bool vid_in(const uint16_t *list, unsigned n, unsigned vid)
{
	for (unsigned i = 0; i < n && i < TOPO_MAX_VIDS; i++)
		if (list[i] == vid)
			return true;
	return false;
}

/* Device dev received a frame tagged tag: into its bridge, if any. */
static void path_rx(struct path *pa, unsigned dev, unsigned tag)
{
	if (pa->br_of[dev] < 0)
		return;
	const struct topo_bridge *br = &pa->d->bridges[pa->br_of[dev]];
	const struct topo_br_port *in = &br->ports[pa->port_of[dev]];
	unsigned vlan;
	if (in->tag) {
		if (tag)
			return; /* an access port drops tagged frames */
		vlan = in->tag;
	} else {
		if (tag && in->n_trunks && !vid_in(in->trunks, in->n_trunks, tag))
			return;
		vlan = tag;
	}
	for (unsigned q = 0; q < br->n_ports; q++) {
		if (q == (unsigned)pa->port_of[dev])
			continue;
		const struct topo_br_port *out = &br->ports[q];
		int odev_i = pa->port_dev[pa->br_of[dev]][q];
		if (odev_i < 0)
			continue;
		unsigned odev = (unsigned)odev_i;
		if (out->tag) {
			if (out->tag != vlan)
				continue;
			path_push(pa, PS_TX, odev, 0);
		} else {
			if (vlan && out->n_trunks && !vid_in(out->trunks, out->n_trunks, vlan))
				continue;
			path_push(pa, PS_TX, odev, vlan);
		}
	}
}

/* Device dev transmits a frame tagged tag. */
static void path_tx(struct path *pa, unsigned dev, unsigned tag)
{
	const struct topo_desc *d = pa->d;
	if (dev < DEV_NIC0) {
		const struct topo_adapter *a = path_adapter(d, dev);
		unsigned vid = tag ? tag : a->pvid;
		if (topo_desc_adapter_on_vlan(a, (uint16_t)vid))
			path_push(pa, PS_HV, dev, vid);
	} else if (dev < DEV_VETH0) {
		const struct topo_nic *n = &d->nics[dev - DEV_NIC0];
		int m = topo_desc_find_nic(d, n->peer);
		if (m >= 0) {
			path_push(pa, PS_RX, DEV_NIC0 + (unsigned)m, tag);
			return;
		}
		if (!n->peer[0] || topo_desc_find_switch(d, n->peer) < 0)
			return;
		for (unsigned i = 0; i < d->n_nics; i++)
			if (i != dev - DEV_NIC0 && strcmp(d->nics[i].peer, n->peer) == 0)
				path_push(pa, PS_RX, DEV_NIC0 + i, tag);
	} else if (dev < DEV_CONT0) {
		path_push(pa, PS_RX, dev - DEV_VETH0 + DEV_CONT0, tag);
	} else {
		path_push(pa, PS_RX, dev - DEV_CONT0 + DEV_VETH0, tag);
	}
}

static unsigned ep_dev(const struct topo_ep_ref *r, const struct topo_desc *d)
{
	switch (r->kind) {
	case TOPO_EPK_ADAPTER:
		return r->part * TOPO_MAX_ADAPTERS + r->index;
	case TOPO_EPK_HOST:
		return DEV_NIC0 + d->hosts[r->index].nic;
	case TOPO_EPK_CONTAINER:
	default:
		return DEV_CONT0 + r->index;
	}
}

/* Is there a path from endpoint a to endpoint b? -1 when out of memory. */
static int path_find(struct path *pa, const struct topo_ep_ref *a, const struct topo_ep_ref *b)
{
	unsigned from = ep_dev(a, pa->d), to = ep_dev(b, pa->d);
	if (pa->set)
		memset(pa->set, 0, pa->set_cap * sizeof(*pa->set));
	pa->set_n = 0;
	pa->work_n = 0;
	pa->oom = false;
	path_push(pa, PS_TX, from, 0);
	while (pa->work_n && !pa->oom) {
		uint32_t k = pa->work[--pa->work_n];
		unsigned kind = k >> 28, dev = (k >> 12) & 0xffff, tag = k & 0xfff;
		if (kind == PS_RX && dev == to && tag == 0)
			return 1;
		if (kind == PS_TX)
			path_tx(pa, dev, tag);
		else if (kind == PS_RX)
			path_rx(pa, dev, tag);
		else
			path_hv(pa, dev, tag, b->mac);
	}
	return pa->oom ? -1 : 0;
}

static void path_init(struct path *pa, const struct topo_desc *d)
{
	memset(pa, 0, sizeof(*pa));
	pa->d = d;
	for (unsigned i = 0; i < DEV_N; i++)
		pa->br_of[i] = pa->port_of[i] = -1;
	for (unsigned b = 0; b < TOPO_MAX_BRIDGES; b++)
		for (unsigned q = 0; q < TOPO_MAX_BR_PORTS; q++)
			pa->port_dev[b][q] = -1;
	for (unsigned b = 0; b < d->n_bridges; b++) {
		const struct topo_bridge *br = &d->bridges[b];
		for (unsigned q = 0; q < br->n_ports; q++) {
			unsigned idx;
			unsigned dev;
			switch (part_device(d, br->partition, br->ports[q].dev, &idx)) {
			case 'a': {
				unsigned p = br->partition;
				dev = p * TOPO_MAX_ADAPTERS + idx;
				break;
			}
			case 'n':
				dev = DEV_NIC0 + idx;
				break;
			case 'v':
				dev = DEV_VETH0 + idx;
				break;
			default:
				continue;
			}
			if (pa->br_of[dev] >= 0)
				continue; /* in two bridges: an error already */
			pa->br_of[dev] = (int16_t)b;
			pa->port_of[dev] = (int16_t)q;
			pa->port_dev[b][q] = (int16_t)dev;
		}
	}
}

static bool same_subnet(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	for (unsigned i = 0; i < prefix / 8; i++)
		if (a[i] != b[i])
			return false;
	if (prefix % 8) {
		uint8_t m = (uint8_t)(0xff << (8 - prefix % 8));
		if ((a[prefix / 8] & m) != (b[prefix / 8] & m))
			return false;
	}
	return true;
}

/* Is endpoint r behind a bridge that has a client adapter as a port (the
 * "bridge in a partition" case)? Writes a hint naming it. */
static bool client_bridge_behind(const struct topo_desc *d, const struct topo_ep_ref *r, char *buf,
				 size_t size)
{
	if (r->kind != TOPO_EPK_CONTAINER)
		return false;
	const struct topo_container *co = &d->containers[r->index];
	for (unsigned b = 0; b < d->n_bridges; b++) {
		const struct topo_bridge *br = &d->bridges[b];
		bool has_veth = false;
		const char *client = NULL;
		if (br->partition != co->partition)
			continue;
		for (unsigned q = 0; q < br->n_ports; q++) {
			unsigned idx;
			char kind = part_device(d, br->partition, br->ports[q].dev, &idx);
			if (kind == 'v' && idx == r->index)
				has_veth = true;
			if (kind == 'a' && !d->parts[br->partition].adapters[idx].trunk_priority)
				client = br->ports[q].dev;
		}
		if (has_veth && client) {
			snprintf(buf, size,
				 " (%s is behind bridge %s on client adapter %s: see there)",
				 co->ep.name, br->name, client);
			return true;
		}
	}
	return false;
}

static void chk_flows(struct chk *c, bool paths)
{
	const struct topo_desc *d = c->d;
	struct path *pa = paths ? malloc(sizeof(*pa)) : NULL;
	if (pa)
		path_init(pa, d);
	if (!d->n_flows)
		WARN(c, desc_nowhere, "no flows: `illan run` has nothing to send");
	for (unsigned f = 0; f < d->n_flows; f++) {
		const struct topo_flow *fl = &d->flows[f];
		struct topo_ep_ref a, b;
		bool ok = true;
		if (topo_desc_find_endpoint(d, fl->from, &a) < 0) {
			ERR(c, pick(fl->src_from, fl->src),
			    "flow %s: from %s: no endpoint named %s", fl->name, fl->from, fl->from);
			ok = false;
		}
		if (topo_desc_find_endpoint(d, fl->to, &b) < 0) {
			ERR(c, pick(fl->src_to, fl->src), "flow %s: to %s: no endpoint named %s",
			    fl->name, fl->to, fl->to);
			ok = false;
		}
		if (fl->bytes < 1 || fl->bytes > TOPO_BYTES_MAX)
			ERR(c, pick(fl->src_bytes, fl->src),
			    "flow %s: bytes %" PRIu64 ": illan sends 1 byte to 1T per flow",
			    fl->name, fl->bytes);
		if (fl->reply_bytes < 1 || fl->reply_bytes > TOPO_BYTES_MAX)
			ERR(c, fl->src, "flow %s: reply_bytes %" PRIu64 ": illan sends 1 byte to 1T",
			    fl->name, fl->reply_bytes);
		if (!fl->port)
			ERR(c, pick(fl->src_port, fl->src),
			    "flow %s: port 0: TCP ports are 1–65535", fl->name);
		for (unsigned g = 0; g < f; g++)
			if (d->flows[g].port == fl->port && strcmp(d->flows[g].to, fl->to) == 0)
				ERR(c, pick(fl->src_port, fl->src),
				    "flows %s and %s both listen on port %u of %s: give one another port",
				    d->flows[g].name, fl->name, fl->port, fl->to);
		if (!ok)
			continue;
		if (strcmp(fl->from, fl->to) == 0) {
			ERR(c, fl->src, "flow %s goes from %s to itself: a flow needs two endpoints",
			    fl->name, fl->from);
			continue;
		}
		const struct topo_addr *x = &a.ep->addr, *y = &b.ep->addr;
		bool v4 = x->has_ip4 && y->has_ip4, v6 = x->has_ip6 && y->has_ip6;
		if (!v4 && !v6) {
			ERR(c, fl->src, "flow %s: %s and %s share no address family (IPv4 or IPv6)",
			    fl->name, fl->from, fl->to);
			continue;
		}
		bool near4 = v4 && x->prefix4 == y->prefix4 && x->prefix4 <= 32 &&
			     same_subnet(x->ip4, y->ip4, x->prefix4);
		bool near6 = v6 && x->prefix6 == y->prefix6 && x->prefix6 <= 128 &&
			     same_subnet(x->ip6, y->ip6, x->prefix6);
		if ((v4 && !near4) || (v6 && !near6))
			WARN(c, fl->src,
			     "flow %s: %s and %s are not in one %s subnet: the built-in stack has no "
			     "router, so every destination must be on-link",
			     fl->name, fl->from, fl->to, v4 && !near4 ? "IPv4" : "IPv6");
		if (!pa)
			continue;
		int fwd = path_find(pa, &a, &b);
		int back = fwd > 0 ? path_find(pa, &b, &a) : 1;
		if (fwd != 0 && back != 0)
			continue;
		const char *hint = "";
		if (a.kind == TOPO_EPK_ADAPTER && b.kind == TOPO_EPK_ADAPTER) {
			const struct topo_adapter *aa = &d->parts[a.part].adapters[a.index];
			const struct topo_adapter *bb = &d->parts[b.part].adapters[b.index];
			if (aa->vswitch == bb->vswitch && aa->vswitch < d->n_vswitches &&
			    d->vswitches[aa->vswitch].mode == TOPO_VSW_VEPA &&
			    topo_desc_adapter_on_vlan(bb, aa->pvid))
				hint = " (VEPA: the hypervisor sends every client frame to the trunk, and a "
				       "bridge never sends a frame back out of the port it came in on; "
				       "mode: veb switches it in the hypervisor)";
		}
		const struct topo_ep_ref *dst = fwd == 0 ? &b : &a;
		char behind[128];
		if (!*hint && client_bridge_behind(d, dst, behind, sizeof(behind)))
			hint = behind;
		WARN(c, fl->src, "flow %s: no layer-2 path from %s to %s%s", fl->name,
		     fwd == 0 ? fl->from : fl->to, fwd == 0 ? fl->to : fl->from, hint);
	}
	if (pa) {
		free(pa->set);
		free(pa->work);
		free(pa);
	}
}

/* ---- Events --------------------------------------------------------------- */

static const char *const ev_words[TOPO_EV_N_KINDS] = {
	[TOPO_EV_PARTITION_STOP] = "stop",
	[TOPO_EV_PARTITION_START] = "start",
	[TOPO_EV_ADAPTER_FREE] = "close",
	[TOPO_EV_ADAPTER_OPEN] = "open",
	[TOPO_EV_LINK_DOWN] = "link_down",
	[TOPO_EV_LINK_UP] = "link_up",
	[TOPO_EV_MTU] = "mtu",
	[TOPO_EV_OFFLOADS] = "offloads",
};

static void chk_events(struct chk *c)
{
	const struct topo_desc *d = c->d;
	/* State in time order: false = stopped / closed / down. Indices: parts,
	 * adapters (part * TOPO_MAX_ADAPTERS + i), NICs. */
	uint8_t *off_since = calloc(DEV_N + TOPO_MAX_PARTS, 1);
	uint64_t *when = calloc(DEV_N + TOPO_MAX_PARTS, sizeof(*when));
	for (unsigned e = 0; e < d->n_events; e++) {
		const struct topo_event *ev = &d->events[e];
		char at[32];
		topo_desc_format_time(ev->at_ns, at, sizeof(at));
		struct topo_src ts = pick(ev->src_target, ev->src);
		if ((unsigned)ev->kind >= TOPO_EV_N_KINDS) {
			ERR(c, ev->src, "event at %s: unknown kind %d", at, (int)ev->kind);
			continue;
		}
		const char *w = ev_words[ev->kind];
		unsigned p = 0;
		int ad = topo_desc_find_adapter(d, ev->target, &p);
		int pt = topo_desc_find_part(d, ev->target);
		int nic = topo_desc_find_nic(d, ev->target);
		int slot = -1;
		const char *want = NULL, *noun = NULL;
		switch (ev->kind) {
		case TOPO_EV_PARTITION_STOP:
		case TOPO_EV_PARTITION_START:
			want = pt < 0 ? "a partition" : NULL;
			noun = "partition";
			slot = pt < 0 ? -1 : DEV_N + pt;
			break;
		case TOPO_EV_ADAPTER_FREE:
		case TOPO_EV_ADAPTER_OPEN:
		case TOPO_EV_OFFLOADS:
			want = ad < 0 ? "an adapter" : NULL;
			noun = "adapter";
			slot = ad < 0 ? -1 : (int)(p * TOPO_MAX_ADAPTERS) + ad;
			break;
		case TOPO_EV_LINK_DOWN:
		case TOPO_EV_LINK_UP:
			want = nic < 0 ? "a NIC" : NULL;
			noun = "NIC";
			slot = nic < 0 ? -1 : DEV_NIC0 + nic;
			break;
		case TOPO_EV_MTU:
			want = ad < 0 && nic < 0 ? "an adapter or a NIC" : NULL;
			noun = "adapter or NIC";
			break;
		}
		if (want) {
			const char *is = pt >= 0    ? "a partition"
					 : ad >= 0  ? "an adapter"
					 : nic >= 0 ? "a NIC"
						    : NULL;
			if (is)
				ERR(c, ts, "event at %s: %s %s: %s is %s; %s takes %s", at, w,
				    ev->target, ev->target, is, w, want);
			else
				ERR(c, ts, "event at %s: %s %s: no %s named %s", at, w, ev->target,
				    noun, ev->target);
			continue;
		}
		if (ev->kind == TOPO_EV_MTU && (ev->value < TOPO_MTU_MIN || ev->value > TOPO_MTU_MAX))
			ERR(c, pick(ev->src_value, ev->src),
			    "event at %s: MTU %u: illan allows %u–%u", at, ev->value, TOPO_MTU_MIN,
			    TOPO_MTU_MAX);
		if (ev->kind == TOPO_EV_OFFLOADS && !ev->has_csum && !ev->has_large_send)
			ERR(c, ev->src,
			    "event at %s: offloads %s changes nothing: give csum, large_send "
			    "or both",
			    at, ev->target);
		if (!off_since || !when || slot < 0)
			continue;
		bool going_off = ev->kind == TOPO_EV_PARTITION_STOP ||
				 ev->kind == TOPO_EV_ADAPTER_FREE || ev->kind == TOPO_EV_LINK_DOWN;
		bool going_on = ev->kind == TOPO_EV_PARTITION_START ||
				ev->kind == TOPO_EV_ADAPTER_OPEN || ev->kind == TOPO_EV_LINK_UP;
		char then[32];
		topo_desc_format_time(when[slot], then, sizeof(then));
		if (going_off && off_since[slot])
			WARN(c, ev->src, "event at %s: %s %s: it is already %s (since %s)", at, w,
			     ev->target,
			     ev->kind == TOPO_EV_PARTITION_STOP ? "stopped"
			     : ev->kind == TOPO_EV_ADAPTER_FREE ? "closed"
								: "down",
			     then);
		else if (going_on && !off_since[slot])
			WARN(c, ev->src, "event at %s: %s %s: it is %s, so nothing happens", at, w,
			     ev->target,
			     ev->kind == TOPO_EV_PARTITION_START ? "running"
			     : ev->kind == TOPO_EV_ADAPTER_OPEN  ? "open"
								 : "up");
		if (going_off || going_on) {
			off_since[slot] = going_off;
			when[slot] = ev->at_ns;
		}
	}
	free(off_since);
	free(when);
}

/* ---- Check ------------------------------------------------------------------ */

static int diag_cmp(const void *x, const void *y)
{
	const struct topo_diag *a = x, *b = y;
	if (a->error != b->error)
		return a->error ? -1 : 1;
	if (a->src.line != b->src.line)
		return a->src.line < b->src.line ? -1 : 1;
	if (a->src.col != b->src.col)
		return a->src.col < b->src.col ? -1 : 1;
	return 0;
}

/* topo_desc_check: see desc.h. */
unsigned topo_desc_check(const struct topo_desc *d, struct topo_diag *out, unsigned max)
{
	struct chk c;
	memset(&c, 0, sizeof(c));
	c.d = d;
	if (d->n_vswitches < 1 || d->n_vswitches > TOPO_MAX_VSWITCHES ||
	    d->n_parts > TOPO_MAX_PARTS || d->n_nics > TOPO_MAX_NICS ||
	    d->n_bridges > TOPO_MAX_BRIDGES || d->n_hosts > TOPO_MAX_HOSTS ||
	    d->n_flows > TOPO_MAX_FLOWS || d->n_events > TOPO_MAX_EVENTS ||
	    d->n_switches > TOPO_MAX_SWITCHES || d->n_containers > TOPO_MAX_CONTAINERS) {
		ERR(&c, desc_nowhere,
		    "a count of objects is outside illan's limits (see docs/topology.md)");
		goto done;
	}
	for (unsigned b = 0; b < d->n_bridges; b++)
		if (d->bridges[b].n_ports > TOPO_MAX_BR_PORTS) {
			ERR(&c, d->bridges[b].src, "bridge %s: %u ports: illan allows up to %d",
			    d->bridges[b].name, d->bridges[b].n_ports, TOPO_MAX_BR_PORTS);
			goto done;
		}
	for (unsigned p = 0; p < d->n_parts; p++)
		if (d->parts[p].n_adapters > TOPO_MAX_ADAPTERS) {
			ERR(&c, d->parts[p].src, "partition %s: %u adapters: illan allows up to %d",
			    d->parts[p].name, d->parts[p].n_adapters, TOPO_MAX_ADAPTERS);
			goto done;
		}
	if (d->mtu < TOPO_MTU_MIN || d->mtu > TOPO_MTU_MAX)
		ERR(&c, d->src_mtu,
		    "MTU %u: illan allows %u–%u (the virtual Ethernet carries frames up to 65408 "
		    "bytes)",
		    d->mtu, TOPO_MTU_MIN, TOPO_MTU_MAX);
	if (!d->n_parts)
		ERR(&c, desc_nowhere, "no partitions: a topology needs at least one");
	chk_names(&c);
	chk_partitions(&c);
	chk_vlans(&c);
	chk_nics(&c);
	chk_bridges(&c);
	chk_hosts_containers(&c);
	chk_addresses(&c);
	chk_events(&c);
	/* Paths only over a description without errors: a dangling port or
	 * cable would make the walk's answer meaningless. */
	chk_flows(&c, c.errors == 0);
done:
	if (c.diags) {
		/* Errors first, then by place; a stable insertion sort keeps
		 * findings about one place in the order they were found. */
		struct topo_diag *tmp = c.diags;
		for (unsigned i = 1; i < c.n; i++) {
			struct topo_diag g = tmp[i];
			unsigned j = i;
			while (j > 0 && diag_cmp(&tmp[j - 1], &g) > 0) {
				tmp[j] = tmp[j - 1];
				j--;
			}
			tmp[j] = g;
		}
		for (unsigned i = 0; i < c.n && i < max; i++)
			out[i] = tmp[i];
	}
	free(c.diags);
	return c.total;
}

/* topo_desc_diag_format: see desc.h. */
int topo_desc_diag_format(const struct topo_desc *d, const struct topo_diag *g, char *buf, size_t size)
{
	const char *kind = g->error ? "error" : "warning";
	const char *file = d->file[0] ? d->file : "(built in)";
	if (g->src.line)
		return snprintf(buf, size, "%s:%u:%u: %s: %s", file, g->src.line, g->src.col, kind,
				g->msg);
	return snprintf(buf, size, "%s: %s: %s", file, kind, g->msg);
}

/* topo_desc_report: see desc.h. */
unsigned topo_desc_report(const struct topo_desc *d, FILE *out, unsigned max)
{
	unsigned n = topo_desc_check(d, NULL, 0);
	struct topo_diag *diag = n ? calloc(n, sizeof(*diag)) : NULL;
	if (n && !diag) {
		fprintf(out, "%s: out of memory checking it\n", d->file);
		return 1;
	}
	topo_desc_check(d, diag, n);
	unsigned errors = 0;
	for (unsigned i = 0; i < n; i++) {
		errors += diag[i].error;
		if (i < max) {
			char line[640];
			topo_desc_diag_format(d, &diag[i], line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
	}
	if (n > max)
		fprintf(out, "%s: ... and %u more findings (illan topo check lists them all)\n",
			d->file, n - max);
	free(diag);
	return errors;
}
