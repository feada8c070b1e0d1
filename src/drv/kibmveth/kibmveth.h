/*
 * kibmveth.h — bring your own driver: the real ibmveth.c of a Linux tree,
 * built against the compatibility layer (src/kcompat), as an illan netdev
 * for one ILLAN adapter. Several kernel versions live in one program, so a
 * partition on an old kernel runs beside one on a new.
 *
 * Serves the topology and the CLI, which pick per adapter between illan's
 * model of the driver (ibmveth_create, src/drv/ibmveth) and this one
 * ("driver: kernel-6.1", "illan run --driver kernel-6.1").
 *
 * Which versions exist is fixed at build time: meson's -Dkernel_src=PATH
 * (a tree or a linux-source-*.tar.xz, NAME=PATH to name it; several may be
 * given), or, without it, Debian's /usr/src/linux-source-6.1.tar.xz and
 * linux-source-6.12.tar.xz when installed. kbuild.py extracts only
 * drivers/net/ethernet/ibm/ibmveth.{c,h} into the build directory.
 *
 * The contract with the topology, against ibmveth_create:
 *  - the same hypervisor objects: an adapter created with
 *    hv_adapter_create in part, its unit address ua; the device-tree
 *    values in kibmveth_of_node are those of ibmveth_of_node;
 *  - the partition must hold kibmveth_lmem_needed() bytes more of free
 *    logical memory below 4 GiB per adapter (the instance's kernel memory
 *    and its packet pool); the region stays taken after netdev_free;
 *  - the returned netdev is down and registered under name (at most 15
 *    bytes: IFNAMSIZ); dev->pool is in partition memory, for the
 *    partition's stack and, in the IO server, the physical NIC, as with
 *    ibmveth_create; netdev_open/netdev_set_mtu/netdev_free as for any
 *    netdev; its counters are the driver's ethtool -S names plus the
 *    layer's (kcompat.h, KC_DEV_COUNTERS); its log lines through
 *    kc_dev_log_each(kibmveth_kc(dev), ...);
 *  - the seed's fix switches do not apply: a kernel driver is what its
 *    tree is (its module parameters are in kibmveth_params).
 */
#ifndef ILLAN_KIBMVETH_H
#define ILLAN_KIBMVETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev/ev.h"
#include "hv/hv.h"
#include "kcompat/kcompat.h"
#include "net/netdev.h"

#define KIBMVETH_NUM_POOLS 5

/* The device-tree node of the adapter (as struct ibmveth_of_node). */
struct kibmveth_of_node {
	uint8_t mac[6];             /* "local-mac-address" */
	unsigned mcast_filter_size; /* "ibm,mac-address-filters" */
	bool illan_options;         /* "ibm,illan-options" present: CSO offered */
	bool mac_8_bytes;           /* an old pHyp's 8-byte MAC property */
};

/*
 * Settings. Module parameters are module-wide, as in a kernel: they apply
 * to every adapter on that kernel version; a read-only one (old_large_send,
 * 0444) can only be given before the version's first adapter loads it. -1
 * leaves a value as it is. Pool settings are the driver's sysfs attributes
 * (/sys/devices/vio/<ua>/pool<i>/{active,num,size}), written after probe,
 * per adapter.
 */
struct kibmveth_params {
	long rx_copybreak, tx_copybreak, rx_flush, old_large_send;
	unsigned n_cpus; /* num_online_cpus() (the 6.1+ driver opens min(n, 8) tx queues); 0: 1 */
	long pool_active[KIBMVETH_NUM_POOLS];
	long pool_num[KIBMVETH_NUM_POOLS];
	long pool_size[KIBMVETH_NUM_POOLS];
};

/* Everything -1 (the module's and the driver's defaults), one CPU. */
void kibmveth_params_default(struct kibmveth_params *p);

/* Kernel versions built into this program, in configure order. */
unsigned kibmveth_n_versions(void);
/* The i-th version ("6.1") and the source it was built from; NULL past the end. */
const char *kibmveth_version(unsigned i, const char **source);
/* The module of version (accepts "6.1" or "kernel-6.1"), or NULL. */
struct kc_module *kibmveth_module(const char *version);

/* Logical memory an adapter instance takes from its partition. */
size_t kibmveth_lmem_needed(void);

/*
 * Probe the driver of kernel version for adapter ua of part (see the
 * contract above). Returns the netdev, or NULL with the reason in err: a
 * version not built says which Debian package to install; a probe the
 * driver refused gives the driver's own last log line.
 */
struct netdev *kibmveth_create(const char *version, const char *name, struct hv_partition *part,
			       uint64_t ua, const struct kibmveth_of_node *of, struct ev_loop *loop,
			       const struct kibmveth_params *params, char *err, size_t err_size);

/* True if dev was made by kibmveth_create. */
bool kibmveth_is_kibmveth(const struct netdev *dev);
/* The layer's instance behind dev (stats, logs, sysfs, faults), or NULL. */
struct kc_dev *kibmveth_kc(const struct netdev *dev);
/* The kernel version dev runs, or NULL. */
const char *kibmveth_dev_version(const struct netdev *dev);

#endif
