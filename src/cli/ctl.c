/*
 * ctl.c — `illan stats [--json]` and `illan flows`: clients of the
 * real-traffic daemon's control socket (daemon.c), the default lab's or,
 * with --name LAB, that lab's (its directory under --dir). One connection per
 * question: the command on one line, the answer until the daemon closes;
 * an answer that begins "error:" is the daemon refusing (exit status 1).
 *   stats        every counter of every adapter, bridge, NIC and TAP, one a line
 *   stats --json {"counters": {"object": {"counter": value, ...}, ...}}
 *   flows        the bridge's datapath flows with packet and byte counts
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

/* --dir DIR, --name LAB and --json; returns false on anything else
 * (usage printed) or a lab name lab_name_valid refuses. */
static bool ctl_args(int argc, char **argv, const char **dir, const char **lab, bool *json,
		     bool allow_json, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("%s", usage);
			exit(0); /* help asked for is not an error */
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			*dir = argv[++i];
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			*lab = argv[++i];
			if (!lab_name_valid(*lab)) {
				fprintf(stderr, "bad --name '%s'\n%s", *lab, usage);
				return false;
			}
		} else if (allow_json && strcmp(argv[i], "--json") == 0) {
			*json = true;
		} else {
			fprintf(stderr, "%s", usage);
			return false;
		}
	}
	return true;
}

/* cmd_stats: see cli.h. */
int cmd_stats(int argc, char **argv)
{
	const char *dir = NULL, *lab = NULL;
	bool json = false;
	if (!ctl_args(argc, argv, &dir, &lab, &json, true,
		      "usage: illan stats [--json] [--name LAB] [--dir DIR]\n"
		      "  every counter of the running real-traffic daemon (illan netns up)\n"))
		return 2;
	return ctl_request("illan stats", dir, lab, json ? "stats-json" : "stats", stdout);
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
