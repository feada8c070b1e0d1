/*
 * desc.h — a topology as data: the validated model a topology file is read
 * into (topofile.c), that the builder turns into objects (topo.c), and that
 * `illan topo show` draws. Nothing here knows YAML; nothing above src/topo
 * knows partition names.
 *
 * Every object carries where it was declared (file, line, column), so any
 * error about it — at load, at check, or at build — names the place.
 *
 * Defaults for everything a user may leave out are filled by
 * topo_desc_defaults_*() before the loader overlays the file's values, so a
 * builder never sees an unset field. Limits are PowerVM's where PowerVM has
 * one (trunk priority 1–15, up to 20 additional VIDs per adapter, VIDs
 * 1–4094) and illan's own otherwise (TOPO_MAX_*), written at each constant.
 */
#ifndef ILLAN_TOPO_DESC_H
#define ILLAN_TOPO_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TOPO_NAME_MAX 32         /* names of objects (netdev names have 32 bytes too) */
#define TOPO_MAX_VSWITCHES 16    /* hypervisor switches of one managed system */
#define TOPO_MAX_PARTS 256       /* partitions */
#define TOPO_MAX_ADAPTERS 8      /* virtual Ethernet adapters per partition */
#define TOPO_MAX_VIDS 20         /* additional VIDs per adapter: PowerVM's limit (HMC) */
#define TOPO_MAX_MAC_ALLOWED 4   /* MACs an allow list names: PowerVM's limit (HMC) */
#define TOPO_MAX_BRIDGES 32      /* bridges in the whole system */
#define TOPO_MAX_BR_PORTS 16     /* ports per bridge */
#define TOPO_MAX_NICS 64         /* physical NICs in the whole system */
#define TOPO_MAX_HOSTS 64        /* external hosts */
#define TOPO_MAX_FLOWS 256       /* traffic flows */
#define TOPO_MAX_EVENTS 64       /* timed events */
#define TOPO_MAX_SWITCHES 16     /* external Ethernet switches */
#define TOPO_MAX_CONTAINERS 64   /* containers in the whole system */
#define TOPO_TRUNK_PRI_MAX 15    /* PowerVM: trunk priority 1 (highest) .. 15 */
#define TOPO_VID_MAX 4094        /* IEEE 802.1Q: VIDs 1..4094 (0 and 4095 reserved) */
#define TOPO_MTU_MIN 576         /* illan's range for every device's MTU, as `illan run --mtu`: */
#define TOPO_MTU_MAX 65394       /*  the virtual Ethernet carries frames up to 65408 bytes */
#define TOPO_POOL_COUNT_MAX 4096 /* buffers per ibmveth receive pool (IBMVETH_MAX_POOL_COUNT) */
#define TOPO_MEMORY_MAX (4ull << 30) /* ibmveth descriptors carry 32-bit addresses */
#define TOPO_BYTES_MAX (1ull << 40)  /* per flow and direction, as `illan run --bytes` */

/* Where something was declared. line and column count from 1; 0 = built in
 * (or, for the src_* fields of one value, "not given": messages about it then
 * name the object's place). */
struct topo_src {
	unsigned line, col;
};

enum topo_vsw_mode { TOPO_VSW_VEPA, TOPO_VSW_VEB };

struct topo_vswitch {
	char name[TOPO_NAME_MAX]; /* "ETHERNET0" is PowerVM's default switch */
	enum topo_vsw_mode mode;  /* default VEPA (as the seed) */
	struct topo_src src;
};

/* Addresses an endpoint's built-in stack owns. */
struct topo_addr {
	bool has_ip4, has_ip6;
	uint8_t ip4[4], ip6[16];
	unsigned prefix4, prefix6; /* default 24 and 64 */
	struct topo_src src_ip4, src_ip6;
};

/* What runs on a device: the built-in stack (embedded mode) with a name used
 * in flows and reports, and its addresses. */
struct topo_endpoint {
	bool present;
	char name[TOPO_NAME_MAX];    /* "A": flows say from: A */
	char display[TOPO_NAME_MAX]; /* "VM A": what reports print; default = name */
	struct topo_addr addr;
	struct topo_src src;
};

/* The driver an adapter runs. kind names the implementation; later work adds
 * generations ("illan-v4.13") and the real kernel driver ("kernel-6.1"): the
 * loader keeps the text, the builder refuses what it cannot build. */
struct topo_driver {
	char kind[TOPO_NAME_MAX]; /* default "illan" */
	unsigned fixes;           /* IBMVETH_FIX_* bits, default all */
	bool fixes_set; /* the file named fixes (the command line may override otherwise) */
};

/* The HMC's MAC address controls for the MACs an adapter's OS defines
 * (IBM Power documentation, "MAC address controls using the HMC"). */
enum topo_mac_policy {
	TOPO_MAC_ALLOW_ALL = 0, /* `allow-all`, the default */
	TOPO_MAC_DENY,          /* `deny`: only the adapter's own MAC */
	TOPO_MAC_ALLOW_LIST,    /* `{allow: [MAC, ...]}`: its own and up to 4 more */
};

struct topo_adapter {
	char name[TOPO_NAME_MAX];     /* netdev name, unique in the system */
	uint8_t mac[6];               /* always valid after topo_desc_complete */
	bool mac_set;                 /* the file gave it; else topo_desc_complete made
				   * one up: unique, locally administered */
	unsigned vswitch;             /* index into desc->vswitches, default 0 */
	uint16_t pvid;                /* port VLAN ID, 1..4094, default 1 */
	uint16_t vids[TOPO_MAX_VIDS]; /* additional VLAN IDs (IEEE 802.1Q) */
	unsigned n_vids;
	unsigned trunk_priority;    /* 0: not a trunk; 1..15 */
	bool csum_offload;          /* firmware offers checksum offload; default on */
	bool large_send;            /* firmware offers large send; default on */
	bool rx_multi_buff;         /* firmware offers RX_MULTI_BUFF_SUPPORT (several
				     * buffers per H_ADD_LOGICAL_LAN_BUFFERS); default off */
	unsigned mtu;               /* default: desc->mtu */
	unsigned pool_sizes[5];     /* buffers per receive pool; 0 = driver default */
	unsigned mcast_filter_size; /* "ibm,mac-address-filters" slots, default 256 */
	enum topo_mac_policy mac_policy;
	uint8_t mac_allowed[TOPO_MAX_MAC_ALLOWED][6]; /* TOPO_MAC_ALLOW_LIST */
	unsigned n_mac_allowed;
	struct topo_src src_mac_policy, src_mac_allowed[TOPO_MAX_MAC_ALLOWED];
	struct topo_src src_rx_multi_buff;
	struct topo_driver driver;
	struct topo_endpoint ep; /* a built-in stack on this adapter (client partitions) */
	struct topo_src src;
	struct topo_src src_mac, src_pvid, src_vids[TOPO_MAX_VIDS], src_trunk, src_mtu;
};

enum topo_role { TOPO_ROLE_CLIENT, TOPO_ROLE_IO_SERVER };

struct topo_partition {
	char name[TOPO_NAME_MAX];
	enum topo_role role;
	uint64_t memory; /* bytes of logical memory; 0 = what the adapters need */
	struct topo_adapter adapters[TOPO_MAX_ADAPTERS];
	unsigned n_adapters;
	struct topo_src src;
};

enum topo_bridge_kind { TOPO_BR_OVS, TOPO_BR_LINUX };

/* A bridge port, by the name of a device in the same partition: one of its
 * adapters, one of its NICs, the partition end of one of its containers'
 * veth pairs, or another port kind a later issue adds. VLAN
 * handling as OVS's Port table: tag (access port: untagged frames belong to
 * VLAN tag) or trunks (the VLANs a trunk port carries; none = all). */
struct topo_br_port {
	char dev[TOPO_NAME_MAX];
	uint16_t tag; /* 0: not an access port */
	uint16_t trunks[TOPO_MAX_VIDS];
	unsigned n_trunks;
	struct topo_src src;
};

struct topo_bridge {
	char name[TOPO_NAME_MAX];
	enum topo_bridge_kind kind; /* default OVS */
	unsigned partition;         /* index of the partition it lives in: an IO
				     * server, or a client that bridges for its
				     * containers ("bridge in a partition") */
	struct topo_br_port ports[TOPO_MAX_BR_PORTS];
	unsigned n_ports;
	struct topo_src src;
};

/* A physical NIC: in a partition (a dedicated adapter; normally an IO
 * server's) or an external host's.
 *
 * Its wire (`peer`) names what the cable plugs into: another NIC (back to
 * back, as the seed's phys and x-nic: physnic_link) or an external switch
 * (struct topo_switch). A cable has two ends: topo_desc_complete fills the
 * peer of a NIC that another NIC names and that names nothing itself, and
 * topo_desc_check refuses two NICs that disagree. */
struct topo_nic {
	char name[TOPO_NAME_MAX];
	bool in_host; /* owner is hosts[owner], else parts[owner] */
	unsigned owner;
	uint8_t mac[6]; /* always valid after topo_desc_complete */
	bool mac_set;
	bool gro, tso, tx_csum, rx_csum; /* server NIC defaults: all on; a host's: all off */
	unsigned mtu;                    /* default desc->mtu */
	/* the device's gro_flush_timeout (ns) and napi_defer_hard_irqs
	 * (sysfs); 0/0 as the kernel's defaults */
	uint64_t gro_flush_timeout_ns;
	uint32_t napi_defer_hard_irqs;
	char peer[TOPO_NAME_MAX]; /* the NIC or switch at the other end of its wire ("" = none) */
	struct topo_src src;
	struct topo_src src_mac, src_peer, src_mtu;
};

/* An external Ethernet switch: the physical LAN the IO servers' NICs and the
 * external hosts plug into when more than two NICs share one segment (two IO
 * servers in failover, one host). It learns MAC addresses, floods unknown
 * destinations, never sends a frame back out of the port it came in on and
 * passes VLAN tags through unchanged. A builder can make it from what exists:
 * a Linux-style bridge (BR_LINUX) whose ports are plain physnics, each linked
 * back to back with one NIC that names the switch. */
struct topo_switch {
	char name[TOPO_NAME_MAX]; /* in the device namespace (a NIC's wire names it) */
	struct topo_src src;
};

/* A container in a partition: a network namespace whose one interface is
 * the container end of a veth pair; the partition end (`veth`) is a device
 * of the partition, normally a port of one of its bridges. A veth passes
 * packets with their offload metadata untouched (Linux veth_xmit), so a
 * builder needs a veth-pair netdev for it. */
struct topo_container {
	char name[TOPO_NAME_MAX];
	unsigned partition;       /* index of the partition it runs in */
	char veth[TOPO_NAME_MAX]; /* the partition end's name, default "veth-" + name (cut to fit) */
	uint8_t mac[6];           /* the container end's MAC, always valid after complete */
	bool mac_set;
	unsigned mtu;            /* both ends, default desc->mtu */
	struct topo_endpoint ep; /* the container's built-in stack */
	struct topo_src src;
	struct topo_src src_mac, src_mtu;
};

/* An external host: one NIC, optionally running the built-in stack. */
struct topo_host {
	char name[TOPO_NAME_MAX];
	unsigned nic; /* index into desc->nics */
	struct topo_endpoint ep;
	struct topo_src src;
};

/* A TCP flow between two endpoints (by endpoint name), as `illan run` runs
 * them: the client sends bytes, the server checks them and replies. */
struct topo_flow {
	char name[2 * TOPO_NAME_MAX + 8]; /* default "FROM->TO" ("FROM->TO/2" for a second one) */
	char from[TOPO_NAME_MAX], to[TOPO_NAME_MAX];
	uint64_t bytes;       /* default desc->bytes */
	uint64_t reply_bytes; /* default desc->reply_bytes */
	/* The file gave them (here or at the top): a command's own defaults
	 * (`illan matrix` runs shorter flows than `illan run`) apply only where
	 * it did not. */
	bool bytes_given, reply_given;
	uint16_t port;     /* server port, default 5001 + index */
	uint64_t start_ns; /* virtual time it starts, default 0 */
	struct topo_src src;
	struct topo_src src_from, src_to, src_port, src_bytes;
};

/* Timed events on the virtual clock. After topo_desc_complete they are in
 * time order; events at the same time keep the file's order. */
enum topo_event_kind {
	TOPO_EV_PARTITION_STOP,  /* an IO server (or any partition) stops: its adapters are freed */
	TOPO_EV_PARTITION_START, /* it comes back: adapters re-registered and opened */
	TOPO_EV_ADAPTER_FREE,    /* one adapter's H_FREE_LOGICAL_LAN (driver closes it) */
	TOPO_EV_ADAPTER_OPEN,    /* it is opened again */
	TOPO_EV_LINK_DOWN,       /* a NIC's wire goes down */
	TOPO_EV_LINK_UP,
	TOPO_EV_MTU,      /* an adapter's or NIC's MTU changes (value) */
	TOPO_EV_OFFLOADS, /* an adapter's offloads change as ethtool -K would (csum, large_send) */
};
#define TOPO_EV_N_KINDS (TOPO_EV_OFFLOADS + 1)

struct topo_event {
	uint64_t at_ns;
	enum topo_event_kind kind;
	char target[TOPO_NAME_MAX];    /* partition, adapter or NIC name */
	unsigned value;                /* MTU for TOPO_EV_MTU */
	bool csum, large_send;         /* for TOPO_EV_OFFLOADS: the new settings, */
	bool has_csum, has_large_send; /* for those the event names (others stay) */
	struct topo_src src;
	struct topo_src src_target, src_value;
};

struct topo_desc {
	char file[256];                /* where it was read from ("" = built in) */
	char name[TOPO_NAME_MAX];      /* the topology's (lab's) name, default from the file name */
	unsigned mtu;                  /* default for every device: 1500 */
	uint64_t bytes, reply_bytes;   /* default flow volumes (128M, 4M) */
	bool bytes_given, reply_given; /* the file set them */
	uint64_t seed;                 /* deterministic choices, default 1 */
	struct topo_src src_mtu;

	struct topo_vswitch vswitches[TOPO_MAX_VSWITCHES];
	unsigned n_vswitches;         /* at least 1 after defaults */
	struct topo_partition *parts; /* TOPO_MAX_PARTS entries allocated */
	unsigned n_parts;
	struct topo_bridge bridges[TOPO_MAX_BRIDGES];
	unsigned n_bridges;
	struct topo_nic nics[TOPO_MAX_NICS];
	unsigned n_nics;
	struct topo_host hosts[TOPO_MAX_HOSTS];
	unsigned n_hosts;
	struct topo_flow flows[TOPO_MAX_FLOWS];
	unsigned n_flows;
	struct topo_event events[TOPO_MAX_EVENTS];
	unsigned n_events;
	struct topo_switch switches[TOPO_MAX_SWITCHES];
	unsigned n_switches;
	struct topo_container containers[TOPO_MAX_CONTAINERS];
	unsigned n_containers;
};

/* A new description with every default filled and nothing in it (one
 * vswitch "ETHERNET0" in VEPA mode). NULL when out of memory. */
struct topo_desc *topo_desc_new(void);
void topo_desc_free(struct topo_desc *d);

/* Defaults for one object, applied before a file's values are overlaid.
 * They read d->mtu, d->bytes and d->reply_bytes, so set those first. */
void topo_desc_default_adapter(const struct topo_desc *d, struct topo_adapter *a);
void topo_desc_default_nic(const struct topo_desc *d, struct topo_nic *n, bool in_host);
void topo_desc_default_container(const struct topo_desc *d, struct topo_container *c);
/* index: the flow's place in desc->flows (its default port is 5001 + index). */
void topo_desc_default_flow(const struct topo_desc *d, struct topo_flow *f, unsigned index);

/* Fill what depends on the whole description, once every object is in:
 * a MAC for every adapter, NIC and container without one (02:1a:7a:xx:xx:xx,
 * in declaration order, none equal to a MAC in use), the far end of every
 * NIC-to-NIC wire named from one end only, each endpoint's display name
 * (default: its name), each flow's name ("FROM->TO", "/2" .. for repeats)
 * and port when unset, and the events sorted by time (stable). Idempotent.
 * topofile_load calls it; a description built in code calls it before
 * topo_desc_check. */
void topo_desc_complete(struct topo_desc *d);

/* Lookups by name; -1 when absent. */
int topo_desc_find_part(const struct topo_desc *d, const char *name);
/* An adapter anywhere: *part gets the partition index. */
int topo_desc_find_adapter(const struct topo_desc *d, const char *name, unsigned *part);
int topo_desc_find_nic(const struct topo_desc *d, const char *name);
int topo_desc_find_host(const struct topo_desc *d, const char *name);
int topo_desc_find_vswitch(const struct topo_desc *d, const char *name);
int topo_desc_find_switch(const struct topo_desc *d, const char *name);
int topo_desc_find_container(const struct topo_desc *d, const char *name);
int topo_desc_find_bridge(const struct topo_desc *d, const char *name);

/* Where an endpoint runs: on an adapter (parts[part].adapters[index]), on a
 * host (hosts[index], its NIC hosts[index].nic) or in a container
 * (containers[index]). */
enum topo_ep_kind { TOPO_EPK_ADAPTER, TOPO_EPK_HOST, TOPO_EPK_CONTAINER };
struct topo_ep_ref {
	enum topo_ep_kind kind;
	unsigned part, index;
	const struct topo_endpoint *ep;
	const uint8_t *mac; /* the MAC of the device the stack owns */
	unsigned mtu;       /* that device's MTU */
};
/* An endpoint by name: 0 with *ref filled, or -1 when absent. */
int topo_desc_find_endpoint(const struct topo_desc *d, const char *name, struct topo_ep_ref *ref);

/* Is VLAN vid carried by adapter a (its PVID or an additional VID)? */
bool topo_desc_adapter_on_vlan(const struct topo_adapter *a, uint16_t vid);
/* The active trunk of VLAN vid on vswitch vsw when every adapter is up, as
 * the hypervisor chooses it (hv_vsw_active_trunk): among the trunks carrying
 * vid, the lowest priority number, then the first declared. true with
 * *part and *adapter set, false when no trunk carries vid. */
bool topo_desc_active_trunk(const struct topo_desc *d, unsigned vsw, uint16_t vid, unsigned *part,
			    unsigned *adapter);
/* "02:00:00:00:00:0a" into buf (18 bytes). */
void topo_desc_format_mac(const uint8_t mac[6], char buf[18]);
/* A virtual time as a file writes it: "2s", "150ms", "1.5s", "20us", "7ns". */
void topo_desc_format_time(uint64_t ns, char *buf, size_t size);

/* A finding of topo_desc_check: an error (the file cannot be built) or a
 * warning (it can, but PowerVM would not carry some traffic: e.g. a VLAN with
 * no active trunk). msg is the whole sentence, without the location. */
struct topo_diag {
	bool error;
	struct topo_src src;
	char msg[384];
};

/* Check what the structure alone cannot hold: unique names and MACs per
 * VLAN, references (bridge ports, NIC peers, flow endpoints, event targets)
 * that resolve, PowerVM's limits, every VLAN that carries external traffic
 * having an active trunk, a layer-2 path both ways for every flow.
 * docs/topology.md lists every finding. Writes up to max findings into out
 * (out may be NULL when max is 0) and returns how many there were in all
 * (which may exceed max); errors come first, each kind in file order.
 * Expects a completed description (topo_desc_complete). */
unsigned topo_desc_check(const struct topo_desc *d, struct topo_diag *out, unsigned max);

/* Check d (topo_desc_check) and print at most max findings to out, one a
 * line as topo_desc_diag_format writes them, then "... and N more" when
 * there were more. Returns the number of errors among all findings. */
unsigned topo_desc_report(const struct topo_desc *d, FILE *out, unsigned max);

/* "examples/x.yaml:12:7: error: <msg>" (the file and place when known) into
 * buf; returns what snprintf returns. */
int topo_desc_diag_format(const struct topo_desc *d, const struct topo_diag *g, char *buf,
			  size_t size);

#endif
