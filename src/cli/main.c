/*
 * main.c — the illan program: subcommand dispatch. (Placeholder until the
 * seed topology lands: `illan run` is wired in src/topo.)
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		printf("usage: illan run|matrix|bench|netns|stats|flows [options]\n");
		return argc < 2 ? 2 : 0;
	}
	fprintf(stderr, "illan: '%s' is not implemented yet\n", argv[1]);
	return 2;
}
