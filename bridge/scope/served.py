"""Whether a Scope server serves an optional endpoint, judged by what it answered.

A normal Scope install serves its web UI for every GET path it has no route for: 200 with
HTML, not 404 (scope-protocol.md §8). So "404 means not served" is wrong; an answer counts
only when it is JSON of the shape the endpoint has. Each check here takes the decoded JSON and
says whether it has that shape; ``decoded`` turns a response into JSON or ``None`` when it is
a web page or anything else that is not JSON. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Check = Callable[[Any], bool]


def decoded(response: httpx.Response) -> tuple[bool, Any]:
    """``(True, data)`` for a JSON answer, ``(False, None)`` for HTML or anything else."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return False, None
    try:
        return True, response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False, None


def is_html(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "text/html" or response.text.lstrip()[:15].lower().startswith("<!doctype html")


def _object_with(key: str, kind: type | tuple[type, ...]) -> Check:
    return lambda data: isinstance(data, dict) and isinstance(data.get(key), kind)


def _listing(key: str) -> Check:
    """``{key: [...]}``, or a bare list (older or proxied answers)."""
    wrapped = _object_with(key, list)
    return lambda data: isinstance(data, list) or wrapped(data)


LORAS = _listing("lora_files")
PLUGINS = _listing("plugins")
SCHEMAS = _object_with("pipelines", dict)
NODES = _object_with("nodes", list)
SESSION_PARAMETERS = _object_with("parameters", dict)
SESSION_METRICS = _object_with("sessions", dict)


def stand_in_stats(data: Any) -> bool:
    """The built-in stand-in's ``/sim/stats``: counters a real Scope never has."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("dropped"), int)
        and isinstance(data.get("applied_log", []), list)
    )


def schemas_from_nodes(data: Any) -> dict[str, dict[str, Any]]:
    """``/api/v1/nodes/definitions`` (0.2.4+) as ``/api/v1/pipelines/schemas`` would say it."""
    found = {}
    for node in data.get("nodes", []) if isinstance(data, dict) else []:
        meta = node.get("pipeline_meta") if isinstance(node, dict) else None
        if node.get("category") == "pipeline" and isinstance(meta, dict):
            found[str(node.get("node_type_id") or meta.get("id"))] = meta
    return found
