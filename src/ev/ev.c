/*
 * ev.c — the event loop: a FIFO of deferred tasks, a binary min-heap of
 * timers, and (monotonic clock only) epoll for file descriptors.
 *
 * Serves every layer that runs work later (see ev.h). Small enough to read in
 * one sitting, like Redis' ae.c.
 */
#include "ev.h"
#include "prof.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct ev_loop {
	enum ev_clock clock;
	uint64_t virtual_now;
	struct ev_task *task_head, *task_tail;
	struct ev_timer **heap;
	uint32_t heap_len, heap_cap;
	int epfd;
	unsigned n_fds;
	volatile int stop_requested;
	bool (*check)(void *arg); /* ev_set_check: asked every EV_CHECK_EVERY tasks */
	void *check_arg;
	unsigned check_count;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ev_loop_create: see ev.h. */
struct ev_loop *ev_loop_create(enum ev_clock clock)
{
	struct ev_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->clock = clock;
	loop->epfd = -1;
	if (clock == EV_CLOCK_MONOTONIC) {
		loop->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (loop->epfd < 0) {
			free(loop);
			return NULL;
		}
	}
	return loop;
}

/* ev_loop_destroy: frees the loop; owners must have cancelled their work. */
void ev_loop_destroy(struct ev_loop *loop)
{
	if (!loop)
		return;
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop->heap);
	free(loop);
}

uint64_t ev_now(const struct ev_loop *loop)
{
	return loop->clock == EV_CLOCK_VIRTUAL ? loop->virtual_now : monotonic_ns();
}

void ev_task_init(struct ev_task *task, void (*fn)(struct ev_task *))
{
	task->fn = fn;
	task->next = NULL;
	task->queued = false;
	task->prof = NULL;
}

/* ev_task_set_prof: see ev.h. */
void ev_task_set_prof(struct ev_task *task, struct prof_section *section)
{
	task->prof = section;
}

/* Queue task at the tail unless it is already queued (as napi_schedule). */
void ev_task_schedule(struct ev_loop *loop, struct ev_task *task)
{
	if (task->queued)
		return;
	task->queued = true;
	task->next = NULL;
	if (loop->task_tail)
		loop->task_tail->next = task;
	else
		loop->task_head = task;
	loop->task_tail = task;
}

/* Unlink a queued task (O(n); tasks are few). */
void ev_task_cancel(struct ev_loop *loop, struct ev_task *task)
{
	if (!task->queued)
		return;
	struct ev_task **pp = &loop->task_head, *prev = NULL;
	while (*pp && *pp != task) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = task->next;
		if (loop->task_tail == task)
			loop->task_tail = prev;
	}
	task->queued = false;
	task->next = NULL;
}

void ev_timer_init(struct ev_timer *timer, void (*fn)(struct ev_timer *))
{
	timer->fn = fn;
	timer->when_ns = 0;
	timer->heap_index = UINT32_MAX;
}

bool ev_timer_armed(const struct ev_timer *timer)
{
	return timer->heap_index != UINT32_MAX;
}

static void heap_set(struct ev_loop *loop, uint32_t i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->heap_index = i;
}

static void heap_up(struct ev_loop *loop, uint32_t i)
{
	struct ev_timer *t = loop->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (loop->heap[parent]->when_ns <= t->when_ns)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void heap_down(struct ev_loop *loop, uint32_t i)
{
	struct ev_timer *t = loop->heap[i];
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len &&
		    loop->heap[child + 1]->when_ns < loop->heap[child]->when_ns)
			child++;
		if (loop->heap[child]->when_ns >= t->when_ns)
			break;
		heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	heap_set(loop, i, t);
}

static void heap_remove(struct ev_loop *loop, struct ev_timer *t)
{
	uint32_t i = t->heap_index;
	struct ev_timer *last = loop->heap[--loop->heap_len];
	t->heap_index = UINT32_MAX;
	if (last == t)
		return;
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_index);
}

/* Arm or re-arm timer at when_ns. Returns 0 or -ENOMEM. */
int ev_timer_arm(struct ev_loop *loop, struct ev_timer *timer, uint64_t when_ns)
{
	if (ev_timer_armed(timer))
		heap_remove(loop, timer);
	if (loop->heap_len == loop->heap_cap) {
		uint32_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct ev_timer **h = realloc(loop->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	timer->when_ns = when_ns;
	heap_set(loop, loop->heap_len++, timer);
	heap_up(loop, timer->heap_index);
	return 0;
}

void ev_timer_cancel(struct ev_loop *loop, struct ev_timer *timer)
{
	if (ev_timer_armed(timer))
		heap_remove(loop, timer);
}

int ev_fd_add(struct ev_loop *loop, struct ev_fd *w, int fd, uint32_t events)
{
	if (loop->epfd < 0)
		return -EOPNOTSUPP;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	w->fd = fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	loop->n_fds++;
	return 0;
}

int ev_fd_mod(struct ev_loop *loop, struct ev_fd *w, uint32_t events)
{
	if (loop->epfd < 0)
		return -EOPNOTSUPP;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

void ev_fd_del(struct ev_loop *loop, struct ev_fd *w)
{
	if (loop->epfd < 0)
		return;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL) == 0)
		loop->n_fds--;
}

/* Run the tasks queued now and those they queue, in FIFO order, each
 * charged to its profiler section (read first: fn may free its task). */
static unsigned run_tasks(struct ev_loop *loop)
{
	unsigned n = 0;
	while (loop->task_head) {
		struct ev_task *t = loop->task_head;
		struct prof_section *prof = t->prof;
		loop->task_head = t->next;
		if (!loop->task_head)
			loop->task_tail = NULL;
		t->next = NULL;
		t->queued = false;
		prof_enter(prof);
		t->fn(t);
		prof_exit(prof, 0);
		n++;
		/* a loop busy with tasks alone (traffic on the virtual clock)
		 * never returns to ev_run_until: ask the check between tasks */
		if (loop->check && ++loop->check_count % EV_CHECK_EVERY == 0 &&
		    loop->check(loop->check_arg)) {
			loop->stop_requested = 1;
			break;
		}
	}
	return n;
}

/* Fire every timer due at now (re-arming inside a callback is allowed). */
static unsigned run_due_timers(struct ev_loop *loop, uint64_t now)
{
	unsigned n = 0;
	while (loop->heap_len && loop->heap[0]->when_ns <= now) {
		struct ev_timer *t = loop->heap[0];
		heap_remove(loop, t);
		t->fn(t);
		n++;
	}
	return n;
}

/* ev_run_once: see ev.h. */
unsigned ev_run_once(struct ev_loop *loop, uint64_t max_wait_ns)
{
	unsigned n = run_tasks(loop);
	n += run_due_timers(loop, ev_now(loop));
	if (n)
		return n;
	if (loop->clock == EV_CLOCK_VIRTUAL) {
		if (!loop->heap_len)
			return 0;
		if (loop->heap[0]->when_ns > loop->virtual_now)
			loop->virtual_now = loop->heap[0]->when_ns;
		return run_due_timers(loop, loop->virtual_now);
	}
	uint64_t wait = max_wait_ns;
	if (loop->heap_len) {
		uint64_t now = monotonic_ns(), when = loop->heap[0]->when_ns;
		uint64_t until = when > now ? when - now : 0;
		if (until < wait)
			wait = until;
	}
	struct epoll_event evs[32];
	int timeout_ms = (int)((wait + 999999) / 1000000);
	if (wait > 3600ull * 1000000000ull)
		timeout_ms = 3600 * 1000;
	int k = epoll_wait(loop->epfd, evs, 32, timeout_ms);
	for (int i = 0; i < k; i++) {
		struct ev_fd *w = evs[i].data.ptr;
		w->fn(w, evs[i].events);
		n++;
	}
	n += run_tasks(loop);
	n += run_due_timers(loop, monotonic_ns());
	return n;
}

/* ev_run_until: see ev.h. */
bool ev_run_until(struct ev_loop *loop, bool (*stop)(void *arg), void *arg, uint64_t deadline_ns)
{
	loop->stop_requested = 0;
	for (;;) {
		if (stop && stop(arg))
			return true;
		if (loop->stop_requested)
			return false;
		if (ev_now(loop) > deadline_ns)
			return false;
		if (loop->clock == EV_CLOCK_VIRTUAL && !loop->task_head && loop->heap_len &&
		    loop->heap[0]->when_ns > deadline_ns) {
			loop->virtual_now = deadline_ns;
			return false;
		}
		uint64_t wait = 100000000ull; /* 100 ms: re-check stop() when idle */
		if (ev_run_once(loop, wait) == 0 && loop->clock == EV_CLOCK_VIRTUAL)
			return stop ? stop(arg) : false;
	}
}

/* ev_set_check: see ev.h. */
void ev_set_check(struct ev_loop *loop, bool (*check)(void *arg), void *arg)
{
	loop->check = check;
	loop->check_arg = arg;
	loop->check_count = 0;
}

void ev_loop_break(struct ev_loop *loop)
{
	loop->stop_requested = 1;
}
