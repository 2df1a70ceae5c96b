"""The ``config_schema`` a Scope pipeline publishes: pydantic's JSON schema of its config class.

Scope describes every parameter a pipeline takes (type, default, minimum, maximum) in
``/api/v1/pipelines/schemas`` and ``/api/v1/nodes/definitions``. The shapes here are Scope's
own: the CPU pipelines (``controller-viz``, ``passthrough``, ``gray``) as the real servers
answered them (``../scope-captures``, identical in 0.1.4 and 0.2.4), and the Wan-based GPU
pipelines as pydantic renders their config classes at those tags (read from Scope's source:
they need a GPU, so no capture exists). Keys are in pydantic's (alphabetical) order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]

_NOISE = "Amount of noise to add during video generation (video mode only)"
_NOISE_CONTROL = "Enable dynamic noise control during generation (video mode only)"
_STEPS = "Denoising step schedule for progressive generation"
_VACE = "Scaling factor for VACE hint injection (0.0 to 2.0)"
_CACHE = "Enable automatic cache management for performance optimization"
_SEED = "Base random seed for reproducible generation"
_VAE = (
    "VAE type to use. 'wan' is the full VAE, 'lightvae' is 75% pruned (faster but lower quality)."
)

CTRL_INPUT_DEF: Schema = {
    "additionalProperties": False,
    "description": (
        "Controller input state for interactive pipelines.\n\nUses W3C event.code strings for "
        "key identification, which is:\n- Universal (web standard, not OS-specific)\n"
        '- Self-documenting ("KeyW" is clearer than 87)\n- Layout-independent (physical key '
        "position, not character)\n\nAttributes:\n    button: Set of currently pressed keys "
        'using W3C event.code strings.\n            Example: {"KeyW", "KeyA", "Space", '
        '"ShiftLeft"}\n    mouse: Mouse velocity/delta as (dx, dy) tuple.\n           '
        "Values are typically normalized floats."
    ),
    "properties": {
        "button": {
            "items": {"type": "string"},
            "title": "Button",
            "type": "array",
            "uniqueItems": True,
        },
        "mouse": {
            "default": [0.0, 0.0],
            "maxItems": 2,
            "minItems": 2,
            "prefixItems": [{"type": "number"}, {"type": "number"}],
            "title": "Mouse",
            "type": "array",
        },
    },
    "title": "CtrlInput",
    "type": "object",
}

_ENUM_DEFS: Schema = {
    "Quantization": {
        "description": "Quantization method enumeration.",
        "enum": ["fp8_e4m3fn"],
        "title": "Quantization",
        "type": "string",
    },
    "VaeType": {
        "description": "VAE type enumeration.",
        "enum": ["wan", "lightvae", "tae", "lighttae"],
        "title": "VaeType",
        "type": "string",
    },
}


def _nullable(schema: Schema, default: object, description: str | None, title: str) -> Schema:
    body: Schema = {"anyOf": [schema, {"type": "null"}], "default": default}
    if description is not None:
        body["description"] = description
    body["title"] = title
    return body


def _side(default: int, title: str, what: str) -> Schema:
    return {
        "default": default,
        "description": f"Output {what} in pixels",
        "minimum": 1,
        "title": title,
        "type": "integer",
    }


def base_properties() -> Schema:
    """The fields every pipeline config inherits (BasePipelineConfig), with its defaults."""
    return {
        "height": _side(512, "Height", "height"),
        "width": _side(512, "Width", "width"),
        "manage_cache": {
            "default": True,
            "description": _CACHE,
            "title": "Manage Cache",
            "type": "boolean",
        },
        "base_seed": {
            "default": 42,
            "description": _SEED,
            "minimum": 0,
            "title": "Base Seed",
            "type": "integer",
        },
        "denoising_steps": _nullable(
            {"items": {"type": "integer"}, "type": "array"}, None, _STEPS, "Denoising Steps"
        ),
        "lora_merge_strategy": _nullable(
            {"enum": ["permanent_merge", "runtime_peft"], "type": "string"},
            None,
            None,
            "Lora Merge Strategy",
        ),
        "noise_scale": _nullable(
            {"maximum": 1.0, "minimum": 0.0, "type": "number"}, None, _NOISE, "Noise Scale"
        ),
        "noise_controller": _nullable(
            {"type": "boolean"}, None, _NOISE_CONTROL, "Noise Controller"
        ),
        "input_size": _nullable(
            {"minimum": 1, "type": "integer"},
            1,
            "Expected input video frame count (video mode only)",
            "Input Size",
        ),
        "ref_images": _nullable(
            {"items": {"type": "string"}, "type": "array"},
            None,
            "List of reference image paths for VACE conditioning",
            "Ref Images",
        ),
        "vace_context_scale": {
            "default": 1.0,
            "description": _VACE,
            "maximum": 2.0,
            "minimum": 0.0,
            "title": "Vace Context Scale",
            "type": "number",
        },
    }


def plain_schema(title: str, description: str | None = None, *, ctrl_input: bool = False) -> Schema:
    """A CPU pipeline's schema: the base fields, plus ``ctrl_input`` for controller pipelines."""
    properties = base_properties()
    schema: Schema = {}
    if ctrl_input:
        schema["$defs"] = {"CtrlInput": CTRL_INPUT_DEF}
        properties["ctrl_input"] = {
            "anyOf": [{"$ref": "#/$defs/CtrlInput"}, {"type": "null"}],
            "default": None,
        }
    schema["additionalProperties"] = False
    if description is not None:
        schema["description"] = description
    schema.update(properties=properties, title=title, type="object")
    return schema


@dataclass(frozen=True, slots=True)
class WanFields:
    """What one Wan-based pipeline's config overrides (its class in Scope's source)."""

    title: str
    width: int
    height: int
    steps: tuple[int, ...]
    noise_modulatable: bool = False
    input_size: int | None = None  # StreamDiffusionV2 declares a plain int (4)


def _ui(order: int, *, load: bool, **extra: Any) -> Schema:
    return {"ui": {"category": "configuration", "is_load_param": load, "order": order, **extra}}


def wan_schema(fields: WanFields, *, modulation: bool) -> Schema:
    """A Wan-based pipeline's schema; ``modulation`` marks the fields an LFO may drive (0.1.8+)."""
    steps_mod = {"modulatable": True, "modulatable_min": 100, "modulatable_max": 1000}
    noise_mod = {"modulatable": True, "modulatable_min": 0.0, "modulatable_max": 1.0}
    properties = base_properties()
    properties["height"] |= _ui(4, load=True, component="resolution")
    properties["height"]["default"] = fields.height
    properties["width"] |= _ui(4, load=True, component="resolution")
    properties["width"]["default"] = fields.width
    properties["manage_cache"] |= _ui(5, load=True, component="cache")
    properties["base_seed"] |= _ui(5, load=True, label="Seed")
    properties["denoising_steps"] = {
        "default": list(fields.steps),
        "description": _STEPS,
        "items": {"type": "integer"},
        "title": "Denoising Steps",
        "type": "array",
        **_ui(6, load=True, component="denoising_steps", **(steps_mod if modulation else {})),
    }
    properties["lora_merge_strategy"] = {
        "default": "permanent_merge",
        "description": "LoRA merge strategy",
        "title": "Lora Merge Strategy",
        "type": "string",
        **_ui(2, load=True, component="lora"),
    }
    # Before the modulation release the noise fields were load parameters.
    noise_extra = {
        "modes": ["video"],
        **(noise_mod if modulation and fields.noise_modulatable else {}),
    }
    properties["noise_scale"] = {
        "default": 0.7,
        "description": _NOISE,
        "maximum": 1.0,
        "minimum": 0.0,
        "title": "Noise Scale",
        "type": "number",
        **_ui(7, load=not modulation, component="noise", **noise_extra),
    }
    properties["noise_controller"] = {
        "default": True,
        "description": _NOISE_CONTROL,
        "title": "Noise Controller",
        "type": "boolean",
        **_ui(7, load=not modulation, component="noise", modes=["video"]),
    }
    if fields.input_size is not None:
        properties["input_size"] = {
            "default": fields.input_size,
            "description": "Expected input video frame count (video mode only)",
            "minimum": 1,
            "title": "Input Size",
            "type": "integer",
        }
    properties["vace_context_scale"] |= _ui(1, load=True, component="vace")
    properties["vae_type"] = {
        "$ref": "#/$defs/VaeType",
        "default": "wan",
        "description": _VAE,
        **_ui(3, load=True, label="VAE"),
    }
    properties["quantization"] = {
        "anyOf": [{"$ref": "#/$defs/Quantization"}, {"type": "null"}],
        "default": None,
        "description": "Quantization method for the diffusion model.",
        **_ui(8, load=True, component="quantization"),
    }
    return {
        "$defs": dict(_ENUM_DEFS),
        "additionalProperties": False,
        "properties": properties,
        "title": fields.title,
        "type": "object",
    }
