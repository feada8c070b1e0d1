/*
 * lab.h — the names a real-traffic lab gives what it makes in the kernel:
 * one network namespace per partition with an endpoint and per external
 * host with an endpoint, one namespace for the IO server's ends of the
 * hosts' cables, and in them the interfaces the emulator is glued to.
 *
 *   partition P, adapter with an endpoint:  LAB-P: ethN (TAP) ══ tap-<ep> ── adapter
 *   host H with an endpoint:                LAB-H: eth0 ═ veth ═ LAB-illan-io: <nic>N
 *                                                        ║ AF_PACKET wire-<ep>
 *                                                        ╚═ the NIC H's cable plugs into,
 *                                                           or a new port of its switch
 *
 * The default lab (name "") keeps the seed's names exactly: vm-a, vm-b,
 * host-x, illan-io; eth0 in each; phys0 in illan-io; tap-a, tap-b, wire-x.
 * A named lab prefixes every namespace with "LAB-", so two labs, or a lab
 * and the test suite, never share a name. Interfaces need no prefix: every
 * one a lab makes lives in one of its own namespaces. Linux interface names
 * have at most 15 characters (IFNAMSIZ 16): the IO namespace's names are
 * derived short and unique (the attachment's name cut to 13, then a number).
 *
 * Serves `illan netns up|down|status` (src/cli/netns.c), which makes and
 * removes what the plan names, and real.c, which opens the TAPs and wires
 * the plan names. Pure: no system call, so plain tests cover it.
 */
#ifndef ILLAN_LAB_H
#define ILLAN_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desc.h"

#define LAB_NAME_MAX 24              /* a lab's name: up to 23 characters */
#define LAB_NS_MAX 64                /* a namespace's name */
#define LAB_IFNAMSIZ 16              /* Linux's IFNAMSIZ: 15 characters and the NUL */
#define LAB_DEV_MAX TOPO_NAME_MAX    /* illan's netdev names (NETDEV_NAME_MAX) */
#define LAB_DEFAULT_IO_NS "illan-io" /* the default lab's IO namespace */
#define LAB_IO_SUFFIX "illan-io"     /* a named lab's: LAB-illan-io */

enum lab_ns_kind {
	LAB_NS_PARTITION, /* a partition's kernel: one TAP per endpoint adapter */
	LAB_NS_HOST,      /* an external host's kernel: its cable's end */
	LAB_NS_IO,        /* the IO server's ends of the hosts' cables */
};

struct lab_ns {
	char name[LAB_NS_MAX];
	enum lab_ns_kind kind;
	char owner[TOPO_NAME_MAX]; /* the partition or host ("" for the IO namespace) */
};

enum lab_link_kind {
	LAB_LINK_TAP,  /* a TAP in the partition's namespace, glued to an adapter */
	LAB_LINK_WIRE, /* a veth from a host's namespace to the IO namespace, read with AF_PACKET */
};

/* One kernel interface with an endpoint, and what it is glued to. */
struct lab_link {
	enum lab_link_kind kind;
	unsigned ns;               /* index in lab->ns: the endpoint's namespace */
	char ifname[LAB_IFNAMSIZ]; /* its interface there: eth0, eth1, .. */
	char dev[LAB_DEV_MAX];     /* illan's side (a stats object): tap-a, wire-x */
	char attach[TOPO_NAME_MAX]; /* TAP: the adapter; wire: the NIC or the switch the host's cable plugs into */
	bool attach_switch; /* wire: attach names an external switch (a port is made for it) */
	char io_ifname[LAB_IFNAMSIZ]; /* wire: the cable's other end, in the IO namespace */
	uint8_t mac[6];               /* wire: the host's interface's MAC, its NIC's; TAP: the
				      * description's (the TAP takes the built adapter's) */
	unsigned mtu;            /* as the description says (the adapter's or the host NIC's) */
	struct topo_endpoint ep; /* name, display name, addresses */
};

struct lab {
	char name[LAB_NAME_MAX]; /* "" : the default lab */
	struct lab_ns *ns; /* endpoint namespaces in declaration order (partitions, then hosts), */
	unsigned n_ns;     /* then the IO namespace when there are wires */
	int io_ns;         /* index of the IO namespace, -1 when no host has an endpoint */
	struct lab_link *links; /* TAPs in adapter order, then wires in host order */
	unsigned n_links;
};

/* A lab name is 1..23 characters of [A-Za-z0-9_-], beginning with a letter
 * or digit (so it is a file name in the daemon's directory that never meets
 * the daemon's own files, which have a dot, and a namespace prefix). */
bool lab_name_valid(const char *name);

/*
 * Plan the lab of completed description d under name ("" or NULL: the
 * default lab). Refused, with the reason in err: an invalid name, a
 * container with an endpoint ("not supported in real mode yet"), a host
 * with an endpoint whose NIC is wired to nothing or to another host, no
 * endpoint at all. Returns 0 with *lab filled (free it with lab_free), or
 * -EINVAL / -ENOMEM.
 */
int lab_plan(const struct topo_desc *d, const char *name, struct lab *lab, char *err,
	     size_t err_size);
void lab_free(struct lab *lab);

/* "192.0.2.1/24" and "2001:db8::1/64" of an endpoint into buf ("" when it
 * has no address of that family). buf: at least 64 bytes. */
void lab_format_ip4(const struct topo_addr *a, char *buf, size_t size);
void lab_format_ip6(const struct topo_addr *a, char *buf, size_t size);

#endif
