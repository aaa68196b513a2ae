// SPDX-License-Identifier: GPL-2.0
/*
 * What the x86 PVH boot ABI hands the kernel: struct hvm_start_info
 * (version 1, with the memory map), the command line, the initrd as
 * module 0 and the RSDP's address, plus a flat GDT for the segment
 * registers the vCPU starts with.
 */
#include <string.h>

#include "vmm.h"

static void map_add(struct hvm_memmap_table_entry *e, int *n, uint64_t addr,
		    uint64_t size, uint32_t type)
{
	e[*n] = (struct hvm_memmap_table_entry){ .addr = addr, .size = size,
						 .type = type };
	(*n)++;
}

int vmm_memmap(const struct vmm_mem *mem,
	       struct hvm_memmap_table_entry *map, int max)
{
	struct hvm_memmap_table_entry e[4];
	int n = 0;

	/*
	 * Below 1 MiB: conventional memory, then the BIOS area holding
	 * the ACPI tables (reserved, as firmware leaves it). The boot data
	 * in low memory needs no reservation: the kernel copies what it
	 * keeps of it before it allocates anything there.
	 */
	map_add(e, &n, 0, VMM_LOWMEM_END, E820_RAM);
	map_add(e, &n, VMM_ACPI_GPA, VMM_BIOS_END - VMM_ACPI_GPA,
		E820_RESERVED);
	if (mem->low_size > VMM_BIOS_END)
		map_add(e, &n, VMM_BIOS_END, mem->low_size - VMM_BIOS_END,
			E820_RAM);
	if (mem->size > mem->low_size)
		map_add(e, &n, VMM_4G, mem->size - mem->low_size, E820_RAM);
	if (n > max)
		return -1;
	memcpy(map, e, n * sizeof(e[0]));
	return n;
}

/* A flat code, a flat data and a TSS descriptor, as the registers say. */
static void boot_gdt(uint8_t *gdt)
{
	static const uint64_t desc[] = {
		0,
		0x00cf9b000000ffffULL,	/* 0x08: code, 4 GiB, 32-bit, accessed */
		0x00cf93000000ffffULL,	/* 0x10: data, 4 GiB, accessed */
		0x00008b0000000067ULL,	/* 0x18: 32-bit TSS (busy), base 0 */
	};

	memcpy(gdt, desc, sizeof(desc));
}

/* mov al, VMM_RESET_VALUE; mov dx, VMM_PORT_RESET; out dx, al; 1: hlt; jmp 1b */
void vmm_reset_stub(uint8_t *at)
{
	const uint8_t code[] = {
		0xb0, VMM_RESET_VALUE,
		0xba, VMM_PORT_RESET & 0xff, VMM_PORT_RESET >> 8,
		0xee,
		0xf4,
		0xeb, 0xfd,
	};

	memcpy(at, code, sizeof(code));
}

int vmm_boot_setup(struct vmm_mem *mem, const struct vmm_kernel *k,
		   const void *initrd, uint64_t initrd_size,
		   const char *cmdline, int ncpus, struct vmm_boot *b,
		   char *err)
{
	struct hvm_memmap_table_entry map[VMM_MEMMAP_MAX];
	struct hvm_start_info si = { 0 };
	struct hvm_modlist_entry mod = { 0 };
	size_t clen = strlen(cmdline);
	uint64_t kend, top;
	int n;

	if (mem->low_size < VMM_BIOS_END)
		return vmm_fail(err, "guest memory of %llu KiB is too small (1 MiB at least)",
				(unsigned long long)(mem->low_size >> 10));
	if (clen >= VMM_CMDLINE_MAX)
		return vmm_fail(err, "kernel command line too long (%zu bytes, at most %d)",
				clen, VMM_CMDLINE_MAX - 1);
	memset(mem->ram, 0, VMM_BIOS_END);
	boot_gdt(mem->ram + VMM_GDT_GPA);
	vmm_reset_stub(mem->ram + VMM_RESET_STUB_GPA);
	memcpy(mem->ram + VMM_CMDLINE_GPA, cmdline, clen + 1);

	n = vmm_memmap(mem, map, VMM_MEMMAP_MAX);
	memcpy(mem->ram + VMM_MEMMAP_GPA, map, n * sizeof(map[0]));
	b->nr_memmap = n;

	/*
	 * The initrd goes at the top of memory below the hole, as boot
	 * loaders put it, page aligned, and must stay clear of the kernel.
	 */
	b->initrd_gpa = 0;
	b->initrd_size = initrd_size;
	if (initrd) {
		kend = (k->end + 0xfff) & ~0xfffULL;
		top = mem->low_size & ~0xfffULL;
		if (initrd_size > top || ((top - initrd_size) & ~0xfffULL) < kend)
			return vmm_fail(err, "initrd too large: %llu KiB, %llu KiB free",
					(unsigned long long)(initrd_size >> 10),
					(unsigned long long)(top > kend ? (top - kend) >> 10 : 0));
		b->initrd_gpa = (top - initrd_size) & ~0xfffULL;
		memcpy(vmm_gpa(mem, b->initrd_gpa, initrd_size), initrd,
		       initrd_size);
		mod.paddr = b->initrd_gpa;
		mod.size = initrd_size;
		memcpy(mem->ram + VMM_MODLIST_GPA, &mod, sizeof(mod));
		si.nr_modules = 1;
		si.modlist_paddr = VMM_MODLIST_GPA;
	}

	if (vmm_acpi_build(mem->ram + VMM_ACPI_GPA, VMM_ACPI_GPA, VMM_ACPI_SIZE,
			   ncpus) < 0)
		return vmm_fail(err, "ACPI tables for %d vCPUs do not fit in %d KiB",
				ncpus, VMM_ACPI_SIZE >> 10);
	b->rsdp_gpa = VMM_ACPI_GPA;

	si.magic = HVM_START_MAGIC;
	si.version = HVM_START_VERSION;
	si.cmdline_paddr = VMM_CMDLINE_GPA;
	si.rsdp_paddr = b->rsdp_gpa;
	si.memmap_paddr = VMM_MEMMAP_GPA;
	si.memmap_entries = n;
	memcpy(mem->ram + VMM_START_INFO_GPA, &si, sizeof(si));
	return 0;
}
