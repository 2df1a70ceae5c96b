"""A hot reload reads the show off the loop, with a deadline, and names a file it hung on.

A read that hangs in the kernel (a stalled network share) cannot be made on demand here, so
the loader is a small stand-in that stops on the file it is told is slow; everything else
(the thread, the deadline, the loop staying free) is the real `ShowReader`.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from bridge.config.background import ShowReader
from bridge.config.load import Reading, load_show
from bridge.core.show import Show
from bridge.errors import ConfigError


class StallingLoader:
    """Loads the real show, but stops on ``slow`` until released (as a stalled disk would)."""

    def __init__(self, slow: Path) -> None:
        self.slow = slow
        self.release = threading.Event()

    def __call__(self, path: str, reading: Reading) -> Show:
        def note(file: Path) -> None:
            reading(file)
            if file == self.slow:
                self.release.wait(30.0)

        return load_show(path, reading=note)


@pytest.fixture
def show(tmp_path: Path) -> Path:
    (tmp_path / "profile.toml").write_text('[devices.midi.c]\nport = "C"\n')
    path = tmp_path / "show.toml"
    path.write_text('include = ["profile.toml"]\n[[prompts]]\nid = "p"\ntext = "t"\n')
    return path


async def test_a_read_that_hangs_times_out_naming_the_file(show: Path) -> None:
    """The loop stays free; after the deadline the error names the include; no second read
    starts while the first hangs; once it ends, reading works again."""
    slow = show.parent / "profile.toml"
    loader = StallingLoader(slow)
    reader = ShowReader(str(show), timeout=0.3, load=loader)
    started = time.monotonic()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        with pytest.raises(ConfigError) as info:
            await reader.load()
    finally:
        ticker.cancel()
    waited = time.monotonic() - started
    assert 0.3 <= waited < 3.0
    assert ticks >= 5, "the loop must keep running while the file is read"
    assert info.value.file == str(slow)
    assert "could not be read within 0.3 s" in str(info.value)

    with pytest.raises(ConfigError, match="is still being read after"):
        await reader.load()
    assert await reader.times([str(show)]) is None  # the watcher waits too

    loader.release.set()
    for _ in range(100):
        if not reader.busy:
            break
        await asyncio.sleep(0.02)
    assert (await reader.load()).midi[0].port == "C"
    mtime = os.stat(show).st_mtime
    assert await reader.times([str(show), str(show.parent / "gone.toml")]) == {str(show): mtime}


async def test_errors_from_the_thread_reach_the_caller(show: Path) -> None:
    """A wrong show read in the thread raises its own ConfigError, unchanged."""
    (show.parent / "profile.toml").write_text('[devices.midi.c]\nport = "C"\nmatch = "fuzzy"\n')
    with pytest.raises(ConfigError) as info:
        await ShowReader(str(show)).load()
    assert (Path(info.value.file).name, info.value.line) == ("profile.toml", 3)
