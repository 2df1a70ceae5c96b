"""How the stand-in answers: FastAPI's JSON encoding and error bodies, and per-version shapes."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

from bridge.scope import versions
from bridge.scope.versions import ScopeVersion

_dumps = partial(json.dumps, separators=(",", ":"), ensure_ascii=False)  # as FastAPI does


def reply(data: object, status: int = 200) -> web.Response:
    """A JSON answer encoded the way FastAPI encodes it."""
    return web.json_response(data, status=status, dumps=_dumps)


def detail(message: object, status: int) -> web.Response:
    """FastAPI's error body: ``{"detail": message}``."""
    return reply({"detail": message}, status)


async def read_json(request: web.Request) -> tuple[Any, web.Response | None]:
    """The request body as JSON, or the 422 FastAPI sends for a body that is not JSON."""
    raw = await request.read()
    try:
        return json.loads(raw), None
    except (json.JSONDecodeError, UnicodeDecodeError):
        entry = {
            "type": "json_invalid",
            "loc": ["body", 0],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "Expecting value"},
        }
        return None, detail([entry], 422)


def hardware_info(version: ScopeVersion) -> dict[str, Any]:
    """``/api/v1/hardware/info``: flat flags before 0.2.4 (Syphon from 0.1.5), nested after."""
    if versions.nested_hardware_info(version):
        absent = {
            "available": False,
            "reason": "Not available in the stand-in",
            "install_hint": None,
        }
        return {"vram_gb": None, "spout": absent, "ndi": absent, "syphon": absent}
    info: dict[str, Any] = {"vram_gb": None, "spout_available": False, "ndi_available": False}
    if versions.has_syphon_flag(version):
        info["syphon_available"] = False
    return info


PIPELINE_SCHEMAS: dict[str, dict[str, Any]] = {
    # What Scope states about the pipelines it ships, where known (scope-protocol.md, the
    # pipelines' own configs): only krea uses the KV-cache bias; the video-only test
    # pipelines take no prompts. Flags not known for a pipeline are left out, not guessed.
    "longlive": {"supports_prompts": True, "supports_kv_cache_bias": False},
    "streamdiffusionv2": {"supports_prompts": True, "supports_kv_cache_bias": False},
    "krea-realtime-video": {
        "supports_prompts": True,
        "supports_lora": True,
        "supports_kv_cache_bias": True,
        "min_dimension": 16,
    },
    "reward-forcing": {
        "supports_prompts": True,
        "supports_lora": True,
        "supports_kv_cache_bias": False,
        "min_dimension": 16,
    },
    "memflow": {"supports_prompts": True, "supports_kv_cache_bias": False},
    "controller-viz": {"supports_prompts": True, "supports_lora": False},
    "passthrough": {"supports_prompts": False, "supports_lora": False},
    "gray": {"supports_prompts": False, "supports_lora": False},
}


def pipeline_schemas() -> dict[str, Any]:
    """``/api/v1/pipelines/schemas``: one description per pipeline, under ``pipelines``."""
    return {"pipelines": {pid: {"id": pid, **info} for pid, info in PIPELINE_SCHEMAS.items()}}
