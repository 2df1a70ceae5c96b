"""Hot reload of a running show: noticing an edited file, and swapping the new version in.

A reload applies whole or not at all. The files are read, validated and their OSC addresses
resolved off the loop (`ShowReader`, with a deadline); a show that is wrong, or unreadable in
time, keeps the running one. Changed MIDI and OSC devices are opened before the show is
swapped: the new ports are bound while the old devices still run where they can be, and if
one cannot be bound (a port another program holds) the running devices stay, or are
reopened, and the reload is refused with the reason. Then mappings, prompts, scenes,
transitions and output settings take effect at once (the live values carried by
`bridge.core.carry`); changed audio inputs and frame outputs restart just after (unchanged
audio inputs keep running). A new pipeline, frame size or watchdog takes effect through a
new session; a change of where Scope is or how to reach it (url, transport, token, ICE
servers) is reported as needing a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bridge.config.background import ShowReader
from bridge.config.load import load_show
from bridge.core.show import AudioDevice, Show, scope_targets
from bridge.errors import BridgeError
from bridge.running.devices import Devices
from bridge.scope.link import PipelineRequest

if TYPE_CHECKING:
    from bridge.running.runtime import Runtime

log = logging.getLogger("bridge")

FIXED = ("transport", "token_env", "ice_servers", "ice_username", "ice_credential_env", "ice_relay")
"""How a target reaches its Scope server: a change of these needs a restart."""


class ShowReload:
    """Reloads one runtime's show: from a file edit (`watch`) or when asked (`reload`)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        show = runtime.show
        self._file_url = _file_url(show)  # as the file says it (--scope-url may override)
        self._mtimes: dict[str, float] = {}
        self._reader = ShowReader(show.path)
        self._lock = asyncio.Lock()
        self.count = 0
        """Reloads that applied (from a file edit or the console): the console says each."""
        self._swaps: set[asyncio.Task[None]] = set()

    async def reload(self) -> str | None:
        """Re-read the show and swap it in; None when it worked, else the error sentence."""
        async with self._lock:  # the file watcher and the console may ask at once
            return await self._reload()

    async def _reload(self) -> str | None:
        runtime, bridge = self.runtime, self.runtime.bridge
        try:
            show = await self._reader.load()
        except BridgeError as exc:
            bridge.report("reload", f"kept the running show: {exc}", key="show")
            return str(exc)
        file_url = show.scope.url
        show = replace(show, scope=replace(show.scope, url=runtime.show.scope.url))
        inputs_changed = _inputs(runtime.show) != _inputs(show)
        sinks_changed = runtime.show.sinks != show.sinks
        old_audio = runtime.show.audio
        outputs_changed = sinks_changed or old_audio != show.audio
        running = bridge.running
        if inputs_changed and running:
            error = await self._swap_inputs(show)
            if error is not None:
                bridge.report("reload", error, key="show")
                return error
        url_edited, self._file_url = file_url != self._file_url, file_url
        needs_restart = self._swap_scope(show, url_edited)
        if show.tempo.link != runtime.show.tempo.link:
            needs_restart.append("[tempo] link")
        runtime.tempo.swap_show(show)
        runtime.show = show
        bridge.swap_show(show)
        if outputs_changed and running:
            swap = asyncio.get_running_loop().create_task(
                self._swap_outputs(show, sinks_changed, old_audio), name="swap-devices"
            )
            self._swaps.add(swap)
            swap.add_done_callback(self._swaps.discard)
        elif inputs_changed or outputs_changed:
            needs_restart.append("devices")  # not running yet: nothing to swap on
        self._mtimes = await self._reader.times(show.files) or self._mtimes
        runtime.say_osc_clashes()
        runtime.recheck.set()
        self.count += 1
        log.info("reloaded %s", show.path)
        bridge.clear("reload", "show")  # whatever kept the last version out is fixed
        if needs_restart:
            bridge.report(
                "reload",
                f"changes to {', '.join(needs_restart)} take effect after a restart",
                key="restart",
            )
        return None

    def _swap_scope(self, show: Show, url_edited: bool) -> list[str]:
        """Take a new pipeline, size or watchdog at once (a new session loads it); what needs
        a restart instead (where Scope is and how to reach it, which targets), as names."""
        old_targets = {t.name: t.scope for t in scope_targets(self.runtime.show)}
        new_targets = {t.name: t.scope for t in scope_targets(show)}
        if list(old_targets) != list(new_targets):
            return ["[scope.targets]"]
        restart = ["[scope] url"] if url_edited else []
        for name, old in old_targets.items():
            new, unit = new_targets[name], self.runtime.targets[name]
            table = unit.table
            changed = [f"[{table}] {f}" for f in FIXED if getattr(old, f) != getattr(new, f)]
            if show.targets and old.url != new.url:
                changed.append(f"[{table}] url")
            restart += changed
            link = unit.link
            if link is not None and not changed and not (url_edited and unit.first):
                link.watchdog_s = new.watchdog_s
                request = PipelineRequest(new.pipeline, new.width, new.height)
                if request != link.pipeline:
                    link.pipeline = request
                    link.reconnect_now()  # a new session loads the new pipeline or size
                    log.info("reload: reconnecting for %s %dx%d", *astuple_request(request))
            elif (old.pipeline, old.width, old.height) != (new.pipeline, new.width, new.height):
                restart.append(f"[{table}] pipeline")
        return restart

    async def _swap_inputs(self, show: Show) -> str | None:
        """Put the show's MIDI and OSC devices in place of the running ones; None when done,
        else why the running ones were kept (one sentence)."""
        runtime = self.runtime
        old = runtime.devices
        try:
            new = Devices(show, runtime.bridge)
            # Ports none of ours holds first: one another program holds fails here, while
            # the running devices still listen.
            await new.open(skip=old.osc_ports())
        except BridgeError as exc:
            return f"kept the running devices: {exc}"
        await old.close()
        try:
            await new.open()  # the ports the running devices just let go of
        except BridgeError as exc:
            back = Devices(runtime.show, runtime.bridge)
            with contextlib.suppress(BridgeError):  # if not, its task retries and says so
                await back.open()
            back.start()
            runtime.devices = back
            return f"kept the running devices: {exc}"
        new.start()
        runtime.devices = new
        log.info("reload: MIDI and OSC devices restarted")
        return None

    async def _swap_outputs(
        self, show: Show, sinks: bool, old_audio: tuple[AudioDevice, ...]
    ) -> None:
        """Restart what a reload changed among frame outputs and audio inputs (old files and
        names let go of first); these cannot fail to open (an unavailable one says so)."""
        runtime = self.runtime
        try:
            if sinks:  # the old outputs let go of their names and files before the new open;
                # they stay on screen until they have (a recording is finishing its file)
                for unit in runtime.targets.values():
                    await unit.router.close()
                    unit.router = unit.outputs(show, unit is runtime.first)
                log.info("reload: frame outputs restarted")
            await runtime.audio_inputs.restart(old_audio, show)
        except Exception as exc:  # a bug: the rest of the show keeps running
            log.exception("reload: restarting outputs failed")
            runtime.bridge.report(
                "reload", f"restarting outputs failed: {type(exc).__name__}: {exc}", key="outputs"
            )

    async def watch(self) -> None:
        """Reload when the show file or one of its includes changes on disk (the times are
        read off the loop too: a stalled disk never holds up the show)."""
        self._mtimes = await self._reader.times(self.runtime.show.files) or {}
        while True:
            await asyncio.sleep(0.5)
            now = await self._reader.times(self.runtime.show.files)
            if now is not None and now != self._mtimes:
                self._mtimes = now
                await asyncio.sleep(0.1)  # let an editor finish writing
                await self.runtime.reload()

    async def aclose(self) -> None:
        """End a device swap still under way (it ends with the show)."""
        swaps = list(self._swaps)
        for swap in swaps:
            swap.cancel()
        await asyncio.gather(*swaps, return_exceptions=True)


def _file_url(show: Show) -> str:
    """The Scope URL the show file itself names (the running one may come from --scope-url)."""
    try:
        return load_show(show.path).scope.url
    except BridgeError:
        return show.scope.url


def astuple_request(request: PipelineRequest) -> tuple[str, int, int]:
    return request.pipeline_id, request.width, request.height


def _inputs(show: Show) -> tuple[object, ...]:
    """What the MIDI and OSC devices are built from (OSC-fed audio features included)."""
    return show.midi, show.osc, tuple(a for a in show.audio if a.osc)
