/* input.c - the byte source under the trace readers: a plain file, stdin
 * ("-"), gzip (zlib) or zstd (libzstd), told apart by the magic bytes at
 * the start of the data rather than by the file name, and handed out as
 * lines.
 *
 * Kernel traces are big (a 20 s capture of a gcc build is 174 MB of
 * trace_pipe text, 6.7 MB as .zst), so the hot path is: read or
 * decompress into a large line buffer, find line ends with memchr, hand
 * out pointers into the buffer. Nothing is allocated per line. Compressed
 * input is decompressed by a second thread into a small ring of 1 MiB
 * blocks, so decompression runs beside parsing and simulation instead of
 * before them (on the 174 MB capture: 0.24 s for the whole replay, where
 * `zstd -dc | wc -l` takes 0.6 s). The reader cuts lines out of those
 * blocks in place (ring_next) and spends its waits faulting in zstd's
 * window ahead of the decoder (prefault_window).
 *
 * Truncated and corrupt compressed input is an error naming the file: a
 * zstd stream that ends inside a frame (ZSTD_decompressStream has not
 * returned 0 when the input runs out) or a gzip stream without its end
 * marker is "truncated", never a silently shorter trace. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
/* for ZSTD_createDCtx_advanced and ZSTD_customMem: the experimental API,
 * exported by the shared library too (Debian's libzstd 1.5.4); see
 * zstd_alloc below for why */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "internal.h"

#define RAW_SIZE (256u << 10)           /* compressed bytes read at a time */
#define BUF_SIZE (1u << 20)             /* line buffer, grown for longer lines */
#define LINE_MAX_BYTES (64u << 20)      /* a longer "line" is not text */
#define RING_BLOCKS 4                   /* decompressed blocks in flight */
#define BLOCK_SIZE (1u << 20)           /* decoded bytes per block */
#define HEADROOM (64u << 10)            /* room for a line carried over from the last block */
#define SLOT_SIZE (HEADROOM + BLOCK_SIZE + 64)  /* a ring slot: headroom, block, spare */
#define PREFAULT_CHUNK (2u << 20)       /* zstd window populated by the reader at a time */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23          /* Linux 5.14; older kernels say EINVAL */
#endif

/* The decompressor's state, owned by the producer (the thread, or the
 * reader itself when there is no thread). */
struct fs_input_dec {
	int fd;
	enum fs_input_codec codec;
	unsigned char *raw;
	size_t raw_pos, raw_len;
	bool raw_eof;
	z_stream zs;
	bool zs_init, gz_member_done;
	ZSTD_DCtx *zd;
	size_t zret;                    /* last ZSTD_decompressStream result; 0 at a frame end */
	const char *path;
	struct {                        /* zstd's big buffers, from fs_big_alloc */
		void *p;
		size_t bytes;
	} big[8];
	struct fs_input_ring *ring;     /* set while a thread decodes: see prefault_window */
};

/* A ring of decompressed blocks between the thread and the reader. */
struct fs_input_ring {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t can_put, can_take;
	char *data[RING_BLOCKS];        /* HEADROOM into each SLOT_SIZE slot of one fs_big_alloc */
	size_t len[RING_BLOCKS];
	unsigned head, count;           /* next block to take, blocks ready */
	size_t taken;                   /* bytes of data[head] already handed out */
	bool done, stop;                /* producer finished (err set if failed); reader gone */
	int rc;
	struct fs_err err;
	/* zstd's window, for the threads to populate while they wait (see
	 * prefault_window); all under lock */
	char *win;                      /* NULL: nothing (left) to populate */
	size_t win_bytes;
	size_t win_low;                 /* the reader populates down from the end to here (bytes) */
	size_t win_high;                /* the producer populates up from the start to here (bytes) */
	uint64_t produced;              /* bytes the producer has put in the ring */
	uint64_t win_since;             /* produced when the window was allocated */
	bool populating;                /* the reader is in madvise on win */
	pthread_cond_t populated;       /* populating went false */
};

static const char *const codec_names[] = {
	[FS_INPUT_PLAIN] = "none",
	[FS_INPUT_GZIP] = "gzip",
	[FS_INPUT_ZSTD] = "zstd",
};

const char *fs_input_codec_name(enum fs_input_codec c)
{
	return (unsigned)c < FS_ARRAY_SIZE(codec_names) ? codec_names[c] : "?";
}

/* Read until the raw buffer holds want bytes or the file ends (want > 1
 * only for the magic bytes: a pipe may deliver them in pieces). */
static int raw_fill(struct fs_input_dec *d, size_t want, struct fs_err *err)
{
	if (d->raw_pos == d->raw_len)
		d->raw_pos = d->raw_len = 0;
	while (!d->raw_eof && d->raw_len < want) {
		ssize_t n = read(d->fd, d->raw + d->raw_len, RAW_SIZE - d->raw_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fs_error(err, -errno, "%s: read error: %s", d->path, strerror(errno));
		}
		if (n == 0)
			d->raw_eof = true;
		d->raw_len += (size_t)n;
	}
	return 0;
}

static int gz_decode(struct fs_input_dec *d, char *dst, size_t cap, struct fs_err *err)
{
	z_stream *zs = &d->zs;
	int rc;

	zs->next_out = (Bytef *)dst;
	zs->avail_out = (uInt)cap;
	while (zs->avail_out == cap) {
		if (d->raw_pos == d->raw_len && (rc = raw_fill(d, 1, err)))
			return rc;
		if (d->raw_pos == d->raw_len) {
			/* The input ended: fine between members, truncated inside one. */
			if (d->gz_member_done)
				return 0;
			return fs_error(err, -EIO, "%s: truncated gzip input: the file ends in the "
					"middle of the compressed stream", d->path);
		}
		if (d->gz_member_done) {
			/* gzip allows concatenated members (gzip -d reads them all) */
			if (inflateReset(zs) != Z_OK)
				return fs_error(err, -EIO, "%s: zlib inflateReset failed", d->path);
			d->gz_member_done = false;
		}
		zs->next_in = d->raw + d->raw_pos;
		zs->avail_in = (uInt)(d->raw_len - d->raw_pos);
		rc = inflate(zs, Z_NO_FLUSH);
		d->raw_pos = d->raw_len - zs->avail_in;
		if (rc == Z_STREAM_END) {
			d->gz_member_done = true;
		} else if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR) {
			return fs_error(err, -EIO, "%s: corrupt gzip input: %s", d->path,
					zs->msg ? zs->msg : "inflate failed");
		} else if (rc == Z_BUF_ERROR && zs->avail_in) {
			return fs_error(err, -EIO, "%s: corrupt gzip input: no progress", d->path);
		}
	}
	return (int)(cap - zs->avail_out);
}

/* zstd's allocator. A capture compressed with --long=27 needs a 128 MiB
 * window buffer, which fills page by page as the stream is decoded: 33 k
 * page faults, about half the cost of decompressing a 174 MB trace on a VM
 * where a fault costs ~10 us. Big buffers come from fs_big_alloc instead
 * (mmap 2 MiB-aligned + MADV_HUGEPAGE): 64 faults of 2 MiB pages.
 *
 * Those 64 faults still zero 128 MiB, and on this VM (whose host takes
 * back free guest memory) first touch costs ~3 ms per 2 MiB: two thirds
 * of the decompressing thread's time, which made it the longer of the two.
 * So the newest big buffer is offered to the reader, which populates it
 * while it would otherwise wait for data (prefault_window). */
#define ZSTD_BIG_ALLOC (2u << 20)

static void *zstd_alloc(void *opaque, size_t bytes)
{
	struct fs_input_dec *d = opaque;
	struct fs_input_ring *r = d->ring;

	if (bytes >= ZSTD_BIG_ALLOC)
		for (unsigned i = 0; i < FS_ARRAY_SIZE(d->big); i++)
			if (!d->big[i].p) {
				d->big[i].p = fs_big_alloc(bytes);
				if (!d->big[i].p)
					return NULL;
				d->big[i].bytes = bytes;
				if (r) {
					pthread_mutex_lock(&r->lock);
					r->win = d->big[i].p;
					r->win_bytes = r->win_low = bytes;
					r->win_high = 0;
					r->win_since = r->produced;
					pthread_mutex_unlock(&r->lock);
				}
				return d->big[i].p;
			}
	return malloc(bytes);
}

static void zstd_free(void *opaque, void *p)
{
	struct fs_input_dec *d = opaque;
	struct fs_input_ring *r = d->ring;

	if (!p)
		return;
	for (unsigned i = 0; i < FS_ARRAY_SIZE(d->big); i++)
		if (d->big[i].p == p) {
			if (r) {
				/* not while the reader is in madvise on it */
				pthread_mutex_lock(&r->lock);
				while (r->populating)
					pthread_cond_wait(&r->populated, &r->lock);
				if (r->win == p)
					r->win = NULL;
				pthread_mutex_unlock(&r->lock);
			}
			fs_big_free(p, d->big[i].bytes);
			d->big[i].p = NULL;
			return;
		}
	free(p);
}

static int zstd_decode(struct fs_input_dec *d, char *dst, size_t cap, struct fs_err *err)
{
	ZSTD_outBuffer out = { dst, cap, 0 };
	int rc;

	while (out.pos == 0) {
		ZSTD_inBuffer in;
		size_t r;

		if (d->raw_pos == d->raw_len && (rc = raw_fill(d, 1, err)))
			return rc;
		if (d->raw_pos == d->raw_len && d->zret == 0)
			return 0;               /* the input ends at a frame boundary */
		in.src = d->raw + d->raw_pos;
		in.size = d->raw_len - d->raw_pos;
		in.pos = 0;
		r = ZSTD_decompressStream(d->zd, &out, &in);
		d->raw_pos += in.pos;
		if (ZSTD_isError(r))
			return fs_error(err, -EIO, "%s: corrupt zstd input: %s", d->path,
					ZSTD_getErrorName(r));
		d->zret = r;
		/* No input left, no output produced, and the frame is not
		 * finished: the file was cut short (zstd -t says "truncated"). */
		if (out.pos == 0 && in.size == 0 && d->raw_eof && r != 0)
			return fs_error(err, -EIO, "%s: truncated zstd input: the file ends in the "
					"middle of a frame", d->path);
	}
	return (int)out.pos;
}

/* Up to cap decompressed bytes into dst: the count, 0 at the end, <0 error. */
static int decode(struct fs_input_dec *d, char *dst, size_t cap, struct fs_err *err)
{
	ssize_t n;

	switch (d->codec) {
	case FS_INPUT_GZIP:
		return gz_decode(d, dst, cap, err);
	case FS_INPUT_ZSTD:
		return zstd_decode(d, dst, cap, err);
	case FS_INPUT_PLAIN:
		break;
	}
	if (d->raw_pos < d->raw_len) {          /* the bytes read to look at the magic */
		n = (ssize_t)(d->raw_len - d->raw_pos);
		if ((size_t)n > cap)
			n = (ssize_t)cap;
		memcpy(dst, d->raw + d->raw_pos, (size_t)n);
		d->raw_pos += (size_t)n;
		return (int)n;
	}
	for (;;) {
		n = read(d->fd, dst, cap);
		if (n >= 0)
			return (int)n;
		if (errno != EINTR)
			return fs_error(err, -errno, "%s: read error: %s", d->path, strerror(errno));
	}
}

/* A thread that has nothing to do until the other one moves faults in the
 * next 2 MiB of zstd's window, if any is left. Called and returns with
 * r->lock held; true if it did (the ring may have changed meanwhile), false
 * to wait.
 *
 * zstd writes its window from the start. The producer, waiting for room in
 * the ring, works up from where it writes (win_high); the reader, waiting
 * for a block, works down from the end (win_low) and stops short of where
 * the producer writes (the bytes it produced since the window was
 * allocated, plus the ring's worth it may be decoding). So the faults go
 * to whichever thread would otherwise sleep, instead of all to the
 * producer. Each claims its 2 MiB before dropping the lock, so the two
 * never populate the same pages. MADV_POPULATE_WRITE fills page tables
 * without touching the data, so it is safe on memory the other thread is
 * using. Where it is missing (before Linux 5.14) or fails, both stop trying
 * and the producer faults the pages in itself, as before. */
static bool prefault_window(struct fs_input_ring *r, bool reader)
{
	uint64_t front;
	size_t lo, len;
	char *p;
	int rc;

	if (!r->win)
		return false;
	front = r->produced - r->win_since;     /* about where the producer writes */
	if (reader) {
		front += (RING_BLOCKS + 1) * (uint64_t)BLOCK_SIZE;
		if (front < r->win_high)
			front = r->win_high;
		if (r->win_low < PREFAULT_CHUNK || front >= r->win_low - PREFAULT_CHUNK) {
			r->win = NULL;  /* the producer has got (or will get) there first */
			return false;
		}
		/* whole 2 MiB pages from the window's 2 MiB-aligned start */
		lo = (r->win_low - 1) & ~(size_t)(PREFAULT_CHUNK - 1);
		p = r->win + lo;
		len = r->win_low - lo;
		r->win_low = lo;
		r->populating = true;
	} else {
		lo = front & ~(uint64_t)(PREFAULT_CHUNK - 1);
		if (lo < r->win_high)
			lo = r->win_high;
		if (lo + PREFAULT_CHUNK > r->win_low)
			return false;   /* met the reader's part: all populated */
		p = r->win + lo;
		len = PREFAULT_CHUNK;
		r->win_high = lo + PREFAULT_CHUNK;
	}
	pthread_mutex_unlock(&r->lock);
	rc = madvise(p, len, MADV_POPULATE_WRITE);
	pthread_mutex_lock(&r->lock);
	if (reader) {
		r->populating = false;
		pthread_cond_broadcast(&r->populated);
	}
	if (rc)
		r->win = NULL;
	return true;
}

static void *producer(void *arg)
{
	struct fs_input *in = arg;
	struct fs_input_ring *r = in->ring;

	for (;;) {
		unsigned slot;
		int n;

		pthread_mutex_lock(&r->lock);
		while (r->count == RING_BLOCKS && !r->stop)
			if (!prefault_window(r, false))
				pthread_cond_wait(&r->can_put, &r->lock);
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		slot = (r->head + r->count) % RING_BLOCKS;
		pthread_mutex_unlock(&r->lock);

		n = decode(in->dec, r->data[slot], BLOCK_SIZE, &r->err);

		pthread_mutex_lock(&r->lock);
		if (n <= 0) {
			r->done = true;
			r->rc = n;
		} else {
			r->len[slot] = (size_t)n;
			r->count++;
			r->produced += (uint64_t)n;
		}
		pthread_cond_signal(&r->can_take);
		pthread_mutex_unlock(&r->lock);
		if (n <= 0)
			return NULL;
	}
}

/* Wait until the ring holds need blocks (the reader's held one counts) or
 * the producer is done. 1 when they are there, else the producer's result:
 * 0 at the end, <0 (err set) on failure. The wait is spent populating
 * zstd's window where there is any left. */
static int ring_wait(struct fs_input_ring *r, unsigned need, struct fs_err *err)
{
	int rc = 1;

	pthread_mutex_lock(&r->lock);
	while (r->count < need && !r->done)
		if (!prefault_window(r, true))
			pthread_cond_wait(&r->can_take, &r->lock);
	if (r->count < need) {
		rc = r->rc;
		if (rc < 0)
			*err = r->err;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* Give data[head] back to the producer. */
static void ring_release(struct fs_input_ring *r)
{
	pthread_mutex_lock(&r->lock);
	r->head = (r->head + 1) % RING_BLOCKS;
	r->count--;
	r->taken = 0;
	pthread_cond_signal(&r->can_put);
	pthread_mutex_unlock(&r->lock);
}

/* Take up to cap bytes from the ring into dst (the reader holds no block:
 * see ring_unhold). */
static int ring_take(struct fs_input *in, char *dst, size_t cap, struct fs_err *err)
{
	struct fs_input_ring *r = in->ring;
	size_t n;
	int rc = ring_wait(r, 1, err);

	if (rc <= 0)
		return rc;
	/* data[head] is ours until we give it back */
	n = r->len[r->head] - r->taken;
	if (n > cap)
		n = cap;
	memcpy(dst, r->data[r->head] + r->taken, n);
	r->taken += n;
	if (r->taken == r->len[r->head])
		ring_release(r);
	return (int)n;
}

/* Lines are cut out of the ring's blocks where the producer decoded them,
 * not out of a copy: the copy was a second pass over 166 MB on the
 * reader's thread, which is the longer one once zstd's window is populated
 * by both. The unfinished line [start, end) of the buffer (at most
 * HEADROOM bytes) is copied into the headroom in front of the next block's
 * data, so every line stays contiguous, and the block held until now is
 * given back. While in->held the reader owns data[head] and in->buf points
 * into it. The bytes added after in->end (which becomes the carried
 * line's length), 0 at the end (the held block stays: it has the last
 * line), <0 error; on 0 and <0 nothing changes. */
static int ring_next(struct fs_input *in, struct fs_err *err)
{
	struct fs_input_ring *r = in->ring;
	size_t part = in->end - in->start, skip, len;
	unsigned next;
	char *dst;
	int rc = ring_wait(r, in->held ? 2 : 1, err);

	if (rc <= 0)
		return rc;
	next = (r->head + in->held) % RING_BLOCKS;
	skip = in->held ? 0 : r->taken;         /* what ring_take already copied out */
	dst = r->data[next] + skip;
	len = r->len[next] - skip;
	memcpy(dst - part, in->buf + in->start, part);
	if (in->held)
		ring_release(r);
	in->held = true;
	in->buf = dst - part;
	in->scan -= in->start;
	in->start = 0;
	in->end = part;
	in->cap = part + len + 1;               /* the slot's spare byte after the data */
	in->nul_lo = in->nul_hi = in->nul_end = 0;
	return (int)len;
}

/* Back to the private buffer (before a copying read, or a line longer than
 * HEADROOM): the unread bytes move there and the held block goes back. */
static void ring_unhold(struct fs_input *in)
{
	size_t part = in->end - in->start;

	if (!in->held)
		return;
	if (in->own_cap < part + BUF_SIZE) {
		in->own_cap = part + BUF_SIZE;
		in->own = fs_xrealloc(in->own, in->own_cap);
	}
	memcpy(in->own, in->buf + in->start, part);
	in->buf = in->own;
	in->cap = in->own_cap;
	in->scan -= in->start;
	in->start = 0;
	in->end = part;
	in->nul_lo = in->nul_hi = in->nul_end = 0;
	in->held = false;
	ring_release(in->ring);
}

static int produce(struct fs_input *in, char *dst, size_t cap, struct fs_err *err)
{
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	if (in->ring)
		return ring_take(in, dst, cap, err);
	return decode(in->dec, dst, cap, err);
}

static void free_ring(struct fs_input *in)
{
	struct fs_input_ring *r = in->ring;

	in->dec->ring = NULL;
	fs_big_free(r->data[0] - HEADROOM, RING_BLOCKS * (size_t)SLOT_SIZE);
	pthread_cond_destroy(&r->populated);
	pthread_cond_destroy(&r->can_take);
	pthread_cond_destroy(&r->can_put);
	pthread_mutex_destroy(&r->lock);
	free(r);
	in->ring = NULL;
}

static int start_thread(struct fs_input *in)
{
	struct fs_input_ring *r;
	/* one mapping of whole huge pages: 2 faults instead of 1024 */
	char *blocks = fs_big_alloc(RING_BLOCKS * (size_t)SLOT_SIZE);

	if (!blocks)
		return 0;               /* decompress inline, as without a thread */
	r = fs_xcalloc(1, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->can_put, NULL);
	pthread_cond_init(&r->can_take, NULL);
	pthread_cond_init(&r->populated, NULL);
	for (unsigned i = 0; i < RING_BLOCKS; i++)
		r->data[i] = blocks + i * (size_t)SLOT_SIZE + HEADROOM;
	in->ring = r;
	in->dec->ring = r;
	if (pthread_create(&r->thread, NULL, producer, in)) {
		/* no thread: decompress inline, as for a plain file */
		free_ring(in);
	}
	return 0;
}

static void stop_thread(struct fs_input *in)
{
	struct fs_input_ring *r = in->ring;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->can_put);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	free_ring(in);
}

/* Formats fragsim cannot read as text yet, recognised so the message says
 * what the file is instead of "cannot tell the trace format". */
static int refuse_binary(const struct fs_input_dec *d, struct fs_err *err)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *what, *hint;
	} known[] = {
		{ "\xfd" "7zXZ", 6, "xz-compressed input", "xz -dc FILE | fragsim replay -" },
		{ "BZh", 3, "bzip2-compressed input", "bzip2 -dc FILE | fragsim replay -" },
		{ "\x04\x22\x4d\x18", 4, "lz4-compressed input", "lz4 -dc FILE | fragsim replay -" },
		/* trace-cmd's trace.dat (lib/trace-cmd/trace-output.c: "\027\010\104tracing") */
		{ "PERFILE2", 8, "a perf.data file", "perf script -i FILE | fragsim replay -" },
	};
	size_t have = d->raw_len - d->raw_pos;

	for (unsigned i = 0; i < FS_ARRAY_SIZE(known); i++)
		if (have >= known[i].len && !memcmp(d->raw + d->raw_pos, known[i].magic, known[i].len))
			return fs_error(err, -EINVAL, "%s: %s is not supported yet; convert it to text: %s",
					d->path, known[i].what, known[i].hint);
	return 0;
}

int fs_input_open(struct fs_input *in, const char *path, struct fs_err *err)
{
	struct fs_input_dec *d;
	const unsigned char *m;
	int rc;

	memset(in, 0, sizeof(*in));
	d = fs_xcalloc(1, sizeof(*d));
	in->dec = d;
	in->path = fs_xstrdup(path);
	d->path = in->path;
	if (!strcmp(path, "-")) {
		d->fd = STDIN_FILENO;
	} else {
		d->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (d->fd < 0) {
			int e = errno;

			fs_input_close(in);
			return fs_error(err, -e, "cannot open trace \"%s\": %s", path, strerror(e));
		}
		in->own_fd = true;
#ifdef POSIX_FADV_SEQUENTIAL
		posix_fadvise(d->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	}
	d->raw = fs_xcalloc(1, RAW_SIZE);
	/* Look at the first bytes. */
	if ((rc = raw_fill(d, 16, err))) {
		fs_input_close(in);
		return rc;
	}
	m = d->raw;
	if (d->raw_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		d->codec = FS_INPUT_ZSTD;       /* ZSTD_MAGICNUMBER 0xFD2FB528, little endian */
	else if (d->raw_len >= 4 && (m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d &&
		 m[3] == 0x18)
		d->codec = FS_INPUT_ZSTD;       /* a skippable frame 0x184D2A5? first */
	else if (d->raw_len >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		d->codec = FS_INPUT_GZIP;       /* RFC 1952 ID1 ID2 */
	else if ((rc = refuse_binary(d, err))) {
		fs_input_close(in);
		return rc;
	}
	in->codec = d->codec;
	if (d->codec == FS_INPUT_GZIP) {
		/* 15 + 16: a gzip wrapper, the largest window */
		if (inflateInit2(&d->zs, 15 + 16) != Z_OK) {
			fs_input_close(in);
			return fs_error(err, -ENOMEM, "%s: zlib inflateInit2 failed", path);
		}
		d->zs_init = true;
	} else if (d->codec == FS_INPUT_ZSTD) {
		ZSTD_customMem mem = { zstd_alloc, zstd_free, d };

		d->zd = ZSTD_createDCtx_advanced(mem);
		/* Captures are compressed with --long=27 or more; the default
		 * limit (2^27) would refuse larger windows. 31 is the format's
		 * maximum on 64-bit hosts (ZSTD_WINDOWLOG_MAX_64). */
		if (!d->zd || ZSTD_isError(ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax,
								  sizeof(size_t) == 8 ? 31 : 30))) {
			fs_input_close(in);
			return fs_error(err, -ENOMEM, "%s: cannot set up zstd decompression", path);
		}
	}
	in->cap = in->own_cap = BUF_SIZE;
	in->buf = in->own = malloc(in->cap);
	if (!in->buf) {
		fs_input_close(in);
		return fs_error(err, -ENOMEM, "%s: out of memory", path);
	}
	if (d->codec != FS_INPUT_PLAIN)
		start_thread(in);
	return 0;
}

int fs_input_peek(struct fs_input *in, size_t n, const char **p, size_t *have, struct fs_err *err)
{
	while (in->end - in->start < n && !in->eof) {
		int got;

		if (in->ring && n <= HEADROOM) {
			got = ring_next(in, err);
		} else {
			ring_unhold(in);
			if (in->cap - in->end < n + 1) {
				in->cap = in->own_cap = in->end + n + 1;
				in->buf = in->own = fs_xrealloc(in->own, in->cap);
			}
			got = produce(in, in->buf + in->end, in->cap - in->end - 1, err);
		}
		if (got < 0)
			return got;
		if (got == 0)
			in->eof = true;
		in->end += (size_t)got;
	}
	*p = in->buf + in->start;
	*have = in->end - in->start;
	return 0;
}

void fs_input_close(struct fs_input *in)
{
	struct fs_input_dec *d = in->dec;

	stop_thread(in);
	if (d) {
		if (d->zs_init)
			inflateEnd(&d->zs);
		ZSTD_freeDCtx(d->zd);
		if (in->own_fd && d->fd >= 0)
			close(d->fd);
		free(d->raw);
		free(d);
	}
	free(in->own);
	free(in->path);
	memset(in, 0, sizeof(*in));
}

/* Whether [ls, le) holds a NUL: binary data passed as text. One memchr
 * runs ahead over everything buffered, not one per line. */
static bool has_nul(struct fs_input *in, size_t ls, size_t le)
{
	if (ls < in->nul_lo || ls > in->nul_hi || (le > in->nul_hi && in->nul_hi == in->nul_end)) {
		const char *z = memchr(in->buf + ls, 0, in->end - ls);

		in->nul_lo = ls;
		in->nul_end = in->end;
		in->nul_hi = z ? (size_t)(z - in->buf) : in->end;
	}
	return le > in->nul_hi;
}

int fs_input_getline(struct fs_input *in, char **line, size_t *len, struct fs_err *err)
{
	for (;;) {
		char *nl = memchr(in->buf + in->scan, '\n', in->end - in->scan);
		int n;

		if (nl) {
			*line = in->buf + in->start;
			*len = (size_t)(nl - *line);
			in->line_has_nul = has_nul(in, in->start, (size_t)(nl - in->buf));
			*nl = 0;
			in->start = in->scan = (size_t)(nl - in->buf) + 1;
			in->lines++;
			return 1;
		}
		in->scan = in->end;
		if (in->eof) {
			if (in->start == in->end)
				return 0;
			/* a last line without '\n'; there is always a spare byte */
			*line = in->buf + in->start;
			*len = in->end - in->start;
			in->line_has_nul = has_nul(in, in->start, in->end);
			in->buf[in->end] = 0;
			in->start = in->scan = in->end;
			in->lines++;
			return 1;
		}
		if (in->ring && in->end - in->start <= HEADROOM) {
			n = ring_next(in, err);
		} else {
			ring_unhold(in);
			if (in->start) {
				memmove(in->buf, in->buf + in->start, in->end - in->start);
				in->end -= in->start;
				in->scan -= in->start;
				in->start = 0;
				in->nul_lo = in->nul_hi = in->nul_end = 0;
			}
			if (in->cap - in->end < BUF_SIZE / 4) {
				if (in->cap >= LINE_MAX_BYTES)
					return fs_error(err, -EINVAL, "%s:%llu: a line longer than %u MiB: "
							"not a text trace", in->path,
							(unsigned long long)in->lines + 1, LINE_MAX_BYTES >> 20);
				in->cap *= 2;
				in->buf = in->own = fs_xrealloc(in->own, in->cap);
				in->own_cap = in->cap;
			}
			n = produce(in, in->buf + in->end, in->cap - in->end - 1, err);
		}
		if (n < 0) {
			size_t l = strlen(err->msg);

			if (in->lines)
				snprintf(err->msg + l, sizeof(err->msg) - l, " (after line %llu)",
					 (unsigned long long)in->lines);
			else
				snprintf(err->msg + l, sizeof(err->msg) - l, " (before the first line)");
			return n;
		}
		if (n == 0)
			in->eof = true;
		in->end += (size_t)n;
	}
}

/* Raw bytes (binary inputs such as /proc/kpageflags): first what getline
 * buffered, then the decoder. The count, 0 at the end, <0 error. */
int fs_input_read(struct fs_input *in, void *dst, size_t cap, struct fs_err *err)
{
	size_t have;

	ring_unhold(in);
	have = in->end - in->start;
	if (have) {
		if (have > cap)
			have = cap;
		memcpy(dst, in->buf + in->start, have);
		in->start += have;
		if (in->scan < in->start)
			in->scan = in->start;
		return (int)have;
	}
	if (in->eof)
		return 0;
	return produce(in, dst, cap, err);
}
