"""What the ``monitor`` command prints: each event as a readable line plus the mapping source
to paste into a show file, and a guess at how a relative encoder encodes its turns.

The source tables use the mapping file's keys, e.g. ``{ midi = "apc", channel = 1, cc = 48 }``
or ``{ osc = "td", address = "/fader1", arg = 0 }``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bridge.core.events import (
    ChannelPressure,
    ControlChange,
    ControlChange14,
    Event,
    MidiClock,
    NoteOff,
    NoteOn,
    OscMessage,
    ParamNumber,
    PitchBend,
    PolyPressure,
    ProgramChange,
    TempoBeat,
)


@dataclass(frozen=True, slots=True)
class MonitorLine:
    """``text`` for people; ``sources``: inline TOML tables, one per mappable value (an OSC
    message gives one per argument; ticks and tempo give none)."""

    text: str
    sources: tuple[str, ...]


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _table(pairs: Iterable[tuple[str, str | int | bool]]) -> str:
    def value(v: str | int | bool) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return toml_string(v) if isinstance(v, str) else str(v)

    return "{ " + ", ".join(f"{k} = {value(v)}" for k, v in pairs) + " }"


def describe(event: Event) -> MonitorLine:
    """One monitor line for any event."""
    match event:
        case OscMessage(source=src, address=address, args=args, timetag=tag):
            shown = " ".join(repr(a) for a in args)
            when = "" if tag is None else f"  @{tag:.6f}"
            base: list[tuple[str, str | int | bool]] = [("osc", src), ("address", address)]
            sources = tuple(_table([*base, ("arg", i)]) for i in range(len(args)))
            return MonitorLine(
                f"{src}  {address} {shown}{when}".rstrip(), sources or (_table(base),)
            )
        case MidiClock(source=src, kind=kind, position=pos):
            return MonitorLine(
                f"{src}  clock {kind}" + (f" {pos}" if kind == "songpos" else ""), ()
            )
        case TempoBeat(source=src, bpm=bpm, beat_phase=phase):
            return MonitorLine(f"{src}  tempo {bpm:.2f} bpm  beat phase {phase:.2f}", ())
    midi = _midi(event)
    if midi is None:
        return MonitorLine(f"{event.source}  {type(event).__name__}", ())
    label, value, key = midi
    channel = getattr(event, "channel", 0)
    table = _table([("midi", event.source), ("channel", channel), key])
    return MonitorLine(f"{event.source}  ch {channel}  {label} = {value}", (table,))


def _midi(event: Event) -> tuple[str, int, tuple[str, int | bool]] | None:
    """(label, value, source key) of a channel MIDI event."""
    match event:
        case ControlChange(control=n, value=v):
            return f"cc {n}", v, ("cc", n)
        case ControlChange14(control=n, value=v):
            return f"cc14 {n}", v, ("cc14", n)
        case ParamNumber(kind=kind, number=n, value=v, delta=d):
            return f"{kind} {n}", (d if d else v), (kind, n)
        case NoteOn(note=n, velocity=v):
            return f"note {n} on", v, ("note", n)
        case NoteOff(note=n, velocity=v):
            return f"note {n} off", v, ("note", n)
        case PitchBend(value=v):
            return "pitchbend", v, ("pitchbend", True)
        case ChannelPressure(value=v):
            return "pressure", v, ("pressure", True)
        case PolyPressure(note=n, value=v):
            return f"poly pressure {n}", v, ("polypressure", n)
        case ProgramChange(program=p):
            return "program", p, ("program", True)
    return None


Encoding = Literal["twos_complement", "binary_offset", "sign_magnitude"]
ENCODINGS: tuple[Encoding, ...] = ("twos_complement", "binary_offset", "sign_magnitude")


def decode_relative(value: int, encoding: Encoding) -> int:
    """The signed step a relative-encoder byte stands for."""
    if encoding == "twos_complement":  # 1..63 up, 127..64 down (-1..-64)
        return value - 128 if value >= 64 else value
    if encoding == "binary_offset":  # 64 is rest: 65.. up, 63.. down
        return value - 64
    return -(value & 0x3F) if value & 0x40 else value  # bit 6 is the sign


@dataclass(frozen=True, slots=True)
class EncoderGuess:
    """``encoding`` when one encoding explains the turns best, else None; ``candidates``
    are the equally good ones; ``both_directions``: turns both ways were seen."""

    encoding: Encoding | None
    candidates: tuple[Encoding, ...]
    both_directions: bool


def detect_encoding(values: Sequence[int], *, max_mean_step: float = 8.0) -> EncoderGuess:
    """Guess the encoding from a few turns: real turns are small steps, so the encoding
    whose decoded steps are smallest wins. A step of 0 counts as implausible (encoders do
    not send "no move"). Values that look like an absolute knob give no guess."""
    if not values:
        return EncoderGuess(None, (), False)

    def cost(encoding: Encoding) -> float:
        steps = [decode_relative(v & 0x7F, encoding) for v in values]
        return sum(abs(s) if s else 64 for s in steps) / len(steps)

    costs = {e: cost(e) for e in ENCODINGS}
    best = min(costs.values())
    if best > max_mean_step:
        return EncoderGuess(None, (), False)
    candidates = tuple(e for e in ENCODINGS if costs[e] <= best + 1e-9)
    steps = [decode_relative(v & 0x7F, candidates[0]) for v in values]
    both = any(s > 0 for s in steps) and any(s < 0 for s in steps)
    return EncoderGuess(candidates[0] if len(candidates) == 1 else None, candidates, both)


class EncoderDetector:
    """Remembers the last few values of each CC and guesses each one's encoding."""

    def __init__(self, history: int = 16) -> None:
        self._history = history
        self._values: dict[tuple[str, int, int], deque[int]] = {}

    def feed(self, event: ControlChange) -> EncoderGuess:
        key = (event.source, event.channel, event.control)
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = deque(maxlen=self._history)
        values.append(event.value)
        return detect_encoding(values)
