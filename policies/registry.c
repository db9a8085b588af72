/* registry.c - every placement policy, by name. Adding a policy: write
 * policies/NAME.c defining `const struct fs_policy_ops fs_NAME_policy`,
 * declare it below, and add it to the table. */
#include "../sim/policy.h"

extern const struct fs_policy_ops fs_buddy_policy;
extern const struct fs_policy_ops fs_linux_2_6_24_policy, fs_linux_3_10_policy,
	fs_linux_4_19_policy, fs_linux_5_0_policy, fs_linux_6_10_policy, fs_linux_6_15_policy;
extern const struct fs_policy_ops fs_keyed_zones_policy;

const struct fs_policy_ops *const fs_policy_table[] = {
	&fs_buddy_policy,
	&fs_linux_2_6_24_policy,
	&fs_linux_3_10_policy,
	&fs_linux_4_19_policy,
	&fs_linux_5_0_policy,
	&fs_linux_6_10_policy,
	&fs_linux_6_15_policy,
	&fs_keyed_zones_policy,
	NULL
};
