"""Memory for a show that runs for hours: the C allocator (glibc) and Python's cycle collector.

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

The rest was garbage in reference cycles (HTTP requests to Scope leave some: requests,
responses, their streams and closures, about five objects a second at the oldest level) that
had lived long enough to reach the oldest generation. CPython collects that generation only
once the objects promoted into it since the last full collection reach a quarter of those
already there; the imports alone put over 70,000 there, so this garbage can wait an hour
or more, and a full collection then walks everything (17 ms here: too long to run on the event
loop every minute). ``settle_heap()``, called once the modules are imported and the show is
built, collects and then freezes what exists (``gc.freeze``: the collector never walks those
objects again), then collects once more so that the oldest generation starts empty. From
then on a full collection comes as soon as the garbage is a quarter of what the running show
keeps, and each is cheap. Frozen objects are still freed by reference counting; only cycles
among them would stay (a show replaced by a hot reload, say): a one-off, not a growth.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
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


def settle_heap() -> None:
    """Collect, freeze what is alive, and collect again (see the module docstring): call once,
    after the imports and before the show runs."""
    gc.collect()
    gc.freeze()
    gc.collect()
