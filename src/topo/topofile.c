/*
 * topofile.c — the topology file loader (see topofile.h): libyaml's events
 * become a small tree of values (bounded in size and depth, aliases
 * refused), then the schema of docs/topology.md is walked over that tree
 * into a struct topo_desc, each object and value remembering its place.
 *
 * Serves the CLI and the tests through topofile.h. The tree keeps the walk
 * free of event order: a file may list hosts before partitions, and a
 * default (mtu, driver) applies wherever it is written.
 */
#include "topofile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "drv/ibmveth/ibmveth.h"

#define TF_TIME_MAX_S 1000000ull /* a virtual time beyond this is surely a typo */

enum tf_kind { TF_SCALAR, TF_SEQ, TF_MAP };

/* One value of the file. Children are chained in file order; a mapping's
 * children alternate key and value. */
struct tf_node {
	uint8_t kind;
	bool plain;            /* an unquoted scalar (only those can be null) */
	unsigned line, col;    /* from 1 */
	uint32_t text, len;    /* scalar: offset in tf.str (NUL-terminated) and length */
	int first, last, next; /* child chain; -1 ends it */
	unsigned n;            /* children */
};

struct tf {
	const char *name;
	const char *input;
	size_t input_len;
	char *err;
	size_t err_size;
	bool failed;
	struct tf_node *nodes;
	unsigned n_nodes, cap_nodes;
	char *str;
	size_t n_str, cap_str;
	int root;
	struct topo_desc *d;
	struct topo_driver driver; /* the file's default driver (top-level driver:) */
};

__attribute__((format(printf, 3, 4))) static void tf_err(struct tf *t, int node, const char *fmt, ...)
{
	if (t->failed)
		return;
	t->failed = true;
	if (!t->err || !t->err_size)
		return;
	int k;
	if (node >= 0)
		k = snprintf(t->err, t->err_size, "%s:%u:%u: ", t->name, t->nodes[node].line,
			     t->nodes[node].col);
	else
		k = snprintf(t->err, t->err_size, "%s: ", t->name);
	if (k < 0 || (size_t)k >= t->err_size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err + k, t->err_size - (size_t)k, fmt, ap);
	va_end(ap);
}

/* ---- Building the tree ----------------------------------------------------- */

static int tf_node_new(struct tf *t, uint8_t kind, const yaml_mark_t *m)
{
	if (t->n_nodes >= TOPOFILE_MAX_NODES) {
		tf_err(t, -1, "more than %d values: topology files are smaller than that",
		       TOPOFILE_MAX_NODES);
		return -1;
	}
	if (t->n_nodes == t->cap_nodes) {
		unsigned cap = t->cap_nodes ? 2 * t->cap_nodes : 256;
		struct tf_node *nn = realloc(t->nodes, cap * sizeof(*nn));
		if (!nn) {
			tf_err(t, -1, "out of memory");
			return -1;
		}
		t->nodes = nn;
		t->cap_nodes = cap;
	}
	struct tf_node *n = &t->nodes[t->n_nodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	n->first = n->last = n->next = -1;
	return (int)t->n_nodes++;
}

static bool tf_str_add(struct tf *t, struct tf_node *n, const unsigned char *s, size_t len)
{
	if (len > TOPOFILE_MAX_SIZE) {
		tf_err(t, -1, "a value longer than the largest file");
		return false;
	}
	if (t->n_str + len + 1 > t->cap_str) {
		size_t cap = t->cap_str ? t->cap_str : 4096;
		while (cap < t->n_str + len + 1)
			cap *= 2;
		char *ns = realloc(t->str, cap);
		if (!ns) {
			tf_err(t, -1, "out of memory");
			return false;
		}
		t->str = ns;
		t->cap_str = cap;
	}
	if (len)
		memcpy(t->str + t->n_str, s, len);
	t->str[t->n_str + len] = 0;
	n->text = (uint32_t)t->n_str;
	n->len = (uint32_t)len;
	t->n_str += len + 1;
	return true;
}

/* line:column of byte offset off of the input (for reader errors, which
 * libyaml reports by offset). */
static void tf_offset_place(const struct tf *t, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < t->input_len; i++) {
		if (t->input[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void tf_yaml_error(struct tf *t, const yaml_parser_t *p)
{
	unsigned line, col;
	if (p->error == YAML_MEMORY_ERROR) {
		tf_err(t, -1, "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		tf_offset_place(t, p->problem_offset, &line, &col);
	} else {
		line = (unsigned)p->problem_mark.line + 1;
		col = (unsigned)p->problem_mark.column + 1;
	}
	const char *problem = p->problem ? p->problem : "cannot parse";
	t->failed = true;
	if (!t->err || !t->err_size)
		return;
	if (p->context)
		snprintf(t->err, t->err_size, "%s:%u:%u: not valid YAML: %s (%s at %u:%u)", t->name,
			 line, col, problem, p->context, (unsigned)p->context_mark.line + 1,
			 (unsigned)p->context_mark.column + 1);
	else
		snprintf(t->err, t->err_size, "%s:%u:%u: not valid YAML: %s", t->name, line, col,
			 problem);
}

static void tf_attach(struct tf *t, int parent, int child)
{
	struct tf_node *p = &t->nodes[parent];
	if (p->last >= 0)
		t->nodes[p->last].next = child;
	else
		p->first = child;
	p->last = child;
	p->n++;
}

/* Parse the input into the tree; false with the error set. Iterative: the
 * open lists and mappings are an explicit stack of TOPOFILE_MAX_DEPTH. */
static bool tf_build(struct tf *t)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int stack[TOPOFILE_MAX_DEPTH];
	unsigned depth = 0, docs = 0;
	bool done = false;

	t->root = -1;
	if (!yaml_parser_initialize(&p)) {
		tf_err(t, -1, "out of memory");
		return false;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)t->input, t->input_len);
	while (!done && !t->failed) {
		if (!yaml_parser_parse(&p, &ev)) {
			tf_yaml_error(t, &p);
			break;
		}
		yaml_mark_t m = ev.start_mark;
		int n = -1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				tf_err(t, -1,
				       "a second YAML document at %u:%u: a topology file holds one",
				       (unsigned)m.line + 1, (unsigned)m.column + 1);
			}
			break;
		case YAML_ALIAS_EVENT:
			if (tf_node_new(t, TF_SCALAR, &m) >= 0)
				tf_err(t, (int)t->n_nodes - 1,
				       "YAML aliases (*%.40s) are not supported: write the value out in full",
				       (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool container = ev.type != YAML_SCALAR_EVENT;
			if (container && depth == TOPOFILE_MAX_DEPTH) {
				if (tf_node_new(t, TF_SCALAR, &m) >= 0)
					tf_err(t, (int)t->n_nodes - 1,
					       "lists and mappings nested deeper than %d levels: the schema "
					       "needs far fewer",
					       TOPOFILE_MAX_DEPTH);
				break;
			}
			n = tf_node_new(t,
					ev.type == YAML_SCALAR_EVENT           ? TF_SCALAR
					: ev.type == YAML_SEQUENCE_START_EVENT ? TF_SEQ
									       : TF_MAP,
					&m);
			if (n < 0)
				break;
			if (!container) {
				t->nodes[n].plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				if (!tf_str_add(t, &t->nodes[n], ev.data.scalar.value,
						ev.data.scalar.length))
					break;
			}
			if (depth)
				tf_attach(t, stack[depth - 1], n);
			else if (t->root < 0)
				t->root = n;
			if (container)
				stack[depth++] = n;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return !t->failed;
}

/* ---- Reading values ---------------------------------------------------------- */

static const char *tf_text(const struct tf *t, int n)
{
	return t->str + t->nodes[n].text;
}

static bool tf_is_null(const struct tf *t, int n)
{
	const struct tf_node *v = &t->nodes[n];
	if (v->kind != TF_SCALAR || !v->plain)
		return false;
	const char *s = tf_text(t, n);
	return !v->len || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* What a value is, for "got ...": 'text' (cut), nothing, a list, a mapping. */
static const char *tf_got(const struct tf *t, int n, char *buf, size_t size)
{
	const struct tf_node *v = &t->nodes[n];
	if (v->kind == TF_SEQ)
		return "a list";
	if (v->kind == TF_MAP)
		return "a mapping";
	if (tf_is_null(t, n))
		return "nothing";
	char clean[44];
	size_t k = 0;
	for (const unsigned char *s = (const unsigned char *)tf_text(t, n); *s && k < 40; s++)
		if (*s < 0x20 || *s == 0x7f)
			clean[k++] = '?';
		else
			clean[k++] = (char)*s;
	clean[k] = 0;
	snprintf(buf, size, "'%s%s'", clean, v->len > 40 ? "..." : "");
	return buf;
}

#define TF_GOT(t, n) tf_got((t), (n), (char[64]){0}, 64)

static int tf_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	int row[41];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Is n a mapping whose keys are words of keys[] (NULL-terminated), each
 * once? what names it in messages ("an adapter"). */
static bool tf_map(struct tf *t, int n, const char *what, const char *const *keys)
{
	const struct tf_node *m = &t->nodes[n];
	if (m->kind != TF_MAP) {
		tf_err(t, n, "%s: expected a mapping (key: value, ...), got %s", what, TF_GOT(t, n));
		return false;
	}
	for (int k = m->first; k >= 0; k = t->nodes[t->nodes[k].next].next) {
		if (t->nodes[k].kind != TF_SCALAR) {
			tf_err(t, k, "%s: a key must be a word, got %s", what, TF_GOT(t, k));
			return false;
		}
		const char *key = tf_text(t, k);
		for (int j = m->first; j != k; j = t->nodes[t->nodes[j].next].next)
			if (t->nodes[j].kind == TF_SCALAR && strcmp(tf_text(t, j), key) == 0) {
				tf_err(t, k, "%s: key '%s' appears twice (first at line %u)", what,
				       key, t->nodes[j].line);
				return false;
			}
		bool known = false;
		for (unsigned i = 0; keys[i] && !known; i++)
			known = strcmp(keys[i], key) == 0;
		if (known)
			continue;
		char list[512], hint[64] = "";
		size_t len = 0;
		int best = 3;
		for (unsigned i = 0; keys[i]; i++) {
			int dist = tf_edit_distance(key, keys[i]);
			size_t kl = strlen(key);
			if (kl >= 4 && strncmp(key, keys[i], kl) == 0)
				dist = 1; /* a prefix: trunk_prio for trunk_priority */
			if (dist < best) {
				best = dist;
				snprintf(hint, sizeof(hint), " (did you mean %s?)", keys[i]);
			}
			int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					 keys[i]);
			if (w > 0 && (size_t)w < sizeof(list) - len)
				len += (size_t)w;
		}
		tf_err(t, k, "unknown key '%.40s' in %s%s; allowed: %s", key, what, hint, list);
		return false;
	}
	return true;
}

/* The value of key in mapping n, or -1. */
static int tf_get(const struct tf *t, int n, const char *key)
{
	for (int k = t->nodes[n].first; k >= 0; k = t->nodes[t->nodes[k].next].next)
		if (strcmp(tf_text(t, k), key) == 0)
			return t->nodes[k].next;
	return -1;
}

static int tf_need(struct tf *t, int n, const char *key, const char *what)
{
	int v = tf_get(t, n, key);
	if (v < 0)
		tf_err(t, n, "%s without %s: it is required", what, key);
	return v;
}

static struct topo_src tf_src(const struct tf *t, int n)
{
	return (struct topo_src){t->nodes[n].line, t->nodes[n].col};
}

/* A scalar with some text (not null), else an error naming what was expected. */
static const char *tf_scalar(struct tf *t, int v, const char *key, const char *expected)
{
	if (t->nodes[v].kind != TF_SCALAR || tf_is_null(t, v)) {
		tf_err(t, v, "%s: expected %s, got %s", key, expected, TF_GOT(t, v));
		return NULL;
	}
	return tf_text(t, v);
}

/* A name or other short text: 1..size-1 characters, no control characters. */
static bool tf_name(struct tf *t, int v, const char *key, char *out, size_t size)
{
	const char *s = tf_scalar(t, v, key, "a name");
	if (!s)
		return false;
	if (t->nodes[v].len >= size) {
		tf_err(t, v, "%s: %s is %u characters long: names hold at most %zu", key,
		       TF_GOT(t, v), t->nodes[v].len, size - 1);
		return false;
	}
	for (unsigned i = 0; i < t->nodes[v].len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			tf_err(t, v, "%s: control characters are not allowed in names", key);
			return false;
		}
	memcpy(out, s, t->nodes[v].len + 1);
	return true;
}

static bool tf_uint(struct tf *t, int v, const char *key, const char *range, uint64_t max,
		    uint64_t *out)
{
	const char *s = t->nodes[v].kind == TF_SCALAR && !tf_is_null(t, v) ? tf_text(t, v) : NULL;
	uint64_t x = 0;
	bool ok = s && *s;
	for (const char *p = s; ok && *p; p++) {
		if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9) / 10)
			ok = false;
		else
			x = x * 10 + (uint64_t)(*p - '0');
	}
	if (!ok) {
		tf_err(t, v, "%s: expected an integer %s, got %s", key, range, TF_GOT(t, v));
		return false;
	}
	if (x > max) {
		tf_err(t, v, "%s: %s is out of range: expected an integer %s", key, s, range);
		return false;
	}
	*out = x;
	return true;
}

static bool tf_u16(struct tf *t, int v, const char *key, const char *range, uint16_t *out)
{
	uint64_t x;
	if (!tf_uint(t, v, key, range, UINT16_MAX, &x))
		return false;
	*out = (uint16_t)x;
	return true;
}

static bool tf_unsigned(struct tf *t, int v, const char *key, const char *range, unsigned *out)
{
	uint64_t x;
	if (!tf_uint(t, v, key, range, UINT32_MAX, &x))
		return false;
	*out = (unsigned)x;
	return true;
}

static bool tf_bool(struct tf *t, int v, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	if (t->nodes[v].kind == TF_SCALAR) {
		const char *s = tf_text(t, v);
		for (unsigned i = 0; i < 3; i++) {
			if (strcasecmp(s, yes[i]) == 0) {
				*out = true;
				return true;
			}
			if (strcasecmp(s, no[i]) == 0) {
				*out = false;
				return true;
			}
		}
	}
	tf_err(t, v, "%s: expected true or false, got %s", key, TF_GOT(t, v));
	return false;
}

/* A byte count: digits with an optional K, M, G or T (powers of 1024), as
 * `illan run --bytes`. */
static bool tf_size(struct tf *t, int v, const char *key, uint64_t *out)
{
	const char *s = t->nodes[v].kind == TF_SCALAR && !tf_is_null(t, v) ? tf_text(t, v) : NULL;
	uint64_t x = 0, mul = 1;
	bool ok = s && *s >= '0' && *s <= '9';
	const char *p = s;
	for (; ok && *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - 9) / 10)
			ok = false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (ok && *p) {
		switch (*p) {
		case 'k':
		case 'K':
			mul = 1ull << 10;
			break;
		case 'm':
		case 'M':
			mul = 1ull << 20;
			break;
		case 'g':
		case 'G':
			mul = 1ull << 30;
			break;
		case 't':
		case 'T':
			mul = 1ull << 40;
			break;
		default:
			ok = false;
		}
		ok = ok && p[1] == 0;
	}
	if (!ok || x > UINT64_MAX / mul) {
		tf_err(t, v, "%s: expected a size like 128M, 4K or 1500, got %s", key, TF_GOT(t, v));
		return false;
	}
	*out = x * mul;
	return true;
}

/* A time on the virtual clock: "2s", "150ms", "1.5s", "20us", "500ns", or 0. */
static bool tf_time(struct tf *t, int v, const char *key, uint64_t *out)
{
	const char *s = t->nodes[v].kind == TF_SCALAR && !tf_is_null(t, v) ? tf_text(t, v) : NULL;
	uint64_t whole = 0, frac = 0, frac_div = 1;
	const char *p = s;
	bool ok = s && *s >= '0' && *s <= '9';
	for (; ok && *p >= '0' && *p <= '9'; p++) {
		if (whole > TF_TIME_MAX_S * 1000000000ull)
			ok = false;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (ok && *p == '.') {
		p++;
		ok = *p >= '0' && *p <= '9';
		for (; ok && *p >= '0' && *p <= '9'; p++)
			if (frac_div < 1000000000ull) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			}
	}
	uint64_t unit = 0;
	if (ok) {
		if (!strcmp(p, "s"))
			unit = 1000000000ull;
		else if (!strcmp(p, "ms"))
			unit = 1000000ull;
		else if (!strcmp(p, "us"))
			unit = 1000ull;
		else if (!strcmp(p, "ns"))
			unit = 1;
		else if (!*p && whole == 0 && frac == 0)
			unit = 1;
		ok = unit != 0;
	}
	if (!ok) {
		tf_err(t, v, "%s: expected a time like 2s, 150ms or 1.5s, got %s", key, TF_GOT(t, v));
		return false;
	}
	if (whole > TF_TIME_MAX_S * 1000000000ull / unit) {
		tf_err(t, v, "%s: %s is later than illan's virtual clock goes (%llus)", key, s,
		       TF_TIME_MAX_S);
		return false;
	}
	*out = whole * unit + frac * unit / frac_div;
	return true;
}

static int tf_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool tf_mac(struct tf *t, int v, const char *key, uint8_t mac[6])
{
	const char *s = t->nodes[v].kind == TF_SCALAR ? tf_text(t, v) : NULL;
	bool ok = s && strlen(s) == 17;
	for (unsigned i = 0; ok && i < 6; i++) {
		int hi = tf_hex(s[3 * i]), lo = tf_hex(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':' && s[3 * i + 2] != '-'))
			ok = false;
		else
			mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!ok)
		tf_err(t, v, "%s: expected a MAC address like 02:00:00:00:00:0a, got %s", key,
		       TF_GOT(t, v));
	return ok;
}

/* "192.0.2.1/24" or "2001:db8::1/64" (the prefix may be left out). */
static bool tf_ip(struct tf *t, int v, const char *key, int family, uint8_t *addr, unsigned *prefix)
{
	const char *s = t->nodes[v].kind == TF_SCALAR ? tf_text(t, v) : NULL;
	const char *example = family == AF_INET ? "192.0.2.1/24" : "2001:db8::1/64";
	unsigned max = family == AF_INET ? 32 : 128;
	char buf[64];
	bool ok = s && strlen(s) < sizeof(buf);
	const char *slash = NULL;
	if (ok) {
		memcpy(buf, s, strlen(s) + 1);
		char *sl = strchr(buf, '/');
		if (sl) {
			*sl = 0;
			slash = sl + 1;
		}
		ok = inet_pton(family, buf, addr) == 1;
	}
	if (!ok) {
		tf_err(t, v, "%s: expected an IPv%d address like %s, got %s", key,
		       family == AF_INET ? 4 : 6, example, TF_GOT(t, v));
		return false;
	}
	if (slash) {
		unsigned p = 0;
		bool pok = *slash && strlen(slash) <= 3;
		for (const char *c = slash; pok && *c; c++) {
			if (*c < '0' || *c > '9')
				pok = false;
			else
				p = p * 10 + (unsigned)(*c - '0');
		}
		if (!pok || p < 1 || p > max) {
			tf_err(t, v, "%s: prefix /%.8s: expected 1–%u", key, slash, max);
			return false;
		}
		*prefix = p;
	}
	return true;
}

static bool tf_enum(struct tf *t, int v, const char *key, const char *const *words, unsigned *out)
{
	if (t->nodes[v].kind == TF_SCALAR)
		for (unsigned i = 0; words[i]; i++)
			if (strcmp(tf_text(t, v), words[i]) == 0) {
				*out = i;
				return true;
			}
	char list[128];
	size_t len = 0;
	for (unsigned i = 0; words[i]; i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", words[i]);
		if (w > 0 && (size_t)w < sizeof(list) - len)
			len += (size_t)w;
	}
	tf_err(t, v, "%s: expected one of %s; got %s", key, list, TF_GOT(t, v));
	return false;
}

/* A list of at most max entries (null is an empty list); what names the
 * entries in the "too many" message. */
static bool tf_seq(struct tf *t, int v, const char *key, unsigned max, const char *what)
{
	if (tf_is_null(t, v))
		return true;
	if (t->nodes[v].kind != TF_SEQ) {
		tf_err(t, v, "%s: expected a list, got %s", key, TF_GOT(t, v));
		return false;
	}
	if (t->nodes[v].n > max) {
		tf_err(t, v, "%s: %u %s: illan allows up to %u", key, t->nodes[v].n, what, max);
		return false;
	}
	return true;
}

/* First item of a list (or -1 for null / empty); next with tf_next. */
static int tf_first(const struct tf *t, int v)
{
	return t->nodes[v].kind == TF_SEQ ? t->nodes[v].first : -1;
}

static int tf_next(const struct tf *t, int n)
{
	return t->nodes[n].next;
}

/* ---- Objects ----------------------------------------------------------------- */

static bool tf_endpoint(struct tf *t, int v, struct topo_endpoint *ep)
{
	static const char *const keys[] = {"name", "display", "ipv4", "ipv6", NULL};
	if (!tf_map(t, v, "an endpoint", keys))
		return false;
	int x = tf_need(t, v, "name", "an endpoint");
	if (x < 0 || !tf_name(t, x, "name", ep->name, sizeof(ep->name)))
		return false;
	ep->present = true;
	ep->src = tf_src(t, v);
	if ((x = tf_get(t, v, "display")) >= 0 &&
	    !tf_name(t, x, "display", ep->display, sizeof(ep->display)))
		return false;
	if ((x = tf_get(t, v, "ipv4")) >= 0) {
		if (!tf_ip(t, x, "ipv4", AF_INET, ep->addr.ip4, &ep->addr.prefix4))
			return false;
		ep->addr.has_ip4 = true;
		ep->addr.src_ip4 = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "ipv6")) >= 0) {
		if (!tf_ip(t, x, "ipv6", AF_INET6, ep->addr.ip6, &ep->addr.prefix6))
			return false;
		ep->addr.has_ip6 = true;
		ep->addr.src_ip6 = tf_src(t, x);
	}
	return true;
}

static const char tf_fixes_words[] =
	"all, none, or fixes 1–4 (trunk-offload, trunk-csum-partial, pseudo-csum, "
	"fraglist-linearize)";

static bool tf_fixes(struct tf *t, int v, unsigned *out)
{
	unsigned fixes = 0;
	if (t->nodes[v].kind == TF_SEQ) {
		for (int i = tf_first(t, v); i >= 0; i = tf_next(t, i)) {
			unsigned one;
			if (t->nodes[i].kind != TF_SCALAR ||
			    ibmveth_parse_fixes(tf_text(t, i), &one)) {
				tf_err(t, i, "fixes: expected %s, got %s", tf_fixes_words,
				       TF_GOT(t, i));
				return false;
			}
			fixes |= one;
		}
	} else if (t->nodes[v].kind != TF_SCALAR || ibmveth_parse_fixes(tf_text(t, v), &fixes)) {
		tf_err(t, v, "fixes: expected %s, got %s", tf_fixes_words, TF_GOT(t, v));
		return false;
	}
	*out = fixes;
	return true;
}

/* driver: illan, or driver: {kind: illan, fixes: "1,3,4"}; overlays drv. */
static bool tf_driver(struct tf *t, int v, struct topo_driver *drv)
{
	static const char *const keys[] = {"kind", "fixes", NULL};
	if (t->nodes[v].kind == TF_SCALAR)
		return tf_name(t, v, "driver", drv->kind, sizeof(drv->kind));
	if (!tf_map(t, v, "a driver", keys))
		return false;
	int x;
	if ((x = tf_get(t, v, "kind")) >= 0 && !tf_name(t, x, "kind", drv->kind, sizeof(drv->kind)))
		return false;
	if ((x = tf_get(t, v, "fixes")) >= 0) {
		if (!tf_fixes(t, x, &drv->fixes))
			return false;
		drv->fixes_set = true;
	}
	return true;
}

static bool tf_vid_list(struct tf *t, int v, const char *key, uint16_t *vids, unsigned *n,
			struct topo_src *srcs)
{
	if (tf_is_null(t, v))
		return true;
	if (t->nodes[v].kind != TF_SEQ) {
		tf_err(t, v, "%s: expected a list of VIDs, got %s", key, TF_GOT(t, v));
		return false;
	}
	if (t->nodes[v].n > TOPO_MAX_VIDS) {
		tf_err(t, v, "%s: %u additional VIDs: PowerVM allows up to %d", key, t->nodes[v].n,
		       TOPO_MAX_VIDS);
		return false;
	}
	*n = 0;
	for (int i = tf_first(t, v); i >= 0; i = tf_next(t, i)) {
		if (!tf_u16(t, i, key, "1–4094", &vids[*n]))
			return false;
		if (srcs)
			srcs[*n] = tf_src(t, i);
		(*n)++;
	}
	return true;
}

/* mac_policy: `allow-all`, `deny`, or `{allow: [MAC, ...]}` (up to 4). */
static bool tf_mac_policy(struct tf *t, int v, struct topo_adapter *a)
{
	static const char *const keys[] = {"allow", NULL};
	static const char *const expect =
		"expected allow-all, deny or {allow: [MAC, ...]} (the HMC's MAC address controls)";
	a->src_mac_policy = tf_src(t, v);
	if (t->nodes[v].kind == TF_SCALAR) {
		const char *w = tf_text(t, v);
		if (strcmp(w, "allow-all") == 0) {
			a->mac_policy = TOPO_MAC_ALLOW_ALL;
		} else if (strcmp(w, "deny") == 0) {
			a->mac_policy = TOPO_MAC_DENY;
		} else {
			tf_err(t, v, "mac_policy: %s, got %s", expect, TF_GOT(t, v));
			return false;
		}
		return true;
	}
	if (t->nodes[v].kind != TF_MAP) {
		tf_err(t, v, "mac_policy: %s, got %s", expect, TF_GOT(t, v));
		return false;
	}
	if (!tf_map(t, v, "a MAC policy", keys))
		return false;
	int x = tf_need(t, v, "allow", "a MAC policy");
	if (x < 0)
		return false;
	if (t->nodes[x].kind != TF_SEQ) {
		tf_err(t, x, "allow: expected a list of MAC addresses, got %s", TF_GOT(t, x));
		return false;
	}
	if (t->nodes[x].n > TOPO_MAX_MAC_ALLOWED) {
		tf_err(t, x, "allow: %u MAC addresses: PowerVM allows up to %d", t->nodes[x].n,
		       TOPO_MAX_MAC_ALLOWED);
		return false;
	}
	a->mac_policy = TOPO_MAC_ALLOW_LIST;
	a->n_mac_allowed = 0;
	for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i)) {
		if (!tf_mac(t, i, "allow", a->mac_allowed[a->n_mac_allowed]))
			return false;
		a->src_mac_allowed[a->n_mac_allowed++] = tf_src(t, i);
	}
	return true;
}

static bool tf_adapter(struct tf *t, int v, struct topo_adapter *a)
{
	static const char *const keys[] = {"name",
					   "mac",
					   "vswitch",
					   "pvid",
					   "additional_vids",
					   "trunk_priority",
					   "csum_offload",
					   "large_send",
					   "rx_multi_buff",
					   "mtu",
					   "rx_pools",
					   "mcast_filter_size",
					   "mac_policy",
					   "driver",
					   "endpoint",
					   NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "an adapter", keys))
		return false;
	topo_desc_default_adapter(d, a);
	a->driver = t->driver;
	a->src = tf_src(t, v);
	int x = tf_need(t, v, "name", "an adapter");
	if (x < 0 || !tf_name(t, x, "name", a->name, sizeof(a->name)))
		return false;
	if ((x = tf_get(t, v, "mac")) >= 0) {
		if (!tf_mac(t, x, "mac", a->mac))
			return false;
		a->mac_set = true;
		a->src_mac = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "vswitch")) >= 0) {
		char name[TOPO_NAME_MAX];
		if (!tf_name(t, x, "vswitch", name, sizeof(name)))
			return false;
		int s = topo_desc_find_vswitch(d, name);
		if (s < 0) {
			tf_err(t, x, "vswitch: no vswitch named %s (list it under vswitches:)", name);
			return false;
		}
		a->vswitch = (unsigned)s;
	}
	if ((x = tf_get(t, v, "pvid")) >= 0) {
		if (!tf_u16(t, x, "pvid", "1–4094", &a->pvid))
			return false;
		a->src_pvid = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "additional_vids")) >= 0 &&
	    !tf_vid_list(t, x, "additional_vids", a->vids, &a->n_vids, a->src_vids))
		return false;
	if ((x = tf_get(t, v, "trunk_priority")) >= 0) {
		if (!tf_unsigned(t, x, "trunk_priority", "1–15", &a->trunk_priority))
			return false;
		if (!a->trunk_priority) {
			tf_err(t, x,
			       "trunk priority 0: PowerVM allows 1–15 (leave trunk_priority out for a "
			       "client adapter)");
			return false;
		}
		a->src_trunk = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "csum_offload")) >= 0 &&
	    !tf_bool(t, x, "csum_offload", &a->csum_offload))
		return false;
	if ((x = tf_get(t, v, "large_send")) >= 0 && !tf_bool(t, x, "large_send", &a->large_send))
		return false;
	if ((x = tf_get(t, v, "rx_multi_buff")) >= 0) {
		if (!tf_bool(t, x, "rx_multi_buff", &a->rx_multi_buff))
			return false;
		a->src_rx_multi_buff = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "mtu")) >= 0) {
		if (!tf_unsigned(t, x, "mtu", "576–65394", &a->mtu))
			return false;
		a->src_mtu = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "rx_pools")) >= 0) {
		if (t->nodes[x].kind != TF_SEQ || t->nodes[x].n != 5) {
			tf_err(t, x,
			       "rx_pools: expected a list of 5 buffer counts (ibmveth's pools of 512 "
			       "B, 2 K, 16 K, 32 K and 64 K buffers; 0 = the driver's default), got %s",
			       TF_GOT(t, x));
			return false;
		}
		unsigned k = 0;
		for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
			if (!tf_unsigned(t, i, "rx_pools", "0–4096", &a->pool_sizes[k++]))
				return false;
	}
	if ((x = tf_get(t, v, "mcast_filter_size")) >= 0 &&
	    !tf_unsigned(t, x, "mcast_filter_size", "0–512", &a->mcast_filter_size))
		return false;
	if ((x = tf_get(t, v, "mac_policy")) >= 0 && !tf_mac_policy(t, x, a))
		return false;
	if ((x = tf_get(t, v, "driver")) >= 0 && !tf_driver(t, x, &a->driver))
		return false;
	if ((x = tf_get(t, v, "endpoint")) >= 0 && !tf_endpoint(t, x, &a->ep))
		return false;
	return true;
}

static bool tf_nic(struct tf *t, int v, bool in_host, unsigned owner, unsigned *index)
{
	static const char *const keys[] = {"name",
					   "mac",
					   "mtu",
					   "gro",
					   "tso",
					   "tx_csum",
					   "rx_csum",
					   "gro_flush_timeout",
					   "napi_defer_hard_irqs",
					   "wire",
					   NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "a NIC", keys))
		return false;
	if (d->n_nics == TOPO_MAX_NICS) {
		tf_err(t, v, "more than %d NICs: illan allows up to %d", TOPO_MAX_NICS,
		       TOPO_MAX_NICS);
		return false;
	}
	struct topo_nic *n = &d->nics[d->n_nics];
	topo_desc_default_nic(d, n, in_host);
	n->owner = owner;
	n->src = tf_src(t, v);
	int x = tf_need(t, v, "name", "a NIC");
	if (x < 0 || !tf_name(t, x, "name", n->name, sizeof(n->name)))
		return false;
	if ((x = tf_get(t, v, "mac")) >= 0) {
		if (!tf_mac(t, x, "mac", n->mac))
			return false;
		n->mac_set = true;
		n->src_mac = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "mtu")) >= 0) {
		if (!tf_unsigned(t, x, "mtu", "576–65394", &n->mtu))
			return false;
		n->src_mtu = tf_src(t, x);
	}
	static const char *const flags[] = {"gro", "tso", "tx_csum", "rx_csum"};
	bool *dst[] = {&n->gro, &n->tso, &n->tx_csum, &n->rx_csum};
	for (unsigned i = 0; i < 4; i++)
		if ((x = tf_get(t, v, flags[i])) >= 0 && !tf_bool(t, x, flags[i], dst[i]))
			return false;
	/* sysfs: gro_flush_timeout in ns (an unsigned long; illan takes up to
	 * 4294967295), napi_defer_hard_irqs 0..S32_MAX as the kernel checks */
	if ((x = tf_get(t, v, "gro_flush_timeout")) >= 0 &&
	    !tf_uint(t, x, "gro_flush_timeout", "0–4294967295 (ns)", UINT32_MAX,
		     &n->gro_flush_timeout_ns))
		return false;
	uint64_t defer;
	if ((x = tf_get(t, v, "napi_defer_hard_irqs")) >= 0) {
		if (!tf_uint(t, x, "napi_defer_hard_irqs", "0–2147483647", INT32_MAX, &defer))
			return false;
		n->napi_defer_hard_irqs = (uint32_t)defer;
	}
	if ((x = tf_get(t, v, "wire")) >= 0) {
		if (!tf_name(t, x, "wire", n->peer, sizeof(n->peer)))
			return false;
		n->src_peer = tf_src(t, x);
	}
	*index = d->n_nics++;
	return true;
}

static bool tf_port(struct tf *t, int v, struct topo_br_port *po)
{
	static const char *const keys[] = {"device", "tag", "trunks", NULL};
	memset(po, 0, sizeof(*po));
	po->src = tf_src(t, v);
	if (t->nodes[v].kind == TF_SCALAR)
		return tf_name(t, v, "ports", po->dev, sizeof(po->dev));
	if (!tf_map(t, v, "a bridge port", keys))
		return false;
	int x = tf_need(t, v, "device", "a bridge port");
	if (x < 0 || !tf_name(t, x, "device", po->dev, sizeof(po->dev)))
		return false;
	if ((x = tf_get(t, v, "tag")) >= 0 && !tf_u16(t, x, "tag", "1–4094", &po->tag))
		return false;
	if ((x = tf_get(t, v, "trunks")) >= 0 &&
	    !tf_vid_list(t, x, "trunks", po->trunks, &po->n_trunks, NULL))
		return false;
	return true;
}

static bool tf_bridge(struct tf *t, int v, unsigned part)
{
	static const char *const keys[] = {"name", "kind", "ports", NULL};
	static const char *const kinds[] = {"ovs", "linux", NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "a bridge", keys))
		return false;
	if (d->n_bridges == TOPO_MAX_BRIDGES) {
		tf_err(t, v, "more than %d bridges: illan allows up to %d", TOPO_MAX_BRIDGES,
		       TOPO_MAX_BRIDGES);
		return false;
	}
	struct topo_bridge *b = &d->bridges[d->n_bridges];
	memset(b, 0, sizeof(*b));
	b->partition = part;
	b->src = tf_src(t, v);
	int x = tf_need(t, v, "name", "a bridge");
	if (x < 0 || !tf_name(t, x, "name", b->name, sizeof(b->name)))
		return false;
	unsigned k = TOPO_BR_OVS;
	if ((x = tf_get(t, v, "kind")) >= 0 && !tf_enum(t, x, "kind", kinds, &k))
		return false;
	b->kind = k == 0 ? TOPO_BR_OVS : TOPO_BR_LINUX;
	if ((x = tf_get(t, v, "ports")) >= 0) {
		if (!tf_seq(t, x, "ports", TOPO_MAX_BR_PORTS, "ports"))
			return false;
		for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
			if (!tf_port(t, i, &b->ports[b->n_ports++]))
				return false;
	}
	d->n_bridges++;
	return true;
}

static bool tf_container(struct tf *t, int v, unsigned part)
{
	static const char *const keys[] = {"name", "veth", "mac", "mtu", "endpoint", NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "a container", keys))
		return false;
	if (d->n_containers == TOPO_MAX_CONTAINERS) {
		tf_err(t, v, "more than %d containers: illan allows up to %d", TOPO_MAX_CONTAINERS,
		       TOPO_MAX_CONTAINERS);
		return false;
	}
	struct topo_container *c = &d->containers[d->n_containers];
	topo_desc_default_container(d, c);
	c->partition = part;
	c->src = tf_src(t, v);
	int x = tf_need(t, v, "name", "a container");
	if (x < 0 || !tf_name(t, x, "name", c->name, sizeof(c->name)))
		return false;
	if ((x = tf_get(t, v, "veth")) >= 0 && !tf_name(t, x, "veth", c->veth, sizeof(c->veth)))
		return false;
	if ((x = tf_get(t, v, "mac")) >= 0) {
		if (!tf_mac(t, x, "mac", c->mac))
			return false;
		c->mac_set = true;
		c->src_mac = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "mtu")) >= 0) {
		if (!tf_unsigned(t, x, "mtu", "576–65394", &c->mtu))
			return false;
		c->src_mtu = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "endpoint")) >= 0 && !tf_endpoint(t, x, &c->ep))
		return false;
	d->n_containers++;
	return true;
}

static bool tf_partition(struct tf *t, int v)
{
	static const char *const keys[] = {"name", "role",    "memory",     "adapters",
					   "nics", "bridges", "containers", NULL};
	static const char *const roles[] = {"client", "io-server", NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "a partition", keys))
		return false;
	unsigned pi = d->n_parts;
	struct topo_partition *p = &d->parts[pi];
	memset(p, 0, sizeof(*p));
	p->src = tf_src(t, v);
	int x = tf_need(t, v, "name", "a partition");
	if (x < 0 || !tf_name(t, x, "name", p->name, sizeof(p->name)))
		return false;
	unsigned role = 0;
	if ((x = tf_get(t, v, "role")) >= 0 && !tf_enum(t, x, "role", roles, &role))
		return false;
	p->role = role ? TOPO_ROLE_IO_SERVER : TOPO_ROLE_CLIENT;
	if ((x = tf_get(t, v, "memory")) >= 0 && !tf_size(t, x, "memory", &p->memory))
		return false;
	d->n_parts++;
	if ((x = tf_get(t, v, "adapters")) >= 0) {
		if (!tf_seq(t, x, "adapters", TOPO_MAX_ADAPTERS, "adapters"))
			return false;
		for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
			if (!tf_adapter(t, i, &p->adapters[p->n_adapters++]))
				return false;
	}
	if ((x = tf_get(t, v, "nics")) >= 0) {
		if (!tf_seq(t, x, "nics", TOPO_MAX_NICS, "NICs"))
			return false;
		unsigned idx;
		for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
			if (!tf_nic(t, i, false, pi, &idx))
				return false;
	}
	if ((x = tf_get(t, v, "containers")) >= 0) {
		if (!tf_seq(t, x, "containers", TOPO_MAX_CONTAINERS, "containers"))
			return false;
		for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
			if (!tf_container(t, i, pi))
				return false;
	}
	if ((x = tf_get(t, v, "bridges")) >= 0) {
		if (!tf_seq(t, x, "bridges", TOPO_MAX_BRIDGES, "bridges"))
			return false;
		for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
			if (!tf_bridge(t, i, pi))
				return false;
	}
	return true;
}

static bool tf_host(struct tf *t, int v)
{
	static const char *const keys[] = {"name", "nic", "endpoint", NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "a host", keys))
		return false;
	struct topo_host *h = &d->hosts[d->n_hosts];
	memset(h, 0, sizeof(*h));
	h->src = tf_src(t, v);
	h->ep.addr.prefix4 = 24;
	h->ep.addr.prefix6 = 64;
	int x = tf_need(t, v, "name", "a host");
	if (x < 0 || !tf_name(t, x, "name", h->name, sizeof(h->name)))
		return false;
	if ((x = tf_need(t, v, "nic", "a host")) < 0 || !tf_nic(t, x, true, d->n_hosts, &h->nic))
		return false;
	if ((x = tf_get(t, v, "endpoint")) >= 0 && !tf_endpoint(t, x, &h->ep))
		return false;
	d->n_hosts++;
	return true;
}

static bool tf_vswitch(struct tf *t, int v)
{
	static const char *const keys[] = {"name", "mode", NULL};
	static const char *const modes[] = {"vepa", "veb", NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "a vswitch", keys))
		return false;
	struct topo_vswitch *s = &d->vswitches[d->n_vswitches];
	memset(s, 0, sizeof(*s));
	s->src = tf_src(t, v);
	int x = tf_need(t, v, "name", "a vswitch");
	if (x < 0 || !tf_name(t, x, "name", s->name, sizeof(s->name)))
		return false;
	unsigned mode = 0;
	if ((x = tf_get(t, v, "mode")) >= 0 && !tf_enum(t, x, "mode", modes, &mode))
		return false;
	s->mode = mode ? TOPO_VSW_VEB : TOPO_VSW_VEPA;
	d->n_vswitches++;
	return true;
}

static bool tf_switch(struct tf *t, int v)
{
	static const char *const keys[] = {"name", NULL};
	struct topo_switch *s = &t->d->switches[t->d->n_switches];
	memset(s, 0, sizeof(*s));
	s->src = tf_src(t, v);
	if (t->nodes[v].kind == TF_SCALAR) {
		if (!tf_name(t, v, "switches", s->name, sizeof(s->name)))
			return false;
	} else {
		if (!tf_map(t, v, "a switch", keys))
			return false;
		int x = tf_need(t, v, "name", "a switch");
		if (x < 0 || !tf_name(t, x, "name", s->name, sizeof(s->name)))
			return false;
	}
	t->d->n_switches++;
	return true;
}

static bool tf_flow(struct tf *t, int v)
{
	static const char *const keys[] = {"name",        "from", "to",    "bytes",
					   "reply_bytes", "port", "start", NULL};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "a flow", keys))
		return false;
	struct topo_flow *f = &d->flows[d->n_flows];
	topo_desc_default_flow(d, f, d->n_flows);
	f->src = tf_src(t, v);
	int x;
	if ((x = tf_get(t, v, "name")) >= 0 && !tf_name(t, x, "name", f->name, sizeof(f->name)))
		return false;
	if ((x = tf_need(t, v, "from", "a flow")) < 0 ||
	    !tf_name(t, x, "from", f->from, sizeof(f->from)))
		return false;
	f->src_from = tf_src(t, x);
	if ((x = tf_need(t, v, "to", "a flow")) < 0 || !tf_name(t, x, "to", f->to, sizeof(f->to)))
		return false;
	f->src_to = tf_src(t, x);
	f->bytes_given = d->bytes_given;
	f->reply_given = d->reply_given;
	if ((x = tf_get(t, v, "bytes")) >= 0) {
		if (!tf_size(t, x, "bytes", &f->bytes))
			return false;
		f->src_bytes = tf_src(t, x);
		f->bytes_given = true;
	}
	if ((x = tf_get(t, v, "reply_bytes")) >= 0) {
		if (!tf_size(t, x, "reply_bytes", &f->reply_bytes))
			return false;
		f->reply_given = true;
	}
	if ((x = tf_get(t, v, "port")) >= 0) {
		if (!tf_u16(t, x, "port", "1–65535", &f->port))
			return false;
		if (!f->port) {
			tf_err(t, x, "port: expected an integer 1–65535, got 0");
			return false;
		}
		f->src_port = tf_src(t, x);
	}
	if ((x = tf_get(t, v, "start")) >= 0 && !tf_time(t, x, "start", &f->start_ns))
		return false;
	d->n_flows++;
	return true;
}

/* mtu: {adapter: NAME | nic: NAME, value: N} and offloads: {adapter: NAME,
 * csum: BOOL, large_send: BOOL}. */
static bool tf_event_target(struct tf *t, int v, const char *what, bool nic_ok, struct topo_event *e)
{
	int a = tf_get(t, v, "adapter"), n = nic_ok ? tf_get(t, v, "nic") : -1;
	if ((a < 0) == (n < 0)) {
		tf_err(t, v, "%s: name its target with %s", what,
		       nic_ok ? "one of adapter: or nic:" : "adapter:");
		return false;
	}
	int x = a >= 0 ? a : n;
	if (!tf_name(t, x, a >= 0 ? "adapter" : "nic", e->target, sizeof(e->target)))
		return false;
	e->src_target = tf_src(t, x);
	return true;
}

static bool tf_event(struct tf *t, int v)
{
	static const char *const keys[] = {"at",        "stop",    "start", "close",    "open",
					   "link_down", "link_up", "mtu",   "offloads", NULL};
	static const struct {
		const char *key;
		enum topo_event_kind kind;
	} simple[] = {
		{"stop", TOPO_EV_PARTITION_STOP}, {"start", TOPO_EV_PARTITION_START},
		{"close", TOPO_EV_ADAPTER_FREE},  {"open", TOPO_EV_ADAPTER_OPEN},
		{"link_down", TOPO_EV_LINK_DOWN}, {"link_up", TOPO_EV_LINK_UP},
	};
	struct topo_desc *d = t->d;
	if (!tf_map(t, v, "an event", keys))
		return false;
	struct topo_event *e = &d->events[d->n_events];
	memset(e, 0, sizeof(*e));
	e->src = tf_src(t, v);
	int x = tf_need(t, v, "at", "an event");
	if (x < 0 || !tf_time(t, x, "at", &e->at_ns))
		return false;
	const char *action = NULL;
	int av = -1;
	for (int k = t->nodes[v].first; k >= 0; k = t->nodes[t->nodes[k].next].next) {
		const char *key = tf_text(t, k);
		if (!strcmp(key, "at"))
			continue;
		if (action) {
			tf_err(t, k, "an event does one thing: this one has both %s and %s", action,
			       key);
			return false;
		}
		action = key;
		av = t->nodes[k].next;
	}
	if (!action) {
		tf_err(t, v,
		       "an event needs what happens: one of stop, start, close, open, link_down, "
		       "link_up, mtu, offloads");
		return false;
	}
	for (unsigned i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (!strcmp(action, simple[i].key)) {
			e->kind = simple[i].kind;
			if (!tf_name(t, av, action, e->target, sizeof(e->target)))
				return false;
			e->src_target = tf_src(t, av);
			d->n_events++;
			return true;
		}
	if (!strcmp(action, "mtu")) {
		static const char *const mkeys[] = {"adapter", "nic", "value", NULL};
		e->kind = TOPO_EV_MTU;
		if (!tf_map(t, av, "an mtu event", mkeys) ||
		    !tf_event_target(t, av, "an mtu event", true, e))
			return false;
		if ((x = tf_need(t, av, "value", "an mtu event")) < 0 ||
		    !tf_unsigned(t, x, "value", "576–65394", &e->value))
			return false;
		e->src_value = tf_src(t, x);
	} else {
		static const char *const okeys[] = {"adapter", "csum", "large_send", NULL};
		e->kind = TOPO_EV_OFFLOADS;
		if (!tf_map(t, av, "an offloads event", okeys) ||
		    !tf_event_target(t, av, "an offloads event", false, e))
			return false;
		if ((x = tf_get(t, av, "csum")) >= 0) {
			if (!tf_bool(t, x, "csum", &e->csum))
				return false;
			e->has_csum = true;
		}
		if ((x = tf_get(t, av, "large_send")) >= 0) {
			if (!tf_bool(t, x, "large_send", &e->large_send))
				return false;
			e->has_large_send = true;
		}
		if (!e->has_csum && !e->has_large_send) {
			tf_err(t, av,
			       "an offloads event changes nothing: give csum, large_send or both");
			return false;
		}
	}
	d->n_events++;
	return true;
}

/* Run fn over every entry of the top-level list key (if present). */
static bool tf_list(struct tf *t, const char *key, unsigned max, const char *what,
		    bool (*fn)(struct tf *, int))
{
	int x = tf_get(t, t->root, key);
	if (x < 0)
		return true;
	if (!tf_seq(t, x, key, max, what))
		return false;
	for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
		if (!fn(t, i))
			return false;
	return true;
}

static bool tf_top(struct tf *t)
{
	static const char *const keys[] = {"name",        "mtu",    "seed",      "bytes",
					   "reply_bytes", "driver", "vswitches", "switches",
					   "partitions",  "hosts",  "flows",     "events",
					   NULL};
	struct topo_desc *d = t->d;
	if (t->root < 0 || tf_is_null(t, t->root)) {
		tf_err(t, -1,
		       "the file is empty: a topology is a mapping with partitions:, hosts:, "
		       "flows: ... (see docs/topology.md)");
		return false;
	}
	if (!tf_map(t, t->root, "a topology file", keys))
		return false;
	int x;
	if ((x = tf_get(t, t->root, "name")) >= 0 && !tf_name(t, x, "name", d->name, sizeof(d->name)))
		return false;
	if ((x = tf_get(t, t->root, "mtu")) >= 0) {
		if (!tf_unsigned(t, x, "mtu", "576–65394", &d->mtu))
			return false;
		d->src_mtu = tf_src(t, x);
	}
	if ((x = tf_get(t, t->root, "seed")) >= 0 &&
	    !tf_uint(t, x, "seed", "0–18446744073709551615", UINT64_MAX, &d->seed))
		return false;
	if ((x = tf_get(t, t->root, "bytes")) >= 0) {
		if (!tf_size(t, x, "bytes", &d->bytes))
			return false;
		d->bytes_given = true;
	}
	if ((x = tf_get(t, t->root, "reply_bytes")) >= 0) {
		if (!tf_size(t, x, "reply_bytes", &d->reply_bytes))
			return false;
		d->reply_given = true;
	}
	if ((x = tf_get(t, t->root, "driver")) >= 0 && !tf_driver(t, x, &t->driver))
		return false;
	if ((x = tf_get(t, t->root, "vswitches")) >= 0) {
		if (!tf_seq(t, x, "vswitches", TOPO_MAX_VSWITCHES, "vswitches"))
			return false;
		if (tf_first(t, x) < 0) {
			tf_err(t, x,
			       "vswitches: a system has at least one (leave the key out for "
			       "ETHERNET0 in VEPA mode)");
			return false;
		}
		d->n_vswitches = 0;
		for (int i = tf_first(t, x); i >= 0; i = tf_next(t, i))
			if (!tf_vswitch(t, i))
				return false;
	}
	return tf_list(t, "switches", TOPO_MAX_SWITCHES, "switches", tf_switch) &&
	       tf_list(t, "partitions", TOPO_MAX_PARTS, "partitions", tf_partition) &&
	       tf_list(t, "hosts", TOPO_MAX_HOSTS, "hosts", tf_host) &&
	       tf_list(t, "flows", TOPO_MAX_FLOWS, "flows", tf_flow) &&
	       tf_list(t, "events", TOPO_MAX_EVENTS, "events", tf_event);
}

/* The topology's default name: the file's base name without .yaml/.yml. */
static void tf_default_name(struct topo_desc *d, const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t len = strcspn(base, " ");
	const char *dot = memchr(base, '.', len);
	if (dot)
		len = (size_t)(dot - base);
	if (len >= sizeof(d->name))
		len = sizeof(d->name) - 1;
	memcpy(d->name, base, len);
	d->name[len] = 0;
}

/* topofile_load_string: see topofile.h. */
struct topo_desc *topofile_load_string(const char *text, size_t len, const char *name, char *err,
				       size_t err_size)
{
	struct tf t;
	memset(&t, 0, sizeof(t));
	t.name = name ? name : "(string)";
	t.input = text;
	t.input_len = len;
	t.err = err;
	t.err_size = err_size;
	if (err && err_size)
		err[0] = 0;
	if (len > TOPOFILE_MAX_SIZE) {
		tf_err(&t, -1, "%zu bytes: topology files are at most %u bytes", len,
		       TOPOFILE_MAX_SIZE);
		return NULL;
	}
	t.d = topo_desc_new();
	if (!t.d) {
		tf_err(&t, -1, "out of memory");
		return NULL;
	}
	snprintf(t.d->file, sizeof(t.d->file), "%s", t.name);
	tf_default_name(t.d, t.name);
	snprintf(t.driver.kind, sizeof(t.driver.kind), "illan");
	t.driver.fixes = IBMVETH_FIX_ALL;
	if (tf_build(&t) && tf_top(&t))
		topo_desc_complete(t.d);
	free(t.nodes);
	free(t.str);
	if (t.failed) {
		topo_desc_free(t.d);
		return NULL;
	}
	return t.d;
}

/* topofile_load: see topofile.h. */
struct topo_desc *topofile_load(const char *path, char *err, size_t err_size)
{
	char dummy[1];
	if (!err || !err_size) {
		err = dummy;
		err_size = sizeof(dummy);
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap);
	int rerr = buf ? 0 : ENOMEM;
	while (!rerr) {
		if (len == cap) {
			if (cap > TOPOFILE_MAX_SIZE)
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				rerr = ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			rerr = ferror(f) ? (errno ? errno : EIO) : 0;
			break;
		}
	}
	fclose(f);
	if (rerr) {
		snprintf(err, err_size, "%s: %s", path, strerror(rerr));
		free(buf);
		return NULL;
	}
	if (len > TOPOFILE_MAX_SIZE) {
		snprintf(err, err_size, "%s: more than %u bytes: topology files are smaller", path,
			 TOPOFILE_MAX_SIZE);
		free(buf);
		return NULL;
	}
	struct topo_desc *d = topofile_load_string(buf, len, path, err, err_size);
	free(buf);
	return d;
}

/* topofile_load_seed: see topofile.h. */
struct topo_desc *topofile_load_seed(char *err, size_t err_size)
{
	return topofile_load_string(topofile_seed_yaml, topofile_seed_yaml_len,
				    "examples/seed.yaml (built in)", err, err_size);
}
