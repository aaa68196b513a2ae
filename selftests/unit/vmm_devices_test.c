// SPDX-License-Identifier: GPL-2.0
/*
 * altp2m-run's devices as the guest and the outside see them: the 16550A
 * (vmm/uart.c) in both directions with its interrupt output, and the I/O
 * APIC (vmm/ioapic.c) turning that output and level-triggered lines into
 * MSI messages, with remote IRR, EOI and masking.
 */
#include <check.h>
#include <string.h>

#include "vmm.h"
#include "unit.h"

/* UART registers and bits, as a driver uses them. */
#define THR	0
#define RBR	0
#define DLL	0
#define IER	1
#define DLM	1
#define IIR	2
#define FCR	2
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

static struct vmm_uart u;
static uint8_t sent[256];
static int nsent;
static int irq_level, irq_changes;

static void tx(void *ctx, uint8_t byte)
{
	ck_assert_ptr_eq(ctx, &u);
	ck_assert_int_lt(nsent, (int)sizeof(sent));
	sent[nsent++] = byte;
}

static void irq(void *ctx, bool level)
{
	ck_assert_ptr_eq(ctx, &u);
	irq_level = level;
	irq_changes++;
}

static void uart_setup(void)
{
	nsent = 0;
	irq_level = 0;
	irq_changes = 0;
	vmm_uart_init(&u, tx, irq, &u);
}

START_TEST(uart_reset_state)
{
	ck_assert_uint_eq(vmm_uart_read(&u, LSR), 0x60);	/* THRE, TEMT */
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x01);	/* nothing */
	ck_assert_uint_eq(vmm_uart_read(&u, IER), 0);
	ck_assert_uint_eq(vmm_uart_read(&u, MSR) & 0xf0, 0xb0);	/* DCD DSR CTS */
	ck_assert_int_eq(irq_changes, 0);
}
END_TEST

START_TEST(uart_transmit)
{
	vmm_uart_write(&u, THR, 'h');
	vmm_uart_write(&u, THR, 'i');
	ck_assert_int_eq(nsent, 2);
	ck_assert_mem_eq(sent, "hi", 2);
	ck_assert_uint_eq(vmm_uart_read(&u, LSR) & 0x60, 0x60);

	/* With DLAB, offsets 0 and 1 are the divisor, not THR and IER. */
	vmm_uart_write(&u, LCR, 0x83);
	vmm_uart_write(&u, DLL, 0x01);
	vmm_uart_write(&u, DLM, 0x02);
	ck_assert_uint_eq(vmm_uart_read(&u, DLL), 0x01);
	ck_assert_uint_eq(vmm_uart_read(&u, DLM), 0x02);
	ck_assert_int_eq(nsent, 2);
	vmm_uart_write(&u, LCR, 0x03);
	ck_assert_uint_eq(vmm_uart_read(&u, LCR), 0x03);
	ck_assert_uint_eq(vmm_uart_read(&u, IER), 0);
	vmm_uart_write(&u, THR, '!');
	ck_assert_int_eq(nsent, 3);

	vmm_uart_write(&u, SCR, 0x5a);
	ck_assert_uint_eq(vmm_uart_read(&u, SCR), 0x5a);
	vmm_uart_write(&u, IER, 0xff);
	ck_assert_uint_eq(vmm_uart_read(&u, IER), 0x0f);
}
END_TEST

START_TEST(uart_receive)
{
	uint8_t buf[20];
	int i;

	/* No FIFO: one byte at a time. */
	ck_assert_uint_eq(vmm_uart_rx_room(&u), 1);
	ck_assert_uint_eq(vmm_uart_receive(&u, (const uint8_t *)"ab", 2), 1);
	ck_assert_uint_eq(vmm_uart_read(&u, LSR) & 1, 1);
	ck_assert_uint_eq(vmm_uart_read(&u, RBR), 'a');
	ck_assert_uint_eq(vmm_uart_read(&u, LSR) & 1, 0);

	/* FIFO: sixteen, in order. */
	vmm_uart_write(&u, FCR, 0x07);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR) & 0xc0, 0xc0);
	for (i = 0; i < 20; i++)
		buf[i] = 'A' + i;
	ck_assert_uint_eq(vmm_uart_receive(&u, buf, 20), 16);
	ck_assert_uint_eq(vmm_uart_rx_room(&u), 0);
	ck_assert_uint_eq(vmm_uart_receive(&u, buf + 16, 4), 0);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(vmm_uart_read(&u, RBR), 'A' + i);
	ck_assert_uint_eq(vmm_uart_read(&u, LSR) & 0x03, 0);	/* no OE */
	ck_assert_uint_eq(vmm_uart_rx_room(&u), 16);

	/* FCR's RX clear empties it. */
	vmm_uart_receive(&u, buf, 5);
	vmm_uart_write(&u, FCR, 0x03);
	ck_assert_uint_eq(vmm_uart_read(&u, LSR) & 1, 0);
	ck_assert_uint_eq(vmm_uart_rx_room(&u), 16);
}
END_TEST

START_TEST(uart_rx_interrupt)
{
	vmm_uart_write(&u, FCR, 0xc1);		/* FIFO, trigger 14 */
	vmm_uart_write(&u, IER, 0x01);
	vmm_uart_receive(&u, (const uint8_t *)"x", 1);
	ck_assert_int_eq(irq_level, 0);		/* OUT2 gates the line */
	vmm_uart_write(&u, MCR, 0x08);
	ck_assert_int_eq(irq_level, 1);
	/* Below the trigger level: character timeout. */
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0xcc);
	ck_assert_uint_eq(vmm_uart_receive(&u, (const uint8_t *)"0123456789abc",
					   13), 13);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0xc4);	/* 14: RDA */
	while (vmm_uart_read(&u, LSR) & 1)
		vmm_uart_read(&u, RBR);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0xc1);

	/* Disabling the source drops the line. */
	vmm_uart_receive(&u, (const uint8_t *)"y", 1);
	ck_assert_int_eq(irq_level, 1);
	vmm_uart_write(&u, IER, 0);
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(uart_thre_interrupt)
{
	vmm_uart_write(&u, MCR, 0x08);
	/* Enabling THRI with THR empty interrupts at once. */
	vmm_uart_write(&u, IER, 0x02);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x02);
	/* Reading IIR that named THRE cleared it. */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x01);
	/* Each byte sent empties THR again. */
	vmm_uart_write(&u, THR, 'z');
	ck_assert_int_eq(irq_level, 1);
	/* Received data outranks THRE. */
	vmm_uart_write(&u, IER, 0x03);
	vmm_uart_receive(&u, (const uint8_t *)"q", 1);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x04);
	ck_assert_uint_eq(vmm_uart_read(&u, RBR), 'q');
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x02);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x01);
	/* Re-enabling it re-arms it (Linux's THRE test). */
	vmm_uart_write(&u, IER, 0x00);
	vmm_uart_write(&u, IER, 0x02);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x02);
}
END_TEST

START_TEST(uart_loopback)
{
	/* Linux's probe: loopback with RTS and OUT2 shows CTS and DCD. */
	vmm_uart_write(&u, MCR, 0x1a);
	ck_assert_uint_eq(vmm_uart_read(&u, MSR) & 0xf0, 0x90);
	vmm_uart_write(&u, MCR, 0x1f);
	ck_assert_uint_eq(vmm_uart_read(&u, MSR) & 0xf0, 0xf0);
	ck_assert_uint_eq(vmm_uart_rx_room(&u), 0);	/* outside is cut off */

	/* What is sent comes back, not out; interrupts stay inside. */
	vmm_uart_write(&u, IER, 0x0f);
	vmm_uart_write(&u, THR, 'L');
	ck_assert_int_eq(nsent, 0);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x04);
	ck_assert_uint_eq(vmm_uart_read(&u, RBR), 'L');

	/* Overrun: a second byte with the one-byte holding register full. */
	vmm_uart_write(&u, THR, '1');
	vmm_uart_write(&u, THR, '2');
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x06);	/* RLS first */
	ck_assert_uint_eq(vmm_uart_read(&u, LSR) & 0x03, 0x03);
	ck_assert_uint_eq(vmm_uart_read(&u, LSR) & 0x02, 0);	/* read clears */
	ck_assert_uint_eq(vmm_uart_read(&u, RBR), '1');

	/* Modem status deltas, and their interrupt (lowest priority). */
	vmm_uart_write(&u, IER, 0x08);
	vmm_uart_read(&u, MSR);
	vmm_uart_write(&u, MCR, 0x10);		/* drop RTS DTR OUT1 OUT2 */
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x00);
	ck_assert_uint_eq(vmm_uart_read(&u, MSR), 0x0f);
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x01);

	/* Out of loopback the line works again. */
	vmm_uart_write(&u, MCR, 0x08);
	ck_assert_uint_eq(vmm_uart_rx_room(&u), 1);
	vmm_uart_write(&u, THR, 'o');
	ck_assert_int_eq(nsent, 1);
}
END_TEST

/* I/O APIC. */
static struct vmm_ioapic io;
static struct { uint64_t address; uint32_t data; } msgs[32];
static int nmsgs;

static int send(void *ctx, uint64_t address, uint32_t data)
{
	ck_assert_ptr_eq(ctx, &io);
	ck_assert_int_lt(nmsgs, ARRAY_LEN(msgs));
	msgs[nmsgs].address = address;
	msgs[nmsgs].data = data;
	nmsgs++;
	return 0;
}

static void ioapic_setup(void)
{
	nmsgs = 0;
	vmm_ioapic_init(&io, send, &io);
}

static uint32_t reg_read(uint32_t reg)
{
	vmm_ioapic_write(&io, IOAPIC_IOREGSEL, reg);
	return vmm_ioapic_read(&io, IOAPIC_IOWIN);
}

static void reg_write(uint32_t reg, uint32_t val)
{
	vmm_ioapic_write(&io, IOAPIC_IOREGSEL, reg);
	vmm_ioapic_write(&io, IOAPIC_IOWIN, val);
}

static void redir(unsigned int pin, uint64_t e)
{
	reg_write(IOAPIC_REG_REDIR + 2 * pin + 1, e >> 32);
	reg_write(IOAPIC_REG_REDIR + 2 * pin, (uint32_t)e);
}

static uint64_t redir_read(unsigned int pin)
{
	return (uint64_t)reg_read(IOAPIC_REG_REDIR + 2 * pin + 1) << 32 |
	       reg_read(IOAPIC_REG_REDIR + 2 * pin);
}

START_TEST(ioapic_registers)
{
	int pin;

	ck_assert_uint_eq(reg_read(IOAPIC_REG_VER), 0x00170020);
	reg_write(IOAPIC_REG_VER, 0);
	ck_assert_uint_eq(reg_read(IOAPIC_REG_VER), 0x00170020);
	reg_write(IOAPIC_REG_ID, 0x0a000000);
	ck_assert_uint_eq(reg_read(IOAPIC_REG_ID), 0x0a000000);
	ck_assert_uint_eq(vmm_ioapic_read(&io, IOAPIC_IOREGSEL), IOAPIC_REG_ID);
	for (pin = 0; pin < VMM_IOAPIC_PINS; pin++)
		ck_assert_uint_eq(redir_read(pin), IOAPIC_MASKED);
	ck_assert_uint_eq(reg_read(IOAPIC_REG_REDIR + 2 * VMM_IOAPIC_PINS),
			  0xffffffff);
	/* Reserved and read-only bits do not stick. */
	redir(3, 0xffffffffffffffffULL);
	ck_assert_uint_eq(redir_read(3), 0xff0000000001afffULL);
	ck_assert_int_eq(nmsgs, 0);
	vmm_ioapic_set_irq(&io, VMM_IOAPIC_PINS, true);	/* no such pin */
	vmm_ioapic_set_irq(&io, 1000, true);
	ck_assert_int_eq(nmsgs, 0);
}
END_TEST

START_TEST(ioapic_edge)
{
	redir(4, 0x30 | 1ULL << IOAPIC_DEST_SHIFT);
	vmm_ioapic_set_irq(&io, 4, true);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(msgs[0].address, 0xfee01000);
	ck_assert_uint_eq(msgs[0].data, 0x30);
	vmm_ioapic_set_irq(&io, 4, true);	/* no new edge */
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(redir_read(4) & IOAPIC_REMOTE_IRR, 0);
	vmm_ioapic_eoi(&io, 0x30);		/* no effect on edge */
	ck_assert_int_eq(nmsgs, 1);
	vmm_ioapic_set_irq(&io, 4, false);
	vmm_ioapic_set_irq(&io, 4, true);
	ck_assert_int_eq(nmsgs, 2);

	/* Logical destination mode, lowest priority: into the message. */
	redir(5, 0x31 | 1ULL << 8 | IOAPIC_DESTMODE | 0x3ULL << IOAPIC_DEST_SHIFT);
	vmm_ioapic_set_irq(&io, 5, true);
	ck_assert_int_eq(nmsgs, 3);
	ck_assert_uint_eq(msgs[2].address, 0xfee03004);
	ck_assert_uint_eq(msgs[2].data, 0x131);
}
END_TEST

START_TEST(ioapic_edge_masked)
{
	redir(4, 0x30 | IOAPIC_MASKED);
	vmm_ioapic_set_irq(&io, 4, true);
	ck_assert_int_eq(nmsgs, 0);
	/* The edge that came while masked goes out at unmask, once. */
	redir(4, 0x30);
	ck_assert_int_eq(nmsgs, 1);
	redir(4, 0x30);
	ck_assert_int_eq(nmsgs, 1);
	/* Asserted without a new edge: nothing at the next unmask. */
	redir(4, 0x30 | IOAPIC_MASKED);
	redir(4, 0x30);
	ck_assert_int_eq(nmsgs, 1);
}
END_TEST

START_TEST(ioapic_level)
{
	redir(9, 0x41 | IOAPIC_LEVEL | 2ULL << IOAPIC_DEST_SHIFT);
	vmm_ioapic_set_irq(&io, 9, true);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(msgs[0].address, 0xfee02000);
	ck_assert_uint_eq(msgs[0].data, 0x41 | 1u << 14 | 1u << 15);
	ck_assert_uint_ne(redir_read(9) & IOAPIC_REMOTE_IRR, 0);
	/* Remote IRR holds further messages back. */
	vmm_ioapic_set_irq(&io, 9, true);
	ck_assert_int_eq(nmsgs, 1);
	/* EOI of another vector changes nothing. */
	vmm_ioapic_eoi(&io, 0x42);
	ck_assert_int_eq(nmsgs, 1);
	/* EOI with the line still asserted: sent again. */
	vmm_ioapic_eoi(&io, 0x41);
	ck_assert_int_eq(nmsgs, 2);
	ck_assert_uint_ne(redir_read(9) & IOAPIC_REMOTE_IRR, 0);
	/* Deasserted, then EOI: remote IRR clears, nothing is sent. */
	vmm_ioapic_set_irq(&io, 9, false);
	vmm_ioapic_eoi(&io, 0x41);
	ck_assert_int_eq(nmsgs, 2);
	ck_assert_uint_eq(redir_read(9) & IOAPIC_REMOTE_IRR, 0);
	/* The EOI register of a version 0x20 I/O APIC does the same. */
	vmm_ioapic_set_irq(&io, 9, true);
	ck_assert_int_eq(nmsgs, 3);
	vmm_ioapic_write(&io, IOAPIC_EOIR, 0x41);
	ck_assert_int_eq(nmsgs, 4);
	/* Switching the pin to edge drops remote IRR. */
	redir(9, 0x41);
	ck_assert_uint_eq(redir_read(9) & IOAPIC_REMOTE_IRR, 0);
}
END_TEST

START_TEST(ioapic_level_masked)
{
	redir(10, 0x50 | IOAPIC_LEVEL | IOAPIC_MASKED);
	vmm_ioapic_set_irq(&io, 10, true);
	ck_assert_int_eq(nmsgs, 0);
	/* Unmasked while asserted: the message goes now. */
	redir(10, 0x50 | IOAPIC_LEVEL);
	ck_assert_int_eq(nmsgs, 1);
	/* Masked before the EOI: none after it until unmasked. */
	redir(10, 0x50 | IOAPIC_LEVEL | IOAPIC_MASKED);
	vmm_ioapic_eoi(&io, 0x50);
	ck_assert_int_eq(nmsgs, 1);
	redir(10, 0x50 | IOAPIC_LEVEL);
	ck_assert_int_eq(nmsgs, 2);
	/* Deasserted while masked: nothing at unmask. */
	vmm_ioapic_eoi(&io, 0x50);
	ck_assert_int_eq(nmsgs, 3);
	redir(10, 0x50 | IOAPIC_LEVEL | IOAPIC_MASKED);
	vmm_ioapic_set_irq(&io, 10, false);
	vmm_ioapic_eoi(&io, 0x50);
	redir(10, 0x50 | IOAPIC_LEVEL);
	ck_assert_int_eq(nmsgs, 3);
}
END_TEST

/* SMI and ExtINT have no target here: nothing is sent. */
START_TEST(ioapic_undeliverable_modes)
{
	redir(6, 0x60 | 2ULL << IOAPIC_DELMODE_SHIFT);
	vmm_ioapic_set_irq(&io, 6, true);
	redir(7, 0x61 | 7ULL << IOAPIC_DELMODE_SHIFT);
	vmm_ioapic_set_irq(&io, 7, true);
	ck_assert_int_eq(nmsgs, 0);
	/* NMI goes, with its delivery mode. */
	redir(8, 4ULL << IOAPIC_DELMODE_SHIFT);
	vmm_ioapic_set_irq(&io, 8, true);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(msgs[0].data, 0x400);
}
END_TEST

/* The UART's output through pin 4: the wiring altp2m-run sets up. */
static void uart_to_ioapic(void *ctx, bool level)
{
	(void)ctx;
	vmm_ioapic_set_irq(&io, VMM_UART_IRQ, level);
}

START_TEST(uart_through_ioapic)
{
	vmm_uart_init(&u, tx, uart_to_ioapic, &u);
	redir(VMM_UART_IRQ, 0x24);
	vmm_uart_write(&u, MCR, 0x0b);
	vmm_uart_write(&u, IER, 0x01);
	vmm_uart_receive(&u, (const uint8_t *)"a", 1);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(msgs[0].data, 0x24);
	/* Served and drained, the next byte is a new edge. */
	ck_assert_uint_eq(vmm_uart_read(&u, IIR), 0x04);
	vmm_uart_read(&u, RBR);
	vmm_uart_receive(&u, (const uint8_t *)"b", 1);
	ck_assert_int_eq(nmsgs, 2);
}
END_TEST

static Suite *vmm_devices_suite(void)
{
	Suite *s = suite_create("vmm_devices");
	TCase *tu = tcase_create("uart");
	TCase *ti = tcase_create("ioapic");

	tcase_add_checked_fixture(tu, uart_setup, NULL);
	tcase_add_test(tu, uart_reset_state);
	tcase_add_test(tu, uart_transmit);
	tcase_add_test(tu, uart_receive);
	tcase_add_test(tu, uart_rx_interrupt);
	tcase_add_test(tu, uart_thre_interrupt);
	tcase_add_test(tu, uart_loopback);
	suite_add_tcase(s, tu);

	tcase_add_checked_fixture(ti, ioapic_setup, NULL);
	tcase_add_test(ti, ioapic_registers);
	tcase_add_test(ti, ioapic_edge);
	tcase_add_test(ti, ioapic_edge_masked);
	tcase_add_test(ti, ioapic_level);
	tcase_add_test(ti, ioapic_level_masked);
	tcase_add_test(ti, ioapic_undeliverable_modes);
	tcase_add_test(ti, uart_through_ioapic);
	suite_add_tcase(s, ti);
	return s;
}

UNIT_SUITE(vmm_devices_suite)
