"""The mapping language: where a value comes from, how it is shaped, where it goes.

A binding is one line of a show's mappings (source → ordered transforms → target), already
checked by `bridge.config`, so the core acts on it without re-validating. These types, with
the modes they name, are the words the engine, state and takeover speak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TakeoverMode = Literal["off", "pickup", "pickup_tolerant", "catchup"]
EncoderMode = Literal["twos_complement", "binary_offset", "sign_magnitude"]
PadMode = Literal["momentary", "toggle", "trigger", "radio", "cycle"]
MergeMode = Literal["set", "add", "multiply"]
MidiControlKind = Literal[
    "cc", "cc14", "nrpn", "rpn", "note", "pitchbend", "aftertouch", "poly_aftertouch", "program"
]
LfoShape = Literal["sine", "triangle", "saw", "square"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a mapping's value comes from."""

    kind: Literal["midi", "osc", "lfo", "audio", "tempo"]
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

    kind: Literal["range", "invert", "curve", "deadzone", "quantize", "smooth", "slew"]
    lo: float = 0.0
    hi: float = 1.0
    shape: Literal["linear", "exponential", "logarithmic", "scurve", "points"] = "linear"
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
    tolerance: float = 0.03
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
