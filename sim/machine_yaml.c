/* machine_yaml.c - machine layouts from YAML (--machine FILE.yaml).
 *
 *   max_order: 10            # optional
 *   pageblock_order: 9       # optional, clamped to max_order
 *   zones:                   # one or more, any order, no overlap
 *     - name: DMA
 *       start_pfn: 0x1       # or start: 4K (a byte address)
 *       pages: 4095          # or size: 16M
 *   holes:                   # optional: ranges inside zones that are not RAM
 *     - start_pfn: 0xc0000
 *       pages: 0x40000
 *
 * or, for one zone "Normal" from pfn 0, instead of zones and holes:
 *   memory: 4G
 *
 * Errors name the file, line and column, and the key. Unknown keys are
 * errors. */
#include <errno.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

struct yctx {
	const char *path;
	yaml_document_t doc;
	struct fs_err *err;
};

static int yerr(struct yctx *c, const yaml_node_t *n, const char *fmt, const char *what)
{
	char buf[256];

	snprintf(buf, sizeof(buf), fmt, what);
	return fs_error(c->err, -EINVAL, "%s:%zu:%zu: %s", c->path,
			n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, buf);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_u64(struct yctx *c, const yaml_node_t *n, const char *key, uint64_t *out)
{
	const char *s = scalar(n);

	if (!s || fs_parse_u64(s, strlen(s), out))
		return yerr(c, n, "\"%s\" expects a whole number (decimal or 0x hex)", key);
	return 0;
}

static int get_size_pages(struct yctx *c, const yaml_node_t *n, const char *key, uint64_t *pages)
{
	const char *s = scalar(n);
	uint64_t bytes;

	if (!s || fs_parse_size(s, &bytes))
		return yerr(c, n, "\"%s\" expects a size such as 16M or 4G", key);
	if (bytes % (1u << FS_PAGE_SHIFT))
		return yerr(c, n, "\"%s\" is not a whole number of 4 KiB pages", key);
	*pages = bytes >> FS_PAGE_SHIFT;
	return 0;
}

/* A map of {name?, start_pfn|start, pages|size} */
static int range_map(struct yctx *c, yaml_node_t *map, char *name, size_t namelen,
		     uint64_t *start, uint64_t *pages)
{
	bool have_start = false, have_pages = false;

	if (map->type != YAML_MAPPING_NODE)
		return yerr(c, map, "expected a mapping with %s", name ? "name, start_pfn and pages" : "start_pfn and pages");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&c->doc, p->value);
		const char *ks = scalar(k);
		int rc = 0;

		if (!ks)
			return yerr(c, k, "%s", "expected a key");
		if (name && !strcmp(ks, "name")) {
			const char *vs = scalar(v);

			if (!vs || !*vs || strlen(vs) >= namelen)
				return yerr(c, v, "\"%s\" expects a zone name of at most 15 characters", ks);
			strcpy(name, vs);
		} else if (!strcmp(ks, "start_pfn")) {
			rc = get_u64(c, v, ks, start);
			have_start = true;
		} else if (!strcmp(ks, "start")) {
			rc = get_size_pages(c, v, ks, start);
			have_start = true;
		} else if (!strcmp(ks, "pages")) {
			rc = get_u64(c, v, ks, pages);
			have_pages = true;
		} else if (!strcmp(ks, "size")) {
			rc = get_size_pages(c, v, ks, pages);
			have_pages = true;
		} else {
			return yerr(c, k, "unknown key \"%s\" (expected name, start_pfn, start, pages or size)", ks);
		}
		if (rc)
			return rc;
	}
	if (!have_start || !have_pages || (name && !name[0]))
		return yerr(c, map, "%s", name ? "a zone needs name, start_pfn (or start) and pages (or size)"
					       : "a hole needs start_pfn (or start) and pages (or size)");
	return 0;
}

static int load_root(struct yctx *c, yaml_node_t *root, struct fs_layout *l)
{
	yaml_node_t *memory = NULL;

	if (!root || root->type != YAML_MAPPING_NODE)
		return yerr(c, root, "%s", "expected a mapping with a \"zones\" list");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&c->doc, p->value);
		const char *ks = scalar(k);
		uint64_t u;
		int rc;

		if (!ks)
			return yerr(c, k, "%s", "expected a key");
		if (!strcmp(ks, "max_order") || !strcmp(ks, "pageblock_order")) {
			if ((rc = get_u64(c, v, ks, &u)))
				return rc;
			if (u > FS_ORDER_LIMIT)
				return yerr(c, v, "\"%s\" must be at most 15", ks);
			*(ks[0] == 'm' ? &l->max_order : &l->pageblock_order) = (unsigned)u;
		} else if (!strcmp(ks, "memory")) {
			if (l->nr_zones || l->nr_holes)
				return yerr(c, k, "%s", "\"memory\" excludes \"zones\" and \"holes\"");
			if ((rc = get_size_pages(c, v, ks, &u)))
				return rc;
			if (!u)
				return yerr(c, v, "\"%s\" must be at least one page", ks);
			l->nr_zones = 1;
			strcpy(l->zones[0].name, "Normal");
			l->zones[0].start_pfn = 0;
			l->zones[0].nr_pages = u;
			memory = k;
		} else if (!strcmp(ks, "zones") || !strcmp(ks, "holes")) {
			bool zones = ks[0] == 'z';

			if (memory)
				return yerr(c, k, "%s", "\"memory\" excludes \"zones\" and \"holes\"");
			if (v->type != YAML_SEQUENCE_NODE)
				return yerr(c, v, "\"%s\" expects a list", ks);
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
				yaml_node_t *e = yaml_document_get_node(&c->doc, *it);

				if (zones) {
					struct fs_zone_spec *zs;

					if (l->nr_zones == FS_MAX_ZONES)
						return yerr(c, e, "more than %s zones", "8");
					zs = &l->zones[l->nr_zones++];
					memset(zs, 0, sizeof(*zs));
					rc = range_map(c, e, zs->name, sizeof(zs->name), &zs->start_pfn, &zs->nr_pages);
				} else {
					struct fs_hole *h;

					if (l->nr_holes == FS_ARRAY_SIZE(l->holes))
						return yerr(c, e, "more than %s holes", "16");
					h = &l->holes[l->nr_holes++];
					rc = range_map(c, e, NULL, 0, &h->start_pfn, &h->nr_pages);
				}
				if (rc)
					return rc;
			}
		} else {
			return yerr(c, k, "unknown key \"%s\" (expected max_order, pageblock_order, memory, zones or holes)", ks);
		}
	}
	if (l->nr_zones == 0)
		return yerr(c, root, "%s", "no zones given");
	return 0;
}

int fs_layout_load_yaml(struct fs_layout *l, const char *path, struct fs_err *err)
{
	struct yctx c = { .path = path, .err = err };
	yaml_parser_t parser;
	FILE *fp = fopen(path, "rb");
	int rc;

	if (!fp)
		return fs_error(err, -errno, "cannot open machine file \"%s\": %s", path, strerror(errno));
	memset(l, 0, sizeof(*l));
	l->max_order = 10;
	l->pageblock_order = 9;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &c.doc)) {
		rc = fs_error(err, -EINVAL, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
			      parser.problem_mark.column + 1,
			      parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		fclose(fp);
		return rc;
	}
	rc = load_root(&c, yaml_document_get_root_node(&c.doc), l);
	yaml_document_delete(&c.doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	if (rc)
		return rc;
	rc = fs_layout_validate(l, err);
	if (rc)
		fs_err_prefix(err, "%s: ", path);
	return rc;
}

/* A machine given inline in another YAML document (a workload's machine:
 * mapping): the same keys, errors at file:line:col of that document. */
int fs_layout_from_yaml_node(struct fs_layout *l, const char *path, struct yaml_document_s *doc,
			     struct yaml_node_s *node, struct fs_err *err)
{
	struct yctx c = { .path = path, .doc = *doc, .err = err };
	int rc;

	memset(l, 0, sizeof(*l));
	l->max_order = 10;
	l->pageblock_order = 9;
	if ((rc = load_root(&c, node, l)))
		return rc;
	rc = fs_layout_validate(l, err);
	if (rc)
		fs_err_prefix(err, "%s:%zu:%zu: ", path, node->start_mark.line + 1,
			      node->start_mark.column + 1);
	return rc;
}
