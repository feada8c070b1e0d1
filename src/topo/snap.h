/*
 * snap.h — a snapshot of every counter of a topology, taken before teardown
 * so a report can be written after the leak check, and its JSON forms
 * (jansson): sums by counter name, and every object's counters by name.
 *
 * Serves `illan run`, `illan matrix`, the real-traffic daemon's stats and
 * the tests that prove every counter reaches JSON.
 */
#ifndef ILLAN_SNAP_H
#define ILLAN_SNAP_H

#include <jansson.h>
#include <stdint.h>

#include "topo.h"

struct snap_entry {
	char obj[TOPO_NAME_MAX + 16];
	char name[48]; /* the counter's name, copied */
	/* The counter's descriptor when it belongs to a registered (static)
	 * set, valid after the topology is gone; NULL for a set a driver built
	 * at run time (a kernel driver's ethtool -S names), whose descriptors
	 * go with the device. */
	const struct counter_desc *d;
	uint64_t v;
};

struct snap {
	unsigned n, cap;
	struct snap_entry *e;
};

/* Every counter of t now (topo_for_each_counter order). NULL when out of
 * memory. */
struct snap *snap_take(struct topo *t);
void snap_free(struct snap *s);
/* Sum of the counter named name over every object. */
uint64_t snap_sum(const struct snap *s, const char *name);
/* {"name": sum, ...} in first-seen order. */
json_t *snap_json_sums(const struct snap *s);
/* {"obj": {"name": v, ...}, ...}. */
json_t *snap_json_objects(const struct snap *s);

#endif
