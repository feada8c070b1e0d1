/*
 * mac_learning.c — the bridge's MAC table, per VLAN: learn and refresh,
 * look up, age out on the loop's clock, evict the least recently used entry
 * when full, forget a port — the job of OVS's lib/mac-learning.c and of the
 * Linux bridge's forwarding database (br_fdb.c).
 *
 * Serves xlate.c (NORMAL learns and looks up), bridge.c (ageing, port removal,
 * flow statistics pushed into the table) and, through bridge.h, the CLI and
 * tests (br_mac_lookup, br_n_macs).
 */
#include "bridge/bridge.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge_priv.h"

#define BR_MAC_BUCKETS 2048u

/* br_mac_init: see bridge_priv.h. */
int br_mac_init(struct br *br)
{
	br->mac_buckets = calloc(BR_MAC_BUCKETS, sizeof(*br->mac_buckets));
	return br->mac_buckets ? 0 : -ENOMEM;
}

/* br_mac_destroy: see bridge_priv.h. */
void br_mac_destroy(struct br *br)
{
	if (!br->mac_buckets)
		return;
	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++) {
		while (br->mac_buckets[b]) {
			struct br_mac *m = br->mac_buckets[b];
			br->mac_buckets[b] = m->hnext;
			free(m);
		}
	}
	free(br->mac_buckets);
	br->mac_buckets = NULL;
}

static uint32_t br_mac_hash(uint16_t vid, const uint8_t *mac)
{
	uint8_t b[8];
	memcpy(b, mac, 6);
	b[6] = (uint8_t)(vid >> 8);
	b[7] = (uint8_t)vid;
	return br_hash_words(b, sizeof(b), 0x6d61);
}

static struct br_mac *br_mac_find(const struct br *br, uint16_t vid, const uint8_t *mac)
{
	struct br_mac *m = br->mac_buckets[br_mac_hash(vid, mac) & (BR_MAC_BUCKETS - 1)];
	for (; m; m = m->hnext)
		if (m->vid == vid && memcmp(m->mac, mac, 6) == 0)
			return m;
	return NULL;
}

static void br_mac_unlink(struct br *br, struct br_mac *victim)
{
	struct br_mac **pp =
		&br->mac_buckets[br_mac_hash(victim->vid, victim->mac) & (BR_MAC_BUCKETS - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == victim) {
			*pp = victim->hnext;
			free(victim);
			br->c.learned_macs--;
			return;
		}
	}
	assert(!"MAC entry not in its bucket");
}

/* Port a MAC is known on (see bridge.h). */
unsigned br_mac_lookup(const struct br *br, uint16_t vid, const uint8_t mac[6])
{
	const struct br_mac *m = br_mac_find(br, vid, mac);
	return m ? m->port : 0;
}

/* Number of MAC entries (see bridge.h). */
unsigned br_n_macs(const struct br *br)
{
	return (unsigned)br->c.learned_macs;
}

static void br_mac_evict_oldest(struct br *br)
{
	struct br_mac *oldest = NULL;
	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++)
		for (struct br_mac *m = br->mac_buckets[b]; m; m = m->hnext)
			if (!oldest || m->used < oldest->used ||
			    (m->used == oldest->used && m->seq < oldest->seq))
				oldest = m;
	if (oldest) {
		br_mac_unlink(br, oldest);
		br->c.macs_evicted++;
	}
}

/* br_mac_learn: see bridge_priv.h. */
bool br_mac_learn(struct br *br, uint16_t vid, const uint8_t *mac, unsigned port)
{
	uint64_t now = ev_now(br->loop);
	struct br_mac *m = br_mac_find(br, vid, mac);
	uint32_t h;

	if (m) {
		m->used = now;
		m->seq = ++br->mac_seq;
		if (m->port == port)
			return false;
		m->port = port;
		br->c.mac_moves++;
		return true;
	}
	if (br->c.learned_macs >= BR_MAX_MACS)
		br_mac_evict_oldest(br);
	m = calloc(1, sizeof(*m));
	if (!m)
		return false;
	m->vid = vid;
	memcpy(m->mac, mac, 6);
	m->port = port;
	m->used = now;
	m->seq = ++br->mac_seq;
	h = br_mac_hash(vid, mac) & (BR_MAC_BUCKETS - 1);
	m->hnext = br->mac_buckets[h];
	br->mac_buckets[h] = m;
	br->c.learned_macs++;
	br->c.macs_learned++;
	br_timer_want(br, now + br->mac_aging_ns);
	return true;
}

/* br_mac_forget_port: see bridge_priv.h. */
void br_mac_forget_port(struct br *br, unsigned port)
{
	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++) {
		struct br_mac **pp = &br->mac_buckets[b];
		while (*pp) {
			struct br_mac *m = *pp;
			if (m->port == port) {
				*pp = m->hnext;
				free(m);
				br->c.learned_macs--;
			} else {
				pp = &m->hnext;
			}
		}
	}
}

/* br_mac_push_use: see bridge_priv.h. */
void br_mac_push_use(struct br *br, uint16_t vid, const uint8_t *mac, unsigned port, uint64_t used)
{
	struct br_mac *m = br_mac_find(br, vid, mac);

	if (m && m->port == port && m->used < used)
		m->used = used;
}

/* br_mac_age: see bridge_priv.h. */
bool br_mac_age(struct br *br, uint64_t now, uint64_t *next)
{
	bool aged = false;

	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++) {
		struct br_mac **pp = &br->mac_buckets[b];
		while (*pp) {
			struct br_mac *m = *pp;
			uint64_t deadline = m->used + br->mac_aging_ns;
			if (deadline <= now) {
				*pp = m->hnext;
				free(m);
				br->c.learned_macs--;
				br->c.macs_aged++;
				aged = true;
			} else {
				if (deadline < *next)
					*next = deadline;
				pp = &m->hnext;
			}
		}
	}
	return aged;
}
