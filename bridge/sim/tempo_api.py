"""Scope's tempo endpoints (0.1.8+) on the stand-in, and the ``tempo_update`` messages.

``/api/v1/tempo/status|enable|disable|set_tempo|sources`` answer as Scope's ``tempo_router``
does. Scope needs optional extras for its two sources; the stand-in lists MIDI clock as not
installed (as the captured server did) and offers "link" run by its own clock, unless started
with ``tempo_link=False``, which makes it answer exactly like an install without the extras.
While enabled, every open session hears ``tempo_update`` about 15 times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from bridge.sim import validation
from bridge.sim.replies import detail, read_json, reply
from bridge.sim.tempo import NOTIFY_HZ, TempoClock, disabled_status

Broadcast = Callable[[Mapping[str, Any]], None]
_HINTS = {"link": "uv sync --extra link", "midi_clock": "uv sync --extra midi"}


class TempoService:
    """The stand-in's tempo sync: one clock, shared by every session."""

    def __init__(self, broadcast: Broadcast, *, link: bool = True) -> None:
        self.clock: TempoClock | None = None
        self.updates_sent = 0
        self._broadcast = broadcast
        self._link = link
        self._beats_per_bar = 4
        self._task: asyncio.Task[None] | None = None

    def current(self) -> TempoClock | None:
        """The running clock, or None while tempo sync is off."""
        return self.clock

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v1/tempo/status", self.status),
            web.post("/api/v1/tempo/enable", self.enable),
            web.post("/api/v1/tempo/disable", self.disable),
            web.post("/api/v1/tempo/set_tempo", self.set_tempo),
            web.get("/api/v1/tempo/sources", self.sources),
        ]

    def _status(self) -> dict[str, Any]:
        if self.clock is None:
            return disabled_status(self._beats_per_bar)
        return self.clock.status(time.monotonic())

    async def status(self, request: web.Request) -> web.Response:
        return reply(self._status())

    async def sources(self, request: web.Request) -> web.Response:
        link: dict[str, Any] = {"available": True, "name": "Ableton Link"}
        if not self._link:
            link = {"available": False, "name": "Ableton Link", "install_hint": _HINTS["link"]}
        midi = {"available": False, "name": "MIDI Clock", "install_hint": _HINTS["midi_clock"]}
        return reply({"sources": {"link": link, "midi_clock": midi}})

    async def enable(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        problems = _enable_problems(body)
        if problems:
            return detail(problems, 422)
        await self.stop()  # Scope disables first, even when the new source then fails
        source = body["source"]
        if source != "link" or not self._link:
            return detail(
                f"Failed to create {source} tempo source. Install with: {_HINTS[source]}", 400
            )
        self._beats_per_bar = int(body.get("beats_per_bar", 4))
        bpm = float(body.get("bpm", 120.0))
        self.clock = TempoClock(bpm, self._beats_per_bar, time.monotonic())
        self._task = asyncio.get_running_loop().create_task(self._notify(), name="sim-tempo")
        return reply(self._status())

    async def disable(self, request: web.Request) -> web.Response:
        await self.stop()
        return reply(self._status())

    async def set_tempo(self, request: web.Request) -> web.Response:
        body, error = await read_json(request)
        if error is not None:
            return error
        if not isinstance(body, Mapping):
            return detail([validation.problem("model_attributes_type", ("body",), body)], 422)
        if "bpm" not in body:
            return detail([validation.problem("missing", ("body", "bpm"), dict(body))], 422)
        problems = validation.in_range(body["bpm"], ("body", "bpm"), 20.0, 300.0)
        if problems:
            return detail(problems, 422)
        if self.clock is None:
            return detail("Tempo sync is not enabled", 400)
        self.clock = self.clock.with_bpm(float(body["bpm"]), time.monotonic())
        return reply(self._status())

    async def stop(self) -> None:
        self.clock = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _notify(self) -> None:
        while self.clock is not None:
            self._broadcast(self.clock.update_message(time.monotonic()))
            self.updates_sent += 1
            await asyncio.sleep(1.0 / NOTIFY_HZ)


def _enable_problems(body: object) -> list[validation.Problem]:
    """``TempoEnableRequest``: source link|midi_clock, bpm 20–300, beats_per_bar 1–16."""
    if not isinstance(body, Mapping):
        return [validation.problem("model_attributes_type", ("body",), body)]
    found: list[validation.Problem] = []
    if "source" not in body:
        found.append(validation.problem("missing", ("body", "source"), dict(body)))
    elif body["source"] not in _HINTS:
        found.append(
            validation.problem(
                "literal_error",
                ("body", "source"),
                body["source"],
                expected="'link' or 'midi_clock'",
            )
        )
    if "bpm" in body:
        found += validation.in_range(body["bpm"], ("body", "bpm"), 20.0, 300.0)
    bar = body.get("beats_per_bar", 4)
    if not isinstance(bar, int) or isinstance(bar, bool):
        found.append(validation.problem("int_type", ("body", "beats_per_bar"), bar))
    else:
        found += validation.in_range(bar, ("body", "beats_per_bar"), 1, 16)
    return found
