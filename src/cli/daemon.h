/*
 * daemon.h — the real-traffic daemon (`illan daemon`, cmd_daemon in cli.h)
 * as its controller sees it: the files it keeps in its directory, its
 * command line (built by daemon_spawn, recognised by daemon_find_pid and
 * daemon_scan, parsed by cmd_daemon) and the fix-list words it takes.
 *
 * Serves netns.c (`illan netns up|down|status` start, find and stop the
 * daemon) and ctl.c (the control socket's default place).
 *
 * The directory (default /run/illan) holds illan.pid (written once the
 * daemon is ready, removed when it stops), ctl.sock (the control socket,
 * root's only: mode 0600) and daemon.log (its stdout and stderr).
 */
#ifndef ILLAN_DAEMON_H
#define ILLAN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DAEMON_DEFAULT_DIR "/run/illan"

/* What --fixes takes, for usage and error messages. */
#define DAEMON_FIXES_HELP                                                                          \
	"all (default), none, or a comma list of the fixes to keep on: numbers 1-4 and/or\n"        \
	"           names (trunk-offload, trunk-csum-partial, pseudo-csum, fraglist-linearize),\n"  \
	"           as 'illan run --fixes' takes; e.g. 1,3,4 switches fix 2 off\n"

struct daemon_paths {
	char dir[200], pid[256], sock[256], log[256];
};

/* Fill p for the daemon directory dir (NULL: DAEMON_DEFAULT_DIR). */
void daemon_paths_init(struct daemon_paths *p, const char *dir);

/* Write a fix mask (IBMVETH_FIX_* bits) as --fixes words that
 * ibmveth_parse_fixes reads back: "all", "none" or "1,3,4". */
void daemon_fixes_format(unsigned mask, char *out, size_t size);

/* How the daemon builds and runs the topology. */
struct daemon_opts {
	unsigned fixes; /* IBMVETH_FIX_* bits */
	bool no_offload, no_gro;
	unsigned mtu;   /* 576..9000 */
};

/*
 * Start `illan daemon --dir DIR ...` (this very program) in the background:
 * a new session, stdin /dev/null, stdout and stderr into p->log, no other
 * fd inherited. Returns its pid (the caller's child, to be waited for), or
 * -errno if fork failed. Whether it came up is for the caller to ask over
 * p->sock.
 */
pid_t daemon_spawn(const struct daemon_paths *p, const struct daemon_opts *o);

/*
 * The pid of the daemon of p->dir if its pidfile names a live one, else 0.
 * Needs no privilege: root's daemon seen by another user counts as alive
 * (kill answering EPERM), and so does a live pid whose command line /proc
 * hides from us.
 */
pid_t daemon_find_pid(const struct daemon_paths *p);

/* A daemon of p->dir that has no pidfile (its start was interrupted before
 * it was ready), found by its command line in /proc. 0 if none. */
pid_t daemon_scan(const struct daemon_paths *p);

#endif
