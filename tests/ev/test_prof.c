/*
 * test_prof.c — the section profiler (src/ev/prof.h): sections register on
 * first entry with profiling on, nested time is subtracted from the parent,
 * bytes go where they are charged, the event loop charges a task to the
 * section it carries, PROF_SCOPE closes on every return, and copied bytes
 * are charged to the innermost section (or outside any).
 */
#include <time.h>

#include "ev/ev.h"
#include "ev/prof.h"
#include "test.h"

static struct prof_section sec_a = PROF_SECTION_INIT("a");
static struct prof_section sec_b = PROF_SECTION_INIT("b");
static struct prof_section sec_task = PROF_SECTION_INIT("task");
static struct prof_section sec_scope = PROF_SECTION_INIT("scope");

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void spin(uint64_t ns)
{
	uint64_t end = mono_ns() + ns;
	while (mono_ns() < end)
		;
}

static int index_of(const struct prof_section *s)
{
	for (unsigned i = 0; i < prof_n_sections(); i++)
		if (prof_section_at(i) == s)
			return (int)i;
	return -1;
}

TEST(sections_register_on_first_entry_while_enabled)
{
	prof_enabled = false;
	prof_enter(&sec_b);
	prof_exit(&sec_b, 1);
	CHECK_EQ(index_of(&sec_b), -1); /* off: not even seen */
	CHECK_U64(sec_b.calls, 0);
	prof_enabled = true;
	prof_enter(&sec_a);
	prof_enter(&sec_b);
	prof_exit(&sec_b, 0);
	prof_exit(&sec_a, 0);
	prof_enter(&sec_a);
	prof_exit(&sec_a, 0);
	prof_enabled = false;
	CHECK_EQ(index_of(&sec_a), 0);
	CHECK_EQ(index_of(&sec_b), 1);
	CHECK_EQ(prof_n_sections(), 2);
	CHECK(prof_section_at(2) == NULL);
	CHECK_U64(sec_a.calls, 2);
	CHECK_U64(sec_b.calls, 1);
	prof_reset();
	CHECK_U64(sec_a.calls, 0);
	CHECK_U64(sec_a.ns, 0);
	CHECK_EQ(prof_n_sections(), 2); /* reset keeps the registry */
}

TEST(nested_time_is_subtracted_from_the_parent)
{
	prof_reset();
	prof_enabled = true;
	uint64_t t0 = mono_ns();
	prof_enter(&sec_a);
	spin(1000000);
	prof_enter(&sec_b);
	spin(5000000);
	prof_exit(&sec_b, 100);
	prof_exit(&sec_a, 7);
	uint64_t wall = mono_ns() - t0;
	prof_enabled = false;
	CHECK(sec_b.ns >= 5000000);
	CHECK(sec_a.ns >= 1000000);
	/* inclusive time would count the child's 5 ms twice */
	CHECK(sec_a.ns + sec_b.ns <= wall);
	CHECK_U64(sec_a.bytes, 7);
	CHECK_U64(sec_b.bytes, 100);
}

TEST(null_section_is_nothing_and_bytes_go_to_the_innermost)
{
	prof_reset();
	prof_enabled = true;
	prof_add_bytes(99); /* nothing open: ignored */
	prof_enter(&sec_a);
	prof_enter(NULL);
	prof_add_bytes(5);
	prof_exit(NULL, 1000);
	prof_enter(&sec_b);
	prof_add_bytes(3);
	prof_exit(&sec_b, 0);
	prof_add_bytes(2);
	prof_exit(&sec_a, 0);
	prof_enabled = false;
	CHECK_U64(sec_a.bytes, 7);
	CHECK_U64(sec_b.bytes, 3);
	CHECK_U64(sec_a.calls, 1);
}

struct counted_task {
	struct ev_task t;
	unsigned runs;
};

static void task_fn(struct ev_task *t)
{
	struct counted_task *c = (struct counted_task *)t;
	c->runs++;
	prof_add_bytes(10);
}

TEST(the_loop_charges_a_task_to_its_section)
{
	struct ev_loop *loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(loop);
	struct counted_task with = {0}, without = {0};
	ev_task_init(&with.t, task_fn);
	ev_task_set_prof(&with.t, &sec_task);
	ev_task_init(&without.t, task_fn);
	prof_reset();
	prof_enabled = true;
	for (int i = 0; i < 3; i++) {
		ev_task_schedule(loop, &with.t);
		ev_task_schedule(loop, &without.t);
		ev_run_once(loop, 0);
	}
	prof_enabled = false;
	CHECK_EQ(with.runs, 3);
	CHECK_EQ(without.runs, 3);
	CHECK_U64(sec_task.calls, 3);
	CHECK_U64(sec_task.bytes, 30); /* the other task's bytes went nowhere */
	CHECK(index_of(&sec_task) >= 0);
	ev_loop_destroy(loop);
}

static int scoped(int early, unsigned len)
{
	PROF_SCOPE(scope, &sec_scope, 1);
	if (early)
		return -1;
	scope.bytes = len;
	prof_enter(&sec_b);
	prof_exit(&sec_b, 0);
	return 0;
}

TEST(scope_closes_on_every_return)
{
	prof_reset();
	prof_enabled = true;
	CHECK_EQ(scoped(1, 50), -1);
	CHECK_EQ(scoped(0, 50), 0);
	prof_add_bytes(4); /* both scopes closed: nothing open */
	prof_enabled = false;
	CHECK_U64(sec_scope.calls, 2);
	CHECK_U64(sec_scope.bytes, 51);
	CHECK_U64(sec_b.calls, 1);
}

TEST(copies_go_to_the_innermost_section_or_outside)
{
	prof_enabled = true;
	prof_reset();
	prof_copied(7); /* nothing open */
	prof_enter(&sec_a);
	prof_copied(100);
	prof_enter(&sec_b);
	prof_copied(1000);
	prof_exit(&sec_b, 0);
	prof_copied(10);
	prof_exit(&sec_a, 0);
	prof_enabled = false;
	prof_copied(50000); /* off: not counted */
	CHECK_U64(sec_a.copied, 110);
	CHECK_U64(sec_b.copied, 1000);
	CHECK_U64(prof_copied_outside, 7);
	prof_reset();
	CHECK_U64(sec_a.copied, 0);
	CHECK_U64(sec_b.copied, 0);
	CHECK_U64(prof_copied_outside, 0);
}

TEST_MAIN()
