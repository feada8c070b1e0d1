/*
 * benchreal.c — `illan bench --real` (root): TCP goodput measured with iperf3
 * between the kernels of the seed's partitions and host, in the same
 * interleaved run (every round runs every case once, in turn), over
 *   - illan, VM A -> VM B, all fixes (`illan netns up --name illan-bench`),
 *   - illan, VM A -> VM B, the pre-seed driver (the seed's whole benefit),
 *   - illan, host X -> VM B, all fixes and all but fix 4 (the seed's headline),
 *   - Open vSwitch's userspace datapath (datapath_type=netdev) with two tap
 *     ports and userspace-tso-enable: Debian's ovsdb-server and
 *     ovs-vswitchd started in the bench's IO namespace with a run, database,
 *     log and config directory of their own (a temporary directory; every
 *     socket and pid file named on their command lines), so a system OVS is
 *     never asked, touched or stopped,
 *   - the kernel's own bridge between the same namespaces over veth pairs,
 *   - the bare forwarder (bench/bare_fwd.c): frames and their virtio-net
 *     headers copied between two TAPs — the ceiling for any user-space switch
 *     on this machine.
 * Ratios, each the median over rounds of the ratio within a round (the
 * machine is shared, absolute numbers drift between rounds): illan/OVS,
 * fix 4 on/off, all fixes/pre-seed, X->B/A->B, illan/kernel bridge,
 * illan/bare forwarder. Output: a table with every round's figures, --json,
 * --plot.
 *
 * Serves issues 8 and 18. Safety: traffic stays between 192.0.2.1-3 inside
 * the namespaces; every external command runs under timeout(1); the
 * namespaces are deleted (every process in them killed — OVS's daemons
 * too, which run in the IO namespace, and then by their pid files) before
 * each case, at the end, on error and on SIGINT/SIGTERM (atexit + signal
 * flag). Runs serialize with the real-traffic tests on
 * /run/illan-real-tests.lock (they would share the CPUs). Every namespace
 * is the bench's own lab's, illan-bench (illan-bench-vm-a, -vm-b, -host-x,
 * -illan-io). While any illan lab is up (a daemon answering in the lab
 * registry, or any `illan daemon` process) the bench refuses, naming it:
 * the lab would share the CPUs and skew every figure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "proc.h"
#include "topo/lab.h"

#define BENCHREAL_LOCK "/run/illan-real-tests.lock"
#define BENCHREAL_MAX_REPS 9
#define BENCHREAL_PORT "5201"
#define BENCHREAL_LAB "illan-bench"
#define BENCHREAL_NS_A BENCHREAL_LAB "-vm-a"
#define BENCHREAL_NS_B BENCHREAL_LAB "-vm-b"
#define BENCHREAL_NS_X BENCHREAL_LAB "-host-x"
#define BENCHREAL_NS_IO BENCHREAL_LAB "-illan-io"
#define BENCHREAL_OVS_SCHEMA "/usr/share/openvswitch/vswitch.ovsschema"

/*
 * The pre-seed driver, as `illan netns up` takes it: the generation v4.13,
 * before 66aa0678 (docs/architecture.md, "Driver generations") — not the
 * seed generation with its fixes off, which keeps later changes. The one
 * place that says which driver is "pre-seed".
 */
static const char *const benchreal_preseed_args[] = {"--driver", "v4.13"};

static const char *const benchreal_namespaces[] = {BENCHREAL_NS_A, BENCHREAL_NS_B, BENCHREAL_NS_X,
						   BENCHREAL_NS_IO};

static char benchreal_self[PATH_MAX]; /* this illan */
static char benchreal_fwd[PATH_MAX];  /* the bare forwarder */
static pid_t benchreal_fwd_pid;       /* running forwarder, 0 if none */
static char benchreal_ovs_dir[64];    /* OVS's run directory while it exists, else "" */
static volatile sig_atomic_t benchreal_interrupted;
static bool benchreal_cleanup_armed;
static bool benchreal_verbose;

enum benchreal_which {
	BENCHREAL_AB_ALL,     /* illan A -> B, all fixes */
	BENCHREAL_AB_PRESEED, /* illan A -> B, the pre-seed driver */
	BENCHREAL_XB_ALL,     /* illan X -> B, all fixes (fix 4 on) */
	BENCHREAL_XB_NO_FIX4, /* illan X -> B, fixes 1-3 */
	BENCHREAL_OVS,        /* OVS userspace datapath, TSO, tap ports */
	BENCHREAL_KERNEL_BRIDGE,
	BENCHREAL_BARE,
	BENCHREAL_N
};

struct benchreal_case {
	const char *name;                   /* as printed */
	const char *key;                    /* in JSON */
	double samples[BENCHREAL_MAX_REPS]; /* Gbit/s per round; 0: no result */
	unsigned n;
	double gbps; /* median */
	bool ok;
	char skip[160]; /* why the case cannot run here ("" when it can) */
};

static void benchreal_on_signal(int sig)
{
	(void)sig;
	benchreal_interrupted = 1;
	if (benchreal_fwd_pid > 0)
		kill(benchreal_fwd_pid, SIGTERM);
}

/* Run argv with proc_run, its output shown only with --verbose. */
static int benchreal_run(char *const argv[], struct proc_out *out)
{
	return proc_run(argv, !benchreal_verbose, out);
}

/* Run a NULL-terminated list of words under `timeout SECS`. */
static int benchreal_cmd(unsigned secs, ...)
{
	char *argv[40];
	char t[16];
	snprintf(t, sizeof(t), "%u", secs);
	int n = 0;
	argv[n++] = "timeout";
	argv[n++] = t;
	va_list ap;
	va_start(ap, secs);
	char *a;
	while (n < 39 && (a = va_arg(ap, char *)) != NULL)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return benchreal_run(argv, NULL);
}

static void benchreal_stop_forwarder(void)
{
	if (benchreal_fwd_pid <= 0)
		return;
	kill(benchreal_fwd_pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(benchreal_fwd_pid, NULL, WNOHANG) == benchreal_fwd_pid) {
			benchreal_fwd_pid = 0;
			return;
		}
		usleep(20000);
	}
	kill(benchreal_fwd_pid, SIGKILL);
	waitpid(benchreal_fwd_pid, NULL, 0);
	benchreal_fwd_pid = 0;
}

/* Kill what an OVS pid file in the bench's OVS directory names. The
 * namespace's processes were killed already; this catches a daemon that
 * detached before its namespace was known to hold it. Only a process whose
 * executable is OVS's is signalled. */
static void benchreal_ovs_kill(const char *pidfile)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", benchreal_ovs_dir, pidfile);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1)
		return;
	char exe[64], target[PATH_MAX];
	snprintf(exe, sizeof(exe), "/proc/%ld/exe", pid);
	ssize_t k = readlink(exe, target, sizeof(target) - 1);
	if (k <= 0)
		return;
	target[k] = 0;
	const char *base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strcmp(base, "ovs-vswitchd") == 0 || strcmp(base, "ovsdb-server") == 0)
		kill((pid_t)pid, SIGKILL);
}

/* Remove OVS's temporary directory (its database, logs, sockets). */
static void benchreal_ovs_cleanup(void)
{
	if (!benchreal_ovs_dir[0])
		return;
	benchreal_ovs_kill("ovs-vswitchd.pid");
	benchreal_ovs_kill("ovsdb-server.pid");
	benchreal_cmd(10, "rm", "-rf", "--", benchreal_ovs_dir, (char *)NULL);
	benchreal_ovs_dir[0] = 0;
}

/* Everything a case may have left: the daemon (through `illan netns down`),
 * the forwarder, every process in the namespaces (iperf3, OVS), OVS's
 * directory, the namespaces (which takes their interfaces along). */
static void benchreal_teardown(void)
{
	benchreal_stop_forwarder();
	benchreal_cmd(30, benchreal_self, "netns", "down", "--name", BENCHREAL_LAB, (char *)NULL);
	for (size_t i = 0; i < sizeof(benchreal_namespaces) / sizeof(benchreal_namespaces[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "/var/run/netns/%s", benchreal_namespaces[i]);
		if (access(path, F_OK) == 0)
			/* stray processes (an iperf3 whose timeout has not hit yet, OVS) */
			benchreal_cmd(10, "sh", "-c", "ip netns pids \"$0\" | xargs -r kill -9",
				      (char *)benchreal_namespaces[i], (char *)NULL);
	}
	benchreal_ovs_cleanup();
	for (size_t i = 0; i < sizeof(benchreal_namespaces) / sizeof(benchreal_namespaces[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "/var/run/netns/%s", benchreal_namespaces[i]);
		if (access(path, F_OK) == 0)
			benchreal_cmd(10, "ip", "netns", "del", (char *)benchreal_namespaces[i],
				      (char *)NULL);
	}
}

static void benchreal_atexit(void)
{
	if (benchreal_cleanup_armed) {
		benchreal_cleanup_armed = false;
		benchreal_teardown();
	}
}

/* VM A's and VM B's interfaces (ifname[i], which must exist) up at
 * 192.0.2.1/24 and .2/24. */
static int benchreal_addresses_on(const char *const ifname[2])
{
	static const char *const ns[2] = {BENCHREAL_NS_A, BENCHREAL_NS_B};
	static const char *const ip[2] = {"192.0.2.1/24", "192.0.2.2/24"};
	for (int i = 0; i < 2; i++) {
		if (benchreal_cmd(10, "ip", "-n", ns[i], "link", "set", "lo", "up", (char *)NULL) ||
		    benchreal_cmd(10, "ip", "-n", ns[i], "link", "set", ifname[i], "up",
				  (char *)NULL) ||
		    benchreal_cmd(10, "ip", "-n", ns[i], "addr", "add", ip[i], "dev", ifname[i],
				  (char *)NULL))
			return -1;
	}
	return 0;
}

static int benchreal_addresses(void)
{
	static const char *const eth0[2] = {"eth0", "eth0"};
	return benchreal_addresses_on(eth0);
}

static int benchreal_make_namespaces(const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (benchreal_cmd(10, "ip", "netns", "add", (char *)names[i], (char *)NULL))
			return -1;
	return 0;
}

/* The kernel bridge: br0 in the IO namespace with a veth to each VM namespace. */
static int benchreal_setup_kernel_bridge(void)
{
	static const char *const ns[3] = {BENCHREAL_NS_A, BENCHREAL_NS_B, BENCHREAL_NS_IO};
	if (benchreal_make_namespaces(ns, 3))
		return -1;
	if (benchreal_cmd(10, "ip", "-n", BENCHREAL_NS_IO, "link", "add", "br0", "type", "bridge",
			  (char *)NULL) ||
	    benchreal_cmd(10, "ip", "-n", BENCHREAL_NS_IO, "link", "set", "br0", "up", (char *)NULL))
		return -1;
	static const char *const side[2] = {"va", "vb"};
	for (int i = 0; i < 2; i++) {
		if (benchreal_cmd(10, "ip", "-n", BENCHREAL_NS_IO, "link", "add", (char *)side[i],
				  "type", "veth", "peer", "name", "eth0", "netns", (char *)ns[i],
				  (char *)NULL) ||
		    benchreal_cmd(10, "ip", "-n", BENCHREAL_NS_IO, "link", "set", (char *)side[i],
				  "master", "br0", (char *)NULL) ||
		    benchreal_cmd(10, "ip", "-n", BENCHREAL_NS_IO, "link", "set", (char *)side[i],
				  "up", (char *)NULL))
			return -1;
	}
	return benchreal_addresses();
}

/* An OVS command in the IO namespace with OVS's directories all pointing
 * at the bench's own (OVS_RUNDIR and friends), so nothing a system OVS uses
 * is read or written. words: NULL-terminated, after the program's name. */
static int benchreal_ovs(const char *prog, ...)
{
	char env[4][PATH_MAX + 20];
	snprintf(env[0], sizeof(env[0]), "OVS_RUNDIR=%s", benchreal_ovs_dir);
	snprintf(env[1], sizeof(env[1]), "OVS_DBDIR=%s", benchreal_ovs_dir);
	snprintf(env[2], sizeof(env[2]), "OVS_LOGDIR=%s", benchreal_ovs_dir);
	snprintf(env[3], sizeof(env[3]), "OVS_SYSCONFDIR=%s", benchreal_ovs_dir);
	char ns[] = BENCHREAL_NS_IO;
	char *argv[40] = {"timeout", "20",   "ip",   "netns", "exec", ns,
			  "env",     env[0], env[1], env[2],  env[3], (char *)prog};
	int n = 12;
	va_list ap;
	va_start(ap, prog);
	char *a;
	while (n < 39 && (a = va_arg(ap, char *)) != NULL)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return benchreal_run(argv, NULL);
}

/* Why OVS cannot run here ("" when its programs and schema are there). */
static void benchreal_ovs_probe(char *why, size_t size)
{
	static const char *const progs[] = {"ovsdb-tool", "ovsdb-server", "ovs-vswitchd",
					    "ovs-vsctl"};
	why[0] = 0;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		char *argv[] = {(char *)progs[i], "--version", NULL};
		if (benchreal_run(argv, NULL) != 0) {
			snprintf(why, size, "%s is not installed (Debian: openvswitch-switch)",
				 progs[i]);
			return;
		}
	}
	if (access(BENCHREAL_OVS_SCHEMA, R_OK) != 0)
		snprintf(why, size, "no %s", BENCHREAL_OVS_SCHEMA);
}

/*
 * Open vSwitch's userspace datapath between VM A and VM B: ovsdb-server and
 * ovs-vswitchd in the IO namespace, every file in a fresh temporary
 * directory, DPDK off, userspace TSO on; bridge br0 of datapath_type netdev
 * with tap ports pa and pb (TAPs ovs-vswitchd opens and reads), each then
 * moved into its VM's namespace (the TAP's fd stays ovs-vswitchd's). The
 * default flow is NORMAL (a learning switch), as illan's bridge's is.
 */
static int benchreal_setup_ovs(void)
{
	static const char *const ns[3] = {BENCHREAL_NS_A, BENCHREAL_NS_B, BENCHREAL_NS_IO};
	if (benchreal_make_namespaces(ns, 3))
		return -1;
	char tmpl[] = "/tmp/illan-bench-ovs-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(benchreal_ovs_dir, sizeof(benchreal_ovs_dir), "%s", tmpl);
	char db[96], remote[128], vsctl_db[112], f[4][112];
	const char *d = benchreal_ovs_dir;
	snprintf(db, sizeof(db), "%s/conf.db", d);
	snprintf(remote, sizeof(remote), "--remote=punix:%s/db.sock", d);
	snprintf(vsctl_db, sizeof(vsctl_db), "--db=unix:%s/db.sock", d);
	snprintf(f[0], sizeof(f[0]), "--pidfile=%s/ovsdb-server.pid", d);
	snprintf(f[1], sizeof(f[1]), "--unixctl=%s/ovsdb-server.ctl", d);
	snprintf(f[2], sizeof(f[2]), "--log-file=%s/ovsdb-server.log", d);
	char vf[3][112];
	snprintf(vf[0], sizeof(vf[0]), "--pidfile=%s/ovs-vswitchd.pid", d);
	snprintf(vf[1], sizeof(vf[1]), "--unixctl=%s/ovs-vswitchd.ctl", d);
	snprintf(vf[2], sizeof(vf[2]), "--log-file=%s/ovs-vswitchd.log", d);
	char vs_remote[112];
	snprintf(vs_remote, sizeof(vs_remote), "unix:%s/db.sock", d);
	if (benchreal_ovs("ovsdb-tool", "create", db, BENCHREAL_OVS_SCHEMA, (char *)NULL) ||
	    benchreal_ovs("ovsdb-server", db, remote, f[0], f[1], f[2], "--detach", "--no-chdir",
			  (char *)NULL) ||
	    benchreal_ovs("ovs-vsctl", vsctl_db, "--timeout=10", "--no-wait", "init", (char *)NULL) ||
	    benchreal_ovs("ovs-vsctl", vsctl_db, "--timeout=10", "--no-wait", "set", "Open_vSwitch",
			  ".", "other_config:dpdk-init=false",
			  "other_config:userspace-tso-enable=true", (char *)NULL) ||
	    benchreal_ovs("ovs-vswitchd", vs_remote, vf[0], vf[1], vf[2], "--detach", "--no-chdir",
			  (char *)NULL) ||
	    benchreal_ovs("ovs-vsctl", vsctl_db, "--timeout=10", "add-br", "br0", "--", "set",
			  "bridge", "br0", "datapath_type=netdev", (char *)NULL) ||
	    benchreal_ovs("ovs-vsctl", vsctl_db, "--timeout=10", "add-port", "br0", "pa", "--",
			  "set", "Interface", "pa", "type=tap", "--", "add-port", "br0", "pb", "--",
			  "set", "Interface", "pb", "type=tap", (char *)NULL))
		return -1;
	if (benchreal_cmd(10, "ip", "-n", BENCHREAL_NS_IO, "link", "set", "pa", "netns",
			  BENCHREAL_NS_A, (char *)NULL) ||
	    benchreal_cmd(10, "ip", "-n", BENCHREAL_NS_IO, "link", "set", "pb", "netns",
			  BENCHREAL_NS_B, (char *)NULL))
		return -1;
	static const char *const port[2] = {"pa", "pb"};
	return benchreal_addresses_on(port);
}

/* The bare forwarder between TAPs in VM A's and VM B's namespaces; waits
 * for "ready". */
static int benchreal_setup_bare(void)
{
	static const char *const ns[2] = {BENCHREAL_NS_A, BENCHREAL_NS_B};
	if (benchreal_make_namespaces(ns, 2))
		return -1;
	char *argv[] = {benchreal_fwd, BENCHREAL_NS_A, BENCHREAL_NS_B, NULL};
	int out_fd = -1;
	pid_t pid = proc_spawn(argv, !benchreal_verbose, &out_fd);
	if (pid < 0) {
		fprintf(stderr, "illan bench --real: cannot run %s: %s\n", benchreal_fwd,
			strerror((int)-pid));
		return -1;
	}
	benchreal_fwd_pid = pid;
	char buf[16] = {0};
	ssize_t r;
	do
		r = read(out_fd, buf, sizeof(buf) - 1);
	while (r < 0 && errno == EINTR && !benchreal_interrupted);
	close(out_fd);
	if (r <= 0 || strncmp(buf, "ready", 5) != 0) {
		fprintf(stderr, "illan bench --real: the bare forwarder (%s) did not start\n",
			benchreal_fwd);
		return -1;
	}
	return benchreal_addresses();
}

/* The seed's lab under the bench's name, with the fix set or driver given
 * (NULL-terminated options of `illan netns up`). */
static int benchreal_setup_illan(const char *const *opts, size_t n_opts)
{
	char *argv[16] = {"timeout", "60", benchreal_self, "netns", "up", "--name", BENCHREAL_LAB};
	size_t n = 7;
	for (size_t i = 0; i < n_opts && n < 15; i++)
		argv[n++] = (char *)opts[i];
	argv[n] = NULL;
	return benchreal_run(argv, NULL) == 0 ? 0 : -1;
}

/* Goodput of one iperf3 run from namespace client to VM B in Gbit/s
 * (receiver side, the first second omitted as warm-up), or -1. */
static double benchreal_iperf(const char *client, unsigned secs)
{
	char tserv[16], tcli[16], tsecs[16];
	snprintf(tserv, sizeof(tserv), "%u", secs + 40);
	snprintf(tcli, sizeof(tcli), "%u", secs + 15);
	snprintf(tsecs, sizeof(tsecs), "%u", secs);
	/* the namespace names as variables: a macro-joined literal inside an
	 * argument list reads as a missing comma (clang-tidy) */
	char ns_b[] = BENCHREAL_NS_B;
	/* -s without -1: a client attempt that failed after connecting (ARP,
	 * a slow first handshake) must not end the server */
	char *srv_argv[] = {"timeout", tserv, "ip",        "netns", "exec",         ns_b, "iperf3",
			    "-s",      "-B",  "192.0.2.2", "-p",    BENCHREAL_PORT, NULL};
	pid_t srv = proc_spawn(srv_argv, !benchreal_verbose, NULL);
	if (srv < 0)
		return -1;
	static char out[1 << 16];
	double gbps = -1;
	for (int attempt = 0; attempt < 20 && gbps < 0 && !benchreal_interrupted; attempt++) {
		usleep(200000); /* the server binds; ARP resolves on the first try */
		char *argv[] = {"timeout",      tcli,     "ip",  "netns",     "exec",
				(char *)client, "iperf3", "-c",  "192.0.2.2", "-p",
				BENCHREAL_PORT, "-t",     tsecs, "-O",        "1",
				"-J",           NULL};
		struct proc_out po = {.buf = out, .size = sizeof(out)};
		int rc = benchreal_run(argv, &po);
		const char *s = strstr(out, "\"sum_received\"");
		const char *b = s ? strstr(s, "\"bits_per_second\"") : NULL;
		if (rc == 0 && b)
			gbps = strtod(strchr(b, ':') + 1, NULL) / 1e9;
		else if (attempt >= 2 && strstr(out, "Connection refused") == NULL &&
			 strstr(out, "unable to connect") == NULL)
			break; /* a third failure that is not a server-not-yet-up one */
	}
	kill(srv, SIGTERM);
	proc_wait(srv);
	return gbps;
}

/* Run case w once: set it up, measure, tear down. Returns Gbit/s, or -1. */
static double benchreal_one(struct benchreal_case *c, enum benchreal_which w, unsigned secs)
{
	static const char *const all[] = {"--fixes", "all"};
	static const char *const no_fix4[] = {"--fixes", "1,2,3"};
	const char *client = BENCHREAL_NS_A;
	benchreal_teardown();
	int rc;
	switch (w) {
	case BENCHREAL_AB_ALL:
		rc = benchreal_setup_illan(all, 2);
		break;
	case BENCHREAL_AB_PRESEED:
		rc = benchreal_setup_illan(benchreal_preseed_args,
					   sizeof(benchreal_preseed_args) /
						   sizeof(benchreal_preseed_args[0]));
		break;
	case BENCHREAL_XB_ALL:
		rc = benchreal_setup_illan(all, 2);
		client = BENCHREAL_NS_X;
		break;
	case BENCHREAL_XB_NO_FIX4:
		rc = benchreal_setup_illan(no_fix4, 2);
		client = BENCHREAL_NS_X;
		break;
	case BENCHREAL_OVS:
		rc = benchreal_setup_ovs();
		if (rc != 0 && !benchreal_interrupted)
			snprintf(c->skip, sizeof(c->skip),
				 "Open vSwitch did not start here (run with --verbose to see why)");
		break;
	case BENCHREAL_KERNEL_BRIDGE:
		rc = benchreal_setup_kernel_bridge();
		break;
	default:
		rc = benchreal_setup_bare();
		break;
	}
	double g = rc == 0 && !benchreal_interrupted ? benchreal_iperf(client, secs) : -1;
	benchreal_teardown();
	return g;
}

static int benchreal_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double benchreal_median(const double *v, unsigned n)
{
	double t[BENCHREAL_MAX_REPS];
	memcpy(t, v, n * sizeof(*v));
	qsort(t, n, sizeof(*t), benchreal_cmp);
	return n ? (n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) : 0;
}

/* Ratio a / b within round r, 0 when either has no result. */
static double benchreal_round_ratio(const struct benchreal_case *a, const struct benchreal_case *b,
				    unsigned r)
{
	if (r >= a->n || r >= b->n || a->samples[r] <= 0 || b->samples[r] <= 0)
		return 0;
	return a->samples[r] / b->samples[r];
}

/* Median over rounds of a[i] / b[i]; 0 when no round has both. */
static double benchreal_ratio(const struct benchreal_case *a, const struct benchreal_case *b)
{
	double r[BENCHREAL_MAX_REPS];
	unsigned n = 0;
	for (unsigned i = 0; i < a->n && i < b->n; i++)
		if (a->samples[i] > 0 && b->samples[i] > 0)
			r[n++] = a->samples[i] / b->samples[i];
	return n ? benchreal_median(r, n) : 0;
}

/* The ratios the bench reports: a over b, what it is called in JSON, what
 * the issue aims at (0: none). */
struct benchreal_ratio_def {
	const char *key, *words;
	enum benchreal_which a, b;
	double target;
};

static const struct benchreal_ratio_def benchreal_ratios[] = {
	{"illan_vs_ovs", "illan A->B all fixes / OVS userspace TSO", BENCHREAL_AB_ALL,
	 BENCHREAL_OVS, 1.0},
	{"fix4_on_off", "illan X->B fix 4 on / off", BENCHREAL_XB_ALL, BENCHREAL_XB_NO_FIX4, 3.5},
	{"all_fixes_vs_preseed", "illan A->B all fixes / pre-seed driver", BENCHREAL_AB_ALL,
	 BENCHREAL_AB_PRESEED, 6.0},
	{"xb_vs_ab", "illan X->B / A->B, all fixes", BENCHREAL_XB_ALL, BENCHREAL_AB_ALL, 0.7},
	{"illan_vs_kernel_bridge", "illan A->B all fixes / kernel bridge", BENCHREAL_AB_ALL,
	 BENCHREAL_KERNEL_BRIDGE, 0},
	{"illan_vs_bare_forwarder", "illan A->B all fixes / bare TAP forwarder", BENCHREAL_AB_ALL,
	 BENCHREAL_BARE, 0.7},
};
#define BENCHREAL_N_RATIOS (sizeof(benchreal_ratios) / sizeof(benchreal_ratios[0]))

static int benchreal_plot(const char *png, const struct benchreal_case *cs, unsigned n)
{
	char dat[] = "/tmp/illan-bench-real-XXXXXX";
	int fd = mkstemp(dat);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		remove(dat);
		return -errno;
	}
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%u \"%s\" %.4f\n", i, cs[i].name, cs[i].gbps);
	fclose(f);
	char script[1024];
	snprintf(script, sizeof(script),
		 "set terminal png size 1200,600; set output '%s'; "
		 "set title 'illan --real: iperf3 goodput'; set ylabel 'Gbit/s'; "
		 "set style fill solid 0.6; set boxwidth 0.6; set grid ytics; set yrange [0:*]; unset key; "
		 "set xtics rotate by -20; plot '%s' using 1:3:xtic(2) with boxes",
		 png, dat);
	char *argv[] = {"timeout", "30", "gnuplot", "-e", script, NULL};
	int rc = benchreal_run(argv, NULL);
	remove(dat);
	return rc == 0 ? 0 : -EIO;
}

static void benchreal_usage(FILE *f)
{
	fprintf(f,
		"usage: illan bench --real [--seconds N] [--reps N] [--quick] [--json] [--plot FILE.png]\n"
		"                          [--bare-fwd PATH] [--verbose]\n"
		"  root only: iperf3 goodput, interleaved in one run (each round runs every case):\n"
		"  illan VM A -> VM B with all fixes and with the pre-seed driver, host X -> VM B\n"
		"  with fix 4 on and off, Open vSwitch's userspace datapath (tap ports, userspace\n"
		"  TSO; its own daemons in the bench's namespace, never a system OVS), the kernel\n"
		"  bridge and the bare TAP forwarder; ratios per round and their medians. In the\n"
		"  bench's own lab " BENCHREAL_LAB ": its namespaces (" BENCHREAL_LAB "-vm-a, ..)\n"
		"  are (re)created and deleted. Refused while any illan lab is up.\n");
}

/* Where the bare forwarder is: --bare-fwd, $ILLAN_BARE_FWD, or next to this
 * illan in the build tree (build/src/cli/illan -> build/bench/bare_fwd). */
static bool benchreal_find_forwarder(const char *given)
{
	if (!given)
		given = getenv("ILLAN_BARE_FWD");
	if (given) {
		/* a path, never a PATH search (proc_spawn searches a bare name) */
		snprintf(benchreal_fwd, sizeof(benchreal_fwd), "%s%s",
			 strchr(given, '/') ? "" : "./", given);
		return access(benchreal_fwd, X_OK) == 0;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", benchreal_self);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	static const char *const rel[] = {"/../../bench/bare_fwd", "/bare_fwd",
					  "/../libexec/illan/bare_fwd"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		int k = snprintf(benchreal_fwd, sizeof(benchreal_fwd), "%s%s", dir, rel[i]);
		if (k > 0 && (size_t)k < sizeof(benchreal_fwd) && access(benchreal_fwd, X_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Is an illan lab up? The registry first: the default lab's directory and
 * each named lab's under it (a daemon answering there, or a live pid file);
 * then any `illan daemon` process at all (a lab kept under another --dir).
 * Returns true with the lab's name (or how it was found) in what.
 */
static bool benchreal_lab_up(char *what, size_t size)
{
	struct daemon_paths p;
	daemon_paths_init(&p, NULL);
	if (daemon_ctl_pid(&p, NULL) > 0 || daemon_find_pid(&p) > 0) {
		snprintf(what, size, "the default lab (%s)", p.dir);
		return true;
	}
	DIR *d = opendir(DAEMON_DEFAULT_DIR);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (!lab_name_valid(e->d_name) || daemon_paths_lab(&p, NULL, e->d_name) != 0)
			continue;
		if (daemon_ctl_pid(&p, NULL) > 0 || daemon_find_pid(&p) > 0) {
			snprintf(what, size, "lab %s (%s)", e->d_name, p.dir);
			closedir(d);
			return true;
		}
	}
	if (d)
		closedir(d);
	d = opendir("/proc");
	while (d && (e = readdir(d)) != NULL) {
		char path[300], cmd[512];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		cmd[n] = 0;
		size_t l0 = strlen(cmd);
		const char *base = strrchr(cmd, '/');
		base = base ? base + 1 : cmd;
		if (strcmp(base, "illan") != 0 || (ssize_t)l0 + 1 >= n ||
		    strcmp(cmd + l0 + 1, "daemon") != 0)
			continue;
		/* the rest of its command line, for the message */
		char rest[200] = "";
		for (ssize_t i = (ssize_t)l0 + 1; i < n && strlen(rest) + 2 < sizeof(rest); i++) {
			size_t k = strlen(rest);
			rest[k] = cmd[i];
			if (rest[k] == 0)
				rest[k] = ' ';
			rest[k + 1] = 0;
		}
		snprintf(what, size, "a lab's daemon, process %.12s (illan %.200s)", e->d_name, rest);
		closedir(d);
		return true;
	}
	if (d)
		closedir(d);
	return false;
}

static void benchreal_refuse(const char *what)
{
	fprintf(stderr,
		"illan bench --real: refused: %s is up; it would share the CPUs with the bench. "
		"Bring it down first ('illan netns down [--name LAB]').\n",
		what);
}

static void benchreal_print_json(const struct benchreal_case *cs, unsigned secs, unsigned reps)
{
	printf("{\"mode\": \"real\", \"seconds\": %u, \"reps\": %u,\n \"preseed\": \"%s %s\",\n "
	       "\"cases\": [",
	       secs, reps, benchreal_preseed_args[0], benchreal_preseed_args[1]);
	for (int w = 0; w < BENCHREAL_N; w++) {
		printf("%s\n  {\"name\": \"%s\", \"key\": \"%s\", \"gbps\": %.4f, \"ok\": %s, "
		       "\"rounds\": [",
		       w ? "," : "", cs[w].name, cs[w].key, cs[w].gbps, cs[w].ok ? "true" : "false");
		for (unsigned r = 0; r < cs[w].n; r++)
			printf("%s%.4f", r ? ", " : "", cs[w].samples[r]);
		printf("]");
		if (cs[w].skip[0])
			printf(", \"skipped\": \"%s\"", cs[w].skip);
		printf("}");
	}
	printf("],\n \"ratios\": {");
	for (size_t i = 0; i < BENCHREAL_N_RATIOS; i++) {
		const struct benchreal_ratio_def *d = &benchreal_ratios[i];
		double v = benchreal_ratio(&cs[d->a], &cs[d->b]);
		if (v > 0)
			printf("%s\"%s\": %.3f", i ? ", " : "", d->key, v);
		else
			printf("%s\"%s\": null", i ? ", " : "", d->key);
	}
	printf("},\n \"round_ratios\": {");
	for (size_t i = 0; i < BENCHREAL_N_RATIOS; i++) {
		const struct benchreal_ratio_def *d = &benchreal_ratios[i];
		printf("%s\"%s\": [", i ? ", " : "", d->key);
		for (unsigned r = 0; r < reps; r++) {
			double v = benchreal_round_ratio(&cs[d->a], &cs[d->b], r);
			if (v > 0)
				printf("%s%.3f", r ? ", " : "", v);
			else
				printf("%snull", r ? ", " : "");
		}
		printf("]");
	}
	printf("},\n \"targets\": {");
	for (size_t i = 0, k = 0; i < BENCHREAL_N_RATIOS; i++)
		if (benchreal_ratios[i].target > 0)
			printf("%s\"%s\": %.1f", k++ ? ", " : "", benchreal_ratios[i].key,
			       benchreal_ratios[i].target);
	printf("}}\n");
}

static void benchreal_print_table(const struct benchreal_case *cs, unsigned secs, unsigned reps)
{
	printf("%-34s %8s   rounds (Gbit/s; iperf3, %u s per run)\n", "case", "median", secs);
	for (int w = 0; w < BENCHREAL_N; w++) {
		printf("%-34s %8.2f  ", cs[w].name, cs[w].gbps);
		for (unsigned r = 0; r < cs[w].n; r++)
			printf(" %6.2f", cs[w].samples[r]);
		if (cs[w].skip[0])
			printf("   (not run: %s)", cs[w].skip);
		else if (!cs[w].ok)
			printf("   (FAILED in some round: no result)");
		printf("\n");
	}
	printf("\nratios (each round's ratio, then their median over %u round%s):\n", reps,
	       reps == 1 ? "" : "s");
	for (size_t i = 0; i < BENCHREAL_N_RATIOS; i++) {
		const struct benchreal_ratio_def *d = &benchreal_ratios[i];
		printf("  %-44s", d->words);
		for (unsigned r = 0; r < reps; r++)
			printf(" %6.3f", benchreal_round_ratio(&cs[d->a], &cs[d->b], r));
		printf("  -> %6.3f", benchreal_ratio(&cs[d->a], &cs[d->b]));
		if (d->target > 0)
			printf("  (target >= %.1f)", d->target);
		printf("\n");
	}
}

/* `illan bench --real`: see benchreal_usage. */
int cmd_bench_real(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"real", no_argument, NULL, 'R'},
		{"quick", no_argument, NULL, 'q'},
		{"json", no_argument, NULL, 'j'},
		{"plot", required_argument, NULL, 'p'},
		{"reps", required_argument, NULL, 'r'},
		{"seconds", required_argument, NULL, 's'},
		{"bare-fwd", required_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"bytes", required_argument, NULL, 'b'},
		{"only", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	const char *plot = NULL, *fwd = NULL;
	unsigned reps = 1, secs = 5;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'R':
		case 'b': /* embedded-mode options: ignored here */
		case 'o':
			break;
		case 'q':
			secs = 3;
			reps = 1;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			plot = optarg;
			break;
		case 'f':
			fwd = optarg;
			break;
		case 'v':
			benchreal_verbose = true;
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, &end, 10);
			if (*end || reps == 0 || reps > BENCHREAL_MAX_REPS) {
				fprintf(stderr, "illan bench --real: --reps takes 1..%d\n",
					BENCHREAL_MAX_REPS);
				return 2;
			}
			break;
		case 's':
			secs = (unsigned)strtoul(optarg, &end, 10);
			if (*end || secs < 1 || secs > 120) {
				fprintf(stderr, "illan bench --real: --seconds takes 1..120\n");
				return 2;
			}
			break;
		case 'h':
			benchreal_usage(stdout);
			return 0;
		default:
			benchreal_usage(stderr);
			return 2;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "illan bench --real: needs root (network namespaces, TAP devices)\n");
		return 2;
	}
	ssize_t k = readlink("/proc/self/exe", benchreal_self, sizeof(benchreal_self) - 1);
	if (k <= 0) {
		fprintf(stderr, "illan bench --real: cannot find this program: %s\n",
			strerror(errno));
		return 1;
	}
	benchreal_self[k] = 0;
	if (!benchreal_find_forwarder(fwd)) {
		fprintf(stderr, "illan bench --real: no bare forwarder (build bench/bare_fwd, or give "
				"--bare-fwd PATH / ILLAN_BARE_FWD)\n");
		return 2;
	}
	char *probe[] = {"iperf3", "--version", NULL};
	if (benchreal_run(probe, NULL) != 0) {
		fprintf(stderr, "illan bench --real: iperf3 is not installed\n");
		return 2;
	}
	int lock = open(BENCHREAL_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0) {
		fprintf(stderr, "illan bench --real: %s: %s\n", BENCHREAL_LOCK, strerror(errno));
		return 1;
	}
	int waited = 0;
	while (flock(lock, LOCK_EX | LOCK_NB) != 0) {
		if (waited == 0)
			fprintf(stderr,
				"illan bench --real: waiting for %s (real-traffic tests running)\n",
				BENCHREAL_LOCK);
		if (++waited > 900) {
			fprintf(stderr, "illan bench --real: could not take %s\n", BENCHREAL_LOCK);
			close(lock);
			return 1;
		}
		sleep(1);
	}
	/* A lab that is up shares the CPUs and would skew every figure; and
	 * one of the bench's name is someone's, not the bench's to tear down.
	 * Asked under the lock: the real-traffic tests' labs are down once
	 * they let it go. */
	char what[512];
	if (benchreal_lab_up(what, sizeof(what))) {
		benchreal_refuse(what);
		flock(lock, LOCK_UN);
		close(lock);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = benchreal_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	benchreal_cleanup_armed = true;
	atexit(benchreal_atexit);

	static struct benchreal_case cs[BENCHREAL_N] = {
		[BENCHREAL_AB_ALL] = {.name = "illan A->B all fixes", .key = "ab_all_fixes"},
		[BENCHREAL_AB_PRESEED] = {.name = "illan A->B pre-seed driver", .key = "ab_preseed"},
		[BENCHREAL_XB_ALL] = {.name = "illan X->B all fixes (fix 4 on)",
				      .key = "xb_all_fixes"},
		[BENCHREAL_XB_NO_FIX4] = {.name = "illan X->B fix 4 off", .key = "xb_fix4_off"},
		[BENCHREAL_OVS] = {.name = "OVS userspace, TSO (tap ports)", .key = "ovs_userspace"},
		[BENCHREAL_KERNEL_BRIDGE] = {.name = "kernel bridge (veth)", .key = "kernel_bridge"},
		[BENCHREAL_BARE] = {.name = "bare TAP forwarder", .key = "bare_forwarder"},
	};
	benchreal_ovs_probe(cs[BENCHREAL_OVS].skip, sizeof(cs[BENCHREAL_OVS].skip));
	for (int w = 0; w < BENCHREAL_N; w++)
		cs[w].ok = true;
	for (unsigned r = 0; r < reps && !benchreal_interrupted; r++)
		for (int w = 0; w < BENCHREAL_N && !benchreal_interrupted; w++) {
			double g = 0;
			if (!cs[w].skip[0])
				g = benchreal_one(&cs[w], (enum benchreal_which)w, secs);
			cs[w].samples[cs[w].n++] = g > 0 ? g : 0;
			if (g <= 0)
				cs[w].ok = false;
		}
	benchreal_teardown();
	benchreal_cleanup_armed = false;
	flock(lock, LOCK_UN);
	close(lock);
	if (benchreal_interrupted) {
		fprintf(stderr, "illan bench --real: interrupted; namespaces removed\n");
		return 130;
	}
	for (int w = 0; w < BENCHREAL_N; w++)
		cs[w].gbps = benchreal_median(cs[w].samples, cs[w].n);
	if (cs[BENCHREAL_OVS].skip[0])
		fprintf(stderr, "illan bench --real: Open vSwitch not measured: %s\n",
			cs[BENCHREAL_OVS].skip);
	if (json)
		benchreal_print_json(cs, secs, reps);
	else
		benchreal_print_table(cs, secs, reps);
	if (plot) {
		if (benchreal_plot(plot, cs, BENCHREAL_N) != 0)
			fprintf(stderr,
				"illan bench --real: could not plot to %s (is gnuplot installed?)\n",
				plot);
		else if (!json)
			printf("\nplot written to %s\n", plot);
	}
	return 0;
}
