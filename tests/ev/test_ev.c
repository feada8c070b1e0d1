/* test_ev.c — the event loop: task FIFO and idempotent scheduling, timer
 * order on the virtual clock, cancel, re-arm, deadlines, fds on a monotonic loop. */
#include <sys/epoll.h>
#include <unistd.h>
#include "ev/ev.h"
#include "test.h"

static struct ev_loop *g_loop;
static char order[64];
static unsigned n_order;

struct rec_task { struct ev_task t; char tag; };
struct rec_timer { struct ev_timer t; char tag; uint64_t fired_at; };

static void rec_task_fn(struct ev_task *t)
{
	struct rec_task *r = (struct rec_task *)t;
	order[n_order++] = r->tag;
}

static void rec_timer_fn(struct ev_timer *t)
{
	struct rec_timer *r = (struct rec_timer *)t;
	order[n_order++] = r->tag;
	r->fired_at = ev_now(g_loop);
}

TEST(tasks_run_fifo_and_schedule_is_idempotent)
{
	g_loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(g_loop);
	n_order = 0;
	struct rec_task a = {.tag = 'a'}, b = {.tag = 'b'}, c = {.tag = 'c'};
	ev_task_init(&a.t, rec_task_fn);
	ev_task_init(&b.t, rec_task_fn);
	ev_task_init(&c.t, rec_task_fn);
	ev_task_schedule(g_loop, &a.t);
	ev_task_schedule(g_loop, &b.t);
	ev_task_schedule(g_loop, &a.t); /* already queued: no second run */
	ev_task_schedule(g_loop, &c.t);
	ev_task_cancel(g_loop, &b.t);
	CHECK_EQ(ev_run_once(g_loop, 0), 2);
	CHECK_EQ(n_order, 2);
	CHECK(order[0] == 'a' && order[1] == 'c');
	CHECK_EQ(ev_run_once(g_loop, 0), 0);
	ev_loop_destroy(g_loop);
}

TEST(virtual_timers_fire_in_time_order_and_clock_jumps)
{
	g_loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(g_loop);
	n_order = 0;
	struct rec_timer t[5];
	const uint64_t when[5] = {500, 100, 300, 300, 200};
	for (int i = 0; i < 5; i++) {
		t[i].tag = (char)('0' + i);
		ev_timer_init(&t[i].t, rec_timer_fn);
		CHECK_EQ(ev_timer_arm(g_loop, &t[i].t, when[i]), 0);
	}
	ev_timer_arm(g_loop, &t[0].t, 50); /* re-arm earlier */
	ev_timer_cancel(g_loop, &t[3].t);
	CHECK(!ev_timer_armed(&t[3].t));
	CHECK(!ev_run_until(g_loop, NULL, NULL, UINT64_MAX));
	CHECK_EQ(n_order, 4);
	CHECK(order[0] == '0' && order[1] == '1' && order[2] == '4' && order[3] == '2');
	CHECK_U64(t[0].fired_at, 50);
	CHECK_U64(t[2].fired_at, 300);
	CHECK_U64(ev_now(g_loop), 300);
	ev_loop_destroy(g_loop);
}

static unsigned stop_after;
static bool stop_fn(void *arg)
{
	(void)arg;
	return n_order >= stop_after;
}

static void rearm_fn(struct ev_timer *t)
{
	order[n_order++ % 64] = 'r';
	ev_timer_arm(g_loop, t, ev_now(g_loop) + 1000);
}

TEST(run_until_stops_on_predicate_and_deadline)
{
	g_loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(g_loop);
	n_order = 0;
	struct ev_timer t;
	ev_timer_init(&t, rearm_fn);
	ev_timer_arm(g_loop, &t, 1000);
	stop_after = 3;
	CHECK(ev_run_until(g_loop, stop_fn, NULL, UINT64_MAX));
	CHECK_EQ(n_order, 3);
	CHECK_U64(ev_now(g_loop), 3000);
	stop_after = 1000;
	CHECK(!ev_run_until(g_loop, stop_fn, NULL, 10500));
	CHECK_U64(ev_now(g_loop), 10500);
	CHECK_EQ(n_order, 10);
	ev_timer_cancel(g_loop, &t);
	ev_loop_destroy(g_loop);
}

TEST(many_timers_heap_order)
{
	g_loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(g_loop);
	enum { N = 1000 };
	static struct rec_timer t[N];
	uint64_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t[i].tag = 'x';
		ev_timer_init(&t[i].t, rec_timer_fn);
		ev_timer_arm(g_loop, &t[i].t, (x >> 33) % 100000 + 1);
	}
	for (int i = 0; i < N; i += 3)
		ev_timer_cancel(g_loop, &t[i].t);
	n_order = 0;
	uint64_t last = 0;
	bool sorted = true;
	while (ev_run_once(g_loop, 0)) {
		if (ev_now(g_loop) < last)
			sorted = false;
		last = ev_now(g_loop);
		n_order = 0;
	}
	CHECK(sorted);
	for (int i = 0; i < N; i++)
		CHECK(!ev_timer_armed(&t[i].t));
	ev_loop_destroy(g_loop);
}

static int fd_hits;
static void fd_fn(struct ev_fd *w, uint32_t events)
{
	char buf[16];
	if (events & EPOLLIN && read(w->fd, buf, sizeof(buf)) > 0)
		fd_hits++;
}

TEST(monotonic_loop_watches_fds)
{
	struct ev_loop *loop = ev_loop_create(EV_CLOCK_MONOTONIC);
	REQUIRE(loop);
	int p[2];
	REQUIRE(pipe(p) == 0);
	struct ev_fd w = {.fn = fd_fn};
	CHECK_EQ(ev_fd_add(loop, &w, p[0], EPOLLIN), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	fd_hits = 0;
	ev_run_once(loop, 1000000000ull);
	CHECK_EQ(fd_hits, 1);
	ev_fd_del(loop, &w);
	close(p[0]);
	close(p[1]);
	struct ev_loop *v = ev_loop_create(EV_CLOCK_VIRTUAL);
	CHECK(ev_fd_add(v, &w, 0, EPOLLIN) < 0); /* no fds on a virtual clock */
	ev_loop_destroy(v);
	ev_loop_destroy(loop);
}

TEST_MAIN()
