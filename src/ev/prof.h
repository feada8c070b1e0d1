/*
 * prof.h — per-layer cost accounting for benchmarks: exclusive nanoseconds,
 * calls and bytes per named section, nested sections subtracted from their
 * parent (so "ibmveth tx" does not include the hypervisor copy it calls).
 *
 * Knows no layer: a section is an object the layer above defines (a static
 * struct prof_section with its name) and names where its work runs. The
 * choke points charge it: dev_queue_xmit charges a driver's start_xmit to
 * the section in its netdev_ops, netdev_receive charges the rx handler to
 * the section its owner gave the device, the event loop charges a task to
 * the section the task carries (a NAPI poll), and a layer with a single
 * entry of its own (an hcall, the stack's segment builder) opens a
 * PROF_SCOPE there. A section registers itself the first time it is entered
 * with profiling on; prof_n_sections/prof_section_at list them in that
 * order, which is the order a packet first met them.
 *
 * Serves `illan bench` (per-hop cost table). Off by default: each
 * prof_enter/prof_exit is then one predictable branch.
 */
#ifndef ILLAN_PROF_H
#define ILLAN_PROF_H

#include <stdbool.h>
#include <stdint.h>

/* A named section. Define one per place that costs, e.g.
 *   static struct prof_section ibmveth_tx_prof = PROF_SECTION_INIT("ibmveth tx");
 * name must outlive the process (a literal). The counts are since the last
 * prof_reset; the registry fields belong to prof.c. */
struct prof_section {
	const char *name;
	uint64_t ns, calls, bytes;
	uint64_t copied; /* frame bytes copied while this section was innermost */
	bool registered;
};
#define PROF_SECTION_INIT(n) \
	{                    \
		.name = (n)  \
	}

/* At most this many sections are listed (and reset); more are timed, unlisted. */
#define PROF_MAX_SECTIONS 32

extern bool prof_enabled;

void prof_enter_slow(struct prof_section *s);
void prof_exit_slow(struct prof_section *s, uint64_t bytes);
void prof_add_bytes_slow(uint64_t bytes);
void prof_copied_slow(uint64_t bytes);

/* Enter/leave section s (NULL: nothing happens, so a caller may pass a
 * section that is not set); bytes = what the section handled. Every enter
 * is paired with an exit of the same section. */
static inline void prof_enter(struct prof_section *s)
{
	if (__builtin_expect(prof_enabled, 0))
		prof_enter_slow(s);
}
static inline void prof_exit(struct prof_section *s, uint64_t bytes)
{
	if (__builtin_expect(prof_enabled, 0))
		prof_exit_slow(s, bytes);
}
/* Add bytes to the innermost open section (none open: ignored). */
static inline void prof_add_bytes(uint64_t bytes)
{
	if (__builtin_expect(prof_enabled, 0))
		prof_add_bytes_slow(bytes);
}

/*
 * Copy accounting: every place that copies frame bytes (the hypervisor's
 * copies between partitions, pkt copies and linearisation, GSO segments,
 * a NIC's receive DMA, a driver's bounce or copybreak buffer) reports the
 * bytes it copied here. They are charged to the innermost open section, or
 * to prof_copied_outside when none is open, so `illan bench` can print
 * bytes copied per byte delivered, layer by layer. Counted only while
 * profiling is on; reading a header field into a local is not a copy.
 */
extern uint64_t prof_copied_outside;
static inline void prof_copied(uint64_t bytes)
{
	if (__builtin_expect(prof_enabled, 0))
		prof_copied_slow(bytes);
}

/* A section open until the end of the enclosing block, whatever return
 * leaves it, as the kernel's guard() (linux/cleanup.h) holds a lock:
 *   PROF_SCOPE(scope, &hv_send_prof, 0);  ...  scope.bytes = len;
 * bytes may be updated until the block ends. */
struct prof_scope {
	struct prof_section *section;
	uint64_t bytes;
};
static inline struct prof_scope prof_scope_begin(struct prof_section *s, uint64_t bytes)
{
	prof_enter(s);
	return (struct prof_scope){s, bytes};
}
static inline void prof_scope_end(struct prof_scope *scope)
{
	prof_exit(scope->section, scope->bytes);
}
#define PROF_SCOPE(var, section, bytes)                                          \
	struct prof_scope var __attribute__((cleanup(prof_scope_end), unused)) = \
		prof_scope_begin((section), (bytes))

/* Zero every registered section's counts and forget open sections. */
void prof_reset(void);
/* The registered sections, in the order they registered. */
unsigned prof_n_sections(void);
const struct prof_section *prof_section_at(unsigned i);

#endif
