/*
 * pcapng.h — a small writer of pcapng capture files (IETF
 * draft-ietf-opsawg-pcapng): one Section Header Block, one Interface
 * Description Block (Ethernet, nanosecond timestamps, the interface named)
 * and one Enhanced Packet Block per frame, each with an opt_comment.
 *
 * Why our own: libpcap reads pcapng but writes only classic pcap, which has
 * no place for a per-packet comment; Debian has no C library that writes
 * pcapng with options (docs/architecture.md, "Choices"). The three block
 * kinds used here are a few dozen lines and are read back by libpcap and
 * tshark in tests/topo/test_pcapng.c.
 *
 * Serves the hop recorder (trace.c: --pcap).
 */
#ifndef ILLAN_PCAPNG_H
#define ILLAN_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

struct pcapng;

/* Create path (truncating it) and write the section header (shb_userappl:
 * appl) and one Ethernet interface named if_name with nanosecond
 * resolution. Returns the writer or NULL with errno set. */
struct pcapng *pcapng_open(const char *path, const char *if_name, const char *appl);

/* Append one frame: ts_ns nanoseconds since the epoch of the capture's
 * clock, caplen bytes of data (the frame was origlen long), and comment
 * (NULL or "" for none; at most 65535 bytes are kept). Returns 0 or -EIO
 * (the first write error is also reported by pcapng_close). */
int pcapng_write(struct pcapng *w, uint64_t ts_ns, const void *data, uint32_t caplen,
		 uint32_t origlen, const char *comment);

/* Frames written so far. */
uint64_t pcapng_count(const struct pcapng *w);

/* Flush and close. Returns 0, or -EIO when any write failed. NULL is
 * allowed (0). */
int pcapng_close(struct pcapng *w);

#endif
