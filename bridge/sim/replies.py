"""How the stand-in answers: FastAPI's JSON encoding and error bodies, the web UI's catch-all,
and per-version shapes."""

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
    try:
        raw = await request.read()
    except ConnectionResetError:  # the client left mid-body: nobody reads the answer
        return None, detail("the request body was cut off", 400)
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


INDEX_HTML = (
    '<!doctype html><html lang="en"><head><title>Daydream Scope</title></head>'
    '<body><div id="root"></div></body></html>'
)
"""The web UI's index page, which a normal install serves for every unknown GET path."""


def frontend(path: str, built: bool) -> web.Response:
    """Scope's catch-all GET route: the UI's HTML when it is built, else a 404 saying so."""
    if built:
        return web.Response(text=INDEX_HTML, content_type="text/html")
    if path == "/":  # the root has its own route in Scope
        return reply({"message": "Scope API - Frontend not built"})
    return detail("Frontend not built", 404)


# A Linux server's answer (captured from 0.2.4 on Linux): no NDI SDK, no Spout, no Syphon.
_SINKS = {
    "spout": ("Spout is Windows-only", "Run Scope on Windows to use Spout sources and sinks."),
    "ndi": (
        "NDI SDK not found",
        "Install the NDI SDK from https://ndi.video/tools and restart Scope.",
    ),
    "syphon": ("Syphon is macOS-only", "Run Scope on macOS to use Syphon sources and sinks."),
}


def hardware_info(version: ScopeVersion) -> dict[str, Any]:
    """``/api/v1/hardware/info``: flat flags before 0.2.4 (Syphon from 0.1.5), nested after."""
    if versions.nested_hardware_info(version):
        info: dict[str, Any] = {"vram_gb": None}
        for name, (reason, hint) in _SINKS.items():
            info[name] = {"available": False, "reason": reason, "install_hint": hint}
        return info
    info = {"vram_gb": None, "spout_available": False, "ndi_available": False}
    if versions.has_syphon_flag(version):
        info["syphon_available"] = False
    return info
