/* thp_burst: a short burst of high-order activity for traces/capture.sh.
 * usage: thp_burst [MIB] [ROUNDS]   (defaults 256 MiB, 3 rounds)
 * Each round: mmap MIB of anonymous memory, madvise(MADV_HUGEPAGE) (THP in "madvise" mode),
 * touch every 4 KiB page (order-9 faults where the kernel finds free pageblocks), munmap every
 * other 1 MiB (splits the huge pages: partial frees), open 200 pipes and fill each with 16 KiB
 * (unmovable kernel allocations), close them, then munmap the rest.
 * cc -O2 -o thp_burst thp_burst.c */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define NPIPES 200

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	size_t len = mib << 20, step = 1 << 20;
	static char buf[16384];
	int fds[NPIPES][2];

	memset(buf, 'x', sizeof buf);
	for (int r = 0; r < rounds; r++) {
		/* 2 MiB-aligned region: over-allocate and trim */
		char *raw = mmap(NULL, len + (2 << 20), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (raw == MAP_FAILED) { perror("mmap"); return 1; }
		char *p = (char *)(((unsigned long)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
		if (madvise(p, len, MADV_HUGEPAGE)) perror("madvise(MADV_HUGEPAGE)");
		for (size_t o = 0; o < len; o += 4096)
			p[o] = (char)o;
		for (size_t o = 0; o < len; o += 2 * step)
			munmap(p + o, step);
		int n = 0;
		for (; n < NPIPES; n++) {
			if (pipe(fds[n])) { perror("pipe"); break; }
			if (write(fds[n][1], buf, sizeof buf) < 0) perror("write");
		}
		for (int i = 0; i < n; i++) { close(fds[i][0]); close(fds[i][1]); }
		for (size_t o = step; o < len; o += 2 * step)
			munmap(p + o, step);
		munmap(raw, len + (2 << 20));  /* the trimmed edges (the rest is unmapped already) */
		printf("round %d: %zu MiB touched, %d pipes\n", r, mib, n);
	}
	return 0;
}
