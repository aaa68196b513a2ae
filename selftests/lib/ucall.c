// SPDX-License-Identifier: GPL-2.0
/*
 * ucall, both sides: the guest's encoder and OUT, the host's decoder and
 * reports (protocol in ucall.h).
 */
#include <stdio.h>
#include <string.h>

#include "vm_util.h"

/* ------------------------------------------------------------ both sides */

void ucall_fill(struct ucall *uc, uint64_t type, int nargs,
		const uint64_t *args)
{
	int i;

	if (nargs < 0)
		nargs = 0;
	if (nargs > UCALL_MAX_ARGS)
		nargs = UCALL_MAX_ARGS;
	uc->magic = UCALL_MAGIC;
	uc->type = type;
	uc->nargs = (uint64_t)nargs;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc->args[i] = i < nargs ? args[i] : 0;
	uc->file = 0;
	uc->line = 0;
	uc->expr = 0;
}

void ucall_fill_va(struct ucall *uc, uint64_t type, int nargs, va_list ap)
{
	uint64_t args[UCALL_MAX_ARGS];
	int i;

	for (i = 0; i < nargs && i < UCALL_MAX_ARGS; i++)
		args[i] = va_arg(ap, uint64_t);
	ucall_fill(uc, type, i, args);
}

const char *ucall_type_name(uint64_t type)
{
	static const char *const names[UCALL_NR_TYPES] = {
		[UCALL_NONE] = "NONE",
		[UCALL_SYNC] = "SYNC",
		[UCALL_DONE] = "DONE",
		[UCALL_ABORT] = "ABORT",
		[UCALL_UNHANDLED] = "UNHANDLED",
	};

	return type < UCALL_NR_TYPES ? names[type] : "?";
}

/* ------------------------------------------------------------ guest side */

void ucall_send(struct ucall *uc)
{
	__asm__ __volatile__("outb %%al, %[port]"
			     : : "a"(0), [port] "i"(UCALL_PORT), "D"(uc)
			     : "memory");
}

void guest_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("hlt" : : : "memory");
}

void ucall_array(uint64_t type, int nargs, const uint64_t *args)
{
	struct ucall uc;

	ucall_fill(&uc, type, nargs, args);
	ucall_send(&uc);
}

void ucall(uint64_t type, int nargs, ...)
{
	struct ucall uc;
	va_list ap;

	va_start(ap, nargs);
	ucall_fill_va(&uc, type, nargs, ap);
	va_end(ap);
	ucall_send(&uc);
}

void ucall_assert(const char *file, int line, const char *expr, int nargs,
		  const uint64_t *args)
{
	struct ucall uc;

	ucall_fill(&uc, UCALL_ABORT, nargs, args);
	uc.file = (uint64_t)(uintptr_t)file;
	uc.line = (uint64_t)line;
	uc.expr = (uint64_t)(uintptr_t)expr;
	ucall_send(&uc);
	guest_halt_forever();
}

/* What exception.S hands over: pushed by the entry point, then by the CPU. */
struct guest_ex_frame {
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

void __attribute__((noreturn))
guest_exception_handler(struct guest_ex_frame *f);
void __attribute__((noreturn)) guest_function_returned(void);

void guest_exception_handler(struct guest_ex_frame *f)
{
	uint64_t args[4] = { f->vector, f->error_code, f->rip, get_cr2() };

	ucall_array(UCALL_UNHANDLED, 4, args);
	guest_halt_forever();
}

void guest_function_returned(void)
{
	ucall_array(UCALL_DONE, 0, NULL);
	guest_halt_forever();
}

/* ------------------------------------------------------------- host side */

uint64_t ucall_decode(struct vm *vm, const struct altp2m_run *run,
		      size_t run_size, uint64_t rdi, struct ucall *uc)
{
	const void *src;
	uint8_t data;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != ALTP2M_EXIT_IO || run->io.port != UCALL_PORT)
		return UCALL_NONE;

	TEST_ASSERT(run->io.direction == ALTP2M_IO_OUT &&
		    run->io.size == 1 && run->io.count == 1,
		    "ucall: I/O exit on port %#x is not OUTB x1: direction "
		    "%u size %u count %u", UCALL_PORT, run->io.direction,
		    run->io.size, run->io.count);
	TEST_ASSERT(run->io.data_offset < run_size,
		    "ucall: data_offset %llu outside the %zu-byte run area",
		    (unsigned long long)run->io.data_offset, run_size);
	data = ((const uint8_t *)run)[run->io.data_offset];
	TEST_ASSERT(data == 0, "ucall: OUT data %#x, the guest wrote 0", data);

	src = addr_gpa2hva_range(vm, rdi, sizeof(*uc));
	TEST_ASSERT(src, "ucall: RDI %#llx does not point to %zu bytes of "
		    "guest memory", (unsigned long long)rdi, sizeof(*uc));
	memcpy(uc, src, sizeof(*uc));
	TEST_ASSERT(uc->magic == UCALL_MAGIC,
		    "ucall: bad magic %#llx at guest address %#llx",
		    (unsigned long long)uc->magic, (unsigned long long)rdi);
	TEST_ASSERT(uc->type > UCALL_NONE && uc->type < UCALL_NR_TYPES,
		    "ucall: unknown type %llu", (unsigned long long)uc->type);
	TEST_ASSERT(uc->nargs <= UCALL_MAX_ARGS, "ucall: %llu arguments",
		    (unsigned long long)uc->nargs);
	return uc->type;
}

uint64_t get_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct altp2m_regs regs;
	struct ucall tmp;

	if (!uc)
		uc = &tmp;
	if (vcpu->run->exit_reason != ALTP2M_EXIT_IO ||
	    vcpu->run->io.port != UCALL_PORT) {
		memset(uc, 0, sizeof(*uc));
		return UCALL_NONE;
	}
	vcpu_regs_get(vcpu, &regs);
	return ucall_decode(vcpu->vm, vcpu->run, vcpu->vm->run_size,
			    regs.rdi, uc);
}

void ucall_describe(struct vm *vm, const struct ucall *uc, char *buf,
		    size_t len)
{
	char file[256], expr[512];
	unsigned int i;
	size_t n;

	switch (uc->type) {
	case UCALL_ABORT:
		vm_read_str(vm, uc->file, file, sizeof(file));
		vm_read_str(vm, uc->expr, expr, sizeof(expr));
		n = (size_t)snprintf(buf, len,
				     "guest assertion failed: %s:%llu: %s",
				     file, (unsigned long long)uc->line, expr);
		if (uc->nargs == 2 && n < len)
			snprintf(buf + n, len - n,
				 "\n  values: %llu (%#llx), %llu (%#llx)",
				 (unsigned long long)uc->args[0],
				 (unsigned long long)uc->args[0],
				 (unsigned long long)uc->args[1],
				 (unsigned long long)uc->args[1]);
		return;
	case UCALL_UNHANDLED:
		snprintf(buf, len,
			 "unhandled guest exception %s (vector %llu) at rip "
			 "%#llx, error code %#llx, cr2 %#llx",
			 x86_exception_name((unsigned int)uc->args[0]),
			 (unsigned long long)uc->args[0],
			 (unsigned long long)uc->args[2],
			 (unsigned long long)uc->args[1],
			 (unsigned long long)uc->args[3]);
		return;
	default:
		n = (size_t)snprintf(buf, len, "ucall %s",
				     ucall_type_name(uc->type));
		for (i = 0; i < uc->nargs && i < UCALL_MAX_ARGS && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%#llx",
					      i ? ", " : " args: ",
					      (unsigned long long)uc->args[i]);
	}
}

uint64_t vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct ucall tmp;
	char desc[1024];
	uint64_t type;

	if (!uc)
		uc = &tmp;
	vcpu_run(vcpu);
	type = get_ucall(vcpu, uc);
	if (type == UCALL_NONE) {
		vcpu_describe_exit(vcpu, desc, sizeof(desc));
		TEST_FAIL("vCPU %u: expected a ucall, got %s", vcpu->id, desc);
	}
	if (type == UCALL_ABORT || type == UCALL_UNHANDLED) {
		ucall_describe(vcpu->vm, uc, desc, sizeof(desc));
		TEST_FAIL("vCPU %u: %s", vcpu->id, desc);
	}
	return type;
}

void __assert_ucall(struct vcpu *vcpu, uint64_t type, bool check_arg,
		    uint64_t arg, const char *file, int line)
{
	char desc[1024];
	struct ucall uc;
	uint64_t got = get_ucall(vcpu, &uc);

	if (got == UCALL_NONE) {
		vcpu_describe_exit(vcpu, desc, sizeof(desc));
		test_assert_fail(file, line, "ucall", 0,
				 "vCPU %u: expected ucall %s, got %s", vcpu->id,
				 ucall_type_name(type), desc);
	}
	if (got != type) {
		ucall_describe(vcpu->vm, &uc, desc, sizeof(desc));
		test_assert_fail(file, line, "ucall", 0,
				 "vCPU %u: expected ucall %s, got %s",
				 vcpu->id, ucall_type_name(type), desc);
	}
	if (check_arg && (uc.nargs < 1 || uc.args[0] != arg)) {
		ucall_describe(vcpu->vm, &uc, desc, sizeof(desc));
		test_assert_fail(file, line, "ucall", 0,
				 "vCPU %u: expected GUEST_SYNC(%llu = %#llx), "
				 "got %s", vcpu->id, (unsigned long long)arg,
				 (unsigned long long)arg, desc);
	}
}
