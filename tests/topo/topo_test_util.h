/*
 * topo_test_util.h — what the topology tests share: the path of an example
 * file, a description loaded from one and a topology built from a
 * description, each with the loader's or builder's error as a TAP note, and
 * an adapter of a description by name.
 *
 * Header-only (static functions); used by tests/topo.
 */
#ifndef ILLAN_TOPO_TEST_UTIL_H
#define ILLAN_TOPO_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "test.h"
#include "topo/topo.h"
#include "topo/topofile.h"

/* examples/NAME of the source tree (ILLAN_SOURCE_ROOT, else the current
 * directory), into path. */
static inline void tt_example_path(char *path, size_t size, const char *name)
{
	const char *root = getenv("ILLAN_SOURCE_ROOT");
	snprintf(path, size, "%s/examples/%s", root ? root : ".", name);
}

/* examples/NAME loaded; NULL, with the loader's error as a note, if it
 * does not load. */
static inline struct topo_desc *tt_load_example(const char *name)
{
	char err[512] = "", path[512];
	tt_example_path(path, sizeof(path), name);
	struct topo_desc *d = topofile_load(path, err, sizeof(err));
	if (!d)
		printf("# %s\n", err);
	return d;
}

/* The topology of d with no overrides; the test stops (REQUIRE), with the
 * builder's error as a note, if it cannot be built. */
static inline struct topo *tt_create(struct topo_desc *d)
{
	char err[512] = "";
	struct topo *t = topo_create(d, NULL, err, sizeof(err));
	if (!t)
		printf("# %s\n", err);
	REQUIRE(t);
	return t;
}

/* Adapter NAME of d, in whichever partition; the test stops if d has none. */
static inline struct topo_adapter *tt_adapter(struct topo_desc *d, const char *name)
{
	unsigned p;
	int a = topo_desc_find_adapter(d, name, &p);
	REQUIRE(a >= 0);
	return &d->parts[p].adapters[a];
}

#endif
