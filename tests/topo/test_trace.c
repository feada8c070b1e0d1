/* test_trace.c — the drop explainer's rules on hand-made hop histories. */
#include <string.h>

#include "pkt/pkt.h"
#include "test.h"
#include "topo/trace.h"

static struct trace_hop hop(const char *where, uint8_t summed, uint16_t field)
{
	struct trace_hop h;
	memset(&h, 0, sizeof(h));
	strncpy(h.where, where, sizeof(h.where) - 1);
	h.ip_summed = summed;
	h.csum_field = field;
	h.len = 74;
	return h;
}

TEST(issue2_unnecessary_crosses_the_bridge)
{
	struct trace_hop h[] = {
		hop("vm-a tx", CHECKSUM_PARTIAL, 0x1c46),
		hop("trunk-in rx", CHECKSUM_UNNECESSARY, 0),
		hop("trunk-out tx", CHECKSUM_UNNECESSARY, 0),
		hop("vm-b rx", CHECKSUM_NONE, 0),
	};
	char out[240];
	CHECK_EQ(trace_explain(h, 4, "SYN", "VM B", "tcp_bad_checksum", out, sizeof(out)), 2);
	CHECK(strstr(out, "SYN dropped at VM B: TCP checksum bad, packet left trunk-out without "
			  "NO_CSUM|CSUM_GOOD because it arrived CHECKSUM_UNNECESSARY") != NULL);
}

TEST(issue3_upcall_completes_from_zero)
{
	struct trace_hop h[] = {
		hop("vm-a tx", CHECKSUM_PARTIAL, 0x1c46),
		hop("trunk-in rx", CHECKSUM_PARTIAL, 0),
		hop("ovs0 upcall", CHECKSUM_NONE, 0xe3b9),
		hop("trunk-out tx", CHECKSUM_NONE, 0xe3b9),
		hop("vm-b rx", CHECKSUM_NONE, 0xe3b9),
	};
	char out[240];
	CHECK_EQ(trace_explain(h, 5, "SYN", "VM B", "tcp_bad_checksum", out, sizeof(out)), 3);
	CHECK(strstr(out, "OVS upcall") != NULL);
}

TEST(issue3_nic_completes_from_zero)
{
	struct trace_hop h[] = {
		hop("vm-b tx", CHECKSUM_PARTIAL, 0x1c46),
		hop("trunk-out rx", CHECKSUM_PARTIAL, 0),
		hop("phys tx", CHECKSUM_PARTIAL, 0),
		hop("x-nic rx", CHECKSUM_NONE, 0x1234),
	};
	char out[240];
	CHECK_EQ(trace_explain(h, 4, "SYN-ACK", "host X", "tcp_bad_checksum", out, sizeof(out)), 3);
	CHECK(strstr(out, "physical NIC") != NULL);
}

TEST(healthy_path_is_not_blamed_on_the_seed)
{
	struct trace_hop h[] = {
		hop("vm-a tx", CHECKSUM_PARTIAL, 0x1c46),
		hop("trunk-in rx", CHECKSUM_PARTIAL, 0x1c46),
		hop("trunk-out tx", CHECKSUM_PARTIAL, 0x1c46),
	};
	char out[240];
	CHECK_EQ(trace_explain(h, 3, "segment", "VM B", "tcp_bad_checksum", out, sizeof(out)), 0);
	CHECK_EQ(trace_explain(NULL, 0, "segment", "VM B", "rx_malformed", out, sizeof(out)), 0);
	CHECK(strstr(out, "malformed frame") != NULL); /* the counter in plain words */
}

TEST_MAIN()
