/*
 * pkt.h — the packet: our sk_buff. Bytes with headroom and tailroom, header
 * offsets, and Linux's offload metadata with Linux's meanings.
 *
 * Serves every layer above: drivers build packets from receive buffers, the
 * bridge forwards them, the stack fills and consumes them, netdev's
 * validate_xmit segments and checksums them.
 *
 * Memory: a packet's bytes come from a pkt_pool, whose buffers may live in
 * memory a caller provides (a partition's logical memory), so the hypervisor
 * copies straight into and out of them. Every pool counts what is
 * outstanding; tests assert zero at teardown.
 *
 * Ownership: whoever holds a struct pkt owns it, its page fragments and its
 * frag_list; passing it to a function that "takes" a packet (transmit,
 * receive hooks) hands over ownership, success or not. pkt_free releases the
 * packet, its fragments and its frag_list.
 *
 * Layout, as an sk_buff's: the linear part [data, data + headlen), then the
 * page fragments frags[0..nr_frags) (skb_shinfo()->frags: at most
 * PKT_MAX_FRAGS, MAX_SKB_FRAGS of 4 KiB-page kernels), then the frag_list
 * members, each laid out the same way (its linear part, its fragments, its
 * own frag_list). A fragment is a linear packet whose bytes
 * [data, data + len) are the fragment (the page, offset and size of an
 * skb_frag_t); its metadata means nothing. data_len counts every byte
 * outside the linear part (fragments and frag_list).
 *
 * ---------------------------------------------------------------------------
 * The checksum contract (ip_summed), Linux's include/linux/skbuff.h "DOC: skb
 * checksums", restated once here; every layer keeps these meanings.
 *
 * On receive (a device hands the packet up):
 *   CHECKSUM_NONE         The device did not verify anything. The packet
 *                         carries a full checksum that the stack must verify.
 *   CHECKSUM_UNNECESSARY  The device verified the L4 checksum (TCP/UDP over
 *                         IPv4/IPv6); csum_level = number of consecutive
 *                         verified checksums - 1. The checksum field must not
 *                         be trusted to be anything in particular by a
 *                         forwarder: a hypervisor-validated frame may carry 0
 *                         there (ibmveth CSUM_GOOD; the seed's issue 2).
 *   CHECKSUM_COMPLETE     csum holds the ones'-complement sum of the whole
 *                         packet from the network header on. (Modelled for
 *                         completeness; no illan device produces it.)
 *   CHECKSUM_PARTIAL      The packet came from another Linux on the same host
 *                         or from GRO: the checksum at csum_start+csum_offset
 *                         holds only the pseudo-header seed and must be
 *                         completed before the packet leaves on a wire; all
 *                         checksums before it count as verified.
 * On transmit (the stack or a forwarder hands the packet to a device):
 *   CHECKSUM_PARTIAL      The device must sum from csum_start to the end and
 *                         store the folded result at csum_start+csum_offset,
 *                         which holds the pseudo-header seed. A device that
 *                         cannot is given a packet already completed by
 *                         pkt_checksum_help (validate_xmit does that).
 *   CHECKSUM_NONE,
 *   CHECKSUM_UNNECESSARY  The packet is already checksummed (or needs none).
 *   CHECKSUM_COMPLETE     Treated as NONE.
 * GSO: gso_size != 0 means the packet is a TCP super-frame to be cut into
 *   gso_size-byte segments; gso_type says TCPV4 or TCPV6 (DODGY when the
 *   metadata came from an untrusted source). A GSO packet is PARTIAL with
 *   csum_start at the TCP header and the seed for the whole length.
 * ---------------------------------------------------------------------------
 */
#ifndef ILLAN_PKT_H
#define ILLAN_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pkt_ip_summed {
	CHECKSUM_NONE = 0,
	CHECKSUM_UNNECESSARY = 1,
	CHECKSUM_COMPLETE = 2,
	CHECKSUM_PARTIAL = 3,
};

/* gso_type bits, Linux's SKB_GSO_* values. */
#define PKT_GSO_TCPV4 (1u << 0)
#define PKT_GSO_DODGY (1u << 1)
#define PKT_GSO_TCP_ECN (1u << 2)
#define PKT_GSO_TCP_FIXEDID (1u << 3)
#define PKT_GSO_TCPV6 (1u << 4)

#define PKT_HDR_UNSET UINT32_MAX
#define PKT_MAX_LEN 65536u /* largest frame any illan device accepts */
#define PKT_HEADROOM 128u  /* default headroom for locally built packets */
#define PKT_MAX_FRAGS 17u  /* MAX_SKB_FRAGS (65536 / 4096 + 1) in Linux 6.1 */

struct pkt_pool;
struct pkt_trace;

struct pkt {
	struct pkt *next;      /* queue / segment-list linkage, owner's to use */
	struct pkt *frag_list; /* continuation buffers holding payload only (GRO) */
	struct pkt_pool *pool; /* the pool the buffer (and this struct) came from */

	uint8_t *head;                    /* start of the buffer */
	uint32_t size;                    /* bytes in the buffer at head */
	uint32_t data;                    /* offset of the first packet byte from head (headroom) */
	uint32_t len;                     /* total packet bytes, linear + frags + frag_list */
	uint32_t data_len;                /* bytes in frags and frag_list (0 for a linear packet) */
	uint8_t nr_frags;                 /* page fragments in frags[] */
	struct pkt *frags[PKT_MAX_FRAGS]; /* linear packets holding the fragments */

	/* Header offsets from head, PKT_HDR_UNSET when unknown. */
	uint32_t mac_header;
	uint32_t network_header;
	uint32_t transport_header;
	uint16_t protocol; /* ethertype of the network header, host order */

	uint8_t ip_summed; /* enum pkt_ip_summed */
	uint8_t csum_level;
	uint32_t csum;        /* CHECKSUM_COMPLETE only */
	uint32_t csum_start;  /* offset from head */
	uint16_t csum_offset; /* from csum_start to the checksum field */
	/* The wire (tap.c's AF_PACKET wire) has just computed this frame's
	 * TCP/UDP checksum over exactly the bytes an rx-csum check covers, from
	 * a right seed: the check would find it good, so physnic trusts it
	 * instead of summing again. Set only there; cleared with the offload
	 * state (pkt_clear_offload); never copied. */
	bool csum_by_wire;

	uint16_t gso_size; /* MSS, 0 = not GSO */
	uint16_t gso_segs;
	uint32_t gso_type; /* PKT_GSO_* */

	bool vlan_present; /* an out-of-band tag (bridge use; ibmveth keeps tags in-band) */
	uint16_t vlan_tci;

	int iif;           /* ingress interface index, 0 = local */
	void *dev;         /* device the packet is on (struct netdev *), opaque here */
	uint32_t trace_id; /* nonzero: transitions are reported to pkt_trace_hook */
	uint64_t cb[4];    /* control block for the layer holding the packet */
};

/* ---- Pools ---------------------------------------------------------------
 * A pool has size classes; pkt_alloc takes a buffer from the smallest class
 * that fits. Buffers are carved from mem (caller's memory, e.g. a partition's
 * logical memory) or, with mem == NULL, from the heap. */
struct pkt_pool_class {
	uint32_t buf_size;
	uint32_t count;
};

struct pkt_pool_stats {
	uint64_t allocs;
	uint64_t frees;
	uint64_t failures;    /* no buffer in any fitting class, or injected fault */
	uint32_t outstanding; /* allocs - frees */
};

/* Bytes of memory a pool with these classes carves from mem: each buffer
 * rounded up to 64 bytes, so each starts on a cache line of the carve. */
size_t pkt_pool_mem_needed(const struct pkt_pool_class *classes, unsigned n_classes);
/* Create a pool of n_classes size classes (1 to 16, each buf_size > 0), the
 * buffers carved in class order from mem (mem_size bytes, at least
 * pkt_pool_mem_needed; the caller's, and it must outlive the pool) or, with
 * mem NULL, from one heap block. name is copied (truncated to 31 bytes).
 * Returns the pool, or NULL (bad classes, mem_size too small, no memory). */
struct pkt_pool *pkt_pool_create(const char *name, const struct pkt_pool_class *classes,
				 unsigned n_classes, void *mem, size_t mem_size);
/* Unlink and free the pool, its buffers (if carved from the heap) and its
 * packet objects. Returns how many packets were still outstanding: those are
 * leaked and every pointer to them becomes invalid. NULL is allowed (0). */
unsigned pkt_pool_destroy(struct pkt_pool *pool);
/* Copy the pool's counters into st. */
void pkt_pool_get_stats(const struct pkt_pool *pool, struct pkt_pool_stats *st);
/* Buffer size of the pool's largest class: headroom plus the longest
 * linear packet any allocation can give. */
uint32_t pkt_pool_max_buf(const struct pkt_pool *pool);
/* Packets allocated from pool and not yet freed. */
unsigned pkt_pool_outstanding(const struct pkt_pool *pool);
/* The name given at creation (stored in the pool). */
const char *pkt_pool_name(const struct pkt_pool *pool);
/* Total packets outstanding over every live pool in the process. */
uint64_t pkt_outstanding_total(void);

/* Fault injection (for tests): the n-th pkt_alloc from now (any pool; 1 =
 * the next) fails once, as if the pool were empty; 0 disarms. Returns the
 * pkt_alloc calls counted since the previous call, so a test can first count
 * a scenario's allocation sites and then fail each in turn. */
uint64_t pkt_fault_fail_nth(uint64_t n);

/* A packet from pool whose buffer holds at least headroom + size bytes,
 * taken from the smallest class that fits and has a free buffer (a larger
 * class when that one is empty): data = headroom, len = 0, no fragments,
 * no frag_list,
 * metadata cleared (pkt_reset_meta). The caller owns it until pkt_free.
 * NULL, counted in the pool's failures, when no class can serve it or fault
 * injection says so (also NULL for a NULL pool). */
struct pkt *pkt_alloc(struct pkt_pool *pool, uint32_t size, uint32_t headroom);
/* Release p, its buffer, its fragments and its whole frag_list (each to its
 * own pool); p->next is not followed. NULL is allowed. */
void pkt_free(struct pkt *p);
/* Free every packet of a ->next-linked list (NULL is allowed). */
void pkt_free_list(struct pkt *p);
/* No checksum or GSO state (CHECKSUM_NONE, csum fields 0, csum_by_wire
 * false, no GSO); bytes,
 * header offsets and everything else stay. */
void pkt_clear_offload(struct pkt *p);
/* Forget every header offset and the offload state (NONE, no GSO), protocol,
 * VLAN tag, iif, dev, trace id and cb; bytes, linkage, fragments and the
 * frag_list stay. */
void pkt_reset_meta(struct pkt *p);
/* Copy header offsets, protocol, offload state (ip_summed, csum_*, gso_*),
 * VLAN tag, iif, dev, trace_id and cb from `from` to `to`. Head-relative
 * offsets (and a PARTIAL csum_start) are moved so they point at the same
 * frame bytes when the two packets' data start at different headroom. Bytes
 * and linkage are untouched. */
void pkt_copy_meta(struct pkt *to, const struct pkt *from);

static inline uint8_t *pkt_data(const struct pkt *p)
{
	return p->head + p->data;
}
static inline uint32_t pkt_headlen(const struct pkt *p)
{
	return p->len - p->data_len;
}
static inline uint32_t pkt_headroom(const struct pkt *p)
{
	return p->data;
}
static inline uint32_t pkt_tailroom(const struct pkt *p)
{
	return p->size - p->data - pkt_headlen(p);
}
static inline bool pkt_is_gso(const struct pkt *p)
{
	return p->gso_size != 0;
}
static inline bool pkt_has_frag_list(const struct pkt *p)
{
	return p->frag_list != NULL;
}
/* skb_is_nonlinear: any byte outside the linear part (fragments or frag_list). */
static inline bool pkt_is_nonlinear(const struct pkt *p)
{
	return p->data_len != 0;
}

/* Grow the linear tail by n bytes (contents undefined); returns a pointer to
 * them, or NULL (no tailroom, or the packet is nonlinear). */
uint8_t *pkt_put(struct pkt *p, uint32_t n);
/* Prepend n bytes from the headroom; returns the new data pointer or NULL
 * (not enough headroom). Header offsets stay valid (head-relative). */
uint8_t *pkt_push(struct pkt *p, uint32_t n);
/* Remove n bytes from the front of the linear part; returns the new data
 * pointer or NULL (n > headlen). */
uint8_t *pkt_pull(struct pkt *p, uint32_t n);
/* Cut the packet to len bytes. A cut inside the linear part drops every
 * fragment and the whole frag_list; a cut beyond it linearizes first (our
 * simplification of ___pskb_trim, which trims fragments and members in
 * place). Returns 0, -EINVAL (len >
 * p->len) or -ENOMEM (linearize failed; p unchanged). */
int pkt_trim(struct pkt *p, uint32_t len);
/* Copy n bytes at packet offset off (from data, across fragments and
 * frag_list) to `to`.
 * Returns 0 or -EINVAL (range outside the packet; nothing copied). */
int pkt_copy_bits(const struct pkt *p, uint32_t off, void *to, uint32_t n);
/* Copy n bytes at packet offset off to `to` and return their sum (as
 * skb_copy_and_csum_bits); 0 and nothing copied if the range is outside. */
uint32_t pkt_copy_and_csum_bits(const struct pkt *p, uint32_t off, void *to, uint32_t n);
/* A linear copy of p (bytes across fragments and frag_list, and metadata) from pool
 * (NULL: p's pool) with p's headroom. The caller owns the copy; p is
 * untouched. NULL on failure. */
struct pkt *pkt_copy(const struct pkt *p, struct pkt_pool *pool);
/* Pull the fragments and the frag_list into the linear part, as
 * __skb_linearize. With enough
 * tailroom the bytes are appended in place; otherwise a bigger buffer comes
 * from p's pool and p keeps its identity. The headroom is kept when a buffer
 * that large exists; otherwise as much of it is given up as needed (a GRO
 * aggregate of nearly 64 KiB must still fit a 64 KiB buffer), and header
 * offsets and a PARTIAL csum_start move with the data. Returns 0, or -ENOMEM
 * with p unchanged. */
int pkt_linearize(struct pkt *p);
/* Chain member (payload only, taken over by p) at the end of p's frag_list;
 * p->len and p->data_len grow by member->len. */
void pkt_frag_list_append(struct pkt *p, struct pkt *member);
/* Add the bytes [data, data + len) of linear packet frag (taken over by p:
 * its buffer becomes the page fragment, as skb_add_rx_frag / GRO's stolen
 * head) as p's next page fragment; p->len and p->data_len grow by frag->len.
 * p must have no frag_list (fragments precede it). Returns 0, or -E2BIG
 * (PKT_MAX_FRAGS already) / -EINVAL (frag nonlinear, empty, or p has a
 * frag_list), frag untouched and still the caller's. */
int pkt_frag_append(struct pkt *p, struct pkt *frag);
/* Page fragments of p and of every frag_list member (recursively): what
 * skb_shinfo()->nr_frags adds up to over the whole chain. */
unsigned pkt_total_frags(const struct pkt *p);

/* Header pointers: the byte at the offset, or NULL when it is unset. */
uint8_t *pkt_mac_hdr(const struct pkt *p);
uint8_t *pkt_network_hdr(const struct pkt *p);
uint8_t *pkt_transport_hdr(const struct pkt *p);
static inline uint32_t pkt_offset(const struct pkt *p, uint32_t head_off)
{
	return head_off - p->data; /* head-relative offset to data-relative */
}

/* ---- Offload state --------------------------------------------------------- */

/* As skb_partial_csum_set: start is relative to data, off from start to the
 * checksum field. Refuses (false, p unchanged) when csum_start = data + start
 * would not be below U16_MAX (the 2023 syzbot fix made the kernel's test
 * '>=') or the 2-byte field at start+off is not inside the linear part. On
 * success: ip_summed = PARTIAL, csum_start, csum_offset, transport_header =
 * csum_start. */
bool pkt_partial_csum_set(struct pkt *p, uint32_t start, uint16_t off);

/* As skb_checksum_help: complete a CHECKSUM_PARTIAL packet in software by
 * summing csum_start..end (the field's current contents included — it must
 * hold the pseudo-header seed, or the result is wrong, exactly as in the
 * kernel: the ibmveth bug of the seed) and storing the folded result (0
 * becomes 0xffff, CSUM_MANGLED_0); then ip_summed = NONE. COMPLETE just
 * becomes NONE; NONE/UNNECESSARY are left alone. A GSO packet (it must be
 * segmented first, as current kernels warn), csum_start before data or the
 * field outside the linear part give -EINVAL with p unchanged. Returns 0 or
 * -EINVAL. */
int pkt_checksum_help(struct pkt *p);

/* The ones'-complement sum (unfolded, a __wsum as skb_checksum returns) of
 * len bytes at packet offset off, across fragments and frag_list, added to sum. A range
 * reaching outside the packet sums only what is inside (callers check bounds
 * first). */
uint32_t pkt_checksum(const struct pkt *p, uint32_t off, uint32_t len, uint32_t sum);

/* Write the TCP pseudo-header seed (~csum_tcpudp_magic / ~csum_ipv6_magic over
 * the L4 length: from the transport header to the end of p) into the TCP
 * checksum field, as __tcp_v4_send_check / __tcp_v6_send_check leave it for
 * CHECKSUM_PARTIAL. network_header and transport_header must be set and
 * agree with what the IP header says. Returns 0 or -EINVAL (not TCP over
 * IPv4/IPv6, headers unset, truncated or inconsistent). */
int pkt_tcp_set_pseudo_seed(struct pkt *p);

/* Verify the full L4 (TCP or UDP) checksum of a packet with network and
 * transport headers set, over the L4 length the IP header claims (Ethernet
 * padding excluded). Returns true if it sums to zero; UDP over IPv4 with
 * checksum 0 means "none" and counts as good (RFC 768), over IPv6 it is bad
 * (RFC 8200 §8.1). False also when the headers are unusable. */
bool pkt_l4_csum_ok(const struct pkt *p);

/* Untrusted offload metadata (virtio-net style), checked before it is trusted. */
struct pkt_offload_req {
	bool needs_csum;
	uint16_t csum_start; /* from the start of the frame */
	uint16_t csum_offset;
	uint32_t gso_type; /* PKT_GSO_TCPV4 / TCPV6 (+ECN), 0 = none */
	uint16_t gso_size;
};
struct pkt_offload_errors {
	uint64_t bad_csum_start;  /* outside the packet or not at the L4 header */
	uint64_t bad_csum_offset; /* not the TCP (16) / UDP (6) checksum field */
	uint64_t bad_gso_size;    /* gso_size 0 with a gso_type */
	uint64_t bad_gso_type;    /* unknown type, or disagrees with the headers */
	uint64_t bad_headers;     /* headers truncated or malformed */
};
/*
 * Take untrusted offload metadata (a virtio-net header, an ibmveth
 * descriptor) for p, whose MAC header is at data, as virtio_net_hdr_to_skb
 * does with the checks later kernels added: the headers must parse
 * (bad_headers); gso_type must be TCPV4 or TCPV6 (+ECN) or 0 (bad_gso_type),
 * with a non-zero gso_size (bad_gso_size), and agree with the parsed IP
 * version and TCP (bad_gso_type); with needs_csum, csum_start must be the
 * parsed L4 header inside the linear part (bad_csum_start) and csum_offset
 * the TCP (16) or UDP (6) checksum field (bad_csum_offset). On success p's
 * header offsets and protocol are set, needs_csum makes it PARTIAL
 * (pkt_partial_csum_set), GSO gets PKT_GSO_DODGY and gso_segs 0, and a GSO
 * packet whose payload fits in one segment becomes non-GSO ("too small
 * packets are not really GSO ones"). Returns 0, or -EINVAL with one counter
 * in err (may be NULL) increased and p unchanged.
 */
int pkt_offload_apply(struct pkt *p, const struct pkt_offload_req *req,
		      struct pkt_offload_errors *err);

/* ---- Tracing ---------------------------------------------------------------
 * Layers call pkt_trace(p, "where") at each hop and after each offload-state
 * change; when a hook is installed it sees every packet (trace_id is for the
 * hook's own use: the hypervisor's copies do not carry it across partitions).
 * The scenario runner installs the hook to explain drops, and for --trace
 * and --pcap. */
typedef void (*pkt_trace_fn)(const struct pkt *p, const char *where, void *arg);
/* Install (fn, called with arg) or remove (fn NULL) the trace hook. */
void pkt_trace_set_hook(pkt_trace_fn fn, void *arg);
/* Report p at `where` to the hook, when one is installed (p NULL: nothing). */
void pkt_trace(const struct pkt *p, const char *where);

#endif
