/* SPDX-License-Identifier: GPL-2.0 */
/*
 * altp2m-run internals. Everything declared here except the vCPU loop
 * (altp2m-run.c) is pure: it works on plain memory and callbacks, so the
 * unit tests build it as it is and need no /dev/altp2m.
 */
#ifndef ALTP2M_VMM_H
#define ALTP2M_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

#define VMM_NAME	"altp2m-run"
#define VMM_ERR_LEN	256

/* Exit status, as documented in usage and altp2m-run(1). */
#define VMM_EXIT_POWEROFF	0	/* the guest powered off */
#define VMM_EXIT_ERROR		1	/* setup failed: image, memory, module */
#define VMM_EXIT_USAGE		2	/* bad command line */
#define VMM_EXIT_REBOOT		3	/* the guest asked for a reset */
#define VMM_EXIT_TRIPLE_FAULT	4	/* ALTP2M_EXIT_SHUTDOWN */
#define VMM_EXIT_INTERNAL	5	/* the VM failed while running */
/* Killed by signal N (SIGINT, SIGTERM, SIGHUP; Ctrl-A x is SIGINT): 128+N */

/* A one-line reason into @err (VMM_ERR_LEN bytes); returns -1. */
int vmm_fail(char *err, const char *fmt, ...) __printf(2, 3);

/*
 * Guest physical memory. One anonymous mapping backs it: the first
 * @low_size bytes at guest-physical 0, the rest (@size - @low_size) at
 * 4 GiB, so that VMM_HOLE_START .. 4 GiB stays free for the I/O APIC and
 * the local APICs.
 */
#define VMM_HOLE_START		0xfec00000ULL
#define VMM_4G			0x100000000ULL
#define VMM_MEM_DEFAULT		(256ULL << 20)

struct vmm_mem {
	uint8_t *ram;
	uint64_t size;
	uint64_t low_size;
};

/* Split @size (a multiple of 4 KiB) into the two ranges. */
void vmm_mem_layout(struct vmm_mem *mem, uint64_t size);
/* Host address of guest-physical [@gpa, @gpa + @len), or NULL if not RAM. */
void *vmm_gpa(const struct vmm_mem *mem, uint64_t gpa, uint64_t len);

/*
 * The guest-physical layout below 1 MiB, which the loader keeps for
 * itself (a kernel segment there is refused): the boot GDT, the PVH
 * start info with its module list and memory map, the command line, and
 * the ACPI tables in the BIOS area, where a guest that ignores
 * rsdp_paddr still finds the RSDP by scanning.
 */
#define VMM_GDT_GPA		0x1000
#define VMM_START_INFO_GPA	0x2000
#define VMM_MODLIST_GPA		(VMM_START_INFO_GPA + 0x40)
#define VMM_MEMMAP_GPA		(VMM_START_INFO_GPA + 0x80)
#define VMM_MEMMAP_MAX		16
#define VMM_CMDLINE_GPA		0x3000
#define VMM_CMDLINE_MAX		2048	/* Linux x86's COMMAND_LINE_SIZE */
#define VMM_LOWMEM_END		0xa0000
#define VMM_ACPI_GPA		0xe0000
#define VMM_ACPI_SIZE		0xf000
/*
 * There is no firmware, but a guest that resets itself the PC way jumps
 * to F000:FFF0 (Linux's "BIOS" reboot, its last resort once the ACPI
 * reset register and the keyboard controller have been tried; the one it
 * picks first on hardware-reduced ACPI without EFI). A few instructions
 * there write the reset value to the reset register, so that reset ends
 * the VM as a reboot rather than running zeros in real mode.
 */
#define VMM_RESET_STUB_GPA	0xffff0
#define VMM_BIOS_END		0x100000
void vmm_reset_stub(uint8_t *at);

/* Boot GDT selectors (flat 32-bit code, flat data, the TSS). */
#define VMM_SEL_CODE		0x08
#define VMM_SEL_DATA		0x10
#define VMM_SEL_TSS		0x18

/* The x86 PVH boot ABI (Xen's public/arch-x86/hvm/start_info.h). */
#define HVM_START_MAGIC		0x336ec578
#define HVM_START_VERSION	1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

#define E820_RAM		1
#define E820_RESERVED		2

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* loader.c: what the kernel image put where. */
struct vmm_kernel {
	uint32_t entry;		/* XEN_ELFNOTE_PHYS32_ENTRY */
	uint64_t start, end;	/* physical extent of its PT_LOAD segments */
	const char *format;	/* "ELF", "bzImage (xz)", ... for messages */
};

#define XEN_ELFNOTE_PHYS32_ENTRY 18
/* The largest kernel a compressed payload may expand to. */
#define VMM_KERNEL_MAX		(512ULL << 20)

/*
 * Load an ELF vmlinux, or a bzImage whose payload (xz, gzip or zstd) is
 * one, into @mem; fill @k. On error -1 and a one-line reason in @err.
 */
int vmm_load_kernel(struct vmm_mem *mem, const uint8_t *img, size_t len,
		    struct vmm_kernel *k, char *err);
/* The ELF part alone (a decompressed payload goes through it too). */
int vmm_load_elf(struct vmm_mem *mem, const uint8_t *img, size_t len,
		 struct vmm_kernel *k, char *err);
/* Decompress a bzImage's payload into a new buffer (*@out, malloc). */
int vmm_bzimage_payload(const uint8_t *img, size_t len, uint8_t **out,
			size_t *out_len, const char **format, char *err);

/* boot.c: start info, memory map, command line, initrd, GDT, ACPI. */
struct vmm_boot {
	uint64_t initrd_gpa, initrd_size;
	uint64_t rsdp_gpa;
	uint32_t nr_memmap;
};

int vmm_memmap(const struct vmm_mem *mem,
	       struct hvm_memmap_table_entry *map, int max);
int vmm_boot_setup(struct vmm_mem *mem, const struct vmm_kernel *k,
		   const void *initrd, uint64_t initrd_size,
		   const char *cmdline, int ncpus, struct vmm_boot *b,
		   char *err);

/* acpi.c */
#define VMM_IOAPIC_GPA		0xfec00000ULL
#define VMM_IOAPIC_SIZE		0x1000
#define VMM_LAPIC_GPA		0xfee00000ULL
/* Hardware-reduced ACPI's sleep and reset registers (I/O ports). */
#define VMM_PORT_SLEEP_CTL	0x600
#define VMM_PORT_SLEEP_STS	0x601
#define VMM_PORT_RESET		0xcf9
#define VMM_RESET_VALUE		0x06	/* CF9's "hard reset" */
#define VMM_SLP_TYP_S5		5	/* \_S5 in the DSDT */
#define VMM_SLP_EN		0x20
#define VMM_SCI_IRQ		9

/*
 * Build RSDP, XSDT, FADT, MADT and DSDT into @buf, which the guest sees
 * at @gpa (@room bytes). Returns the bytes used, or -1 if @room is too
 * small; the RSDP is at the start.
 */
int vmm_acpi_build(uint8_t *buf, uint64_t gpa, size_t room, int ncpus);
uint8_t vmm_acpi_checksum(const uint8_t *p, size_t len);

/*
 * uart.c: a 16550A. The caller serialises every call (one lock per
 * UART). @tx gets each byte the guest sends outside loopback; @irq gets
 * the level of the interrupt output whenever it may have changed.
 */
#define VMM_UART_FIFO		16

struct vmm_uart {
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	uint8_t rx[VMM_UART_FIFO];
	unsigned int rx_head, rx_count;
	bool thre_pending;
	bool irq_level;
	void (*tx)(void *ctx, uint8_t byte);
	void (*irq)(void *ctx, bool level);
	void *ctx;
};

void vmm_uart_init(struct vmm_uart *u, void (*tx)(void *, uint8_t),
		   void (*irq)(void *, bool), void *ctx);
uint8_t vmm_uart_read(struct vmm_uart *u, unsigned int off);
void vmm_uart_write(struct vmm_uart *u, unsigned int off, uint8_t val);
/* Bytes the receiver can take now (0 in loopback: the line is cut). */
unsigned int vmm_uart_rx_room(const struct vmm_uart *u);
/* Receive up to @n bytes from the outside; returns how many it took. */
unsigned int vmm_uart_receive(struct vmm_uart *u, const uint8_t *buf,
			      unsigned int n);

/*
 * ioapic.c: an I/O APIC (82093AA registers, version 0x20 with the EOI
 * register) that turns pins into MSI messages through @send. The caller
 * serialises every call.
 */
#define VMM_IOAPIC_PINS		24
#define VMM_IOAPIC_VERSION	0x20
#define VMM_UART_IRQ		4

struct vmm_ioapic {
	uint32_t id;
	uint32_t sel;
	uint64_t redir[VMM_IOAPIC_PINS];
	uint32_t asserted;	/* pins whose input is asserted */
	uint32_t latched;	/* edges that came while masked */
	int (*send)(void *ctx, uint64_t address, uint32_t data);
	void *ctx;
};

/* Redirection entry bits (82093AA datasheet, 3.2.4). */
#define IOAPIC_VECTOR_MASK	0xffULL
#define IOAPIC_DELMODE_SHIFT	8
#define IOAPIC_DESTMODE		(1ULL << 11)
#define IOAPIC_DELIVS		(1ULL << 12)
#define IOAPIC_POLARITY		(1ULL << 13)
#define IOAPIC_REMOTE_IRR	(1ULL << 14)
#define IOAPIC_LEVEL		(1ULL << 15)
#define IOAPIC_MASKED		(1ULL << 16)
#define IOAPIC_DEST_SHIFT	56
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_EOIR		0x40

void vmm_ioapic_init(struct vmm_ioapic *io,
		     int (*send)(void *, uint64_t, uint32_t), void *ctx);
uint32_t vmm_ioapic_read(struct vmm_ioapic *io, uint64_t off);
void vmm_ioapic_write(struct vmm_ioapic *io, uint64_t off, uint32_t val);
void vmm_ioapic_set_irq(struct vmm_ioapic *io, unsigned int pin, bool level);
/* The guest's local APIC ended level-triggered @vector (ALTP2M_EXIT_EOI). */
void vmm_ioapic_eoi(struct vmm_ioapic *io, uint8_t vector);
/* The MSI message pin @pin's redirection entry describes. */
void vmm_ioapic_msi(uint64_t entry, uint64_t *address, uint32_t *data);

#endif
