/* SPDX-License-Identifier: GPL-2.0 */
/* Where the unit tests' data files are (tests/unit/data/). */
#ifndef SOV_TEST_DATA_H
#define SOV_TEST_DATA_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/*
 * The data files sit beside this source file: relative to the repository
 * root (where make builds and run.sh runs), else found from the binary's
 * place, BUILD/tests/unit/.
 */
static inline char *data_path(const char *name)
{
	const char *src = __FILE__, *slash = strrchr(src, '/');
	char exe[PATH_MAX], *p, *cut;
	ssize_t len;
	int i;

	assert_true(asprintf(&p, "%.*sdata/%s", slash ? (int)(slash - src + 1) : 0,
			     src, name) > 0);
	if (!access(p, R_OK) || src[0] == '/')
		return p;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return p;
	exe[len] = '\0';
	for (i = 0; i < 4 && (cut = strrchr(exe, '/')); i++)
		*cut = '\0';
	free(p);
	assert_true(asprintf(&p, "%s/%.*sdata/%s", exe,
			     slash ? (int)(slash - src + 1) : 0, src, name) > 0);
	return p;
}

#endif /* SOV_TEST_DATA_H */
