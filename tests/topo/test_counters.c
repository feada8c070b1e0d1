/*
 * test_counters.c — every counter of every object reaches the reports:
 * walking the registry of counter sets (src/ev/counter.h), each set that an
 * object of a topology carries appears in the JSON `illan run --json`
 * writes (snap_json_objects) with every one of its counters and the value
 * the object holds; every registered set is carried by some object of the
 * example topologies (the TAP's sets exist only in real mode and are proven
 * by tests/real through `illan stats --json`). And a counter name nobody
 * has is an error, not a silent 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv/kibmveth/kibmveth.h"
#include "test.h"
#include "topo/scenario.h"
#include "topo/snap.h"
#include "topo/topo.h"
#include "topo/topofile.h"
#include "topo_test_util.h"

/* Sets only real mode instantiates (TAP devices need root and a kernel),
 * and the kernel-driver layer's, when no kernel source was built in. */
static const char *const real_only[] = {"tap", "tap-wire", "vnet", "kcompat"};

static bool is_real_only(const struct counter_set *s)
{
	for (size_t i = 0; i < sizeof(real_only) / sizeof(real_only[0]); i++)
		if (strcmp(s->kind, real_only[i]) == 0)
			return strcmp(s->kind, "kcompat") != 0 || !kibmveth_n_versions();
	return false;
}

/* Sets seen on some object, over every topology checked. */
static const struct counter_set *seen[64];
static size_t n_seen;

static void mark_seen(const struct counter_set *s)
{
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i] == s)
			return;
	if (n_seen < 64)
		seen[n_seen++] = s;
}

/* Every set an object of t carries is in the JSON whole, with its values. */
static void check_topology(struct topo *t)
{
	struct snap *s = snap_take(t);
	REQUIRE(s);
	json_t *objs = snap_json_objects(s);
	REQUIRE(objs);
	unsigned missing = 0, wrong = 0, checked = 0;
	for (unsigned i = 0; i < s->n; i++) {
		const struct counter_set *set = s->e[i].d ? counter_set_of(s->e[i].d) : NULL;
		if (!set) {
			/* only a kernel driver builds a set at run time (its
			 * ethtool -S names): that one counter must be there */
			json_t *o = json_object_get(objs, s->e[i].obj);
			if (!kibmveth_is_kibmveth(topo_find_dev(t, s->e[i].obj)
							  ? topo_find_dev(t, s->e[i].obj)->dev
							  : NULL))
				TEST_FAILF("%s.%s belongs to no registered set", s->e[i].obj,
					   s->e[i].name);
			else if (!o || !json_object_get(o, s->e[i].name))
				TEST_FAILF("%s.%s (run-time set) missing from the JSON",
					   s->e[i].obj, s->e[i].name);
			continue;
		}
		mark_seen(set);
		json_t *obj = json_object_get(objs, s->e[i].obj);
		/* every counter of the set, not only this one */
		for (size_t k = 0; k < set->n; k++) {
			json_t *v = obj ? json_object_get(obj, set->descs[k].name) : NULL;
			checked++;
			if (!v) {
				if (missing++ < 5)
					TEST_FAILF("%s.%s (set %s) missing from the JSON",
						   s->e[i].obj, set->descs[k].name, set->kind);
			}
		}
		json_t *v = obj ? json_object_get(obj, s->e[i].name) : NULL;
		if (v && (uint64_t)json_integer_value(v) != s->e[i].v) {
			/* a name two sets of one object share would collide */
			if (wrong++ < 5)
				TEST_FAILF("%s.%s is %lld in JSON, %llu on the object", s->e[i].obj,
					   s->e[i].name, (long long)json_integer_value(v),
					   (unsigned long long)s->e[i].v);
		}
	}
	CHECK_U64(missing, 0);
	CHECK_U64(wrong, 0);
	CHECK(checked > 100);
	json_decref(objs);
	snap_free(s);
}

static struct topo *build(const char *example)
{
	struct topo_desc *d = tt_load_example(example);
	REQUIRE(d);
	return tt_create(d);
}

TEST(seed_every_counter_in_json)
{
	char err[256];
	struct topo *t = topo_seed_create(NULL, err, sizeof(err));
	REQUIRE(t);
	struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_default_flows(specs, 64 << 10, 4 << 10);
	struct scenario_options so;
	scenario_options_default(&so);
	static struct scenario_result res;
	CHECK_EQ(scenario_run(t, specs, n, &so, &res, err, sizeof(err)), 0);
	check_topology(t);
	/* the counters an earlier review found missing from the reports */
	uint64_t v;
	CHECK_EQ(topo_counter_checked(t, "hv:trunk-in", "tx_not_open", &v), 0);
	CHECK_EQ(topo_counter_checked(t, "hv:trunk-in", "resource_errors", &v), 0);
	CHECK_EQ(topo_counter_checked(t, "hv:trunk-in", "hv_sw_errors", &v), 0);
	CHECK_EQ(topo_counter_checked(t, "hv-part:ios", "hcalls", &v), 0);
	CHECK(v > 0);
	CHECK_U64(topo_destroy(t), 0);
}

TEST(examples_every_counter_in_json)
{
	static const char *const ex[] = {"dual-vios-failover.yaml", "bridge-in-a-partition.yaml"};
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		struct topo *t = build(ex[i]);
		check_topology(t);
		CHECK_U64(topo_destroy(t), 0);
	}
}

TEST(kernel_driver_every_counter_in_json)
{
	if (!kibmveth_n_versions()) {
		TEST_SKIP("no kernel driver built (linux-source packages not installed)");
		return;
	}
	struct topo_config cfg;
	topo_config_default(&cfg);
	char drv[32];
	snprintf(drv, sizeof(drv), "kernel-%s", kibmveth_version(0, NULL));
	cfg.driver = drv;
	char err[512];
	struct topo *t = topo_seed_create(&cfg, err, sizeof(err));
	REQUIRE(t);
	check_topology(t);
	CHECK_U64(topo_destroy(t), 0);
}

/* Runs last (TEST order is file order): every registered set was seen. */
TEST(every_registered_set_is_reported)
{
	size_t n;
	const struct counter_set *const *all = counter_sets_all(&n);
	/* the sets of every layer a topology links: netdev, ibmveth, physnic,
	 * veth, gro, hv adapter and partition, bridge, stack */
	CHECK(n >= 9);
	for (size_t i = 0; i < n; i++) {
		bool ok = is_real_only(all[i]);
		for (size_t k = 0; k < n_seen; k++)
			ok |= seen[k] == all[i];
		if (!ok)
			TEST_FAILF("counter set %s is carried by no object of the topologies checked",
				   all[i]->kind);
	}
}

TEST(unknown_counter_is_an_error)
{
	char err[256];
	struct topo *t = topo_seed_create(NULL, err, sizeof(err));
	REQUIRE(t);
	uint64_t v = 7;
	CHECK_EQ(topo_counter_checked(t, NULL, "tcp_bad_checksumm", &v), -ENOENT);
	CHECK_EQ(topo_counter_checked(t, "B", "no_such_counter", &v), -ENOENT);
	CHECK_EQ(topo_counter_checked(t, "no-such-object", "rx_packets", &v), -ENOENT);
	CHECK_EQ(topo_counter_sum_checked(t, "rx_packets", &v), 0);
	CHECK_U64(topo_counter(t, "B", "tcp_bad_checksum"), 0);
	/* the unchecked form stops the program that asked (a test misspelling
	 * a counter fails instead of reading 0) */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		topo_counter(t, "B", "tcp_bad_checksumm");
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_U64(topo_destroy(t), 0);
}

TEST_MAIN()
