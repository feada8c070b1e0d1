/*
 * fuzz_topofile.c — libFuzzer target for the topology file loader
 * (src/topo/topofile.c over libyaml), the model's check (src/topo/desc.c)
 * and the pictures (src/topo/draw.c): hostile YAML.
 *
 * Input: the file's bytes, copied into a buffer of exactly their size so
 * ASan sees any read past the end. Checked beyond "no crash": a refusal
 * names the file (every error carries a place); an accepted file is
 * complete (topo_desc_complete changes nothing more), its findings are
 * counted the same twice with errors first, and both pictures can be drawn
 * (to /dev/null).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "topo/draw.h"
#include "topo/topofile.h"

#define FUZZ_TOPO_DIAGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null_out;
	if (!null_out) {
		null_out = fopen("/dev/null", "w");
		FUZZ_CHECK(null_out);
	}
	char *text = malloc(size ? size : 1);
	FUZZ_CHECK(text);
	if (size)
		memcpy(text, data, size);
	char err[512];
	struct topo_desc *d = topofile_load_string(text, size, "fz.yaml", err, sizeof(err));
	free(text);
	if (!d) {
		FUZZ_CHECK(strncmp(err, "fz.yaml", 7) == 0);
		return 0;
	}
	struct topo_desc *copy = malloc(sizeof(*copy));
	struct topo_partition *parts = malloc(TOPO_MAX_PARTS * sizeof(*parts));
	FUZZ_CHECK(copy && parts);
	memcpy(copy, d, sizeof(*d));
	memcpy(parts, d->parts, TOPO_MAX_PARTS * sizeof(*parts));
	topo_desc_complete(d);
	copy->parts = d->parts;
	FUZZ_CHECK(memcmp(copy, d, sizeof(*d)) == 0);
	FUZZ_CHECK(memcmp(parts, d->parts, TOPO_MAX_PARTS * sizeof(*parts)) == 0);
	free(parts);
	free(copy);

	struct topo_diag g[FUZZ_TOPO_DIAGS];
	unsigned n = topo_desc_check(d, g, FUZZ_TOPO_DIAGS);
	FUZZ_CHECK(topo_desc_check(d, NULL, 0) == n);
	for (unsigned i = 1; i < n && i < FUZZ_TOPO_DIAGS; i++)
		FUZZ_CHECK(g[i - 1].error || !g[i].error);
	for (unsigned i = 0; i < n && i < FUZZ_TOPO_DIAGS; i++) {
		char line[600];
		FUZZ_CHECK(topo_desc_diag_format(d, &g[i], line, sizeof(line)) > 0);
	}
	FUZZ_CHECK(draw_text(d, NULL, null_out) == 0);
	FUZZ_CHECK(draw_dot(d, NULL, null_out) == 0);
	topo_desc_free(d);
	return 0;
}
