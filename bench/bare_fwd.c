/*
 * bare_fwd.c — the reference for `illan bench --real`: the least a user-space
 * switch can do between two network namespaces on this machine. It opens a
 * TAP named eth0 (IFF_VNET_HDR, offloads CSUM/TSO4/TSO6 as illan's TAPs
 * negotiate them) in each of two namespaces and copies every frame, virtio-net
 * header included, from one to the other: one read and one write per frame,
 * no parsing, no checksum, no segmentation. Whatever the kernels hand over
 * (64 KiB TSO frames with partial checksums) goes across as it is.
 *
 * usage: bare_fwd NETNS_A NETNS_B
 * Prints "ready" on stdout once both TAPs exist; runs until SIGINT/SIGTERM.
 * Standalone on purpose (no illan code): it measures the machine, not illan.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define FWD_BUF (65536 + 64)
#define FWD_BATCH 64

static volatile sig_atomic_t fwd_stop;

static void fwd_on_signal(int sig)
{
	(void)sig;
	fwd_stop = 1;
}

/* Open TAP eth0 inside namespace ns; returns the fd or -1 (message printed). */
static int fwd_tap_in(const char *ns)
{
	char path[256];
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	int fd = -1;
	if (self < 0 || target < 0) {
		fprintf(stderr, "bare_fwd: cannot open namespace %s: %s\n", ns, strerror(errno));
		goto out;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		fprintf(stderr, "bare_fwd: setns %s: %s\n", ns, strerror(errno));
		goto out;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
		int hdr = 10;
		if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 ||
		    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
			fprintf(stderr, "bare_fwd: TAP in %s: %s\n", ns, strerror(errno));
			close(fd);
			fd = -1;
		}
	} else {
		fprintf(stderr, "bare_fwd: /dev/net/tun: %s\n", strerror(errno));
	}
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "bare_fwd: cannot return to our namespace: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	return fd;
}

/* Move up to FWD_BATCH frames from `from` to `to`. */
static void fwd_pump(int from, int to, unsigned char *buf, unsigned long long *frames)
{
	for (int i = 0; i < FWD_BATCH; i++) {
		ssize_t n = read(from, buf, FWD_BUF);
		if (n <= 0)
			return; /* EAGAIN: drained */
		/* A TAP write does not block; a refused frame is dropped, as a
		 * switch drops. */
		if (write(to, buf, (size_t)n) == n)
			(*frames)++;
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bare_fwd NETNS_A NETNS_B\n");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fwd_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int fd[2] = {fwd_tap_in(argv[1]), fwd_tap_in(argv[2])};
	if (fd[0] < 0 || fd[1] < 0)
		return 1;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev) < 0) {
			fprintf(stderr, "bare_fwd: epoll: %s\n", strerror(errno));
			return 1;
		}
	}
	static unsigned char buf[FWD_BUF];
	unsigned long long frames = 0;
	printf("ready\n");
	fflush(stdout);
	while (!fwd_stop) {
		struct epoll_event evs[2];
		int n = epoll_wait(ep, evs, 2, 500);
		for (int i = 0; i < n; i++) {
			unsigned k = evs[i].data.u32;
			fwd_pump(fd[k], fd[!k], buf, &frames);
		}
	}
	fprintf(stderr, "bare_fwd: %llu frames forwarded\n", frames);
	return 0;
}
