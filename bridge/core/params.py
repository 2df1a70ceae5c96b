"""Pipeline parameters as targets (``param.NAME``): typed by the pipeline's ``config_schema``.

Scope describes every parameter a pipeline takes as JSON schema (pydantic's rendering:
``anyOf`` with ``null`` for optional fields, ``$ref`` into ``$defs``, ``enum`` for choices).
A mapping may drive any of them. What a parameter is decides how a control drives it:

- a number (``number``/``integer``) is continuous within its ``minimum``..``maximum``; a bound
  the schema leaves open comes from the show (the mapping's ``out`` range);
- a boolean is a toggle: continuous 0..1, sent as ``true`` from 0.5 up;
- an enum is discrete: a knob steps through its choices, a pad picks one;
- an array or an object is a value, set whole by a pad or by an OSC string (JSON).

Discrete values travel through the core as their canonical JSON text (``json_text``), so a
table from a show file, an OSC string and an enum choice are all plain hashable strings, and
the payload decodes them once. Pure: JSON in, specs and sentences out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from bridge.core.targets import TargetSpec

PREFIX = "param."
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED = {
    "prompts": "prompt.<slot>.weight / prompt.<slot>.text",
    "transition": "scene (a transition runs on each scene change)",
    "prompt_interpolation_method": "transition.method",
    "paused": "paused",
    "input_mode": "input_mode",
    "reset_cache": "reset_cache",
    "kv_cache_attention_bias": "kv_cache_attention_bias",
    "noise_scale": "noise_scale",
    "denoising_step_list": "denoising_steps",
    "lora_scales": "lora.<slot>.scale",
    "pipeline_ids": "",
}
"""Parameters the bridge composes itself (its own targets), never set raw."""

NULLABLE = "x-nullable"
"""Marks a resolved property that also takes null (an optional field)."""

UNTYPED = TargetSpec("continuous", 0.0, 1.0, encode="number")
"""A number parameter before anything says more: 0..1, or the mapping's ``out`` range."""


def param_name(target: str) -> str | None:
    """``ctrl_input`` for ``param.ctrl_input``; None for every other target."""
    return target[len(PREFIX) :] if target.startswith(PREFIX) else None


def name_problem(name: str) -> str | None:
    """Why ``param.<name>`` cannot be a target (a clause), or None."""
    if not NAME.fullmatch(name):
        return f"param.{name!r} is not a parameter name (letters, digits and _)"
    if name in RESERVED:
        own = RESERVED[name]
        use = f": use the target {own}" if own else ""
        return f"{name} is composed by the bridge itself{use}"
    return None


def json_text(value: Any) -> str:
    """The canonical JSON text of a value (keys sorted, no spaces), for discrete params."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def from_osc(raw: str) -> str:
    """An OSC string for a value parameter: JSON when it parses, else the string itself."""
    try:
        return json_text(json.loads(raw))
    except ValueError:
        return json_text(raw)


def decoded(text: str) -> Any:
    """A discrete parameter's value as JSON (what Scope is sent)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- reading the schema ---------------------------------------------------------------------
def resolve(schema: Any, defs: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with a local ``$ref`` followed and an optional (``anyOf`` with null) unwrapped.

    What stays is the part that says what the value is; nothing else is interpreted.
    """
    seen = 0
    while isinstance(schema, Mapping) and seen < 16:
        seen += 1
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            schema = {**defs.get(ref[len("#/$defs/") :], {}), **_without(schema, "$ref")}
            continue
        options = schema.get("anyOf")
        if isinstance(options, list):
            real = [o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")]
            if len(real) == 1:
                nullable = len(real) < len(options)
                schema = {**_without(schema, "anyOf"), **real[0]}
                if nullable:
                    schema[NULLABLE] = True
                continue
        break
    return dict(schema) if isinstance(schema, Mapping) else {}


def _without(schema: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != key}


def properties(config_schema: Any) -> dict[str, dict[str, Any]]:
    """Each parameter a ``config_schema`` declares, resolved (``resolve``)."""
    if not isinstance(config_schema, Mapping):
        return {}
    defs = config_schema.get("$defs")
    defs = defs if isinstance(defs, Mapping) else {}
    props = config_schema.get("properties")
    if not isinstance(props, Mapping):
        return {}
    return {str(k): _deep(v, defs) for k, v in props.items()}


def _deep(schema: Any, defs: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    """``resolve`` applied all the way down (object properties, array items)."""
    out = resolve(schema, defs)
    if depth > 8:
        return out
    if isinstance(out.get("properties"), Mapping):
        out["properties"] = {k: _deep(v, defs, depth + 1) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), Mapping):
        out["items"] = _deep(out["items"], defs, depth + 1)
    if isinstance(out.get("prefixItems"), list):
        out["prefixItems"] = [_deep(v, defs, depth + 1) for v in out["prefixItems"]]
    return out


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


def spec_from_schema(prop: Mapping[str, Any], fallback: TargetSpec = UNTYPED) -> TargetSpec:
    """The target spec a resolved schema property gives; open bounds come from ``fallback``."""
    kind = prop.get("type")
    enum = prop.get("enum")
    if isinstance(enum, list) and enum:
        return TargetSpec("discrete", encode="json", choices=tuple(json_text(v) for v in enum))
    if kind == "boolean":
        return TargetSpec("continuous", 0.0, 1.0, encode="bool")
    if kind in ("number", "integer"):
        lo, hi = _number(prop.get("minimum")), _number(prop.get("maximum"))
        low = lo if lo is not None else fallback.lo
        high = hi if hi is not None else fallback.hi
        if high < low:  # a show bound past the schema's other one: the schema's side wins
            low, high = (low, low) if lo is not None else (high, high)
        if kind == "integer":
            return TargetSpec("continuous", low, high, encode="integer")
        return TargetSpec("continuous", low, high, encode="number")
    return TargetSpec("discrete", encode="json")


# -- checking a value against the schema ------------------------------------------------------
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def value_problem(prop: Mapping[str, Any], value: Any, where: str = "") -> str | None:
    """Why ``value`` does not fit a resolved schema property (a clause), or None.

    The subset pydantic's schemas use: type, enum, minimum/maximum, items, prefixItems,
    min/maxItems, uniqueItems, properties, additionalProperties false.
    """
    at = f" at {where}" if where else ""
    if value is None and prop.get(NULLABLE):
        return None
    options = prop.get("anyOf")
    if isinstance(options, list):
        if value is None and any(
            isinstance(o, Mapping) and o.get("type") == "null" for o in options
        ):
            return None
        clauses = [value_problem(o, value, where) for o in options if isinstance(o, Mapping)]
        return None if any(c is None for c in clauses) else next(c for c in clauses if c)
    enum = prop.get("enum")
    if isinstance(enum, list) and value not in enum:
        return f"{json_text(value)}{at} is not one of {', '.join(json_text(v) for v in enum)}"
    kind = prop.get("type")
    if kind == "null":
        return None if value is None else f"{json_text(value)}{at} should be null"
    if kind in ("number", "integer"):
        number = _number(value)
        if number is None or (kind == "integer" and not isinstance(value, int)):
            wanted = "an integer" if kind == "integer" else "a number"
            return f"{json_text(value)}{at} should be {wanted}"
        lo, hi = _number(prop.get("minimum")), _number(prop.get("maximum"))
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            return f"{value:g}{at} is outside {_bounds(lo, hi)}"
        return None
    if isinstance(kind, str) and kind in _TYPES and not isinstance(value, _TYPES[kind]):
        return f"{json_text(value)}{at} should be {'an' if kind[0] in 'ao' else 'a'} {kind}"
    if isinstance(value, list):
        return _array_problem(prop, value, where)
    if isinstance(value, dict):
        return _object_problem(prop, value, where)
    return None


def _bounds(lo: float | None, hi: float | None) -> str:
    return f"{'' if lo is None else f'{lo:g}'}..{'' if hi is None else f'{hi:g}'}"


def _array_problem(prop: Mapping[str, Any], value: list[Any], where: str) -> str | None:
    at = f" at {where}" if where else ""
    least, most = prop.get("minItems"), prop.get("maxItems")
    few = isinstance(least, int) and len(value) < least
    if few or (isinstance(most, int) and len(value) > most):
        size = least if least == most else f"{least or 0}..{'' if most is None else most}"
        return f"{json_text(value)}{at} should have {size} items"
    if prop.get("uniqueItems") and len({json_text(v) for v in value}) != len(value):
        return f"{json_text(value)}{at} repeats an item"
    prefix = prop.get("prefixItems")
    items = prop.get("items")
    for i, item in enumerate(value):
        sub = prefix[i] if isinstance(prefix, list) and i < len(prefix) else items
        if isinstance(sub, Mapping):
            problem = value_problem(sub, item, f"{where}[{i}]")
            if problem:
                return problem
    return None


def _object_problem(prop: Mapping[str, Any], value: dict[str, Any], where: str) -> str | None:
    props = prop.get("properties")
    props = props if isinstance(props, Mapping) else {}
    if prop.get("additionalProperties") is False:
        extra = sorted(k for k in value if k not in props)
        if extra:
            known = ", ".join(props) or "none"
            return f"{where or 'the value'} has no key {extra[0]!r} (it takes {known})"
    for key, item in value.items():
        sub = props.get(key)
        if isinstance(sub, Mapping):
            problem = value_problem(sub, item, f"{where}.{key}" if where else key)
            if problem:
                return problem
    return None
