// SPDX-License-Identifier: GPL-2.0
/*
 * The guest of monitor_cli_test.sh: altp2mctl's introspection commands
 * need a VM that runs while they attach. Its one vCPU loops forever: a
 * request to its monitor (RBX = the marker's address, RCX = the loop
 * count), a write of CR3 with its own value, and a count in guest memory.
 * Without a monitor the module answers the request itself (-ENOSYS) and
 * the write needs no exit to the VMM, so ALTP2M_RUN returns only on a
 * signal. The host prints the VM id and the addresses (gva == gpa on the
 * selftests' identity page tables), then runs the vCPU until SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/monitor_util.h"
#include "../lib/vm_util.h"
#include "../lib/x86.h"

static char marker[64] = "altp2m monitor CLI marker";
static volatile uint64_t loops;
static volatile sig_atomic_t stop;

static void guest_main(void)
{
	uint64_t cr3;
	int i;

	for (;;) {
		guest_monitor_request((uint64_t)marker, loops, 0, 0);
		asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) :: "memory");
		loops++;
		for (i = 0; i < 100; i++)
			asm volatile("pause");
	}
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	struct sigaction sa;
	struct vcpu *vcpu;
	struct vm *vm;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_main);
	printf("vm %u marker 0x%llx loops 0x%llx\n", vm->id,
	       (unsigned long long)(uintptr_t)marker,
	       (unsigned long long)(uintptr_t)&loops);
	fflush(stdout);
	while (!stop) {
		ret = ioctl(vcpu->fd, ALTP2M_RUN, 0);
		if (ret < 0 && errno == EINTR)
			continue;
		fprintf(stderr, "monitor_cli_guest: RUN returned %d (%s), exit %s\n",
			ret, ret < 0 ? strerror(errno) : "ok",
			exit_reason_str(vcpu->run->exit_reason));
		return 1;
	}
	vm_free(vm);
	return 0;
}
