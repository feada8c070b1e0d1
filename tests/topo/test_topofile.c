/*
 * test_topofile.c — topology files (src/topo/topofile.c), the model's check
 * (src/topo/desc.c) and the pictures (src/topo/draw.c): every example loads
 * and checks without error; seed.yaml is exactly the built-in topology (the
 * values topo_seed_create builds) and the compiled-in copy is the file; each
 * finding comes from a small bad file and names the right line:column;
 * hostile input (empty, not YAML, deep nesting, aliases, 1 MB of junk, every
 * truncation of an example) ends in a clean error; Graphviz accepts every
 * drawing when `dot` is installed.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "topo/desc.h"
#include "topo/draw.h"
#include "topo/topofile.h"

#define MAX_DIAGS 64

static const char *root(void)
{
	const char *r = getenv("ILLAN_SOURCE_ROOT");
	return r && *r ? r : ".";
}

static struct topo_desc *load_example(const char *name, char *err, size_t size)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/examples/%s", root(), name);
	return topofile_load(path, err, size);
}

static struct topo_desc *load_text(const char *text, char *err, size_t size)
{
	return topofile_load_string(text, strlen(text), "t.yaml", err, size);
}

static unsigned count_errors(const struct topo_diag *g, unsigned n)
{
	unsigned e = 0;
	for (unsigned i = 0; i < n && i < MAX_DIAGS; i++)
		e += g[i].error;
	return e;
}

static void print_diags(const struct topo_desc *d, const struct topo_diag *g, unsigned n)
{
	for (unsigned i = 0; i < n && i < MAX_DIAGS; i++) {
		char line[600];
		topo_desc_diag_format(d, &g[i], line, sizeof(line));
		printf("#   %s\n", line);
	}
}

/* ---- The examples ----------------------------------------------------------- */

static const char *const examples[] = {"seed.yaml", "dual-vios-failover.yaml", "many-lpars.yaml",
				       "bridge-in-a-partition.yaml"};
#define N_EXAMPLES (sizeof(examples) / sizeof(examples[0]))

TEST(every_example_loads_and_checks_without_error)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/examples", root());
	DIR *dh = opendir(dir);
	REQUIRE(dh);
	unsigned seen = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		seen++;
		char err[512];
		struct topo_desc *d = load_example(de->d_name, err, sizeof(err));
		if (!d) {
			TEST_FAILF("%s: %s", de->d_name, err);
			continue;
		}
		struct topo_diag g[MAX_DIAGS];
		unsigned n = topo_desc_check(d, g, MAX_DIAGS);
		if (count_errors(g, n)) {
			TEST_FAILF("%s has errors", de->d_name);
			print_diags(d, g, n);
		}
		topo_desc_free(d);
	}
	closedir(dh);
	CHECK(seen >= N_EXAMPLES);
}

TEST(examples_without_warnings_but_bridge_in_a_partition)
{
	for (unsigned i = 0; i < N_EXAMPLES; i++) {
		char err[512];
		struct topo_desc *d = load_example(examples[i], err, sizeof(err));
		REQUIRE(d);
		struct topo_diag g[MAX_DIAGS];
		unsigned n = topo_desc_check(d, g, MAX_DIAGS);
		if (strcmp(examples[i], "bridge-in-a-partition.yaml") == 0) {
			/* The bridge warning and the two flows to the container. */
			CHECK_EQ(n, 3);
			unsigned paths = 0, bridge = 0;
			for (unsigned k = 0; k < n; k++) {
				CHECK(!g[k].error);
				paths += strstr(g[k].msg, "no layer-2 path") != NULL;
				bridge += strstr(g[k].msg, "bridges client adapter eth0") != NULL;
			}
			CHECK_EQ(paths, 2);
			CHECK_EQ(bridge, 1);
		} else if (n) {
			TEST_FAILF("%s: %u findings", examples[i], n);
			print_diags(d, g, n);
		}
		topo_desc_free(d);
	}
}

static const struct topo_adapter *adapter(const struct topo_desc *d, const char *name)
{
	unsigned p;
	int i = topo_desc_find_adapter(d, name, &p);
	return i < 0 ? NULL : &d->parts[p].adapters[i];
}

/* The seed's endpoints as topo_seed_create builds them (topo.c
 * fill_addresses; topo.h's picture): A, B, X. topo.h is not included here:
 * its enum topo_seed_ep and desc.h's struct topo_endpoint share C's tag
 * namespace. */
enum { EP_A, EP_B, EP_X };
static const uint8_t seed_mac[3][6] = {
	{2, 0, 0, 0, 0, 0x0a}, {2, 0, 0, 0, 0, 0x0b}, {2, 0, 0, 0, 0, 0x0c}};
static const uint8_t seed_ip4[3][4] = {{192, 0, 2, 1}, {192, 0, 2, 2}, {192, 0, 2, 3}};
static const uint8_t seed_ip6[3][16] = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1},
					{0x20, 0x01, 0x0d, 0xb8, [15] = 2},
					{0x20, 0x01, 0x0d, 0xb8, [15] = 3}};

/* seed.yaml holds the values topo_seed_create builds today (topo.c). */
TEST(seed_yaml_is_the_built_in_topology)
{
	char err[512];
	struct topo_desc *d = load_example("seed.yaml", err, sizeof(err));
	REQUIRE(d);
	CHECK(strcmp(d->name, "seed") == 0);
	CHECK_EQ(d->mtu, 1500);
	CHECK_U64(d->seed, 1);
	CHECK_U64(d->bytes, 128u << 20);
	CHECK_U64(d->reply_bytes, 4u << 20);
	CHECK_EQ(d->n_vswitches, 1);
	CHECK(strcmp(d->vswitches[0].name, "ETHERNET0") == 0);
	CHECK_EQ(d->vswitches[0].mode, TOPO_VSW_VEPA);

	REQUIRE(d->n_parts == 3);
	static const char *const parts[3] = {"vm-a", "vm-b", "ios"};
	for (int i = 0; i < 3; i++)
		CHECK(strcmp(d->parts[i].name, parts[i]) == 0);
	CHECK_EQ(d->parts[0].role, TOPO_ROLE_CLIENT);
	CHECK_EQ(d->parts[1].role, TOPO_ROLE_CLIENT);
	CHECK_EQ(d->parts[2].role, TOPO_ROLE_IO_SERVER);
	CHECK_EQ(d->parts[0].n_adapters, 1);
	CHECK_EQ(d->parts[1].n_adapters, 1);
	CHECK_EQ(d->parts[2].n_adapters, 2);

	static const struct {
		const char *name, *ep, *display;
		uint16_t pvid;
		unsigned pri;
		int e;
	} ads[] = {
		{"vm-a", "A", "VM A", 10, 0, EP_A},
		{"vm-b", "B", "VM B", 20, 0, EP_B},
		{"trunk-in", NULL, NULL, 10, 1, -1},
		{"trunk-out", NULL, NULL, 20, 1, -1},
	};
	const uint8_t mac_trunk[2][6] = {{2, 0, 0, 0, 1, 1}, {2, 0, 0, 0, 1, 2}};
	for (unsigned i = 0; i < 4; i++) {
		const struct topo_adapter *a = adapter(d, ads[i].name);
		REQUIRE(a);
		CHECK_EQ(a->pvid, ads[i].pvid);
		CHECK_EQ(a->n_vids, 0);
		CHECK_EQ(a->trunk_priority, ads[i].pri);
		CHECK_EQ(a->vswitch, 0);
		CHECK(a->mac_set);
		CHECK(a->csum_offload && a->large_send);
		CHECK_EQ(a->mtu, 1500);
		CHECK(strcmp(a->driver.kind, "illan") == 0);
		CHECK_EQ(a->driver.fixes, 0xf); /* IBMVETH_FIX_ALL */
		CHECK(!a->driver.fixes_set);
		if (ads[i].e < 0) {
			CHECK_MEM(a->mac, mac_trunk[i - 2], 6);
			CHECK(!a->ep.present);
			continue;
		}
		CHECK_MEM(a->mac, seed_mac[ads[i].e], 6);
		CHECK(a->ep.present);
		CHECK(strcmp(a->ep.name, ads[i].ep) == 0);
		CHECK(strcmp(a->ep.display, ads[i].display) == 0);
		CHECK(a->ep.addr.has_ip4 && a->ep.addr.has_ip6);
		CHECK_MEM(a->ep.addr.ip4, seed_ip4[ads[i].e], 4);
		CHECK_MEM(a->ep.addr.ip6, seed_ip6[ads[i].e], 16);
		CHECK_EQ(a->ep.addr.prefix4, 24);
		CHECK_EQ(a->ep.addr.prefix6, 64);
	}

	REQUIRE(d->n_nics == 2);
	int phys = topo_desc_find_nic(d, "phys"), xnic = topo_desc_find_nic(d, "x-nic");
	REQUIRE(phys >= 0 && xnic >= 0);
	const struct topo_nic *pn = &d->nics[phys], *xn = &d->nics[xnic];
	const uint8_t mac_phys[6] = {2, 0, 0, 0, 1, 3};
	CHECK_MEM(pn->mac, mac_phys, 6);
	CHECK(!pn->in_host && pn->owner == 2);
	CHECK(pn->gro && pn->tso && pn->tx_csum && pn->rx_csum);
	CHECK(strcmp(pn->peer, "x-nic") == 0);
	CHECK_MEM(xn->mac, seed_mac[EP_X], 6);
	CHECK(xn->in_host);
	CHECK(!xn->gro && !xn->tso && !xn->tx_csum && !xn->rx_csum);
	CHECK(strcmp(xn->peer, "phys") == 0); /* the far end, filled in */

	REQUIRE(d->n_hosts == 1);
	CHECK(strcmp(d->hosts[0].name, "host-x") == 0);
	CHECK_EQ(d->hosts[0].nic, (unsigned)xnic);
	const struct topo_endpoint *x = &d->hosts[0].ep;
	CHECK(x->present && strcmp(x->name, "X") == 0 && strcmp(x->display, "host X") == 0);
	CHECK_MEM(x->addr.ip4, seed_ip4[EP_X], 4);
	CHECK_MEM(x->addr.ip6, seed_ip6[EP_X], 16);

	REQUIRE(d->n_bridges == 1);
	const struct topo_bridge *b = &d->bridges[0];
	CHECK(strcmp(b->name, "ovs0") == 0);
	CHECK_EQ(b->kind, TOPO_BR_OVS);
	CHECK_EQ(b->partition, 2);
	REQUIRE(b->n_ports == 3);
	CHECK(strcmp(b->ports[0].dev, "trunk-in") == 0);
	CHECK(strcmp(b->ports[1].dev, "trunk-out") == 0);
	CHECK(strcmp(b->ports[2].dev, "phys") == 0);
	for (unsigned q = 0; q < 3; q++)
		CHECK(b->ports[q].tag == 0 && b->ports[q].n_trunks == 0);

	REQUIRE(d->n_flows == 2);
	CHECK(strcmp(d->flows[0].name, "A->B") == 0);
	CHECK(strcmp(d->flows[0].from, "A") == 0 && strcmp(d->flows[0].to, "B") == 0);
	CHECK_EQ(d->flows[0].port, 5001);
	CHECK(strcmp(d->flows[1].name, "X->B") == 0);
	CHECK(strcmp(d->flows[1].from, "X") == 0 && strcmp(d->flows[1].to, "B") == 0);
	CHECK_EQ(d->flows[1].port, 5002);
	for (unsigned f = 0; f < 2; f++) {
		CHECK_U64(d->flows[f].bytes, 128u << 20);
		CHECK_U64(d->flows[f].reply_bytes, 4u << 20);
		CHECK_U64(d->flows[f].start_ns, 0);
	}
	CHECK_EQ(d->n_events, 0);
	CHECK_EQ(d->n_switches, 0);
	CHECK_EQ(d->n_containers, 0);
	topo_desc_free(d);
}

/* The compiled-in text is the file, byte for byte, and loads to the same. */
TEST(built_in_seed_is_the_file)
{
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/examples/seed.yaml", root());
	FILE *f = fopen(path, "rb");
	REQUIRE(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK_U64(n, topofile_seed_yaml_len);
	CHECK(n == topofile_seed_yaml_len && memcmp(buf, topofile_seed_yaml, n) == 0);
	CHECK_EQ(topofile_seed_yaml[topofile_seed_yaml_len], 0);

	struct topo_desc *a = topofile_load(path, err, sizeof(err));
	struct topo_desc *b = topofile_load_seed(err, sizeof(err));
	REQUIRE(a && b);
	CHECK(strstr(b->file, "built in") != NULL);
	memcpy(a->file, b->file, sizeof(a->file));
	struct topo_partition *pa = a->parts, *pb = b->parts;
	a->parts = b->parts = NULL;
	CHECK_MEM(a, b, sizeof(*a));
	CHECK_MEM(pa, pb, TOPO_MAX_PARTS * sizeof(*pa));
	a->parts = pa;
	b->parts = pb;
	topo_desc_free(a);
	topo_desc_free(b);
}

TEST(complete_is_idempotent_and_macs_are_unique)
{
	char err[512];
	struct topo_desc *d = load_example("many-lpars.yaml", err, sizeof(err));
	REQUIRE(d);
	CHECK_EQ(d->n_parts, 65);
	CHECK_EQ(d->n_flows, 33);
	struct topo_desc *copy = malloc(sizeof(*copy));
	struct topo_partition *parts = malloc(TOPO_MAX_PARTS * sizeof(*parts));
	REQUIRE(copy && parts);
	memcpy(copy, d, sizeof(*d));
	memcpy(parts, d->parts, TOPO_MAX_PARTS * sizeof(*parts));
	topo_desc_complete(d);
	CHECK_MEM(parts, d->parts, TOPO_MAX_PARTS * sizeof(*parts));
	copy->parts = d->parts;
	CHECK_MEM(copy, d, sizeof(*d));
	/* Made-up MACs: locally administered, unicast, all different. */
	for (unsigned p = 0; p < d->n_parts; p++) {
		const struct topo_adapter *a = &d->parts[p].adapters[0];
		CHECK(!a->mac_set);
		CHECK_EQ(a->mac[0], 0x02);
		for (unsigned q = 0; q < p; q++)
			CHECK(memcmp(a->mac, d->parts[q].adapters[0].mac, 6) != 0);
	}
	free(parts);
	free(copy);
	topo_desc_free(d);
}

TEST(events_sorted_in_time_order)
{
	char err[512];
	struct topo_desc *d =
		load_text("partitions: [{name: ios, role: io-server,\n"
			  "  adapters: [{name: t, trunk_priority: 1}], nics: [{name: n}]}]\n"
			  "events:\n"
			  "  - {at: 5s, start: ios}\n"
			  "  - {at: 1500ms, link_down: n}\n"
			  "  - {at: 2s, stop: ios}\n"
			  "  - {at: 1.5s, mtu: {nic: n, value: 9000}}\n",
			  err, sizeof(err));
	REQUIRE(d);
	REQUIRE(d->n_events == 4);
	CHECK_EQ(d->events[0].kind, TOPO_EV_LINK_DOWN);
	CHECK_U64(d->events[0].at_ns, 1500000000ull);
	CHECK_EQ(d->events[1].kind, TOPO_EV_MTU); /* same time: file order */
	CHECK_EQ(d->events[1].value, 9000);
	CHECK_EQ(d->events[2].kind, TOPO_EV_PARTITION_STOP);
	CHECK_EQ(d->events[3].kind, TOPO_EV_PARTITION_START);
	CHECK_EQ(d->events[3].src.line, 4);
	topo_desc_free(d);
}

/* ---- Findings: each from a small file, at its place --------------------------- */

struct bad {
	const char *text;
	const char *expect; /* in the message */
	unsigned line, col;
	bool error; /* an error (else a warning) */
};

/* Two partitions and a bridge that the cases below vary. */
#define IOS                                                               \
	"  - name: ios\n"                                                 \
	"    role: io-server\n"                                           \
	"    adapters: [{name: trunk-in, pvid: 10, trunk_priority: 1}]\n" \
	"    nics: [{name: phys, wire: x-nic}]\n"                         \
	"    bridges: [{name: ovs0, ports: [trunk-in, phys]}]\n"
#define HOST "hosts: [{name: hx, nic: {name: x-nic}, endpoint: {name: X, ipv4: 192.0.2.3}}]\n"

static const struct bad bads[] = {
	/* The loader: what the model cannot hold. */
	{"partitions:\n  - name: ios\n    role: io-server\n    adapters:\n"
	 "      - {name: t, trunk_priority: 0}\n",
	 "trunk priority 0: PowerVM allows 1–15", 5, 35, true},
	{"partitions:\n  - name: ios\n    adapters:\n      - {name: t, trunk_priority: high}\n",
	 "trunk_priority: expected an integer 1–15, got 'high'", 4, 35, true},
	{"partitions: [{name: a, adapters: [{name: e, pvid: 10,\n"
	 "  additional_vids: [1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22]}]}]\n",
	 "21 additional VIDs: PowerVM allows up to 20", 2, 20, true},
	{"partitions:\n  - name: a\n    adapters:\n      - {name: e, trunk_prio: 1}\n",
	 "unknown key 'trunk_prio' in an adapter (did you mean trunk_priority?); allowed: name,", 4,
	 19, true},
	{"partitions:\n  - name: a\n    adapters: {name: e}\n",
	 "adapters: expected a list, got a mapping", 3, 15, true},
	{"partitions:\n  - name: a\n    role: vios\n",
	 "role: expected one of client, io-server; got 'vios'", 3, 11, true},
	{"partitions: [{name: a, adapters: [{name: e, mac: 02:00:00:00:00}]}]\n",
	 "mac: expected a MAC address like 02:00:00:00:00:0a", 1, 50, true},
	{"partitions: [{name: a, adapters: [{name: e, endpoint: {name: A, ipv4: 192.0.2.300}}]}]\n",
	 "ipv4: expected an IPv4 address like 192.0.2.1/24", 1, 71, true},
	{"partitions: [{name: a, adapters: [{name: e, endpoint: {name: A, ipv4: 192.0.2.3/33}}]}]\n",
	 "ipv4: prefix /33: expected 1–32", 1, 71, true},
	{"partitions: [{name: a-name-that-is-far-too-long-for-illan}]\n",
	 "name: 'a-name-that-is-far-too-long-for-illan' is 37 characters long: names hold at most 31",
	 1, 21, true},
	{"events: [{at: soon, stop: x}]\n",
	 "at: expected a time like 2s, 150ms or 1.5s, got 'soon'", 1, 15, true},
	{"events: [{at: 2, stop: x}]\n", "at: expected a time like 2s", 1, 15, true},
	{"events: [{at: 2s, stop: x, start: y}]\n",
	 "an event does one thing: this one has both stop and start", 1, 28, true},
	{"events: [{at: 2s}]\n", "an event needs what happens", 1, 10, true},
	{"bytes: lots\n", "bytes: expected a size like 128M, 4K or 1500, got 'lots'", 1, 8, true},
	{"flows: [{from: A, to: B, port: 0}]\n", "port: expected an integer 1–65535, got 0", 1, 32,
	 true},
	{"partitions: [{name: a, adapters: [{name: e, vswitch: ETHERNET9}]}]\n",
	 "vswitch: no vswitch named ETHERNET9", 1, 54, true},
	{"partitions: [{name: a, adapters: [{name: e, csum_offload: maybe}]}]\n",
	 "csum_offload: expected true or false, got 'maybe'", 1, 59, true},
	{"partitions: [{name: a, adapters: [{name: e, driver: {kind: illan, fixes: 7}}]}]\n",
	 "fixes: expected all, none, or fixes 1–4", 1, 74, true},
	{"partitions: [{name: a, adapters: [{name: e, driver: frobnicate}]}]\n",
	 "driver 'frobnicate': expected illan, a generation (v4.13, v4.15, v5.10, v6.1, current) "
	 "or kernel-VERSION",
	 0, 0, true},
	{"partitions: [{name: a, adapters: [{name: e, driver: {kind: v5.10, fixes: 1}}]}]\n",
	 "driver v5.10 with fixes: the seed's fix switches are for driver v4.15", 0, 0, true},
	{"name: a\nname: b\n", "key 'name' appears twice (first at line 1)", 2, 1, true},
	{"", "the file is empty", 0, 0, true},
	{"# nothing but a comment\n", "the file is empty", 0, 0, true},
	{"just words\n", "a topology file: expected a mapping (key: value, ...), got 'just words'",
	 1, 1, true},
	{"partitions: [\n  {name: a\n", "not valid YAML", 0, 0, true},
	{"a: b: c\n", "not valid YAML: mapping values are not allowed in this context", 1, 5, true},
	{"x: &anchor [1]\ny: *anchor\n", "YAML aliases (*anchor) are not supported", 2, 4, true},
	{"name: a\n---\nname: b\n", "a second YAML document at 2:1", 0, 0, true},
	{"a: \"\\x01\"\npartitions: [{name: \"p\\x01\"}]\n", "unknown key 'a' in a topology file",
	 1, 1, true},
	{"partitions: [{name: \"p\\x01\"}]\n", "name: control characters are not allowed in names",
	 1, 21, true},
	{"vswitches: []\n", "vswitches: a system has at least one", 1, 12, true},

	{"partitions: [{name: a, adapters: [{name: e, mac_policy: none}]}]\n",
	 "mac_policy: expected allow-all, deny or {allow: [MAC, ...]}", 1, 57, true},
	{"partitions: [{name: a, adapters: [{name: e, mac_policy: {allow: [02:00:00:00:00:c1, "
	 "02:00:00:00:00:c2, 02:00:00:00:00:c3, 02:00:00:00:00:c4, 02:00:00:00:00:c5]}}]}]\n",
	 "allow: 5 MAC addresses: PowerVM allows up to 4", 1, 65, true},
	{"partitions: [{name: a, adapters: [{name: e, mac_policy: {allow: [02:00:00:00:c1]}}]}]\n",
	 "allow: expected a MAC address like 02:00:00:00:00:0a", 1, 66, true},
	{"partitions: [{name: a, adapters: [{name: e, mac_policy: {deny: yes}}]}]\n",
	 "unknown key 'deny' in a MAC policy", 1, 58, true},

	/* The check: PowerVM's and illan's limits and references. */
	{"partitions: [{name: a, adapters: [{name: e, mac_policy: {allow: [02:00:00:00:00:c1, "
	 "03:00:00:00:00:c2]}}]}]\n",
	 "adapter e: MAC 03:00:00:00:00:c2 is a group (multicast) address", 1, 85, true},
	{"partitions: [{name: a, adapters: [{name: e, mac_policy: {allow: [02:00:00:00:00:c1, "
	 "02:00:00:00:00:c1]}}]}]\n",
	 "adapter e: allowed MAC 02:00:00:00:00:c1 is listed twice", 1, 85, true},
	{"partitions: [{name: a, adapters: [{name: e, mac_policy: {allow: []}}]}]\n",
	 "adapter e: mac_policy allows an empty list of MACs: write mac_policy: deny", 1, 57, true},
	{"partitions:\n  - name: ios\n    role: io-server\n    adapters:\n"
	 "      - {name: t, trunk_priority: 1, mac_policy: deny}\n",
	 "adapter t is a trunk: its MAC policy governs its own MAC changes only", 5, 50, false},
	{"partitions:\n  - name: ios\n    role: io-server\n    adapters:\n"
	 "      - {name: t, trunk_priority: 16}\n",
	 "trunk priority 16: PowerVM allows 1–15", 5, 35, true},
	{"partitions:\n  - name: a\n    adapters:\n      - {name: e, pvid: 4095}\n",
	 "VID 4095: VIDs are 1–4094", 4, 25, true},
	{"partitions:\n  - name: a\n    adapters:\n      - {name: e, pvid: 0}\n",
	 "VID 0: VIDs are 1–4094", 4, 25, true},
	{"partitions:\n  - name: a\n    adapters:\n      - {name: e, pvid: 10, additional_vids: [20, 4095]}\n",
	 "VID 4095: VIDs are 1–4094", 4, 51, true},
	{"partitions:\n  - name: a\n    adapters:\n      - {name: e, pvid: 10, additional_vids: [20, 10]}\n",
	 "VID 10 is its PVID and an additional VID", 4, 51, true},
	{"partitions:\n  - name: a\n    adapters:\n      - {name: e, pvid: 10, additional_vids: [20, 20]}\n",
	 "additional VID 20 is listed twice", 4, 51, true},
	{"partitions:\n" IOS
	 "  - name: a\n    adapters: [{name: e, pvid: 10, mac: \"02:00:00:00:00:01\"}]\n"
	 "  - name: b\n    adapters: [{name: f, pvid: 10, mac: \"02:00:00:00:00:01\"}]\n" HOST,
	 "two adapters on VLAN 10 of vswitch ETHERNET0 share MAC 02:00:00:00:00:01: e (line 8) and f",
	 10, 41, true},
	{"partitions:\n" IOS "  - name: ios2\n    role: io-server\n"
	 "    adapters: [{name: t2, pvid: 10, trunk_priority: 1}]\n" HOST,
	 "trunks trunk-in and t2 both have priority 1 on VLAN 10 of vswitch ETHERNET0: PowerVM "
	 "refuses",
	 9, 53, true},
	{"partitions:\n  - name: vm\n    adapters: [{name: e, pvid: 10, trunk_priority: 1}]\n",
	 "adapter e is a trunk (priority 1) in client partition vm", 3, 52, true},
	{"partitions:\n  - name: ios\n    role: io-server\n    adapters: [{name: t, trunk_priority: 1}]\n"
	 "    bridges: [{name: br, ports: [t, trunk-x]}]\n",
	 "bridge port trunk-x: no such device in partition ios", 5, 37, true},
	{"partitions:\n" IOS "  - name: ios2\n    role: io-server\n"
	 "    bridges: [{name: br2, ports: [phys]}]\n" HOST,
	 "bridge port phys: no such device in partition ios2 (phys is in ios", 9, 35, true},
	{"partitions:\n  - name: a\n    adapters: [{name: e}, {name: e}]\n",
	 "adapter e: the name is taken by adapter e (line 3)", 3, 27, true},
	{"partitions:\n  - name: a\n  - name: a\n", "partition a: the name is taken by partition a",
	 3, 5, true},
	{"partitions:\n  - name: a\n    nics: [{name: a0}]\n  - name: b\n    adapters: [{name: a0}]\n",
	 "adapter a0: the name is taken by NIC a0", 5, 16, true},
	{"partitions:\n" IOS "  - name: a\n    adapters: [{name: e, pvid: 10, endpoint: {name: A, "
	 "ipv4: 192.0.2.1}}]\n" HOST "flows: [{from: A, to: Q}]\n",
	 "flow A->Q: to Q: no endpoint named Q", 10, 23, true},
	{"partitions:\n" IOS "  - name: a\n    adapters: [{name: e, pvid: 10, endpoint: {name: X, "
	 "ipv4: 192.0.2.1}}]\n" HOST,
	 "endpoint X: the name is taken by endpoint X", 9, 50, true},
	{"partitions:\n" IOS HOST "events: [{at: 2s, stop: ios9}]\n",
	 "event at 2s: stop ios9: no partition named ios9", 8, 25, true},
	{"partitions:\n" IOS HOST "events: [{at: 2s, close: phys}]\n",
	 "event at 2s: close phys: phys is a NIC; close takes an adapter", 8, 26, true},
	{"partitions:\n" IOS HOST "events: [{at: 2s, mtu: {nic: phys, value: 70000}}]\n",
	 "event at 2s: MTU 70000: illan allows 576–65394", 8, 43, true},
	{"partitions:\n  - name: a\n    adapters: [{name: e, mtu: 100}]\n",
	 "adapter e: MTU 100: illan allows 576–65394", 3, 31, true},
	{"partitions:\n  - name: a\n    adapters: [{name: e, mac: \"01:00:5e:00:00:01\"}]\n",
	 "MAC 01:00:5e:00:00:01 is a group (multicast) address", 3, 31, true},
	{"partitions:\n  - name: a\n    nics: [{name: n, wire: nowhere}]\n",
	 "NIC n: wire nowhere: no such NIC or switch", 3, 28, true},
	{"partitions:\n  - name: a\n    nics: [{name: n, wire: m}, {name: m, wire: o}, {name: o}]\n",
	 "NIC n is wired to m, but m is wired to o: a cable has two ends", 3, 28, true},
	{"partitions:\n  - name: a\n    adapters: [{name: e, endpoint: {name: A}}]\n",
	 "endpoint A has no address", 3, 36, true},
	{"partitions:\n  - name: a\n    adapters: [{name: e, endpoint: {name: A, ipv4: 192.0.2.1}},\n"
	 "               {name: f, endpoint: {name: B, ipv4: 192.0.2.1}}]\n",
	 "endpoints A and B share 192.0.2.1", 4, 52, true},
	{"partitions:\n  - name: a\n    adapters: [{name: e, endpoint: {name: A, ipv4: 192.0.2.1}}]\n"
	 "flows: [{from: A, to: A}]\n",
	 "flow A->A goes from A to itself", 4, 9, true},
	{"partitions:\n  - name: a\n    memory: 8G\n",
	 "partition a: memory 8192M: illan allows up to 4G", 2, 5, true},
	{"partitions:\n  - name: a\n    adapters: [{name: e, endpoint: {name: A, ipv4: 192.0.2.1}},\n"
	 "               {name: f, endpoint: {name: B, ipv6: \"2001:db8::2\"}}]\n"
	 "flows: [{from: A, to: B}]\n",
	 "flow A->B: A and B share no address family", 5, 9, true},
	{"partitions:\n  - name: ios\n    role: io-server\n    adapters: [{name: t, trunk_priority: 1}]\n"
	 "    nics: [{name: n}]\n"
	 "    bridges: [{name: br, ports: [t, {device: n, tag: 5000}]}]\n",
	 "bridge port n: tag 5000: VIDs are 1–4094", 6, 37, true},

	/* Warnings: what builds but would not carry traffic. */
	{"vswitches: [{name: ETHERNET0, mode: veb}]\npartitions:\n" IOS
	 "  - name: a\n    adapters: [{name: e, pvid: 30}]\n" HOST,
	 "VLAN 30 of vswitch ETHERNET0 has no active trunk: frames to external destinations on it "
	 "are dropped",
	 9, 32, false},
	{"partitions:\n" IOS "  - name: a\n    adapters: [{name: e, pvid: 30}]\n" HOST,
	 "VLAN 30 of vswitch ETHERNET0 has no active trunk: in VEPA mode every frame", 8, 32, false},
	{"partitions:\n" IOS "  - name: a\n    adapters: [{name: e, pvid: 10, endpoint: {name: A, "
	 "ipv4: 192.0.2.1}}]\n  - name: b\n    adapters: [{name: f, pvid: 10, endpoint: {name: B, "
	 "ipv4: 192.0.2.2}}]\n" HOST "flows: [{from: A, to: B}]\n",
	 "flow A->B: no layer-2 path from A to B (VEPA: the hypervisor sends every client frame to "
	 "the trunk",
	 12, 9, false},
	{"partitions:\n" IOS "  - name: a\n    adapters: [{name: e, pvid: 10, endpoint: {name: A, "
	 "ipv4: 192.0.2.1}}]\n" HOST "flows: [{from: A, to: X}]\n"
	 "events: [{at: 5s, start: ios}]\n",
	 "event at 5s: start ios: it is running, so nothing happens", 11, 10, false},
	{"partitions:\n" IOS "  - name: vm-c\n    adapters: [{name: eth0, pvid: 10}]\n"
	 "    containers: [{name: web, endpoint: {name: C, ipv4: 192.0.2.9}}]\n"
	 "    bridges: [{name: br0, kind: linux, ports: [eth0, veth-web]}]\n" HOST,
	 "bridge br0 in vm-c bridges client adapter eth0: the hypervisor gives a client adapter "
	 "only frames for its own MAC",
	 10, 48, false},
	{"partitions:\n  - name: ios\n    role: io-server\n    adapters: [{name: t, pvid: 10, "
	 "trunk_priority: 1}]\n",
	 "trunk t is no bridge's port", 4, 16, false},
	{"partitions:\n  - name: a\n    nics: [{name: n}]\n", "NIC n has no wire", 3, 12, false},
	{"partitions:\n  - name: a\n    adapters: [{name: e, endpoint: {name: A, ipv4: 192.0.2.1}},\n"
	 "               {name: f, endpoint: {name: B, ipv4: 198.51.100.1}}]\n"
	 "flows: [{from: A, to: B}]\n",
	 "flow A->B: A and B are not in one IPv4 subnet", 5, 9, false},
	{"partitions:\n  - name: a-name-of-20-chars\n    adapters: [{name: eth-name-of-20-chars}]\n",
	 "adapter eth-name-of-20-chars: the name is longer than 15 characters", 3, 16, false},
	{"switches: [lan]\npartitions:\n  - name: a\n    nics: [{name: n, wire: lan}]\n",
	 "switch lan has 1 NIC plugged in: it connects nothing", 1, 12, false},
};

static bool check_one(const struct bad *b)
{
	char err[1024];
	char place[64] = "";
	if (b->line)
		snprintf(place, sizeof(place), "t.yaml:%u:%u: ", b->line, b->col);
	struct topo_desc *d = load_text(b->text, err, sizeof(err));
	if (!d) {
		if (!b->error || !strstr(err, b->expect) || strncmp(err, "t.yaml", 6) != 0 ||
		    (b->line && strncmp(err, place, strlen(place)) != 0)) {
			printf("# expected %s\"%s\"\n#   loader said: %s\n", place, b->expect, err);
			return false;
		}
		return true;
	}
	struct topo_diag g[MAX_DIAGS];
	unsigned n = topo_desc_check(d, g, MAX_DIAGS);
	bool found = false;
	for (unsigned i = 0; i < n && i < MAX_DIAGS && !found; i++)
		found = g[i].error == b->error && strstr(g[i].msg, b->expect) &&
			(!b->line || (g[i].src.line == b->line && g[i].src.col == b->col));
	if (!found) {
		printf("# expected %s%s \"%s\"; findings:\n", place, b->error ? "error" : "warning",
		       b->expect);
		print_diags(d, g, n);
	}
	topo_desc_free(d);
	return found;
}

TEST(each_finding_from_a_small_file_at_its_place)
{
	for (unsigned i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		if (!check_one(&bads[i]))
			TEST_FAILF("case %u (%s)", i, bads[i].expect);
	}
}

TEST(endpoint_on_a_bridge_port_is_an_error)
{
	static const struct bad b = {
		"partitions:\n  - name: ios\n    role: io-server\n"
		"    adapters: [{name: t, pvid: 10, trunk_priority: 1},\n"
		"               {name: e, pvid: 10, endpoint: {name: A, ipv4: 192.0.2.1}}]\n"
		"    bridges: [{name: br, ports: [t, e]}]\n",
		"adapter e carries endpoint A and is a port of bridge br", 6, 37, true};
	CHECK(check_one(&b));
}

/* Per NIC, the kernel's deferred GRO flush: defaults 0/0, set per NIC,
 * refused out of range. */
TEST(nic_gro_flush_timeout_and_defer_hard_irqs)
{
	char err[512];
	struct topo_desc *d = load_text(
		"partitions:\n  - name: ios\n    role: io-server\n"
		"    nics: [{name: phys, gro_flush_timeout: 200000, napi_defer_hard_irqs: 2},\n"
		"           {name: phys2}]\n",
		err, sizeof(err));
	REQUIRE(d);
	int a = topo_desc_find_nic(d, "phys"), b = topo_desc_find_nic(d, "phys2");
	REQUIRE(a >= 0 && b >= 0);
	CHECK_U64(d->nics[a].gro_flush_timeout_ns, 200000);
	CHECK_EQ(d->nics[a].napi_defer_hard_irqs, 2);
	CHECK_U64(d->nics[b].gro_flush_timeout_ns, 0);
	CHECK_EQ(d->nics[b].napi_defer_hard_irqs, 0);
	topo_desc_free(d);
	static const struct bad bad[] = {
		{"partitions: [{name: a, nics: [{name: n, gro_flush_timeout: 5000000000}]}]\n",
		 "gro_flush_timeout: 5000000000 is out of range", 1, 60, true},
		{"partitions: [{name: a, nics: [{name: n, napi_defer_hard_irqs: -1}]}]\n",
		 "napi_defer_hard_irqs: expected an integer 0–2147483647", 1, 63, true},
	};
	for (unsigned i = 0; i < 2; i++)
		CHECK(check_one(&bad[i]));
}

/* What is allowed stays quiet: events out of time order, a stop without a
 * start, a bridge in a client partition (a warning, never an error). */
TEST(allowed_things_are_not_errors)
{
	char err[512];
	struct topo_desc *d = load_text(
		"partitions:\n" IOS
		"  - name: a\n    adapters: [{name: e, pvid: 10, driver: v4.13, endpoint: {name: A, ipv4: 192.0.2.1}}]\n"
		"  - name: b\n    adapters: [{name: f, pvid: 10, driver: {kind: v4.15, fixes: \"1,3\"}},\n"
		"                {name: g, pvid: 10, driver: illan-current}]\n" HOST
		"flows: [{from: A, to: X}]\n"
		"events: [{at: 5s, link_down: phys}, {at: 2s, stop: ios}, {at: 1s, close: e},\n"
		"         {at: 3s, open: e}, {at: 6s, link_up: phys}]\n",
		err, sizeof(err));
	REQUIRE(d);
	struct topo_diag g[MAX_DIAGS];
	unsigned n = topo_desc_check(d, g, MAX_DIAGS);
	if (n) {
		TEST_FAILF("%u findings", n);
		print_diags(d, g, n);
	}
	topo_desc_free(d);

	d = load_example("bridge-in-a-partition.yaml", err, sizeof(err));
	REQUIRE(d);
	n = topo_desc_check(d, g, MAX_DIAGS);
	CHECK_EQ(count_errors(g, n), 0);
	CHECK(n > 0);
	topo_desc_free(d);
}

/* mac_policy's three forms load into the model, quietly. */
TEST(mac_policy_loads)
{
	char err[512];
	struct topo_desc *d = load_text(
		"partitions: [{name: a, adapters: [{name: e0}, {name: e1, mac_policy: deny},\n"
		"  {name: e2, mac_policy: allow-all},\n"
		"  {name: e3, mac_policy: {allow: [02:00:00:00:00:c1, "
		"\"02-00-00-00-00-C2\"]}}]}]\n",
		err, sizeof(err));
	REQUIRE(d);
	const struct topo_adapter *a = d->parts[0].adapters;
	CHECK_EQ(a[0].mac_policy, TOPO_MAC_ALLOW_ALL);
	CHECK_EQ(a[1].mac_policy, TOPO_MAC_DENY);
	CHECK_EQ(a[2].mac_policy, TOPO_MAC_ALLOW_ALL);
	CHECK_EQ(a[3].mac_policy, TOPO_MAC_ALLOW_LIST);
	CHECK_EQ(a[3].n_mac_allowed, 2);
	CHECK_EQ(a[3].mac_allowed[1][5], 0xc2);
	CHECK_EQ(a[3].src_mac_allowed[1].line, 3);
	struct topo_diag g[MAX_DIAGS];
	CHECK_EQ(count_errors(g, topo_desc_check(d, g, MAX_DIAGS)), 0);
	topo_desc_free(d);
}

/* Errors come first; topo_desc_check counts beyond max. */
TEST(check_orders_errors_first_and_counts_all)
{
	char err[512];
	struct topo_desc *d =
		load_text("partitions:\n  - name: a\n    nics: [{name: n}]\n"
			  "  - name: b\n    adapters: [{name: e, pvid: 4095}, {name: f, pvid: 0}]\n",
			  err, sizeof(err));
	REQUIRE(d);
	struct topo_diag g[MAX_DIAGS];
	unsigned n = topo_desc_check(d, g, MAX_DIAGS);
	REQUIRE(n >= 3);
	CHECK(g[0].error && g[1].error);
	CHECK(!g[n - 1].error);
	CHECK_EQ(topo_desc_check(d, g, 1), n);
	CHECK_EQ(topo_desc_check(d, NULL, 0), n);
	char line[600];
	topo_desc_diag_format(d, &g[0], line, sizeof(line));
	CHECK(strncmp(line, "t.yaml:5:32: error: adapter e: VID 4095", 39) == 0);
	topo_desc_free(d);
}

TEST(description_built_in_code)
{
	struct topo_desc *d = topo_desc_new();
	REQUIRE(d);
	topo_desc_complete(d);
	struct topo_diag g[MAX_DIAGS];
	unsigned n = topo_desc_check(d, g, MAX_DIAGS);
	bool none = false;
	for (unsigned i = 0; i < n; i++)
		none |= g[i].error && strstr(g[i].msg, "no partitions");
	CHECK(none);
	char line[600];
	topo_desc_diag_format(d, &g[0], line, sizeof(line));
	CHECK(strncmp(line, "(built in): error: no partitions", 32) == 0);
	topo_desc_free(d);
}

/* ---- Hostile input ----------------------------------------------------------- */

static void expect_clean_error(const char *text, size_t len, const char *what)
{
	char err[512];
	err[0] = 0;
	struct topo_desc *d = topofile_load_string(text, len, "junk.yaml", err, sizeof(err));
	if (d) {
		TEST_FAILF("%s loaded", what);
		topo_desc_free(d);
		return;
	}
	if (strncmp(err, "junk.yaml", 9) != 0)
		TEST_FAILF("%s: error without the file name: %s", what, err);
}

TEST(deep_nesting_is_refused)
{
	static char text[200001];
	for (unsigned depth = TOPOFILE_MAX_DEPTH + 1; depth < sizeof(text) / 2; depth *= 7) {
		memset(text, '[', depth);
		memset(text + depth, ']', depth);
		text[2 * depth] = 0;
		expect_clean_error(text, 2 * depth, "deep list");
	}
	/* Deep block mappings too. */
	size_t k = 0;
	for (unsigned i = 0; i < 40 && k + 200 < sizeof(text); i++) {
		for (unsigned s = 0; s < i; s++)
			text[k++] = ' ';
		k += (size_t)sprintf(text + k, "k%u:\n", i);
	}
	char err[512];
	CHECK(!topofile_load_string(text, k, "junk.yaml", err, sizeof(err)));
	CHECK(strstr(err, "deeper than") != NULL);
}

TEST(one_megabyte_of_junk)
{
	static char text[1 << 20];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(text); i++) {
		x = x * 1103515245u + 12345u;
		text[i] = (char)(x >> 16);
	}
	expect_clean_error(text, sizeof(text), "random bytes");
	/* Printable junk: YAML-looking punctuation and words. */
	static const char alphabet[] = "ab:- [],{}\n\"'#&*!|>%@`";
	for (size_t i = 0; i < sizeof(text); i++) {
		x = x * 1103515245u + 12345u;
		text[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
	}
	expect_clean_error(text, sizeof(text), "printable junk");
	/* A million list items: more values than allowed. */
	for (size_t i = 0; i + 2 < sizeof(text); i += 2) {
		text[i] = i ? ',' : '[';
		text[i + 1] = '1';
	}
	text[sizeof(text) - 2] = ']';
	text[sizeof(text) - 1] = '\n';
	char err[512];
	CHECK(!topofile_load_string(text, sizeof(text), "junk.yaml", err, sizeof(err)));
	CHECK(strstr(err, "values") != NULL);
	/* Bigger than a topology file may be. */
	CHECK(!topofile_load_string(text, TOPOFILE_MAX_SIZE + 1u, "junk.yaml", err, sizeof(err)));
}

/* Every prefix of an example: a description or a clean error, never a crash. */
TEST(every_truncation_of_an_example)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/examples/dual-vios-failover.yaml", root());
	FILE *f = fopen(path, "rb");
	REQUIRE(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	unsigned loaded = 0;
	for (size_t len = 0; len <= n; len++) {
		char *copy = malloc(len ? len : 1); /* exactly len bytes: ASan sees overruns */
		REQUIRE(copy);
		memcpy(copy, buf, len);
		char err[512];
		struct topo_desc *d = topofile_load_string(copy, len, "cut.yaml", err, sizeof(err));
		if (d) {
			loaded++;
			struct topo_diag g[8];
			topo_desc_check(d, g, 8);
			topo_desc_free(d);
		} else if (strncmp(err, "cut.yaml", 8) != 0) {
			TEST_FAILF("length %zu: %s", len, err);
		}
		free(copy);
	}
	CHECK(loaded > 0);
}

TEST(missing_file)
{
	char err[512];
	CHECK(!topofile_load("/nonexistent/illan.yaml", err, sizeof(err)));
	CHECK(strstr(err, "/nonexistent/illan.yaml: No such file") != NULL);
	CHECK(!topofile_load("/", err, sizeof(err)));
	CHECK(!topofile_load("/nonexistent/illan.yaml", NULL, 0));
}

/* ---- Pictures ------------------------------------------------------------------ */

static char *draw_to_string(const struct topo_desc *d, bool dot, const struct draw_overlay *ov)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	int rc = dot ? draw_dot(d, ov, f) : draw_text(d, ov, f);
	fclose(f);
	if (rc) {
		free(s);
		return NULL;
	}
	return s;
}

TEST(text_picture_of_the_seed)
{
	char err[512];
	struct topo_desc *d = topofile_load_seed(err, sizeof(err));
	REQUIRE(d);
	char *s = draw_to_string(d, false, NULL);
	REQUIRE(s);
	static const char *const want[] = {
		"vswitch ETHERNET0 (VEPA",
		"VLAN 10    vm-a  ⇄ trunk-in (ios, priority 1, active)",
		"partition vm-a",
		"adapter vm-a       02:00:00:00:00:0a  ETHERNET0 PVID 10",
		"endpoint A \"VM A\"  192.0.2.1/24  2001:db8::1/64",
		"IO server ios",
		"priority 1 (active)",
		"NIC phys  02:00:00:00:01:03  gro tso tx-csum rx-csum  ══ x-nic (host-x)",
		"bridge ovs0 (ovs): trunk-in, trunk-out, phys",
		"host host-x",
		"NIC x-nic  02:00:00:00:00:0c  no offloads  ══ phys (ios)",
		"A->B             A → B  port 5001  128M, reply 4M",
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(s, want[i]))
			TEST_FAILF("missing: %s", want[i]);
	free(s);

	const char *path[] = {"vm-a", "trunk-in", "ovs0"};
	struct draw_overlay ov = {path, 3, "trunk-out", "no buffer"};
	s = draw_to_string(d, false, &ov);
	REQUIRE(s);
	CHECK(strstr(s, "PVID 10   ◀ path 1") != NULL);
	CHECK(strstr(s, "✗ dropped here: no buffer") != NULL);
	free(s);
	topo_desc_free(d);
}

/* Feed text to `dot -Tsvg`; 1 accepted, 0 refused, -1 no dot. */
static int dot_accepts(const char *text)
{
	if (system("command -v dot >/dev/null 2>&1") != 0)
		return -1;
	FILE *p = popen("dot -Tsvg -o /dev/null 2>/dev/null", "w");
	if (!p)
		return -1;
	fputs(text, p);
	int st = pclose(p);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

TEST(dot_accepts_every_example)
{
	if (system("command -v dot >/dev/null 2>&1") != 0)
		TEST_SKIP("graphviz (dot) not installed");
	for (unsigned i = 0; i < N_EXAMPLES; i++) {
		char err[512];
		struct topo_desc *d = load_example(examples[i], err, sizeof(err));
		REQUIRE(d);
		const char *path[] = {"vm-a", "trunk-in"};
		struct draw_overlay ov = {path, 2, "phys", "a \"quoted\" reason \\N"};
		for (int with = 0; with < 2; with++) {
			char *s = draw_to_string(d, true, with ? &ov : NULL);
			REQUIRE(s);
			if (dot_accepts(s) != 1)
				TEST_FAILF("dot refused %s%s", examples[i],
					   with ? " with an overlay" : "");
			free(s);
		}
		topo_desc_free(d);
	}
}

/* Names DOT could misread, quoted and escaped. */
TEST(dot_escapes_names)
{
	char err[512];
	struct topo_desc *d = load_text(
		"name: 'q\"uote\\back'\n"
		"partitions:\n"
		"  - name: '\"}; graph x {'\n"
		"    adapters: [{name: 'a\\N\"', endpoint: {name: 'e\\l', display: 'ü \"x\"', ipv4: 192.0.2.1}}]\n"
		"  - name: ios\n    role: io-server\n"
		"    adapters: [{name: 't\"', trunk_priority: 1}]\n"
		"    bridges: [{name: '\\\\', ports: ['t\"']}]\n",
		err, sizeof(err));
	REQUIRE(d);
	char *s = draw_to_string(d, true, NULL);
	REQUIRE(s);
	CHECK(strstr(s, "\\\"}; graph x {") != NULL);
	CHECK(strstr(s, "a\\\\N\\\"") != NULL);
	int ok = dot_accepts(s);
	if (ok == 0)
		TEST_FAILF("dot refused the escaped names:\n%s", s);
	free(s);
	s = draw_to_string(d, false, NULL);
	CHECK(s != NULL);
	free(s);
	topo_desc_free(d);
	if (ok < 0)
		TEST_SKIP("graphviz (dot) not installed: escaping checked by text only");
}

TEST_MAIN()
