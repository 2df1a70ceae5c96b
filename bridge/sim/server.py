"""The Scope stand-in: Scope's HTTP API and WebRTC answerer, on aiohttp, for shows without a GPU.

It answers like the real server version it is set to (``0.1.4`` … ``0.2.4``): same paths,
same JSON shapes, same status codes and FastAPI error bodies. Extra endpoints under ``/sim``
expose counters (``GET /sim/stats``) and fault switches (``POST /sim/faults``) for tests.
ICE servers are an empty list: the stand-in is local, and a public STUN server is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from bridge.scope import versions
from bridge.scope.versions import ScopeVersion
from bridge.sim import replies, validation
from bridge.sim.faults import Faults
from bridge.sim.media import SimSession, StreamSettings
from bridge.sim.params import SimStats
from bridge.sim.pipeline import PipelineSlot
from bridge.sim.replies import detail, read_json, reply

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REST_DEFAULTS = {"prompt_interpolation_method": "linear", "vace_context_scale": 1.0}


@dataclass(frozen=True, slots=True)
class SimOptions:
    """How the stand-in behaves; defaults are longlive on a consumer GPU."""

    version: str = "0.2.4"
    fps: float = 16.0
    chunk_frames: int = 12
    queue_size: int = 8
    load_time_s: float = 0.3
    width: int = 576
    height: int = 320


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
        self.candidates_added = 0
        self.started_at = time.time()
        self.pipeline = PipelineSlot(self.options.width, self.options.height)
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
        return int(sock.getsockname()[1])

    async def stop(self) -> None:
        """Close every session and the HTTP server."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
            web.get("/sim/stats", self.sim_stats),
            web.get("/sim/faults", self.sim_faults),
            web.post("/sim/faults", self.sim_faults),
        ]
        if versions.supports_session_delete(v):
            routes.append(web.delete("/api/v1/webrtc/offer/{session_id}", self.delete_session))
        if versions.supports_rest_parameters(v):
            routes += [
                web.get("/api/v1/session/parameters", self.get_parameters),
                web.post("/api/v1/session/parameters", self.post_parameters),
                web.get("/api/v1/session/metrics", self.metrics),
            ]
        app.add_routes(routes)
        return app

    @web.middleware
    async def _faults_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if not request.path.startswith("/sim/"):
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
        now = datetime.datetime.now(datetime.UTC).isoformat()
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
        return reply(replies.pipeline_schemas())

    async def models_status(self, request: web.Request) -> web.Response:
        if "pipeline_id" not in request.query:
            return detail([validation.problem("missing", ("query", "pipeline_id"), None)], 422)
        return reply({"downloaded": True, "progress": None})

    async def loras(self, request: web.Request) -> web.Response:
        return reply({"lora_files": []})

    async def plugins(self, request: web.Request) -> web.Response:
        return reply({"plugins": [], "total": 0, "failed_plugins": []})

    async def ice_servers(self, request: web.Request) -> web.Response:
        return reply({"iceServers": []})

    async def offer(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        problems = validation.offer(body)
        if problems:
            return detail(problems, 422)
        if not self.pipeline.loaded:
            return detail("Pipeline not loaded. Please load pipeline first.", 400)
        initial = dict(body.get("initialParameters") or {})
        self.offers.append({"t": time.monotonic(), "initialParameters": initial})
        params = self.pipeline.load_params
        settings = StreamSettings(
            width=int(params.get("width", self.options.width)),
            height=int(params.get("height", self.options.height)),
            fps=self.options.fps,
            chunk_frames=self.options.chunk_frames,
            queue_size=self.options.queue_size,
        )
        pc = RTCPeerConnection()  # no ICE servers: see the module docstring
        session = SimSession(str(uuid.uuid4()), pc, initial, settings, self.stats, self.faults)
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

    async def get_parameters(self, request: web.Request) -> web.Response:
        return reply(self.rest_parameters)

    async def post_parameters(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        problems = validation.parameters(body, ("body",))
        if problems:
            return detail(problems, 422)
        payload = {**body, **REST_DEFAULTS}  # Scope re-applies these on every POST
        self.rest_parameters.update(payload)
        now = time.monotonic()
        for session in list(self.sessions.values()):
            session.engine.receive(payload, now)
            session.notify({"type": "parameters_updated", "parameters": self.rest_parameters})
        return reply({"status": "ok", "sessions": len(self.sessions)})

    async def metrics(self, request: web.Request) -> web.Response:
        return reply(
            {
                "sessions": len(self.sessions),
                "fps": self.options.fps,
                "frames_sent": self.stats.frames_sent,
            }
        )

    # -- stand-in extras -----------------------------------------------------------------
    async def sim_stats(self, request: web.Request) -> web.Response:
        stats = self.stats.to_json()
        stats.update(
            version=str(self.version),
            sessions=len(self.sessions),
            queued=sum(s.engine.queued for s in self.sessions.values()),
            candidates_added=self.candidates_added,
            offers=self.offers,
            pipeline=self.pipeline.snapshot(),
            parameters=[dict(s.engine.params) for s in self.sessions.values()],
            paused=[s.engine.paused for s in self.sessions.values()],
            clock="CLOCK_MONOTONIC",
        )
        return reply(stats)

    async def sim_faults(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            body, error = await read_json(request)
            if error is not None:
                return error
            if not isinstance(body, Mapping):
                return detail("a JSON object of fault switches is expected", 400)
            close_after = self.faults.update(body)
            if close_after is not None:
                for session in self.sessions.values():
                    session.close_later(close_after)
        return reply(self.faults.to_json())


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
