"""The stand-in's own endpoints under ``/sim``: its counters and its fault switches.

``GET /sim/stats`` is what tests and benchmarks read (received, applied, dropped updates, the
applied log with receive and apply times on CLOCK_MONOTONIC, the chunk model in force, per
session parameters and measured fps, OSC and tempo counts); ``/sim/stats?log=0`` leaves out
what grows with the run (the applied log, up to ``LOG_LIMIT`` entries, and the offers), for a
caller that polls only the counters. ``/sim/faults`` reads and sets the fault switches
(``faults``). A real Scope has neither: its web UI answers there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bridge.sim import catalog
from bridge.sim.replies import detail, read_json, reply

if TYPE_CHECKING:
    from bridge.sim.server import ScopeSim


class StandInExtras:
    """The ``/sim`` handlers of one stand-in."""

    def __init__(self, sim: ScopeSim) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/sim/stats", self.stats),
            web.get("/sim/faults", self.faults),
            web.post("/sim/faults", self.faults),
        ]

    async def stats(self, request: web.Request) -> web.Response:
        sim = self.sim
        sessions = list(sim.sessions.values())
        stats = sim.stats.to_json()
        brief = request.query.get("log") == "0"
        if brief:
            del stats["applied_log"]
        stats.update(
            version=str(sim.version),
            sessions=len(sessions),
            queued=sum(s.engine.queued for s in sessions),
            candidates_added=sim.candidates_added,
            offers=[] if brief else sim.offers,
            pipeline=sim.pipeline.snapshot(),
            parameters=[dict(s.engine.params) for s in sessions],
            paused=[s.engine.paused for s in sessions],
            pipeline_fps=[s.processor.worker.meter.fps for s in sessions],
            chunk=self.chunk(),
            headless=sim.session_api.headless is not None,
            tempo_updates=sim.tempo.updates_sent,
            tempo_clock=self.tempo_clock(),
            osc=dict(sim.osc.counts),
            clock="CLOCK_MONOTONIC",
        )
        return reply(stats)

    def tempo_clock(self) -> dict[str, Any] | None:
        """The tempo clock's grid (beat ``anchor_beat`` at ``anchor_t``), None while off."""
        clock = self.sim.tempo.current()
        if clock is None:
            return None
        return {
            "bpm": clock.bpm,
            "beats_per_bar": clock.beats_per_bar,
            "anchor_t": clock.anchor_t,
            "anchor_beat": clock.anchor_beat,
        }

    def chunk(self) -> dict[str, Any] | None:
        """The loaded pipeline's chunk model as the stand-in runs it."""
        loaded = self.sim.pipeline.pipeline_id
        if loaded is None:
            return None
        options = self.sim.options
        model = catalog.chunk_model(loaded, options.fps, options.chunk_frames)
        return {"frames_per_call": model.frames_per_call, "fps": model.fps}

    async def faults(self, request: web.Request) -> web.Response:
        sim = self.sim
        if request.method == "POST":
            body, error = await read_json(request)
            if error is not None:
                return error
            if not isinstance(body, Mapping):
                return detail("a JSON object of fault switches is expected", 400)
            try:
                close_after = sim.faults.update(body)
            except (TypeError, ValueError) as exc:
                return detail(f"a fault switch has a value of the wrong kind: {exc}", 400)
            if close_after is not None:
                for session in sim.sessions.values():
                    session.close_later(close_after)
        return reply(sim.faults.to_json())
