"""Pure state machines that build one value out of several MIDI messages.

``CcAssembler`` pairs 14-bit control changes (MSB 0..31 with LSB +32) and assembles NRPN/RPN
data entry; ``ClockTempo`` turns MIDI clock into tempo and beat/bar phase.

Rules of this module:
- no I/O, no threads, no clock: times arrive as data, events come out as return values;
- an MSB waits for its LSB; it is released alone (with LSB 0, as the MIDI spec says an MSB
  resets the LSB) when any other message arrives or when the caller calls ``flush``;
- parameter-number select CCs (98..101) are consumed; data entry (6/38) and increment /
  decrement (96/97) are consumed only while a parameter is selected, and pass through as
  ordinary control changes otherwise;
- MIDI channels are 1..16;
- a tempo is finite or not reported: a tick without a finite stamp is ignored, and ticks
  stamped too close together to measure give no BPM.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

from bridge.core.events import (
    ControlChange,
    ControlChange14,
    MidiClock,
    ParamNumber,
    TempoBeat,
)

CcOutput = ControlChange | ControlChange14 | ParamNumber

NRPN_MSB, NRPN_LSB, RPN_MSB, RPN_LSB = 99, 98, 101, 100
DATA_MSB, DATA_LSB, DATA_INC, DATA_DEC = 6, 38, 96, 97
NULL_PARAMETER = 0x3FFF  # 127/127 deselects (RPN null; NRPN 127/127 is used the same way)


@dataclass(frozen=True, slots=True)
class AssemblyConfig:
    """How one device's control changes are assembled.

    ``fourteen_bit``: MSB controller numbers (0..31) whose LSB (+32) completes a 14-bit value.
    ``parameter_numbers``: assemble NRPN/RPN; when False every CC passes through as is.
    """

    fourteen_bit: frozenset[int] = frozenset()
    parameter_numbers: bool = True

    def __post_init__(self) -> None:
        bad = sorted(c for c in self.fourteen_bit if not 0 <= c <= 31)
        if bad:
            raise ValueError(f"14-bit controllers must be MSB numbers 0..31, got {bad}")


class _Channel:
    """Assembly state of one MIDI channel."""

    __slots__ = ("data_msb", "kind", "last_msb", "param_lsb", "param_msb", "pending")

    def __init__(self) -> None:
        self.last_msb: dict[int, int] = {}  # 14-bit controller → last MSB seen
        self.pending: int | None = None  # controller whose MSB waits for its LSB
        self.kind: Literal["nrpn", "rpn"] | None = None
        self.param_msb = {"nrpn": 0, "rpn": 0}
        self.param_lsb = {"nrpn": 0, "rpn": 0}
        self.data_msb: int | None = None  # data entry MSB waiting for (or paired with) 38

    def selected(self) -> tuple[Literal["nrpn", "rpn"], int] | None:
        if self.kind is None:
            return None
        number = (self.param_msb[self.kind] << 7) | self.param_lsb[self.kind]
        return None if number == NULL_PARAMETER else (self.kind, number)


class CcAssembler:
    """Feeds one device's control changes; returns the events they complete.

    Not thread-safe: one instance per device, fed from one thread (or under a lock).
    """

    def __init__(self, source: str, config: AssemblyConfig | None = None) -> None:
        self.source = source
        self.config = config or AssemblyConfig()
        self._channels: dict[int, _Channel] = {}
        # Channels holding an MSB (14-bit or data entry) that waits for its LSB.
        self._waiting: dict[int, tuple[Literal["cc14", "data"], int]] = {}

    @property
    def pending(self) -> bool:
        """True while an MSB waits for its LSB (call ``flush`` after a short idle)."""
        return bool(self._waiting)

    def reset(self) -> None:
        """Forget all state (after a reconnect the device starts afresh)."""
        self._channels.clear()
        self._waiting.clear()

    def flush(self, t: float) -> list[CcOutput]:
        """Release every MSB still waiting for its LSB, as a value with LSB 0."""
        out: list[CcOutput] = []
        for channel, (what, control) in list(self._waiting.items()):
            state = self._channels[channel]
            if what == "cc14":
                msb = state.last_msb.get(control, 0)
                out.append(ControlChange14(t, self.source, channel, control, msb << 7))
            else:
                selected = state.selected()
                if selected is not None and state.data_msb is not None:
                    kind, number = selected
                    value = state.data_msb << 7
                    out.append(ParamNumber(t, self.source, channel, kind, number, value))
        self._waiting.clear()
        return out

    def feed(self, t: float, channel: int, control: int, value: int) -> list[CcOutput]:
        """Take one control change (channel 1..16); return the events it completes."""
        state = self._channels.get(channel)
        if state is None:
            state = self._channels[channel] = _Channel()
        waiting = self._waiting.get(channel)
        if waiting is not None and self._completes(waiting, control):
            del self._waiting[channel]
            out: list[CcOutput] = []
        else:
            out = self.flush(t) if self._waiting else []
        if self.config.parameter_numbers:
            handled = self._parameter(t, state, channel, control, value, out)
            if handled:
                return out
        self._control(t, state, channel, control, value, out)
        return out

    @staticmethod
    def _completes(waiting: tuple[str, int], control: int) -> bool:
        what, msb_control = waiting
        if what == "cc14":
            return control == msb_control + 32
        return control == DATA_LSB

    def _parameter(
        self, t: float, state: _Channel, channel: int, control: int, value: int, out: list[CcOutput]
    ) -> bool:
        """NRPN/RPN handling; False when the CC is not part of a parameter-number exchange."""
        if control in (NRPN_MSB, NRPN_LSB, RPN_MSB, RPN_LSB):
            kind: Literal["nrpn", "rpn"] = "nrpn" if control in (NRPN_MSB, NRPN_LSB) else "rpn"
            if control in (NRPN_MSB, RPN_MSB):
                state.param_msb[kind] = value
            else:
                state.param_lsb[kind] = value
            state.kind = kind
            state.data_msb = None  # a new parameter starts without a data MSB
            return True
        if control not in (DATA_MSB, DATA_LSB, DATA_INC, DATA_DEC):
            return False
        selected = state.selected()
        if selected is None:
            return False
        kind, number = selected
        if control == DATA_MSB:
            state.data_msb = value
            self._waiting[channel] = ("data", DATA_MSB)
        elif control == DATA_LSB:
            msb = state.data_msb or 0
            out.append(ParamNumber(t, self.source, channel, kind, number, (msb << 7) | value))
        else:
            delta = 1 if control == DATA_INC else -1
            out.append(ParamNumber(t, self.source, channel, kind, number, 0, delta))
        return True

    def _control(
        self, t: float, state: _Channel, channel: int, control: int, value: int, out: list[CcOutput]
    ) -> None:
        pairs = self.config.fourteen_bit
        if control in pairs:
            state.last_msb[control] = value
            self._waiting[channel] = ("cc14", control)
        elif 32 <= control < 64 and control - 32 in pairs:
            msb = state.last_msb.get(control - 32, 0)
            out.append(ControlChange14(t, self.source, channel, control - 32, (msb << 7) | value))
        else:
            out.append(ControlChange(t, self.source, channel, control, value))


TICKS_PER_BEAT = 24


class ClockTempo:
    """Turns a device's MidiClock events into TempoBeat events.

    BPM is the mean tick rate over a sliding window (one beat by default), which smooths the
    jitter of real clock sources. Position counts from Start (the first tick after Start is
    the downbeat); without Start the clock free-runs from its first tick, at confidence 0.5.
    After Stop, ticks keep the BPM estimate fresh but emit nothing. A beat that arrives
    before any tempo is known (the first tick after Start of a fresh clock) is still
    reported, with ``bpm`` 0.0 and ``confidence`` 0.0.
    """

    def __init__(
        self,
        source: str,
        *,
        beats_per_bar: int = 4,
        window: int = TICKS_PER_BEAT,
        emit_every: int = 6,
        gap: float = 1.0,
    ) -> None:
        if beats_per_bar < 1 or window < 2 or emit_every < 1:
            raise ValueError("beats_per_bar >= 1, window >= 2 and emit_every >= 1 are required")
        self.source = source
        self.beats_per_bar = beats_per_bar
        self.emit_every = emit_every
        self.gap = gap  # a pause longer than this (seconds) restarts the estimate
        self._times: deque[float] = deque(maxlen=window + 1)
        self._position = 0  # ticks since the song start
        self._running: bool | None = None  # None: no transport message seen yet
        self._confidence = 0.5

    @property
    def bpm(self) -> float | None:
        """The current estimate, or None before two ticks arrived."""
        times = self._times
        if len(times) < 2 or not times[-1] > times[0]:
            return None
        bpm = 60.0 * (len(times) - 1) / (TICKS_PER_BEAT * (times[-1] - times[0]))
        return bpm if math.isfinite(bpm) else None  # ticks too close together to measure

    def feed(self, clock: MidiClock) -> list[TempoBeat]:
        """Take one clock event; return the tempo events it produces (often none)."""
        if clock.kind == "start":
            self._position, self._running, self._confidence = 0, True, 1.0
        elif clock.kind == "continue":
            self._running, self._confidence = True, 1.0
        elif clock.kind == "stop":
            self._running = False
        elif clock.kind == "songpos":
            self._position = clock.position * (TICKS_PER_BEAT // 4)
        else:
            return self._tick(clock.t)
        return []

    def _tick(self, t: float) -> list[TempoBeat]:
        if not math.isfinite(t):
            return []  # a stamp no clock gives: not a tick to measure tempo by
        if self._times and t - self._times[-1] > self.gap:
            self._times.clear()
        self._times.append(t)
        if self._running is False:
            return []
        position = self._position
        self._position += 1
        if position % self.emit_every:
            return []
        beat_ticks = position % TICKS_PER_BEAT
        bar_ticks = position % (TICKS_PER_BEAT * self.beats_per_bar)
        bpm = self.bpm
        if bpm is None and beat_ticks:
            return []
        return [
            TempoBeat(
                t,
                self.source,
                bpm or 0.0,
                beat_ticks / TICKS_PER_BEAT,
                bar_ticks / (TICKS_PER_BEAT * self.beats_per_bar),
                beat=beat_ticks == 0,
                downbeat=bar_ticks == 0,
                confidence=self._confidence if bpm is not None else 0.0,
            )
        ]
