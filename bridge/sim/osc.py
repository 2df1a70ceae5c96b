"""What Scope's own OSC server (0.1.6+) says it takes: ``GET /api/v1/osc/paths``.

Scope listens for OSC on UDP at its HTTP port, one value per ``/scope/<key>``. Its inventory
has the runtime parameters (always active) and, per pipeline, the config fields that are not
load parameters (``ui.is_load_param`` false), active for the loaded pipeline and "available"
for the others. The runtime list is Scope's (captured from 0.2.4). The stand-in does not
listen for OSC itself: ``/api/v1/osc/status`` says ``listening: false``.
"""

from __future__ import annotations

from typing import Any

from bridge.scope.versions import ScopeVersion
from bridge.sim.catalog import PIPELINES

_RUNTIME: tuple[dict[str, Any], ...] = (
    {
        "key": "prompt",
        "type": "string",
        "description": "Set the prompt text (creates a single prompt with weight 1.0)",
    },
    {
        "key": "input_mode",
        "type": "string",
        "description": "Switch input mode",
        "enum": ["text", "video"],
    },
    {
        "key": "transition_steps",
        "type": "integer",
        "description": "Number of generation steps to transition between prompts (0 = instant)",
        "min": 0,
    },
    {
        "key": "interpolation_method",
        "type": "string",
        "description": "Spatial interpolation method for blending multiple prompts",
        "enum": ["linear", "slerp"],
    },
    {
        "key": "temporal_interpolation_method",
        "type": "string",
        "description": "Temporal interpolation method for transitions between prompts",
        "enum": ["linear", "slerp"],
    },
    {
        "key": "denoising_step_list",
        "type": "integer_list",
        "description": "Denoising schedule list (e.g. [700, 500])",
    },
    {
        "key": "noise_scale",
        "type": "float",
        "description": "Noise scale (0.0-1.0)",
        "min": 0.0,
        "max": 1.0,
    },
    {
        "key": "noise_controller",
        "type": "bool",
        "description": "Enable automatic noise scale adjustment based on motion detection",
    },
    {
        "key": "kv_cache_attention_bias",
        "type": "float",
        "description": "KV-cache attention bias (0.01-1.0). Lower = less reliance on past frames",
        "min": 0.01,
        "max": 1.0,
    },
    {
        "key": "manage_cache",
        "type": "bool",
        "description": "Enable automatic cache management for parameter updates",
    },
    {
        "key": "reset_cache",
        "type": "bool",
        "description": "Trigger a one-shot cache reset (send true)",
    },
    {
        "key": "vace_context_scale",
        "type": "float",
        "description": "VACE hint injection scale (0.0-2.0)",
        "min": 0.0,
        "max": 2.0,
    },
    {"key": "paused", "type": "bool", "description": "Pause / resume generation"},
)


def _pipeline_paths(pipeline_id: str, version: ScopeVersion) -> list[dict[str, Any]]:
    schema = PIPELINES[pipeline_id].config_schema(version)
    paths = []
    for key, prop in schema["properties"].items():
        if prop.get("ui", {}).get("is_load_param", True):
            continue
        entry: dict[str, Any] = {
            "key": key,
            "type": prop.get("type", "any"),
            "description": prop.get("description", ""),
            "pipeline_id": pipeline_id,
        }
        for ours, theirs in (("min", "minimum"), ("max", "maximum"), ("enum", "enum")):
            if theirs in prop:
                entry[ours] = prop[theirs]
        if "default" in prop:
            entry["default"] = prop["default"]
        paths.append({**entry, "osc_address": f"/scope/{key}"})
    return paths


def osc_paths(loaded: str | None, version: ScopeVersion) -> dict[str, Any]:
    """The inventory with ``loaded`` (the loaded pipeline id, if any) active."""
    active: dict[str, Any] = {
        "Runtime": [{**p, "osc_address": f"/scope/{p['key']}"} for p in _RUNTIME]
    }
    available: dict[str, Any] = {}
    for pipeline_id in PIPELINES:
        paths = _pipeline_paths(pipeline_id, version)
        if paths:
            (active if pipeline_id == loaded else available)[pipeline_id] = paths
    return {
        "active": active,
        "available": available,
        "active_pipeline_ids": [loaded] if loaded else [],
    }
