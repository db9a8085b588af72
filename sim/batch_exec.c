/* batch_exec.c - running a batch: the manifest (DIR/batch.json), the local
 * executor (-j N worker processes, one fragsim process per run) and the
 * job list for other engines (--emit-jobs).
 *
 * A run is complete when its CSV and JSON summary exist and the JSON
 * parses with the expected fields (fs_batch_result_read). Outputs appear
 * by rename only when complete, so a run killed even by SIGKILL leaves at
 * most "ID.csv.tmp.PID" files, which the next attempt removes; before a
 * run starts its old outputs are removed too, so a rerun that fails never
 * leaves the previous results looking like its own. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"

#define MIN_FREE_BYTES (16ull << 20)  /* less free space than this is "full" */

void fs_batch_path(char *buf, size_t len, const char *dir, const char *id, const char *ext)
{
	snprintf(buf, len, "%s/runs/%s.%s", dir, id, ext);
}

static int mkdir_p(const char *dir, struct fs_err *err)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = 0;
			if (mkdir(buf, 0777) && errno != EEXIST)
				return fs_error(err, -errno, "cannot create directory \"%s\": %s", buf, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int fs_batch_prepare_dir(const char *dir, struct fs_err *err)
{
	char runs[4096], probe[4200];
	struct statvfs vfs;
	int fd, rc;

	snprintf(runs, sizeof(runs), "%s/runs", dir);
	if ((rc = mkdir_p(runs, err)))
		return rc;
	snprintf(probe, sizeof(probe), "%s/.probe.%ld", runs, (long)getpid());
	fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fs_error(err, -errno, "cannot write in output directory \"%s\": %s", runs, strerror(errno));
	rc = (int)write(fd, "probe\n", 6);
	if (close(fd) || rc != 6) {
		unlink(probe);
		return fs_error(err, -ENOSPC, "cannot write in output directory \"%s\" (disk full?)", runs);
	}
	unlink(probe);
	if (!statvfs(runs, &vfs) && (uint64_t)vfs.f_bavail * vfs.f_frsize < MIN_FREE_BYTES)
		return fs_error(err, -ENOSPC, "output directory \"%s\" is on a full disk (%" PRIu64 " KiB free)",
				dir, (uint64_t)vfs.f_bavail * vfs.f_frsize / 1024);
	return 0;
}

/* ---- the manifest ---------------------------------------------------------- */

int fs_batch_manifest_write(const struct fs_batch *b, const char *dir, const char *spec,
			    struct fs_err *err)
{
	json_t *root = json_object(), *runs = json_array();
	char path[4200];
	int rc;

	json_object_set_new(root, "schema_version", json_integer(1));
	json_object_set_new(root, "fragsim_version", json_string(FS_VERSION));
	json_object_set_new(root, "spec", json_string(spec ? spec : ""));
	for (unsigned i = 0; i < b->nr_runs; i++) {
		const struct fs_batch_run *r = &b->runs[i];
		json_t *o = json_object(), *argv = json_array();

		json_object_set_new(o, "id", json_string(r->id));
		json_object_set_new(o, "input", json_string(r->input));
		json_object_set_new(o, "kind", json_string(r->kind == FS_BATCH_WORKLOAD ? "workload" : "trace"));
		json_object_set_new(o, "policy", json_string(r->policy));
		json_object_set_new(o, "seed", r->has_seed ? json_integer((json_int_t)r->seed) : json_null());
		for (char **a = r->argv; *a; a++)
			json_array_append_new(argv, json_string(*a));
		json_object_set_new(o, "argv", argv);
		json_array_append_new(runs, o);
	}
	json_object_set_new(root, "runs", runs);
	snprintf(path, sizeof(path), "%s/batch.json", dir);
	rc = fs_out_json(path, root, 6, err);
	json_decref(root);
	return rc;
}

int fs_batch_manifest_read(struct fs_batch *b, const char *dir, struct fs_err *err)
{
	char path[4200];
	json_error_t je;
	json_t *root, *runs;
	size_t i;

	memset(b, 0, sizeof(*b));
	snprintf(path, sizeof(path), "%s/batch.json", dir);
	root = json_load_file(path, 0, &je);
	if (!root)
		return fs_error(err, -ENOENT, "%s: %s (is \"%s\" a batch output directory?)", path, je.text, dir);
	runs = json_object_get(root, "runs");
	if (!json_is_array(runs)) {
		json_decref(root);
		return fs_error(err, -EINVAL, "%s: no \"runs\" list", path);
	}
	b->runs = fs_xcalloc(json_array_size(runs) + 1, sizeof(*b->runs));
	for (i = 0; i < json_array_size(runs); i++) {
		json_t *o = json_array_get(runs, i), *argv = json_object_get(o, "argv");
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *input = json_string_value(json_object_get(o, "input"));
		const char *policy = json_string_value(json_object_get(o, "policy"));
		const char *kind = json_string_value(json_object_get(o, "kind"));
		json_t *seed = json_object_get(o, "seed");
		struct fs_batch_run *r = &b->runs[b->nr_runs];

		if (!id || !input || !policy || !kind || !json_is_array(argv) || strchr(id, '/')) {
			fs_batch_release(b);
			json_decref(root);
			return fs_error(err, -EINVAL, "%s: run %zu lacks id, input, kind, policy or argv", path, i + 1);
		}
		r->id = fs_xstrdup(id);
		r->input = fs_xstrdup(input);
		r->policy = fs_xstrdup(policy);
		r->kind = !strcmp(kind, "workload") ? FS_BATCH_WORKLOAD : FS_BATCH_TRACE;
		r->has_seed = json_is_integer(seed);
		r->seed = r->has_seed ? (uint64_t)json_integer_value(seed) : 0;
		r->argv = fs_xcalloc(json_array_size(argv) + 1, sizeof(*r->argv));
		for (size_t a = 0; a < json_array_size(argv); a++) {
			const char *s = json_string_value(json_array_get(argv, a));

			r->argv[a] = fs_xstrdup(s ? s : "");
		}
		b->nr_runs++;
	}
	json_decref(root);
	return 0;
}

/* ---- the executor ------------------------------------------------------------ */

struct slot {
	pid_t pid;
	unsigned run;
	uint64_t start_ns;
};

static volatile sig_atomic_t nr_live;
static pid_t live_pids[256];

/* The user interrupts the batch (or Slurm cancels it): stop the runs in
 * progress too, and wait for them, so that when the batch is gone so are
 * they (they remove their temporary files on SIGTERM). */
static void on_signal(int sig)
{
	for (int i = 0; i < nr_live; i++)
		if (live_pids[i] > 0)
			kill(live_pids[i], SIGTERM);
	for (int i = 0; i < nr_live; i++)
		if (live_pids[i] > 0)
			waitpid(live_pids[i], NULL, 0);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Remove what an earlier attempt of run id left: outputs (so that a failed
 * rerun does not look complete) and temporary files of killed runs. */
static void clear_run(const char *dir, const char *id)
{
	static const char *const ext[] = { "csv", "json", "csv.tmp.*", "json.tmp.*" };
	char pat[4400];

	for (unsigned e = 0; e < FS_ARRAY_SIZE(ext); e++) {
		glob_t g;

		fs_batch_path(pat, sizeof(pat), dir, id, ext[e]);
		if (glob(pat, GLOB_NOSORT, NULL, &g))
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
}

static pid_t launch(const struct fs_batch_run *r, const char *dir)
{
	char log[4400];
	pid_t pid;

	fs_batch_path(log, sizeof(log), dir, r->id, "log");
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_RDONLY);

		if (fd < 0) {
			fprintf(stderr, "fragsim batch: cannot write \"%s\": %s\n", log, strerror(errno));
			_exit(127);
		}
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(r->argv[0], r->argv);
		fprintf(stderr, "fragsim batch: cannot run \"%s\": %s\n", r->argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void show_progress(const struct fs_batch_opts *o, unsigned done, unsigned total,
			  unsigned failed, unsigned running, uint64_t events, uint64_t start_ns,
			  unsigned executed, bool final)
{
	double secs = (double)(fs_now_ns() - start_ns) / 1e9;
	char eta[32] = "?";

	if (!o->progress)
		return;
	if (executed && done < total) {
		/* completed runs so far at this pace, with the workers still busy */
		double left = secs / executed * (total - done);
		unsigned s = (unsigned)left;

		snprintf(eta, sizeof(eta), "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	} else if (done == total) {
		snprintf(eta, sizeof(eta), "0:00:00");
	}
	fprintf(stderr, "\rfragsim batch: %u/%u runs done, %u failed, %u running, %.1f M events/s, ETA %s   %s",
		done, total, failed, running, secs > 0 ? (double)events / secs / 1e6 : 0.0, eta,
		final ? "\n" : "");
}

int fs_batch_execute(const struct fs_batch *b, const struct fs_batch_opts *o, unsigned *skipped,
		     struct fs_err *err)
{
	unsigned jobs = o->jobs ? o->jobs : 1, next = 0, running = 0, done = 0, failed = 0, executed = 0;
	unsigned said_stale = 0;
	struct slot *slots;
	uint64_t start = fs_now_ns(), events = 0;
	struct fs_batch_result res;
	void (*old_int)(int), (*old_term)(int), (*old_hup)(int);

	*skipped = 0;
	if (jobs > FS_ARRAY_SIZE(live_pids))
		jobs = FS_ARRAY_SIZE(live_pids);
	slots = fs_xcalloc(jobs, sizeof(*slots));
	old_int = signal(SIGINT, on_signal);
	old_term = signal(SIGTERM, on_signal);
	old_hup = signal(SIGHUP, on_signal);
	while (next < b->nr_runs || running) {
		int status;
		pid_t pid;
		unsigned s;

		while (running < jobs && next < b->nr_runs) {
			const struct fs_batch_run *r = &b->runs[next];

			if (!o->force && !fs_batch_result_read(o->dir, r->id, &res)) {
				next++;
				done++;
				(*skipped)++;
				continue;
			}
			if (!o->force && res.stale && !said_stale++)
				fprintf(stderr, "fragsim batch: %s: such runs are rerun\n", res.error);
			clear_run(o->dir, r->id);
			for (s = 0; slots[s].pid; s++)
				;
			slots[s].pid = launch(r, o->dir);
			if (slots[s].pid < 0) {
				int e = errno;

				free(slots);
				return fs_error(err, -e, "cannot start a run: fork: %s", strerror(e));
			}
			slots[s].run = next++;
			slots[s].start_ns = fs_now_ns();
			live_pids[s] = slots[s].pid;
			if (s >= (unsigned)nr_live)
				nr_live = (sig_atomic_t)(s + 1);
			running++;
		}
		show_progress(o, done, b->nr_runs, failed, running, events, start, executed, false);
		if (!running)
			break;
		pid = o->progress ? waitpid(-1, &status, WNOHANG) : waitpid(-1, &status, 0);
		if (pid == 0) {
			struct timespec ts = { 0, 200000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			free(slots);
			return fs_error(err, -errno, "waitpid: %s", strerror(errno));
		}
		for (s = 0; s < jobs && slots[s].pid != pid; s++)
			;
		if (s == jobs)
			continue;                       /* not ours */
		slots[s].pid = 0;
		live_pids[s] = 0;
		running--;
		done++;
		executed++;
		{
			const struct fs_batch_run *r = &b->runs[slots[s].run];
			char why[600];
			bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

			if (ok && fs_batch_result_read(o->dir, r->id, &res)) {
				ok = false;
				snprintf(why, sizeof(why), "exited 0 but its output is not valid: %s", res.error);
			} else if (ok) {
				events += res.events;
			} else {
				char tail[400];

				fs_batch_log_tail(o->dir, r->id, 3, tail, sizeof(tail));
				if (WIFSIGNALED(status))
					snprintf(why, sizeof(why), "killed by signal %d (%s)%s%s", WTERMSIG(status),
						 strsignal(WTERMSIG(status)), *tail ? ": " : "", tail);
				else
					snprintf(why, sizeof(why), "exit status %d: %s", WEXITSTATUS(status),
						 *tail ? tail : "(empty log)");
			}
			if (!ok) {
				failed++;
				if (o->progress)
					fputc('\n', stderr);
				fprintf(stderr, "fragsim batch: run %s failed, %s (log: %s/runs/%s.log)\n", r->id,
					why, o->dir, r->id);
			}
		}
	}
	show_progress(o, done, b->nr_runs, failed, running, events, start, executed, true);
	signal(SIGINT, old_int);
	signal(SIGTERM, old_term);
	signal(SIGHUP, old_hup);
	nr_live = 0;
	free(slots);
	return (int)failed;
}

unsigned fs_batch_emit_jobs(const struct fs_batch *b, const struct fs_batch_opts *o, FILE *fp)
{
	struct fs_batch_result res;
	unsigned n = 0;
	char log[4400];

	for (unsigned i = 0; i < b->nr_runs; i++) {
		const struct fs_batch_run *r = &b->runs[i];
		char *q;

		if (!o->force && !fs_batch_result_read(o->dir, r->id, &res))
			continue;
		/* as the local executor: an earlier attempt's outputs go first */
		fputs("rm -f", fp);
		for (unsigned e = 0; e < 2; e++) {
			fs_batch_path(log, sizeof(log), o->dir, r->id, e ? "json" : "csv");
			q = fs_batch_shell_quote(log);
			fprintf(fp, " %s", q);
			free(q);
		}
		fputs(" && ", fp);
		for (char **a = r->argv; *a; a++) {
			q = fs_batch_shell_quote(*a);
			fprintf(fp, "%s%s", a == r->argv ? "" : " ", q);
			free(q);
		}
		fs_batch_path(log, sizeof(log), o->dir, r->id, "log");
		q = fs_batch_shell_quote(log);
		fprintf(fp, " >%s 2>&1\n", q);
		free(q);
		n++;
	}
	return n;
}
