"""The mapping language: where a value comes from, how it is shaped, where it goes.

A binding is one line of a show's mappings (source → ordered transforms → target), already
checked by `bridge.config`, so the core acts on it without re-validating. These types, with
the modes they name, are the words the engine, state and takeover speak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

SourceKind = Literal["midi", "osc", "lfo", "audio", "tempo"]
TakeoverMode = Literal["off", "pickup", "pickup_tolerant", "catchup"]
EncoderMode = Literal["twos_complement", "binary_offset", "sign_magnitude"]
PadMode = Literal["momentary", "toggle", "trigger", "radio", "cycle"]
MergeMode = Literal["set", "add", "multiply"]
MidiControlKind = Literal[
    "cc", "cc14", "nrpn", "rpn", "note", "pitchbend", "aftertouch", "poly_aftertouch", "program"
]
LfoShape = Literal["sine", "triangle", "saw", "square"]
TransformKind = Literal["range", "invert", "curve", "deadzone", "quantize", "smooth", "slew"]
CurveShape = Literal["linear", "exponential", "logarithmic", "scurve", "points"]

# Each vocabulary is written once, as its type above; the reader's lists of choices (in file
# order, for its messages) are these tuples, derived from the types.
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
TAKEOVER_MODES: tuple[TakeoverMode, ...] = get_args(TakeoverMode)
ENCODER_MODES: tuple[EncoderMode, ...] = get_args(EncoderMode)
PAD_MODES: tuple[PadMode, ...] = get_args(PadMode)
MERGE_MODES: tuple[MergeMode, ...] = get_args(MergeMode)
MIDI_CONTROL_KINDS: tuple[MidiControlKind, ...] = get_args(MidiControlKind)
LFO_SHAPES: tuple[LfoShape, ...] = get_args(LfoShape)
TRANSFORM_KINDS: tuple[TransformKind, ...] = get_args(TransformKind)
CURVE_SHAPES: tuple[CurveShape, ...] = get_args(CurveShape)


@dataclass(frozen=True, slots=True)
class MidiControl:
    """What a mapping needs to know of one kind of MIDI control."""

    raw: tuple[float, float]
    """The values the control sends, lowest and highest (a mapping's default ``in`` range)."""
    highest_number: int | None
    """The highest controller, parameter or note number it is written with; None: it has no
    number (a mapping writes ``pitchbend = true``)."""


MIDI_CONTROLS: Mapping[str, MidiControl] = {
    "cc": MidiControl((0.0, 127.0), 127),
    "cc14": MidiControl((0.0, 16383.0), 31),  # numbered by its MSB controller, 0..31
    "nrpn": MidiControl((0.0, 16383.0), 16383),
    "rpn": MidiControl((0.0, 16383.0), 16383),
    "note": MidiControl((0.0, 127.0), 127),
    "pitchbend": MidiControl((-8192.0, 8191.0), None),
    "aftertouch": MidiControl((0.0, 127.0), None),
    "poly_aftertouch": MidiControl((0.0, 127.0), 127),
    "program": MidiControl((0.0, 127.0), None),
}
"""The one table of MIDI control kinds (its keys are exactly ``MIDI_CONTROL_KINDS``)."""


UNNUMBERED_CONTROLS = frozenset(k for k, c in MIDI_CONTROLS.items() if c.highest_number is None)
"""The kinds with no number: one per channel (``pitchbend = true``)."""


TOLERANCE = 0.03
"""How near (of the target's range) a knob must come to the value to pick it up."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a mapping's value comes from."""

    kind: SourceKind
    device: str = ""
    channel: int | None = None
    control: MidiControlKind | None = None
    number: int = 0
    address: str = ""
    arg: int = 0
    prefix: tuple[int | float | str, ...] = ()
    """Leading OSC arguments that must match (e.g. a track index) before ``arg`` is read."""
    shape: LfoShape = "sine"
    period_s: float = 8.0
    phase: float = 0.0
    feature: str = ""


@dataclass(frozen=True, slots=True)
class Transform:
    """One step of a mapping's ordered filter chain."""

    kind: TransformKind
    lo: float = 0.0
    hi: float = 1.0
    shape: CurveShape = "linear"
    amount: float = 2.0
    points: tuple[tuple[float, float], ...] = ()
    width: float = 0.0
    step: float = 0.0
    ms: float = 0.0
    per_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Binding:
    """One mapping: source → ordered transforms → target."""

    id: str
    source: Source
    target: str
    transforms: tuple[Transform, ...] = ()
    in_range: tuple[float, float] | None = None
    out_range: tuple[float, float] | None = None
    merge: MergeMode = "set"
    takeover: TakeoverMode = "off"
    tolerance: float = TOLERANCE
    encoder: EncoderMode | None = None
    step: float = 0.01
    acceleration: float = 0.0
    pad: PadMode | None = None
    value: float | str | None = None
    values: tuple[float | str, ...] = ()
    group: str = ""
    feedback: bool = True
    pages: tuple[str, ...] = ()
    """The pages this mapping acts on; empty: every page (`bridge.core.pages`)."""
    when: str = ""
    """The layer that must be held for this mapping to act; empty: none."""
    origin: tuple[str, str] = ("", "")
    """(file, key path) the binding came from, for messages."""
    surface: str = ""
    """The OSC device whose default surface made this binding (`bridge.config.surface`)."""
    targets: tuple[str, ...] = ()
    """The Scope targets this mapping's changes go to; empty: every target."""
