/*
 * kstat.c — the kernel counters of a lab's namespaces (kstat.h).
 */
#include "kstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drv/tap/tap.h"

COUNTER_SET_DEFINE(kstat_counters, "kernel", struct kstat_vals, KSTAT_COUNTERS);

static void kstat_store(struct kstat_vals *v, const char *name, const char *num)
{
	const struct counter_desc *d = counter_set_find(&kstat_counters, name);
	if (!d)
		return;
	uint64_t x = strtoull(num, NULL, 10);
	memcpy((char *)v + d->off, &x, sizeof(x));
}

/* kstat_parse_pairs: see kstat.h. */
void kstat_parse_pairs(const char *text, struct kstat_vals *v)
{
	const char *line = text;
	while (line && *line) {
		const char *next = strchr(line, '\n');
		const char *vline = next ? next + 1 : NULL;
		const char *colon = strchr(line, ':');
		if (!vline || !colon || (next && colon > next))
			break;
		size_t plen = (size_t)(colon - line);
		const char *vnext = strchr(vline, '\n');
		/* the value line must carry the same prefix */
		if (strncmp(vline, line, plen + 1) != 0) {
			line = vline;
			continue;
		}
		const char *h = colon + 1, *x = vline + plen + 1;
		const char *hend = next, *xend = vnext ? vnext : vline + strlen(vline);
		for (;;) {
			while (h < hend && *h == ' ')
				h++;
			while (x < xend && *x == ' ')
				x++;
			if (h >= hend || x >= xend)
				break;
			size_t hn = strcspn(h, " \n"), xn = strcspn(x, " \n");
			char name[96], num[32];
			if (plen + hn < sizeof(name) && xn < sizeof(num)) {
				snprintf(name, sizeof(name), "%.*s%.*s", (int)plen, line, (int)hn, h);
				snprintf(num, sizeof(num), "%.*s", (int)xn, x);
				kstat_store(v, name, num);
			}
			h += hn;
			x += xn;
		}
		line = vnext ? vnext + 1 : NULL;
	}
}

/* kstat_parse_lines: see kstat.h. */
void kstat_parse_lines(const char *text, struct kstat_vals *v)
{
	const char *line = text;
	while (line && *line) {
		char name[96], num[32];
		if (sscanf(line, "%95s %31s", name, num) == 2)
			kstat_store(v, name, num);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

/* kstat_parse_dev: see kstat.h. Columns after "name:": rx bytes packets
 * errs drop fifo frame compressed multicast, then tx bytes packets errs
 * drop ... */
void kstat_parse_dev(const char *text, const char *const *ifnames, unsigned n_ifs,
		     struct kstat_vals *v)
{
	v->if_rx_dropped = v->if_tx_dropped = 0;
	const char *line = text;
	while (line && *line) {
		const char *colon = strchr(line, ':');
		const char *end = strchr(line, '\n');
		if (colon && (!end || colon < end)) {
			const char *n = line;
			while (*n == ' ')
				n++;
			for (unsigned i = 0; i < n_ifs; i++) {
				size_t len = strlen(ifnames[i]);
				if ((size_t)(colon - n) != len || strncmp(n, ifnames[i], len) != 0)
					continue;
				unsigned long long f[16];
				if (sscanf(colon + 1,
					   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
					   &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7],
					   &f[8], &f[9], &f[10], &f[11]) == 12) {
					v->if_rx_dropped += f[3];
					v->if_tx_dropped += f[11];
				}
			}
		}
		line = end ? end + 1 : NULL;
	}
}

/* kstat_open: see kstat.h. */
int kstat_open(struct kstat_ns *k, const char *ns, const char *const *ifnames, unsigned n_ifs,
	       char *err, size_t err_size)
{
	memset(k, 0, sizeof(*k));
	k->fd_snmp = k->fd_netstat = k->fd_snmp6 = k->fd_dev = -1;
	snprintf(k->ns, sizeof(k->ns), "%s", ns);
	for (unsigned i = 0; i < n_ifs && i < KSTAT_IFS; i++)
		snprintf(k->ifnames[k->n_ifs++], sizeof(k->ifnames[0]), "%s", ifnames[i]);
	int saved;
	int rc = tap_netns_enter(ns, &saved);
	if (rc < 0) {
		snprintf(err, err_size, "namespace %s: %s", ns, strerror(-rc));
		return rc;
	}
	/* /proc/self/net follows the namespace of the thread that opens it. */
	k->fd_snmp = open("/proc/self/net/snmp", O_RDONLY | O_CLOEXEC);
	k->fd_netstat = open("/proc/self/net/netstat", O_RDONLY | O_CLOEXEC);
	k->fd_snmp6 = open("/proc/self/net/snmp6", O_RDONLY | O_CLOEXEC); /* none without IPv6 */
	k->fd_dev = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC);
	rc = k->fd_snmp < 0 || k->fd_netstat < 0 || k->fd_dev < 0 ? -errno : 0;
	tap_netns_leave(saved);
	if (rc < 0) {
		snprintf(err, err_size, "namespace %s: /proc/net: %s", ns, strerror(-rc));
		kstat_close(k);
	}
	return rc;
}

/* The whole of a /proc file from offset 0 (they are generated per read). */
static char *kstat_slurp(int fd)
{
	size_t cap = 16384, n = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	char *b = malloc(cap);
	if (!b)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t k = read(fd, b + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(b);
			return NULL;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	b[n] = 0;
	return b;
}

/* kstat_read: see kstat.h. */
int kstat_read(const struct kstat_ns *k, struct kstat_vals *v)
{
	memset(v, 0, sizeof(*v));
	const int fds[3] = {k->fd_snmp, k->fd_netstat, k->fd_snmp6};
	for (unsigned i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		char *t = kstat_slurp(fds[i]);
		if (!t)
			return -errno ? -errno : -EIO;
		if (i < 2)
			kstat_parse_pairs(t, v);
		else
			kstat_parse_lines(t, v);
		free(t);
	}
	char *t = kstat_slurp(k->fd_dev);
	if (!t)
		return -errno ? -errno : -EIO;
	const char *names[KSTAT_IFS];
	for (unsigned i = 0; i < k->n_ifs; i++)
		names[i] = k->ifnames[i];
	kstat_parse_dev(t, names, k->n_ifs, v);
	free(t);
	return 0;
}

/* kstat_close: see kstat.h. */
void kstat_close(struct kstat_ns *k)
{
	int *fds[4] = {&k->fd_snmp, &k->fd_netstat, &k->fd_snmp6, &k->fd_dev};
	for (unsigned i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
