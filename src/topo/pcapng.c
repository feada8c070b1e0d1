/*
 * pcapng.c — the pcapng writer (see pcapng.h). Blocks are written in the
 * host's byte order; the section header's byte-order magic tells readers
 * which, as the format allows. Every block and option is padded to 32 bits.
 */
#include "pcapng.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_LINKTYPE_ETHERNET 1
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_TSRESOL 9

struct pcapng {
	FILE *f;
	uint64_t n;
	bool failed;
};

static uint32_t pad4(size_t n)
{
	return (uint32_t)((n + 3) & ~(size_t)3);
}

static void put(struct pcapng *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		w->failed = true;
}

static void put32(struct pcapng *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put_zeros(struct pcapng *w, size_t n)
{
	static const uint8_t zeros[4];
	put(w, zeros, n);
}

/* Bytes an option of len value bytes takes (header and padding). */
static uint32_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

static void put_opt(struct pcapng *w, uint16_t code, const void *val, uint16_t len)
{
	uint16_t h[2] = {code, len};
	put(w, h, sizeof(h));
	put(w, val, len);
	put_zeros(w, pad4(len) - len);
}

static void put_end_of_options(struct pcapng *w)
{
	put_opt(w, PCAPNG_OPT_ENDOFOPT, NULL, 0);
}

static uint16_t text_len(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return (uint16_t)(n > 65535 ? 65535 : n);
}

/* pcapng_open: see pcapng.h. */
struct pcapng *pcapng_open(const char *path, const char *if_name, const char *appl)
{
	struct pcapng *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->f = fopen(path, "wb");
	if (!w->f) {
		int e = errno;
		free(w);
		errno = e;
		return NULL;
	}
	/* Section Header Block: magic, version 1.0, section length unknown (-1) */
	uint16_t al = text_len(appl);
	uint32_t len = 28 + (al ? opt_size(al) + 4 : 0);
	put32(w, PCAPNG_SHB);
	put32(w, len);
	put32(w, PCAPNG_BYTE_ORDER_MAGIC);
	uint16_t version[2] = {1, 0};
	put(w, version, sizeof(version));
	int64_t section_len = -1;
	put(w, &section_len, sizeof(section_len));
	if (al) {
		put_opt(w, PCAPNG_SHB_USERAPPL, appl, al);
		put_end_of_options(w);
	}
	put32(w, len);
	/* Interface Description Block: Ethernet, no snap length limit, named,
	 * timestamps in nanoseconds (if_tsresol 9: 10^-9 s) */
	uint16_t nl = text_len(if_name);
	uint8_t tsresol = 9;
	len = 20 + (nl ? opt_size(nl) : 0) + opt_size(1) + 4;
	put32(w, PCAPNG_IDB);
	put32(w, len);
	uint16_t lt[2] = {PCAPNG_LINKTYPE_ETHERNET, 0};
	put(w, lt, sizeof(lt));
	put32(w, 0); /* snaplen: none */
	if (nl)
		put_opt(w, PCAPNG_IF_NAME, if_name, nl);
	put_opt(w, PCAPNG_IF_TSRESOL, &tsresol, 1);
	put_end_of_options(w);
	put32(w, len);
	return w;
}

/* pcapng_write: see pcapng.h. */
int pcapng_write(struct pcapng *w, uint64_t ts_ns, const void *data, uint32_t caplen,
		 uint32_t origlen, const char *comment)
{
	uint16_t cl = text_len(comment);
	uint32_t len = 32 + pad4(caplen) + (cl ? opt_size(cl) + 4 : 0);
	put32(w, PCAPNG_EPB);
	put32(w, len);
	put32(w, 0); /* interface 0, the only one */
	put32(w, (uint32_t)(ts_ns >> 32));
	put32(w, (uint32_t)ts_ns);
	put32(w, caplen);
	put32(w, origlen);
	put(w, data, caplen);
	put_zeros(w, pad4(caplen) - caplen);
	if (cl) {
		put_opt(w, PCAPNG_OPT_COMMENT, comment, cl);
		put_end_of_options(w);
	}
	put32(w, len);
	w->n++;
	return w->failed ? -EIO : 0;
}

uint64_t pcapng_count(const struct pcapng *w)
{
	return w->n;
}

/* pcapng_close: see pcapng.h. */
int pcapng_close(struct pcapng *w)
{
	if (!w)
		return 0;
	bool failed = w->failed;
	if (fclose(w->f))
		failed = true;
	free(w);
	return failed ? -EIO : 0;
}
