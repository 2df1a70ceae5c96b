"""One Scope server a show drives: its link (or REST control), its pace and its frame outputs.

A show has one `ScopeTarget` per `[scope.targets.NAME]` table (one for a plain `[scope]`).
Each runs its own tasks (the link's supervisor, its chunk-rate follower, its drop counter)
under its own names, feeds its own lane of the bridge (`bridge.running.lanes`) and pushes its frames
to its own outputs: a dead, slow or stalled server is only ever its own target's problem,
and its link reconnects on its own while the show goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from av import VideoFrame

from bridge.core.show import ScopeConfig, Show
from bridge.errors import BridgeError, ScopeError
from bridge.running.bridge import Bridge
from bridge.scope.client import ScopeClient
from bridge.scope.endpoint import ScopeEndpoint, auth_headers_from_env
from bridge.scope.ice import show_servers
from bridge.scope.link import PipelineRequest, ScopeLink
from bridge.scope.rest_transport import HeadlessStart, RestParamTransport, resent
from bridge.scope.session import ServerMessage
from bridge.sinks import FrameRouter, build_sink
from bridge.sinks.base import FrameSink, UnavailableSink
from bridge.watch.snapshot import DeviceView

log = logging.getLogger("bridge")


class ScopeTarget:
    """Link + pace + frame outputs of one Scope server; its tasks run in the bridge's group."""

    def __init__(
        self,
        name: str,
        bridge: Bridge,
        *,
        first: bool,
        on_message: Callable[[ServerMessage], None] | None = None,
    ) -> None:
        self.name = name
        self.bridge = bridge
        self.first = first
        """The first target keeps the plain show's task and Problems names."""
        self._on_message = on_message
        lane = bridge.lane(name)
        scope = self.config
        headers = auth_headers_from_env(scope.token_env) if scope.token_env else {}
        if scope.token_env and not headers:
            bridge.report(
                self.where,
                f"[{self.table}] token_env names {scope.token_env}, which is not set: "
                "connecting without a token",
                key="token",
            )
        self.client = ScopeClient(ScopeEndpoint(scope.url, headers))
        self.latest_frame: VideoFrame | None = None
        self.frames = 0
        self.server_messages = 0
        self.link: ScopeLink | None = None
        self.rest: RestParamTransport | None = None
        self.router = FrameRouter([])
        self.scope_drops: int | None = None
        """Updates Scope dropped, where the server tells (only the stand-in does)."""
        if scope.transport == "rest":
            self.rest = RestParamTransport(
                self.client,
                start=self._headless_start,
                sticky=lambda: resent(lane.builder.last, self.config.initial),
                on_evidence=lambda frames: bridge.observe_frames(frames, name),
            )
            lane.transport = self.rest
            # it ends for good against a Scope without the session API (said once)
            bridge.add_task(self.task("scope-rest"), self.rest.run, forever=False)
            bridge.add_task(self.task("scope-rest-sync"), self._rest_sync)
        else:
            ice, note = show_servers(
                scope.ice_servers, scope.ice_username, scope.ice_credential_env
            )
            if note is not None:
                bridge.report(self.where, note, key="ice")
            self.link = ScopeLink(
                self.client,
                PipelineRequest(scope.pipeline, scope.width, scope.height),
                lambda: bridge.initial_parameters(name),
                on_frame=self._frame,
                on_connected=lambda: bridge.connected(name),
                on_message=self._message,
                ice_servers=ice,
                ice_relay=scope.ice_relay,
                watchdog_s=scope.watchdog_s,
                paused=lambda: lane.state.paused,
            )
            lane.transport = self.link
            bridge.add_task(self.task("scope"), self.link.run)
        bridge.add_task(self.task("chunk-rate"), self._follow_chunk_rate)
        bridge.add_task(self.task("scope-drops"), self._watch_drops, forever=False)

    # -- names ---------------------------------------------------------------------------
    @property
    def config(self) -> ScopeConfig:
        """This target's settings as the running show has them (they follow reloads)."""
        return self.bridge.lane(self.name).show.scope

    @property
    def table(self) -> str:
        """The show file's table for this target, for messages."""
        return (
            "scope" if self.first and not self.bridge.show.targets else f"scope.targets.{self.name}"
        )

    @property
    def where(self) -> str:
        """Where this target's problems are filed: ``scope`` for a plain show."""
        return "scope" if self.first else f"scope {self.name}"

    def task(self, base: str) -> str:
        """A task name of this target's own (a plain show's first target keeps the old)."""
        return base if self.first else f"{base}-{self.name}"

    # -- frames --------------------------------------------------------------------------
    def outputs(self, show: Show, first: bool) -> FrameRouter:
        """The frame outputs that show this target (those naming no target show the first)."""
        sinks: list[FrameSink] = []
        specs = [s for s in show.sinks if s.target == self.name or (first and not s.target)]
        for spec in specs:
            try:
                sinks.append(build_sink(spec.kind, spec.name, spec.options))
            except BridgeError as exc:
                sinks.append(UnavailableSink(spec.name, spec.kind, str(exc)))
        router = FrameRouter(sinks)
        for spec in specs:
            if not spec.enabled:
                router.set_enabled(spec.name, False)
        return router

    def _frame(self, frame: VideoFrame) -> None:
        self.latest_frame = frame
        self.frames += 1
        self.router.push(frame)
        self.bridge.observe_frames(1, self.name)  # evidence of Scope's calls, for its pacer

    def _message(self, message: ServerMessage) -> None:
        self.server_messages += 1
        if self._on_message is not None:
            self._on_message(message)

    # -- pace ----------------------------------------------------------------------------
    async def _follow_chunk_rate(self) -> None:
        while True:
            fps = self.link.fps_measured if self.link is not None else None
            if self.rest is not None:
                fps = self.rest.pipeline_fps
            self.bridge.set_chunk_rate(fps, self.name)
            await asyncio.sleep(1.0)

    async def _watch_drops(self) -> None:
        """Read the stand-in's dropped-update count every 2 s. A real Scope has none: it
        answers ``/sim/stats`` with its web UI, which counts as not served, and then this
        stops after that one question (only failing to reach Scope asks again)."""
        while True:
            try:
                stats = await self.client.stand_in_stats()
            except ScopeError:
                stats = {}  # not answering now: the link reports that; ask again later
            if stats is None:
                return
            if "dropped" in stats:
                self.scope_drops = int(stats["dropped"])
            await asyncio.sleep(2.0)

    # -- REST ----------------------------------------------------------------------------
    def _headless_start(self) -> HeadlessStart | None:
        """The headless session REST control starts when none is open, if the show asks."""
        scope = self.config
        if not scope.start_session:
            return None
        load = {"width": scope.width, "height": scope.height}
        return HeadlessStart(scope.pipeline, load, self.bridge.initial_parameters(self.name))

    async def _rest_sync(self) -> None:
        """REST has no offer: when it becomes ready, send the full state once."""
        was_ready = False
        while True:
            ready = self.rest is not None and self.rest.ready
            if ready and not was_ready and self.rest is not None:
                self.rest.send(self.bridge.initial_parameters(self.name))
                self.bridge.connected(self.name)
            was_ready = ready
            await asyncio.sleep(0.2)

    # -- reading -------------------------------------------------------------------------
    def connection(self) -> dict[str, Any] | None:
        """How this target's link is, as the console and `status` show it."""
        if self.link is not None:
            return asdict(self.link.status())
        if self.rest is not None:
            session = self.rest.session
            return {
                "url": self.client.endpoint.display,
                "transport": "rest",
                "ready": self.rest.ready,
                "state": self.rest.state,
                "session": session.session_id if session is not None else None,
                "headless": session.headless if session is not None else False,
                "fps_recent": self.rest.pipeline_fps or 0.0,
                "frames_total": session.frames_out if session is not None else 0,
                "pipeline_id": self.config.pipeline,
                "server_version": str(self.client.version) if self.client.version else None,
                "last_error": self.rest.last_error,
            }
        return None

    def view(self) -> dict[str, Any]:
        """One line's worth for the console and `status`: state, pace, sent, dropped."""
        lane = self.bridge.lane(self.name)
        link = self.connection() or {}
        up = bool(link.get("channel_open") or link.get("ready"))
        return {
            "name": self.name,
            "url": self.client.endpoint.display,
            "pipeline": self.config.pipeline,
            "up": up,
            "state": "live" if up else ("retrying" if link.get("last_error") else "connecting"),
            "fps": round(float(link.get("fps_recent") or 0.0), 1),
            "frames": int(link.get("frames_total") or 0),
            "connects": int(link.get("connects") or 0),
            "sent": lane.pacer.sent_count,
            "msgs_per_s": round(lane.messages_per_s(), 1),
            "inflight": len(lane.pacer.taken),
            "pending": sorted(lane.state.dirty),
            "chunk_hz": round(1.0 / lane.pacer.chunk_period, 2),
            "drops": self.scope_drops,
            "outputs": [s.name for s in self.router.status()],
            "last_error": link.get("last_error"),
        }

    async def aclose(self) -> None:
        await self.router.close()
        await self.client.aclose()


def target_lines(units: Iterable[ScopeTarget]) -> list[DeviceView]:
    """The console's lines for several targets: live or retrying, its pace, what it sent;
    then one for all of them."""
    lines, sent, per_s, live = [], 0, 0.0, 0
    for unit in units:
        v = unit.view()
        detail = (
            f"{v['fps']:.1f} fps, {v['sent']} sent, {v['inflight']} waiting"
            if v["up"]
            else str(v["last_error"] or "")
        )
        lines.append(DeviceView(unit.name, "scope", str(v["state"]), detail))
        live += bool(v["up"])
        sent += int(v["sent"])
        per_s += float(v["msgs_per_s"])
    lines.append(
        DeviceView("all", "scope", f"{live}/{len(lines)} live", f"{sent} sent, {per_s:.1f}/s")
    )
    return lines


def targets_extra(units: Iterable[ScopeTarget]) -> dict[str, Any]:
    """``targets`` (one view each) and ``targets_total`` for `status` and the headless log."""
    views = [unit.view() for unit in units]
    return {
        "targets": views,
        "targets_total": {
            "live": sum(1 for v in views if v["up"]),
            "of": len(views),
            "sent": sum(int(v["sent"]) for v in views),
            "msgs_per_s": round(sum(float(v["msgs_per_s"]) for v in views), 1),
            "fps": round(sum(float(v["fps"]) for v in views), 1),
        },
    }
