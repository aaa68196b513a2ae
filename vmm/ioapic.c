// SPDX-License-Identifier: GPL-2.0
/*
 * An I/O APIC in the VMM (the module's uAPI leaves it here): 24 pins,
 * each with a redirection entry that names the message it sends as an
 * MSI write (ALTP2M_SIGNAL_MSI).
 *
 * Edge-triggered pins send on a rising input. Level-triggered pins send
 * while the input is asserted and remote IRR is clear, then set remote
 * IRR until the guest's EOI for the vector (ALTP2M_EXIT_EOI from the
 * local APIC, or a write to the EOI register of a version 0x20 I/O
 * APIC); a line still asserted then is sent again.
 *
 * Two choices where the 82093AA is vague or unhelpful: devices report a
 * logical "asserted" and the polarity bit is stored but not applied (the
 * guest programs it to match the MADT, which it then does); and an edge
 * that arrives on a masked pin is remembered and sent at unmask, because
 * a device such as the 16550 holds its output up until served, so a lost
 * edge would silence it for good.
 */
#include <string.h>

#include "vmm.h"

#define RO_BITS		(IOAPIC_DELIVS | IOAPIC_REMOTE_IRR)
/* Delivery modes (bits 10:8) a message can carry to the module. */
#define DELMODE_FIXED	0
#define DELMODE_LOWEST	1
#define DELMODE_NMI	4
#define DELMODE_INIT	5
/* MSI data (Intel SDM vol. 3, "Message Data Register Format"). */
#define MSI_DATA_LEVEL_ASSERT	(1u << 14)
#define MSI_DATA_TRIGGER_LEVEL	(1u << 15)
#define MSI_ADDR_BASE		0xfee00000ULL
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_DESTMODE	(1ULL << 2)

void vmm_ioapic_init(struct vmm_ioapic *io,
		     int (*send)(void *, uint64_t, uint32_t), void *ctx)
{
	int i;

	memset(io, 0, sizeof(*io));
	/* Reset: every pin masked, edge, fixed, physical, vector 0. */
	for (i = 0; i < VMM_IOAPIC_PINS; i++)
		io->redir[i] = IOAPIC_MASKED;
	io->send = send;
	io->ctx = ctx;
}

void vmm_ioapic_msi(uint64_t entry, uint64_t *address, uint32_t *data)
{
	uint32_t delmode = (entry >> IOAPIC_DELMODE_SHIFT) & 7;

	*address = MSI_ADDR_BASE |
		   ((entry >> IOAPIC_DEST_SHIFT) & 0xff) << MSI_ADDR_DEST_SHIFT |
		   (entry & IOAPIC_DESTMODE ? MSI_ADDR_DESTMODE : 0);
	*data = (entry & IOAPIC_VECTOR_MASK) | delmode << 8;
	if (entry & IOAPIC_LEVEL)
		*data |= MSI_DATA_TRIGGER_LEVEL | MSI_DATA_LEVEL_ASSERT;
}

static void deliver(struct vmm_ioapic *io, unsigned int pin)
{
	uint64_t e = io->redir[pin], address;
	uint32_t data, delmode = (e >> IOAPIC_DELMODE_SHIFT) & 7;

	/* SMI and ExtINT have nowhere to go: no SMM, no 8259. */
	if (delmode != DELMODE_FIXED && delmode != DELMODE_LOWEST &&
	    delmode != DELMODE_NMI && delmode != DELMODE_INIT)
		return;
	vmm_ioapic_msi(e, &address, &data);
	if (e & IOAPIC_LEVEL)
		io->redir[pin] |= IOAPIC_REMOTE_IRR;
	if (io->send)
		io->send(io->ctx, address, data);
}

/* Send what pin @pin owes now, if anything. */
static void service(struct vmm_ioapic *io, unsigned int pin)
{
	uint64_t e = io->redir[pin];
	uint32_t bit = 1u << pin;

	if (e & IOAPIC_MASKED)
		return;
	if (e & IOAPIC_LEVEL) {
		if ((io->asserted & bit) && !(e & IOAPIC_REMOTE_IRR))
			deliver(io, pin);
	} else if (io->latched & bit) {
		io->latched &= ~bit;
		deliver(io, pin);
	}
}

void vmm_ioapic_set_irq(struct vmm_ioapic *io, unsigned int pin, bool level)
{
	uint32_t bit;
	bool was;

	if (pin >= VMM_IOAPIC_PINS)
		return;
	bit = 1u << pin;
	was = io->asserted & bit;
	if (level)
		io->asserted |= bit;
	else
		io->asserted &= ~bit;
	if (!(io->redir[pin] & IOAPIC_LEVEL)) {
		if (!level || was)
			return;
		io->latched |= bit;
	}
	service(io, pin);
}

void vmm_ioapic_eoi(struct vmm_ioapic *io, uint8_t vector)
{
	unsigned int pin;

	for (pin = 0; pin < VMM_IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];

		if ((e & IOAPIC_VECTOR_MASK) != vector ||
		    !(e & IOAPIC_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~IOAPIC_REMOTE_IRR;
		service(io, pin);
	}
}

static uint32_t read_reg(struct vmm_ioapic *io)
{
	unsigned int pin;

	switch (io->sel) {
	case IOAPIC_REG_ID:
		return io->id << 24;
	case IOAPIC_REG_VER:
		return (VMM_IOAPIC_PINS - 1) << 16 | VMM_IOAPIC_VERSION;
	case IOAPIC_REG_ARB:
		return io->id << 24;
	}
	if (io->sel < IOAPIC_REG_REDIR ||
	    io->sel >= IOAPIC_REG_REDIR + 2 * VMM_IOAPIC_PINS)
		return 0xffffffff;
	pin = (io->sel - IOAPIC_REG_REDIR) / 2;
	if (io->sel & 1)
		return io->redir[pin] >> 32;
	return (uint32_t)io->redir[pin];
}

static void write_reg(struct vmm_ioapic *io, uint32_t val)
{
	unsigned int pin;
	uint64_t e, old;

	if (io->sel == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (io->sel < IOAPIC_REG_REDIR ||
	    io->sel >= IOAPIC_REG_REDIR + 2 * VMM_IOAPIC_PINS)
		return;		/* version, arbitration: read-only */
	pin = (io->sel - IOAPIC_REG_REDIR) / 2;
	old = io->redir[pin];
	if (io->sel & 1)
		e = (old & 0xffffffffULL) | (uint64_t)(val & 0xff000000) << 32;
	else
		e = (old & 0xffffffff00000000ULL) | val;
	/* Reserved bits 55:17 read as zero; status bits are not written. */
	e &= 0xff0000000001ffffULL & ~RO_BITS;
	e |= old & RO_BITS;
	/* An edge-triggered pin has no remote IRR. */
	if (!(e & IOAPIC_LEVEL))
		e &= ~IOAPIC_REMOTE_IRR;
	io->redir[pin] = e;
	service(io, pin);
}

uint32_t vmm_ioapic_read(struct vmm_ioapic *io, uint64_t off)
{
	switch (off) {
	case IOAPIC_IOREGSEL:
		return io->sel;
	case IOAPIC_IOWIN:
		return read_reg(io);
	}
	return 0xffffffff;
}

void vmm_ioapic_write(struct vmm_ioapic *io, uint64_t off, uint32_t val)
{
	switch (off) {
	case IOAPIC_IOREGSEL:
		io->sel = val & 0xff;
		break;
	case IOAPIC_IOWIN:
		write_reg(io, val);
		break;
	case IOAPIC_EOIR:
		vmm_ioapic_eoi(io, val & 0xff);
		break;
	}
}
