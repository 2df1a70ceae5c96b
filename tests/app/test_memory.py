"""What keeps a long show's memory flat (`bridge.memory`): glibc's mmap threshold, and cycles
collected soon after they reach the oldest generation.

Both are per-process state, so each case runs in a fresh interpreter. The allocator: free a
4 MiB block (which, left alone, makes glibc raise its mmap threshold to 4 MiB), then ask for
512 KiB and count the blocks that have their own mapping (``mallinfo2().hblks``). The
collector: a program with many long-lived objects lets 3,000 cycles die in the oldest
generation, then does ordinary work; count the cycles freed without an explicit collection.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import subprocess
import sys
import textwrap
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from bridge import cli, memory, runtime

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="mallopt and mallinfo2 are glibc's",
)

PROBE = textwrap.dedent(
    """
    import ctypes, sys
    from bridge.memory import tune_allocator

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
        ).split()]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = Info
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    if sys.argv[1] == "tuned":
        assert tune_allocator()
    libc.free(libc.malloc(4 << 20))
    before = libc.mallinfo2().hblks
    block = libc.malloc(512 << 10)
    print(libc.mallinfo2().hblks - before)
    libc.free(block)
    """
)


OLD_CYCLES = textwrap.dedent(
    """
    import gc, sys, weakref
    from bridge.memory import settle_heap

    keep = [[] for _ in range(200_000)]
    gc.collect()
    if sys.argv[1] == "settled":
        settle_heap()

    class Node:
        pass

    freed = []

    def pair():
        a, b = Node(), Node()
        a.other, b.other = b, a
        weakref.finalize(a, freed.append, 1)
        return a

    batch = [pair() for _ in range(3000)]
    gc.collect(1)
    del batch
    for _ in range(300_000):
        loop = []
        loop.append(loop)
    print(len(freed))
    """
)


def probe(script: str, mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", script, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def mapped_after_a_large_free(mode: str) -> int:
    return probe(PROBE, mode)


@glibc_only
def test_large_blocks_keep_their_own_mapping_once_tuned() -> None:
    """Tuned, a 512 KiB block is mapped (and given back when freed) even after a larger free."""
    assert mapped_after_a_large_free("tuned") == 1


@glibc_only
def test_untuned_glibc_moves_large_blocks_into_the_heap() -> None:
    """The behaviour the setting exists for: by default the same block lands in the heap."""
    assert mapped_after_a_large_free("default") == 0


def test_settled_heap_frees_old_cycles_without_waiting_for_hours() -> None:
    """After `settle_heap`, cycles that died in the oldest generation go in ordinary work."""
    assert probe(OLD_CYCLES, "settled") == 3000


def test_unsettled_heap_keeps_old_cycles() -> None:
    """The behaviour it exists for: left alone, CPython keeps them (no full collection yet)."""
    assert probe(OLD_CYCLES, "default") == 0


def test_run_tunes_the_allocator_before_reading_the_show(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`scope-bridge run` sets the allocator up first, headless or not."""
    calls: list[str] = []

    def tune() -> bool:
        calls.append("tuned")
        return True

    monkeypatch.setattr(memory, "tune_allocator", tune)
    monkeypatch.setattr(memory, "settle_heap", lambda: calls.append("settled"))

    def refuse(path: str) -> None:
        calls.append(f"load {path}")
        raise SystemExit(2)

    monkeypatch.setattr(cli, "load_show", refuse)
    args = argparse.Namespace(show="show.toml", scope_url=None, headless=True)
    with pytest.raises(SystemExit):
        cli._run(args)
    assert calls == ["tuned", "load show.toml"]


def test_headless_run_settles_the_heap_once_the_runtime_is_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`run --headless` settles after building the runtime and before the show runs."""
    calls: list[str] = []
    monkeypatch.setattr(memory, "tune_allocator", lambda: True)
    monkeypatch.setattr(memory, "settle_heap", lambda: calls.append("settled"))

    def load(path: str) -> str:
        calls.append("loaded")
        return path

    monkeypatch.setattr(cli, "load_show", load)
    monkeypatch.setattr(runtime, "Runtime", lambda show: calls.append("built"))

    def started(coro: Coroutine[Any, Any, None]) -> None:
        coro.close()
        calls.append("ran")

    monkeypatch.setattr(asyncio, "run", started)
    args = argparse.Namespace(
        show="show.toml",
        scope_url=None,
        headless=True,
        verbose=False,
        status_file=str(tmp_path / "s.json"),
    )
    assert cli._run(args) == 0
    assert calls == ["loaded", "built", "settled", "ran"]
