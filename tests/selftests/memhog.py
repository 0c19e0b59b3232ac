#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Memory hog for tests/selftests/memcompress.sh.

  memhog.py MIB [--hold FILE]

Fills MIB MiB of anonymous memory with a known mix of pages (one in eight
filled with one repeated byte, one in eight random, the rest text), keeps a
CRC-32 of every page, then reads every page back and checks it. Run it in a
cgroup whose memory.max is below MIB: the pages go to swap and come back.
With --hold, it then creates FILE and waits (holding its memory, so its
pages stay on swap) until FILE is removed. Exit 0 when every page matched.
"""
import array
import mmap
import os
import sys
import time
import zlib

PAGE = 4096


def page_of(i, rnd):
    kind = i % 8
    if kind == 0:
        return bytes([(i // 8) % 251 + 1]) * PAGE
    if kind == 1:
        off = (i * 4099) % (len(rnd) - PAGE)
        return rnd[off:off + PAGE]
    line = b"memcompress selftest page %010d kind %d: the quick brown fox\n" % (i, kind)
    return (line * (PAGE // len(line) + 1))[:PAGE]


def vm_swap_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSwap:"):
                return int(line.split()[1])
    return -1


def main():
    mib = int(sys.argv[1])
    hold = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--hold" else None
    n = mib * 256
    rnd = os.urandom(64 * PAGE)
    # private anonymous memory, page aligned (a bytearray's data is not):
    # the kernel's pages are then exactly ours
    buf = mmap.mmap(-1, n * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    mv = memoryview(buf)
    crcs = array.array("I", bytes(4 * n))
    t0 = time.monotonic()
    for i in range(n):
        page = page_of(i, rnd)
        mv[i * PAGE:(i + 1) * PAGE] = page
        crcs[i] = zlib.crc32(page)
    swapped = vm_swap_kb()
    t1 = time.monotonic()
    bad = [i for i in range(n) if zlib.crc32(mv[i * PAGE:(i + 1) * PAGE]) != crcs[i]]
    t2 = time.monotonic()
    print("memhog: %d MiB, %d pages written in %.1fs, VmSwap %d kB after writing; "
          "verified in %.1fs: %d bad pages" % (mib, n, t1 - t0, swapped, t2 - t1, len(bad)))
    if bad:
        i = bad[0]
        got = bytes(mv[i * PAGE:i * PAGE + 32])
        print("memhog: first bad page %d starts %r, expected %r" %
              (i, got, page_of(i, rnd)[:32]))
    sys.stdout.flush()
    if hold:
        open(hold, "w").close()
        while os.path.exists(hold):
            time.sleep(0.2)
    mv.release()
    buf.close()
    return 1 if bad or swapped <= 0 else 0


if __name__ == "__main__":
    sys.exit(main())
