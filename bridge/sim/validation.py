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
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "literal_error": "Input should be {expected}",
    "value_error": "Value error, {error}",
}

# Parameters fields in the order pydantic dumps them (Scope's schema.Parameters); extra keys
# (``ctrl_input``, a plugin's knobs) follow in the order they came.
FIELDS = (
    "input_mode",
    "prompts",
    "prompt_interpolation_method",
    "transition",
    "noise_scale",
    "noise_controller",
    "denoising_step_list",
    "manage_cache",
    "reset_cache",
    "kv_cache_attention_bias",
    "lora_scales",
    "output_sinks",
    "vace_enabled",
    "vace_ref_images",
    "vace_use_input_video",
    "vace_context_scale",
    "pipeline_ids",
    "graph",
    "first_frame_image",
    "last_frame_image",
    "images",
    "recording",
    "node_id",
)
DEFAULTS = {"prompt_interpolation_method": "linear", "vace_context_scale": 1.0}
_RANGES = {
    "noise_scale": (0.0, 1.0),
    "kv_cache_attention_bias": (0.01, 1.0),
    "vace_context_scale": (0.0, 2.0),
}
_LITERALS = {
    "input_mode": ("text", "video"),
    "prompt_interpolation_method": ("linear", "slerp"),
}


def problem(kind: str, loc: Loc, value: object, **ctx: Any) -> Problem:
    """One pydantic-style error entry (``ctx`` fills the message and is echoed as pydantic does)."""
    entry = {"type": kind, "loc": list(loc), "msg": _MESSAGES[kind].format(**ctx), "input": value}
    if ctx:
        entry["ctx"] = ctx
    return entry


def in_range(value: object, loc: Loc, low: float | None, high: float | None) -> list[Problem]:
    """A number within [low, high] (either may be None), as pydantic words a miss."""
    if not _is_number(value):
        return [problem("float_type", loc, value)]
    assert isinstance(value, int | float)
    if low is not None and value < low:
        return [problem("greater_than_equal", loc, value, ge=low)]
    if high is not None and value > high:
        return [problem("less_than_equal", loc, value, le=high)]
    return []


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
        if "weight" in item:
            found += in_range(item["weight"], (*at, "weight"), 0.0, None)
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
    for key, (low, high) in _RANGES.items():
        if body.get(key) is not None:
            found += in_range(body[key], (*loc, key), low, high)
    for key, allowed in _LITERALS.items():
        if body.get(key) is not None and body[key] not in allowed:
            expected = " or ".join(f"'{a}'" for a in allowed)
            found.append(problem("literal_error", (*loc, key), body[key], expected=expected))
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


def normalize(body: Mapping[str, Any]) -> dict[str, Any]:
    """A valid ``Parameters`` body as Scope's ``model_dump(exclude_none=True)`` returns it.

    The two defaults are filled in, prompt weights default to 1.0, a transition gets its
    defaults (4 steps, linear), None values go, and the fields come in the model's order.
    """
    data = {**DEFAULTS, **{k: v for k, v in body.items() if v is not None}}
    if isinstance(data.get("prompts"), list):
        data["prompts"] = [_prompt(p) for p in data["prompts"]]
    transition = data.get("transition")
    if isinstance(transition, Mapping):
        data["transition"] = {
            "target_prompts": [_prompt(p) for p in transition.get("target_prompts") or []],
            "num_steps": transition.get("num_steps", 4),
            "temporal_interpolation_method": transition.get(
                "temporal_interpolation_method", "linear"
            ),
        }
    ordered = {key: data[key] for key in FIELDS if key in data}
    ordered.update((key, value) for key, value in data.items() if key not in ordered)
    return ordered


def _prompt(item: object) -> object:
    if isinstance(item, Mapping):
        weight = item.get("weight", 1.0)
        return {"text": item.get("text"), "weight": float(weight) if _is_number(weight) else weight}
    return item
