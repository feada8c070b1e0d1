/*
 * daemon.c — `illan daemon`: the real-traffic emulator (daemon.h), and the
 * helpers its controller uses to start, find and recognise it.
 *
 * The daemon builds the seed topology in real mode (topo_seed_create with
 * no built-in stacks, on the monotonic clock), glues the namespaces'
 * kernels to it (src/topo/real.c: a TAP into vm-a and vm-b, the AF_PACKET
 * wire in illan-io), and runs one epoll loop until SIGINT or SIGTERM, which
 * arrive through a signalfd. Idle, it sleeps in epoll_wait. The loop also
 * serves a unix control socket (ctl.c is its client): one command line per
 * connection, the answer, then close —
 *   status      {"pid", "uptime_ms", "fixes", "offload", "mtu"} as JSON
 *   stats       every counter, "object counter value" one a line
 *   stats-json  {"counters": {"object": {"counter": value, ...}, ...}}
 *   flows       the bridge's datapath flows
 * anything else is answered "error: unknown command '...'".
 *
 * Serves `illan netns up` (netns.c), which starts it in the background.
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
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "bridge/bridge.h"
#include "drv/ibmveth/ibmveth.h"
#include "ev/ev.h"
#include "net/netdev.h"
#include "pkt/pkt.h"
#include "topo/real.h"
#include "topo/topo.h"

/* daemon_paths_init: see daemon.h. */
void daemon_paths_init(struct daemon_paths *p, const char *dir)
{
	snprintf(p->dir, sizeof(p->dir), "%s", dir ? dir : DAEMON_DEFAULT_DIR);
	snprintf(p->pid, sizeof(p->pid), "%s/illan.pid", p->dir);
	snprintf(p->sock, sizeof(p->sock), "%s/ctl.sock", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/daemon.log", p->dir);
}

/* daemon_fixes_format: see daemon.h. */
void daemon_fixes_format(unsigned mask, char *out, size_t size)
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

/* ---- the daemon's command line, seen from outside ------------------------ */

/* daemon_spawn: see daemon.h. */
pid_t daemon_spawn(const struct daemon_paths *p, const struct daemon_opts *o)
{
	char fixes[16], mtu[16];
	daemon_fixes_format(o->fixes, fixes, sizeof(fixes));
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
	if (pid < 0)
		return -errno;
	if (pid > 0)
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
		if (daemon_is_ours((pid_t)pid, p->dir))
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* ---- the daemon ---------------------------------------------------------- */

struct daemon {
	struct topo *topo;
	struct real *real; /* the TAPs and the wire */
	struct daemon_paths paths;
	struct daemon_opts opts;
	int listen_fd, sig_fd;
	struct ev_fd listen_w, sig_w;
	bool stop;
	uint64_t started_ns;
	uint64_t ctl_requests;
};

/* One line into the log (the daemon's stderr), time-stamped. */
static void daemon_log(const char *fmt, ...)
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

static void daemon_table_add(struct counter_table *t, const char *obj, const char *name, uint64_t v)
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

static void daemon_table_visit(void *arg, const char *obj, const struct counter_desc *d, uint64_t v)
{
	daemon_table_add(arg, obj, d->name, v);
}

/* The topology's counters, then the TAPs' and the wire's, then the
 * daemon's own. */
static void daemon_counters(struct daemon *d, struct counter_table *t)
{
	topo_for_each_counter(d->topo, daemon_table_visit, t);
	real_for_each_counter(d->real, daemon_table_visit, t);
	daemon_table_add(t, "daemon", "ctl_requests", d->ctl_requests);
	daemon_table_add(t, "daemon", "wire_rx_refused", d->real->wire_rx_refused);
	daemon_table_add(t, "daemon", "pkts_outstanding", pkt_outstanding_total());
}

static void daemon_json_str(FILE *f, const char *s)
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
static void daemon_write_stats_json(struct daemon *d, FILE *f)
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
		daemon_json_str(f, t.rows[i].obj);
		fprintf(f, ": {");
		bool first = true;
		for (size_t j = i; j < t.n; j++) {
			if (done[j] || strcmp(t.rows[j].obj, t.rows[i].obj) != 0)
				continue;
			done[j] = true;
			fprintf(f, "%s", first ? "" : ", ");
			first = false;
			daemon_json_str(f, t.rows[j].name);
			fprintf(f, ": %" PRIu64, t.rows[j].v);
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n}}\n");
	free(done);
	free(t.rows);
}

static void daemon_write_stats_text(struct daemon *d, FILE *f)
{
	struct counter_table t = {0};
	daemon_counters(d, &t);
	for (size_t i = 0; i < t.n; i++)
		fprintf(f, "%-12s %-28s %" PRIu64 "\n", t.rows[i].obj, t.rows[i].name, t.rows[i].v);
	free(t.rows);
}

static void daemon_write_status(struct daemon *d, FILE *f)
{
	fprintf(f, "{\"pid\": %d, \"uptime_ms\": %" PRIu64 ", \"fixes\": %u, \"offload\": %s, \"mtu\": %u}\n",
		(int)getpid(), (ev_now(d->topo->loop) - d->started_ns) / 1000000, d->opts.fixes,
		d->opts.no_offload ? "false" : "true", d->opts.mtu);
}

/* One control connection: read a command line, answer, close. The answer is
 * small and the client waits for it, so a blocking exchange with timeouts
 * is simpler than a state machine and costs the loop at most a moment. */
static void daemon_ctl_accept(struct ev_fd *w, uint32_t events)
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
		daemon_write_status(d, f);
	else if (strcmp(cmd, "stats") == 0)
		daemon_write_stats_text(d, f);
	else if (strcmp(cmd, "stats-json") == 0)
		daemon_write_stats_json(d, f);
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

static int daemon_ctl_listen(struct daemon *d)
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

/* Glue the namespaces' kernels to the topology and say what each TAP got. */
static int daemon_attach(struct daemon *d, char *err, size_t err_size)
{
	d->real = real_create(d->topo, err, err_size);
	if (!d->real)
		return -1;
	struct netdev *vms[2] = {d->topo->vm_a, d->topo->vm_b};
	for (int e = 0; e < 2; e++)
		daemon_log("%s: %s in %s, TUNSETOFFLOAD 0x%x (adapter features 0x%x)",
			   d->real->tap[e]->name, REAL_IFNAME, real_ns_names[e], d->real->tap_offloads[e],
			   vms[e]->features);
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	real_destroy(d->real);
	d->real = NULL;
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
			daemon_log("%" PRIu64 " packets still outstanding at teardown", leaked);
	}
	d->topo = NULL;
}

static void daemon_usage(FILE *f)
{
	fprintf(f, "usage: illan daemon [--dir DIR] [--fixes LIST] [--no-offload] [--no-gro] [--mtu N]\n"
		   "  Runs the emulator between the TAPs in vm-a/vm-b and the veth in %s\n"
		   "  (made by 'illan netns up', which starts this). Stops on SIGINT/SIGTERM.\n",
		   REAL_NS_IO);
}

/* cmd_daemon: see cli.h. Runs in the foreground; `netns up` backgrounds it. */
int cmd_daemon(int argc, char **argv)
{
	struct daemon d;
	memset(&d, 0, sizeof(d));
	d.listen_fd = d.sig_fd = -1;
	d.opts.fixes = IBMVETH_FIX_ALL;
	d.opts.mtu = 1500;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(a, "--fixes") == 0 && i + 1 < argc) {
			if (ibmveth_parse_fixes(argv[++i], &d.opts.fixes) < 0) {
				fprintf(stderr, "illan daemon: bad --fixes '%s': expected " DAEMON_FIXES_HELP,
					argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--mtu") == 0 && i + 1 < argc) {
			d.opts.mtu = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(a, "--no-offload") == 0) {
			d.opts.no_offload = true;
		} else if (strcmp(a, "--no-gro") == 0) {
			d.opts.no_gro = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			daemon_usage(stdout);
			return 0;
		} else {
			daemon_usage(stderr);
			return 2;
		}
	}
	daemon_paths_init(&d.paths, dir);
	if (d.opts.mtu < 576 || d.opts.mtu > 9000) {
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
	cfg.fixes = d.opts.fixes;
	cfg.no_offload = d.opts.no_offload;
	cfg.mtu = d.opts.mtu;
	cfg.gro = !d.opts.no_gro;
	cfg.real = true;
	cfg.monotonic = true;
	char err[256] = "";
	int status = 1;
	d.topo = topo_seed_create(&cfg, err, sizeof(err));
	if (!d.topo) {
		daemon_log("cannot build the topology: %s", err);
		return 1;
	}
	d.started_ns = ev_now(d.topo->loop);
	if (daemon_attach(&d, err, sizeof(err)) < 0) {
		daemon_log("cannot attach the namespaces: %s", err);
		goto out;
	}
	d.sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	d.sig_w.fn = daemon_on_signal;
	d.listen_w.fn = daemon_ctl_accept;
	int rc = d.sig_fd < 0 ? -errno : ev_fd_add(d.topo->loop, &d.sig_w, d.sig_fd, EPOLLIN);
	if (rc == 0)
		rc = daemon_ctl_listen(&d);
	if (rc == 0)
		rc = ev_fd_add(d.topo->loop, &d.listen_w, d.listen_fd, EPOLLIN);
	if (rc < 0) {
		daemon_log("control socket %s: %s", d.paths.sock, strerror(-rc));
		goto out;
	}
	FILE *pf = fopen(d.paths.pid, "w");
	if (pf) {
		fprintf(pf, "%d\n", (int)getpid());
		fclose(pf);
	}
	daemon_log("ready: fixes 0x%x, %s, mtu %u, gro %s, control %s", d.opts.fixes,
		   d.opts.no_offload ? "no offload" : "offloads on", d.opts.mtu,
		   d.opts.no_gro ? "off" : "on", d.paths.sock);
	while (!d.stop)
		ev_run_once(d.topo->loop, UINT64_MAX);
	status = 0;
out:
	daemon_teardown(&d);
	unlink(d.paths.pid);
	daemon_log("stopped");
	return status;
}
