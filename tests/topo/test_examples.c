/*
 * test_examples.c — the example topologies end to end, embedded mode, with
 * exact counters (the runs are deterministic):
 *  - dual-vios-failover: ACTIVE_TRUNK moves to the standby when the primary
 *    stops and back when it returns (PowerVM's priority rule); every byte
 *    of every flow arrives; the outage a flow saw is bounded and reported;
 *  - many-lpars: 64 partitions, every pair on a VLAN talks, nothing crosses
 *    VLANs;
 *  - bridge-in-a-partition: what PowerVM carries and what it does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev/ev.h"
#include "hv/hv.h"
#include "hv/papr.h"
#include "pkt/pkt.h"
#include "test.h"
#include "topo/scenario.h"
#include "topo/topo.h"
#include "topo/topofile.h"
#include "topo_test_util.h"

#define SEC 1000000000ull

static struct topo_desc *load(const char *example)
{
	return tt_load_example(example);
}

static struct topo *build(struct topo_desc *d)
{
	char err[512] = "";
	struct topo *t = d ? topo_create(d, NULL, err, sizeof(err)) : NULL;
	if (!t)
		printf("# %s\n", err);
	return t;
}

/* The flows' volumes as `illan run --bytes` sets them where the file gave
 * none. */
static void volumes(struct topo_desc *d, uint64_t bytes, uint64_t reply)
{
	for (unsigned i = 0; i < d->n_flows; i++) {
		if (!d->flows[i].bytes_given)
			d->flows[i].bytes = bytes;
		if (!d->flows[i].reply_given)
			d->flows[i].reply_bytes = reply;
	}
}

static void run(struct topo *t, struct scenario_result *res)
{
	static struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_flows_of(t, specs, SCENARIO_MAX_FLOWS);
	struct scenario_options so;
	scenario_options_default(&so);
	char err[256] = "";
	int rc = scenario_run(t, specs, n, &so, res, err, sizeof(err));
	if (rc)
		printf("# %s\n", err);
	CHECK_EQ(rc, 0);
	for (unsigned i = 0; i < res->n_expl; i++)
		printf("# drop: %" PRIu64 "x %s\n", res->expl[i].count, res->expl[i].text);
}

static const struct scenario_flow_result *flow(const struct scenario_result *r, const char *name)
{
	for (unsigned i = 0; i < r->n_flows; i++)
		if (strcmp(r->flows[i].name, name) == 0)
			return &r->flows[i];
	return NULL;
}

/* ACTIVE_TRUNK of an adapter as its driver's probe would read it now. */
static bool active(struct topo *t, const char *name)
{
	struct topo_dev *td = topo_find_dev(t, name);
	REQUIRE(td && td->is_adapter);
	uint64_t attrs = 0;
	CHECK_EQ(h_illan_attributes(td->hvp, td->ua, 0, 0, &attrs), H_SUCCESS);
	return (attrs & IBMVETH_ILLAN_ACTIVE_TRUNK) != 0;
}

TEST(failover_active_trunk_moves_and_returns)
{
	struct topo *t = build(load("dual-vios-failover.yaml"));
	REQUIRE(t);
	CHECK(active(t, "trunk-in1") && active(t, "trunk-out1"));
	CHECK(!active(t, "trunk-in2") && !active(t, "trunk-out2"));
	ev_run_until(t->loop, NULL, NULL, 2 * SEC + SEC / 2); /* ios1 stopped at 2 s */
	CHECK_U64(t->n_events_fired, 1);
	CHECK(!active(t, "trunk-in1") && !active(t, "trunk-out1"));
	CHECK(active(t, "trunk-in2") && active(t, "trunk-out2"));
	ev_run_until(t->loop, NULL, NULL, 6 * SEC + SEC / 2); /* back at 6 s */
	CHECK_U64(t->n_events_fired, 2);
	CHECK(active(t, "trunk-in1") && active(t, "trunk-out1"));
	CHECK(!active(t, "trunk-in2") && !active(t, "trunk-out2"));
	CHECK_U64(topo_destroy(t), 0);
}

TEST(failover_every_byte_arrives_outage_bounded)
{
	struct topo_desc *d = load("dual-vios-failover.yaml");
	REQUIRE(d);
	struct topo *t = build(d);
	REQUIRE(t);
	static struct scenario_result res;
	run(t, &res);
	CHECK(res.ok);
	CHECK_U64(res.n_flows, 6);
	for (unsigned i = 0; i < res.n_flows; i++) {
		const struct scenario_flow_result *f = &res.flows[i];
		CHECK(f->ok && f->intact);
		CHECK_U64(f->bytes_delivered, 16u << 20);
		CHECK_U64(f->reply_delivered, 1u << 20);
	}
	/* before and after: no stall, no retransmission */
	static const char *const calm[] = {"A->B before", "X->B before", "A->B failback",
					   "X->B failback"};
	for (unsigned i = 0; i < 4; i++) {
		const struct scenario_flow_result *f = flow(&res, calm[i]);
		REQUIRE(f);
		CHECK(f->stall_s < 0.001);
		CHECK_U64(f->syn_retransmits, 0);
	}
	/* during: the flows started at 3 s stall until ios1 is back at 6 s,
	 * exactly (SYN at 3 s, retransmitted at 4 s and 6 s: the second gets
	 * through the primary). Why, in the report: A's SYN reaches VM B through
	 * trunk-out2 without NO_CSUM|CSUM_GOOD (its driver was probed as a
	 * standby: is_active_trunk is read once, at probe, as ibmveth_probe
	 * does), and host X's SYN goes to phys1, where the external switch last
	 * saw VM B, while ios1 is down. */
	static const char *const hit[] = {"A->B failover", "X->B failover"};
	for (unsigned i = 0; i < 2; i++) {
		const struct scenario_flow_result *f = flow(&res, hit[i]);
		REQUIRE(f);
		CHECK(f->stall_s > 2.999 && f->stall_s < 3.001);
		CHECK(f->stall_from_s > 2.999 && f->stall_from_s < 3.001);
		CHECK_U64(f->syn_retransmits, 2);
	}
	CHECK_U64(topo_counter(t, "B", "tcp_bad_checksum"), 2);
	CHECK_U64(topo_counter(t, "phys1", "rx_down_drops"), 4);
	CHECK_U64(topo_counter(t, "hv:trunk-in2", "standby_discards"), 2);
	CHECK_U64(topo_counter(t, "hv:trunk-out2", "standby_discards"), 2);
	/* ios2 carried only the outage: A's two SYNs to VM B (3 s and 4 s), plus
	 * two floods it tried while standby (dropped by the hypervisor, above);
	 * the primary carried the rest, before and after */
	CHECK_U64(topo_counter(t, "trunk-out2", "tx_packets"), 4);
	CHECK(topo_counter(t, "trunk-out1", "tx_packets") > 1000);
	CHECK_U64(topo_destroy(t), 0);
}

TEST(many_lpars_every_pair_talks)
{
	struct topo_desc *d = load("many-lpars.yaml");
	REQUIRE(d);
	struct topo *t = build(d);
	REQUIRE(t);
	CHECK_U64(t->desc->n_parts, 65);
	CHECK_U64(t->n_eps, 65);
	static struct scenario_result res;
	run(t, &res);
	CHECK(res.ok);
	CHECK_U64(res.n_flows, 33);
	for (unsigned i = 0; i < res.n_flows; i++) {
		CHECK(res.flows[i].ok);
		CHECK_U64(res.flows[i].syn_retransmits, 0);
		CHECK_U64(res.flows[i].retransmits, 0);
	}
	CHECK_U64(topo_counter_sum(t, "tcp_bad_checksum"), 0);
	/* VEB: the 32 pairs never reach the IO server; host X's flow does */
	CHECK_U64(topo_counter(t, "ovs0", "upcalls"), 2);
	CHECK_U64(topo_destroy(t), 0);
}

TEST(many_lpars_nothing_crosses_vlans)
{
	struct topo_desc *d = load("many-lpars.yaml");
	REQUIRE(d);
	/* lpar09 (VLAN 20) given an address in VLAN 10's subnet: the stacks
	 * would talk if frames crossed, and they must not */
	int p = topo_desc_find_part(d, "lpar09");
	REQUIRE(p >= 0);
	struct topo_endpoint *ep = &d->parts[p].adapters[0].ep;
	const uint8_t ip[4] = {192, 0, 2, 9};
	memcpy(ep->addr.ip4, ip, 4);
	d->n_flows = 1;
	snprintf(d->flows[0].name, sizeof(d->flows[0].name), "L01->L09");
	snprintf(d->flows[0].from, sizeof(d->flows[0].from), "L01");
	snprintf(d->flows[0].to, sizeof(d->flows[0].to), "L09");
	d->flows[0].bytes = 64 << 10;
	struct topo *t = build(d);
	REQUIRE(t);
	static struct scenario_result res;
	run(t, &res);
	CHECK(!res.ok);
	CHECK(!res.flows[0].connected);
	CHECK_U64(res.flows[0].syn_retransmits, 6);
	/* not one frame reached VLAN 20's partitions */
	for (int i = 9; i <= 16; i++) {
		char obj[32];
		snprintf(obj, sizeof(obj), "hv:lpar%02d", i);
		CHECK_U64(topo_counter(t, obj, "rx_frames"), 0);
	}
	CHECK_U64(topo_destroy(t), 0);
}

TEST(bridge_in_a_partition_what_powervm_carries)
{
	struct topo_desc *d = load("bridge-in-a-partition.yaml");
	REQUIRE(d);
	volumes(d, 256 << 10, 16 << 10);
	struct topo *t = build(d);
	REQUIRE(t);
	static struct scenario_result res;
	run(t, &res);
	const struct scenario_flow_result *ax = flow(&res, "A->X"), *ac = flow(&res, "A->C"),
					  *xc = flow(&res, "X->C");
	REQUIRE(ax && ac && xc);
	CHECK(ax->ok);
	/* frames for the container's MAC never reach vm-c's client adapter:
	 * the hypervisor hands them to the trunk (VEB: no local adapter has
	 * that MAC) */
	CHECK(!ac->connected && !xc->connected);
	CHECK_U64(ac->syn_retransmits, 6);
	CHECK_U64(topo_counter(t, "C", "tcp_rx_segments"), 0);
	CHECK_U64(topo_destroy(t), 0);
}

TEST_MAIN()
