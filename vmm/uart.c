// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART (the register set of the National Semiconductor data
 * sheet): receive FIFO, transmitter that is always empty (a byte written
 * to THR leaves at once), divisor latch, loopback, scratch, and the four
 * interrupt sources in their priority order. Time does not exist here:
 * the character timeout interrupt is raised as soon as fewer bytes than
 * the trigger level wait, which a driver cannot tell from a fast line.
 *
 * The interrupt output follows the PC wiring: it reaches the IRQ line
 * only while MCR.OUT2 is set, and not in loopback mode, where OUT2 is
 * looped back instead of driving the pin.
 */
#include <string.h>

#include "vmm.h"

#define UART_RBR_THR	0	/* DLAB 0 */
#define UART_IER	1	/* DLAB 0 */
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* THR empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */
#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_TIMEOUT	0x0c
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define FCR_TRIGGER	0xc0
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_ERRORS	0x1e
#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
#define MSR_TERI	0x04

static bool fifo_on(const struct vmm_uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned int rx_depth(const struct vmm_uart *u)
{
	return fifo_on(u) ? VMM_UART_FIFO : 1;
}

static unsigned int trigger_level(const struct vmm_uart *u)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return fifo_on(u) ? level[u->fcr >> 6] : 1;
}

/* The highest-priority pending source, as IIR reports it. */
static uint8_t pending(const struct vmm_uart *u)
{
	if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRORS))
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count)
		return u->rx_count >= trigger_level(u) ? IIR_RDI : IIR_TIMEOUT;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

static void update_irq(struct vmm_uart *u)
{
	bool level = pending(u) != IIR_NO_INT && (u->mcr & MCR_OUT2) &&
		     !(u->mcr & MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->irq)
			u->irq(u->ctx, level);
	}
}

/*
 * Modem status inputs: none are wired outside loopback (a null modem
 * with DCD, DSR and CTS up); in loopback they are the MCR outputs.
 */
static uint8_t modem_inputs(const struct vmm_uart *u)
{
	uint8_t m = u->mcr;

	if (!(m & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	return (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) |
	       (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0);
}

static void set_modem_inputs(struct vmm_uart *u)
{
	uint8_t now = modem_inputs(u), old = u->msr & 0xf0;
	uint8_t delta = 0;

	if ((now ^ old) & MSR_CTS)
		delta |= 0x01;
	if ((now ^ old) & MSR_DSR)
		delta |= 0x02;
	if ((old & MSR_RI) && !(now & MSR_RI))
		delta |= MSR_TERI;	/* trailing edge of RI */
	if ((now ^ old) & MSR_DCD)
		delta |= 0x08;
	u->msr = now | (u->msr & MSR_DELTAS) | delta;
}

void vmm_uart_init(struct vmm_uart *u, void (*tx)(void *, uint8_t),
		   void (*irq)(void *, bool), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = modem_inputs(u);
	u->tx = tx;
	u->irq = irq;
	u->ctx = ctx;
}

static void rx_push(struct vmm_uart *u, uint8_t byte)
{
	if (u->rx_count == rx_depth(u)) {
		u->lsr |= LSR_OE;	/* the new byte is lost */
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % VMM_UART_FIFO] = byte;
	u->rx_count++;
	u->lsr |= LSR_DR;
}

static uint8_t rx_pop(struct vmm_uart *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VMM_UART_FIFO;
	if (!--u->rx_count)
		u->lsr &= ~LSR_DR;
	return byte;
}

static void rx_clear(struct vmm_uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->lsr &= ~LSR_DR;
}

uint8_t vmm_uart_read(struct vmm_uart *u, unsigned int off)
{
	uint8_t val = 0;

	switch (off & 7) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		val = rx_pop(u);
		break;
	case UART_IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case UART_IIR_FCR:
		val = pending(u);
		/* Reading IIR while it names THRE clears that source. */
		if (val == IIR_THRI)
			u->thre_pending = false;
		if (fifo_on(u))
			val |= IIR_FIFO;
		break;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = u->lsr;
		u->lsr &= ~(LSR_ERRORS);
		break;
	case UART_MSR:
		val = u->msr;
		u->msr &= ~MSR_DELTAS;
		break;
	case UART_SCR:
		return u->scr;
	}
	update_irq(u);
	return val;
}

void vmm_uart_write(struct vmm_uart *u, unsigned int off, uint8_t val)
{
	uint8_t old;

	switch (off & 7) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return;
		}
		if (u->mcr & MCR_LOOP)
			rx_push(u, val);
		else if (u->tx)
			u->tx(u->ctx, val);
		/* Sent at once: THR is empty again, which interrupts anew. */
		u->thre_pending = true;
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			return;
		}
		old = u->ier;
		u->ier = val & 0x0f;
		/* Enabling THRI with THR empty raises it (a driver tests this). */
		if ((u->ier & IER_THRI) && !(old & IER_THRI))
			u->thre_pending = true;
		break;
	case UART_IIR_FCR:
		if ((val ^ u->fcr) & FCR_ENABLE)
			rx_clear(u);	/* switching the FIFOs empties them */
		if (val & FCR_CLEAR_RX)
			rx_clear(u);
		u->fcr = val & (FCR_ENABLE | FCR_TRIGGER);
		if (!fifo_on(u))
			u->fcr = 0;
		break;
	case UART_LCR:
		u->lcr = val;
		return;
	case UART_MCR:
		u->mcr = val & 0x1f;
		set_modem_inputs(u);
		break;
	case UART_LSR:
	case UART_MSR:
		return;		/* read-only (factory test in a real part) */
	case UART_SCR:
		u->scr = val;
		return;
	}
	update_irq(u);
}

unsigned int vmm_uart_rx_room(const struct vmm_uart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return rx_depth(u) - u->rx_count;
}

unsigned int vmm_uart_receive(struct vmm_uart *u, const uint8_t *buf,
			      unsigned int n)
{
	unsigned int i, room = vmm_uart_rx_room(u);

	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		rx_push(u, buf[i]);
	if (n)
		update_irq(u);
	return n;
}
