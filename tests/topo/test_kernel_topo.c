/*
 * test_kernel_topo.c — real Linux ibmveth drivers (src/kcompat,
 * src/drv/kibmveth) inside topologies: the seed with the kernel driver in
 * all four adapters (IPv4 and IPv6, MTU 1500 and 9000), and a mixed one —
 * 6.1 in VM A, 6.12 in VM B, illan's model in the trunks — chosen per
 * adapter with `driver:` as a topology file says it. Skips (77) when the
 * build has no kernel driver (no linux-source package installed).
 */
#include <stdio.h>
#include <string.h>

#include "drv/kibmveth/kibmveth.h"
#include "pkt/pkt.h"
#include "test.h"
#include "topo/scenario.h"
#include "topo/topo.h"
#include "topo/topofile.h"
#include "topo_test_util.h"

static bool have(const char *v)
{
	for (unsigned i = 0; i < kibmveth_n_versions(); i++)
		if (strcmp(kibmveth_version(i, NULL), v) == 0)
			return true;
	return false;
}

static void run(struct topo *t, int family, struct scenario_result *res)
{
	struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_default_flows(specs, 512u << 10, 64u << 10);
	struct scenario_options so;
	scenario_options_default(&so);
	so.family = family;
	char err[256] = "";
	CHECK_EQ(scenario_run(t, specs, n, &so, res, err, sizeof(err)), 0);
	for (unsigned i = 0; i < res->n_expl; i++)
		printf("# drop: %" PRIu64 "x %s\n", res->expl[i].count, res->expl[i].text);
}

static void all_kernel(const char *driver, int family, unsigned mtu)
{
	if (!have(driver + 7)) {
		TEST_SKIP("that kernel driver is not built (install its linux-source package)");
		return;
	}
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.driver = driver;
	cfg.mtu = mtu;
	char err[512] = "";
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	if (!t)
		printf("# %s\n", err);
	REQUIRE(t);
	CHECK(kibmveth_is_kibmveth(t->vm_a) && kibmveth_is_kibmveth(t->trunk_out));
	static struct scenario_result res;
	run(t, family, &res);
	/* every flow whole: X->B too, although the kernel trunk drops the
	 * frag_list packets the NIC's GRO hands it (docs/kcompat.md, finding
	 * 1) and TCP retransmits them */
	CHECK(res.ok);
	for (unsigned i = 0; i < res.n_flows; i++)
		CHECK(res.flows[i].intact && res.flows[i].connected);
	CHECK_U64(topo_counter(t, "B", "tcp_bad_checksum"), 0);
	CHECK_U64(topo_destroy(t), 0);
}

TEST(seed_all_kernel_6_1_ipv4_mtu1500)
{
	all_kernel("kernel-6.1", 4, 1500);
}
TEST(seed_all_kernel_6_1_ipv6_mtu9000)
{
	all_kernel("kernel-6.1", 6, 9000);
}
TEST(seed_all_kernel_6_12_ipv6_mtu1500)
{
	all_kernel("kernel-6.12", 6, 1500);
}
TEST(seed_all_kernel_6_12_ipv4_mtu9000)
{
	all_kernel("kernel-6.12", 4, 9000);
}

TEST(mixed_6_1_and_6_12_with_model_trunks)
{
	if (!have("6.1") || !have("6.12")) {
		TEST_SKIP("kernel 6.1 and 6.12 drivers not both built");
		return;
	}
	char err[512] = "";
	struct topo_desc *d = topofile_load_seed(err, sizeof(err));
	REQUIRE(d);
	snprintf(tt_adapter(d, "vm-a")->driver.kind, TOPO_NAME_MAX, "kernel-6.1");
	snprintf(tt_adapter(d, "vm-b")->driver.kind, TOPO_NAME_MAX, "kernel-6.12");
	struct topo *t = tt_create(d);
	CHECK(strcmp(kibmveth_dev_version(t->vm_a), "6.1") == 0);
	CHECK(strcmp(kibmveth_dev_version(t->vm_b), "6.12") == 0);
	CHECK(!kibmveth_is_kibmveth(t->trunk_in) && !kibmveth_is_kibmveth(t->trunk_out));
	for (int family = 4; family <= 6; family += 2) {
		static struct scenario_result res;
		run(t, family, &res);
		CHECK(res.ok);
		for (unsigned i = 0; i < res.n_flows; i++) {
			CHECK_U64(res.flows[i].syn_retransmits, 0);
			CHECK_U64(res.flows[i].retransmits, 0);
		}
	}
	CHECK_U64(topo_counter_sum(t, "tcp_bad_checksum"), 0);
	CHECK_U64(topo_destroy(t), 0);
}

TEST(unknown_kernel_version_names_the_package)
{
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.driver = "kernel-2.6";
	char err[512] = "";
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	CHECK(t == NULL);
	printf("# %s\n", err);
	CHECK(strstr(err, "vm-a") != NULL);
	CHECK(strstr(err, "linux-source") != NULL);
}

TEST_MAIN()
