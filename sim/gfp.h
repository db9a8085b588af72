/* gfp.h - gfp flags as kernel traces print them (mm_page_alloc's
 * "gfp_flags=%s", show_gfp_flags in include/trace/events/mmflags.h), read
 * into the handful of meanings the allocator acts on.
 *
 * The bits are fragsim's own, stable across kernel versions; the kernel's
 * numeric values changed many times. Composite names expand as their
 * kernel defines them; where a composite changed meaning, the expansion
 * keeps what every version shares and the bit that tells them apart:
 *   GFP_ATOMIC   __GFP_HIGH | __GFP_KSWAPD_RECLAIM (6.3+), plus __GFP_ATOMIC
 *                before 6.3 — both set FS_GFP_HIGH and lack DIRECT_RECLAIM;
 *   GFP_WAIT     3.10's name of __GFP_WAIT, which __GFP_DIRECT_RECLAIM became (4.4);
 *   GFP_NOWAIT   0 in 3.10, __GFP_KSWAPD_RECLAIM since 4.4. */
#ifndef FRAGSIM_GFP_H
#define FRAGSIM_GFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FS_GFP_DMA = 1u << 0,
	FS_GFP_DMA32 = 1u << 1,
	FS_GFP_HIGHMEM = 1u << 2,
	FS_GFP_MOVABLE = 1u << 3,
	FS_GFP_RECLAIMABLE = 1u << 4,
	FS_GFP_HIGH = 1u << 5,            /* may use part of the min reserve */
	FS_GFP_ATOMIC = 1u << 6,          /* __GFP_ATOMIC (4.4 .. 6.2) */
	FS_GFP_IO = 1u << 7,
	FS_GFP_FS = 1u << 8,
	FS_GFP_DIRECT_RECLAIM = 1u << 9,  /* may sleep: reclaim and compact (3.10: __GFP_WAIT) */
	FS_GFP_KSWAPD_RECLAIM = 1u << 10,
	FS_GFP_NOWARN = 1u << 11,
	FS_GFP_RETRY_MAYFAIL = 1u << 12,  /* and 3.10's __GFP_REPEAT */
	FS_GFP_NOFAIL = 1u << 13,
	FS_GFP_NORETRY = 1u << 14,
	FS_GFP_COMP = 1u << 15,
	FS_GFP_ZERO = 1u << 16,
	FS_GFP_NOMEMALLOC = 1u << 17,
	FS_GFP_MEMALLOC = 1u << 18,
	FS_GFP_HARDWALL = 1u << 19,
	FS_GFP_THISNODE = 1u << 20,
	FS_GFP_ACCOUNT = 1u << 21,
	FS_GFP_WRITE = 1u << 22,
};

/* Parse "GFP_KERNEL|__GFP_ZERO|0x400000" (or "none"): the bits in *out.
 * Returns the number of names not recognised (hex remainders, flags
 * without allocator meaning such as __GFP_SKIP_KASAN, are not counted). */
unsigned fs_gfp_parse(const char *s, size_t len, uint32_t *out);
/* "GFP_KERNEL|__GFP_COMP"-style text for bits, into buf (for traces fragsim writes). */
void fs_gfp_format(uint32_t gfp, char *buf, size_t size);
/* gfp_migratetype: MOVABLE, RECLAIMABLE or UNMOVABLE (4.4+ numbering) */
unsigned fs_gfp_migratetype(uint32_t gfp);

#endif
