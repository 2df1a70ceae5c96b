"""Scope's own outputs: which of NDI / Spout / Syphon the server can send, and the message.

Scope can publish its video itself (``output_sinks`` on the data channel) when it runs on the
show machine; on a remote GPU the bridge forwards frames instead. Pure functions: hardware
info in (either the v0.1.x flat shape or the v0.2.4 nested one), payload or reasons out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

ServerSinkKind = Literal["ndi", "spout", "syphon"]
SERVER_SINK_KINDS: tuple[ServerSinkKind, ...] = ("ndi", "spout", "syphon")


@dataclass(frozen=True, slots=True)
class ServerSinkSupport:
    """Whether the Scope server can send one kind of output, and why not."""

    kind: ServerSinkKind
    available: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ServerSinkRequest:
    """An output the user wants Scope to publish (``enabled=False`` turns it off)."""

    kind: str
    name: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ServerSinksPlan:
    """The ``output_sinks`` value to send, and one sentence per request that cannot be met."""

    output_sinks: dict[str, dict[str, Any]]
    refused: tuple[str, ...]


def support_from_hardware_info(info: Mapping[str, Any]) -> dict[str, ServerSinkSupport]:
    """Read ``GET /api/v1/hardware/info`` in any known shape.

    v0.1.4 has ``ndi_available`` / ``spout_available`` flags (v0.1.5 adds
    ``syphon_available``); v0.2.4 has ``{"ndi": {"available", "reason", "install_hint"}}``.
    A kind the server does not mention is unavailable: an older server cannot send it.
    """
    support: dict[str, ServerSinkSupport] = {}
    for kind in SERVER_SINK_KINDS:
        nested = info.get(kind)
        if isinstance(nested, Mapping):
            available = nested.get("available") is True
            hint = nested.get("install_hint") or ""
            reason = str(nested.get("reason") or "")
            if not available and hint:
                reason = f"{reason} ({hint})" if reason else str(hint)
        elif f"{kind}_available" in info:
            available = info[f"{kind}_available"] is True
            reason = ""
        else:
            available = False
            reason = "this Scope version does not report it"
        if not available and not reason:
            reason = "the server says it is not available"
        support[kind] = ServerSinkSupport(kind, available, "" if available else reason)
    return support


def plan_output_sinks(
    support: Mapping[str, ServerSinkSupport], requests: Iterable[ServerSinkRequest]
) -> ServerSinksPlan:
    """Build the ``output_sinks`` payload for what was asked, refusing what cannot work.

    Turning an output off is always allowed (it costs nothing and clears a stale one).
    """
    output: dict[str, dict[str, Any]] = {}
    refused: list[str] = []
    for request in requests:
        if request.kind not in SERVER_SINK_KINDS:
            refused.append(
                f"Scope cannot publish {request.kind!r} itself "
                f"(it can: {', '.join(SERVER_SINK_KINDS)})."
            )
            continue
        if request.enabled and not request.name.strip():
            refused.append(f"Scope's {request.kind} output needs a name.")
            continue
        known = support.get(request.kind)
        if request.enabled and (known is None or not known.available):
            why = known.reason if known is not None else "its hardware info was not read"
            refused.append(f"Scope cannot publish {request.kind}: {why}.")
            continue
        output[request.kind] = {"enabled": request.enabled, "name": request.name}
    return ServerSinksPlan(output_sinks=output, refused=tuple(refused))
