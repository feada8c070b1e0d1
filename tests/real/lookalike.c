/*
 * lookalike.c — a process that only looks like the real-traffic daemon:
 * started with argv "illan daemon --dir DIR" (tests/real/run_sec.sh execs
 * it so), its command line is the daemon's, but its executable is not illan
 * and it may run as another user. `illan netns down` must leave it alone
 * (issue 15, point 4). It sleeps, at most a bounded time, until killed.
 */
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 300; i++) /* 5 minutes at most */
		sleep(1);
	return 0;
}
