/* batch_runs.c - a batch spec expanded into runs: the grid order, run ids
 * that stay the same from one invocation to the next (so that a rerun
 * finds the complete ones), and each run's command with absolute paths
 * (so that it runs from any directory, on any node that sees them). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

static bool is_workload(const char *p)
{
	size_t n = strlen(p);

	return (n > 5 && !strcmp(p + n - 5, ".yaml")) || (n > 4 && !strcmp(p + n - 4, ".yml"));
}

/* FNV-1a, 32 bits: the short hash that keeps lossy ids apart. */
static uint32_t fnv(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static size_t stem_len(const char *base)
{
	size_t n = strlen(base);
	const char *dot;

	for (unsigned k = 0; k < 2; k++) {       /* .zst/.gz, then one extension */
		if (k == 0 && !((n > 4 && !strncmp(base + n - 4, ".zst", 4)) ||
				(n > 3 && !strncmp(base + n - 3, ".gz", 3))))
			continue;
		dot = memrchr(base, '.', n);
		if (dot && dot > base)
			n = (size_t)(dot - base);
	}
	return n;
}

char *fs_batch_run_id(const char *input, const char *policy, bool has_seed, uint64_t seed,
		      bool force_hash)
{
	const char *base = strrchr(input, '/') ? strrchr(input, '/') + 1 : input;
	char id[256], sbuf[32] = "";
	bool lossy = force_hash;
	size_t n;
	uint32_t h = 2166136261u;

	if (has_seed)
		snprintf(sbuf, sizeof(sbuf), "__s%llu", (unsigned long long)seed);
	snprintf(id, sizeof(id), "%.*s__%s%s", (int)stem_len(base), base, policy, sbuf);
	for (char *p = id; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("._=+-", *p))
			continue;
		lossy |= *p != ':' && *p != ',' && *p != '_';
		*p = '_';
	}
	n = strlen(id);
	if (n > 180 || id[0] == '.') {             /* long names and dot files */
		lossy = true;
		if (n > 180)
			n = 180;
	}
	if (lossy) {
		h = fnv(h, input, strlen(input) + 1);
		h = fnv(h, policy, strlen(policy) + 1);
		h = fnv(h, sbuf, strlen(sbuf));
		snprintf(id + n, sizeof(id) - n, "__%08x", h);
	}
	return fs_xstrdup(id);
}

char *fs_batch_shell_quote(const char *s)
{
	size_t n = 0;
	char *out, *o;
	bool plain = *s != 0;

	for (const char *p = s; *p; p++)
		plain &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			 strchr("._=+-/:,@%", *p);
	if (plain)
		return fs_xstrdup(s);
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	o = out = fs_xcalloc(1, n + 3);
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o = '\'';
	return out;
}

static char **run_argv(const struct fs_batch_spec *s, const struct fs_batch_run *r,
		       const char *abs_input, const char *exe, const char *dir)
{
	char **v = fs_xcalloc(32, sizeof(*v)), buf[PATH_MAX + 300];
	unsigned n = 0;

	v[n++] = fs_xstrdup(exe);
	v[n++] = fs_xstrdup(r->kind == FS_BATCH_WORKLOAD ? "run" : "replay");
	v[n++] = fs_xstrdup("-q");
	v[n++] = fs_xstrdup("--policy");
	v[n++] = fs_xstrdup(r->policy);
	if (r->has_seed) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->seed);
		v[n++] = fs_xstrdup("--seed");
		v[n++] = fs_xstrdup(buf);
	}
	if (s->machine_abs) {
		v[n++] = fs_xstrdup("--machine");
		v[n++] = fs_xstrdup(s->machine_abs);
	}
	if (s->memory) {
		v[n++] = fs_xstrdup("--memory");
		v[n++] = fs_xstrdup(s->memory);
	}
	if (s->placement) {
		v[n++] = fs_xstrdup("--placement");
		v[n++] = fs_xstrdup(s->placement);
	}
	if (s->interval || s->every) {
		v[n++] = fs_xstrdup(s->interval ? "--interval" : "--every");
		v[n++] = fs_xstrdup(s->interval ? s->interval : s->every);
	}
	fs_batch_path(buf, sizeof(buf), dir, r->id, "csv");
	v[n++] = fs_xstrdup("-o");
	v[n++] = fs_xstrdup(buf);
	fs_batch_path(buf, sizeof(buf), dir, r->id, "json");
	v[n++] = fs_xstrdup("--summary");
	v[n++] = fs_xstrdup(buf);
	v[n++] = fs_xstrdup(abs_input);
	return v;
}

void fs_batch_expand(const struct fs_batch_spec *s, const char *exe, const char *dir,
		     struct fs_batch *b)
{
	memset(b, 0, sizeof(*b));
	for (unsigned i = 0; i < s->nr_inputs; i++) {
		bool wl = is_workload(s->inputs[i]), clash = false;
		const char *base = strrchr(s->inputs[i], '/') ? strrchr(s->inputs[i], '/') + 1 : s->inputs[i];

		/* two inputs with one stem (build/trace_pipe.txt.zst and
		 * churn/trace_pipe.txt.zst): their ids get the hash */
		for (unsigned j = 0; j < s->nr_inputs; j++) {
			const char *o = strrchr(s->inputs[j], '/') ? strrchr(s->inputs[j], '/') + 1 : s->inputs[j];

			clash |= j != i && stem_len(o) == stem_len(base) && !strncmp(o, base, stem_len(base));
		}
		for (unsigned p = 0; p < s->nr_policies; p++)
			for (unsigned k = 0; k < (wl ? s->nr_seeds : 1); k++) {
				struct fs_batch_run *r;

				b->runs = fs_xrealloc(b->runs, (b->nr_runs + 1) * sizeof(*b->runs));
				r = &b->runs[b->nr_runs++];
				memset(r, 0, sizeof(*r));
				r->input = fs_xstrdup(s->inputs[i]);
				r->kind = wl ? FS_BATCH_WORKLOAD : FS_BATCH_TRACE;
				r->policy = fs_xstrdup(s->policies[p]);
				r->has_seed = wl;
				r->seed = wl ? s->seeds[k] : 0;
				r->id = fs_batch_run_id(s->inputs[i], r->policy, r->has_seed, r->seed, clash);
				r->argv = run_argv(s, r, s->input_abs[i], exe, dir);
			}
	}
}

void fs_batch_release(struct fs_batch *b)
{
	for (unsigned i = 0; i < b->nr_runs; i++) {
		struct fs_batch_run *r = &b->runs[i];

		for (char **a = r->argv; a && *a; a++)
			free(*a);
		free(r->argv);
		free(r->id);
		free(r->input);
		free(r->policy);
	}
	free(b->runs);
	memset(b, 0, sizeof(*b));
}
