/* workload_yaml.c - workload specs from YAML (libyaml's document API): the
 * structure (top level, machine, classes, phases, probes); leaf values are
 * read by workload_values.c. The keys are documented in workloads/README.md;
 * unknown keys are errors, and every error names file:line:col of the
 * offending key or value and the key itself. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "gfp.h"
#include "workload_yaml.h"

static int load_class(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_class *cl)
{
	yaml_node_t *k, *v, *order = NULL, *mtn = NULL;
	const char *ks;
	unsigned seen = 0;
	bool lru = false, have_lru = false, ref = false;
	int rc;

	if ((rc = fs_wl_need_map(c, n, "classes", "a class: name, rate, order, lifetime, ...")))
		return rc;
	cl->mt = FS_MT_UNMOVABLE;
	cl->order_cdf[0] = 1;
	for (unsigned i = 0; i < FS_NR_ORDERS; i++)
		cl->order_cdf[i] = 1;
	cl->order_mark = fs_wl_mark_of(n);
	cl->life.dist = FS_WL_LIFE_FOREVER;
	FS_WL_FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return fs_wl_yerr(c, k, "%s", "expected a key");
		if ((rc = fs_wl_arrive_key(c, ks, v, &cl->arrive, &seen)) < 0)
			return rc;
		if (rc)
			continue;
		if (!strcmp(ks, "name")) {
			if (!(cl->name = fs_wl_get_str(c, v, ks, 63)))
				return -EINVAL;
		} else if (!strcmp(ks, "order")) {
			order = v;
		} else if (!strcmp(ks, "gfp")) {
			if ((rc = fs_wl_get_gfp(c, v, &cl->mt, &cl->flags, &cl->gfp)))
				return rc;
		} else if (!strcmp(ks, "migratetype")) {
			mtn = v;
		} else if (!strcmp(ks, "key")) {
			if (!(cl->key = fs_wl_get_str(c, v, ks, 63)))
				return -EINVAL;
			if (strpbrk(cl->key, " \t#"))
				return fs_wl_yerr(c, v, "%s", "\"key\" may not contain blanks or '#' (native traces carry it as key=NAME)");
		} else if (!strcmp(ks, "lifetime")) {
			if ((rc = fs_wl_get_lifetime(c, v, &cl->life)))
				return rc;
		} else if (!strcmp(ks, "footprint")) {
			if ((rc = fs_wl_get_footprint(c, v, ks, &cl->footprint_pages, &cl->footprint_frac)))
				return rc;
		} else if (!strcmp(ks, "reclaimable")) {
			if ((rc = fs_wl_get_bool(c, v, ks, &lru)))
				return rc;
			have_lru = true;
		} else if (!strcmp(ks, "referenced")) {
			if ((rc = fs_wl_get_bool(c, v, ks, &ref)))
				return rc;
		} else {
			return fs_wl_yerr(c, k, "unknown key \"%s\" in a class (expected name, arrival, rate, every, "
				    "count, order, gfp, migratetype, key, lifetime, footprint, reclaimable or referenced)", ks);
		}
	}
	if (!cl->name)
		return fs_wl_yerr(c, n, "%s", "a class needs \"name\"");
	if (mtn && (rc = fs_wl_get_mt(c, mtn, &cl->mt)))
		return rc;
	if (order && (rc = fs_wl_get_order(c, order, cl)))
		return rc;
	if (cl->life.dist == FS_WL_LIFE_UNTIL_RECLAIMED) {
		if (have_lru && !lru)
			return fs_wl_yerr(c, n, "class \"%s\": lifetime until_reclaimed needs reclaimable: true", cl->name);
		lru = true;
	}
	if (lru)
		cl->flags |= FS_EVF_LRU;
	if (ref && !lru)
		return fs_wl_yerr(c, n, "class \"%s\": referenced needs reclaimable: true", cl->name);
	if (ref)
		cl->flags |= FS_EVF_REFERENCED;
	if (!(seen & 2) && cl->arrive.process != FS_WL_BURST)
		return fs_wl_yerr(c, n, "class \"%s\" needs \"rate\" (allocations per second)", cl->name);
	return fs_wl_check_arrive(c, n, &cl->arrive, cl->name);
}

static int load_probe(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_probe *pr)
{
	yaml_node_t *k, *v, *order = NULL;
	const char *ks;
	uint64_t o;
	int rc;

	if ((rc = fs_wl_need_map(c, n, "probes", "at, order, count, hold")))
		return rc;
	pr->hold_ns = UINT64_MAX;
	pr->count = 1;
	pr->mt = FS_MT_MOVABLE;
	/* GFP_TRANSHUGE_LIGHT: a THP fault, no reclaim */
	pr->flags = FS_EVF_PROBE | FS_EVF_ATOMIC | FS_EVF_HAS_GFP;
	fs_gfp_parse("GFP_TRANSHUGE_LIGHT", 19, &pr->gfp);
	FS_WL_FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return fs_wl_yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "at")) {
			rc = fs_wl_get_duration(c, v, ks, &pr->at_ns);
		} else if (!strcmp(ks, "order")) {
			order = v;
			rc = 0;
		} else if (!strcmp(ks, "count")) {
			if (!(rc = fs_wl_get_u64(c, v, ks, &pr->count)) && !pr->count)
				rc = fs_wl_yerr(c, v, "%s", "\"count\" must be positive");
		} else if (!strcmp(ks, "hold")) {
			if (fs_wl_scalar(v) && !strcmp(fs_wl_scalar(v), "forever"))
				pr->hold_ns = UINT64_MAX, rc = 0;
			else
				rc = fs_wl_get_duration(c, v, ks, &pr->hold_ns);
		} else if (!strcmp(ks, "gfp")) {
			rc = fs_wl_get_gfp(c, v, &pr->mt, &pr->flags, &pr->gfp);
		} else if (!strcmp(ks, "migratetype")) {
			rc = fs_wl_get_mt(c, v, &pr->mt);
		} else if (!strcmp(ks, "key")) {
			rc = (pr->key = fs_wl_get_str(c, v, ks, 63)) ? 0 : -EINVAL;
			if (!rc && strpbrk(pr->key, " \t#"))
				rc = fs_wl_yerr(c, v, "%s", "\"key\" may not contain blanks or '#' (native traces carry it as key=NAME)");
		} else {
			return fs_wl_yerr(c, k, "unknown key \"%s\" in a probe (expected at, order, count, hold, gfp, "
				    "migratetype or key)", ks);
		}
		if (rc)
			return rc;
	}
	if (!order)
		return fs_wl_yerr(c, n, "%s", "a probe needs \"order\"");
	if ((rc = fs_wl_get_u64(c, order, "order", &o)))
		return rc;
	if (o > FS_ORDER_LIMIT)
		return fs_wl_yerr(c, order, "\"order\" %llu is above %u", (unsigned long long)o, FS_ORDER_LIMIT);
	pr->order = (unsigned)o;
	pr->order_mark = fs_wl_mark_of(order);
	return 0;
}

static int load_probes(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_probe **out, unsigned *nr)
{
	int rc;

	if (n->type == YAML_MAPPING_NODE) {      /* probe: {...}, one */
		*out = fs_xcalloc(1, sizeof(**out));
		*nr = 1;
		return load_probe(c, n, *out);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fs_wl_yerr(c, n, "%s", "\"probes\" expects a list of probes (at, order, count, hold)");
	*out = fs_xcalloc((size_t)(n->data.sequence.items.top - n->data.sequence.items.start) + 1,
			  sizeof(**out));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if ((rc = load_probe(c, yaml_document_get_node(&c->doc, *it), &(*out)[(*nr)++])))
			return rc;
	return 0;
}

static int class_index(struct fs_wl_yctx *c, const yaml_node_t *n, const char *name)
{
	for (unsigned i = 0; i < c->sp->nr_classes; i++)
		if (!strcmp(c->sp->classes[i].name, name))
			return (int)i;
	return fs_wl_yerr(c, n, "unknown class \"%s\" in a phase", name);
}

/* classes: [a, b] or {a: {rate: 10}, b: {}} or {a: null} */
static int load_phase_classes(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_phase *ph)
{
	int i, rc;

	for (unsigned j = 0; j < c->sp->nr_classes; j++)
		ph->cls[j].active = false;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(&c->doc, *it);

			if (!fs_wl_scalar(e))
				return fs_wl_yerr(c, e, "%s", "\"classes\" lists class names");
			if ((i = class_index(c, e, fs_wl_scalar(e))) < 0)
				return i;
			ph->cls[i].active = true;
		}
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return fs_wl_yerr(c, n, "%s", "\"classes\" in a phase expects a list of class names or a mapping of name: overrides");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&c->doc, p->value), *k2, *v2;
		const char *ks = fs_wl_scalar(k), *ks2;
		struct fs_wl_phase_class *pc;
		unsigned seen = 0;

		if (!ks)
			return fs_wl_yerr(c, k, "%s", "expected a class name");
		if ((i = class_index(c, k, ks)) < 0)
			return i;
		pc = &ph->cls[i];
		pc->active = true;
		if (v->type == YAML_SCALAR_NODE && (!*fs_wl_scalar(v) || !strcmp(fs_wl_scalar(v), "~") ||
						    !strcmp(fs_wl_scalar(v), "null")))
			continue;
		if ((rc = fs_wl_need_map(c, v, ks, "rate, arrival, every, count, footprint")))
			return rc;
		FS_WL_FOR_PAIRS(c, v, k2, v2, ks2) {
			if (!ks2)
				return fs_wl_yerr(c, k2, "%s", "expected a key");
			if ((rc = fs_wl_arrive_key(c, ks2, v2, &pc->arrive, &seen)) < 0)
				return rc;
			if (rc)
				continue;
			if (!strcmp(ks2, "footprint")) {
				if ((rc = fs_wl_get_footprint(c, v2, ks2, &pc->footprint_pages, &pc->footprint_frac)))
					return rc;
			} else {
				return fs_wl_yerr(c, k2, "unknown key \"%s\" for class \"%s\" in a phase (expected "
					    "arrival, rate, every, count or footprint)", ks2, ks);
			}
		}
		if ((rc = fs_wl_check_arrive(c, v, &pc->arrive, ks)))
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

static int load_phase(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_phase *ph)
{
	yaml_node_t *k, *v, *classes = NULL, *probes = NULL;
	const char *ks;
	bool have_duration = false;
	int rc;

	if ((rc = fs_wl_need_map(c, n, "phases", "name, duration, classes, probes")))
		return rc;
	phase_defaults(c->sp, ph);
	FS_WL_FOR_PAIRS(c, n, k, v, ks) {
		if (!ks)
			return fs_wl_yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "name")) {
			if (!(ph->name = fs_wl_get_str(c, v, ks, 63)))
				return -EINVAL;
		} else if (!strcmp(ks, "duration")) {
			if ((rc = fs_wl_get_duration(c, v, ks, &ph->duration_ns)))
				return rc;
			have_duration = true;
		} else if (!strcmp(ks, "classes")) {
			classes = v;
		} else if (!strcmp(ks, "probes") || !strcmp(ks, "probe")) {
			probes = v;
		} else {
			return fs_wl_yerr(c, k, "unknown key \"%s\" in a phase (expected name, duration, classes or probes)", ks);
		}
	}
	if (!have_duration)
		return fs_wl_yerr(c, n, "%s", "a phase needs \"duration\"");
	/* the class defaults come first, the phase's overrides on top */
	if (classes && (rc = load_phase_classes(c, classes, ph)))
		return rc;
	if (probes && (rc = load_probes(c, probes, &ph->probes, &ph->nr_probes)))
		return rc;
	return 0;
}

/* machine: 4G | FILE.yaml (relative to the workload) | {inline machine} */
static int load_machine(struct fs_wl_yctx *c, yaml_node_t *n)
{
	struct fs_wl_spec *sp = c->sp;
	const char *s = fs_wl_scalar(n);
	uint64_t bytes;
	int rc;

	sp->has_machine = true;
	if (n->type == YAML_MAPPING_NODE)
		return fs_layout_from_yaml_node(&sp->layout, c->path, &c->doc, n, c->err);
	if (!s)
		return fs_wl_yerr(c, n, "%s", "\"machine\" expects a size (4G), a machine file or a mapping");
	if (!fs_parse_size(s, &bytes)) {
		if (bytes < 4096 || bytes % 4096)
			return fs_wl_yerr(c, n, "\"machine\" size \"%s\" is not a whole number of 4 KiB pages", s);
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

static int load_root(struct fs_wl_yctx *c)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->doc), *k, *v;
	yaml_node_t *classes = NULL, *phases = NULL, *probes = NULL, *machine = NULL;
	struct fs_wl_spec *sp = c->sp;
	const char *ks;
	bool have_duration = false;
	uint64_t u;
	int rc;

	if (!root || root->type != YAML_MAPPING_NODE)
		return fs_wl_yerr(c, root, "%s", "expected a mapping with \"classes\" (see workloads/README.md)");
	FS_WL_FOR_PAIRS(c, root, k, v, ks) {
		if (!ks)
			return fs_wl_yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "description")) {
			if (!fs_wl_scalar(v))
				return fs_wl_yerr(c, v, "%s", "\"description\" expects text");
		} else if (!strcmp(ks, "seed")) {
			if ((rc = fs_wl_get_u64(c, v, ks, &sp->seed)))
				return rc;
		} else if (!strcmp(ks, "duration")) {
			if ((rc = fs_wl_get_duration(c, v, ks, &sp->duration_ns)))
				return rc;
			have_duration = true;
		} else if (!strcmp(ks, "cpus")) {
			if ((rc = fs_wl_get_u64(c, v, ks, &u)))
				return rc;
			if (!u || u > 65536)
				return fs_wl_yerr(c, v, "\"cpus\" must be 1..65536, got %llu", (unsigned long long)u);
			sp->cpus = (unsigned)u;
		} else if (!strcmp(ks, "machine")) {
			machine = v;
		} else if (!strcmp(ks, "classes")) {
			classes = v;
		} else if (!strcmp(ks, "phases")) {
			phases = v;
		} else if (!strcmp(ks, "probes")) {
			probes = v;
		} else if (!strcmp(ks, "compact")) {
			/* echo 1 > /proc/sys/vm/compact_memory at these times */
			if (v->type != YAML_SEQUENCE_NODE)
				return fs_wl_yerr(c, v, "%s", "\"compact\" expects a list of times such as [10s, 20s]");
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				yaml_node_t *e = yaml_document_get_node(&c->doc, *it);
				unsigned i;

				if (sp->nr_compact == FS_ARRAY_SIZE(sp->compact_ns))
					return fs_wl_yerr(c, e, "%s", "at most 16 compaction times");
				if ((rc = fs_wl_get_duration(c, e, ks, &u)))
					return rc;
				for (i = sp->nr_compact; i > 0 && sp->compact_ns[i - 1] > u; i--)
					sp->compact_ns[i] = sp->compact_ns[i - 1];
				sp->compact_ns[i] = u;
				sp->nr_compact++;
			}
		} else {
			return fs_wl_yerr(c, k, "unknown key \"%s\" (expected description, seed, duration, cpus, machine, "
				    "classes, phases, probes or compact)", ks);
		}
	}
	if (machine && (rc = load_machine(c, machine)))
		return rc;
	if (classes) {
		if (classes->type != YAML_SEQUENCE_NODE)
			return fs_wl_yerr(c, classes, "%s", "\"classes\" expects a list of classes");
		sp->classes = fs_xcalloc((size_t)(classes->data.sequence.items.top -
						  classes->data.sequence.items.start) + 1, sizeof(*sp->classes));
		for (yaml_node_item_t *it = classes->data.sequence.items.start;
		     it < classes->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(&c->doc, *it);

			if (sp->nr_classes == 200)
				return fs_wl_yerr(c, e, "%s", "more than 200 classes");
			if ((rc = load_class(c, e, &sp->classes[sp->nr_classes++])))
				return rc;
			for (unsigned j = 0; j + 1 < sp->nr_classes; j++)
				if (!strcmp(sp->classes[j].name, sp->classes[sp->nr_classes - 1].name))
					return fs_wl_yerr(c, e, "class \"%s\" is defined twice", sp->classes[j].name);
		}
	}
	if (probes && (rc = load_probes(c, probes, &sp->probes, &sp->nr_probes)))
		return rc;
	if (phases) {
		if (phases->type != YAML_SEQUENCE_NODE || phases->data.sequence.items.top == phases->data.sequence.items.start)
			return fs_wl_yerr(c, phases, "%s", "\"phases\" expects a non-empty list of phases");
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
			return fs_wl_yerr(c, root, "%s", "\"duration\" is needed when there are no \"phases\"");
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
			return fs_wl_yerr(c, root, "%s", "nothing to generate: no \"classes\" and no \"probes\"");
	}
	return 0;
}

static int load(struct fs_wl_spec **out, const char *name, yaml_parser_t *parser, struct fs_err *err)
{
	struct fs_wl_spec *sp = fs_xcalloc(1, sizeof(*sp));
	struct fs_wl_yctx c = { .path = name, .err = err, .sp = sp };
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
