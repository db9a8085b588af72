/* workload_values.c - the leaf values of workload specs: numbers,
 * durations, sizes and percentages, gfp-like names, migrate types, order
 * distributions, lifetime distributions, arrival keys. Each reader names
 * file:line:col and the key when the value is wrong. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gfp.h"
#include "workload_yaml.h"

int fs_wl_yerr(struct fs_wl_yctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char buf[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return fs_error(c->err, -EINVAL, "%s:%zu:%zu: %s", c->path,
			n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, buf);
}

const char *fs_wl_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

struct fs_wl_mark fs_wl_mark_of(const yaml_node_t *n)
{
	return (struct fs_wl_mark){ n->start_mark.line + 1, n->start_mark.column + 1 };
}

int fs_wl_need_map(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, const char *what)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return fs_wl_yerr(c, n, "\"%s\" expects a mapping (%s)", key, what);
	return 0;
}

int fs_wl_get_u64(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, uint64_t *out)
{
	const char *s = fs_wl_scalar(n);

	if (!s || fs_parse_u64(s, strlen(s), out))
		return fs_wl_yerr(c, n, "\"%s\" expects a whole number, got \"%s\"", key, s ? s : "(not a scalar)");
	return 0;
}

/* A finite number >= 0 (> 0 with positive). */
int fs_wl_get_num(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, bool positive, double *out)
{
	const char *s = fs_wl_scalar(n);
	char *end;

	if (!s || !*s)
		return fs_wl_yerr(c, n, "\"%s\" expects a number", key);
	*out = strtod(s, &end);
	if (*end || !isfinite(*out))
		return fs_wl_yerr(c, n, "\"%s\" expects a number, got \"%s\"", key, s);
	if (*out < 0 || (positive && *out == 0))
		return fs_wl_yerr(c, n, "\"%s\" must be %s, got %s", key, positive ? "positive" : "at least 0", s);
	return 0;
}

int fs_wl_get_duration(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, uint64_t *ns)
{
	const char *s = fs_wl_scalar(n);

	if (!s || fs_parse_duration(s, ns))
		return fs_wl_yerr(c, n, "\"%s\" expects a duration such as 10s, 250ms or 5us, got \"%s\"", key,
			    s ? s : "(not a scalar)");
	return 0;
}

int fs_wl_get_bool(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = fs_wl_scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		*out = true;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		*out = false;
	else
		return fs_wl_yerr(c, n, "\"%s\" expects true or false", key);
	return 0;
}

char *fs_wl_get_str(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, size_t max)
{
	const char *s = fs_wl_scalar(n);

	if (!s || !*s || strlen(s) > max) {
		fs_wl_yerr(c, n, "\"%s\" expects a name of 1 to %zu characters", key, max);
		return NULL;
	}
	return fs_xstrdup(s);
}

/* "40%" of the machine, or a size ("2G"): footprint */
int fs_wl_get_footprint(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, uint64_t *pages,
			 double *frac)
{
	const char *s = fs_wl_scalar(n);
	size_t len = s ? strlen(s) : 0;
	uint64_t bytes;

	*pages = 0;
	*frac = 0;
	if (len > 1 && s[len - 1] == '%') {
		char *end;
		double v = strtod(s, &end);

		if (end != s + len - 1 || !isfinite(v) || v <= 0 || v > 100)
			return fs_wl_yerr(c, n, "\"%s\" expects a percentage in (0, 100] or a size, got \"%s\"", key, s);
		*frac = v / 100;
		return 0;
	}
	if (!s || fs_parse_size(s, &bytes) || bytes < 4096)
		return fs_wl_yerr(c, n, "\"%s\" expects a size such as 2G or a percentage of memory such as 40%%, got \"%s\"",
			    key, s ? s : "(not a scalar)");
	*pages = bytes >> FS_PAGE_SHIFT;
	return 0;
}

/* gfp flags as the kernel spells them (sim/gfp.c: "GFP_ATOMIC|__GFP_COMP"):
 * the bits, the migrate type gfp_migratetype() gives, and FS_EVF_ATOMIC
 * for a caller that may not enter direct reclaim. */
int fs_wl_get_gfp(struct fs_wl_yctx *c, const yaml_node_t *n, uint8_t *mt, uint8_t *flags,
		  uint32_t *gfp)
{
	const char *s = fs_wl_scalar(n);

	if (!s || !*s || fs_gfp_parse(s, strlen(s), gfp))
		return fs_wl_yerr(c, n, "\"gfp\" expects kernel gfp flags such as GFP_KERNEL, GFP_ATOMIC, "
			    "GFP_HIGHUSER_MOVABLE or GFP_TRANSHUGE_LIGHT|__GFP_COMP, got \"%s\"",
			    s ? s : "(not a scalar)");
	*mt = (uint8_t)fs_gfp_migratetype(*gfp);
	*flags = (uint8_t)((*flags & ~FS_EVF_ATOMIC) | FS_EVF_HAS_GFP |
			   (*gfp & FS_GFP_DIRECT_RECLAIM ? 0 : FS_EVF_ATOMIC));
	return 0;
}

int fs_wl_get_mt(struct fs_wl_yctx *c, const yaml_node_t *n, uint8_t *mt)
{
	const char *s = fs_wl_scalar(n);
	int v = s ? fs_mt_parse(s, strlen(s)) : -1;

	if (v < 0 || v > FS_MT_HIGHATOMIC)
		return fs_wl_yerr(c, n, "\"migratetype\" expects unmovable, movable, reclaimable or highatomic, got \"%s\"",
			    s ? s : "(not a scalar)");
	*mt = (uint8_t)v;
	return 0;
}

/* order: 3, or order: {0: 90, 1: 5, 3: 5} (relative weights) */
int fs_wl_get_order(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_class *cl)
{
	double w[FS_NR_ORDERS] = { 0 }, sum = 0, acc = 0;
	uint64_t o;
	int rc;

	cl->order_mark = fs_wl_mark_of(n);
	if (n->type == YAML_SCALAR_NODE) {
		if ((rc = fs_wl_get_u64(c, n, "order", &o)))
			return rc;
		if (o > FS_ORDER_LIMIT)
			return fs_wl_yerr(c, n, "\"order\" %llu is above %u", (unsigned long long)o, FS_ORDER_LIMIT);
		w[o] = 1;
	} else if (n->type == YAML_MAPPING_NODE) {
		yaml_node_t *k, *v;
		const char *ks;

		FS_WL_FOR_PAIRS(c, n, k, v, ks) {
			double x;

			if (!ks || fs_parse_u64(ks, strlen(ks), &o))
				return fs_wl_yerr(c, k, "\"order\" weights are keyed by order, got \"%s\"", ks ? ks : "?");
			if (o > FS_ORDER_LIMIT)
				return fs_wl_yerr(c, k, "\"order\" %llu is above %u", (unsigned long long)o, FS_ORDER_LIMIT);
			if ((rc = fs_wl_get_num(c, v, "order", false, &x)))
				return rc;
			w[o] += x;
		}
	} else {
		return fs_wl_yerr(c, n, "%s", "\"order\" expects an order (0..15) or a mapping of order: weight");
	}
	for (unsigned i = 0; i < FS_NR_ORDERS; i++)
		sum += w[i];
	if (sum <= 0)
		return fs_wl_yerr(c, n, "%s", "\"order\" weights sum to 0");
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
int fs_wl_get_lifetime(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_lifetime *l)
{
	const char *s = fs_wl_scalar(n), *ks;
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
				return fs_wl_yerr(c, n, "\"lifetime\" expects a duration, forever, until_reclaimed or "
					    "a mapping with dist, got \"%s\"", s);
			l->dist = FS_WL_LIFE_FIXED;
			l->a = (double)ns;
		}
		return 0;
	}
	if ((rc = fs_wl_need_map(c, n, "lifetime", "dist: fixed, exponential, lognormal or pareto")))
		return rc;
	FS_WL_FOR_PAIRS(c, n, k, v, ks)
		if (ks && !strcmp(ks, "dist"))
			dist = v;
	if (!dist)
		return fs_wl_yerr(c, n, "%s", "\"lifetime\" needs \"dist\" (fixed, exponential, lognormal or pareto)");
	for (unsigned i = 0; i < FS_ARRAY_SIZE(life_table); i++)
		if (fs_wl_scalar(dist) && !strcmp(fs_wl_scalar(dist), life_table[i].name))
			t = (int)i;
	if (t < 0)
		return fs_wl_yerr(c, dist, "unknown distribution \"%s\" for \"dist\" (expected fixed, exponential, "
			    "lognormal or pareto)", fs_wl_scalar(dist) ? fs_wl_scalar(dist) : "?");
	l->dist = life_table[t].dist;
	FS_WL_FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return fs_wl_yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "dist"))
			continue;
		if (!strcmp(ks, life_table[t].a)) {
			if ((rc = fs_wl_get_duration(c, v, ks, &ns)))
				return rc;
			if (!ns && l->dist != FS_WL_LIFE_FIXED)
				return fs_wl_yerr(c, v, "\"%s\" must be positive", ks);
			l->a = (double)ns;
			have_a = true;
		} else if (life_table[t].b && !strcmp(ks, life_table[t].b)) {
			if ((rc = fs_wl_get_num(c, v, ks, l->dist == FS_WL_LIFE_PARETO, &l->b)))
				return rc;
			have_b = true;
		} else if (!strcmp(ks, "max")) {
			if ((rc = fs_wl_get_duration(c, v, ks, &ns)))
				return rc;
			l->max = (double)ns;
		} else {
			return fs_wl_yerr(c, k, "unknown key \"%s\" in a %s lifetime (expected dist, %s%s%s and max)", ks,
				    life_table[t].name, life_table[t].a, life_table[t].b ? ", " : "",
				    life_table[t].b ? life_table[t].b : "");
		}
	}
	if (!have_a || (life_table[t].b && !have_b))
		return fs_wl_yerr(c, n, "a %s lifetime needs \"%s\"%s%s", life_table[t].name, life_table[t].a,
			    life_table[t].b ? " and " : "", life_table[t].b ? life_table[t].b : "");
	return 0;
}

/* The arrival keys a class and a phase share: arrival, rate, every, count.
 * 1 = the key was one of them, 0 = not, <0 error. */
int fs_wl_arrive_key(struct fs_wl_yctx *c, const char *ks, yaml_node_t *v, struct fs_wl_arrive *a,
		      unsigned *seen)
{
	const char *s = fs_wl_scalar(v);
	int rc;

	if (!strcmp(ks, "arrival")) {
		if (s && !strcmp(s, "poisson"))
			a->process = FS_WL_POISSON;
		else if (s && !strcmp(s, "fixed"))
			a->process = FS_WL_FIXED;
		else if (s && !strcmp(s, "burst"))
			a->process = FS_WL_BURST;
		else
			return fs_wl_yerr(c, v, "\"arrival\" expects poisson, fixed or burst, got \"%s\"", s ? s : "?");
		*seen |= 1;
	} else if (!strcmp(ks, "rate")) {
		if ((rc = fs_wl_get_num(c, v, ks, false, &a->rate)))
			return rc;
		*seen |= 2;
	} else if (!strcmp(ks, "every")) {
		if ((rc = fs_wl_get_duration(c, v, ks, &a->every_ns)))
			return rc;
		if (!a->every_ns)
			return fs_wl_yerr(c, v, "%s", "\"every\" must be positive");
		*seen |= 4;
	} else if (!strcmp(ks, "count")) {
		if ((rc = fs_wl_get_u64(c, v, ks, &a->count)))
			return rc;
		*seen |= 8;
	} else {
		return 0;
	}
	return 1;
}

int fs_wl_check_arrive(struct fs_wl_yctx *c, const yaml_node_t *n, const struct fs_wl_arrive *a,
			const char *what)
{
	if (a->process == FS_WL_BURST && (!a->every_ns || !a->count))
		return fs_wl_yerr(c, n, "%s: burst arrivals need \"every\" and \"count\"", what);
	return 0;
}
