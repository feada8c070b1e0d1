/*
 * kc_vio.c — the VIO bus a partition's kernel sees: the driver a module
 * registers, the device the firmware describes for an ILLAN adapter (its
 * device-tree properties from the adapter's configuration), probe and
 * remove, the adapter's interrupt, and the kobjects a driver hangs under
 * its device (ibmveth's pool0..pool4 with active/num/size), reachable here
 * as per-adapter settings.
 *
 * Serves the driver (through the kernel-API headers), src/drv/kibmveth
 * (kc_dev_probe) and kc_net.c (kc_dev_destroy from the netdev's destroy).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev/errbuf.h"
#include "hv/hv.h"
#include "kcompat/kc_int.h"
#include "pkt/hdr.h"

void kc_faults_init(void);
struct kc_module *kc_module_loading(void);
void kc_dev_destroy(struct kc_dev *kd);

static unsigned kc_next_id;
static struct kc_dev_stats kc_removed; /* counters of removed instances, summed */

/* ---- The bus ------------------------------------------------------------------ */

int vio_register_driver(struct vio_driver *drv)
{
	struct kc_module *mod = kc_module_loading();
	if (!mod) {
		kc_log(NULL, KC_LOG_ERR, "vio_register_driver(%s) outside a module init", drv->name);
		return -EINVAL;
	}
	mod->vio_driver = drv;
	return 0;
}

/* vio_unregister_driver: the kernel's (module exit). */
void vio_unregister_driver(struct vio_driver *drv)
{
	struct kc_module *mod = kc_module_loading();
	if (mod && mod->vio_driver == drv)
		mod->vio_driver = NULL;
}

/* "ibm,illan-options" has no value the driver reads: present or not. */
static const uint8_t kc_prop_present[4];

/* The adapter's device-tree properties, from its configuration. */
const void *vio_get_attribute(struct vio_dev *vdev, char *which, int *length)
{
	struct kc_dev *kd = vdev->dev.kc;
	if (!kd || !which)
		return NULL;
	const void *v = NULL;
	int len = 0;
	if (strcmp(which, "local-mac-address") == 0) {
		v = kd->prop_mac;
		len = kd->cfg.mac_8_bytes ? 8 : 6;
	} else if (strcmp(which, "ibm,mac-address-filters") == 0) {
		v = &kd->prop_filters;
		len = 4;
	} else if (strcmp(which, "ibm,illan-options") == 0 && kd->cfg.illan_options) {
		v = kc_prop_present;
		len = 0;
	}
	if (v && length)
		*length = len;
	return v;
}

/* ---- The interrupt --------------------------------------------------------------- */

static long kc_do_irq(struct kc_dev *kd, void *arg)
{
	(void)arg;
	if (kd->irq_handler)
		kd->irq_handler((int)kd->vdev.irq, kd->irq_dev_id);
	return 0;
}

/* Called by the hypervisor, inside the hcall of whichever partition sent
 * the frame: a nested entry with this instance (and partition) current. */
static void kc_irq_entry(void *arg)
{
	kc_call(arg, kc_do_irq, NULL, 0);
}

static struct kc_dev *kc_dev_by_irq(unsigned int irq)
{
	for (struct kc_dev *kd = kc_devs(); kd; kd = kd->next_dev)
		if (kd->vdev.irq == irq)
			return kd;
	return NULL;
}

/* request_irq: the kernel's: the handler becomes the adapter's hypervisor interrupt. */
int request_irq(unsigned int irq, irqreturn_t (*handler)(int, void *), unsigned long flags,
		const char *name, void *dev_id)
{
	(void)flags;
	(void)name;
	struct kc_dev *kd = kc_dev_by_irq(irq);
	if (!kd || !handler)
		return -EINVAL;
	if (kd->irq_handler)
		return -EBUSY;
	if (hv_set_irq_handler(kd->part, kd->ua, kc_irq_entry, kd) != 0)
		return -ENODEV;
	kd->irq_handler = handler;
	kd->irq_dev_id = dev_id;
	return 0;
}

/* free_irq: the kernel's. */
const void *free_irq(unsigned int irq, void *dev_id)
{
	struct kc_dev *kd = kc_dev_by_irq(irq);
	if (!kd || !kd->irq_handler || kd->irq_dev_id != dev_id) {
		kc_log(kd ? kd : kc_cur(), KC_LOG_WARNING, "Trying to free already-free IRQ %u", irq);
		return NULL;
	}
	hv_set_irq_handler(kd->part, kd->ua, NULL, NULL);
	kd->irq_handler = NULL;
	kd->irq_dev_id = NULL;
	return kd->name;
}

/* ---- kobjects --------------------------------------------------------------------------- */

int kobject_init_and_add(struct kobject *kobj, const struct kobj_type *ktype,
			 struct kobject *parent, const char *fmt, ...)
{
	struct kc_dev *kd = kc_cur();
	for (struct kc_dev *d = kc_devs(); d && parent; d = d->next_dev)
		if (parent == &d->vdev.dev.kobj)
			kd = d;
	kobj->ktype = ktype;
	kobj->parent = parent;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(kobj->kc_name, sizeof(kobj->kc_name), fmt, ap);
	va_end(ap);
	kobj->name = kobj->kc_name;
	if (!kd || kd->n_kobjs >= KC_MAX_KOBJS)
		return -ENOMEM;
	kd->kobjs[kd->n_kobjs++] = kobj;
	kobj->kc_in_sysfs = true;
	return 0;
}

/* kobject_uevent: no udev here: nothing to tell. */
int kobject_uevent(struct kobject *kobj, int action)
{
	(void)kobj;
	(void)action;
	return 0;
}

/* kobject_put: the kernel's: the kobject leaves the instance's sysfs, its release (if
 * any) runs. */
void kobject_put(struct kobject *kobj)
{
	if (!kobj)
		return;
	for (struct kc_dev *kd = kc_devs(); kd; kd = kd->next_dev)
		for (unsigned i = 0; i < kd->n_kobjs; i++)
			if (kd->kobjs[i] == kobj) {
				kd->kobjs[i] = kd->kobjs[--kd->n_kobjs];
				kobj->kc_in_sysfs = false;
				if (kobj->ktype && kobj->ktype->release)
					kobj->ktype->release(kobj);
				return;
			}
}

/* The attribute at path "<kobject>/<attribute>" of kd. */
static int kc_sysfs_find(struct kc_dev *kd, const char *path, struct kobject **kobj,
			 struct attribute **attr)
{
	const char *slash = strchr(path, '/');
	if (!slash)
		return -ENOENT;
	size_t n = (size_t)(slash - path);
	for (unsigned i = 0; i < kd->n_kobjs; i++) {
		struct kobject *k = kd->kobjs[i];
		if (strlen(k->kc_name) != n || strncmp(k->kc_name, path, n) != 0 || !k->ktype ||
		    !k->ktype->default_groups)
			continue;
		for (const struct attribute_group **g = k->ktype->default_groups; *g; g++)
			for (struct attribute **a = (*g)->attrs; a && *a; a++)
				if (strcmp((*a)->name, slash + 1) == 0) {
					*kobj = k;
					*attr = *a;
					return 0;
				}
	}
	return -ENOENT;
}

struct kc_sysfs_op {
	struct kobject *kobj;
	struct attribute *attr;
	const char *in;
	char *out;
};

static long kc_do_store(struct kc_dev *kd, void *arg)
{
	(void)kd;
	struct kc_sysfs_op *op = arg;
	return op->kobj->ktype->sysfs_ops->store(op->kobj, op->attr, op->in, strlen(op->in));
}

static long kc_do_show(struct kc_dev *kd, void *arg)
{
	(void)kd;
	struct kc_sysfs_op *op = arg;
	return op->kobj->ktype->sysfs_ops->show(op->kobj, op->attr, op->out);
}

/* kc_sysfs_store: see kcompat.h. */
long kc_sysfs_store(struct kc_dev *kd, const char *path, const char *value)
{
	struct kc_sysfs_op op = {.in = value};
	if (!kd || !path || !value || kc_sysfs_find(kd, path, &op.kobj, &op.attr))
		return -ENOENT;
	if (!op.kobj->ktype->sysfs_ops || !op.kobj->ktype->sysfs_ops->store ||
	    !(op.attr->mode & 0222))
		return -EACCES;
	return kc_call(kd, kc_do_store, &op, -EIO);
}

/* kc_sysfs_show: see kcompat.h. The driver writes into a page, as sysfs
 * gives it one. */
long kc_sysfs_show(struct kc_dev *kd, const char *path, char *buf, size_t size)
{
	char page[4096] = {0};
	struct kc_sysfs_op op = {.out = page};
	if (!kd || !path || !buf || !size || kc_sysfs_find(kd, path, &op.kobj, &op.attr))
		return -ENOENT;
	if (!op.kobj->ktype->sysfs_ops || !op.kobj->ktype->sysfs_ops->show)
		return -EACCES;
	long n = kc_call(kd, kc_do_show, &op, -EIO);
	if (n >= 0) {
		page[sizeof(page) - 1] = '\0';
		snprintf(buf, size, "%s", page);
	}
	return n;
}

/* ---- Probe and remove
 * --------------------------------------------------------------------- */

static long kc_do_probe(struct kc_dev *kd, void *arg)
{
	return kd->mod->vio_driver->probe(&kd->vdev, arg);
}

static long kc_do_remove(struct kc_dev *kd, void *arg)
{
	(void)arg;
	kd->mod->vio_driver->remove(&kd->vdev);
	return 0;
}

/* The last error line of kd's log (the probe's reason), or "". */
struct kc_last_err {
	char line[KC_LOG_LINE_MAX];
};

static void kc_last_err_fn(void *arg, int level, const char *line)
{
	struct kc_last_err *le = arg;
	if (level <= KC_LOG_WARNING)
		snprintf(le->line, sizeof(le->line), "%s", line);
}

/* Undo a probe that did not leave a registered device: free what the
 * driver left of its net_device, reclaim, forget the instance. */
static void kc_dev_discard(struct kc_dev *kd)
{
	if (kd->irq_handler)
		hv_set_irq_handler(kd->part, kd->ua, NULL, NULL);
	kc_net_napi_fini(kd);
	free(kd->kdev);
	kd->kdev = NULL;
	kc_skb_reclaim(kd);
	kc_mem_fini(kd);
	kc_dev_unlink(kd);
	free(kd);
}

/* kc_dev_probe: see kcompat.h. */
struct kc_dev *kc_dev_probe(struct kc_module *mod, const char *name, struct hv_partition *part,
			    uint64_t ua, struct ev_loop *loop, const struct kc_vio_config *cfg,
			    char *err, size_t err_size)
{
	if (!mod || !name || !*name || !part || !ua || ua > UINT32_MAX || !loop) {
		errbuf_set(err, err_size, "bad arguments");
		return NULL;
	}
	if (strlen(name) >= KC_IFNAMSIZ || netdev_by_name(name)) {
		errbuf_set(err, err_size, "name %s is taken or longer than %d bytes", name,
			   KC_IFNAMSIZ - 1);
		return NULL;
	}
	if (kc_module_load(mod, err, err_size))
		return NULL;
	struct vio_driver *drv = mod->vio_driver;
	const struct vio_device_id *id = drv->id_table;
	while (id && (id->type[0] || id->compat[0]) &&
	       !(strcmp(id->type, "network") == 0 && strcmp(id->compat, "IBM,l-lan") == 0))
		id++;
	if (!id || !(id->type[0] || id->compat[0]) || !drv->probe) {
		errbuf_set(err, err_size, "module %s (%s) does not drive network/IBM,l-lan devices",
			   mod->name, kc_module_tag(mod));
		return NULL;
	}

	struct kc_dev *kd = calloc(1, sizeof(*kd));
	if (!kd) {
		errbuf_set(err, err_size, "out of memory");
		return NULL;
	}
	snprintf(kd->name, sizeof(kd->name), "%s", name);
	kd->mod = mod;
	kd->part = part;
	kd->ua = ua;
	kd->loop = loop;
	if (cfg)
		kd->cfg = *cfg;
	kd->id = kc_next_id++;
	/* the device the firmware describes; sysfs names it by unit address */
	snprintf(kd->bus_id, sizeof(kd->bus_id), "%x", (unsigned)ua);
	kd->vdev.name = "l-lan";
	kd->vdev.type = "network";
	kd->vdev.unit_address = (u32)ua;
	kd->vdev.irq = 0x1000u + kd->id;
	kd->vdev.dev.kc = kd;
	kd->vdev.dev.kc_name = kd->bus_id;
	snprintf(kd->vdev.dev.kobj.kc_name, sizeof(kd->vdev.dev.kobj.kc_name), "%s", kd->bus_id);
	kd->vdev.dev.kobj.name = kd->vdev.dev.kobj.kc_name;
	memcpy(kd->prop_mac + (kd->cfg.mac_8_bytes ? 2 : 0), kd->cfg.mac, 6);
	hdr_put32((uint8_t *)&kd->prop_filters, kd->cfg.mcast_filter_size); /* be32 */
	kc_dev_link(kd);
	if (kc_mem_init(kd)) {
		errbuf_set(err, err_size, "partition %s has not %zu bytes of memory below 4 GiB left",
			   hv_partition_name(part), kc_lmem_needed(&kd->cfg));
		kc_dev_discard(kd);
		return NULL;
	}
	kc_faults_init();

	long rc = kc_call(kd, kc_do_probe, (void *)id, -EFAULT);
	if (rc || kd->dead || !kd->registered) {
		struct kc_last_err le = {{0}};
		kc_dev_log_each(kd, kc_last_err_fn, &le);
		errbuf_set(err, err_size, "%s (%s) probe of %s: %s%s%s", mod->name,
			   kc_module_tag(mod), name,
			   kd->dead ? "oops: "
			   : rc     ? "returned an error"
				    : "registered no net_device",
			   kd->dead     ? kd->oops
			   : le.line[0] ? ": "
					: "",
			   kd->dead ? "" : le.line);
		if (kd->registered && kd->ndev) {
			netdev_free(kd->ndev); /* runs kc_dev_destroy */
			return NULL;
		}
		kc_dev_discard(kd);
		return NULL;
	}
	return kd;
}

/* kc_dev_destroy: from the netdev's destroy (netdev_free): the driver's
 * remove, then whatever it left is counted and reclaimed. */
void kc_dev_destroy(struct kc_dev *kd)
{
	kd->removing = true;
	if (!kd->dead && kd->mod->vio_driver && kd->mod->vio_driver->remove)
		kc_call(kd, kc_do_remove, NULL, 0);
	if (kd->dead) {
		/* the partition's kernel died with the LAN registered: the
		 * partition's reset frees it, so no frame lands in memory that is
		 * about to be reclaimed */
		h_vio_signal(kd->part, kd->ua, VIO_IRQ_DISABLE);
		h_free_logical_lan(kd->part, kd->ua);
	}
	if (kd->irq_handler) {
		hv_set_irq_handler(kd->part, kd->ua, NULL, NULL);
		kd->irq_handler = NULL;
	}
	kc_net_napi_fini(kd);
	if (kd->kdev) {
		free(kd->kdev);
		kd->kdev = NULL;
	}
	unsigned n = kc_skb_reclaim(kd);
	if (n) {
		kd->st.leaked_skbs += n;
		kc_log(kd, KC_LOG_WARNING, "%s: remove left %u skbs; reclaimed", kd->name, n);
	}
	kc_mem_fini(kd);
	for (size_t i = 0; i < kc_dev_counters.n; i++)
		counter_add(&kc_removed, &kc_dev_counters.descs[i],
			    counter_get(&kd->st, &kc_dev_counters.descs[i]));
	kc_dev_unlink(kd);
	free(kd);
}

/* kc_removed_stats: see kcompat.h. */
void kc_removed_stats(struct kc_dev_stats *st)
{
	*st = kc_removed;
}

/* ---- Accessors
 * ------------------------------------------------------------------------------ */

struct netdev *kc_dev_netdev(const struct kc_dev *kd)
{
	return kd ? kd->ndev : NULL;
}

/* kc_dev_module: see kcompat.h. */
struct kc_module *kc_dev_module(const struct kc_dev *kd)
{
	return kd->mod;
}

/* kc_dev_dead: see kcompat.h. */
bool kc_dev_dead(const struct kc_dev *kd, const char **why)
{
	if (why)
		*why = kd->dead ? kd->oops : NULL;
	return kd->dead;
}

/* kc_dev_get_stats: see kcompat.h. */
void kc_dev_get_stats(const struct kc_dev *kd, struct kc_dev_stats *st)
{
	*st = kd->st;
}
