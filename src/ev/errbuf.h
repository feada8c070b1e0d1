/*
 * errbuf.h — the caller's error buffer: constructors that fail say why in a
 * (char *err, size_t size) pair their caller gives (topology building, lab
 * planning, the kernel-driver probe).
 *
 * Serves every layer that reports a reason in words. Knows nobody.
 */
#ifndef ILLAN_ERRBUF_H
#define ILLAN_ERRBUF_H

#include <stddef.h>

/* Format into err (size bytes, always terminated); err NULL or size 0 is
 * allowed and writes nothing. */
void errbuf_set(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
