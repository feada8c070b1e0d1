/* test_ev.c — the event loop: task FIFO and idempotent scheduling, timers
 * firing exactly at their deadlines in deadline order on the virtual clock,
 * cancel (also from another timer's callback at the same instant), re-arm,
 * run deadlines, fds on a monotonic loop. */
#include <sys/epoll.h>
#include <unistd.h>
#include "ev/ev.h"
#include "test.h"

static struct ev_loop *g_loop;
static char order[64];
static unsigned n_order;

struct rec_task {
	struct ev_task t;
	char tag;
};

/* A timer that records when it fired against the deadline it was armed for,
 * and may cancel another timer from its callback. */
struct rec_timer {
	struct ev_timer t;
	char tag;
	uint64_t deadline; /* what it was (last) armed for */
	uint64_t fired_at;
	unsigned fires;
	struct rec_timer *victim; /* cancelled by this timer's callback */
};

/* Deadlines in the order the timers fired. */
static uint64_t fired_deadlines[1024];
static unsigned n_fired;

static void rec_task_fn(struct ev_task *t)
{
	struct rec_task *r = (struct rec_task *)t;
	order[n_order++] = r->tag;
}

static void rec_timer_fn(struct ev_timer *t)
{
	struct rec_timer *r = (struct rec_timer *)t;
	order[n_order++ % 64] = r->tag;
	r->fired_at = ev_now(g_loop);
	r->fires++;
	if (n_fired < 1024)
		fired_deadlines[n_fired++] = r->deadline;
	if (r->victim)
		ev_timer_cancel(g_loop, &r->victim->t);
}

static void rec_timer_arm(struct rec_timer *r, uint64_t when)
{
	r->deadline = when;
	CHECK_EQ(ev_timer_arm(g_loop, &r->t, when), 0);
}

static void rec_timer_init(struct rec_timer *r, char tag)
{
	*r = (struct rec_timer){.tag = tag};
	ev_timer_init(&r->t, rec_timer_fn);
}

/* Every timer that fired did so once, exactly at its deadline, and the
 * deadlines came in order. (ev.h promises nothing about timers with equal
 * deadlines, and the heap does not keep their arming order, so ties are
 * checked for time only.) */
static void check_fired_in_deadline_order(void)
{
	for (unsigned i = 1; i < n_fired; i++)
		if (fired_deadlines[i] < fired_deadlines[i - 1])
			TEST_FAILF("deadline %llu fired after %llu",
				   (unsigned long long)fired_deadlines[i],
				   (unsigned long long)fired_deadlines[i - 1]);
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

TEST(virtual_timers_fire_at_their_deadlines_in_order)
{
	g_loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(g_loop);
	n_order = 0;
	n_fired = 0;
	struct rec_timer t[5];
	const uint64_t when[5] = {500, 100, 300, 300, 200};
	for (int i = 0; i < 5; i++) {
		rec_timer_init(&t[i], (char)('0' + i));
		rec_timer_arm(&t[i], when[i]);
	}
	rec_timer_arm(&t[0], 50); /* re-arm earlier: fires once, at 50 only */
	ev_timer_cancel(g_loop, &t[3].t);
	CHECK(!ev_timer_armed(&t[3].t));
	CHECK(!ev_run_until(g_loop, NULL, NULL, UINT64_MAX));
	CHECK_EQ(n_fired, 4);
	check_fired_in_deadline_order();
	CHECK(order[0] == '0' && order[1] == '1' && order[2] == '4' && order[3] == '2');
	for (int i = 0; i < 5; i++) {
		if (i == 3)
			continue;
		CHECK_EQ(t[i].fires, 1);
		CHECK_U64(t[i].fired_at, t[i].deadline);
	}
	CHECK_EQ(t[3].fires, 0); /* cancelled: never fires */
	CHECK_U64(t[0].fired_at, 50);
	CHECK_U64(ev_now(g_loop), 300);
	ev_loop_destroy(g_loop);
}

TEST(timer_cancelled_by_another_at_the_same_instant_never_fires)
{
	g_loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(g_loop);
	n_order = 0;
	n_fired = 0;
	/* x and y share a deadline and each cancels the other: whichever the
	 * loop runs first, the other must not run. z (same instant, armed
	 * before both) is cancelled by w, which is due earlier; v, due later,
	 * is cancelled by both x and y. */
	struct rec_timer x, y, z, w, v;
	rec_timer_init(&z, 'z');
	rec_timer_init(&x, 'x');
	rec_timer_init(&y, 'y');
	rec_timer_init(&w, 'w');
	rec_timer_init(&v, 'v');
	x.victim = &y;
	y.victim = &x;
	w.victim = &z;
	rec_timer_arm(&z, 1000);
	rec_timer_arm(&x, 1000);
	rec_timer_arm(&y, 1000);
	rec_timer_arm(&w, 999);
	rec_timer_arm(&v, 2000);
	struct rec_timer v_killer;
	rec_timer_init(&v_killer, 'k');
	v_killer.victim = &v;
	rec_timer_arm(&v_killer, 1000);
	CHECK(!ev_run_until(g_loop, NULL, NULL, UINT64_MAX));
	CHECK_EQ(w.fires, 1);
	CHECK_U64(w.fired_at, 999);
	CHECK_EQ(z.fires, 0);
	CHECK_EQ(x.fires + y.fires, 1); /* exactly one of the pair */
	CHECK_U64(x.fires ? x.fired_at : y.fired_at, 1000);
	CHECK(!ev_timer_armed(&x.t) && !ev_timer_armed(&y.t));
	CHECK_EQ(v_killer.fires, 1);
	CHECK_EQ(v.fires, 0);
	CHECK_U64(ev_now(g_loop), 1000); /* nothing was left to jump to */
	CHECK_EQ(n_fired, 3);
	check_fired_in_deadline_order();
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

TEST(many_timers_fire_at_their_deadlines_in_order)
{
	g_loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(g_loop);
	enum { N = 1000 };
	static struct rec_timer t[N];
	uint64_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		rec_timer_init(&t[i], 'x');
		/* a narrow range, so many deadlines are shared */
		rec_timer_arm(&t[i], (x >> 33) % 700 + 1);
	}
	for (int i = 1; i < N; i += 7)
		rec_timer_arm(&t[i], t[i].deadline + 50); /* re-armed later: old time void */
	for (int i = 0; i < N; i += 3)
		ev_timer_cancel(g_loop, &t[i].t); /* some of them re-armed first */
	n_order = 0;
	n_fired = 0;
	while (ev_run_once(g_loop, 0))
		;
	unsigned expect = 0;
	for (int i = 0; i < N; i++) {
		CHECK(!ev_timer_armed(&t[i].t));
		if (i % 3 == 0) {
			CHECK_EQ(t[i].fires, 0);
			continue;
		}
		expect++;
		CHECK_EQ(t[i].fires, 1);
		CHECK_U64(t[i].fired_at, t[i].deadline);
	}
	CHECK_EQ(n_fired, expect);
	check_fired_in_deadline_order();
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
