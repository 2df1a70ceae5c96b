"""Typed input events: what every edge adapter turns library objects into.

Rules of this module:
- every event is a frozen, slotted dataclass carrying ``t`` (monotonic seconds, stamped by the
  edge that received it) and ``source`` (the device name from the show file, or "ui");
- values are plain numbers and strings in the units of the wire (7-bit, 14-bit, floats),
  never library objects; normalising to 0..1 is the mapping engine's job;
- MIDI channels are 1..16, as a performer reads them on the hardware.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

OscArg = int | float | str | bytes | bool | None | tuple[int, int, int, int]
"""An OSC argument as python-osc parses it (a MIDI arg is a 4-tuple)."""


@dataclass(frozen=True, slots=True)
class ControlChange:
    """A 7-bit MIDI control change (value 0..127)."""

    t: float
    source: str
    channel: int
    control: int
    value: int


@dataclass(frozen=True, slots=True)
class ControlChange14:
    """A 14-bit control change assembled from an MSB (0..31) and its LSB (+32)."""

    t: float
    source: str
    channel: int
    control: int
    value: int


@dataclass(frozen=True, slots=True)
class ParamNumber:
    """An NRPN or RPN data entry (value 0..16383), or an increment/decrement step.

    ``delta`` is 0 for data entry, +1/-1 for data increment/decrement (value then unused).
    """

    t: float
    source: str
    channel: int
    kind: Literal["nrpn", "rpn"]
    number: int
    value: int
    delta: int = 0


@dataclass(frozen=True, slots=True)
class NoteOn:
    """A note on with velocity 1..127 (velocity 0 arrives as NoteOff)."""

    t: float
    source: str
    channel: int
    note: int
    velocity: int


@dataclass(frozen=True, slots=True)
class NoteOff:
    """A note off (or a note on with velocity 0)."""

    t: float
    source: str
    channel: int
    note: int
    velocity: int = 0


@dataclass(frozen=True, slots=True)
class PitchBend:
    """Pitch bend, -8192..8191."""

    t: float
    source: str
    channel: int
    value: int


@dataclass(frozen=True, slots=True)
class ChannelPressure:
    """Channel aftertouch, 0..127."""

    t: float
    source: str
    channel: int
    value: int


@dataclass(frozen=True, slots=True)
class PolyPressure:
    """Polyphonic aftertouch on one note, 0..127."""

    t: float
    source: str
    channel: int
    note: int
    value: int


@dataclass(frozen=True, slots=True)
class ProgramChange:
    """Program change, 0..127."""

    t: float
    source: str
    channel: int
    program: int


@dataclass(frozen=True, slots=True)
class MidiClock:
    """MIDI real-time and song position: ``tick`` (24 per quarter), start, stop, continue,
    or ``songpos`` with ``position`` in sixteenths."""

    t: float
    source: str
    kind: Literal["tick", "start", "stop", "continue", "songpos"]
    position: int = 0


@dataclass(frozen=True, slots=True, init=False)
class OscMessage:
    """One OSC message; ``timetag`` is the enclosing bundle's time (seconds since 1900, NTP)
    carried as data, or None for a bare message or an "immediately" bundle."""

    t: float
    source: str
    address: str
    args: tuple[OscArg, ...]
    timetag: float | None = None

    def __init__(
        self,
        t: float,
        source: str,
        address: str,
        args: tuple[OscArg, ...],
        timetag: float | None = None,
    ) -> None:
        # Hosts send tens of thousands of these a second: see slot_setters.
        _OSC_T(self, t)
        _OSC_SOURCE(self, source)
        _OSC_ADDRESS(self, address)
        _OSC_ARGS(self, args)
        _OSC_TIMETAG(self, timetag)


def slot_setters(cls: type, *names: str) -> tuple[Callable[[object, Any], None], ...]:
    """Writers for the named slots of a frozen, slotted dataclass, for a hand-written
    ``__init__`` on a class made once per message.

    A frozen dataclass's generated ``__init__`` calls ``object.__setattr__(self, name, v)``
    per field, which looks the slot up by name each time; calling the slot's own descriptor
    does the same write in about half the time. Only for ``__init__``: the instance stays
    frozen, and equality, hashing, ``repr`` and ``replace`` are still the dataclass's.
    """
    return tuple(getattr(cls, name).__set__ for name in names)


_OSC_T, _OSC_SOURCE, _OSC_ADDRESS, _OSC_ARGS, _OSC_TIMETAG = slot_setters(
    OscMessage, "t", "source", "address", "args", "timetag"
)


@dataclass(frozen=True, slots=True)
class AudioFeatures:
    """One analysis frame: feature name → value (level, bass, mid, high, brightness,
    intensity, onset, bpm, beat_phase, bar_phase, ...)."""

    t: float
    source: str
    values: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AudioOnset:
    """An onset detected in the audio, with its strength (0..1)."""

    t: float
    source: str
    strength: float


@dataclass(frozen=True, slots=True)
class TempoBeat:
    """Tempo state from any tempo source (audio tracker, MIDI clock, OSC host).

    ``beat`` is True when this event marks a beat boundary; ``downbeat`` a bar boundary.
    """

    t: float
    source: str
    bpm: float
    beat_phase: float
    bar_phase: float
    beat: bool = False
    downbeat: bool = False
    confidence: float = 1.0


UiActionName = Literal[
    "next_scene",
    "prev_scene",
    "select_scene",
    "toggle_pause",
    "reset_cache",
    "set_prompt_text",
    "set_value",
]


@dataclass(frozen=True, slots=True)
class UiAction:
    """A command from the console or a script, routed through the same path as a control.

    ``target`` names a prompt slot, scene or target key where the action needs one.
    """

    t: float
    source: str
    action: UiActionName
    target: str = ""
    value: float | str | None = None


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passing, with no input: drives smoothing, slew and LFO sources."""

    t: float
    source: str = "clock"


MidiEvent = (
    ControlChange
    | ControlChange14
    | ParamNumber
    | NoteOn
    | NoteOff
    | PitchBend
    | ChannelPressure
    | PolyPressure
    | ProgramChange
    | MidiClock
)
Event = MidiEvent | OscMessage | AudioFeatures | AudioOnset | TempoBeat | UiAction | Tick
