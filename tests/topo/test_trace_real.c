/*
 * test_trace_real.c — real mode's explanations without root: the seed built
 * as the daemon builds it (cfg.real), glued by real_create_on to datagram
 * sockets that play the kernels, with the hop recorder watching what goes
 * into vm-b's kernel (trace_watch_delivery). vm-a's kernel sends one SYN
 * to vm-b:5201 as Linux does (NEEDS_CSUM, pseudo-header seed); with fix 2
 * off it reaches vm-b with checksum field 0 and no virtio flag, which the
 * kernel would count in TcpInCsumErrors. trace_kernel_drops, told that
 * vm-b counted one, explains it with the run report's sentence under the
 * connection's label — once, never more than the kernel counted — and
 * with every fix on nothing is kept to blame.
 */
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drv/ibmveth/ibmveth.h"
#include "drv/tap/vnet.h"
#include "ev/ev.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "stack/stack.h"
#include "test.h"
#include "topo/lab.h"
#include "topo/real.h"
#include "topo/topo.h"
#include "topo/trace.h"

/* A JSON object's string member, "(none)" when it has none. */
static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "(none)";
}

struct lab_run {
	struct topo *topo;
	struct lab lab;
	struct real *glue;
	struct trace *tr;
	int kern[3];
	int watch_b;
	struct trace_explanation last;
	unsigned n_heard;
};

static void heard(void *arg, const struct trace_explanation *e, uint64_t count)
{
	struct lab_run *r = arg;
	r->last = *e;
	r->n_heard += (unsigned)count;
}

static void run_dry(struct lab_run *r)
{
	for (int i = 0; i < 1024; i++)
		if (ev_run_once(r->topo->loop, 0) == 0)
			break;
}

static bool lab_start(struct lab_run *r, unsigned fixes)
{
	memset(r, 0, sizeof(*r));
	struct topo_config cfg;
	topo_config_default(&cfg);
	cfg.real = true;
	cfg.monotonic = true;
	cfg.fixes = fixes;
	char err[256];
	r->topo = topo_seed_create(&cfg, err, sizeof(err));
	CHECK(r->topo != NULL);
	if (!r->topo || lab_plan(r->topo->desc, NULL, &r->lab, err, sizeof(err)) != 0)
		return false;
	int ours[3];
	for (int k = 0; k < 3; k++) {
		int sv[2];
		CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
		ours[k] = sv[0];
		r->kern[k] = sv[1];
	}
	r->glue = real_create_on(r->topo, &r->lab, ours, 3, err, sizeof(err));
	CHECK(r->glue != NULL);
	r->tr = trace_create(NULL, NULL, 0, err, sizeof(err));
	CHECK(r->tr != NULL);
	if (!r->glue || !r->tr)
		return false;
	trace_set_listener(r->tr, heard, r);
	for (unsigned l = 0; l < r->lab.n_links; l++)
		trace_name_host(r->tr, 4, r->lab.links[l].ep.addr.ip4,
				r->lab.ns[r->lab.links[l].ns].name);
	/* the default lab's links: tap-a, tap-b, then host X's cable */
	r->watch_b = trace_watch_delivery(r->tr, r->glue->taps[1].tap, "vm-b",
					  r->lab.links[1].ep.display);
	CHECK_EQ(r->watch_b, 0);
	trace_install(r->tr);
	run_dry(r);
	return true;
}

static void lab_stop(struct lab_run *r)
{
	trace_destroy(r->tr);
	real_destroy(r->glue);
	lab_free(&r->lab);
	CHECK_U64(topo_destroy(r->topo), 0);
	for (int k = 0; k < 3; k++)
		close(r->kern[k]);
}

/* vm-a's kernel sends a SYN to vm-b:5201 as Linux hands one to a TAP with
 * checksum offload: NEEDS_CSUM, the field holding the pseudo-header sum. */
static void send_syn(struct lab_run *r)
{
	uint8_t f[VNET_HDR_LEN + 14 + 20 + 20];
	memset(f, 0, sizeof(f));
	struct vnet_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 14 + 20, .csum_offset = 16};
	vnet_hdr_encode(&h, f);
	uint8_t *eth = f + VNET_HDR_LEN, *ip = eth + 14, *tcp = ip + 20;
	memcpy(eth, r->topo->eps[1].mac, 6);
	memcpy(eth + 6, r->topo->eps[0].mac, 6);
	hdr_put16(eth + 12, 0x0800);
	ip[0] = 0x45;
	hdr_put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, r->lab.links[0].ep.addr.ip4, 4);
	memcpy(ip + 16, r->lab.links[1].ep.addr.ip4, 4);
	hdr_put16(ip + 10, ip_fast_csum(ip, 5));
	hdr_put16(tcp, 40000);
	hdr_put16(tcp + 2, 5201);
	hdr_put32(tcp + 4, 1000);
	tcp[12] = 5 << 4;
	tcp[13] = 0x02; /* SYN */
	hdr_put16(tcp + 14, 64240);
	hdr_put16(tcp + 16, (uint16_t)~csum_fold(csum_tcpudp_nofold(ip + 12, ip + 16, 20, 6, 0)));
	CHECK(send(r->kern[0], f, sizeof(f), 0) == (ssize_t)sizeof(f));
	run_dry(r);
}

/* What vm-b's kernel read: the SYN's virtio flags and TCP checksum field. */
static bool read_b(struct lab_run *r, uint8_t *flags, uint16_t *field, bool *valid)
{
	uint8_t buf[2048];
	for (;;) {
		ssize_t n = recv(r->kern[1], buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return false;
		if (n >= VNET_HDR_LEN + 14 + 20 + 20 &&
		    hdr_get16(buf + VNET_HDR_LEN + 12) == 0x0800 && buf[VNET_HDR_LEN + 14 + 9] == 6) {
			*flags = buf[0];
			*field = hdr_get16(buf + VNET_HDR_LEN + 14 + 20 + 16);
			const uint8_t *ip = buf + VNET_HDR_LEN + 14;
			*valid = csum_fold(csum_partial(ip + 20, 20,
							csum_tcpudp_nofold(ip + 12, ip + 16, 20, 6,
									   0))) == 0;
			return true;
		}
	}
}

TEST(fix2_off_the_kernels_drop_gets_the_run_reports_sentence)
{
	struct lab_run r;
	if (!lab_start(&r, IBMVETH_FIX_ALL & ~IBMVETH_FIX_TRUNK_CSUM_PARTIAL))
		return;
	send_syn(&r);
	uint8_t flags = 0xff;
	uint16_t field = 0xffff;
	bool valid = true;
	CHECK(read_b(&r, &flags, &field, &valid));
	CHECK(!valid);
	CHECK_EQ(flags, 0); /* no NEEDS_CSUM, no DATA_VALID: the kernel checks */
	CHECK_EQ(field, 0); /* and finds checksum 0: TcpInCsumErrors */
	/* vm-b counted 3: only one packet was delivered, only one is blamed */
	CHECK_U64(trace_kernel_drops(r.tr, (unsigned)r.watch_b, "tcp_bad_checksum",
				     "TcpInCsumErrors", 3),
		  1);
	CHECK_EQ(r.n_heard, 1);
	CHECK_EQ(r.last.seed_issue, 2);
	const char *want = "[vm-a->vm-b:5201] SYN dropped at VM B: TCP checksum bad, packet left "
			   "trunk-out without NO_CSUM|CSUM_GOOD because it arrived "
			   "CHECKSUM_UNNECESSARY — seed issue 2 (vm-b's kernel: TcpInCsumErrors)";
	CHECK(strcmp(r.last.text, want) == 0);
	if (strcmp(r.last.text, want) != 0)
		printf("# got: %s\n", r.last.text);
	/* as `illan why --json` gives it: the sentence, the seed issue, and
	 * the kernel counter that showed it */
	const struct trace_explanation *ex;
	CHECK_EQ(trace_explanations(r.tr, &ex), 1);
	json_t *arr = trace_explanations_json(ex, 1);
	CHECK(json_array_size(arr) == 1);
	json_t *o = json_array_get(arr, 0);
	CHECK(strcmp(jstr(o, "text"), want) == 0);
	CHECK(json_integer_value(json_object_get(o, "count")) == 1);
	CHECK(json_integer_value(json_object_get(o, "seed_issue")) == 2);
	CHECK(strcmp(jstr(o, "counter"), "TcpInCsumErrors") == 0);
	CHECK(strcmp(jstr(o, "object"), "vm-b's kernel") == 0);
	CHECK(json_is_false(json_object_get(o, "harmless")));
	json_decref(arr);
	/* explained once: a later rise finds nothing more to blame on it */
	CHECK_U64(trace_kernel_drops(r.tr, (unsigned)r.watch_b, "tcp_bad_checksum",
				     "TcpInCsumErrors", 1),
		  0);
	/* a watch that does not exist explains nothing */
	CHECK_U64(trace_kernel_drops(r.tr, 7, "tcp_bad_checksum", "TcpInCsumErrors", 1), 0);
	lab_stop(&r);
}

/* The JSON of explanations with no seed issue: a counter's drop names its
 * counter and object; text in the caller's words names what the caller
 * gave, here nothing, and keeps harmless. */
TEST(explanations_json_without_seed_issue)
{
	char err[128] = "";
	struct trace *tr = trace_create(NULL, NULL, 0, err, sizeof(err));
	CHECK(tr != NULL);
	if (!tr)
		return;
	const struct counter_desc *d = counter_set_find(&stack_counters, "tcp_bad_checksum");
	CHECK(d != NULL);
	if (d)
		CHECK(trace_add_counted(tr, "vm-b's kernel", d, 3));
	trace_add_text(tr, "a flooded frame refused", true, 2, NULL, NULL);
	const struct trace_explanation *ex;
	unsigned n = trace_explanations(tr, &ex);
	CHECK_EQ(n, 2);
	json_t *arr = trace_explanations_json(ex, n);
	CHECK(json_array_size(arr) == 2);
	json_t *a = json_array_get(arr, 0), *b = json_array_get(arr, 1);
	CHECK(json_integer_value(json_object_get(a, "count")) == 3);
	CHECK(strcmp(jstr(a, "counter"), "tcp_bad_checksum") == 0);
	CHECK(strcmp(jstr(a, "object"), "vm-b's kernel") == 0);
	CHECK(json_object_get(a, "seed_issue") == NULL);
	CHECK(strncmp(jstr(a, "text"), "dropped at vm-b's kernel: ", 26) == 0);
	CHECK(strcmp(jstr(b, "text"), "a flooded frame refused") == 0);
	CHECK(json_is_true(json_object_get(b, "harmless")));
	CHECK(json_object_get(b, "counter") == NULL && json_object_get(b, "object") == NULL);
	json_decref(arr);
	trace_destroy(tr);
}

TEST(all_fixes_nothing_is_blamed)
{
	struct lab_run r;
	if (!lab_start(&r, IBMVETH_FIX_ALL))
		return;
	send_syn(&r);
	uint8_t flags = 0;
	uint16_t field = 0;
	bool valid = false;
	CHECK(read_b(&r, &flags, &field, &valid));
	/* complete and right, or left for the kernel to complete */
	CHECK(valid || (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM));
	CHECK_U64(trace_kernel_drops(r.tr, (unsigned)r.watch_b, "tcp_bad_checksum",
				     "TcpInCsumErrors", 1),
		  0);
	CHECK_EQ(r.n_heard, 0);
	lab_stop(&r);
}

TEST_MAIN()
