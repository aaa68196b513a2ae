// SPDX-License-Identifier: GPL-2.0
/*
 * What altp2m-run hands a PVH kernel (vmm/boot.c, vmm/acpi.c): the start
 * info with its module list, memory map and command line, the initrd's
 * place, the boot GDT, and the ACPI tables parsed back here (checksums,
 * lengths, pointers, every MADT entry) and, when acpica-tools is
 * installed, disassembled by iasl.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/altp2m.h>

#include "vmm.h"
#include "unit.h"

static struct vmm_mem mem;
static char err[VMM_ERR_LEN];

static void alloc_mem(uint64_t size)
{
	vmm_mem_layout(&mem, size);
	mem.ram = calloc(1, size);
	ck_assert_ptr_nonnull(mem.ram);
}

static void teardown(void)
{
	free(mem.ram);
	mem.ram = NULL;
}

static const struct vmm_kernel kernel = {
	.entry = 0x1000100, .start = 0x1000000, .end = 0x1400000,
};

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

START_TEST(start_info_layout)
{
	static const char cmdline[] = "console=ttyS0 root=/dev/ram0";
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry map[3];
	struct vmm_boot b;
	uint8_t initrd[5000];
	uint64_t gdt[4];
	int i;

	alloc_mem(256 << 20);
	for (i = 0; i < (int)sizeof(initrd); i++)
		initrd[i] = i;
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, initrd, sizeof(initrd),
					cmdline, 2, &b, err), 0);
	memcpy(&si, mem.ram + VMM_START_INFO_GPA, sizeof(si));
	ck_assert_uint_eq(si.magic, 0x336ec578);
	ck_assert_uint_eq(si.version, 1);
	ck_assert_uint_eq(si.flags, 0);
	ck_assert_uint_eq(si.nr_modules, 1);
	ck_assert_uint_eq(si.cmdline_paddr, VMM_CMDLINE_GPA);
	ck_assert_str_eq((char *)mem.ram + si.cmdline_paddr, cmdline);
	ck_assert_uint_eq(si.rsdp_paddr, VMM_ACPI_GPA);
	ck_assert_mem_eq(mem.ram + si.rsdp_paddr, "RSD PTR ", 8);
	ck_assert_uint_eq(si.reserved, 0);

	/* Module 0: the initrd, page aligned at the top of RAM. */
	memcpy(&mod, mem.ram + si.modlist_paddr, sizeof(mod));
	ck_assert_uint_eq(mod.size, sizeof(initrd));
	ck_assert_uint_eq(mod.paddr, (256 << 20) - 0x2000);
	ck_assert_uint_eq(mod.paddr, b.initrd_gpa);
	ck_assert_uint_eq(mod.cmdline_paddr, 0);
	ck_assert_mem_eq(mem.ram + mod.paddr, initrd, sizeof(initrd));

	/* RAM below the BIOS area, the ACPI tables reserved, RAM above. */
	ck_assert_uint_eq(si.memmap_entries, 3);
	ck_assert_uint_eq(b.nr_memmap, 3);
	memcpy(map, mem.ram + si.memmap_paddr, sizeof(map));
	ck_assert_uint_eq(map[0].addr, 0);
	ck_assert_uint_eq(map[0].size, 0xa0000);
	ck_assert_uint_eq(map[0].type, E820_RAM);
	ck_assert_uint_eq(map[1].addr, 0xe0000);
	ck_assert_uint_eq(map[1].size, 0x20000);
	ck_assert_uint_eq(map[1].type, E820_RESERVED);
	ck_assert_uint_eq(map[2].addr, 0x100000);
	ck_assert_uint_eq(map[2].size, (256 << 20) - 0x100000);
	ck_assert_uint_eq(map[2].type, E820_RAM);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(map[i].reserved, 0);
	/* The boot data the start info points at is not in the kernel's way. */
	ck_assert_uint_lt(VMM_CMDLINE_GPA + VMM_CMDLINE_MAX, VMM_LOWMEM_END);
	ck_assert_uint_le(VMM_MEMMAP_GPA + VMM_MEMMAP_MAX * sizeof(map[0]),
			  VMM_CMDLINE_GPA);

	/* The GDT the selectors of the boot registers name. */
	memcpy(gdt, mem.ram + VMM_GDT_GPA, sizeof(gdt));
	ck_assert_uint_eq(gdt[0], 0);
	ck_assert_uint_eq(gdt[VMM_SEL_CODE / 8], 0x00cf9b000000ffffULL);
	ck_assert_uint_eq(gdt[VMM_SEL_DATA / 8], 0x00cf93000000ffffULL);
	ck_assert_uint_eq(gdt[VMM_SEL_TSS / 8] >> 40 & 0xf, 11);
}
END_TEST

/*
 * The reset stub at F000:FFF0, in the reserved BIOS area clear of the
 * ACPI tables, writes the reset value (a hard reset, CF9's bit 2) to the
 * reset register and halts; objdump, part of the toolchain, decodes it
 * as 16-bit code to show the bytes say what the comment says.
 */
START_TEST(reset_stub)
{
	static const char *const want[] = {
		"movb $0x6,%al", "movw $0xcf9,%dx", "outb %al,(%dx)", "hlt", "jmp 0x6",
	};
	char path[] = "/tmp/vmm_reset_stubXXXXXX", cmd[256], line[256];
	struct vmm_boot b;
	unsigned int i = 0;
	FILE *f;
	int fd;

	ck_assert_uint_le(VMM_ACPI_GPA + VMM_ACPI_SIZE, VMM_RESET_STUB_GPA);
	ck_assert_uint_eq(VMM_RESET_STUB_GPA, 0xf0000 + 0xfff0);
	ck_assert_uint_ne(VMM_RESET_VALUE & 0x04, 0);
	alloc_mem(64 << 20);
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, NULL, 0, "", 1, &b,
					err), 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, mem.ram + VMM_RESET_STUB_GPA, 9), 9);
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "objdump -D -b binary -m i8086 -M suffix %s 2>/dev/null |"
		 " sed -n 's/^ *[0-9a-f]*:\t[0-9a-f ]*\t//p' | tr -s ' '", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) && i < 5) {
		line[strcspn(line, "\n")] = 0;
		ck_assert_msg(strstr(line, want[i]) == line,
			      "instruction %u: '%s', want '%s'", i, line, want[i]);
		i++;
	}
	pclose(f);
	unlink(path);
	ck_assert_uint_eq(i, 5);
}
END_TEST

START_TEST(start_info_no_initrd)
{
	struct hvm_start_info si;
	struct vmm_boot b;

	alloc_mem(64 << 20);
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, NULL, 0, "", 1, &b,
					err), 0);
	memcpy(&si, mem.ram + VMM_START_INFO_GPA, sizeof(si));
	ck_assert_uint_eq(si.nr_modules, 0);
	ck_assert_uint_eq(si.modlist_paddr, 0);
	ck_assert_str_eq((char *)mem.ram + VMM_CMDLINE_GPA, "");
}
END_TEST

/* Memory larger than the space below the hole continues at 4 GiB. */
START_TEST(memmap_above_4g)
{
	struct vmm_mem m = { 0 };
	struct hvm_memmap_table_entry map[VMM_MEMMAP_MAX];
	int n, i;

	vmm_mem_layout(&m, 5ULL << 30);
	n = vmm_memmap(&m, map, VMM_MEMMAP_MAX);
	ck_assert_int_eq(n, 4);
	ck_assert_uint_eq(map[2].addr + map[2].size, VMM_HOLE_START);
	ck_assert_uint_eq(map[3].addr, VMM_4G);
	ck_assert_uint_eq(map[3].size, (5ULL << 30) - VMM_HOLE_START);
	for (i = 1; i < n; i++)
		ck_assert_uint_le(map[i - 1].addr + map[i - 1].size,
				  map[i].addr);
	ck_assert_int_eq(vmm_memmap(&m, map, 3), -1);
}
END_TEST

START_TEST(boot_errors)
{
	static char longline[VMM_CMDLINE_MAX + 1];
	uint8_t *big;
	struct vmm_boot b;

	alloc_mem(32 << 20);
	memset(longline, 'a', VMM_CMDLINE_MAX);
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, NULL, 0, longline, 1,
					&b, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "command line too long"));
	longline[VMM_CMDLINE_MAX - 1] = 0;	/* 2047: fits */
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, NULL, 0, longline, 1,
					&b, err), 0);

	/* 32 MiB less the kernel's 20 MiB leaves 12 MiB for the initrd. */
	big = calloc(1, 12 << 20);
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, big, 12 << 20, "", 1,
					&b, err), 0);
	ck_assert_uint_eq(b.initrd_gpa, kernel.end);
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, big, (12 << 20) + 1,
					"", 1, &b, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "initrd too large"));
	free(big);
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, "x", 64ULL << 20, "",
					1, &b, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "initrd too large"));
	teardown();

	alloc_mem(512 << 10);
	ck_assert_int_eq(vmm_boot_setup(&mem, &kernel, NULL, 0, "", 1, &b,
					err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too small"));
}
END_TEST

/* ACPI: find a table through the RSDP and the XSDT, check it. */
static uint8_t acpi[VMM_ACPI_SIZE];

static const uint8_t *table_at(uint64_t gpa)
{
	ck_assert_uint_ge(gpa, VMM_ACPI_GPA);
	ck_assert_uint_lt(gpa, VMM_ACPI_GPA + VMM_ACPI_SIZE - 36);
	return acpi + (gpa - VMM_ACPI_GPA);
}

static const uint8_t *check_table(uint64_t gpa, const char *sig)
{
	const uint8_t *t = table_at(gpa);
	uint32_t len = get32(t + 4);

	ck_assert_mem_eq(t, sig, 4);
	ck_assert_uint_ge(len, 36);
	ck_assert_uint_le(gpa - VMM_ACPI_GPA + len, sizeof(acpi));
	ck_assert_uint_eq(vmm_acpi_checksum(t, len), 0);
	ck_assert_mem_eq(t + 10, "ALTP2M", 6);
	return t;
}

static const uint8_t *find_table(const char *sig)
{
	const uint8_t *xsdt = check_table(get64(acpi + 24), "XSDT");
	uint32_t i, n = (get32(xsdt + 4) - 36) / 8;

	for (i = 0; i < n; i++) {
		const uint8_t *t = table_at(get64(xsdt + 36 + 8 * i));

		if (!memcmp(t, sig, 4))
			return check_table(get64(xsdt + 36 + 8 * i), sig);
	}
	if (!memcmp(sig, "DSDT", 4))	/* the FADT points at it */
		return check_table(get64(find_table("FACP") + 140), sig);
	ck_abort_msg("no %s in the XSDT", sig);
	return NULL;
}

static void check_acpi(int ncpus)
{
	const uint8_t *fadt, *madt, *dsdt, *e, *end;
	int used, lapics = 0, ioapics = 0, isos = 0;

	memset(acpi, 0xcc, sizeof(acpi));
	used = vmm_acpi_build(acpi, VMM_ACPI_GPA, sizeof(acpi), ncpus);
	ck_assert_int_gt(used, 0);

	/* RSDP 2.0: both checksums, the XSDT, no RSDT. */
	ck_assert_mem_eq(acpi, "RSD PTR ", 8);
	ck_assert_uint_eq(vmm_acpi_checksum(acpi, 20), 0);
	ck_assert_uint_eq(vmm_acpi_checksum(acpi, 36), 0);
	ck_assert_uint_eq(acpi[15], 2);
	ck_assert_uint_eq(get32(acpi + 20), 36);
	ck_assert_uint_eq(get32(acpi + 16), 0);

	/* FADT 6.0, hardware-reduced, power-off and reset registers. */
	fadt = find_table("FACP");
	ck_assert_uint_eq(get32(fadt + 4), 276);
	ck_assert_uint_eq(fadt[8], 6);
	ck_assert_uint_ne(get32(fadt + 112) & (1u << 20), 0);	/* HW_REDUCED */
	ck_assert_uint_ne(get32(fadt + 112) & (1u << 10), 0);	/* RESET_REG_SUP */
	ck_assert_uint_eq(fadt[116], 1);			/* I/O space */
	ck_assert_uint_eq(get64(fadt + 120), VMM_PORT_RESET);
	ck_assert_uint_eq(fadt[128], VMM_RESET_VALUE);
	ck_assert_uint_eq(fadt[244], 1);
	ck_assert_uint_eq(fadt[245], 8);
	ck_assert_uint_eq(get64(fadt + 248), VMM_PORT_SLEEP_CTL);
	ck_assert_uint_eq(get64(fadt + 260), VMM_PORT_SLEEP_STS);
	ck_assert_uint_eq(get32(fadt + 40), get64(fadt + 140));

	/* DSDT: \_S5 with the SLP_TYP altp2m-run powers off on. */
	dsdt = check_table(get64(fadt + 140), "DSDT");
	ck_assert_ptr_nonnull(memmem(dsdt + 36, get32(dsdt + 4) - 36,
				     "\x08_S5_\x12\x07\x04\x0a\x05", 10));
	/*
	 * ... and the UART as PNP0501 with IRQ 4 in _CRS, without which a
	 * hardware-reduced kernel gives ttyS0 no working interrupt.
	 */
	ck_assert_ptr_nonnull(memmem(dsdt + 36, get32(dsdt + 4) - 36,
				     "\x08_HID\x0c\x41\xd0\x05\x01", 10));
	ck_assert_ptr_nonnull(memmem(dsdt + 36, get32(dsdt + 4) - 36,
				     "\x47\x01\xf8\x03\xf8\x03\x00\x08\x22\x10\x00",
				     11));

	/* MADT: a local APIC per vCPU, the I/O APIC, IRQ 0 -> GSI 2. */
	madt = find_table("APIC");
	ck_assert_uint_eq(get32(madt + 36), VMM_LAPIC_GPA);
	ck_assert_uint_eq(get32(madt + 40), 0);
	e = madt + 44;
	end = madt + get32(madt + 4);
	while (e < end) {
		ck_assert_uint_ge(e[1], 2);
		ck_assert(e + e[1] <= end);
		switch (e[0]) {
		case 0:
			ck_assert_uint_eq(e[1], 8);
			ck_assert_uint_eq(e[2], lapics);	/* UID */
			ck_assert_uint_eq(e[3], lapics);	/* APIC ID */
			ck_assert_uint_eq(get32(e + 4), 1);	/* enabled */
			lapics++;
			break;
		case 1:
			ck_assert_uint_eq(e[1], 12);
			ck_assert_uint_eq(get32(e + 4), VMM_IOAPIC_GPA);
			ck_assert_uint_eq(get32(e + 8), 0);
			ioapics++;
			break;
		case 2:
			ck_assert_uint_eq(e[1], 10);
			ck_assert_uint_eq(e[3], 0);
			ck_assert_uint_eq(get32(e + 4), 2);
			isos++;
			break;
		case 4:
			ck_assert_uint_eq(e[1], 6);
			ck_assert_uint_eq(e[5], 1);		/* LINT1 */
			break;
		default:
			ck_abort_msg("unexpected MADT entry type %u", e[0]);
		}
		e += e[1];
	}
	ck_assert_ptr_eq(e, end);
	ck_assert_int_eq(lapics, ncpus);
	ck_assert_int_eq(ioapics, 1);
	ck_assert_int_eq(isos, 1);
	/* Nothing written beyond what the builder reported. */
	ck_assert_uint_eq(acpi[used], 0xcc);
}

START_TEST(acpi_tables)
{
	check_acpi(1);
	check_acpi(2);
	check_acpi(ALTP2M_MAX_VCPUS);
}
END_TEST

START_TEST(acpi_room)
{
	ck_assert_int_eq(vmm_acpi_build(acpi, VMM_ACPI_GPA, 200, 1), -1);
	ck_assert_int_eq(vmm_acpi_build(acpi, VMM_ACPI_GPA, sizeof(acpi), 0),
			 -1);
}
END_TEST

/* iasl -d disassembles each table without an error. */
START_TEST(acpi_iasl)
{
	static const char *const sigs[] = { "FACP", "APIC", "DSDT" };
	char dir[] = "/tmp/vmm-acpi-XXXXXX", cmd[512], path[256];
	const uint8_t *t;
	FILE *f;
	int i, rc;

	if (system("command -v iasl >/dev/null 2>&1")) {
		fprintf(stderr, "# vmm acpi_iasl: no iasl (acpica-tools), skipped\n");
		return;
	}
	check_acpi(4);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < ARRAY_LEN(sigs) + 1; i++) {
		uint32_t len;

		if (i < ARRAY_LEN(sigs)) {
			t = find_table(sigs[i]);
			len = get32(t + 4);
		} else {
			/* The XSDT; iasl 2020's -d takes no bare RSDP. */
			t = table_at(get64(acpi + 24));
			len = get32(t + 4);
		}
		snprintf(path, sizeof(path), "%s/t%d.dat", dir, i);
		f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(t, 1, len, f), len);
		fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "cd %s && iasl -d t%d.dat >t%d.log 2>&1 && test -s t%d.dsl",
			 dir, i, i, i);
		rc = system(cmd);
		if (rc) {
			snprintf(cmd, sizeof(cmd), "cat %s/t%d.log >&2", dir, i);
			ck_assert_int_eq(system(cmd), 0);
		}
		ck_assert_msg(rc == 0, "iasl -d failed on table %d", i);
	}
	/* Nothing the disassembler flagged as wrong. */
	snprintf(cmd, sizeof(cmd),
		 "! grep -il 'error\\|invalid\\|unknown\\|warning' %s/*.dsl %s/*.log >&2",
		 dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *vmm_boot_suite(void)
{
	Suite *s = suite_create("vmm_boot");
	TCase *tc = tcase_create("boot");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, start_info_layout);
	tcase_add_test(tc, start_info_no_initrd);
	tcase_add_test(tc, reset_stub);
	tcase_add_test(tc, memmap_above_4g);
	tcase_add_test(tc, boot_errors);
	tcase_add_test(tc, acpi_tables);
	tcase_add_test(tc, acpi_room);
	tcase_add_test(tc, acpi_iasl);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(vmm_boot_suite)
