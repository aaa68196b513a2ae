// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: names of access codes, modes, events, netlink commands and
 * attributes. Command and attribute names are the YNL ones: the enum
 * constant without its prefix, lower case, with dashes.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const altp2m_access_names[] = {
	[ALTP2M_ACCESS_N]	= "n",
	[ALTP2M_ACCESS_R]	= "r",
	[ALTP2M_ACCESS_W]	= "w",
	[ALTP2M_ACCESS_RW]	= "rw",
	[ALTP2M_ACCESS_X]	= "x",
	[ALTP2M_ACCESS_RX]	= "rx",
	[ALTP2M_ACCESS_WX]	= "wx",
	[ALTP2M_ACCESS_RWX]	= "rwx",
	[ALTP2M_ACCESS_RX2RW]	= "rx2rw",
	[ALTP2M_ACCESS_N2RWX]	= "n2rwx",
	[ALTP2M_ACCESS_DEFAULT]	= "default",
};

static const char *const altp2m_mode_names[] = {
	[ALTP2M_MODE_EXTERNAL]	= "external",
	[ALTP2M_MODE_MIXED]	= "mixed",
	[ALTP2M_MODE_LIMITED]	= "limited",
};

static const char *const altp2m_cmd_names[] = {
	[ALTP2M_CMD_GET_VM]		= "get-vm",
	[ALTP2M_CMD_VIEWS_ENABLE]	= "views-enable",
	[ALTP2M_CMD_VIEWS_DISABLE]	= "views-disable",
	[ALTP2M_CMD_CREATE_VIEW]	= "create-view",
	[ALTP2M_CMD_DESTROY_VIEW]	= "destroy-view",
	[ALTP2M_CMD_GET_VIEW]		= "get-view",
	[ALTP2M_CMD_SWITCH_VIEW]	= "switch-view",
	[ALTP2M_CMD_SET_ACCESS]		= "set-access",
	[ALTP2M_CMD_SET_SVE]		= "set-sve",
	[ALTP2M_CMD_GET_ACCESS]		= "get-access",
	[ALTP2M_CMD_REMAP]		= "remap",
	[ALTP2M_CMD_SET_VISIBILITY]	= "set-visibility",
	[ALTP2M_CMD_DUMP_VIEW]		= "dump-view",
	[ALTP2M_CMD_GET_STATS]		= "get-stats",
	[ALTP2M_CMD_GET_VCPU_VIEWS]	= "get-vcpu-views",
	[ALTP2M_CMD_VM_CREATED]		= "vm-created",
	[ALTP2M_CMD_VM_DESTROYED]	= "vm-destroyed",
	[ALTP2M_CMD_VIEWS_ENABLED]	= "views-enabled",
	[ALTP2M_CMD_VIEWS_DISABLED]	= "views-disabled",
	[ALTP2M_CMD_VIEW_CREATED]	= "view-created",
	[ALTP2M_CMD_VIEW_DESTROYED]	= "view-destroyed",
	[ALTP2M_CMD_BATCH]		= "batch",
	[ALTP2M_CMD_TXN_BEGIN]		= "txn-begin",
	[ALTP2M_CMD_TXN_STAGE]		= "txn-stage",
	[ALTP2M_CMD_TXN_COMMIT]		= "txn-commit",
	[ALTP2M_CMD_TXN_ABORT]		= "txn-abort",
	[ALTP2M_CMD_ADD_HIDDEN]		= "add-hidden",
	[ALTP2M_CMD_REMOVE_HIDDEN]	= "remove-hidden",
};

_Static_assert(ARRAY_SIZE(altp2m_cmd_names) == __ALTP2M_CMD_MAX,
	       "every ALTP2M_CMD_* needs a name");

static const char *const altp2m_attr_names[] = {
	[ALTP2M_A_PAD]			= "pad",
	[ALTP2M_A_VM_ID]		= "vm-id",
	[ALTP2M_A_OWNER_PID]		= "owner-pid",
	[ALTP2M_A_NR_VCPUS]		= "nr-vcpus",
	[ALTP2M_A_MEM_PAGES]		= "mem-pages",
	[ALTP2M_A_VIEWS_ENABLED]	= "views-enabled",
	[ALTP2M_A_MAX_VIEWS]		= "max-views",
	[ALTP2M_A_MODE]			= "mode",
	[ALTP2M_A_NR_VIEWS]		= "nr-views",
	[ALTP2M_A_GENERATION]		= "generation",
	[ALTP2M_A_VIEW]			= "view",
	[ALTP2M_A_VCPU]			= "vcpu",
	[ALTP2M_A_GFN]			= "gfn",
	[ALTP2M_A_NPAGES]		= "npages",
	[ALTP2M_A_ACCESS]		= "access",
	[ALTP2M_A_SVE]			= "sve",
	[ALTP2M_A_TARGET]		= "target",
	[ALTP2M_A_VISIBLE]		= "visible",
	[ALTP2M_A_DEFAULT_ACCESS]	= "default-access",
	[ALTP2M_A_VCPUS_ON]		= "vcpus-on",
	[ALTP2M_A_NR_LEAVES]		= "nr-leaves",
	[ALTP2M_A_NR_PAGES]		= "nr-pages",
	[ALTP2M_A_NR_TABLES]		= "nr-tables",
	[ALTP2M_A_NR_REMAPS]		= "nr-remaps",
	[ALTP2M_A_ENTRY]		= "entry",
	[ALTP2M_A_STATS]		= "stats",
	[ALTP2M_A_VCPU_VIEW]		= "vcpu-view",
	[ALTP2M_A_OP]			= "op",
	[ALTP2M_A_TXN_ID]		= "txn-id",
};

_Static_assert(ARRAY_SIZE(altp2m_attr_names) == __ALTP2M_A_MAX,
	       "every ALTP2M_A_* needs a name");

static const char *const altp2m_entry_attr_names[] = {
	[ALTP2M_ENTRY_A_PAD]		= "pad",
	[ALTP2M_ENTRY_A_GFN]		= "gfn",
	[ALTP2M_ENTRY_A_NPAGES]		= "npages",
	[ALTP2M_ENTRY_A_TARGET]		= "target",
	[ALTP2M_ENTRY_A_ACCESS]		= "access",
	[ALTP2M_ENTRY_A_SVE]		= "sve",
};

_Static_assert(ARRAY_SIZE(altp2m_entry_attr_names) == __ALTP2M_ENTRY_A_MAX,
	       "every ALTP2M_ENTRY_A_* needs a name");

static const char *const altp2m_op_attr_names[] = {
	[ALTP2M_OP_A_PAD]		= "pad",
	[ALTP2M_OP_A_TYPE]		= "type",
	[ALTP2M_OP_A_VIEW]		= "view",
	[ALTP2M_OP_A_GFN]		= "gfn",
	[ALTP2M_OP_A_NPAGES]		= "npages",
	[ALTP2M_OP_A_TARGET]		= "target",
	[ALTP2M_OP_A_VALUE]		= "value",
};

_Static_assert(ARRAY_SIZE(altp2m_op_attr_names) == __ALTP2M_OP_A_MAX,
	       "every ALTP2M_OP_A_* needs a name");

static const char *const altp2m_stats_attr_names[] = {
	[ALTP2M_STATS_A_PAD]		= "pad",
	[ALTP2M_STATS_A_NR_VCPUS]	= "nr-vcpus",
	[ALTP2M_STATS_A_MEM_PAGES]	= "mem-pages",
	[ALTP2M_STATS_A_EPT_TABLES]	= "ept-tables",
	[ALTP2M_STATS_A_EPT_MAPS_4K]	= "ept-maps-4k",
	[ALTP2M_STATS_A_EPT_MAPS_2M]	= "ept-maps-2m",
	[ALTP2M_STATS_A_EPT_FLUSHES]	= "ept-flushes",
	[ALTP2M_STATS_A_INVEPT]		= "invept",
	[ALTP2M_STATS_A_VIEW_EVENTS]	= "view-events",
	[ALTP2M_STATS_A_VIEW_PROMOTIONS] = "view-promotions",
	[ALTP2M_STATS_A_REMAPS_INVALIDATED] = "remaps-invalidated",
	[ALTP2M_STATS_A_VIEW_SPLITS]	= "view-splits",
	[ALTP2M_STATS_A_NR_VIEWS]	= "nr-views",
	[ALTP2M_STATS_A_NR_HIDDEN]	= "nr-hidden",
};

_Static_assert(ARRAY_SIZE(altp2m_stats_attr_names) == __ALTP2M_STATS_A_MAX,
	       "every ALTP2M_STATS_A_* needs a name");

static const char *const altp2m_vcpu_view_attr_names[] = {
	[ALTP2M_VCPU_VIEW_A_VCPU]	= "vcpu",
	[ALTP2M_VCPU_VIEW_A_VIEW]	= "view",
};

_Static_assert(ARRAY_SIZE(altp2m_vcpu_view_attr_names) ==
	       __ALTP2M_VCPU_VIEW_A_MAX,
	       "every ALTP2M_VCPU_VIEW_A_* needs a name");

static const char *altp2m_name(const char *const *names, size_t nr,
			       unsigned int i)
{
	return i < nr ? names[i] : NULL;
}

/* The index of @s in @names, or -EINVAL. */
static int altp2m_parse(const char *const *names, size_t nr, const char *s,
			unsigned int *out)
{
	size_t i;

	if (!s || !out)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (names[i] && !strcasecmp(names[i], s)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

ALTP2M_EXPORT
const char *altp2m_access_name(unsigned int access)
{
	return altp2m_name(altp2m_access_names,
			   ARRAY_SIZE(altp2m_access_names), access);
}

ALTP2M_EXPORT
int altp2m_access_parse(const char *s, unsigned int *access)
{
	return altp2m_parse(altp2m_access_names,
			    ARRAY_SIZE(altp2m_access_names), s, access);
}

ALTP2M_EXPORT
const char *altp2m_mode_name(unsigned int mode)
{
	return altp2m_name(altp2m_mode_names, ARRAY_SIZE(altp2m_mode_names),
			   mode);
}

ALTP2M_EXPORT
int altp2m_mode_parse(const char *s, unsigned int *mode)
{
	return altp2m_parse(altp2m_mode_names, ARRAY_SIZE(altp2m_mode_names),
			    s, mode);
}

ALTP2M_EXPORT
const char *altp2m_event_name(uint32_t type)
{
	if (type < ALTP2M_CMD_VM_CREATED || type > ALTP2M_CMD_VIEW_DESTROYED)
		return NULL;
	return altp2m_cmd_names[type];
}

const char *altp2m__cmd_name(unsigned int cmd)
{
	return altp2m_name(altp2m_cmd_names, ARRAY_SIZE(altp2m_cmd_names),
			   cmd);
}

const char *altp2m__attr_name(unsigned int nest, unsigned int type)
{
	switch (nest) {
	case 0:
		return altp2m_name(altp2m_attr_names,
				   ARRAY_SIZE(altp2m_attr_names), type);
	case ALTP2M_A_ENTRY:
		return altp2m_name(altp2m_entry_attr_names,
				   ARRAY_SIZE(altp2m_entry_attr_names), type);
	case ALTP2M_A_OP:
		return altp2m_name(altp2m_op_attr_names,
				   ARRAY_SIZE(altp2m_op_attr_names), type);
	case ALTP2M_A_STATS:
		return altp2m_name(altp2m_stats_attr_names,
				   ARRAY_SIZE(altp2m_stats_attr_names), type);
	case ALTP2M_A_VCPU_VIEW:
		return altp2m_name(altp2m_vcpu_view_attr_names,
				   ARRAY_SIZE(altp2m_vcpu_view_attr_names),
				   type);
	default:
		return NULL;
	}
}
