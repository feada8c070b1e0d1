/*
 * benchreal.c — `illan bench --real` (root): TCP goodput measured with iperf3
 * between the kernels of the seed's VM A and VM B, in the same run, over
 *   - illan with all fixes (`illan netns up --name illan-bench`),
 *   - illan with no offload (`illan netns up --name illan-bench --no-offload`),
 *   - the bare forwarder (bench/bare_fwd.c): frames and their virtio-net
 *     headers copied between two TAPs — the ceiling for any user-space switch
 *     on this machine,
 *   - the kernel's own bridge between the same namespaces over veth pairs.
 * Ratios: offload speedup (illan all fixes / no offload) and vs_bare_forwarder
 * (illan all fixes / bare forwarder). Output: a table, --json, --plot.
 *
 * Serves issue 8. Safety: traffic stays between 192.0.2.1 and 192.0.2.2
 * inside the namespaces; every external command runs under timeout(1); the
 * namespaces are deleted (and the daemon and forwarder stopped) before each
 * case, at the end, on error and on SIGINT/SIGTERM (atexit + signal flag).
 * Runs serialize with the real-traffic tests on /run/illan-real-tests.lock
 * (they would share the CPUs). Every namespace is the bench's own lab's,
 * illan-bench (illan-bench-vm-a, -vm-b, -host-x, -illan-io), so the
 * default lab a user may have up, and the test suite's, are never touched;
 * a lab of that name with a daemon running is refused, not torn down.
 */
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

#define BENCHREAL_LOCK "/run/illan-real-tests.lock"
#define BENCHREAL_MAX_REPS 9
#define BENCHREAL_PORT "5201"
#define BENCHREAL_LAB "illan-bench"
#define BENCHREAL_NS_A BENCHREAL_LAB "-vm-a"
#define BENCHREAL_NS_B BENCHREAL_LAB "-vm-b"
#define BENCHREAL_NS_IO BENCHREAL_LAB "-illan-io"

static const char *const benchreal_namespaces[] = {BENCHREAL_NS_A, BENCHREAL_NS_B,
						   BENCHREAL_LAB "-host-x", BENCHREAL_NS_IO};

static char benchreal_self[PATH_MAX]; /* this illan */
static char benchreal_fwd[PATH_MAX];  /* the bare forwarder */
static pid_t benchreal_fwd_pid;       /* running forwarder, 0 if none */
static volatile sig_atomic_t benchreal_interrupted;
static bool benchreal_cleanup_armed;
static bool benchreal_verbose;

struct benchreal_case {
	const char *name;
	double samples[BENCHREAL_MAX_REPS];
	unsigned n;
	double gbps; /* median */
	bool ok;
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

/* Everything a case may have left: the daemon (through `illan netns down`),
 * the forwarder, the namespaces (which takes their interfaces along). */
static void benchreal_teardown(void)
{
	benchreal_stop_forwarder();
	benchreal_cmd(30, benchreal_self, "netns", "down", "--name", BENCHREAL_LAB, (char *)NULL);
	for (size_t i = 0; i < sizeof(benchreal_namespaces) / sizeof(benchreal_namespaces[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "/var/run/netns/%s", benchreal_namespaces[i]);
		if (access(path, F_OK) == 0) {
			/* stray processes (an iperf3 whose timeout has not hit yet) */
			benchreal_cmd(10, "sh", "-c", "ip netns pids \"$0\" | xargs -r kill -9",
				      (char *)benchreal_namespaces[i], (char *)NULL);
			benchreal_cmd(10, "ip", "netns", "del", (char *)benchreal_namespaces[i],
				      (char *)NULL);
		}
	}
}

static void benchreal_atexit(void)
{
	if (benchreal_cleanup_armed) {
		benchreal_cleanup_armed = false;
		benchreal_teardown();
	}
}

/* Two namespaces with eth0 up at 192.0.2.1/24 and .2/24 (eth0 must exist). */
static int benchreal_addresses(void)
{
	static const char *const ns[2] = {BENCHREAL_NS_A, BENCHREAL_NS_B};
	static const char *const ip[2] = {"192.0.2.1/24", "192.0.2.2/24"};
	for (int i = 0; i < 2; i++) {
		if (benchreal_cmd(10, "ip", "-n", ns[i], "link", "set", "lo", "up", (char *)NULL) ||
		    benchreal_cmd(10, "ip", "-n", ns[i], "link", "set", "eth0", "up", (char *)NULL) ||
		    benchreal_cmd(10, "ip", "-n", ns[i], "addr", "add", ip[i], "dev", "eth0",
				  (char *)NULL))
			return -1;
	}
	return 0;
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

static int benchreal_setup_illan(bool no_offload)
{
	char *argv[] = {"timeout", "60",     benchreal_self, "netns",
			"up",      "--name", BENCHREAL_LAB,  no_offload ? "--no-offload" : NULL,
			NULL};
	return benchreal_run(argv, NULL) == 0 ? 0 : -1;
}

/* Goodput of one iperf3 run VM A -> VM B in Gbit/s (receiver side, the first
 * second omitted as warm-up), or -1. */
static double benchreal_iperf(unsigned secs)
{
	char tserv[16], tcli[16], tsecs[16];
	snprintf(tserv, sizeof(tserv), "%u", secs + 20);
	snprintf(tcli, sizeof(tcli), "%u", secs + 15);
	snprintf(tsecs, sizeof(tsecs), "%u", secs);
	/* the namespace names as variables: a macro-joined literal inside an
	 * argument list reads as a missing comma (clang-tidy) */
	char ns_a[] = BENCHREAL_NS_A, ns_b[] = BENCHREAL_NS_B;
	char *srv_argv[] = {"timeout", tserv, "ip", "netns",     "exec", ns_b,           "iperf3",
			    "-s",      "-1",  "-B", "192.0.2.2", "-p",   BENCHREAL_PORT, NULL};
	pid_t srv = proc_spawn(srv_argv, !benchreal_verbose, NULL);
	if (srv < 0)
		return -1;
	static char out[1 << 16];
	double gbps = -1;
	for (int attempt = 0; attempt < 20 && gbps < 0 && !benchreal_interrupted; attempt++) {
		usleep(200000); /* the server binds; ARP resolves on the first try */
		char *argv[] = {"timeout",      tcli,     "ip",  "netns",     "exec",
				ns_a,           "iperf3", "-c",  "192.0.2.2", "-p",
				BENCHREAL_PORT, "-t",     tsecs, "-O",        "1",
				"-J",           NULL};
		struct proc_out po = {.buf = out, .size = sizeof(out)};
		int rc = benchreal_run(argv, &po);
		const char *s = strstr(out, "\"sum_received\"");
		const char *b = s ? strstr(s, "\"bits_per_second\"") : NULL;
		if (rc == 0 && b)
			gbps = strtod(strchr(b, ':') + 1, NULL) / 1e9;
		else if (strstr(out, "Connection refused") == NULL &&
			 strstr(out, "unable to connect") == NULL)
			break; /* not a server-not-yet-up failure */
	}
	kill(srv, SIGTERM);
	proc_wait(srv);
	return gbps;
}

enum benchreal_which {
	BENCHREAL_ILLAN,
	BENCHREAL_ILLAN_NO_OFFLOAD,
	BENCHREAL_BARE,
	BENCHREAL_KERNEL_BRIDGE,
	BENCHREAL_N
};

static double benchreal_one(enum benchreal_which w, unsigned secs)
{
	benchreal_teardown();
	int rc;
	switch (w) {
	case BENCHREAL_ILLAN:
		rc = benchreal_setup_illan(false);
		break;
	case BENCHREAL_ILLAN_NO_OFFLOAD:
		rc = benchreal_setup_illan(true);
		break;
	case BENCHREAL_BARE:
		rc = benchreal_setup_bare();
		break;
	default:
		rc = benchreal_setup_kernel_bridge();
		break;
	}
	double g = rc == 0 && !benchreal_interrupted ? benchreal_iperf(secs) : -1;
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

/* Median over rounds of a[i] / b[i]. */
static double benchreal_ratio(const struct benchreal_case *a, const struct benchreal_case *b)
{
	double r[BENCHREAL_MAX_REPS];
	unsigned n = 0;
	for (unsigned i = 0; i < a->n && i < b->n; i++)
		if (a->samples[i] > 0 && b->samples[i] > 0)
			r[n++] = a->samples[i] / b->samples[i];
	return n ? benchreal_median(r, n) : 0;
}

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
		 "set terminal png size 1000,600; set output '%s'; "
		 "set title 'illan --real: iperf3 goodput VM A -> VM B'; set ylabel 'Gbit/s'; "
		 "set style fill solid 0.6; set boxwidth 0.6; set grid ytics; set yrange [0:*]; unset key; "
		 "plot '%s' using 1:3:xtic(2) with boxes",
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
		"  root only: iperf3 VM A -> VM B over illan (all fixes, no offload), the bare TAP\n"
		"  forwarder and the kernel bridge, in the same run, in the bench's own lab\n"
		"  " BENCHREAL_LAB ": its namespaces (" BENCHREAL_LAB "-vm-a, ..) are (re)created and\n"
		"  deleted; the default lab and other labs are left alone.\n");
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
			if (*end || secs < 2 || secs > 120) {
				fprintf(stderr, "illan bench --real: --seconds takes 2..120\n");
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
	/* A lab of the bench's name with a running daemon is someone's: the
	 * bench's own leftovers (no daemon) are what its teardown removes. */
	struct daemon_paths lab;
	if (daemon_paths_lab(&lab, NULL, BENCHREAL_LAB) == 0 && daemon_ctl_pid(&lab, NULL) != 0) {
		fprintf(stderr,
			"illan bench --real: lab %s is up (its daemon answers at %s); the bench "
			"uses that name: 'illan netns down --name %s' first\n",
			BENCHREAL_LAB, lab.sock, BENCHREAL_LAB);
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
		[BENCHREAL_ILLAN] = {.name = "illan all-fixes"},
		[BENCHREAL_ILLAN_NO_OFFLOAD] = {.name = "illan no-offload"},
		[BENCHREAL_BARE] = {.name = "bare TAP forwarder"},
		[BENCHREAL_KERNEL_BRIDGE] = {.name = "kernel bridge (veth)"},
	};
	if (!json)
		printf("%-24s %10s   (iperf3 VM A -> VM B, %u s per run, median of %u)\n", "case",
		       "Gbit/s", secs, reps);
	for (unsigned r = 0; r < reps && !benchreal_interrupted; r++)
		for (int w = 0; w < BENCHREAL_N && !benchreal_interrupted; w++) {
			double g = benchreal_one((enum benchreal_which)w, secs);
			cs[w].samples[cs[w].n++] = g > 0 ? g : 0;
			if (r == 0)
				cs[w].ok = true;
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
	double offload = benchreal_ratio(&cs[BENCHREAL_ILLAN], &cs[BENCHREAL_ILLAN_NO_OFFLOAD]);
	double vs_bare = benchreal_ratio(&cs[BENCHREAL_ILLAN], &cs[BENCHREAL_BARE]);
	double vs_kernel = benchreal_ratio(&cs[BENCHREAL_ILLAN], &cs[BENCHREAL_KERNEL_BRIDGE]);
	if (json) {
		printf("{\"mode\": \"real\", \"seconds\": %u, \"reps\": %u,\n \"cases\": [", secs,
		       reps);
		for (int w = 0; w < BENCHREAL_N; w++)
			printf("%s\n  {\"name\": \"%s\", \"gbps\": %.4f, \"ok\": %s}", w ? "," : "",
			       cs[w].name, cs[w].gbps, cs[w].ok ? "true" : "false");
		printf("],\n \"ratios\": {\"offload_speedup\": %.3f, \"vs_bare_forwarder\": %.3f, "
		       "\"vs_kernel_bridge\": %.3f}}\n",
		       offload, vs_bare, vs_kernel);
	} else {
		for (int w = 0; w < BENCHREAL_N; w++)
			printf("%-24s %10.2f%s\n", cs[w].name, cs[w].gbps,
			       cs[w].ok ? "" : "   (FAILED: no result)");
		printf("\nratios (same run, median over rounds):\n");
		printf("  offload speedup    (illan all fixes / no offload)    %6.2fx  (target >= 4)\n",
		       offload);
		printf("  vs bare forwarder  (illan all fixes / bare TAP fwd)  %6.3f   (target >= 0.7)\n",
		       vs_bare);
		printf("  vs kernel bridge   (illan all fixes / kernel bridge) %6.3f\n", vs_kernel);
	}
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
