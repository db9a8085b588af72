/* cmd_policies.c - `fragsim policies`: the registry, with tunables. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compact.h"
#include "policy.h"

int fs_cmd_policies(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: fragsim policies\n\nList the placement policies, with their tunables "
		       "(set as --policy NAME:tunable=value,...),\nthe CSV columns of their own, and "
		       "the tunables of NAME+compaction.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "fragsim policies: unexpected argument \"%s\"\n", argv[1]);
		return 2;
	}
	for (unsigned i = 0; fs_policy_table[i]; i++) {
		const struct fs_policy_ops *ops = fs_policy_table[i];

		printf("%-12s %s\n", ops->name, ops->summary);
		for (const struct fs_tunable *t = ops->tunables; t && t->name; t++)
			printf("  %-20s default %-6s %s\n", t->name, t->def, t->doc);
		for (const struct fs_policy_stat *st = ops->stats; st && st->name; st++)
			printf("  CSV column %-20s %s\n", st->name, st->doc);
	}
	printf("\n+compaction  NAME+compaction runs any policy with Linux 6.12 memory compaction\n"
	       "             (direct, kcompactd, proactive; manual with --compact-at or a\n"
	       "             'compact' trace line); its tunables join the policy's:\n");
	for (const struct fs_tunable *t = fs_compact_tunables; t->name; t++)
		printf("  %-24s default %-4s %s\n", t->name, t->def, t->doc);
	return 0;
}
