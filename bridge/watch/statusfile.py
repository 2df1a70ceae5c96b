"""The status file: each running bridge's snapshot as JSON, for `scope-bridge status`.

Every bridge, headless or with its console, writes ``status-<pid>.json`` in the private
runtime directory twice a second, off its loop (two bridges never share one file; the JSON names the
show and the pid) and removes it when it stops. `scope-bridge status` picks the one
running bridge, or the one ``--pid`` names, and lists them when there are several. A file
left by a bridge that was killed is recognised by its dead pid, ignored and removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bridge.errors import BridgeError
from bridge.watch.rundir import private_dir, write_atomic
from bridge.watch.snapshot import Snapshot

log = logging.getLogger("bridge")

EVERY_S = 0.5
STALE_S = 5.0
"""A status file not rewritten for this long belongs to a bridge that is stuck or gone."""
_NAME = re.compile(r"^status-(\d+)\.json$")


def status_path(directory: Path | None = None, pid: int | None = None) -> Path:
    """This process's status file in the (checked) runtime directory."""
    return (directory or private_dir()) / f"status-{pid or os.getpid()}.json"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, just not ours to signal
    return True


@dataclass(frozen=True, slots=True)
class Running:
    """One bridge's status file, as `status` lists it."""

    pid: int
    path: Path
    show: str
    age_s: float


def running(directory: Path) -> list[Running]:
    """The bridges with a status file here, by pid; files of dead pids are removed."""
    found = []
    with contextlib.suppress(FileNotFoundError):
        for path in sorted(directory.iterdir()):
            match = _NAME.match(path.name)
            if match is None:
                continue
            pid = int(match.group(1))
            if not pid_alive(pid):
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            try:
                age = time.time() - path.stat().st_mtime
                show = str(json.loads(path.read_text(encoding="utf-8")).get("show", "?"))
            except (OSError, ValueError, AttributeError):
                continue  # being replaced this instant, or not ours to read
            found.append(Running(pid, path, show, age))
    return found


def choose(directory: Path, pid: int | None) -> Running:
    """The bridge `status` should print: the one running, or the one with ``pid``."""
    bridges = running(directory)
    if pid is not None:
        for bridge in bridges:
            if bridge.pid == pid:
                return bridge
        raise BridgeError(f"no running bridge with pid {pid} (status files in {directory})")
    if not bridges:
        raise BridgeError(f"no running bridge (no status file in {directory})")
    if len(bridges) > 1:
        listing = "; ".join(f"{b.pid} ({b.show})" for b in bridges)
        raise BridgeError(f"{len(bridges)} bridges are running: pick one with --pid: {listing}")
    return bridges[0]


def _write(path: Path, snap: Snapshot, pid: int) -> None:
    write_atomic(path, snap.to_json(pid=pid))


async def keep_status(
    snapshot: Callable[[], Snapshot],
    path: Path,
    report: Callable[[str | None], None],
) -> None:
    """Rewrite ``path`` every `EVERY_S` until cancelled, then remove it.

    The snapshot is taken on the loop; encoding and writing it happen on a worker thread
    (a slow disk stalled the loop for milliseconds). ``report`` is told why a write failed
    (None once writing works again).
    """
    failing = False
    pid = os.getpid()
    writing: asyncio.Future[None] | None = None
    try:
        while True:
            writing = asyncio.ensure_future(asyncio.to_thread(_write, path, snapshot(), pid))
            try:
                await asyncio.shield(writing)
            except OSError as exc:
                failing = True
                report(f"cannot write the status file {path}: {exc.strerror or exc}")
            else:
                if failing:
                    failing = False
                    report(None)
            await asyncio.sleep(EVERY_S)
    finally:
        if writing is not None and not writing.done():
            with contextlib.suppress(Exception):  # let it land, so the unlink is the last word
                await writing
        with contextlib.suppress(OSError):
            os.unlink(path)
