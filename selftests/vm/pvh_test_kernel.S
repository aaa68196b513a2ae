/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny PVH kernel for altp2m_run_test.sh: altp2m-run boots it like
 * Linux (XEN_ELFNOTE_PHYS32_ENTRY, %ebx = struct hvm_start_info, 32-bit
 * flat protected mode without paging), and it needs no interrupts.
 *
 * It reports on the serial port (polled 16550 at 0x3f8) what it was
 * given: the start info's magic, the command line, module 0 (the
 * initrd's first line), the RSDP signature, the memory map; then what
 * the platform answers: an unknown port, guest-physical addresses no RAM
 * backs, the I/O APIC's version register. It asks for a line, echoes it,
 * and ends the way the command line's "pvh.mode=" says:
 *
 *   (none)        power-off through the ACPI sleep control register
 *   reboot        the FADT's reset register (0xcf9 <- 0x06)
 *   kbd           the keyboard controller's reset command (0x64 <- 0xfe)
 *   triple        an exception with no IDT: a triple fault
 *
 * and says "FAIL still running" if it is still running after that.
 *
 * Built by selftests/Makefile: as --32, ld -m elf_i386 at 1 MiB.
 */
	.equ	COM1, 0x3f8
	.equ	LSR, COM1 + 5
	.equ	SI_MAGIC, 0
	.equ	SI_NR_MODULES, 12
	.equ	SI_MODLIST, 16
	.equ	SI_CMDLINE, 24
	.equ	SI_RSDP, 32
	.equ	SI_MEMMAP, 40
	.equ	SI_MEMMAP_ENTRIES, 48
	.equ	NO_RAM, 0xd0000000
	.equ	IOAPIC, 0xfec00000

	.section .note.Xen, "a", @note
	.p2align 2
	.long	4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.long	_start

	.code32
	.text
	.globl	_start
_start:
	movl	$stack_top, %esp
	movl	%ebx, %ebp		/* struct hvm_start_info */
	cld

	movl	$msg_hello, %esi
	call	puts
	cmpl	$0x336ec578, SI_MAGIC(%ebp)
	je	1f
	movl	$msg_badmagic, %esi
	call	puts
	jmp	poweroff
1:
	/* The command line. */
	movl	$msg_cmdline, %esi
	call	puts
	movl	SI_CMDLINE(%ebp), %esi
	call	puts
	call	newline

	/* Module 0: its first line, at most 60 bytes. */
	cmpl	$0, SI_NR_MODULES(%ebp)
	je	3f
	movl	$msg_initrd, %esi
	call	puts
	movl	SI_MODLIST(%ebp), %ebx
	movl	(%ebx), %esi		/* paddr */
	movl	8(%ebx), %ecx		/* size */
	cmpl	$60, %ecx
	jbe	2f
	movl	$60, %ecx
2:	lodsb
	cmpb	$'\n', %al
	je	21f
	call	putc
	loop	2b
21:	call	newline
3:
	/* The RSDP's signature. */
	movl	$msg_rsdp, %esi
	call	puts
	movl	SI_RSDP(%ebp), %esi
	movl	$8, %ecx
4:	lodsb
	call	putc
	loop	4b
	call	newline

	/* The memory map: start, size and type of each entry. */
	movl	SI_MEMMAP_ENTRIES(%ebp), %ecx
	movl	SI_MEMMAP(%ebp), %ebx
5:	jecxz	6f
	movl	$msg_e820, %esi
	call	puts
	movl	(%ebx), %eax
	call	puthex
	call	space
	movl	8(%ebx), %eax
	call	puthex
	call	space
	movl	16(%ebx), %eax
	call	puthex
	call	newline
	addl	$24, %ebx
	decl	%ecx
	jmp	5b
6:
	/* A port with no device, RAM that is not there, the I/O APIC. */
	movl	$msg_port, %esi
	call	puts
	xorl	%eax, %eax
	inb	$0x61, %al
	call	puthex
	call	newline

	movl	$msg_noram, %esi
	call	puts
	movl	$0x12345678, NO_RAM
	movl	NO_RAM, %eax
	call	puthex
	call	newline

	movl	$msg_ioapic, %esi
	call	puts
	movl	$1, IOAPIC		/* IOREGSEL: version */
	movl	IOAPIC + 0x10, %eax	/* IOWIN */
	call	puthex
	call	newline

	/*
	 * Read a line (polled), echo it. The buffer has a page of its own,
	 * which the test may restrict in a view: its first write exits.
	 */
	movl	$msg_line, %esi
	call	puts
	movl	$line, %eax
	call	puthex
	call	newline
	movl	$msg_type, %esi
	call	puts
	movl	$line, %edi
	xorl	%ecx, %ecx
7:	movw	$LSR, %dx
	inb	%dx, %al
	testb	$1, %al			/* data ready */
	jz	7b
	movw	$COM1, %dx
	inb	%dx, %al
	cmpb	$'\r', %al
	je	8f
	cmpb	$'\n', %al
	je	8f
	cmpl	$63, %ecx
	jae	7b
	stosb
	incl	%ecx
	jmp	7b
8:	testl	%ecx, %ecx		/* an empty line: keep reading */
	jz	7b
	movb	$0, (%edi)
	movl	$msg_typed, %esi
	call	puts
	movl	$line, %esi
	call	puts
	call	newline

	/* The ending the command line asks for. */
	movl	$mode_reboot, %edi
	call	cmdline_has
	jnz	reboot
	movl	$mode_kbd, %edi
	call	cmdline_has
	jnz	kbd_reset
	movl	$mode_triple, %edi
	call	cmdline_has
	jnz	triple

poweroff:
	movl	$msg_poweroff, %esi
	call	puts
	movw	$0x600, %dx		/* sleep control: SLP_EN | SLP_TYP 5 */
	movb	$0x34, %al
	outb	%al, %dx
	jmp	still_running

reboot:
	movl	$msg_reboot, %esi
	call	puts
	movw	$0xcf9, %dx
	movb	$0x06, %al
	outb	%al, %dx
	jmp	still_running

kbd_reset:
	movl	$msg_kbd, %esi
	call	puts
	movb	$0xfe, %al
	outb	%al, $0x64
	jmp	still_running

triple:
	movl	$msg_triple, %esi
	call	puts
	lidt	null_idt
	ud2

still_running:
	movl	$msg_still, %esi
	call	puts
9:	cli
	hlt
	jmp	9b

/* ZF clear if the command line contains the string at %edi. */
cmdline_has:
	pushl	%esi
	pushl	%ebx
	movl	SI_CMDLINE(%ebp), %ebx
1:	movl	%ebx, %esi
	movl	%edi, %edx
2:	movb	(%edx), %al
	testb	%al, %al
	jz	4f			/* the whole needle matched */
	cmpb	(%esi), %al
	jne	3f
	incl	%esi
	incl	%edx
	jmp	2b
3:	cmpb	$0, (%ebx)
	je	5f			/* end of the command line */
	incl	%ebx
	jmp	1b
4:	orl	$1, %eax		/* ZF = 0 */
	jmp	6f
5:	xorl	%eax, %eax		/* ZF = 1 */
6:	popl	%ebx
	popl	%esi
	ret

/* %al to the UART, once the transmitter holding register is empty. */
putc:
	pushl	%edx
	pushl	%eax
	movw	$LSR, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	popl	%eax
	movw	$COM1, %dx
	outb	%al, %dx
	popl	%edx
	ret

/* The NUL-terminated string at %esi. */
puts:
	pushl	%eax
	pushl	%esi
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	popl	%esi
	popl	%eax
	ret

newline:
	pushl	%eax
	movb	$'\n', %al
	call	putc
	popl	%eax
	ret

space:
	pushl	%eax
	movb	$' ', %al
	call	putc
	popl	%eax
	ret

/* %eax as 0x and eight hex digits. */
puthex:
	pushl	%eax
	pushl	%ebx
	pushl	%ecx
	movl	%eax, %ebx
	movb	$'0', %al
	call	putc
	movb	$'x', %al
	call	putc
	movl	$8, %ecx
1:	roll	$4, %ebx
	movl	%ebx, %eax
	andl	$0xf, %eax
	movb	hexdigits(%eax), %al
	call	putc
	loop	1b
	popl	%ecx
	popl	%ebx
	popl	%eax
	ret

	.section .rodata
hexdigits:	.ascii	"0123456789abcdef"
msg_hello:	.asciz	"pvh-test: hello from the PVH entry\n"
msg_badmagic:	.asciz	"pvh-test: FAIL bad start_info magic\n"
msg_cmdline:	.asciz	"pvh-test: cmdline: "
msg_initrd:	.asciz	"pvh-test: initrd: "
msg_rsdp:	.asciz	"pvh-test: rsdp: "
msg_e820:	.asciz	"pvh-test: e820 "
msg_port:	.asciz	"pvh-test: port 0x61 reads "
msg_noram:	.asciz	"pvh-test: no-RAM address reads "
msg_ioapic:	.asciz	"pvh-test: ioapic version "
msg_line:	.asciz	"pvh-test: line buffer at "
msg_type:	.asciz	"pvh-test: type a line\n"
msg_typed:	.asciz	"pvh-test: you typed: "
msg_poweroff:	.asciz	"pvh-test: power off\n"
msg_reboot:	.asciz	"pvh-test: reset through 0xcf9\n"
msg_kbd:	.asciz	"pvh-test: reset through the keyboard controller\n"
msg_triple:	.asciz	"pvh-test: triple fault\n"
msg_still:	.asciz	"pvh-test: FAIL still running\n"
mode_reboot:	.asciz	"pvh.mode=reboot"
mode_kbd:	.asciz	"pvh.mode=kbd"
mode_triple:	.asciz	"pvh.mode=triple"
	.p2align 3
null_idt:	.word	0
		.long	0

	.bss
	.p2align 12
line:	.skip	4096
	.skip	4096
stack_top:
