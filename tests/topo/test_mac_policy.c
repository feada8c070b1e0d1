/*
 * test_mac_policy.c — the HMC's MAC address controls end to end, from the
 * topology file's `mac_policy` key through the builder to the hypervisor:
 * VM A of the seed sends one frame with VM B's source MAC. Under the default
 * (allow-all) the hypervisor carries it to trunk-in and the IO server's
 * bridge learns VM B there, so host X's frames for VM B would go back into
 * VLAN 10 until VM B speaks again (measured in real mode: ~40 s); under
 * `deny` the hypervisor drops it (mac_discards) and the bridge learns
 * nothing. Each case then sends host X's frame for VM B into the IO
 * server's NIC: black-holed into VLAN 10 after the spoof, delivered
 * without it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge.h"
#include "ev/ev.h"
#include "net/netdev.h"
#include "pkt/pkt.h"
#include "test.h"
#include "topo/topo.h"
#include "topo/topofile.h"
#include "topo_test_util.h"

static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_x[6] = {0x02, 0, 0, 0, 0, 0x0c};

/* The seed file with VM A's adapter given policy (NULL: the file as it is). */
static struct topo *build_seed(const char *policy)
{
	char path[512], err[512] = "";
	tt_example_path(path, sizeof(path), "seed.yaml");
	FILE *f = fopen(path, "r");
	REQUIRE(f);
	static char text[16384], edited[16384 + 256];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	const char *at = strstr(text, "        pvid: 10\n");
	REQUIRE(at);
	size_t head = (size_t)(at - text) + strlen("        pvid: 10\n");
	int len = snprintf(edited, sizeof(edited), "%.*s%s%s%s", (int)head, text,
			   policy ? "        mac_policy: " : "", policy ? policy : "",
			   policy ? "\n" : "");
	REQUIRE(len > 0 && (size_t)len + strlen(at) < sizeof(edited));
	strcat(edited, text + head);
	struct topo_desc *d =
		topofile_load_string(edited, strlen(edited), "seed.yaml", err, sizeof(err));
	if (!d)
		printf("# %s\n", err);
	REQUIRE(d);
	return tt_create(d);
}

/* VM A's kernel sends one frame to host X with VM B's source MAC. */
static void spoof_from_a(struct topo *t)
{
	struct pkt *p = pkt_alloc(t->vm_a->pool, 60, PKT_HEADROOM);
	REQUIRE(p);
	uint8_t *d = pkt_put(p, 60);
	memset(d, 0x5a, 60);
	memcpy(d, mac_x, 6);
	memcpy(d + 6, mac_b, 6);
	d[12] = 0x88; /* local experimental ethertype */
	d[13] = 0xb5;
	dev_queue_xmit(t->vm_a, p);
	ev_run_until(t->loop, NULL, NULL, ev_now(t->loop) + 1000000);
}

/* Host X's frame for VM B arrives at the IO server's NIC. */
static void x_to_b(struct topo *t)
{
	struct pkt *p = pkt_alloc(t->phys->pool, 60, PKT_HEADROOM);
	REQUIRE(p);
	uint8_t *d = pkt_put(p, 60);
	memset(d, 0x5b, 60);
	memcpy(d, mac_b, 6);
	memcpy(d + 6, mac_x, 6);
	d[12] = 0x88;
	d[13] = 0xb5;
	netdev_receive(t->phys, p);
	ev_run_until(t->loop, NULL, NULL, ev_now(t->loop) + 1000000);
}

TEST(allow_all_lets_a_pose_as_b_and_the_bridge_learns_b_on_trunk_in)
{
	struct topo *t = build_seed(NULL);
	unsigned in = br_port_no(t->br, t->trunk_in);
	REQUIRE(in != 0);
	CHECK_EQ(br_mac_lookup(t->br, 0, mac_b), 0);
	spoof_from_a(t);
	CHECK_EQ(br_mac_lookup(t->br, 0, mac_b), in);
	CHECK_U64(topo_counter(t, "hv:vm-a", "mac_discards"), 0);
	CHECK_U64(topo_counter(t, "hv:vm-a", "tx_frames"), 1);
	/* host X's frame for B now goes into VLAN 10, where B is not */
	x_to_b(t);
	CHECK_U64(topo_counter(t, "hv:vm-b", "rx_frames"), 0);
	CHECK_U64(topo_counter(t, "hv:trunk-in", "no_destination"), 1);
	CHECK_U64(topo_destroy(t), 0);
}

TEST(deny_drops_the_frame_and_the_bridge_learns_nothing)
{
	struct topo *t = build_seed("deny");
	spoof_from_a(t);
	CHECK_EQ(br_mac_lookup(t->br, 0, mac_b), 0);
	CHECK_U64(topo_counter(t, "hv:vm-a", "mac_discards"), 1);
	CHECK_U64(topo_counter(t, "hv:vm-a", "tx_frames"), 0);
	CHECK_U64(topo_counter(t, "hv:trunk-in", "rx_frames"), 0);
	/* the driver counts H_DROPPED as sent, as ibmveth_start_xmit does */
	CHECK_U64(t->vm_a->stats.tx_packets, 1);
	/* host X's frame for B is flooded (B unknown) and reaches B */
	x_to_b(t);
	CHECK_U64(topo_counter(t, "hv:vm-b", "rx_frames"), 1);
	CHECK_U64(topo_destroy(t), 0);
}

/* An allow list admits its MACs: with VM B's MAC listed (an administrator's
 * mistake, or a planned takeover), the frame goes. */
TEST(allow_list_admits_listed_macs)
{
	struct topo *t = build_seed("{allow: [\"02:00:00:00:00:0b\"]}");
	spoof_from_a(t);
	CHECK_EQ(br_mac_lookup(t->br, 0, mac_b), br_port_no(t->br, t->trunk_in));
	CHECK_U64(topo_counter(t, "hv:vm-a", "mac_discards"), 0);
	CHECK_U64(topo_destroy(t), 0);
}

TEST_MAIN()
