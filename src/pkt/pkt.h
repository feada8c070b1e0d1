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
 * Ownership: whoever holds a struct pkt owns it and its frag_list; passing it
 * to a function that "takes" a packet (transmit, receive hooks) hands over
 * ownership, success or not. pkt_free releases the packet and its frag_list.
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

struct pkt_pool;
struct pkt_trace;

struct pkt {
	struct pkt *next;      /* queue / segment-list linkage, owner's to use */
	struct pkt *frag_list; /* continuation buffers holding payload only (GRO) */
	struct pkt_pool *pool; /* the pool the buffer (and this struct) came from */

	uint8_t *head;  /* start of the buffer */
	uint32_t size;  /* bytes in the buffer at head */
	uint32_t data;  /* offset of the first packet byte from head (headroom) */
	uint32_t len;   /* total packet bytes, linear + frag_list */
	uint32_t data_len; /* bytes held in frag_list (0 for a linear packet) */

	/* Header offsets from head, PKT_HDR_UNSET when unknown. */
	uint32_t mac_header;
	uint32_t network_header;
	uint32_t transport_header;
	uint16_t protocol; /* ethertype of the network header, host order */

	uint8_t ip_summed;  /* enum pkt_ip_summed */
	uint8_t csum_level;
	uint32_t csum;       /* CHECKSUM_COMPLETE only */
	uint32_t csum_start; /* offset from head */
	uint16_t csum_offset; /* from csum_start to the checksum field */

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

/* Bytes of memory a pool with these classes carves from mem. */
size_t pkt_pool_mem_needed(const struct pkt_pool_class *classes, unsigned n_classes);
/* Create a pool. mem may be NULL (heap). Returns NULL if mem_size is too
 * small, n_classes is 0 or allocation fails. name is copied. */
struct pkt_pool *pkt_pool_create(const char *name, const struct pkt_pool_class *classes,
				 unsigned n_classes, void *mem, size_t mem_size);
/* Destroy a pool. Returns the number of packets still outstanding (leaked);
 * their buffers become invalid. */
unsigned pkt_pool_destroy(struct pkt_pool *pool);
void pkt_pool_get_stats(const struct pkt_pool *pool, struct pkt_pool_stats *st);
unsigned pkt_pool_outstanding(const struct pkt_pool *pool);
const char *pkt_pool_name(const struct pkt_pool *pool);
/* Total packets outstanding over every live pool in the process. */
uint64_t pkt_outstanding_total(void);

/* Fault injection (for tests): the n-th pkt_alloc from now (1 = the next)
 * fails, as if the pool were empty; 0 disables. Returns allocs counted since
 * the last call, so a test can learn how many sites a scenario has. */
uint64_t pkt_fault_fail_nth(uint64_t n);

/* Allocate a packet whose buffer holds at least headroom + size bytes; data =
 * headroom, len = 0, metadata cleared. NULL if no buffer fits. */
struct pkt *pkt_alloc(struct pkt_pool *pool, uint32_t size, uint32_t headroom);
/* Free a packet and its frag_list (not ->next). NULL is allowed. */
void pkt_free(struct pkt *p);
/* Free a ->next-linked list of packets. */
void pkt_free_list(struct pkt *p);
/* Clear the checksum and GSO state only (CHECKSUM_NONE, no GSO). */
void pkt_clear_offload(struct pkt *p);
/* Clear all metadata (offsets unset, NONE, no GSO), keep bytes. */
void pkt_reset_meta(struct pkt *p);
/* Copy offload and header metadata (not bytes, not linkage) between packets
 * whose data starts at the same frame offset. */
void pkt_copy_meta(struct pkt *to, const struct pkt *from);

static inline uint8_t *pkt_data(const struct pkt *p) { return p->head + p->data; }
static inline uint32_t pkt_headlen(const struct pkt *p) { return p->len - p->data_len; }
static inline uint32_t pkt_headroom(const struct pkt *p) { return p->data; }
static inline uint32_t pkt_tailroom(const struct pkt *p)
{
	return p->size - p->data - pkt_headlen(p);
}
static inline bool pkt_is_gso(const struct pkt *p) { return p->gso_size != 0; }
static inline bool pkt_has_frag_list(const struct pkt *p) { return p->frag_list != NULL; }

/* Extend the linear tail by n bytes; returns the old tail or NULL (no room, or
 * the packet has a frag_list). */
uint8_t *pkt_put(struct pkt *p, uint32_t n);
/* Prepend n bytes; returns the new data pointer or NULL (no headroom). */
uint8_t *pkt_push(struct pkt *p, uint32_t n);
/* Remove n bytes from the front of the linear part; NULL if n > headlen. */
uint8_t *pkt_pull(struct pkt *p, uint32_t n);
/* Cut the packet to len bytes (linearizes first if the cut falls in the
 * frag_list). Returns 0 or -EINVAL/-ENOMEM. */
int pkt_trim(struct pkt *p, uint32_t len);
/* Copy n bytes at packet offset off (from data, across the frag_list) to to.
 * Returns 0 or -EINVAL if the range is outside the packet. */
int pkt_copy_bits(const struct pkt *p, uint32_t off, void *to, uint32_t n);
/* Copy n bytes at packet offset off to `to` and return their sum (as
 * skb_copy_and_csum_bits); 0 and nothing copied if the range is outside. */
uint32_t pkt_copy_and_csum_bits(const struct pkt *p, uint32_t off, void *to, uint32_t n);
/* A linear copy (bytes and metadata) from pool (NULL: p's pool), headroom
 * kept. NULL on failure. */
struct pkt *pkt_copy(const struct pkt *p, struct pkt_pool *pool);
/* Flatten the frag_list into the linear part, as __skb_linearize: reallocates
 * the buffer from p's pool if it has no room. Returns 0 or -ENOMEM (the packet
 * is unchanged then). */
int pkt_linearize(struct pkt *p);
/* Append member (payload only) to p's frag_list; len and data_len grow. */
void pkt_frag_list_append(struct pkt *p, struct pkt *member);

/* Header pointers (NULL if unset). */
uint8_t *pkt_mac_hdr(const struct pkt *p);
uint8_t *pkt_network_hdr(const struct pkt *p);
uint8_t *pkt_transport_hdr(const struct pkt *p);
static inline uint32_t pkt_offset(const struct pkt *p, uint32_t head_off)
{
	return head_off - p->data; /* head-relative offset to data-relative */
}

/* ---- Offload state --------------------------------------------------------- */

/* As skb_partial_csum_set: start is relative to data. Refuses (returns false,
 * nothing changed) when data+start does not fit in 16 bits or the 2-byte field
 * at start+off is not inside the linear part. On success: ip_summed =
 * PARTIAL, csum_start, csum_offset, transport_header = csum_start. */
bool pkt_partial_csum_set(struct pkt *p, uint32_t start, uint16_t off);

/* As skb_checksum_help: complete a CHECKSUM_PARTIAL packet in software by
 * summing csum_start..end (the field's current contents included — it must
 * hold the pseudo-header seed, or the result is wrong, exactly as in the
 * kernel) and storing the folded result; then ip_summed = NONE. COMPLETE
 * becomes NONE; NONE/UNNECESSARY are left alone. GSO packets and offsets
 * outside the linear part give -EINVAL. Returns 0 or -errno. */
int pkt_checksum_help(struct pkt *p);

/* Ones'-complement sum (unfolded, like __wsum) of len bytes at packet offset
 * off, across the frag_list. */
uint32_t pkt_checksum(const struct pkt *p, uint32_t off, uint32_t len, uint32_t sum);

/* Write the TCP pseudo-header seed (~csum_tcpudp_magic / ~csum_ipv6_magic over
 * the L4 length of this packet) into the TCP checksum field; headers must be
 * set. Returns 0 or -EINVAL (not TCP over IPv4/IPv6, headers unset). */
int pkt_tcp_set_pseudo_seed(struct pkt *p);

/* Verify the full L4 (TCP or UDP) checksum of a packet with headers set.
 * Returns true if it sums to zero (UDP checksum 0 over IPv4 counts as good). */
bool pkt_l4_csum_ok(const struct pkt *p);

/* Untrusted offload metadata (virtio-net style), checked before it is trusted. */
struct pkt_offload_req {
	bool needs_csum;
	uint16_t csum_start;  /* from the start of the frame */
	uint16_t csum_offset;
	uint32_t gso_type;    /* PKT_GSO_TCPV4 / TCPV6 (+ECN), 0 = none */
	uint16_t gso_size;
};
struct pkt_offload_errors {
	uint64_t bad_csum_start;  /* outside the packet or not at the L4 header */
	uint64_t bad_csum_offset; /* not the TCP (16) / UDP (6) checksum field */
	uint64_t bad_gso_size;    /* gso_size 0 with a gso_type */
	uint64_t bad_gso_type;    /* unknown type, or disagrees with the headers */
	uint64_t bad_headers;     /* headers truncated or malformed */
};
/* Parse p's headers and apply req. GSO packets whose payload fits in one
 * segment become non-GSO (as virtio_net_hdr_to_skb). GSO gets PKT_GSO_DODGY.
 * Returns 0, or -EINVAL with the matching counter in err (may be NULL)
 * increased and p's metadata unchanged. */
int pkt_offload_apply(struct pkt *p, const struct pkt_offload_req *req,
		      struct pkt_offload_errors *err);

/* ---- Tracing ---------------------------------------------------------------
 * Layers call pkt_trace(p, "where") at each hop and after each offload-state
 * change; when a hook is installed it sees every packet (trace_id is for the
 * hook's own use: the hypervisor's copies do not carry it across partitions).
 * The scenario runner installs the hook to explain drops, and for --trace
 * and --pcap. */
typedef void (*pkt_trace_fn)(const struct pkt *p, const char *where, void *arg);
void pkt_trace_set_hook(pkt_trace_fn fn, void *arg);
void pkt_trace(const struct pkt *p, const char *where);

#endif
