"""FastAPI-style request validation for the stand-in: the same 422 bodies Scope sends.

Scope validates the offer's ``initialParameters`` and REST bodies with pydantic; a failure is
``{"detail": [{"type", "loc", "msg", "input"}, ...]}`` with ``loc`` starting at ``"body"``.
Only the fields a client is likely to get wrong are checked here, the way pydantic words it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Loc = tuple[str | int, ...]
Problem = dict[str, Any]

_MESSAGES = {
    "string_type": "Input should be a valid string",
    "list_type": "Input should be a valid list",
    "bool_type": "Input should be a valid boolean",
    "int_type": "Input should be a valid integer",
    "float_type": "Input should be a valid number",
    "dict_type": "Input should be a valid dictionary",
    "model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "missing": "Field required",
}


def problem(kind: str, loc: Loc, value: object) -> Problem:
    """One pydantic-style error entry."""
    return {"type": kind, "loc": list(loc), "msg": _MESSAGES[kind], "input": value}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _prompts(value: object, loc: Loc) -> list[Problem]:
    if not isinstance(value, list):
        return [problem("list_type", loc, value)]
    found: list[Problem] = []
    for index, item in enumerate(value):
        at = (*loc, index)
        if not isinstance(item, Mapping):
            found.append(problem("model_attributes_type", at, item))
            continue
        if "text" not in item:
            found.append(problem("missing", (*at, "text"), dict(item)))
        elif not isinstance(item["text"], str):
            found.append(problem("string_type", (*at, "text"), item["text"]))
        if "weight" in item and not _is_number(item["weight"]):
            found.append(problem("float_type", (*at, "weight"), item["weight"]))
    return found


def parameters(body: object, loc: Loc) -> list[Problem]:
    """Check a ``Parameters`` object (initialParameters, or the REST session body)."""
    if not isinstance(body, Mapping):
        return [problem("model_attributes_type", loc, body)]
    found: list[Problem] = []
    if "prompts" in body and body["prompts"] is not None:
        found += _prompts(body["prompts"], (*loc, "prompts"))
    ids = body.get("pipeline_ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        found.append(problem("list_type", (*loc, "pipeline_ids"), ids))
    for key in ("paused", "manage_cache", "reset_cache"):
        if key in body and body[key] is not None and not isinstance(body[key], bool):
            found.append(problem("bool_type", (*loc, key), body[key]))
    steps = body.get("denoising_step_list")
    if steps is not None:
        if not isinstance(steps, list):
            found.append(problem("list_type", (*loc, "denoising_step_list"), steps))
        else:
            found += [
                problem("int_type", (*loc, "denoising_step_list", i), step)
                for i, step in enumerate(steps)
                if not isinstance(step, int) or isinstance(step, bool)
            ]
    transition = body.get("transition")
    if transition is not None:
        if not isinstance(transition, Mapping):
            found.append(problem("model_attributes_type", (*loc, "transition"), transition))
        elif "target_prompts" in transition:
            found += _prompts(transition["target_prompts"], (*loc, "transition", "target_prompts"))
    return found


def offer(body: object) -> list[Problem]:
    """Check a ``POST /api/v1/webrtc/offer`` body."""
    if not isinstance(body, Mapping):
        return [problem("model_attributes_type", ("body",), body)]
    found: list[Problem] = []
    for key in ("sdp", "type"):
        if key not in body:
            found.append(problem("missing", ("body", key), dict(body)))
        elif not isinstance(body[key], str):
            found.append(problem("string_type", ("body", key), body[key]))
    initial = body.get("initialParameters")
    if initial is not None:
        found += parameters(initial, ("body", "initialParameters"))
    return found
