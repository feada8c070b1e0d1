/*
 * test_tap.c — the TAP and AF_PACKET devices against a real Linux kernel in
 * a private network namespace (root; skipped only when /dev/net/tun or
 * CAP_NET_ADMIN is missing):
 *  - TUNSETOFFLOAD decides what the kernel hands us: with TUN_F_CSUM its SYN
 *    arrives PARTIAL (seed in the field), without it fully checksummed;
 *  - the verified-table rule: a SYN that is CHECKSUM_UNNECESSARY with a zero
 *    field, written through the device, is answered (it goes as NEEDS_CSUM
 *    with the seed), while the same SYN as CHECKSUM_NONE is a TcpInCsumError;
 *  - the AF_PACKET wire completes what the kernel left partial and writes
 *    plain frames the kernel answers.
 * Addresses are documentation ranges inside the namespace only.
 */
#include "drv/tap/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drv/tap/vnet.h"
#include "ev/ev.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"
#include "pkt/pktgen.h"
#include "test.h"

static char ns[64];
static bool ns_made;
static struct ev_loop *loop;
static struct pkt_pool *pool;

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x0a};    /* gen_frame's source */
static const uint8_t kernel_mac[6] = {0x02, 0, 0, 0, 0, 0x0b}; /* gen_frame's dest */
static const uint8_t our_ip[4] = {198, 51, 100, 1}, kernel_ip[4] = {198, 51, 100, 2};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char full[600];
	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	return system(full);
}

static void ns_cleanup(void)
{
	if (ns_made)
		sh("ip netns del %s", ns);
	ns_made = false;
}

/* A fresh namespace with IPv6 off (quiet) or skip. */
static void ns_setup(void)
{
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		TEST_SKIP("/dev/net/tun missing");
	if (geteuid() != 0)
		TEST_SKIP("needs CAP_NET_ADMIN (root)");
	snprintf(ns, sizeof(ns), "illan-tt-%d", (int)getpid());
	ns_cleanup();
	REQUIRE(sh("ip netns add %s", ns) == 0);
	ns_made = true;
	sh("ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1", ns);
	sh("ip netns exec %s sysctl -qw net.ipv6.conf.default.disable_ipv6=1", ns);
	sh("ip -n %s link set lo up", ns);
	loop = ev_loop_create(EV_CLOCK_MONOTONIC);
	REQUIRE(loop);
	pool = gen_pool("test-tap");
	REQUIRE(pool);
}

static void ns_teardown(void)
{
	if (pool) {
		CHECK_EQ(pkt_pool_outstanding(pool), 0);
		pkt_pool_destroy(pool);
		pool = NULL;
	}
	if (loop)
		ev_loop_destroy(loop);
	loop = NULL;
	ns_cleanup();
}

/* What the rx handler saw. */
struct seen {
	unsigned frames, tcp_syn, tcp_synack, icmp_reply, udp;
	uint8_t syn_ip_summed, udp_ip_summed;
	uint32_t syn_csum_start;
	bool syn_csum_ok, udp_csum_ok;
	uint16_t syn_field, syn_seed;
};

static void rx_record(void *arg, struct netdev *dev, struct pkt *p)
{
	struct seen *s = arg;
	(void)dev;
	s->frames++;
	const uint8_t *f = pkt_data(p);
	struct hdr_info h;
	if (hdr_parse(f, pkt_headlen(p), &h) == 0 && h.ip_version == 4) {
		const uint8_t *ip = f + h.l3_off;
		uint32_t l4len = h.l3_tot_len - h.l3_hlen;
		if (h.l4_proto == IPPROTO_TCP_ && h.l4_off) {
			uint8_t fl = f[h.l4_off + 13];
			if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
				s->tcp_syn++;
				s->syn_ip_summed = p->ip_summed;
				s->syn_csum_start = p->csum_start - p->data;
				s->syn_csum_ok = ref_l4_ok(ip, f + h.l4_off, l4len, IPPROTO_TCP_);
				s->syn_field = hdr_get16(f + h.l4_off + 16);
				s->syn_seed = ref_seed(ip, l4len, IPPROTO_TCP_);
			} else if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
				s->tcp_synack++;
			}
		} else if (h.l4_proto == IPPROTO_UDP_ && h.l4_off) {
			s->udp++;
			s->udp_ip_summed = p->ip_summed;
			s->udp_csum_ok = ref_l4_ok(ip, f + h.l4_off, l4len, IPPROTO_UDP_);
		} else if (h.l4_proto == IPPROTO_ICMP_ && l4len >= 8 &&
			   (uint32_t)h.l3_off + h.l3_hlen < pkt_headlen(p) &&
			   f[h.l3_off + h.l3_hlen] == 0) {
			s->icmp_reply++;
		}
	}
	pkt_free(p);
}

/* Run the loop until *counter reaches want or 2 s pass. */
static void run_until(const unsigned *counter, unsigned want)
{
	uint64_t end = ev_now(loop) + 2000000000ull;
	while (*counter < want && ev_now(loop) < end)
		ev_run_once(loop, 50000000ull);
}

/* Let the kernel settle and the loop drain for a moment (no assertion on
 * time: used only before checking that something did NOT happen). */
static void run_for_ms(unsigned ms)
{
	uint64_t end = ev_now(loop) + (uint64_t)ms * 1000000ull;
	while (ev_now(loop) < end)
		ev_run_once(loop, 20000000ull);
}

static struct netdev *make_tap(unsigned offloads, struct seen *s)
{
	struct tap_config tc = {
		.kind = TAP_KIND_TUN,
		.name = "tap-test",
		.netns = ns,
		.ifname = "eth0",
		.mac = kernel_mac,
		.mtu = 1500,
		.offloads = offloads,
		.loop = loop,
	};
	char err[256];
	struct netdev *dev = tap_create(&tc, err, sizeof(err));
	if (!dev)
		TEST_FAILF("tap_create: %s", err);
	REQUIRE(dev);
	netdev_set_rx_handler(dev, rx_record, s);
	REQUIRE(sh("ip -n %s addr add 198.51.100.2/24 dev eth0", ns) == 0);
	REQUIRE(sh("ip -n %s neigh add 198.51.100.1 lladdr 02:00:00:00:00:0a dev eth0 nud permanent",
		   ns) == 0);
	return dev;
}

/* Make the kernel send a SYN to 198.51.100.1:5000 from inside the namespace. */
static int kernel_connect(void)
{
	int saved;
	REQUIRE(tap_netns_enter(ns, &saved) == 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tap_netns_leave(saved);
	REQUIRE(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(5000)};
	memcpy(&sa.sin_addr, our_ip, 4);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	CHECK(rc == 0 || errno == EINPROGRESS);
	return fd;
}

TEST(tun_f_csum_hands_us_partial_syn)
{
	ns_setup();
	struct seen s = {0};
	struct netdev *dev = make_tap(TAP_TUN_F_CSUM | TAP_TUN_F_TSO4 | TAP_TUN_F_TSO6, &s);
	int fd = kernel_connect();
	run_until(&s.tcp_syn, 1);
	CHECK(s.tcp_syn >= 1);
	CHECK_EQ(s.syn_ip_summed, CHECKSUM_PARTIAL);
	CHECK_EQ(s.syn_csum_start, 34);
	CHECK_EQ(s.syn_field, s.syn_seed); /* the seed, not a checksum */
	uint64_t v = 0;
	CHECK(netdev_get_counter(dev, "vnet_rx_partial", &v) && v >= 1);
	close(fd);
	netdev_free(dev);
	ns_teardown();
}

TEST(no_offload_hands_us_complete_syn)
{
	ns_setup();
	struct seen s = {0};
	struct netdev *dev = make_tap(0, &s);
	int fd = kernel_connect();
	run_until(&s.tcp_syn, 1);
	CHECK(s.tcp_syn >= 1);
	CHECK_EQ(s.syn_ip_summed, CHECKSUM_NONE);
	CHECK(s.syn_csum_ok);
	uint64_t v = 1;
	CHECK(netdev_get_counter(dev, "vnet_rx_partial", &v) && v == 0);
	close(fd);
	netdev_free(dev);
	ns_teardown();
}

/* TcpInCsumErrors of the namespace (/proc/self/net follows setns). */
static long tcp_in_csum_errors(void)
{
	int saved;
	REQUIRE(tap_netns_enter(ns, &saved) == 0);
	FILE *f = fopen("/proc/self/net/snmp", "r");
	tap_netns_leave(saved);
	REQUIRE(f);
	char names[1024] = "", vals[1024] = "", line[1024];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Tcp:", 4) != 0)
			continue;
		if (!names[0])
			snprintf(names, sizeof(names), "%s", line);
		else
			snprintf(vals, sizeof(vals), "%s", line);
	}
	fclose(f);
	char *sn, *sv;
	char *n = strtok_r(names, " \n", &sn), *v = strtok_r(vals, " \n", &sv);
	while (n && v) {
		if (strcmp(n, "InCsumErrors") == 0)
			return atol(v);
		n = strtok_r(NULL, " \n", &sn);
		v = strtok_r(NULL, " \n", &sv);
	}
	return -1;
}

/* A SYN from 198.51.100.1:sport to the kernel's listener at :5000, with a
 * zero TCP checksum field. */
static struct pkt *syn_zero_field(uint16_t sport)
{
	struct gen_tcp g = {.ipv = 4, .flags = TCP_SYN, .seq = 12345, .pay_seed = 1};
	struct pkt *p = gen_pkt(pool, &g);
	REQUIRE(p);
	uint8_t *ip = pkt_data(p) + ETH_HLEN;
	memcpy(ip + 12, our_ip, 4);
	memcpy(ip + 16, kernel_ip, 4);
	hdr_put16(ip + 10, 0);
	hdr_put16(ip + 10, ref_csum(ip, 20));
	hdr_put16(ip + 20, sport);
	hdr_put16(ip + 36, 0);
	return p;
}

static int kernel_listen(void)
{
	int saved;
	REQUIRE(tap_netns_enter(ns, &saved) == 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tap_netns_leave(saved);
	REQUIRE(fd >= 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(5000)};
	memcpy(&sa.sin_addr, kernel_ip, 4);
	REQUIRE(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	REQUIRE(listen(fd, 16) == 0);
	return fd;
}

TEST(unnecessary_zero_field_syn_is_answered)
{
	ns_setup();
	struct seen s = {0};
	struct netdev *dev = make_tap(TAP_TUN_F_CSUM, &s);
	int lfd = kernel_listen();
	long before = tcp_in_csum_errors();
	REQUIRE(before >= 0);

	/* As VM B's ibmveth hands it up after CSUM_GOOD: UNNECESSARY, field 0. */
	struct pkt *p = syn_zero_field(4001);
	p->ip_summed = CHECKSUM_UNNECESSARY;
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	run_until(&s.tcp_synack, 1);
	CHECK_EQ(s.tcp_synack, 1);
	CHECK_EQ(tcp_in_csum_errors(), before);
	uint64_t v = 0;
	CHECK(netdev_get_counter(dev, "vnet_tx_unnecessary_seeded", &v) && v == 1);

	/* Control: the same SYN as CHECKSUM_NONE (the seed's issue 2 as VM B
	 * sees it) is dropped by the kernel's TCP as a checksum error. */
	p = syn_zero_field(4002);
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	run_for_ms(300);
	CHECK_EQ(s.tcp_synack, 1);
	CHECK_EQ(tcp_in_csum_errors(), before + 1);
	close(lfd);
	netdev_free(dev);
	ns_teardown();
}

TEST(packet_wire_completes_checksums_and_writes_frames)
{
	ns_setup();
	REQUIRE(sh("ip -n %s link add phys0 type veth peer name x0", ns) == 0);
	REQUIRE(sh("ip -n %s link set x0 address 02:00:00:00:00:0b up", ns) == 0);
	REQUIRE(sh("ip -n %s addr add 198.51.100.2/24 dev x0", ns) == 0);
	REQUIRE(sh("ip -n %s neigh add 198.51.100.1 lladdr 02:00:00:00:00:0a dev x0 nud permanent",
		   ns) == 0);
	/* x0 keeps tx checksum offload: its UDP leaves CHECKSUM_PARTIAL. */
	struct tap_config tc = {.kind = TAP_KIND_PACKET,
				.name = "wire-test",
				.netns = ns,
				.ifname = "phys0",
				.mtu = 1500,
				.wire = true,
				.loop = loop};
	char err[256];
	struct netdev *dev = tap_create(&tc, err, sizeof(err));
	if (!dev)
		TEST_FAILF("tap_create: %s", err);
	REQUIRE(dev);
	struct seen s = {0};
	netdev_set_rx_handler(dev, rx_record, &s);

	int saved;
	REQUIRE(tap_netns_enter(ns, &saved) == 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	tap_netns_leave(saved);
	REQUIRE(u >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9)};
	memcpy(&sa.sin_addr, our_ip, 4);
	char msg[300];
	memset(msg, 'x', sizeof(msg));
	/* A veth that has just come up drops what it is given until the
	 * kernel's linkwatch has activated its queue (carrier and qdisc), which
	 * happens asynchronously: wait for operstate UP, then send until one
	 * datagram is through (a few tries at most). */
	for (int i = 0; i < 60 && sh("ip -n %s link show x0 | grep -q 'state UP'", ns) != 0; i++)
		run_for_ms(50);
	for (int i = 0; i < 10 && s.udp == 0; i++) {
		CHECK(sendto(u, msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) ==
		      (ssize_t)sizeof(msg));
		uint64_t end = ev_now(loop) + 200000000ull;
		while (s.udp == 0 && ev_now(loop) < end)
			ev_run_once(loop, 20000000ull);
	}
	CHECK(s.udp >= 1);
	CHECK_EQ(s.udp_ip_summed, CHECKSUM_NONE); /* a wire carries no metadata */
	CHECK(s.udp_csum_ok);
	uint64_t v = 0;
	/* every datagram that arrived had its PARTIAL checksum completed */
	CHECK(netdev_get_counter(dev, "wire_csum_completed", &v) && v == s.udp);
	close(u);

	/* A plain frame written on the wire: an ICMP echo request to x0. */
	uint8_t f[14 + 20 + 8 + 32];
	memset(f, 0, sizeof(f));
	memcpy(f, kernel_mac, 6);
	memcpy(f + 6, our_mac, 6);
	hdr_put16(f + 12, ETH_P_IP);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	hdr_put16(ip + 2, 20 + 8 + 32);
	ip[8] = 64;
	ip[9] = IPPROTO_ICMP_;
	memcpy(ip + 12, our_ip, 4);
	memcpy(ip + 16, kernel_ip, 4);
	hdr_put16(ip + 10, ref_csum(ip, 20));
	uint8_t *icmp = ip + 20;
	icmp[0] = 8;
	hdr_put16(icmp + 4, 7);
	hdr_put16(icmp + 6, 1);
	hdr_put16(icmp + 2, ref_csum(icmp, 40));
	CHECK_EQ(tap_send_frame(dev, f, sizeof(f)), 0);
	run_until(&s.icmp_reply, 1);
	CHECK_EQ(s.icmp_reply, 1);
	netdev_free(dev);
	ns_teardown();
}

TEST(offloads_follow_adapter_features)
{
	CHECK_EQ(tap_offloads_from_features(0), 0);
	CHECK_EQ(tap_offloads_from_features(NETIF_F_TSO | NETIF_F_SG), 0); /* TSO needs CSUM */
	CHECK_EQ(tap_offloads_from_features(NETIF_F_IP_CSUM), TAP_TUN_F_CSUM);
	CHECK_EQ(tap_offloads_from_features(NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_TSO),
		 TAP_TUN_F_CSUM | TAP_TUN_F_TSO4);
	CHECK_EQ(tap_offloads_from_features(NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6),
		 TAP_TUN_F_CSUM | TAP_TUN_F_TSO4 | TAP_TUN_F_TSO6);
}

TEST_MAIN()
