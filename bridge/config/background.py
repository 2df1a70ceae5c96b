"""Reading a show off the event loop, with a deadline, for hot reload.

`bridge.config.files` makes a named pipe or a device fail at once, but a read can still
hang where the kernel hangs (a stalled network share, a FUSE mount, a name server that
does not answer while OSC hosts are looked up), and parsing a large file takes a while. So a
reload reads, validates and resolves the show in a daemon thread, and the loop waits at most
`READ_TIMEOUT_S`: a read that has not finished keeps the running show and names the file it
was on. The thread cannot be stopped; it is a daemon (it never holds up quitting), and no
other read starts until it ends, so a stuck share costs one thread, not one per reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bridge.config.load import Reading, load_show
from bridge.core.show import Show
from bridge.errors import ConfigError

READ_TIMEOUT_S = 5.0
"""How long a reload waits for the show to be read (a local show takes milliseconds)."""

T = TypeVar("T")
Loader = Callable[[str, Reading], Show]


def _load_and_resolve(path: str, reading: Reading) -> Show:
    return load_show(path, resolve=True, reading=reading)


class ShowReader:
    """Reads one show (and the times of its files) in a thread, never blocking the loop."""

    def __init__(
        self, path: str, *, timeout: float = READ_TIMEOUT_S, load: Loader = _load_and_resolve
    ) -> None:
        self.path = path
        self.timeout = timeout
        self._load = load
        self._finished = threading.Event()
        self._finished.set()
        self._since = 0.0
        self._file = path

    def _reading(self, file: Path | str) -> None:
        self._file = str(file)

    @property
    def busy(self) -> bool:
        """A read is still under way (perhaps stuck where the kernel is)."""
        return not self._finished.is_set()

    async def load(self) -> Show:
        """The show as the files say now; ConfigError (naming the file) if it is wrong or
        could not be read in time."""
        if self.busy:
            stuck = time.monotonic() - self._since
            raise ConfigError(
                self._file, "", f"is still being read after {stuck:.0f} s (a stalled disk?)"
            )
        self._file = self.path
        try:
            return await self._off_loop(lambda: self._load(self.path, self._reading))
        except TimeoutError:
            raise ConfigError(
                self._file,
                "",
                f"could not be read within {self.timeout:g} s (a stalled disk or network share?)",
            ) from None

    async def times(self, files: Sequence[str]) -> dict[str, float] | None:
        """Each file's modification time (files that cannot be read left out); None while a
        read is still under way or the disk does not answer in time."""
        if self.busy:
            return None

        def stat_all() -> dict[str, float]:
            times = {}
            for name in files:
                self._file = name
                with contextlib.suppress(OSError):
                    times[name] = os.stat(name).st_mtime
            return times

        try:
            return await self._off_loop(stat_all)
        except TimeoutError:
            return None

    async def _off_loop(self, work: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()

        def settle(result: T | None, error: BaseException | None) -> None:
            if done.done():
                return  # the loop gave up waiting
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)  # type: ignore[arg-type]

        def run() -> None:
            try:
                result, error = work(), None
            except Exception as exc:
                result, error = None, exc
            finished.set()
            with contextlib.suppress(RuntimeError):  # the loop closed while we were stuck
                loop.call_soon_threadsafe(settle, result, error)

        finished = self._finished = threading.Event()
        self._since = time.monotonic()
        threading.Thread(target=run, name="show-read", daemon=True).start()
        async with asyncio.timeout(self.timeout):
            return await done
