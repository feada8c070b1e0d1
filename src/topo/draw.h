/*
 * draw.h — pictures of a topology description (desc.h) for `illan topo
 * show`: a text picture for the terminal and a Graphviz graph (DOT) for
 * `dot -Tsvg`.
 *
 * Both show partitions with their adapters (PVID, additional VIDs, trunk
 * priority and which trunk is active per VLAN), the vswitches' VLANs, the
 * bridges and their ports, NICs and their wires, external switches, hosts,
 * containers, endpoints, flows and events. An overlay marks the path of a
 * flow and the place of a drop on top (the later `illan why` / `illan
 * watch`); NULL draws the topology alone.
 */
#ifndef ILLAN_DRAW_H
#define ILLAN_DRAW_H

#include <stdio.h>

#include "desc.h"

/* What to mark on the picture. Names are device names (adapters, NICs,
 * veths, bridges, switches); unknown names are ignored. */
struct draw_overlay {
	const char *const *path; /* the devices a flow's frames cross, in order */
	unsigned n_path;
	const char *drop_at;     /* where a frame was dropped, or NULL */
	const char *drop_reason; /* why, in plain words, or NULL */
};

/* Write the text picture of d to out (UTF-8 line drawing). ov may be NULL.
 * Returns 0, -EINVAL when a count in d exceeds the model's arrays, or -EIO
 * when writing failed. */
int draw_text(const struct topo_desc *d, const struct draw_overlay *ov, FILE *out);

/* Write d as an undirected Graphviz graph: one cluster per vswitch (a node
 * per VLAN), per partition and per host; edges for VLAN membership (bold:
 * trunks, dashed: additional VIDs), bridge ports, wires and veths. Every
 * name is escaped as DOT quoted strings require. ov may be NULL. Returns as
 * draw_text. */
int draw_dot(const struct topo_desc *d, const struct draw_overlay *ov, FILE *out);

#endif
