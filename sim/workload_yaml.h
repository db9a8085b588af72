/* workload_yaml.h - what the two halves of the workload parser share:
 * workload_values.c reads leaf values (numbers, durations, sizes, gfp
 * names, order distributions, lifetimes), workload_yaml.c the structure
 * (classes, phases, probes, machine). Private to those two files. */
#ifndef FRAGSIM_WORKLOAD_YAML_H
#define FRAGSIM_WORKLOAD_YAML_H

#include <yaml.h>

#include "workload.h"

struct fs_wl_yctx {
	const char *path;
	yaml_document_t doc;
	struct fs_err *err;
	struct fs_wl_spec *sp;
};

/* Iterate a mapping node's pairs: k, v the nodes, ks the key's text (NULL
 * if the key is not a scalar). */
#define FS_WL_FOR_PAIRS(c, map, k, v, ks)                                                           \
	for (yaml_node_pair_t *p_ = (map)->data.mapping.pairs.start;                          \
	     p_ < (map)->data.mapping.pairs.top &&                                            \
	     ((k) = yaml_document_get_node(&(c)->doc, p_->key),                               \
	      (v) = yaml_document_get_node(&(c)->doc, p_->value), (ks) = fs_wl_scalar(k), 1);  \
	     p_++)

/* "file:line:col: message" for node n, -EINVAL */
int fs_wl_yerr(struct fs_wl_yctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *fs_wl_scalar(const yaml_node_t *n);          /* text, or NULL if not a scalar */
struct fs_wl_mark fs_wl_mark_of(const yaml_node_t *n);
int fs_wl_need_map(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, const char *what);
int fs_wl_get_u64(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, uint64_t *out);
/* a finite number >= 0 (> 0 with positive) */
int fs_wl_get_num(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, bool positive, double *out);
int fs_wl_get_duration(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, uint64_t *ns);
int fs_wl_get_bool(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, bool *out);
/* a copy of a name of 1..max characters, or NULL with the error filled */
char *fs_wl_get_str(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, size_t max);
/* "40%" (-> frac) or a size (-> pages) */
int fs_wl_get_footprint(struct fs_wl_yctx *c, const yaml_node_t *n, const char *key, uint64_t *pages,
			double *frac);
/* kernel gfp flags: the bits, migrate type, FS_EVF_HAS_GFP and FS_EVF_ATOMIC */
int fs_wl_get_gfp(struct fs_wl_yctx *c, const yaml_node_t *n, uint8_t *mt, uint8_t *flags,
		  uint32_t *gfp);
int fs_wl_get_mt(struct fs_wl_yctx *c, const yaml_node_t *n, uint8_t *mt);
/* order: N or {order: weight, ...} into cl's cumulative distribution */
int fs_wl_get_order(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_class *cl);
int fs_wl_get_lifetime(struct fs_wl_yctx *c, yaml_node_t *n, struct fs_wl_lifetime *l);
/* arrival, rate, every, count: 1 = one of them (read into a, bit set in
 * *seen: 1 arrival, 2 rate, 4 every, 8 count), 0 = another key, <0 error */
int fs_wl_arrive_key(struct fs_wl_yctx *c, const char *ks, yaml_node_t *v, struct fs_wl_arrive *a,
		     unsigned *seen);
/* bursts need every and count */
int fs_wl_check_arrive(struct fs_wl_yctx *c, const yaml_node_t *n, const struct fs_wl_arrive *a,
		       const char *what);

#endif
