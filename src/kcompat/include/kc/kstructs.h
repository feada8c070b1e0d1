/*
 * kc/kstructs.h — the one header both worlds of the compatibility layer
 * include: the kernel's types and structures as the ibmveth driver uses
 * them, the layer's constants (all KC_-prefixed), and the prototypes of
 * every kernel function the layer implements out of line.
 *
 * Serves the kernel-API headers next to it (linux/, asm/, net/: they add the
 * kernel's own names as macros and inlines on top of this file, for the
 * driver's translation unit) and the layer's runtime in src/kcompat,
 * which includes this file beside illan's own headers. So nothing here may
 * collide with an illan name: kernel constants carry a KC_ prefix and are
 * renamed to their kernel names only in the kernel-API headers; kernel
 * functions keep their kernel names in C but are emitted as kc_<name>
 * symbols (KC_SYM, a GNU asm label), so they can never clash with illan's
 * own csum_tcpudp_magic or ip_fast_csum at link time, and the driver build
 * can list what a driver needs by the kc_ prefix.
 *
 * Written from the kernel's documented interfaces (Documentation/networking,
 * kernel-doc comments of the functions named); no kernel code is copied.
 */
#ifndef KC_KSTRUCTS_H
#define KC_KSTRUCTS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Emit a kernel function under the symbol kc_<name>. */
#define KC_SYM(name) __asm__("kc_" #name)
#define KC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define KC_NORETURN __attribute__((noreturn))

/* ---- Types (include/linux/types.h, asm-generic/int-ll64.h) --------------- */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s8 __s8;
typedef s16 __s16;
typedef s32 __s32;
typedef s64 __s64;
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u16 __sum16;
typedef u32 __wsum;
typedef u64 dma_addr_t;
typedef unsigned int gfp_t;
typedef unsigned short umode_t;
typedef long kc_ssize_t;
typedef u64 netdev_features_t;

/* The kernel's netdev_tx_t (enum netdev_tx; illan has its own enum of
 * that name, so the tag differs). */
typedef enum kc_netdev_tx {
	KC_NETDEV_TX_OK = 0x00,
	KC_NETDEV_TX_BUSY = 0x10,
} netdev_tx_t;

typedef enum kc_irqreturn {
	KC_IRQ_NONE = 0,
	KC_IRQ_HANDLED = 1,
} irqreturn_t;

typedef struct {
	int counter;
} atomic_t;

/* ---- Constants the structures and the runtime share ------------------------ */
#define KC_IFNAMSIZ 16
#define KC_MAX_ADDR_LEN 32
#define KC_ETH_ALEN 6
#define KC_ETH_GSTRING_LEN 32
#define KC_MAX_SKB_FRAGS 17
#define KC_NET_SKB_PAD 128 /* L1_CACHE_BYTES on ppc64 */
#define KC_MAX_TX_QUEUES 64
#define KC_HDR_UNSET 0xffffu /* an unset skb header offset (kernel: ~0U of u16) */
#define KC_DMA_MAPPING_ERROR (~(dma_addr_t)0)

/* ip_summed (include/linux/skbuff.h); same values as illan's pkt.h. */
#define KC_CHECKSUM_NONE 0
#define KC_CHECKSUM_UNNECESSARY 1
#define KC_CHECKSUM_COMPLETE 2
#define KC_CHECKSUM_PARTIAL 3

/* skb_shinfo()->gso_type bits. */
#define KC_SKB_GSO_TCPV4 (1u << 0)
#define KC_SKB_GSO_DODGY (1u << 1)
#define KC_SKB_GSO_TCP_ECN (1u << 2)
#define KC_SKB_GSO_TCP_FIXEDID (1u << 3)
#define KC_SKB_GSO_TCPV6 (1u << 4)

/* pkt_type */
#define KC_PACKET_HOST 0
#define KC_PACKET_BROADCAST 1
#define KC_PACKET_MULTICAST 2
#define KC_PACKET_OTHERHOST 3

/* netdev features, bit numbers as include/linux/netdev_features.h of 6.1
 * numbers them (the ones a driver of this family can name). */
#define KC_NETIF_F_SG (1ull << 0)
#define KC_NETIF_F_IP_CSUM (1ull << 1)
#define KC_NETIF_F_HW_CSUM (1ull << 3)
#define KC_NETIF_F_IPV6_CSUM (1ull << 4)
#define KC_NETIF_F_HIGHDMA (1ull << 5)
#define KC_NETIF_F_FRAGLIST (1ull << 6)
#define KC_NETIF_F_HW_VLAN_CTAG_TX (1ull << 7)
#define KC_NETIF_F_HW_VLAN_CTAG_RX (1ull << 8)
#define KC_NETIF_F_HW_VLAN_CTAG_FILTER (1ull << 9)
#define KC_NETIF_F_VLAN_CHALLENGED (1ull << 10)
#define KC_NETIF_F_GSO (1ull << 11)
#define KC_NETIF_F_LLTX (1ull << 12)
#define KC_NETIF_F_GRO (1ull << 14)
#define KC_NETIF_F_LRO (1ull << 15)
#define KC_NETIF_F_TSO (1ull << 16)
#define KC_NETIF_F_GSO_ROBUST (1ull << 17)
#define KC_NETIF_F_TSO_ECN (1ull << 18)
#define KC_NETIF_F_TSO_MANGLEID (1ull << 19)
#define KC_NETIF_F_TSO6 (1ull << 20)
#define KC_NETIF_F_GSO_LAST_BIT 37
#define KC_NETIF_F_HW_VLAN_STAG_TX (1ull << 40)
#define KC_NETIF_F_RXCSUM (1ull << 43)
#define KC_NETIF_F_GSO_MASK (((1ull << (KC_NETIF_F_GSO_LAST_BIT + 1)) - 1) & ~((1ull << 16) - 1))
#define KC_NETIF_F_CSUM_MASK (KC_NETIF_F_IP_CSUM | KC_NETIF_F_IPV6_CSUM | KC_NETIF_F_HW_CSUM)

/* net_device.flags (include/uapi/linux/if.h) */
#define KC_IFF_UP 0x1
#define KC_IFF_BROADCAST 0x2
#define KC_IFF_PROMISC 0x100
#define KC_IFF_ALLMULTI 0x200
#define KC_IFF_MULTICAST 0x1000

/* net_device.state bits (enum netdev_state_t) */
#define KC_LINK_STATE_START (1ul << 0)
#define KC_LINK_STATE_PRESENT (1ul << 1)
#define KC_LINK_STATE_NOCARRIER (1ul << 2)

/* napi_struct.state bits (enum napi_state) */
#define KC_NAPI_SCHED (1ul << 0)
#define KC_NAPI_MISSED (1ul << 1)
#define KC_NAPI_DISABLE (1ul << 2)

/* DMA directions (include/linux/dma-direction.h) */
#define KC_DMA_BIDIRECTIONAL 0
#define KC_DMA_TO_DEVICE 1
#define KC_DMA_FROM_DEVICE 2
#define KC_DMA_NONE 3

/* ethtool string sets */
#define KC_ETH_SS_TEST 0
#define KC_ETH_SS_STATS 1

/* Log levels of printk and the dev_/netdev_ helpers. */
enum kc_log_level {
	KC_LOG_EMERG = 0,
	KC_LOG_ALERT,
	KC_LOG_CRIT,
	KC_LOG_ERR,
	KC_LOG_WARNING,
	KC_LOG_NOTICE,
	KC_LOG_INFO,
	KC_LOG_DEBUG,
};

/* ---- sysfs objects (include/linux/kobject.h, sysfs.h) ----------------------- */
struct kobject;

struct attribute {
	const char *name;
	umode_t mode;
};

struct attribute_group {
	const char *name;
	struct attribute **attrs;
};

struct sysfs_ops {
	kc_ssize_t (*show)(struct kobject *kobj, struct attribute *attr, char *buf);
	kc_ssize_t (*store)(struct kobject *kobj, struct attribute *attr, const char *buf,
			    size_t count);
};

struct kobj_type {
	void (*release)(struct kobject *kobj);
	const struct sysfs_ops *sysfs_ops;
	const struct attribute_group **default_groups;
};

struct kobject {
	const char *name;
	struct kobject *parent;
	const struct kobj_type *ktype;
	char kc_name[32];
	bool kc_in_sysfs;
};

/* ---- Devices (include/linux/device.h, pm.h) ------------------------------- */
struct device;
struct kc_dev;

struct dev_pm_ops {
	int (*suspend)(struct device *dev);
	int (*resume)(struct device *dev);
	int (*freeze)(struct device *dev);
	int (*thaw)(struct device *dev);
	int (*poweroff)(struct device *dev);
	int (*restore)(struct device *dev);
};

struct device {
	struct kobject kobj;
	struct device *parent;
	void *driver_data;
	const char *kc_name;
	struct kc_dev *kc; /* the layer's instance this device belongs to */
};

/* ---- The VIO bus (arch/powerpc/include/asm/vio.h) --------------------------- */
struct vio_device_id {
	char type[32];
	char compat[32];
};

struct iommu_table {
	unsigned long it_page_shift;
};

struct vio_dev {
	const char *name;
	const char *type;
	u32 unit_address;
	u32 resource_id;
	unsigned int irq;
	struct {
		size_t desired;
		size_t entitled;
		size_t allocated;
		atomic_t allocs_failed;
	} cmo;
	struct device dev;
};

struct device_driver {
	const char *name;
	const struct dev_pm_ops *pm;
};

struct vio_driver {
	const char *name;
	const struct vio_device_id *id_table;
	int (*probe)(struct vio_dev *dev, const struct vio_device_id *id);
	void (*remove)(struct vio_dev *dev);
	void (*shutdown)(struct vio_dev *dev);
	unsigned long (*get_desired_dma)(struct vio_dev *dev);
	const struct dev_pm_ops *pm;
	struct device_driver driver;
};

/* ---- Socket buffers (include/linux/skbuff.h) ------------------------------- */
struct sk_buff;
struct pkt;

typedef struct {
	void *kc_addr;
	unsigned int kc_len;
	unsigned int offset;
} skb_frag_t;

struct skb_shared_info {
	u8 nr_frags;
	u8 tx_flags;
	unsigned short gso_size;
	unsigned short gso_segs;
	unsigned int gso_type;
	struct sk_buff *frag_list;
	skb_frag_t frags[KC_MAX_SKB_FRAGS];
};

struct net_device;

/*
 * A socket buffer. Its bytes are always an illan struct pkt's buffer
 * (kc_pkt): the layer never copies frame bytes between the two; it only
 * carries the metadata across when a packet enters or leaves the driver
 * (kc_skb.c). Offsets (tail, end, the header offsets, csum_start) count
 * from head as on a 64-bit kernel; KC_HDR_UNSET marks an unset header.
 */
struct sk_buff {
	struct sk_buff *next;
	struct sk_buff *prev;
	struct net_device *dev;
	unsigned char *head;
	unsigned char *data;
	unsigned int tail;
	unsigned int end;
	unsigned int len;
	unsigned int data_len;
	u16 mac_len;
	u16 queue_mapping;
	u8 ip_summed;
	u8 csum_level;
	u8 pkt_type;
	__be16 protocol;
	u16 mac_header;
	u16 network_header;
	u16 transport_header;
	u16 csum_start;
	u16 csum_offset;
	__wsum csum;
	unsigned int truesize;
	struct skb_shared_info kc_shinfo;
	/* the layer's own */
	struct pkt *kc_pkt;      /* whose buffer this is */
	struct kc_dev *kc_owner; /* the instance that holds it (leak accounting) */
	struct sk_buff *kc_live_prev, *kc_live_next;
	bool kc_frag_member; /* a frag_list member wrapper: freed with its head */
};

/* ---- Network devices (include/linux/netdevice.h, ethtool.h) ------------------ */
struct napi_struct {
	struct net_device *dev;
	int (*poll)(struct napi_struct *napi, int budget);
	int weight;
	unsigned long state;
	void *kc_host; /* the layer's event-loop task behind it */
};

struct net_device_stats {
	unsigned long rx_packets;
	unsigned long tx_packets;
	unsigned long rx_bytes;
	unsigned long tx_bytes;
	unsigned long rx_errors;
	unsigned long tx_errors;
	unsigned long rx_dropped;
	unsigned long tx_dropped;
	unsigned long multicast;
	unsigned long collisions;
	unsigned long rx_length_errors;
	unsigned long rx_over_errors;
	unsigned long rx_crc_errors;
	unsigned long rx_frame_errors;
	unsigned long rx_fifo_errors;
	unsigned long rx_missed_errors;
	unsigned long tx_aborted_errors;
	unsigned long tx_carrier_errors;
	unsigned long tx_fifo_errors;
	unsigned long tx_heartbeat_errors;
	unsigned long tx_window_errors;
};

struct netdev_hw_addr {
	unsigned char addr[KC_MAX_ADDR_LEN];
	struct netdev_hw_addr *kc_next;
};

struct kc_sockaddr { /* struct sockaddr in the kernel world */
	unsigned short sa_family;
	char sa_data[14];
};
struct ifreq;

struct ethtool_drvinfo {
	u32 cmd;
	char driver[32];
	char version[32];
	char fw_version[32];
	char bus_info[32];
	char erom_version[32];
	char reserved2[12];
	u32 n_priv_flags;
	u32 n_stats;
	u32 testinfo_len;
	u32 eedump_len;
	u32 regdump_len;
};

struct ethtool_stats {
	u32 cmd;
	u32 n_stats;
	u64 data[];
};

struct ethtool_channels {
	u32 cmd;
	u32 max_rx;
	u32 max_tx;
	u32 max_other;
	u32 max_combined;
	u32 rx_count;
	u32 tx_count;
	u32 other_count;
	u32 combined_count;
};

struct ethtool_link_settings {
	u32 cmd;
	u32 speed;
	u8 duplex;
	u8 port;
	u8 phy_address;
	u8 autoneg;
	u8 mdio_support;
	u8 eth_tp_mdix;
	u8 eth_tp_mdix_ctrl;
	s8 link_mode_masks_nwords;
	u8 transceiver;
	u8 master_slave_cfg;
	u8 master_slave_state;
	u8 rate_matching;
};

struct ethtool_link_ksettings {
	struct ethtool_link_settings base;
	struct {
		unsigned long supported[2];
		unsigned long advertising[2];
		unsigned long lp_advertising[2];
	} link_modes;
};

struct net_device;

struct ethtool_ops {
	void (*get_drvinfo)(struct net_device *dev, struct ethtool_drvinfo *info);
	u32 (*get_link)(struct net_device *dev);
	void (*get_strings)(struct net_device *dev, u32 stringset, u8 *data);
	int (*get_sset_count)(struct net_device *dev, int sset);
	void (*get_ethtool_stats)(struct net_device *dev, struct ethtool_stats *stats, u64 *data);
	int (*get_link_ksettings)(struct net_device *dev, struct ethtool_link_ksettings *cmd);
	int (*set_link_ksettings)(struct net_device *dev, const struct ethtool_link_ksettings *cmd);
	void (*get_channels)(struct net_device *dev, struct ethtool_channels *ch);
	int (*set_channels)(struct net_device *dev, struct ethtool_channels *ch);
};

struct net_device_ops {
	int (*ndo_init)(struct net_device *dev);
	void (*ndo_uninit)(struct net_device *dev);
	int (*ndo_open)(struct net_device *dev);
	int (*ndo_stop)(struct net_device *dev);
	netdev_tx_t (*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
	netdev_features_t (*ndo_features_check)(struct sk_buff *skb, struct net_device *dev,
						netdev_features_t features);
	void (*ndo_set_rx_mode)(struct net_device *dev);
	int (*ndo_set_mac_address)(struct net_device *dev, void *addr);
	int (*ndo_validate_addr)(struct net_device *dev);
	int (*ndo_eth_ioctl)(struct net_device *dev, struct ifreq *ifr, int cmd);
	int (*ndo_change_mtu)(struct net_device *dev, int new_mtu);
	void (*ndo_tx_timeout)(struct net_device *dev, unsigned int txqueue);
	netdev_features_t (*ndo_fix_features)(struct net_device *dev, netdev_features_t features);
	int (*ndo_set_features)(struct net_device *dev, netdev_features_t features);
	void (*ndo_poll_controller)(struct net_device *dev);
};

struct net_device {
	char name[KC_IFNAMSIZ];
	unsigned long state;
	netdev_features_t features;
	netdev_features_t hw_features;
	netdev_features_t wanted_features;
	netdev_features_t vlan_features;
	const struct net_device_ops *netdev_ops;
	const struct ethtool_ops *ethtool_ops;
	unsigned int flags;
	unsigned int mtu;
	unsigned int min_mtu;
	unsigned int max_mtu;
	unsigned short type;
	unsigned short hard_header_len;
	unsigned char addr_len;
	const unsigned char *dev_addr;
	unsigned char broadcast[KC_MAX_ADDR_LEN];
	int irq;
	struct net_device_stats stats;
	unsigned int num_tx_queues;
	unsigned int real_num_tx_queues;
	unsigned int num_rx_queues;
	unsigned int real_num_rx_queues;
	struct device dev;
	/* the layer's own */
	unsigned char kc_dev_addr[KC_MAX_ADDR_LEN];
	struct kc_dev *kc;
	struct netdev_hw_addr *kc_mc_list;
	int kc_mc_count;
	unsigned long kc_txq_stopped; /* bit per tx queue, as netif_tx_stop_queue */
	size_t kc_priv_off;
};

/* ---- Modules (include/linux/module.h, moduleparam.h) -------------------------- */
enum kc_param_type {
	KC_PARAM_bool,
	KC_PARAM_int,
	KC_PARAM_uint,
	KC_PARAM_long,
	KC_PARAM_ulong,
	KC_PARAM_ushort,
	KC_PARAM_charp,
};

#define KC_MODULE_MAX_PARAMS 16

struct kc_module_param {
	const char *name;
	enum kc_param_type type;
	void *ptr;
	umode_t perm;
	const char *desc;
};

/*
 * One compiled driver, as a loaded kernel module: what module_init and
 * module_exit named, its parameters (module_param), its modinfo, and the
 * VIO driver its init registered. The driver's translation unit holds one
 * (a static object the kernel-API module.h defines) and exports it through
 * one function named by -DKC_MODULE_SYM.
 */
struct kc_module {
	const char *name; /* KBUILD_MODNAME */
	const char *tag;  /* the kernel version it was built from */
	const char *file; /* the driver's source file as compiled */
	int (*init)(void);
	void (*exit)(void);
	struct kc_module_param params[KC_MODULE_MAX_PARAMS];
	unsigned n_params;
	const char *license, *version, *description;
	struct vio_driver *vio_driver;
	int state; /* 0 not loaded, 1 loaded, negative: init failed */
};

/* ---- The runtime (the .c files of src/kcompat), under kc_ symbols ---------------------- */

/* Context, faults and logs (kc_core.c) */
KC_NORETURN void kc_bug(const char *file, int line, const char *what) KC_SYM(bug);
bool kc_warn(bool cond, const char *file, int line, const char *what) KC_SYM(warn);
void kc_vlog(const struct net_device *ndev, const struct device *dev, int level, const char *fmt,
	     va_list ap) KC_SYM(vlog);
int printk(const char *fmt, ...) KC_SYM(printk) KC_PRINTF(1, 2);
void netdev_printk(int level, const struct net_device *dev, const char *fmt, ...)
	KC_SYM(netdev_printk) KC_PRINTF(3, 4);
void dev_printk(int level, const struct device *dev, const char *fmt, ...) KC_SYM(dev_printk)
	KC_PRINTF(3, 4);
extern bool kc_log_debug;
/* sprintf and snprintf keep libc's names in the runtime's own files, so the
 * kernel-API headers rename them to these. */
int kc_sprintf(char *buf, const char *fmt, ...) KC_PRINTF(2, 3);
int kc_snprintf(char *buf, size_t size, const char *fmt, ...) KC_PRINTF(3, 4);
int scnprintf(char *buf, size_t size, const char *fmt, ...) KC_SYM(scnprintf) KC_PRINTF(3, 4);
long simple_strtol(const char *cp, char **endp, unsigned int base) KC_SYM(simple_strtol);
unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base) KC_SYM(simple_strtoul);
kc_ssize_t strscpy(char *dst, const char *src, size_t count) KC_SYM(strscpy);
unsigned int num_online_cpus(void) KC_SYM(num_online_cpus);
void kc_module_add_param(struct kc_module *mod, const char *name, enum kc_param_type type,
			 void *ptr, umode_t perm) KC_SYM(module_add_param);
void kc_module_param_desc(struct kc_module *mod, const char *name, const char *desc)
	KC_SYM(module_param_desc);
long kc_plpar_hcall(unsigned long opcode, unsigned long *retbuf, unsigned n_ret,
		    const unsigned long *args, unsigned n_args) KC_SYM(plpar_hcall);
extern unsigned long kc_fw_features;
void rtnl_lock(void) KC_SYM(rtnl_lock);
void rtnl_unlock(void) KC_SYM(rtnl_unlock);

/* Memory (kc_mem.c) */
void *kc_kmalloc(size_t size, gfp_t flags, bool zero) KC_SYM(kmalloc);
void kfree(const void *p) KC_SYM(kfree);
unsigned long get_zeroed_page(gfp_t flags) KC_SYM(get_zeroed_page);
unsigned long __get_free_pages(gfp_t flags, unsigned int order) KC_SYM(get_free_pages);
void free_pages(unsigned long addr, unsigned int order) KC_SYM(free_pages);
dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size, int dir,
				unsigned long attrs) KC_SYM(dma_map_single);
void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size, int dir,
			    unsigned long attrs) KC_SYM(dma_unmap_single);
void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t flags)
	KC_SYM(dma_alloc_coherent);
void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle)
	KC_SYM(dma_free_coherent);

/* Socket buffers (kc_skb.c) */
struct sk_buff *__netdev_alloc_skb(struct net_device *dev, unsigned int len, gfp_t gfp)
	KC_SYM(netdev_alloc_skb);
void kfree_skb(struct sk_buff *skb) KC_SYM(kfree_skb);
void consume_skb(struct sk_buff *skb) KC_SYM(consume_skb);
KC_NORETURN void kc_skb_panic(const struct sk_buff *skb, unsigned int len, const char *what)
	KC_SYM(skb_panic);
int skb_checksum_help(struct sk_buff *skb) KC_SYM(skb_checksum_help);
bool skb_partial_csum_set(struct sk_buff *skb, u16 start, u16 off) KC_SYM(skb_partial_csum_set);
int __skb_linearize(struct sk_buff *skb) KC_SYM(skb_linearize);
__be16 eth_type_trans(struct sk_buff *skb, struct net_device *dev) KC_SYM(eth_type_trans);
__sum16 kc_ip_fast_csum(const void *iph, unsigned int ihl) KC_SYM(ip_fast_csum);
__sum16 kc_csum_tcpudp_magic(__be32 saddr, __be32 daddr, u32 len, u8 proto, __wsum sum)
	KC_SYM(csum_tcpudp_magic);
__sum16 kc_csum_ipv6_magic(const void *saddr, const void *daddr, u32 len, u8 proto, __wsum sum)
	KC_SYM(csum_ipv6_magic);

/* Network devices and NAPI (kc_net.c) */
struct net_device *alloc_etherdev_mqs(int sizeof_priv, unsigned int txqs, unsigned int rxqs)
	KC_SYM(alloc_etherdev_mqs);
void free_netdev(struct net_device *dev) KC_SYM(free_netdev);
int register_netdev(struct net_device *dev) KC_SYM(register_netdev);
void unregister_netdev(struct net_device *dev) KC_SYM(unregister_netdev);
int netif_set_real_num_tx_queues(struct net_device *dev, unsigned int txq)
	KC_SYM(netif_set_real_num_tx_queues);
void netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi,
			   int (*poll)(struct napi_struct *, int), int weight)
	KC_SYM(netif_napi_add_weight);
void netif_napi_del(struct napi_struct *napi) KC_SYM(netif_napi_del);
bool napi_schedule_prep(struct napi_struct *n) KC_SYM(napi_schedule_prep);
void __napi_schedule(struct napi_struct *n) KC_SYM(napi_schedule);
bool napi_complete_done(struct napi_struct *n, int work_done) KC_SYM(napi_complete_done);
void napi_enable(struct napi_struct *n) KC_SYM(napi_enable);
void napi_disable(struct napi_struct *n) KC_SYM(napi_disable);
int napi_gro_receive(struct napi_struct *napi, struct sk_buff *skb) KC_SYM(napi_gro_receive);
int netif_receive_skb(struct sk_buff *skb) KC_SYM(netif_receive_skb);
u32 ethtool_op_get_link(struct net_device *dev) KC_SYM(ethtool_op_get_link);
int ethtool_virtdev_set_link_ksettings(struct net_device *dev,
				       const struct ethtool_link_ksettings *cmd, u32 *speed,
				       u8 *duplex) KC_SYM(ethtool_virtdev_set_link_ksettings);

/* The VIO bus, interrupts, sysfs (kc_vio.c) */
int vio_register_driver(struct vio_driver *drv) KC_SYM(vio_register_driver);
void vio_unregister_driver(struct vio_driver *drv) KC_SYM(vio_unregister_driver);
const void *vio_get_attribute(struct vio_dev *vdev, char *which, int *length)
	KC_SYM(vio_get_attribute);
int request_irq(unsigned int irq, irqreturn_t (*handler)(int, void *), unsigned long flags,
		const char *name, void *dev_id) KC_SYM(request_irq);
const void *free_irq(unsigned int irq, void *dev_id) KC_SYM(free_irq);
int kobject_init_and_add(struct kobject *kobj, const struct kobj_type *ktype, struct kobject *parent,
			 const char *fmt, ...) KC_SYM(kobject_init_and_add) KC_PRINTF(4, 5);
int kobject_uevent(struct kobject *kobj, int action) KC_SYM(kobject_uevent);
void kobject_put(struct kobject *kobj) KC_SYM(kobject_put);

#endif
