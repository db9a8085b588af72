/* replay_initial.c - the replay loop's part of `--initial FILE` with a
 * buddyinfo or pagetypeinfo snapshot (sim/initial.h): the state is built
 * once for the machine and installed in every simulation before the first
 * event. */
#include <errno.h>
#include <string.h>

#include "initial.h"
#include "replay.h"

static const struct fs_procfs_rec *first_of(const struct fs_procfs_file *f, int kind)
{
	for (unsigned i = 0; i < f->nr_recs; i++)
		if (kind ? (int)f->recs[i].kind == kind
			 : f->recs[i].kind == FS_PROCFS_BUDDYINFO || f->recs[i].kind == FS_PROCFS_PAGETYPEINFO)
			return &f->recs[i];
	return NULL;
}

int fs_replay_initial_setup(struct fs_run *r, struct fs_err *err)
{
	const struct fs_run_cfg *cfg = r->cfg;
	struct fs_procfs_file f, fb = { 0 };
	const struct fs_procfs_rec *snap, *bi = NULL;
	struct fs_initial in;
	char what[512];
	int rc = 0;

	memset(&in, 0, sizeof(in));
	if (fs_procfs_load(&f, cfg->initial_snapshot, err))
		return 1;
	snap = first_of(&f, cfg->initial_kind);
	if (!snap) {
		fs_error(err, -EINVAL, "%s: no /proc/%s record in it", f.path,
			 cfg->initial_kind ? fs_procfs_kind_name(cfg->initial_kind) : "buddyinfo or pagetypeinfo");
		fs_procfs_release(&f);
		return 1;
	}
	if (cfg->initial_buddyinfo) {
		if (fs_procfs_load(&fb, cfg->initial_buddyinfo, err)) {
			fs_procfs_release(&f);
			return 1;
		}
		if (!(bi = first_of(&fb, FS_PROCFS_BUDDYINFO)))
			rc = fs_error(err, -EINVAL, "%s: no /proc/buddyinfo record in it", fb.path);
	}
	if (!rc && (rc = fs_initial_build(&in, snap, bi, r->sims[0]->m, cfg->initial_layout, err))) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		fs_error(err, rc, "%s:%llu: %s", f.path, (unsigned long long)snap->line, msg);
	}
	for (unsigned i = 0; !rc && i < r->nr_sims; i++) {
		const struct fs_policy *p = r->sims[i]->pol;

		r->sims[i]->offline = fs_initial_offline_copy(&in, r->sims[i]->m);
		r->sims[i]->untracked = true;
		if ((rc = fs_initial_install(&in, r->sims[i]->m, p->typed_pageblocks, p->initial_class, err))) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			fs_error(err, rc, "--initial %s: %s: %s", f.path, p->label, msg);
		}
	}
	if (!rc) {
		r->initial_kind = snap->kind;
		r->initial_line = snap->line;
		snprintf(what, sizeof(what), "%s (the %s record at line %llu%s)", f.path,
			 fs_procfs_kind_name(snap->kind), (unsigned long long)snap->line,
			 cfg->initial_layout == FS_INITIAL_PACKED ? ", packed" : ", spread");
		fs_initial_report(&in, r->sims[0]->m, what, stderr);
	}
	fs_initial_release(&in);
	fs_procfs_release(&f);
	if (cfg->initial_buddyinfo)
		fs_procfs_release(&fb);
	return rc ? 1 : 0;
}
