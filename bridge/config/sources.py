"""Reading one ``[[mappings]]`` entry: its source, transform chain, target and behaviour."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bridge.config.mistakes import Mistakes, did_you_mean
from bridge.config.pages import check_view_target, mapping_pages, mapping_when
from bridge.config.param_targets import offline_spec, raw_value, raw_values
from bridge.config.reader import Node
from bridge.config.routing import target_names
from bridge.core.bindings import (
    CURVE_SHAPES,
    ENCODER_MODES,
    LFO_SHAPES,
    MERGE_MODES,
    MIDI_CONTROL_KINDS,
    MIDI_CONTROLS,
    PAD_MODES,
    SOURCE_KINDS,
    TAKEOVER_MODES,
    TRANSFORM_KINDS,
    Binding,
    Source,
    Transform,
)
from bridge.core.pages import is_view_target
from bridge.core.params import name_problem, param_name
from bridge.core.show import INTERPOLATIONS, Show
from bridge.core.targets import FIXED, TargetSpec, spec_of

AUDIO_FEATURES = (
    "level",
    "bass",
    "mid",
    "high",
    "brightness",
    "intensity",
    "onset",
    "bpm",
    "beat_phase",
    "bar_phase",
    "tempo_confidence",
)
TEMPO_FEATURES = ("beat_phase", "bar_phase", "bpm", "beat", "bar")


def read_source(n: Node, show: Show) -> Source:
    kinds = [k for k in SOURCE_KINDS if n.has(k)]
    if not kinds:
        n.misspelt(SOURCE_KINDS)
    if len(kinds) != 1:
        raise n.error("", "a source names exactly one of midi, osc, lfo, audio, tempo")
    kind = kinds[0]
    if kind == "midi":
        device = n.get("midi", str)
        names = [d.name for d in show.midi]
        if device not in names:
            hint = did_you_mean(device, names)
            raise n.error("midi", f"no MIDI device {device!r} in [devices.midi]{hint}")
        channel = n.integer("channel", 0, 1, 16) if n.has("channel") else None
        controls = [k for k in MIDI_CONTROL_KINDS if n.has(k)]
        if not controls:
            n.misspelt(MIDI_CONTROL_KINDS)
        if len(controls) != 1:
            every = ", ".join(MIDI_CONTROL_KINDS)
            raise n.error("", f"a MIDI source names exactly one of {every}")
        control = controls[0]
        highest = MIDI_CONTROLS[control].highest_number
        if highest is not None:
            number = n.integer(control, 0, 0, highest)
        else:
            if not n.get(control, bool):
                raise n.error(control, "set it to true to use this control")
            number = 0
        src = Source("midi", device, channel, control, number)
    elif kind == "osc":
        device = n.get("osc", str)
        names = [d.name for d in show.osc]
        if device not in names:
            hint = did_you_mean(device, names)
            raise n.error("osc", f"no OSC device {device!r} in [devices.osc]{hint}")
        address = n.get("address", str)
        if not address.startswith("/"):
            raise n.error("address", f"an OSC address starts with '/'; got {address!r}")
        prefix = n.list_of(
            "prefix", lambda v: isinstance(v, int | float | str), "a number or a string"
        )
        arg = n.integer("arg", len(prefix), 0, 64)
        if arg < len(prefix):
            raise n.error("arg", f"the value cannot be one of the {len(prefix)} prefix args")
        src = Source("osc", device, address=address, arg=arg, prefix=tuple(prefix))
    elif kind == "lfo":
        shape = n.choice("lfo", LFO_SHAPES)
        src = Source(
            "lfo",
            shape=shape,  # type: ignore[arg-type]
            period_s=n.number("period_s", 8.0, 0.05, 3600.0),
            phase=n.number("phase", 0.0, 0.0, 1.0),
        )
    elif kind == "audio":
        feature = n.choice("audio", AUDIO_FEATURES)
        device = n.get("device", str, "")
        names = [d.name for d in show.audio]
        if device and device not in names:
            hint = did_you_mean(device, names)
            raise n.error("device", f"no audio device {device!r} in [devices.audio]{hint}")
        src = Source("audio", device, feature=feature)
    else:
        src = Source("tempo", feature=n.choice("tempo", TEMPO_FEATURES))
    n.done()
    return src


def read_transform(n: Node) -> Transform:
    present = [k for k in TRANSFORM_KINDS if n.has(k)]
    if not present:
        n.misspelt(TRANSFORM_KINDS)
    if len(present) != 1:
        raise n.error("", f"a transform names exactly one of {', '.join(TRANSFORM_KINDS)}")
    kind = present[0]
    t: Transform
    if kind == "range":
        lo, hi = _pair(n, "range")
        t = Transform("range", lo=lo, hi=hi)
    elif kind == "invert":
        if not n.get("invert", bool):
            raise n.error("invert", "write invert = true, or leave the transform out")
        t = Transform("invert")
    elif kind == "curve":
        shape = n.choice("curve", CURVE_SHAPES)
        points: list[tuple[float, float]] = []
        if shape == "points":
            raw = n.get("points", list)
            for p in raw:
                ok = isinstance(p, list) and len(p) == 2
                if not ok or not all(isinstance(v, int | float) and 0 <= v <= 1 for v in p):
                    raise n.error("points", "each point is [x, y] with both in 0..1")
                points.append((float(p[0]), float(p[1])))
            xs = [p[0] for p in points]
            if len(points) < 2 or xs != sorted(xs) or len(set(xs)) != len(xs):
                raise n.error("points", "at least two points with strictly increasing x")
        t = Transform(
            "curve",
            shape=shape,  # type: ignore[arg-type]
            amount=n.number("amount", 2.0, 0.01, 100.0),
            points=tuple(points),
        )
    elif kind == "deadzone":
        t = Transform("deadzone", width=n.number("deadzone", 0.0, 0.0, 0.5))
    elif kind == "quantize":
        t = Transform("quantize", step=n.number("quantize", 0.1, 0.001, 1.0))
    elif kind == "smooth":
        t = Transform("smooth", ms=n.number("smooth", 50.0, 1.0, 60000.0))
    else:
        t = Transform("slew", per_s=n.number("slew", 1.0, 0.001, 1000.0))
    n.done()
    return t


def _pair(n: Node, key: str) -> tuple[float, float]:
    raw = n.get(key, list)
    if len(raw) != 2 or not all(isinstance(v, int | float) for v in raw):
        raise n.error(key, f"expected [low, high]; got {raw!r}")
    return float(raw[0]), float(raw[1])


def target_problem(target: str, show: Show) -> str | None:
    """Why ``target`` names nothing this show can drive (a clause), or None."""
    name = param_name(target)
    if name is not None:
        return name_problem(name)
    spec = spec_of(target)
    if spec is None:
        known = [*FIXED, *(f"prompt.{p.id}.weight" for p in show.prompts), "param.NAME"]
        hint = did_you_mean(target, known) or " (see mappings/README.md)"
        return f"unknown target {target!r}{hint}"
    slot = target.split(".")[1] if spec.slot else ""
    prompts = [p.id for p in show.prompts]
    if spec.slot == "prompt" and slot not in prompts:
        return f"no prompt slot {slot!r}{did_you_mean(slot, prompts)}"
    loras = [lo.id for lo in show.loras]
    if spec.slot == "lora" and slot not in loras:
        return f"no LoRA slot {slot!r} in [[loras]]{did_you_mean(slot, loras)}"
    if target == "denoising_steps" and not show.denoising_presets:
        return "denoising_steps needs denoising_presets = [[...], ...]"
    return None


def _target(n: Node, show: Show) -> tuple[str, TargetSpec | None]:
    """The target and its spec; None for a pipeline parameter, whose kind the mapping's other
    keys decide (`bridge.config.param_targets`)."""
    target = n.get("target", str)
    problem = target_problem(target, show)
    if problem:
        raise n.error("target", problem)
    if param_name(target) is not None:
        return target, None
    spec = spec_of(target)
    assert spec is not None  # target_problem said it exists
    return target, spec


def _out(n: Node, target: str, spec: TargetSpec | None) -> tuple[float, float]:
    lo, hi = _pair(n, "out")
    if (
        spec
        and spec.kind == "continuous"
        and not (spec.lo <= min(lo, hi) <= max(lo, hi) <= spec.hi)
    ):
        raise n.error("out", f"{target} takes {spec.lo:g}..{spec.hi:g}; got [{lo:g}, {hi:g}]")
    return lo, hi


def _merge(n: Node, target: str, spec: TargetSpec | None) -> str:
    merge = n.choice("merge", MERGE_MODES)
    if merge != "set" and spec and spec.kind != "continuous":
        raise n.error("merge", f"add/multiply need a continuous target; {target} is {spec.kind}")
    return merge


def _encoder(n: Node, source: Source | None) -> str:
    if source and (source.kind != "midi" or source.control not in ("cc", "nrpn")):
        raise n.error("encoder", "relative encoders are MIDI cc (or nrpn) sources")
    return n.choice("encoder", ENCODER_MODES)


def _value(n: Node) -> float | str:
    value = n.get("value", object)
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        raise n.error("value", f"expected a number or a string; got {value!r}")
    return float(value) if isinstance(value, int) else value


def _values(n: Node) -> tuple[float | str, ...]:
    values = n.list_of("values", lambda v: isinstance(v, int | float | str), "a value")
    if not values:
        raise n.error("values", "give at least one value")
    return tuple(float(v) if isinstance(v, int) else v for v in values)


def read_binding(n: Node, index: int, show: Show) -> Binding:
    """Validate one [[mappings]] entry against the rest of the show. Its keys are read
    one by one and every mistake in the entry is raised together: a wrong target does not
    hide a misspelt `takeovr` below it."""
    mistakes = Mistakes()
    attempt = mistakes.attempt
    mapping_id = attempt(n.get, "id", str, f"m{index + 1}")
    source_table = attempt(n.table, "source")
    source = attempt(read_source, source_table, show) if source_table else None
    target, spec = attempt(_target, n, show) or ("", None)
    param = bool(target) and param_name(target) is not None
    transforms = [attempt(read_transform, t) for t in attempt(n.tables, "transforms") or []]
    fields: dict[str, Any] = {}
    # Each reader runs only for a key the mapping has: one left out keeps `Binding`'s default.
    readers: list[tuple[str, str, Callable[[], Any]]] = [
        ("in", "in_range", lambda: _pair(n, "in")),
        ("out", "out_range", lambda: _out(n, target, spec)),
        ("merge", "merge", lambda: _merge(n, target, spec)),
        ("takeover", "takeover", lambda: n.choice("takeover", TAKEOVER_MODES)),
        ("tolerance", "tolerance", lambda: n.number("tolerance", None, 0.0, 0.5)),
        ("encoder", "encoder", lambda: _encoder(n, source)),
        ("step", "step", lambda: n.number("step", None, 0.0001, 1.0)),
        ("acceleration", "acceleration", lambda: n.number("acceleration", None, 0.0, 10.0)),
        ("pad", "pad", lambda: n.choice("pad", PAD_MODES)),
        ("value", "value", lambda: raw_value(n, "value") if param else _value(n)),
        ("values", "values", lambda: raw_values(n, "values") if param else _values(n)),
        ("group", "group", lambda: n.get("group", str)),
        ("feedback", "feedback", lambda: n.get("feedback", bool)),
        ("page", "pages", lambda: mapping_pages(n, show)),
        ("when", "when", lambda: mapping_when(n)),
        ("targets", "targets", lambda: target_names(n, "targets")),
    ]
    for key, name, read in readers:
        if n.has(key):
            value = attempt(read)
            if value is not None:
                fields[name] = value
    if param:
        spec = attempt(offline_spec, n, fields)
    elif spec is not None:
        attempt(_check_values, n, target, spec.kind, show, fields)
        if is_view_target(target):
            attempt(check_view_target, n, target, show, fields)
    attempt(n.done)
    mistakes.raise_any()
    assert mapping_id is not None  # each of these failing was a mistake, raised above
    assert source is not None
    assert spec is not None
    return Binding(
        id=mapping_id,
        source=source,
        target=target,
        transforms=tuple(t for t in transforms if t is not None),
        origin=(n.file, n.path),
        **fields,
    )


def _check_values(n: Node, target: str, kind: str, show: Show, f: dict[str, Any]) -> None:
    """Discrete targets need choices that exist; pads need what they set."""
    choices = [*f.get("values", ()), *([f["value"]] if "value" in f else [])]
    if target == "scene":
        names = {s.name for s in show.scenes}
        for c in choices:
            if isinstance(c, str) and c not in names:
                raise n.error("value", f"no scene named {c!r}")
    elif target == "transition.method":
        for c in choices:
            if c not in INTERPOLATIONS:
                raise n.error("values", "transition.method takes 'linear' or 'slerp'")
    elif target == "input_mode":
        for c in choices:
            if c not in ("text", "video"):
                raise n.error("values", "input_mode takes 'text' or 'video'")
    elif target == "denoising_steps":
        for c in choices:
            if not isinstance(c, float) or not 0 <= c < len(show.denoising_presets):
                raise n.error("values", "denoising_steps values are preset indexes")
    elif kind == "discrete" and re.fullmatch(r"prompt\.[^.]+\.text", target):
        if not choices or not all(isinstance(c, str) for c in choices):
            raise n.error("values", 'a prompt text target needs values = ["text", ...]')
    elif kind == "continuous":
        for c in choices:
            if isinstance(c, str):
                raise n.error("value", f"{target} takes numbers; got {c!r}")
