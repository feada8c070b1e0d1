/*
 * diff.c — `illan diff A.json B.json`: what differs between two runs saved
 * with `illan run --json`, in three parts: the configuration (the "config"
 * object and the run's settings), the outcome (flows, drops, leaks, virtual
 * time) and the counters (sums and per object). Wall-clock fields (wall_s,
 * emulation) are left out: they differ between any two runs.
 *
 * Arrays of objects that carry a "name" (flows, partitions, adapters) are
 * matched by name and drops by their text, so a reordered list is no
 * difference and an added flow shows as one.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

struct diff_out {
	unsigned n; /* differences printed in the current part */
	unsigned total;
};

static void usage_diff(FILE *f)
{
	fprintf(f, "usage: illan diff A.json B.json\n"
		   "  What differs between two runs saved with `illan run --json`: configuration\n"
		   "  (topology, bridge kind, VEB/VEPA, GRO, offloads, bytes, options, illan\n"
		   "  version), outcome (flows, drops, leaks, virtual time) and counters. Wall-clock\n"
		   "  fields (wall_s, emulation) are not compared. Lists are matched by name.\n"
		   "  Exit status: 0 the same, 1 different, 2 a file could not be read.\n");
}

static bool is_wall_clock(const char *key)
{
	return strcmp(key, "wall_s") == 0 || strcmp(key, "emulation") == 0;
}

/* The key an array element is matched by: its "name", or a drop's "text". */
static const char *elem_key(json_t *e)
{
	if (!json_is_object(e))
		return NULL;
	json_t *k = json_object_get(e, "name");
	if (!json_is_string(k))
		k = json_object_get(e, "text");
	return json_is_string(k) ? json_string_value(k) : NULL;
}

static bool keyed_array(json_t *a)
{
	size_t i;
	json_t *e;
	if (!json_array_size(a))
		return false;
	json_array_foreach(a, i, e) if (!elem_key(e)) return false;
	return true;
}

static json_t *find_keyed(json_t *a, const char *key)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) if (elem_key(e) && strcmp(elem_key(e), key) == 0) return e;
	return NULL;
}

static void show(struct diff_out *o, const char *path, json_t *a, json_t *b)
{
	char *sa = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	char *sb = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	printf("  %s: %s -> %s", path, sa ? sa : "(absent)", sb ? sb : "(absent)");
	if (json_is_integer(a) && json_is_integer(b))
		printf(" (%+lld)", (long long)(json_integer_value(b) - json_integer_value(a)));
	putchar('\n');
	free(sa);
	free(sb);
	o->n++;
	o->total++;
}

static void walk(struct diff_out *o, const char *path, json_t *a, json_t *b);

static void walk_child(struct diff_out *o, const char *path, const char *key, bool brackets,
		       json_t *a, json_t *b)
{
	char sub[512];
	if (brackets)
		snprintf(sub, sizeof(sub), "%s[%s]", path, key);
	else
		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
	walk(o, sub, a, b);
}

/* Print every leaf where a and b differ (either may be NULL: absent). */
static void walk(struct diff_out *o, const char *path, json_t *a, json_t *b)
{
	if (a && b && json_equal(a, b))
		return;
	json_t *one = a ? a : b;
	if ((!a || !b) && json_is_object(one) && json_object_get(one, "text") &&
	    json_is_integer(json_object_get(one, "count"))) {
		/* a drop in one run only: its count, 0 in the other */
		json_t *zero = json_integer(0);
		char sub[512];
		snprintf(sub, sizeof(sub), "%s.count", path);
		show(o, sub, a ? json_object_get(a, "count") : zero,
		     b ? json_object_get(b, "count") : zero);
		json_decref(zero);
		return;
	}
	if (json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *v;
		json_object_foreach(a, k, v)
		{
			if (!is_wall_clock(k))
				walk_child(o, path, k, false, v, json_object_get(b, k));
		}
		json_object_foreach(b, k, v)
		{
			if (!is_wall_clock(k) && !json_object_get(a, k))
				walk_child(o, path, k, false, NULL, v);
		}
		return;
	}
	if (json_is_array(a) && json_is_array(b) && keyed_array(a) && keyed_array(b)) {
		size_t i;
		json_t *e;
		json_array_foreach(a, i, e)
		{
			walk_child(o, path, elem_key(e), true, e, find_keyed(b, elem_key(e)));
		}
		json_array_foreach(b, i, e)
		{
			if (!find_keyed(a, elem_key(e)))
				walk_child(o, path, elem_key(e), true, NULL, e);
		}
		return;
	}
	if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b) &&
	    json_array_size(a) && json_is_object(json_array_get(a, 0))) {
		size_t i;
		json_t *e;
		json_array_foreach(a, i, e)
		{
			char idx[24];
			snprintf(idx, sizeof(idx), "%zu", i);
			walk_child(o, path, idx, true, e, json_array_get(b, i));
		}
		return;
	}
	show(o, path, a, b);
}

static void part(struct diff_out *o, const char *title, json_t *a, json_t *b, const char *const *keys)
{
	printf("%s:\n", title);
	o->n = 0;
	for (unsigned i = 0; keys[i]; i++)
		walk_child(o, "", keys[i], false, json_object_get(a, keys[i]),
			   json_object_get(b, keys[i]));
	if (!o->n)
		printf("  (the same)\n");
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j) {
		fprintf(stderr, "illan diff: %s:%d: %s\n", path, e.line, e.text);
		return NULL;
	}
	if (!json_is_object(j) || !json_is_object(json_object_get(j, "config"))) {
		fprintf(stderr, "illan diff: %s is not the JSON of `illan run --json`\n", path);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* cmd_diff: see cli.h. */
int cmd_diff(int argc, char **argv)
{
	const char *files[2];
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_diff(stdout);
			return 0;
		}
		if ((argv[i][0] == '-' && argv[i][1]) || n == 2) {
			fprintf(stderr, "illan diff: unexpected '%s' (illan diff --help)\n", argv[i]);
			return 2;
		}
		files[n++] = argv[i];
	}
	if (n != 2) {
		usage_diff(stderr);
		return 2;
	}
	json_t *a = load(files[0]);
	json_t *b = a ? load(files[1]) : NULL;
	if (!a || !b) {
		json_decref(a);
		return 2;
	}
	static const char *const config_keys[] = {"config", "fixes", "offload", "family",
						  "mtu",    "seed",  NULL};
	static const char *const outcome_keys[] = {
		"ok",          "flows",      "drops", "leaked_packets", "events_fired", "virtual_s",
		"interrupted", "kernel_log", NULL};
	static const char *const counter_keys[] = {"counters", "objects", NULL};
	struct diff_out o = {0};
	printf("illan diff %s %s\n", files[0], files[1]);
	part(&o, "configuration", a, b, config_keys);
	part(&o, "outcome", a, b, outcome_keys);
	part(&o, "counters", a, b, counter_keys);
	printf("(wall-clock fields, wall_s and emulation, are not compared)\n");
	json_decref(a);
	json_decref(b);
	return o.total ? 1 : 0;
}
