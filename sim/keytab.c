/* keytab.c - interned allocator keys (subsystem or task names). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t hash_str(const char *s, size_t len)
{
	uint32_t h = 2166136261u;               /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

void fs_keytab_init(struct fs_keytab *k)
{
	memset(k, 0, sizeof(*k));
	k->cap = 64;
	k->name = fs_xcalloc(k->cap, sizeof(*k->name));
	k->n = 1;                               /* id 0 = no key */
	k->mask = 127;
	k->slot = fs_xcalloc(k->mask + 1, sizeof(*k->slot));
}

void fs_keytab_release(struct fs_keytab *k)
{
	for (uint32_t i = 1; i < k->n; i++)
		free(k->name[i]);
	free(k->name);
	free(k->slot);
	memset(k, 0, sizeof(*k));
}

static void rehash(struct fs_keytab *k)
{
	free(k->slot);
	k->mask = k->mask * 2 + 1;
	k->slot = fs_xcalloc(k->mask + 1, sizeof(*k->slot));
	for (uint32_t id = 1; id < k->n; id++) {
		uint32_t i = hash_str(k->name[id], strlen(k->name[id])) & k->mask;

		while (k->slot[i])
			i = (i + 1) & k->mask;
		k->slot[i] = id;
	}
}

uint32_t fs_keytab_intern(struct fs_keytab *k, const char *s, size_t len)
{
	uint32_t i = hash_str(s, len) & k->mask;
	char *copy;

	for (; k->slot[i]; i = (i + 1) & k->mask) {
		const char *n = k->name[k->slot[i]];

		if (strlen(n) == len && !memcmp(n, s, len))
			return k->slot[i];
	}
	if (k->n == FS_KEY_LIMIT - 1) {       /* 268 million keys: never in practice */
		fprintf(stderr, "fragsim: more than %u distinct allocator keys\n", FS_KEY_LIMIT - 2);
		abort();
	}
	if (k->n == k->cap) {
		k->cap *= 2;
		k->name = fs_xrealloc(k->name, k->cap * sizeof(*k->name));
	}
	copy = fs_xcalloc(1, len + 1);
	memcpy(copy, s, len);
	k->name[k->n] = copy;
	k->slot[i] = k->n;
	if ((k->n + 1) * 2 > k->mask + 1) {
		k->n++;
		rehash(k);
		return k->n - 1;
	}
	return k->n++;
}

const char *fs_keytab_name(const struct fs_keytab *k, uint32_t id)
{
	return id && id < k->n ? k->name[id] : "";
}
