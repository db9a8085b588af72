/* gfp.c - gfp flag strings from kernel traces (see gfp.h). Names from
 * include/trace/events/mmflags.h (4.4 .. 6.18) and 3.10's
 * include/trace/events/gfpflags.h; composites from include/linux/gfp_types.h
 * (gfp.h before 6.2). */
#include <stdio.h>
#include <string.h>

#include "fragsim.h"
#include "gfp.h"

#define RECLAIM (FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM)
#define KERNEL (RECLAIM | FS_GFP_IO | FS_GFP_FS)
#define USER (KERNEL | FS_GFP_HARDWALL)
#define HIGHUSER_MOVABLE (USER | FS_GFP_HIGHMEM | FS_GFP_MOVABLE)
#define TRANSHUGE_LIGHT ((HIGHUSER_MOVABLE | FS_GFP_COMP | FS_GFP_NOMEMALLOC | FS_GFP_NOWARN) & ~RECLAIM)

static const struct {
	const char *name;
	uint32_t bits;
} names[] = {
	/* composites, as show_gfp_flags tries them first */
	{ "GFP_TRANSHUGE", TRANSHUGE_LIGHT | FS_GFP_DIRECT_RECLAIM },
	{ "GFP_TRANSHUGE_LIGHT", TRANSHUGE_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", USER | FS_GFP_HIGHMEM },
	{ "GFP_USER", USER },
	{ "GFP_TEMPORARY", KERNEL | FS_GFP_RECLAIMABLE },   /* until 4.14 */
	{ "GFP_KERNEL_ACCOUNT", KERNEL | FS_GFP_ACCOUNT },
	{ "GFP_KERNEL", KERNEL },
	{ "GFP_NOFS", RECLAIM | FS_GFP_IO },
	{ "GFP_ATOMIC", FS_GFP_HIGH | FS_GFP_KSWAPD_RECLAIM },
	{ "GFP_NOIO", RECLAIM },
	{ "GFP_NOWAIT", FS_GFP_KSWAPD_RECLAIM },
	{ "GFP_DMA", FS_GFP_DMA },
	{ "GFP_DMA32", FS_GFP_DMA32 },
	{ "none", 0 },
	/* single bits, 4.4+ spelling */
	{ "__GFP_DMA", FS_GFP_DMA },
	{ "__GFP_DMA32", FS_GFP_DMA32 },
	{ "__GFP_HIGHMEM", FS_GFP_HIGHMEM },
	{ "__GFP_MOVABLE", FS_GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", FS_GFP_RECLAIMABLE },
	{ "__GFP_HIGH", FS_GFP_HIGH },
	{ "__GFP_ATOMIC", FS_GFP_ATOMIC },
	{ "__GFP_IO", FS_GFP_IO },
	{ "__GFP_FS", FS_GFP_FS },
	{ "__GFP_RECLAIM", RECLAIM },
	{ "__GFP_DIRECT_RECLAIM", FS_GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", FS_GFP_KSWAPD_RECLAIM },
	{ "__GFP_NOWARN", FS_GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", FS_GFP_RETRY_MAYFAIL },
	{ "__GFP_REPEAT", FS_GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", FS_GFP_NOFAIL },
	{ "__GFP_NORETRY", FS_GFP_NORETRY },
	{ "__GFP_COMP", FS_GFP_COMP },
	{ "__GFP_ZERO", FS_GFP_ZERO },
	{ "__GFP_NOMEMALLOC", FS_GFP_NOMEMALLOC },
	{ "__GFP_MEMALLOC", FS_GFP_MEMALLOC },
	{ "__GFP_HARDWALL", FS_GFP_HARDWALL },
	{ "__GFP_THISNODE", FS_GFP_THISNODE },
	{ "__GFP_ACCOUNT", FS_GFP_ACCOUNT },
	{ "__GFP_WRITE", FS_GFP_WRITE },
	/* 3.10 spells single bits without the underscores */
	{ "GFP_HIGH", FS_GFP_HIGH },
	{ "GFP_WAIT", FS_GFP_DIRECT_RECLAIM },
	{ "GFP_IO", FS_GFP_IO },
	{ "GFP_FS", FS_GFP_FS },
	{ "GFP_NOWARN", FS_GFP_NOWARN },
	{ "GFP_REPEAT", FS_GFP_RETRY_MAYFAIL },
	{ "GFP_NOFAIL", FS_GFP_NOFAIL },
	{ "GFP_NORETRY", FS_GFP_NORETRY },
	{ "GFP_COMP", FS_GFP_COMP },
	{ "GFP_ZERO", FS_GFP_ZERO },
	{ "GFP_NOMEMALLOC", FS_GFP_NOMEMALLOC },
	{ "GFP_MEMALLOC", FS_GFP_MEMALLOC },
	{ "GFP_HARDWALL", FS_GFP_HARDWALL },
	{ "GFP_THISNODE", FS_GFP_THISNODE },
	{ "GFP_RECLAIMABLE", FS_GFP_RECLAIMABLE },
	{ "GFP_MOVABLE", FS_GFP_MOVABLE },
};

/* Flags with no meaning for placement, recognised so they are not
 * reported as unknown. */
static const char *const ignored[] = {
	"__GFP_SKIP_KASAN", "__GFP_SKIP_ZERO", "__GFP_ZEROTAGS", "__GFP_NOLOCKDEP", "__GFP_COLD",
	"__GFP_NOTRACK", "__GFP_OTHER_NODE", "__GFP_NO_KSWAPD", "__GFP_SKIP_KASAN_POISON",
	"__GFP_SKIP_KASAN_UNPOISON", "GFP_COLD", "GFP_NOTRACK", "GFP_NO_KSWAPD", "GFP_OTHER_NODE",
	"GFP_KMEMCG", "__GFP_KMEMCG", "__GFP_NO_OBJ_EXT", "__GFP_UNMAPPED",
};

unsigned fs_gfp_parse(const char *s, size_t len, uint32_t *out)
{
	const char *e = s + len;
	unsigned unknown = 0;

	*out = 0;
	while (s < e) {
		const char *t = memchr(s, '|', (size_t)(e - s));
		size_t n = t ? (size_t)(t - s) : (size_t)(e - s);
		bool found = false;

		if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			found = true;   /* a numeric remainder: bits without a name */
		for (size_t i = 0; !found && i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && !memcmp(names[i].name, s, n)) {
				*out |= names[i].bits;
				found = true;
			}
		for (size_t i = 0; !found && i < sizeof(ignored) / sizeof(ignored[0]); i++)
			found = strlen(ignored[i]) == n && !memcmp(ignored[i], s, n);
		unknown += !found && n;
		s += n + (t != NULL);
	}
	return unknown;
}

void fs_gfp_format(uint32_t gfp, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = 0;
	/* the composite that covers the most bits first, as show_gfp_flags does */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && gfp && used < size; i++) {
		uint32_t b = names[i].bits;

		if (!b || (gfp & b) != b)
			continue;
		gfp &= ~b;
		/* a buffer too small ends the text cut, never past its end */
		used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "|" : "", names[i].name);
	}
	if (!used)
		snprintf(buf, size, "none");
}

unsigned fs_gfp_migratetype(uint32_t gfp)
{
	if (gfp & FS_GFP_MOVABLE)
		return FS_MT_MOVABLE;
	return gfp & FS_GFP_RECLAIMABLE ? FS_MT_RECLAIMABLE : FS_MT_UNMOVABLE;
}
