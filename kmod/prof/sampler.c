// SPDX-License-Identifier: GPL-2.0
/*
 * CPU sampling: one cpu-clock perf event per sampled CPU (software: there is
 * no PMU under QEMU). Its overflow handler runs in hard interrupt context on
 * that CPU and only touches that CPU's table and counters.
 */
#include <linux/cpu.h>
#include <linux/perf_event.h>
#include <linux/timex.h>

#include "prof.h"

static void sov_prof_overflow(struct perf_event *event,
			      struct perf_sample_data *data,
			      struct pt_regs *regs)
{
	struct sov_prof_pcpu *pc = this_cpu_ptr(sov_prof.pcpu);
	struct sov_stack_key *k = &pc->key[SOV_PROF_KIND_CPU];
	u32 stacks = sov_prof.cfg.stacks;
	cycles_t t0 = get_cycles();

	if (!pc->online)
		return;
	if (!sov_prof_in_scope(current)) {
		pc->skipped++;
		goto out;
	}
	pc->samples++;
	sov_prof_fill_task(k);
	k->tag = 0;
	if ((stacks & SOV_PROF_STACK_KERNEL) && !user_mode(regs))
		sov_prof_kernel_stack(k, instruction_pointer(regs));
	if (stacks & SOV_PROF_STACK_USER)
		sov_prof_user_stack(k, regs, pc);
	sov_stackmap_add(&pc->maps[SOV_PROF_KIND_CPU], k, 1, 1);
out:
	pc->handler_cycles += get_cycles() - t0;
}

int sov_prof_sampler_start(struct sov_prof *p)
{
	struct perf_event_attr attr = {
		.type		= PERF_TYPE_SOFTWARE,
		.config		= PERF_COUNT_SW_CPU_CLOCK,
		.size		= sizeof(attr),
		.sample_period	= p->period_ns,
		.pinned		= 1,
	};
	struct perf_event *ev;
	int cpu, err = 0;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct sov_prof_pcpu *pc = per_cpu_ptr(p->pcpu, cpu);

		if (!pc->online)
			continue;
		ev = perf_event_create_kernel_counter(&attr, cpu, NULL,
						      sov_prof_overflow, NULL);
		if (IS_ERR(ev)) {
			err = PTR_ERR(ev);
			sov_err("profile: cpu-clock event on cpu %d: %d\n", cpu, err);
			break;
		}
		pc->event = ev;
	}
	cpus_read_unlock();
	if (err)
		sov_prof_sampler_stop(p);
	return err;
}

/*
 * Releasing an event removes it from its CPU synchronously: no handler
 * runs for it afterwards, so the tables can be read or freed.
 */
void sov_prof_sampler_stop(struct sov_prof *p)
{
	int cpu;

	if (!p->pcpu)
		return;
	for_each_possible_cpu(cpu) {
		struct sov_prof_pcpu *pc = per_cpu_ptr(p->pcpu, cpu);

		if (pc->event) {
			perf_event_release_kernel(pc->event);
			pc->event = NULL;
		}
	}
}

int sov_prof_sampler_set_period(struct sov_prof *p, u64 period_ns)
{
	int cpu, err;

	for_each_possible_cpu(cpu) {
		struct sov_prof_pcpu *pc = per_cpu_ptr(p->pcpu, cpu);

		if (!pc->event)
			continue;
		err = perf_event_period(pc->event, period_ns);
		if (err)
			return err;
	}
	return 0;
}
