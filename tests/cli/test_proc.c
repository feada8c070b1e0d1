/*
 * test_proc.c — the CLI's process runner (src/cli/proc.c): a child that
 * prints more than the buffer is read to its end (no SIGPIPE) and the
 * truncation reported, exact fits are not truncated, exit statuses and
 * signals come back as the shell reports them, a missing or unexecutable
 * program is a negative errno, and no fd is left open in the caller or
 * handed to the child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/proc.h"
#include "test.h"

/* Open fds of this process (the directory's own fd not counted). */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* No child of ours is left unreaped. */
static bool no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

TEST(long_output_is_drained_and_truncation_reported)
{
	int fds = open_fds();
	char buf[100];
	struct proc_out out = {.buf = buf, .size = sizeof(buf)};
	/* 44000 bytes from the shell's own echo: had the runner stopped
	 * reading, the shell would die of SIGPIPE (status 141). */
	char *argv[] = {"sh", "-c",
			"i=0; while [ $i -lt 4000 ]; do echo 0123456789; i=$((i+1)); done", NULL};
	CHECK_EQ(proc_run(argv, true, &out), 0);
	CHECK_U64(out.total, 44000);
	CHECK_U64(out.len, sizeof(buf) - 1);
	CHECK(out.truncated);
	CHECK_EQ(strlen(buf), sizeof(buf) - 1);
	CHECK(strncmp(buf, "0123456789\n0123456789\n", 22) == 0);
	CHECK_EQ(open_fds(), fds);
	CHECK(no_children());
}

TEST(long_output_of_an_external_program)
{
	int fds = open_fds();
	char buf[16];
	struct proc_out out = {.buf = buf, .size = sizeof(buf)};
	/* seq is its own process, as `ip netns pids` is. */
	char *argv[] = {"seq", "1", "200000", NULL};
	CHECK_EQ(proc_run(argv, true, &out), 0);
	CHECK(out.truncated);
	CHECK(out.total > 1000000);
	CHECK(strcmp(buf, "1\n2\n3\n4\n5\n6\n7\n8") == 0);
	CHECK_EQ(open_fds(), fds);
}

TEST(exact_fit_is_not_truncated)
{
	char buf[5];
	struct proc_out out = {.buf = buf, .size = sizeof(buf)};
	char *argv[] = {"printf", "abcd", NULL};
	CHECK_EQ(proc_run(argv, true, &out), 0);
	CHECK(strcmp(buf, "abcd") == 0);
	CHECK_U64(out.len, 4);
	CHECK_U64(out.total, 4);
	CHECK(!out.truncated);

	out.size = 4; /* one byte short */
	CHECK_EQ(proc_run(argv, true, &out), 0);
	CHECK(strcmp(buf, "abc") == 0);
	CHECK_U64(out.len, 3);
	CHECK_U64(out.total, 4);
	CHECK(out.truncated);

	out.size = 1; /* room for the NUL only */
	CHECK_EQ(proc_run(argv, true, &out), 0);
	CHECK(buf[0] == 0);
	CHECK_U64(out.total, 4);
	CHECK(out.truncated);
}

TEST(failing_child_reports_its_status_and_output)
{
	int fds = open_fds();
	char buf[64];
	struct proc_out out = {.buf = buf, .size = sizeof(buf)};
	char *argv[] = {"sh", "-c", "echo partial; echo oops >&2; exit 3", NULL};
	CHECK_EQ(proc_run(argv, true, &out), 3);
	CHECK(strcmp(buf, "partial\n") == 0);
	CHECK(!out.truncated);
	CHECK_EQ(proc_run(argv, true, NULL), 3);
	CHECK_EQ(open_fds(), fds);
	CHECK(no_children());
}

TEST(child_killed_by_a_signal)
{
	char *argv[] = {"sh", "-c", "kill -TERM $$", NULL};
	CHECK_EQ(proc_run(argv, true, NULL), 128 + SIGTERM);
}

TEST(missing_program_is_an_errno)
{
	int fds = open_fds();
	char buf[32] = "stale";
	struct proc_out out = {.buf = buf, .size = sizeof(buf)};
	char *argv[] = {"illan-no-such-program", "x", NULL};
	CHECK_EQ(proc_run(argv, true, &out), -ENOENT);
	CHECK(buf[0] == 0);
	CHECK_U64(out.total, 0);
	CHECK_EQ(proc_run(argv, false, NULL), -ENOENT);
	int fd = 12345;
	CHECK_EQ(proc_spawn(argv, true, &fd), -ENOENT);
	CHECK_EQ(fd, 12345);
	char *abs[] = {"/nonexistent/illan-no-such-program", NULL};
	CHECK_EQ(proc_run(abs, true, &out), -ENOENT);
	char *not_exec[] = {"/dev/null", NULL};
	CHECK_EQ(proc_run(not_exec, true, &out), -EACCES);
	CHECK_EQ(open_fds(), fds);
	CHECK(no_children());
}

TEST(child_inherits_no_runner_fd)
{
	char buf[256];
	struct proc_out out = {.buf = buf, .size = sizeof(buf)};
	/* ls lists the shell's fds (the trailing ':' keeps the shell from
	 * exec'ing ls in its place). */
	char *argv[] = {"sh", "-c", "ls /proc/$$/fd; :", NULL};
	CHECK_EQ(proc_run(argv, true, &out), 0);
	REQUIRE(!out.truncated);
	bool saw[3] = {false, false, false};
	for (char *s = buf; *s;) {
		int fd = (int)strtol(s, &s, 10);
		while (*s == '\n')
			s++;
		if (fd <= 2) {
			saw[fd] = true;
			continue;
		}
		/* Anything else must be one of ours that we let children have
		 * (open here, without close-on-exec): the runner's fds are
		 * closed by now. */
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0 || (flags & FD_CLOEXEC))
			TEST_FAILF("the child had fd %d", fd);
	}
	CHECK(saw[0] && saw[1] && saw[2]);
}

TEST(spawn_hands_over_the_stdout_pipe)
{
	int fds = open_fds();
	int fd = -1;
	char *argv[] = {"echo", "ready", NULL};
	pid_t pid = proc_spawn(argv, true, &fd);
	REQUIRE(pid > 0);
	REQUIRE(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	char buf[16] = {0};
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	CHECK_EQ(n, 6);
	CHECK(strcmp(buf, "ready\n") == 0);
	close(fd);
	CHECK_EQ(proc_wait(pid), 0);
	CHECK_EQ(open_fds(), fds);
	CHECK(no_children());
}

TEST(stdin_is_dev_null)
{
	char buf[16];
	struct proc_out out = {.buf = buf, .size = sizeof(buf)};
	/* cat of /dev/null ends at once with nothing, whatever our stdin is */
	char *argv[] = {"cat", NULL};
	CHECK_EQ(proc_run(argv, true, &out), 0);
	CHECK_U64(out.total, 0);
}

TEST_MAIN()
