/*
 * test_lab.c — the names a real-traffic lab gives its namespaces and
 * interfaces (src/topo/lab.c), without root: the default lab keeps the
 * seed's names exactly, a named lab prefixes every namespace, interface
 * names stay within Linux's 15 characters and unique, what real mode cannot
 * build yet is refused with the reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "topo/desc.h"
#include "topo/lab.h"
#include "topo/topofile.h"

static const char *root(void)
{
	const char *r = getenv("ILLAN_SOURCE_ROOT");
	return r && *r ? r : ".";
}

static struct topo_desc *load_example(const char *name)
{
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/examples/%s", root(), name);
	struct topo_desc *d = topofile_load(path, err, sizeof(err));
	if (!d)
		fprintf(stderr, "%s: %s\n", path, err);
	return d;
}

static struct topo_desc *load_text(const char *text)
{
	char err[512];
	struct topo_desc *d = topofile_load_string(text, strlen(text), "t.yaml", err, sizeof(err));
	if (!d)
		fprintf(stderr, "t.yaml: %s\n", err);
	return d;
}

/* Every name in the plan fits and is unique where it must be. */
static void check_names(const struct lab *lab)
{
	for (unsigned i = 0; i < lab->n_ns; i++) {
		CHECK(lab->ns[i].name[0] != 0);
		CHECK(strchr(lab->ns[i].name, '/') == NULL && strchr(lab->ns[i].name, ' ') == NULL);
		if (lab->name[0])
			CHECK(strncmp(lab->ns[i].name, lab->name, strlen(lab->name)) == 0 &&
			      lab->ns[i].name[strlen(lab->name)] == '-');
		for (unsigned j = i + 1; j < lab->n_ns; j++)
			CHECK(strcmp(lab->ns[i].name, lab->ns[j].name) != 0);
	}
	for (unsigned i = 0; i < lab->n_links; i++) {
		const struct lab_link *a = &lab->links[i];
		CHECK(strlen(a->ifname) <= 15 && a->ifname[0]);
		CHECK(a->kind == LAB_LINK_TAP || (strlen(a->io_ifname) <= 15 && a->io_ifname[0]));
		for (unsigned j = i + 1; j < lab->n_links; j++) {
			const struct lab_link *b = &lab->links[j];
			CHECK(strcmp(a->dev, b->dev) != 0);
			CHECK(a->ns != b->ns || strcmp(a->ifname, b->ifname) != 0);
			CHECK(a->kind != LAB_LINK_WIRE || b->kind != LAB_LINK_WIRE ||
			      strcmp(a->io_ifname, b->io_ifname) != 0);
		}
	}
}

static void check_seed_links(const struct lab *lab, const char *prefix)
{
	char want[64];
	const char *owners[] = {"vm-a", "vm-b", "host-x", "illan-io"};
	REQUIRE(lab->n_ns == 4 && lab->n_links == 3 && lab->io_ns == 3);
	for (unsigned i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "%s%s", prefix, owners[i]);
		CHECK(strcmp(lab->ns[i].name, want) == 0);
	}
	CHECK(lab->ns[0].kind == LAB_NS_PARTITION && lab->ns[2].kind == LAB_NS_HOST &&
	      lab->ns[3].kind == LAB_NS_IO);
	const char *devs[] = {"tap-a", "tap-b", "wire-x"}, *attach[] = {"vm-a", "vm-b", "phys"};
	for (unsigned i = 0; i < 3; i++) {
		const struct lab_link *l = &lab->links[i];
		CHECK(strcmp(l->dev, devs[i]) == 0);
		CHECK(strcmp(l->attach, attach[i]) == 0);
		CHECK(strcmp(l->ifname, "eth0") == 0);
		CHECK(l->ns == i);
		CHECK(l->kind == (i < 2 ? LAB_LINK_TAP : LAB_LINK_WIRE));
	}
	const struct lab_link *x = &lab->links[2];
	CHECK(strcmp(x->io_ifname, "phys0") == 0 && !x->attach_switch);
	const uint8_t mac_x[6] = {2, 0, 0, 0, 0, 0x0c};
	CHECK_MEM(x->mac, mac_x, 6);
	CHECK_EQ(x->mtu, 1500);
	char v4[64], v6[64];
	lab_format_ip4(&x->ep.addr, v4, sizeof(v4));
	lab_format_ip6(&x->ep.addr, v6, sizeof(v6));
	CHECK(strcmp(v4, "192.0.2.3/24") == 0 && strcmp(v6, "2001:db8::3/64") == 0);
	check_names(lab);
}

TEST(default_lab_keeps_the_seeds_names)
{
	char err[256];
	struct topo_desc *d = topofile_load_seed(err, sizeof(err));
	REQUIRE(d);
	struct lab lab;
	CHECK_EQ(lab_plan(d, NULL, &lab, err, sizeof(err)), 0);
	check_seed_links(&lab, "");
	lab_free(&lab);
	CHECK_EQ(lab_plan(d, "", &lab, err, sizeof(err)), 0);
	check_seed_links(&lab, "");
	lab_free(&lab);
	topo_desc_free(d);
}

TEST(named_lab_prefixes_every_namespace_not_the_interfaces)
{
	char err[256];
	struct topo_desc *d = topofile_load_seed(err, sizeof(err));
	REQUIRE(d);
	struct lab lab;
	CHECK_EQ(lab_plan(d, "a", &lab, err, sizeof(err)), 0);
	check_seed_links(&lab, "a-");
	lab_free(&lab);
	topo_desc_free(d);
}

TEST(lab_names)
{
	CHECK(lab_name_valid("a") && lab_name_valid("lab_1-x") && lab_name_valid("8lpars"));
	CHECK(!lab_name_valid("") && !lab_name_valid(NULL) && !lab_name_valid("-a"));
	CHECK(!lab_name_valid("_a") && !lab_name_valid("a b") && !lab_name_valid("a/b"));
	CHECK(!lab_name_valid(".a") && !lab_name_valid("ctl.sock") && !lab_name_valid("a\n"));
	CHECK(lab_name_valid("abcdefghijklmnopqrstuvw"));   /* 23 */
	CHECK(!lab_name_valid("abcdefghijklmnopqrstuvwx")); /* 24 */
	char err[256];
	struct topo_desc *d = topofile_load_seed(err, sizeof(err));
	REQUIRE(d);
	struct lab lab;
	CHECK_EQ(lab_plan(d, "no good", &lab, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "no good") != NULL);
	topo_desc_free(d);
}

TEST(many_lpars_8)
{
	struct topo_desc *d = load_example("many-lpars-8.yaml");
	REQUIRE(d);
	char err[256];
	struct lab lab;
	REQUIRE(lab_plan(d, "b", &lab, err, sizeof(err)) == 0);
	CHECK_EQ(lab.n_ns, 10);
	CHECK_EQ(lab.n_links, 9);
	CHECK(strcmp(lab.ns[0].name, "b-lpar01") == 0 && strcmp(lab.ns[7].name, "b-lpar08") == 0);
	CHECK(strcmp(lab.ns[8].name, "b-host-x") == 0 && strcmp(lab.ns[9].name, "b-illan-io") == 0);
	CHECK(strcmp(lab.links[0].dev, "tap-l01") == 0 && strcmp(lab.links[8].dev, "wire-x") == 0);
	CHECK(strcmp(lab.links[8].attach, "phys") == 0 &&
	      strcmp(lab.links[8].io_ifname, "phys0") == 0);
	check_names(&lab);
	lab_free(&lab);
	topo_desc_free(d);
}

TEST(sixty_four_partitions_with_the_longest_lab_name)
{
	struct topo_desc *d = load_example("many-lpars.yaml");
	REQUIRE(d);
	char err[256];
	struct lab lab;
	REQUIRE(lab_plan(d, "abcdefghijklmnopqrstuvw", &lab, err, sizeof(err)) == 0);
	CHECK_EQ(lab.n_ns, 66);
	CHECK_EQ(lab.n_links, 65);
	check_names(&lab);
	lab_free(&lab);
	topo_desc_free(d);
}

TEST(hosts_on_a_switch_get_short_unique_cable_ends)
{
	struct topo_desc *d = load_example("dual-vios-failover.yaml");
	REQUIRE(d);
	char err[256];
	struct lab lab;
	REQUIRE(lab_plan(d, "f", &lab, err, sizeof(err)) == 0);
	const struct lab_link *x = &lab.links[lab.n_links - 1];
	CHECK(x->kind == LAB_LINK_WIRE && x->attach_switch);
	CHECK(strcmp(x->attach, "lan") == 0 && strcmp(x->io_ifname, "lan0") == 0);
	lab_free(&lab);
	topo_desc_free(d);

	/* Three hosts on a switch with a long name, names that need cleaning
	 * and endpoint names equal but for case. */
	d = load_text(
		"name: odd\n"
		"switches: [averyveryverylongswitch]\n"
		"partitions:\n"
		"  - name: \"p 1/x\"\n"
		"    adapters: [{name: e1, endpoint: {name: A, ipv4: 192.0.2.1/24}},\n"
		"               {name: e2, endpoint: {name: a, ipv4: 192.0.2.2/24}}]\n"
		"hosts:\n"
		"  - {name: h1, nic: {name: n1, wire: averyveryverylongswitch}, endpoint: {name: X, ipv4: 192.0.2.3/24}}\n"
		"  - {name: h2, nic: {name: n2, wire: averyveryverylongswitch}, endpoint: {name: Y, ipv4: 192.0.2.4/24}}\n"
		"  - {name: \".h3\", nic: {name: n3, wire: averyveryverylongswitch}, endpoint: {name: Z, ipv4: 192.0.2.5/24}}\n");
	REQUIRE(d);
	REQUIRE(lab_plan(d, "o", &lab, err, sizeof(err)) == 0);
	CHECK_EQ(lab.n_ns, 5); /* one partition (two TAPs), three hosts, IO */
	CHECK(strcmp(lab.ns[0].name, "o-p_1_x") == 0);
	CHECK(strcmp(lab.links[0].ifname, "eth0") == 0 && strcmp(lab.links[1].ifname, "eth1") == 0);
	CHECK(lab.links[0].ns == lab.links[1].ns);
	CHECK(strcmp(lab.links[0].dev, "tap-a") == 0 && strcmp(lab.links[1].dev, "tap-a-2") == 0);
	CHECK(strcmp(lab.ns[3].name, "o-_h3") == 0);
	CHECK(strcmp(lab.links[2].io_ifname, "averyveryvery0") == 0);
	CHECK(strcmp(lab.links[3].io_ifname, "averyveryvery1") == 0);
	CHECK(strcmp(lab.links[4].io_ifname, "averyveryvery2") == 0);
	check_names(&lab);
	lab_free(&lab);
	topo_desc_free(d);
}

TEST(what_real_mode_cannot_build_is_refused_with_the_reason)
{
	char err[256];
	struct lab lab;
	struct topo_desc *d = load_example("bridge-in-a-partition.yaml");
	REQUIRE(d);
	CHECK_EQ(lab_plan(d, "c", &lab, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not supported in real mode yet") != NULL);
	CHECK(lab.ns == NULL && lab.links == NULL);
	topo_desc_free(d);

	d = load_text(
		"hosts:\n"
		"  - {name: h1, nic: {name: n1, wire: n2}, endpoint: {name: X, ipv4: 192.0.2.3/24}}\n"
		"  - {name: h2, nic: {name: n2}, endpoint: {name: Y, ipv4: 192.0.2.4/24}}\n");
	REQUIRE(d);
	CHECK_EQ(lab_plan(d, "c", &lab, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "back to back") != NULL);
	topo_desc_free(d);

	d = load_text("hosts:\n"
		      "  - {name: h1, nic: {name: n1}, endpoint: {name: X, ipv4: 192.0.2.3/24}}\n");
	REQUIRE(d);
	CHECK_EQ(lab_plan(d, "c", &lab, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "wired to nothing") != NULL);
	topo_desc_free(d);

	d = load_text("partitions: [{name: p, adapters: [{name: e}]}]\n");
	REQUIRE(d);
	CHECK_EQ(lab_plan(d, "c", &lab, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "no endpoint") != NULL);
	topo_desc_free(d);
}

TEST_MAIN()
