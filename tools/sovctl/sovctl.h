/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOVCTL_H
#define SOVCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "../../lib/nl/nl.h"
#include "../../uapi/linux/sovereign.h"

/* Exit codes, as documented in sovctl(8) */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct sovctl_opts {
	bool json;
	bool pretty;
	bool verbose;
	const char *ctl_path;	/* daemon socket, SOV_CTL_PATH unless -s */
	const char *bpf_dir;	/* pinned BPF objects */
};

extern struct sovctl_opts sovctl;

int sovctl_main(int argc, char **argv);

/* One entry point per object; argv[0] is the command (may be absent). */
int do_module(int argc, char **argv);
int do_memcompress(int argc, char **argv);
int do_classes(int argc, char **argv);
int do_profile(int argc, char **argv);
int do_daemon(int argc, char **argv);
int do_status(int argc, char **argv);
int do_lb(int argc, char **argv);
int do_raft(int argc, char **argv);
int do_trace(int argc, char **argv);
int do_netio(int argc, char **argv);

/* Shared helpers (cli.c) */
bool matches(const char *arg, const char *word);
/*
 * Take -j/--json and -p/--pretty out of a subcommand's arguments (they may
 * follow it too); returns how many arguments are left, in order.
 */
int take_output_options(int argc, char **argv);
/* A whole u32 in @base (0: C prefixes); no sign, nothing after it. */
int parse_u32(const char *s, int base, uint32_t *v);
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int op_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Errors from peers (errors.c): print one clear line, return EXIT_FAIL. */
int report_nl_error(const char *what, const struct sov_nl_err *e,
		    const char *const *attr_names, unsigned int nattrs);
const char *module_not_loaded_msg(void);

/* Connections (conn.c). Return 0, or print why and return EXIT_FAIL. */
int module_open(struct sov_genl *g, bool quiet_if_absent, bool *absent);
int daemon_open(struct sov_ctl *c, bool quiet_if_absent, bool *absent);
/* The same with another socket than -s (sovctl trace --from). */
int daemon_open_at(struct sov_ctl *c, const char *path, bool quiet_if_absent, bool *absent);

/*
 * Every request sovctl sends to sovereignd goes through daemon_transact()
 * (conn.c), which adds the trace context of --trace/--traceparent: the
 * verbs call sov_ctl_transact() as usual and reach it through this macro,
 * so none of them has to know. Requests to the module (sov_genl_*) never
 * carry it.
 */
int daemon_transact(struct sov_ctl *c, struct nlmsghdr *req, sov_nl_cb cb,
		    void *data, struct sov_nl_err *err);
#define sov_ctl_transact daemon_transact

/* --trace / --traceparent (conn.c). EXIT_OK, or print why and EXIT_USAGE. */
void daemon_trace_reset(void);
int daemon_trace_new(void);
int daemon_trace_join(const char *traceparent);
/* After the command: "trace: <id>" on stderr if --trace reached sovereignd. */
void daemon_trace_report(void);

/* Queries shared by "status" and the per-object commands. */
struct module_info {
	char version[32];
	char release[65];
	uint64_t uptime_ns;
	uint32_t log_level;
	unsigned int nsubsys;
	struct {
		uint32_t id;
		char name[32];
		bool compiled, enabled;
	} subsys[__SOV_SUBSYS_CNT + 4];
};

int module_query(struct sov_genl *g, struct module_info *mi,
		 struct sov_nl_err *err);
/* Text continuation lines start with @indent. */
void module_print(const struct module_info *mi, const char *indent);

struct daemon_info {
	char version[32];
	uint32_t pid;
	uint64_t uptime_ns;
	uint8_t module_state;
	uint64_t module_events;
	uint32_t module_changes;
	uint64_t requests;
	uint32_t log_level;
	char bpf_pin_path[256];
	uint32_t bpf_progs;
};

int daemon_query(struct sov_ctl *c, struct daemon_info *di,
		 struct sov_nl_err *err);
void daemon_print(const struct daemon_info *di, const char *indent);

const char *log_level_name(uint32_t level);
int log_level_parse(const char *s, uint32_t *level);

#endif
