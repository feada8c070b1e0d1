/*
 * prof.c — exclusive-time section accounting (see prof.h). A small stack of
 * open sections: entering a section charges the time so far to the one it
 * interrupts; leaving charges the time since the last switch to itself.
 * Sections register on first entry into a fixed table.
 */
#include "prof.h"

#include <stddef.h>
#include <time.h>

bool prof_enabled;
uint64_t prof_copied_outside;

#define PROF_DEPTH 32

static struct prof_section *registry[PROF_MAX_SECTIONS];
static unsigned n_registered;
static struct prof_section *stack[PROF_DEPTH];
static unsigned depth;
static uint64_t last_switch;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void prof_register(struct prof_section *s)
{
	s->registered = true;
	if (n_registered < PROF_MAX_SECTIONS)
		registry[n_registered++] = s;
}

/* prof_enter_slow: see prof.h. */
void prof_enter_slow(struct prof_section *s)
{
	if (!s)
		return;
	uint64_t t = now_ns();
	if (!s->registered)
		prof_register(s);
	if (depth && depth <= PROF_DEPTH)
		stack[depth - 1]->ns += t - last_switch;
	if (depth < PROF_DEPTH)
		stack[depth] = s;
	depth++;
	s->calls++;
	last_switch = t;
}

/* prof_exit_slow: see prof.h. */
void prof_exit_slow(struct prof_section *s, uint64_t bytes)
{
	if (!s)
		return;
	uint64_t t = now_ns();
	if (depth && depth <= PROF_DEPTH)
		stack[depth - 1]->ns += t - last_switch;
	if (depth)
		depth--;
	s->bytes += bytes;
	last_switch = t;
}

/* prof_add_bytes_slow: see prof.h. */
void prof_add_bytes_slow(uint64_t bytes)
{
	if (depth && depth <= PROF_DEPTH)
		stack[depth - 1]->bytes += bytes;
}

/* prof_copied_slow: see prof.h. */
void prof_copied_slow(uint64_t bytes)
{
	if (depth && depth <= PROF_DEPTH)
		stack[depth - 1]->copied += bytes;
	else
		prof_copied_outside += bytes;
}

/* prof_reset: see prof.h. */
void prof_reset(void)
{
	for (unsigned i = 0; i < n_registered; i++) {
		registry[i]->ns = 0;
		registry[i]->calls = 0;
		registry[i]->bytes = 0;
		registry[i]->copied = 0;
	}
	prof_copied_outside = 0;
	depth = 0;
}

/* prof_n_sections: see prof.h. */
unsigned prof_n_sections(void)
{
	return n_registered;
}

/* prof_section_at: see prof.h. */
const struct prof_section *prof_section_at(unsigned i)
{
	return i < n_registered ? registry[i] : NULL;
}
