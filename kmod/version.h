/* SPDX-License-Identifier: GPL-2.0 */
/* The product version, shared by sovereign.ko and the userspace tools. */
#ifndef _SOV_VERSION_H
#define _SOV_VERSION_H

#define SOV_VERSION "0.1.0"

#endif
