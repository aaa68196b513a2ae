/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the benchmarks' threads run. With two CPUs or more, the vCPU's
 * thread gets CPU 0 and the daemon (thread or process) CPU 1: "a daemon
 * with a CPU of its own" is then what the figures measure, rather than
 * wherever the scheduler's wake-up placement put the two that run (it
 * sometimes puts a daemon thread on the vCPU's CPU, where the vCPU's poll
 * gives way to it at once). With one CPU there is nothing to choose.
 */
#ifndef ALTP2M_BENCH_PIN_H
#define ALTP2M_BENCH_PIN_H

#include <stdio.h>
#include <unistd.h>

#include "../selftests/lib/test_util.h"

#define BENCH_CPU_VCPU		0
#define BENCH_CPU_DAEMON	1

/* Pin the calling thread to @cpu where there are two CPUs or more. */
static inline void bench_pin(int cpu)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2 && !pin_to_cpu(cpu))
		fprintf(stderr, "sched_setaffinity(%d): %m\n", cpu);
}

#endif /* ALTP2M_BENCH_PIN_H */
