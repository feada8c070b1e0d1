/*
 * fuzz_cli.c — libFuzzer target for the option parser of `illan run` and
 * `illan matrix` (parse_run_opts in src/cli/run.c, with opts_parse_size,
 * opts_parse_uint and opts_parse_fixes of opts.c under it): hostile command lines.
 *
 * parse_run_opts is static to run.c and the CLI is not part of libillan, so
 * this target includes run.c itself: the parser fuzzed is the one the
 * program runs, unchanged (cmd_run and cmd_matrix come along, unused).
 *
 * Input: one flags byte (bit 0: matrix defaults), then the arguments,
 * separated by '\n' (at most FUZZ_CLI_MAX_ARGS), each copied into a buffer of
 * exactly its size so ASan sees any read past an argument's end.
 * Checked beyond "no crash": the result is 0, 1 (help) or -EINVAL; an
 * accepted command line yields a configuration the rest of illan accepts:
 * family 4 or 6, MTU the default or 576..65394, volumes 1..1 TiB, fixes
 * within IBMVETH_FIX_ALL, trace/pcap paths that are one of the arguments.
 */
#include <fcntl.h>
#include <unistd.h>

#include "cli/run.c"
#include "fuzz_util.h"

#define FUZZ_CLI_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s is one of the argument strings (getopt hands out optarg as a
 * pointer into an argument, after "--opt=" or as a whole argument). */
static bool fuzz_cli_in_args(const char *s, char **args, int n)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(args[i]);
		if (s >= args[i] && s <= args[i] + len)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool matrix = data[0] & 1;
	data++;
	size--;
	char *args[FUZZ_CLI_MAX_ARGS + 1]; /* what we allocated (getopt permutes argv) */
	char *argv[FUZZ_CLI_MAX_ARGS + 2];
	int n = 0;
	size_t start = 0;
	for (size_t i = 0; size && i <= size && n < FUZZ_CLI_MAX_ARGS; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t len = i - start;
		char *a = malloc(len + 1);
		if (!a)
			abort();
		memcpy(a, data + start, len);
		a[len] = 0;
		args[n++] = a;
		start = i + 1;
	}
	static char prog[] = "illan";
	argv[0] = prog;
	for (int i = 0; i < n; i++)
		argv[i + 1] = args[i];
	argv[n + 1] = NULL;

	/* Reset glibc's getopt completely: parse_run_opts sets optind = 1,
	 * which keeps the scan position of a previous, unfinished cluster
	 * ("-hx" stops at h), pointing into freed arguments. The program
	 * parses once per process; the fuzzer many times. */
	static char *reset_argv[] = {prog, NULL};
	optind = 0;
	opterr = 0;
	(void)getopt(1, reset_argv, "");

	/* --help prints the usage on stdout: keep it out of the replay's TAP
	 * output (stderr, where error messages and sanitizer reports go,
	 * stays). */
	fflush(stdout);
	int saved = dup(1), nul = open("/dev/null", O_WRONLY);
	if (saved >= 0 && nul >= 0)
		dup2(nul, 1);
	struct run_opts o;
	int rc = parse_run_opts(n + 1, argv, &o, matrix);
	fflush(stdout);
	if (saved >= 0 && nul >= 0)
		dup2(saved, 1);
	if (saved >= 0)
		close(saved);
	if (nul >= 0)
		close(nul);

	FUZZ_CHECK(rc == 0 || rc == 1 || rc == -EINVAL);
	if (rc == 0) {
		FUZZ_CHECK(o.so.family == 4 || o.so.family == 6);
		FUZZ_CHECK(o.cfg.mtu == 0 || (o.cfg.mtu >= 576 && o.cfg.mtu <= 65394));
		FUZZ_CHECK(o.bytes >= 1 && o.bytes <= (1ull << 40));
		FUZZ_CHECK(o.reply_bytes >= 1 && o.reply_bytes <= (1ull << 40));
		FUZZ_CHECK(o.cfg.fixes == TOPO_FIXES_FILE ||
			   (o.cfg.fixes & ~(unsigned)IBMVETH_FIX_ALL) == 0);
		FUZZ_CHECK(!o.file || fuzz_cli_in_args(o.file, args, n));
		FUZZ_CHECK(!o.so.trace_file || fuzz_cli_in_args(o.so.trace_file, args, n));
		FUZZ_CHECK(!o.so.pcap_dir || fuzz_cli_in_args(o.so.pcap_dir, args, n));
		/* The fix list renders within its buffer. */
		char buf[128];
		fixes_list(o.cfg.fixes, buf, sizeof(buf), true);
		FUZZ_CHECK(strlen(buf) < sizeof(buf));
	}
	for (int i = 0; i < n; i++)
		free(args[i]);
	return 0;
}
