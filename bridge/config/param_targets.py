"""``param.NAME`` targets in a show file, checked offline (no Scope needed).

`check` cannot know what the pipeline takes, but it can hold what the file says to its
shape: a parameter name, values that are JSON (a number, a string, a boolean, a table or an
array), one kind per parameter across its mappings. What a mapping says decides the kind:
``values``, or a ``value`` that is not a number, makes a *value* parameter (sent whole, as
the table or array written); anything else is a *number*, 0..1 unless ``out`` says. The
running bridge then types each parameter by the pipeline's schema (`bridge.core.param_check`).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from typing import Any

from bridge.config.reader import Node
from bridge.core.bindings import Binding
from bridge.core.params import UNTYPED, json_text, param_name
from bridge.core.targets import TargetSpec

_TIMES = (datetime.date, datetime.time, datetime.datetime)


def raw_value(n: Node, key: str) -> Any:
    """``value`` as written, for a parameter: anything JSON can carry."""
    value = n.get(key, object)
    bad = _not_json(value)
    if bad:
        raise n.error(key, bad)
    return value


def raw_values(n: Node, key: str) -> list[Any]:
    values = n.get(key, list)
    if not values:
        raise n.error(key, "give at least one value")
    for value in values:
        bad = _not_json(value)
        if bad:
            raise n.error(key, bad)
    return values


def _not_json(value: Any) -> str | None:
    if isinstance(value, _TIMES):
        return f"a date or time cannot be sent to Scope; got {value}"
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if isinstance(value, dict):
        return next((b for b in map(_not_json, value.values()) if b), None)
    if isinstance(value, list):
        return next((b for b in map(_not_json, value) if b), None)
    return None


def offline_spec(n: Node, fields: dict[str, Any]) -> TargetSpec:
    """This mapping's kind of parameter; ``value``/``values`` in ``fields`` are rewritten as
    the core carries them (JSON texts for a value parameter, floats for a number)."""
    value = fields.get("value")
    values = fields.get("values")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if values is None and (value is None or number):
        if value is not None:
            fields["value"] = float(value)
        lo, hi = fields.get("out_range", (UNTYPED.lo, UNTYPED.hi))
        return TargetSpec("continuous", min(lo, hi), max(lo, hi), encode="number")
    if "out_range" in fields:
        raise n.error("out", "a parameter set by values has no out range")
    if "merge" in fields and fields["merge"] != "set":
        raise n.error("merge", "add/multiply need a number parameter, not one set by values")
    if value is not None:
        fields["value"] = json_text(value)
    if values is not None:
        fields["values"] = tuple(json_text(v) for v in values)
    return TargetSpec("discrete", encode="json")


def show_params(bindings: Iterable[Binding]) -> tuple[dict[str, TargetSpec], list[str]]:
    """Each parameter target's spec across the mappings that drive it, and the clauses for
    parameters driven both as a number and by values (a mapping id each)."""
    specs: dict[str, TargetSpec] = {}
    kinds: dict[str, list[tuple[str, str]]] = {}
    for b in bindings:
        if param_name(b.target) is None:
            continue
        discrete = bool(b.values) or isinstance(b.value, str)
        kinds.setdefault(b.target, []).append((b.id, "discrete" if discrete else "continuous"))
        old = specs.get(b.target)
        if discrete:
            specs[b.target] = TargetSpec("discrete", encode="json")
            continue
        lo, hi = b.out_range or (UNTYPED.lo, UNTYPED.hi)
        lo, hi = min(lo, hi), max(lo, hi)
        if old is not None and old.kind == "continuous":
            lo, hi = min(lo, old.lo), max(hi, old.hi)
        if old is None or old.kind == "continuous":
            specs[b.target] = TargetSpec("continuous", lo, hi, encode="number")
    clashes = []
    for target, seen in kinds.items():
        if len({kind for _, kind in seen}) > 1:
            numbers = [i for i, k in seen if k == "continuous"]
            valued = [i for i, k in seen if k == "discrete"]
            clashes.append(
                f"{target} is driven as a number by {', '.join(numbers)} and set by values by "
                f"{', '.join(valued)}: give them one kind"
            )
    return specs, clashes
