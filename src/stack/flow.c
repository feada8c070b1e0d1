/*
 * flow.c — flows: one TCP connection between a client stack and a server
 * stack of the same process, carrying a pattern stream each way, started at
 * a time on the loop's clock, and its result (bytes delivered intact,
 * retransmissions, times, why it failed).
 *
 * Serves the topology and the CLI through stack.h (stack_flow_*), and tcp.c
 * (flow_check after every segment, flow_fail when a connection gives up).
 * tcp.c records each connection's events in the flow's result as they
 * happen and checks the received bytes against the pattern; this file owns
 * the flow's life: start, completion, failure, detaching from stacks that go
 * away, and freeing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "stack/stack_int.h"

/* flow_fail: see stack_int.h. */
void flow_fail(struct stack_flow *f, const char *reason)
{
	if (!f || f->res.done)
		return;
	snprintf(f->res.failure, sizeof f->res.failure, "%s", reason);
	struct tcp_conn *cc = f->cc, *sc = f->sc;
	if (cc)
		tcp_conn_stack(cc)->ctr.tcp_conn_failed++;
	else if (sc)
		tcp_conn_stack(sc)->ctr.tcp_conn_failed++;
	/* abort both ends (no RST: the flow is over as far as the runner is
	 * concerned) */
	if (cc)
		tcp_conn_abort(cc);
	if (sc)
		tcp_conn_abort(sc);
	f->res.ok = false;
	f->res.done = true;
	f->res.t_complete_ns = ev_now(f->loop);
	flow_progress(f, f->res.t_complete_ns);
	if (f->spec.on_done)
		f->spec.on_done(f->spec.on_done_arg, f);
}

/* flow_progress: see stack_int.h. */
void flow_progress(struct stack_flow *f, uint64_t now)
{
	uint64_t gap = now - f->res.t_last_progress_ns;
	if (gap > f->res.longest_stall_ns) {
		f->res.longest_stall_ns = gap;
		f->res.stall_from_ns = f->res.t_last_progress_ns;
	}
	f->res.t_last_progress_ns = now;
}

/* flow_check: see stack_int.h. */
void flow_check(struct stack_flow *f)
{
	if (f->res.done)
		return;
	struct tcp_conn *cc = f->cc, *sc = f->sc;
	if (!cc || !sc || !tcp_conn_finished(cc) || !tcp_conn_finished(sc))
		return;
	f->res.done = true;
	f->res.t_complete_ns = ev_now(f->loop);
	flow_progress(f, f->res.t_complete_ns);
	f->res.ok = f->res.connected && f->res.intact && f->res.bytes_delivered == f->spec.bytes &&
		    f->res.reply_delivered == f->spec.reply_bytes;
	if (!f->res.ok)
		snprintf(f->res.failure, sizeof f->res.failure,
			 "closed with %llu of %llu bytes and %llu of %llu reply bytes intact",
			 (unsigned long long)f->res.bytes_delivered,
			 (unsigned long long)f->spec.bytes,
			 (unsigned long long)f->res.reply_delivered,
			 (unsigned long long)f->spec.reply_bytes);
	if (f->spec.on_done)
		f->spec.on_done(f->spec.on_done_arg, f);
}

static void flow_start_fn(struct ev_timer *t)
{
	struct stack_flow *f = STACK_CONTAINER_OF(t, struct stack_flow, start_timer);
	struct stack *s = f->client;
	if (!s || !f->server) {
		flow_fail(f, "a stack of the flow is gone");
		return;
	}
	f->res.t_start_ns = ev_now(f->loop);
	f->res.t_last_progress_ns = f->res.t_start_ns;
	uint16_t sport = f->spec.src_port;
	if (!sport) {
		sport = s->next_port;
		s->next_port = (uint16_t)(s->next_port >= 60999 ? 32768 : s->next_port + 1);
	}
	if (!tcp_connect(s, f, f->spec.family, stack_addr(f->server, f->spec.family), sport,
			 f->spec.port))
		flow_fail(f, "out of memory");
}

/* Start a flow (see stack.h). */
struct stack_flow *stack_flow_start(struct stack *client, struct stack *server,
				    const struct stack_flow_spec *spec)
{
	if (!client || !server || !spec || (spec->family != 4 && spec->family != 6) ||
	    !spec->port || !stack_addr(client, spec->family) || !stack_addr(server, spec->family) ||
	    client->loop != server->loop)
		return NULL;
	for (struct stack_flow *o = server->listeners; o; o = o->listen_next)
		if (o->listening && o->spec.family == spec->family && o->spec.port == spec->port)
			return NULL; /* EADDRINUSE */
	struct stack_flow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->spec = *spec;
	snprintf(f->name, sizeof f->name, "%s", spec->name ? spec->name : "flow");
	f->spec.name = f->name;
	f->loop = client->loop;
	f->client = client;
	f->server = server;
	f->res.intact = true;
	f->listening = true;
	f->listen_next = server->listeners;
	server->listeners = f;
	f->client_next = client->client_flows;
	client->client_flows = f;
	ev_timer_init(&f->start_timer, flow_start_fn);
	uint64_t t = spec->start_ns > ev_now(f->loop) ? spec->start_ns : ev_now(f->loop);
	if (ev_timer_arm(f->loop, &f->start_timer, t) != 0) {
		stack_flow_free(f);
		return NULL;
	}
	return f;
}

static void flow_unlink(struct stack_flow *f)
{
	if (f->server) {
		for (struct stack_flow **pp = &f->server->listeners; *pp; pp = &(*pp)->listen_next)
			if (*pp == f) {
				*pp = f->listen_next;
				break;
			}
		f->server = NULL;
	}
	if (f->client) {
		for (struct stack_flow **pp = &f->client->client_flows; *pp; pp = &(*pp)->client_next)
			if (*pp == f) {
				*pp = f->client_next;
				break;
			}
		f->client = NULL;
	}
	f->listening = false;
}

/* Abort, detach and free a flow (see stack.h). */
void stack_flow_free(struct stack_flow *f)
{
	if (!f)
		return;
	ev_timer_cancel(f->loop, &f->start_timer);
	tcp_conn_detach(f->cc);
	tcp_conn_detach(f->sc);
	flow_unlink(f);
	free(f);
}

const struct stack_flow_result *stack_flow_result(const struct stack_flow *f)
{
	return &f->res;
}
const char *stack_flow_name(const struct stack_flow *f)
{
	return f->name;
}
bool stack_flow_done(const struct stack_flow *f)
{
	return f->res.done;
}

/* Detach every flow of s (see stack_int.h). */
void flow_stack_destroy(struct stack *s)
{
	while (s->listeners) {
		struct stack_flow *f = s->listeners;
		s->listeners = f->listen_next;
		f->server = NULL;
		f->listening = false;
	}
	while (s->client_flows) {
		struct stack_flow *f = s->client_flows;
		s->client_flows = f->client_next;
		f->client = NULL;
		ev_timer_cancel(f->loop, &f->start_timer);
	}
}
