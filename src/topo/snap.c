/*
 * snap.c — counter snapshots and their JSON (see snap.h).
 */
#include "snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void snap_one(void *arg, const char *obj, const struct counter_desc *d, uint64_t v)
{
	struct snap *s = arg;
	if (s->n == s->cap) {
		unsigned cap = s->cap ? 2 * s->cap : 512;
		struct snap_entry *e = realloc(s->e, cap * sizeof(*e));
		if (!e) {
			s->cap = UINT32_MAX; /* marks failure; snap_take frees */
			return;
		}
		s->e = e;
		s->cap = cap;
	}
	struct snap_entry *e = &s->e[s->n++];
	snprintf(e->obj, sizeof(e->obj), "%s", obj);
	snprintf(e->name, sizeof(e->name), "%s", d->name);
	e->d = counter_set_of(d) ? d : NULL;
	e->v = v;
}

/* snap_take: see snap.h. */
struct snap *snap_take(struct topo *t)
{
	struct snap *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	topo_for_each_counter(t, snap_one, s);
	if (s->cap == UINT32_MAX) {
		snap_free(s);
		return NULL;
	}
	return s;
}

/* snap_free: see snap.h. */
void snap_free(struct snap *s)
{
	if (!s)
		return;
	free(s->e);
	free(s);
}

/* snap_sum: see snap.h. */
uint64_t snap_sum(const struct snap *s, const char *name)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->e[i].name, name) == 0)
			sum += s->e[i].v;
	return sum;
}

/* snap_json_sums: see snap.h. */
json_t *snap_json_sums(const struct snap *s)
{
	json_t *o = json_object();
	for (unsigned i = 0; o && i < s->n; i++) {
		const char *name = s->e[i].name;
		json_t *have = json_object_get(o, name);
		uint64_t v = s->e[i].v + (have ? (uint64_t)json_integer_value(have) : 0);
		json_object_set_new(o, name, json_integer((json_int_t)v));
	}
	return o;
}

/* snap_json_objects: see snap.h. */
json_t *snap_json_objects(const struct snap *s)
{
	json_t *o = json_object();
	for (unsigned i = 0; o && i < s->n; i++) {
		json_t *obj = json_object_get(o, s->e[i].obj);
		if (!obj) {
			obj = json_object();
			json_object_set_new(o, s->e[i].obj, obj);
		}
		json_object_set_new(obj, s->e[i].name, json_integer((json_int_t)s->e[i].v));
	}
	return o;
}
