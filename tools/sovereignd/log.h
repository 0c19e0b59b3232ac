/* SPDX-License-Identifier: GPL-2.0 */
/* Leveled logging for sovereignd (syslog level numbers). */
#ifndef SOVD_LOG_H
#define SOVD_LOG_H

#include <syslog.h>

extern int sovd_log_level;

void sovd_log_init(void);
void sovd_log_to_syslog(void);
int sovd_log_level_parse(const char *s);
void sovd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)	sovd_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	sovd_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	sovd_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	sovd_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	sovd_log(LOG_DEBUG, __VA_ARGS__)

#endif
