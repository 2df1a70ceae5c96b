"""The C allocator, set for a show that runs for hours (glibc Linux only; elsewhere nothing).

Why: a headless show against the stand-in grew its resident memory by about 0.4 MB a minute
while Python's objects barely grew (gc counts flat, tracemalloc under 0.1 MB a minute) and
glibc's in-use bytes (``mallinfo2``) stayed flat: what grew was free space in its main heap.
glibc starts by giving blocks of 128 KiB and more their own mapping, returned to the system
when freed, but each time such a block is freed it raises that threshold to the block's size
(up to 32 MiB) and the heap's trim threshold to twice that. After that, the large short-lived
buffers a show allocates over and over (which ones was not pinned down; a show with no
mappings grew as much as a busy one) come from the heap, where they leave holes the next,
slightly larger request cannot use, and the top of the heap is no longer given back.
Setting the threshold explicitly switches that adjustment off (glibc's documented rule for
``M_MMAP_THRESHOLD``), so large blocks keep going back to the system as they are freed.
``./scripts/bench soak 600``, two runs each in one session: 0.36 and 0.32 MB/min before,
0.096 and 0.095 after; glibc's heap then stays flat (what still grows, about 0.1 MB a
minute, is Python's own small-object arenas).

``tune_allocator()`` is called once when ``scope-bridge run`` starts, headless or with the
console. It changes no Python behaviour; a large block costs a map and an unmap instead of
heap bookkeeping.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

M_MMAP_THRESHOLD = -3
"""``mallopt`` parameter number, from glibc's ``malloc.h``."""

MMAP_THRESHOLD = 128 * 1024
"""glibc's own starting value, kept fixed: blocks this large or larger get their own mapping."""


def _glibc() -> ctypes.CDLL | None:
    """The C library, when it is glibc (musl and other systems have no ``mallopt``)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def tune_allocator() -> bool:
    """Fix glibc's mmap threshold (see the module docstring); True when it was set."""
    libc = _glibc()
    if libc is None:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
