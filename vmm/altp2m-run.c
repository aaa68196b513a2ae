// SPDX-License-Identifier: GPL-2.0
/*
 * altp2m-run: boot a Linux kernel (or any PVH kernel) on altp2m.
 *
 * It speaks the module's uAPI directly: /dev/altp2m, the VM fd and one
 * vCPU fd per vCPU, whose ALTP2M_RUN loops run in threads of their own.
 * A VMM owns its VM and its vCPUs through those fds; libaltp2m is the
 * door for processes that do not (introspection tools, altp2mctl), which
 * attach to the VM by the id printed at start.
 *
 * The machine: RAM, hardware-reduced ACPI (acpi.c), the local APICs in
 * the module, an I/O APIC here that turns pins into ALTP2M_SIGNAL_MSI
 * messages (ioapic.c), a 16550A on stdin/stdout (uart.c), a read-only
 * CMOS clock, the power-off and reset registers. Other ports read as all
 * ones and ignore writes, as do guest-physical addresses no RAM backs.
 *
 * Locking: one mutex (dev_lock) serialises the devices (UART, I/O APIC,
 * clock index), which vCPU threads and the stdin reader share; an I/O
 * APIC message is sent under it. stop_lock orders the first stop()
 * before any later one, so the first reason wins.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/altp2m.h>

#include "vmm.h"

#define UART_BASE		0x3f8
#define PORT_CMOS_INDEX		0x70
#define PORT_CMOS_DATA		0x71
#define PORT_POST		0x80
#define PORT_KBD_STATUS		0x64
#define KBD_CMD_RESET		0xfe
#define CF9_RST_CPU		0x04
#define CTRL_A			0x01
#define HYPERCALL_ENOSYS	((uint64_t)-38)

struct vmm;

struct vcpu {
	struct vmm *vmm;
	int id;
	int fd;
	struct altp2m_run *run;
	pthread_t thread;
	bool started;
};

struct vmm {
	const char *device;
	int verbose;
	bool views;
	uint32_t views_mode;
	int ncpus;
	uint64_t mem_size;
	bool dry_run;
	bool stats;

	int dev_fd;
	int vm_fd;
	uint32_t vm_id;
	bool lapic;
	size_t run_size;
	struct vmm_mem mem;
	struct vcpu vcpus[ALTP2M_MAX_VCPUS];

	pthread_mutex_t dev_lock;
	pthread_cond_t rx_room;		/* the guest read from the UART */
	bool rx_waiting;		/* the reader waits on rx_room */
	struct vmm_uart uart;
	struct vmm_ioapic ioapic;
	uint8_t cmos_index;
	uint8_t cf9;

	pthread_mutex_t stop_lock;
	atomic_bool stopping;
	int status;
	pthread_t main_thread;
};

static struct termios saved_tio;
static bool tio_saved;
static atomic_bool tio_raw;

/* A line on stderr: "\r\n" while the terminal is raw. */
static void __printf(1, 2) vmm_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 3)
		n = sizeof(line) - 3;
	if (atomic_load(&tio_raw))
		line[n++] = '\r';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;	/* nowhere left to complain */
}

static void restore_terminal(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		atomic_store(&tio_raw, false);
	}
}

/*
 * End the VM with @status; the first caller's reason stands. The main
 * thread waits for SIGUSR2 and then kicks every vCPU out of its loop.
 */
static void __printf(3, 4)
stop(struct vmm *v, int status, const char *fmt, ...)
{
	char msg[VMM_ERR_LEN];
	va_list ap;

	pthread_mutex_lock(&v->stop_lock);
	if (atomic_load(&v->stopping)) {
		pthread_mutex_unlock(&v->stop_lock);
		return;
	}
	v->status = status;
	atomic_store(&v->stopping, true);
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		vmm_log(VMM_NAME ": %s", msg);
	}
	pthread_mutex_unlock(&v->stop_lock);
	pthread_kill(v->main_thread, SIGUSR2);
}

/* Devices. Called with dev_lock held. */

static void uart_tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	/* A closed stdout loses the guest's output, not the guest. */
	if (write(STDOUT_FILENO, &byte, 1) < 0)
		return;
}

static void uart_irq(void *ctx, bool level)
{
	struct vmm *v = ctx;

	vmm_ioapic_set_irq(&v->ioapic, VMM_UART_IRQ, level);
}

static int ioapic_send(void *ctx, uint64_t address, uint32_t data)
{
	struct vmm *v = ctx;
	struct altp2m_msi msi = { .address = address, .data = data };

	if (!v->lapic) {
		if (v->verbose)
			vmm_log(VMM_NAME ": no local APIC: MSI 0x%" PRIx64 "/0x%x dropped",
				address, data);
		return 0;
	}
	if (ioctl(v->vm_fd, ALTP2M_SIGNAL_MSI, &msi) < 0) {
		stop(v, VMM_EXIT_INTERNAL, "ALTP2M_SIGNAL_MSI 0x%" PRIx64 "/0x%x: %s",
		     address, data, strerror(errno));
		return -1;
	}
	return 0;
}

static uint8_t bcd(int n)
{
	return (n / 10) << 4 | n % 10;
}

/*
 * The MC146818's clock, read-only, from the host's UTC time: the
 * kernel reads it once for the wall clock. The FADT says there is no
 * CMOS RTC, so no driver binds it for alarms and interrupts it lacks.
 */
static uint8_t cmos_read(uint8_t index)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (index) {
	case 0x00: return bcd(tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return bcd(tm.tm_wday + 1);
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	case 0x32: return bcd(19 + tm.tm_year / 100);
	case 0x0a: return 0x26;	/* 32.768 kHz, 1024 Hz, no update in progress */
	case 0x0b: return 0x02;	/* 24-hour, BCD, no interrupts */
	case 0x0d: return 0x80;	/* valid RAM and time */
	}
	return 0;
}

static void uart_access_done(struct vmm *v)
{
	if (v->rx_waiting && vmm_uart_rx_room(&v->uart))
		pthread_cond_signal(&v->rx_room);
}

static uint32_t pio_in(struct vmm *v, int cpu, uint16_t port, int size)
{
	uint32_t val = 0xffffffff;

	if (port >= UART_BASE && port < UART_BASE + 8) {
		pthread_mutex_lock(&v->dev_lock);
		val = 0xffffff00 | vmm_uart_read(&v->uart, port - UART_BASE);
		uart_access_done(v);
		pthread_mutex_unlock(&v->dev_lock);
		return val;
	}
	switch (port) {
	case VMM_PORT_SLEEP_CTL:
	case VMM_PORT_SLEEP_STS:
		return 0xffffff00;
	case VMM_PORT_RESET:
		return 0xffffff00 | v->cf9;
	case PORT_KBD_STATUS:
		return 0xffffff00;	/* nothing to read, ready for a command */
	case PORT_CMOS_DATA:
		pthread_mutex_lock(&v->dev_lock);
		val = 0xffffff00 | cmos_read(v->cmos_index & 0x7f);
		pthread_mutex_unlock(&v->dev_lock);
		return val;
	case PORT_POST:
		return val;
	}
	if (v->verbose)
		vmm_log(VMM_NAME ": vcpu %d: in from port 0x%x (%d bytes): no device",
			cpu, port, size);
	return val;
}

static void pio_out(struct vmm *v, int cpu, uint16_t port, int size,
		    uint32_t val)
{
	if (port >= UART_BASE && port < UART_BASE + 8) {
		pthread_mutex_lock(&v->dev_lock);
		vmm_uart_write(&v->uart, port - UART_BASE, val);
		uart_access_done(v);
		pthread_mutex_unlock(&v->dev_lock);
		return;
	}
	switch (port) {
	case VMM_PORT_SLEEP_CTL:
		if (!(val & VMM_SLP_EN))
			return;
		if (((val >> 2) & 7) == VMM_SLP_TYP_S5) {
			if (v->verbose)
				stop(v, VMM_EXIT_POWEROFF, "vcpu %d: the guest powered off",
				     cpu);
			else
				stop(v, VMM_EXIT_POWEROFF, NULL);
			return;
		}
		vmm_log(VMM_NAME ": vcpu %d: sleep type %u is not supported; ignored",
			cpu, (val >> 2) & 7);
		return;
	case VMM_PORT_SLEEP_STS:
		return;
	case VMM_PORT_RESET:
		v->cf9 = val & 0x0e;
		if (val & CF9_RST_CPU)
			stop(v, VMM_EXIT_REBOOT, "vcpu %d: reset through port 0xcf9",
			     cpu);
		return;
	case PORT_KBD_STATUS:
		if ((val & 0xff) == KBD_CMD_RESET)
			stop(v, VMM_EXIT_REBOOT, "vcpu %d: reset through port 0x64",
			     cpu);
		return;
	case PORT_CMOS_INDEX:
		pthread_mutex_lock(&v->dev_lock);
		v->cmos_index = val;
		pthread_mutex_unlock(&v->dev_lock);
		return;
	case PORT_CMOS_DATA:
	case PORT_POST:
		return;
	}
	if (v->verbose)
		vmm_log(VMM_NAME ": vcpu %d: out 0x%x to port 0x%x (%d bytes): no device",
			cpu, val, port, size);
}

static void exit_io(struct vmm *v, struct vcpu *c)
{
	struct altp2m_run *r = c->run;
	uint8_t *data = (uint8_t *)r + r->io.data_offset;
	int size = r->io.size;
	uint32_t i, val;

	/* The module's word, but a wrong one must not take the VMM along. */
	if ((size != 1 && size != 2 && size != 4) ||
	    r->io.data_offset > v->run_size ||
	    (uint64_t)r->io.count * size > v->run_size - r->io.data_offset) {
		stop(v, VMM_EXIT_INTERNAL, "vcpu %d: bad I/O exit (%u x %d bytes at %llu)",
		     c->id, r->io.count, size,
		     (unsigned long long)r->io.data_offset);
		return;
	}
	for (i = 0; i < r->io.count; i++, data += size) {
		if (r->io.direction == ALTP2M_IO_IN) {
			val = pio_in(v, c->id, r->io.port, size);
			memcpy(data, &val, size);
		} else {
			val = 0;
			memcpy(&val, data, size);
			pio_out(v, c->id, r->io.port, size, val);
		}
	}
}

static void exit_mmio(struct vmm *v, struct vcpu *c)
{
	struct altp2m_run *r = c->run;
	uint64_t gpa = r->mmio.gpa, off = gpa - VMM_IOAPIC_GPA;
	uint32_t len = r->mmio.len, val;

	if (len > sizeof(r->mmio.data))
		len = sizeof(r->mmio.data);
	if (gpa >= VMM_IOAPIC_GPA && off < VMM_IOAPIC_SIZE) {
		pthread_mutex_lock(&v->dev_lock);
		if (r->mmio.is_write) {
			/* The registers take whole dwords; others are dropped. */
			if (len == 4 && !(off & 3)) {
				memcpy(&val, r->mmio.data, 4);
				vmm_ioapic_write(&v->ioapic, off, val);
			}
		} else {
			val = vmm_ioapic_read(&v->ioapic, off & ~3ULL);
			memset(r->mmio.data, 0xff, sizeof(r->mmio.data));
			if ((off & 3) + len <= 4)
				memcpy(r->mmio.data, (uint8_t *)&val + (off & 3),
				       len);
		}
		pthread_mutex_unlock(&v->dev_lock);
		return;
	}
	if (!r->mmio.is_write)
		memset(r->mmio.data, 0xff, sizeof(r->mmio.data));
	if (v->verbose)
		vmm_log(VMM_NAME ": vcpu %d: %u-byte %s at gpa 0x%" PRIx64 ": no device",
			c->id, len, r->mmio.is_write ? "write" : "read", gpa);
}

static const char *access_str(uint8_t a, char *buf)
{
	buf[0] = a & ALTP2M_VIOLATION_R ? 'r' : '-';
	buf[1] = a & ALTP2M_VIOLATION_W ? 'w' : '-';
	buf[2] = a & ALTP2M_VIOLATION_X ? 'x' : '-';
	buf[3] = 0;
	return buf;
}

/*
 * A guest access a view forbids: say so and give the page rwx in that
 * view, so the guest goes on (an introspection tool that wants another
 * policy runs it through its own VMM).
 */
static void exit_violation(struct vmm *v, struct vcpu *c)
{
	struct altp2m_run *r = c->run;
	struct altp2m_gfn_set set = {
		.view = r->violation.view,
		.gfn = r->violation.gpa >> 12,
		.npages = 1,
		.value = ALTP2M_ACCESS_RWX,
	};
	char a[4];

	/* The page address too: a tool knows the page it restricted. */
	vmm_log(VMM_NAME ": vcpu %d: view %u violation: %s gpa 0x%" PRIx64 " page 0x%" PRIx64
		" gla %s0x%" PRIx64 ": made rwx",
		c->id, r->violation.view, access_str(r->violation.access, a),
		(uint64_t)r->violation.gpa, (uint64_t)set.gfn << 12,
		r->violation.flags & ALTP2M_VIOLATION_GLA_VALID ? "" : "(invalid) ",
		(uint64_t)r->violation.gla);
	if (ioctl(v->vm_fd, ALTP2M_SET_MEM_ACCESS, &set) < 0)
		stop(v, VMM_EXIT_INTERNAL, "vcpu %d: relaxing gfn 0x%llx in view %u: %s",
		     c->id, (unsigned long long)set.gfn, set.view,
		     strerror(errno));
}

static void exit_failed(struct vmm *v, struct vcpu *c)
{
	struct altp2m_run *r = c->run;
	struct altp2m_regs regs = { 0 };
	uint64_t rip = 0;

	if (!ioctl(c->fd, ALTP2M_GET_REGS, &regs))
		rip = regs.rip;
	switch (r->exit_reason) {
	case ALTP2M_EXIT_FAIL_ENTRY:
		stop(v, VMM_EXIT_INTERNAL, "vcpu %d: entry failed (%llu, 0x%llx), rip 0x%" PRIx64,
		     c->id, (unsigned long long)r->fail_entry.hardware_reason,
		     (unsigned long long)r->fail_entry.qualification, rip);
		break;
	case ALTP2M_EXIT_INTERNAL_ERROR:
		stop(v, VMM_EXIT_INTERNAL, "vcpu %d: internal error %u (0x%llx), rip 0x%" PRIx64,
		     c->id, r->internal.suberror,
		     (unsigned long long)r->internal.data[0], rip);
		break;
	case ALTP2M_EXIT_EPT_MISCONFIG:
		stop(v, VMM_EXIT_INTERNAL, "vcpu %d: EPT misconfig at 0x%llx, rip 0x%" PRIx64,
		     c->id, (unsigned long long)r->ept_misconfig.gpa, rip);
		break;
	default:
		stop(v, VMM_EXIT_INTERNAL, "vcpu %d: unexpected exit reason %u at rip 0x%" PRIx64,
		     c->id, r->exit_reason, rip);
		break;
	}
}

/* Where it happened, for the report: RIP and the mode registers. */
static void triple_fault(struct vmm *v, struct vcpu *c)
{
	struct altp2m_sregs sregs = { 0 };
	struct altp2m_regs regs = { 0 };

	if (ioctl(c->fd, ALTP2M_GET_REGS, &regs) ||
	    ioctl(c->fd, ALTP2M_GET_SREGS, &sregs)) {
		stop(v, VMM_EXIT_TRIPLE_FAULT, "vcpu %d: triple fault (shutdown)",
		     c->id);
		return;
	}
	stop(v, VMM_EXIT_TRIPLE_FAULT,
	     "vcpu %d: triple fault (shutdown) at rip 0x%llx, cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx",
	     c->id, (unsigned long long)regs.rip,
	     (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3,
	     (unsigned long long)sregs.cr4, (unsigned long long)sregs.efer);
}

static void kick_handler(int sig)
{
	(void)sig;	/* only here to interrupt ALTP2M_RUN */
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *c = arg;
	struct vmm *v = c->vmm;
	struct altp2m_run *r = c->run;
	struct timespec ms = { 0, 1000000 };
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (!atomic_load(&v->stopping)) {
		if (ioctl(c->fd, ALTP2M_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			stop(v, VMM_EXIT_INTERNAL, "vcpu %d: ALTP2M_RUN: %s",
			     c->id, strerror(errno));
			break;
		}
		switch (r->exit_reason) {
		case ALTP2M_EXIT_IO:
			exit_io(v, c);
			break;
		case ALTP2M_EXIT_MMIO:
			exit_mmio(v, c);
			break;
		case ALTP2M_EXIT_EOI:
			pthread_mutex_lock(&v->dev_lock);
			vmm_ioapic_eoi(&v->ioapic, r->eoi.vector);
			pthread_mutex_unlock(&v->dev_lock);
			break;
		case ALTP2M_EXIT_INTR:
			break;
		case ALTP2M_EXIT_HLT:
			/*
			 * Only without an in-kernel local APIC, where no
			 * interrupt can ever wake the vCPU: let it go on
			 * after a pause, as a spurious wake-up would.
			 */
			nanosleep(&ms, NULL);
			break;
		case ALTP2M_EXIT_HYPERCALL:
			if (v->verbose)
				vmm_log(VMM_NAME ": vcpu %d: hcall 0x%llx: -ENOSYS (none)",
					c->id, (unsigned long long)r->hypercall.nr);
			r->hypercall.ret = HYPERCALL_ENOSYS;
			break;
		case ALTP2M_EXIT_VIEW_VIOLATION:
			exit_violation(v, c);
			break;
		case ALTP2M_EXIT_SHUTDOWN:
			triple_fault(v, c);
			break;
		default:
			exit_failed(v, c);
			break;
		}
	}
	return NULL;
}

/* Ctrl-A x ends altp2m-run as SIGINT would; Ctrl-A Ctrl-A sends one. */
static size_t escape(struct vmm *v, uint8_t *buf, size_t n, bool *pending)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (*pending) {
			*pending = false;
			if (buf[i] == 'x') {
				stop(v, 128 + SIGINT, "Ctrl-A x: stopping the guest");
				return o;
			}
			if (buf[i] != CTRL_A)
				buf[o++] = CTRL_A;
		} else if (buf[i] == CTRL_A) {
			*pending = true;
			continue;
		}
		buf[o++] = buf[i];
	}
	return o;
}

/* stdin to the UART's receiver, as fast as the guest reads it. */
static void *stdin_thread(void *arg)
{
	struct vmm *v = arg;
	bool tty = isatty(STDIN_FILENO), esc = false;
	uint8_t buf[256];
	ssize_t n;
	size_t off, len;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* EOF: the guest just gets no more input */
		len = tty ? escape(v, buf, n, &esc) : (size_t)n;
		pthread_mutex_lock(&v->dev_lock);
		for (off = 0; off < len && !atomic_load(&v->stopping);) {
			if (!vmm_uart_rx_room(&v->uart)) {
				v->rx_waiting = true;
				pthread_cond_wait(&v->rx_room, &v->dev_lock);
				v->rx_waiting = false;
				continue;
			}
			off += vmm_uart_receive(&v->uart, buf + off, len - off);
		}
		pthread_mutex_unlock(&v->dev_lock);
	}
	return NULL;
}

static void raw_terminal(void)
{
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio_saved = true;
	atexit(restore_terminal);
	tio = saved_tio;
	cfmakeraw(&tio);
	if (!tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio))
		atomic_store(&tio_raw, true);
}

/* Options. */

/* Names of the basic exit reasons a guest commonly causes (SDM app. C). */
static const char *const vmx_exit_names[ALTP2M_VMX_EXIT_REASONS] = {
	[0] = "exception-nmi", [1] = "external-interrupt",
	[2] = "triple-fault", [3] = "init", [4] = "sipi",
	[7] = "interrupt-window", [8] = "nmi-window", [9] = "task-switch",
	[10] = "cpuid", [12] = "hlt", [18] = "vmcall",
	[28] = "cr-access", [29] = "dr-access", [30] = "io",
	[31] = "rdmsr", [32] = "wrmsr", [33] = "invalid-guest-state",
	[44] = "apic-access", [48] = "ept-violation",
	[49] = "ept-misconfig", [52] = "preemption-timer", [55] = "xsetbv",
	[59] = "vmfunc",
};

/*
 * --stats: what each vCPU cost, by VM exit reason, and what the
 * interrupt machinery did (ALTP2M_GET_VCPU_EXIT_COUNTS, _VCPU_STATS).
 */
static void print_stats(struct vmm *v)
{
	struct altp2m_vcpu_exit_counts ec;
	struct altp2m_vcpu_stats st;
	unsigned int r;
	int i;

	for (i = 0; i < v->ncpus; i++) {
		if (v->vcpus[i].fd < 0)
			continue;
		memset(&st, 0, sizeof(st));
		memset(&ec, 0, sizeof(ec));
		if (ioctl(v->vcpus[i].fd, ALTP2M_GET_VCPU_STATS, &st) < 0 ||
		    ioctl(v->vcpus[i].fd, ALTP2M_GET_VCPU_EXIT_COUNTS, &ec) < 0) {
			vmm_log(VMM_NAME ": vcpu %d: no counters: %s", i,
				strerror(errno));
			continue;
		}
		vmm_log(VMM_NAME ": vcpu %d: %llu exits (%llu out), irq %llu, NMI %llu, HLT %llu",
			i, (unsigned long long)st.hw_exits,
			(unsigned long long)(st.exits[ALTP2M_EXIT_IO] +
					     st.exits[ALTP2M_EXIT_MMIO] +
					     st.exits[ALTP2M_EXIT_EOI] +
					     st.exits[ALTP2M_EXIT_VIEW_VIOLATION] +
					     st.exits[ALTP2M_EXIT_HYPERCALL]),
			(unsigned long long)st.irqs_injected,
			(unsigned long long)st.nmis_injected,
			(unsigned long long)st.halts_blocked);
		for (r = 0; r < ALTP2M_VMX_EXIT_REASONS; r++)
			if (ec.counts[r])
				vmm_log(VMM_NAME ": vcpu %d:   %-20s %llu", i,
					vmx_exit_names[r] ? vmx_exit_names[r] :
					"other", (unsigned long long)ec.counts[r]);
	}
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: " VMM_NAME " --kernel FILE [--initrd FILE] [--append CMDLINE]\n"
		"                  [--mem SIZE] [--cpus N] [--views [MODE]] [-v]\n"
		"                  [--device PATH] [--dry-run] [--stats]\n"
		"Boot a PVH kernel (an ELF vmlinux or a bzImage) on altp2m, with its\n"
		"serial console (16550A at 0x3f8, IRQ 4) on stdin/stdout.\n"
		"\n"
		"  -k, --kernel FILE    the kernel: vmlinux, or bzImage (xz, gzip, zstd)\n"
		"  -i, --initrd FILE    initramfs, passed as PVH module 0\n"
		"  -a, --append STRING  kernel command line (default \"console=ttyS0\")\n"
		"  -m, --mem SIZE       guest memory, K/M/G suffix, bare number MiB\n"
		"                       (default 256M)\n"
		"  -c, --cpus N         vCPUs, 1..%d (default 1)\n"
		"      --views [MODE]   enable alternate p2m views: external (default),\n"
		"                       mixed or limited\n"
		"  -d, --device PATH    the altp2m device (default /dev/altp2m)\n"
		"  -n, --dry-run        load and lay out the guest, print where\n"
		"                       everything went, and exit without a VM\n"
		"  -v, --verbose        log accesses to ports and addresses with no device\n"
		"      --stats          at the end, each vCPU's VM exits by reason\n"
		"  -h, --help           this text\n"
		"\n"
		"The VM id goes to stderr at start, for altp2mctl. On a terminal, stdin\n"
		"is raw: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.\n"
		"Exit status: 0 power-off, 1 setup error, 2 usage error, 3 guest reboot,\n"
		"4 triple fault, 5 VM failure while running, 128+N killed by signal N\n"
		"(Ctrl-A x: 130).\n", ALTP2M_MAX_VCPUS);
}

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long n;
	char *end;
	int shift = 20;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	n = strtoull(s, &end, 0);
	if (errno)
		return -1;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	else if (*end && *end != 'm' && *end != 'M')
		return -1;
	if (*end)
		end++;
	if (*end || n > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)n << shift;
	return 0;
}

static const char *const view_modes[] = {
	[ALTP2M_MODE_EXTERNAL] = "external",
	[ALTP2M_MODE_MIXED] = "mixed",
	[ALTP2M_MODE_LIMITED] = "limited",
};

static int parse_mode(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(view_modes) / sizeof(view_modes[0]); i++)
		if (!strcmp(s, view_modes[i]))
			return i;
	return -1;
}

struct opts {
	const char *kernel, *initrd, *append;
};

static int __printf(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, VMM_NAME ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see " VMM_NAME " --help)\n");
	return -VMM_EXIT_USAGE;
}

/* 0, 1 for --help, or -VMM_EXIT_USAGE after saying why. */
static int parse_args(int argc, char **argv, struct vmm *v, struct opts *o)
{
	enum { OPT_VIEWS = 0x100, OPT_STATS };
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "views", optional_argument, NULL, OPT_VIEWS },
		{ "device", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n;
	char *end;
	int c, mode;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:k:i:a:m:c:d:nvh", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'a':
			o->append = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &v->mem_size))
				return usage_error("--mem: '%s' is not a size", optarg);
			if (!v->mem_size)
				return usage_error("--mem: guest memory cannot be zero");
			if (v->mem_size & 0xfff)
				return usage_error("--mem: %s is not a multiple of 4 KiB",
						   optarg);
			if (v->mem_size > ALTP2M_MAX_MEMORY_SIZE)
				return usage_error("--mem: %s is more than %llu GiB",
						   optarg, ALTP2M_MAX_MEMORY_SIZE >> 30);
			break;
		case 'c':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || *optarg == '-')
				return usage_error("--cpus: '%s' is not a number",
						   optarg);
			if (n < 1 || n > ALTP2M_MAX_VCPUS)
				return usage_error("--cpus: %s vCPUs: 1 to %d (ALTP2M_MAX_VCPUS)",
						   optarg, ALTP2M_MAX_VCPUS);
			v->ncpus = n;
			break;
		case OPT_VIEWS:
			v->views = true;
			/* Also "--views MODE": no other words are taken. */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			if (optarg) {
				mode = parse_mode(optarg);
				if (mode < 0)
					return usage_error("--views: unknown mode '%s'",
							   optarg);
				v->views_mode = mode;
			}
			break;
		case 'd':
			v->device = optarg;
			break;
		case 'n':
			v->dry_run = true;
			break;
		case 'v':
			v->verbose++;
			break;
		case OPT_STATS:
			v->stats = true;
			break;
		case 'h':
			return 1;
		case ':':
			return usage_error("%s needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->kernel)
		return usage_error("--kernel is required");
	return 0;
}

/* Setup. Each returns 0 or -1 with a one-line reason in @err. */

static int read_file(const char *what, const char *path, uint8_t **buf,
		     size_t *len, char *err)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmm_fail(err, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return vmm_fail(err, "%s %s: not a regular file", what, path);
	}
	*len = st.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		close(fd);
		return vmm_fail(err, "%s %s: out of memory", what, path);
	}
	while (done < *len) {
		n = read(fd, *buf + done, *len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vmm_fail(err, "%s %s: %s", what, path,
				 n ? strerror(errno) : "shorter than its size");
			free(*buf);
			close(fd);
			return -1;
		}
		done += n;
	}
	close(fd);
	return 0;
}

static int load_guest(struct vmm *v, const struct opts *o,
		      struct vmm_kernel *k, struct vmm_boot *b, char *err)
{
	uint8_t *kimg = NULL, *initrd = NULL;
	size_t klen, ilen = 0;
	int ret = -1;

	vmm_mem_layout(&v->mem, v->mem_size);
	v->mem.ram = mmap(NULL, v->mem_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->mem.ram == MAP_FAILED) {
		v->mem.ram = NULL;
		return vmm_fail(err, "cannot map %llu MiB of guest memory: %s",
				(unsigned long long)(v->mem_size >> 20),
				strerror(errno));
	}
	if (v->mem.low_size < VMM_BIOS_END)
		return vmm_fail(err, "--mem: %llu KiB is too small (1 MiB at least)",
				(unsigned long long)(v->mem_size >> 10));
	if (read_file("kernel", o->kernel, &kimg, &klen, err))
		return -1;
	if (vmm_load_kernel(&v->mem, kimg, klen, k, err)) {
		char msg[VMM_ERR_LEN];

		/* A long path cuts the reason short: it still says which file. */
		if (snprintf(msg, sizeof(msg), "kernel %s: %s", o->kernel,
			     err) >= (int)sizeof(msg))
			msg[sizeof(msg) - 1] = 0;
		memcpy(err, msg, VMM_ERR_LEN);
		goto out;
	}
	if (o->initrd) {
		if (read_file("initrd", o->initrd, &initrd, &ilen, err))
			goto out;
		if (!ilen) {
			vmm_fail(err, "initrd %s is empty", o->initrd);
			goto out;
		}
	}
	ret = vmm_boot_setup(&v->mem, k, initrd, ilen,
			     o->append ? o->append : "console=ttyS0",
			     v->ncpus, b, err);
out:
	free(initrd);
	free(kimg);
	return ret;
}

static void print_layout(const struct vmm *v, const struct vmm_kernel *k,
			 const struct vmm_boot *b, const char *cmdline)
{
	const struct hvm_memmap_table_entry *m = vmm_gpa(&v->mem,
		VMM_MEMMAP_GPA, b->nr_memmap * sizeof(*m));
	uint32_t i;

	printf("kernel: %s, 0x%" PRIx64 "-0x%" PRIx64 ", PVH entry 0x%x\n",
	       k->format, k->start, k->end - 1, k->entry);
	if (b->initrd_size)
		printf("initrd: 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " bytes)\n",
		       b->initrd_gpa, b->initrd_gpa + b->initrd_size - 1,
		       b->initrd_size);
	printf("start_info: 0x%x, cmdline 0x%x \"%s\", rsdp 0x%" PRIx64 "\n",
	       VMM_START_INFO_GPA, VMM_CMDLINE_GPA, cmdline, b->rsdp_gpa);
	for (i = 0; i < b->nr_memmap; i++)
		printf("e820: 0x%" PRIx64 "-0x%" PRIx64 " %s\n", m[i].addr,
		       m[i].addr + m[i].size - 1,
		       m[i].type == E820_RAM ? "ram" : "reserved");
	printf("vcpus: %d\n", v->ncpus);
}

static int set_boot_regs(struct vcpu *c, const struct vmm_kernel *k,
			 char *err)
{
	struct altp2m_segment code = {
		.limit = 0xffffffff, .selector = VMM_SEL_CODE, .type = 11,
		.present = 1, .db = 1, .s = 1, .g = 1,
	};
	struct altp2m_segment data = code;
	struct altp2m_sregs sregs = { 0 };
	struct altp2m_regs regs = { 0 };

	/* The x86 PVH boot ABI: 32-bit flat protected mode, no paging. */
	data.selector = VMM_SEL_DATA;
	data.type = 3;
	sregs.cs = code;
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;
	sregs.tr = (struct altp2m_segment){ .limit = 0x67,
		.selector = VMM_SEL_TSS, .type = 11, .present = 1 };
	sregs.ldt = (struct altp2m_segment){ .type = 2, .unusable = 1 };
	sregs.gdt.base = VMM_GDT_GPA;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr0 = 0x31;		/* PE, ET, NE */
	regs.rip = k->entry;
	regs.rbx = VMM_START_INFO_GPA;
	regs.rflags = 0x2;
	if (ioctl(c->fd, ALTP2M_SET_SREGS, &sregs) ||
	    ioctl(c->fd, ALTP2M_SET_REGS, &regs))
		return vmm_fail(err, "vcpu %d: setting the boot registers: %s",
				c->id, strerror(errno));
	return 0;
}

static int create_vm(struct vmm *v, const struct vmm_kernel *k, char *err)
{
	struct altp2m_caps caps = { 0 };
	struct altp2m_create_vm cvm = { 0 };
	struct altp2m_memory_region mr = { 0 };
	int i, ret;

	v->dev_fd = open(v->device, O_RDWR | O_CLOEXEC);
	if (v->dev_fd < 0)
		return vmm_fail(err, "%s: %s (is the altp2m module loaded?)",
				v->device, strerror(errno));
	ret = ioctl(v->dev_fd, ALTP2M_GET_API_VERSION, 0);
	if (ret != ALTP2M_API_VERSION)
		return vmm_fail(err, "%s: API version %d, this program needs %d",
				v->device, ret, ALTP2M_API_VERSION);
	if (ioctl(v->dev_fd, ALTP2M_GET_CAPS, &caps))
		return vmm_fail(err, "ALTP2M_GET_CAPS: %s", strerror(errno));
	v->lapic = caps.features & ALTP2M_FEATURE_LAPIC;
	if (v->ncpus > 1 && !v->lapic)
		return vmm_fail(err, "--cpus %d: the module has no in-kernel local APIC",
				v->ncpus);
	if (v->lapic)
		cvm.flags = ALTP2M_VM_LAPIC;
	v->vm_fd = ioctl(v->dev_fd, ALTP2M_CREATE_VM, &cvm);
	if (v->vm_fd < 0)
		return vmm_fail(err, "ALTP2M_CREATE_VM: %s", strerror(errno));
	v->vm_id = cvm.vm_id;
	vmm_log(VMM_NAME ": VM id %u (%d vCPU%s, %llu MiB%s)", v->vm_id,
		v->ncpus, v->ncpus > 1 ? "s" : "",
		(unsigned long long)(v->mem_size >> 20),
		v->lapic ? "" : ", no in-kernel local APIC");

	mr.slot = 0;
	mr.memory_size = v->mem.low_size;
	mr.userspace_addr = (uintptr_t)v->mem.ram;
	if (ioctl(v->vm_fd, ALTP2M_SET_MEMORY_REGION, &mr))
		return vmm_fail(err, "guest memory (%llu MiB): %s",
				(unsigned long long)(mr.memory_size >> 20),
				strerror(errno));
	if (v->mem.size > v->mem.low_size) {
		mr.slot = 1;
		mr.guest_phys_addr = VMM_4G;
		mr.memory_size = v->mem.size - v->mem.low_size;
		mr.userspace_addr = (uintptr_t)(v->mem.ram + v->mem.low_size);
		if (ioctl(v->vm_fd, ALTP2M_SET_MEMORY_REGION, &mr))
			return vmm_fail(err, "guest memory above 4 GiB (%llu MiB): %s",
					(unsigned long long)(mr.memory_size >> 20),
					strerror(errno));
	}
	if (v->views) {
		struct altp2m_views_enable ve = { .mode = v->views_mode };

		if (ioctl(v->vm_fd, ALTP2M_VIEWS_ENABLE, &ve))
			return vmm_fail(err, "--views %s: %s",
					view_modes[v->views_mode], strerror(errno));
	}

	ret = ioctl(v->dev_fd, ALTP2M_GET_RUN_SIZE, 0);
	if (ret < (int)sizeof(struct altp2m_run))
		return vmm_fail(err, "ALTP2M_GET_RUN_SIZE: %s", strerror(errno));
	v->run_size = ret;
	/* vCPU 0 starts at the entry; with a local APIC the others wait for SIPI. */
	for (i = 0; i < v->ncpus; i++) {
		struct altp2m_create_vcpu cv = { .vcpu_id = i };
		struct vcpu *c = &v->vcpus[i];

		c->vmm = v;
		c->id = i;
		c->fd = ioctl(v->vm_fd, ALTP2M_CREATE_VCPU, &cv);
		if (c->fd < 0)
			return vmm_fail(err, "vcpu %d: %s", i, strerror(errno));
		c->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, c->fd, 0);
		if (c->run == MAP_FAILED)
			return vmm_fail(err, "vcpu %d: mmap: %s", i,
					strerror(errno));
		if (!i && set_boot_regs(c, k, err))
			return -1;
	}
	return 0;
}

/* Run until stop(); returns the exit status. */
static int run_vm(struct vmm *v)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	pthread_t reader;
	sigset_t set;
	int i, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Threads inherit this; vCPU threads unblock SIGUSR1 for kicks. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigdelset(&set, SIGUSR1);

	raw_terminal();
	if (pthread_create(&reader, NULL, stdin_thread, v)) {
		vmm_log(VMM_NAME ": cannot start the console thread");
		return VMM_EXIT_ERROR;
	}
	pthread_detach(reader);
	for (i = 0; i < v->ncpus; i++) {
		if (pthread_create(&v->vcpus[i].thread, NULL, vcpu_thread,
				   &v->vcpus[i])) {
			stop(v, VMM_EXIT_ERROR, "cannot start the thread of vcpu %d",
			     i);
			break;
		}
		v->vcpus[i].started = true;
	}
	do {
		if (sigwait(&set, &sig))
			continue;
		if (sig != SIGUSR2)
			stop(v, 128 + sig, "%s: stopping the guest",
			     strsignal(sig));
	} while (!atomic_load(&v->stopping));

	for (i = 0; i < v->ncpus; i++) {
		if (!v->vcpus[i].started)
			continue;
		v->vcpus[i].run->immediate_exit = 1;
		pthread_kill(v->vcpus[i].thread, SIGUSR1);
	}
	for (i = 0; i < v->ncpus; i++)
		if (v->vcpus[i].started)
			pthread_join(v->vcpus[i].thread, NULL);
	restore_terminal();
	if (v->stats)
		print_stats(v);
	return v->status;
}

int main(int argc, char **argv)
{
	static struct vmm v = {
		.device = "/dev/altp2m", .ncpus = 1, .mem_size = VMM_MEM_DEFAULT,
		.dev_fd = -1, .vm_fd = -1,
		.dev_lock = PTHREAD_MUTEX_INITIALIZER,
		.rx_room = PTHREAD_COND_INITIALIZER,
		.stop_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	struct opts o = { 0 };
	struct vmm_kernel k = { 0 };
	struct vmm_boot b = { 0 };
	char err[VMM_ERR_LEN];
	int ret;

	ret = parse_args(argc, argv, &v, &o);
	if (ret == 1) {
		print_usage(stdout);
		return 0;
	}
	if (ret < 0)
		return -ret;
	if (load_guest(&v, &o, &k, &b, err)) {
		fprintf(stderr, VMM_NAME ": %s\n", err);
		return VMM_EXIT_ERROR;
	}
	if (v.dry_run) {
		print_layout(&v, &k, &b, o.append ? o.append : "console=ttyS0");
		return 0;
	}
	v.main_thread = pthread_self();
	vmm_uart_init(&v.uart, uart_tx, uart_irq, &v);
	vmm_ioapic_init(&v.ioapic, ioapic_send, &v);
	if (create_vm(&v, &k, err)) {
		fprintf(stderr, VMM_NAME ": %s\n", err);
		return VMM_EXIT_ERROR;
	}
	/* The fds and the memory go with the process. */
	return run_vm(&v);
}
