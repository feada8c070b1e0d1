/*
 * fuzz_stack.c — libFuzzer target for the built-in host stack (src/stack):
 * ARP, neighbour discovery, IPv4/IPv6 receive and TCP fed hostile frames,
 * and a live TCP connection fed hostile variants of its own peer's
 * segments (sequence and acknowledgement numbers, flags, windows, options,
 * lengths), with time passing at the fuzzer's say (retransmission,
 * delayed-ACK and TIME_WAIT timers).
 *
 * The stack under test, S (192.0.2.1, 2001:db8::1, on a device with
 * checksum offload and TSO), talks to a peer stack P (192.0.2.2,
 * 2001:db8::2, no offloads) over a wire the target holds: what either
 * sends waits in a queue until an op delivers, drops or mangles it. Both
 * resolve each other by ARP and ND (no static neighbours). The virtual
 * clock, devices and queues are kept; the two stacks are made afresh per
 * input, so each input starts from an empty neighbour table and no
 * connection.
 *
 * Input: records [op][args...]:
 *   0 start a flow: [dir][family][bytes 2]   4 inject a frame into S: [mode][len 2][bytes]
 *   1 deliver S's next frame to P            5 P's next frame, mangled, to S:
 *   2 deliver P's next frame to S              [n][n x (offset, value)]
 *   3 drop the next frame of [side]          6 let time pass: [ms 2]
 *                                            7 deliver everything both ways (bounded)
 * Checked beyond "no crash": every frame S sends parses, carries a valid
 * IPv4 header checksum, and either a valid L4 checksum or a PARTIAL one
 * whose offsets lie inside the frame (GSO only with TSO); a flow that
 * reports success delivered every byte intact; after the flows and stacks
 * are freed nothing is left allocated.
 */
#include "ev/ev.h"
#include "fuzz_util.h"
#include "net/netdev.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "stack/stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QMAX 256

struct wire_q {
	struct pkt *p[QMAX];
	unsigned head, n;
};

static struct ev_loop *loop;
static struct netdev *dev_s, *dev_p;
static struct wire_q q_s, q_p; /* frames S sent (for P), frames P sent (for S) */

static void q_push(struct wire_q *q, struct pkt *p)
{
	if (q->n == QMAX) {
		pkt_free(p); /* a full wire loses frames */
		return;
	}
	q->p[(q->head + q->n++) % QMAX] = p;
}

static struct pkt *q_pop(struct wire_q *q)
{
	if (!q->n)
		return NULL;
	struct pkt *p = q->p[q->head];
	q->head = (q->head + 1) % QMAX;
	q->n--;
	return p;
}

/* What S hands its device is what a NIC with CSO and TSO may be given. */
static void check_sent(const struct pkt *p)
{
	FUZZ_CHECK(p->len == pkt_headlen(p) + p->data_len);
	uint8_t *buf = malloc(p->len ? p->len : 1);
	FUZZ_CHECK(buf);
	FUZZ_CHECK(pkt_copy_bits(p, 0, buf, p->len) == 0);
	struct hdr_info h;
	if (hdr_parse(buf, p->len, &h) == 0) {
		if (h.ip_version == 4)
			FUZZ_CHECK(ip_fast_csum(buf + h.l3_off, h.l3_hlen / 4) == 0);
		if (p->ip_summed == CHECKSUM_PARTIAL) {
			FUZZ_CHECK(p->csum_start >= p->data);
			FUZZ_CHECK(p->csum_start - p->data + p->csum_offset + 2u <= pkt_headlen(p));
		} else if (h.l4_proto == IPPROTO_TCP_) {
			FUZZ_CHECK(!pkt_is_gso(p));
			FUZZ_CHECK(pkt_l4_csum_ok(p));
		}
	} else {
		/* Only ARP (and nothing else unparsable) leaves S. */
		FUZZ_CHECK(p->len >= ETH_HLEN && hdr_get16(buf + 12) == ETH_P_ARP);
	}
	free(buf);
}

static enum netdev_tx xmit_s(struct netdev *dev, struct pkt *p)
{
	(void)dev;
	check_sent(p);
	q_push(&q_s, p);
	return NETDEV_TX_OK;
}

static enum netdev_tx xmit_p(struct netdev *dev, struct pkt *p)
{
	(void)dev;
	q_push(&q_p, p);
	return NETDEV_TX_OK;
}

static const struct netdev_ops ops_s = {.start_xmit = xmit_s};
static const struct netdev_ops ops_p = {.start_xmit = xmit_p};

static struct netdev *make_dev(const char *name, const struct netdev_ops *ops, uint32_t features,
			       uint8_t last)
{
	struct netdev *dev = netdev_alloc(name, 0);
	FUZZ_CHECK(dev);
	dev->ops = ops;
	dev->mtu = 1500;
	dev->min_mtu = 68;
	dev->max_mtu = 65535;
	dev->hw_features = dev->features = features;
	dev->pool = fuzz_pool();
	const uint8_t mac[6] = {0x02, 0, 0, 0, 0, last};
	memcpy(dev->mac, mac, 6);
	FUZZ_CHECK(netdev_register(dev) == 0);
	FUZZ_CHECK(netdev_open(dev) == 0);
	return dev;
}

static struct stack *make_stack(const char *name, struct netdev *dev, uint8_t last)
{
	struct stack_config c = {
		.has_ip4 = true,
		.ip4 = {192, 0, 2, last},
		.prefix4 = 24,
		.has_ip6 = true,
		.ip6 = {0x20, 0x01, 0x0d, 0xb8, [15] = last},
		.prefix6 = 64,
		.rcv_wnd = 65536,
		.seed = last,
	};
	struct stack *s = stack_create(loop, name, dev, &c);
	FUZZ_CHECK(s);
	return s;
}

/* A frame from the fuzzer into S, its metadata as a device would report. */
static void inject(struct fuzz_in *in)
{
	uint8_t mode = fuzz_u8(in);
	size_t got;
	const uint8_t *b = fuzz_bytes(in, fuzz_u16(in) % 4096, &got);
	struct pkt *p = fuzz_pkt(b, got);
	if (!p)
		return;
	if (mode & 1) {
		struct hdr_info h;
		struct pkt_offload_req req = {.needs_csum = true};
		if (hdr_parse(b, (uint32_t)got, &h) == 0) {
			req.csum_start = (uint16_t)h.l4_off;
			req.csum_offset = h.l4_proto == IPPROTO_TCP_ ? 16 : 6;
		}
		if (pkt_offload_apply(p, &req, NULL) < 0) {
			pkt_free(p);
			return;
		}
	} else if (mode & 2) {
		p->ip_summed = CHECKSUM_UNNECESSARY; /* as a NIC that verified it */
	}
	netdev_receive(dev_s, p);
}

/* P's next frame to S with bytes overwritten: the stack's own connection
 * seen through a hostile wire. */
static void mangle(struct fuzz_in *in)
{
	struct pkt *p = q_pop(&q_p);
	unsigned n = fuzz_u8(in) % 8;
	for (unsigned i = 0; i < n; i++) {
		uint8_t off = fuzz_u8(in), v = fuzz_u8(in);
		if (p && off < pkt_headlen(p))
			pkt_data(p)[off] = v;
	}
	if (p)
		netdev_receive(dev_s, p);
}

static void run_now(void)
{
	ev_run_until(loop, NULL, NULL, ev_now(loop));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loop) {
		loop = ev_loop_create(EV_CLOCK_VIRTUAL);
		FUZZ_CHECK(loop);
		dev_s = make_dev("fz-s", &ops_s,
				 NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6, 1);
		dev_p = make_dev("fz-p", &ops_p, 0, 2);
	}
	struct stack *s = make_stack("S", dev_s, 1), *p = make_stack("P", dev_p, 2);
	struct stack_flow *flows[4] = {NULL};
	unsigned n_flows = 0;
	struct fuzz_in in = {data, size};
	unsigned steps = 0;
	while (in.n && steps++ < 256) {
		uint8_t op = fuzz_u8(&in);
		switch (op % 8) {
		case 0: {
			uint8_t dir = fuzz_u8(&in), fam = fuzz_u8(&in);
			uint16_t bytes = fuzz_u16(&in);
			if (n_flows == 4)
				break;
			struct stack_flow_spec spec = {
				.family = fam & 1 ? 6 : 4,
				.port = (uint16_t)(5000 + n_flows),
				.bytes = bytes % 20000,
				.reply_bytes = dir & 2 ? bytes % 3000 : 0,
				.seed = dir,
				.start_ns = ev_now(loop),
			};
			struct stack_flow *f = dir & 1 ? stack_flow_start(p, s, &spec)
						       : stack_flow_start(s, p, &spec);
			if (f)
				flows[n_flows++] = f;
			break;
		}
		case 1: {
			struct pkt *x = q_pop(&q_s);
			if (x)
				netdev_receive(dev_p, x);
			break;
		}
		case 2: {
			struct pkt *x = q_pop(&q_p);
			if (x)
				netdev_receive(dev_s, x);
			break;
		}
		case 3:
			pkt_free(q_pop(fuzz_u8(&in) & 1 ? &q_p : &q_s));
			break;
		case 4:
			inject(&in);
			break;
		case 5:
			mangle(&in);
			break;
		case 6:
			ev_run_until(loop, NULL, NULL,
				     ev_now(loop) + (uint64_t)fuzz_u16(&in) * 1000000ull);
			break;
		default:
			for (int i = 0; i < 64 && (q_s.n || q_p.n); i++) {
				struct pkt *x = q_pop(&q_s);
				if (x)
					netdev_receive(dev_p, x);
				if ((x = q_pop(&q_p)))
					netdev_receive(dev_s, x);
				run_now();
			}
			break;
		}
		run_now();
	}
	for (unsigned i = 0; i < n_flows; i++) {
		const struct stack_flow_result *r = stack_flow_result(flows[i]);
		if (r->ok)
			FUZZ_CHECK(r->intact && r->bytes_delivered == r->bytes_sent &&
				   !r->bytes_corrupt);
		stack_flow_free(flows[i]);
	}
	stack_destroy(s);
	stack_destroy(p);
	while (q_s.n)
		pkt_free(q_pop(&q_s));
	while (q_p.n)
		pkt_free(q_pop(&q_p));
	run_now();
	fuzz_end();
	return 0;
}
