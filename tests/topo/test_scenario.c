/*
 * test_scenario.c — the seed topology end to end, embedded mode: what each
 * fix switch must show (issue 6), for IPv4 and IPv6, with exact counters
 * where the mechanism fixes them.
 */
#include <stdio.h>
#include <string.h>

#include "drv/ibmveth/ibmveth.h"
#include "pkt/pkt.h"
#include "stack/stack.h"
#include "test.h"
#include "topo/scenario.h"
#include "topo/topo.h"
#include "topo/topofile.h"
#include "topo_test_util.h"

#define F1 IBMVETH_FIX_TRUNK_OFFLOAD
#define F2 IBMVETH_FIX_TRUNK_CSUM_PARTIAL
#define F3 IBMVETH_FIX_PSEUDO_CSUM
#define F4 IBMVETH_FIX_FRAGLIST_LINEARIZE

struct outcome {
	struct scenario_result res;
	uint64_t bad_csum_a, bad_csum_b, bad_csum_x;
	uint64_t hv_sw_checksums, hv_sw_segments;
	uint64_t sw_gso_trunk_out, sw_gso_trunk_in, sw_gso_total;
	uint64_t upcalls, upcall_csum, lrg_delivered, tx_large;
	uint64_t ring_full, ofo_drops, hv_no_buffer;
	uint64_t ltb_mismatch, trunk_csum;
	uint64_t leaked;
};

/* The driver generation of the next run (cfg.driver), NULL: the fix set
 * given to run, on the seed generation v4.15. */
static const char *run_driver;

static void run(unsigned fixes, int family, bool no_offload, uint64_t bytes, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.fixes = run_driver ? TOPO_FIXES_FILE : fixes;
	cfg.driver = run_driver;
	cfg.no_offload = no_offload;
	char err[256] = "";
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	if (!t)
		printf("# topo: %s\n", err);
	REQUIRE(t);
	struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_default_flows(specs, bytes, bytes / 8);
	struct scenario_options so;
	scenario_options_default(&so);
	so.family = family;
	so.virtual_limit_ns = 200ull * 1000000000ull;
	int rc = scenario_run(t, specs, n, &so, &o->res, err, sizeof(err));
	if (rc)
		printf("# scenario: %s\n", err);
	CHECK_EQ(rc, 0);
	o->bad_csum_a = topo_counter(t, "A", "tcp_bad_checksum");
	o->bad_csum_b = topo_counter(t, "B", "tcp_bad_checksum");
	o->bad_csum_x = topo_counter(t, "X", "tcp_bad_checksum");
	o->hv_sw_checksums = topo_counter_sum(t, "hv_sw_checksums");
	o->hv_sw_segments = topo_counter_sum(t, "hv_sw_segments");
	o->sw_gso_trunk_out = topo_counter(t, "trunk-out", "sw_gso_segments");
	o->sw_gso_trunk_in = topo_counter(t, "trunk-in", "sw_gso_segments");
	o->sw_gso_total = topo_counter_sum(t, "sw_gso_segments");
	o->upcalls = topo_counter_sum(t, "upcalls");
	o->upcall_csum = topo_counter_sum(t, "upcall_csum_completions");
	o->lrg_delivered = topo_counter_sum(t, "lrg_delivered");
	o->tx_large = topo_counter_sum(t, "tx_large_packets");
	o->ring_full = topo_counter_sum(t, "rx_ring_full");
	o->ofo_drops = topo_counter_sum(t, "tcp_ofo_drop");
	o->hv_no_buffer = topo_counter_sum(t, "rx_no_buffer");
	o->ltb_mismatch = topo_counter(t, "trunk-out", "tx_ltb_len_mismatch");
	o->trunk_csum = topo_counter(t, "trunk-in", "fw_enabled_ipv4_csum") +
			topo_counter(t, "trunk-out", "fw_enabled_ipv4_csum");
	for (unsigned i = 0; i < o->res.n_expl; i++)
		printf("# drop: %" PRIu64 "x %s\n", o->res.expl[i].count, o->res.expl[i].text);
	o->leaked = topo_destroy(t);
	CHECK_U64(o->leaked, 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

static const struct scenario_flow_result *flow(const struct outcome *o, const char *name)
{
	for (unsigned i = 0; i < o->res.n_flows; i++)
		if (strcmp(o->res.flows[i].name, name) == 0)
			return &o->res.flows[i];
	return NULL;
}

static bool has_issue(const struct outcome *o, unsigned issue)
{
	for (unsigned i = 0; i < o->res.n_expl; i++)
		if (o->res.expl[i].seed_issue == issue)
			return true;
	return false;
}

static void all_fixes(int family)
{
	struct outcome o;
	run(IBMVETH_FIX_ALL, family, false, 2u << 20, &o);
	CHECK(o.res.ok);
	for (unsigned i = 0; i < o.res.n_flows; i++) {
		const struct scenario_flow_result *f = &o.res.flows[i];
		CHECK(f->connected);
		CHECK(f->intact);
		CHECK_U64(f->syn_retransmits, 0);
		CHECK_U64(f->synack_retransmits, 0);
		CHECK_U64(f->retransmits, 0); /* nothing lost anywhere on the way */
		CHECK_U64(f->bytes_delivered, 2u << 20);
		CHECK_U64(f->reply_delivered, (2u << 20) / 8);
	}
	CHECK_U64(o.bad_csum_a + o.bad_csum_b + o.bad_csum_x, 0);
	/* no queue anywhere overflowed: the senders respect the windows */
	CHECK_U64(o.ring_full, 0);
	CHECK_U64(o.ofo_drops, 0);
	CHECK_U64(o.hv_no_buffer, 0);
	/* no software segmentation or checksumming anywhere on the path */
	CHECK_U64(o.hv_sw_checksums, 0);
	CHECK_U64(o.hv_sw_segments, 0);
	CHECK_U64(o.sw_gso_total, 0);
	/* large send really used end to end: every large frame sent arrived
	 * whole (exact: the run is deterministic) */
	CHECK_U64(o.tx_large, 150);
	CHECK_U64(o.lrg_delivered, 150);
	/* each direction of each connection missed the flow cache exactly once
	 * (a mutant without the flow cache makes thousands of upcalls) */
	CHECK_U64(o.upcalls, 4);
	CHECK_U64(o.upcall_csum, 3);
	for (unsigned i = 0; i < o.res.n_expl; i++)
		CHECK(o.res.expl[i].harmless);
}

static void fix1_off(int family)
{
	struct outcome o;
	run(F2 | F3 | F4, family, false, 1u << 20, &o);
	CHECK(o.res.ok);
	const struct scenario_flow_result *ab = flow(&o, "A->B");
	REQUIRE(ab);
	CHECK_U64(ab->syn_retransmits, 0);
	/* the trunks run without offloads: the hypervisor does the work, and
	 * trunk-out segments what GRO merged: the NIC's (X->B) and, since
	 * ibmveth_poll hands frames to GRO, trunk-in's (A->B) */
	CHECK_U64(o.hv_sw_checksums, family == 4 ? 1026 : 1042);
	CHECK_U64(o.hv_sw_segments, family == 4 ? 899 : 913);
	CHECK_U64(o.sw_gso_trunk_out, family == 4 ? 1438 : 1457);
	CHECK_U64(o.lrg_delivered, 0);
	CHECK_U64(o.bad_csum_a + o.bad_csum_b + o.bad_csum_x, 0);
}

static void fix2_off(int family)
{
	struct outcome o;
	run(F1 | F3 | F4, family, false, 256u << 10, &o);
	CHECK(!o.res.ok);
	const struct scenario_flow_result *ab = flow(&o, "A->B"), *xb = flow(&o, "X->B");
	REQUIRE(ab && xb);
	CHECK(!ab->connected);
	CHECK(!xb->connected);
	CHECK_U64(ab->bytes_delivered, 0);
	/* A's SYNs arrive at B with a zero checksum and no flags: every one of
	 * them (the first and tcp_syn_retries = 6 retransmissions) */
	CHECK_U64(ab->syn_retransmits, 6);
	CHECK_U64(o.bad_csum_b, 7);
	CHECK_U64(o.bad_csum_x, 12); /* B's SYN-ACKs to X */
	CHECK_U64(o.upcalls, 9);
	CHECK(has_issue(&o, 2));
}

static void fix3_off(int family)
{
	struct outcome o;
	run(F1 | F2 | F4, family, false, 1u << 20, &o);
	const struct scenario_flow_result *ab = flow(&o, "A->B"), *xb = flow(&o, "X->B");
	REQUIRE(ab && xb);
	/* A<->B: the first packet of each direction dies at the upcall; the
	 * connection comes up after retransmissions and then runs whole */
	CHECK(ab->ok);
	CHECK(ab->connected);
	CHECK(ab->intact);
	CHECK_U64(ab->syn_retransmits, 1);
	CHECK_U64(o.bad_csum_b, 1); /* A's first SYN */
	CHECK_U64(o.bad_csum_a, 1); /* B's first SYN-ACK */
	/* B->X: the physical NIC completes every checksum from the zeroed field */
	CHECK(!xb->connected);
	CHECK_U64(o.bad_csum_x, 11);
	CHECK(has_issue(&o, 3));
	CHECK_U64(o.upcalls, 6);
	CHECK_U64(o.upcall_csum, 4);
}

static void fix4_off(int family)
{
	struct outcome o;
	run(F1 | F2 | F3, family, false, 2u << 20, &o);
	CHECK(o.res.ok);
	const struct scenario_flow_result *ab = flow(&o, "A->B"), *xb = flow(&o, "X->B");
	REQUIRE(ab && xb);
	CHECK_U64(ab->syn_retransmits, 0);
	CHECK_U64(xb->syn_retransmits, 0);
	/* GRO'd frag_list packets from the NIC are re-segmented before
	 * trunk-out, and nowhere else: only those past 18 segments have a
	 * frag_list (17 page fragments first), the rest go out large */
	CHECK_U64(o.sw_gso_trunk_out, 269);
	CHECK_U64(o.sw_gso_total, o.sw_gso_trunk_out);
	CHECK_U64(o.tx_large, family == 4 ? 198 : 199);
	CHECK_U64(o.bad_csum_a + o.bad_csum_b + o.bad_csum_x, 0);
}

static void no_offload(int family)
{
	struct outcome o;
	run(IBMVETH_FIX_ALL, family, true, 1u << 20, &o);
	CHECK(o.res.ok);
	CHECK_U64(o.hv_sw_checksums, 0); /* nobody asked the hypervisor to checksum */
	CHECK_U64(o.hv_sw_segments, 0);
	CHECK_U64(o.tx_large, 0);
	/* GRO at the NIC (X->B) and at trunk-in (A->B), segmented again at
	 * trunk-out, which has no TSO */
	CHECK_U64(o.sw_gso_trunk_out, family == 4 ? 1438 : 1457);
	CHECK_U64(o.bad_csum_a + o.bad_csum_b + o.bad_csum_x, 0);
}

/*
 * Driver generations (docs/architecture.md, "Driver generations"): the
 * driver before the seed shows issue 1 with no switch; the seed as shipped
 * (v4.15) and the default (v5.10) are whole and fast, with the outcome of
 * all four fixes; v6.1 and current drop the NIC's GRO-built frag_list
 * packets at trunk-out (the long-term-buffer copy, as the real 6.1 and
 * 6.12 drivers do: docs/kcompat.md finding 1), so X->B stalls.
 */
static void gen_v4_13(int family)
{
	struct outcome o;
	run_driver = "v4.13";
	run(0, family, false, 1u << 20, &o);
	run_driver = NULL;
	CHECK(o.res.ok);
	CHECK_U64(o.trunk_csum, 0); /* ibmveth_set_csum_offload refused: -EIO */
	/* as fix 1 off on the seed generation: the hypervisor checksums and
	 * segments, the trunks segment what the NIC merged */
	struct outcome lab;
	run(F2 | F3 | F4, family, false, 1u << 20, &lab);
	CHECK_U64(o.hv_sw_checksums, lab.hv_sw_checksums);
	CHECK_U64(o.hv_sw_segments, lab.hv_sw_segments);
	CHECK_U64(o.sw_gso_trunk_out, lab.sw_gso_trunk_out);
	CHECK_U64(o.hv_sw_checksums, family == 4 ? 1026 : 1042);
	CHECK_U64(o.lrg_delivered, 0);
	CHECK_U64(o.bad_csum_a + o.bad_csum_b + o.bad_csum_x, 0);
}

static void gen_whole_and_fast(const char *driver, int family)
{
	run_driver = driver;
	all_fixes(family);
	run_driver = NULL;
}

static void gen_ltb_drops_fraglist(const char *driver, int family)
{
	struct outcome o;
	run_driver = driver;
	run(0, family, false, 1u << 20, &o);
	run_driver = NULL;
	/* With page fragments, GRO's aggregates of up to 18 segments carry no
	 * frag_list and pass the copy; only the longer ones (17 fragments and
	 * a frag_list member) are dropped, and TCP resends their bytes: the
	 * flow completes, slower (as the real 6.1 does, docs/kcompat.md). */
	CHECK(o.res.ok);
	const struct scenario_flow_result *ab = flow(&o, "A->B"), *xb = flow(&o, "X->B");
	REQUIRE(ab && xb);
	CHECK(ab->ok);
	CHECK(xb->ok);
	CHECK_U64(o.ltb_mismatch, 5);
	CHECK_U64(o.bad_csum_a + o.bad_csum_b + o.bad_csum_x, 0);
}

TEST(driver_v4_13_ipv4_issue1_without_a_switch)
{
	gen_v4_13(4);
}
TEST(driver_v4_13_ipv6_issue1_without_a_switch)
{
	gen_v4_13(6);
}
TEST(driver_v4_15_seed_as_shipped_whole_and_fast)
{
	gen_whole_and_fast("v4.15", 4);
	gen_whole_and_fast("v4.15", 6);
}
TEST(driver_default_v5_10_whole_and_fast)
{
	gen_whole_and_fast("illan", 4);
	gen_whole_and_fast("v5.10", 6);
}
TEST(driver_v6_1_and_current_trunk_drops_gro_fraglist)
{
	gen_ltb_drops_fraglist("v6.1", 4);
	gen_ltb_drops_fraglist("current", 6);
}

TEST(driver_per_adapter_from_the_description)
{
	/* driver: in the file, per adapter: a generation by name; fixes under
	 * driver illan select the seed generation; fixes with another
	 * generation are refused at build. */
	char err[512] = "";
	struct topo_desc *d = topofile_load_seed(err, sizeof(err));
	REQUIRE(d);
	snprintf(tt_adapter(d, "vm-a")->driver.kind, TOPO_NAME_MAX, "v4.13");
	struct topo_adapter *ti = tt_adapter(d, "trunk-in");
	ti->driver.fixes = F1 | F2 | F3;
	ti->driver.fixes_set = true;
	struct topo *t = tt_create(d);
	CHECK_EQ(ibmveth_get_params(t->vm_a)->gen, IBMVETH_GEN_V4_13);
	CHECK_EQ(ibmveth_get_params(t->trunk_in)->gen, IBMVETH_GEN_V4_15);
	CHECK_EQ(ibmveth_get_params(t->trunk_in)->fixes, F1 | F2 | F3);
	CHECK_EQ(ibmveth_get_params(t->vm_b)->gen, IBMVETH_GEN_DEFAULT);
	CHECK_U64(topo_destroy(t), 0);

	d = topofile_load_seed(err, sizeof(err));
	REQUIRE(d);
	struct topo_adapter *b = tt_adapter(d, "vm-b");
	snprintf(b->driver.kind, TOPO_NAME_MAX, "current");
	b->driver.fixes = F1;
	b->driver.fixes_set = true;
	t = topo_create(d, NULL, err, sizeof(err));
	CHECK(t == NULL);
	CHECK(strstr(err, "driver current has its kernel's fixes") != NULL);
}

TEST(all_fixes_ipv4)
{
	all_fixes(4);
}
TEST(all_fixes_ipv6)
{
	all_fixes(6);
}
TEST(fix1_off_ipv4_software_fallback)
{
	fix1_off(4);
}
TEST(fix1_off_ipv6_software_fallback)
{
	fix1_off(6);
}
TEST(fix2_off_ipv4_never_connects)
{
	fix2_off(4);
}
TEST(fix2_off_ipv6_never_connects)
{
	fix2_off(6);
}
TEST(fix3_off_ipv4_first_packet_lost)
{
	fix3_off(4);
}
TEST(fix3_off_ipv6_first_packet_lost)
{
	fix3_off(6);
}
TEST(fix4_off_ipv4_fraglist_resegmented)
{
	fix4_off(4);
}
TEST(fix4_off_ipv6_fraglist_resegmented)
{
	fix4_off(6);
}
TEST(no_offload_ipv4_baseline)
{
	no_offload(4);
}
TEST(no_offload_ipv6_baseline)
{
	no_offload(6);
}

TEST_MAIN()
