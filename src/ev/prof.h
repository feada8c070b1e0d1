/*
 * prof.h — per-layer cost accounting for benchmarks: exclusive nanoseconds,
 * calls and bytes per named section, nested sections subtracted from their
 * parent (so "ibmveth tx" does not include the hypervisor copy it calls).
 *
 * Serves `illan bench` (per-hop cost table). Off by default: each
 * PROF_ENTER/PROF_EXIT is then one predictable branch.
 */
#ifndef ILLAN_PROF_H
#define ILLAN_PROF_H

#include <stdbool.h>
#include <stdint.h>

enum prof_section {
	PROF_STACK_TX,   /* host stack: building and sending segments */
	PROF_STACK_RX,   /* host stack: receive, checksum check, payload verify */
	PROF_VALIDATE,   /* netdev validate_xmit (software GSO / checksum) */
	PROF_IBMVETH_TX, /* ibmveth start_xmit */
	PROF_HV_SEND,    /* hypervisor: H_SEND_LOGICAL_LAN (switching, copies) */
	PROF_IBMVETH_RX, /* ibmveth poll */
	PROF_BRIDGE,     /* bridge: flow lookup, upcall, actions */
	PROF_PHYSNIC,    /* physical NIC: wire, GRO */
	PROF_N_SECTIONS,
};

struct prof_entry {
	uint64_t ns, calls, bytes;
};

extern bool prof_enabled;

void prof_enter_slow(enum prof_section s);
void prof_exit_slow(enum prof_section s, uint64_t bytes);
/* Enter/leave a section; bytes = payload the section handled. */
static inline void prof_enter(enum prof_section s)
{
	if (__builtin_expect(prof_enabled, 0))
		prof_enter_slow(s);
}
static inline void prof_exit(enum prof_section s, uint64_t bytes)
{
	if (__builtin_expect(prof_enabled, 0))
		prof_exit_slow(s, bytes);
}
void prof_reset(void);
void prof_get(enum prof_section s, struct prof_entry *e);
const char *prof_name(enum prof_section s);

#endif
