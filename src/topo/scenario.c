/*
 * scenario.c — runs flows over a topology on its event loop and gathers the
 * results (see scenario.h). Wall-clock time is measured around the loop:
 * payload per wall second says how fast illan itself moves the bytes (the
 * modelled links have no rate; virtual time passes on timers only).
 */
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ev/ev.h"
#include "stack/stack.h"

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void scenario_options_default(struct scenario_options *o)
{
	memset(o, 0, sizeof(*o));
	o->family = 4;
	o->virtual_limit_ns = 600ull * 1000000000ull;
	o->trace_first = 8;
	o->explain = true;
}

unsigned scenario_default_flows(struct scenario_flow_spec *specs, uint64_t bytes, uint64_t reply_bytes)
{
	memset(specs, 0, 2 * sizeof(*specs));
	snprintf(specs[0].name, sizeof(specs[0].name), "A->B");
	specs[0].client = TOPO_EP_A;
	specs[0].server = TOPO_EP_B;
	specs[0].port = 5001;
	snprintf(specs[1].name, sizeof(specs[1].name), "X->B");
	specs[1].client = TOPO_EP_X;
	specs[1].server = TOPO_EP_B;
	specs[1].port = 5002;
	for (int i = 0; i < 2; i++) {
		specs[i].bytes = bytes;
		specs[i].reply_bytes = reply_bytes;
	}
	return 2;
}

/* scenario_flows_of: see scenario.h. */
unsigned scenario_flows_of(const struct topo *t, struct scenario_flow_spec *specs, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->desc->n_flows && n < max; i++) {
		const struct topo_flow *f = &t->desc->flows[i];
		int c = topo_find_ep(t, f->from), s = topo_find_ep(t, f->to);
		if (c < 0 || s < 0)
			continue;
		struct scenario_flow_spec *sp = &specs[n++];
		memset(sp, 0, sizeof(*sp));
		snprintf(sp->name, sizeof(sp->name), "%s", f->name);
		sp->client = (unsigned)c;
		sp->server = (unsigned)s;
		sp->bytes = f->bytes;
		sp->reply_bytes = f->reply_bytes;
		sp->port = f->port;
		sp->start_ns = f->start_ns;
	}
	return n;
}

struct run_state {
	struct stack_flow *flows[SCENARIO_MAX_FLOWS];
	double done_wall[SCENARIO_MAX_FLOWS];
	unsigned n, n_done;
	struct trace *tr;
	const struct scenario_options *o;
	struct ev_loop *loop;
	uint64_t total, v0; /* bytes to move (both ways, every flow); virtual start */
	double t0, last_draw;
	bool drawn;
};

static void on_done(void *arg, struct stack_flow *f)
{
	struct run_state *st = arg;
	for (unsigned i = 0; i < st->n; i++)
		if (st->flows[i] == f && st->done_wall[i] == 0) {
			st->done_wall[i] = wall_now();
			st->n_done++;
		}
}

static void mib(char *buf, size_t size, double bytes, const char *unit)
{
	snprintf(buf, size, "%.1f%s", bytes / (1024.0 * 1024.0), unit);
}

/* The progress line: bytes moved so far (both ways, every flow) of the
 * total, the rate per wall second, the time left at that rate, and the
 * virtual clock. Redrawn in place at most 4 times a second. */
static void draw_progress(struct run_state *st, double now)
{
	uint64_t moved = 0;
	for (unsigned i = 0; i < st->n; i++) {
		const struct stack_flow_result *fr = stack_flow_result(st->flows[i]);
		moved += fr->bytes_delivered + fr->reply_delivered;
	}
	double el = now - st->t0, rate = el > 0 ? (double)moved / el : 0;
	char a[32], b[32], eta[32] = "?";
	mib(a, sizeof(a), (double)moved, "");
	mib(b, sizeof(b), (double)st->total, " MiB");
	if (rate > 0 && st->total >= moved)
		snprintf(eta, sizeof(eta), "%.0f s", (double)(st->total - moved) / rate);
	/* short enough for an 80-column terminal, so \r redraws one line */
	fprintf(stderr,
		"\r\033[K  %s of %s (%.0f%%)  %.1f MiB/s wall  ETA %s  flows %u/%u  virtual %.3f s",
		a, b, st->total ? 100.0 * (double)moved / (double)st->total : 100.0,
		rate / (1024.0 * 1024.0), eta, st->n_done, st->n,
		(double)(ev_now(st->loop) - st->v0) / 1e9);
	fflush(stderr);
	st->drawn = true;
	st->last_draw = now;
}

/* Between tasks (ev_set_check): stop on Ctrl-C, draw the progress line. */
static bool check(void *arg)
{
	struct run_state *st = arg;
	if (st->o->interrupt && *st->o->interrupt)
		return true;
	if (st->o->progress) {
		double now = wall_now();
		if (now - st->last_draw >= 0.25)
			draw_progress(st, now);
	}
	return false;
}

static bool all_done(void *arg)
{
	struct run_state *st = arg;
	return st->n_done == st->n || check(st);
}

static void on_drop(void *arg, struct stack *s, const struct pkt *p, const char *reason)
{
	struct trace *tr = arg;
	trace_drop(tr, stack_name(s), p, reason);
}

struct drop_walk {
	struct trace *tr;
	struct topo *t;
};

/* Drops that no endpoint saw (NIC rings, the hypervisor, drivers, the bridge,
 * and the stack's counted-only drops) become explanations from counters;
 * the stacks' receive drops were already explained packet by packet. */
static void count_drops(void *arg, const char *obj, const struct counter_desc *d, uint64_t v)
{
	struct drop_walk *w = arg;
	const char *name = d->name;
	if (!v)
		return;
	bool is_stack = false;
	for (unsigned e = 0; e < w->t->n_eps; e++)
		if (w->t->eps[e].stack && strcmp(obj, stack_name(w->t->eps[e].stack)) == 0)
			is_stack = true;
	if (is_stack && strcmp(name, "tcp_ofo_drop") != 0 &&
	    strcmp(name, "neigh_queue_drops") != 0 && strcmp(name, "tx_alloc_fail") != 0)
		return;
	trace_count_drop(w->tr, obj, d, v);
}

/* scenario_run: see scenario.h. */
int scenario_run(struct topo *t, const struct scenario_flow_spec *specs, unsigned n,
		 const struct scenario_options *o, struct scenario_result *res, char *err,
		 size_t err_size)
{
	memset(res, 0, sizeof(*res));
	if (n == 0 || n > SCENARIO_MAX_FLOWS || (o->family != 4 && o->family != 6)) {
		snprintf(err, err_size, "bad scenario (flows %u, family %d)", n, o->family);
		return -EINVAL;
	}
	struct run_state st;
	memset(&st, 0, sizeof(st));
	st.n = n;
	st.o = o;
	st.loop = t->loop;
	for (unsigned i = 0; i < n; i++)
		st.total += specs[i].bytes + specs[i].reply_bytes;
	if (o->explain || o->trace_file || o->pcap_dir) {
		st.tr = trace_create(o->trace_file, o->pcap_dir, o->trace_first, err, err_size);
		if (!st.tr)
			return -EINVAL; /* a trace file or pcap directory we cannot write */
		for (unsigned e = 0; e < t->n_eps; e++) {
			trace_name_endpoint(st.tr, stack_name(t->eps[e].stack), t->eps[e].display);
			stack_set_drop_hook(t->eps[e].stack, on_drop, st.tr);
		}
		trace_set_clock(st.tr, t->loop);
		trace_observe_hv(st.tr, t->hv); /* the ILLAN flags at each hop */
		trace_install(st.tr);
	}
	double t0 = wall_now();
	uint64_t v0 = ev_now(t->loop);
	st.t0 = st.last_draw = t0;
	st.v0 = v0;
	int rc = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct scenario_flow_spec *sp = &specs[i];
		struct stack_flow_spec fs;
		memset(&fs, 0, sizeof(fs));
		fs.name = sp->name;
		fs.family = o->family;
		fs.port = sp->port;
		fs.src_port = (uint16_t)(40000 + i);
		fs.bytes = sp->bytes;
		fs.reply_bytes = sp->reply_bytes;
		fs.seed = t->cfg.seed * 7919u + i;
		fs.start_ns = v0 + sp->start_ns;
		fs.on_done = on_done;
		fs.on_done_arg = &st;
		if (sp->client >= t->n_eps || sp->server >= t->n_eps || !t->eps[sp->client].stack ||
		    !t->eps[sp->server].stack) {
			snprintf(err, err_size, "flow %s: no such endpoint", sp->name);
			rc = -EINVAL;
			goto out;
		}
		st.flows[i] =
			stack_flow_start(t->eps[sp->client].stack, t->eps[sp->server].stack, &fs);
		if (!st.flows[i]) {
			snprintf(err, err_size, "cannot start flow %s", sp->name);
			rc = -EINVAL;
			goto out;
		}
		if (st.tr) {
			const struct topo_ep *ce = &t->eps[sp->client], *se = &t->eps[sp->server];
			const uint8_t *ca = o->family == 4 ? ce->ip4 : ce->ip6;
			const uint8_t *sa = o->family == 4 ? se->ip4 : se->ip6;
			trace_add_flow(st.tr, sp->name, o->family, ca, fs.src_port, sa, sp->port);
		}
	}
	if (o->interrupt || o->progress)
		ev_set_check(t->loop, check, &st);
	ev_run_until(t->loop, all_done, &st, v0 + o->virtual_limit_ns);
	ev_set_check(t->loop, NULL, NULL);
	double t1 = wall_now();
	if (st.drawn)
		fprintf(stderr, "\r\033[K");
	res->interrupted = st.n_done < n && o->interrupt && *o->interrupt;
	res->wall_s = t1 - t0;
	res->virtual_s = (double)(ev_now(t->loop) - v0) / 1e9;
	res->ok = true;
	res->n_flows = n;
	for (unsigned i = 0; i < n; i++) {
		const struct stack_flow_result *fr = stack_flow_result(st.flows[i]);
		struct scenario_flow_result *r = &res->flows[i];
		snprintf(r->name, sizeof(r->name), "%s", specs[i].name);
		r->ok = fr->ok;
		r->connected = fr->connected;
		r->intact = fr->intact;
		r->syn_retransmits = fr->syn_retransmits;
		r->synack_retransmits = fr->synack_retransmits;
		r->retransmits = fr->retransmits;
		r->bytes_sent = fr->bytes_sent;
		r->bytes_delivered = fr->bytes_delivered;
		r->reply_sent = fr->reply_sent;
		r->reply_delivered = fr->reply_delivered;
		double end = st.done_wall[i] ? st.done_wall[i] : t1;
		r->wall_s = end - t0;
		res->payload_delivered += fr->bytes_delivered + fr->reply_delivered;
		/* a failed flow has no speed: a broken run must not look fast */
		r->goodput_gbps = r->wall_s > 0 && fr->ok
					  ? (double)(fr->bytes_delivered + fr->reply_delivered) *
						    8 / r->wall_s / 1e9
					  : 0;
		uint64_t tend = fr->done ? fr->t_complete_ns : ev_now(t->loop); /* 0 is a time */
		r->virtual_s = (double)(tend - fr->t_start_ns) / 1e9;
		uint64_t stall = fr->longest_stall_ns, from = fr->stall_from_ns;
		if (!fr->done && tend - fr->t_last_progress_ns > stall) {
			stall = tend - fr->t_last_progress_ns; /* still stalled at the limit */
			from = fr->t_last_progress_ns;
		}
		r->stall_s = (double)stall / 1e9;
		r->stall_from_s = (double)(from - v0) / 1e9;
		if (!fr->done && res->interrupted)
			snprintf(r->failure, sizeof(r->failure),
				 "interrupted after %.3f s of wall time, %.3f s virtual",
				 res->wall_s, res->virtual_s);
		else if (!fr->done)
			snprintf(r->failure, sizeof(r->failure),
				 "not finished after %.0f s of virtual time",
				 (double)o->virtual_limit_ns / 1e9);
		else
			snprintf(r->failure, sizeof(r->failure), "%s", fr->failure);
		if (!r->ok)
			res->ok = false;
	}
	if (st.tr) {
		topo_for_each_counter(t, count_drops, &(struct drop_walk){st.tr, t});
		uint64_t lost = trace_explanations_lost(st.tr);
		if (lost) {
			char text[96];
			snprintf(text, sizeof(text),
				 "drops of further kinds not itemised (more than %d kinds)",
				 TRACE_MAX_EXPLAIN);
			trace_add_text(st.tr, text, false, lost, NULL, NULL);
		}
		const struct trace_explanation *ex;
		res->n_expl = trace_explanations(st.tr, &ex);
		memcpy(res->expl, ex, res->n_expl * sizeof(*ex));
	}
out:
	for (unsigned i = 0; i < n; i++)
		if (st.flows[i])
			stack_flow_free(st.flows[i]);
	if (st.tr) {
		trace_pcap_note(st.tr, res->pcap_note, sizeof(res->pcap_note));
		for (unsigned e = 0; e < t->n_eps; e++)
			stack_set_drop_hook(t->eps[e].stack, NULL, NULL);
		trace_destroy(st.tr);
	}
	return rc;
}
