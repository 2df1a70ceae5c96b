"""The stand-in's beat clock and Scope's beat-quantised scheduling arithmetic, pure.

Scope's tempo sync (0.1.8+) follows Ableton Link or MIDI clock, both optional extras of Scope.
The stand-in has neither: it offers "link" run by its own steady clock (no network peers),
enough for ``tempo_update`` messages and ``_quantized`` updates to behave as Scope's do. The
delay rules are Scope's ``ParameterScheduler``: the next beat, bar, 2- or 4-bar boundary minus
the lookahead, pushed one cycle further while that would be in the past, and the next boundary
when the current one is under 0.01 beat away. Time comes in as arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

QUANTIZE_MODES = ("none", "beat", "bar", "2_bar", "4_bar")
BEAT_STATE_KEYS = frozenset({"bpm", "beat_phase", "bar_position", "beat_count", "is_playing"})
NOTIFY_HZ = 15.0


@dataclass(frozen=True, slots=True)
class BeatState:
    """Where the clock is: Scope's beat state."""

    bpm: float
    beat_phase: float
    bar_position: float
    beat_count: int
    is_playing: bool


@dataclass(frozen=True, slots=True)
class TempoClock:
    """A steady clock at ``bpm``: beat ``anchor_beat`` fell at ``anchor_t``."""

    bpm: float
    beats_per_bar: int
    anchor_t: float
    anchor_beat: float = 0.0

    def beat(self, now: float) -> float:
        return self.anchor_beat + (now - self.anchor_t) * self.bpm / 60.0

    def state(self, now: float) -> BeatState:
        beat = self.beat(now)
        return BeatState(
            bpm=self.bpm,
            beat_phase=beat % 1.0,
            bar_position=beat % self.beats_per_bar,
            beat_count=math.floor(beat),
            is_playing=True,
        )

    def with_bpm(self, bpm: float, now: float) -> TempoClock:
        """The same beat position at ``now``, running at ``bpm`` from there."""
        return TempoClock(bpm, self.beats_per_bar, now, self.beat(now))

    def update_message(self, now: float) -> dict[str, Any]:
        """The ``tempo_update`` data-channel message, rounded as Scope rounds it."""
        state = self.state(now)
        return {
            "type": "tempo_update",
            "bpm": round(state.bpm, 2),
            "beat_phase": round(state.beat_phase, 4),
            "bar_position": round(state.bar_position, 4),
            "beat_count": state.beat_count,
            "is_playing": state.is_playing,
        }

    def status(self, now: float) -> dict[str, Any]:
        """``GET /api/v1/tempo/status`` while enabled."""
        state = self.state(now)
        return {
            "enabled": True,
            "source": {"type": "link", "num_peers": 0},
            "beats_per_bar": self.beats_per_bar,
            "beat_state": {
                "bpm": state.bpm,
                "beat_phase": state.beat_phase,
                "bar_position": state.bar_position,
                "beat_count": state.beat_count,
                "is_playing": state.is_playing,
                "source": "link",
            },
        }


def disabled_status(beats_per_bar: int = 4) -> dict[str, Any]:
    """``GET /api/v1/tempo/status`` while disabled."""
    return {"enabled": False, "source": None, "beats_per_bar": beats_per_bar, "beat_state": None}


def quantize_delay(mode: str, state: BeatState, beats_per_bar: int, lookahead_ms: float) -> float:
    """Seconds until a change quantised to ``mode`` applies; 0 means apply now."""
    if state.bpm <= 0:
        return 0.0
    beat_s = 60.0 / state.bpm
    phase = min(max(state.beat_phase, 0.0), 1.0)
    cycles = {"beat": 1, "bar": beats_per_bar, "2_bar": 2 * beats_per_bar}
    cycles["4_bar"] = 4 * beats_per_bar
    cycle = cycles.get(mode)
    if cycle is None:
        return 0.0
    position = (state.beat_count % cycle) + phase if cycle > 1 else phase
    until = cycle - position
    if until < 0.01:
        until += cycle
    delay = until * beat_s - lookahead_ms / 1000.0
    while delay < 0:
        delay += cycle * beat_s
    return delay
