/*
 * counter.c — walking counter sets (see counter.h).
 */
#include "counter.h"

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
