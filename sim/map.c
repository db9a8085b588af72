/* map.c - the memory map `fragsim replay --dump-map TIME FILE` writes: one
 * CSV row per pageblock of one simulation at one sample, for
 * `fragsim plot map` (the textbook picture of a fragmented memory, for a
 * whole machine):
 *
 *   # fragsim memory map: ...
 *   time_s,policy,pageblock,start_pfn,zone,migratetype,pages,free_pages,
 *   used_unmovable,used_movable,used_reclaimable,key
 *
 * key: the allocator key (task name, key=NAME) holding most of the
 * pageblock's allocated pages, "-" when none is keyed (for keyed zones the
 * zone's key; `fragsim plot map --by key` colours by it).
 *
 * pages: pages of the pageblock inside a zone and not in a hole; free_pages:
 * pages in free buddy blocks (from the page slots, one pass over free and
 * allocated heads); used_*: allocated pages by the allocations' requested
 * type (struct fs_pageblock). What is neither (pages on per-CPU lists,
 * untracked pages) is pages - free - used. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Pages of [start, end) inside a zone and outside holes. */
static uint64_t present_in(const struct fs_machine *m, uint64_t start, uint64_t end)
{
	uint64_t n = 0;

	for (unsigned z = 0; z < m->nr_zones; z++) {
		uint64_t a = m->zones[z].start_pfn > start ? m->zones[z].start_pfn : start;
		uint64_t b = m->zones[z].end_pfn < end ? m->zones[z].end_pfn : end;

		n += b > a ? b - a : 0;
	}
	for (unsigned h = 0; h < m->nr_holes; h++) {
		uint64_t hs = m->holes[h].start_pfn, he = hs + m->holes[h].nr_pages;
		uint64_t a = hs > start ? hs : start, b = he < end ? he : end;

		n -= b > a ? b - a : 0;
	}
	return n;
}

/* Free pages per pageblock: walk the page slots block by block (a free or
 * allocated head covers 2^order pages), crediting each pageblock a free
 * block overlaps. */
static void free_per_pageblock(const struct fs_machine *m, uint32_t *free_pb)
{
	uint64_t idx = 0;

	memset(free_pb, 0, m->nr_pb * sizeof(*free_pb));
	while (idx < m->nr_pages) {
		uint64_t s = m->pages[idx];
		unsigned order;

		switch (fs_pg_kind(s)) {
		case FS_PG_FREE:
			order = fs_buddy_order(m, idx);
			for (uint64_t left = 1ull << order, i = idx; left;) {
				uint64_t pb = i >> m->pageblock_order;
				uint64_t pb_end = (pb + 1) << m->pageblock_order;
				uint64_t take = pb_end - i < left ? pb_end - i : left;

				free_pb[pb] += (uint32_t)take;
				left -= take;
				i += take;
			}
			idx += 1ull << order;
			break;
		case FS_PG_ALLOC:
		case FS_PG_OTHER:
			idx += 1ull << ((s >> 2) & 15);
			break;
		default:
			idx++;
		}
	}
}

/* A CSV field, quoted (RFC 4180) when it holds a comma or a quote */
static void put_field(FILE *fp, const char *v)
{
	if (!strpbrk(v, ",\"")) {
		fputs(v, fp);
		return;
	}
	fputc('"', fp);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', fp);
		fputc(*v, fp);
	}
	fputc('"', fp);
}

/* The key with most allocated pages per pageblock (0: none): allocation
 * heads in pfn order, a few candidates per pageblock (a majority among
 * more than eight keys in one pageblock is approximate). */
#define KEY_CANDIDATES 8
static void key_per_pageblock(const struct fs_sim *s, uint32_t *key_pb)
{
	const struct fs_machine *m = s->m;
	struct cand {
		uint32_t key;
		uint64_t pages;
	} cand[KEY_CANDIDATES];
	unsigned nc = 0;
	uint64_t cur = UINT64_MAX;

	memset(key_pb, 0, m->nr_pb * sizeof(*key_pb));
	for (uint64_t idx = 0; idx <= m->nr_pages; idx++) {
		uint64_t slot = idx < m->nr_pages ? m->pages[idx] : 0, pb = idx >> m->pageblock_order;
		const struct fs_alloc *a = NULL;

		if (pb != cur || idx == m->nr_pages) {
			uint64_t best = 0;

			for (unsigned c = 0; cur != UINT64_MAX && c < nc; c++)
				if (cand[c].pages > best) {
					best = cand[c].pages;
					key_pb[cur] = cand[c].key;
				}
			nc = 0;
			cur = pb;
		}
		if (idx == m->nr_pages || fs_pg_kind(slot) != FS_PG_ALLOC)
			continue;
		a = fs_alloctab_lookup(&s->at, slot >> 6);
		if (!a || !a->key)
			continue;
		for (uint64_t left = 1ull << a->order, i = idx; left;) {
			uint64_t p = i >> m->pageblock_order, end = (p + 1) << m->pageblock_order;
			uint64_t take = end - i < left ? end - i : left;
			unsigned c;

			if (p != cur) {             /* an allocation larger than a pageblock */
				key_pb[p] = a->key;
			} else {
				for (c = 0; c < nc && cand[c].key != a->key; c++)
					;
				if (c == nc && nc < KEY_CANDIDATES)
					cand[nc++] = (struct cand){ a->key, 0 };
				if (c < nc)
					cand[c].pages += take;
			}
			left -= take;
			i += take;
		}
	}
}

void fs_map_write(FILE *fp, const struct fs_sim *s, uint64_t time_ns, bool header,
		  const struct fs_keytab *keys)
{
	const struct fs_machine *m = s->m;
	uint32_t *free_pb = fs_xcalloc(m->nr_pb + 1, sizeof(*free_pb));
	uint32_t *key_pb = fs_xcalloc(m->nr_pb + 1, sizeof(*key_pb));

	free_per_pageblock(m, free_pb);
	key_per_pageblock(s, key_pb);
	if (header)
		fprintf(fp, "# fragsim memory map: one row per pageblock (%u pages), for fragsim plot map\n"
			    "time_s,policy,pageblock,start_pfn,zone,migratetype,pages,free_pages,"
			    "used_unmovable,used_movable,used_reclaimable,key\n",
			1u << m->pageblock_order);
	for (uint64_t i = 0; i < m->nr_pb; i++) {
		const struct fs_pageblock *pb = &m->pb[i];
		uint64_t start = m->base_pfn + (i << m->pageblock_order);

		fprintf(fp, "%" PRIu64 ".%06" PRIu64 ",", time_ns / 1000000000u, time_ns % 1000000000u / 1000u);
		fprintf(fp, strchr(s->pol->label, ',') ? "\"%s\"" : "%s", s->pol->label);
		fprintf(fp, ",%" PRIu64 ",0x%" PRIx64 ",%s,%s,%" PRIu64 ",%u,%u,%u,%u,", i, start,
			pb->zone == FS_PB_NO_ZONE ? "-" : m->zones[pb->zone].name, fs_mt_name(pb->type),
			present_in(m, start, start + (1ull << m->pageblock_order)), free_pb[i], pb->used[0],
			pb->used[1], pb->used[2]);
		put_field(fp, key_pb[i] && keys ? fs_keytab_name(keys, key_pb[i]) : "-");
		fputc('\n', fp);
	}
	free(key_pb);
	free(free_pb);
}
