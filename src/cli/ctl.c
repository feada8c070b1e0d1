/*
 * ctl.c — `illan stats [--json]` and `illan flows`: clients of the
 * real-traffic daemon's control socket (daemon.c), the default lab's or,
 * with --name LAB, that lab's (its directory under --dir). One connection per
 * question: the command on one line, the answer until the daemon closes;
 * an answer that begins "error:" is the daemon refusing (exit status 1).
 *   stats        every counter of every adapter, bridge, NIC and TAP, one a line
 *   stats --json {"counters": {"object": {"counter": value, ...}, ...}}
 *   flows        the bridge's datapath flows with packet and byte counts
 *   why          what went wrong since the last `illan why` (--all: since
 *                start), each drop in the run report's words
 *   watch        the same explanations as they come (--for S, --until TEXT)
 * `illan stats` filters the daemon's answer here: --nonzero, --device NAME
 * (an object, or "hv:NAME"/"kernel:NAME"); --delta asks for the increase
 * since the last --delta.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "daemon.h"

/* Send cmd to the daemon of lab (NULL: the default lab) under dir; copy
 * the answer to out. Returns the exit status: 0, or 1 with a message on
 * stderr. */
static int ctl_request(const char *prog, const char *dir, const char *lab, const char *cmd, FILE *out)
{
	struct daemon_paths paths;
	if (daemon_paths_lab(&paths, dir, lab) < 0) {
		fprintf(stderr, "%s: --dir %s with --name %s: too long\n", prog,
			dir ? dir : DAEMON_DEFAULT_DIR, lab);
		return 1;
	}
	const char *path = paths.sock;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror(prog);
		return 1;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen = strlen(path);
	if (plen >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", prog, path);
		close(fd);
		return 1;
	}
	memcpy(sa.sun_path, path, plen + 1);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (e == EACCES) /* a daemon may well be there: root's socket */
			fprintf(stderr,
				"%s: the control socket %s is root's only (%s): run it as root, "
				"e.g. sudo %s%s%s\n",
				prog, path, strerror(e), prog, lab ? " --name " : "", lab ? lab : "");
		else
			fprintf(stderr,
				"%s: no daemon answers at %s (%s); start one with 'illan netns "
				"up%s%s'\n",
				prog, path, strerror(e), lab ? " --name " : "", lab ? lab : "");
		close(fd);
		return 1;
	}
	/* The whole line in one send: the daemon may answer a complete command
	 * word at once and close, and a second write would then meet a closed
	 * socket (EPIPE, not a signal: MSG_NOSIGNAL). */
	char line[64];
	int len = snprintf(line, sizeof(line), "%s\n", cmd);
	if (send(fd, line, (size_t)len, MSG_NOSIGNAL) != len) {
		fprintf(stderr, "%s: write to %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return 1;
	}
	/* The whole answer first: whether it is an error is decided by how it
	 * begins ("error: ..."), wherever the reads happened to split it, and
	 * an error goes to stderr, not into the caller's output. */
	char *reply = NULL;
	size_t total = 0, cap = 0;
	ssize_t n;
	int status = 0;
	for (;;) {
		if (cap - total < 4096) {
			size_t ncap = cap ? 2 * cap : 16384;
			char *r = realloc(reply, ncap);
			if (!r) {
				fprintf(stderr, "%s: out of memory reading the answer\n", prog);
				status = 1;
				goto out;
			}
			reply = r;
			cap = ncap;
		}
		n = read(fd, reply + total, cap - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	if (n < 0) {
		fprintf(stderr, "%s: no answer from the daemon (%s)\n", prog, strerror(errno));
		status = 1;
	} else if (total == 0) {
		fprintf(stderr, "%s: the daemon closed the connection without answering\n", prog);
		status = 1;
	} else if (total >= 6 && memcmp(reply, "error:", 6) == 0) {
		fprintf(stderr, "%s: the daemon answered: ", prog);
		fwrite(reply, 1, total, stderr);
		if (reply[total - 1] != '\n')
			fputc('\n', stderr);
		status = 1;
	} else if (fwrite(reply, 1, total, out) != total) {
		status = 1;
	}
out:
	free(reply);
	close(fd);
	return status;
}

/* The options every command here shares, at argv[*i]: --dir DIR and
 * --name LAB (a name lab_name_valid refuses: "bad --name", then usage, on
 * stderr). Returns 1 if taken (*i past its value), 0 if argv[*i] is
 * something else, -1 on a bad name. */
static int ctl_lab_arg(int *i, int argc, char **argv, const char **dir, const char **lab,
		       const char *usage)
{
	const char *a = argv[*i];
	if (strcmp(a, "--dir") == 0 && *i + 1 < argc) {
		*dir = argv[++*i];
		return 1;
	}
	if (strcmp(a, "--name") == 0 && *i + 1 < argc) {
		*lab = argv[++*i];
		if (!lab_name_valid(*lab)) {
			fprintf(stderr, "bad --name '%s'\n%s", *lab, usage);
			return -1;
		}
		return 1;
	}
	return 0;
}

/* The last word of an options loop: --help or -h prints usage on stdout
 * (exit status 0); anything else is named and usage goes to stderr (2). */
static int ctl_usage(const char *a, const char *usage)
{
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "unknown or incomplete option '%s'\n", a);
	fputs(usage, stderr);
	return 2;
}

/* --dir DIR, --name LAB and --json; returns false on anything else
 * (usage printed) or a lab name lab_name_valid refuses. */
static bool ctl_args(int argc, char **argv, const char **dir, const char **lab, bool *json,
		     bool allow_json, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		int r = ctl_lab_arg(&i, argc, argv, dir, lab, usage);
		if (r < 0)
			return false;
		if (r > 0)
			continue;
		if (allow_json && strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (ctl_usage(argv[i], usage) == 0)
			exit(0); /* help asked for is not an error */
		else
			return false;
	}
	return true;
}

/* True if object obj is device dev: the name itself, or it after a
 * "kind:" prefix ("hv:trunk-in", "kernel:vm-b"). */
static bool ctl_obj_is(const char *obj, const char *dev)
{
	if (!dev)
		return true;
	if (strcmp(obj, dev) == 0)
		return true;
	const char *c = strchr(obj, ':');
	return c && strcmp(c + 1, dev) == 0;
}

/* The text answer of stats, filtered: counter lines "obj name value" by
 * device and value, the kernel driver log's lines "  Nx dev: ..." by
 * device. Returns the number of counter lines of dev seen (any value). */
static size_t ctl_filter_text(const char *text, const char *dev, bool nonzero, FILE *out)
{
	size_t seen = 0;
	bool klog = false;
	const char *line = text;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char obj[128] = "", name[128] = "";
		unsigned long long v = 0;
		bool keep = true;
		if (strncmp(line, "kernel driver log:", 18) == 0) {
			klog = true;
			keep = !dev || true;
		} else if (klog) {
			char kdev[128] = "";
			unsigned long long n;
			if (dev && sscanf(line, " %llux %127[^:]", &n, kdev) == 2)
				keep = ctl_obj_is(kdev, dev);
		} else if (sscanf(line, "%127s %127s %llu", obj, name, &v) == 3) {
			keep = ctl_obj_is(obj, dev);
			seen += keep;
			keep = keep && (!nonzero || v);
		}
		if (keep)
			fprintf(out, "%.*s\n", (int)len, line);
		line += len + (end ? 1 : 0);
	}
	return seen;
}

/* The JSON answer, filtered as ctl_filter_text filters the text. */
static size_t ctl_filter_json(const char *text, const char *dev, bool nonzero, FILE *out)
{
	json_error_t e;
	json_t *root = json_loads(text, 0, &e);
	json_t *objs = json_object_get(root, "counters");
	size_t seen = 0;
	if (!json_is_object(objs)) {
		fputs(text, out);
		json_decref(root);
		return 1;
	}
	const char *obj;
	json_t *cs, *tmp;
	json_object_foreach_safe(objs, tmp, obj, cs)
	{
		if (!ctl_obj_is(obj, dev)) {
			json_object_del(objs, obj);
			continue;
		}
		seen += json_object_size(cs);
		const char *name;
		json_t *v, *tmp2;
		json_object_foreach_safe(cs, tmp2, name, v)
		{
			if (nonzero && json_integer_value(v) == 0)
				json_object_del(cs, name);
		}
		if (!json_object_size(cs))
			json_object_del(objs, obj);
	}
	json_t *klog = json_object_get(root, "kernel_log");
	if (dev && json_is_array(klog)) {
		for (size_t i = json_array_size(klog); i-- > 0;)
			if (!ctl_obj_is(json_string_value(
						json_object_get(json_array_get(klog, i), "device")),
					dev))
				json_array_remove(klog, i);
	}
	json_dumpf(root, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return seen;
}

/* ctl_request into memory: *buf (the caller frees it, also on error) holds
 * the answer. Returns the exit status, as ctl_request. */
static int ctl_fetch(const char *prog, const char *dir, const char *lab, const char *cmd, char **buf)
{
	size_t size = 0;
	*buf = NULL;
	FILE *mem = open_memstream(buf, &size);
	if (!mem) {
		perror(prog);
		return 1;
	}
	int rc = ctl_request(prog, dir, lab, cmd, mem);
	fclose(mem);
	return rc;
}

/* cmd_stats: see cli.h. */
int cmd_stats(int argc, char **argv)
{
	static const char usage[] =
		"usage: illan stats [--json] [--nonzero] [--device NAME] [--delta] [--name LAB] [--dir DIR]\n"
		"  every counter of the running real-traffic daemon (illan netns up)\n"
		"  --nonzero      only counters that are not 0\n"
		"  --device NAME  only that object's counters (NAME, hv:NAME, kernel:NAME)\n"
		"  --delta        each counter's increase since the last 'illan stats --delta'\n"
		"                 (since the daemon started, the first time)\n";
	const char *dir = NULL, *lab = NULL, *dev = NULL;
	bool json = false, nonzero = false, delta = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r = ctl_lab_arg(&i, argc, argv, &dir, &lab, usage);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (strcmp(a, "--device") == 0 && i + 1 < argc)
			dev = argv[++i];
		else if (strcmp(a, "--json") == 0)
			json = true;
		else if (strcmp(a, "--nonzero") == 0)
			nonzero = true;
		else if (strcmp(a, "--delta") == 0)
			delta = true;
		else
			return ctl_usage(a, usage);
	}
	const char *cmd = delta ? (json ? "stats-delta-json" : "stats-delta")
				: (json ? "stats-json" : "stats");
	if (!dev && !nonzero)
		return ctl_request("illan stats", dir, lab, cmd, stdout);
	char *buf;
	int rc = ctl_fetch("illan stats", dir, lab, cmd, &buf);
	if (rc == 0) {
		size_t seen = json ? ctl_filter_json(buf, dev, nonzero, stdout)
				   : ctl_filter_text(buf, dev, nonzero, stdout);
		if (dev && !seen) {
			fprintf(stderr, "illan stats: no device '%s' (illan stats lists them)\n",
				dev);
			rc = 1;
		}
	}
	free(buf);
	return rc;
}

/* cmd_why: see cli.h. */
int cmd_why(int argc, char **argv)
{
	static const char usage[] =
		"usage: illan why [--all] [--json] [--name LAB] [--dir DIR]\n"
		"  what went wrong in the running real-traffic daemon since the last 'illan why'\n"
		"  (the first time: since it started): every drop at illan's hops and in the\n"
		"  kernels it feeds, explained as 'illan run' explains it\n"
		"  --all  since the daemon started\n"
		"  --json the same as one JSON object: since, seconds, nothing_went_wrong,\n"
		"         explanations (count, text, harmless, and when known seed_issue,\n"
		"         counter and object: the counter that showed the drop and where),\n"
		"         not_listed\n";
	const char *dir = NULL, *lab = NULL;
	bool all = false, json = false;
	for (int i = 1; i < argc; i++) {
		int r = ctl_lab_arg(&i, argc, argv, &dir, &lab, usage);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return ctl_usage(argv[i], usage);
	}
	static const char *const cmds[2][2] = {{"why", "why-all"}, {"why-json", "why-all-json"}};
	return ctl_request("illan why", dir, lab, cmds[json][all], stdout);
}

/* cmd_watch: see cli.h. Asks for the daemon's kept explanations twice a
 * second and prints those not seen yet. */
int cmd_watch(int argc, char **argv)
{
	static const char usage[] =
		"usage: illan watch [--for SECONDS] [--until TEXT] [--all] [--name LAB] [--dir DIR]\n"
		"  what goes wrong in the running real-traffic daemon, as it happens, one line\n"
		"  per explanation (the words of 'illan why'), until interrupted\n"
		"  --for SECONDS  stop after that long (exit 0; 1 with --until and no match)\n"
		"  --until TEXT   stop at the first line containing TEXT (exit 0)\n"
		"  --all          first the explanations the daemon kept from before\n";
	const char *dir = NULL, *lab = NULL, *until = NULL;
	double for_s = -1;
	bool all = false;
	for (int i = 1; i < argc; i++) {
		int r = ctl_lab_arg(&i, argc, argv, &dir, &lab, usage);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--for") == 0 && i + 1 < argc) {
			char *end;
			for_s = strtod(argv[++i], &end);
			if (*end || for_s < 0) {
				fputs(usage, stderr);
				return 2;
			}
		} else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc) {
			until = argv[++i];
		} else if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else {
			return ctl_usage(argv[i], usage);
		}
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t last = 0;
	bool first = true;
	for (;;) {
		char *buf;
		int rc = ctl_fetch("illan watch", dir, lab, "events", &buf);
		if (rc) {
			free(buf);
			return rc;
		}
		uint64_t top = last;
		for (const char *l = buf; l && *l;) {
			const char *end = strchr(l, '\n');
			unsigned long long seq, count;
			long long sec;
			long ms;
			int off = 0;
			if (l[0] == '#') {
				sscanf(l, "# %llu", &seq);
				if (first && !all)
					last = top = seq;
			} else if (sscanf(l, "%llu %lld.%ld %llu %n", &seq, &sec, &ms, &count,
					  &off) == 4 &&
				   off && seq > last) {
				time_t t = (time_t)sec;
				struct tm tm;
				char ts[16];
				localtime_r(&t, &tm);
				strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
				int tlen = end ? (int)(end - l - off) : (int)strlen(l + off);
				printf("%s %llux %.*s\n", ts, count, tlen, l + off);
				fflush(stdout);
				if (seq > top)
					top = seq;
				if (until && memmem(l + off, (size_t)tlen, until, strlen(until))) {
					free(buf);
					return 0;
				}
			}
			l = end ? end + 1 : NULL;
		}
		free(buf);
		last = top;
		first = false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el =
			(double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (for_s >= 0 && el >= for_s)
			return until ? 1 : 0;
		struct timespec nap = {0, 500000000L};
		nanosleep(&nap, NULL);
	}
}

/* cmd_flows: see cli.h. */
int cmd_flows(int argc, char **argv)
{
	const char *dir = NULL, *lab = NULL;
	bool json = false;
	if (!ctl_args(argc, argv, &dir, &lab, &json, false,
		      "usage: illan flows [--name LAB] [--dir DIR]\n"
		      "  the bridges' datapath flows of the running daemon, with packet/byte counts\n"))
		return 2;
	return ctl_request("illan flows", dir, lab, "flows", stdout);
}
