/* workload_yaml.c - workload specs from YAML (libyaml's document API).
 * The keys are documented in workloads/README.md; this file checks them:
 * unknown keys are errors, and every error names file:line:col of the
 * offending key or value and the key itself. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "workload.h"

struct wctx {
	const char *path;
	yaml_document_t doc;
	struct fs_err *err;
	struct fs_wl_spec *sp;
};

static int yerr(struct wctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int yerr(struct wctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char buf[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return fs_error(c->err, -EINVAL, "%s:%zu:%zu: %s", c->path,
			n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, buf);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static struct fs_wl_mark mark_of(const yaml_node_t *n)
{
	return (struct fs_wl_mark){ n->start_mark.line + 1, n->start_mark.column + 1 };
}

#define FOR_PAIRS(c, map, k, v, ks)                                                           \
	for (yaml_node_pair_t *p_ = (map)->data.mapping.pairs.start;                          \
	     p_ < (map)->data.mapping.pairs.top &&                                            \
	     ((k) = yaml_document_get_node(&(c)->doc, p_->key),                               \
	      (v) = yaml_document_get_node(&(c)->doc, p_->value), (ks) = scalar(k), 1);       \
	     p_++)

static int need_map(struct wctx *c, const yaml_node_t *n, const char *key, const char *what)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return yerr(c, n, "\"%s\" expects a mapping (%s)", key, what);
	return 0;
}

static int get_u64(struct wctx *c, const yaml_node_t *n, const char *key, uint64_t *out)
{
	const char *s = scalar(n);

	if (!s || fs_parse_u64(s, strlen(s), out))
		return yerr(c, n, "\"%s\" expects a whole number, got \"%s\"", key, s ? s : "(not a scalar)");
	return 0;
}

/* A finite number >= 0 (> 0 with positive). */
static int get_num(struct wctx *c, const yaml_node_t *n, const char *key, bool positive, double *out)
{
	const char *s = scalar(n);
	char *end;

	if (!s || !*s)
		return yerr(c, n, "\"%s\" expects a number", key);
	*out = strtod(s, &end);
	if (*end || !isfinite(*out))
		return yerr(c, n, "\"%s\" expects a number, got \"%s\"", key, s);
	if (*out < 0 || (positive && *out == 0))
		return yerr(c, n, "\"%s\" must be %s, got %s", key, positive ? "positive" : "at least 0", s);
	return 0;
}

static int get_duration(struct wctx *c, const yaml_node_t *n, const char *key, uint64_t *ns)
{
	const char *s = scalar(n);

	if (!s || fs_parse_duration(s, ns))
		return yerr(c, n, "\"%s\" expects a duration such as 10s, 250ms or 5us, got \"%s\"", key,
			    s ? s : "(not a scalar)");
	return 0;
}

static int get_bool(struct wctx *c, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		*out = true;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		*out = false;
	else
		return yerr(c, n, "\"%s\" expects true or false", key);
	return 0;
}

static char *get_str(struct wctx *c, const yaml_node_t *n, const char *key, size_t max)
{
	const char *s = scalar(n);

	if (!s || !*s || strlen(s) > max) {
		yerr(c, n, "\"%s\" expects a name of 1 to %zu characters", key, max);
		return NULL;
	}
	return fs_xstrdup(s);
}

/* "40%" of the machine, or a size ("2G"): footprint */
static int get_footprint(struct wctx *c, const yaml_node_t *n, const char *key, uint64_t *pages,
			 double *frac)
{
	const char *s = scalar(n);
	size_t len = s ? strlen(s) : 0;
	uint64_t bytes;

	*pages = 0;
	*frac = 0;
	if (len > 1 && s[len - 1] == '%') {
		char *end;
		double v = strtod(s, &end);

		if (end != s + len - 1 || !isfinite(v) || v <= 0 || v > 100)
			return yerr(c, n, "\"%s\" expects a percentage in (0, 100] or a size, got \"%s\"", key, s);
		*frac = v / 100;
		return 0;
	}
	if (!s || fs_parse_size(s, &bytes) || bytes < 4096)
		return yerr(c, n, "\"%s\" expects a size such as 2G or a percentage of memory such as 40%%, got \"%s\"",
			    key, s ? s : "(not a scalar)");
	*pages = bytes >> FS_PAGE_SHIFT;
	return 0;
}

/* gfp-flag-ish names: the migrate type gfp_migratetype() gives and whether
 * the caller may enter direct reclaim (include/linux/gfp_types.h). */
static const struct {
	const char *name;
	uint8_t mt, flags;
} gfp_table[] = {
	{ "GFP_KERNEL", FS_MT_UNMOVABLE, 0 },
	{ "GFP_KERNEL_ACCOUNT", FS_MT_UNMOVABLE, 0 },
	{ "GFP_NOFS", FS_MT_UNMOVABLE, 0 },
	{ "GFP_NOIO", FS_MT_UNMOVABLE, 0 },
	{ "GFP_USER", FS_MT_UNMOVABLE, 0 },
	{ "GFP_ATOMIC", FS_MT_UNMOVABLE, FS_EVF_ATOMIC },
	{ "GFP_NOWAIT", FS_MT_UNMOVABLE, FS_EVF_ATOMIC },
	{ "GFP_HIGHUSER", FS_MT_UNMOVABLE, 0 },
	{ "GFP_HIGHUSER_MOVABLE", FS_MT_MOVABLE, 0 },
	{ "GFP_TRANSHUGE", FS_MT_MOVABLE, 0 },
	{ "GFP_TRANSHUGE_LIGHT", FS_MT_MOVABLE, FS_EVF_ATOMIC },
};

static int get_gfp(struct wctx *c, const yaml_node_t *n, uint8_t *mt, uint8_t *flags)
{
	const char *s = scalar(n);

	for (unsigned i = 0; s && i < FS_ARRAY_SIZE(gfp_table); i++)
		if (!strcmp(s, gfp_table[i].name)) {
			*mt = gfp_table[i].mt;
			*flags = (uint8_t)((*flags & ~FS_EVF_ATOMIC) | gfp_table[i].flags);
			return 0;
		}
	return yerr(c, n, "\"gfp\" expects GFP_KERNEL, GFP_KERNEL_ACCOUNT, GFP_NOFS, GFP_NOIO, GFP_USER, "
		    "GFP_ATOMIC, GFP_NOWAIT, GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE, GFP_TRANSHUGE or "
		    "GFP_TRANSHUGE_LIGHT, got \"%s\"", s ? s : "(not a scalar)");
}

static int get_mt(struct wctx *c, const yaml_node_t *n, uint8_t *mt)
{
	const char *s = scalar(n);
	int v = s ? fs_mt_parse(s, strlen(s)) : -1;

	if (v < 0 || v > FS_MT_HIGHATOMIC)
		return yerr(c, n, "\"migratetype\" expects unmovable, movable, reclaimable or highatomic, got \"%s\"",
			    s ? s : "(not a scalar)");
	*mt = (uint8_t)v;
	return 0;
}

/* order: 3, or order: {0: 90, 1: 5, 3: 5} (relative weights) */
static int get_order(struct wctx *c, yaml_node_t *n, struct fs_wl_class *cl)
{
	double w[FS_NR_ORDERS] = { 0 }, sum = 0, acc = 0;
	uint64_t o;
	int rc;

	cl->order_mark = mark_of(n);
	if (n->type == YAML_SCALAR_NODE) {
		if ((rc = get_u64(c, n, "order", &o)))
			return rc;
		if (o > FS_ORDER_LIMIT)
			return yerr(c, n, "\"order\" %llu is above %u", (unsigned long long)o, FS_ORDER_LIMIT);
		w[o] = 1;
	} else if (n->type == YAML_MAPPING_NODE) {
		yaml_node_t *k, *v;
		const char *ks;

		FOR_PAIRS(c, n, k, v, ks) {
			double x;

			if (!ks || fs_parse_u64(ks, strlen(ks), &o))
				return yerr(c, k, "\"order\" weights are keyed by order, got \"%s\"", ks ? ks : "?");
			if (o > FS_ORDER_LIMIT)
				return yerr(c, k, "\"order\" %llu is above %u", (unsigned long long)o, FS_ORDER_LIMIT);
			if ((rc = get_num(c, v, "order", false, &x)))
				return rc;
			w[o] += x;
		}
	} else {
		return yerr(c, n, "%s", "\"order\" expects an order (0..15) or a mapping of order: weight");
	}
	for (unsigned i = 0; i < FS_NR_ORDERS; i++)
		sum += w[i];
	if (sum <= 0)
		return yerr(c, n, "%s", "\"order\" weights sum to 0");
	for (unsigned i = 0; i < FS_NR_ORDERS; i++) {
		acc += w[i];
		cl->order_cdf[i] = acc / sum;
		if (w[i] > 0)
			cl->max_order = i;
	}
	for (unsigned i = cl->max_order; i < FS_NR_ORDERS; i++)
		cl->order_cdf[i] = 1.0;     /* no rounding gap above the last order */
	return 0;
}

static const struct {
	const char *name;
	enum fs_wl_life dist;
	const char *a, *b;            /* parameter keys */
} life_table[] = {
	{ "fixed", FS_WL_LIFE_FIXED, "value", NULL },
	{ "exponential", FS_WL_LIFE_EXP, "mean", NULL },
	{ "lognormal", FS_WL_LIFE_LOGNORMAL, "median", "sigma" },
	{ "pareto", FS_WL_LIFE_PARETO, "min", "alpha" },
};

/* lifetime: 5s | forever | until_reclaimed | {dist: ..., params, max: D} */
static int get_lifetime(struct wctx *c, yaml_node_t *n, struct fs_wl_lifetime *l)
{
	const char *s = scalar(n), *ks;
	yaml_node_t *k, *v, *dist = NULL;
	uint64_t ns;
	int rc, t = -1;
	bool have_a = false, have_b = false;

	memset(l, 0, sizeof(*l));
	if (s) {
		if (!strcmp(s, "forever")) {
			l->dist = FS_WL_LIFE_FOREVER;
		} else if (!strcmp(s, "until_reclaimed")) {
			l->dist = FS_WL_LIFE_UNTIL_RECLAIMED;
		} else {
			if (fs_parse_duration(s, &ns))
				return yerr(c, n, "\"lifetime\" expects a duration, forever, until_reclaimed or "
					    "a mapping with dist, got \"%s\"", s);
			l->dist = FS_WL_LIFE_FIXED;
			l->a = (double)ns;
		}
		return 0;
	}
	if ((rc = need_map(c, n, "lifetime", "dist: fixed, exponential, lognormal or pareto")))
		return rc;
	FOR_PAIRS(c, n, k, v, ks)
		if (ks && !strcmp(ks, "dist"))
			dist = v;
	if (!dist)
		return yerr(c, n, "%s", "\"lifetime\" needs \"dist\" (fixed, exponential, lognormal or pareto)");
	for (unsigned i = 0; i < FS_ARRAY_SIZE(life_table); i++)
		if (scalar(dist) && !strcmp(scalar(dist), life_table[i].name))
			t = (int)i;
	if (t < 0)
		return yerr(c, dist, "unknown distribution \"%s\" for \"dist\" (expected fixed, exponential, "
			    "lognormal or pareto)", scalar(dist) ? scalar(dist) : "?");
	l->dist = life_table[t].dist;
	FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "dist"))
			continue;
		if (!strcmp(ks, life_table[t].a)) {
			if ((rc = get_duration(c, v, ks, &ns)))
				return rc;
			if (!ns && l->dist != FS_WL_LIFE_FIXED)
				return yerr(c, v, "\"%s\" must be positive", ks);
			l->a = (double)ns;
			have_a = true;
		} else if (life_table[t].b && !strcmp(ks, life_table[t].b)) {
			if ((rc = get_num(c, v, ks, l->dist == FS_WL_LIFE_PARETO, &l->b)))
				return rc;
			have_b = true;
		} else if (!strcmp(ks, "max")) {
			if ((rc = get_duration(c, v, ks, &ns)))
				return rc;
			l->max = (double)ns;
		} else {
			return yerr(c, k, "unknown key \"%s\" in a %s lifetime (expected dist, %s%s%s and max)", ks,
				    life_table[t].name, life_table[t].a, life_table[t].b ? ", " : "",
				    life_table[t].b ? life_table[t].b : "");
		}
	}
	if (!have_a || (life_table[t].b && !have_b))
		return yerr(c, n, "a %s lifetime needs \"%s\"%s%s", life_table[t].name, life_table[t].a,
			    life_table[t].b ? " and " : "", life_table[t].b ? life_table[t].b : "");
	return 0;
}

/* The arrival keys a class and a phase share: arrival, rate, every, count.
 * 1 = the key was one of them, 0 = not, <0 error. */
static int arrive_key(struct wctx *c, const char *ks, yaml_node_t *v, struct fs_wl_arrive *a,
		      unsigned *seen)
{
	const char *s = scalar(v);
	int rc;

	if (!strcmp(ks, "arrival")) {
		if (s && !strcmp(s, "poisson"))
			a->process = FS_WL_POISSON;
		else if (s && !strcmp(s, "fixed"))
			a->process = FS_WL_FIXED;
		else if (s && !strcmp(s, "burst"))
			a->process = FS_WL_BURST;
		else
			return yerr(c, v, "\"arrival\" expects poisson, fixed or burst, got \"%s\"", s ? s : "?");
		*seen |= 1;
	} else if (!strcmp(ks, "rate")) {
		if ((rc = get_num(c, v, ks, false, &a->rate)))
			return rc;
		*seen |= 2;
	} else if (!strcmp(ks, "every")) {
		if ((rc = get_duration(c, v, ks, &a->every_ns)))
			return rc;
		if (!a->every_ns)
			return yerr(c, v, "%s", "\"every\" must be positive");
		*seen |= 4;
	} else if (!strcmp(ks, "count")) {
		if ((rc = get_u64(c, v, ks, &a->count)))
			return rc;
		*seen |= 8;
	} else {
		return 0;
	}
	return 1;
}

static int check_arrive(struct wctx *c, const yaml_node_t *n, const struct fs_wl_arrive *a,
			const char *what)
{
	if (a->process == FS_WL_BURST && (!a->every_ns || !a->count))
		return yerr(c, n, "%s: burst arrivals need \"every\" and \"count\"", what);
	return 0;
}

static int load_class(struct wctx *c, yaml_node_t *n, struct fs_wl_class *cl)
{
	yaml_node_t *k, *v, *order = NULL, *mtn = NULL;
	const char *ks;
	unsigned seen = 0;
	bool lru = false, have_lru = false;
	int rc;

	if ((rc = need_map(c, n, "classes", "a class: name, rate, order, lifetime, ...")))
		return rc;
	cl->mt = FS_MT_UNMOVABLE;
	cl->order_cdf[0] = 1;
	for (unsigned i = 0; i < FS_NR_ORDERS; i++)
		cl->order_cdf[i] = 1;
	cl->order_mark = mark_of(n);
	cl->life.dist = FS_WL_LIFE_FOREVER;
	FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return yerr(c, k, "%s", "expected a key");
		if ((rc = arrive_key(c, ks, v, &cl->arrive, &seen)) < 0)
			return rc;
		if (rc)
			continue;
		if (!strcmp(ks, "name")) {
			if (!(cl->name = get_str(c, v, ks, 63)))
				return -EINVAL;
		} else if (!strcmp(ks, "order")) {
			order = v;
		} else if (!strcmp(ks, "gfp")) {
			if ((rc = get_gfp(c, v, &cl->mt, &cl->flags)))
				return rc;
		} else if (!strcmp(ks, "migratetype")) {
			mtn = v;
		} else if (!strcmp(ks, "key")) {
			if (!(cl->key = get_str(c, v, ks, 63)))
				return -EINVAL;
			if (strpbrk(cl->key, " \t#"))
				return yerr(c, v, "%s", "\"key\" may not contain blanks or '#' (native traces carry it as key=NAME)");
		} else if (!strcmp(ks, "lifetime")) {
			if ((rc = get_lifetime(c, v, &cl->life)))
				return rc;
		} else if (!strcmp(ks, "footprint")) {
			if ((rc = get_footprint(c, v, ks, &cl->footprint_pages, &cl->footprint_frac)))
				return rc;
		} else if (!strcmp(ks, "reclaimable")) {
			if ((rc = get_bool(c, v, ks, &lru)))
				return rc;
			have_lru = true;
		} else {
			return yerr(c, k, "unknown key \"%s\" in a class (expected name, arrival, rate, every, "
				    "count, order, gfp, migratetype, key, lifetime, footprint or reclaimable)", ks);
		}
	}
	if (!cl->name)
		return yerr(c, n, "%s", "a class needs \"name\"");
	if (mtn && (rc = get_mt(c, mtn, &cl->mt)))
		return rc;
	if (order && (rc = get_order(c, order, cl)))
		return rc;
	if (cl->life.dist == FS_WL_LIFE_UNTIL_RECLAIMED) {
		if (have_lru && !lru)
			return yerr(c, n, "class \"%s\": lifetime until_reclaimed needs reclaimable: true", cl->name);
		lru = true;
	}
	if (lru)
		cl->flags |= FS_EVF_LRU;
	if (!(seen & 2) && cl->arrive.process != FS_WL_BURST)
		return yerr(c, n, "class \"%s\" needs \"rate\" (allocations per second)", cl->name);
	return check_arrive(c, n, &cl->arrive, cl->name);
}

static int load_probe(struct wctx *c, yaml_node_t *n, struct fs_wl_probe *pr)
{
	yaml_node_t *k, *v, *order = NULL;
	const char *ks;
	uint64_t o;
	int rc;

	if ((rc = need_map(c, n, "probes", "at, order, count, hold")))
		return rc;
	pr->hold_ns = UINT64_MAX;
	pr->count = 1;
	pr->mt = FS_MT_MOVABLE;
	pr->flags = FS_EVF_PROBE | FS_EVF_ATOMIC;   /* GFP_TRANSHUGE_LIGHT: a THP fault, no reclaim */
	FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "at")) {
			rc = get_duration(c, v, ks, &pr->at_ns);
		} else if (!strcmp(ks, "order")) {
			order = v;
			rc = 0;
		} else if (!strcmp(ks, "count")) {
			if (!(rc = get_u64(c, v, ks, &pr->count)) && !pr->count)
				rc = yerr(c, v, "%s", "\"count\" must be positive");
		} else if (!strcmp(ks, "hold")) {
			if (scalar(v) && !strcmp(scalar(v), "forever"))
				pr->hold_ns = UINT64_MAX, rc = 0;
			else
				rc = get_duration(c, v, ks, &pr->hold_ns);
		} else if (!strcmp(ks, "gfp")) {
			rc = get_gfp(c, v, &pr->mt, &pr->flags);
		} else if (!strcmp(ks, "migratetype")) {
			rc = get_mt(c, v, &pr->mt);
		} else if (!strcmp(ks, "key")) {
			rc = (pr->key = get_str(c, v, ks, 63)) ? 0 : -EINVAL;
		} else {
			return yerr(c, k, "unknown key \"%s\" in a probe (expected at, order, count, hold, gfp, "
				    "migratetype or key)", ks);
		}
		if (rc)
			return rc;
	}
	if (!order)
		return yerr(c, n, "%s", "a probe needs \"order\"");
	if ((rc = get_u64(c, order, "order", &o)))
		return rc;
	if (o > FS_ORDER_LIMIT)
		return yerr(c, order, "\"order\" %llu is above %u", (unsigned long long)o, FS_ORDER_LIMIT);
	pr->order = (unsigned)o;
	pr->order_mark = mark_of(order);
	return 0;
}

static int load_probes(struct wctx *c, yaml_node_t *n, struct fs_wl_probe **out, unsigned *nr)
{
	int rc;

	if (n->type == YAML_MAPPING_NODE) {      /* probe: {...}, one */
		*out = fs_xcalloc(1, sizeof(**out));
		*nr = 1;
		return load_probe(c, n, *out);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return yerr(c, n, "%s", "\"probes\" expects a list of probes (at, order, count, hold)");
	*out = fs_xcalloc((size_t)(n->data.sequence.items.top - n->data.sequence.items.start) + 1,
			  sizeof(**out));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if ((rc = load_probe(c, yaml_document_get_node(&c->doc, *it), &(*out)[(*nr)++])))
			return rc;
	return 0;
}

static int class_index(struct wctx *c, const yaml_node_t *n, const char *name)
{
	for (unsigned i = 0; i < c->sp->nr_classes; i++)
		if (!strcmp(c->sp->classes[i].name, name))
			return (int)i;
	return yerr(c, n, "unknown class \"%s\" in a phase", name);
}

/* classes: [a, b] or {a: {rate: 10}, b: {}} or {a: null} */
static int load_phase_classes(struct wctx *c, yaml_node_t *n, struct fs_wl_phase *ph)
{
	int i, rc;

	for (unsigned j = 0; j < c->sp->nr_classes; j++)
		ph->cls[j].active = false;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(&c->doc, *it);

			if (!scalar(e))
				return yerr(c, e, "%s", "\"classes\" lists class names");
			if ((i = class_index(c, e, scalar(e))) < 0)
				return i;
			ph->cls[i].active = true;
		}
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return yerr(c, n, "%s", "\"classes\" in a phase expects a list of class names or a mapping of name: overrides");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&c->doc, p->value), *k2, *v2;
		const char *ks = scalar(k), *ks2;
		struct fs_wl_phase_class *pc;
		unsigned seen = 0;

		if (!ks)
			return yerr(c, k, "%s", "expected a class name");
		if ((i = class_index(c, k, ks)) < 0)
			return i;
		pc = &ph->cls[i];
		pc->active = true;
		if (v->type == YAML_SCALAR_NODE && (!*scalar(v) || !strcmp(scalar(v), "~") ||
						    !strcmp(scalar(v), "null")))
			continue;
		if ((rc = need_map(c, v, ks, "rate, arrival, every, count, footprint")))
			return rc;
		FOR_PAIRS(c, v, k2, v2, ks2) {
			if (!ks2)
				return yerr(c, k2, "%s", "expected a key");
			if ((rc = arrive_key(c, ks2, v2, &pc->arrive, &seen)) < 0)
				return rc;
			if (rc)
				continue;
			if (!strcmp(ks2, "footprint")) {
				if ((rc = get_footprint(c, v2, ks2, &pc->footprint_pages, &pc->footprint_frac)))
					return rc;
			} else {
				return yerr(c, k2, "unknown key \"%s\" for class \"%s\" in a phase (expected "
					    "arrival, rate, every, count or footprint)", ks2, ks);
			}
		}
		if ((rc = check_arrive(c, v, &pc->arrive, ks)))
			return rc;
	}
	return 0;
}

static void phase_defaults(struct fs_wl_spec *sp, struct fs_wl_phase *ph)
{
	ph->cls = fs_xcalloc(sp->nr_classes ? sp->nr_classes : 1, sizeof(*ph->cls));
	for (unsigned j = 0; j < sp->nr_classes; j++) {
		ph->cls[j].active = true;
		ph->cls[j].arrive = sp->classes[j].arrive;
		ph->cls[j].footprint_pages = sp->classes[j].footprint_pages;
		ph->cls[j].footprint_frac = sp->classes[j].footprint_frac;
	}
}

static int load_phase(struct wctx *c, yaml_node_t *n, struct fs_wl_phase *ph)
{
	yaml_node_t *k, *v, *classes = NULL, *probes = NULL;
	const char *ks;
	bool have_duration = false;
	int rc;

	if ((rc = need_map(c, n, "phases", "name, duration, classes, probes")))
		return rc;
	phase_defaults(c->sp, ph);
	FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "name")) {
			if (!(ph->name = get_str(c, v, ks, 63)))
				return -EINVAL;
		} else if (!strcmp(ks, "duration")) {
			if ((rc = get_duration(c, v, ks, &ph->duration_ns)))
				return rc;
			have_duration = true;
		} else if (!strcmp(ks, "classes")) {
			classes = v;
		} else if (!strcmp(ks, "probes") || !strcmp(ks, "probe")) {
			probes = v;
		} else {
			return yerr(c, k, "unknown key \"%s\" in a phase (expected name, duration, classes or probes)", ks);
		}
	}
	if (!have_duration)
		return yerr(c, n, "%s", "a phase needs \"duration\"");
	/* the class defaults come first, the phase's overrides on top */
	if (classes && (rc = load_phase_classes(c, classes, ph)))
		return rc;
	if (probes && (rc = load_probes(c, probes, &ph->probes, &ph->nr_probes)))
		return rc;
	return 0;
}

/* machine: 4G | FILE.yaml (relative to the workload) | {inline machine} */
static int load_machine(struct wctx *c, yaml_node_t *n)
{
	struct fs_wl_spec *sp = c->sp;
	const char *s = scalar(n);
	uint64_t bytes;
	int rc;

	sp->has_machine = true;
	if (n->type == YAML_MAPPING_NODE)
		return fs_layout_from_yaml_node(&sp->layout, c->path, &c->doc, n, c->err);
	if (!s)
		return yerr(c, n, "%s", "\"machine\" expects a size (4G), a machine file or a mapping");
	if (!fs_parse_size(s, &bytes)) {
		if (bytes < 4096 || bytes % 4096)
			return yerr(c, n, "\"machine\" size \"%s\" is not a whole number of 4 KiB pages", s);
		fs_layout_single(&sp->layout, bytes >> FS_PAGE_SHIFT);
		return 0;
	}
	{
		char *dir = fs_xstrdup(c->path), *file;
		size_t len = strlen(c->path) + strlen(s) + 2;

		file = fs_xcalloc(1, len);
		if (s[0] == '/')
			snprintf(file, len, "%s", s);
		else
			snprintf(file, len, "%s/%s", dirname(dir), s);
		rc = fs_layout_load_yaml(&sp->layout, file, c->err);
		if (rc)
			fs_err_prefix(c->err, "%s:%zu:%zu: machine: ", c->path, n->start_mark.line + 1,
				      n->start_mark.column + 1);
		free(file);
		free(dir);
	}
	return rc;
}

static int load_root(struct wctx *c)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->doc), *k, *v;
	yaml_node_t *classes = NULL, *phases = NULL, *probes = NULL, *machine = NULL;
	struct fs_wl_spec *sp = c->sp;
	const char *ks;
	bool have_duration = false;
	uint64_t u;
	int rc;

	if (!root || root->type != YAML_MAPPING_NODE)
		return yerr(c, root, "%s", "expected a mapping with \"classes\" (see workloads/README.md)");
	FOR_PAIRS(c, root, k, v, ks) {
		if (!ks)
			return yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "description")) {
			if (!scalar(v))
				return yerr(c, v, "%s", "\"description\" expects text");
		} else if (!strcmp(ks, "seed")) {
			if ((rc = get_u64(c, v, ks, &sp->seed)))
				return rc;
		} else if (!strcmp(ks, "duration")) {
			if ((rc = get_duration(c, v, ks, &sp->duration_ns)))
				return rc;
			have_duration = true;
		} else if (!strcmp(ks, "cpus")) {
			if ((rc = get_u64(c, v, ks, &u)))
				return rc;
			if (!u || u > 65536)
				return yerr(c, v, "\"cpus\" must be 1..65536, got %llu", (unsigned long long)u);
			sp->cpus = (unsigned)u;
		} else if (!strcmp(ks, "machine")) {
			machine = v;
		} else if (!strcmp(ks, "classes")) {
			classes = v;
		} else if (!strcmp(ks, "phases")) {
			phases = v;
		} else if (!strcmp(ks, "probes")) {
			probes = v;
		} else {
			return yerr(c, k, "unknown key \"%s\" (expected description, seed, duration, cpus, machine, "
				    "classes, phases or probes)", ks);
		}
	}
	if (machine && (rc = load_machine(c, machine)))
		return rc;
	if (classes) {
		if (classes->type != YAML_SEQUENCE_NODE)
			return yerr(c, classes, "%s", "\"classes\" expects a list of classes");
		sp->classes = fs_xcalloc((size_t)(classes->data.sequence.items.top -
						  classes->data.sequence.items.start) + 1, sizeof(*sp->classes));
		for (yaml_node_item_t *it = classes->data.sequence.items.start;
		     it < classes->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(&c->doc, *it);

			if (sp->nr_classes == 200)
				return yerr(c, e, "%s", "more than 200 classes");
			if ((rc = load_class(c, e, &sp->classes[sp->nr_classes++])))
				return rc;
			for (unsigned j = 0; j + 1 < sp->nr_classes; j++)
				if (!strcmp(sp->classes[j].name, sp->classes[sp->nr_classes - 1].name))
					return yerr(c, e, "class \"%s\" is defined twice", sp->classes[j].name);
		}
	}
	if (probes && (rc = load_probes(c, probes, &sp->probes, &sp->nr_probes)))
		return rc;
	if (phases) {
		if (phases->type != YAML_SEQUENCE_NODE || phases->data.sequence.items.top == phases->data.sequence.items.start)
			return yerr(c, phases, "%s", "\"phases\" expects a non-empty list of phases");
		sp->phases = fs_xcalloc((size_t)(phases->data.sequence.items.top -
						 phases->data.sequence.items.start), sizeof(*sp->phases));
		for (yaml_node_item_t *it = phases->data.sequence.items.start;
		     it < phases->data.sequence.items.top; it++) {
			if ((rc = load_phase(c, yaml_document_get_node(&c->doc, *it), &sp->phases[sp->nr_phases++])))
				return rc;
		}
		if (!have_duration)
			for (unsigned i = 0; i < sp->nr_phases; i++)
				sp->duration_ns += sp->phases[i].duration_ns;
	} else {
		if (!have_duration)
			return yerr(c, root, "%s", "\"duration\" is needed when there are no \"phases\"");
		sp->phases = fs_xcalloc(1, sizeof(*sp->phases));
		sp->nr_phases = 1;
		phase_defaults(sp, &sp->phases[0]);
		sp->phases[0].duration_ns = sp->duration_ns;
	}
	if (!sp->nr_classes && !sp->nr_probes) {
		bool any = false;

		for (unsigned i = 0; i < sp->nr_phases; i++)
			any |= sp->phases[i].nr_probes > 0;
		if (!any)
			return yerr(c, root, "%s", "nothing to generate: no \"classes\" and no \"probes\"");
	}
	return 0;
}

static int load(struct fs_wl_spec **out, const char *name, yaml_parser_t *parser, struct fs_err *err)
{
	struct fs_wl_spec *sp = fs_xcalloc(1, sizeof(*sp));
	struct wctx c = { .path = name, .err = err, .sp = sp };
	int rc;

	sp->path = fs_xstrdup(name);
	sp->cpus = 1;
	if (!yaml_parser_load(parser, &c.doc)) {
		rc = fs_error(err, -EINVAL, "%s:%zu:%zu: %s", name, parser->problem_mark.line + 1,
			      parser->problem_mark.column + 1,
			      parser->problem ? parser->problem : "YAML syntax error");
		fs_wl_free(sp);
		return rc;
	}
	rc = load_root(&c);
	yaml_document_delete(&c.doc);
	if (rc) {
		fs_wl_free(sp);
		return rc;
	}
	*out = sp;
	return 0;
}

int fs_wl_load_buffer(struct fs_wl_spec **out, const char *name, const char *buf, size_t len,
		      struct fs_err *err)
{
	yaml_parser_t parser;
	int rc;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	rc = load(out, name, &parser, err);
	yaml_parser_delete(&parser);
	return rc;
}

int fs_wl_load(struct fs_wl_spec **out, const char *path, struct fs_err *err)
{
	yaml_parser_t parser;
	FILE *fp = fopen(path, "rb");
	int rc;

	if (!fp)
		return fs_error(err, -errno, "cannot open workload \"%s\": %s", path, strerror(errno));
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	rc = load(out, path, &parser, err);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

static void free_probes(struct fs_wl_probe *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(p[i].key);
	free(p);
}

void fs_wl_free(struct fs_wl_spec *sp)
{
	if (!sp)
		return;
	for (unsigned i = 0; i < sp->nr_classes; i++) {
		free(sp->classes[i].name);
		free(sp->classes[i].key);
	}
	free(sp->classes);
	for (unsigned i = 0; i < sp->nr_phases; i++) {
		free(sp->phases[i].name);
		free(sp->phases[i].cls);
		free_probes(sp->phases[i].probes, sp->phases[i].nr_probes);
	}
	free(sp->phases);
	free_probes(sp->probes, sp->nr_probes);
	free(sp->path);
	free(sp);
}
