/*
 * soak.c — the soak benchmark (issue 9): rounds of random flows over the
 * seed topology for a bounded time (600 s by default), each round built,
 * run, checked and torn down; every byte delivered intact, no leak, every
 * drop explained, resident memory flat after warm-up. The round logic is
 * tests/harden/soak.h, shared with the 30-second soak test.
 *
 * usage: soak [--seconds N] [--seed N] [--rounds N] [--rss-bound KIB]
 *             [--max-bytes N] [--from N] [--counters] [--quiet]
 * Prints one line per round and a final verdict; exits 0 when clean, 1 on
 * any violation, 2 on bad usage. A program to run by hand; never a test.
 */
#include <errno.h>
#include <stdlib.h>

#include "harden/soak.h"

static int num(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: soak [--seconds N] [--seed N] [--rounds N] [--rss-bound KIB]\n"
		   "            [--max-bytes N] [--from N] [--counters] [--quiet]\n"
		   "  --seconds N     wall time to run rounds (default 600)\n"
		   "  --seed N        seed of every random choice (default 1)\n"
		   "  --rounds N      stop after N rounds too (default: time only)\n"
		   "  --rss-bound K   allowed RSS growth after warm-up, KiB (default 8192)\n"
		   "  --max-bytes N   largest volume of one flow (default 4194304)\n"
		   "  --from N        first round number (replay round N: --from N --rounds 1)\n"
		   "  --counters      print every nonzero counter of each round\n"
		   "  --quiet         only the verdict and violations\n");
}

int main(int argc, char **argv)
{
	struct soak_opts o;
	soak_opts_default(&o);
	bool quiet = false;
	for (int i = 1; i < argc; i++) {
		unsigned long long v = 0;
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--counters")) {
			o.dump_counters = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (has_val && !num(argv[i + 1], &v) &&
			   (!strcmp(a, "--seconds") || !strcmp(a, "--seed") ||
			    !strcmp(a, "--rounds") || !strcmp(a, "--from") ||
			    !strcmp(a, "--rss-bound") || !strcmp(a, "--max-bytes"))) {
			i++;
			if (!strcmp(a, "--seconds") && v > 0 && v <= 86400)
				o.seconds = (double)v;
			else if (!strcmp(a, "--seed"))
				o.seed = v;
			else if (!strcmp(a, "--rounds"))
				o.max_rounds = v;
			else if (!strcmp(a, "--from"))
				o.first_round = v;
			else if (!strcmp(a, "--rss-bound"))
				o.rss_bound_kib = v;
			else if (!strcmp(a, "--max-bytes") && v > 0 && v <= (1ull << 32))
				o.max_flow_bytes = v;
			else {
				fprintf(stderr, "soak: %s %s: out of range\n", a, argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "soak: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
#if defined(__SANITIZE_ADDRESS__)
	o.check_rss = false; /* ASan's quarantine holds freed memory: RSS says nothing */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	o.check_rss = false;
#endif
#endif
	if (quiet)
		o.out = NULL;
	printf("soak: %.0f s, seed %llu, flows up to %llu bytes\n", o.seconds,
	       (unsigned long long)o.seed, (unsigned long long)o.max_flow_bytes);
	struct soak_stats st;
	int rc = soak_run(&o, &st);
	if (quiet)
		printf("soak: %llu rounds, %llu violations, %.1f MiB, rss %llu -> %llu KiB: %s\n",
		       (unsigned long long)st.rounds, (unsigned long long)st.violations,
		       (double)st.bytes / (1 << 20), (unsigned long long)st.rss_start_kib,
		       (unsigned long long)st.rss_end_kib, rc ? "FAIL" : "PASS");
	return rc;
}
