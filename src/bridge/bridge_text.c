/*
 * bridge_text.c — the bridge in words: datapath flows formatted as
 * `ovs-dpctl dump-flows` prints them (for `illan flows`), and rules parsed
 * from the ovs-ofctl add-flow syntax (for topology files and the CLI).
 *
 * Serves the CLI and the topology through bridge.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge.h"
#include "bridge/bridge_priv.h"
#include "pkt/hdr.h"

/* ---- Formatting ------------------------------------------------------------- */

struct br_buf {
	char *buf;
	size_t size;
	size_t len; /* wanted, may exceed size */
};

__attribute__((format(printf, 2, 3))) static void br_buf_printf(struct br_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->len < b->size ? b->size - b->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static void br_buf_mac(struct br_buf *b, const uint8_t *m)
{
	br_buf_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void br_buf_ip(struct br_buf *b, int version, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];
	if (!inet_ntop(version == 4 ? AF_INET : AF_INET6, a, s, sizeof(s)))
		snprintf(s, sizeof(s), "?");
	br_buf_printf(b, "%s", s);
}

static void br_buf_actions(struct br_buf *b, const struct br_dp_action *a, unsigned n,
			   const char *drop_reason)
{
	bool output = false;

	for (unsigned i = 0; i < n; i++)
		output |= a[i].type == BR_DP_OUTPUT;
	if (!output) {
		br_buf_printf(b, "drop");
		if (drop_reason)
			br_buf_printf(b, "(%s)", drop_reason);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (i)
			br_buf_printf(b, ",");
		switch (a[i].type) {
		case BR_DP_OUTPUT:
			br_buf_printf(b, "%u", a[i].arg);
			break;
		case BR_DP_PUSH_VLAN:
			br_buf_printf(b, "push_vlan(vid=%u,pcp=%u)", a[i].arg & 0xfffu,
				      a[i].arg >> 13);
			break;
		case BR_DP_POP_VLAN:
			br_buf_printf(b, "pop_vlan");
			break;
		case BR_DP_SET_VLAN:
			br_buf_printf(b, "set(vlan(vid=%u,pcp=%u))", a[i].arg & 0xfffu,
				      a[i].arg >> 13);
			break;
		}
	}
}

/* Format one flow (see bridge.h). */
int br_flow_format(const struct br_flow_info *f, uint64_t now_ns, char *buf, size_t size)
{
	struct br_buf b = {buf, size, 0};
	const struct br_flow_key *k = f->key;

	if (size)
		buf[0] = '\0';
	br_buf_printf(&b, "in_port(%u),eth(src=", k->in_port);
	br_buf_mac(&b, k->dl_src);
	br_buf_printf(&b, ",dst=");
	br_buf_mac(&b, k->dl_dst);
	br_buf_printf(&b, ")");
	if (k->vlan_tci)
		br_buf_printf(&b, ",vlan(vid=%u,pcp=%u)", k->vlan_tci & 0xfffu, k->vlan_tci >> 13);
	br_buf_printf(&b, ",eth_type(0x%04x)", k->dl_type);
	if (k->ip_version) {
		br_buf_printf(&b, ",ipv%d(src=", k->ip_version);
		br_buf_ip(&b, k->ip_version, k->nw_src);
		br_buf_printf(&b, ",dst=");
		br_buf_ip(&b, k->ip_version, k->nw_dst);
		br_buf_printf(&b, ",proto=%u)", k->nw_proto);
		if (k->nw_proto == IPPROTO_TCP_ || k->nw_proto == IPPROTO_UDP_)
			br_buf_printf(&b, ",%s(src=%u,dst=%u)",
				      k->nw_proto == IPPROTO_TCP_ ? "tcp" : "udp", k->tp_src,
				      k->tp_dst);
	}
	br_buf_printf(&b, ", packets:%llu, bytes:%llu, used:", (unsigned long long)f->packets,
		      (unsigned long long)f->bytes);
	if (!f->packets) {
		br_buf_printf(&b, "never");
	} else {
		uint64_t age = now_ns > f->used_ns ? now_ns - f->used_ns : 0;
		br_buf_printf(&b, "%llu.%03llus", (unsigned long long)(age / 1000000000ull),
			      (unsigned long long)(age / 1000000ull % 1000));
	}
	br_buf_printf(&b, ", actions:");
	br_buf_actions(&b, f->actions, f->n_actions, f->drop_reason);
	return b.len > (size_t)__INT_MAX__ ? __INT_MAX__ : (int)b.len;
}

struct br_print_ctx {
	FILE *out;
	uint64_t now;
};

static void br_print_one(void *arg, const struct br_flow_info *f)
{
	struct br_print_ctx *c = arg;
	char line[512];
	int n = br_flow_format(f, c->now, line, sizeof(line));
	if (n >= (int)sizeof(line)) {
		char *big = malloc((size_t)n + 1);
		if (big) {
			br_flow_format(f, c->now, big, (size_t)n + 1);
			fprintf(c->out, "%s\n", big);
			free(big);
			return;
		}
	}
	fprintf(c->out, "%s\n", line);
}

/* Print every flow (see bridge.h). */
void br_flows_print(const struct br *br, FILE *out)
{
	struct br_print_ctx c = {out, ev_now(br->loop)};
	br_flow_dump(br, br_print_one, &c);
}

/* ---- Rule parser (ovs-ofctl add-flow words) -------------------------------- */

static int br_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int br_parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6];
	char extra;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int br_parse_ip(const char *s, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return 0;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return 0;
	return -EINVAL;
}

static int br_parse_action(const char *w, struct br_action *a)
{
	unsigned long v;

	if (strcmp(w, "normal") == 0 || strcmp(w, "NORMAL") == 0) {
		*a = (struct br_action){BR_ACT_NORMAL, 0};
	} else if (strcmp(w, "drop") == 0) {
		*a = (struct br_action){BR_ACT_DROP, 0};
	} else if (strcmp(w, "strip_vlan") == 0 || strcmp(w, "pop_vlan") == 0) {
		*a = (struct br_action){BR_ACT_POP_VLAN, 0};
	} else if (strncmp(w, "output:", 7) == 0) {
		if (br_parse_uint(w + 7, BR_MAX_PORTS, &v) || v == 0)
			return -EINVAL;
		*a = (struct br_action){BR_ACT_OUTPUT, (uint16_t)v};
	} else if (strncmp(w, "push_vlan:", 10) == 0) {
		if (br_parse_uint(w + 10, 0xffff, &v) || (v & 0x1000))
			return -EINVAL;
		*a = (struct br_action){BR_ACT_PUSH_VLAN, (uint16_t)v};
	} else if (strncmp(w, "mod_vlan_vid:", 13) == 0) {
		if (br_parse_uint(w + 13, 0xfff, &v))
			return -EINVAL;
		*a = (struct br_action){BR_ACT_SET_VLAN, (uint16_t)v};
	} else {
		if (br_parse_uint(w, BR_MAX_PORTS, &v) || v == 0)
			return -EINVAL;
		*a = (struct br_action){BR_ACT_OUTPUT, (uint16_t)v};
	}
	return 0;
}

/* A match field that is any 16-bit number: parsed into *to, its flag set. */
static int br_parse_u16_field(struct br_match *m, uint32_t flag, const char *val, uint16_t *to)
{
	unsigned long v;

	if (br_parse_uint(val, 0xffff, &v))
		return -EINVAL;
	m->fields |= flag;
	*to = (uint16_t)v;
	return 0;
}

static int br_parse_field(struct br_match *m, unsigned long *prio, const char *name, const char *val)
{
	unsigned long v;

	if (strcmp(name, "priority") == 0)
		return val ? br_parse_uint(val, 0xffff, prio) : -EINVAL;
	if (strcmp(name, "ip") == 0 && !val) {
		m->fields |= BR_F_DL_TYPE;
		m->dl_type = ETH_P_IP;
		return 0;
	}
	if ((strcmp(name, "tcp") == 0 || strcmp(name, "udp") == 0) && !val) {
		m->fields |= BR_F_DL_TYPE | BR_F_NW_PROTO;
		m->dl_type = ETH_P_IP;
		m->nw_proto = name[0] == 't' ? IPPROTO_TCP_ : IPPROTO_UDP_;
		return 0;
	}
	if (!val)
		return -EINVAL;
	if (strcmp(name, "in_port") == 0) {
		if (br_parse_uint(val, BR_MAX_PORTS, &v) || v == 0)
			return -EINVAL;
		m->fields |= BR_F_IN_PORT;
		m->in_port = (unsigned)v;
	} else if (strcmp(name, "dl_src") == 0) {
		m->fields |= BR_F_DL_SRC;
		return br_parse_mac(val, m->dl_src);
	} else if (strcmp(name, "dl_dst") == 0) {
		m->fields |= BR_F_DL_DST;
		return br_parse_mac(val, m->dl_dst);
	} else if (strcmp(name, "dl_vlan") == 0) {
		if (br_parse_uint(val, 0xffff, &v) || (v > 0xfff && v != BR_VLAN_NONE))
			return -EINVAL;
		m->fields |= BR_F_DL_VLAN;
		m->vlan_vid = (uint16_t)v;
	} else if (strcmp(name, "dl_type") == 0) {
		return br_parse_u16_field(m, BR_F_DL_TYPE, val, &m->dl_type);
	} else if (strcmp(name, "nw_src") == 0) {
		m->fields |= BR_F_NW_SRC;
		return br_parse_ip(val, m->nw_src);
	} else if (strcmp(name, "nw_dst") == 0) {
		m->fields |= BR_F_NW_DST;
		return br_parse_ip(val, m->nw_dst);
	} else if (strcmp(name, "nw_proto") == 0) {
		if (br_parse_uint(val, 0xff, &v))
			return -EINVAL;
		m->fields |= BR_F_NW_PROTO;
		m->nw_proto = (uint8_t)v;
	} else if (strcmp(name, "tp_src") == 0) {
		return br_parse_u16_field(m, BR_F_TP_SRC, val, &m->tp_src);
	} else if (strcmp(name, "tp_dst") == 0) {
		return br_parse_u16_field(m, BR_F_TP_DST, val, &m->tp_dst);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Parse an ovs-ofctl style rule and add it (see bridge.h). */
int br_rule_add_text(struct br *br, const char *text)
{
	struct br_match m = {0};
	struct br_action acts[BR_MAX_ACTIONS];
	unsigned n_acts = 0;
	unsigned long prio = 32768; /* OFP_DEFAULT_PRIORITY */
	char *copy, *actions, *save = NULL;
	int rc = -EINVAL;

	if (!text)
		return -EINVAL;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	actions = strstr(copy, "actions=");
	if (!actions)
		goto free_copy;
	*actions = '\0';
	actions += strlen("actions=");

	for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		char *eq = strchr(w, '=');
		if (eq)
			*eq++ = '\0';
		if (br_parse_field(&m, &prio, w, eq) != 0)
			goto free_copy;
	}
	save = NULL;
	for (char *w = strtok_r(actions, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		if (n_acts == BR_MAX_ACTIONS || br_parse_action(w, &acts[n_acts]) != 0)
			goto free_copy;
		n_acts++;
	}
	rc = br_rule_add(br, (uint16_t)prio, &m, acts, n_acts);
free_copy:
	free(copy);
	return rc;
}
