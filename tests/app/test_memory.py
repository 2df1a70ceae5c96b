"""The allocator setting that keeps a long show's memory flat (`bridge.running.memory`).

glibc's state is per process, so each case runs in a fresh interpreter: free a 4 MiB block
(which, left alone, makes glibc raise its mmap threshold to 4 MiB), then ask for 512 KiB
and count the blocks that have their own mapping (``mallinfo2().hblks``).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import textwrap

import pytest

from bridge.cli import main as cli
from bridge.running import memory

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="mallopt and mallinfo2 are glibc's",
)

PROBE = textwrap.dedent(
    """
    import ctypes, sys
    from bridge.running.memory import tune_allocator

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


def mapped_after_a_large_free(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


@glibc_only
def test_large_blocks_keep_their_own_mapping_once_tuned() -> None:
    """Tuned, a 512 KiB block is mapped (and given back when freed) even after a larger free."""
    assert mapped_after_a_large_free("tuned") == 1


@glibc_only
def test_untuned_glibc_moves_large_blocks_into_the_heap() -> None:
    """The behaviour the setting exists for: by default the same block lands in the heap."""
    assert mapped_after_a_large_free("default") == 0


def test_run_tunes_the_allocator_before_reading_the_show(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`scope-bridge run` sets the allocator up first, headless or not."""
    calls: list[str] = []

    def tune() -> bool:
        calls.append("tuned")
        return True

    monkeypatch.setattr(memory, "tune_allocator", tune)

    def refuse(path: str) -> None:
        calls.append(f"load {path}")
        raise SystemExit(2)

    monkeypatch.setattr(cli, "load_show", refuse)
    args = argparse.Namespace(show="show.toml", scope_url=None, headless=True)
    with pytest.raises(SystemExit):
        cli._run(args)
    assert calls == ["tuned", "load show.toml"]
