/*
 * scenario.h — running TCP flows over the seed topology in embedded mode and
 * collecting what happened: per-flow results, every named counter, and the
 * explanation of every drop.
 *
 * Serves `illan run`, `illan matrix`, `illan bench` and the scenario tests.
 */
#ifndef ILLAN_SCENARIO_H
#define ILLAN_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "topo.h"
#include "trace.h"

#define SCENARIO_MAX_FLOWS TOPO_MAX_FLOWS

struct scenario_flow_spec {
	char name[2 * TOPO_NAME_MAX + 2]; /* "A->B" */
	unsigned client, server;          /* indices into topo->eps */
	uint64_t bytes, reply_bytes;
	uint16_t port;
	uint64_t start_ns; /* virtual time after the run's start */
};

struct scenario_flow_result {
	char name[2 * TOPO_NAME_MAX + 2];
	bool ok; /* connected, every byte both ways delivered intact */
	bool connected;
	bool intact;
	uint64_t syn_retransmits, synack_retransmits, retransmits;
	uint64_t bytes_sent, bytes_delivered; /* client to server */
	uint64_t reply_sent, reply_delivered; /* server to client */
	double wall_s;                        /* wall-clock seconds from start to completion */
	/* Payload bits delivered (both ways) per wall second of emulation: how
	 * fast illan itself moved them, not a speed of the modelled path (its
	 * links have no modelled rate). 0 for a flow that failed. */
	double goodput_gbps;
	double virtual_s;    /* virtual time to completion (it passes on timers only) */
	double stall_s;      /* longest virtual time without delivery either way */
	double stall_from_s; /* when it began, from the run's start */
	char failure[128];
};

struct scenario_options {
	int family;                /* 4 or 6 */
	uint64_t virtual_limit_ns; /* give up after this much virtual time */
	const char *trace_file;    /* NULL: none */
	const char *pcap_dir;      /* NULL: none */
	unsigned trace_first;      /* packets of each flow direction traced (8) */
	bool explain;              /* record hops to explain drops (default on) */
	bool progress;             /* a progress line on stderr (a terminal's), redrawn */
	/* Set (by the caller's signal handler) to stop the run early: the
	 * results so far are gathered, unfinished flows fail "interrupted". */
	const volatile int *interrupt;
};

struct scenario_result {
	bool ok; /* every flow ok and nothing leaked */
	unsigned n_flows;
	struct scenario_flow_result flows[SCENARIO_MAX_FLOWS];
	unsigned n_expl;
	struct trace_explanation expl[TRACE_MAX_EXPLAIN];
	double wall_s;
	double virtual_s;
	uint64_t payload_delivered; /* every flow's bytes delivered, both ways */
	bool interrupted;           /* stopped by o->interrupt before the flows finished */
	char pcap_note[1024];       /* trace_pcap_note of --pcap: CHECKSUM_PARTIAL frames */
};

void scenario_options_default(struct scenario_options *o);
/* The seed's flows: A->B and X->B, each `bytes` with a reply of reply_bytes. */
unsigned scenario_default_flows(struct scenario_flow_spec *specs, uint64_t bytes,
				uint64_t reply_bytes);
/* The flows of t's description, with the volumes it gives (the caller fills
 * those the file left unset before building). Flows naming an endpoint the
 * topology lacks are skipped. Returns how many were written (at most max). */
unsigned scenario_flows_of(const struct topo *t, struct scenario_flow_spec *specs, unsigned max);
/* Run the flows to completion (or the virtual time limit). Returns 0, or
 * -errno when the run could not start (err says why). */
int scenario_run(struct topo *t, const struct scenario_flow_spec *specs, unsigned n,
		 const struct scenario_options *o, struct scenario_result *res, char *err,
		 size_t err_size);

#endif
