/*
 * topofile.h — reading a topology file (YAML, the schema of
 * docs/topology.md) into the model of desc.h.
 *
 * Serves `illan run FILE`, `illan topo check|show` and the tests. The
 * loader refuses what is not the schema: YAML it cannot parse, unknown keys
 * (naming the keys allowed there), values of the wrong type or that the
 * model cannot hold (a name longer than 31 characters, more than 20
 * additional VIDs, trunk priority 0). Each error names file:line:column.
 * What the model can hold but PowerVM or illan would refuse (VID 4095, trunk
 * priority 16, a bridge port that does not exist) is topo_desc_check's to
 * find, so a description built in code gets the same findings.
 *
 * Hostile input is bounded: at most TOPOFILE_MAX_SIZE bytes, nesting at most
 * TOPOFILE_MAX_DEPTH levels, at most TOPOFILE_MAX_NODES values; YAML aliases
 * (*name) are refused, so nothing expands. No recursion deeper than the
 * nesting limit.
 */
#ifndef ILLAN_TOPOFILE_H
#define ILLAN_TOPOFILE_H

#include <stddef.h>

#include "desc.h"

#define TOPOFILE_MAX_SIZE (4u << 20) /* bytes of one file */
#define TOPOFILE_MAX_DEPTH 16        /* nested lists and mappings (the schema needs 8) */
#define TOPOFILE_MAX_NODES 200000    /* values (scalars, lists, mappings) */

/*
 * Read the file at path. Returns a completed description (topo_desc_complete
 * done; d->file = path) that the caller frees with topo_desc_free, or NULL
 * with the reason in err ("examples/x.yaml:12:7: trunk_priority: expected an
 * integer 1–15, got 'high'"). It has not been checked: call topo_desc_check.
 */
struct topo_desc *topofile_load(const char *path, char *err, size_t err_size);

/* The same from len bytes of text; name stands for the file in messages and
 * in d->file (the topology's default name is its base name without .yaml). */
struct topo_desc *topofile_load_string(const char *text, size_t len, const char *name, char *err,
				       size_t err_size);

/* examples/seed.yaml, compiled into the program (tools/embed-text.py), so
 * `illan run` without a file works from any directory. */
extern const char topofile_seed_yaml[];
extern const size_t topofile_seed_yaml_len;

/* The built-in seed topology: topofile_load_string over topofile_seed_yaml,
 * named "examples/seed.yaml (built in)". */
struct topo_desc *topofile_load_seed(char *err, size_t err_size);

#endif
