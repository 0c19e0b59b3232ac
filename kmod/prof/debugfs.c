// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/sovereign/profile.folded: the profile's stacks as
 * folded lines with no userspace at all (kernel frames by %ps, user frames
 * as addresses), one line per stack and CPU, for `cat | flamegraph.pl` on
 * a box that has nothing else. The weight column is the kind's weight.
 */
#include <linux/debugfs.h>
#include <linux/kallsyms.h>
#include <linux/seq_file.h>
#include <linux/mm.h>

#include "prof.h"

#define SOV_FOLD_LINE	(SOV_STACK_FRAMES * (KSYM_SYMBOL_LEN + 8) + 64)

static struct dentry *sov_prof_dir;

static int sov_prof_sym(char *buf, size_t len, u64 addr, bool kernel)
{
	if (kernel)
		return snprintf(buf, len, "%ps", (void *)(unsigned long)addr);
	return snprintf(buf, len, "0x%llx", addr);
}

static int sov_prof_folded_show(struct seq_file *m, void *v)
{
	struct sov_prof *p = &sov_prof;
	int kind, cpu;
	char *line;
	u32 slot;

	line = kvmalloc(SOV_FOLD_LINE, GFP_KERNEL);
	if (!line)
		return -ENOMEM;
	mutex_lock(&p->lock);
	for (kind = 0; p->pcpu && kind < __SOV_PROF_KIND_CNT; kind++) {
		seq_printf(m, "# kind %s\n", kind == SOV_PROF_KIND_CPU ? "cpu" :
			   kind == SOV_PROF_KIND_MEM ? "mem" : "lock");
		for_each_possible_cpu(cpu) {
			struct sov_stackmap *sm = &per_cpu_ptr(p->pcpu, cpu)->maps[kind];

			for (slot = 0; slot < sov_stackmap_nslots(sm); slot++) {
				const struct sov_stack_entry *e = sov_stackmap_slot(sm, slot);

				if (!e)
					continue;
				sov_stack_fold(line, SOV_FOLD_LINE, e,
					       READ_ONCE(e->weight), sov_prof_sym);
				seq_puts(m, line);
			}
		}
	}
	mutex_unlock(&p->lock);
	kvfree(line);
	return 0;
}

static int sov_prof_folded_open(struct inode *inode, struct file *file)
{
	/* the whole view in one buffer, sized for a full table of short stacks */
	return single_open_size(file, sov_prof_folded_show, NULL, 1 << 20);
}

static const struct file_operations sov_prof_folded_fops = {
	.owner		= THIS_MODULE,
	.open		= sov_prof_folded_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* debugfs is optional: failures are ignored, as its API wants. */
void sov_prof_debugfs_init(void)
{
	sov_prof_dir = debugfs_create_dir("sovereign", NULL);
	debugfs_create_file("profile.folded", 0400, sov_prof_dir, NULL,
			    &sov_prof_folded_fops);
}

void sov_prof_debugfs_exit(void)
{
	debugfs_remove(sov_prof_dir);
	sov_prof_dir = NULL;
}
