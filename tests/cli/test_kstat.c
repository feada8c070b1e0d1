/*
 * test_kstat.c — the parsers of the namespaces' kernel counters
 * (src/cli/kstat.c): /proc/net/snmp and netstat's header/value line pairs,
 * snmp6's name/value lines and /proc/net/dev's drop columns, on text as
 * this kernel writes it, cut short, with negative values and strangers.
 */
#include <string.h>

#include "cli/kstat.h"
#include "test.h"

static const char snmp[] =
	"Ip: Forwarding DefaultTTL InReceives\n"
	"Ip: 2 64 17\n"
	"Icmp: InMsgs InErrors InCsumErrors InDestUnreachs\n"
	"Icmp: 4 0 3 1\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets "
	"CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 2 0 1 0 0 9 12 6 5 0 5\n"
	"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors\n"
	"Udp: 0 0 0 0 0 0 7\n";

TEST(pairs_take_the_named_fields)
{
	struct kstat_vals v;
	memset(&v, 0, sizeof(v));
	kstat_parse_pairs(snmp, &v);
	CHECK_EQ(v.TcpInCsumErrors, 5);
	CHECK_EQ(v.TcpRetransSegs, 6);
	CHECK_EQ(v.IcmpInCsumErrors, 3);
	CHECK_EQ(v.UdpInCsumErrors, 7);
	CHECK_EQ(v.TcpExtTCPSynRetrans, 0);
}

TEST(netstat_prefix_joins_the_name)
{
	struct kstat_vals v;
	memset(&v, 0, sizeof(v));
	kstat_parse_pairs("TcpExt: SyncookiesSent TCPSynRetrans TCPOrigDataSent\n"
			  "TcpExt: 0 4 99\n"
			  "IpExt: InNoRoutes TCPSynRetrans\n"
			  "IpExt: 0 123\n",
			  &v);
	CHECK_EQ(v.TcpExtTCPSynRetrans, 4); /* IpExt's field of the same name is not it */
}

TEST(pairs_cut_short_or_mismatched)
{
	/* every truncation of the text parses without reading past it */
	for (size_t n = 0; n < sizeof(snmp); n++) {
		char buf[sizeof(snmp)];
		memcpy(buf, snmp, n);
		buf[n] = 0;
		struct kstat_vals v;
		memset(&v, 0, sizeof(v));
		kstat_parse_pairs(buf, &v);
		CHECK(v.TcpInCsumErrors == 0 || v.TcpInCsumErrors == 5);
	}
	struct kstat_vals v;
	memset(&v, 0, sizeof(v));
	/* a header without its value line, then a good pair */
	kstat_parse_pairs("Tcp: InCsumErrors\nUdp: InCsumErrors\nUdp: 2\n", &v);
	CHECK_EQ(v.TcpInCsumErrors, 0);
	CHECK_EQ(v.UdpInCsumErrors, 2);
}

TEST(snmp6_lines)
{
	struct kstat_vals v;
	memset(&v, 0, sizeof(v));
	kstat_parse_lines("Ip6InReceives                   \t12\n"
			  "Icmp6InCsumErrors               \t2\n"
			  "Udp6InCsumErrors                \t8\n"
			  "garbage\n",
			  &v);
	CHECK_EQ(v.Icmp6InCsumErrors, 2);
	CHECK_EQ(v.Udp6InCsumErrors, 8);
}

TEST(dev_drops_of_the_named_interfaces)
{
	static const char dev[] =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
		"errs drop fifo colls carrier compressed\n"
		"    lo:       0       0    0    0    0     0          0         0        0       0    0 "
		"   0    0     0       0          0\n"
		"  eth0:    1000      10    0    3    0     0          0         0     2000      20    0 "
		"   4    0     0       0          0\n"
		"  eth1:    1000      10    0    1    0     0          0         0     2000      20    0 "
		"   2    0     0       0          0\n"
		"eth10:    1000      10    0   50    0     0          0         0     2000      20    0 "
		"  50    0     0       0          0\n";
	const char *ifs[] = {"eth0", "eth1"};
	struct kstat_vals v;
	memset(&v, 0, sizeof(v));
	kstat_parse_dev(dev, ifs, 2, &v);
	CHECK_EQ(v.if_rx_dropped, 4); /* eth10 is not eth1 */
	CHECK_EQ(v.if_tx_dropped, 6);
	kstat_parse_dev(dev, ifs, 0, &v);
	CHECK_EQ(v.if_rx_dropped, 0);
}

TEST(every_counter_has_a_name_in_the_set)
{
	CHECK_EQ(kstat_counters.n, sizeof(struct kstat_vals) / sizeof(uint64_t));
	CHECK(counter_set_find(&kstat_counters, "TcpInCsumErrors") != NULL);
	CHECK(counter_set_find(&kstat_counters, "TcpInCsumErrors")->drop != NULL);
}

TEST_MAIN()
