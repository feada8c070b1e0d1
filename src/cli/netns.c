/*
 * netns.c — real traffic: `illan netns up|down|status` and `illan daemon`.
 *
 * The kernels of three network namespaces become the operating systems of
 * VM A (vm-a), VM B (vm-b) and external host X (host-x); everything between
 * them is illan, run by the daemon:
 *
 *   vm-a: eth0 (TAP) ══ tap-a ── ibmveth vm-a ── hv ── trunk-in ─┐
 *                                                        bridge ovs0 ── phys ══ wire-x
 *   vm-b: eth0 (TAP) ══ tap-b ── ibmveth vm-b ── hv ── trunk-out ┘            ║ AF_PACKET
 *   host-x: eth0 ═══════════════════ veth ══════════════ illan-io: phys0 ═════╝
 *
 * `netns up` makes the namespaces (and illan-io, which holds the IO
 * server's end of X's cable so nothing appears in the caller's namespace),
 * the veth pair, starts the daemon in the background (pidfile, log and
 * control socket in --dir, default /run/illan), waits until it answers,
 * then gives the kernels their addresses: 192.0.2.1-3/24 and
 * 2001:db8::1-3/64 (documentation ranges; no route leads anywhere else).
 * `netns down` stops the daemon, deletes the veth pair and the namespaces
 * (the TAPs went with the daemon) — also after a crash, and twice in a row.
 * `netns status` needs no root: it shows the daemon's state (root's daemon
 * too) and says the addresses need root rather than leaving them blank.
 * `--fixes` is read by ibmveth_parse_fixes, as `illan run --fixes` is.
 *
 * The daemon: topo_seed_create in real mode (no built-in stacks, monotonic
 * clock), a TAP glued to each VM's ibmveth, the AF_PACKET wire glued to the
 * physical NIC, one epoll loop, a unix control socket (ctl.c is its client),
 * SIGINT/SIGTERM through a signalfd. Idle, it sleeps in epoll_wait.
 *
 * Choices where the sources are silent: X's NIC has TSO and GSO off (it
 * sends MSS-sized frames, as the issue asks, so the IO server's GRO has
 * something to merge); the wire completes checksums X's kernel left partial
 * (X's NIC's CSO); the VMs' multicast lists (all-nodes, solicited-node of
 * the global and link-local addresses) are given to their ibmveth adapters,
 * as the VM kernel's ibmveth_set_multicast_list would; IPv6 DAD is off in
 * the namespaces so addresses work at once.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "bridge/bridge.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/physnic/physnic.h"
#include "drv/tap/tap.h"
#include "ev/ev.h"
#include "pkt/pkt.h"
#include "topo/topo.h"

#define NETNS_DEFAULT_DIR "/run/illan"
#define NETNS_IO "illan-io"       /* the IO server's side of X's cable */
#define NETNS_IFNAME "eth0"       /* the interface inside each namespace */
#define NETNS_WIRE_IF "phys0"     /* the IO server's end of X's cable */

static const char *const ns_names[TOPO_N_EP] = {"vm-a", "vm-b", "host-x"};
static const char *const ns_ip4[TOPO_N_EP] = {"192.0.2.1/24", "192.0.2.2/24", "192.0.2.3/24"};
static const char *const ns_ip6[TOPO_N_EP] = {"2001:db8::1/64", "2001:db8::2/64", "2001:db8::3/64"};
static const char ns_mac_x[] = "02:00:00:00:00:0c"; /* topo's MAC for X */

/* ---- small process helpers ---------------------------------------------- */

/* Run argv (PATH searched), stdout/stderr to /dev/null when quiet, else
 * inherited; out (may be NULL) receives stdout up to size-1 bytes. Returns
 * the exit status, or -1 if it could not run. */
static int run_cmd(char *const argv[], bool quiet, char *out, size_t size)
{
	int pfd[2] = {-1, -1};
	if (out && pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			if (quiet) {
				dup2(null, 1);
				dup2(null, 2);
			}
		}
		if (out) {
			dup2(pfd[1], 1);
			close(pfd[0]);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	size_t got = 0;
	if (out) {
		close(pfd[1]);
		ssize_t n;
		while ((n = read(pfd[0], out + got, size - 1 - got)) > 0) {
			got += (size_t)n;
			if (got == size - 1)
				break;
		}
		out[got] = 0;
		close(pfd[0]);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run a command given as words, loud on failure. Returns its status.
 * quiet is an int: a bool before "..." undergoes promotion (UB with va_start). */
static int runv(int quiet, ...)
{
	char *argv[32];
	int n = 0;
	va_list ap;
	va_start(ap, quiet);
	char *a;
	while (n < 31 && (a = va_arg(ap, char *)) != NULL)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	int rc = run_cmd(argv, quiet, NULL, 0);
	if (rc != 0 && !quiet) {
		fprintf(stderr, "illan: command failed (%d):", rc);
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
	}
	return rc;
}

static bool ns_exists(const char *ns)
{
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	return access(path, F_OK) == 0;
}

/* Write a sysctl inside namespace ns (net sysctls belong to the namespace of
 * the task that touches /proc/sys/net). */
static int ns_sysctl(const char *ns, const char *path, const char *value)
{
	int saved, rc = tap_netns_enter(ns, &saved);
	if (rc < 0)
		return rc;
	char full[256];
	snprintf(full, sizeof(full), "/proc/sys/net/%s", path);
	int fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
	} else {
		if (write(fd, value, strlen(value)) < 0)
			rc = -errno;
		close(fd);
	}
	tap_netns_leave(saved);
	return rc;
}

struct netns_paths {
	char dir[200], pid[256], sock[256], log[256];
};

static void paths_init(struct netns_paths *p, const char *dir)
{
	snprintf(p->dir, sizeof(p->dir), "%s", dir ? dir : NETNS_DEFAULT_DIR);
	snprintf(p->pid, sizeof(p->pid), "%s/illan.pid", p->dir);
	snprintf(p->sock, sizeof(p->sock), "%s/ctl.sock", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/daemon.log", p->dir);
}

/* True if pid is an `illan daemon` whose --dir is dir (so a recycled pid,
 * or another instance's daemon, is never signalled). */
static bool is_our_daemon(pid_t pid, const char *dir)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	/* argv: illan daemon --dir DIR ... (NUL-separated) */
	const char *argv[4] = {NULL};
	size_t off = 0;
	for (int i = 0; i < 4 && off < (size_t)n; i++) {
		argv[i] = buf + off;
		off += strlen(buf + off) + 1;
	}
	if (!argv[3])
		return false;
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	return strcmp(base, "illan") == 0 && strcmp(argv[1], "daemon") == 0 &&
	       strcmp(argv[2], "--dir") == 0 && strcmp(argv[3], dir) == 0;
}

/* The daemon's pid if the pidfile names our live daemon, else 0. */
static pid_t daemon_pid(const struct netns_paths *p)
{
	FILE *f = fopen(p->pid, "r");
	if (!f)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1)
		return 0;
	/* EPERM: the process exists but is not ours to signal — root's daemon
	 * seen by another user (`netns status` without root) is alive. */
	bool not_ours = false;
	if (kill((pid_t)pid, 0) < 0) {
		if (errno != EPERM)
			return 0;
		not_ours = true;
	}
	if (is_our_daemon((pid_t)pid, p->dir))
		return (pid_t)pid;
	if (!not_ours)
		return 0;
	/* Another user's process whose command line is hidden from us (/proc
	 * mounted hidepid=): the pidfile names a live process, which is the
	 * best we can know. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EACCES || errno == ENOENT ? (pid_t)pid : 0;
}

/* A daemon of this dir without a pidfile (up was interrupted between start
 * and ready): found by its command line. 0 if none. */
static pid_t daemon_pid_scan(const struct netns_paths *p)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	pid_t found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid == getpid())
			continue;
		if (is_our_daemon((pid_t)pid, p->dir))
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* Ask the daemon one question over the control socket; the answer goes to
 * out (may be NULL). Returns 0 or -errno. */
static int ctl_ask(const char *sock_path, const char *cmd, FILE *out)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen = strlen(sock_path);
	if (plen >= sizeof(sa.sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, sock_path, plen + 1);
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0) {
		rc = -errno;
		goto out_close;
	}
	char buf[4096];
	ssize_t n;
	bool any = false;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		any = true;
		if (out)
			fwrite(buf, 1, (size_t)n, out);
	}
	if (!any)
		rc = -EIO;
out_close:
	close(fd);
	return rc;
}

/* ---- fixes ------------------------------------------------------------------ */

/* --fixes takes exactly what `illan run --fixes` takes: ibmveth_parse_fixes
 * (all, none, or a comma list of fix numbers 1-4 and/or names, the fixes
 * kept on). The daemon gets the set back in that form from fixes_format. */
static void fixes_format(unsigned mask, char *out, size_t size)
{
	if (mask == IBMVETH_FIX_ALL) {
		snprintf(out, size, "all");
		return;
	}
	if (mask == 0) {
		snprintf(out, size, "none");
		return;
	}
	size_t n = 0;
	out[0] = 0;
	for (unsigned i = 0; i < 4; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%u", n ? "," : "", i + 1);
}

#define NETNS_FIXES_HELP                                                                           \
	"all (default), none, or a comma list of the fixes to keep on: numbers 1-4 and/or\n"        \
	"           names (trunk-offload, trunk-csum-partial, pseudo-csum, fraglist-linearize),\n"  \
	"           as 'illan run --fixes' takes; e.g. 1,3,4 switches fix 2 off\n"

/* ======================================================================
 * The daemon
 * ====================================================================== */

struct daemon {
	struct topo *topo;
	struct netdev *tap[2]; /* tap-a, tap-b */
	struct netdev *wire;   /* wire-x */
	struct netns_paths paths;
	int listen_fd, sig_fd;
	struct ev_fd listen_w, sig_w;
	bool stop;
	uint64_t started_ns;
	unsigned fixes;
	bool no_offload;
	unsigned mtu;
	uint64_t ctl_requests, wire_rx_refused;
};

static void dlog(const char *fmt, ...)
{
	time_t now = time(NULL);
	struct tm tm;
	char ts[32];
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s illan-daemon[%d]: ", ts, (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* TAP -> the partition's adapter: what the VM kernel sends goes out through
 * its ibmveth, offload metadata and all. */
static void glue_tap_rx(void *arg, struct netdev *tap, struct pkt *p)
{
	(void)tap;
	dev_queue_xmit(arg, p);
}

/* The adapter received a frame: up into the VM kernel through its TAP. */
static void glue_vm_rx(void *arg, struct netdev *vm, struct pkt *p)
{
	(void)vm;
	dev_queue_xmit(arg, p);
}

/* X's cable -> the physical NIC (which copies the bytes off the wire). */
static void glue_wire_rx(void *arg, struct netdev *wire, struct pkt *p)
{
	struct daemon *d = arg;
	(void)wire;
	if (pkt_has_frag_list(p) && pkt_linearize(p) < 0) {
		d->wire_rx_refused++;
	} else if (physnic_wire_receive(d->topo->phys, pkt_data(p), p->len) < 0) {
		d->wire_rx_refused++; /* counted by the NIC too */
	}
	pkt_free(p);
}

/* The physical NIC transmits a finished frame onto X's cable. */
static int glue_wire_tx(void *arg, const uint8_t *frame, uint32_t len)
{
	return tap_send_frame(arg, frame, len);
}

/* Tell a VM's adapter the multicast groups its kernel joined for IPv6:
 * all-nodes and the solicited-node groups of its addresses. */
static void add_ipv6_groups(struct netdev *vm, const uint8_t mac[6], const uint8_t ip6[16])
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

/* Every counter as (object, name, value), in visiting order. */
struct counter_row {
	char obj[NETDEV_NAME_MAX + 8];
	char name[64];
	uint64_t v;
};
struct counter_table {
	struct counter_row *rows;
	size_t n, cap;
};

static void table_add(struct counter_table *t, const char *obj, const char *name, uint64_t v)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct counter_row *r = realloc(t->rows, cap * sizeof(*r));
		if (!r)
			return;
		t->rows = r;
		t->cap = cap;
	}
	struct counter_row *r = &t->rows[t->n++];
	snprintf(r->obj, sizeof(r->obj), "%s", obj);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->v = v;
}

static void table_visit(void *arg, const char *obj, const char *name, uint64_t v)
{
	table_add(arg, obj, name, v);
}

struct dev_visit {
	struct counter_table *t;
	const char *obj;
};

static void dev_visit_one(void *arg, const struct counter_desc *d, uint64_t v)
{
	struct dev_visit *dv = arg;
	table_add(dv->t, dv->obj, d->name, v);
}

static void daemon_counters(struct daemon *d, struct counter_table *t)
{
	topo_for_each_counter(d->topo, table_visit, t);
	struct netdev *mine[] = {d->tap[0], d->tap[1], d->wire};
	for (size_t i = 0; i < 3; i++) {
		if (!mine[i])
			continue;
		struct dev_visit dv = {t, mine[i]->name};
		netdev_for_each_counter(mine[i], dev_visit_one, &dv);
	}
	table_add(t, "daemon", "ctl_requests", d->ctl_requests);
	table_add(t, "daemon", "wire_rx_refused", d->wire_rx_refused);
	table_add(t, "daemon", "pkts_outstanding", pkt_outstanding_total());
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* {"counters": {"obj": {"name": v, ...}, ...}} — objects in first-seen
 * order, each object's counters together even if visited apart. */
static void write_stats_json(struct daemon *d, FILE *f)
{
	struct counter_table t = {0};
	daemon_counters(d, &t);
	bool *done = calloc(t.n ? t.n : 1, sizeof(bool));
	fprintf(f, "{\"counters\": {");
	bool first_obj = true;
	for (size_t i = 0; i < t.n && done; i++) {
		if (done[i])
			continue;
		fprintf(f, "%s\n  ", first_obj ? "" : ",");
		first_obj = false;
		json_str(f, t.rows[i].obj);
		fprintf(f, ": {");
		bool first = true;
		for (size_t j = i; j < t.n; j++) {
			if (done[j] || strcmp(t.rows[j].obj, t.rows[i].obj) != 0)
				continue;
			done[j] = true;
			fprintf(f, "%s", first ? "" : ", ");
			first = false;
			json_str(f, t.rows[j].name);
			fprintf(f, ": %" PRIu64, t.rows[j].v);
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n}}\n");
	free(done);
	free(t.rows);
}

static void write_stats_text(struct daemon *d, FILE *f)
{
	struct counter_table t = {0};
	daemon_counters(d, &t);
	for (size_t i = 0; i < t.n; i++)
		fprintf(f, "%-12s %-28s %" PRIu64 "\n", t.rows[i].obj, t.rows[i].name, t.rows[i].v);
	free(t.rows);
}

static void write_status(struct daemon *d, FILE *f)
{
	fprintf(f, "{\"pid\": %d, \"uptime_ms\": %" PRIu64 ", \"fixes\": %u, \"offload\": %s, \"mtu\": %u}\n",
		(int)getpid(), (ev_now(d->topo->loop) - d->started_ns) / 1000000, d->fixes,
		d->no_offload ? "false" : "true", d->mtu);
}

/* One control connection: read a command line, answer, close. The answer is
 * small and the client waits for it, so a blocking exchange with timeouts
 * is simpler than a state machine and costs the loop at most a moment. */
static void ctl_accept(struct ev_fd *w, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)w - offsetof(struct daemon, listen_w));
	(void)events;
	int c = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	d->ctl_requests++;
	struct timeval tv = {.tv_sec = 1};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char cmd[64];
	size_t got = 0;
	while (got < sizeof(cmd) - 1) {
		ssize_t n = read(c, cmd + got, sizeof(cmd) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(cmd, '\n', got))
			break;
	}
	cmd[got] = 0;
	cmd[strcspn(cmd, "\r\n")] = 0;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f) {
		close(c);
		return;
	}
	if (strcmp(cmd, "status") == 0)
		write_status(d, f);
	else if (strcmp(cmd, "stats") == 0)
		write_stats_text(d, f);
	else if (strcmp(cmd, "stats-json") == 0)
		write_stats_json(d, f);
	else if (strcmp(cmd, "flows") == 0)
		br_flows_print(d->topo->br, f);
	else
		fprintf(f, "error: unknown command '%s'\n", cmd);
	fclose(f);
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(c, buf + off, size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(buf);
	close(c);
}

static void on_signal(struct ev_fd *w, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)w - offsetof(struct daemon, sig_w));
	(void)events;
	struct signalfd_siginfo si;
	if (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		dlog("signal %u: stopping", si.ssi_signo);
		d->stop = true;
	}
}

static int ctl_listen(struct daemon *d)
{
	unlink(d->paths.sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen = strlen(d->paths.sock);
	if (plen >= sizeof(sa.sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, d->paths.sock, plen + 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	chmod(d->paths.sock, 0600);
	d->listen_fd = fd;
	return 0;
}

static int daemon_attach(struct daemon *d, char *err, size_t err_size)
{
	struct topo *t = d->topo;
	struct netdev *vms[2] = {t->vm_a, t->vm_b};
	static const char *const tap_names[2] = {"tap-a", "tap-b"};
	for (int e = 0; e < 2; e++) {
		struct tap_config tc = {
			.kind = TAP_KIND_TUN,
			.name = tap_names[e],
			.netns = ns_names[e],
			.ifname = NETNS_IFNAME,
			.mac = t->mac[e],
			.mtu = d->mtu,
			.offloads = tap_offloads_from_features(vms[e]->features),
			/* The VM kernel's packets are its partition's memory, so
			 * its ibmveth can map them as it maps its stack's. */
			.pool = vms[e]->pool,
			.loop = t->loop,
		};
		d->tap[e] = tap_create(&tc, err, err_size);
		if (!d->tap[e])
			return -1;
		netdev_set_rx_handler(d->tap[e], glue_tap_rx, vms[e]);
		netdev_set_rx_handler(vms[e], glue_vm_rx, d->tap[e]);
		add_ipv6_groups(vms[e], t->mac[e], t->ip6[e]);
		dlog("%s: %s in %s, TUNSETOFFLOAD 0x%x (adapter features 0x%x)", tap_names[e],
		     NETNS_IFNAME, ns_names[e], tc.offloads, vms[e]->features);
	}
	/* Bridge ports are promiscuous (br_add_if and OVS's ovs_netdev_link
	 * call dev_set_promiscuity), so the trunks take every multicast frame
	 * — ND needs that. Idempotent if the bridge did it already. */
	netdev_set_promisc(t->trunk_in, true);
	netdev_set_promisc(t->trunk_out, true);
	struct tap_config wc = {
		.kind = TAP_KIND_PACKET,
		.name = "wire-x",
		.netns = NETNS_IO,
		.ifname = NETNS_WIRE_IF,
		.mtu = d->mtu,
		.wire = true,
		.loop = t->loop,
	};
	d->wire = tap_create(&wc, err, err_size);
	if (!d->wire)
		return -1;
	netdev_set_rx_handler(d->wire, glue_wire_rx, d);
	physnic_set_wire(t->phys, glue_wire_tx, d->wire);
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	if (d->topo && d->topo->phys)
		physnic_set_wire(d->topo->phys, NULL, NULL);
	struct netdev *vms[2] = {d->topo ? d->topo->vm_a : NULL, d->topo ? d->topo->vm_b : NULL};
	for (int e = 0; e < 2; e++) {
		if (vms[e])
			netdev_set_rx_handler(vms[e], NULL, NULL);
		if (d->tap[e])
			netdev_free(d->tap[e]);
		d->tap[e] = NULL;
	}
	if (d->wire)
		netdev_free(d->wire);
	d->wire = NULL;
	if (d->listen_fd >= 0) {
		if (d->topo)
			ev_fd_del(d->topo->loop, &d->listen_w);
		close(d->listen_fd);
		unlink(d->paths.sock);
	}
	if (d->sig_fd >= 0) {
		if (d->topo)
			ev_fd_del(d->topo->loop, &d->sig_w);
		close(d->sig_fd);
	}
	if (d->topo) {
		uint64_t leaked = topo_destroy(d->topo);
		if (leaked)
			dlog("%" PRIu64 " packets still outstanding at teardown", leaked);
	}
	d->topo = NULL;
}

static void daemon_usage(FILE *f)
{
	fprintf(f, "usage: illan daemon [--dir DIR] [--fixes LIST] [--no-offload] [--no-gro] [--mtu N]\n"
		   "  Runs the emulator between the TAPs in vm-a/vm-b and the veth in %s\n"
		   "  (made by 'illan netns up', which starts this). Stops on SIGINT/SIGTERM.\n",
		   NETNS_IO);
}

/* cmd_daemon: see cli.h. Runs in the foreground; `netns up` backgrounds it. */
int cmd_daemon(int argc, char **argv)
{
	struct daemon d;
	memset(&d, 0, sizeof(d));
	d.listen_fd = d.sig_fd = -1;
	d.fixes = IBMVETH_FIX_ALL;
	d.mtu = 1500;
	const char *dir = NULL;
	bool gro = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(a, "--fixes") == 0 && i + 1 < argc) {
			if (ibmveth_parse_fixes(argv[++i], &d.fixes) < 0) {
				fprintf(stderr, "illan daemon: bad --fixes '%s': expected " NETNS_FIXES_HELP,
					argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--mtu") == 0 && i + 1 < argc) {
			d.mtu = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(a, "--no-offload") == 0) {
			d.no_offload = true;
		} else if (strcmp(a, "--no-gro") == 0) {
			gro = false;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			daemon_usage(stdout);
			return 0;
		} else {
			daemon_usage(stderr);
			return 2;
		}
	}
	paths_init(&d.paths, dir);
	if (d.mtu < 576 || d.mtu > 9000) {
		fprintf(stderr, "illan daemon: --mtu must be 576..9000\n");
		return 2;
	}

	/* Signals come through the loop, not as interruptions. */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.fixes = d.fixes;
	cfg.no_offload = d.no_offload;
	cfg.mtu = d.mtu;
	cfg.gro = gro;
	cfg.real = true;
	cfg.monotonic = true;
	char err[256] = "";
	int status = 1;
	d.topo = topo_seed_create(&cfg, err, sizeof(err));
	if (!d.topo) {
		dlog("cannot build the topology: %s", err);
		return 1;
	}
	d.started_ns = ev_now(d.topo->loop);
	if (daemon_attach(&d, err, sizeof(err)) < 0) {
		dlog("cannot attach the namespaces: %s", err);
		goto out;
	}
	d.sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	d.sig_w.fn = on_signal;
	d.listen_w.fn = ctl_accept;
	int rc = d.sig_fd < 0 ? -errno : ev_fd_add(d.topo->loop, &d.sig_w, d.sig_fd, EPOLLIN);
	if (rc == 0)
		rc = ctl_listen(&d);
	if (rc == 0)
		rc = ev_fd_add(d.topo->loop, &d.listen_w, d.listen_fd, EPOLLIN);
	if (rc < 0) {
		dlog("control socket %s: %s", d.paths.sock, strerror(-rc));
		goto out;
	}
	FILE *pf = fopen(d.paths.pid, "w");
	if (pf) {
		fprintf(pf, "%d\n", (int)getpid());
		fclose(pf);
	}
	dlog("ready: fixes 0x%x, %s, mtu %u, gro %s, control %s", d.fixes,
	     d.no_offload ? "no offload" : "offloads on", d.mtu, gro ? "on" : "off", d.paths.sock);
	while (!d.stop)
		ev_run_once(d.topo->loop, UINT64_MAX);
	status = 0;
out:
	daemon_teardown(&d);
	unlink(d.paths.pid);
	dlog("stopped");
	return status;
}

/* ======================================================================
 * netns up / down / status
 * ====================================================================== */

struct up_opts {
	const char *dir;
	unsigned fixes;
	bool no_offload, no_gro, json;
	unsigned mtu;
};

static bool need_root(const char *what)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr,
		"illan netns %s: needs root — creating network namespaces, TAP devices (/dev/net/tun)\n"
		"and veth pairs takes CAP_SYS_ADMIN and CAP_NET_ADMIN. Run it as root, e.g.\n"
		"  sudo illan netns %s\n",
		what, what);
	return false;
}

/* Stop the daemon (SIGTERM, then SIGKILL after 5 s) and delete everything
 * `up` made. Quiet and successful when nothing is there.
 *
 * The TAPs are not persistent: they go with the daemon's file descriptors,
 * also when it crashed. The veth pair is deleted by name before the
 * namespaces, so it is gone even if some process (a shell, a server left
 * running) keeps a namespace alive after its name is removed; such
 * processes are named on stderr — they are the user's, not ours to kill. */
static int netns_down(const struct netns_paths *p, bool verbose)
{
	pid_t pid = daemon_pid(p);
	if (!pid)
		pid = daemon_pid_scan(p);
	if (pid) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
			if (waitpid(pid, NULL, WNOHANG) == pid) /* our child (up failing) */
				break;
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		if (kill(pid, 0) == 0) {
			kill(pid, SIGKILL);
			for (int i = 0; i < 40 && kill(pid, 0) == 0; i++) {
				if (waitpid(pid, NULL, WNOHANG) == pid)
					break;
				struct timespec ts = {0, 50 * 1000 * 1000};
				nanosleep(&ts, NULL);
			}
		}
		if (verbose)
			printf("stopped daemon %d\n", (int)pid);
	}
	if (ns_exists(NETNS_IO))
		runv(true, "ip", "-n", NETNS_IO, "link", "del", NETNS_WIRE_IF, (char *)NULL);
	const char *all[] = {ns_names[0], ns_names[1], ns_names[2], NETNS_IO};
	int rc = 0;
	for (size_t i = 0; i < 4; i++) {
		if (!ns_exists(all[i]))
			continue;
		char pids[256] = "";
		char *argv[] = {"ip", "netns", "pids", (char *)all[i], NULL};
		if (run_cmd(argv, true, pids, sizeof(pids)) == 0 && pids[0]) {
			size_t len = strlen(pids);
			while (len && pids[len - 1] == '\n')
				pids[--len] = 0;
			for (char *c = pids; *c; c++)
				if (*c == '\n')
					*c = ' ';
			fprintf(stderr, "illan netns down: processes still in %s (%s) keep it alive\n",
				all[i], pids);
		}
		if (runv(false, "ip", "netns", "del", all[i], (char *)NULL) != 0)
			rc = 1;
		else if (verbose)
			printf("deleted namespace %s\n", all[i]);
	}
	unlink(p->pid);
	unlink(p->sock);
	return rc;
}

static int wait_ready(const struct netns_paths *p, pid_t child)
{
	for (int i = 0; i < 200; i++) { /* 20 s */
		if (ctl_ask(p->sock, "status", NULL) == 0)
			return 0;
		int st;
		if (waitpid(child, &st, WNOHANG) == child)
			return -ECHILD;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static void print_log_tail(const char *log)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	char line[512];
	fprintf(stderr, "--- %s ---\n", log);
	long lines = 0;
	while (fgets(line, sizeof(line), f))
		lines++;
	rewind(f);
	long skip = lines > 20 ? lines - 20 : 0;
	while (fgets(line, sizeof(line), f))
		if (skip-- <= 0)
			fputs(line, stderr);
	fclose(f);
}

static pid_t start_daemon(const struct netns_paths *p, const struct up_opts *o)
{
	char fixes[16], mtu[16];
	fixes_format(o->fixes, fixes, sizeof(fixes));
	snprintf(mtu, sizeof(mtu), "%u", o->mtu);
	char *argv[16];
	int n = 0;
	argv[n++] = "illan";
	argv[n++] = "daemon";
	argv[n++] = "--dir";
	argv[n++] = (char *)p->dir;
	argv[n++] = "--fixes";
	argv[n++] = fixes;
	argv[n++] = "--mtu";
	argv[n++] = mtu;
	if (o->no_offload)
		argv[n++] = "--no-offload";
	if (o->no_gro)
		argv[n++] = "--no-gro";
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	setsid();
	int null = open("/dev/null", O_RDWR);
	int log = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (null >= 0)
		dup2(null, 0);
	if (log >= 0) {
		dup2(log, 1);
		dup2(log, 2);
	}
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	/* The real path, so the daemon's name is illan (not "exe"). */
	char self[512];
	ssize_t sn = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sn > 0) {
		self[sn] = 0;
		execv(self, argv);
	}
	execv("/proc/self/exe", argv);
	_exit(127);
}

static int netns_up(const struct netns_paths *p, const struct up_opts *o)
{
	if (!need_root("up"))
		return 1;
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr, "illan netns up: /dev/net/tun is missing (modprobe tun) — TAP devices need it\n");
		return 1;
	}
	pid_t running = daemon_pid(p);
	if (running) {
		fprintf(stderr, "illan netns up: already up (daemon %d); 'illan netns down' first\n",
			(int)running);
		return 1;
	}
	netns_down(p, false); /* leftovers of a crash */
	if (mkdir(p->dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "illan netns up: mkdir %s: %s\n", p->dir, strerror(errno));
		return 1;
	}
	char mtu[16];
	snprintf(mtu, sizeof(mtu), "%u", o->mtu);
	const char *all[] = {ns_names[0], ns_names[1], ns_names[2], NETNS_IO};
	for (size_t i = 0; i < 4; i++) {
		if (runv(false, "ip", "netns", "add", all[i], (char *)NULL) ||
		    runv(false, "ip", "-n", all[i], "link", "set", "lo", "up", (char *)NULL))
			goto fail;
		if (i < 3) {
			ns_sysctl(all[i], "ipv6/conf/all/accept_dad", "0");
			ns_sysctl(all[i], "ipv6/conf/default/accept_dad", "0");
			ns_sysctl(all[i], "ipv6/conf/default/router_solicitations", "0");
		} else {
			/* The IO server's cable end is a switch port, not a host. */
			ns_sysctl(all[i], "ipv6/conf/all/disable_ipv6", "1");
			ns_sysctl(all[i], "ipv6/conf/default/disable_ipv6", "1");
		}
	}
	if (runv(false, "ip", "-n", NETNS_IO, "link", "add", NETNS_WIRE_IF, "mtu", mtu, "type", "veth",
		 "peer", "name", NETNS_IFNAME, "netns", ns_names[TOPO_EP_X], (char *)NULL) ||
	    runv(false, "ip", "-n", ns_names[TOPO_EP_X], "link", "set", NETNS_IFNAME, "address",
		 ns_mac_x, "mtu", mtu, "up", (char *)NULL))
		goto fail;
	/* X sends MSS-sized frames (its NIC does no TSO), and the IO server's
	 * cable end does not merge them before illan's physical NIC sees them. */
	if (runv(false, "ip", "netns", "exec", ns_names[TOPO_EP_X], "ethtool", "-K", NETNS_IFNAME,
		 "tso", "off", "gso", "off", (char *)NULL) ||
	    runv(false, "ip", "netns", "exec", NETNS_IO, "ethtool", "-K", NETNS_WIRE_IF, "gro", "off",
		 (char *)NULL))
		goto fail;

	pid_t child = start_daemon(p, o);
	if (child < 0) {
		perror("illan netns up: fork");
		goto fail;
	}
	int rc = wait_ready(p, child);
	if (rc < 0) {
		fprintf(stderr, "illan netns up: the daemon %s\n",
			rc == -ECHILD ? "exited during start-up" : "did not answer within 20 s");
		print_log_tail(p->log);
		goto fail;
	}
	for (int e = 0; e < TOPO_N_EP; e++) {
		if (runv(false, "ip", "-n", ns_names[e], "addr", "add", ns_ip4[e], "dev", NETNS_IFNAME,
			 (char *)NULL) ||
		    runv(false, "ip", "-n", ns_names[e], "addr", "add", ns_ip6[e], "dev", NETNS_IFNAME,
			 "nodad", (char *)NULL))
			goto fail;
	}
	/* Traffic can flow when A reaches B and X over the emulated path
	 * (ICMP needs no checksum offload, so this holds for every fix set). */
	const char *peers[3] = {"192.0.2.2", "192.0.2.3", "2001:db8::2"};
	for (int i = 0; i < 3; i++) {
		int ok = 1;
		for (int tries = 0; tries < 5 && ok != 0; tries++)
			ok = runv(true, "ip", "netns", "exec", ns_names[0], "ping", "-c", "1", "-W", "1",
				  peers[i], (char *)NULL);
		if (ok != 0) {
			fprintf(stderr, "illan netns up: vm-a cannot ping %s through the emulator\n",
				peers[i]);
			print_log_tail(p->log);
			goto fail;
		}
	}
	char fixes[16];
	fixes_format(o->fixes, fixes, sizeof(fixes));
	printf("illan netns up: vm-a 192.0.2.1, vm-b 192.0.2.2, host-x 192.0.2.3 (and 2001:db8::1-3);\n"
	       "  daemon %d (fixes %s%s, mtu %u), log %s\n"
	       "  try: ip netns exec vm-a ping 192.0.2.2; illan stats; illan netns down\n",
	       (int)child, fixes, o->no_offload ? ", no offload" : "", o->mtu, p->log);
	return 0;
fail:
	fprintf(stderr, "illan netns up: failed; cleaning up\n");
	netns_down(p, false);
	return 1;
}

/* First "inet"/"inet6" (global) address of dev in ns from `ip -o addr`. */
static void ns_addr(const char *ns, const char *family, char *out, size_t size)
{
	out[0] = 0;
	char buf[4096];
	char *argv[] = {"ip", "-n", (char *)ns, "-o", family[4] == '6' ? "-6" : "-4", "addr", "show",
			"dev", NETNS_IFNAME, "scope", "global", NULL};
	if (run_cmd(argv, false, buf, sizeof(buf)) != 0)
		return;
	char *s = strstr(buf, family[4] == '6' ? " inet6 " : " inet ");
	if (!s)
		return;
	s = strchr(s + 1, ' ');
	if (!s)
		return;
	s++;
	size_t n = strcspn(s, " \n");
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), s);
}

/* Without root the namespaces' addresses cannot be read (entering a
 * namespace takes CAP_SYS_ADMIN), so status says so instead of showing
 * blanks: "addresses: needs root" in text, null addresses and
 * "addresses": "needs root" in JSON. The daemon's state needs no privilege
 * (pidfile and /proc; see daemon_pid for root's daemon seen by others). */
static int netns_status(const struct netns_paths *p, bool json)
{
	pid_t pid = daemon_pid(p);
	bool root = geteuid() == 0;
	const char *all[] = {ns_names[0], ns_names[1], ns_names[2], NETNS_IO};
	if (json)
		printf("{\"namespaces\": [");
	for (size_t i = 0; i < 4; i++) {
		bool exists = ns_exists(all[i]);
		bool unknown = exists && i < 3 && !root;
		char v4[64] = "", v6[64] = "";
		if (exists && i < 3 && root) {
			ns_addr(all[i], "inet", v4, sizeof(v4));
			ns_addr(all[i], "inet6", v6, sizeof(v6));
		}
		const char *ifname = i < 3 ? NETNS_IFNAME : NETNS_WIRE_IF;
		if (json) {
			printf("%s\n  {\"name\": \"%s\", \"exists\": %s, \"interface\": \"%s\", ",
			       i ? "," : "", all[i], exists ? "true" : "false", ifname);
			if (unknown)
				printf("\"ipv4\": null, \"ipv6\": null}");
			else
				printf("\"ipv4\": \"%s\", \"ipv6\": \"%s\"}", v4, v6);
		} else {
			printf("%-8s %-8s %-6s %-16s %s\n", all[i], exists ? "present" : "absent", ifname,
			       unknown ? "?" : v4[0] ? v4 : "-", unknown ? "?" : v6[0] ? v6 : "-");
		}
	}
	bool any_unknown = !root && (ns_exists(all[0]) || ns_exists(all[1]) || ns_exists(all[2]));
	if (json) {
		printf("\n], ");
		if (any_unknown)
			printf("\"addresses\": \"needs root\", ");
		printf("\"daemon\": {\"running\": %s, \"pid\": %d, \"dir\": \"%s\", \"log\": \"%s\"}}\n",
		       pid ? "true" : "false", (int)pid, p->dir, p->log);
		return 0;
	}
	if (any_unknown)
		printf("addresses: needs root (reading them enters the namespaces: CAP_SYS_ADMIN)\n");
	if (pid)
		printf("daemon   running  pid %d, log %s\n", (int)pid, p->log);
	else
		printf("daemon   stopped\n");
	return 0;
}

static void netns_usage(FILE *f)
{
	fprintf(f,
		"usage: illan netns up [--fixes LIST] [--no-offload] [--no-gro] [--mtu N] [--dir DIR]\n"
		"       illan netns down [--dir DIR]\n"
		"       illan netns status [--json] [--dir DIR]\n"
		"  up: namespaces vm-a, vm-b, host-x joined by the emulated PowerVM path; root only.\n"
		"  --fixes: " NETNS_FIXES_HELP);
}

/* cmd_netns: see cli.h. */
int cmd_netns(int argc, char **argv)
{
	if (argc < 2) {
		netns_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	struct up_opts o = {.fixes = IBMVETH_FIX_ALL, .mtu = 1500};
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
			o.dir = argv[++i];
		} else if (strcmp(a, "--fixes") == 0 && i + 1 < argc) {
			if (ibmveth_parse_fixes(argv[++i], &o.fixes) < 0) {
				fprintf(stderr, "illan netns: bad --fixes '%s': expected " NETNS_FIXES_HELP,
					argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--mtu") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v < 576 || v > 9000) {
				fprintf(stderr, "illan netns: --mtu must be 576..9000\n");
				return 2;
			}
			o.mtu = (unsigned)v;
		} else if (strcmp(a, "--no-offload") == 0) {
			o.no_offload = true;
		} else if (strcmp(a, "--no-gro") == 0) {
			o.no_gro = true;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else {
			netns_usage(stderr);
			return 2;
		}
	}
	struct netns_paths p;
	paths_init(&p, o.dir);
	if (strcmp(sub, "up") == 0)
		return netns_up(&p, &o);
	if (strcmp(sub, "down") == 0)
		return need_root("down") ? netns_down(&p, true) : 1;
	if (strcmp(sub, "status") == 0)
		return netns_status(&p, o.json);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		netns_usage(stdout);
		return 0;
	}
	netns_usage(stderr);
	return 2;
}
