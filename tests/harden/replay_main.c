/*
 * replay_main.c — a main for a fuzz target without libFuzzer: feeds every
 * file of the directory given as argv[1] (the target's kept corpus,
 * fuzz/corpus/<target>/) to LLVMFuzzerTestOneInput, in name order, naming
 * each in a TAP comment; the whole replay is one TAP case. A crasher that comes back aborts the program (the
 * target's invariants abort, ASan reports), which fails the test.
 *
 * Serves tests/harden/meson.build, which links it with each fuzz target (fuzz/fuzz_*.c),
 * so the normal suite replays the corpus under gcc and the sanitizer build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a whole file into a buffer of exactly its size (so ASan sees reads
 * past the input's end). Returns NULL on error. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) != 0)
		goto out_close;
	long n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out_close;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf)
		goto out_close;
	if (n && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out_close;
	}
	*size = (size_t)n;
out_close:
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (!d) {
		printf("1..1\nnot ok 1 - open corpus %s\n", argv[1]);
		return 1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				return 1;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (!names[n])
			return 1;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	if (n == 0) {
		printf("1..1\nnot ok 1 - corpus %s is empty\n", argv[1]);
		return 1;
	}
	printf("1..1\n");
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
		size_t size = 0;
		uint8_t *buf = read_file(path, &size);
		if (!buf) {
			printf("# %s: unreadable\n", names[i]);
			failed = 1;
		} else {
			fflush(stdout);
			LLVMFuzzerTestOneInput(buf, size);
			printf("# %s: ok\n", names[i]);
			free(buf);
		}
		free(names[i]);
	}
	free(names);
	printf("%s 1 - replay %zu inputs of %s\n", failed ? "not ok" : "ok", n, argv[1]);
	return failed;
}
