// SPDX-License-Identifier: GPL-2.0
/* sovctl: the Sovereign command line. */
#include "sovctl.h"

int main(int argc, char **argv)
{
	return sovctl_main(argc, argv);
}
