// SPDX-License-Identifier: GPL-2.0
/*
 * altp2m module entry: probe the CPU, report what it offers, and publish
 * /dev/altp2m and the generic netlink family. The module refuses to load
 * where it could never run a guest, so its presence always means a usable
 * host.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/altp2m.h>

#include "altp2m.h"
#include "vmx/vmx.h"

struct altp2m_hw altp2m_host __ro_after_init;

static int __init altp2m_init(void)
{
	char desc[160];
	int ret;

	ret = altp2m_vmx_probe(&altp2m_host);
	if (ret)
		return ret;

	if (altp2m_caps_describe(altp2m_host.caps, desc, sizeof(desc)) < 0)
		desc[0] = '\0';

	ret = altp2m_vmx_init();
	if (ret)
		return ret;
	altp2m_memory_setup();
	/* Before the device: every VM announces itself to the family. */
	ret = altp2m_nl_init();
	if (ret)
		goto err_vmx;
	ret = altp2m_dev_init();
	if (ret)
		goto err_nl;

	pr_info("API %d, VMCS revision %#x: %s\n", ALTP2M_API_VERSION,
		altp2m_host.vmcs_revision, desc);
	return 0;

err_nl:
	altp2m_nl_exit();
err_vmx:
	altp2m_vmx_exit();
	return ret;
}

static void __exit altp2m_exit(void)
{
	altp2m_dev_exit();
	altp2m_nl_exit();
	altp2m_vmx_exit();
}

module_init(altp2m_init);
module_exit(altp2m_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VMX/EPT hypervisor with alternate p2m views");
MODULE_AUTHOR("The altp2m developers");
