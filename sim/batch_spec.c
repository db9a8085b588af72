/* batch_spec.c - the batch spec (YAML) and its expansion into runs.
 *
 *   inputs:                       # traces (any format replay reads) and
 *     - ../traces/tiny.trace      # workloads (*.yaml, `fragsim run`);
 *     - ../workloads/thp.yaml     # paths relative to this file
 *   policies:
 *     - buddy                     # a spec as --policy takes it
 *     - linux-4.19:pcp=off
 *     - linux-6.15: {nofragment: [on, off], boost: [0, 15000]}   # a grid
 *   seeds: [1, 2, 3]              # for workloads (--seed); default [1]
 *   interval: 100ms               # or every: 1000 (sampling)
 *   machine: ../traces/vm-24g.yaml  # or memory: 64M; optional
 *   placement: policy             # or trace; optional
 *
 * (Its expansion into runs, their ids and commands: batch_runs.c.)
 *
 * Every problem is reported before any run starts, with file:line:col:
 * YAML syntax, unknown keys, a missing input or machine, an unknown policy
 * or tunable, a tunable value the policy refuses. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "batch.h"

#define MAX_GRID 4096             /* specs from one policy entry */

struct yctx {
	const char *path;
	yaml_document_t doc;
	struct fs_err *err;
	struct fs_layout layout;      /* the machine the tunable values are checked on */
};

static int yerr(struct yctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int yerr(struct yctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return fs_error(c->err, -EINVAL, "%s:%zu:%zu: %s", c->path, n ? n->start_mark.line + 1 : 0,
			n ? n->start_mark.column + 1 : 0, buf);
}

static yaml_node_t *node(struct yctx *c, int id)
{
	return yaml_document_get_node(&c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static void push(char ***arr, unsigned *n, char *s)
{
	*arr = fs_xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = s;
}

/* A path in the spec, relative to the spec's directory, made absolute. */
static char *resolve(const char *spec_path, const char *p)
{
	char buf[PATH_MAX * 2], cwd[PATH_MAX];
	const char *slash = strrchr(spec_path, '/');

	if (p[0] == '/')
		snprintf(buf, sizeof(buf), "%s", p);
	else if (!getcwd(cwd, sizeof(cwd)))
		snprintf(buf, sizeof(buf), "%s", p);
	else if (spec_path[0] == '/')
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - spec_path), spec_path, p);
	else if (slash)
		snprintf(buf, sizeof(buf), "%s/%.*s/%s", cwd, (int)(slash - spec_path), spec_path, p);
	else
		snprintf(buf, sizeof(buf), "%s/%s", cwd, p);
	/* "/a/batches/../traces/x" -> "/a/traces/x" when it exists, for
	 * readable commands; a missing file is reported by the caller */
	if (realpath(buf, cwd))
		return fs_xstrdup(cwd);
	return fs_xstrdup(buf);
}

/* A string or a list of strings. */
static int strings(struct yctx *c, yaml_node_t *v, const char *key, yaml_node_t ***out, unsigned *n)
{
	*n = 0;
	*out = NULL;
	if (scalar(v)) {
		*out = fs_xcalloc(1, sizeof(**out));
		(*out)[(*n)++] = v;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return yerr(c, v, "\"%s\" expects a list", key);
	*out = fs_xcalloc((size_t)(v->data.sequence.items.top - v->data.sequence.items.start) + 1,
			  sizeof(**out));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = node(c, *it);

		if (!scalar(e) || !*scalar(e)) {
			free(*out);
			*out = NULL;
			return yerr(c, e, "\"%s\" expects a list of names or values", key);
		}
		(*out)[(*n)++] = e;
	}
	if (!*n) {
		free(*out);
		*out = NULL;
		return yerr(c, v, "\"%s\" is empty", key);
	}
	return 0;
}

/* The policy spec must name a policy, known tunables, and values the
 * policy accepts: a simulation is built on the batch's machine (or the
 * default one) to ask it. */
static int check_spec(struct yctx *c, const yaml_node_t *at, const char *spec)
{
	const struct fs_policy_ops *ops;
	struct fs_kv kv[FS_MAX_KV];
	unsigned nkv;
	struct fs_sim *sim;
	struct fs_err e = { "" };

	if (fs_policy_parse_spec(spec, &ops, kv, &nkv, &e) ||
	    fs_sim_new(&sim, &c->layout, spec, FS_PLACE_POLICY, &e))
		return yerr(c, at, "%s", e.msg);
	fs_sim_free(sim);
	return 0;
}

static int add_spec(struct yctx *c, const yaml_node_t *at, const char *spec, struct fs_batch_spec *s)
{
	int rc = check_spec(c, at, spec);

	if (rc)
		return rc;
	for (unsigned i = 0; i < s->nr_policies; i++)
		if (!strcmp(s->policies[i], spec))
			return yerr(c, at, "policy \"%s\" is listed twice", spec);
	push(&s->policies, &s->nr_policies, fs_xstrdup(spec));
	return 0;
}

/* name: {tunable: [v, ...], ...} -> name:t1=v,t2=w for every combination,
 * the first tunable varying slowest. */
static int policy_grid(struct yctx *c, yaml_node_t *k, yaml_node_t *v, struct fs_batch_spec *s)
{
	const char *base = scalar(k);
	yaml_node_t **vals[FS_MAX_KV];
	unsigned nvals[FS_MAX_KV], idx[FS_MAX_KV] = { 0 }, nt = 0, total = 1;
	const char *tname[FS_MAX_KV];
	int rc = 0;

	if (!base || !*base)
		return yerr(c, k, "%s", "expected a policy name");
	if ((rc = check_spec(c, k, base)))
		return rc;
	if (v->type == YAML_SCALAR_NODE && !*scalar(v)) {
		/* "- linux-6.15:" with nothing after: the policy's defaults */
		return add_spec(c, k, base, s);
	}
	if (v->type != YAML_MAPPING_NODE)
		return yerr(c, v, "policy \"%s\" expects a mapping of tunables to values or lists of values", base);
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *tk = node(c, p->key);

		if (!scalar(tk) || nt == FS_MAX_KV) {
			rc = yerr(c, tk, "%s", nt == FS_MAX_KV ? "too many tunables" : "expected a tunable name");
			goto out_free;
		}
		tname[nt] = scalar(tk);
		if ((rc = strings(c, node(c, p->value), tname[nt], &vals[nt], &nvals[nt])))
			goto out_free;
		/* each tunable and value alone first, so that the error points
		 * at the key or the value that is wrong */
		for (unsigned i = 0; i < nvals[nt]; i++) {
			char one[256];

			snprintf(one, sizeof(one), "%s%s%s=%s", base, strchr(base, ':') ? "," : ":",
				 tname[nt], scalar(vals[nt][i]));
			if ((rc = check_spec(c, vals[nt][i], one))) {
				if (strstr(c->err->msg, "no tunable"))
					rc = check_spec(c, tk, one);
				nt++;
				goto out_free;
			}
		}
		total *= nvals[nt++];
		if (total > MAX_GRID) {
			rc = yerr(c, v, "policy \"%s\": the grid has more than %d combinations", base, MAX_GRID);
			goto out_free;
		}
	}
	for (unsigned done = 0; done < total; done++) {
		char spec[512];
		size_t len = (size_t)snprintf(spec, sizeof(spec), "%s", base);

		for (unsigned t = 0; t < nt && len < sizeof(spec); t++)
			len += (size_t)snprintf(spec + len, sizeof(spec) - len, "%s%s=%s",
						t || strchr(base, ':') ? "," : ":", tname[t],
						scalar(vals[t][idx[t]]));
		if (len >= sizeof(spec)) {
			rc = yerr(c, k, "policy spec \"%.60s...\" is too long", spec);
			goto out_free;
		}
		if ((rc = add_spec(c, k, spec, s)))
			goto out_free;
		for (unsigned t = nt; t-- > 0;) {     /* odometer: the last tunable fastest */
			if (++idx[t] < nvals[t])
				break;
			idx[t] = 0;
		}
	}
out_free:
	while (nt--)
		free(vals[nt]);
	return rc;
}

static int load_policies(struct yctx *c, yaml_node_t *v, struct fs_batch_spec *s)
{
	yaml_node_item_t *it;
	int rc;

	if (v->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++)
			if ((rc = policy_grid(c, node(c, p->key), node(c, p->value), s)))
				return rc;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return yerr(c, v, "%s", "\"policies\" expects a list of policy specs or {policy: {tunable: [values]}}");
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = node(c, *it);

		if (scalar(e)) {
			if (!*scalar(e))
				return yerr(c, e, "%s", "empty policy spec");
			if ((rc = add_spec(c, e, scalar(e), s)))
				return rc;
		} else if (e->type == YAML_MAPPING_NODE) {
			if ((rc = load_policies(c, e, s)))
				return rc;
		} else {
			return yerr(c, e, "%s", "expected a policy spec or {policy: {tunable: [values]}}");
		}
	}
	if (!s->nr_policies)
		return yerr(c, v, "%s", "\"policies\" is empty");
	return 0;
}

static int load_inputs(struct yctx *c, yaml_node_t *v, struct fs_batch_spec *s)
{
	yaml_node_t **items;
	unsigned n;
	int rc = strings(c, v, "inputs", &items, &n);

	for (unsigned i = 0; !rc && i < n; i++) {
		const char *p = scalar(items[i]);
		char *abs = resolve(c->path, p);

		if (access(abs, R_OK))
			rc = yerr(c, items[i], "cannot read input \"%s\": %s", abs, strerror(errno));
		for (unsigned j = 0; !rc && j < s->nr_inputs; j++)
			if (!strcmp(s->input_abs[j], abs))
				rc = yerr(c, items[i], "input \"%s\" is listed twice", p);
		if (rc) {
			free(abs);
			break;
		}
		push(&s->inputs, &s->nr_inputs, fs_xstrdup(p));
		s->nr_inputs--;
		push(&s->input_abs, &s->nr_inputs, abs);
	}
	free(items);
	return rc;
}

static int load_seeds(struct yctx *c, yaml_node_t *v, struct fs_batch_spec *s)
{
	yaml_node_t **items;
	unsigned n;
	int rc = strings(c, v, "seeds", &items, &n);

	for (unsigned i = 0; !rc && i < n; i++) {
		const char *p = scalar(items[i]);

		s->seeds = fs_xrealloc(s->seeds, (s->nr_seeds + 1) * sizeof(*s->seeds));
		if (fs_parse_u64(p, strlen(p), &s->seeds[s->nr_seeds++]))
			rc = yerr(c, items[i], "\"seeds\" expects whole numbers, got \"%s\"", p);
		for (unsigned j = 0; !rc && j + 1 < s->nr_seeds; j++)
			if (s->seeds[j] == s->seeds[s->nr_seeds - 1])
				rc = yerr(c, items[i], "seed %s is listed twice", p);
	}
	free(items);
	return rc;
}

/* A one-value option passed on to every run, checked here as replay would. */
static int load_option(struct yctx *c, const char *key, yaml_node_t *v, struct fs_batch_spec *s)
{
	const char *val = scalar(v);
	uint64_t u;

	if (!val || !*val)
		return yerr(c, v, "\"%s\" expects a value", key);
	if (!strcmp(key, "interval")) {
		if (fs_parse_duration(val, &u) || !u)
			return yerr(c, v, "\"interval\" expects a duration such as 1s or 100ms, got \"%s\"", val);
		s->interval = fs_xstrdup(val);
	} else if (!strcmp(key, "every")) {
		if (fs_parse_u64(val, strlen(val), &u) || !u)
			return yerr(c, v, "\"every\" expects a positive number of events, got \"%s\"", val);
		s->every = fs_xstrdup(val);
	} else if (!strcmp(key, "memory")) {
		if (fs_parse_size(val, &u) || u < 4096 || u % 4096)
			return yerr(c, v, "\"memory\" expects a size of whole 4 KiB pages such as 64M, got \"%s\"", val);
		s->memory = fs_xstrdup(val);
		fs_layout_single(&c->layout, u >> FS_PAGE_SHIFT);
	} else if (!strcmp(key, "placement")) {
		if (strcmp(val, "policy") && strcmp(val, "trace"))
			return yerr(c, v, "\"placement\" expects policy or trace, got \"%s\"", val);
		s->placement = fs_xstrdup(val);
	} else {                              /* machine */
		struct fs_err e = { "" };

		s->machine_abs = resolve(c->path, val);
		if (fs_layout_load_yaml(&c->layout, s->machine_abs, &e))
			return yerr(c, v, "machine: %s", e.msg);
	}
	return 0;
}

static const char *const keys[] = { "inputs", "policies", "seeds", "interval", "every",
				    "machine", "memory", "placement" };

static int load_root(struct yctx *c, struct fs_batch_spec *s)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->doc), *by_key[FS_ARRAY_SIZE(keys)] = { 0 };
	int rc;

	if (!root || root->type != YAML_MAPPING_NODE)
		return yerr(c, root, "%s", "expected a mapping with \"inputs\" and \"policies\"");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(c, p->key);
		const char *ks = scalar(k);
		unsigned i;

		for (i = 0; ks && i < FS_ARRAY_SIZE(keys) && strcmp(ks, keys[i]); i++)
			;
		if (!ks || i == FS_ARRAY_SIZE(keys))
			return yerr(c, k, "unknown key \"%s\" (expected inputs, policies, seeds, interval, every, machine, memory or placement)",
				    ks ? ks : "?");
		if (by_key[i])
			return yerr(c, k, "\"%s\" given twice", ks);
		by_key[i] = node(c, p->value);
	}
	if (!by_key[0] || !by_key[1])
		return yerr(c, root, "%s", "a batch needs \"inputs\" and \"policies\"");
	if (by_key[3] && by_key[4])
		return yerr(c, by_key[4], "%s", "\"interval\" and \"every\" exclude each other");
	if (by_key[5] && by_key[6])
		return yerr(c, by_key[6], "%s", "\"machine\" and \"memory\" exclude each other");
	/* the machine first: tunable values are checked on it */
	for (unsigned i = 3; i < FS_ARRAY_SIZE(keys); i++)
		if (by_key[i] && (rc = load_option(c, keys[i], by_key[i], s)))
			return rc;
	if ((rc = load_inputs(c, by_key[0], s)) || (rc = load_policies(c, by_key[1], s)))
		return rc;
	if (by_key[2] && (rc = load_seeds(c, by_key[2], s)))
		return rc;
	if (!s->nr_seeds) {
		s->seeds = fs_xcalloc(1, sizeof(*s->seeds));
		s->seeds[s->nr_seeds++] = 1;
	}
	return 0;
}

int fs_batch_spec_load(struct fs_batch_spec *s, const char *path, struct fs_err *err)
{
	struct yctx c = { .path = path, .err = err };
	yaml_parser_t parser;
	FILE *fp = fopen(path, "rb");
	int rc;

	memset(s, 0, sizeof(*s));
	if (!fp)
		return fs_error(err, -errno, "cannot open batch spec \"%s\": %s", path, strerror(errno));
	s->path = fs_xstrdup(path);
	fs_layout_default(&c.layout);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &c.doc)) {
		rc = fs_error(err, -EINVAL, "%s:%zu:%zu: %s%s%s", path, parser.problem_mark.line + 1,
			      parser.problem_mark.column + 1,
			      parser.problem ? parser.problem : "YAML syntax error",
			      parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(fp);
		return rc;
	}
	rc = load_root(&c, s);
	yaml_document_delete(&c.doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

void fs_batch_spec_release(struct fs_batch_spec *s)
{
	for (unsigned i = 0; i < s->nr_inputs; i++) {
		free(s->inputs[i]);
		free(s->input_abs[i]);
	}
	for (unsigned i = 0; i < s->nr_policies; i++)
		free(s->policies[i]);
	free(s->inputs);
	free(s->input_abs);
	free(s->policies);
	free(s->seeds);
	free(s->path);
	free(s->machine_abs);
	free(s->memory);
	free(s->interval);
	free(s->every);
	free(s->placement);
	memset(s, 0, sizeof(*s));
}
