/*
 * opts.h — the option grammar every illan subcommand shares: byte counts
 * (--bytes 4M), fix lists (--fixes 1,3,4), MTUs. One parser and one error
 * message each, so `run`, `matrix`, `bench` and `netns up` accept the same
 * words and refuse the same ones alike.
 *
 * Serves run.c, bench.c, netns.c and the cli tests.
 */
#ifndef ILLAN_CLI_OPTS_H
#define ILLAN_CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>

/* The words --fixes takes, for help texts and the error message. */
#define OPTS_FIXES_WORDS                                                                       \
	"all, none, or a comma list of 1-4 / trunk-offload, trunk-csum-partial, pseudo-csum, " \
	"fraglist-linearize (case and spaces ignored; a fix named twice is on once)"

/* Range of --mtu in embedded mode (illan run, matrix) and in real mode
 * (netns up, daemon), and why they differ. */
#define OPTS_MTU_MIN 576u
#define OPTS_MTU_MAX_EMBEDDED 65394u
#define OPTS_MTU_MAX_REAL 9000u
#define OPTS_MTU_WHY                                                                         \
	"real mode stops at 9000, the jumbo frames of the kernel's TAP and veth devices it " \
	"glues in; the emulated virtual Ethernet alone, in embedded mode, carries MTUs up to 65394"

/* Parse a byte count: digits with an optional binary suffix K, M, G or T
 * (either case, optionally followed by "iB" or "B": 4M, 4MiB, 4mb). Returns
 * 0 with *out set, or -EINVAL (overflow, sign, junk). */
int opts_parse_size(const char *s, uint64_t *out);

/* Parse --fixes: OPTS_FIXES_WORDS into a mask of IBMVETH_FIX_* bits.
 * Returns 0 or -EINVAL; on -EINVAL prints "PROG: bad --fixes 'S': expected ..."
 * to stderr (the one message every subcommand gives). */
int opts_parse_fixes(const char *prog, const char *s, unsigned *out);

/* Parse --mtu for embedded (real false) or real mode. Returns 0 or -EINVAL
 * with the message (range and OPTS_MTU_WHY) printed, prefixed by prog. */
int opts_parse_mtu(const char *prog, const char *s, bool real, unsigned *out);

/* Parse an unsigned decimal number no larger than max. 0 or -EINVAL. */
int opts_parse_uint(const char *s, unsigned long long max, unsigned long long *out);

#endif
