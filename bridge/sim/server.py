"""The Scope stand-in: Scope's HTTP API and WebRTC answerer, on aiohttp, for shows without a GPU.

It answers like the real server version it is set to (``0.2.4`` by default, back to ``0.1.4``):
same paths, same JSON shapes, same status codes and FastAPI error bodies (checked against the
real servers' answers by tests/sim/test_contract.py). Like a normal install it serves its web
UI's HTML for every GET path it has no route for (``frontend=False``: 404 "Frontend not built",
as an install without the UI). Extra endpoints under ``/sim`` expose counters
(``GET /sim/stats``) and fault switches (``POST /sim/faults``) for tests. ICE servers are an
empty list unless set (``SimOptions.ice_servers``, e.g. a TURN server for a test of a Scope no
UDP reaches): the stand-in is local, and a public STUN server is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from aiohttp import web
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from bridge.scope import versions
from bridge.scope.ice import rtc_configuration
from bridge.scope.versions import ScopeVersion
from bridge.sim import catalog, replies, validation
from bridge.sim.extras import StandInExtras
from bridge.sim.faults import Faults
from bridge.sim.media import SimSession
from bridge.sim.options import SimOptions
from bridge.sim.osc import OscServer, known_paths, osc_paths
from bridge.sim.params import SimStats
from bridge.sim.pipeline import PipelineSlot
from bridge.sim.processor import FrameProcessor, StreamSettings
from bridge.sim.replies import detail, read_json, reply
from bridge.sim.session_api import SessionApi
from bridge.sim.tempo_api import TempoService

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ScopeSim:
    """One stand-in server. ``await start(host, port)``, then ``await stop()``."""

    def __init__(self, options: SimOptions | None = None) -> None:
        self.options = options or SimOptions()
        parsed = ScopeVersion.parse(self.options.version)
        if parsed is None:
            raise ValueError(f"not a Scope version: {self.options.version!r}")
        self.version = parsed
        self.stats = SimStats()
        self.faults = Faults()
        self.sessions: dict[str, SimSession] = {}
        self.offers: list[dict[str, Any]] = []
        self.rest_parameters: dict[str, Any] = {}
        """What REST POSTs asked for, merged (applied or not: a stand-in record)."""
        self.candidates_added = 0
        self.started_at = time.time()
        self.pipeline = PipelineSlot(self.options.width, self.options.height, parsed)
        self.tempo = TempoService(self.notify_all, link=self.options.tempo_link)
        self.session_api = SessionApi(self)
        self.osc = OscServer(
            lambda: known_paths(self.pipeline.pipeline_id, self.version), self.broadcast
        )
        self.requests: Counter[tuple[str, str]] = Counter()
        """Requests seen, by method and path (a stand-in record, for tests)."""
        self.host: str | None = None
        self.port: int | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.app = self._build_app()

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 8000) -> int:
        """Listen on ``host:port`` (0 picks a free port); returns the port."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        # Our own socket, so port 0 works and the chosen port is known without internals.
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        await web.SockSite(self._runner, sock).start()
        self.host, self.port = host, int(sock.getsockname()[1])
        if versions.has_osc_server(self.version):
            await self.osc.start(host, self.port)  # Scope takes OSC on its HTTP port
        return self.port

    async def stop(self) -> None:
        """Close every session and the HTTP server."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.osc.stop()
        await self.tempo.stop()
        await self.session_api.end_headless()
        await asyncio.gather(*(s.close() for s in list(self.sessions.values())))
        self.sessions.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- routing -------------------------------------------------------------------------
    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._faults_middleware])
        v = self.version
        routes = [
            web.get("/health", self.health),
            web.post("/api/v1/pipeline/load", self.load),
            web.get("/api/v1/pipeline/status", self.pipeline_status),
            web.get("/api/v1/hardware/info", self.hardware),
            web.get("/api/v1/pipelines/schemas", self.schemas),
            web.get("/api/v1/models/status", self.models_status),
            web.get(versions.lora_paths(v)[0], self.loras),
            web.get("/api/v1/plugins", self.plugins),
            web.get("/api/v1/webrtc/ice-servers", self.ice_servers),
            web.post("/api/v1/webrtc/offer", self.offer),
            web.patch("/api/v1/webrtc/offer/{session_id}", self.patch_candidates),
        ]
        if self.options.sim_endpoints:
            routes += StandInExtras(self).routes()
        if versions.supports_session_delete(v):
            routes.append(web.delete("/api/v1/webrtc/offer/{session_id}", self.delete_session))
        if versions.supports_rest_parameters(v):
            routes += self.session_api.routes()
        if versions.has_tempo(v):
            routes += self.tempo.routes()
        if versions.has_osc_server(v):
            routes += [
                web.get("/api/v1/osc/status", self.osc_status),
                web.get("/api/v1/osc/paths", self.osc_paths),
            ]
        if versions.has_node_definitions(v):
            routes.append(web.get("/api/v1/nodes/definitions", self.node_definitions))
        # Last: Scope's catch-all for the web UI (any other GET path; other methods get 405).
        routes.append(web.get("/{path:.*}", self.frontend))
        app.add_routes(routes)
        return app

    @web.middleware
    async def _faults_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        self.requests[(request.method, request.path)] += 1
        if not (self.options.sim_endpoints and request.path.startswith("/sim/")):
            if self.faults.delay_ms:
                await asyncio.sleep(self.faults.delay_ms / 1000)
            if self.faults.http_status:
                return detail("Injected fault", self.faults.http_status)
        try:
            return await handler(request)
        except web.HTTPException as exc:  # FastAPI's bodies for routing errors
            if exc.status >= 400:
                return detail(exc.reason, exc.status)
            raise

    # -- Scope's API ---------------------------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        now = datetime.datetime.now().isoformat()  # local time without a zone, as Scope sends it
        return reply(
            {
                "status": "healthy",
                "timestamp": now,
                "server_start_time": self.started_at,
                "version": str(self.version),
                "git_commit": "scope-bridge-sim",
            }
        )

    async def load(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        if not isinstance(body, Mapping):
            return detail([validation.problem("model_attributes_type", ("body",), body)], 422)
        ids = body.get("pipeline_ids") or ([body["pipeline_id"]] if body.get("pipeline_id") else [])
        if not ids:
            return detail("pipeline_ids must not be empty", 400)
        params = body.get("load_params") or {}
        if not isinstance(params, Mapping):
            return detail([validation.problem("dict_type", ("body", "load_params"), params)], 422)
        failure, self.faults.load_error = self.faults.load_error, None  # a one-shot fault
        load = self.pipeline.load(str(ids[0]), dict(params), self.options.load_time_s, failure)
        self._spawn(load, "sim-load")
        return reply({"message": f"Pipeline {ids[0]} loading started"})

    async def pipeline_status(self, request: web.Request) -> web.Response:
        return reply(self.pipeline.report())

    async def hardware(self, request: web.Request) -> web.Response:
        return reply(replies.hardware_info(self.version))

    async def schemas(self, request: web.Request) -> web.Response:
        return reply(catalog.pipeline_schemas(self.version))

    async def node_definitions(self, request: web.Request) -> web.Response:
        return reply(catalog.node_definitions(self.version))

    async def frontend(self, request: web.Request) -> web.Response:
        return replies.frontend(request.path, self.options.frontend)

    async def models_status(self, request: web.Request) -> web.Response:
        if "pipeline_id" not in request.query:
            return detail([validation.problem("missing", ("query", "pipeline_id"), None)], 422)
        return reply({"downloaded": True, "progress": None})

    async def loras(self, request: web.Request) -> web.Response:
        return reply({"lora_files": []})

    async def plugins(self, request: web.Request) -> web.Response:
        return reply({"plugins": [], "total": 0, "failed_plugins": []})

    async def ice_servers(self, request: web.Request) -> web.Response:
        # Scope's IceServerConfig: every key present, null where a STUN server has none
        return reply(
            {
                "iceServers": [
                    {"urls": list(s.urls), "username": s.username, "credential": s.credential}
                    for s in self.options.ice_servers
                ]
            }
        )

    async def offer(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        problems = validation.offer(body)
        if problems:
            return detail(problems, 422)
        if not self.pipeline.loaded:
            return detail("Pipeline not loaded. Please load pipeline first.", 400)
        raw = body.get("initialParameters")
        self.offers.append({"t": time.monotonic(), "initialParameters": dict(raw or {})})
        initial = validation.normalize(raw) if raw else {}
        ids = initial.get("pipeline_ids") or []
        settings = self.stream_settings(str(ids[0]) if ids else self.pipeline.pipeline_id)
        assert settings is not None  # loaded: checked above
        # Scope answers with the same servers it hands out; never aiortc's public default
        pc = RTCPeerConnection(rtc_configuration(self.options.ice_servers))
        session = SimSession(
            str(uuid.uuid4()), pc, initial, settings, self.stats, self.faults, self.tempo.current
        )
        self.sessions[session.id] = session
        pc.on("datachannel", session.on_datachannel)
        pc.on("track", session.on_client_track)

        def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and session.id in self.sessions:
                del self.sessions[session.id]
                self._spawn(session.close(), "sim-close")

        pc.on("connectionstatechange", on_state)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=body["sdp"], type=body["type"]))
        pc.addTrack(session.track)
        await pc.setLocalDescription(await pc.createAnswer())
        answer = pc.localDescription
        return reply({"sdp": answer.sdp, "type": answer.type, "sessionId": session.id})

    async def patch_candidates(self, request: web.Request) -> web.Response:
        session_id = request.match_info["session_id"]
        body, error = await read_json(request)
        if error is not None:
            return error
        session = self.sessions.get(session_id)
        if session is None or session.pc.connectionState in ("closed", "failed"):
            return detail(f"Session {session_id} not found", 404)
        candidates = body.get("candidates") if isinstance(body, Mapping) else None
        if not isinstance(candidates, list):
            return detail([validation.problem("missing", ("body", "candidates"), body)], 422)
        for item in candidates:
            text = str(item.get("candidate", "")) if isinstance(item, Mapping) else ""
            try:
                candidate = candidate_from_sdp(text.removeprefix("candidate:"))
                candidate.sdpMid = item.get("sdpMid")
                candidate.sdpMLineIndex = item.get("sdpMLineIndex")
                await session.pc.addIceCandidate(candidate)
            except (ValueError, IndexError, AttributeError) as exc:
                return detail(f"Invalid ICE candidate: {exc}", 404)
            session.candidates_added += 1
            self.candidates_added += 1
        return web.Response(status=204)

    async def delete_session(self, request: web.Request) -> web.Response:
        session = self.sessions.pop(request.match_info["session_id"], None)
        if session is None:
            return detail(f"Session {request.match_info['session_id']} not found", 404)
        await session.close()
        return web.Response(status=204)

    async def osc_status(self, request: web.Request) -> web.Response:
        return reply(
            {
                "enabled": True,
                "listening": self.osc.listening,
                "port": self.port,
                "host": self.host,
                "log_all_messages": False,
            }
        )

    async def osc_paths(self, request: web.Request) -> web.Response:
        return reply(osc_paths(self.pipeline.pipeline_id, self.version))

    # -- what the session API and tempo sync drive ----------------------------------------
    def stream_settings(self, pipeline_id: str | None) -> StreamSettings | None:
        """How a session of ``pipeline_id`` runs, or None unless that pipeline is loaded."""
        if pipeline_id is None or pipeline_id != self.pipeline.pipeline_id:
            return None
        params = self.pipeline.load_params
        info = catalog.PIPELINES.get(pipeline_id)
        return StreamSettings(
            pipeline_id=pipeline_id,
            width=int(params.get("width", self.options.width)),
            height=int(params.get("height", self.options.height)),
            chunk=catalog.chunk_model(pipeline_id, self.options.fps, self.options.chunk_frames),
            queue_size=self.options.queue_size,
            controller=info is not None and info.controller,
            tempo=versions.has_tempo(self.version),
        )

    def active(self) -> list[tuple[str, FrameProcessor]]:
        """Sessions whose pipeline runs, in the order Scope picks them (WebRTC, then headless)."""
        found = [
            (s.id, s.processor) for s in self.sessions.values() if s.live and s.processor.running
        ]
        headless = self.session_api.headless
        if headless is not None and headless.running:
            found.append(("headless", headless))
        return found

    def broadcast(self, parameters: Mapping[str, Any]) -> None:
        """Scope's ``broadcast_parameter_update``: to every active session, paused at once."""
        for _, processor in self.active():
            payload = dict(parameters)
            if "paused" in payload:
                processor.engine.paused = bool(payload["paused"])
            processor.update(payload)

    def notify_all(self, message: Mapping[str, Any]) -> None:
        """A data-channel notification to every open WebRTC session."""
        for session in list(self.sessions.values()):
            if session.live:
                session.notify(message)


async def serve_sim(host: str = "127.0.0.1", port: int = 8000, **opts: Any) -> None:
    """Run the stand-in until cancelled. ``opts`` are ``SimOptions`` fields."""
    from bridge.scope.endpoint import ScopeEndpoint
    from bridge.scope.ice import use_loopback_candidates

    if ScopeEndpoint(f"http://{host}:{port}").is_loopback:
        use_loopback_candidates()  # a loopback server keeps its media on loopback too
    sim = ScopeSim(SimOptions(**opts))
    bound = await sim.start(host, port)
    log.info("Scope stand-in %s listening on http://%s:%d", sim.version, host, bound)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def run_sim(host: str = "127.0.0.1", port: int = 8000, **opts: Any) -> None:
    """Blocking entry for ``scope-bridge sim``; Ctrl-C stops it."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_sim(host, port, **opts))
