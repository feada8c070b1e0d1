/*
 * kstat.h — the kernel counters of a real-traffic lab's namespaces: the
 * ones that say a kernel refused what illan fed it (checksum errors, SYN
 * retransmissions, the TAP's queue drops), read as nstat reads them, from
 * /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6 of the namespace,
 * and /proc/net/dev for the lab's interfaces in it.
 *
 * The files are opened once inside the namespace (setns), and read again
 * from offset 0 each time: a /proc/net file keeps the namespace it was
 * opened in, so no process is started and no setns is made per read.
 *
 * Serves the real-traffic daemon (daemon.c), which explains each increase
 * (`illan why`); the parsers are pure, for tests/cli/test_kstat.c.
 */
#ifndef ILLAN_KSTAT_H
#define ILLAN_KSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev/counter.h"

/* nstat's names; the phrase says what the kernel dropped. */
#define KSTAT_COUNTERS(X, T)                                                                      \
	X(T, TcpInCsumErrors, "the TCP checksum was bad", 0)                                      \
	X(T, UdpInCsumErrors, "the UDP checksum was bad", 0)                                      \
	X(T, IcmpInCsumErrors, "the ICMP checksum was bad", 0)                                    \
	X(T, Udp6InCsumErrors, "the UDP checksum was bad (IPv6)", 0)                              \
	X(T, Icmp6InCsumErrors, "the ICMPv6 checksum was bad", 0)                                 \
	X(T, TcpExtTCPSynRetrans, NULL, 0)                                                        \
	X(T, TcpRetransSegs, NULL, 0)                                                             \
	X(T, if_rx_dropped,                                                                       \
	  "the kernel dropped frames illan wrote up to it (its receive backlog was full)", 0)     \
	X(T, if_tx_dropped,                                                                       \
	  "the interface's queue towards illan was full: illan did not read the kernel's frames " \
	  "fast enough (txqueuelen)",                                                             \
	  0)

struct kstat_vals {
	KSTAT_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct kstat_vals ("kernel"). */
extern const struct counter_set kstat_counters;

#define KSTAT_IFS 8

/* One namespace's kernel, as the daemon reads it. */
struct kstat_ns {
	char ns[64];
	char ifnames[KSTAT_IFS][16]; /* the lab's interfaces there (/proc/net/dev rows summed) */
	unsigned n_ifs;
	int fd_snmp, fd_netstat, fd_snmp6, fd_dev; /* -1: not open */
};

/* Open ns's files (entering it for the opens, then back). ifnames: the
 * lab's interfaces in it. Needs CAP_SYS_ADMIN. Returns 0 or -errno, with
 * the reason in err; nothing stays open on failure. */
int kstat_open(struct kstat_ns *k, const char *ns, const char *const *ifnames, unsigned n_ifs,
	       char *err, size_t err_size);
/* Read every counter now into v. Returns 0 or -errno. */
int kstat_read(const struct kstat_ns *k, struct kstat_vals *v);
/* Close the files. Safe on a zeroed-then-failed or closed k. */
void kstat_close(struct kstat_ns *k);

/* Parsers (no I/O). "Name: a b c\nName: 1 2 3" pairs (snmp, netstat): each
 * field whose "NameField" is a kstat counter is stored. */
void kstat_parse_pairs(const char *text, struct kstat_vals *v);
/* "Udp6InCsumErrors  3" lines (snmp6). */
void kstat_parse_lines(const char *text, struct kstat_vals *v);
/* /proc/net/dev: the receive and transmit drops of ifnames, summed. */
void kstat_parse_dev(const char *text, const char *const *ifnames, unsigned n_ifs,
		     struct kstat_vals *v);

#endif
