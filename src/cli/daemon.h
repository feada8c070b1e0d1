/*
 * daemon.h — the real-traffic daemon (`illan daemon`, cmd_daemon in cli.h)
 * as its controller sees it: the files it keeps in its directory and how
 * they are opened, its command line (built by daemon_spawn, recognised by
 * daemon_find_pid and daemon_scan, parsed by cmd_daemon), its control
 * socket seen as a client, and the fix-list words it takes.
 *
 * Serves netns.c (`illan netns up|down|status` start, find and stop the
 * daemon) and ctl.c (the control socket's default place).
 *
 * The directory (default /run/illan) holds illan.pid (written once the
 * daemon is ready, removed when it stops), ctl.sock (the control socket,
 * root's only: mode 0600) and daemon.log (its stdout and stderr). That is
 * the default lab's (the seed, under its fixed names); a lab with a name
 * (`netns up --name LAB`, lab.h) has the directory DIR/LAB, which holds
 * those files and topology.yaml, the copy of the topology it runs (written
 * by `netns up` before anything is made, read by the daemon, `netns down`
 * and `netns status`), and which `netns down` removes.
 *
 * File safety, since root writes there: the directory and every directory
 * above it must belong to root or the caller and be writable by nobody
 * else (a sticky directory above, as /tmp, is allowed), or it is refused
 * with the reason (daemon_dir_open); every file in it is opened through
 * that directory's fd with O_NOFOLLOW, and the files root writes are made
 * fresh — the old name unlinked, then O_CREAT|O_EXCL — so no write, and no
 * truncation, ever goes through a planted symlink or hard link.
 */
#ifndef ILLAN_DAEMON_H
#define ILLAN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "topo/lab.h"

#define DAEMON_DEFAULT_DIR "/run/illan"

/* What --fixes takes, for usage and error messages. */
#define DAEMON_FIXES_HELP                                                                          \
	"all (default), none, or a comma list of the fixes to keep on: numbers 1-4 and/or\n"       \
	"           names (trunk-offload, trunk-csum-partial, pseudo-csum, fraglist-linearize),\n" \
	"           as 'illan run --fixes' takes; e.g. 1,3,4 switches fix 2 off\n"

/* The files' names in the directory. */
#define DAEMON_PID_NAME "illan.pid"
#define DAEMON_SOCK_NAME "ctl.sock"
#define DAEMON_LOG_NAME "daemon.log"
#define DAEMON_TOPO_NAME "topology.yaml"

struct daemon_paths {
	char dir[200], pid[256], sock[256], log[256];
	char base[200];         /* --dir: the default lab's directory, and the named labs' parent */
	char lab[LAB_NAME_MAX]; /* the lab's name, "" for the default lab */
};

/* Fill p for the daemon directory dir (NULL: DAEMON_DEFAULT_DIR): the
 * default lab's. */
void daemon_paths_init(struct daemon_paths *p, const char *dir);

/* Fill p for lab (NULL or "": the default lab, as daemon_paths_init) under
 * base (NULL: DAEMON_DEFAULT_DIR): the directory base/lab. Returns 0, or
 * -EINVAL for a name lab_name_valid refuses, -ENAMETOOLONG when the paths
 * do not fit. */
int daemon_paths_lab(struct daemon_paths *p, const char *base, const char *lab);

/* Write a fix mask (IBMVETH_FIX_* bits) as --fixes words that
 * ibmveth_parse_fixes reads back: "all", "none" or "1,3,4"; TOPO_FIXES_FILE
 * (each adapter as its topology file says) as "file". */
void daemon_fixes_format(unsigned mask, char *out, size_t size);

/* How the daemon builds and runs the topology. */
struct daemon_opts {
	unsigned fixes; /* IBMVETH_FIX_* bits, or TOPO_FIXES_FILE (not passed: the file's) */
	bool no_offload, no_gro;
	unsigned mtu;    /* 576..9000, or 0 (not passed: each device's own from the file) */
	char driver[32]; /* every adapter's driver ("illan", "kernel-6.1"), or "": the file's */
	char lab[LAB_NAME_MAX]; /* "" : the default lab (the seed); else --name, and the
			 * daemon reads its topology from DAEMON_TOPO_NAME */
	/* --pcap DIR, --trace FILE (absolute paths; "" : none): the first
	 * packets of each connection, hop by hop, as `illan run` writes them */
	char pcap_dir[256], trace_file[256];
};

/*
 * Open directory dir for the daemon's files, or refuse it: dir and every
 * directory above it (symlinks resolved first) must be owned by root or the
 * caller (euid) and not writable by group or others — above dir a sticky
 * directory (as /tmp) may be. Each step is opened with O_NOFOLLOW from the
 * one before, and the fd returned is the directory checked, so a rename
 * after the check changes nothing. With create a missing dir is made (mode
 * 0755; its parent checked first). Returns the directory's fd (O_DIRECTORY,
 * close-on-exec), or -errno with the reason in err (-EPERM for an unsafe
 * directory, -ENOENT for a missing one without create).
 */
int daemon_dir_open(const char *dir, bool create, char *err, size_t err_size);

/*
 * Create name in the directory dirfd afresh for writing: whatever has that
 * name (a stale file, a planted symlink or hard link) is unlinked first,
 * then the file is created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644, plus
 * the open flags extra (e.g. O_APPEND). Returns the fd (close-on-exec) or
 * -errno.
 */
int daemon_file_create(int dirfd, const char *name, int extra);

/* Read name in the directory dirfd whole, without following a symlink or
 * blocking on a FIFO: a regular file of at most max bytes. *buf (malloc'd,
 * NUL-terminated, the caller frees it) and *len on success. Returns 0 or
 * -errno (-EINVAL: not a regular file, -EFBIG: larger than max). */
int daemon_file_read(int dirfd, const char *name, size_t max, char **buf, size_t *len);
/* The same from an open fd (a regular file, read from its current offset). */
int daemon_fd_read(int fd, size_t max, char **buf, size_t *len);

/* Write all n bytes of buf to fd (EINTR retried; a write that stores
 * nothing is -ENOSPC). Returns 0 or -errno. */
int daemon_write_all(int fd, const void *buf, size_t n);

/*
 * Start `illan daemon --dir DIR ...` (this very program) in the background
 * (with --name LAB for a named lab; --fixes and --mtu when o sets them):
 * a new session, stdin /dev/null, stdout and stderr onto log_fd (the log the
 * caller created with daemon_file_create), no other fd inherited. Returns
 * its pid (the caller's child, to be waited for), or -errno if fork failed.
 * Whether it came up is for the caller to ask over p->sock.
 */
pid_t daemon_spawn(const struct daemon_paths *p, const struct daemon_opts *o, int log_fd);

/*
 * Ask the daemon listening at sock_path one question (cmd, without its
 * newline) and read the whole answer, waiting at most timeout_ms for each
 * step (connect, send, every read). The answer goes to out (may be NULL).
 * Returns 0 when an answer came, -EIO when the daemon closed without one,
 * else the -errno of what failed (-EACCES: the socket is not ours to use).
 */
int daemon_ctl_ask(const char *sock_path, const char *cmd, FILE *out, int timeout_ms);

/*
 * The pid of the daemon that answers `status` at p->sock, 0 when none
 * answers (or its answer names no live process), or -EACCES when the
 * socket is there but not ours to use (root's daemon seen by another
 * user). *ours (may be NULL) says whether that process's command line is
 * the daemon of p->dir — what must hold before it is signalled; a daemon
 * that answers is running either way.
 */
pid_t daemon_ctl_pid(const struct daemon_paths *p, bool *ours);

/*
 * The pid of the daemon of p->dir if its pidfile names a live one, else 0.
 * Needs no privilege: root's daemon seen by another user counts as alive
 * (kill answering EPERM), and so does a live pid whose command line /proc
 * hides from us.
 */
pid_t daemon_find_pid(const struct daemon_paths *p);

/*
 * A daemon of p->dir that has no pidfile (its start was interrupted before
 * it was ready, or its pidfile could not be written), found in /proc: its
 * command line is `illan daemon --dir DIR`, its real and effective uid are
 * the caller's, and its executable is this very program (the same file, by
 * device and inode), so another user's process, or another program with
 * that command line, is never taken for it. 0 if none.
 */
pid_t daemon_scan(const struct daemon_paths *p);

#endif
