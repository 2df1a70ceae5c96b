"""Scope's own clock as a tempo source: its ``tempo_update`` messages (v0.1.8+, ~15 a second
while its tempo sync is on) as `TempoBeat` events named ``scope``.

Pure: a message body and the time it arrived in, events out. A message carries no time of
its own, so its phase is taken as of its arrival (a data channel on one machine adds well
under a millisecond; across a network, the trip). A beat is marked when ``beat_count`` moves
on, with the phase saying how long ago the beat fell. Start/stop as with Link: once Scope's
clock has played, a stopped one gives nothing. A message with a missing or meaningless
field gives nothing either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridge.core.events import TempoBeat

SOURCE = "scope"


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(slots=True)
class ScopeTempo:
    beats_per_bar: int = 4
    last_count: int | None = None
    played: bool = False

    def feed(self, body: Mapping[str, Any], t: float) -> list[TempoBeat]:
        bpm, phase = _number(body, "bpm"), _number(body, "beat_phase")
        bar, count = _number(body, "bar_position"), _number(body, "beat_count")
        playing = body.get("is_playing")
        if bpm is None or phase is None or bar is None or count is None or bpm <= 0.0:
            return []
        if isinstance(playing, bool):
            self.played = self.played or playing
            if self.played and not playing:
                self.last_count = None
                return []
        beat = self.last_count is not None and int(count) != self.last_count
        self.last_count = int(count)
        bpb = self.beats_per_bar
        return [
            TempoBeat(
                t,
                SOURCE,
                bpm,
                phase % 1.0,
                (bar % bpb) / bpb,
                beat=beat,
                downbeat=beat and bar % bpb < 1.0,
            )
        ]
