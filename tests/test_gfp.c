/* test_gfp.c - gfp flag strings as kernels print them (sim/gfp.c) */
#include <criterion/criterion.h>
#include <string.h>

#include "fragsim.h"
#include "gfp.h"

static uint32_t parse(const char *s, unsigned want_unknown)
{
	uint32_t g = 0xdeadbeef;
	unsigned u = fs_gfp_parse(s, strlen(s), &g);

	cr_assert_eq(u, want_unknown, "\"%s\": %u unknown names", s, u);
	return g;
}

Test(gfp, composites_6x)
{
	uint32_t kernel = FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM | FS_GFP_IO | FS_GFP_FS;

	cr_assert_eq(parse("GFP_KERNEL", 0), kernel);
	cr_assert_eq(parse("GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP", 0),
		     kernel | FS_GFP_ACCOUNT | FS_GFP_ZERO | FS_GFP_COMP);
	cr_assert_eq(parse("GFP_ATOMIC|__GFP_NOWARN", 0), FS_GFP_HIGH | FS_GFP_KSWAPD_RECLAIM | FS_GFP_NOWARN,
		     "GFP_ATOMIC cannot direct-reclaim");
	cr_assert_eq(parse("GFP_NOWAIT", 0), FS_GFP_KSWAPD_RECLAIM);
	cr_assert_eq(parse("none", 0), 0);
	/* THP: GFP_TRANSHUGE_LIGHT has no reclaim bits at all, GFP_TRANSHUGE
	 * adds direct reclaim */
	cr_assert_eq(parse("GFP_TRANSHUGE_LIGHT", 0) & (FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM), 0);
	cr_assert(parse("GFP_TRANSHUGE", 0) & FS_GFP_DIRECT_RECLAIM);
	cr_assert(parse("GFP_TRANSHUGE", 0) & FS_GFP_MOVABLE);
	cr_assert_eq(parse("GFP_HIGHUSER_MOVABLE|__GFP_SKIP_KASAN", 0),
		     kernel | FS_GFP_HARDWALL | FS_GFP_HIGHMEM | FS_GFP_MOVABLE);
	cr_assert_eq(parse("GFP_DMA32|__GFP_RECLAIMABLE", 0), FS_GFP_DMA32 | FS_GFP_RECLAIMABLE);
}

Test(gfp, spellings_3_10_and_remainders)
{
	cr_assert_eq(parse("GFP_KERNEL|GFP_REPEAT|GFP_COMP", 0),
		     FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM | FS_GFP_IO | FS_GFP_FS |
			     FS_GFP_RETRY_MAYFAIL | FS_GFP_COMP);
	cr_assert_eq(parse("GFP_WAIT|GFP_IO", 0), FS_GFP_DIRECT_RECLAIM | FS_GFP_IO);
	cr_assert_eq(parse("GFP_HIGH|GFP_MOVABLE|GFP_COLD", 0), FS_GFP_HIGH | FS_GFP_MOVABLE);
	cr_assert_eq(parse("GFP_KERNEL|0x400000", 0) & FS_GFP_FS, FS_GFP_FS, "numeric remainders are skipped");
	cr_assert_eq(parse("GFP_KERNEL|__GFP_BOGUS|GFP_NOTHING", 2) & FS_GFP_IO, FS_GFP_IO,
		     "unknown names are counted, known ones still read");
}

Test(gfp, migratetype_and_format)
{
	char buf[128];
	uint32_t g;

	cr_assert_eq(fs_gfp_migratetype(parse("GFP_HIGHUSER_MOVABLE", 0)), FS_MT_MOVABLE);
	cr_assert_eq(fs_gfp_migratetype(parse("GFP_KERNEL|__GFP_RECLAIMABLE", 0)), FS_MT_RECLAIMABLE);
	cr_assert_eq(fs_gfp_migratetype(parse("GFP_ATOMIC", 0)), FS_MT_UNMOVABLE);
	g = parse("GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP", 0);
	fs_gfp_format(g, buf, sizeof(buf));
	cr_assert_str_eq(buf, "GFP_KERNEL_ACCOUNT|__GFP_COMP|__GFP_ZERO");
	cr_assert_eq(parse(buf, 0), g, "format and parse round-trip");
	fs_gfp_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "none");
	/* a short buffer gets a cut, terminated text (ASan checks the bounds) */
	fs_gfp_format(g, buf, 8);
	cr_assert_str_eq(buf, "GFP_KER");
}
