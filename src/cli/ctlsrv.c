/*
 * ctlsrv.c — the control socket's server: nonblocking connections as small
 * state machines on the event loop, with bounded numbers, sizes and times
 * (ctlsrv.h says what and why).
 *
 * Serves the real-traffic daemon (daemon.c), the control-socket fuzz target
 * and tests/cli/test_ctlsrv.c.
 *
 * Connections sit on one list in accept order, so the oldest still reading
 * its request is the first found when a newcomer needs its slot. Each has
 * one timer, armed at whatever comes first of its deadline and (while a
 * settling word waits) the end of the settle time.
 */
#include "ctlsrv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

COUNTER_SET_DEFINE(ctlsrv_counters, "ctlsrv", struct ctlsrv_stats, CTLSRV_COUNTERS);

enum ctlsrv_state { CONN_READING, CONN_WRITING, CONN_DEAD };

struct ctlsrv_conn {
	struct ctlsrv *srv;
	struct ctlsrv_conn *prev, *next; /* the live list, or the dead list (next only) */
	struct ev_fd w;
	struct ev_timer timer;
	int fd;
	enum ctlsrv_state state;
	bool settling;        /* a word another extends, waiting settle_ns */
	uint64_t deadline_ns; /* of the current state */
	uint64_t settle_ns;   /* when settling ends */
	char req[CTLSRV_REQ_MAX];
	size_t req_len;
	char *out; /* the answer (malloc'd by open_memstream) */
	size_t out_len, out_off;
};

struct ctlsrv {
	struct ev_loop *loop;
	struct ctlsrv_limits lim;
	const char *const *words;
	ctlsrv_answer_fn *fn;
	void *arg;
	int listen_fd;
	struct ev_fd listen_w;
	bool listen_watched;
	struct ev_timer accept_pause;    /* re-watch the listening socket after EMFILE */
	struct ctlsrv_conn *head, *tail; /* live, oldest first */
	struct ctlsrv_conn *dead;        /* closed, freed by reap */
	struct ev_task reap;
	struct ctlsrv_stats st;
};

#define CTLSRV_CONTAINER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define CTLSRV_STR_(x) #x
#define CTLSRV_STR(x) CTLSRV_STR_(x)

/* ctlsrv_limits_default: see ctlsrv.h. */
void ctlsrv_limits_default(struct ctlsrv_limits *l)
{
	l->max_conns = CTLSRV_MAX_CONNS;
	l->req_timeout_ns = CTLSRV_REQ_TIMEOUT_MS * 1000000ull;
	l->write_timeout_ns = CTLSRV_WRITE_TIMEOUT_MS * 1000000ull;
	l->settle_ns = CTLSRV_SETTLE_MS * 1000000ull;
}

/* ---- the request parser ----------------------------------------------------- */

/* ctlsrv_lookup: see ctlsrv.h. */
int ctlsrv_lookup(const char *const *words, const char *buf, size_t len)
{
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == len && memcmp(words[i], buf, len) == 0)
			return i;
	return -1;
}

/* True if some word is longer than buf[0..len) and begins with it. */
static bool ctlsrv_extended(const char *const *words, const char *buf, size_t len)
{
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) > len && memcmp(words[i], buf, len) == 0)
			return true;
	return false;
}

/* ctlsrv_parse: see ctlsrv.h. */
enum ctlsrv_parse ctlsrv_parse(const char *buf, size_t n, bool eof, const char *const *words,
			       size_t *req_len)
{
	/* A request is at most CTLSRV_REQ_MAX bytes, its newline included. */
	size_t scan = n < CTLSRV_REQ_MAX ? n : CTLSRV_REQ_MAX;
	const char *nl = scan ? memchr(buf, '\n', scan) : NULL;
	if (nl) {
		size_t len = (size_t)(nl - buf);
		if (len && buf[len - 1] == '\r')
			len--;
		*req_len = len;
		return CTLSRV_DONE;
	}
	if (n >= CTLSRV_REQ_MAX)
		return CTLSRV_TOO_LONG;
	size_t len = n;
	if (len && buf[len - 1] == '\r')
		len--;
	*req_len = len;
	if (eof)
		return CTLSRV_DONE;
	if (ctlsrv_lookup(words, buf, len) >= 0)
		return ctlsrv_extended(words, buf, len) ? CTLSRV_SETTLE : CTLSRV_DONE;
	return CTLSRV_MORE;
}

/* ---- connections ------------------------------------------------------------- */

static void ctlsrv_reap(struct ev_task *task)
{
	struct ctlsrv *s = CTLSRV_CONTAINER(task, struct ctlsrv, reap);
	while (s->dead) {
		struct ctlsrv_conn *c = s->dead;
		s->dead = c->next;
		free(c->out);
		free(c);
	}
}

/* Close c now; its memory goes at the end of this wake-up (ctlsrv_reap). */
static void ctlsrv_close(struct ctlsrv_conn *c)
{
	struct ctlsrv *s = c->srv;
	if (c->state == CONN_DEAD)
		return;
	ev_timer_cancel(s->loop, &c->timer);
	ev_fd_del(s->loop, &c->w);
	/* Bytes left unread would make the kernel reset the connection
	 * (ECONNRESET at the client, which may not have read its answer
	 * yet): take what is there, a bounded amount. */
	char sink[512];
	for (int i = 0; i < 8 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	close(c->fd);
	c->fd = -1;
	c->state = CONN_DEAD;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = NULL;
	c->next = s->dead;
	s->dead = c;
	s->st.ctl_open--;
	ev_task_schedule(s->loop, &s->reap);
}

/* Arm c's timer at the earlier of its deadline and the end of settling. */
static void ctlsrv_arm(struct ctlsrv_conn *c)
{
	uint64_t when = c->deadline_ns;
	if (c->settling && c->settle_ns < when)
		when = c->settle_ns;
	if (ev_timer_arm(c->srv->loop, &c->timer, when) < 0)
		ctlsrv_close(c); /* no memory for a timer: no unbounded client either */
}

/* Write what the socket takes. Closes c when the answer is out or the peer
 * is gone; otherwise waits for EPOLLOUT. */
static void ctlsrv_flush(struct ctlsrv_conn *c)
{
	struct ctlsrv *s = c->srv;
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (ev_fd_mod(s->loop, &c->w, EPOLLOUT) < 0)
				ctlsrv_close(c);
			return;
		}
		s->st.ctl_peer_gone++;
		ctlsrv_close(c);
		return;
	}
	ctlsrv_close(c);
}

/* Print buf[0..len) quoted for an error line: control and non-ASCII bytes
 * as '?', so a hostile request cannot shape the client's terminal. */
static void ctlsrv_print_quoted(FILE *f, const char *buf, size_t len)
{
	fputc('\'', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		fputc(ch < 0x20 || ch >= 0x7f ? '?' : ch, f);
	}
	fputc('\'', f);
}

/* The request buf[0..len) is complete (or refused with why, a format for an
 * error line): build the answer, start writing it. */
static void ctlsrv_answer(struct ctlsrv_conn *c, size_t len, const char *refusal)
{
	struct ctlsrv *s = c->srv;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f) {
		s->st.ctl_answer_nomem++;
		ctlsrv_close(c);
		return;
	}
	if (refusal) {
		fprintf(f, "error: %s\n", refusal);
	} else {
		s->st.ctl_requests++;
		int cmd = ctlsrv_lookup(s->words, c->req, len);
		if (cmd >= 0) {
			s->fn(s->arg, (unsigned)cmd, f);
		} else {
			s->st.ctl_unknown++;
			fprintf(f, "error: unknown command ");
			ctlsrv_print_quoted(f, c->req, len);
			fputc('\n', f);
		}
	}
	if (fclose(f) != 0 || !buf) {
		free(buf);
		s->st.ctl_answer_nomem++;
		ctlsrv_close(c);
		return;
	}
	c->out = buf;
	c->out_len = size;
	c->out_off = 0;
	c->state = CONN_WRITING;
	c->settling = false;
	c->deadline_ns = ev_now(s->loop) + s->lim.write_timeout_ns;
	ctlsrv_arm(c);
	if (c->state == CONN_WRITING)
		ctlsrv_flush(c);
}

/* Read what is there and see whether the request is complete. */
static void ctlsrv_read(struct ctlsrv_conn *c)
{
	struct ctlsrv *s = c->srv;
	bool eof = false;
	ssize_t n = read(c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len);
	if (n > 0) {
		c->req_len += (size_t)n;
	} else if (n == 0) {
		eof = true;
	} else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		return;
	} else {
		s->st.ctl_peer_gone++;
		ctlsrv_close(c);
		return;
	}
	size_t len = 0;
	switch (ctlsrv_parse(c->req, c->req_len, eof, s->words, &len)) {
	case CTLSRV_DONE:
		ctlsrv_answer(c, len, NULL);
		return;
	case CTLSRV_TOO_LONG:
		s->st.ctl_too_long++;
		ctlsrv_answer(c, 0,
			      "request too long (at most " CTLSRV_STR(
				      CTLSRV_REQ_MAX) " bytes with its newline)");
		return;
	case CTLSRV_SETTLE:
		c->settling = true;
		c->settle_ns = ev_now(s->loop) + s->lim.settle_ns;
		ctlsrv_arm(c);
		return;
	case CTLSRV_MORE:
		if (c->settling) { /* the word grew into something longer */
			c->settling = false;
			ctlsrv_arm(c);
		}
		return;
	}
}

static void ctlsrv_conn_event(struct ev_fd *w, uint32_t events)
{
	struct ctlsrv_conn *c = CTLSRV_CONTAINER(w, struct ctlsrv_conn, w);
	if (c->state == CONN_READING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
		ctlsrv_read(c);
	else if (c->state == CONN_WRITING && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
		ctlsrv_flush(c);
	/* CONN_DEAD: an event fetched before the close; the memory is still
	 * ours until the reap task runs. */
}

static void ctlsrv_conn_timer(struct ev_timer *t)
{
	struct ctlsrv_conn *c = CTLSRV_CONTAINER(t, struct ctlsrv_conn, timer);
	struct ctlsrv *s = c->srv;
	uint64_t now = ev_now(s->loop);
	if (c->state == CONN_READING && c->settling && now < c->deadline_ns) {
		size_t len = 0;
		(void)ctlsrv_parse(c->req, c->req_len, true, s->words, &len);
		ctlsrv_answer(c, len, NULL);
		return;
	}
	s->st.ctl_timeouts++;
	if (c->state == CONN_READING) {
		/* One try at saying why, never waited on. */
		static const char msg[] = "error: no complete request within " CTLSRV_STR(
			CTLSRV_REQ_TIMEOUT_MS) " ms\n";
		(void)send(c->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	ctlsrv_close(c);
}

/* The oldest connection still reading its request, or NULL. */
static struct ctlsrv_conn *ctlsrv_oldest_reading(struct ctlsrv *s)
{
	for (struct ctlsrv_conn *c = s->head; c; c = c->next)
		if (c->state == CONN_READING)
			return c;
	return NULL;
}

/* Take fd (connected, any flags) as a new connection. */
static int ctlsrv_add(struct ctlsrv *s, int fd)
{
	s->st.ctl_connections++;
	if (ctlsrv_n_conns(s) >= s->lim.max_conns) {
		struct ctlsrv_conn *old = ctlsrv_oldest_reading(s);
		if (!old) {
			static const char msg[] = "error: busy: every control connection is being "
						  "answered; try again\n";
			s->st.ctl_refused++;
			(void)send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			return -EBUSY;
		}
		s->st.ctl_evicted++;
		ctlsrv_close(old);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct ctlsrv_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->srv = s;
	c->fd = fd;
	c->state = CONN_READING;
	c->w.fn = ctlsrv_conn_event;
	ev_timer_init(&c->timer, ctlsrv_conn_timer);
	int rc = ev_fd_add(s->loop, &c->w, fd, EPOLLIN | EPOLLRDHUP);
	if (rc < 0) {
		close(fd);
		free(c);
		return rc;
	}
	c->prev = s->tail;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->st.ctl_open++;
	c->deadline_ns = ev_now(s->loop) + s->lim.req_timeout_ns;
	ctlsrv_arm(c);
	return 0;
}

/* ---- the listening socket ------------------------------------------------------ */

static void ctlsrv_accept_resume(struct ev_timer *t)
{
	struct ctlsrv *s = CTLSRV_CONTAINER(t, struct ctlsrv, accept_pause);
	if (s->listen_fd >= 0 && !s->listen_watched &&
	    ev_fd_add(s->loop, &s->listen_w, s->listen_fd, EPOLLIN) == 0)
		s->listen_watched = true;
}

static void ctlsrv_accept(struct ev_fd *w, uint32_t events)
{
	struct ctlsrv *s = CTLSRV_CONTAINER(w, struct ctlsrv, listen_w);
	(void)events;
	for (int i = 0; i < CTLSRV_ACCEPT_BATCH; i++) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			ctlsrv_add(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays
		 * queued and the socket readable; rest instead of spinning. */
		s->st.ctl_accept_errors++;
		if (ev_timer_arm(s->loop, &s->accept_pause,
				 ev_now(s->loop) + CTLSRV_ACCEPT_PAUSE_MS * 1000000ull) == 0) {
			ev_fd_del(s->loop, &s->listen_w);
			s->listen_watched = false;
		}
		return;
	}
}

/* ---- the server -------------------------------------------------------------- */

/* ctlsrv_create: see ctlsrv.h. */
struct ctlsrv *ctlsrv_create(struct ev_loop *loop, const struct ctlsrv_limits *lim,
			     const char *const *words, ctlsrv_answer_fn *fn, void *arg)
{
	if (!loop || !words || !fn)
		return NULL;
	struct ctlsrv *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (lim)
		s->lim = *lim;
	else
		ctlsrv_limits_default(&s->lim);
	if (s->lim.max_conns == 0) {
		free(s);
		return NULL;
	}
	s->loop = loop;
	s->words = words;
	s->fn = fn;
	s->arg = arg;
	s->listen_fd = -1;
	s->listen_w.fn = ctlsrv_accept;
	ev_timer_init(&s->accept_pause, ctlsrv_accept_resume);
	ev_task_init(&s->reap, ctlsrv_reap);
	return s;
}

/* ctlsrv_listen: see ctlsrv.h. */
int ctlsrv_listen(struct ctlsrv *s, const char *path)
{
	if (s->listen_fd >= 0)
		return -EBUSY;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen = strlen(path);
	if (plen >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, plen + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Born 0600: no moment in which another user may connect, and no
	 * chmod by path afterwards (which would follow a planted symlink). */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = ev_fd_add(s->loop, &s->listen_w, fd, EPOLLIN);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	s->listen_fd = fd;
	s->listen_watched = true;
	return 0;
}

/* ctlsrv_adopt: see ctlsrv.h. */
int ctlsrv_adopt(struct ctlsrv *s, int fd)
{
	if (fd < 0)
		return -EBADF;
	return ctlsrv_add(s, fd);
}

/* ctlsrv_n_conns: see ctlsrv.h. */
unsigned ctlsrv_n_conns(const struct ctlsrv *s)
{
	return (unsigned)s->st.ctl_open;
}

/* ctlsrv_get_stats: see ctlsrv.h. */
const struct ctlsrv_stats *ctlsrv_get_stats(const struct ctlsrv *s)
{
	return &s->st;
}

/* ctlsrv_destroy: see ctlsrv.h. */
void ctlsrv_destroy(struct ctlsrv *s)
{
	if (!s)
		return;
	while (s->head)
		ctlsrv_close(s->head);
	ev_task_cancel(s->loop, &s->reap);
	ctlsrv_reap(&s->reap);
	ev_timer_cancel(s->loop, &s->accept_pause);
	if (s->listen_fd >= 0) {
		if (s->listen_watched)
			ev_fd_del(s->loop, &s->listen_w);
		close(s->listen_fd);
	}
	free(s);
}
