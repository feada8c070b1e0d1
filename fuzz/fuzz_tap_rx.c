/*
 * fuzz_tap_rx.c — libFuzzer target for real-traffic mode's read path, end
 * to end: hostile frames with hostile virtio-net headers, as the VM kernels
 * (TAPs) and host X's cable (the AF_PACKET wire) could hand them to the
 * daemon, go into the running seed topology built as the daemon builds it
 * (topo_seed_create with cfg.real, glued by src/topo/real.c) — through the
 * TAP driver's reads, vnet_hdr_to_pkt, VM A's and VM B's ibmveth, the
 * hypervisor, the trunks, the bridge, the physical NIC with GRO and the
 * wire's checksum completion and segmentation — and whatever comes out is
 * read back from the other side.
 *
 * The kernels are the peers of three datagram socketpairs given to
 * real_create_on (tap_config.adopt_fd), one frame per datagram, read the
 * same way (readv as a TAP, recvmsg(MSG_TRUNC) as AF_PACKET). The topology
 * is built once and kept running across inputs, as the daemon's is.
 *
 * Input: records [how][len hi][len lo][len bytes: virtio-net header +
 * frame]. how: bits 0-1 which kernel writes it (vm-a, vm-b, host-x; 3 is
 * host-x too), bit 2 put the sender's own MAC as source, bits 3-4 put an
 * endpoint's MAC as destination (none, A, B, X), so frames reach past the
 * first hop often. After each record the loop runs dry and every kernel
 * reads what it was sent.
 *
 * Checked beyond "no crash": every frame handed to a VM kernel has a
 * virtio-net header the kernel would take (NEEDS_CSUM offsets inside the
 * frame, GSO only with NEEDS_CSUM, a known type and gso_size > 0), every
 * frame on X's cable has a zero header (complete checksums, no GSO); the
 * number of packets out of their pools never grows past
 * what the topology holds when idle (no leak, input after input).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drv/tap/tap.h"
#include "drv/tap/vnet.h"
#include "ev/ev.h"
#include "fuzz_util.h"
#include "pkt/hdr.h"
#include "topo/lab.h"
#include "topo/real.h"
#include "topo/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct topo *topo;
static struct real *glue;
static int kern[3] = {-1, -1, -1}; /* the kernels' ends: vm-a, vm-b, host-x */
static uint64_t idle_outstanding;  /* packets out of pools when idle, after setup */
static uint8_t rxbuf[70000];

/* Run the loop until it has nothing to do now (bounded). */
static void run_dry(void)
{
	for (int i = 0; i < 1024; i++)
		if (ev_run_once(topo->loop, 0) == 0)
			break;
}

/* What a kernel reads: a header it takes, a frame it can hold. */
static void check_out(int k, const uint8_t *d, size_t n)
{
	FUZZ_CHECK(n >= VNET_HDR_LEN + ETH_HLEN);
	size_t flen = n - VNET_HDR_LEN;
	struct vnet_hdr h;
	vnet_hdr_decode(d, &h);
	if (k == 2) {
		static const uint8_t zero[VNET_HDR_LEN];
		FUZZ_CHECK(memcmp(d, zero, VNET_HDR_LEN) == 0);
		/* Not bounded by the MTU: a frame larger than the trunk's MTU
		 * is an old-method large send whose MSS is the TCP checksum
		 * field (ibmveth_rx_mss_helper), any value a VM wrote, and the
		 * NIC's TSO cuts at that MSS, as hardware does. X's kernel
		 * refuses what does not fit its MTU (packet_snd: EMSGSIZE),
		 * which the NIC counts as tx_wire_errors. */
		FUZZ_CHECK(flen <= PKT_MAX_LEN);
		return;
	}
	FUZZ_CHECK(!(h.flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)));
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		FUZZ_CHECK((size_t)h.csum_start + h.csum_offset + 2 <= flen);
	uint8_t type = h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	if (type != VIRTIO_NET_HDR_GSO_NONE) {
		FUZZ_CHECK(type == VIRTIO_NET_HDR_GSO_TCPV4 || type == VIRTIO_NET_HDR_GSO_TCPV6);
		FUZZ_CHECK(h.gso_size > 0);
		FUZZ_CHECK(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	}
	FUZZ_CHECK(flen <= PKT_MAX_LEN);
}

/* Every kernel reads all it was sent. */
static void drain(void)
{
	for (int k = 0; k < 3; k++) {
		for (;;) {
			ssize_t n = recv(kern[k], rxbuf, sizeof(rxbuf), MSG_DONTWAIT | MSG_TRUNC);
			if (n < 0)
				break;
			FUZZ_CHECK((size_t)n <= sizeof(rxbuf));
			check_out(k, rxbuf, (size_t)n);
		}
	}
}

static void setup_once(void)
{
	if (topo)
		return;
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.real = true;
	cfg.monotonic = true;
	char err[256];
	topo = topo_seed_create(&cfg, err, sizeof(err));
	if (!topo)
		fprintf(stderr, "topo_seed_create: %s\n", err);
	FUZZ_CHECK(topo);
	int ours[3];
	for (int k = 0; k < 3; k++) {
		int sv[2];
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
		int big = 1 << 20;
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		ours[k] = sv[0];
		kern[k] = sv[1];
	}
	/* the default lab: the TAPs of vm-a and vm-b, then host X's cable */
	static struct lab lab;
	FUZZ_CHECK(lab_plan(topo->desc, NULL, &lab, err, sizeof(err)) == 0);
	FUZZ_CHECK(lab.n_links == 3);
	glue = real_create_on(topo, &lab, ours, 3, err, sizeof(err));
	if (!glue)
		fprintf(stderr, "real_create_on: %s\n", err);
	FUZZ_CHECK(glue);
	run_dry();
	drain();
	idle_outstanding = pkt_outstanding_total();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	struct fuzz_in in = {data, size};
	unsigned steps = 0;
	uint8_t frame[PKT_MAX_LEN + VNET_HDR_LEN];
	while (in.n && steps++ < 32) {
		uint8_t how = fuzz_u8(&in);
		size_t want = fuzz_u16(&in), got;
		const uint8_t *b = fuzz_bytes(&in, want < sizeof(frame) ? want : sizeof(frame), &got);
		memcpy(frame, b, got);
		int k = (how & 3) == 3 ? 2 : how & 3;
		if ((how & 4) && got >= VNET_HDR_LEN + 12)
			memcpy(frame + VNET_HDR_LEN + 6, topo->eps[k].mac, 6);
		if ((how >> 3) & 3 && got >= VNET_HDR_LEN + 6)
			memcpy(frame + VNET_HDR_LEN, topo->eps[((how >> 3) & 3) - 1].mac, 6);
		(void)send(kern[k], frame, got, MSG_DONTWAIT);
		run_dry();
		drain();
	}
	run_dry();
	drain();
	/* Whatever one input sent, the topology is back to holding what it
	 * holds when idle: posted receive buffers, a spare for TSO reads. A
	 * packet lost on any path would show here, input after input. */
	FUZZ_CHECK(pkt_outstanding_total() <= idle_outstanding + 8);
	fuzz_end();
	return 0;
}
