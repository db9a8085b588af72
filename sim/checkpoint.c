/* checkpoint.c - `--checkpoints FILE`: the simulated buddyinfo against the
 * kernel's at each "capture_snap seq=N" trace marker. capture.sh writes the
 * marker, then reads /proc/buddyinfo into a record headed
 * "### capture_snap seq=N ..." (procfs.h), so the snapshot N describes the
 * allocator at the marker, give or take the events of the read itself.
 *
 * The record's header also says when buddyinfo was read (read_mono_ns, the
 * trace's clock): under load that is tens of milliseconds after the marker
 * (36 ms at pagecache-1s seq 1, while THPs came and went), so the
 * comparison is made at that time when the header gives it
 * (fs_ckpt_due), else at the marker.
 *
 * Per checkpoint and zone: the difference (simulated - kernel) in free
 * blocks per order, and two scores: the sum of |difference| in blocks, and
 * the same weighted by block size (pages). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kexact.h"
#include "procfs.h"

#define MAX_POL 16

struct zone_score {
	char name[16];
	uint64_t n;                    /* checkpoints compared */
	uint64_t worst_pages, worst_seq;
	double worst_rel;              /* |free pages diff| / kernel free pages */
	uint64_t last_blocks, last_pages, last_seq, last_kernel;
	uint64_t sum_blocks, sum_pages;  /* the scores summed over the checkpoints */
	int64_t last_diff;
};

struct fs_ckpt {
	struct fs_procfs_file snaps;
	bool *seen;                    /* per record: a marker named it */
	struct fs_outfile out;
	bool have_out;
	unsigned max_orders;
	const char *pol[MAX_POL];
	struct zone_score sc[MAX_POL][FS_MAX_ZONES];
	unsigned nr_pol;
	uint64_t markers, unmatched;
};

int fs_ckpt_open(struct fs_ckpt **out, const char *snap_path, const char *csv_path,
		 struct fs_err *err)
{
	struct fs_ckpt *c = fs_xcalloc(1, sizeof(*c));
	unsigned n = 0;
	int rc;

	if ((rc = fs_procfs_load(&c->snaps, snap_path, err))) {
		free(c);
		return rc;
	}
	c->seen = fs_xcalloc(c->snaps.nr_recs + 1, sizeof(*c->seen));
	for (unsigned i = 0; i < c->snaps.nr_recs; i++) {
		const struct fs_procfs_rec *r = &c->snaps.recs[i];

		if (r->kind != FS_PROCFS_BUDDYINFO)
			continue;
		n++;
		if (r->seq < 0) {
			rc = fs_error(err, -EINVAL, "%s:%" PRIu64 ": a buddyinfo record without a "
				      "\"### capture_snap seq=N\" header: checkpoints are matched to "
				      "the trace's capture_snap markers by seq", c->snaps.path, r->line);
			fs_ckpt_free(c);
			return rc;
		}
		for (unsigned z = 0; z < r->nr_zones; z++)
			if (r->zones[z].nr_orders > c->max_orders)
				c->max_orders = r->zones[z].nr_orders;
	}
	if (!n) {
		rc = fs_error(err, -EINVAL, "%s: no /proc/buddyinfo records in it", c->snaps.path);
		fs_ckpt_free(c);
		return rc;
	}
	if (csv_path) {
		if ((rc = fs_out_open(&c->out, csv_path, err))) {
			fs_ckpt_free(c);
			return rc;
		}
		c->have_out = true;
		fprintf(c->out.fp, "policy,seq,time_s,zone,kernel_free_pages,sim_free_pages,"
			"diff_free_pages,abs_diff_blocks,abs_diff_pages");
		for (unsigned o = 0; o < c->max_orders; o++)
			fprintf(c->out.fp, ",diff_o%u", o);
		fputc('\n', c->out.fp);
	}
	*out = c;
	return 0;
}

static const struct fs_procfs_rec *find_rec(struct fs_ckpt *c, uint64_t seq, unsigned *idx)
{
	for (unsigned i = 0; i < c->snaps.nr_recs; i++)
		if (c->snaps.recs[i].kind == FS_PROCFS_BUDDYINFO && c->snaps.recs[i].seq >= 0 &&
		    (uint64_t)c->snaps.recs[i].seq == seq) {
			*idx = i;
			return &c->snaps.recs[i];
		}
	return NULL;
}

static unsigned pol_idx(struct fs_ckpt *c, const char *policy)
{
	for (unsigned i = 0; i < c->nr_pol; i++)
		if (!strcmp(c->pol[i], policy))
			return i;
	if (c->nr_pol == MAX_POL)
		return MAX_POL - 1;
	c->pol[c->nr_pol] = policy;
	return c->nr_pol++;
}

uint64_t fs_ckpt_due(struct fs_ckpt *c, uint64_t seq, uint64_t marker_ns)
{
	unsigned ri;
	const struct fs_procfs_rec *r = find_rec(c, seq, &ri);
	const char *h;
	uint64_t t = 0;

	if (!r || !r->header || !(h = strstr(r->header, " read_mono_ns=")))
		return marker_ns;
	h += 14;
	if (fs_parse_u64(h, strspn(h, "0123456789"), &t) || t < marker_ns)
		return marker_ns;
	return t;
}

void fs_ckpt_marker(struct fs_ckpt *c, const struct fs_sim *s, const char *policy,
		    uint64_t seq, uint64_t time_ns)
{
	const struct fs_machine *m = s->m;
	unsigned ri, p = pol_idx(c, policy);
	const struct fs_procfs_rec *r = find_rec(c, seq, &ri);

	if (p == 0)
		c->markers++;
	if (!r) {
		if (p == 0)
			c->unmatched++;
		return;
	}
	c->seen[ri] = true;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct fs_zone *z = &m->zones[zi];
		const struct fs_procfs_zone *pz = NULL;
		struct zone_score *sc = &c->sc[p][zi];
		uint64_t kpages = 0, ab = 0, ap = 0;
		int64_t d[FS_NR_ORDERS];
		double rel;

		for (unsigned i = 0; i < r->nr_zones && !pz; i++)
			if (!strcmp(r->zones[i].name, z->name))
				pz = &r->zones[i];
		if (!pz)
			continue;
		for (unsigned o = 0; o < FS_NR_ORDERS; o++) {
			uint64_t k = o < pz->nr_orders ? pz->nr_free[o] : 0;

			d[o] = (int64_t)z->nr_free[o] - (int64_t)k;
			kpages += k << o;
			ab += (uint64_t)llabs(d[o]);
			ap += (uint64_t)llabs(d[o]) << o;
		}
		sc->n++;
		memcpy(sc->name, z->name, sizeof(sc->name));
		sc->last_blocks = ab;
		sc->last_pages = ap;
		sc->sum_blocks += ab;
		sc->sum_pages += ap;
		sc->last_seq = seq;
		sc->last_kernel = kpages;
		sc->last_diff = (int64_t)z->free_pages - (int64_t)kpages;
		rel = kpages ? (double)llabs(sc->last_diff) / (double)kpages : (sc->last_diff ? 1.0 : 0.0);
		if (sc->n == 1 || rel > sc->worst_rel) {
			sc->worst_rel = rel;
			sc->worst_pages = ap;
			sc->worst_seq = seq;
		}
		if (c->have_out) {
			fprintf(c->out.fp, "%s,%" PRIu64 ",%.6f,%s,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%"
				PRIu64 ",%" PRIu64, policy, seq, (double)time_ns / 1e9, z->name, kpages,
				z->free_pages, sc->last_diff, ab, ap);
			for (unsigned o = 0; o < c->max_orders; o++)
				fprintf(c->out.fp, ",%" PRId64, d[o]);
			fputc('\n', c->out.fp);
		}
	}
}

int fs_ckpt_finish(struct fs_ckpt *c, FILE *fp, struct fs_err *err)
{
	unsigned without = 0;
	long first_without = -1;

	for (unsigned i = 0; i < c->snaps.nr_recs; i++)
		if (c->snaps.recs[i].kind == FS_PROCFS_BUDDYINFO && !c->seen[i]) {
			if (!without++)
				first_without = c->snaps.recs[i].seq;
		}
	fprintf(fp, "fragsim: checkpoints: %" PRIu64 " capture_snap markers, %" PRIu64
		" without a buddyinfo snapshot", c->markers, c->unmatched);
	if (without)
		fprintf(fp, "; %u snapshots had no marker in the trace (first seq=%ld): not compared",
			without, first_without);
	fputc('\n', fp);
	for (unsigned p = 0; p < c->nr_pol; p++)
		for (unsigned zi = 0; zi < FS_MAX_ZONES; zi++) {
			const struct zone_score *sc = &c->sc[p][zi];

			if (!sc->n)
				continue;
			fprintf(fp, "fragsim:   %s zone %s: last (seq=%" PRIu64 ") free pages %+" PRId64
				" of %" PRIu64 " (%.3f%%), |diff| %" PRIu64 " blocks, %" PRIu64
				" pages; worst seq=%" PRIu64 " %.3f%%; score over %" PRIu64 " checkpoints: |diff| %"
				PRIu64 " blocks, %" PRIu64 " pages\n", c->pol[p], sc->name, sc->last_seq,
				sc->last_diff, sc->last_kernel,
				sc->last_kernel ? 100.0 * (double)sc->last_diff / (double)sc->last_kernel : 0.0,
				sc->last_blocks, sc->last_pages, sc->worst_seq, 100.0 * sc->worst_rel, sc->n,
				sc->sum_blocks, sc->sum_pages);
		}
	if (c->have_out) {
		c->have_out = false;
		return fs_out_commit(&c->out, err);
	}
	return 0;
}

void fs_ckpt_free(struct fs_ckpt *c)
{
	if (!c)
		return;
	if (c->have_out)
		fs_out_abort(&c->out);
	fs_procfs_release(&c->snaps);
	free(c->seen);
	free(c);
}
