/*
 * counter.c — walking counter sets (see counter.h).
 */
#include "counter.h"

#include <stdlib.h>
#include <string.h>

/* counter_set_visit: see counter.h. */
void counter_set_visit(const struct counter_set *set, const void *base, counter_visit_fn *fn,
		       void *arg)
{
	for (size_t i = 0; i < set->n; i++)
		fn(arg, &set->descs[i], counter_get(base, &set->descs[i]));
}

/* counter_set_find: see counter.h. */
const struct counter_desc *counter_set_find(const struct counter_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->descs[i].name, name) == 0)
			return &set->descs[i];
	return NULL;
}

#define COUNTER_MAX_SETS 64
static const struct counter_set *counter_registry[COUNTER_MAX_SETS];
static size_t counter_n_sets;

/* counter_set_register: see counter.h. A set registered twice is kept once;
 * past COUNTER_MAX_SETS the program is wrong, not its input: abort. */
void counter_set_register(const struct counter_set *set)
{
	for (size_t i = 0; i < counter_n_sets; i++)
		if (counter_registry[i] == set)
			return;
	if (counter_n_sets == COUNTER_MAX_SETS)
		abort();
	counter_registry[counter_n_sets++] = set;
}

/* counter_sets_all: see counter.h. */
const struct counter_set *const *counter_sets_all(size_t *n)
{
	*n = counter_n_sets;
	return counter_registry;
}

/* counter_set_of: see counter.h. */
const struct counter_set *counter_set_of(const struct counter_desc *d)
{
	for (size_t i = 0; i < counter_n_sets; i++) {
		const struct counter_set *s = counter_registry[i];
		if (d >= s->descs && d < s->descs + s->n)
			return s;
	}
	return NULL;
}
