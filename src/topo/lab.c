/*
 * lab.c — the names of a real-traffic lab's namespaces and interfaces
 * (lab.h), planned from a topology description.
 *
 * Serves `illan netns` (src/cli/netns.c) and the real-traffic glue
 * (real.c), which must agree on every name: both plan from the same
 * description and the same lab name.
 *
 * Choices where the sources are silent: a partition's endpoint adapters
 * share one namespace (a partition runs one kernel), each its own ethN in
 * adapter order; a host's cable plugs into the NIC it names (the IO
 * server's, which then has the AF_PACKET wire as its cable) or, when it
 * names an external switch, into a port made for it on that switch (real.c),
 * so every host on a LAN segment is one kernel behind one port, as in the
 * embedded model.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "ev/errbuf.h"

/* lab_name_valid: see lab.h. */
bool lab_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= LAB_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
	}
	return true;
}

/* Copy src into dst (size bytes), every character outside [A-Za-z0-9_.-]
 * replaced by '_', optionally lower-cased, a leading '.' made '_' (so the
 * result is never "." or ".."), cut to fit. */
static void lab_clean(char *dst, size_t size, const char *src, bool lower)
{
	size_t i = 0;
	for (; src[i] && i + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];
		if (lower)
			c = (unsigned char)tolower(c);
		dst[i] = isalnum(c) || c == '-' || c == '_' || (c == '.' && i) ? (char)c : '_';
	}
	dst[i] = 0;
}

static bool lab_ns_taken(const struct lab *lab, const char *name)
{
	for (unsigned i = 0; i < lab->n_ns; i++)
		if (strcmp(lab->ns[i].name, name) == 0)
			return true;
	return false;
}

/* A device name the description or the plan already uses. */
static bool lab_dev_taken(const struct topo_desc *d, const struct lab *lab, const char *name)
{
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned a = 0; a < d->parts[p].n_adapters; a++)
			if (strcmp(d->parts[p].adapters[a].name, name) == 0)
				return true;
	for (unsigned n = 0; n < d->n_nics; n++)
		if (strcmp(d->nics[n].name, name) == 0)
			return true;
	for (unsigned b = 0; b < d->n_bridges; b++)
		if (strcmp(d->bridges[b].name, name) == 0)
			return true;
	for (unsigned s = 0; s < d->n_switches; s++)
		if (strcmp(d->switches[s].name, name) == 0)
			return true;
	for (unsigned c = 0; c < d->n_containers; c++)
		if (strcmp(d->containers[c].veth, name) == 0 ||
		    strcmp(d->containers[c].name, name) == 0)
			return true;
	for (unsigned l = 0; l < lab->n_links; l++)
		if (strcmp(lab->links[l].dev, name) == 0)
			return true;
	return false;
}

static bool lab_ioif_taken(const struct lab *lab, const char *name)
{
	for (unsigned l = 0; l < lab->n_links; l++)
		if (lab->links[l].kind == LAB_LINK_WIRE && strcmp(lab->links[l].io_ifname, name) == 0)
			return true;
	return false;
}

/* A new namespace named prefix + owner (cleaned), made unique with "-2",
 * "-3", .. Returns its index. */
static unsigned lab_add_ns(struct lab *lab, enum lab_ns_kind kind, const char *owner,
			   const char *base_name)
{
	struct lab_ns *ns = &lab->ns[lab->n_ns];
	memset(ns, 0, sizeof(*ns));
	ns->kind = kind;
	snprintf(ns->owner, sizeof(ns->owner), "%s", owner);
	char clean[TOPO_NAME_MAX + 1], base[LAB_NS_MAX];
	lab_clean(clean, sizeof(clean), base_name, false);
	snprintf(base, sizeof(base), "%s%s%s", lab->name, lab->name[0] ? "-" : "", clean);
	snprintf(ns->name, sizeof(ns->name), "%s", base);
	for (unsigned k = 2; lab_ns_taken(lab, ns->name); k++)
		snprintf(ns->name, sizeof(ns->name), "%.*s-%u", LAB_NS_MAX - 8, base, k);
	return lab->n_ns++;
}

/* illan's netdev for an endpoint: prefix + the endpoint's name, lower case
 * ("tap-a", "wire-x"), made unique among every device with "-2", .. */
static void lab_dev_name(const struct topo_desc *d, const struct lab *lab, struct lab_link *l,
			 const char *prefix)
{
	char clean[TOPO_NAME_MAX], base[LAB_DEV_MAX];
	lab_clean(clean, sizeof(clean), l->ep.name, true);
	snprintf(base, sizeof(base), "%s%s", prefix, clean);
	snprintf(l->dev, sizeof(l->dev), "%s", base);
	for (unsigned k = 2; lab_dev_taken(d, lab, l->dev); k++)
		snprintf(l->dev, sizeof(l->dev), "%.*s-%u", LAB_DEV_MAX - 8, base, k);
}

/* lab_plan: see lab.h. */
int lab_plan(const struct topo_desc *d, const char *name, struct lab *lab, char *err, size_t err_size)
{
	memset(lab, 0, sizeof(*lab));
	lab->io_ns = -1;
	if (!name)
		name = "";
	if (name[0] && !lab_name_valid(name)) {
		errbuf_set(err, err_size,
			   "lab name '%s': use 1-%d letters, digits, '-' or '_', beginning with a letter "
			   "or digit",
			   name, LAB_NAME_MAX - 1);
		return -EINVAL;
	}
	snprintf(lab->name, sizeof(lab->name), "%s", name);
	for (unsigned c = 0; c < d->n_containers; c++)
		if (d->containers[c].ep.present) {
			errbuf_set(err, err_size,
				   "container %s (endpoint %s): containers are not supported in real mode yet",
				   d->containers[c].name, d->containers[c].ep.name);
			return -EINVAL;
		}
	unsigned max_links = d->n_hosts;
	for (unsigned p = 0; p < d->n_parts; p++)
		max_links += d->parts[p].n_adapters;
	lab->ns = calloc(d->n_parts + d->n_hosts + 1, sizeof(*lab->ns));
	lab->links = calloc(max_links + 1, sizeof(*lab->links));
	if (!lab->ns || !lab->links) {
		lab_free(lab);
		errbuf_set(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned p = 0; p < d->n_parts; p++) {
		const struct topo_partition *part = &d->parts[p];
		int ns = -1;
		unsigned eth = 0;
		for (unsigned a = 0; a < part->n_adapters; a++) {
			const struct topo_adapter *ad = &part->adapters[a];
			if (!ad->ep.present)
				continue;
			if (ns < 0)
				ns = (int)lab_add_ns(lab, LAB_NS_PARTITION, part->name, part->name);
			struct lab_link *l = &lab->links[lab->n_links];
			l->kind = LAB_LINK_TAP;
			l->ns = (unsigned)ns;
			snprintf(l->ifname, sizeof(l->ifname), "eth%u", eth++);
			snprintf(l->attach, sizeof(l->attach), "%s", ad->name);
			memcpy(l->mac, ad->mac, 6);
			l->mtu = ad->mtu;
			l->ep = ad->ep;
			lab_dev_name(d, lab, l, "tap-");
			lab->n_links++;
		}
	}
	unsigned first_wire = lab->n_links;
	for (unsigned h = 0; h < d->n_hosts; h++) {
		const struct topo_host *ho = &d->hosts[h];
		if (!ho->ep.present)
			continue;
		const struct topo_nic *nic = &d->nics[ho->nic];
		int peer = nic->peer[0] ? topo_desc_find_nic(d, nic->peer) : -1;
		bool to_switch = peer < 0 && nic->peer[0] && topo_desc_find_switch(d, nic->peer) >= 0;
		if (!to_switch && peer < 0) {
			errbuf_set(err, err_size,
				   "host %s: its NIC %s is wired to nothing, so its namespace "
				   "would reach nothing",
				   ho->name, nic->name);
			lab_free(lab);
			return -EINVAL;
		}
		if (peer >= 0 && d->nics[peer].in_host) {
			errbuf_set(err, err_size,
				   "host %s: its NIC is wired to host %s's: two hosts back to "
				   "back are not supported in real mode yet",
				   ho->name, d->hosts[d->nics[peer].owner].name);
			lab_free(lab);
			return -EINVAL;
		}
		struct lab_link *l = &lab->links[lab->n_links];
		l->kind = LAB_LINK_WIRE;
		l->ns = lab_add_ns(lab, LAB_NS_HOST, ho->name, ho->name);
		snprintf(l->ifname, sizeof(l->ifname), "eth0");
		snprintf(l->attach, sizeof(l->attach), "%s", nic->peer);
		l->attach_switch = to_switch;
		memcpy(l->mac, nic->mac, 6);
		l->mtu = nic->mtu;
		l->ep = ho->ep;
		lab_dev_name(d, lab, l, "wire-");
		/* The cable's IO end: the attachment's name cut to 13, and the
		 * lowest number that is free (the seed's NIC phys: phys0). */
		char base[LAB_IFNAMSIZ];
		lab_clean(base, 14, nic->peer, false);
		for (unsigned k = 0; k < 100; k++) {
			snprintf(l->io_ifname, sizeof(l->io_ifname), "%.13s%u", base, k);
			if (!lab_ioif_taken(lab, l->io_ifname))
				break;
		}
		lab->n_links++;
	}
	if (lab->n_links > first_wire) {
		lab->io_ns = (int)lab_add_ns(lab, LAB_NS_IO, "",
					     lab->name[0] ? LAB_IO_SUFFIX : LAB_DEFAULT_IO_NS);
	}
	if (!lab->n_links) {
		errbuf_set(err, err_size,
			   "%s has no endpoint: real mode makes a namespace per endpoint", d->name);
		lab_free(lab);
		return -EINVAL;
	}
	return 0;
}

/* lab_free: see lab.h. */
void lab_free(struct lab *lab)
{
	if (!lab)
		return;
	free(lab->ns);
	free(lab->links);
	lab->ns = NULL;
	lab->links = NULL;
	lab->n_ns = lab->n_links = 0;
	lab->io_ns = -1;
}

/* lab_format_ip4: see lab.h. */
void lab_format_ip4(const struct topo_addr *a, char *buf, size_t size)
{
	char ip[INET_ADDRSTRLEN];
	if (!a->has_ip4 || !inet_ntop(AF_INET, a->ip4, ip, sizeof(ip)))
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%s/%u", ip, a->prefix4);
}

/* lab_format_ip6: see lab.h. */
void lab_format_ip6(const struct topo_addr *a, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	if (!a->has_ip6 || !inet_ntop(AF_INET6, a->ip6, ip, sizeof(ip)))
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%s/%u", ip, a->prefix6);
}
