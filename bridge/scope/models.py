"""Typed views of Scope's REST answers, read tolerantly from each version's JSON shape.

Parsers here are pure: JSON in, frozen dataclass out, ``ScopeRejected`` when the answer lacks
what we need. Unknown extra fields are ignored, since every Scope release adds some.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from bridge.errors import ScopeRejected

LoadState = Literal["not_loaded", "loading", "loaded", "error", "unknown"]
_LOAD_STATES = ("not_loaded", "loading", "loaded", "error")


def _as_object(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ScopeRejected(f"Scope answered {what} with something that is not a JSON object.", 200)
    return cast(Mapping[str, Any], data)


@dataclass(frozen=True, slots=True)
class Health:
    """``GET /health``: the server is up; ``version`` may be missing on old or proxied servers."""

    status: str
    version: str | None

    @classmethod
    def parse(cls, data: object) -> Health:
        body = _as_object(data, "the health check")
        if "status" not in body:
            raise ScopeRejected(
                "Scope's health check has no 'status': is this a Scope server?", 200
            )
        version = body.get("version")
        return cls(status=str(body["status"]), version=str(version) if version else None)


@dataclass(frozen=True, slots=True)
class PipelineStatus:
    """``GET /api/v1/pipeline/status``."""

    state: LoadState
    pipeline_id: str | None
    load_params: Mapping[str, Any]
    error: str | None

    @classmethod
    def parse(cls, data: object) -> PipelineStatus:
        body = _as_object(data, "the pipeline status")
        raw = body.get("status")
        state: LoadState = cast(LoadState, raw) if raw in _LOAD_STATES else "unknown"
        params = body.get("load_params")
        error = body.get("error")
        pipeline_id = body.get("pipeline_id")
        return cls(
            state=state,
            pipeline_id=str(pipeline_id) if pipeline_id else None,
            load_params=cast(Mapping[str, Any], params) if isinstance(params, Mapping) else {},
            error=str(error) if error else None,
        )

    def matches(self, pipeline_id: str, load_params: Mapping[str, Any]) -> bool:
        """True when this is ``pipeline_id`` loaded with (at least) the requested params.

        The server may echo extra defaults in ``load_params``; only requested keys must agree.
        """
        if self.state != "loaded" or self.pipeline_id != pipeline_id:
            return False
        return all(self.load_params.get(key) == value for key, value in load_params.items())


@dataclass(frozen=True, slots=True)
class SinkSupport:
    """Whether one of Scope's own output sinks (NDI, Spout, Syphon) works on the server."""

    available: bool
    reason: str | None = None
    install_hint: str | None = None


@dataclass(frozen=True, slots=True)
class HardwareInfo:
    """``GET /api/v1/hardware/info``, the flat v0.1.x and nested v0.2.4+ shapes as one."""

    vram_gb: float | None
    ndi: SinkSupport
    spout: SinkSupport
    syphon: SinkSupport

    @classmethod
    def parse(cls, data: object) -> HardwareInfo:
        body = _as_object(data, "the hardware info")
        vram = body.get("vram_gb")
        return cls(
            vram_gb=float(vram) if isinstance(vram, int | float) else None,
            ndi=_sink(body, "ndi"),
            spout=_sink(body, "spout"),
            syphon=_sink(body, "syphon"),
        )


def _sink(body: Mapping[str, Any], name: str) -> SinkSupport:
    nested = body.get(name)
    if isinstance(nested, Mapping):  # v0.2.4+
        reason, hint = nested.get("reason"), nested.get("install_hint")
        return SinkSupport(
            available=bool(nested.get("available")),
            reason=str(reason) if reason else None,
            install_hint=str(hint) if hint else None,
        )
    return SinkSupport(available=bool(body.get(f"{name}_available", False)))


@dataclass(frozen=True, slots=True)
class ModelsStatus:
    """``GET /api/v1/models/status``. Says ``downloaded`` even for unknown pipeline ids."""

    downloaded: bool
    progress: Mapping[str, Any] | None

    @classmethod
    def parse(cls, data: object) -> ModelsStatus:
        body = _as_object(data, "the models status")
        progress = body.get("progress")
        return cls(
            downloaded=bool(body.get("downloaded")),
            progress=cast(Mapping[str, Any], progress) if isinstance(progress, Mapping) else None,
        )


@dataclass(frozen=True, slots=True)
class LoraFile:
    """One LoRA file the server can load."""

    name: str
    path: str
    size_mb: float | None = None
    folder: str | None = None


def parse_loras(data: object) -> tuple[LoraFile, ...]:
    """Both ``{"lora_files": [...]}`` (all versions so far) and a bare list."""
    items = data.get("lora_files", []) if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise ScopeRejected("Scope's LoRA list is not a list.", 200)
    files = []
    for item in items:
        if isinstance(item, Mapping) and "path" in item:
            size = item.get("size_mb")
            folder = item.get("folder")
            files.append(
                LoraFile(
                    name=str(item.get("name", item["path"])),
                    path=str(item["path"]),
                    size_mb=float(size) if isinstance(size, int | float) else None,
                    folder=str(folder) if folder else None,
                )
            )
    return tuple(files)


@dataclass(frozen=True, slots=True)
class IceServer:
    """One STUN/TURN server as ``GET /api/v1/webrtc/ice-servers`` lists it."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = field(default=None, repr=False)  # a TURN secret: never shown

    @classmethod
    def parse_list(cls, data: object) -> tuple[IceServer, ...]:
        body = _as_object(data, "the ICE server list")
        servers = []
        for item in body.get("iceServers") or []:
            if not isinstance(item, Mapping) or not item.get("urls"):
                continue
            urls = item["urls"]
            user, cred = item.get("username"), item.get("credential")
            servers.append(
                cls(
                    urls=(str(urls),) if isinstance(urls, str) else tuple(str(u) for u in urls),
                    username=str(user) if user else None,
                    credential=str(cred) if cred else None,
                )
            )
        return tuple(servers)


@dataclass(frozen=True, slots=True)
class Answer:
    """``POST /api/v1/webrtc/offer``: the SDP answer and the server's session id."""

    sdp: str
    type: str
    session_id: str | None

    @classmethod
    def parse(cls, data: object) -> Answer:
        body = _as_object(data, "the WebRTC offer")
        if not isinstance(body.get("sdp"), str):
            raise ScopeRejected("Scope's answer to the WebRTC offer has no SDP.", 200)
        session_id = body.get("sessionId")
        return cls(
            sdp=body["sdp"],
            type=str(body.get("type", "answer")),
            session_id=str(session_id) if session_id else None,
        )


@dataclass(frozen=True, slots=True)
class SessionStats:
    """One session in ``GET /api/v1/session/metrics``: what Scope made, and how fast."""

    session_id: str
    frames_out: int
    fps_out: float
    pipeline_fps: float | None
    elapsed_s: float
    headless: bool = False


@dataclass(frozen=True, slots=True)
class SessionMetrics:
    """``GET /api/v1/session/metrics`` (0.1.8+). Scope reports its first active session only:
    an empty ``sessions`` means none is open (a REST update then applies to nothing)."""

    sessions: tuple[SessionStats, ...]

    @property
    def active(self) -> bool:
        return bool(self.sessions)

    @classmethod
    def parse(cls, data: object) -> SessionMetrics:
        body = _as_object(data, "the session metrics")
        sessions = body.get("sessions")
        if not isinstance(sessions, Mapping):
            raise ScopeRejected("Scope's session metrics have no 'sessions'.", 200)
        return cls(
            tuple(
                SessionStats(
                    session_id=str(sid),
                    frames_out=_count(stats.get("frames_out")),
                    fps_out=_rate(stats.get("fps_out")) or 0.0,
                    pipeline_fps=_rate(stats.get("pipeline_fps")),
                    elapsed_s=_rate(stats.get("elapsed_seconds")) or 0.0,
                    headless=stats.get("headless") is True,
                )
                for sid, stats in sessions.items()
                if isinstance(stats, Mapping)
            )
        )


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _rate(value: object) -> float | None:
    """A finite, non-negative number, or None (Scope sends null pipeline_fps in relay mode)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None
