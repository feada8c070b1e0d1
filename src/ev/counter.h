/*
 * counter.h — every counter of every object declared once.
 *
 * A layer lists the counters of one struct as an X-macro taking (X, T):
 *
 *   #define HV_ADAPTER_COUNTERS(X, T)                                        \
 *           X(T, tx_frames, NULL, 0)                                         \
 *           X(T, rx_no_buffer, "no receive buffer large enough was posted", 0)
 *
 *   struct hv_adapter_stats { HV_ADAPTER_COUNTERS(COUNTER_FIELD, _) };
 *   COUNTER_SET_DEFINE(hv_adapter_counters, "hv-adapter",
 *                      struct hv_adapter_stats, HV_ADAPTER_COUNTERS);   (in a .c)
 *
 * The one list generates the field, its printed name (the field's name: what
 * JSON, `illan stats` and tests use) and, for a counter that counts a drop,
 * the plain words the run report and `illan why` print for it — as OVS's
 * COVERAGE_DEFINE declares a counter once for every reader. A drop phrase of
 * NULL means the counter counts no drop.
 *
 * Serves every layer that counts (hv, net, drivers, bridge, stack) and every
 * reader of counters (topo, cli). Knows no layer: it is the bottom.
 */
#ifndef ILLAN_COUNTER_H
#define ILLAN_COUNTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Flags of a counter. */
enum {
	/* A drop that loses no data (a flooded frame refused where it was not
	 * addressed): reported, but not as a loss. */
	COUNTER_HARMLESS = 1u << 0,
	/* A level, not an event count (e.g. flows installed now): a delta of it
	 * means nothing. */
	COUNTER_GAUGE = 1u << 1,
};

struct counter_desc {
	const char *name; /* the field's name */
	size_t off;       /* offset of its uint64_t in the struct */
	const char *drop; /* plain words when it counts a drop, else NULL */
	unsigned flags;   /* COUNTER_* */
};

/* The counters of one struct, in declaration order. */
struct counter_set {
	const char *kind; /* e.g. "hv-adapter", "bridge" */
	const struct counter_desc *descs;
	size_t n;
};

/* X-macro expanders. T is the struct type (unused by COUNTER_FIELD). */
#define COUNTER_FIELD(T, f, drop, flags) uint64_t f;
#define COUNTER_DESC(T, f, drop, flags) {#f, offsetof(T, f), drop, flags},

/* Define `const struct counter_set var` from a list, and enter it in the
 * registry of every set the program has (counter_sets_each), so a test can
 * prove that every counter of every set reaches the reports. */
#define COUNTER_SET_DEFINE(var, kind, T, LIST)                                           \
	static const struct counter_desc var##_descs_[] = {LIST(COUNTER_DESC, T)};       \
	const struct counter_set var = {kind, var##_descs_,                              \
					sizeof(var##_descs_) / sizeof(var##_descs_[0])}; \
	__attribute__((constructor)) static void var##_register_(void)                   \
	{                                                                                \
		counter_set_register(&var);                                              \
	}                                                                                \
	struct counter_set_dummy_

/* Enter set in the registry (COUNTER_SET_DEFINE does it at start-up). */
void counter_set_register(const struct counter_set *set);
/* The registered sets, in registration order: *n gets how many. */
const struct counter_set *const *counter_sets_all(size_t *n);
/* The registered set that d belongs to, or NULL. */
const struct counter_set *counter_set_of(const struct counter_desc *d);

/* The value of d in the struct at base. */
static inline uint64_t counter_get(const void *base, const struct counter_desc *d)
{
	uint64_t v;
	__builtin_memcpy(&v, (const char *)base + d->off, sizeof(v));
	return v;
}

/* Add delta to d in the struct at base. */
static inline void counter_add(void *base, const struct counter_desc *d, uint64_t delta)
{
	uint64_t v = counter_get(base, d) + delta;
	__builtin_memcpy((char *)base + d->off, &v, sizeof(v));
}

/* A visitor of counters: d names the counter (its phrase, its flags), v its
 * value now. */
typedef void counter_visit_fn(void *arg, const struct counter_desc *d, uint64_t v);

/* Visit every counter of set in the struct at base, in declaration order. */
void counter_set_visit(const struct counter_set *set, const void *base, counter_visit_fn *fn,
		       void *arg);

/* The counter of set named name, or NULL. */
const struct counter_desc *counter_set_find(const struct counter_set *set, const char *name);

#endif
