/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot sector that starts an uncompressed Linux kernel through its PVH
 * entry point, for Bochs (tools/vmtest/vmtest).
 *
 * Why: booting Debian's bzImage, Bochs spends more than half of the boot
 * (~4.5e9 emulated instructions, about a minute) in the kernel's own XZ
 * decompressor. vmtest decompresses the kernel on the host instead and
 * writes a raw disk image:
 *
 *   sector 0        this boot sector
 *   PARAMS_LBA      struct hvm_start_info + initramfs module + cmdline
 *   KERNEL_LBA      the kernel's loadable segments (objcopy -O binary)
 *   INITRD_LBA      the initramfs
 *
 * (Bochs' own optramimage cannot be used: it scatters anything larger
 * than one of its 128 KiB lazily allocated memory blocks.)
 *
 * The BIOS loads and runs this sector, which
 *   1. enables A20 and "unreal" mode (4 GiB data segment limits in real
 *      mode), and copies the three pieces to their guest-physical
 *      addresses: INT 13h extended reads into a bounce buffer below
 *      1 MiB, then a 32-bit rep movsl;
 *   2. collects the BIOS memory map (INT 15h E820) into the PVH memmap
 *      table at MEMMAP, as struct hvm_memmap_table_entry (24 bytes each);
 *   3. switches to 32-bit flat protected mode (paging and interrupts off),
 *      stores the map's entry count into the start info, and jumps to the
 *      kernel's XEN_ELFNOTE_PHYS32_ENTRY with %ebx pointing at the start
 *      info: the x86 PVH boot ABI.
 *
 * vmtest assembles it with `as --defsym` for the addresses above and
 * links it at 0x7c00 as a flat binary (plain `as`, no cpp).
 */

	.equ	SMAP, 0x534d4150		/* "SMAP" */
	.equ	HVM_MEMMAP_ENTRIES, 0x30	/* offsetof(hvm_start_info, memmap_entries) */
	.equ	MAX_ENTRIES, 64
	.equ	BOUNCE_SEG, 0x1000		/* bounce buffer at 0x10000 */
	.equ	CHUNK, 64			/* sectors per INT 13h read (32 KiB) */

	.code16
	.text
	.globl	_start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	ljmp	$0, $1f			/* some BIOSes enter at 07c0:0000 */
1:
	movb	%dl, boot_drive

	/* A20 on (port 0x92 "fast A20") */
	inb	$0x92, %al
	orb	$2, %al
	andb	$0xfe, %al
	outb	%al, $0x92

	/* 1. load the pieces */
	movw	$load_table, %si
2:
	movl	(%si), %eax		/* LBA; 0 ends the table */
	testl	%eax, %eax
	jz	5f
	movl	%eax, dap_lba
	movl	4(%si), %ecx		/* sectors */
	movl	8(%si), %edi		/* destination */
3:
	movw	$CHUNK, %bx
	cmpl	$CHUNK, %ecx
	jae	4f
	movw	%cx, %bx
4:
	movw	%bx, dap_count
	pushl	%ecx
	pushl	%edi
	pushw	%si
	pushw	%bx
	movb	$0x42, %ah
	movb	boot_drive, %dl
	movw	$dap, %si
	sti
	int	$0x13
	cli
	popw	%bx
	popw	%si
	popl	%edi
	popl	%ecx
	jc	fail
	call	unreal
	/* copy bx sectors from the bounce buffer to %edi */
	pushl	%ecx
	pushw	%si
	movzwl	%bx, %ecx
	shll	$7, %ecx		/* sectors -> dwords */
	movl	$(BOUNCE_SEG << 4), %esi
	addr32 rep movsl		/* advances %edi */
	popw	%si
	popl	%ecx
	movzwl	%bx, %eax
	addl	%eax, dap_lba
	subl	%eax, %ecx
	jnz	3b
	addw	$12, %si
	jmp	2b
5:
	/* 2. the E820 memory map */
	movw	$MEMMAP, %di
	xorl	%ebx, %ebx
	xorw	%bp, %bp
6:
	movl	$0xe820, %eax
	movl	$24, %ecx
	movl	$SMAP, %edx
	movl	$1, 20(%di)		/* ACPI 3.0 attributes: "valid" */
	int	$0x15
	jc	7f
	cmpl	$SMAP, %eax
	jne	7f
	movl	$0, 20(%di)		/* hvm_memmap_table_entry.reserved */
	addw	$24, %di
	incw	%bp
	cmpw	$MAX_ENTRIES, %bp
	jae	7f
	testl	%ebx, %ebx
	jnz	6b
7:
	/* 3. flat protected mode, then into the kernel */
	cli
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $8f

fail:
	/* Say so on the serial console (the host shows its tail). */
	movw	$fail_msg, %si
9:	lodsb
	testb	%al, %al
	jz	10f
	movw	$0x3f8, %dx
	outb	%al, %dx
	jmp	9b
10:	hlt
	jmp	10b

/* unreal: reload DS and ES through a flat descriptor so that 32-bit
 * offsets reach all of memory back in real mode (BIOS calls may reload
 * the segment registers, so this is redone after each). */
unreal:
	pushw	%ds
	pushw	%es
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	jmp	11f
11:	movw	$0x10, %dx
	movw	%dx, %ds
	movw	%dx, %es
	andb	$0xfe, %al
	movl	%eax, %cr0
	popw	%es
	popw	%ds
	ret

	.code32
8:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movzwl	%bp, %eax
	movl	%eax, PARAMS + HVM_MEMMAP_ENTRIES
	movl	$PARAMS, %ebx
	movl	$ENTRY, %eax
	jmp	*%eax

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, 4 GiB flat, 32-bit */
	.quad	0x00cf92000000ffff	/* 0x10: data, 4 GiB flat */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	gdt

	.p2align 2
dap:	.byte	16, 0			/* INT 13h AH=42h disk address packet */
dap_count:
	.word	0
	.word	0, BOUNCE_SEG		/* buffer offset, segment */
dap_lba:
	.quad	0

load_table:				/* LBA, sectors, destination */
	.long	PARAMS_LBA, PARAMS_SECTORS, PARAMS
	.long	KERNEL_LBA, KERNEL_SECTORS, KERNEL_ADDR
	.long	INITRD_LBA, INITRD_SECTORS, INITRD_ADDR
	.long	0

boot_drive:
	.byte	0
fail_msg:
	.asciz	"\r\npvh-boot: disk read failed\r\n"

	.org	510
	.byte	0x55, 0xaa
