/*
 * fuzz_ctl.c — libFuzzer target for the real-traffic daemon's control
 * socket (src/cli/ctlsrv.c): the request parser, and the server's state
 * machine fed arbitrary bytes in arbitrary chunks by up to four clients at
 * once over socketpairs, on a real event loop.
 *
 * Input: first the whole input goes to ctlsrv_parse (with and without end
 * of input); then records of [op][args...], each followed by the loop
 * running until it has nothing left to do:
 *   0 open a connection (socketpair, the server's end adopted)
 *   1 send a chunk: [conn][len][bytes]      5 send a command word: [conn][word][how]
 *   2 shut down the sending side: [conn]    6 read a little: [conn][max]
 *   3 close: [conn]                         7 let time pass (the settle timer)
 *   4 read what is there: [conn]
 * The server's limits are small (3 connections) so eviction and refusal
 * happen; its deadlines long, so no answer depends on how fast this runs.
 * The server and loop are built once and reused; each input ends with every
 * client closed and the server left with no connection.
 *
 * Checked beyond "no crash": the parser never reports a request longer than
 * what it was given or than CTLSRV_REQ_MAX; the server never holds more
 * than its limit; each client receives at most one answer, which is whole
 * and one of the answers the server gives (the command's, or an "error:"
 * line); no fd is leaked (the server has no connection after each input).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/ctlsrv.h"
#include "ev/ev.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const words[] = {"status", "stats", "stats-json", "big", NULL};
#define MAX_CONNS 3
#define N_CLIENTS 4
#define BIG_SIZE 300000u /* more than a socketpair's buffer: partial writes */

static char big_byte(size_t i)
{
	return (char)('A' + (int)(i % 23));
}

static void answer(void *arg, unsigned cmd, FILE *out)
{
	(void)arg;
	static const char *const small[] = {"S\n", "T\n", "J\n"};
	if (cmd < 3) {
		fputs(small[cmd], out);
		return;
	}
	static char *big;
	if (!big) {
		big = malloc(BIG_SIZE);
		FUZZ_CHECK(big);
		for (size_t i = 0; i < BIG_SIZE; i++)
			big[i] = big_byte(i);
	}
	fwrite(big, 1, BIG_SIZE, out);
}

struct client {
	int fd;
	char got[512]; /* the start of what arrived */
	size_t n;      /* bytes that arrived in all */
	bool eof;
};

static struct ev_loop *loop;
static struct ctlsrv *srv;
static struct client clients[N_CLIENTS];

/* Run the loop until it has nothing to do now (bounded). */
static void settle(void)
{
	for (int i = 0; i < 64; i++) {
		FUZZ_CHECK(ctlsrv_n_conns(srv) <= MAX_CONNS);
		if (ev_run_once(loop, 0) == 0)
			break;
	}
}

/* What a client received is one answer the server gives — whole once the
 * server closed (eof), its beginning while it is still arriving — or
 * nothing (a connection closed to admit another). */
static void check_answer(const struct client *c)
{
	size_t head = c->n < sizeof(c->got) ? c->n : sizeof(c->got);
	if (head == 0)
		return;
	if (c->got[0] == 'S' || c->got[0] == 'T' || c->got[0] == 'J') {
		FUZZ_CHECK(c->n <= 2);
		if (c->n == 2)
			FUZZ_CHECK(c->got[1] == '\n');
		if (c->eof)
			FUZZ_CHECK(c->n == 2);
		return;
	}
	if (c->got[0] == big_byte(0)) {
		FUZZ_CHECK(c->n <= BIG_SIZE);
		for (size_t i = 0; i < head; i++)
			FUZZ_CHECK(c->got[i] == big_byte(i));
		if (c->eof)
			FUZZ_CHECK(c->n == BIG_SIZE);
		return;
	}
	static const char err[] = "error: ";
	size_t m = head < sizeof(err) - 1 ? head : sizeof(err) - 1;
	FUZZ_CHECK(memcmp(c->got, err, m) == 0);
	/* one line, nothing behind it; whole at eof */
	FUZZ_CHECK(c->n < sizeof(c->got));
	const char *nl = memchr(c->got, '\n', head);
	if (nl)
		FUZZ_CHECK((size_t)(nl - c->got) + 1 == c->n);
	if (c->eof)
		FUZZ_CHECK(nl);
}

static void client_read(struct client *c, size_t max)
{
	if (c->fd < 0)
		return;
	char buf[4096];
	size_t left = max;
	while (left) {
		ssize_t k = read(c->fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (k == 0) {
			c->eof = true;
			break;
		}
		if (k < 0)
			break; /* EAGAIN, or ECONNRESET after a refusal */
		size_t room = c->n < sizeof(c->got) ? sizeof(c->got) - c->n : 0;
		if (room)
			memcpy(c->got + c->n, buf, (size_t)k < room ? (size_t)k : room);
		c->n += (size_t)k;
		left -= (size_t)k;
	}
	check_answer(c);
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void setup_once(void)
{
	if (srv)
		return;
	loop = ev_loop_create(EV_CLOCK_MONOTONIC);
	FUZZ_CHECK(loop);
	struct ctlsrv_limits lim;
	ctlsrv_limits_default(&lim);
	lim.max_conns = MAX_CONNS;
	lim.req_timeout_ns = 3600ull * 1000000000;
	lim.write_timeout_ns = 3600ull * 1000000000;
	lim.settle_ns = 0; /* due at the next step: op 7 */
	srv = ctlsrv_create(loop, &lim, words, answer, NULL);
	FUZZ_CHECK(srv);
	for (int i = 0; i < N_CLIENTS; i++)
		clients[i].fd = -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parser alone, on the whole input. */
	size_t len = SIZE_MAX;
	enum ctlsrv_parse st = ctlsrv_parse((const char *)data, size, false, words, &len);
	if (st == CTLSRV_DONE || st == CTLSRV_SETTLE)
		FUZZ_CHECK(len <= size && len < CTLSRV_REQ_MAX);
	if (st == CTLSRV_TOO_LONG)
		FUZZ_CHECK(size >= CTLSRV_REQ_MAX);
	st = ctlsrv_parse((const char *)data, size, true, words, &len);
	FUZZ_CHECK(st == CTLSRV_DONE || st == CTLSRV_TOO_LONG);

	setup_once();
	struct fuzz_in in = {data, size};
	unsigned steps = 0;
	while (in.n && steps++ < 128) {
		uint8_t op = fuzz_u8(&in);
		struct client *c = &clients[fuzz_u8(&in) % N_CLIENTS];
		switch (op % 8) {
		case 0: {
			if (c->fd >= 0)
				break;
			int sv[2];
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
				break;
			fcntl(sv[1], F_SETFL, O_NONBLOCK);
			c->fd = sv[1];
			ctlsrv_adopt(srv, sv[0]); /* takes sv[0], also when it refuses */
			break;
		}
		case 1: {
			size_t got;
			const uint8_t *b = fuzz_bytes(&in, fuzz_u8(&in), &got);
			if (c->fd >= 0 && got)
				(void)send(c->fd, b, got, MSG_NOSIGNAL | MSG_DONTWAIT);
			break;
		}
		case 2:
			if (c->fd >= 0)
				shutdown(c->fd, SHUT_WR);
			break;
		case 3:
			client_close(c);
			break;
		case 4:
			client_read(c, SIZE_MAX);
			break;
		case 5: {
			uint8_t w = fuzz_u8(&in), how = fuzz_u8(&in);
			char line[32];
			int n = snprintf(line, sizeof(line), "%s%s", words[w % 4],
					 how % 3 == 0   ? "\n"
					 : how % 3 == 1 ? "\r\n"
							: "");
			if (c->fd >= 0)
				(void)send(c->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
			break;
		}
		case 6:
			client_read(c, 1 + fuzz_u8(&in) % 64);
			break;
		default:
			ev_run_once(loop, 0); /* settle time 0: a waiting word is due */
			break;
		}
		settle();
	}
	/* The end: every client reads what is left and closes; the server
	 * must then let go of every connection. */
	for (int i = 0; i < N_CLIENTS; i++) {
		client_read(&clients[i], SIZE_MAX);
		client_close(&clients[i]);
	}
	for (int i = 0; i < 16 && ctlsrv_n_conns(srv); i++)
		settle();
	FUZZ_CHECK(ctlsrv_n_conns(srv) == 0);
	fuzz_end();
	return 0;
}
