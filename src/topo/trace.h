/*
 * trace.h — the hop recorder: remembers, for recent TCP packets, the offload
 * state they had at every hop (ip_summed, checksum field, gso_size,
 * frag_list), so a drop at an endpoint can be explained in plain words
 * ("SYN dropped at VM B: TCP checksum bad, packet left trunk-out without
 * NO_CSUM|CSUM_GOOD because it arrived CHECKSUM_UNNECESSARY — seed issue 2"),
 * and optionally writes the first packets of each flow hop by hop to a text
 * file (--trace) and every hop's frames to pcap files (--pcap).
 *
 * Packets are identified by what survives the hypervisor's copies: the TCP
 * 5-tuple, sequence number and SYN/FIN/RST flags (the hypervisor never sees a
 * struct pkt, so nothing else travels with the bytes).
 *
 * Serves the scenario runner (src/topo/scenario.c). Hop events come from
 * pkt_trace() calls in the layers: "<dev> rx" (netdev_receive), "<dev> tx"
 * (dev_queue_xmit, before validate_xmit), "<bridge> upcall"; drops from the
 * stacks' drop hooks.
 */
#ifndef ILLAN_TRACE_H
#define ILLAN_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct counter_desc;
struct netdev;
struct pkt;
struct trace;

#define TRACE_MAX_EXPLAIN 32
#define TRACE_TEXT_MAX 360 /* an explanation, its label and real mode's kernel counter */

struct trace_explanation {
	char text[TRACE_TEXT_MAX];
	unsigned seed_issue; /* 1..4, 0 when not one of the seed's */
	bool harmless;       /* not a loss: a flooded frame refused by a host it was not for */
	uint64_t count;
	/* the counter that showed the drop and where it counts ("TcpInCsumErrors"
	 * in "vm-b's kernel", "no_destination" in "hv:trunk-out", an endpoint
	 * stack's reason in "VM B"); "" when the caller named none */
	char counter[48];
	char object[48];
};

/* Create a recorder. trace_file and pcap_dir may be NULL. first_n: packets of
 * each flow direction written to trace_file. Returns NULL on failure (err
 * says why: e.g. the pcap directory cannot be created). */
struct trace *trace_create(const char *trace_file, const char *pcap_dir, unsigned first_n,
			   char *err, size_t err_size);
struct ev_loop;
/* Time the text trace and the pcap files by loop's clock (the virtual clock
 * in embedded mode), from now. Without it (real mode) the text trace counts
 * real time from trace_create and pcap frames carry the time of day. */
void trace_set_clock(struct trace *tr, const struct ev_loop *loop);
/* Real mode, where flows are not known beforehand: each new connection
 * (a SYN without ACK) names a flow "ADDR:PORT->ADDR:PORT", up to 16 flows;
 * the first packets of each are traced and captured as in embedded mode. */
void trace_auto_flows(struct trace *tr);
/* Which pcap files hold CHECKSUM_PARTIAL frames (their TCP checksum field
 * holds the pseudo-header sum by design, so tshark calls it bad): one line
 * per file, "NAME.pcapng: N frames CHECKSUM_PARTIAL, numbers A to B", written
 * to buf ("" when none). Returns the length written. */
size_t trace_pcap_note(struct trace *tr, char *buf, size_t size);

struct hv;
/* Become hv's observer (hv_set_observer; hv NULL: none) when tr writes a
 * text trace or pcap files (else it does nothing), so each "<dev>
 * tx" hop that leads to an H_SEND_LOGICAL_LAN shows the send's descriptor
 * flags and mss ("desc=VALID|NO_CSUM|CSUM_GOOD|LRG_SND mss=1448"), and each
 * "<dev> rx" hop after a receive-queue entry the entry's flags
 * ("rxq=VALID|CSUM_GOOD|LRG_PKT mss=1448"), in the text trace and the pcap
 * comments. The ibmveth model and the kernel's ibmveth.c meet the same
 * hypervisor, so both show them. Packets are matched by their TCP key, read
 * from the frame the hypervisor sees; a "<dev> tx" hop is written when its
 * send comes, or when anything else is written first (then without flags:
 * a device that is not ILLAN, a packet held in a queue). trace_destroy
 * removes the observer: call it before hv is destroyed. */
void trace_observe_hv(struct trace *tr, struct hv *hv);

/* Install as the process's pkt trace hook (one recorder at a time). */
void trace_install(struct trace *tr);
void trace_uninstall(void);
void trace_destroy(struct trace *tr);

/* Name a flow for the output: packets between (addr a, port pa) and (b, pb)
 * belong to it. family 4 or 6, addresses in network order. */
void trace_add_flow(struct trace *tr, const char *name, int family, const uint8_t *a, uint16_t pa,
		    const uint8_t *b, uint16_t pb);
/* Name an endpoint stack ("A" → "VM A") for explanations. */
void trace_name_endpoint(struct trace *tr, const char *stack_name, const char *display);

/* Record a drop of p by an endpoint, and explain it from p's hop history. */
void trace_drop(struct trace *tr, const char *endpoint, const struct pkt *p, const char *reason);

/* Explain a drop known only from a counter (at a NIC, the hypervisor, the
 * bridge, a driver): value drops at obj counted in d, in d's own words (its
 * list's drop phrase; harmless when d says so). Returns false if d counts no
 * drop or value is 0. */
bool trace_add_counted(struct trace *tr, const char *obj, const struct counter_desc *d,
		       uint64_t value);
/* The words of a drop known only from a counter: "dropped at OBJ: PHRASE
 * (NAME)" into out. The one place both the run report and the daemon's
 * `illan why` make that sentence. */
void trace_counted_text(const char *obj, const struct counter_desc *d, char *out, size_t out_size);
/* Explain value drops at obj counted in d as the run report does for every
 * object that is not an endpoint's stack: no_destination in its own words
 * (a trunk's is a harmless flood), any other drop counter with
 * trace_add_counted. The daemon calls it with each counter's increase. */
void trace_count_drop(struct trace *tr, const char *obj, const struct counter_desc *d,
		      uint64_t value);
/* Add an explanation in the caller's words; counter and object (may be
 * NULL) name the counter that showed it and where it counts. */
void trace_add_text(struct trace *tr, const char *text, bool harmless, uint64_t count,
		    const char *object, const char *counter);
/* Drops not listed because there were more than TRACE_MAX_EXPLAIN kinds. */
uint64_t trace_explanations_lost(const struct trace *tr);

/* The distinct explanations so far, most frequent first. */
unsigned trace_explanations(const struct trace *tr, const struct trace_explanation **out);

struct json_t;
/* rows[0..n) as a JSON array (jansson; new reference, NULL if out of
 * memory), one object per explanation: "count", "text", "harmless", and
 * "seed_issue", "counter", "object" when known. The shape of `illan why
 * --json`'s "explanations". */
struct json_t *trace_explanations_json(const struct trace_explanation *rows, unsigned n);

/* Called with every explanation as it is added (count: the occurrences
 * added now), so a long-running user (the real-traffic daemon) can log and
 * stream them. fn NULL: none. */
typedef void trace_listener_fn(void *arg, const struct trace_explanation *e, uint64_t count);
void trace_set_listener(struct trace *tr, trace_listener_fn *fn, void *arg);

/*
 * Real mode: the kernels illan feeds. A packet a kernel drops is known only
 * from that kernel's counters (TcpInCsumErrors); the recorder keeps, per
 * watched device (the TAP into a partition's kernel, the NIC whose wire is
 * a host's cable), the recent packets it transmitted whose history could
 * explain such a drop (a hop that received them with checksum field 0,
 * UNNECESSARY or PARTIAL), so a counter's increase can be matched with them.
 *
 * trace_watch_delivery: dev's transmits go into the kernel named kernel
 * ("vm-b"), whose endpoint the report calls display ("VM B"). Returns the
 * watch's number, or -ENOSPC (TRACE_WATCHES).
 * trace_name_host: addr (family 4 or 6, network order) is host name, for
 * the "[vm-a->vm-b:5201]" label of packets no named flow covers.
 */
#define TRACE_WATCHES 16
int trace_watch_delivery(struct trace *tr, const struct netdev *dev, const char *kernel,
			 const char *display);
void trace_name_host(struct trace *tr, int family, const uint8_t *addr, const char *name);
/*
 * The kernel of watch w counted n drops in its counter kcounter
 * ("TcpInCsumErrors"), which are endpoint drops of reason (a stack counter's
 * name, "tcp_bad_checksum"). Explain up to n of the packets delivered to it
 * in the last TRACE_DELIVERY_TTL_NS whose history explains such a drop, each
 * with the sentence the run report gives the same drop at an endpoint, then
 * "(vm-b's kernel: TcpInCsumErrors)". Returns how many were explained; the
 * caller explains the rest from the counter alone.
 */
#define TRACE_DELIVERY_TTL_NS 5000000000ull
uint64_t trace_kernel_drops(struct trace *tr, unsigned w, const char *reason, const char *kcounter,
			    uint64_t n);

/* Pure helper (tested alone): explain a history of hops. */
struct trace_hop {
	char where[48];
	uint8_t ip_summed;
	uint16_t csum_field; /* as stored, host order of the two bytes read big-endian */
	uint16_t gso_size;
	bool frag_list;
	uint32_t len;
};
unsigned trace_explain(const struct trace_hop *hops, unsigned n_hops, const char *what,
		       const char *endpoint, const char *reason, char *out, size_t out_size);

#endif
