/* policy.c - policy specs ("name:k=v,k=v"), tunables, lifecycle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compact.h"
#include "internal.h"

#define COMPACTION_SUFFIX "+compaction"

const struct fs_policy_ops *fs_policy_find(const char *name, size_t len)
{
	for (unsigned i = 0; fs_policy_table[i]; i++)
		if (strlen(fs_policy_table[i]->name) == len &&
		    !strncmp(fs_policy_table[i]->name, name, len))
			return fs_policy_table[i];
	return NULL;
}

/* "NAME+compaction[:...]": the length of NAME, and whether the suffix is there */
static size_t base_name_len(const char *spec, size_t nlen, bool *compaction)
{
	size_t sl = strlen(COMPACTION_SUFFIX);

	*compaction = nlen > sl && !strncmp(spec + nlen - sl, COMPACTION_SUFFIX, sl);
	return *compaction ? nlen - sl : nlen;
}

bool fs_policy_spec_compaction(const char *spec)
{
	const char *colon = strchr(spec, ':');
	bool compaction;

	base_name_len(spec, colon ? (size_t)(colon - spec) : strlen(spec), &compaction);
	return compaction;
}

static bool is_compaction_key(const char *key)
{
	for (const struct fs_tunable *t = fs_compact_tunables; t->name; t++)
		if (!strcmp(t->name, key))
			return true;
	return false;
}

int fs_policy_parse_spec(const char *spec, const struct fs_policy_ops **ops,
			 struct fs_kv *kv, unsigned *nkv, struct fs_err *err)
{
	const char *colon = strchr(spec, ':');
	bool compaction;
	size_t nlen = base_name_len(spec, colon ? (size_t)(colon - spec) : strlen(spec), &compaction);
	const char *p;
	unsigned nbase = 0;

	*nkv = 0;
	*ops = fs_policy_find(spec, nlen);
	if (!*ops) {
		char names[256] = "";

		for (unsigned i = 0; fs_policy_table[i]; i++) {
			strncat(names, i ? ", " : "", sizeof(names) - strlen(names) - 1);
			strncat(names, fs_policy_table[i]->name, sizeof(names) - strlen(names) - 1);
		}
		return fs_error(err, -EINVAL, "unknown policy \"%.*s\" (available: %s, each optionally NAME+compaction; see 'fragsim policies')",
				(int)nlen, spec, names);
	}
	for (p = colon ? colon + 1 : NULL; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);

		if (!eq || eq == p || *nkv == FS_MAX_KV ||
		    (size_t)(eq - p) >= sizeof(kv->key) || len - (size_t)(eq - p) - 1 >= sizeof(kv->val))
			return fs_error(err, -EINVAL, "policy \"%s\": expected tunable=value, got \"%.*s\"",
					(*ops)->name, (int)len, p);
		memcpy(kv[*nkv].key, p, (size_t)(eq - p));
		kv[*nkv].key[eq - p] = 0;
		memcpy(kv[*nkv].val, eq + 1, len - (size_t)(eq - p) - 1);
		kv[*nkv].val[len - (size_t)(eq - p) - 1] = 0;
		(*nkv)++;
		p = end ? end + 1 : NULL;
	}
	/* compaction's tunables go last, so the policy's init sees only its own */
	for (unsigned i = 0; i < *nkv; i++) {
		if (compaction && is_compaction_key(kv[i].key))
			continue;
		if (nbase != i) {
			struct fs_kv t = kv[nbase];

			kv[nbase] = kv[i];
			kv[i] = t;
		}
		nbase++;
	}
	return fs_tunables_check(*ops, kv, nbase, err);
}

int fs_tunables_check(const struct fs_policy_ops *ops, const struct fs_kv *kv,
		      unsigned nkv, struct fs_err *err)
{
	for (unsigned i = 0; i < nkv; i++) {
		bool known = false;

		for (const struct fs_tunable *t = ops->tunables; t && t->name; t++)
			known |= !strcmp(t->name, kv[i].key);
		if (!known)
			return fs_error(err, -EINVAL, "policy \"%s\" has no tunable \"%s\" (see 'fragsim policies')",
					ops->name, kv[i].key);
	}
	return 0;
}

const char *fs_tunable_lookup(const struct fs_tunable *tunables, const struct fs_kv *kv,
			      unsigned nkv, const char *key)
{
	for (unsigned i = nkv; i-- > 0;)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	for (const struct fs_tunable *t = tunables; t && t->name; t++)
		if (!strcmp(t->name, key))
			return t->def;
	return NULL;
}

const char *fs_tunable_get(const struct fs_policy_ops *ops, const struct fs_kv *kv,
			   unsigned nkv, const char *key)
{
	return fs_tunable_lookup(ops->tunables, kv, nkv, key);
}

int fs_tunable_bool(const char *name, const char *val, bool *out, struct fs_err *err)
{
	if (!strcmp(val, "1") || !strcmp(val, "on") || !strcmp(val, "yes") || !strcmp(val, "true"))
		*out = true;
	else if (!strcmp(val, "0") || !strcmp(val, "off") || !strcmp(val, "no") || !strcmp(val, "false"))
		*out = false;
	else
		return fs_error(err, -EINVAL, "tunable \"%s\" expects on or off, got \"%s\"", name, val);
	return 0;
}

int fs_policy_create(struct fs_policy **out, struct fs_sim *sim, const char *spec,
		     struct fs_err *err)
{
	const struct fs_policy_ops *ops;
	struct fs_kv kv[FS_MAX_KV];
	unsigned nkv;
	struct fs_policy *p;
	unsigned nbase = 0;
	int rc;

	rc = fs_policy_parse_spec(spec, &ops, kv, &nkv, err);
	if (rc)
		return rc;
	while (nbase < nkv && !(fs_policy_spec_compaction(spec) && is_compaction_key(kv[nbase].key)))
		nbase++;
	p = fs_xcalloc(1, sizeof(*p));
	p->ops = ops;
	p->m = sim->m;
	p->sim = sim;
	p->state = ops->state_size ? fs_xcalloc(1, ops->state_size) : NULL;
	snprintf(p->label, sizeof(p->label), "%s", spec);
	p->initial_class = ops->initial_class;
	if (ops->init && (rc = ops->init(p, kv, nbase, err))) {
		free(p->state);
		free(p);
		return rc;
	}
	if (fs_policy_spec_compaction(spec) &&
	    (rc = fs_compact_new(&p->compact, p, kv + nbase, nkv - nbase, err))) {
		fs_policy_destroy(p);
		return rc;
	}
	*out = p;
	return 0;
}

void fs_policy_destroy(struct fs_policy *p)
{
	if (!p)
		return;
	fs_compact_free(p->compact);
	if (p->ops->destroy)
		p->ops->destroy(p);
	free(p->state);
	free(p);
}
