/*
 * test_topo_faults.c — allocation-failure injection over the seed topology
 * (issue 9): a clean run (topology built, 64 KiB A->B and X->B with a small
 * reply, torn down) counts its packet allocations; then each allocation site
 * of the flows, and an even spread of at most FAULT_MAX_RUNS of the setup's,
 * is made to fail in turn (pkt_fault_fail_nth). Every run must end in
 *  - a clean error: topo_seed_create NULL with a reason, or scenario_run
 *    -errno with a reason; or
 *  - flows each either ok or failed with a reason, never data corrupted;
 * never a crash and never a leak (topo_destroy 0, pkt_outstanding_total 0);
 * and whenever a flow lost data (a retransmission, or not ok) a named loss
 * counter moved (tx_dropped, rx_dropped, replenish_no_mem,
 * rx_alloc_failures, tx_alloc_fail, ... — soak.h's list).
 * The driver-level version is test_faults.c.
 */
#include <malloc.h>

#include "harden/soak.h"
#include "test.h"

#define FAULT_FLOW_BYTES (64u * 1024u)
#define FAULT_REPLY_BYTES (4u * 1024u)
/* Setup sites tried: an even spread of this many (fewer under ASan, where
 * building the topology is ten times slower; every flow site is tried in
 * both builds). */
#if defined(__SANITIZE_ADDRESS__)
#define FAULT_MAX_RUNS 60u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULT_MAX_RUNS 60u
#endif
#endif
#ifndef FAULT_MAX_RUNS
#define FAULT_MAX_RUNS 300u
#endif

struct fault_outcome {
	bool built, ran;
	bool lost;       /* some flow retransmitted or failed */
	uint64_t losses; /* named loss counters summed */
	unsigned failed; /* flows not ok (each with a reason) */
};

static uint64_t loss_sum(struct topo *t)
{
	struct soak_losses l = {0, NULL};
	topo_for_each_counter(t, soak_loss_visit, &l);
	return l.total;
}

/* One run with the k-th allocation failing (0: none). Checks what must hold
 * of every run; returns what happened. */
static struct fault_outcome fault_run(uint64_t k, int family, uint64_t *setup_allocs,
				      uint64_t *run_allocs)
{
	struct fault_outcome oc = {false, false, false, 0, 0};
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.seed = 7;
	char err[256] = "";
	pkt_fault_fail_nth(k);
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	if (setup_allocs)
		*setup_allocs = pkt_fault_fail_nth(k); /* keep it armed if not yet hit */
	if (!t) {
		pkt_fault_fail_nth(0);
		if (!err[0])
			TEST_FAILF("site %" PRIu64 ": topology refused with no reason", k);
		if (pkt_outstanding_total() != 0)
			TEST_FAILF("site %" PRIu64 ": failed setup leaked %" PRIu64 " packets", k,
				   pkt_outstanding_total());
		return oc;
	}
	oc.built = true;
	struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_default_flows(specs, FAULT_FLOW_BYTES, FAULT_REPLY_BYTES);
	struct scenario_options so;
	scenario_options_default(&so);
	so.family = family;
	so.virtual_limit_ns = 120ull * 1000000000ull;
	static struct scenario_result res;
	int rc = scenario_run(t, specs, n, &so, &res, err, sizeof(err));
	uint64_t ra = pkt_fault_fail_nth(0);
	if (run_allocs)
		*run_allocs = ra;
	if (rc) {
		if (!err[0])
			TEST_FAILF("site %" PRIu64 ": scenario error %d with no reason", k, rc);
	} else {
		oc.ran = true;
		for (unsigned i = 0; i < res.n_flows; i++) {
			const struct scenario_flow_result *r = &res.flows[i];
			if (!r->intact)
				TEST_FAILF("site %" PRIu64 ": flow %s delivered corrupted data", k,
					   r->name);
			if (!r->ok && !r->failure[0])
				TEST_FAILF("site %" PRIu64 ": flow %s failed with no reason", k,
					   r->name);
			if (r->bytes_delivered > specs[i].bytes ||
			    r->reply_delivered > specs[i].reply_bytes)
				TEST_FAILF("site %" PRIu64 ": flow %s delivered more than sent", k,
					   r->name);
			if (!r->ok)
				oc.failed++;
			if (!r->ok || r->retransmits || r->syn_retransmits || r->synack_retransmits)
				oc.lost = true;
		}
		oc.losses = loss_sum(t);
		if (oc.lost && oc.losses == 0) {
			TEST_FAILF("site %" PRIu64 " (IPv%d): data lost with no loss counter moved",
				   k, family);
			for (unsigned i = 0; i < res.n_flows; i++)
				printf("#   %s ok %d retrans %" PRIu64 "/%" PRIu64 "/%" PRIu64
				       " %s\n",
				       res.flows[i].name, res.flows[i].ok, res.flows[i].retransmits,
				       res.flows[i].syn_retransmits,
				       res.flows[i].synack_retransmits, res.flows[i].failure);
		}
	}
	uint64_t leaked = topo_destroy(t);
	if (leaked || pkt_outstanding_total())
		TEST_FAILF("site %" PRIu64 ": leaked %" PRIu64 " packets (%" PRIu64 " outstanding)",
			   k, leaked, pkt_outstanding_total());
	return oc;
}

static void fault_sweep(int family)
{
	/* meson sets MALLOC_PERTURB_ for tests: glibc then fills every block
	 * at malloc and free, touching each topology's ~100 MB of partition
	 * memory twice and making a run 30 times slower. The sweep builds
	 * hundreds of topologies; perturbation is the other tests' business. */
	mallopt(M_PERTURB, 0);
	uint64_t setup = 0, runn = 0;
	struct fault_outcome clean = fault_run(0, family, &setup, &runn);
	REQUIRE(clean.built && clean.ran);
	CHECK(!clean.lost);
	uint64_t sites = setup + runn;
	REQUIRE(setup > 0 && runn > 0);
	/* Every site of the flows (the data path), and an even spread of at
	 * most FAULT_MAX_RUNS of the setup's (mostly receive buffers posted
	 * at open, one site each). */
	uint64_t setup_runs = setup < FAULT_MAX_RUNS ? setup : FAULT_MAX_RUNS;
	uint64_t runs = setup_runs + runn;
	unsigned refused = 0, errored = 0, lossy = 0, clean_runs = 0, failed = 0;
	for (uint64_t j = 0; j < runs; j++) {
		uint64_t k = j < setup_runs
				     ? (setup_runs == 1 ? 1 : 1 + j * (setup - 1) / (setup_runs - 1))
				     : setup + 1 + (j - setup_runs);
		struct fault_outcome oc = fault_run(k, family, NULL, NULL);
		failed += oc.failed;
		if (!oc.built)
			refused++;
		else if (!oc.ran)
			errored++;
		else if (oc.lost)
			lossy++;
		else
			clean_runs++;
	}
	printf("# IPv%d: %" PRIu64 " allocation sites (%" PRIu64 " in setup, %" PRIu64
	       " in the flows); %" PRIu64 " failed in turn: %u setups refused, %u scenario errors, "
	       "%u runs lost data (each counted; %u flows failed with a reason), %u unaffected\n",
	       family, sites, setup, runn, runs, refused, errored, lossy, failed, clean_runs);
}

TEST(each_allocation_over_the_topology_fails_cleanly_ipv4)
{
	fault_sweep(4);
}

TEST(each_allocation_over_the_topology_fails_cleanly_ipv6)
{
	fault_sweep(6);
}

TEST_MAIN()
