/*
 * ctlsrv.h — the server side of the real-traffic daemon's control socket:
 * a unix stream socket served on the daemon's one event loop without ever
 * blocking it, whatever a client does.
 *
 * Serves the daemon (daemon.c), which gives it the command words and a
 * function that writes each command's answer; the control-socket fuzz target
 * (fuzz/fuzz_ctl.c) and tests/cli/test_ctlsrv.c drive it the same way.
 *
 * The protocol: one request per connection — a command word, ended by a
 * newline (a "\r\n" is taken too) — then the answer, then the server
 * closes. Each connection is a small state machine on the loop:
 *
 *   accept ─► READING ─(request complete)─► WRITING ─(all written)─► closed
 *                │                             │
 *                └─(deadline, too long)─► closed └─(deadline, peer gone)─► closed
 *
 * A request is complete at its newline; at end of input (the client shut
 * down its sending side or closed); at once when the bytes so far are a
 * command word no other word extends ("status", "flows", "stats-json"); or,
 * for a word that another extends ("stats", the start of "stats-json"), when
 * no further byte arrives within the settle time. Anything after the request
 * is ignored. An unknown command is answered "error: unknown command '...'"
 * (control bytes shown as '?'), a request longer than CTLSRV_REQ_MAX bytes
 * "error: request too long ...", and a request not complete by its deadline
 * "error: no complete request within ..." (one try, never waited on).
 *
 * Reads and writes are nonblocking: a read takes what is there, an answer is
 * built whole in memory and written as far as the socket takes it, the rest
 * when the loop reports the socket writable (EPOLLOUT). No client can hold
 * the loop: the only waits are epoll's.
 *
 * Limits (struct ctlsrv_limits, the CTLSRV_* defaults): at most max_conns
 * connections at a time — one more arriving closes the oldest connection
 * still reading its request (counted ctl_evicted), or, if every connection is
 * being answered, is refused at once (ctl_refused); a request must be
 * complete within req_timeout of the accept, however slowly its bytes come
 * (a byte a second buys nothing); an answer must be taken within
 * write_timeout. At most CTLSRV_ACCEPT_BATCH connections are accepted per
 * wake-up, and when accept fails for lack of file descriptors the listening
 * socket rests for CTLSRV_ACCEPT_PAUSE_MS instead of waking the loop in a
 * spin. The listen backlog is SOMAXCONN.
 *
 * Ownership: the server owns every connection and its fd; a connection's
 * memory is freed by a task after the fd callbacks of the wake-up that
 * closed it, so an event already fetched for it never touches freed memory.
 */
#ifndef ILLAN_CTLSRV_H
#define ILLAN_CTLSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ev/counter.h"
#include "ev/ev.h"

#define CTLSRV_REQ_MAX 256 /* bytes of a request, its newline included */
#define CTLSRV_MAX_CONNS 32
#define CTLSRV_REQ_TIMEOUT_MS 2000    /* from accept to a complete request */
#define CTLSRV_WRITE_TIMEOUT_MS 10000 /* from a complete request to the answer taken */
#define CTLSRV_SETTLE_MS 20           /* a word another extends: wait this long for more */
#define CTLSRV_ACCEPT_BATCH 16
#define CTLSRV_ACCEPT_PAUSE_MS 100

/* The server's counters ("daemon" object in `illan stats`). */
#define CTLSRV_COUNTERS(X, T)                                                                         \
	X(T, ctl_connections, NULL, 0)                                                                \
	X(T, ctl_requests, NULL, 0)                                                                   \
	X(T, ctl_unknown, "the control request named no command", COUNTER_HARMLESS)                   \
	X(T, ctl_too_long, "the control request was too long", COUNTER_HARMLESS)                      \
	X(T, ctl_timeouts, "a control client was too slow and was closed", COUNTER_HARMLESS)          \
	X(T, ctl_evicted, "an idle control client was closed to admit another", COUNTER_HARMLESS)     \
	X(T, ctl_refused, "a control client was refused: every slot was answering", COUNTER_HARMLESS) \
	X(T, ctl_peer_gone, "a control client went away before its answer", COUNTER_HARMLESS)         \
	X(T, ctl_accept_errors, NULL, 0)                                                              \
	X(T, ctl_answer_nomem, "no memory to build a control answer", 0)                              \
	X(T, ctl_open, NULL, COUNTER_GAUGE)

struct ctlsrv_stats {
	CTLSRV_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct ctlsrv_stats ("ctlsrv"). */
extern const struct counter_set ctlsrv_counters;

struct ctlsrv_limits {
	unsigned max_conns;        /* >= 1 */
	uint64_t req_timeout_ns;   /* accept to complete request */
	uint64_t write_timeout_ns; /* complete request to answer taken */
	uint64_t settle_ns;        /* quiet time that completes a word another extends */
};

/* Fill l with the CTLSRV_* defaults. */
void ctlsrv_limits_default(struct ctlsrv_limits *l);

/* Write the answer to command number cmd (an index into the words given to
 * ctlsrv_create) into out. Runs on the loop; the server sends what it wrote. */
typedef void ctlsrv_answer_fn(void *arg, unsigned cmd, FILE *out);

/* How the bytes of a request read so far stand (ctlsrv_parse). */
enum ctlsrv_parse {
	CTLSRV_MORE,     /* not complete: wait for more */
	CTLSRV_SETTLE,   /* a command word another word extends: complete unless more comes */
	CTLSRV_DONE,     /* complete: the request is buf[0..*req_len) */
	CTLSRV_TOO_LONG, /* CTLSRV_REQ_MAX bytes and no end */
};

/*
 * The request parser, alone (no I/O): how the n bytes buf[0..n) read so far
 * on a connection stand, eof saying whether the client has ended its input.
 * words is the NULL-terminated command list. On CTLSRV_DONE and
 * CTLSRV_SETTLE *req_len gets the request's length without its line end.
 * Never reads past buf[n - 1].
 */
enum ctlsrv_parse ctlsrv_parse(const char *buf, size_t n, bool eof, const char *const *words,
			       size_t *req_len);

/* The index of the command word buf[0..len) in words, or -1. */
int ctlsrv_lookup(const char *const *words, const char *buf, size_t len);

struct ctlsrv;

/*
 * A server on loop (monotonic clock: it watches fds) for the command words
 * words (NULL-terminated, kept by pointer: they must outlive the server),
 * answered by fn(arg, ...). lim may be NULL (defaults). Serves nothing until
 * ctlsrv_listen or ctlsrv_adopt. Returns NULL when out of memory or given a
 * bad limit.
 */
struct ctlsrv *ctlsrv_create(struct ev_loop *loop, const struct ctlsrv_limits *lim,
			     const char *const *words, ctlsrv_answer_fn *fn, void *arg);

/*
 * Listen on the unix socket path (a stale entry of that name must have been
 * removed by the caller, who knows whether it was stale): bound with umask
 * 0177, so the socket is never connectable by anyone but its owner (mode
 * 0600, root's only for root's daemon), backlog SOMAXCONN. Returns 0 or
 * -errno (-ENAMETOOLONG for a path that does not fit sun_path, -EBUSY when
 * already listening).
 */
int ctlsrv_listen(struct ctlsrv *s, const char *path);

/*
 * Serve fd, a connected stream socket, as if just accepted (the fuzz target
 * and tests hand in one end of a socketpair). The server takes fd (made
 * nonblocking and close-on-exec) and closes it when done, also on failure.
 * Counts as an accept for the limits. Returns 0 or -errno.
 */
int ctlsrv_adopt(struct ctlsrv *s, int fd);

/* Connections open now (reading or writing). */
unsigned ctlsrv_n_conns(const struct ctlsrv *s);

/* The counters. */
const struct ctlsrv_stats *ctlsrv_get_stats(const struct ctlsrv *s);

/* Close every connection and the listening socket (its path is left for the
 * caller to remove) and free the server. NULL is a no-op. */
void ctlsrv_destroy(struct ctlsrv *s);

#endif
