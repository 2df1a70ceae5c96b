"""What the loaded pipeline can take, checked against what the show will send.

Scope describes each pipeline (``GET /api/v1/pipelines/schemas``): whether it takes text
prompts, LoRAs, a KV-cache attention bias, and its smallest frame side. A show that maps a
knob to something the pipeline ignores fails silently on stage (the knob turns, nothing
changes), so each mismatch becomes one sentence naming the pipeline, the flag and the
mappings concerned. A flag the server does not state is not guessed at. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.core.show import Show


def _mapped(show: Show, prefix: str) -> list[str]:
    """The mappings on these targets; a surface offers every target, so it is not news."""
    return [
        b.id
        for b in show.bindings
        if (b.target == prefix or b.target.startswith(prefix)) and not b.surface
    ]


def mismatches(show: Show, pipeline: str, schema: Mapping[str, Any] | None) -> list[str]:
    """One sentence per thing the show uses that ``pipeline``'s schema says it does not take."""
    if schema is None:
        return []
    found = []
    # a show has one prompt slot at least: only slots in use (mapped, in a scene, or more
    # than the one a show must have) are news on a pipeline without prompts
    prompts_used = len(show.prompts) > 1 or bool(show.scenes) or bool(_mapped(show, "prompt."))
    if schema.get("supports_prompts") is False and prompts_used:
        found.append(
            f"pipeline {pipeline} takes no text prompts (its schema says supports_prompts: "
            f"false): the show's {len(show.prompts)} prompt slot(s) and their mappings "
            "will change nothing"
        )
    bias = _mapped(show, "kv_cache_attention_bias")
    if schema.get("supports_kv_cache_bias") is False and bias:
        found.append(
            f"pipeline {pipeline} has no KV-cache attention bias (supports_kv_cache_bias: "
            f"false): mapping(s) {', '.join(bias)} on kv_cache_attention_bias will change "
            "nothing"
        )
    loras = _mapped(show, "lora.")
    if schema.get("supports_lora") is False and (show.loras or loras):
        found.append(
            f"pipeline {pipeline} takes no LoRAs (supports_lora: false): the show's LoRA "
            "slots and their mappings will change nothing"
        )
    smallest = schema.get("min_dimension")
    width, height = show.scope.width, show.scope.height
    if isinstance(smallest, int) and min(width, height) < smallest:
        found.append(
            f"pipeline {pipeline} needs frames at least {smallest} pixels on a side; "
            f"the show asks for {width}x{height}"
        )
    return found
