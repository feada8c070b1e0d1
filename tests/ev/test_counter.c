/*
 * test_counter.c — counter sets (src/ev/counter.h): one X-macro list gives
 * the field, the name, the drop phrase and the flags, in declaration order.
 */
#include "ev/counter.h"

#include "test.h"

#define DEMO_COUNTERS(X, T)                                               \
	X(T, rx_frames, NULL, 0)                                          \
	X(T, rx_bad, "bad frame", 0)                                      \
	X(T, rx_refused, "refused where not addressed", COUNTER_HARMLESS) \
	X(T, flows, NULL, COUNTER_GAUGE)

struct demo_stats {
	DEMO_COUNTERS(COUNTER_FIELD, _)
};
COUNTER_SET_DEFINE(demo_counters, "demo", struct demo_stats, DEMO_COUNTERS);

struct walk {
	unsigned n;
	uint64_t sum;
	const char *names[8];
};

static void visit(void *arg, const struct counter_desc *d, uint64_t v)
{
	struct walk *w = arg;
	if (w->n < 8)
		w->names[w->n] = d->name;
	w->n++;
	w->sum += v;
}

TEST(set_has_every_field_in_order)
{
	CHECK_U64(demo_counters.n, 4);
	CHECK_U64(sizeof(struct demo_stats), 4 * sizeof(uint64_t));
	CHECK(strcmp(demo_counters.kind, "demo") == 0);
	struct demo_stats st = {.rx_frames = 1, .rx_bad = 20, .rx_refused = 300, .flows = 4000};
	struct walk w = {0};
	counter_set_visit(&demo_counters, &st, visit, &w);
	CHECK_U64(w.n, 4);
	CHECK_U64(w.sum, 4321);
	CHECK(strcmp(w.names[0], "rx_frames") == 0);
	CHECK(strcmp(w.names[3], "flows") == 0);
}

TEST(find_gives_phrase_flags_and_value)
{
	struct demo_stats st = {.rx_bad = 7};
	const struct counter_desc *d = counter_set_find(&demo_counters, "rx_bad");
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK(strcmp(d->drop, "bad frame") == 0);
	CHECK_U64(counter_get(&st, d), 7);
	counter_add(&st, d, 5);
	CHECK_U64(st.rx_bad, 12);
	CHECK(counter_set_find(&demo_counters, "rx_frames")->drop == NULL);
	CHECK(counter_set_find(&demo_counters, "rx_refused")->flags == COUNTER_HARMLESS);
	CHECK(counter_set_find(&demo_counters, "flows")->flags == COUNTER_GAUGE);
	CHECK(counter_set_find(&demo_counters, "rx_misspelt") == NULL);
}

TEST(defined_sets_are_registered_and_found_by_desc)
{
	size_t n;
	const struct counter_set *const *all = counter_sets_all(&n);
	bool seen = false;
	for (size_t i = 0; i < n; i++)
		seen |= all[i] == &demo_counters;
	CHECK(seen);
	CHECK(counter_set_of(&demo_counters.descs[2]) == &demo_counters);
	static const struct counter_desc stray = {"stray", 0, NULL, 0};
	CHECK(counter_set_of(&stray) == NULL);
	counter_set_register(&demo_counters); /* twice: kept once */
	size_t n2;
	counter_sets_all(&n2);
	CHECK_U64(n2, n);
}

TEST_MAIN()
