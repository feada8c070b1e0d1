/*
 * test_pcapng.c — the pcapng writer (src/topo/pcapng.c) read back by
 * libpcap (frames, lengths, nanosecond timestamps, link type) and, when
 * installed, by tshark (the per-packet comments, the interface name), with
 * frame and comment lengths 0..5 so every padding case is written.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "topo/pcapng.h"

#define N_FRAMES 6

static char path[64];

static void frame(uint8_t *buf, unsigned i, uint32_t len)
{
	for (uint32_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31 + k);
}

/* Frame i: 60 + i bytes captured of 60 + i + 100 * (i & 1) (odd ones cut
 * short), at i * 1000000007 ns, comment of i bytes ("" for frame 0). */
static void write_file(void)
{
	snprintf(path, sizeof(path), "/tmp/illan-test-pcapng-XXXXXX");
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	struct pcapng *w = pcapng_open(path, "trunk-out tx", "illan test");
	REQUIRE(w != NULL);
	static const char text[] = "abcde";
	for (unsigned i = 0; i < N_FRAMES; i++) {
		uint8_t buf[128];
		char comment[8];
		snprintf(comment, sizeof(comment), "%.*s", (int)i, text);
		frame(buf, i, 60 + i);
		CHECK_EQ(pcapng_write(w, (uint64_t)i * 1000000007ull, buf, 60 + i,
				      60 + i + 100 * (i & 1), comment),
			 0);
	}
	CHECK_U64(pcapng_count(w), N_FRAMES);
	CHECK_EQ(pcapng_close(w), 0);
}

TEST(libpcap_reads_every_frame_back)
{
	write_file();
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	REQUIRE(p != NULL);
	CHECK_EQ(pcap_datalink(p), DLT_EN10MB);
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned i = 0;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		uint8_t want[128];
		frame(want, i, 60 + i);
		CHECK_EQ(h->caplen, 60 + i);
		CHECK_EQ(h->len, 60 + i + 100 * (i & 1));
		uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		CHECK_U64(ns, (uint64_t)i * 1000000007ull);
		CHECK_MEM(data, want, 60 + i);
		i++;
	}
	CHECK_EQ(rc, PCAP_ERROR_BREAK); /* the end of the file, not an error */
	CHECK_EQ(i, N_FRAMES);
	pcap_close(p);
	unlink(path);
}

TEST(tshark_reads_the_comments)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		TEST_SKIP("tshark not installed");
	write_file();
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -e frame.number -e frame.comment -e frame.interface_name "
		 "2>/dev/null",
		 path);
	FILE *f = popen(cmd, "r");
	REQUIRE(f != NULL);
	char line[256];
	unsigned i = 0;
	static const char text[] = "abcde";
	while (fgets(line, sizeof(line), f)) {
		char want[64];
		snprintf(want, sizeof(want), "%u\t%.*s\ttrunk-out tx\n", i + 1, (int)i, text);
		if (strcmp(line, want) != 0)
			TEST_FAILF("tshark line %u: '%s', wanted '%s'", i, line, want);
		i++;
	}
	CHECK_EQ(pclose(f), 0);
	CHECK_EQ(i, N_FRAMES);
	unlink(path);
}

TEST(a_path_that_cannot_be_written_is_refused)
{
	CHECK(pcapng_open("/nonexistent-dir/x.pcapng", "x", "y") == NULL);
	CHECK_EQ(pcapng_close(NULL), 0);
}

TEST_MAIN()
