"""Headless mode, for installations: the same runtime, readable log lines, a status file.

It logs each change once as it happens (the Scope connection going up or down, the scene,
a device), a summary line every few seconds, and keeps the status file for `scope-bridge
status` (`bridge.watch.statusfile`). Problems log themselves, once each (`bridge.watch.problems`); a
device whose change is a problem, or its end, is left to that line. A countdown to the next
reconnect is the console's to show, never a log line every half second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Any

from bridge.errors import BridgeError
from bridge.running.runtime import Runtime
from bridge.running.supervise import one_sentence
from bridge.watch.snapshot import Snapshot
from bridge.watch.statusfile import keep_status, status_path

log = logging.getLogger("bridge")

SUMMARY_EVERY_S = 5.0


class BridgeStopped(BridgeError):
    """The bridge itself stopped (not its console, not a signal): the run failed."""


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
        return rest_line(c)
    return f"connecting to {c.get('url')} · {c.get('load_state', '')} {c.get('webrtc_state', '')}"


def rest_line(c: dict[str, Any]) -> str:
    """REST control as it is: a session open (and how fast it runs), or plainly none."""
    url = c.get("url")
    if c.get("ready"):
        kind = "headless session" if c.get("headless") else "session"
        fps = float(c.get("fps_recent") or 0.0)
        return f"REST control ready · {kind} at {url} · {fps:.1f} fps"
    if c.get("state") == "no session":
        return (
            f"REST control: no Scope session is open at {url}, nothing is applied "
            "(start one in Scope, or set [scope] start_session = true)"
        )
    why = f": {c['last_error']}" if c.get("last_error") else ""
    return f"REST control {c.get('state', 'not ready')} · {url}{why}"


def scope_change(snap: Snapshot) -> tuple[str, str]:
    """(state, line): the state changes only when Scope comes or goes, not with a countdown."""
    c = snap.connection or {}
    url = c.get("url")
    if c.get("transport") == "rest":
        return ("ready" if c.get("ready") else f"rest {c.get('state')}"), connection_line(snap)
    if c.get("channel_open"):
        return "up", f"connected to {url} ({c.get('server_version')})"
    if c.get("last_error") or c.get("reconnect_in_s") is not None:
        return "down", f"not connected to {url}; reconnecting until it answers"
    return "starting", f"connecting to {url}"


def summary_line(snap: Snapshot) -> str:
    out = snap.output
    weights = " ".join(f"{p.id}={p.weight:.2f}" for p in snap.prompts if p.weight > 0)
    frames = (snap.connection or {}).get("frames_total", 0)
    transition = f" · transition {snap.transition}" if snap.transition else ""
    drops = snap.extra.get("scope_drops")
    dropped = f", {drops} dropped by Scope" if isinstance(drops, int) else ""
    # connected: the line with its pace; otherwise the line of its last change (REST: the same)
    up = (snap.connection or {}).get("channel_open")
    scope = connection_line(snap) if up else scope_change(snap)[1]
    return (
        f"{scope} · frames {frames} · sent {out.sent_total} "
        f"({out.per_s:.1f}/s, in flight {out.inflight}/{out.budget}{dropped}, "
        f"chunk {out.chunk_hz:.2f} Hz)"
        f" · scene {snap.scene or '-'}{transition}{tempo_part(snap)} · {weights}"
        + (" · PAUSED" if out.paused else "")
        + targets_part(snap)
    )


def targets_part(snap: Snapshot) -> str:
    """With several Scope targets, each in a word or two and the totals:
    `` · targets 1/2 live: left live 30.0 fps 412 sent, right retrying``."""
    views = snap.extra.get("targets")
    total = snap.extra.get("targets_total")
    if not views or not total:
        return ""
    each = ", ".join(
        f"{v['name']} live {v['fps']:.1f} fps {v['sent']} sent"
        if v["up"]
        else f"{v['name']} {v['state']}"
        for v in views
    )
    return f" · targets {total['live']}/{total['of']} live: {each}"


def tempo_part(snap: Snapshot) -> str:
    """`` · tempo 140.0 bpm (resolume)`` when a tempo arrived, its source named; with Link,
    the beat's phase and the session's peers (`` · tempo 120.0 bpm (link, phase 0.42, 2
    peers)``)."""
    tempo = snap.extra.get("tempo") or {}
    peers = tempo.get("link_peers")
    counted = "" if peers is None else f"{peers} peer{'' if peers == 1 else 's'}"
    if "bpm" not in tempo:
        return "" if peers is None else f" · tempo none (link, {counted})"
    more = f", phase {float(tempo['beat_phase']):.2f}" if "beat_phase" in tempo else ""
    if "leader" in tempo and tempo["leader"] is None:
        more = ", silent"  # the last tempo heard, no longer led by anyone
    more += f", {counted}" if counted else ""
    return f" · tempo {float(tempo['bpm']):.1f} bpm ({tempo.get('source') or '?'}{more})"


async def watch(runtime: Runtime, every_s: float = SUMMARY_EVERY_S) -> None:
    """Log changes as they happen and a summary every ``every_s``."""
    last_scope = last_scene = ""
    last_devices: dict[str, str] = {}
    troubled: set[str] = set()  # where problems were at the last look
    ticks = 0
    while True:
        snap = runtime.snapshot()
        state, line = scope_change(snap)
        if state != last_scope:
            log.info("scope: %s", line)
            last_scope = state
        if snap.scene != last_scene:
            log.info("scene: %s", snap.scene or "-")
            last_scene = snap.scene
        now_troubled = {p.where for p in runtime.bridge.problems}
        for d in snap.devices:
            key = f"{d.kind} {d.name}"
            if last_devices.get(key) != d.state:
                named = {key, d.name}  # "midi in lcxl"; "MIDI" for the MIDI API itself
                if not named & (now_troubled | troubled):
                    log.info("%s: %s%s", key, d.state, f" ({d.detail})" if d.detail else "")
                last_devices[key] = d.state
        troubled = now_troubled
        if ticks % max(1, round(every_s / 0.5)) == 0:
            log.info("%s", summary_line(snap))
        ticks += 1
        await asyncio.sleep(0.5)


def cancel_on_signals() -> None:
    """Ctrl-C and SIGTERM cancel the running task, so its cleanup (DELETE, sinks) runs."""
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, lambda: main.cancel() if main else None)


def add_status_file(runtime: Runtime, path: Path) -> None:
    """Keep ``path`` as this bridge's status file while it runs (headless or console)."""

    def report(problem: str | None) -> None:
        if problem is None:
            runtime.bridge.clear("status", "write")
        else:
            runtime.bridge.report("status", problem, key="write")

    runtime.bridge.add_task("status-file", lambda: keep_status(runtime.snapshot, path, report))


async def run_until_stopped(runtime: Runtime) -> None:
    """Run the bridge until cancelled; `BridgeStopped` (one sentence) if it ends by itself."""
    try:
        await runtime.run()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.debug("the bridge stopped", exc_info=exc)  # -v shows the traceback
        raise BridgeStopped(f"the bridge stopped: {one_sentence(exc)}") from exc
    raise BridgeStopped("the bridge stopped: all its tasks ended")


async def run_headless(runtime: Runtime, status_file: Path | None = None) -> None:
    """Run until Ctrl-C or SIGTERM; both shut down cleanly (session closed, DELETE sent)."""
    path = status_file or status_path()
    log.info("headless: show %s, status in %s", runtime.show.path, path)
    add_status_file(runtime, path)
    runtime.bridge.add_task("headless-log", lambda: watch(runtime))
    cancel_on_signals()
    try:
        await run_until_stopped(runtime)
    except asyncio.CancelledError:
        log.info("headless: stopped")
