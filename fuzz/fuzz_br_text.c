/*
 * fuzz_br_text.c — libFuzzer target for the bridge's rule parser
 * (br_rule_add_text in src/bridge/bridge_text.c, the ovs-ofctl add-flow
 * words that topology files and the CLI hand it): hostile rule text.
 *
 * Input: rules separated by '\n' (at most FUZZ_BR_MAX_RULES), each copied
 * into a buffer of exactly its size so ASan sees any read past its end; byte
 * 0 of the input picks an OVS-style (even) or a Linux-style (odd) bridge.
 * Checked beyond "no crash": every result is a rule id > 0 or -EINVAL
 * (-EOPNOTSUPP from a Linux-style bridge); ids are distinct and every
 * accepted rule can be deleted by its id exactly once; parsing is
 * deterministic (the same text, added again, gets the same verdict).
 */
#include <errno.h>

#include "bridge/bridge.h"
#include "ev/ev.h"
#include "fuzz_util.h"

#define FUZZ_BR_MAX_RULES 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool linux_br = data[0] & 1;
	data++;
	size--;
	struct ev_loop *loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	FUZZ_CHECK(loop);
	struct br *br = br_create("fz0", linux_br ? BR_LINUX : BR_OVS, loop);
	FUZZ_CHECK(br);
	int ids[2 * FUZZ_BR_MAX_RULES];
	unsigned n_ids = 0, n = 0;
	size_t start = 0;
	for (size_t i = 0; size && i <= size && n < FUZZ_BR_MAX_RULES; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t len = i - start;
		char *text = malloc(len + 1);
		FUZZ_CHECK(text);
		memcpy(text, data + start, len);
		text[len] = 0;
		start = i + 1;
		n++;
		int rc = br_rule_add_text(br, text);
		int again = br_rule_add_text(br, text);
		free(text);
		if (linux_br) {
			FUZZ_CHECK(rc == -EINVAL || rc == -EOPNOTSUPP);
			FUZZ_CHECK(again == rc);
			continue;
		}
		FUZZ_CHECK(rc > 0 || rc == -EINVAL);
		FUZZ_CHECK((rc > 0) == (again > 0));
		if (rc > 0) {
			FUZZ_CHECK(again != rc);
			for (unsigned j = 0; j < n_ids; j++)
				FUZZ_CHECK(ids[j] != rc && ids[j] != again);
			ids[n_ids++] = rc;
			ids[n_ids++] = again;
		} else {
			FUZZ_CHECK(again == rc);
		}
	}
	for (unsigned j = 0; j < n_ids; j++) {
		FUZZ_CHECK(br_rule_del(br, ids[j]) == 0);
		FUZZ_CHECK(br_rule_del(br, ids[j]) == -ENOENT);
	}
	br_destroy(br);
	ev_loop_destroy(loop);
	fuzz_end();
	return 0;
}
