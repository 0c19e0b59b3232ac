/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' way to run sovctl in-process: sovctl_main() with the
 * arguments given, stdout and stderr captured in out[] and err[].
 */
#ifndef SOV_TEST_SOVCTL_RUN_H
#define SOV_TEST_SOVCTL_RUN_H

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "../../tools/sovctl/sovctl.h"

static char out[16384], err[4096];

/* Run sovctl with @first and what follows, up to a NULL; its exit status. */
static int run(const char *first, ...)
{
	char *argv[24] = { "sovctl" };
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc = 1, ret, so, se;
	const char *a;
	va_list ap;
	size_t n;

	va_start(ap, first);
	for (a = first; a && argc < 23; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	ret = sovctl_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);

	rewind(fo);
	n = fread(out, 1, sizeof(out) - 1, fo);
	out[n] = '\0';
	rewind(fe);
	n = fread(err, 1, sizeof(err) - 1, fe);
	err[n] = '\0';
	fclose(fo);
	fclose(fe);
	return ret;
}

#endif
