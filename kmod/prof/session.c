// SPDX-License-Identifier: GPL-2.0
/*
 * The profiling session: start and stop, the scope, the stacks a sample or
 * event records, and a once-a-second tick that measures the handler's
 * overhead and steers the adaptive rate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cpu.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/sizes.h>
#include <linux/stacktrace.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "prof.h"

struct sov_prof sov_prof;

u64 sov_prof_now(void)
{
	return ktime_get_boottime_ns();
}

bool sov_prof_in_scope(struct task_struct *t)
{
	const struct sov_prof_cfg *c = &sov_prof.cfg;
	bool ok = true;

	if (c->cpu >= 0 && raw_smp_processor_id() != c->cpu)
		return false;
	if (c->pid && t->pid != c->pid)
		return false;
	if (c->tgid && t->tgid != c->tgid)
		return false;
	if (sov_prof.cgrp) {
		rcu_read_lock();
		ok = cgroup_is_descendant(task_dfl_cgroup(t), sov_prof.cgrp);
		rcu_read_unlock();
	}
	return ok;
}

void sov_prof_fill_task(struct sov_stack_key *k)
{
	struct task_struct *t = current;

	k->pid = t->pid;
	k->tgid = (t->flags & PF_KTHREAD) || !t->pid ? 0 : t->tgid;
	/* a racing prctl(PR_SET_NAME) may tear the name, never overrun it */
	memcpy(k->comm, t->comm, sizeof(k->comm));
	k->comm[sizeof(k->comm) - 1] = '\0';
	k->nk = 0;
	k->nu = 0;
}

/*
 * Kernel frames, innermost first. From an interrupt, the unwinder walks the
 * handler's own frames first: keep what starts at @from_ip (the interrupted
 * instruction). From a probe (@from_ip 0), drop our own frames and the
 * tracepoint's iterator (@iter, NULL if none).
 */
void sov_prof_kernel_stack(struct sov_stack_key *k, unsigned long from_ip)
{
	unsigned long buf[SOV_PROF_KSTACK_MAX + 24];
	unsigned int n, i = 0, j;

	n = stack_trace_save(buf, ARRAY_SIZE(buf), 0);
	if (from_ip) {
		while (i < n && buf[i] != from_ip)
			i++;
		if (i == n)	/* not found: keep the whole walk */
			i = 0;
	}
	while (i < n && within_module(buf[i], THIS_MODULE))
		i++;
	for (j = 0; i < n && j < SOV_PROF_KSTACK_MAX; i++, j++)
		k->ips[j] = buf[i];
	k->nk = j;
}

/*
 * User frames by frame pointers: [fp] holds the caller's fp, [fp + 8] the
 * return address. Code built without frame pointers leaves rbp holding
 * anything: the checks below (aligned, above sp, within 8 MiB, growing, a
 * user return address) stop the walk, and such a stack keeps only its first
 * frame(s). The first frame is read with copy_from_user_nofault(), which
 * also refuses while user memory is not current's (mid switch_mm()); the
 * others with two __get_user() each under pagefault_disable(), as perf's own
 * walker does: much cheaper than a copy_from_user_nofault() call per frame.
 */
void sov_prof_user_stack(struct sov_stack_key *k, struct pt_regs *regs,
			 struct sov_prof_pcpu *pc)
{
	unsigned long fp, sp, next, ret, first[2];
	struct pt_regs *u;
	u64 *ips = k->ips + k->nk;
	u16 nu = 0;

	if (!current->mm || (current->flags & PF_KTHREAD))
		return;
	u = regs && user_mode(regs) ? regs : task_pt_regs(current);
	if (!user_64bit_mode(u))
		return;
	ips[nu++] = u->ip;
	sp = u->sp;
	fp = u->bp;
	pagefault_disable();
	while (nu < SOV_PROF_USTACK_MAX && fp) {
		const unsigned long __user *frame = (const unsigned long __user *)fp;
		int err;

		if ((fp & 7) || fp < sp || fp - sp > SZ_8M ||
		    fp > TASK_SIZE_MAX - sizeof(first))
			break;
		if (nu == 1) {
			err = copy_from_user_nofault(first, frame, sizeof(first));
			next = first[0];
			ret = first[1];
		} else {
			err = __get_user(next, frame) || __get_user(ret, frame + 1);
		}
		if (err) {
			pc->ustack_faults++;
			break;
		}
		/* not a return address: rbp was not a frame pointer here */
		if (ret < PAGE_SIZE || ret >= TASK_SIZE_MAX)
			break;
		ips[nu++] = ret;
		if (next <= fp)
			break;
		sp = fp;
		fp = next;
	}
	pagefault_enable();
	k->nu = nu;
}

static void sov_prof_free_tables(struct sov_prof *p)
{
	int cpu, kind;

	if (!p->pcpu)
		return;
	for_each_possible_cpu(cpu) {
		struct sov_prof_pcpu *pc = per_cpu_ptr(p->pcpu, cpu);

		for (kind = 0; kind < __SOV_PROF_KIND_CNT; kind++)
			sov_stackmap_free(&pc->maps[kind]);
	}
	free_percpu(p->pcpu);
	p->pcpu = NULL;
	sov_prof_kmem_free(p);
	sov_prof_locks_free(p);
	sov_prof_rss_free(p);
}

static int sov_prof_alloc_tables(struct sov_prof *p)
{
	int cpu, kind, err;

	p->pcpu = alloc_percpu(struct sov_prof_pcpu);
	if (!p->pcpu)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct sov_prof_pcpu *pc = per_cpu_ptr(p->pcpu, cpu);

		if (p->cfg.cpu >= 0 && cpu != p->cfg.cpu)
			continue;
		for (kind = 0; kind < __SOV_PROF_KIND_CNT; kind++) {
			if (!(p->cfg.kinds & BIT(kind)))
				continue;
			err = sov_stackmap_init(&pc->maps[kind], p->cfg.max_stacks);
			if (err)
				return err;
		}
		pc->online = true;
	}
	return 0;
}

static u64 sov_prof_handler_ns(struct sov_prof *p)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(p->pcpu, cpu)->handler_cycles);
	return tsc_khz ? div_u64(sum * 1000, tsc_khz) * 1000 : 0;
}

static unsigned int sov_prof_sampled_cpus(struct sov_prof *p)
{
	return p->cfg.cpu >= 0 ? 1 : num_online_cpus();
}

/*
 * Adaptive mode: above the target, stretch the period by the overshoot (and
 * 10 % more); under half the target, halve it again, never below the
 * configured one (the rate ceiling). The rate is capped at 1 Hz.
 */
static u64 sov_prof_adapt(u64 period, u64 floor_ns, u32 overhead, u32 target)
{
	if (overhead > target) {
		period = div_u64(period * overhead * 11, (u64)target * 10);
		return min_t(u64, period, NSEC_PER_SEC);
	}
	if (overhead < target / 2 && period > floor_ns)
		return max_t(u64, period / 2, floor_ns);
	return period;
}

static void sov_prof_tick(struct work_struct *w)
{
	struct sov_prof *p = container_of(to_delayed_work(w), struct sov_prof,
					  tick);
	u64 now, busy, span, period;

	mutex_lock(&p->lock);
	if (p->state != SOV_PROF_STATE_RUNNING)
		goto out;
	now = sov_prof_now();
	busy = sov_prof_handler_ns(p);
	span = (now - p->last_tick_ns) * sov_prof_sampled_cpus(p);
	if (span)
		p->overhead_x100 = div64_u64((busy - p->last_handler_ns) * 10000,
					     span);
	p->last_tick_ns = now;
	p->last_handler_ns = busy;

	if (p->cfg.mode == SOV_PROF_MODE_ADAPTIVE &&
	    (p->cfg.kinds & BIT(SOV_PROF_KIND_CPU))) {
		period = sov_prof_adapt(p->period_ns, p->cfg.period_ns,
					p->overhead_x100, p->cfg.adaptive_x100);
		if (period != p->period_ns &&
		    !sov_prof_sampler_set_period(p, period))
			p->period_ns = period;
	}
	schedule_delayed_work(&p->tick, HZ);
out:
	mutex_unlock(&p->lock);
}

/* Stops whatever runs; the caller holds p->lock. */
static void sov_prof_halt(struct sov_prof *p)
{
	sov_prof_sampler_stop(p);
	sov_prof_kmem_stop(p);
	sov_prof_locks_stop(p);
	sov_prof_rss_stop(p);
	if (p->cgrp) {
		cgroup_put(p->cgrp);
		p->cgrp = NULL;
	}
}

int sov_prof_start(const struct sov_prof_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct sov_prof *p = &sov_prof;
	struct cgroup *cgrp = NULL;
	struct task_struct *t;
	int err = 0;

	mutex_lock(&p->lock);
	if (p->state == SOV_PROF_STATE_RUNNING) {
		NL_SET_ERR_MSG(extack, "a profile is already running; stop it first");
		err = -EBUSY;
		goto out;
	}
	/* check everything before the last profile's data is dropped */
	if (cfg->pid || cfg->tgid) {
		rcu_read_lock();
		t = pid_task(find_pid_ns(cfg->pid ?: cfg->tgid, &init_pid_ns), PIDTYPE_PID);
		if (t && cfg->tgid && t->tgid != cfg->tgid)
			t = NULL;	/* a thread id, not a process */
		rcu_read_unlock();
		if (!t) {
			if (cfg->pid)
				NL_SET_ERR_MSG(extack, "pid: no such thread");
			else
				NL_SET_ERR_MSG(extack, "tgid: no such process");
			err = -ESRCH;
			goto out;
		}
	}
	if (cfg->cpu >= 0 && !cpu_online(cfg->cpu)) {
		NL_SET_ERR_MSG(extack, "cpu: not online");
		err = -ENODEV;
		goto out;
	}
	if (cfg->cgroup_id) {
		cgrp = cgroup_get_from_id(cfg->cgroup_id);
		if (IS_ERR(cgrp)) {
			NL_SET_ERR_MSG(extack, "cgroup id: no such cgroup (v2)");
			err = -ENOENT;
			goto out;
		}
	}

	sov_prof_free_tables(p);
	p->state = SOV_PROF_STATE_IDLE;
	p->cfg = *cfg;
	p->cgrp = cgrp;
	p->gen++;
	p->overhead_x100 = 0;

	cpus_read_lock();
	err = sov_prof_alloc_tables(p);
	cpus_read_unlock();
	if (err) {
		NL_SET_ERR_MSG(extack, "no memory for the stack tables; lower max-stacks");
		goto err_halt;
	}

	p->start_ns = sov_prof_now();
	p->stop_ns = 0;
	p->period_ns = cfg->period_ns;
	p->last_tick_ns = sov_prof_now();
	p->last_handler_ns = 0;

	/* the tables are ready: now let events in */
	if (cfg->kinds & BIT(SOV_PROF_KIND_MEM)) {
		err = sov_prof_kmem_start(p);
		if (!err)
			err = sov_prof_rss_start(p);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot attach to the kmem tracepoints");
			goto err_halt;
		}
	}
	if (cfg->kinds & BIT(SOV_PROF_KIND_LOCK)) {
		err = sov_prof_locks_start(p);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot attach to the lock contention tracepoints");
			goto err_halt;
		}
	}
	if (cfg->kinds & BIT(SOV_PROF_KIND_CPU)) {
		err = sov_prof_sampler_start(p);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot create the cpu-clock perf events");
			goto err_halt;
		}
	}
	p->state = SOV_PROF_STATE_RUNNING;
	schedule_delayed_work(&p->tick, HZ);
	sov_info("profile started: kinds %#x, period %llu ns\n", cfg->kinds,
		 cfg->period_ns);
	goto out;

err_halt:
	sov_prof_halt(p);
	sov_prof_free_tables(p);
	p->state = SOV_PROF_STATE_IDLE;
out:
	mutex_unlock(&p->lock);
	return err;
}

int sov_prof_stop(void)
{
	struct sov_prof *p = &sov_prof;

	mutex_lock(&p->lock);
	if (p->state != SOV_PROF_STATE_RUNNING) {
		mutex_unlock(&p->lock);
		return -EALREADY;
	}
	sov_prof_halt(p);
	p->state = SOV_PROF_STATE_STOPPED;
	p->stop_ns = sov_prof_now();
	mutex_unlock(&p->lock);
	/* the tick takes the lock: cancel it outside */
	cancel_delayed_work_sync(&p->tick);
	sov_info("profile stopped\n");
	return 0;
}

int sov_prof_init(void)
{
	mutex_init(&sov_prof.lock);
	INIT_DELAYED_WORK(&sov_prof.tick, sov_prof_tick);
	sov_prof.state = SOV_PROF_STATE_IDLE;
	sov_prof_debugfs_init();
	return 0;
}

/* Unload stops a running profile: no event, probe or work survives us. */
void sov_prof_exit(void)
{
	sov_prof_debugfs_exit();
	sov_prof_stop();
	cancel_delayed_work_sync(&sov_prof.tick);
	mutex_lock(&sov_prof.lock);
	sov_prof_free_tables(&sov_prof);
	mutex_unlock(&sov_prof.lock);
	mutex_destroy(&sov_prof.lock);
}
