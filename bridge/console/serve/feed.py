"""Snapshots for the console only when they changed: a version number on the bridge's side.

An idle show still ticks (the clock, the frame rate, the frame count), and redrawing the
whole console 10 times a second for that cost it a tenth of a core. So the bridge keeps a
version that moves only when the snapshot's content other than those ticking fields
changes; the console asks "anything newer than N?" and gets a tiny "no" while nothing did,
and fetches the full snapshot once a second (`HEARTBEAT_S` in `bridge.console.wire.timing`)
so clocks and rates still move.
"""

from __future__ import annotations

from typing import Any

from bridge.console.wire.timing import TEMPO_RUNS_S

TICKING = frozenset({"t"})
TICKING_CONNECTION = frozenset({"fps_measured", "fps_recent", "frames_total", "age_s", "rtt_ms"})
TICKING_OUTPUT = frozenset({"per_s"})
TICKING_TEMPO = frozenset({"age_s", "lead_ms"})


def calm(data: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's dictionary without the fields that move while nothing happens."""
    out = {k: v for k, v in data.items() if k not in TICKING}
    connection = data.get("connection")
    if isinstance(connection, dict):
        out["connection"] = {k: v for k, v in connection.items() if k not in TICKING_CONNECTION}
    output = data.get("output")
    if isinstance(output, dict):
        out["output"] = {k: v for k, v in output.items() if k not in TICKING_OUTPUT}
    extra = data.get("extra")
    if isinstance(extra, dict) and isinstance(extra.get("tempo"), dict):
        tempo = {k: v for k, v in extra["tempo"].items() if k not in TICKING_TEMPO}
        age = extra["tempo"].get("age_s")
        if isinstance(age, int | float) and age > TEMPO_RUNS_S:
            tempo.pop("beat_phase", None)
        out["extra"] = {**extra, "tempo": tempo}
    return out


class Feed:
    """The bridge's change counter over the snapshots it is asked for."""

    def __init__(self) -> None:
        self.version = 0
        self._last: dict[str, Any] | None = None
        self.full = 0
        """How many full snapshots were sent (tests count them)."""

    def since(self, seen: int, data: dict[str, Any]) -> dict[str, Any]:
        """``{"version": v}``, plus ``"snapshot"`` when it changed since version ``seen``."""
        key = calm(data)
        if key != self._last:
            self._last = key
            self.version += 1
        if seen == self.version:
            return {"version": self.version}
        self.full += 1
        return {"version": self.version, "snapshot": data}
