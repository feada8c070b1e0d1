/*
 * prof.c — exclusive-time section accounting (see prof.h). A small stack of
 * open sections: entering a section charges the time so far to the one it
 * interrupts; leaving charges the time since the last switch to itself.
 */
#include "prof.h"

#include <string.h>
#include <time.h>

bool prof_enabled;

#define PROF_DEPTH 32

static struct prof_entry entries[PROF_N_SECTIONS];
static enum prof_section stack[PROF_DEPTH];
static unsigned depth;
static uint64_t last_switch;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void prof_enter_slow(enum prof_section s)
{
	uint64_t t = now_ns();
	if (depth)
		entries[stack[depth - 1]].ns += t - last_switch;
	if (depth < PROF_DEPTH)
		stack[depth] = s;
	depth++;
	entries[s].calls++;
	last_switch = t;
}

void prof_exit_slow(enum prof_section s, uint64_t bytes)
{
	uint64_t t = now_ns();
	if (depth && depth <= PROF_DEPTH)
		entries[stack[depth - 1]].ns += t - last_switch;
	if (depth)
		depth--;
	entries[s].bytes += bytes;
	last_switch = t;
}

void prof_reset(void)
{
	memset(entries, 0, sizeof(entries));
	depth = 0;
}

void prof_get(enum prof_section s, struct prof_entry *e)
{
	*e = entries[s];
}

const char *prof_name(enum prof_section s)
{
	static const char *const names[PROF_N_SECTIONS] = {
		"stack tx", "stack rx", "validate_xmit", "ibmveth tx", "hv send+copy",
		"ibmveth rx", "bridge", "physnic",
	};
	return (unsigned)s < PROF_N_SECTIONS ? names[s] : "?";
}
