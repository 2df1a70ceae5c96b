"""Scope's REST session API (0.1.8+) on the stand-in: parameters, metrics, headless sessions.

As Scope answers (its ``mcp_router``, scope-protocol.md §8): ``POST session/parameters`` is
validated like ``Parameters``, gets the two re-applied defaults, goes to every active session
(none: nothing is applied, the answer is the same ``ok``) and is announced to every WebRTC
session as ``parameters_updated``; ``GET`` shows the first active session's parameters under
``parameters``; ``metrics`` reports that one session (``{}`` without one). ``session/start``
runs a headless session of the loaded pipeline (single pipelines only: the stand-in runs no
graphs), ``session/stop`` ends it, ``session/frame`` is the latest frame as JPEG.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from PIL import Image

from bridge.sim import validation
from bridge.sim.processor import FrameProcessor
from bridge.sim.render import render
from bridge.sim.replies import detail, read_json, reply
from bridge.sim.worker import Emitted

if TYPE_CHECKING:
    from bridge.sim.server import ScopeSim

_NO_FRAME = "No frame available"
_NO_HEADLESS = "No active headless session"


class SessionApi:
    """The handlers; they read and drive the stand-in's sessions."""

    def __init__(self, sim: ScopeSim) -> None:
        self.sim = sim
        self.headless: FrameProcessor | None = None

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v1/session/parameters", self.get_parameters),
            web.post("/api/v1/session/parameters", self.post_parameters),
            web.get("/api/v1/session/metrics", self.metrics),
            web.get("/api/v1/session/frame", self.frame),
            web.post("/api/v1/session/start", self.start),
            web.post("/api/v1/session/stop", self.stop),
        ]

    async def post_parameters(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        problems = validation.parameters(body, ("body",))
        if problems:
            return detail(problems, 422)
        applied = validation.normalize(body)
        self.sim.rest_parameters.update(applied)
        self.sim.broadcast(applied)
        self.sim.notify_all({"type": "parameters_updated", "parameters": applied})
        return reply({"status": "ok", "applied_parameters": applied})

    async def get_parameters(self, request: web.Request) -> web.Response:
        active = self.sim.active()
        return reply({"parameters": active[0][1].parameters if active else {}})

    async def metrics(self, request: web.Request) -> web.Response:
        sessions: dict[str, Any] = {}
        active = self.sim.active()
        if active:
            session_id, processor = active[0]
            sessions[session_id] = processor.metrics()
            if processor is self.headless:
                sessions[session_id]["headless"] = True
        return reply({"sessions": sessions, "gpu": {}})

    async def frame(self, request: web.Request) -> web.Response:
        raw = request.query.get("quality", "85")
        try:
            quality = int(raw)
        except ValueError:
            return detail([validation.problem("int_type", ("query", "quality"), raw)], 422)
        problems = validation.in_range(quality, ("query", "quality"), 1, 100)
        if problems:
            return detail(problems, 422)
        last = next((p.last for _, p in self.sim.active() if p.last is not None), None)
        if last is None:
            sink = request.query.get("sink_node_id")
            where = f" for sink node '{sink}'" if sink else ""
            return detail(f"{_NO_FRAME}{where} (no active session or pipeline not running)", 404)
        buffer = io.BytesIO()
        Image.fromarray(render(last.view, last.counter)).save(
            buffer, format="JPEG", quality=quality
        )
        return web.Response(body=buffer.getvalue(), content_type="image/jpeg")

    async def start(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        problems = _start_problems(body)
        if problems:
            return detail(problems, 422)
        if body.get("graph") is not None:
            return detail("Invalid graph: the Scope stand-in runs single pipelines only", 400)
        pipeline_id = str(body["pipeline_id"])
        settings = self.sim.stream_settings(pipeline_id)
        if settings is None:
            return detail("FrameProcessor failed to start (check logs for details)", 500)
        input_mode = body.get("input_mode", "text")
        initial: dict[str, Any] = {"pipeline_ids": [pipeline_id], "input_mode": input_mode}
        if body.get("prompts") is not None:
            initial["prompts"] = body["prompts"]
        for key, value in (body.get("parameters") or {}).items():
            initial.setdefault(key, value)
        await self.end_headless()
        processor = FrameProcessor(
            initial,
            settings,
            self.sim.stats,
            self.sim.faults,
            tempo=self.sim.tempo.current,
            notify=lambda message: None,  # no data channel to tell
            emit=self._headless_frame,
        )
        self.headless = processor
        processor.start()
        for node_id, node_params in (body.get("node_parameters") or {}).items():
            if isinstance(node_params, Mapping):
                processor.update({"node_id": node_id, **node_params})
        return reply(
            {
                "status": "ok",
                "input_mode": input_mode,
                "cloud_mode": False,
                "pipeline_id": pipeline_id,
            }
        )

    def _headless_frame(self, frame: Emitted) -> None:
        if self.headless is not None:
            self.headless.frames_out += 1  # Scope's headless consumer takes every frame

    async def stop(self, request: web.Request) -> web.Response:
        if self.headless is None:
            return detail(_NO_HEADLESS, 404)
        await self.end_headless()
        return reply({"status": "ok", "message": "Headless session stopped"})

    async def end_headless(self) -> None:
        headless, self.headless = self.headless, None
        if headless is not None:
            await headless.stop()


def _start_problems(body: object) -> list[validation.Problem]:
    """``StartStreamRequest``: a pipeline_id or a graph; typed optional fields."""
    if not isinstance(body, Mapping):
        return [validation.problem("model_attributes_type", ("body",), body)]
    found: list[validation.Problem] = []
    for key, kind, types in (
        ("pipeline_id", "string_type", str),
        ("input_mode", "string_type", str),
        ("prompts", "list_type", list),
        ("parameters", "dict_type", Mapping),
        ("node_parameters", "dict_type", Mapping),
        ("graph", "dict_type", Mapping),
    ):
        if body.get(key) is not None and not isinstance(body[key], types):
            found.append(validation.problem(kind, ("body", key), body[key]))
    if not found and body.get("pipeline_id") is None and body.get("graph") is None:
        error = "Either pipeline_id or graph must be provided"
        found.append(validation.problem("value_error", ("body",), dict(body), error=error))
    return found
