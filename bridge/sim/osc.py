"""Scope's own OSC server (0.1.6+) on the stand-in: UDP on the HTTP port, and its inventory.

Scope listens for OSC on UDP at its HTTP port, one value per ``/scope/<key>``; the stand-in
does too (on its own host), so a show whose OSC input takes the same port collides with it as
with a real Scope. A known key whose value passes Scope's type and range check goes to every
active session at once as ``{key: value}`` (no pacing, as Scope does not pace); anything else
is counted and dropped. The inventory (``GET /api/v1/osc/paths``) has the runtime parameters
(always active; Scope's list, captured from 0.2.4) and, per pipeline, the config fields that
are not load parameters (``ui.is_load_param`` false): active for the loaded pipeline,
"available" for the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from bridge.core.events import OscArg
from bridge.inputs.osc_parse import PacketError, parse_packet
from bridge.scope.versions import ScopeVersion
from bridge.sim.catalog import PIPELINES

log = logging.getLogger(__name__)

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


def known_paths(loaded: str | None, version: ScopeVersion) -> dict[str, dict[str, Any]]:
    """Every key the inventory names, active or available (Scope validates against all)."""
    inventory = osc_paths(loaded, version)
    return {
        path["key"]: path
        for section in (inventory["active"], inventory["available"])
        for paths in section.values()
        for path in paths
    }


_ACCEPTED: dict[str, tuple[type, ...]] = {
    "float": (int, float),
    "number": (int, float),
    "integer": (int,),
    "bool": (bool, int, float),
    "boolean": (bool, int, float),
    "string": (str,),
}


def problem(path: Mapping[str, Any], value: object) -> str | None:
    """Why Scope's OSC server would refuse ``value`` for ``path`` (None: it takes it)."""
    kind = path.get("type", "any")
    if kind == "integer_list":
        if not isinstance(value, list) or not value:
            return "expected a non-empty integer list"
        return None if all(type(v) is int for v in value) else "expected integer items"
    accepted = _ACCEPTED.get(kind)
    if accepted and type(value) not in accepted:
        return f"expected {kind}, got {type(value).__name__}"
    if isinstance(value, int | float):
        low, high = path.get("min"), path.get("max")
        if low is not None and value < low:
            return f"value {value} below minimum {low}"
        if high is not None and value > high:
            return f"value {value} above maximum {high}"
    allowed = path.get("enum")
    if allowed is not None and value not in allowed:
        return f"value {value!r} not in {allowed}"
    return None


class OscServer(asyncio.DatagramProtocol):
    """The stand-in's OSC listener; ``counts`` says what it took, ignored and refused."""

    def __init__(
        self,
        known: Callable[[], Mapping[str, Mapping[str, Any]]],
        broadcast: Callable[[dict[str, Any]], None],
    ) -> None:
        self._known = known
        self._broadcast = broadcast
        self._transport: asyncio.DatagramTransport | None = None
        self._closed: asyncio.Future[None] | None = None
        self.counts = {"applied": 0, "unknown": 0, "invalid": 0}

    @property
    def listening(self) -> bool:
        return self._transport is not None

    async def start(self, host: str, port: int) -> None:
        try:
            await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: self, local_addr=(host, port)
            )
        except OSError as exc:
            log.warning("OSC server could not listen on udp://%s:%d: %s", host, port, exc)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)
        self._closed = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)

    async def stop(self) -> None:
        """Close the socket and wait until it is closed."""
        transport, closed, self._transport = self._transport, self._closed, None
        if transport is not None and closed is not None:
            transport.close()
            await closed

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            messages = parse_packet(data, time.monotonic(), f"{addr[0]}:{addr[1]}")
        except PacketError:
            self.counts["invalid"] += 1
            return
        for message in messages:
            self.handle(message.address, message.args)

    def handle(self, address: str, args: tuple[OscArg, ...]) -> None:
        if not address.startswith("/scope/") or not args:
            return  # Scope's dispatcher maps /scope/* only
        key = address.removeprefix("/scope/")
        value: object = args[0] if len(args) == 1 else list(args)
        path = self._known().get(key)
        if path is None:
            self.counts["unknown"] += 1
            return
        if problem(path, value) is not None:
            self.counts["invalid"] += 1
            return
        self.counts["applied"] += 1
        self._broadcast({key: value})
