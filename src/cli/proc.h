/*
 * proc.h — running other programs (ip, ethtool, ping, iperf3, timeout, the
 * bare forwarder) from the CLI: start one, or run one to completion and
 * capture what it prints.
 *
 * Serves `illan netns` (netns.c) and `illan bench --real` (benchreal.c).
 *
 * Every fd the runner opens is close-on-exec and closed again on every
 * path, so neither the child nor the caller inherits a stray pipe end; the
 * child's stdin is /dev/null. A program that cannot be run (not found, not
 * executable) is reported as a negative errno, not as an exit status.
 */
#ifndef ILLAN_PROC_H
#define ILLAN_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Start argv[0] (PATH searched when it has no '/') with argv. The child's
 * stdin is /dev/null; with quiet its stdout and stderr are /dev/null too,
 * else they are ours. With stdout_fd non-NULL the child's stdout is a pipe
 * whose read end (close-on-exec) is stored there for the caller to read
 * and close. Returns the child's pid once it runs argv[0], or -errno: the
 * pipe or fork failed, or the program could not be executed (-ENOENT when
 * it is not found); then no fd and no child is left.
 */
pid_t proc_spawn(char *const argv[], bool quiet, int *stdout_fd);

/*
 * Wait for child pid (EINTR retried). Returns its exit status (0-255),
 * 128 + the signal number if a signal ended it (as the shell reports it),
 * or -errno if waitpid failed.
 */
int proc_wait(pid_t pid);

/* What proc_run captured of a child's stdout. */
struct proc_out {
	char *buf;      /* in: the caller's buffer; NUL-terminated on return */
	size_t size;    /* in: its size in bytes, at least 1 */
	size_t len;     /* out: bytes stored in buf (at most size - 1) */
	size_t total;   /* out: bytes the child wrote in all */
	bool truncated; /* out: total > len (the rest was read and dropped) */
};

/*
 * Run argv as proc_spawn starts it and wait for it. With out non-NULL the
 * child's stdout goes into out->buf; the whole output is read (what does
 * not fit is drained and dropped, so a long answer never meets a closed
 * pipe) and out->len, total and truncated say how much arrived. Without
 * quiet stderr stays ours. Returns as proc_wait, or a negative errno from
 * proc_spawn (out->buf is then empty).
 */
int proc_run(char *const argv[], bool quiet, struct proc_out *out);

#endif
