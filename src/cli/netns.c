/*
 * netns.c — real traffic: `illan netns up [FILE] [--name LAB] | down | status`.
 *
 * A lab is a topology whose endpoints are the kernels of network namespaces
 * (src/topo/lab.h names them): one per partition with an endpoint adapter
 * (a TAP per such adapter) and one per external host with an endpoint (a
 * veth whose other end, in the lab's IO namespace, the daemon reads with
 * AF_PACKET as the cable of the NIC or switch the host plugs into).
 * Everything between them is illan, run by the daemon (daemon.c) with its
 * data path glued to the namespaces by src/topo/real.c. The default lab —
 * no FILE, no --name — is the seed, under the names it always had:
 *
 *   vm-a: eth0 (TAP) ══ tap-a ── ibmveth vm-a ── hv ── trunk-in ─┐
 *                                                        bridge ovs0 ── phys ══ wire-x
 *   vm-b: eth0 (TAP) ══ tap-b ── ibmveth vm-b ── hv ── trunk-out ┘            ║ AF_PACKET
 *   host-x: eth0 ═══════════════════ veth ══════════════ illan-io: phys0 ═════╝
 *
 * A named lab (--name LAB, or FILE's topology name) prefixes every
 * namespace with "LAB-" (LAB-vm-a, .., LAB-illan-io), and keeps its files in
 * DIR/LAB (DIR: --dir, default /run/illan), so labs, and a lab and the test
 * suite, run side by side. Its directory also holds topology.yaml, the
 * file's bytes as checked, written before anything is made: the daemon runs
 * it, and `down` and `status` plan the names from it, whatever became of
 * the user's file since.
 *
 * `netns up` makes the namespaces (and the IO namespace, which holds the IO
 * server's ends of the hosts' cables so nothing appears in the caller's
 * namespace), the veth pairs, starts the daemon in the background (pidfile,
 * log and control socket in the lab's directory), waits until it answers,
 * then gives the kernels the endpoints' addresses (the seed's:
 * 192.0.2.1-3/24 and 2001:db8::1-3/64, documentation ranges; no route
 * leads anywhere else). `netns down` stops the daemon, deletes the cables
 * and the namespaces (the TAPs went with the daemon) and, for a named lab,
 * its directory — also after a crash, and twice in a row. `netns status`
 * needs no root: it shows the daemon's state (root's daemon too), the
 * names and what each interface is glued to, and says the addresses need
 * root rather than leaving them blank. `--fixes` is read by
 * opts_parse_fixes (opts.h), as `illan run --fixes` is.
 *
 * Choices where the sources are silent: a host's NIC does TSO (its kernel
 * hands the veth super-frames; illan's wire cuts them to MSS-sized frames,
 * so the IO server's GRO still has something to merge); IPv6 DAD is off in the namespaces so addresses work
 * at once. Containers (a veth in a client partition) are refused in real
 * mode for now, saying so.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "opts.h"
#include "daemon.h"
#include "proc.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/tap/tap.h"
#include "topo/lab.h"
#include "topo/topo.h"
#include "topo/topofile.h"

/* Run a command given as words, loud on failure (unless quiet). Returns its
 * status as proc_run does.
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
	int rc = proc_run(argv, quiet, NULL);
	if (rc != 0 && !quiet) {
		if (rc < 0)
			fprintf(stderr, "illan: cannot run (%s):", strerror(-rc));
		else
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

static bool need_root(const char *what)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr,
		"illan netns %s: needs root — %s takes CAP_SYS_ADMIN and CAP_NET_ADMIN.\n"
		"Run it as root, e.g.\n"
		"  sudo illan netns %s\n",
		what,
		strcmp(what, "up") == 0
			? "creating network namespaces, TAP devices (/dev/net/tun) and veth pairs"
			: "stopping the daemon and deleting the lab's network namespaces, TAP "
			  "devices and veth pairs",
		what);
	return false;
}

struct netns_opts {
	const char *dir;  /* --dir: the default lab's directory, the named labs' parent */
	const char *name; /* --name */
	const char *file; /* FILE */
	bool json;
	bool fixes_given, mtu_given;
	struct daemon_opts d; /* what the daemon is started with */
};

/* A lab as one command sees it: where its files are and, when known, the
 * names of what it makes (lab.h). */
struct netns_lab {
	struct daemon_paths p;
	struct lab lab;
	bool planned;
};

/* Plan the names of what was made for nl's lab: the built-in seed's for the
 * default lab, else from the lab's copy of its topology (read through the
 * checked directory dir_fd; -1: there is no directory, so nothing was made).
 * Returns 0 (nl->planned), 1 when nothing was made (no directory, or no
 * copy: it is written before anything is made), or -1 when the copy cannot
 * be read or planned (said on stderr). */
static int netns_plan_made(struct netns_lab *nl, int dir_fd, const char *what)
{
	char err[512] = "";
	struct topo_desc *d = NULL;
	if (!nl->p.lab[0]) {
		d = topofile_load_seed(err, sizeof(err));
	} else {
		if (dir_fd < 0)
			return 1;
		char *text;
		size_t len;
		int rc = daemon_file_read(dir_fd, DAEMON_TOPO_NAME, TOPOFILE_MAX_SIZE, &text, &len);
		if (rc == -ENOENT)
			return 1; /* written before anything is made: nothing was */
		char name[sizeof(nl->p.dir) + sizeof(DAEMON_TOPO_NAME) + 1];
		snprintf(name, sizeof(name), "%s/%s", nl->p.dir, DAEMON_TOPO_NAME);
		if (rc < 0)
			snprintf(err, sizeof(err), "%s: %s", name, strerror(-rc));
		else
			d = topofile_load_string(text, len, name, err, sizeof(err));
		free(text);
	}
	int rc = 0;
	if (d && lab_plan(d, nl->p.lab, &nl->lab, err, sizeof(err)) == 0) {
		nl->planned = true;
	} else {
		fprintf(stderr, "illan netns %s: %s; the lab's namespaces are unknown\n", what, err);
		rc = -1;
	}
	topo_desc_free(d);
	return rc;
}

/* Stop the lab's daemon: SIGTERM, then SIGKILL after 5 s. */
static void netns_stop_daemon(const struct daemon_paths *p, bool verbose)
{
	/* The daemon: named by its pid file, or answering on its socket (its
	 * pid file may be empty), or found in /proc — and then only ours. */
	pid_t pid = daemon_find_pid(p);
	if (!pid) {
		bool ours;
		pid = daemon_ctl_pid(p, &ours);
		if (pid > 0 && !ours)
			fprintf(stderr,
				"illan netns down: process %d answers at %s, but its command line "
				"is not 'illan daemon --dir %s': not signalled\n",
				(int)pid, p->sock, p->dir);
		if (pid < 0 || !ours)
			pid = 0;
	}
	if (!pid)
		pid = daemon_scan(p);
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
}

/* Delete namespace ns, naming on stderr the processes that keep it alive
 * (a shell, a server left running: the user's, not ours to kill). Returns
 * 0, or 1 when `ip netns del` failed. */
static int netns_del(const char *ns, bool verbose)
{
	/* A namespace full of processes answers at length: the runner reads
	 * it all, and the list is cut where the buffer ends. */
	char pids[256] = "";
	struct proc_out out = {.buf = pids, .size = sizeof(pids)};
	char *argv[] = {"ip", "netns", "pids", (char *)ns, NULL};
	if (proc_run(argv, true, &out) == 0 && pids[0]) {
		size_t len = out.len;
		while (len && pids[len - 1] == '\n')
			pids[--len] = 0;
		for (char *c = pids; *c; c++)
			if (*c == '\n')
				*c = ' ';
		fprintf(stderr, "illan netns down: processes still in %s (%s%s) keep it alive\n",
			ns, pids, out.truncated ? " ..." : "");
	}
	if (runv(false, "ip", "netns", "del", ns, (char *)NULL) != 0)
		return 1;
	if (verbose)
		printf("deleted namespace %s\n", ns);
	return 0;
}

/* Remove a named lab's (empty) directory. Returns 0 or -errno. */
static int netns_rmdir_lab(const struct daemon_paths *p)
{
	char err[512];
	int base_fd = daemon_dir_open(p->base, false, err, sizeof(err));
	if (base_fd < 0)
		return base_fd;
	int rc = unlinkat(base_fd, p->lab, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
	close(base_fd);
	return rc;
}

/* Stop the daemon and delete everything `up` made for nl's lab. Quiet and
 * successful when nothing is there.
 *
 * The TAPs are not persistent: they go with the daemon's file descriptors,
 * also when it crashed. The cables are deleted by name before the
 * namespaces, so they are gone even if some process keeps a namespace alive
 * after its name is removed. A named lab's directory goes last, and only
 * when every namespace went: otherwise its topology copy stays, so a second
 * `down` can finish. */
static int netns_down(struct netns_lab *nl, bool verbose)
{
	const struct daemon_paths *p = &nl->p;
	/* The files are removed through the checked directory; a directory
	 * another user could change is not touched at all. */
	char err[512];
	int dir_fd = daemon_dir_open(p->dir, false, err, sizeof(err));
	if (dir_fd < 0 && dir_fd != -ENOENT) {
		fprintf(stderr, "illan netns down: %s\n", err);
		return 1;
	}
	/* Unplanned and unreadable: the record stays, nothing named is deleted. */
	int rc = !nl->planned && netns_plan_made(nl, dir_fd, "down") < 0 ? 1 : 0;
	netns_stop_daemon(p, verbose);
	if (nl->planned) {
		const struct lab *lab = &nl->lab;
		const char *io = lab->io_ns >= 0 ? lab->ns[lab->io_ns].name : NULL;
		for (unsigned i = 0; io && ns_exists(io) && i < lab->n_links; i++)
			if (lab->links[i].kind == LAB_LINK_WIRE)
				runv(true, "ip", "-n", io, "link", "del", lab->links[i].io_ifname,
				     (char *)NULL);
		for (unsigned i = 0; i < lab->n_ns; i++)
			if (ns_exists(lab->ns[i].name))
				rc |= netns_del(lab->ns[i].name, verbose);
	}
	if (dir_fd >= 0) {
		unlinkat(dir_fd, DAEMON_PID_NAME, 0);
		unlinkat(dir_fd, DAEMON_SOCK_NAME, 0);
		bool gone = p->lab[0] && rc == 0;
		if (gone) {
			unlinkat(dir_fd, DAEMON_LOG_NAME, 0);
			unlinkat(dir_fd, DAEMON_TOPO_NAME, 0);
		}
		close(dir_fd);
		if (gone) {
			int r = netns_rmdir_lab(p);
			if (r < 0) {
				fprintf(stderr, "illan netns down: cannot remove %s: %s\n", p->dir,
					strerror(-r));
				rc = 1;
			} else if (verbose) {
				printf("removed %s\n", p->dir);
			}
		}
	}
	return rc;
}

/* Wait until child answers on the control socket as itself and its pid
 * file names it. Returns 0, -ECHILD when it exited (*status: as the shell
 * shows it), -EBADF when it answers without a pid file naming it, or
 * -ETIMEDOUT after 20 s. */
static int wait_ready(const struct daemon_paths *p, pid_t child, int *status)
{
	for (int i = 0; i < 200; i++) { /* 20 s */
		if (daemon_ctl_pid(p, NULL) == child)
			return daemon_find_pid(p) == child ? 0 : -EBADF;
		int st;
		if (waitpid(child, &st, WNOHANG) == child) {
			*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			return -ECHILD;
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

/* Say so when the directory's file system has no room (or no inodes) left:
 * the likeliest reason a daemon there cannot write its files. */
static void say_if_full(const char *dir)
{
	struct statvfs sv;
	if (statvfs(dir, &sv) == 0 && (sv.f_bavail == 0 || (sv.f_files && sv.f_favail == 0)))
		fprintf(stderr, "illan netns up: %s is full (no %s left on its file system)\n", dir,
			sv.f_bavail == 0 ? "space" : "inodes");
}

static void print_log_tail(const char *log)
{
	int fd = open(log, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
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

/* Are a and b in one subnet of family 4 or 6 (a's prefix)? */
static bool netns_same_subnet(const struct topo_addr *a, const struct topo_addr *b, int family)
{
	const uint8_t *x = family == 4 ? a->ip4 : a->ip6, *y = family == 4 ? b->ip4 : b->ip6;
	unsigned bits = family == 4 ? a->prefix4 : a->prefix6;
	if (family == 4 ? !(a->has_ip4 && b->has_ip4) : !(a->has_ip6 && b->has_ip6))
		return false;
	for (unsigned i = 0; i < bits; i++)
		if (((x[i / 8] >> (7 - i % 8)) & 1) != ((y[i / 8] >> (7 - i % 8)) & 1))
			return false;
	return true;
}

/* The address of "192.0.2.1/24" without its prefix, into buf. */
static const char *netns_bare_addr(const char *with_prefix, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(with_prefix, "/"), with_prefix);
	return buf;
}

/* Traffic can flow when the first endpoint reaches the others on its
 * subnets over the emulated path (ICMP needs no checksum offload, so this
 * holds for every fix set). The default lab must (it always had to); in a
 * named lab, whose topology may rightly not carry some of it, a peer that
 * does not answer is a warning. At most 4 peers per family. Returns 0 or -1. */
static int netns_ping_check(const struct netns_lab *nl)
{
	const struct lab *lab = &nl->lab;
	const struct lab_link *src = &lab->links[0];
	const char *ns = lab->ns[src->ns].name;
	bool strict = !nl->p.lab[0];
	int rc = 0;
	for (int family = 4; family <= 6; family += 2) {
		unsigned tried = 0;
		for (unsigned i = 1; i < lab->n_links && tried < 4; i++) {
			const struct lab_link *l = &lab->links[i];
			if (!netns_same_subnet(&src->ep.addr, &l->ep.addr, family))
				continue;
			tried++;
			char full[64], addr[64];
			if (family == 4)
				lab_format_ip4(&l->ep.addr, full, sizeof(full));
			else
				lab_format_ip6(&l->ep.addr, full, sizeof(full));
			netns_bare_addr(full, addr, sizeof(addr));
			int ok = 1;
			for (int tries = 0; tries < (strict ? 5 : 3) && ok != 0; tries++)
				ok = runv(true, "ip", "netns", "exec", ns, "ping",
					  family == 4 ? "-4" : "-6", "-c", "1", "-W", "1", addr,
					  (char *)NULL);
			if (ok == 0)
				continue;
			fprintf(stderr,
				"illan netns up: %s%s cannot ping %s (%s) through the emulator%s\n",
				strict ? "" : "warning: ", ns, addr, l->ep.name,
				strict ? "" : " (does the topology carry it? illan topo check FILE)");
			if (strict)
				rc = -1;
		}
	}
	return rc;
}

/* Make the lab's namespaces, and in them the hosts' cables. Returns 0 or -1
 * (said on stderr). */
static int netns_make(const struct netns_lab *nl, const struct netns_opts *o)
{
	const struct lab *lab = &nl->lab;
	for (unsigned i = 0; i < lab->n_ns; i++) {
		const char *ns = lab->ns[i].name;
		if (runv(false, "ip", "netns", "add", ns, (char *)NULL) ||
		    runv(false, "ip", "-n", ns, "link", "set", "lo", "up", (char *)NULL))
			return -1;
		if (lab->ns[i].kind != LAB_NS_IO) {
			ns_sysctl(ns, "ipv6/conf/all/accept_dad", "0");
			ns_sysctl(ns, "ipv6/conf/default/accept_dad", "0");
			ns_sysctl(ns, "ipv6/conf/default/router_solicitations", "0");
		} else {
			/* The IO server's cable ends are switch ports, not hosts. */
			ns_sysctl(ns, "ipv6/conf/all/disable_ipv6", "1");
			ns_sysctl(ns, "ipv6/conf/default/disable_ipv6", "1");
		}
	}
	for (unsigned i = 0; i < lab->n_links; i++) {
		const struct lab_link *l = &lab->links[i];
		if (l->kind != LAB_LINK_WIRE)
			continue;
		const char *io = lab->ns[lab->io_ns].name, *host = lab->ns[l->ns].name;
		char mtu[16], mac[18];
		snprintf(mtu, sizeof(mtu), "%u", o->d.mtu ? o->d.mtu : l->mtu);
		topo_desc_format_mac(l->mac, mac);
		if (runv(false, "ip", "-n", io, "link", "add", l->io_ifname, "mtu", mtu, "type",
			 "veth", "peer", "name", l->ifname, "netns", host, (char *)NULL) ||
		    runv(false, "ip", "-n", host, "link", "set", l->ifname, "address", mac, "mtu",
			 mtu, "up", (char *)NULL))
			return -1;
		/* The host's NIC does TSO in hardware, as a real host's does:
		 * its kernel hands the veth super-frames and illan's wire cuts
		 * them into MSS-sized frames "on the wire" (tap.c), so illan's
		 * NIC still receives MSS-sized frames and GROs them. The IO
		 * server's cable end does not merge them before illan sees them. */
		if (runv(false, "ip", "netns", "exec", io, "ethtool", "-K", l->io_ifname, "gro",
			 "off", (char *)NULL))
			return -1;
	}
	return 0;
}

/* Give every endpoint's interface its addresses. Returns 0 or -1. */
static int netns_addresses(const struct lab *lab)
{
	for (unsigned i = 0; i < lab->n_links; i++) {
		const struct lab_link *l = &lab->links[i];
		const char *ns = lab->ns[l->ns].name;
		char v4[64], v6[64];
		lab_format_ip4(&l->ep.addr, v4, sizeof(v4));
		lab_format_ip6(&l->ep.addr, v6, sizeof(v6));
		if ((v4[0] && runv(false, "ip", "-n", ns, "addr", "add", v4, "dev", l->ifname,
				   (char *)NULL)) ||
		    (v6[0] && runv(false, "ip", "-n", ns, "addr", "add", v6, "dev", l->ifname,
				   "nodad", (char *)NULL)))
			return -1;
	}
	return 0;
}

/* Write the topology's bytes as the lab's copy, afresh (no planted name
 * written through); write, fsync and close checked. Returns 0 or -errno. */
static int netns_write_topology(int dir_fd, const char *text, size_t len)
{
	int fd = daemon_file_create(dir_fd, DAEMON_TOPO_NAME, 0);
	if (fd < 0)
		return fd;
	int rc = daemon_write_all(fd, text, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* " --name LAB --dir DIR" as the other commands need them, into buf. */
static const char *netns_lab_args(const struct netns_lab *nl, const struct netns_opts *o, char *buf,
				  size_t size)
{
	snprintf(buf, size, "%s%s%s%s", nl->p.lab[0] ? " --name " : "", nl->p.lab,
		 o->dir ? " --dir " : "", o->dir ? o->dir : "");
	return buf;
}

static void netns_print_up(const struct netns_lab *nl, const struct netns_opts *o, pid_t child)
{
	const struct lab *lab = &nl->lab;
	char fixes[32] = "as the file says", mtu[16] = "the file's", args[300];
	if (o->d.fixes != TOPO_FIXES_FILE)
		daemon_fixes_format(o->d.fixes, fixes, sizeof(fixes));
	if (o->d.mtu)
		snprintf(mtu, sizeof(mtu), "%u", o->d.mtu);
	printf("illan netns up: %s%s%s, %u namespaces; daemon %d (fixes %s%s, mtu %s), log %s\n",
	       lab->name[0] ? "lab " : "the default lab (the seed)", lab->name,
	       o->file        ? ""
	       : lab->name[0] ? " (the seed)"
			      : "",
	       lab->n_ns, (int)child, fixes, o->d.no_offload ? ", no offload" : "", mtu, nl->p.log);
	int w = 8;
	for (unsigned i = 0; i < lab->n_links; i++)
		if ((int)strlen(lab->ns[lab->links[i].ns].name) > w)
			w = (int)strlen(lab->ns[lab->links[i].ns].name);
	for (unsigned i = 0; i < lab->n_links; i++) {
		const struct lab_link *l = &lab->links[i];
		char v4[64], v6[64];
		lab_format_ip4(&l->ep.addr, v4, sizeof(v4));
		lab_format_ip6(&l->ep.addr, v6, sizeof(v6));
		printf("  %-*s %-5s %-18s %-24s %s\n", w, lab->ns[l->ns].name, l->ifname,
		       v4[0] ? v4 : "-", v6[0] ? v6 : "-",
		       l->ep.display[0] ? l->ep.display : l->ep.name);
	}
	char addr[64], full[64] = "";
	if (lab->n_links > 1)
		lab_format_ip4(&lab->links[1].ep.addr, full, sizeof(full));
	netns_lab_args(nl, o, args, sizeof(args));
	printf("  try: ip netns exec %s ping %s; illan stats%s; illan netns status%s; "
	       "illan netns down%s\n",
	       lab->ns[lab->links[0].ns].name,
	       full[0] ? netns_bare_addr(full, addr, sizeof(addr)) : "ADDR", args, args, args);
}

static int netns_up(struct netns_lab *nl, const struct netns_opts *o, const char *text, size_t len)
{
	const struct daemon_paths *p = &nl->p;
	if (!need_root("up"))
		return 1;
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr,
			"illan netns up: /dev/net/tun is missing (modprobe tun) — TAP devices need it\n");
		return 1;
	}
	char err[512];
	/* The base directory (the default lab's, a named lab's parent),
	 * checked and made if missing. */
	int dir_fd = daemon_dir_open(p->base, true, err, sizeof(err));
	if (dir_fd < 0) {
		fprintf(stderr, "illan netns up: %s\n", err);
		return 1;
	}
	if (p->lab[0]) {
		close(dir_fd);
		dir_fd = -1;
	}
	/* A daemon that answers is up, whatever its pid file says (it may be
	 * empty): nothing is changed. */
	pid_t running = daemon_ctl_pid(p, NULL);
	if (running <= 0)
		running = daemon_find_pid(p);
	if (running > 0) {
		char args[300];
		fprintf(stderr,
			"illan netns up: already up (daemon %d); 'illan netns down%s' first\n",
			(int)running, netns_lab_args(nl, o, args, sizeof(args)));
		if (dir_fd >= 0)
			close(dir_fd);
		return 1;
	}
	/* Leftovers of a crash: what the last `up` of this lab made. */
	{
		struct netns_lab old = {.p = nl->p};
		old.lab.io_ns = -1;
		netns_down(&old, false);
		lab_free(&old.lab);
	}
	if (p->lab[0]) {
		dir_fd = daemon_dir_open(p->dir, true, err, sizeof(err));
		if (dir_fd < 0) {
			fprintf(stderr, "illan netns up: %s\n", err);
			return 1;
		}
		/* A namespace with one of this lab's names that no earlier
		 * `up` of it made is someone else's: refused, never deleted. */
		for (unsigned i = 0; i < nl->lab.n_ns; i++) {
			if (!ns_exists(nl->lab.ns[i].name))
				continue;
			fprintf(stderr,
				"illan netns up: namespace %s exists and is not lab %s's; choose "
				"another --name (or 'ip netns del %s')\n",
				nl->lab.ns[i].name, p->lab, nl->lab.ns[i].name);
			close(dir_fd);
			netns_rmdir_lab(p);
			return 1;
		}
		int rc = netns_write_topology(dir_fd, text, len);
		if (rc < 0) {
			fprintf(stderr, "illan netns up: cannot write %s/%s: %s\n", p->dir,
				DAEMON_TOPO_NAME, strerror(-rc));
			say_if_full(p->dir);
			unlinkat(dir_fd, DAEMON_TOPO_NAME, 0);
			close(dir_fd);
			netns_rmdir_lab(p);
			return 1;
		}
	}
	/* The log, made afresh by us (so a planted name is never written
	 * through) and proved writable before anything else is made: a full
	 * directory fails here, loudly. */
	int log_fd = daemon_file_create(dir_fd, DAEMON_LOG_NAME, O_APPEND);
	close(dir_fd);
	if (log_fd < 0) {
		fprintf(stderr, "illan netns up: cannot create %s: %s\n", p->log, strerror(-log_fd));
		say_if_full(p->dir);
		goto fail;
	}
	{
		char head[200];
		int n = snprintf(head, sizeof(head),
				 "illan netns up: starting the daemon (%s%s, mtu %u)\n",
				 p->lab[0] ? "lab " : "the default lab", p->lab, o->d.mtu);
		int wrc = daemon_write_all(log_fd, head, (size_t)n);
		if (wrc == 0 && fsync(log_fd) < 0)
			wrc = -errno;
		if (wrc < 0) {
			fprintf(stderr, "illan netns up: cannot write %s: %s\n", p->log,
				strerror(-wrc));
			say_if_full(p->dir);
			goto fail;
		}
	}
	if (netns_make(nl, o) < 0)
		goto fail;
	pid_t child = daemon_spawn(p, &o->d, log_fd);
	close(log_fd);
	log_fd = -1;
	if (child < 0) {
		fprintf(stderr, "illan netns up: fork: %s\n", strerror((int)-child));
		goto fail;
	}
	int exit_status = 0;
	int rc = wait_ready(p, child, &exit_status);
	if (rc < 0) {
		if (rc == -ECHILD)
			fprintf(stderr,
				"illan netns up: the daemon exited during start-up (status %d)\n",
				exit_status);
		else if (rc == -EBADF)
			fprintf(stderr,
				"illan netns up: the daemon answers, but its pid file %s does not "
				"name it\n",
				p->pid);
		else
			fprintf(stderr, "illan netns up: the daemon did not answer within 20 s\n");
		print_log_tail(p->log);
		say_if_full(p->dir);
		goto fail;
	}
	if (netns_addresses(&nl->lab) < 0)
		goto fail;
	if (netns_ping_check(nl) < 0) {
		print_log_tail(p->log);
		goto fail;
	}
	netns_print_up(nl, o, child);
	return 0;
fail:
	if (log_fd >= 0)
		close(log_fd);
	fprintf(stderr, "illan netns up: failed; cleaning up\n");
	netns_down(nl, false);
	return 1;
}

/* First "inet"/"inet6" (global) address of ifname in ns from `ip -o addr`. */
static void ns_addr(const char *ns, const char *ifname, int family, char *out, size_t size)
{
	out[0] = 0;
	char buf[4096];
	struct proc_out o = {.buf = buf, .size = sizeof(buf)};
	char *argv[] = {"ip",     "-n",   (char *)ns, "-o",           family == 6 ? "-6" : "-4",
			"addr",   "show", "dev",      (char *)ifname, "scope",
			"global", NULL};
	if (proc_run(argv, false, &o) != 0)
		return;
	char *s = strstr(buf, family == 6 ? " inet6 " : " inet ");
	if (!s)
		return;
	s = strchr(s + 1, ' ');
	if (!s)
		return;
	s++;
	size_t n = strcspn(s, " \n");
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), s);
}

/* One interface row of `status`: a namespace, one interface of it, and
 * (for an endpoint's) its addresses as the kernel has them. */
struct netns_row {
	const char *ns, *ifname;
	bool exists, endpoint, unknown;
	char v4[64], v6[64];
};

/* The rows in the order the lab lists them: each endpoint's interface,
 * then the cables' ends in the IO namespace. *n gets their count. */
static struct netns_row *netns_rows(const struct lab *lab, bool root, unsigned *n)
{
	struct netns_row *rows = calloc(2 * lab->n_links + 1, sizeof(*rows));
	*n = 0;
	if (!rows)
		return NULL;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < lab->n_links; i++) {
			const struct lab_link *l = &lab->links[i];
			if (pass == 1 && l->kind != LAB_LINK_WIRE)
				continue;
			struct netns_row *r = &rows[(*n)++];
			r->ns = lab->ns[pass ? (unsigned)lab->io_ns : l->ns].name;
			r->ifname = pass ? l->io_ifname : l->ifname;
			r->endpoint = pass == 0;
			r->exists = ns_exists(r->ns);
			r->unknown = r->exists && r->endpoint && !root;
			if (r->exists && r->endpoint && root) {
				ns_addr(r->ns, r->ifname, 4, r->v4, sizeof(r->v4));
				ns_addr(r->ns, r->ifname, 6, r->v6, sizeof(r->v6));
			}
		}
	return rows;
}

/* What an interface is glued to, in words: "adapter vm-a", "NIC phys",
 * "switch lan (a port of its own)". */
static const char *netns_attach_kind(const struct lab_link *l)
{
	return l->kind == LAB_LINK_TAP ? "adapter" : l->attach_switch ? "switch" : "NIC";
}

/* The other labs under the base directory (named labs have a directory
 * there holding their topology copy), for the default lab's status. */
static json_t *netns_other_labs(const struct daemon_paths *p)
{
	json_t *labs = json_array();
	DIR *d = opendir(p->base);
	struct dirent *e;
	while (labs && d && (e = readdir(d)) != NULL) {
		if (!lab_name_valid(e->d_name) || strcmp(e->d_name, p->lab) == 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s/%s", p->base, e->d_name, DAEMON_TOPO_NAME);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			json_array_append_new(labs, json_string(e->d_name));
	}
	if (d)
		closedir(d);
	return labs;
}

/* Without root the namespaces' addresses cannot be read (entering a
 * namespace takes CAP_SYS_ADMIN), so status says so instead of showing
 * blanks: "addresses: needs root" in text, null addresses and
 * "addresses": "needs root" in JSON. The daemon's state: a daemon that
 * answers on the control socket is running (root can ask it); otherwise the
 * pid file and /proc decide, which needs no privilege (see daemon_find_pid
 * for root's daemon seen by others). JSON says whether it answered
 * ("answers": null when the socket is not ours to use) and whether the pid
 * file names it ("pid_file"). Every name goes through jansson: a topology
 * file's names may hold any character. */
static int netns_status(struct netns_lab *nl, bool json)
{
	const struct daemon_paths *p = &nl->p;
	/* The socket first: a daemon that answers is running even if its pid
	 * file is empty; without root the socket is closed to us (mode 0600)
	 * and the pid file is what we have. */
	pid_t pid = daemon_ctl_pid(p, NULL);
	bool denied = pid == -EACCES, answers = pid > 0;
	pid_t pid_file = daemon_find_pid(p);
	if (pid <= 0)
		pid = pid_file;
	bool root = geteuid() == 0;
	if (!nl->planned) {
		char err[512];
		int dir_fd = daemon_dir_open(p->dir, false, err, sizeof(err));
		netns_plan_made(nl, dir_fd, "status");
		if (dir_fd >= 0)
			close(dir_fd);
	}
	const struct lab *lab = &nl->lab;
	unsigned n_rows = 0;
	struct netns_row *rows = nl->planned ? netns_rows(lab, root, &n_rows) : NULL;
	bool any_unknown = false;
	for (unsigned i = 0; i < n_rows; i++)
		any_unknown |= rows[i].unknown;
	json_t *others = p->lab[0] ? json_array() : netns_other_labs(p);
	if (json) {
		json_t *o = json_object(), *nss = json_array(), *ifs = json_array();
		json_object_set_new(o, "lab", json_string(p->lab));
		for (unsigned i = 0; i < lab->n_ns; i++) {
			const struct netns_row *r = NULL;
			for (unsigned k = 0; k < n_rows && !r; k++)
				if (strcmp(rows[k].ns, lab->ns[i].name) == 0)
					r = &rows[k];
			json_t *e = json_object();
			json_object_set_new(e, "name", json_string(lab->ns[i].name));
			json_object_set_new(e, "exists", json_boolean(r && r->exists));
			json_object_set_new(e, "interface", json_string(r ? r->ifname : ""));
			json_object_set_new(e, "ipv4",
					    r && r->unknown ? json_null()
							    : json_string(r ? r->v4 : ""));
			json_object_set_new(e, "ipv6",
					    r && r->unknown ? json_null()
							    : json_string(r ? r->v6 : ""));
			json_array_append_new(nss, e);
		}
		for (unsigned i = 0; i < lab->n_links; i++) {
			const struct lab_link *l = &lab->links[i];
			char v4[64], v6[64];
			lab_format_ip4(&l->ep.addr, v4, sizeof(v4));
			lab_format_ip6(&l->ep.addr, v6, sizeof(v6));
			json_t *e = json_object();
			json_object_set_new(e, "device", json_string(l->dev));
			json_object_set_new(e, "kind",
					    json_string(l->kind == LAB_LINK_TAP ? "tap" : "wire"));
			json_object_set_new(e, "namespace", json_string(lab->ns[l->ns].name));
			json_object_set_new(e, "interface", json_string(l->ifname));
			if (l->kind == LAB_LINK_WIRE) {
				json_object_set_new(e, "io_namespace",
						    json_string(lab->ns[lab->io_ns].name));
				json_object_set_new(e, "io_interface", json_string(l->io_ifname));
			}
			json_object_set_new(e, "attached_to", json_string(l->attach));
			json_object_set_new(e, "attached_kind", json_string(netns_attach_kind(l)));
			json_object_set_new(e, "endpoint", json_string(l->ep.name));
			json_object_set_new(e, "ipv4", json_string(v4));
			json_object_set_new(e, "ipv6", json_string(v6));
			json_array_append_new(ifs, e);
		}
		json_object_set_new(o, "namespaces", nss);
		json_object_set_new(o, "interfaces", ifs);
		if (any_unknown)
			json_object_set_new(o, "addresses", json_string("needs root"));
		json_t *dm = json_object();
		json_object_set_new(dm, "running", json_boolean(pid != 0));
		json_object_set_new(dm, "pid", json_integer(pid));
		json_object_set_new(dm, "answers", denied ? json_null() : json_boolean(answers));
		json_object_set_new(dm, "pid_file", json_boolean(pid_file == pid && pid));
		json_object_set_new(dm, "dir", json_string(p->dir));
		json_object_set_new(dm, "log", json_string(p->log));
		json_object_set_new(o, "daemon", dm);
		json_object_set_new(o, "other_labs", others);
		others = NULL;
		char *text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(o);
		free(rows);
		return text ? 0 : 1;
	}
	if (p->lab[0])
		printf("lab      %s (%s)%s\n", p->lab, p->dir, nl->planned ? "" : ": not up");
	int w = 8, wi = 6;
	for (unsigned i = 0; i < n_rows; i++) {
		if ((int)strlen(rows[i].ns) > w)
			w = (int)strlen(rows[i].ns);
		if ((int)strlen(rows[i].ifname) > wi)
			wi = (int)strlen(rows[i].ifname);
	}
	for (unsigned i = 0; i < n_rows; i++) {
		const struct netns_row *r = &rows[i];
		printf("%-*s %-8s %-*s %-16s %s\n", w, r->ns, r->exists ? "present" : "absent", wi,
		       r->ifname,
		       r->unknown ? "?"
		       : r->v4[0] ? r->v4
				  : "-",
		       r->unknown ? "?"
		       : r->v6[0] ? r->v6
				  : "-");
	}
	if (any_unknown)
		printf("addresses: needs root (reading them enters the namespaces: CAP_SYS_ADMIN)\n");
	for (unsigned i = 0; nl->planned && i < lab->n_links; i++) {
		const struct lab_link *l = &lab->links[i];
		if (l->kind == LAB_LINK_TAP)
			printf("  %s %s = TAP %s -> %s %s (endpoint %s)\n", lab->ns[l->ns].name,
			       l->ifname, l->dev, netns_attach_kind(l), l->attach, l->ep.name);
		else
			printf("  %s %s = veth to %s %s = wire %s -> %s %s (endpoint %s)\n",
			       lab->ns[l->ns].name, l->ifname, lab->ns[lab->io_ns].name,
			       l->io_ifname, l->dev, netns_attach_kind(l), l->attach, l->ep.name);
	}
	if (pid)
		printf("daemon   running  pid %d, log %s%s\n", (int)pid, p->log,
		       pid_file == pid ? "" : " (answers, but its pid file does not name it)");
	else
		printf("daemon   stopped\n");
	size_t n_others = others ? json_array_size(others) : 0;
	for (size_t i = 0; i < n_others; i++)
		printf("%s%s%s",
		       i ? ", " : "other labs: ", json_string_value(json_array_get(others, i)),
		       i + 1 == n_others ? " (illan netns status --name LAB)\n" : "");
	json_decref(others);
	free(rows);
	return 0;
}

static void netns_usage(FILE *f)
{
	fprintf(f,
		"usage: illan netns up [FILE] [--name LAB] [--fixes LIST] [--no-offload] [--no-gro]\n"
		"                      [--mtu N] [--driver illan|GENERATION|kernel-VERSION] [--dir DIR]\n"
		"                      [--pcap DIR] [--trace FILE]\n"
		"       illan netns down [FILE] [--name LAB] [--dir DIR]\n"
		"       illan netns status [FILE] [--name LAB] [--json] [--dir DIR]\n"
		"  up: one network namespace per partition and external host with an endpoint,\n"
		"  joined by the emulated PowerVM path; root only. Without FILE and --name: the\n"
		"  seed as the default lab (vm-a, vm-b, host-x, illan-io; files in DIR, default\n"
		"  " DAEMON_DEFAULT_DIR
		"). A lab named LAB (--name, or FILE's topology name) prefixes\n"
		"  its namespaces with LAB- and keeps its files in DIR/LAB; stats and flows take\n"
		"  --name too. Containers are not supported in real mode yet.\n"
		"  --pcap DIR, --trace FILE: as illan run's, written by the daemon: the first 8\n"
		"  packets of each of the first 16 TCP connections, hop by hop (pcap times: time of\n"
		"  day; trace times: seconds since the daemon started); complete at netns down.\n"
		"  --fixes: " DAEMON_FIXES_HELP "  --mtu N: %u..%u in real mode; " OPTS_MTU_WHY ".\n",
		OPTS_MTU_MIN, OPTS_MTU_MAX_REAL);
}

/* Read the topology file path whole (at most the loader's limit). Returns
 * 0 or -errno. */
static int netns_read_file(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = daemon_fd_read(fd, TOPOFILE_MAX_SIZE, text, len);
	close(fd);
	return rc;
}

/* cmd_netns: see cli.h. */
int cmd_netns(int argc, char **argv)
{
	if (argc < 2) {
		netns_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		netns_usage(stdout);
		return 0;
	}
	struct netns_opts o = {.d = {.fixes = IBMVETH_FIX_ALL, .mtu = 1500}};
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			netns_usage(stdout);
			return 0;
		} else if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
			o.dir = argv[++i];
		} else if (strcmp(a, "--name") == 0 && i + 1 < argc) {
			o.name = argv[++i];
			if (!lab_name_valid(o.name)) {
				fprintf(stderr,
					"illan netns: bad --name '%s': 1-%d letters, digits, '-' or '_', "
					"beginning with a letter or digit\n",
					o.name, LAB_NAME_MAX - 1);
				return 2;
			}
		} else if (strcmp(a, "--fixes") == 0 && i + 1 < argc) {
			if (opts_parse_fixes("illan netns", argv[++i], &o.d.fixes) < 0)
				return 2;
			o.fixes_given = true;
		} else if (strcmp(a, "--mtu") == 0 && i + 1 < argc) {
			if (opts_parse_mtu("illan netns", argv[++i], true, &o.d.mtu))
				return 2;
			o.mtu_given = true;
		} else if (strcmp(a, "--no-offload") == 0) {
			o.d.no_offload = true;
		} else if (strcmp(a, "--no-gro") == 0) {
			o.d.no_gro = true;
		} else if (strcmp(a, "--driver") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			enum ibmveth_gen g;
			if ((ibmveth_parse_gen(v, &g) != 0 && strncmp(v, "kernel-", 7) != 0) ||
			    strlen(v) >= sizeof(o.d.driver)) {
				fprintf(stderr,
					"illan netns: --driver '%s': expected illan, v4.13, v4.15, v5.10, "
					"v6.1, current or kernel-VERSION (illan run --driver list)\n",
					v);
				return 2;
			}
			snprintf(o.d.driver, sizeof(o.d.driver), "%s", v);
		} else if ((strcmp(a, "--pcap") == 0 || strcmp(a, "--trace") == 0) &&
			   i + 1 < argc && strcmp(sub, "up") == 0) {
			/* the daemon writes them: absolute, as it runs elsewhere */
			char *to = a[2] == 'p' ? o.d.pcap_dir : o.d.trace_file;
			char cwd[200] = "";
			const char *v = argv[++i];
			if (v[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
				fprintf(stderr, "illan netns: %s %s: %s\n", a, v, strerror(errno));
				return 2;
			}
			if (!v[0] || strcmp(v, "-") == 0 ||
			    (size_t)snprintf(to, sizeof(o.d.pcap_dir), "%s%s%s", cwd,
					     cwd[0] ? "/" : "", v) >= sizeof(o.d.pcap_dir)) {
				fprintf(stderr,
					"illan netns: %s '%s': expected a path (the daemon "
					"writes it; shorter than 200 bytes)\n",
					a, v);
				return 2;
			}
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (a[0] != '-' && !o.file) {
			o.file = a;
		} else {
			fprintf(stderr, "illan netns %s: unknown or incomplete option '%s'\n", sub,
				a);
			netns_usage(stderr);
			return 2;
		}
	}
	bool up = strcmp(sub, "up") == 0;
	if (!up && strcmp(sub, "down") != 0 && strcmp(sub, "status") != 0) {
		netns_usage(stderr);
		return 2;
	}
	/* The topology: FILE's bytes (kept, to be the lab's copy), or the seed
	 * for `up`. down and status need FILE only for its name. */
	char err[512];
	char *text = NULL;
	size_t len = 0;
	struct topo_desc *desc = NULL;
	if (o.file) {
		int rc = netns_read_file(o.file, &text, &len);
		if (rc < 0) {
			fprintf(stderr, "illan netns %s: %s: %s\n", sub, o.file, strerror(-rc));
			return 1;
		}
		desc = topofile_load_string(text, len, o.file, err, sizeof(err));
	} else if (up) {
		desc = topofile_load_seed(err, sizeof(err));
	}
	if ((o.file || up) && !desc) {
		fprintf(stderr, "illan netns %s: %s\n", sub, err);
		free(text);
		return 1;
	}
	if (up && o.file && topo_desc_report(desc, stderr, 16)) {
		fprintf(stderr,
			"illan netns up: %s has errors (illan topo check %s lists every finding)\n",
			o.file, o.file);
		goto fail;
	}
	const char *name = o.name ? o.name : o.file ? desc->name : "";
	if (!o.name && o.file && !lab_name_valid(name)) {
		fprintf(stderr,
			"illan netns %s: the topology's name '%s' cannot name a lab (letters, digits, "
			"'-', '_'): give --name LAB\n",
			sub, name);
		goto fail;
	}
	struct netns_lab nl;
	memset(&nl, 0, sizeof(nl));
	nl.lab.io_ns = -1;
	int rc = daemon_paths_lab(&nl.p, o.dir, name);
	if (rc < 0) {
		fprintf(stderr, "illan netns %s: --dir %s with lab %s: %s\n", sub,
			o.dir ? o.dir : DAEMON_DEFAULT_DIR, name, strerror(-rc));
		goto fail;
	}
	int status;
	if (up) {
		if (lab_plan(desc, name, &nl.lab, err, sizeof(err)) < 0) {
			fprintf(stderr, "illan netns up: %s\n", err);
			goto fail;
		}
		nl.planned = true;
		/* A named lab runs its file's fixes and MTUs unless told. */
		snprintf(o.d.lab, sizeof(o.d.lab), "%.*s", LAB_NAME_MAX - 1, name);
		if (name[0] && !o.fixes_given)
			o.d.fixes = TOPO_FIXES_FILE;
		if (name[0] && !o.mtu_given)
			o.d.mtu = 0;
		if (name[0] && !o.file) {
			/* The seed under a name: its copy is the built-in text. */
			free(text);
			text = strdup(topofile_seed_yaml);
			len = topofile_seed_yaml_len;
			if (!text) {
				fprintf(stderr, "illan netns up: out of memory\n");
				goto fail_lab;
			}
		}
		topo_desc_free(desc);
		desc = NULL;
		status = netns_up(&nl, &o, text, len);
	} else if (strcmp(sub, "down") == 0) {
		topo_desc_free(desc);
		desc = NULL;
		status = need_root("down") ? netns_down(&nl, true) : 1;
	} else {
		topo_desc_free(desc);
		desc = NULL;
		status = netns_status(&nl, o.json);
	}
	lab_free(&nl.lab);
	free(text);
	return status;
fail_lab:
	lab_free(&nl.lab);
fail:
	topo_desc_free(desc);
	free(text);
	return 1;
}
