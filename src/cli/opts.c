/*
 * opts.c — the option grammar shared by the subcommands (see opts.h).
 */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv/ibmveth/ibmveth.h"

/* opts_parse_uint: see opts.h. */
int opts_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* opts_parse_size: see opts.h. */
int opts_parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	uint64_t mul = 1;
	switch (*end) {
	case 'K':
	case 'k':
		mul = 1ull << 10;
		break;
	case 'M':
	case 'm':
		mul = 1ull << 20;
		break;
	case 'G':
	case 'g':
		mul = 1ull << 30;
		break;
	case 'T':
	case 't':
		mul = 1ull << 40;
		break;
	}
	if (mul != 1) {
		end++;
		if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0 || strcmp(end, "b") == 0)
			end += strlen(end);
	} else if (strcmp(end, "B") == 0) {
		end++;
	}
	if (*end || v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

/* opts_parse_fixes: see opts.h. The words are folded to lower case and
 * spaces dropped, then read by ibmveth_parse_fixes (which ORs the bits, so a
 * fix named twice is simply on). */
int opts_parse_fixes(const char *prog, const char *s, unsigned *out)
{
	char norm[128];
	size_t n = 0;
	bool ok = s && *s && strlen(s) < sizeof(norm);
	for (const char *c = s; ok && *c; c++)
		if (!isspace((unsigned char)*c))
			norm[n++] = (char)tolower((unsigned char)*c);
	norm[ok ? n : 0] = 0;
	/* an empty item ("1,,2", "1,") names nothing: refused, not skipped */
	if (ok && (!n || norm[0] == ',' || norm[n - 1] == ',' || strstr(norm, ",,")))
		ok = false;
	if (ok && ibmveth_parse_fixes(norm, out) == 0)
		return 0;
	fprintf(stderr, "%s: bad --fixes '%s': expected " OPTS_FIXES_WORDS "\n", prog, s ? s : "");
	return -EINVAL;
}

/* opts_parse_mtu: see opts.h. */
int opts_parse_mtu(const char *prog, const char *s, bool real, unsigned *out)
{
	unsigned long long v;
	unsigned max = real ? OPTS_MTU_MAX_REAL : OPTS_MTU_MAX_EMBEDDED;
	if (opts_parse_uint(s, max, &v) || v < OPTS_MTU_MIN) {
		fprintf(stderr, "%s: --mtu '%s': expected %u..%u in %s mode (" OPTS_MTU_WHY ")\n",
			prog, s, OPTS_MTU_MIN, max, real ? "real" : "embedded");
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}
