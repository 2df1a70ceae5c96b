"""Headless mode, for installations: the same runtime, readable log lines, a status file.

It logs what changed (connection, scene, devices, problems) as it changes, a summary line
every few seconds, and writes the snapshot as JSON for `scope-bridge status`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import tempfile
from pathlib import Path

from bridge.runtime import Runtime
from bridge.snapshot import Snapshot

log = logging.getLogger("bridge")


def default_status_file() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"scope-bridge-{os.getuid()}" / "status.json"


def write_status(path: Path, snap: Snapshot) -> None:
    """Atomically replace the status file (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(snap.to_json(), encoding="utf-8")
    os.replace(temp, path)


def connection_line(snap: Snapshot) -> str:
    c = snap.connection or {}
    if c.get("channel_open"):
        fps = c.get("fps_recent", 0.0)
        return f"connected to {c.get('url')} ({c.get('server_version')}) · {fps:.1f} fps"
    if c.get("reconnect_in_s") is not None:
        return f"reconnecting in {c['reconnect_in_s']:.1f} s · {c.get('last_error') or ''}".rstrip(
            " ·"
        )
    if c.get("transport") == "rest":
        return f"REST control {'ready' if c.get('ready') else 'not ready'} · {c.get('url')}"
    return f"connecting to {c.get('url')} · {c.get('load_state', '')} {c.get('webrtc_state', '')}"


def summary_line(snap: Snapshot) -> str:
    out = snap.output
    weights = " ".join(f"{p.id}={p.weight:.2f}" for p in snap.prompts if p.weight > 0)
    frames = (snap.connection or {}).get("frames_total", 0)
    transition = f" · transition {snap.transition}" if snap.transition else ""
    drops = snap.extra.get("scope_drops")
    dropped = f", {drops} dropped by Scope" if isinstance(drops, int) else ""
    return (
        f"{connection_line(snap)} · frames {frames} · sent {out.sent_total} "
        f"({out.per_s:.1f}/s, in flight {out.inflight}/{out.budget}{dropped}, "
        f"chunk {out.chunk_hz:.2f} Hz)"
        f" · scene {snap.scene or '-'}{transition}{tempo_part(snap)} · {weights}"
        + (" · PAUSED" if out.paused else "")
    )


def tempo_part(snap: Snapshot) -> str:
    """`` · tempo 140.0 bpm (resolume)`` when a tempo arrived, its source named."""
    tempo = snap.extra.get("tempo") or {}
    if "bpm" not in tempo:
        return ""
    return f" · tempo {float(tempo['bpm']):.1f} bpm ({tempo.get('source') or '?'})"


async def watch(runtime: Runtime, status_file: Path, every_s: float = 5.0) -> None:
    """Log changes as they happen and a summary every ``every_s``; keep the status file."""
    last_conn = last_scene = ""
    last_devices: dict[str, str] = {}
    problems_seen = 0
    ticks = 0
    while True:
        snap = runtime.snapshot()
        conn = connection_line(snap).split(" · ")[0]
        if conn != last_conn:
            log.info("scope: %s", connection_line(snap))
            last_conn = conn
        if snap.scene != last_scene:
            log.info("scene: %s", snap.scene or "-")
            last_scene = snap.scene
        for d in snap.devices:
            key = f"{d.kind} {d.name}"
            if last_devices.get(key) != d.state:
                log.info("%s: %s%s", key, d.state, f" ({d.detail})" if d.detail else "")
                last_devices[key] = d.state
        problems = list(runtime.bridge.problems)
        for p in problems[problems_seen:] if len(problems) >= problems_seen else problems:
            log.warning("problem: %s: %s", p.where, p.message)
        problems_seen = len(problems)
        if ticks % max(1, round(every_s / 0.5)) == 0:
            log.info("%s", summary_line(snap))
        with contextlib.suppress(OSError):
            write_status(status_file, snap)
        ticks += 1
        await asyncio.sleep(0.5)


def cancel_on_signals() -> None:
    """Ctrl-C and SIGTERM cancel the running task, so its cleanup (DELETE, sinks) runs."""
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, lambda: main.cancel() if main else None)


async def run_headless(runtime: Runtime, status_file: Path | None = None) -> None:
    """Run until Ctrl-C or SIGTERM; both shut down cleanly (session closed, DELETE sent)."""
    path = status_file or default_status_file()
    log.info("headless: show %s, status in %s", runtime.show.path, path)
    runtime.bridge.add_task("headless-log", lambda: watch(runtime, path))
    cancel_on_signals()
    try:
        await runtime.run()
    except asyncio.CancelledError:
        log.info("headless: stopped")
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
