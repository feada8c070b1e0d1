/*
 * kc_core.c — the compatibility layer's core: which driver instance is
 * running (the entry guard kc_call), oopses (BUG, panics, faults in driver
 * code), the driver's log, module loading and parameters, the hcall
 * wrappers routed into illan's hypervisor, and the small library functions
 * (printk's relatives, strscpy, simple_strtol, num_online_cpus, rtnl).
 *
 * Serves the driver (through the kernel-API headers) and the other kc_*.c
 * files (kc_int.h). See kcompat.h for the contracts.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/papr.h"
#include "kcompat/kc_int.h"

COUNTER_SET_DEFINE(kc_dev_counters, "kcompat", struct kc_dev_stats, KC_DEV_COUNTERS);

/* One entry into a driver (kc_call). */
struct kc_frame {
	struct kc_dev *kd;
	struct kc_frame *prev;
	unsigned host_depth; /* > 0: illan code called from the driver is running */
	jmp_buf jb;
};

static struct kc_frame *kc_top;
static struct kc_dev *kc_dev_list;
static struct kc_module *kc_loading; /* the module whose init is running */
static unsigned kc_rtnl_depth;

/* ILLAN_KLOG: unset: logs are kept, not printed; set: copied to stderr;
 * "debug": debug lines kept and printed too (the kernel's dynamic debug). */
static int kc_klog;
bool kc_log_debug;
/* The partition runs in an LPAR, without Cooperative Memory Overcommitment. */
unsigned long kc_fw_features = 1ul << 1; /* FW_FEATURE_LPAR of asm/firmware.h */

__attribute__((constructor)) static void kc_core_init(void)
{
	const char *e = getenv("ILLAN_KLOG");
	kc_klog = !e || !*e ? 0 : strcmp(e, "debug") == 0 ? 2 : 1;
	kc_log_debug = kc_klog == 2;
}

/* ---- Instances and context --------------------------------------------------- */

struct kc_dev *kc_cur(void)
{
	return kc_top ? kc_top->kd : NULL;
}

/* kc_devs: see kc_int.h. */
struct kc_dev *kc_devs(void)
{
	return kc_dev_list;
}

/* kc_dev_link: see kc_int.h. */
void kc_dev_link(struct kc_dev *kd)
{
	kd->next_dev = kc_dev_list;
	kc_dev_list = kd;
}

/* kc_dev_unlink: see kc_int.h. */
void kc_dev_unlink(struct kc_dev *kd)
{
	for (struct kc_dev **pp = &kc_dev_list; *pp; pp = &(*pp)->next_dev)
		if (*pp == kd) {
			*pp = kd->next_dev;
			return;
		}
}

/* kc_host_enter: see kc_int.h. */
void kc_host_enter(void)
{
	if (kc_top)
		kc_top->host_depth++;
}

/* kc_host_exit: see kc_int.h. */
void kc_host_exit(void)
{
	if (kc_top && kc_top->host_depth)
		kc_top->host_depth--;
}

/* kc_call: see kc_int.h. */
long kc_call(struct kc_dev *kd, long (*fn)(struct kc_dev *kd, void *arg), void *arg, long if_dead)
{
	if (kd && kd->dead) {
		kd->st.entries_refused++;
		return if_dead;
	}
	struct kc_frame f = {.kd = kd, .prev = kc_top};
	volatile long rc = if_dead;
	kc_top = &f;
	if (setjmp(f.jb) == 0) {
		rc = fn(kd, arg);
		if (kd && !kd->dead)
			kc_net_sync(kd);
	}
	kc_top = f.prev;
	return rc;
}

/* ---- Logs -------------------------------------------------------------------- */

static void kc_log_store(struct kc_dev *kd, int level, const char *text)
{
	if (level == KC_LOG_DEBUG && kc_klog < 2)
		return;
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		n--;
	if (kc_klog)
		fprintf(stderr, "[kernel %s] <%d> %.*s\n", kd ? kd->name : "-", level, (int)n, text);
	if (!kd)
		return;
	struct kc_log_line *l = &kd->log[kd->log_count % KC_LOG_LINES];
	l->level = level;
	if (n >= sizeof(l->text))
		n = sizeof(l->text) - 1;
	memcpy(l->text, text, n);
	l->text[n] = '\0';
	kd->log_count++;
	if (level <= KC_LOG_ERR)
		kd->st.log_errors++;
	else if (level == KC_LOG_WARNING)
		kd->st.log_warnings++;
}

/* kc_log: see kc_int.h. */
void kc_log(struct kc_dev *kd, int level, const char *fmt, ...)
{
	char buf[KC_LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kc_log_store(kd, level, buf);
}

/* The kernel's "\001" + level prefix of a printk format, if any. */
static const char *kc_printk_level(const char *fmt, int *level)
{
	if (fmt[0] == '\001' && fmt[1] >= '0' && fmt[1] <= '7') {
		*level = fmt[1] - '0';
		return fmt + 2;
	}
	if (fmt[0] == '\001' && fmt[1])
		return fmt + 2;
	return fmt;
}

/* kc_vlog: a line of the driver's, attributed to its instance. */
void kc_vlog(const struct net_device *ndev, const struct device *dev, int level, const char *fmt,
	     va_list ap)
{
	struct kc_dev *kd = ndev && ndev->kc ? ndev->kc : dev && dev->kc ? dev->kc : kc_cur();
	char buf[KC_LOG_LINE_MAX];
	int off = 0;
	if (ndev)
		off = snprintf(buf, sizeof(buf), "%s: ", ndev->name);
	else if (dev)
		off = snprintf(buf, sizeof(buf), "%s %s: ", kd && kd->mod ? kd->mod->name : "vio",
			       dev->kc_name ? dev->kc_name : "?");
	if (off < 0 || (size_t)off >= sizeof(buf))
		off = 0;
	vsnprintf(buf + off, sizeof(buf) - (size_t)off, fmt, ap);
	kc_log_store(kd, level, buf);
}

/* printk: the kernel's; a leading KERN_<level> sets the line's level (default warning). */
int printk(const char *fmt, ...)
{
	int level = KC_LOG_WARNING; /* default_message_loglevel */
	fmt = kc_printk_level(fmt, &level);
	va_list ap;
	va_start(ap, fmt);
	kc_vlog(NULL, NULL, level, fmt, ap);
	va_end(ap);
	return 0;
}

/* netdev_printk: the kernel's; the line is the net_device's instance's. */
void netdev_printk(int level, const struct net_device *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kc_vlog(dev, NULL, level, fmt, ap);
	va_end(ap);
}

/* dev_printk: the kernel's; the line is the device's instance's. */
void dev_printk(int level, const struct device *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kc_vlog(NULL, dev, level, fmt, ap);
	va_end(ap);
}

/* kc_dev_log_each: see kcompat.h. */
void kc_dev_log_each(const struct kc_dev *kd, void (*fn)(void *arg, int level, const char *line),
		     void *arg)
{
	uint64_t first = kd->log_count > KC_LOG_LINES ? kd->log_count - KC_LOG_LINES : 0;
	for (uint64_t i = first; i < kd->log_count; i++) {
		const struct kc_log_line *l = &kd->log[i % KC_LOG_LINES];
		fn(arg, l->level, l->text);
	}
}

/* kc_dev_log_count: see kcompat.h. */
uint64_t kc_dev_log_count(const struct kc_dev *kd)
{
	return kd->log_count;
}

/* ---- Oopses ------------------------------------------------------------------ */

/* kc_oops: see kc_int.h. The instance is stopped: an oops in a kernel kills
 * the context that took it, and what the driver held stays as it was until
 * the instance is removed (kc_mem_fini reclaims it). */
void kc_oops(const char *fmt, ...)
{
	struct kc_frame *f = kc_top;
	char msg[KC_LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f) {
		fprintf(stderr, "illan: kernel oops outside any driver entry: %s\n", msg);
		abort();
	}
	struct kc_dev *kd = f->kd;
	if (kd) {
		kd->dead = true;
		kd->st.oopses++;
		snprintf(kd->oops, sizeof(kd->oops), "%s", msg);
	}
	kc_log_store(kd, KC_LOG_EMERG, msg);
	kc_log(kd, KC_LOG_EMERG, "%s: driver instance stopped after the oops above",
	       kd ? kd->name : "module");
	longjmp(f->jb, 1);
}

static const char *kc_basename(const char *file)
{
	const char *s = strrchr(file, '/');
	return s ? s + 1 : file;
}

/* kc_bug: BUG()/BUG_ON() (kc/base.h): an oops of the running instance. */
void kc_bug(const char *file, int line, const char *what)
{
	kc_oops("kernel BUG at %s:%d! %s", kc_basename(file), line, what);
}

/* kc_warn: WARN_ON() (kc/base.h): logged and counted (warns); returns cond. */
bool kc_warn(bool cond, const char *file, int line, const char *what)
{
	if (cond) {
		struct kc_dev *kd = kc_cur();
		if (kd)
			kd->st.warns++;
		kc_log(kd, KC_LOG_WARNING, "WARNING: at %s:%d %s", kc_basename(file), line, what);
	}
	return cond;
}

/* Faults in driver code: a SIGSEGV or SIGBUS while a driver entry is on top
 * and no illan code called from it is running is the driver's (a NULL skb
 * dereferenced, say): an oops of its instance. Anything else is not ours:
 * the previous action is put back and the fault recurs on return. */
static struct sigaction kc_old_segv, kc_old_bus;
static bool kc_faults_on;

static void kc_fault(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	struct kc_frame *f = kc_top;
	if (f && f->host_depth == 0)
		kc_oops("%s in driver code, address %p",
			sig == SIGSEGV ? "unable to handle kernel paging request (SIGSEGV)" : "SIGBUS",
			si->si_addr);
	sigaction(sig, sig == SIGSEGV ? &kc_old_segv : &kc_old_bus, NULL);
}

/* Install the fault handler once (ILLAN_KC_FAULTS=0 leaves faults alone,
 * for debugging a driver under gdb). */
void kc_faults_init(void);
/* kc_faults_init: installs the fault handler above once. */
void kc_faults_init(void)
{
	if (kc_faults_on)
		return;
	kc_faults_on = true;
	const char *e = getenv("ILLAN_KC_FAULTS");
	if (e && strcmp(e, "0") == 0)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = kc_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER; /* unwinding out of the handler leaves it unblocked */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &kc_old_segv);
	sigaction(SIGBUS, &sa, &kc_old_bus);
}

/* ---- Modules ------------------------------------------------------------------- */

static struct kc_module_param *kc_param_find(struct kc_module *mod, const char *name, bool create)
{
	for (unsigned i = 0; i < mod->n_params; i++)
		if (strcmp(mod->params[i].name, name) == 0)
			return &mod->params[i];
	if (!create || mod->n_params >= KC_MODULE_MAX_PARAMS)
		return NULL;
	struct kc_module_param *p = &mod->params[mod->n_params++];
	memset(p, 0, sizeof(*p));
	p->name = name;
	return p;
}

/* kc_module_add_param: module_param (linux/module.h): find or make the entry, record the
 * variable. */
void kc_module_add_param(struct kc_module *mod, const char *name, enum kc_param_type type,
			 void *ptr, umode_t perm)
{
	struct kc_module_param *p = kc_param_find(mod, name, true);
	if (!p)
		return;
	p->type = type;
	p->ptr = ptr;
	p->perm = perm;
}

/* kc_module_param_desc: MODULE_PARM_DESC (linux/module.h). */
void kc_module_param_desc(struct kc_module *mod, const char *name, const char *desc)
{
	struct kc_module_param *p = kc_param_find(mod, name, true);
	if (p)
		p->desc = desc;
}

/* The module whose init is running (vio_register_driver records into it). */
struct kc_module *kc_module_loading(void);
/* kc_module_loading: see vio_register_driver (kc_vio.c). */
struct kc_module *kc_module_loading(void)
{
	return kc_loading;
}

static long kc_module_run_init(struct kc_dev *kd, void *arg)
{
	(void)kd;
	struct kc_module *mod = arg;
	return mod->init();
}

/* kc_module_load: see kcompat.h. */
int kc_module_load(struct kc_module *mod, char *err, size_t err_size)
{
	if (!mod) {
		if (err)
			snprintf(err, err_size, "no module");
		return -EINVAL;
	}
	if (mod->state == 1)
		return 0;
	if (mod->state < 0 || !mod->init) {
		if (err)
			snprintf(err, err_size, "module %s (%s): %s", mod->name, kc_module_tag(mod),
				 mod->init ? "init failed before" : "no module_init");
		return mod->state < 0 ? mod->state : -ENOEXEC;
	}
	kc_loading = mod;
	long rc = kc_call(NULL, kc_module_run_init, mod, -EFAULT);
	kc_loading = NULL;
	if (rc == 0 && !mod->vio_driver)
		rc = -ENODEV;
	if (rc) {
		mod->state = (int)rc;
		if (err)
			snprintf(err, err_size, "module %s (%s): init returned %ld%s", mod->name,
				 kc_module_tag(mod), rc,
				 rc == -ENODEV ? " (it registered no VIO driver)" : "");
		return (int)rc;
	}
	mod->state = 1;
	return 0;
}

/* kc_module_tag: see kcompat.h. */
const char *kc_module_tag(const struct kc_module *mod)
{
	return mod && mod->tag ? mod->tag : "";
}

/* kc_module_param_set: see kcompat.h. */
int kc_module_param_set(struct kc_module *mod, const char *name, const char *value)
{
	struct kc_module_param *p = mod ? kc_param_find(mod, name, false) : NULL;
	if (!p || !p->ptr)
		return -ENOENT;
	if (!value)
		return -EINVAL;
	if (mod->state == 1 && !(p->perm & 0222))
		return -EPERM; /* read-only once the module is loaded */
	if (p->type == KC_PARAM_bool) {
		bool v;
		if (strchr("1yY", value[0]) && (value[1] == '\0' || value[1] == '\n'))
			v = true;
		else if (strchr("0nN", value[0]) && (value[1] == '\0' || value[1] == '\n'))
			v = false;
		else if (strcmp(value, "true") == 0 || strcmp(value, "on") == 0)
			v = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "off") == 0)
			v = false;
		else
			return -EINVAL;
		*(bool *)p->ptr = v;
		return 0;
	}
	if (p->type == KC_PARAM_charp)
		return -EINVAL; /* no charp parameter is owned here */
	char *end;
	errno = 0;
	bool is_signed = p->type == KC_PARAM_int || p->type == KC_PARAM_long;
	long long s = 0;
	unsigned long long u = 0;
	if (is_signed)
		s = strtoll(value, &end, 0);
	else
		u = strtoull(value, &end, 0);
	if (errno || end == value || (*end && *end != '\n') || (!is_signed && value[0] == '-'))
		return -EINVAL;
	switch (p->type) {
	case KC_PARAM_int:
		if (s < -2147483647ll - 1 || s > 2147483647ll)
			return -EINVAL;
		*(int *)p->ptr = (int)s;
		break;
	case KC_PARAM_long:
		*(long *)p->ptr = (long)s;
		break;
	case KC_PARAM_uint:
		if (u > 0xffffffffull)
			return -EINVAL;
		*(unsigned int *)p->ptr = (unsigned int)u;
		break;
	case KC_PARAM_ulong:
		*(unsigned long *)p->ptr = (unsigned long)u;
		break;
	case KC_PARAM_ushort:
		if (u > 0xffffull)
			return -EINVAL;
		*(unsigned short *)p->ptr = (unsigned short)u;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* kc_module_param_get: see kcompat.h. */
int kc_module_param_get(const struct kc_module *mod, const char *name, char *buf, size_t size)
{
	struct kc_module_param *p = mod ? kc_param_find((struct kc_module *)mod, name, false) : NULL;
	if (!p || !p->ptr || !buf || !size)
		return -ENOENT;
	switch (p->type) {
	case KC_PARAM_bool:
		snprintf(buf, size, "%c", *(bool *)p->ptr ? 'Y' : 'N');
		break;
	case KC_PARAM_int:
		snprintf(buf, size, "%d", *(int *)p->ptr);
		break;
	case KC_PARAM_long:
		snprintf(buf, size, "%ld", *(long *)p->ptr);
		break;
	case KC_PARAM_uint:
		snprintf(buf, size, "%u", *(unsigned int *)p->ptr);
		break;
	case KC_PARAM_ulong:
		snprintf(buf, size, "%lu", *(unsigned long *)p->ptr);
		break;
	case KC_PARAM_ushort:
		snprintf(buf, size, "%hu", *(unsigned short *)p->ptr);
		break;
	case KC_PARAM_charp:
		snprintf(buf, size, "%s", *(char **)p->ptr ? *(char **)p->ptr : "(null)");
		break;
	}
	return 0;
}

/* ---- hcalls ---------------------------------------------------------------------- */

/*
 * The plpar_hcall* wrappers: the arguments as the registers hold them,
 * routed to the hypervisor for the partition of the running instance. The
 * hypervisor may run another partition's driver (its interrupt) inside the
 * call; that is a nested kc_call with its own instance current. A call
 * outside any instance reaches no partition: H_HARDWARE, logged.
 */
long kc_plpar_hcall(unsigned long opcode, unsigned long *retbuf, unsigned n_ret,
		    const unsigned long *args, unsigned n_args)
{
	struct kc_dev *kd = kc_cur();
	if (retbuf)
		memset(retbuf, 0, n_ret * sizeof(*retbuf));
	if (!kd || !kd->part) {
		kc_log(NULL, KC_LOG_ERR, "hcall 0x%lx outside any driver instance", opcode);
		return H_HARDWARE;
	}
	kd->st.hcalls++;
	if (n_args > 9) {
		kd->st.hcall_errors++;
		return H_PARAMETER;
	}
	uint64_t a[9] = {0}, r[4];
	for (unsigned i = 0; i < n_args; i++)
		a[i] = args[i];
	kc_host_enter();
	long rc = hv_hcall(kd->part, opcode, a, r);
	kc_host_exit();
	if (rc != H_SUCCESS)
		kd->st.hcall_errors++;
	for (unsigned i = 0; retbuf && i < n_ret && i < 4; i++)
		retbuf[i] = r[i];
	return rc;
}

/* ---- Library functions ----------------------------------------------------------- */

int kc_sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

/* kc_snprintf: snprintf as the kernel-API headers rename it. */
int kc_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* scnprintf: the characters written, not those that would have been. */
int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	if (!size)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)size - 1 : n;
}

/* simple_strtol: the kernel's (deprecated there, used by ibmveth's sysfs store). */
long simple_strtol(const char *cp, char **endp, unsigned int base)
{
	return strtol(cp, endp, (int)base);
}

/* simple_strtoul: the kernel's. */
unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)
{
	return strtoul(cp, endp, (int)base);
}

/* strscpy: copy with termination; -E2BIG when src did not fit. */
kc_ssize_t strscpy(char *dst, const char *src, size_t count)
{
	if (count == 0)
		return -E2BIG;
	size_t n = strnlen(src, count);
	if (n == count) {
		memcpy(dst, src, count - 1);
		dst[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return (kc_ssize_t)n;
}

/* num_online_cpus: the running instance's kc_vio_config.n_cpus (1 when 0). */
unsigned int num_online_cpus(void)
{
	struct kc_dev *kd = kc_cur();
	return kd && kd->cfg.n_cpus ? kd->cfg.n_cpus : 1;
}

/* rtnl: one thread, so the lock only nests; its depth is kept for sanity. */
void rtnl_lock(void)
{
	kc_rtnl_depth++;
}

/* rtnl_unlock: see rtnl_lock. */
void rtnl_unlock(void)
{
	if (kc_rtnl_depth)
		kc_rtnl_depth--;
}
