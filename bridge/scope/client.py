"""The REST half of talking to Scope: one ``httpx.AsyncClient`` over every call we use.

Each method is one endpoint of Scope's HTTP API, returns a typed value from ``models`` and
raises only ``ScopeError`` subclasses, each with one sentence (``failures``). The transport is
injectable (``httpx.MockTransport`` in unit tests). Every request has a timeout. Optional
endpoints (LoRA list, plugins, schemas, node definitions, the session API, the stand-in's
``/sim/stats``) count as served only when the answer is JSON of their shape (``served``): a
normal Scope answers unknown GET paths with its web UI's HTML, not 404.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from bridge.errors import BridgeError, ScopeError, ScopeRejected
from bridge.scope import failures, served, versions
from bridge.scope.endpoint import ScopeEndpoint
from bridge.scope.models import (
    Answer,
    HardwareInfo,
    Health,
    IceServer,
    LoraFile,
    ModelsStatus,
    PipelineStatus,
    SessionMetrics,
    parse_loras,
)
from bridge.scope.versions import ScopeVersion

log = logging.getLogger(__name__)


def validate_size(width: int, height: int) -> None:
    """Refuse sizes no pipeline can take (not positive). Whether a pipeline takes a size is
    its schema's ``min_dimension`` (1 on the CPU pipelines, which load 512x288): that is
    checked against the show when Scope describes its pipelines, not guessed here."""
    for name, value in (("width", width), ("height", height)):
        if value <= 0:
            raise BridgeError(f"Pipeline {name} {value} is not a positive number of pixels.")


class ScopeClient:
    """Async REST client for one Scope server. Use ``async with`` or call ``aclose()``."""

    def __init__(
        self,
        endpoint: ScopeEndpoint | str,
        *,
        timeout_s: float = 10.0,
        offer_timeout_s: float = 30.0,
        poll_interval_s: float = 0.25,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint if isinstance(endpoint, ScopeEndpoint) else ScopeEndpoint(endpoint)
        self.version: ScopeVersion | None = None
        """Set by ``health()``; None until then, or when the server does not say."""
        self.timeout_s = timeout_s
        self.offer_timeout_s = offer_timeout_s
        self.poll_interval_s = poll_interval_s
        self._http = httpx.AsyncClient(
            base_url=self.endpoint.root,
            headers=dict(self.endpoint.headers),
            params=self.endpoint.query,
            auth=self.endpoint.basic_auth,
            timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)),
            transport=transport,
        )

    async def __aenter__(self) -> ScopeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> httpx.Response:
        where = self.endpoint.display
        limit = timeout_s or self.timeout_s
        try:
            response = await self._http.request(
                method,
                path.lstrip("/"),
                json=body,
                params=params,
                timeout=httpx.Timeout(limit, connect=min(5.0, limit)),
            )
        except httpx.TransportError as exc:
            raise failures.unreachable(exc, where, limit) from exc
        except httpx.InvalidURL as exc:
            raise ScopeError(f"The Scope URL {where} is not valid.") from exc
        if response.is_error:
            raise failures.rejected(response, what, where)
        return response

    async def _json(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = await self._send(method, path, what, **kwargs)
        ok, data = served.decoded(response)
        if not ok:
            page = "a web page" if served.is_html(response) else "something that is not JSON"
            raise ScopeRejected(
                f"Scope answered {what} with {page}: is the URL right?", response.status_code
            )
        return data

    async def health(self, timeout_s: float | None = None) -> Health:
        """``GET /health``; remembers the server version for later path choices."""
        answer = await self._json("GET", "/health", "the health check", timeout_s=timeout_s)
        health = Health.parse(answer)
        self.version = ScopeVersion.parse(health.version)
        return health

    async def pipeline_status(self) -> PipelineStatus:
        """``GET /api/v1/pipeline/status``."""
        data = await self._json("GET", "/api/v1/pipeline/status", "the pipeline status request")
        return PipelineStatus.parse(data)

    async def request_load(self, pipeline_id: str, load_params: Mapping[str, Any]) -> None:
        """``POST /api/v1/pipeline/load``; loading goes on in the background on the server."""
        body = {"pipeline_ids": [pipeline_id], "load_params": dict(load_params)}
        await self._send("POST", "/api/v1/pipeline/load", f"loading {pipeline_id}", body=body)

    async def ensure_pipeline(
        self,
        pipeline_id: str,
        load_params: Mapping[str, Any],
        *,
        timeout_s: float = 600.0,
        on_status: Callable[[PipelineStatus], None] | None = None,
    ) -> PipelineStatus:
        """Load ``pipeline_id`` unless it is already loaded with these params; wait until done.

        Polls until the status says ``loaded`` for *this* pipeline and params: right after a
        load request the server may still report the previous pipeline as loaded.
        """
        if "width" in load_params and "height" in load_params:
            validate_size(int(load_params["width"]), int(load_params["height"]))
        status = await self.pipeline_status()
        if on_status is not None:
            on_status(status)
        if status.matches(pipeline_id, load_params):
            return status
        await self.request_load(pipeline_id, load_params)
        deadline = time.monotonic() + timeout_s
        seen_loading = False
        idle_since = time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(self.poll_interval_s)
            status = await self.pipeline_status()
            if on_status is not None:
                on_status(status)
            if status.matches(pipeline_id, load_params):
                return status
            if status.state == "error":
                if status.error:
                    raise ScopeRejected(f"Scope could not load {pipeline_id}: {status.error}.", 500)
                raise ScopeRejected(
                    f"Scope could not load {pipeline_id}; it gives no reason here (see Scope's "
                    "log).",
                    500,
                )
            if status.state == "loading":
                seen_loading = True
                idle_since = time.monotonic()
            elif seen_loading and status.state == "not_loaded":
                # The error is reported once and then resets; if we missed it, say so plainly.
                raise ScopeRejected(f"Scope stopped loading {pipeline_id} without a reason.", 500)
            elif time.monotonic() - idle_since > 30.0:
                raise ScopeError(f"Scope never started loading {pipeline_id}.")
        raise ScopeError(f"Scope did not finish loading {pipeline_id} within {timeout_s:g} s.")

    async def hardware_info(self) -> HardwareInfo:
        """``GET /api/v1/hardware/info`` in either shape."""
        data = await self._json("GET", "/api/v1/hardware/info", "the hardware info request")
        return HardwareInfo.parse(data)

    async def models_status(self, pipeline_id: str) -> ModelsStatus:
        """``GET /api/v1/models/status`` (says downloaded for unknown ids: do not trust alone)."""
        data = await self._json(
            "GET",
            "/api/v1/models/status",
            "the models status request",
            params={"pipeline_id": pipeline_id},
        )
        return ModelsStatus.parse(data)

    async def _served(
        self,
        path: str,
        what: str,
        shape: served.Check,
        params: Mapping[str, str] | None = None,
    ) -> tuple[bool, Any]:
        """GET ``path``: ``(True, data)`` when the answer is JSON of ``shape``; ``(False, None)``
        when this server does not serve it (404, 405, its web UI's HTML, another shape)."""
        try:
            response = await self._send("GET", path, what, params=params)
        except ScopeRejected as exc:
            if exc.status in (404, 405):
                return False, None
            raise
        ok, data = served.decoded(response)
        if ok and shape(data):
            return True, data
        log.debug("Scope does not serve %s at %s", what, path)
        return False, None

    async def _first_served(
        self, paths: Sequence[str], what: str, shape: served.Check
    ) -> tuple[bool, Any]:
        for path in paths:
            found, data = await self._served(path, what, shape)
            if found:
                return True, data
        return False, None

    async def pipeline_schemas(self) -> Mapping[str, Mapping[str, Any]] | None:
        """Each pipeline's description (``/api/v1/pipelines/schemas``, else the pipeline nodes
        of ``/api/v1/nodes/definitions``); None if the server serves neither."""
        found, data = await self._served(
            "/api/v1/pipelines/schemas", "the pipeline schemas", served.SCHEMAS
        )
        if found:
            return {k: v for k, v in data["pipelines"].items() if isinstance(v, dict)}
        nodes = await self.node_definitions()
        if nodes is None:
            return None
        return served.schemas_from_nodes({"nodes": list(nodes)})

    async def node_definitions(self) -> tuple[Mapping[str, Any], ...] | None:
        """``/api/v1/nodes/definitions`` (0.2.4+): every node type; None if not served."""
        found, data = await self._served(
            "/api/v1/nodes/definitions", "the node definitions", served.NODES
        )
        if not found:
            return None
        return tuple(node for node in data["nodes"] if isinstance(node, dict))

    async def stand_in_stats(self) -> Mapping[str, Any] | None:
        """The built-in stand-in's counters (``/sim/stats?log=0``); None from a real Scope.

        Without its applied log: polled every 2 s for the whole show, the full answer grew
        with the stand-in's log (2000 entries) and the bridge's memory with it."""
        found, data = await self._served(
            "/sim/stats", "the stand-in's counters", served.stand_in_stats, {"log": "0"}
        )
        return data if found else None

    async def loras(self) -> tuple[LoraFile, ...]:
        """LoRA files on the server (``/api/v1/loras``, or ``/api/v1/lora/list`` before 0.1.5)."""
        paths = versions.lora_paths(self.version)
        found, data = await self._first_served(paths, "the LoRA list", served.LORAS)
        if not found:
            raise ScopeRejected(
                f"Scope at {self.endpoint.display} serves no LoRA list (tried "
                f"{' and '.join(paths)}).",
                404,
            )
        return parse_loras(data)

    async def plugins(self) -> tuple[Mapping[str, Any], ...]:
        """Installed plugins (``/api/v1/plugins``, falling back to ``/plugins``); none when the
        server lists none or serves no plugin list."""
        found, data = await self._first_served(
            ("/api/v1/plugins", "/plugins"), "the plugin list", served.PLUGINS
        )
        if not found:
            return ()
        items = data.get("plugins", []) if isinstance(data, Mapping) else data
        return tuple(item for item in items if isinstance(item, Mapping))

    async def ice_servers(self) -> tuple[IceServer, ...]:
        """``GET /api/v1/webrtc/ice-servers``."""
        data = await self._json("GET", "/api/v1/webrtc/ice-servers", "the ICE server request")
        return IceServer.parse_list(data)

    async def offer(self, sdp: str, initial_parameters: Mapping[str, Any]) -> Answer:
        """``POST /api/v1/webrtc/offer`` with our SDP and the full initial parameters."""
        body = {"sdp": sdp, "type": "offer", "initialParameters": dict(initial_parameters)}
        data = await self._json(
            "POST",
            "/api/v1/webrtc/offer",
            "the WebRTC offer",
            body=body,
            timeout_s=self.offer_timeout_s,
        )
        return Answer.parse(data)

    async def add_ice_candidates(
        self, session_id: str, candidates: Sequence[Mapping[str, Any]]
    ) -> None:
        """``PATCH /api/v1/webrtc/offer/{id}`` with trickled candidates (204 expected)."""
        await self._send(
            "PATCH",
            f"/api/v1/webrtc/offer/{session_id}",
            "the ICE candidates",
            body={"candidates": [dict(candidate) for candidate in candidates]},
        )

    async def close_session(self, session_id: str) -> bool:
        """``DELETE /api/v1/webrtc/offer/{id}`` where the server has it (0.1.7+).

        Returns False when the server predates it or no longer knows the session.
        """
        if not versions.supports_session_delete(self.version):
            return False
        try:
            await self._send(
                "DELETE",
                f"/api/v1/webrtc/offer/{session_id}",
                "closing the session",
                timeout_s=min(self.timeout_s, 5.0),
            )
        except ScopeRejected as exc:
            if exc.status in (404, 405):
                return False
            raise
        return True

    def _no_rest(self) -> ScopeRejected:
        version = f"Scope {self.version}" if self.version else "This Scope"
        return ScopeRejected(
            f"{version} has no REST session parameters: it needs 0.1.8 or newer.", 404
        )

    async def set_session_parameters(self, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        """``POST /api/v1/session/parameters`` (0.1.8+): applies to every active session.

        Returns what Scope says it applied (``applied_parameters``, with its two re-applied
        defaults). Scope answers ``ok`` even when no session is open and nothing is applied:
        ``session_metrics()`` says whether one is.
        """
        if not versions.supports_rest_parameters(self.version):
            raise self._no_rest()
        try:
            response = await self._send(
                "POST", "/api/v1/session/parameters", "the parameter update", body=dict(parameters)
            )
        except ScopeRejected as exc:
            if exc.status in (404, 405):
                raise self._no_rest() from exc
            raise
        ok, data = served.decoded(response)
        if not ok or not isinstance(data, dict) or data.get("status") != "ok":
            raise self._no_rest()
        applied = data.get("applied_parameters")
        return applied if isinstance(applied, dict) else dict(parameters)

    async def session_parameters(self) -> Mapping[str, Any] | None:
        """``GET /api/v1/session/parameters`` (0.1.8+): the first active session's parameters
        (empty without a session); None when the server has no session API."""
        found, data = await self._served(
            "/api/v1/session/parameters", "the session parameters", served.SESSION_PARAMETERS
        )
        return data["parameters"] if found else None

    async def session_metrics(self) -> SessionMetrics | None:
        """``GET /api/v1/session/metrics`` (0.1.8+): whether a session runs, and how fast;
        None when the server has no session API."""
        found, data = await self._served(
            "/api/v1/session/metrics", "the session metrics", served.SESSION_METRICS
        )
        return SessionMetrics.parse(data) if found else None

    async def start_session(
        self, pipeline_id: str, parameters: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """``POST /api/v1/session/start`` (0.1.8+): a headless session of the loaded
        ``pipeline_id``, starting from ``parameters`` (its input mode and prompts too)."""
        if not versions.supports_rest_parameters(self.version):
            raise self._no_rest()
        body: dict[str, Any] = {
            "pipeline_id": pipeline_id,
            "input_mode": parameters.get("input_mode", "text"),
            "parameters": {k: v for k, v in parameters.items() if k != "pipeline_ids"},
        }
        if isinstance(parameters.get("prompts"), list):
            body["prompts"] = parameters["prompts"]
        data = await self._json(
            "POST", "/api/v1/session/start", "the headless session start", body=body
        )
        if not isinstance(data, dict):
            raise ScopeRejected("Scope's answer to the session start is not an object.", 200)
        return data
