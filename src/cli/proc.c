/*
 * proc.c — starting and running other programs for the CLI (proc.h).
 *
 * Serves netns.c and benchreal.c. A program that cannot be executed is told
 * apart from one that ran and failed through a close-on-exec pipe: the
 * child writes execvp's errno into it, and a successful exec closes it
 * empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

/* Make fd the child's target fd (0, 1 or 2), surviving the exec: dup2, or
 * when fd already is target, clear its close-on-exec flag (dup2 onto itself
 * would leave the flag set). */
static void proc_dup_to(int fd, int target)
{
	if (fd == target)
		fcntl(fd, F_SETFD, 0);
	else
		dup2(fd, target);
}

/* In the child: wire up the standard fds and exec; on failure report errno
 * through status_w and exit. Only async-signal-safe calls. Every other fd
 * the runner opened is close-on-exec. */
static void __attribute__((noreturn))
proc_child(char *const argv[], bool quiet, int null, int out_w, int status_w)
{
	proc_dup_to(null, 0);
	if (quiet) {
		proc_dup_to(null, 1);
		proc_dup_to(null, 2);
	}
	if (out_w >= 0)
		proc_dup_to(out_w, 1);
	execvp(argv[0], argv);
	int e = errno;
	ssize_t n = write(status_w, &e, sizeof(e));
	(void)n;
	_exit(127);
}

/* proc_spawn: see proc.h. */
pid_t proc_spawn(char *const argv[], bool quiet, int *stdout_fd)
{
	int out[2] = {-1, -1}, status[2] = {-1, -1}, null = -1;
	pid_t rc;
	if (stdout_fd && pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(status, O_CLOEXEC) < 0) {
		rc = -errno;
		goto close_out;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		rc = -errno;
		goto close_status;
	}
	pid_t pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto close_null;
	}
	if (pid == 0)
		proc_child(argv, quiet, null, out[1], status[1]);

	/* The parent keeps only the read ends. */
	close(null);
	close(status[1]);
	if (out[1] >= 0)
		close(out[1]);
	int child_errno = 0;
	ssize_t n;
	do
		n = read(status[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(status[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		/* exec failed: reap the child, which exits at once */
		proc_wait(pid);
		if (out[0] >= 0)
			close(out[0]);
		return child_errno > 0 ? -child_errno : -ENOEXEC;
	}
	if (stdout_fd)
		*stdout_fd = out[0];
	return pid;

close_null:
	close(null);
close_status:
	close(status[0]);
	close(status[1]);
close_out:
	if (out[0] >= 0) {
		close(out[0]);
		close(out[1]);
	}
	return rc;
}

/* proc_wait: see proc.h. */
int proc_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* Read fd to its end into out: what fits in out->buf is kept, the rest is
 * read into a scratch buffer and dropped, so the writer never finds the
 * pipe closed. */
static void proc_read_all(int fd, struct proc_out *out)
{
	char sink[4096];
	for (;;) {
		size_t room = out->size - 1 - out->len;
		ssize_t n = room ? read(fd, out->buf + out->len, room) : read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out->total += (size_t)n;
		if (room)
			out->len += (size_t)n;
	}
	out->buf[out->len] = 0;
	out->truncated = out->total > out->len;
}

/* proc_run: see proc.h. */
int proc_run(char *const argv[], bool quiet, struct proc_out *out)
{
	int fd = -1;
	if (out) {
		out->len = out->total = 0;
		out->truncated = false;
		out->buf[0] = 0;
	}
	pid_t pid = proc_spawn(argv, quiet, out ? &fd : NULL);
	if (pid < 0)
		return (int)pid;
	if (out) {
		proc_read_all(fd, out);
		close(fd);
	}
	return proc_wait(pid);
}
