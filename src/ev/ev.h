/*
 * ev.h — the event loop: deferred tasks, timers and file descriptors on one
 * clock, virtual (embedded mode: time jumps to the next timer when nothing is
 * runnable) or monotonic (real-traffic mode: epoll waits for fds and timers).
 *
 * Serves every layer that must "run later": the hypervisor's interrupt
 * delivery schedules a driver's NAPI poll as a task, the TCP stack arms
 * retransmission timers, the daemon watches TAP and socket fds. One loop per
 * process, single-threaded, in the spirit of Redis' ae.c.
 *
 * Ownership: tasks and timers are embedded in their owners' structs; the loop
 * only links them. An owner must cancel a queued task or armed timer before
 * freeing the memory that holds it.
 */
#ifndef ILLAN_EV_H
#define ILLAN_EV_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;

struct prof_section;

/* A unit of deferred work (a NAPI poll, a queue drain). Scheduling a task that
 * is already queued is a no-op, as napi_schedule is. Tasks run in FIFO order. */
struct ev_task {
	void (*fn)(struct ev_task *task);
	struct ev_task *next;
	bool queued;
	struct prof_section *prof; /* charged while fn runs (ev_task_set_prof) */
};

/* A one-shot timer at an absolute time in nanoseconds of the loop's clock. */
struct ev_timer {
	void (*fn)(struct ev_timer *timer);
	uint64_t when_ns;
	uint32_t heap_index; /* owned by the loop; UINT32_MAX when not armed */
};

/* A watched file descriptor (real-traffic mode). events are EPOLLIN/EPOLLOUT. */
struct ev_fd {
	void (*fn)(struct ev_fd *w, uint32_t events);
	int fd;
};

enum ev_clock { EV_CLOCK_VIRTUAL, EV_CLOCK_MONOTONIC };

/* Create a loop. Returns NULL on allocation or epoll failure. */
struct ev_loop *ev_loop_create(enum ev_clock clock);
void ev_loop_destroy(struct ev_loop *loop);

/* Current time of the loop's clock, ns. Virtual clocks start at 0. */
uint64_t ev_now(const struct ev_loop *loop);

/* Initialise task to run fn, charged to no profiler section. */
void ev_task_init(struct ev_task *task, void (*fn)(struct ev_task *));
/* Charge task's runs to section (ev/prof.h; NULL: none), e.g. a driver's
 * NAPI poll to its receive section. */
void ev_task_set_prof(struct ev_task *task, struct prof_section *section);
void ev_task_schedule(struct ev_loop *loop, struct ev_task *task);
void ev_task_cancel(struct ev_loop *loop, struct ev_task *task);

void ev_timer_init(struct ev_timer *timer, void (*fn)(struct ev_timer *));
/* Arm (or re-arm) at absolute time when_ns. Returns 0 or -ENOMEM. */
int ev_timer_arm(struct ev_loop *loop, struct ev_timer *timer, uint64_t when_ns);
void ev_timer_cancel(struct ev_loop *loop, struct ev_timer *timer);
bool ev_timer_armed(const struct ev_timer *timer);

/* Watch fd for events (EPOLLIN etc.). Returns 0 or -errno. */
int ev_fd_add(struct ev_loop *loop, struct ev_fd *w, int fd, uint32_t events);
int ev_fd_mod(struct ev_loop *loop, struct ev_fd *w, uint32_t events);
void ev_fd_del(struct ev_loop *loop, struct ev_fd *w);

/*
 * Run one step: all queued tasks (including ones queued while running), then
 * due timers. With nothing runnable: on a virtual clock, jump to the earliest
 * timer and fire it; on a monotonic clock, wait in epoll up to the earliest
 * timer or max_wait_ns. Returns the number of tasks, timers and fd callbacks
 * run; 0 means the loop is idle (virtual clock: no tasks and no timers).
 */
unsigned ev_run_once(struct ev_loop *loop, uint64_t max_wait_ns);

/*
 * Run until stop() returns true, the loop is idle, or the clock passes
 * deadline_ns (UINT64_MAX for none). stop is checked between steps and may be
 * NULL. Returns true if stop() ended the run.
 */
bool ev_run_until(struct ev_loop *loop, bool (*stop)(void *arg), void *arg, uint64_t deadline_ns);

/* Call check(arg) every EV_CHECK_EVERY tasks run (NULL: none). When it
 * returns true the running ev_run_until stops after that task, leaving the
 * rest queued; the order of events is otherwise unchanged. For progress
 * reports and Ctrl-C in runs that are busy with tasks for a long time (a
 * transfer on the virtual clock, which never idles). */
#define EV_CHECK_EVERY 1024
void ev_set_check(struct ev_loop *loop, bool (*check)(void *arg), void *arg);

/* Ask a running ev_run_until to return after the current step (signal-safe). */
void ev_loop_break(struct ev_loop *loop);

#endif
