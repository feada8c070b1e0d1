/*
 * draw.c — the text and Graphviz pictures of a topology (see draw.h).
 *
 * Serves `illan topo show` and, through the overlay, the commands that mark
 * a flow's path or a drop. Only reads the description; what the hypervisor
 * would do (which trunk is active) comes from desc.h's helpers, so the
 * picture and topo_desc_check agree.
 */
#include "draw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

/* ---- Shared ------------------------------------------------------------------ */

/* A MAC address as text, to be used within one expression:
 * printf("%s", draw_mac(a->mac).s). */
struct draw_mac {
	char s[18];
};

static struct draw_mac draw_mac(const uint8_t mac[6])
{
	struct draw_mac m = {0};
	topo_desc_format_mac(mac, m.s);
	return m;
}

/* Position of name on the overlay's path (1-based), 0 when not on it. */
static unsigned draw_on_path(const struct draw_overlay *ov, const char *name)
{
	if (!ov || !ov->path)
		return 0;
	for (unsigned i = 0; i < ov->n_path; i++)
		if (ov->path[i] && strcmp(ov->path[i], name) == 0)
			return i + 1;
	return 0;
}

static bool draw_is_drop(const struct draw_overlay *ov, const char *name)
{
	return ov && ov->drop_at && strcmp(ov->drop_at, name) == 0;
}

static void draw_size(uint64_t n, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;
	while (n >= 1024 && n % 1024 == 0 && u < 3) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64, n);
	else
		snprintf(buf, size, "%" PRIu64 "%c", n, units[u]);
}

static void draw_addr(const struct topo_addr *a, char *buf, size_t size)
{
	char s4[INET_ADDRSTRLEN] = "", s6[INET6_ADDRSTRLEN] = "";
	if (a->has_ip4)
		inet_ntop(AF_INET, a->ip4, s4, sizeof(s4));
	if (a->has_ip6)
		inet_ntop(AF_INET6, a->ip6, s6, sizeof(s6));
	if (a->has_ip4 && a->has_ip6)
		snprintf(buf, size, "%s/%u  %s/%u", s4, a->prefix4, s6, a->prefix6);
	else if (a->has_ip4)
		snprintf(buf, size, "%s/%u", s4, a->prefix4);
	else if (a->has_ip6)
		snprintf(buf, size, "%s/%u", s6, a->prefix6);
	else
		snprintf(buf, size, "no address");
}

/* Where a NIC or switch named name is, for "══ x-nic (host-x)". */
static const char *draw_owner_of(const struct topo_desc *d, const char *name)
{
	int n = topo_desc_find_nic(d, name);
	if (n >= 0) {
		const struct topo_nic *nic = &d->nics[n];
		if (nic->in_host)
			return nic->owner < d->n_hosts ? d->hosts[nic->owner].name : "?";
		return nic->owner < d->n_parts ? d->parts[nic->owner].name : "?";
	}
	if (topo_desc_find_switch(d, name) >= 0)
		return "switch";
	return "missing";
}

/* Counts within the model's arrays (a description built in code may not
 * have been checked). */
static bool draw_sane(const struct topo_desc *d)
{
	if (d->n_vswitches > TOPO_MAX_VSWITCHES || d->n_parts > TOPO_MAX_PARTS ||
	    d->n_nics > TOPO_MAX_NICS || d->n_bridges > TOPO_MAX_BRIDGES ||
	    d->n_hosts > TOPO_MAX_HOSTS || d->n_flows > TOPO_MAX_FLOWS ||
	    d->n_events > TOPO_MAX_EVENTS || d->n_switches > TOPO_MAX_SWITCHES ||
	    d->n_containers > TOPO_MAX_CONTAINERS)
		return false;
	for (unsigned p = 0; p < d->n_parts; p++)
		if (d->parts[p].n_adapters > TOPO_MAX_ADAPTERS)
			return false;
	for (unsigned b = 0; b < d->n_bridges; b++)
		if (d->bridges[b].n_ports > TOPO_MAX_BR_PORTS)
			return false;
	return true;
}

static const char *draw_vsw_name(const struct topo_desc *d, unsigned vsw)
{
	return vsw < d->n_vswitches ? d->vswitches[vsw].name : "?";
}

/* ---- Text -------------------------------------------------------------------- */

struct draw_txt {
	FILE *out;
	const struct topo_desc *d;
	const struct draw_overlay *ov;
};

/* The overlay's marks after a device's line. */
static void txt_marks(struct draw_txt *t, const char *name)
{
	unsigned k = draw_on_path(t->ov, name);
	if (k)
		fprintf(t->out, "   ◀ path %u", k);
	if (draw_is_drop(t->ov, name))
		fprintf(t->out, "   ✗ dropped here%s%s", t->ov->drop_reason ? ": " : "",
			t->ov->drop_reason ? t->ov->drop_reason : "");
	fputc('\n', t->out);
}

static void txt_endpoint(struct draw_txt *t, const struct topo_endpoint *ep, const char *indent)
{
	char addr[128];
	draw_addr(&ep->addr, addr, sizeof(addr));
	fprintf(t->out, "%s└─ endpoint %s", indent, ep->name);
	if (ep->display[0] && strcmp(ep->display, ep->name) != 0)
		fprintf(t->out, " \"%s\"", ep->display);
	fprintf(t->out, "  %s\n", addr);
}

static void txt_adapter(struct draw_txt *t, const struct topo_adapter *a, bool last)
{
	const struct topo_desc *d = t->d;
	fprintf(t->out, "  %s %s %-10s %s  %s PVID %u", last ? "└─" : "├─",
		a->trunk_priority ? "trunk  " : "adapter", a->name, draw_mac(a->mac).s,
		draw_vsw_name(d, a->vswitch), a->pvid);
	if (a->n_vids) {
		fprintf(t->out, " + VIDs");
		for (unsigned i = 0; i < a->n_vids && i < TOPO_MAX_VIDS; i++)
			fprintf(t->out, "%s%u", i ? "," : " ", a->vids[i]);
	}
	if (a->trunk_priority) {
		unsigned p, i, active = 0, total = 0;
		for (unsigned k = 0; k <= a->n_vids && k <= TOPO_MAX_VIDS; k++) {
			uint16_t vid = k ? a->vids[k - 1] : a->pvid;
			total++;
			if (topo_desc_active_trunk(d, a->vswitch, vid, &p, &i) &&
			    &d->parts[p].adapters[i] == a)
				active++;
		}
		fprintf(t->out, "  priority %u (%s)", a->trunk_priority,
			active == total ? "active"
			: active        ? "active on some VLANs"
					: "standby");
	}
	if (a->mtu != d->mtu)
		fprintf(t->out, "  MTU %u", a->mtu);
	if (!a->csum_offload || !a->large_send)
		fprintf(t->out, "  %s",
			!a->csum_offload && !a->large_send ? "no offloads"
			: !a->csum_offload                 ? "no csum offload"
							   : "no large send");
	if (a->rx_multi_buff)
		fprintf(t->out, "  rx multi-buffer");
	if (a->driver.fixes_set || strcmp(a->driver.kind, "illan") != 0)
		fprintf(t->out, "  driver %s fixes 0x%x", a->driver.kind, a->driver.fixes);
	txt_marks(t, a->name);
	if (a->ep.present)
		txt_endpoint(t, &a->ep, last ? "       " : "  │    ");
}

static void txt_nic(struct draw_txt *t, const struct topo_nic *n, bool last, const char *indent)
{
	fprintf(t->out, "%s%s NIC %s  %s ", indent, last ? "└─" : "├─", n->name, draw_mac(n->mac).s);
	if (!n->gro && !n->tso && !n->tx_csum && !n->rx_csum)
		fprintf(t->out, " no offloads");
	else
		fprintf(t->out, "%s%s%s%s", n->gro ? " gro" : "", n->tso ? " tso" : "",
			n->tx_csum ? " tx-csum" : "", n->rx_csum ? " rx-csum" : "");
	if (n->mtu != t->d->mtu)
		fprintf(t->out, "  MTU %u", n->mtu);
	if (n->peer[0])
		fprintf(t->out, "  ══ %s (%s)", n->peer, draw_owner_of(t->d, n->peer));
	else
		fprintf(t->out, "  (no wire)");
	txt_marks(t, n->name);
}

static void txt_bridge(struct draw_txt *t, const struct topo_bridge *b, bool last)
{
	fprintf(t->out, "  %s bridge %s (%s):", last ? "└─" : "├─", b->name,
		b->kind == TOPO_BR_OVS ? "ovs" : "linux");
	for (unsigned q = 0; q < b->n_ports && q < TOPO_MAX_BR_PORTS; q++) {
		const struct topo_br_port *po = &b->ports[q];
		fprintf(t->out, "%s %s", q ? "," : "", po->dev);
		if (po->tag)
			fprintf(t->out, " (access VLAN %u)", po->tag);
		if (po->n_trunks) {
			fprintf(t->out, " (trunks");
			for (unsigned k = 0; k < po->n_trunks && k < TOPO_MAX_VIDS; k++)
				fprintf(t->out, "%s%u", k ? "," : " ", po->trunks[k]);
			fputc(')', t->out);
		}
	}
	txt_marks(t, b->name);
}

/* One line per VLAN in use: its client adapters, then its trunks with
 * their partition and priority, the active one marked. */
static void txt_vlans(struct draw_txt *t)
{
	const struct topo_desc *d = t->d;
	for (unsigned s = 0; s < d->n_vswitches; s++) {
		fprintf(t->out, "vswitch %s (%s)\n", d->vswitches[s].name,
			d->vswitches[s].mode == TOPO_VSW_VEPA
				? "VEPA: every client frame goes to the VLAN's active trunk"
				: "VEB: the hypervisor switches between partitions of a VLAN");
		for (unsigned vid = 1; vid <= TOPO_VID_MAX; vid++) {
			unsigned col = 0, n = 0, ap = 0, ai = 0;
			bool has_trunk = topo_desc_active_trunk(d, s, (uint16_t)vid, &ap, &ai);
			for (int trunks = 0; trunks < 2; trunks++)
				for (unsigned p = 0; p < d->n_parts; p++)
					for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
						const struct topo_adapter *a =
							&d->parts[p].adapters[i];
						if (a->vswitch != s || !a->trunk_priority != !trunks ||
						    !topo_desc_adapter_on_vlan(a, (uint16_t)vid))
							continue;
						if (!n++)
							col = (unsigned)fprintf(t->out,
										"  VLAN %-4u ", vid);
						if (col > 90)
							col = (unsigned)fprintf(t->out,
										"\n            ");
						int w;
						if (trunks)
							w = fprintf(t->out,
								    "  ⇄ %s (%s, priority %u%s)",
								    a->name, d->parts[p].name,
								    a->trunk_priority,
								    has_trunk && ap == p && ai == i
									    ? ", active"
									    : "");
						else
							w = fprintf(t->out, " %s", a->name);
						col += w > 0 ? (unsigned)w : 0;
					}
			if (n && !has_trunk)
				fprintf(t->out, "   (no trunk: nothing leaves this VLAN)");
			if (n)
				fputc('\n', t->out);
		}
	}
}

/* draw_text: see draw.h. */
int draw_text(const struct topo_desc *d, const struct draw_overlay *ov, FILE *out)
{
	struct draw_txt t = {out, d, ov};
	if (!draw_sane(d))
		return -EINVAL;
	fprintf(out, "topology %s%s%s, MTU %u\n\n", d->name, d->file[0] ? " — " : "", d->file,
		d->mtu);
	txt_vlans(&t);

	for (unsigned p = 0; p < d->n_parts; p++) {
		const struct topo_partition *pt = &d->parts[p];
		unsigned n_nics = 0, n_br = 0, n_co = 0;
		for (unsigned i = 0; i < d->n_nics; i++)
			n_nics += !d->nics[i].in_host && d->nics[i].owner == p;
		for (unsigned i = 0; i < d->n_bridges; i++)
			n_br += d->bridges[i].partition == p;
		for (unsigned i = 0; i < d->n_containers; i++)
			n_co += d->containers[i].partition == p;
		unsigned left = pt->n_adapters + n_nics + n_br + n_co;
		fprintf(out, "\n%s %s", pt->role == TOPO_ROLE_IO_SERVER ? "IO server" : "partition",
			pt->name);
		if (pt->memory) {
			char m[32];
			draw_size(pt->memory, m, sizeof(m));
			fprintf(out, "  memory %s", m);
		}
		fputc('\n', out);
		for (unsigned i = 0; i < pt->n_adapters && i < TOPO_MAX_ADAPTERS; i++)
			txt_adapter(&t, &pt->adapters[i], --left == 0);
		for (unsigned i = 0; i < d->n_nics; i++)
			if (!d->nics[i].in_host && d->nics[i].owner == p)
				txt_nic(&t, &d->nics[i], --left == 0, "  ");
		for (unsigned i = 0; i < d->n_containers; i++) {
			const struct topo_container *c = &d->containers[i];
			if (c->partition != p)
				continue;
			bool last = --left == 0;
			fprintf(out, "  %s container %s  veth %s ── %s", last ? "└─" : "├─",
				c->name, c->veth, draw_mac(c->mac).s);
			txt_marks(&t, c->veth);
			if (c->ep.present)
				txt_endpoint(&t, &c->ep, last ? "       " : "  │    ");
		}
		for (unsigned i = 0; i < d->n_bridges; i++)
			if (d->bridges[i].partition == p)
				txt_bridge(&t, &d->bridges[i], --left == 0);
	}
	for (unsigned h = 0; h < d->n_hosts; h++) {
		const struct topo_host *ho = &d->hosts[h];
		fprintf(out, "\nhost %s\n", ho->name);
		if (ho->nic < d->n_nics)
			txt_nic(&t, &d->nics[ho->nic], !ho->ep.present, "  ");
		if (ho->ep.present)
			txt_endpoint(&t, &ho->ep, "  ");
	}
	for (unsigned s = 0; s < d->n_switches; s++) {
		fprintf(out, "\nswitch %s:", d->switches[s].name);
		unsigned k = 0;
		for (unsigned i = 0; i < d->n_nics; i++)
			if (strcmp(d->nics[i].peer, d->switches[s].name) == 0)
				fprintf(out, "%s %s (%s)", k++ ? "," : "", d->nics[i].name,
					draw_owner_of(d, d->nics[i].name));
		txt_marks(&t, d->switches[s].name);
	}
	if (d->n_flows) {
		fprintf(out, "\nflows\n");
		for (unsigned f = 0; f < d->n_flows; f++) {
			const struct topo_flow *fl = &d->flows[f];
			char b[32], r[32], at[32];
			draw_size(fl->bytes, b, sizeof(b));
			draw_size(fl->reply_bytes, r, sizeof(r));
			fprintf(out, "  %-16s %s → %s  port %u  %s, reply %s", fl->name, fl->from,
				fl->to, fl->port, b, r);
			if (fl->start_ns) {
				topo_desc_format_time(fl->start_ns, at, sizeof(at));
				fprintf(out, "  from %s", at);
			}
			fputc('\n', out);
		}
	}
	if (d->n_events) {
		static const char *const words[TOPO_EV_N_KINDS] = {
			"stop", "start", "close", "open", "link down", "link up", "MTU", "offloads",
		};
		fprintf(out, "\nevents\n");
		for (unsigned e = 0; e < d->n_events; e++) {
			const struct topo_event *ev = &d->events[e];
			char at[32];
			topo_desc_format_time(ev->at_ns, at, sizeof(at));
			fprintf(out, "  %-8s %s %s", at,
				(unsigned)ev->kind < TOPO_EV_N_KINDS ? words[ev->kind] : "?",
				ev->target);
			if (ev->kind == TOPO_EV_MTU)
				fprintf(out, " → %u", ev->value);
			if (ev->kind == TOPO_EV_OFFLOADS) {
				if (ev->has_csum)
					fprintf(out, " csum %s", ev->csum ? "on" : "off");
				if (ev->has_large_send)
					fprintf(out, " large_send %s", ev->large_send ? "on" : "off");
			}
			fputc('\n', out);
		}
	}
	return ferror(out) ? -EIO : 0;
}

/* ---- DOT --------------------------------------------------------------------- */

/* Write s as the inside of a DOT quoted string: '"' and '\' escaped (so
 * DOT's own \N, \l ... never appear by accident), control characters and
 * bytes that are not UTF-8 replaced by '?'. */
static void dot_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fputc('?', out);
			p++;
			continue;
		}
		if (c < 0x80) {
			fputc(c, out);
			p++;
			continue;
		}
		unsigned len = c >= 0xf0 && c < 0xf5   ? 4
			       : c >= 0xe0             ? 3
			       : c >= 0xc2 && c < 0xe0 ? 2
						       : 0;
		bool ok = len != 0;
		for (unsigned i = 1; ok && i < len; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (!ok) {
			fputc('?', out);
			p++;
			continue;
		}
		fwrite(p, 1, len, out);
		p += len;
	}
}

/* A label from a printf format; user text must come through %s only (it is
 * escaped), line breaks as "\n" in the format become DOT's \n. */
__attribute__((format(printf, 2, 3))) static void dot_label(FILE *out, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("label=\"", out);
	for (char *line = buf;;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		dot_str(out, line);
		if (!nl)
			break;
		fputs("\\n", out);
		line = nl + 1;
	}
	fputc('"', out);
}

/* End the node statement of a device: its style for the overlay (on the
 * path, dropped there, or plain), then the attribute list's close. */
static void dot_end_node(FILE *out, const struct draw_overlay *ov, const char *name)
{
	if (draw_is_drop(ov, name)) {
		fputs(", color=red, penwidth=3, xlabel=\"", out);
		dot_str(out, ov->drop_reason ? ov->drop_reason : "dropped");
		fputc('"', out);
	} else if (draw_on_path(ov, name)) {
		fputs(", color=blue, penwidth=3", out);
	}
	fputs("];\n", out);
}

/* Node ids are ours (ASCII): p<part>a<i>, n<nic>, b<bridge>, s<switch>,
 * c<container>, v<vsw>_<vid>, e... for endpoints. */
static void dot_dev_id(const struct topo_desc *d, unsigned part, const char *name, char *id,
		       size_t size)
{
	const struct topo_partition *pt = &d->parts[part];
	for (unsigned i = 0; i < pt->n_adapters && i < TOPO_MAX_ADAPTERS; i++)
		if (strcmp(pt->adapters[i].name, name) == 0) {
			snprintf(id, size, "p%ua%u", part, i);
			return;
		}
	for (unsigned i = 0; i < d->n_nics; i++)
		if (!d->nics[i].in_host && d->nics[i].owner == part &&
		    strcmp(d->nics[i].name, name) == 0) {
			snprintf(id, size, "n%u", i);
			return;
		}
	for (unsigned i = 0; i < d->n_containers; i++)
		if (d->containers[i].partition == part && strcmp(d->containers[i].veth, name) == 0) {
			snprintf(id, size, "c%uveth", i);
			return;
		}
	id[0] = 0;
}

static void dot_endpoint(FILE *out, const struct topo_endpoint *ep, const char *id, const char *dev_id)
{
	char addr[128];
	draw_addr(&ep->addr, addr, sizeof(addr));
	for (char *s = strstr(addr, "  "); s; s = strstr(s, "  ")) {
		s[0] = '\n';
		memmove(s + 1, s + 2, strlen(s + 2) + 1);
	}
	fprintf(out, "    %s [shape=ellipse, style=filled, fillcolor=lightyellow, ", id);
	dot_label(out, "%s\n%s\n%s", ep->name, ep->display[0] ? ep->display : ep->name, addr);
	fprintf(out, "];\n    %s -- %s [style=dotted];\n", dev_id, id);
}

/* draw_dot: see draw.h. */
int draw_dot(const struct topo_desc *d, const struct draw_overlay *ov, FILE *out)
{
	if (!draw_sane(d))
		return -EINVAL;
	fputs("graph topology {\n  graph [fontname=\"Helvetica\", fontsize=11, ", out);
	dot_label(out, "%s%s%s", d->name, d->file[0] ? "\n" : "", d->file);
	fputs(", labelloc=t, compound=true];\n"
	      "  node [fontname=\"Helvetica\", fontsize=10, shape=box];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=9];\n",
	      out);

	/* vswitches: one node per VLAN in use. */
	for (unsigned s = 0; s < d->n_vswitches; s++) {
		fprintf(out, "  subgraph cluster_vsw%u {\n    style=rounded; color=gray40; ", s);
		dot_label(out, "vswitch %s (%s)", d->vswitches[s].name,
			  d->vswitches[s].mode == TOPO_VSW_VEPA ? "VEPA" : "VEB");
		fputs(";\n", out);
		for (unsigned vid = 1; vid <= TOPO_VID_MAX; vid++) {
			bool used = false;
			for (unsigned p = 0; p < d->n_parts && !used; p++)
				for (unsigned i = 0; i < d->parts[p].n_adapters && !used; i++)
					used = d->parts[p].adapters[i].vswitch == s &&
					       topo_desc_adapter_on_vlan(&d->parts[p].adapters[i],
									 (uint16_t)vid);
			if (!used)
				continue;
			bool trunked = topo_desc_active_trunk(d, s, (uint16_t)vid, NULL, NULL);
			fprintf(out,
				"    v%u_%u [shape=box, style=\"rounded,filled\", fillcolor=%s, ",
				s, vid, trunked ? "lightblue" : "mistyrose");
			dot_label(out, "VLAN %u%s", vid, trunked ? "" : "\nno trunk");
			fputs("];\n", out);
		}
		fputs("  }\n", out);
	}

	/* Partitions with their adapters, NICs, containers and bridges. */
	for (unsigned p = 0; p < d->n_parts; p++) {
		const struct topo_partition *pt = &d->parts[p];
		fprintf(out, "  subgraph cluster_p%u {\n    ", p);
		dot_label(out, "%s\n(%s)", pt->name,
			  pt->role == TOPO_ROLE_IO_SERVER ? "IO server" : "client partition");
		fputs(";\n", out);
		for (unsigned i = 0; i < pt->n_adapters && i < TOPO_MAX_ADAPTERS; i++) {
			const struct topo_adapter *a = &pt->adapters[i];
			const struct draw_mac mac = draw_mac(a->mac);
			char id[32];
			snprintf(id, sizeof(id), "p%ua%u", p, i);
			fprintf(out, "    %s [", id);
			if (a->trunk_priority)
				dot_label(out, "%s\n%s\ntrunk priority %u", a->name, mac.s,
					  a->trunk_priority);
			else
				dot_label(out, "%s\n%s", a->name, mac.s);
			if (a->trunk_priority)
				fputs(", style=bold", out);
			dot_end_node(out, ov, a->name);
			if (a->ep.present) {
				char eid[40];
				snprintf(eid, sizeof(eid), "e%s", id);
				dot_endpoint(out, &a->ep, eid, id);
			}
		}
		for (unsigned i = 0; i < d->n_nics; i++) {
			const struct topo_nic *n = &d->nics[i];
			if (n->in_host || n->owner != p)
				continue;
			fprintf(out, "    n%u [shape=box3d, ", i);
			dot_label(out, "NIC %s\n%s%s", n->name, draw_mac(n->mac).s,
				  n->gro ? "\nGRO" : "");
			dot_end_node(out, ov, n->name);
		}
		for (unsigned i = 0; i < d->n_containers; i++) {
			const struct topo_container *c = &d->containers[i];
			if (c->partition != p)
				continue;
			fprintf(out, "    c%uveth [shape=cds, ", i);
			dot_label(out, "%s", c->veth);
			dot_end_node(out, ov, c->veth);
			fprintf(out, "    c%u [shape=component, ", i);
			dot_label(out, "container %s\n%s", c->name, draw_mac(c->mac).s);
			fprintf(out, "];\n    c%uveth -- c%u [label=\"veth\"];\n", i, i);
			if (c->ep.present) {
				char eid[32], cid[32];
				snprintf(eid, sizeof(eid), "ec%u", i);
				snprintf(cid, sizeof(cid), "c%u", i);
				dot_endpoint(out, &c->ep, eid, cid);
			}
		}
		for (unsigned b = 0; b < d->n_bridges; b++) {
			const struct topo_bridge *br = &d->bridges[b];
			if (br->partition != p)
				continue;
			fprintf(out, "    b%u [shape=hexagon, style=filled, fillcolor=honeydew, ", b);
			dot_label(out, "%s\n(%s)", br->name,
				  br->kind == TOPO_BR_OVS ? "ovs" : "linux");
			dot_end_node(out, ov, br->name);
		}
		fputs("  }\n", out);
	}

	/* Hosts. */
	for (unsigned h = 0; h < d->n_hosts; h++) {
		const struct topo_host *ho = &d->hosts[h];
		fprintf(out, "  subgraph cluster_h%u {\n    style=dashed; ", h);
		dot_label(out, "host %s", ho->name);
		fputs(";\n", out);
		if (ho->nic < d->n_nics) {
			const struct topo_nic *n = &d->nics[ho->nic];
			char id[32];
			snprintf(id, sizeof(id), "n%u", ho->nic);
			fprintf(out, "    %s [shape=box3d, ", id);
			dot_label(out, "NIC %s\n%s", n->name, draw_mac(n->mac).s);
			dot_end_node(out, ov, n->name);
			if (ho->ep.present) {
				char eid[32];
				snprintf(eid, sizeof(eid), "eh%u", h);
				dot_endpoint(out, &ho->ep, eid, id);
			}
		}
		fputs("  }\n", out);
	}

	/* External switches. */
	for (unsigned s = 0; s < d->n_switches; s++) {
		fprintf(out, "  s%u [shape=box, style=filled, fillcolor=gray90, ", s);
		dot_label(out, "switch %s", d->switches[s].name);
		dot_end_node(out, ov, d->switches[s].name);
	}

	/* Edges: VLAN membership. */
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters && i < TOPO_MAX_ADAPTERS; i++) {
			const struct topo_adapter *a = &d->parts[p].adapters[i];
			if (a->vswitch >= d->n_vswitches)
				continue;
			for (unsigned k = 0; k <= a->n_vids && k <= TOPO_MAX_VIDS; k++) {
				unsigned vid = k ? a->vids[k - 1] : a->pvid;
				if (vid < 1 || vid > TOPO_VID_MAX)
					continue;
				unsigned ap = 0, ai = 0;
				bool active = a->trunk_priority &&
					      topo_desc_active_trunk(d, a->vswitch, (uint16_t)vid,
								     &ap, &ai) &&
					      ap == p && ai == i;
				fprintf(out, "  p%ua%u -- v%u_%u [", p, i, a->vswitch, vid);
				if (a->trunk_priority)
					dot_label(out, "%s %u%s", k ? "VID" : "PVID", vid,
						  active ? "\nactive" : "\nstandby");
				else
					dot_label(out, "%s %u", k ? "VID" : "PVID", vid);
				if (a->trunk_priority)
					fprintf(out, ", penwidth=2, style=\"%s\"",
						k ? "bold,dashed" : "bold");
				else if (k)
					fputs(", style=dashed", out);
				fputs("];\n", out);
			}
		}
	/* Bridge ports. */
	for (unsigned b = 0; b < d->n_bridges; b++) {
		const struct topo_bridge *br = &d->bridges[b];
		if (br->partition >= d->n_parts)
			continue;
		for (unsigned q = 0; q < br->n_ports && q < TOPO_MAX_BR_PORTS; q++) {
			char id[32];
			dot_dev_id(d, br->partition, br->ports[q].dev, id, sizeof(id));
			if (!id[0])
				continue;
			fprintf(out, "  b%u -- %s [", b, id);
			if (br->ports[q].tag)
				dot_label(out, "access VLAN %u", br->ports[q].tag);
			else
				dot_label(out, "port %u", q + 1);
			fputs("];\n", out);
		}
	}
	/* Wires: each cable once, each switch port. */
	for (unsigned i = 0; i < d->n_nics; i++) {
		const struct topo_nic *n = &d->nics[i];
		int m = topo_desc_find_nic(d, n->peer);
		int s = topo_desc_find_switch(d, n->peer);
		if (m >= 0 && ((unsigned)m > i || strcmp(d->nics[m].peer, n->name) != 0))
			fprintf(out,
				"  n%u -- n%d [style=bold, penwidth=3, color=gray30, label=\"wire\"];\n",
				i, m);
		else if (s >= 0)
			fprintf(out, "  n%u -- s%d [style=bold, penwidth=3, color=gray30];\n", i, s);
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
