#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""memhog.py MIB: fill MIB MiB page by page, then check every page.

Pages are half random, half zeros (about 2:1 compressible), each stamped
with its index, so a page swapped back wrong, or another page's, fails.
Run in a cgroup whose memory.max is below MIB, it swaps. Exit 1 on the
first wrong page.
"""
import random
import struct
import sys

PAGE = 4096


def main():
    mib = int(sys.argv[1])
    n = mib * 1024 * 1024 // PAGE
    rng = random.Random(1)
    templates = [rng.randbytes(PAGE // 2) + bytes(PAGE // 2) for _ in range(256)]
    buf = bytearray(n * PAGE)
    for i in range(n):
        off = i * PAGE
        buf[off:off + PAGE] = templates[i % 256]
        struct.pack_into("<Q", buf, off, i)
    for i in range(n):
        off = i * PAGE
        want = bytearray(templates[i % 256])
        struct.pack_into("<Q", want, 0, i)
        if buf[off:off + PAGE] != want:
            print(f"memhog: page {i} of {n} is wrong", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
