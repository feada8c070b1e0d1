/*
 * test.h — the unit-test harness: TEST(name) { ... } registers a case; CHECK*
 * record failures and go on; TEST_MAIN() runs every case (or those named on
 * the command line) and prints TAP lines ("ok N - name", "not ok N - name",
 * "ok N - name # SKIP why"), which .ci/run counts. Exit status: 0 all passed,
 * 1 any failed, 77 when every case skipped.
 *
 * One translation unit per test program (the registry lives in it).
 */
#ifndef ILLAN_TEST_H
#define ILLAN_TEST_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_MAX 512

struct test_case {
	const char *name;
	void (*fn)(void);
};

static struct test_case test_cases[TEST_MAX];
static unsigned test_n_cases;
static unsigned test_failures_in_case;
static const char *test_skip_reason;
static jmp_buf test_abort_jmp;

static inline void test_register(const char *name, void (*fn)(void))
{
	if (test_n_cases < TEST_MAX)
		test_cases[test_n_cases++] = (struct test_case){name, fn};
}

#define TEST(name)                                                     \
	static void name(void);                                        \
	__attribute__((constructor)) static void test_reg_##name(void) \
	{                                                              \
		test_register(#name, name);                            \
	}                                                              \
	static void name(void)

#define TEST_FAILF(...)                                  \
	do {                                             \
		test_failures_in_case++;                 \
		printf("# %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__);                     \
		printf("\n");                            \
	} while (0)

#define CHECK(cond)                                            \
	do {                                                   \
		if (!(cond))                                   \
			TEST_FAILF("CHECK(%s) failed", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		long long test_a_ = (long long)(a), test_b_ = (long long)(b);                   \
		if (test_a_ != test_b_)                                                         \
			TEST_FAILF("CHECK_EQ(%s, %s): %lld != %lld", #a, #b, test_a_, test_b_); \
	} while (0)

#define CHECK_U64(a, b)                                                                           \
	do {                                                                                      \
		uint64_t test_a_ = (uint64_t)(a), test_b_ = (uint64_t)(b);                        \
		if (test_a_ != test_b_)                                                           \
			TEST_FAILF("CHECK_U64(%s, %s): %" PRIu64 " != %" PRIu64, #a, #b, test_a_, \
				   test_b_);                                                      \
	} while (0)

#define CHECK_MEM(a, b, n)                                                      \
	do {                                                                    \
		if (memcmp((a), (b), (n)) != 0)                                 \
			TEST_FAILF("CHECK_MEM(%s, %s, %s) differ", #a, #b, #n); \
	} while (0)

/* Fail and leave the current case at once (for a precondition). */
#define REQUIRE(cond)                                            \
	do {                                                     \
		if (!(cond)) {                                   \
			TEST_FAILF("REQUIRE(%s) failed", #cond); \
			longjmp(test_abort_jmp, 1);              \
		}                                                \
	} while (0)

/* Skip the current case (e.g. a capability is missing), with a reason. */
#define TEST_SKIP(reason)                    \
	do {                                 \
		test_skip_reason = (reason); \
		longjmp(test_abort_jmp, 1);  \
	} while (0)

static inline int test_main(int argc, char **argv)
{
	/* static: these live across the longjmp out of a case */
	static unsigned run, failed, skipped, i;
	run = failed = skipped = 0;
	printf("1..%u\n", test_n_cases);
	for (i = 0; i < test_n_cases; i++) {
		bool selected = argc < 2;
		for (int a = 1; a < argc; a++)
			if (strcmp(argv[a], test_cases[i].name) == 0)
				selected = true;
		if (!selected)
			continue;
		test_failures_in_case = 0;
		test_skip_reason = NULL;
		fflush(stdout);
		if (setjmp(test_abort_jmp) == 0)
			test_cases[i].fn();
		run++;
		if (test_skip_reason && !test_failures_in_case) {
			skipped++;
			printf("ok %u - %s # SKIP %s\n", i + 1, test_cases[i].name, test_skip_reason);
		} else if (test_failures_in_case) {
			failed++;
			printf("not ok %u - %s\n", i + 1, test_cases[i].name);
		} else {
			printf("ok %u - %s\n", i + 1, test_cases[i].name);
		}
		fflush(stdout);
	}
	printf("# %u run, %u failed, %u skipped\n", run, failed, skipped);
	if (failed)
		return 1;
	if (run && skipped == run)
		return 77;
	return 0;
}

#define TEST_MAIN()                           \
	int main(int argc, char **argv)       \
	{                                     \
		return test_main(argc, argv); \
	}

#endif
