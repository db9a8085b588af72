/* fuzz.c - libFuzzer targets for fragsim's readers (make fuzz). One
 * driver, one target per build (-DFUZZ_TRACE, -DFUZZ_PROCFS, -DFUZZ_YAML,
 * -DFUZZ_EXTFRAG): the input is written to a memfd and read through the
 * same entry point the CLI uses, so decompression, line splitting and
 * every parser are exercised. A reader may reject any input; it may never
 * crash, leak or read out of bounds (ASan, UBSan). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "extfrag.h"
#include "internal.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int to_memfd(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fragsim-fuzz", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = to_memfd(data, size, path, sizeof(path));
	struct fs_err err;

#if defined(FUZZ_TRACE)
	{
		/* the first byte picks the format: auto, native, ftrace */
		static const enum fs_trace_format fmts[3] = { FS_FMT_AUTO, FS_FMT_NATIVE, FS_FMT_FTRACE };
		struct fs_keytab keys;
		struct fs_trace t;
		struct fs_event ev;

		fs_keytab_init(&keys);
		if (!fs_trace_open(&t, path, fmts[size ? data[0] % 3 : 0], &err)) {
			t.keys = &keys;
			t.warn = NULL;
			t.max_order = 10;
			while (fs_trace_next(&t, &ev, &err) > 0)
				;
			fs_trace_close(&t);
		}
		fs_keytab_release(&keys);
	}
#elif defined(FUZZ_PROCFS)
	{
		struct fs_procfs_file f;
		struct fs_layout l;

		if (!fs_procfs_load(&f, path, &err))
			fs_procfs_release(&f);
		fs_procfs_layout(path, &l, &err);
	}
#elif defined(FUZZ_YAML)
	{
		struct fs_layout l;

		if (!fs_layout_load_yaml(&l, path, &err))
			fs_layout_validate(&l, &err);
	}
#elif defined(FUZZ_EXTFRAG)
	{
		/* one reader, then the same file in parts of a few bytes on
		 * three threads: the results must be the same */
		struct fs_extfrag_an a[2];
		struct fs_err err2 = { "" };
		int rc[2];

		for (int i = 0; i < 2; i++) {
			fs_extfrag_init(&a[i]);
			a[i].warn = NULL;
			a[i].stream_ns = 1000000;
			a[i].threads = i ? 3 : 1;
			a[i].chunk_min = 1;
			rc[i] = fs_extfrag_read(&a[i], path, i ? &err2 : &err);
		}
		if (rc[0] != rc[1] || a[0].nr_inputs != a[1].nr_inputs)
			abort();
		if (a[0].nr_inputs && (memcmp(&a[0].c, &a[1].c, sizeof(a[0].c)) ||
		    a[0].inputs[0].lines != a[1].inputs[0].lines ||
		    a[0].inputs[0].malformed != a[1].inputs[0].malformed ||
		    a[0].inputs[0].nr_shown != a[1].inputs[0].nr_shown ||
		    a[0].last_ns != a[1].last_ns || a[0].nr_bk != a[1].nr_bk ||
		    (rc[0] && rc[0] != -EAGAIN && strcmp(err.msg, err2.msg))))
			abort();
		fs_extfrag_release(&a[0]);
		fs_extfrag_release(&a[1]);
	}
#else
#error "define one of FUZZ_TRACE, FUZZ_PROCFS, FUZZ_YAML, FUZZ_EXTFRAG"
#endif
	close(fd);
	return 0;
}
