/*
 * run.c — `illan run` (the seed scenario, reported in plain words or JSON)
 * and `illan matrix` (all 16 fix combinations in one table).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "drv/ibmveth/ibmveth.h"
#include "topo/scenario.h"
#include "topo/topo.h"

static const char *const fix_names[4] = {"trunk-offload", "trunk-csum-partial", "pseudo-csum",
					 "fraglist-linearize"};

struct run_opts {
	struct topo_config cfg;
	struct scenario_options so;
	uint64_t bytes, reply_bytes;
	bool json;
};

/* Parse a byte count with an optional K/M/G suffix (binary). */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	else if (*end == 'T' || *end == 't')
		mul = 1024ull * 1024 * 1024 * 1024, end++;
	if (*end || v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void usage_run(FILE *f)
{
	fprintf(f,
		"usage: illan run [options]\n"
		"  --fixes all|none|LIST  seed fixes on (LIST: 1-4 or names, comma-separated:\n"
		"                         trunk-offload, trunk-csum-partial, pseudo-csum, fraglist-linearize)\n"
		"  --no-offload           every adapter and NIC without CSO/LSO (the baseline)\n"
		"  --family 4|6           IPv4 (default) or IPv6\n"
		"  --bytes N              bytes each client sends (K/M/G suffixes; default 128M,\n"
		"                         32M for matrix)\n"
		"  --reply-bytes N        bytes each server sends back (default 4M, 1M for matrix)\n"
		"  --mtu N                MTU of every device (default 1500)\n"
		"  --seed N               deterministic seed (default 1)\n"
		"  --no-gro               the IO server NIC without GRO\n"
		"  --linux-bridge         a Linux-style bridge instead of the OVS-style one\n"
		"  --veb                  hypervisor switch in VEB instead of VEPA mode\n"
		"  --json                 one JSON object on stdout\n"
		"  --trace FILE           offload state of the first packets of each flow, hop by hop\n"
		"  --pcap DIR             one pcap per hop\n");
}

/* Parse the options shared by run and matrix. Returns 0, 1 (help shown) or
 * -EINVAL (message printed). */
static int parse_run_opts(int argc, char **argv, struct run_opts *o, bool matrix)
{
	static const struct option longopts[] = {
		{"fixes", required_argument, NULL, 'f'},   {"no-offload", no_argument, NULL, 'n'},
		{"family", required_argument, NULL, '4'},  {"bytes", required_argument, NULL, 'b'},
		{"reply-bytes", required_argument, NULL, 'r'}, {"mtu", required_argument, NULL, 'm'},
		{"seed", required_argument, NULL, 's'},    {"json", no_argument, NULL, 'j'},
		{"trace", required_argument, NULL, 't'},   {"pcap", required_argument, NULL, 'p'},
		{"no-gro", no_argument, NULL, 'g'},        {"linux-bridge", no_argument, NULL, 'l'},
		{"veb", no_argument, NULL, 'v'},           {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	topo_config_default(&o->cfg);
	scenario_options_default(&o->so);
	o->bytes = matrix ? 32u << 20 : 128u << 20;
	o->reply_bytes = matrix ? 1u << 20 : 4u << 20;
	o->json = false;
	optind = 0; /* 0: glibc re-initialises getopt fully (safe to parse twice) */
	opterr = 0;
	int c;
	unsigned long long v;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ibmveth_parse_fixes(optarg, &o->cfg.fixes)) {
				fprintf(stderr, "illan: --fixes '%s': expected all, none, or a list of 1-4 / "
						"trunk-offload, trunk-csum-partial, pseudo-csum, fraglist-linearize\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'n':
			o->cfg.no_offload = true;
			break;
		case '4':
			if (strcmp(optarg, "4") && strcmp(optarg, "6")) {
				fprintf(stderr, "illan: --family must be 4 or 6, not '%s'\n", optarg);
				return -EINVAL;
			}
			o->so.family = optarg[0] - '0';
			break;
		case 'b':
		case 'r': {
			uint64_t n;
			if (parse_size(optarg, &n) || n == 0 || n > (1ull << 40)) {
				fprintf(stderr, "illan: --%s '%s': expected a byte count from 1 to 1T\n",
					c == 'b' ? "bytes" : "reply-bytes", optarg);
				return -EINVAL;
			}
			if (c == 'b')
				o->bytes = n;
			else
				o->reply_bytes = n;
			break;
		}
		case 'm':
			if (parse_uint(optarg, 65535, &v) || v < 576 || v > 65394) {
				fprintf(stderr, "illan: --mtu '%s': expected 576..65394 (the virtual "
						"Ethernet carries frames up to 65408 bytes)\n", optarg);
				return -EINVAL;
			}
			o->cfg.mtu = (unsigned)v;
			break;
		case 's':
			if (parse_uint(optarg, UINT64_MAX, &v)) {
				fprintf(stderr, "illan: --seed '%s': expected a number\n", optarg);
				return -EINVAL;
			}
			o->cfg.seed = v;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			o->so.trace_file = optarg;
			break;
		case 'p':
			o->so.pcap_dir = optarg;
			break;
		case 'g':
			o->cfg.gro = false;
			break;
		case 'l':
			o->cfg.linux_bridge = true;
			break;
		case 'v':
			o->cfg.veb = true;
			break;
		case 'h':
			usage_run(stdout);
			return 1;
		default:
			fprintf(stderr, "illan: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage_run(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "illan: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->so.family == 6 && o->cfg.mtu < 1280) {
		fprintf(stderr, "illan: IPv6 needs an MTU of at least 1280 (RFC 8200), not %u\n", o->cfg.mtu);
		return -EINVAL;
	}
	return 0;
}

static void fixes_list(unsigned fixes, char *buf, size_t size, bool names)
{
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < 4; i++) {
		if (!(fixes & (1u << i)))
			continue;
		if (names)
			off += (size_t)snprintf(buf + off, size - off, "%s%d (%s)", off ? ", " : "", i + 1,
						fix_names[i]);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%d", off ? "," : "", i + 1);
		if (off >= size)
			break;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* Run one configuration: build the topology and run the default flows.
 * Returns the topology (the caller reads its counters and tears it down),
 * or NULL with the error printed and *rc set to -errno. */
static struct topo *run_once(const struct run_opts *o, struct scenario_result *res, int *rc)
{
	char err[256];
	struct topo *t = topo_seed_create(&o->cfg, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "illan: %s\n", err);
		*rc = -EIO;
		return NULL;
	}
	struct scenario_flow_spec specs[SCENARIO_MAX_FLOWS];
	unsigned n = scenario_default_flows(specs, o->bytes, o->reply_bytes);
	*rc = scenario_run(t, specs, n, &o->so, res, err, sizeof(err));
	if (*rc) {
		fprintf(stderr, "illan: %s\n", err);
		topo_destroy(t);
		return NULL;
	}
	return t;
}

/* Every counter of a topology, copied before teardown so the report can be
 * written after the leak check (a leak must not be reported as OK). */
#define SNAP_MAX 1024
struct snap_entry {
	char obj[24];
	char name[40];
	uint64_t v;
};
struct counter_snap {
	unsigned n;
	struct snap_entry e[SNAP_MAX];
};

static void snap_one(void *arg, const char *obj, const char *name, uint64_t v)
{
	struct counter_snap *s = arg;
	if (s->n == SNAP_MAX)
		return;
	struct snap_entry *e = &s->e[s->n++];
	snprintf(e->obj, sizeof(e->obj), "%s", obj);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->v = v;
}

static void snap_take(struct counter_snap *s, struct topo *t)
{
	s->n = 0;
	topo_for_each_counter(t, snap_one, s);
}

static uint64_t snap_sum(const struct counter_snap *s, const char *name)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->e[i].name, name) == 0)
			sum += s->e[i].v;
	return sum;
}

static void snap_for_each(const struct counter_snap *s,
			  void (*fn)(void *arg, const char *obj, const char *name, uint64_t v), void *arg)
{
	for (unsigned i = 0; i < s->n; i++)
		fn(arg, s->e[i].obj, s->e[i].name, s->e[i].v);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* Counters summed by name over every object, and per object. */
#define MAX_NAMES 256
struct counter_table {
	const char *names[MAX_NAMES];
	uint64_t sums[MAX_NAMES];
	unsigned n;
};

static void collect(void *arg, const char *obj, const char *name, uint64_t v)
{
	(void)obj;
	struct counter_table *ct = arg;
	for (unsigned i = 0; i < ct->n; i++)
		if (strcmp(ct->names[i], name) == 0) {
			ct->sums[i] += v;
			return;
		}
	if (ct->n < MAX_NAMES) {
		ct->names[ct->n] = name;
		ct->sums[ct->n++] = v;
	}
}

struct obj_print {
	FILE *f;
	char obj[64];
	bool first_obj, first_in_obj;
};

static void print_obj_counter(void *arg, const char *obj, const char *name, uint64_t v)
{
	struct obj_print *op = arg;
	if (strcmp(op->obj, obj) != 0) {
		if (!op->first_obj)
			fprintf(op->f, "}");
		fprintf(op->f, "%s", op->first_obj ? "" : ", ");
		json_str(op->f, obj);
		fprintf(op->f, ": {");
		snprintf(op->obj, sizeof(op->obj), "%s", obj);
		op->first_obj = false;
		op->first_in_obj = true;
	}
	fprintf(op->f, "%s", op->first_in_obj ? "" : ", ");
	json_str(op->f, name);
	fprintf(op->f, ": %" PRIu64, v);
	op->first_in_obj = false;
}

static void print_json(FILE *f, const struct run_opts *o, const struct scenario_result *r,
		       const struct counter_snap *t, uint64_t leaked)
{
	char fx[32];
	fixes_list(o->cfg.fixes, fx, sizeof(fx), false);
	fprintf(f, "{\"ok\": %s, \"fixes\": [%s], \"offload\": %s, \"family\": %d, \"mtu\": %u, "
		   "\"seed\": %" PRIu64 ", \"wall_s\": %.6f, \"virtual_s\": %.6f, \"leaked_packets\": %" PRIu64 ",\n",
		r->ok && !leaked ? "true" : "false", strcmp(fx, "none") ? fx : "",
		o->cfg.no_offload ? "false" : "true", o->so.family, o->cfg.mtu, o->cfg.seed, r->wall_s,
		r->virtual_s, leaked);
	fprintf(f, " \"flows\": [");
	for (unsigned i = 0; i < r->n_flows; i++) {
		const struct scenario_flow_result *fr = &r->flows[i];
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		json_str(f, fr->name);
		fprintf(f, ", \"ok\": %s, \"connected\": %s, \"syn_retransmits\": %" PRIu64
			   ", \"synack_retransmits\": %" PRIu64 ", \"retransmits\": %" PRIu64
			   ", \"bytes_sent\": %" PRIu64 ", \"bytes_delivered\": %" PRIu64
			   ", \"reply_sent\": %" PRIu64 ", \"reply_delivered\": %" PRIu64
			   ", \"intact\": %s, \"goodput_gbps\": %.4f, \"wall_s\": %.6f, \"virtual_s\": %.6f, \"failure\": ",
			fr->ok ? "true" : "false", fr->connected ? "true" : "false", fr->syn_retransmits,
			fr->synack_retransmits, fr->retransmits, fr->bytes_sent, fr->bytes_delivered,
			fr->reply_sent, fr->reply_delivered, fr->intact ? "true" : "false",
			fr->goodput_gbps, fr->wall_s, fr->virtual_s);
		json_str(f, fr->failure);
		fprintf(f, "}");
	}
	fprintf(f, "],\n \"drops\": [");
	for (unsigned i = 0; i < r->n_expl; i++) {
		fprintf(f, "%s\n  {\"count\": %" PRIu64 ", \"seed_issue\": %u, \"text\": ", i ? "," : "",
			r->expl[i].count, r->expl[i].seed_issue);
		json_str(f, r->expl[i].text);
		fprintf(f, "}");
	}
	fprintf(f, "],\n \"counters\": {");
	static struct counter_table ct;
	memset(&ct, 0, sizeof(ct));
	snap_for_each(t, collect, &ct);
	for (unsigned i = 0; i < ct.n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, ct.names[i]);
		fprintf(f, ": %" PRIu64, ct.sums[i]);
	}
	fprintf(f, "},\n \"objects\": {");
	struct obj_print op = {.f = f, .first_obj = true};
	snap_for_each(t, print_obj_counter, &op);
	fprintf(f, "%s}}\n", op.first_obj ? "" : "}");
}

static void print_text(FILE *f, const struct run_opts *o, const struct scenario_result *r,
		       const struct counter_snap *t, uint64_t leaked)
{
	char fx[160];
	fixes_list(o->cfg.fixes, fx, sizeof(fx), true);
	fprintf(f, "illan run: seed topology (VM A, VM B, IO server with OVS-style bridge, host X)\n");
	fprintf(f, "  fixes: %s\n  offloads %s, IPv%d, MTU %u, seed %" PRIu64 "\n\n", fx,
		o->cfg.no_offload ? "off (--no-offload)" : "on", o->so.family, o->cfg.mtu, o->cfg.seed);
	for (unsigned i = 0; i < r->n_flows; i++) {
		const struct scenario_flow_result *fr = &r->flows[i];
		fprintf(f, "flow %s: %s", fr->name, fr->connected ? "connected" : "NOT connected");
		fprintf(f, ", %" PRIu64 " SYN retransmission%s", fr->syn_retransmits,
			fr->syn_retransmits == 1 ? "" : "s");
		if (fr->synack_retransmits)
			fprintf(f, ", %" PRIu64 " SYN-ACK retransmissions", fr->synack_retransmits);
		if (fr->retransmits)
			fprintf(f, ", %" PRIu64 " data retransmissions", fr->retransmits);
		fprintf(f, "\n  sent %" PRIu64 " bytes, %" PRIu64 " delivered%s; reply %" PRIu64
			   " sent, %" PRIu64 " delivered\n",
			fr->bytes_sent, fr->bytes_delivered, fr->intact ? " intact" : " (CORRUPTED bytes seen)",
			fr->reply_sent, fr->reply_delivered);
		fprintf(f, "  goodput %.2f Gbit/s (%.3f s wall, %.3f s virtual)%s%s\n", fr->goodput_gbps,
			fr->wall_s, fr->virtual_s, fr->failure[0] ? "; failed: " : "", fr->failure);
	}
	fprintf(f, "\ndrops:%s\n", r->n_expl ? "" : " none");
	for (unsigned i = 0; i < r->n_expl; i++)
		fprintf(f, "  %" PRIu64 "x %s\n", r->expl[i].count, r->expl[i].text);
	fprintf(f, "\ncounters: tcp_bad_checksum %" PRIu64 ", upcalls %" PRIu64 ", sw_gso_segments %" PRIu64
		   ", sw_checksums %" PRIu64 ", hv_sw_checksums %" PRIu64 ", hv_sw_segments %" PRIu64
		   ", tx_large_packets %" PRIu64 ", rx_large_packets %" PRIu64 "\n",
		snap_sum(t, "tcp_bad_checksum"), snap_sum(t, "upcalls"),
		snap_sum(t, "sw_gso_segments"), snap_sum(t, "sw_checksums"),
		snap_sum(t, "hv_sw_checksums"), snap_sum(t, "hv_sw_segments"),
		snap_sum(t, "tx_large_packets"), snap_sum(t, "rx_large_packets"));
	if (leaked)
		fprintf(f, "LEAK: %" PRIu64 " packets still outstanding at teardown\n", leaked);
	fprintf(f, "\nresult: %s\n", r->ok && !leaked ? "OK — every flow delivered every byte intact"
						      : "FAILED — not every flow delivered every byte intact");
}

/* `illan run`: see usage_run. Exit 0 only if every flow delivered every byte
 * intact (and nothing leaked). */
int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_run_opts(argc, argv, &o, false);
	if (rc)
		return rc > 0 ? 0 : 2;
	static struct scenario_result res;
	struct topo *t = run_once(&o, &res, &rc);
	if (!t)
		return rc == -EINVAL ? 2 : 1; /* a path we cannot write is a usage error */
	/* Counters are read before teardown; leaks are counted after it, and
	 * the report is written last so it says what really happened. */
	static struct counter_snap snap;
	snap_take(&snap, t);
	uint64_t leaked = topo_destroy(t);
	if (leaked) {
		fprintf(stderr, "illan: %" PRIu64 " packets leaked at teardown\n", leaked);
		res.ok = false;
	}
	if (o.json)
		print_json(stdout, &o, &res, &snap, leaked);
	else
		print_text(stdout, &o, &res, &snap, leaked);
	return res.ok && !leaked ? 0 : 1;
}

/* `illan matrix`: the 16 fix combinations, one row each. */
int cmd_matrix(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_run_opts(argc, argv, &o, true);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (o.so.trace_file || o.so.pcap_dir) {
		fprintf(stderr, "illan: --trace and --pcap are for `illan run`\n");
		return 2;
	}
	if (!o.json) {
		printf("illan matrix: IPv%d, MTU %u, %" PRIu64 " bytes per flow, offloads %s\n\n",
		       o.so.family, o.cfg.mtu, o.bytes, o.cfg.no_offload ? "off" : "on");
		printf("%-9s %-9s %-9s %-10s %-10s %-8s %-9s %-9s %s\n", "fixes", "A->B", "X->B", "SYN-rexmit",
		       "bad-csum", "sw-path", "A->B", "X->B", "verdict");
		printf("%-9s %-9s %-9s %-10s %-10s %-8s %-9s %-9s\n", "", "", "", "", "", "", "Gbit/s",
		       "Gbit/s");
	} else {
		printf("{\"rows\": [");
	}
	bool all_ok = true;
	for (unsigned fixes = 0; fixes < 16; fixes++) {
		struct run_opts ro = o;
		ro.cfg.fixes = fixes;
		ro.so.explain = false;
		static struct scenario_result res;
		struct topo *t = run_once(&ro, &res, &rc);
		if (!t)
			return 1;
		uint64_t bad = topo_counter_sum(t, "tcp_bad_checksum");
		uint64_t sw = topo_counter_sum(t, "hv_sw_checksums") + topo_counter_sum(t, "hv_sw_segments") +
			      topo_counter_sum(t, "sw_gso_segments");
		uint64_t rexmit = 0;
		bool connected = true, intact = true;
		for (unsigned i = 0; i < res.n_flows; i++) {
			rexmit += res.flows[i].syn_retransmits + res.flows[i].synack_retransmits;
			connected &= res.flows[i].ok;
			intact &= res.flows[i].intact;
		}
		uint64_t leaked = topo_destroy(t);
		/* One verdict per row: a broken flow first, then first-packet
		 * losses, then software fallback; "whole and fast" only when
		 * nothing of that happened. */
		char verdict[160];
		if (!intact || leaked) {
			snprintf(verdict, sizeof(verdict), "CORRUPT or leaking");
		} else if (!connected) {
			size_t off = (size_t)snprintf(verdict, sizeof(verdict), "broken:");
			for (unsigned i = 0; i < res.n_flows && off < sizeof(verdict); i++) {
				const struct scenario_flow_result *fr = &res.flows[i];
				const char *st = !fr->ok ? "fails"
						 : fr->syn_retransmits + fr->synack_retransmits ? "loses first packets"
												 : "ok";
				off += (size_t)snprintf(verdict + off, sizeof(verdict) - off, "%s %s %s",
							i ? "," : "", fr->name, st);
			}
		} else if (rexmit) {
			snprintf(verdict, sizeof(verdict), "works, loses first packets");
		} else if (sw) {
			snprintf(verdict, sizeof(verdict), "works, software fallback (slow)");
		} else {
			snprintf(verdict, sizeof(verdict), "whole and fast");
		}
		if (fixes == 15 && strcmp(verdict, "whole and fast"))
			all_ok = false;
		char fx[32];
		fixes_list(fixes, fx, sizeof(fx), false);
		if (o.json) {
			printf("%s\n {\"fixes\": [%s], \"flows_ok\": %s, \"syn_retransmits\": %" PRIu64
			       ", \"tcp_bad_checksum\": %" PRIu64 ", \"software_path\": %" PRIu64
			       ", \"goodput_gbps\": [%.4f, %.4f], \"verdict\": \"%s\"}",
			       fixes ? "," : "", strcmp(fx, "none") ? fx : "", connected ? "true" : "false",
			       rexmit, bad, sw, res.flows[0].goodput_gbps, res.flows[1].goodput_gbps, verdict);
		} else {
			printf("%-9s %-9s %-9s %-10" PRIu64 " %-10" PRIu64 " %-8" PRIu64 " %-9.2f %-9.2f %s\n", fx,
			       res.flows[0].ok ? "ok" : "FAIL", res.flows[1].ok ? "ok" : "FAIL", rexmit, bad, sw,
			       res.flows[0].goodput_gbps, res.flows[1].goodput_gbps, verdict);
		}
		fflush(stdout);
	}
	if (o.json)
		printf("]}\n");
	else
		printf("\nThe seed's warning: fixes 1, 2 and 3 only work together.\n");
	return all_ok ? 0 : 1;
}
