"""The targets a mapping can drive, with their kinds and bounds.

Rules of this module:
- a target is a dotted name; slot-bound targets carry the slot id in the middle
  (``prompt.<id>.weight``, ``lora.<id>.scale``);
- *continuous* targets hold a float, always clamped to their bounds;
- *discrete* targets hold a choice (a scene name, a text, an index) and never interpolate;
- *one-shots* fire once per trigger; *actions* are commands with no stored value;
- pipeline parameters (``param.NAME``) are not listed here: their specs come with the show
  (``Show.params``), typed offline by the mappings and at run time by the pipeline's schema
  (`bridge.core.params`); ``spec_in`` looks in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

TargetKind = Literal["continuous", "discrete", "oneshot", "action"]
Encoding = Literal["", "number", "integer", "bool", "json"]
"""How a pipeline parameter's value is sent ("" for the bridge's own targets)."""


@dataclass(frozen=True, slots=True)
class TargetSpec:
    kind: TargetKind
    lo: float = 0.0
    hi: float = 1.0
    slot: Literal["", "prompt", "lora"] = ""
    encode: Encoding = ""
    choices: tuple[str, ...] = ()
    """An enum parameter's choices, as JSON texts (a knob steps through them)."""


MAX_STEPS = 64
"""The most chunks a transition may blend over (``num_steps``)."""

FIXED: dict[str, TargetSpec] = {
    "scene": TargetSpec("discrete"),
    "scene.next": TargetSpec("action"),
    "scene.prev": TargetSpec("action"),
    "transition.num_steps": TargetSpec("continuous", 0, MAX_STEPS),
    "transition.method": TargetSpec("discrete"),
    "denoising_steps": TargetSpec("discrete"),
    "kv_cache_attention_bias": TargetSpec("continuous", 0.01, 1.0),
    "noise_scale": TargetSpec("continuous", 0.0, 1.0),
    "paused": TargetSpec("continuous", 0.0, 1.0),
    "reset_cache": TargetSpec("oneshot"),
    "input_mode": TargetSpec("discrete"),
    "tempo.tap": TargetSpec("action"),
    "tempo.double": TargetSpec("action"),
    "tempo.half": TargetSpec("action"),
    "page": TargetSpec("discrete"),
    "page.next": TargetSpec("action"),
    "page.prev": TargetSpec("action"),
}
LAYER = TargetSpec("continuous")
"""``layer.NAME``: held while its button is (`bridge.core.pages`)."""

SLOTTED: dict[tuple[str, str], TargetSpec] = {
    ("prompt", "weight"): TargetSpec("continuous", 0.0, 1.0, "prompt"),
    ("prompt", "text"): TargetSpec("discrete", slot="prompt"),
    ("lora", "scale"): TargetSpec("continuous", -10.0, 10.0, "lora"),
}


@cache
def spec_of(target: str) -> TargetSpec | None:
    """The spec of a target name, or None if no such target exists."""
    if target in FIXED:
        return FIXED[target]
    parts = target.split(".")
    if len(parts) == 2 and parts[0] == "layer" and parts[1]:
        return LAYER
    if len(parts) == 3 and parts[1]:
        return SLOTTED.get((parts[0], parts[2]))
    return None


def spec_in(target: str, params: Mapping[str, TargetSpec]) -> TargetSpec | None:
    """The spec of any target: the fixed ones, then the show's pipeline parameters."""
    return spec_of(target) or params.get(target)


def slot_of(target: str) -> str:
    """The slot id inside ``prompt.<id>.weight`` / ``lora.<id>.scale``."""
    return target.split(".")[1]


def clamp(value: float, lo: float, hi: float) -> float:
    """``value`` within [lo, hi]; NaN (which fails every comparison) becomes ``lo``."""
    return lo if not value >= lo else hi if value > hi else value
