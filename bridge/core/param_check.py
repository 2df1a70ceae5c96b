"""A show's ``param.NAME`` targets typed by the loaded pipeline's ``config_schema``.

Offline, a parameter's kind is what its mappings say (`bridge.config.param_targets`). Once
Scope describes the pipeline, each parameter takes the schema's type and bounds
(`bridge.core.params.spec_from_schema`), and every disagreement becomes one sentence for
Problems: a parameter the pipeline does not declare, a knob on an array, a pad value of the
wrong shape, an ``out`` range past the schema's bounds. Where the two disagree on the kind,
the show's own typing stays, so a mistake changes nothing on stage but that sentence. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bridge.core.bindings import Binding
from bridge.core.params import decoded, properties, spec_from_schema, value_problem
from bridge.core.show import Show
from bridge.core.targets import TargetSpec


def typed_params(
    show: Show, pipeline: str, config_schema: Any
) -> tuple[dict[str, TargetSpec], list[str]]:
    """The show's parameter specs as ``pipeline``'s schema types them, and the mismatches."""
    declared = properties(config_schema)
    typed: dict[str, TargetSpec] = {}
    found: list[str] = []
    for target, offline in show.params.items():
        name = target[len("param.") :]
        bindings = [b for b in show.bindings if b.target == target and not b.surface]
        ids = ", ".join(b.id for b in bindings)
        prop = declared.get(name)
        if prop is None:
            takes = ", ".join(sorted(declared)) or "none"
            found.append(
                f"pipeline {pipeline} takes no parameter {name!r} (mapping(s) {ids}); "
                f"it takes: {takes}"
            )
            typed[target] = offline
            continue
        spec, problems = _typed(target, offline, prop, bindings, pipeline)
        typed[target] = spec
        found += problems
    return typed, found


def _typed(
    target: str,
    offline: TargetSpec,
    prop: Mapping[str, Any],
    bindings: list[Binding],
    pipeline: str,
) -> tuple[TargetSpec, list[str]]:
    spec = spec_from_schema(prop, offline)
    kind = prop.get("type") or ("enum" if "enum" in prop else "value")
    problems: list[str] = []
    ids = ", ".join(b.id for b in bindings)
    if offline.kind == "continuous" and spec.kind == "discrete" and not spec.choices:
        problems.append(
            f"{target} is {_a(kind)} {kind} in pipeline {pipeline}: mapping(s) {ids} drive it "
            "as a number; set it with value = ... on a pad, or an OSC string"
        )
        return offline, problems
    if offline.kind == "discrete" and spec.kind == "continuous" and kind != "boolean":
        problems.append(
            f"{target} is a number in pipeline {pipeline}: mapping(s) {ids} set it by values; "
            "drive it with a knob (out = [low, high] within its bounds)"
        )
        return offline, problems
    if offline.kind == "discrete" and spec.kind == "continuous":
        spec = TargetSpec("discrete", encode="json")  # true/false values on a boolean
    for b in bindings:
        if b.out_range is not None and spec.kind == "continuous":
            lo, hi = min(b.out_range), max(b.out_range)
            if lo < spec.lo or hi > spec.hi:
                problems.append(
                    f"mapping {b.id}: out [{lo:g}, {hi:g}] is outside {target}'s "
                    f"{spec.lo:g}..{spec.hi:g} in pipeline {pipeline} (Scope's bounds win)"
                )
        for raw in (b.value, *b.values):
            if not isinstance(raw, str) or spec.kind != "discrete":
                continue
            why = value_problem(prop, decoded(raw))
            if why is not None:
                problems.append(f"mapping {b.id}: {target}: {why} (pipeline {pipeline})")
    return spec, problems


def _a(kind: str) -> str:
    return "an" if kind[:1] in "aeiou" else "a"


def with_params(show: Show, params: Mapping[str, TargetSpec]) -> Show:
    """``show`` with these parameter specs (the same object when nothing changes)."""
    return show if dict(show.params) == dict(params) else replace(show, params=dict(params))
