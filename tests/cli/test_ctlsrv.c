/*
 * test_ctlsrv.c — the control socket's server (src/cli/ctlsrv.c) on a real
 * event loop and a real unix socket in a private directory, no root:
 *  - the request parser on every shape of request (newline, CRLF, none, a
 *    word another extends, end of input, too long);
 *  - nothing a client does stalls the loop: a 1 ms "data path" timer keeps
 *    ticking on time while idle clients, a client sending a byte now and
 *    then, a flood of connections and a client that never reads its answer
 *    do their worst — and a well-behaved client is still answered;
 *  - "stats" without a newline is answered after the settle time, "status"
 *    at once, any request at end of input;
 *  - the limits: the oldest idle connection makes room for a newcomer, a
 *    newcomer is refused when every slot is answering, slow requests and
 *    unread answers time out, a long answer arrives whole over many
 *    partial writes, a long request is refused; no fd is leaked.
 * Clients are nonblocking sockets driven between loop steps, so one thread
 * plays both sides and every timing is measured on the loop's clock.
 */
#include "cli/ctlsrv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ev/ev.h"
#include "test.h"

static const char *const words[] = {"status", "stats", "stats-json", "big", NULL};
#define BIG_SIZE (4u << 20)

static void answer(void *arg, unsigned cmd, FILE *out)
{
	(void)arg;
	switch (cmd) {
	case 0:
		fputs("ok status\n", out);
		break;
	case 1:
		fputs("ok stats\n", out);
		break;
	case 2:
		fputs("{}\n", out);
		break;
	default: {
		static char *big;
		if (!big) {
			big = malloc(BIG_SIZE);
			for (uint32_t i = 0; big && i < BIG_SIZE; i++)
				big[i] = (char)('a' + (int)(i * 7 % 26));
		}
		if (big)
			fwrite(big, 1, BIG_SIZE, out);
		break;
	}
	}
}

static struct ev_loop *loop;
static struct ctlsrv *srv;
static char dir[64], sock_path[96];

/* The "data path": a timer every millisecond, recording how late it ran. */
static struct ev_timer tick;
static uint64_t tick_period = 1000000, tick_worst, tick_count;
static void on_tick(struct ev_timer *t)
{
	uint64_t now = ev_now(loop);
	uint64_t late = now - t->when_ns;
	if (late > tick_worst)
		tick_worst = late;
	tick_count++;
	ev_timer_arm(loop, t, now + tick_period);
}

static void setup(const struct ctlsrv_limits *lim)
{
	loop = ev_loop_create(EV_CLOCK_MONOTONIC);
	REQUIRE(loop);
	snprintf(dir, sizeof(dir), "/tmp/illan-ctlsrv.XXXXXX");
	REQUIRE(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	srv = ctlsrv_create(loop, lim, words, answer, NULL);
	REQUIRE(srv);
	REQUIRE(ctlsrv_listen(srv, sock_path) == 0);
	ev_timer_init(&tick, on_tick);
	tick_worst = tick_count = 0;
	ev_timer_arm(loop, &tick, ev_now(loop) + tick_period);
}

static void teardown(void)
{
	ev_timer_cancel(loop, &tick);
	ctlsrv_destroy(srv);
	ev_loop_destroy(loop);
	unlink(sock_path);
	rmdir(dir);
}

/* Run the loop for ms milliseconds of its clock. */
static void run_for(unsigned ms)
{
	uint64_t end = ev_now(loop) + (uint64_t)ms * 1000000;
	while (ev_now(loop) < end)
		ev_run_once(loop, 1000000);
}

static int cl_connect(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void cl_send(int fd, const char *s)
{
	REQUIRE(send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s));
}

/* Read fd until EOF, running the loop in between, for at most ms. Returns
 * the bytes read (-1 if no EOF came); *t_ms gets how long it took. */
static ssize_t cl_read(int fd, char *buf, size_t cap, unsigned ms, double *t_ms)
{
	uint64_t t0 = ev_now(loop), end = t0 + (uint64_t)ms * 1000000;
	size_t got = 0;
	while (ev_now(loop) < end) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n == 0) {
			if (t_ms)
				*t_ms = (double)(ev_now(loop) - t0) / 1e6;
			return (ssize_t)got;
		}
		if (n > 0) {
			got += (size_t)n;
			if (got == cap)
				return -1;
			continue;
		}
		if (errno != EAGAIN)
			return -1;
		ev_run_once(loop, 1000000);
	}
	return -1;
}

/* A request and its whole answer, as a client that behaves. */
static bool ask(const char *req, const char *want, unsigned ms)
{
	int fd = cl_connect();
	if (fd < 0)
		return false;
	cl_send(fd, req);
	char buf[256];
	ssize_t n = cl_read(fd, buf, sizeof(buf) - 1, ms, NULL);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = 0;
	if (strcmp(buf, want) != 0)
		printf("# asked '%s', got '%s'\n", req, buf);
	return strcmp(buf, want) == 0;
}

static unsigned open_fds(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

TEST(parse_shapes)
{
	size_t len = 99;
	CHECK_EQ(ctlsrv_parse("status\n", 7, false, words, &len), CTLSRV_DONE);
	CHECK_EQ(len, 6);
	CHECK_EQ(ctlsrv_parse("stats\r\nxyz", 10, false, words, &len), CTLSRV_DONE);
	CHECK_EQ(len, 5);
	CHECK_EQ(ctlsrv_parse("status", 6, false, words, &len), CTLSRV_DONE);
	CHECK_EQ(ctlsrv_parse("stats-json", 10, false, words, &len), CTLSRV_DONE);
	CHECK_EQ(len, 10);
	CHECK_EQ(ctlsrv_parse("stats", 5, false, words, &len), CTLSRV_SETTLE);
	CHECK_EQ(len, 5);
	CHECK_EQ(ctlsrv_parse("stats", 5, true, words, &len), CTLSRV_DONE);
	CHECK_EQ(ctlsrv_parse("stats-", 6, false, words, &len), CTLSRV_MORE);
	CHECK_EQ(ctlsrv_parse("sta", 3, false, words, &len), CTLSRV_MORE);
	CHECK_EQ(ctlsrv_parse("", 0, false, words, &len), CTLSRV_MORE);
	CHECK_EQ(ctlsrv_parse("", 0, true, words, &len), CTLSRV_DONE);
	CHECK_EQ(len, 0);
	CHECK_EQ(ctlsrv_parse("xyz", 3, true, words, &len), CTLSRV_DONE);
	CHECK_EQ(len, 3);
	CHECK_EQ(ctlsrv_parse("st\0tus\n", 7, false, words, &len), CTLSRV_DONE);
	CHECK_EQ(ctlsrv_lookup(words, "st\0tus", 6), -1);
	char big[CTLSRV_REQ_MAX];
	memset(big, 'a', sizeof(big));
	CHECK_EQ(ctlsrv_parse(big, sizeof(big) - 1, false, words, &len), CTLSRV_MORE);
	CHECK_EQ(ctlsrv_parse(big, sizeof(big), false, words, &len), CTLSRV_TOO_LONG);
	big[sizeof(big) - 1] = '\n';
	CHECK_EQ(ctlsrv_parse(big, sizeof(big), false, words, &len), CTLSRV_DONE);
	CHECK_EQ(len, CTLSRV_REQ_MAX - 1);
}

TEST(answers_without_newline)
{
	setup(NULL);
	CHECK(ask("status\n", "ok status\n", 1000));
	CHECK(ask("stats\r\n", "ok stats\n", 1000));
	CHECK(ask("stats-json\n", "{}\n", 1000));
	/* No newline: "status" is complete at once, "stats" after the settle
	 * time (it might have become "stats-json"), both far inside the
	 * request deadline. */
	double t;
	char buf[64];
	int fd = cl_connect();
	cl_send(fd, "status");
	ssize_t n = cl_read(fd, buf, sizeof(buf), 1000, &t);
	close(fd);
	CHECK(n == 10 && memcmp(buf, "ok status\n", 10) == 0);
	printf("# 'status' without newline answered in %.1f ms\n", t);
	CHECK(t < 200);
	fd = cl_connect();
	cl_send(fd, "stats");
	n = cl_read(fd, buf, sizeof(buf), 1000, &t);
	close(fd);
	CHECK(n == 9 && memcmp(buf, "ok stats\n", 9) == 0);
	printf("# 'stats' without newline answered in %.1f ms (settle %d ms)\n", t, CTLSRV_SETTLE_MS);
	CHECK(t >= CTLSRV_SETTLE_MS - 1 && t < 300);
	/* "stats" then "-json" a moment later is still stats-json. */
	fd = cl_connect();
	cl_send(fd, "stats");
	run_for(2);
	cl_send(fd, "-json");
	n = cl_read(fd, buf, sizeof(buf), 1000, NULL);
	close(fd);
	CHECK(n == 3 && memcmp(buf, "{}\n", 3) == 0);
	/* End of input completes any request at once. */
	fd = cl_connect();
	cl_send(fd, "stats");
	shutdown(fd, SHUT_WR);
	n = cl_read(fd, buf, sizeof(buf), 1000, &t);
	close(fd);
	CHECK(n == 9 && t < CTLSRV_SETTLE_MS);
	/* Unknown words are named, with control bytes blunted. */
	CHECK(ask("st\x1b[2Jx\n", "error: unknown command 'st?[2Jx'\n", 1000));
	fd = cl_connect();
	cl_send(fd, "nonsense");
	shutdown(fd, SHUT_WR);
	n = cl_read(fd, buf, sizeof(buf) - 1, 1000, NULL);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strcmp(buf, "error: unknown command 'nonsense'\n") == 0);
	const struct ctlsrv_stats *st = ctlsrv_get_stats(srv);
	CHECK_U64(st->ctl_requests, 9);
	CHECK_U64(st->ctl_unknown, 2);
	run_for(5);
	CHECK_EQ(ctlsrv_n_conns(srv), 0);
	teardown();
}

TEST(no_client_stalls_the_loop)
{
	struct ctlsrv_limits lim;
	ctlsrv_limits_default(&lim);
	lim.req_timeout_ns = 1500ull * 1000000;
	setup(&lim);
	unsigned fds0 = open_fds();
	/* Ten idle connections (the probe's "ten make stats fail"). */
	int idle[10];
	for (int i = 0; i < 10; i++)
		idle[i] = cl_connect();
	/* One that sends a byte every 100 ms, forever if it were let. */
	int slow = cl_connect();
	/* One that asks for 4 MiB and does not read. */
	int lazy = cl_connect();
	cl_send(lazy, "big\n");
	uint64_t t_end = ev_now(loop) + 1200ull * 1000000;
	unsigned sent = 0;
	uint64_t next_byte = ev_now(loop);
	bool asked_ok = true;
	unsigned asks = 0;
	while (ev_now(loop) < t_end) {
		if (ev_now(loop) >= next_byte) {
			if (send(slow, "s", 1, MSG_NOSIGNAL) == 1)
				sent++;
			next_byte += 100ull * 1000000;
		}
		/* A well-behaved client keeps being answered meanwhile. */
		asked_ok &= ask("status\n", "ok status\n", 500);
		asks++;
		ev_run_once(loop, 1000000);
	}
	printf("# %u answers to a good client, %u ticks, worst tick %.1f ms late, slow client sent %u bytes\n",
	       asks, (unsigned)tick_count, (double)tick_worst / 1e6, sent);
	CHECK(asked_ok);
	CHECK(asks > 50);
	/* 1 ms ticks over 1.2 s: a loop that blocked on a client for even a
	 * tenth of a second would show it here (generous for a busy box). */
	CHECK(tick_worst < 250ull * 1000000);
	CHECK(tick_count > 300);
	/* Past the request deadline the slow and idle ones are gone, however
	 * many bytes came. */
	run_for(500);
	const struct ctlsrv_stats *st = ctlsrv_get_stats(srv);
	printf("# timeouts %llu, open %llu\n", (unsigned long long)st->ctl_timeouts,
	       (unsigned long long)st->ctl_open);
	CHECK_U64(st->ctl_timeouts, 11);
	char buf[128];
	ssize_t n = cl_read(slow, buf, sizeof(buf) - 1, 100, NULL);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strstr(buf, "error: no complete request") == buf);
	for (int i = 0; i < 10; i++)
		close(idle[i]);
	close(slow);
	close(lazy);
	run_for(20);
	CHECK_EQ(ctlsrv_n_conns(srv), 0);
	CHECK_EQ(open_fds(), fds0);
	teardown();
}

TEST(flood_of_connections)
{
	struct ctlsrv_limits lim;
	ctlsrv_limits_default(&lim);
	lim.max_conns = 4;
	setup(&lim);
	unsigned fds0 = open_fds();
	/* 200 connections at once: the backlog holds them, the server keeps
	 * at most 4, closing the oldest idle ones to admit the newest. */
	int fds[200];
	unsigned connected = 0;
	for (int i = 0; i < 200; i++) {
		fds[i] = cl_connect();
		if (fds[i] >= 0)
			connected++;
		if (i % 16 == 0)
			ev_run_once(loop, 0);
	}
	printf("# %u of 200 connected\n", connected);
	CHECK(connected >= 100);
	run_for(50);
	const struct ctlsrv_stats *st = ctlsrv_get_stats(srv);
	CHECK_EQ(ctlsrv_n_conns(srv), 4);
	CHECK_U64(st->ctl_evicted, connected - 4);
	/* The oldest were closed; the newest four are alive and answered. */
	char buf[128];
	CHECK_EQ(cl_read(fds[0], buf, sizeof(buf), 50, NULL), 0);
	int last = 199;
	while (fds[last] < 0)
		last--;
	cl_send(fds[last], "status\n");
	CHECK_EQ(cl_read(fds[last], buf, sizeof(buf), 500, NULL), 10);
	for (int i = 0; i < 200; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	run_for(20);
	CHECK_EQ(ctlsrv_n_conns(srv), 0);
	/* Every slot answering (4 unread 4 MiB answers): a newcomer is
	 * refused with a word, the answers go on. */
	int lazy[4];
	for (int i = 0; i < 4; i++) {
		lazy[i] = cl_connect();
		cl_send(lazy[i], "big\n");
	}
	run_for(50);
	int late = cl_connect();
	run_for(20);
	ssize_t n = cl_read(late, buf, sizeof(buf) - 1, 200, NULL);
	buf[n > 0 ? n : 0] = 0;
	if (n <= 0 || strstr(buf, "error: busy") != buf)
		printf("# late client read %zd bytes: '%s'\n", n, buf);
	CHECK(n > 0 && strstr(buf, "error: busy") == buf);
	CHECK_U64(st->ctl_refused, 1);
	close(late);
	/* A slow reader still gets every byte of its answer. */
	char *all = malloc(BIG_SIZE + 1);
	REQUIRE(all);
	n = cl_read(lazy[0], all, BIG_SIZE + 1, 5000, NULL);
	CHECK_EQ(n, BIG_SIZE);
	bool same = n == BIG_SIZE;
	for (uint32_t i = 0; same && i < BIG_SIZE; i++)
		same = all[i] == 'a' + (int)(i * 7 % 26);
	CHECK(same);
	free(all);
	for (int i = 0; i < 4; i++)
		close(lazy[i]);
	run_for(20);
	CHECK_EQ(ctlsrv_n_conns(srv), 0);
	CHECK_EQ(open_fds(), fds0);
	teardown();
}

TEST(timeouts_and_long_requests)
{
	struct ctlsrv_limits lim;
	ctlsrv_limits_default(&lim);
	lim.req_timeout_ns = 200ull * 1000000;
	lim.write_timeout_ns = 300ull * 1000000;
	setup(&lim);
	const struct ctlsrv_stats *st = ctlsrv_get_stats(srv);
	/* An answer nobody reads is dropped at the write deadline. */
	int lazy = cl_connect();
	cl_send(lazy, "big\n");
	run_for(150);
	CHECK_EQ(ctlsrv_n_conns(srv), 1);
	run_for(250);
	CHECK_EQ(ctlsrv_n_conns(srv), 0);
	CHECK_U64(st->ctl_timeouts, 1);
	close(lazy);
	/* A request that never ends in time. */
	int idle = cl_connect();
	cl_send(idle, "sta");
	run_for(300);
	CHECK_EQ(ctlsrv_n_conns(srv), 0);
	CHECK_U64(st->ctl_timeouts, 2);
	close(idle);
	/* A request longer than the limit. */
	char big[CTLSRV_REQ_MAX + 10];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	int fd = cl_connect();
	cl_send(fd, big);
	char buf[128];
	ssize_t n = cl_read(fd, buf, sizeof(buf) - 1, 500, NULL);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strstr(buf, "error: request too long") == buf);
	CHECK_U64(st->ctl_too_long, 1);
	close(fd);
	/* A client that leaves before its answer. */
	fd = cl_connect();
	cl_send(fd, "big\n");
	close(fd);
	run_for(50);
	CHECK_EQ(ctlsrv_n_conns(srv), 0);
	teardown();
}

TEST(adopted_socketpair)
{
	setup(NULL);
	int sv[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	REQUIRE(ctlsrv_adopt(srv, sv[0]) == 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	cl_send(sv[1], "stats-json\n");
	char buf[16];
	CHECK_EQ(cl_read(sv[1], buf, sizeof(buf), 500, NULL), 3);
	close(sv[1]);
	CHECK_EQ(ctlsrv_adopt(srv, -1), -EBADF);
	teardown();
}

TEST_MAIN()
