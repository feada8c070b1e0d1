/*
 * netns.c — real traffic: `illan netns up|down|status`.
 *
 * The kernels of three network namespaces become the operating systems of
 * VM A (vm-a), VM B (vm-b) and external host X (host-x); everything between
 * them is illan, run by the daemon (daemon.c) with its data path glued to
 * the namespaces by src/topo/real.c:
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
 * Choices where the sources are silent: X's NIC has TSO and GSO off (it
 * sends MSS-sized frames, as the issue asks, so the IO server's GRO has
 * something to merge); IPv6 DAD is off in the namespaces so addresses work
 * at once.
 */

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

#include "cli.h"
#include "daemon.h"
#include "proc.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/tap/tap.h"
#include "topo/real.h"
#include "topo/topo.h"

static const char *const ns_ip4[TOPO_N_EP] = {"192.0.2.1/24", "192.0.2.2/24", "192.0.2.3/24"};
static const char *const ns_ip6[TOPO_N_EP] = {"2001:db8::1/64", "2001:db8::2/64", "2001:db8::3/64"};
static const char ns_mac_x[] = "02:00:00:00:00:0c"; /* topo's MAC for X */

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

struct up_opts {
	const char *dir;
	bool json;
	struct daemon_opts d; /* what the daemon is started with */
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
static int netns_down(const struct daemon_paths *p, bool verbose)
{
	/* The files are removed through the checked directory; a directory
	 * another user could change is not touched at all. */
	char err[512];
	int dir_fd = daemon_dir_open(p->dir, false, err, sizeof(err));
	if (dir_fd < 0 && dir_fd != -ENOENT) {
		fprintf(stderr, "illan netns down: %s\n", err);
		return 1;
	}
	/* The daemon: named by its pid file, or answering on its socket (its
	 * pid file may be empty), or found in /proc — and then only ours. */
	pid_t pid = daemon_find_pid(p);
	if (!pid) {
		bool ours;
		pid = daemon_ctl_pid(p, &ours);
		if (pid > 0 && !ours)
			fprintf(stderr, "illan netns down: process %d answers at %s, but its command line "
				"is not 'illan daemon --dir %s': not signalled\n", (int)pid, p->sock, p->dir);
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
	if (ns_exists(REAL_NS_IO))
		runv(true, "ip", "-n", REAL_NS_IO, "link", "del", REAL_WIRE_IF, (char *)NULL);
	const char *all[] = {real_ns_names[0], real_ns_names[1], real_ns_names[2], REAL_NS_IO};
	int rc = 0;
	for (size_t i = 0; i < 4; i++) {
		if (!ns_exists(all[i]))
			continue;
		/* A namespace full of processes answers at length: the runner
		 * reads it all, and the list is cut where the buffer ends. */
		char pids[256] = "";
		struct proc_out out = {.buf = pids, .size = sizeof(pids)};
		char *argv[] = {"ip", "netns", "pids", (char *)all[i], NULL};
		if (proc_run(argv, true, &out) == 0 && pids[0]) {
			size_t len = out.len;
			while (len && pids[len - 1] == '\n')
				pids[--len] = 0;
			for (char *c = pids; *c; c++)
				if (*c == '\n')
					*c = ' ';
			fprintf(stderr, "illan netns down: processes still in %s (%s%s) keep it alive\n",
				all[i], pids, out.truncated ? " ..." : "");
		}
		if (runv(false, "ip", "netns", "del", all[i], (char *)NULL) != 0)
			rc = 1;
		else if (verbose)
			printf("deleted namespace %s\n", all[i]);
	}
	if (dir_fd >= 0) {
		unlinkat(dir_fd, DAEMON_PID_NAME, 0);
		unlinkat(dir_fd, DAEMON_SOCK_NAME, 0);
		close(dir_fd);
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

static int netns_up(const struct daemon_paths *p, const struct up_opts *o)
{
	if (!need_root("up"))
		return 1;
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr, "illan netns up: /dev/net/tun is missing (modprobe tun) — TAP devices need it\n");
		return 1;
	}
	char err[512];
	int dir_fd = daemon_dir_open(p->dir, true, err, sizeof(err));
	if (dir_fd < 0) {
		fprintf(stderr, "illan netns up: %s\n", err);
		return 1;
	}
	/* A daemon that answers is up, whatever its pid file says (it may be
	 * empty): nothing is changed. */
	pid_t running = daemon_ctl_pid(p, NULL);
	if (running <= 0)
		running = daemon_find_pid(p);
	if (running > 0) {
		fprintf(stderr, "illan netns up: already up (daemon %d); 'illan netns down' first\n",
			(int)running);
		close(dir_fd);
		return 1;
	}
	netns_down(p, false); /* leftovers of a crash */
	/* The log, made afresh by us (so a planted name is never written
	 * through) and proved writable before anything else is made: a full
	 * directory fails here, loudly. */
	int log_fd = daemon_file_create(dir_fd, DAEMON_LOG_NAME, O_APPEND);
	close(dir_fd);
	if (log_fd < 0) {
		fprintf(stderr, "illan netns up: cannot create %s: %s\n", p->log, strerror(-log_fd));
		say_if_full(p->dir);
		return 1;
	}
	{
		char head[160];
		int n = snprintf(head, sizeof(head), "illan netns up: starting the daemon (mtu %u)\n",
				 o->d.mtu);
		int wrc = daemon_write_all(log_fd, head, (size_t)n);
		if (wrc == 0 && fsync(log_fd) < 0)
			wrc = -errno;
		if (wrc < 0) {
			fprintf(stderr, "illan netns up: cannot write %s: %s\n", p->log, strerror(-wrc));
			say_if_full(p->dir);
			close(log_fd);
			return 1;
		}
	}
	char mtu[16];
	snprintf(mtu, sizeof(mtu), "%u", o->d.mtu);
	const char *all[] = {real_ns_names[0], real_ns_names[1], real_ns_names[2], REAL_NS_IO};
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
	if (runv(false, "ip", "-n", REAL_NS_IO, "link", "add", REAL_WIRE_IF, "mtu", mtu, "type", "veth",
		 "peer", "name", REAL_IFNAME, "netns", real_ns_names[TOPO_EP_X], (char *)NULL) ||
	    runv(false, "ip", "-n", real_ns_names[TOPO_EP_X], "link", "set", REAL_IFNAME, "address",
		 ns_mac_x, "mtu", mtu, "up", (char *)NULL))
		goto fail;
	/* X sends MSS-sized frames (its NIC does no TSO), and the IO server's
	 * cable end does not merge them before illan's physical NIC sees them. */
	if (runv(false, "ip", "netns", "exec", real_ns_names[TOPO_EP_X], "ethtool", "-K", REAL_IFNAME,
		 "tso", "off", "gso", "off", (char *)NULL) ||
	    runv(false, "ip", "netns", "exec", REAL_NS_IO, "ethtool", "-K", REAL_WIRE_IF, "gro", "off",
		 (char *)NULL))
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
			fprintf(stderr, "illan netns up: the daemon exited during start-up (status %d)\n",
				exit_status);
		else if (rc == -EBADF)
			fprintf(stderr, "illan netns up: the daemon answers, but its pid file %s does not "
				"name it\n", p->pid);
		else
			fprintf(stderr, "illan netns up: the daemon did not answer within 20 s\n");
		print_log_tail(p->log);
		say_if_full(p->dir);
		goto fail;
	}
	for (int e = 0; e < TOPO_N_EP; e++) {
		if (runv(false, "ip", "-n", real_ns_names[e], "addr", "add", ns_ip4[e], "dev", REAL_IFNAME,
			 (char *)NULL) ||
		    runv(false, "ip", "-n", real_ns_names[e], "addr", "add", ns_ip6[e], "dev", REAL_IFNAME,
			 "nodad", (char *)NULL))
			goto fail;
	}
	/* Traffic can flow when A reaches B and X over the emulated path
	 * (ICMP needs no checksum offload, so this holds for every fix set). */
	const char *peers[3] = {"192.0.2.2", "192.0.2.3", "2001:db8::2"};
	for (int i = 0; i < 3; i++) {
		int ok = 1;
		for (int tries = 0; tries < 5 && ok != 0; tries++)
			ok = runv(true, "ip", "netns", "exec", real_ns_names[0], "ping", "-c", "1", "-W", "1",
				  peers[i], (char *)NULL);
		if (ok != 0) {
			fprintf(stderr, "illan netns up: vm-a cannot ping %s through the emulator\n",
				peers[i]);
			print_log_tail(p->log);
			goto fail;
		}
	}
	char fixes[16];
	daemon_fixes_format(o->d.fixes, fixes, sizeof(fixes));
	printf("illan netns up: vm-a 192.0.2.1, vm-b 192.0.2.2, host-x 192.0.2.3 (and 2001:db8::1-3);\n"
	       "  daemon %d (fixes %s%s, mtu %u), log %s\n"
	       "  try: ip netns exec vm-a ping 192.0.2.2; illan stats; illan netns down\n",
	       (int)child, fixes, o->d.no_offload ? ", no offload" : "", o->d.mtu, p->log);
	return 0;
fail:
	if (log_fd >= 0)
		close(log_fd);
	fprintf(stderr, "illan netns up: failed; cleaning up\n");
	netns_down(p, false);
	return 1;
}

/* First "inet"/"inet6" (global) address of dev in ns from `ip -o addr`. */
static void ns_addr(const char *ns, const char *family, char *out, size_t size)
{
	out[0] = 0;
	char buf[4096];
	struct proc_out o = {.buf = buf, .size = sizeof(buf)};
	char *argv[] = {"ip", "-n", (char *)ns, "-o", family[4] == '6' ? "-6" : "-4", "addr", "show",
			"dev", REAL_IFNAME, "scope", "global", NULL};
	if (proc_run(argv, false, &o) != 0)
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
 * "addresses": "needs root" in JSON. The daemon's state: a daemon that
 * answers on the control socket is running (root can ask it); otherwise the
 * pid file and /proc decide, which needs no privilege (see daemon_find_pid
 * for root's daemon seen by others). JSON says whether it answered
 * ("answers": null when the socket is not ours to use) and whether the pid
 * file names it ("pid_file"). */
static int netns_status(const struct daemon_paths *p, bool json)
{
	/* The socket first: a daemon that answers is running even if its pid
	 * file is empty; without root the socket is closed to us (mode 0600)
	 * and the pid file is what we have. */
	pid_t pid = daemon_ctl_pid(p, NULL);
	bool denied = pid == -EACCES, answers = pid > 0;
	pid_t pid_file = daemon_find_pid(p);
	if (pid <= 0)
		pid = pid_file;
	bool root = geteuid() == 0;
	const char *all[] = {real_ns_names[0], real_ns_names[1], real_ns_names[2], REAL_NS_IO};
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
		const char *ifname = i < 3 ? REAL_IFNAME : REAL_WIRE_IF;
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
		printf("\"daemon\": {\"running\": %s, \"pid\": %d, \"answers\": %s, \"pid_file\": %s, "
		       "\"dir\": \"%s\", \"log\": \"%s\"}}\n",
		       pid ? "true" : "false", (int)pid, denied ? "null" : answers ? "true" : "false",
		       pid_file == pid && pid ? "true" : "false", p->dir, p->log);
		return 0;
	}
	if (any_unknown)
		printf("addresses: needs root (reading them enters the namespaces: CAP_SYS_ADMIN)\n");
	if (pid)
		printf("daemon   running  pid %d, log %s%s\n", (int)pid, p->log,
		       pid_file == pid ? "" : " (answers, but its pid file does not name it)");
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
		"  --fixes: " DAEMON_FIXES_HELP);
}

/* cmd_netns: see cli.h. */
int cmd_netns(int argc, char **argv)
{
	if (argc < 2) {
		netns_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	struct up_opts o = {.d = {.fixes = IBMVETH_FIX_ALL, .mtu = 1500}};
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
			o.dir = argv[++i];
		} else if (strcmp(a, "--fixes") == 0 && i + 1 < argc) {
			if (ibmveth_parse_fixes(argv[++i], &o.d.fixes) < 0) {
				fprintf(stderr, "illan netns: bad --fixes '%s': expected " DAEMON_FIXES_HELP,
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
			o.d.mtu = (unsigned)v;
		} else if (strcmp(a, "--no-offload") == 0) {
			o.d.no_offload = true;
		} else if (strcmp(a, "--no-gro") == 0) {
			o.d.no_gro = true;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else {
			netns_usage(stderr);
			return 2;
		}
	}
	struct daemon_paths p;
	daemon_paths_init(&p, o.dir);
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
