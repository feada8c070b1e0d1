/*
 * daemon.c — `illan daemon`: the real-traffic emulator (daemon.h), and the
 * helpers its controller uses to start, find and recognise it.
 *
 * The daemon builds its lab's topology in real mode (no built-in stacks,
 * no external hosts' NICs, on the monotonic clock): the seed for the
 * default lab, else the copy of the file in its directory (--name LAB);
 * glues the namespaces' kernels to it as the lab's plan names them
 * (src/topo/lab.c, real.c: for the seed a TAP into vm-a and vm-b, the
 * AF_PACKET wire in illan-io), and runs one epoll loop until SIGINT or
 * SIGTERM, which arrive through a signalfd. Idle, it sleeps in epoll_wait.
 * The loop also serves a unix control socket (ctlsrv.c, nonblocking,
 * bounded; ctl.c is its client): one command line per connection, the
 * answer, then close —
 *   status      {"pid", "uptime_ms", "fixes", "offload", "mtu", "lab", "driver"} as JSON
 *   stats       every counter, "object counter value" one a line
 *   stats-json  {"counters": {"object": {"counter": value, ...}, ...}}
 *   flows       the bridges' datapath flows (each under its name when more than one)
 *   why         what went wrong since the last `why` (the first: since start),
 *               each drop in the run report's words; why-all: since start;
 *               why-json, why-all-json: the same as one JSON object
 *   events      the explanations as they came, for `illan watch`
 *   stats-delta every counter's increase since the last stats-delta (-json too)
 * anything else is answered "error: unknown command '...'".
 *
 * Start-up, in this order: the directory is checked (daemon_dir_open); if a
 * daemon already answers on its socket this one stops there; the topology
 * is built and attached; the hop recorder is installed and the kernels'
 * counters opened (daemon_why_start: the first reading is the baseline,
 * then one a second); the pid file is written afresh (write, fsync and
 * close checked); then the socket listens. So a daemon that answers has
 * its pid file, and one that cannot write it never answers. Log lines are
 * checked too: a failing one before "ready" stops the start, later ones
 * are counted (log_write_errors) — a full disk does not stop forwarding.
 *
 * Serves `illan netns up` (netns.c), which starts it in the background.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "opts.h"
#include "ctlsrv.h"
#include "daemon.h"
#include "kstat.h"
#include "bridge/bridge.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/kibmveth/kibmveth.h"
#include "ev/ev.h"
#include "net/netdev.h"
#include "pkt/pkt.h"
#include "topo/lab.h"
#include "topo/real.h"
#include "topo/topo.h"
#include "topo/topofile.h"
#include "topo/trace.h"

/* daemon_paths_init: see daemon.h. */
void daemon_paths_init(struct daemon_paths *p, const char *dir)
{
	snprintf(p->dir, sizeof(p->dir), "%s", dir ? dir : DAEMON_DEFAULT_DIR);
	snprintf(p->base, sizeof(p->base), "%s", p->dir);
	p->lab[0] = 0;
	snprintf(p->pid, sizeof(p->pid), "%s/illan.pid", p->dir);
	snprintf(p->sock, sizeof(p->sock), "%s/ctl.sock", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/daemon.log", p->dir);
}

/* daemon_paths_lab: see daemon.h. */
int daemon_paths_lab(struct daemon_paths *p, const char *base, const char *lab)
{
	daemon_paths_init(p, base);
	if (!lab || !lab[0])
		return 0;
	if (!lab_name_valid(lab))
		return -EINVAL;
	/* The socket's path must fit a sockaddr_un too (108 bytes). */
	int n = snprintf(p->dir, sizeof(p->dir), "%s/%s", p->base, lab);
	if (n < 0 || (size_t)n >= sizeof(p->dir) || (size_t)n + sizeof("/" DAEMON_SOCK_NAME) > 108)
		return -ENAMETOOLONG;
	snprintf(p->lab, sizeof(p->lab), "%s", lab);
	snprintf(p->pid, sizeof(p->pid), "%s/illan.pid", p->dir);
	snprintf(p->sock, sizeof(p->sock), "%s/ctl.sock", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/daemon.log", p->dir);
	return 0;
}

/* daemon_fixes_format: see daemon.h. */
void daemon_fixes_format(unsigned mask, char *out, size_t size)
{
	if (mask == TOPO_FIXES_FILE) {
		snprintf(out, size, "file");
		return;
	}
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
			n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%u",
					      n ? "," : "", i + 1);
}

/* ---- the daemon's directory and files ------------------------------------- */

/* Check one directory on the way to the daemon's: owner root or the caller,
 * no write for group or others (unless sticky and not the last). */
static int daemon_dir_check(int fd, const char *shown, const char *dir, bool last, char *err,
			    size_t err_size)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(err, err_size, "stat %s: %s", shown, strerror(errno));
		return -errno;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, err_size,
			 "refusing --dir %s: %s belongs to uid %u, not root: its owner could replace the "
			 "daemon's files there",
			 dir, shown, (unsigned)st.st_uid);
		return -EPERM;
	}
	bool sticky = (st.st_mode & S_ISVTX) && !last;
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky) {
		snprintf(err, err_size,
			 "refusing --dir %s: %s is writable by %s (mode %04o): another user could plant "
			 "a symlink where root writes; use a directory only root can write",
			 dir, shown, (st.st_mode & S_IWOTH) ? "others" : "its group",
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* daemon_dir_open: see daemon.h. */
int daemon_dir_open(const char *dir, bool create, char *err, size_t err_size)
{
	char real[PATH_MAX];
	const char *leaf = NULL; /* the last step, when it is still to be made */
	if (!dir[0]) {
		snprintf(err, err_size, "empty --dir");
		return -EINVAL;
	}
	if (!realpath(dir, real)) {
		if (errno != ENOENT || !create) {
			snprintf(err, err_size, "--dir %s: %s", dir, strerror(errno));
			return -errno;
		}
		/* Missing: its parent must exist; the last step is made below. */
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", dir);
		size_t n = strlen(parent);
		while (n > 1 && parent[n - 1] == '/')
			parent[--n] = 0;
		char *slash = strrchr(parent, '/');
		leaf = slash ? dir + (slash - parent) + 1 : dir;
		if (slash == parent)
			parent[1] = 0;
		else if (slash)
			*slash = 0;
		else
			snprintf(parent, sizeof(parent), ".");
		if (!realpath(parent, real)) {
			snprintf(err, err_size, "--dir %s: %s: %s", dir, parent, strerror(errno));
			return -errno;
		}
	}
	char leafname[NAME_MAX + 1] = "";
	if (leaf) {
		size_t n = strcspn(leaf, "/");
		if (n == 0 || n > NAME_MAX || (n == 1 && leaf[0] == '.') ||
		    (n == 2 && leaf[0] == '.' && leaf[1] == '.')) {
			snprintf(err, err_size, "--dir %s: not a directory name", dir);
			return -EINVAL;
		}
		memcpy(leafname, leaf, n);
		leafname[n] = 0;
	}
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "open /: %s", strerror(errno));
		return -errno;
	}
	char shown[PATH_MAX + NAME_MAX + 2] = "/";
	size_t shown_len = 1;
	/* Walk real (then the leaf to make), one step at a time, never
	 * following a symlink, checking each directory as it is reached. */
	const char *c = real;
	for (;;) {
		while (*c == '/')
			c++;
		bool from_real = *c != 0;
		if (!from_real && !leafname[0])
			break;
		char step[NAME_MAX + 1];
		size_t n = from_real ? strcspn(c, "/") : strlen(leafname);
		if (n > NAME_MAX) {
			close(fd);
			snprintf(err, err_size, "--dir %s: a name in it is too long", dir);
			return -ENAMETOOLONG;
		}
		memcpy(step, from_real ? c : leafname, n);
		step[n] = 0;
		if (from_real)
			c += n;
		else
			leafname[0] = 0;
		int rc = daemon_dir_check(fd, shown, dir, false, err, err_size);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		if (!from_real && mkdirat(fd, step, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			snprintf(err, err_size, "mkdir %s: %s", dir, strerror(errno));
			close(fd);
			return rc;
		}
		int next = openat(fd, step, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			rc = -errno;
			snprintf(err, err_size, "--dir %s: %s%s%s: %s", dir, shown,
				 shown_len > 1 ? "/" : "", step,
				 errno == ELOOP ? "a symlink appeared while it was checked"
						: strerror(errno));
			close(fd);
			return rc;
		}
		close(fd);
		fd = next;
		shown_len += (size_t)snprintf(shown + shown_len, sizeof(shown) - shown_len, "%s%s",
					      shown_len > 1 ? "/" : "", step);
		if (shown_len >= sizeof(shown))
			shown_len = sizeof(shown) - 1;
	}
	int rc = daemon_dir_check(fd, shown, dir, true, err, err_size);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* daemon_file_create: see daemon.h. */
int daemon_file_create(int dirfd, const char *name, int extra)
{
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | extra,
			0644);
	return fd < 0 ? -errno : fd;
}

/* daemon_fd_read: see daemon.h. */
int daemon_fd_read(int fd, size_t max, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	char *b = malloc((size_t)st.st_size + 1);
	if (!b)
		return -ENOMEM;
	/* Up to the size fstat saw, plus one byte to notice it grew. */
	size_t n = 0;
	while (n <= (size_t)st.st_size) {
		ssize_t k = read(fd, b + n, (size_t)st.st_size + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int rc = -errno;
			free(b);
			return rc;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > (size_t)st.st_size) {
		free(b); /* it grew while read: not what was checked */
		return -EFBIG;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

/* daemon_file_read: see daemon.h. */
int daemon_file_read(int dirfd, const char *name, size_t max, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = daemon_fd_read(fd, max, buf, len);
	close(fd);
	return rc;
}

/* daemon_write_all: see daemon.h. */
int daemon_write_all(int fd, const void *buf, size_t n)
{
	const char *b = buf;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ENOSPC;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read a small file of the directory (at most size - 1 bytes, NUL-ended)
 * without following a symlink or blocking on a FIFO. Returns the bytes read
 * or -errno (-EINVAL: not a regular file). */
static ssize_t daemon_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	ssize_t n;
	if (fstat(fd, &st) < 0)
		n = -errno;
	else if (!S_ISREG(st.st_mode))
		n = -EINVAL;
	else if ((n = read(fd, buf, size - 1)) < 0)
		n = -errno;
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* ---- the control socket, seen from outside ---------------------------------- */

static bool daemon_is_ours(pid_t pid, const char *dir);

/* daemon_ctl_ask: see daemon.h. */
int daemon_ctl_ask(const char *sock_path, const char *cmd, FILE *out, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen = strlen(sock_path);
	if (plen >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, sock_path, plen + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* SO_SNDTIMEO bounds connect too, when the backlog is full. */
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char line[64];
	int len = snprintf(line, sizeof(line), "%s\n", cmd);
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, line, (size_t)len, MSG_NOSIGNAL) != len) {
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
	if (n < 0)
		rc = -errno;
	else if (!any)
		rc = -EIO;
out_close:
	close(fd);
	return rc;
}

/* daemon_ctl_pid: see daemon.h. */
pid_t daemon_ctl_pid(const struct daemon_paths *p, bool *ours)
{
	if (ours)
		*ours = false;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return 0;
	int rc = daemon_ctl_ask(p->sock, "status", f, 2000);
	fclose(f);
	long pid = 0;
	/* the answer is JSON (daemon_write_status): read it as JSON */
	json_t *st = rc == 0 && buf ? json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
	json_t *jp = st ? json_object_get(st, "pid") : NULL;
	if (json_is_integer(jp))
		pid = (long)json_integer_value(jp);
	json_decref(st);
	free(buf);
	if (rc == -EACCES || rc == -EPERM)
		return -EACCES;
	if (pid <= 1 || pid > INT_MAX || (kill((pid_t)pid, 0) < 0 && errno != EPERM))
		return 0;
	/* Signalled only when its command line is this directory's daemon:
	 * the answer may come from a stand-in, or from a daemon started by
	 * hand with --dir spelt otherwise. */
	if (ours)
		*ours = daemon_is_ours((pid_t)pid, p->dir);
	return (pid_t)pid;
}

/* ---- the daemon's command line, seen from outside ------------------------ */

/* daemon_spawn: see daemon.h. */
pid_t daemon_spawn(const struct daemon_paths *p, const struct daemon_opts *o, int log_fd)
{
	char fixes[16], mtu[16];
	daemon_fixes_format(o->fixes, fixes, sizeof(fixes));
	snprintf(mtu, sizeof(mtu), "%u", o->mtu);
	char *argv[20];
	int n = 0;
	argv[n++] = "illan";
	argv[n++] = "daemon";
	argv[n++] = "--dir";
	argv[n++] = (char *)p->dir;
	if (o->lab[0]) {
		argv[n++] = "--name";
		argv[n++] = (char *)o->lab;
	}
	if (o->fixes != TOPO_FIXES_FILE) {
		argv[n++] = "--fixes";
		argv[n++] = fixes;
	}
	if (o->mtu) {
		argv[n++] = "--mtu";
		argv[n++] = mtu;
	}
	if (o->no_offload)
		argv[n++] = "--no-offload";
	if (o->no_gro)
		argv[n++] = "--no-gro";
	if (o->driver[0]) {
		argv[n++] = "--driver";
		argv[n++] = (char *)o->driver;
	}
	if (o->pcap_dir[0]) {
		argv[n++] = "--pcap";
		argv[n++] = (char *)o->pcap_dir;
	}
	if (o->trace_file[0]) {
		argv[n++] = "--trace";
		argv[n++] = (char *)o->trace_file;
	}
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0)
		dup2(null, 0);
	if (log_fd >= 0) {
		dup2(log_fd, 1);
		dup2(log_fd, 2);
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

/* True if pid is an `illan daemon` whose --dir is dir (so a recycled pid,
 * or another instance's daemon, is never signalled). */
static bool daemon_is_ours(pid_t pid, const char *dir)
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
	/* argv: illan daemon --dir DIR ... (NUL-separated), as daemon_spawn
	 * writes it */
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

/* daemon_find_pid: see daemon.h. */
pid_t daemon_find_pid(const struct daemon_paths *p)
{
	char buf[32];
	if (daemon_read_small(p->pid, buf, sizeof(buf)) <= 0)
		return 0;
	char *end;
	long pid = strtol(buf, &end, 10);
	if (pid <= 1 || pid > INT_MAX || (*end && *end != '\n'))
		return 0;
	/* EPERM: the process exists but is not ours to signal — root's daemon
	 * seen by another user (`netns status` without root) is alive. */
	bool not_ours = false;
	if (kill((pid_t)pid, 0) < 0) {
		if (errno != EPERM)
			return 0;
		not_ours = true;
	}
	if (daemon_is_ours((pid_t)pid, p->dir))
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

/* True if pid's real and effective uid are ours (a daemon root started is
 * root's; another user's look-alike is not). */
static bool daemon_same_uid(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (daemon_read_small(path, buf, sizeof(buf)) <= 0)
		return false;
	const char *u = strstr(buf, "\nUid:");
	unsigned long ruid, euid;
	if (!u || sscanf(u + 5, "%lu %lu", &ruid, &euid) != 2)
		return false;
	return ruid == (unsigned long)getuid() && euid == (unsigned long)geteuid();
}

/* True if pid runs this very program: /proc/PID/exe and /proc/self/exe are
 * the same file (a copy, or another program started as "illan", is not). */
static bool daemon_same_exe(pid_t pid)
{
	char path[64];
	struct stat theirs, mine;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &theirs) < 0 || stat("/proc/self/exe", &mine) < 0)
		return false;
	return theirs.st_dev == mine.st_dev && theirs.st_ino == mine.st_ino;
}

/* daemon_scan: see daemon.h. */
pid_t daemon_scan(const struct daemon_paths *p)
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
		if (daemon_is_ours((pid_t)pid, p->dir) && daemon_same_uid((pid_t)pid) &&
		    daemon_same_exe((pid_t)pid))
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* ---- the daemon ---------------------------------------------------------- */

#define DAEMON_POLL_NS 1000000000ull /* the kernels' counters and illan's, read each second */
#define DAEMON_EVENTS 256            /* explanations kept for `illan watch` */
#define DAEMON_PENDING 32            /* distinct explanations merged within one reading */
#define DAEMON_KERNEL_WATCHES 8

/* One explanation as `illan watch` and the log show it: what was added in
 * one reading of the counters, merged by text. */
struct daemon_event {
	uint64_t seq;         /* 1, 2, ... */
	struct timespec when; /* CLOCK_REALTIME */
	uint64_t count;
	bool harmless;
	char text[TRACE_TEXT_MAX];
};

/* A namespace's kernel that illan feeds: its counters, and the trace's
 * watches on the devices that deliver into it. */
struct daemon_kernel {
	struct kstat_ns ks;
	struct kstat_vals last;
	bool have_last;
	char obj[LAB_NS_MAX + 16];      /* "vm-b's kernel" */
	char stats_obj[LAB_NS_MAX + 8]; /* "kernel:vm-b" */
	int watches[DAEMON_KERNEL_WATCHES];
	unsigned n_watches;
};

/* Every counter as (object, name, value), in visiting order. */
struct counter_row {
	char obj[LAB_NS_MAX + 16];
	char name[64];
	const struct counter_desc *d; /* NULL for the daemon's own extras */
	uint64_t v;
};
struct counter_table {
	struct counter_row *rows;
	size_t n, cap;
};

struct daemon {
	struct topo *topo;
	struct lab lab;    /* the names of what the lab made (namespaces, interfaces) */
	struct real *real; /* the TAPs and the wires */
	struct daemon_paths paths;
	struct daemon_opts opts;
	int dir_fd, sig_fd;
	struct ev_fd sig_w;
	struct ctlsrv *ctl;
	bool pid_written, listening;
	bool stop;
	uint64_t started_ns;
	/* `illan why`: the hop recorder (the embedded report's), the kernels
	 * it feeds, and the counters as last read */
	struct trace *tr;
	struct daemon_kernel *kernels;
	unsigned n_kernels;
	struct counter_table last;       /* illan's counters at the last reading */
	struct counter_table delta_mark; /* at the last `illan stats --delta` */
	bool delta_marked;
	struct trace_explanation *why_mark; /* the explanations at the last `illan why` */
	unsigned n_why_mark;
	uint64_t why_lost_mark, why_mark_ns;
	struct daemon_event *events; /* ring of DAEMON_EVENTS */
	uint64_t n_events;
	struct daemon_event pending[DAEMON_PENDING];
	unsigned n_pending;
	struct ev_timer poll_timer;
};

/* Log lines that could not be written (the log is the daemon's stderr). */
static uint64_t daemon_log_write_errors;

/* One line into the log (the daemon's stderr), time-stamped. Returns 0, or
 * -EIO when the line did not reach the file (counted). */
static int daemon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int daemon_log(const char *fmt, ...)
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
	if (fflush(stderr) == EOF || ferror(stderr)) {
		clearerr(stderr);
		daemon_log_write_errors++;
		return -EIO;
	}
	return 0;
}

static void daemon_table_add_d(struct counter_table *t, const char *obj, const char *name,
			       const struct counter_desc *d, uint64_t v)
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
	r->d = d;
	r->v = v;
}

static void daemon_table_add(struct counter_table *t, const char *obj, const char *name, uint64_t v)
{
	daemon_table_add_d(t, obj, name, NULL, v);
}

static void daemon_table_visit(void *arg, const char *obj, const struct counter_desc *d, uint64_t v)
{
	daemon_table_add_d(arg, obj, d->name, d, v);
}

/* The topology's counters, then the TAPs' and the wire's, then the
 * daemon's own (what a reading compares for illan's drops). */
static void daemon_counters_illan(struct daemon *d, struct counter_table *t)
{
	topo_for_each_counter(d->topo, daemon_table_visit, t);
	real_for_each_counter(d->real, daemon_table_visit, t);
	const struct ctlsrv_stats *cs = ctlsrv_get_stats(d->ctl);
	for (size_t i = 0; i < ctlsrv_counters.n; i++)
		daemon_table_add(t, "daemon", ctlsrv_counters.descs[i].name,
				 counter_get(cs, &ctlsrv_counters.descs[i]));
	daemon_table_add(t, "daemon", "log_write_errors", daemon_log_write_errors);
	daemon_table_add(t, "daemon", "wire_rx_refused", d->real->wire_rx_refused);
	daemon_table_add(t, "daemon", "pkts_outstanding", pkt_outstanding_total());
}

/* Those, then the kernels' ("kernel:vm-b"), read now: what `illan stats`
 * shows. */
static void daemon_counters(struct daemon *d, struct counter_table *t)
{
	daemon_counters_illan(d, t);
	for (unsigned i = 0; i < d->n_kernels; i++) {
		struct daemon_kernel *k = &d->kernels[i];
		struct kstat_vals v;
		if (kstat_read(&k->ks, &v) < 0)
			continue;
		for (size_t j = 0; j < kstat_counters.n; j++)
			daemon_table_add_d(t, k->stats_obj, kstat_counters.descs[j].name,
					   &kstat_counters.descs[j],
					   counter_get(&v, &kstat_counters.descs[j]));
	}
}

/* The kernel drivers' log lines (src/drv/kibmveth), per adapter, repeated
 * lines counted: {"device", "level", "line", "count"}. */
struct daemon_klog {
	json_t *arr;
	const char *dev;
};

static void daemon_klog_line(void *arg, int level, const char *line)
{
	struct daemon_klog *w = arg;
	size_t i;
	json_t *e;
	json_array_foreach(w->arr, i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "device")), w->dev) &&
		    !strcmp(json_string_value(json_object_get(e, "line")), line)) {
			json_int_t c = json_integer_value(json_object_get(e, "count"));
			json_object_set_new(e, "count", json_integer(c + 1));
			return;
		}
	}
	if (json_array_size(w->arr) < 64)
		json_array_append_new(w->arr, json_pack("{s:s, s:i, s:s, s:i}", "device", w->dev,
							"level", level, "line", line, "count", 1));
}

static json_t *daemon_klog(struct daemon *d)
{
	json_t *arr = json_array();
	for (unsigned i = 0; arr && i < d->topo->n_devs; i++) {
		const struct kc_dev *kd = kibmveth_kc(d->topo->devs[i].dev);
		if (!kd)
			continue;
		struct daemon_klog w = {arr, d->topo->devs[i].dev->name};
		kc_dev_log_each(kd, daemon_klog_line, &w);
	}
	return arr;
}

/* {"counters": {"obj": {"name": v, ...}, ...}, "kernel_log": [...]} —
 * objects in first-seen order, each object's counters together even if
 * visited apart; written with jansson, so names from a topology file are
 * escaped as JSON requires. */
static void daemon_write_stats_json(struct daemon *d, FILE *f)
{
	struct counter_table t = {0};
	daemon_counters(d, &t);
	json_t *root = json_object(), *objs = json_object();
	for (size_t i = 0; root && objs && i < t.n; i++) {
		json_t *o = json_object_get(objs, t.rows[i].obj);
		if (!o) {
			o = json_object();
			json_object_set_new(objs, t.rows[i].obj, o);
		}
		json_object_set_new(o, t.rows[i].name, json_integer((json_int_t)t.rows[i].v));
	}
	json_object_set_new(root, "counters", objs);
	json_object_set_new(root, "kernel_log", daemon_klog(d));
	json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(root);
	free(t.rows);
}

static void daemon_write_stats_text(struct daemon *d, FILE *f)
{
	struct counter_table t = {0};
	daemon_counters(d, &t);
	for (size_t i = 0; i < t.n; i++)
		fprintf(f, "%-12s %-28s %" PRIu64 "\n", t.rows[i].obj, t.rows[i].name, t.rows[i].v);
	free(t.rows);
	json_t *klog = daemon_klog(d);
	if (json_array_size(klog)) {
		fprintf(f, "kernel driver log:\n");
		size_t i;
		json_t *e;
		json_array_foreach(klog, i, e)
		{
			fprintf(f, "  %" PRId64 "x %s: %s\n",
				(int64_t)json_integer_value(json_object_get(e, "count")),
				json_string_value(json_object_get(e, "device")),
				json_string_value(json_object_get(e, "line")));
		}
	}
	json_decref(klog);
}

/* fixes: the mask, or null when each adapter runs its file's; mtu 0: the
 * file's own per device. */
static void daemon_write_status(struct daemon *d, FILE *f)
{
	json_t *st = json_object();
	json_object_set_new(st, "pid", json_integer(getpid()));
	json_object_set_new(
		st, "uptime_ms",
		json_integer((json_int_t)((ev_now(d->topo->loop) - d->started_ns) / 1000000)));
	json_object_set_new(st, "fixes",
			    d->opts.fixes == TOPO_FIXES_FILE ? json_null()
							     : json_integer(d->opts.fixes));
	json_object_set_new(st, "offload", json_boolean(!d->opts.no_offload));
	json_object_set_new(st, "mtu", json_integer(d->opts.mtu));
	json_object_set_new(st, "lab", json_string(d->lab.name));
	json_object_set_new(st, "driver",
			    d->opts.driver[0] ? json_string(d->opts.driver) : json_null());
	json_dumpf(st, f, JSON_PRESERVE_ORDER); /* one line: {"pid": N, ...} */
	fputc('\n', f);
	json_decref(st);
}

struct daemon_flow_ctx {
	const struct br *br;
	FILE *f;
	uint64_t now;
};

/* Port number n of the flow dump's bridge as its device's name ("3" when
 * the port is gone). */
static void daemon_port_name(const struct br *br, unsigned n, FILE *f)
{
	const struct netdev *dev = br_port_dev(br, n);
	if (dev)
		fprintf(f, "%s", dev->name);
	else
		fprintf(f, "%u", n);
}

/* One flow as br_flow_format writes it, with the ports' names for their
 * numbers (as `ovs-dpctl dump-flows --names`): in_port(trunk-in), and
 * every output action. */
static void daemon_flow_one(void *arg, const struct br_flow_info *fi)
{
	struct daemon_flow_ctx *c = arg;
	char small[1024], *line = small;
	int n = br_flow_format(fi, c->now, small, sizeof(small));
	if (n >= (int)sizeof(small) && (line = malloc((size_t)n + 1)) != NULL)
		br_flow_format(fi, c->now, line, (size_t)n + 1);
	if (!line)
		line = small;
	const char *p = line;
	unsigned port;
	int used = 0;
	if (sscanf(p, "in_port(%u)%n", &port, &used) == 1 && used) {
		fprintf(c->f, "in_port(");
		daemon_port_name(c->br, port, c->f);
		fputc(')', c->f);
		p += used;
	}
	const char *acts = strstr(p, ", actions:");
	if (!acts) {
		fprintf(c->f, "%s\n", p);
	} else {
		acts += strlen(", actions:");
		fprintf(c->f, "%.*s", (int)(acts - p), p);
		/* comma-separated at depth 0; a bare number is an output */
		while (*acts) {
			size_t len = 0;
			int depth = 0;
			while (acts[len] && (depth || acts[len] != ',')) {
				depth += acts[len] == '(' ? 1 : acts[len] == ')' ? -1 : 0;
				len++;
			}
			bool number = len > 0 && strspn(acts, "0123456789") == len;
			if (number)
				daemon_port_name(c->br, (unsigned)strtoul(acts, NULL, 10), c->f);
			else
				fprintf(c->f, "%.*s", (int)len, acts);
			acts += len;
			if (*acts == ',')
				fputc(*acts++, c->f);
		}
		fputc('\n', c->f);
	}
	if (line != small)
		free(line);
}

/* Every bridge's datapath flows, ports by name; with more than one bridge,
 * each under a line naming it (the seed's one bridge prints as it always
 * has). */
static void daemon_write_flows(struct daemon *d, FILE *f)
{
	unsigned n = d->topo->desc->n_bridges;
	if (!n)
		fprintf(f, "(no bridges)\n");
	for (unsigned b = 0; b < n; b++) {
		if (n > 1)
			fprintf(f, "%sbridge %s:\n", b ? "\n" : "", d->topo->desc->bridges[b].name);
		struct daemon_flow_ctx c = {d->topo->brs[b], f, ev_now(d->topo->loop)};
		br_flow_dump(d->topo->brs[b], daemon_flow_one, &c);
	}
}

/* ---- what went wrong: `illan why`, `illan watch`, the log ------------------- */

static void daemon_flush_pending(struct daemon *d);

/* The trace's listener: each explanation added during a reading is merged
 * into the pending list, which daemon_flush_pending logs and streams. */
static void daemon_on_explanation(void *arg, const struct trace_explanation *e, uint64_t count)
{
	struct daemon *d = arg;
	for (unsigned i = 0; i < d->n_pending; i++)
		if (strcmp(d->pending[i].text, e->text) == 0) {
			d->pending[i].count += count;
			return;
		}
	if (d->n_pending == DAEMON_PENDING)
		daemon_flush_pending(d); /* out now, rather than merged into another's count */
	struct daemon_event *ev = &d->pending[d->n_pending++];
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->text, sizeof(ev->text), "%s", e->text);
	ev->count = count;
	ev->harmless = e->harmless;
}

/* Each pending explanation into the log (time-stamped) and the ring. */
static void daemon_flush_pending(struct daemon *d)
{
	for (unsigned i = 0; i < d->n_pending; i++) {
		struct daemon_event *ev = &d->events[d->n_events % DAEMON_EVENTS];
		*ev = d->pending[i];
		ev->seq = ++d->n_events;
		clock_gettime(CLOCK_REALTIME, &ev->when);
		daemon_log("why: %" PRIu64 "x %s", ev->count, ev->text);
	}
	d->n_pending = 0;
}

/* Explain the increase n of kernel counter c in kernel k. */
static void daemon_kernel_rise(struct daemon *d, struct daemon_kernel *k,
			       const struct counter_desc *c, uint64_t n)
{
	if (strcmp(c->name, "TcpInCsumErrors") == 0) {
		/* the packets illan delivered there whose history explains a
		 * bad TCP checksum, in the embedded report's words */
		for (unsigned i = 0; i < k->n_watches && n; i++)
			n -= trace_kernel_drops(d->tr, (unsigned)k->watches[i], "tcp_bad_checksum",
						c->name, n);
	} else if (strcmp(c->name, "TcpExtTCPSynRetrans") == 0) {
		char text[TRACE_TEXT_MAX];
		snprintf(text, sizeof(text),
			 "%s retransmitted a SYN or SYN-ACK: it or its answer was lost (%s)",
			 k->obj, c->name);
		trace_add_text(d->tr, text, false, n, k->obj, c->name);
		return;
	}
	if (n)
		trace_add_counted(d->tr, k->obj, c, n); /* in the counter's own words */
}

/* Read every counter, illan's and the kernels', and explain what rose
 * since the last reading. The first reading only sets the baselines. */
static void daemon_poll(struct daemon *d)
{
	struct counter_table now = {0};
	daemon_counters_illan(d, &now);
	if (now.n == d->last.n)
		for (size_t i = 0; i < now.n; i++) {
			const struct counter_row *r = &now.rows[i];
			if (r->d && r->d->drop && !(r->d->flags & COUNTER_GAUGE) &&
			    r->v > d->last.rows[i].v)
				trace_count_drop(d->tr, r->obj, r->d, r->v - d->last.rows[i].v);
		}
	free(d->last.rows);
	d->last = now;
	for (unsigned i = 0; i < d->n_kernels; i++) {
		struct daemon_kernel *k = &d->kernels[i];
		struct kstat_vals v;
		if (kstat_read(&k->ks, &v) < 0)
			continue;
		for (size_t j = 0; k->have_last && j < kstat_counters.n; j++) {
			const struct counter_desc *c = &kstat_counters.descs[j];
			uint64_t was = counter_get(&k->last, c), is = counter_get(&v, c);
			if (is > was && (c->drop || strcmp(c->name, "TcpExtTCPSynRetrans") == 0))
				daemon_kernel_rise(d, k, c, is - was);
		}
		k->last = v;
		k->have_last = true;
	}
	daemon_flush_pending(d);
}

static void daemon_on_poll(struct ev_timer *t)
{
	struct daemon *d = (struct daemon *)((char *)t - offsetof(struct daemon, poll_timer));
	daemon_poll(d);
	ev_timer_arm(d->topo->loop, &d->poll_timer, ev_now(d->topo->loop) + DAEMON_POLL_NS);
}

/* The count an explanation had at the last `illan why`. */
static uint64_t daemon_why_was(const struct daemon *d, const char *text)
{
	for (unsigned i = 0; i < d->n_why_mark; i++)
		if (strcmp(d->why_mark[i].text, text) == 0)
			return d->why_mark[i].count;
	return 0;
}

/* The answer of why-json: {"since": "start"|"last_why", "seconds",
 * "nothing_went_wrong", "explanations": [...] (trace_explanations_json, the
 * losses first, then the harmless), "not_listed": drops of kinds beyond
 * TRACE_MAX_EXPLAIN}. */
static void daemon_write_why_json(FILE *f, bool since_start, double ago,
				  const struct trace_explanation *rows, unsigned n_rows,
				  unsigned n_harmless, uint64_t lost)
{
	struct trace_explanation *ordered = calloc(n_rows + 1, sizeof(*ordered));
	unsigned k = 0;
	for (int pass = 0; ordered && pass < 2; pass++)
		for (unsigned i = 0; i < n_rows; i++)
			if (rows[i].harmless == (pass == 1))
				ordered[k++] = rows[i];
	json_t *arr = ordered ? trace_explanations_json(ordered, k) : NULL;
	free(ordered);
	json_t *o = arr ? json_pack("{s:s, s:f, s:b, s:o, s:I}", "since",
				    since_start ? "start" : "last_why", "seconds", ago,
				    "nothing_went_wrong", n_rows == n_harmless && !lost,
				    "explanations", arr, "not_listed", (json_int_t)lost)
			: NULL;
	if (!o || json_dumpf(o, f, JSON_INDENT(2)))
		fprintf(f, "{\"error\": \"out of memory\"}");
	fprintf(f, "\n");
	json_decref(o);
}

/* What went wrong since the daemon started (all) or since the last `illan
 * why`, most frequent first, as the run report lists its drops; as JSON
 * (daemon_write_why_json) when json. */
static void daemon_write_why(struct daemon *d, FILE *f, bool all, bool json)
{
	daemon_poll(d);
	uint64_t now = ev_now(d->topo->loop);
	const struct trace_explanation *ex;
	unsigned n = trace_explanations(d->tr, &ex);
	bool since_start = all || !d->why_mark;
	double ago = (double)(now - (since_start ? d->started_ns : d->why_mark_ns)) / 1e9;
	if (!json)
		fprintf(f, "%s (%.1f s ago):",
			since_start ? "since the daemon started" : "since the last 'illan why'", ago);
	/* ex is sorted by total count; the rows by their increase */
	struct trace_explanation *rows = calloc(n + 1, sizeof(*rows));
	unsigned n_rows = 0;
	for (unsigned i = 0; rows && i < n; i++) {
		uint64_t c = ex[i].count - (since_start ? 0 : daemon_why_was(d, ex[i].text));
		if (!c)
			continue;
		rows[n_rows] = ex[i];
		rows[n_rows++].count = c;
	}
	for (unsigned i = 1; i < n_rows; i++) /* stable, by count */
		for (unsigned j = i; j > 0 && rows[j].count > rows[j - 1].count; j--) {
			struct trace_explanation t = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	uint64_t lost = trace_explanations_lost(d->tr) - (since_start ? 0 : d->why_lost_mark);
	unsigned n_harmless = 0;
	for (unsigned i = 0; i < n_rows; i++)
		n_harmless += rows[i].harmless;
	/* the losses first; what lost nothing (a filtered multicast, a
	 * flooded frame refused) after them, apart */
	if (json) {
		daemon_write_why_json(f, since_start, ago, rows, rows ? n_rows : 0, n_harmless, lost);
	} else {
		fprintf(f, "%s\n", n_rows - n_harmless || lost ? "" : " nothing went wrong");
		for (unsigned i = 0; i < n_rows; i++)
			if (!rows[i].harmless)
				fprintf(f, "  %" PRIu64 "x %s\n", rows[i].count, rows[i].text);
		if (lost)
			fprintf(f, "  %" PRIu64 "x drops of kinds beyond the first %u (not listed)\n",
				lost, TRACE_MAX_EXPLAIN);
		if (n_harmless)
			fprintf(f, "harmless (nothing lost):\n");
		for (unsigned i = 0; i < n_rows; i++)
			if (rows[i].harmless)
				fprintf(f, "  %" PRIu64 "x %s\n", rows[i].count, rows[i].text);
	}
	free(rows);
	if (all)
		return;
	struct trace_explanation *mark = malloc((n ? n : 1) * sizeof(*mark));
	if (!mark)
		return;
	memcpy(mark, ex, n * sizeof(*mark));
	free(d->why_mark);
	d->why_mark = mark;
	d->n_why_mark = n;
	d->why_mark_ns = now;
	d->why_lost_mark = trace_explanations_lost(d->tr);
}

/* The explanations kept for `illan watch`, oldest first: "SEQ SECONDS.MS
 * COUNT TEXT", SECONDS since the epoch. */
static void daemon_write_events(struct daemon *d, FILE *f)
{
	daemon_poll(d);
	uint64_t first = d->n_events > DAEMON_EVENTS ? d->n_events - DAEMON_EVENTS : 0;
	fprintf(f, "# %" PRIu64 "\n", d->n_events); /* the last sequence number */
	for (uint64_t s = first; s < d->n_events; s++) {
		const struct daemon_event *ev = &d->events[s % DAEMON_EVENTS];
		fprintf(f, "%" PRIu64 " %lld.%03ld %" PRIu64 " %s\n", ev->seq,
			(long long)ev->when.tv_sec, ev->when.tv_nsec / 1000000, ev->count, ev->text);
	}
}

/* Every counter's increase since the last `illan stats --delta` (since
 * start at the first), as `illan stats` prints them; a gauge shows its
 * value. */
static void daemon_write_stats_delta(struct daemon *d, FILE *f, bool json)
{
	struct counter_table t = {0};
	daemon_counters(d, &t);
	bool same = d->delta_marked && d->delta_mark.n == t.n;
	json_t *root = json ? json_object() : NULL, *objs = json ? json_object() : NULL;
	for (size_t i = 0; i < t.n; i++) {
		const struct counter_row *r = &t.rows[i];
		uint64_t v = r->v;
		bool gauge = (r->d && (r->d->flags & COUNTER_GAUGE)) ||
			     strcmp(r->name, "pkts_outstanding") == 0 ||
			     strcmp(r->name, "ctl_open") == 0;
		if (!gauge && same)
			v = v >= d->delta_mark.rows[i].v ? v - d->delta_mark.rows[i].v : v;
		if (!json) {
			fprintf(f, "%-12s %-28s %" PRIu64 "\n", r->obj, r->name, v);
			continue;
		}
		json_t *o = json_object_get(objs, r->obj);
		if (!o) {
			o = json_object();
			json_object_set_new(objs, r->obj, o);
		}
		json_object_set_new(o, r->name, json_integer((json_int_t)v));
	}
	if (json) {
		json_object_set_new(root, "counters", objs);
		json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		fputc('\n', f);
		json_decref(root);
	}
	free(d->delta_mark.rows);
	d->delta_mark = t;
	d->delta_marked = true;
}

/* The recorder on the data path, a watch on each device that feeds a
 * kernel, the kernels' counter files, the first reading, the timer. */
static int daemon_why_start(struct daemon *d, char *err, size_t err_size)
{
	d->events = calloc(DAEMON_EVENTS, sizeof(*d->events));
	d->kernels = calloc(d->lab.n_ns + 1, sizeof(*d->kernels));
	/* one recorder: the explanations, and with --pcap/--trace the first 8
	 * packets of each of the first 16 connections, as `illan run
	 * --pcap/--trace` writes them (src/topo/trace.h) */
	bool capture = d->opts.pcap_dir[0] || d->opts.trace_file[0];
	d->tr = trace_create(d->opts.trace_file[0] ? d->opts.trace_file : NULL,
			     d->opts.pcap_dir[0] ? d->opts.pcap_dir : NULL, capture ? 8 : 0, err,
			     err_size);
	if (!d->events || !d->kernels || !d->tr) {
		if (!err[0])
			snprintf(err, err_size, "out of memory");
		return -1;
	}
	trace_set_listener(d->tr, daemon_on_explanation, d);
	if (capture)
		trace_auto_flows(d->tr);
	for (unsigned i = 0; i < d->lab.n_ns; i++) {
		if ((int)i == d->lab.io_ns)
			continue;
		struct daemon_kernel *k = &d->kernels[d->n_kernels];
		const char *ifs[KSTAT_IFS];
		unsigned n_ifs = 0;
		for (unsigned l = 0; l < d->lab.n_links && n_ifs < KSTAT_IFS; l++)
			if (d->lab.links[l].ns == i)
				ifs[n_ifs++] = d->lab.links[l].ifname;
		if (kstat_open(&k->ks, d->lab.ns[i].name, ifs, n_ifs, err, err_size) < 0)
			return -1;
		snprintf(k->obj, sizeof(k->obj), "%s's kernel", d->lab.ns[i].name);
		snprintf(k->stats_obj, sizeof(k->stats_obj), "kernel:%s", d->lab.ns[i].name);
		d->n_kernels++;
		for (unsigned l = 0; l < d->lab.n_links; l++) {
			const struct lab_link *ll = &d->lab.links[l];
			if (ll->ns != i)
				continue;
			if (ll->ep.addr.has_ip4)
				trace_name_host(d->tr, 4, ll->ep.addr.ip4, d->lab.ns[i].name);
			if (ll->ep.addr.has_ip6)
				trace_name_host(d->tr, 6, ll->ep.addr.ip6, d->lab.ns[i].name);
			const struct netdev *dev = NULL;
			for (unsigned t = 0; t < d->real->n_taps; t++)
				if (d->real->taps[t].link == ll)
					dev = d->real->taps[t].tap;
			for (unsigned w = 0; w < d->real->n_wires; w++)
				if (d->real->wires[w].link == ll)
					dev = d->real->wires[w].nic;
			int wi = dev ? trace_watch_delivery(d->tr, dev, d->lab.ns[i].name,
							    ll->ep.display)
				     : -1;
			if (wi >= 0 && k->n_watches < DAEMON_KERNEL_WATCHES)
				k->watches[k->n_watches++] = wi;
		}
	}
	trace_observe_hv(d->tr, d->topo->hv); /* the ILLAN flags at each hop */
	trace_install(d->tr);
	daemon_poll(d); /* the baselines */
	ev_timer_arm(d->topo->loop, &d->poll_timer, ev_now(d->topo->loop) + DAEMON_POLL_NS);
	return 0;
}

static void daemon_why_stop(struct daemon *d)
{
	if (d->topo && ev_timer_armed(&d->poll_timer))
		ev_timer_cancel(d->topo->loop, &d->poll_timer);
	trace_destroy(d->tr); /* flushes --trace and --pcap files */
	d->tr = NULL;
	for (unsigned i = 0; d->kernels && i < d->n_kernels; i++)
		kstat_close(&d->kernels[i].ks);
	free(d->kernels);
	d->kernels = NULL;
	d->n_kernels = 0;
	free(d->events);
	d->events = NULL;
	free(d->last.rows);
	free(d->delta_mark.rows);
	free(d->why_mark);
	d->last.rows = d->delta_mark.rows = NULL;
	d->why_mark = NULL;
}

/* The control commands, in the order daemon_ctl_answer numbers them. */
static const char *const daemon_ctl_words[] = {"status",   "stats",        "stats-json",
					       "flows",    "why",          "why-all",
					       "events",   "stats-delta",  "stats-delta-json",
					       "why-json", "why-all-json", NULL};

/* Answer control command cmd (ctlsrv_answer_fn). */
static void daemon_ctl_answer(void *arg, unsigned cmd, FILE *f)
{
	struct daemon *d = arg;
	switch (cmd) {
	case 0:
		daemon_write_status(d, f);
		break;
	case 1:
		daemon_write_stats_text(d, f);
		break;
	case 2:
		daemon_write_stats_json(d, f);
		break;
	case 3:
		daemon_write_flows(d, f);
		break;
	case 4:
	case 5:
		daemon_write_why(d, f, cmd == 5, false);
		break;
	case 9:
	case 10:
		daemon_write_why(d, f, cmd == 10, true);
		break;
	case 6:
		daemon_write_events(d, f);
		break;
	case 7:
	case 8:
		daemon_write_stats_delta(d, f, cmd == 8);
		break;
	}
}

static void daemon_on_signal(struct ev_fd *w, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)w - offsetof(struct daemon, sig_w));
	(void)events;
	struct signalfd_siginfo si;
	if (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		daemon_log("signal %u: stopping", si.ssi_signo);
		d->stop = true;
	}
}

/* Write the pid file afresh: a stale one (or anything planted under its
 * name) is unlinked, the new one created O_EXCL|O_NOFOLLOW; write, fsync
 * and close are each checked, so a full disk is an error, not an empty
 * file. Returns 0 or -errno. */
static int daemon_write_pid(struct daemon *d)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	int fd = daemon_file_create(d->dir_fd, DAEMON_PID_NAME, 0);
	if (fd < 0)
		return fd;
	d->pid_written = true; /* from here on ours to remove */
	int rc = daemon_write_all(fd, line, (size_t)len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Listen on the control socket: whatever has its name is removed first (a
 * live daemon there was ruled out at start-up), and the socket is bound
 * through the checked directory's fd, never through the path again. */
static int daemon_ctl_listen(struct daemon *d)
{
	if (unlinkat(d->dir_fd, DAEMON_SOCK_NAME, 0) < 0 && errno != ENOENT)
		return -errno;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/" DAEMON_SOCK_NAME, d->dir_fd);
	int rc = ctlsrv_listen(d->ctl, path);
	if (rc == 0)
		d->listening = true;
	return rc;
}

/* Glue the namespaces' kernels to the topology and say what each TAP and
 * wire got. */
static int daemon_attach(struct daemon *d, char *err, size_t err_size)
{
	d->real = real_create(d->topo, &d->lab, err, err_size);
	if (!d->real)
		return -1;
	for (unsigned i = 0; i < d->real->n_taps; i++) {
		const struct real_tap *rt = &d->real->taps[i];
		daemon_log("%s: %s in %s, TUNSETOFFLOAD 0x%x (adapter %s features 0x%x)",
			   rt->tap->name, rt->link->ifname, d->lab.ns[rt->link->ns].name,
			   rt->offloads, rt->adapter->name, rt->adapter->features);
	}
	for (unsigned i = 0; i < d->real->n_wires; i++) {
		const struct real_wire *w = &d->real->wires[i];
		daemon_log("%s: %s in %s (cable from %s in %s), wire of %s", w->wire->name,
			   w->link->io_ifname, d->lab.ns[d->lab.io_ns].name, w->link->ifname,
			   d->lab.ns[w->link->ns].name, w->nic->name);
	}
	return 0;
}

/* The topology the lab runs: the built-in seed for the default lab, else
 * the copy `netns up` wrote into the lab's directory, read through the
 * checked directory (no symlink followed), refused on any error the
 * checker finds. Plans the lab's names into d->lab. NULL with err set. */
static struct topo_desc *daemon_load(struct daemon *d, char *err, size_t err_size)
{
	struct topo_desc *desc;
	if (!d->opts.lab[0]) {
		desc = topofile_load_seed(err, err_size);
	} else {
		char *text;
		size_t len;
		int rc = daemon_file_read(d->dir_fd, DAEMON_TOPO_NAME, TOPOFILE_MAX_SIZE, &text,
					  &len);
		if (rc < 0) {
			snprintf(err, err_size, "%s/%s: %s", d->paths.dir, DAEMON_TOPO_NAME,
				 strerror(-rc));
			return NULL;
		}
		char name[sizeof(d->paths.dir) + sizeof(DAEMON_TOPO_NAME) + 1];
		snprintf(name, sizeof(name), "%s/%s", d->paths.dir, DAEMON_TOPO_NAME);
		desc = topofile_load_string(text, len, name, err, err_size);
		free(text);
	}
	if (!desc)
		return NULL;
	struct topo_diag g;
	unsigned n = topo_desc_check(desc, &g, 1);
	if (n && g.error) {
		topo_desc_diag_format(desc, &g, err, err_size);
		topo_desc_free(desc);
		return NULL;
	}
	if (lab_plan(desc, d->opts.lab, &d->lab, err, err_size) < 0) {
		topo_desc_free(desc);
		return NULL;
	}
	return desc;
}

static void daemon_teardown(struct daemon *d)
{
	daemon_why_stop(d);
	real_destroy(d->real);
	d->real = NULL;
	lab_free(&d->lab);
	ctlsrv_destroy(d->ctl);
	d->ctl = NULL;
	if (d->listening)
		unlinkat(d->dir_fd, DAEMON_SOCK_NAME, 0);
	if (d->pid_written)
		unlinkat(d->dir_fd, DAEMON_PID_NAME, 0);
	if (d->sig_fd >= 0) {
		if (d->topo)
			ev_fd_del(d->topo->loop, &d->sig_w);
		close(d->sig_fd);
	}
	if (d->topo) {
		uint64_t leaked = topo_destroy(d->topo);
		if (leaked)
			daemon_log("%" PRIu64 " packets still outstanding at teardown", leaked);
	}
	d->topo = NULL;
}

static void daemon_usage(FILE *f)
{
	fprintf(f,
		"usage: illan daemon [--dir DIR] [--name LAB] [--fixes LIST] [--no-offload] [--no-gro]\n"
		"                    [--driver illan|v4.13|v4.15|v5.10|v6.1|current|kernel-VERSION]\n"
		"                    [--mtu N] [--pcap DIR] [--trace FILE]\n"
		"  Runs the emulator between a lab's namespaces: the TAPs in its partitions'\n"
		"  namespaces and the hosts' cables in its IO namespace (the default lab: vm-a,\n"
		"  vm-b, host-x, %s), made by 'illan netns up', which starts this. With\n"
		"  --name, the topology is DIR/%s. Stops on SIGINT/SIGTERM.\n",
		LAB_DEFAULT_IO_NS, DAEMON_TOPO_NAME);
}

/* cmd_daemon: see cli.h. Runs in the foreground; `netns up` backgrounds it. */
int cmd_daemon(int argc, char **argv)
{
	struct daemon d;
	memset(&d, 0, sizeof(d));
	ev_timer_init(&d.poll_timer, daemon_on_poll); /* not armed until daemon_why_start */
	d.dir_fd = d.sig_fd = -1;
	d.opts.fixes = IBMVETH_FIX_ALL;
	d.opts.mtu = 1500;
	d.lab.io_ns = -1;
	bool fixes_given = false, mtu_given = false;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(a, "--name") == 0 && i + 1 < argc) {
			if (!lab_name_valid(argv[++i])) {
				fprintf(stderr, "illan daemon: bad --name '%s'\n", argv[i]);
				return 2;
			}
			snprintf(d.opts.lab, sizeof(d.opts.lab), "%s", argv[i]);
		} else if (strcmp(a, "--fixes") == 0 && i + 1 < argc) {
			if (opts_parse_fixes("illan daemon", argv[++i], &d.opts.fixes) < 0)
				return 2;
			fixes_given = true;
		} else if (strcmp(a, "--mtu") == 0 && i + 1 < argc) {
			d.opts.mtu = (unsigned)strtoul(argv[++i], NULL, 10);
			mtu_given = true;
		} else if (strcmp(a, "--no-offload") == 0) {
			d.opts.no_offload = true;
		} else if (strcmp(a, "--no-gro") == 0) {
			d.opts.no_gro = true;
		} else if (strcmp(a, "--driver") == 0 && i + 1 < argc) {
			snprintf(d.opts.driver, sizeof(d.opts.driver), "%s", argv[++i]);
		} else if ((strcmp(a, "--pcap") == 0 || strcmp(a, "--trace") == 0) && i + 1 < argc) {
			char *to = a[2] == 'p' ? d.opts.pcap_dir : d.opts.trace_file;
			if (argv[++i][0] != '/' || strlen(argv[i]) >= sizeof(d.opts.pcap_dir)) {
				fprintf(stderr, "illan daemon: %s takes an absolute path\n", a);
				return 2;
			}
			snprintf(to, sizeof(d.opts.pcap_dir), "%s", argv[i]);
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			daemon_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "illan daemon: unknown or incomplete option '%s'\n", a);
			daemon_usage(stderr);
			return 2;
		}
	}
	/* dir is the lab's own directory, as netns up passes it. A named lab
	 * runs its file's fixes and MTUs unless told otherwise. */
	daemon_paths_init(&d.paths, dir);
	if (d.opts.lab[0]) {
		if (!fixes_given)
			d.opts.fixes = TOPO_FIXES_FILE;
		if (!mtu_given)
			d.opts.mtu = 0;
	}
	if ((d.opts.mtu || !d.opts.lab[0]) && (d.opts.mtu < 576 || d.opts.mtu > 9000)) {
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

	char err[512] = "";
	d.dir_fd = daemon_dir_open(d.paths.dir, true, err, sizeof(err));
	if (d.dir_fd < 0) {
		daemon_log("%s", err);
		return 1;
	}
	pid_t other = daemon_ctl_pid(&d.paths, NULL);
	if (other == -EACCES) { /* root's socket seen by another user */
		daemon_log("the control socket %s is root's: the daemon runs as root (illan "
			   "netns up starts it)",
			   d.paths.sock);
		close(d.dir_fd);
		return 1;
	}
	if (other != 0) {
		daemon_log("a daemon (pid %d) already answers at %s: not starting another",
			   (int)other, d.paths.sock);
		close(d.dir_fd);
		return 1;
	}

	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.fixes = fixes_given ? d.opts.fixes : TOPO_FIXES_FILE; /* given: the seed generation */
	cfg.no_offload = d.opts.no_offload;
	cfg.mtu = d.opts.mtu;
	cfg.gro = !d.opts.no_gro;
	cfg.driver = d.opts.driver[0] ? d.opts.driver : NULL;
	cfg.real = true;
	cfg.monotonic = true;
	int status = 1;
	int rc;
	struct topo_desc *desc = daemon_load(&d, err, sizeof(err));
	d.topo = desc ? topo_create(desc, &cfg, err, sizeof(err)) : NULL;
	if (!d.topo) {
		daemon_log("cannot build the topology: %s", err);
		goto out;
	}
	d.started_ns = ev_now(d.topo->loop);
	if (daemon_attach(&d, err, sizeof(err)) < 0) {
		daemon_log("cannot attach the namespaces: %s", err);
		goto out;
	}
	d.ctl = ctlsrv_create(d.topo->loop, NULL, daemon_ctl_words, daemon_ctl_answer, &d);
	if (!d.ctl) {
		daemon_log("control socket: out of memory");
		goto out;
	}
	if (daemon_why_start(&d, err, sizeof(err)) < 0) {
		daemon_log("cannot watch the namespaces' kernels: %s", err);
		goto out;
	}
	d.sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	d.sig_w.fn = daemon_on_signal;
	rc = d.sig_fd < 0 ? -errno : ev_fd_add(d.topo->loop, &d.sig_w, d.sig_fd, EPOLLIN);
	if (rc < 0) {
		daemon_log("signalfd: %s", strerror(-rc));
		goto out;
	}
	/* The pid file before the socket: a daemon that answers has one. */
	rc = daemon_write_pid(&d);
	if (rc < 0) {
		daemon_log("cannot write the pid file %s: %s", d.paths.pid, strerror(-rc));
		goto out;
	}
	rc = daemon_ctl_listen(&d);
	if (rc < 0) {
		daemon_log("control socket %s: %s", d.paths.sock, strerror(-rc));
		goto out;
	}
	char fixes[32] = "as the file says", mtu[16] = "the file's";
	if (d.opts.fixes != TOPO_FIXES_FILE)
		snprintf(fixes, sizeof(fixes), "0x%x", d.opts.fixes);
	if (d.opts.mtu)
		snprintf(mtu, sizeof(mtu), "%u", d.opts.mtu);
	if (daemon_log("ready: fixes %s, %s, mtu %s, gro %s, control %s%s%s", fixes,
		       d.opts.no_offload ? "no offload" : "offloads on", mtu,
		       d.opts.no_gro ? "off" : "on", d.paths.sock, d.lab.name[0] ? ", lab " : "",
		       d.lab.name) < 0)
		goto out; /* a daemon whose log is lost is not started */
	while (!d.stop)
		ev_run_once(d.topo->loop, UINT64_MAX);
	status = 0;
out:
	daemon_teardown(&d);
	daemon_log("stopped");
	close(d.dir_fd);
	return status;
}
