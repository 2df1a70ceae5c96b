"""The OSCQuery server of each OSC surface: its namespace over HTTP, announced on request.

An OSC device with ``surface = true`` and ``oscquery = true`` (or a TCP port) serves the
surface's namespace (`bridge.core.oscquery_tree`) on its own listen address: ``GET /`` is the
whole tree, ``GET /bridge/scene`` one node, ``?VALUE`` (or any attribute) one attribute of
it, ``?HOST_INFO`` where to send OSC. The tree is made at each request from the running
show and the bridge's state, so a reload and every value change show at once with nothing
to keep in step. The set of servers follows the show too: `OscQuery.run` compares the
devices it serves with the show's every `CHECK_S` and opens or closes what changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bridge.core.oscquery_tree import ATTRIBUTES, Leaf, namespace, node_at
from bridge.core.show import OscDevice, Show
from bridge.core.surface import surface_value
from bridge.running.bridge import Bridge
from bridge.running.oscquery_advert import Advert

log = logging.getLogger("bridge")

CHECK_S = 0.5
NAMES = {"transition.method": ("linear", "slerp"), "input_mode": ("text", "video")}


def leaves(show: Show, bridge: Bridge, device: str) -> list[Leaf]:
    """The surface targets of ``device`` as the engine runs them (pipeline parameters typed
    by Scope's schema once it described them), with their values now."""
    names = dict(NAMES, scene=tuple(s.name for s in show.scenes), page=show.pages)
    page = bridge.engine.view.page
    out = []
    for live in bridge.engine.lives:
        if live.binding.surface != device:
            continue
        target, spec = live.binding.target, live.spec
        value = surface_value(bridge.state, target, spec, page)
        count = len(show.denoising_presets) if target == "denoising_steps" else 0
        out.append(Leaf(target, spec, value, names.get(target, spec.choices), count))
    return out


def host_info(device: OscDevice) -> dict[str, Any]:
    extensions = dict.fromkeys(ATTRIBUTES, True) | {"LISTEN": False, "PATH_CHANGED": False}
    return {
        "NAME": f"Scope Bridge {device.name}",
        "OSC_IP": device.host,
        "OSC_PORT": device.port,
        "OSC_TRANSPORT": "UDP",
        "EXTENSIONS": extensions,
    }


@dataclass(slots=True)
class Served:
    """One device's running HTTP server (and its announcement, if asked)."""

    device: OscDevice
    runner: web.AppRunner
    advert: Advert | None = None

    async def close(self) -> None:
        try:
            if self.advert is not None:
                await self.advert.close()
        finally:
            await self.runner.cleanup()


class OscQuery:
    """Every OSCQuery server the show asks for, kept in step with it."""

    def __init__(self, show: Callable[[], Show], bridge: Bridge) -> None:
        self.show = show
        self.bridge = bridge
        self.served: dict[str, Served] = {}

    def answer(self, device: str, request: web.Request) -> web.Response:
        current = {d.name: d for d in self.show().osc}.get(device)
        if current is None:  # a reload took it away; run() closes this server soon
            raise web.HTTPNotFound(text=f"no OSC device {device!r} in the show")
        if "HOST_INFO" in request.query:
            return web.json_response(host_info(current))
        tree = namespace(current.surface, leaves(self.show(), self.bridge, device))
        node = node_at(tree, request.path)
        if node is None:
            raise web.HTTPNotFound(text=f"no OSC address {request.path} on this surface")
        asked = [a for a in request.query if a in ATTRIBUTES]
        if asked:
            if asked[0] not in node:
                raise web.HTTPNoContent()  # the proposal's answer for an attribute not held
            return web.json_response({asked[0]: node[asked[0]]})
        return web.json_response(node)

    async def open(self, device: OscDevice) -> Served:
        app = web.Application()

        async def handle(request: web.Request) -> web.Response:
            return self.answer(device.name, request)

        app.router.add_get("/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, device.host, device.oscquery).start()
        except OSError:
            await runner.cleanup()
            raise
        served = Served(device, runner)
        log.info("OSCQuery of %s at http://%s:%d/", device.name, device.host, device.oscquery)
        if device.oscquery_advertise:
            served.advert = Advert(device, host_info(device)["NAME"])
            try:
                await served.advert.start()
            except BaseException:
                await served.close()  # not served half: the port is let go of too
                raise
        return served

    async def sync(self) -> None:
        """Open what the show asks for and is not served, close what it no longer asks."""
        wanted = {d.name: d for d in self.show().osc if d.oscquery}
        for name, served in list(self.served.items()):
            if wanted.get(name) != served.device:
                del self.served[name]
                await served.close()
        for name, device in wanted.items():
            if name in self.served:
                continue
            try:
                self.served[name] = await self.open(device)
            except OSError as exc:
                self.bridge.report(
                    "oscquery",
                    f"OSC device {name!r}: OSCQuery cannot listen on "
                    f"{device.host}:{device.oscquery} ({exc.strerror or exc}); trying again",
                    key=name,
                )
                continue
            self.bridge.clear("oscquery", name)

    async def run(self) -> None:
        try:
            while True:
                await self.sync()
                await asyncio.sleep(CHECK_S)
        finally:
            for served in self.served.values():
                with contextlib.suppress(Exception):  # closing one must not keep the others
                    await served.close()
            self.served.clear()
