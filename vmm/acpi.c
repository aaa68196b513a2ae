// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables for a PVH guest: RSDP 2.0, XSDT, FADT 6.0, MADT, DSDT.
 *
 * The platform is hardware-reduced ACPI (FADT flag HW_REDUCED_ACPI): no
 * 8259 PIC, no PIT, no PM timer, no SCI or fixed-event registers, only
 * what a VMM without a device model can honestly offer. Power-off is the
 * sleep control register (an I/O port) with the SLP_TYP of \_S5, which
 * the DSDT declares; reboot is the FADT's reset register (port 0xcf9).
 * Linux takes the hardware-reduced flag to mean no legacy PIC and no PIT
 * timer, which is exactly this machine. The MADT lists one local APIC
 * per vCPU (APIC ID = vCPU id, as the module numbers them) and the I/O
 * APIC of altp2m-run at 0xfec00000 with GSIs 0-23, ISA IRQ n on GSI n
 * except the PC convention IRQ 0 -> GSI 2.
 */
#include <string.h>

#include "vmm.h"

#define ACPI_OEM_ID		"ALTP2M"
#define ACPI_OEM_TABLE_ID	"ALTP2MRN"
#define ACPI_CREATOR_ID		"ALTP"
#define ACPI_HDR_LEN		36

/* FADT (ACPI 6.0, 5.2.9) offsets and bits that are set here. */
#define FADT_LEN		276
#define FADT_DSDT		40
#define FADT_PM_PROFILE		45
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_VERSION	131
#define FADT_X_DSDT		140
#define FADT_SLEEP_CONTROL	244
#define FADT_SLEEP_STATUS	256
#define FADT_WBINVD		(1u << 0)
#define FADT_PWR_BUTTON		(1u << 4)	/* no fixed power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* no fixed sleep button */
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_HW_REDUCED		(1u << 20)
#define IAPC_VGA_NOT_PRESENT	(1u << 2)
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

/* MADT (5.2.12) structures. */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_ENABLED	1
#define MPS_INTI_EDGE_HIGH	0x0005	/* active high, edge triggered */

uint8_t vmm_acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* The standard header; the checksum is set last, by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = -vmm_acpi_checksum(t, len);
}

static void gas_io(uint8_t *g, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8;
	g[2] = 0;
	g[3] = GAS_ACCESS_BYTE;
	put64(g + 4, port);
}

/*
 * DefinitionBlock's objects: the UART as an ACPI device, and
 * Name (_S5, Package () { 5, 0, 0, 0 }), whose first element is the
 * SLP_TYP the sleep control register takes.
 *
 * Why the UART is described: with hardware-reduced ACPI the kernel sets
 * up no legacy (ISA) interrupts, so the serial driver's built-in port
 * "ttyS0 at 0x3f8, IRQ 4" gets an IRQ number no I/O APIC pin is behind,
 * and the console's interrupt-driven output and its input never move.
 * Described as a PNP0501 device with IRQ 4 in _CRS, the port gets its
 * interrupt through ACPI (GSI 4, pin 4 of the I/O APIC), as QEMU's
 * microvm does:
 *
 *   Scope (\_SB) { Device (COM1) {
 *     Name (_HID, EisaId ("PNP0501"))
 *     Name (_UID, One)
 *     Name (_CRS, ResourceTemplate () {
 *       IO (Decode16, 0x3f8, 0x3f8, 0x00, 0x08)
 *       IRQNoFlags () { 4 } }) } }
 */
static const uint8_t dsdt_aml[] = {
	0x10, 0x33, '\\', '_', 'S', 'B', '_',	/* ScopeOp, PkgLength 51, \_SB_ */
	0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1',	/* DeviceOp, PkgLength 43 */
	0x08, '_', 'H', 'I', 'D',		/* NameOp "_HID" */
	0x0c, 0x41, 0xd0, 0x05, 0x01,		/* DWordPrefix EisaId PNP0501 */
	0x08, '_', 'U', 'I', 'D', 0x01,		/* NameOp "_UID" OneOp */
	0x08, '_', 'C', 'R', 'S',		/* NameOp "_CRS" */
	0x11, 0x10, 0x0a, 0x0d,			/* BufferOp, PkgLength 16, 13 bytes */
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,	/* IO Decode16 */
	0x22, 0x10, 0x00,			/* IRQNoFlags {4} */
	0x79, 0x00,				/* EndTag */
	0x08, '_', 'S', '5', '_',	/* NameOp "_S5_" */
	0x12, 0x07, 0x04,		/* PackageOp, PkgLength 7, 4 elements */
	0x0a, VMM_SLP_TYP_S5,		/* BytePrefix 5 */
	0x00, 0x00, 0x00,		/* ZeroOp x 3 */
};

static uint32_t build_dsdt(uint8_t *t)
{
	uint32_t len = ACPI_HDR_LEN + sizeof(dsdt_aml);

	header(t, "DSDT", len, 2);
	memcpy(t + ACPI_HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	finish(t, len);
	return len;
}

static uint32_t build_fadt(uint8_t *t, uint64_t dsdt)
{
	header(t, "FACP", FADT_LEN, 6);
	put32(t + FADT_DSDT, dsdt);
	put64(t + FADT_X_DSDT, dsdt);
	t[FADT_PM_PROFILE] = 0;		/* unspecified */
	put16(t + FADT_IAPC_BOOT_ARCH,
	      IAPC_VGA_NOT_PRESENT | IAPC_CMOS_RTC_NOT_PRESENT);
	put32(t + FADT_FLAGS, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
	      FADT_RESET_REG_SUP | FADT_HW_REDUCED);
	gas_io(t + FADT_RESET_REG, VMM_PORT_RESET);
	t[FADT_RESET_VALUE] = VMM_RESET_VALUE;
	t[FADT_MINOR_VERSION] = 0;
	gas_io(t + FADT_SLEEP_CONTROL, VMM_PORT_SLEEP_CTL);
	gas_io(t + FADT_SLEEP_STATUS, VMM_PORT_SLEEP_STS);
	finish(t, FADT_LEN);
	return FADT_LEN;
}

static uint32_t build_madt(uint8_t *t, int ncpus)
{
	uint32_t len = ACPI_HDR_LEN + 8;
	uint8_t *e;
	int i;

	len += ncpus * 8 + 12 + 10 + 6;
	header(t, "APIC", len, 5);
	put32(t + ACPI_HDR_LEN, VMM_LAPIC_GPA);
	put32(t + ACPI_HDR_LEN + 4, 0);	/* no PCAT_COMPAT: no 8259s */
	e = t + ACPI_HDR_LEN + 8;
	for (i = 0; i < ncpus; i++, e += 8) {
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = i;			/* ACPI processor UID */
		e[3] = i;			/* APIC ID */
		put32(e + 4, MADT_LAPIC_ENABLED);
	}
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = 0;				/* I/O APIC ID */
	put32(e + 4, VMM_IOAPIC_GPA);
	put32(e + 8, 0);			/* GSI base */
	e += 12;
	e[0] = MADT_ISO;
	e[1] = 10;
	e[2] = 0;				/* ISA */
	e[3] = 0;				/* IRQ 0 */
	put32(e + 4, 2);			/* GSI 2 */
	put16(e + 8, MPS_INTI_EDGE_HIGH);
	e += 10;
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;				/* every processor */
	put16(e + 3, MPS_INTI_EDGE_HIGH);
	e[5] = 1;				/* LINT1 */
	finish(t, len);
	return len;
}

int vmm_acpi_build(uint8_t *buf, uint64_t gpa, size_t room, int ncpus)
{
	/* RSDP at 0 (16-byte aligned for scanners), tables 16-aligned. */
	uint32_t xsdt = 0x40, fadt, madt, dsdt, end, len;

	fadt = xsdt + ACPI_HDR_LEN + 2 * 8;
	fadt = (fadt + 15) & ~15u;
	madt = (fadt + FADT_LEN + 15) & ~15u;
	dsdt = madt + ACPI_HDR_LEN + 8 + ncpus * 8 + 12 + 10 + 6;
	dsdt = (dsdt + 15) & ~15u;
	end = dsdt + ACPI_HDR_LEN + sizeof(dsdt_aml);
	if (ncpus < 1 || end > room)
		return -1;
	memset(buf, 0, end);

	build_dsdt(buf + dsdt);
	build_fadt(buf + fadt, gpa + dsdt);
	build_madt(buf + madt, ncpus);

	len = ACPI_HDR_LEN + 2 * 8;
	header(buf + xsdt, "XSDT", len, 1);
	put64(buf + xsdt + ACPI_HDR_LEN, gpa + fadt);
	put64(buf + xsdt + ACPI_HDR_LEN + 8, gpa + madt);
	finish(buf + xsdt, len);

	/* RSDP 2.0: the first 20 bytes and all 36 have their checksums. */
	memcpy(buf, "RSD PTR ", 8);
	memcpy(buf + 9, ACPI_OEM_ID, 6);
	buf[15] = 2;				/* revision: ACPI 2.0+ */
	put32(buf + 16, 0);			/* no RSDT: the XSDT is used */
	put32(buf + 20, 36);
	put64(buf + 24, gpa + xsdt);
	buf[8] = -vmm_acpi_checksum(buf, 20);
	buf[32] = -vmm_acpi_checksum(buf, 36);
	return end;
}
