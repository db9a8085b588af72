/* policy.c - policy specs ("name:k=v,k=v"), tunables, lifecycle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const struct fs_policy_ops *fs_policy_find(const char *name, size_t len)
{
	for (unsigned i = 0; fs_policy_table[i]; i++)
		if (strlen(fs_policy_table[i]->name) == len &&
		    !strncmp(fs_policy_table[i]->name, name, len))
			return fs_policy_table[i];
	return NULL;
}

int fs_policy_parse_spec(const char *spec, const struct fs_policy_ops **ops,
			 struct fs_kv *kv, unsigned *nkv, struct fs_err *err)
{
	const char *colon = strchr(spec, ':');
	size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *p;

	*nkv = 0;
	*ops = fs_policy_find(spec, nlen);
	if (!*ops) {
		char names[256] = "";

		for (unsigned i = 0; fs_policy_table[i]; i++) {
			strncat(names, i ? ", " : "", sizeof(names) - strlen(names) - 1);
			strncat(names, fs_policy_table[i]->name, sizeof(names) - strlen(names) - 1);
		}
		return fs_error(err, -EINVAL, "unknown policy \"%.*s\" (available: %s; see 'fragsim policies')",
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
	return fs_tunables_check(*ops, kv, *nkv, err);
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

const char *fs_tunable_get(const struct fs_policy_ops *ops, const struct fs_kv *kv,
			   unsigned nkv, const char *key)
{
	for (unsigned i = nkv; i-- > 0;)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	for (const struct fs_tunable *t = ops->tunables; t && t->name; t++)
		if (!strcmp(t->name, key))
			return t->def;
	return NULL;
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
	int rc;

	rc = fs_policy_parse_spec(spec, &ops, kv, &nkv, err);
	if (rc)
		return rc;
	p = fs_xcalloc(1, sizeof(*p));
	p->ops = ops;
	p->m = sim->m;
	p->sim = sim;
	p->state = ops->state_size ? fs_xcalloc(1, ops->state_size) : NULL;
	snprintf(p->label, sizeof(p->label), "%s", spec);
	p->initial_class = ops->initial_class;
	if (ops->init && (rc = ops->init(p, kv, nkv, err))) {
		free(p->state);
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void fs_policy_destroy(struct fs_policy *p)
{
	if (!p)
		return;
	if (p->ops->destroy)
		p->ops->destroy(p);
	free(p->state);
	free(p);
}
