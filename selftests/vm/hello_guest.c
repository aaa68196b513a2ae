// SPDX-License-Identifier: GPL-2.0
/*
 * The demo of tools/demo: a guest written in plain C prints a greeting
 * through port 0xE9 (one I/O exit per character, as Bochs' and QEMU's
 * debug ports do) and halts; the host prints what it wrote and the exit
 * counts the module kept. Exits 0 only if all of that happened.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/vm_util.h"
#include "../lib/x86.h"

#define DEBUG_PORT	0xe9

static const char greeting[] = "Hello from a guest running on altp2m!\n";

static void guest_main(void)
{
	const char *p;

	for (p = greeting; *p; p++)
		outb(DEBUG_PORT, *p);
	asm volatile("hlt");
}

int main(void)
{
	struct altp2m_vcpu_stats st;
	char out[128];
	size_t n = 0;
	struct vcpu *vcpu;
	struct vm *vm;

	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_main);
	printf("VM %u created, vCPU 0 starts in 64-bit mode at %p\n", vm->id,
	       (void *)guest_main);
	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == ALTP2M_EXIT_HLT)
			break;
		if (vcpu->run->exit_reason != ALTP2M_EXIT_IO ||
		    vcpu->run->io.port != DEBUG_PORT || n + 1 >= sizeof(out)) {
			fprintf(stderr, "unexpected exit %s\n",
				exit_reason_str(vcpu->run->exit_reason));
			return 1;
		}
		out[n++] = *(char *)vcpu_io_data(vcpu);
	}
	out[n] = '\0';
	printf("guest wrote to port 0x%x: %s", DEBUG_PORT, out);
	vcpu_stats(vcpu, &st);
	printf("guest halted; exits to userspace: io %llu, hlt %llu; VM exits in all: %llu\n",
	       (unsigned long long)st.exits[ALTP2M_EXIT_IO],
	       (unsigned long long)st.exits[ALTP2M_EXIT_HLT],
	       (unsigned long long)st.hw_exits);
	vm_free(vm);
	return strcmp(out, greeting) ? 1 : 0;
}
