"""Everything a show needs, built from its file: the bridge, the Scope link, inputs, sinks.

`Runtime` builds the pieces and wires them together; `Bridge` owns the control path. The
console and the headless runner both drive a Runtime and only read its `snapshot()`. The
rooms it wires, all beside it in `bridge.running`: inputs (`devices`), frame outputs
(`frame_outputs`), hot reload (`reload`), Scope's own changes (`scope_sync`), tempo (`tempo`)
and the snapshot's extras (`snapshot_extra`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import numpy.typing as npt
from av import VideoFrame

from bridge.config.osc_clash import osc_clashes
from bridge.core.show import Show, scope_targets
from bridge.inputs.audio import FileAudioInput, LiveAudioInput
from bridge.running import frame_outputs, pipeline_check, snapshot_extra
from bridge.running.bridge import Bridge
from bridge.running.devices import AudioInputs, Devices
from bridge.running.oscquery import OscQuery
from bridge.running.reload import ShowReload
from bridge.running.scope_sync import ScopeSync
from bridge.running.scope_target import ScopeTarget, target_lines
from bridge.running.tempo import TempoSources
from bridge.scope.link import PipelineRequest
from bridge.scope.session import ServerMessage
from bridge.sinks import FrameRouter
from bridge.watch import conditions
from bridge.watch.snapshot import DeviceView, Snapshot, take


class Runtime:
    """One show, wired: build it, `await run()`, read `snapshot()`."""

    def __init__(self, show: Show) -> None:
        self.show = show
        self.bridge = Bridge(show)
        self._devices: list[Any] = [self._sink_lines]
        self.targets: dict[str, ScopeTarget] = {}
        """Each Scope server the show drives, by name (one, ``scope``, for a plain show)."""
        for i, target in enumerate(scope_targets(show)):
            on_message = self._message if i == 0 else None  # Scope's clock and changes: the first's
            unit = ScopeTarget(target.name, self.bridge, first=i == 0, on_message=on_message)
            unit.router = unit.outputs(show, i == 0)
            self.targets[target.name] = unit
        self.first = next(iter(self.targets.values()))
        """The first target: the one a plain show has; Scope's clock, its pipeline schema and
        its own outputs are read from it."""
        self.client = self.first.client
        self.link = self.first.link
        self.rest = self.first.rest
        self.recheck = asyncio.Event()
        """Set to check the show against Scope's pipeline again (`pipeline_check`)."""
        self.sync = ScopeSync(self.bridge, self.client, self._wanted, self.recheck.set)
        """Scope's changes adopted; a pipeline loaded elsewhere noticed (`scope_sync`)."""
        if self.link is not None:
            self.bridge.add_task("scope-pipeline", self.sync.watch)
        self.pipeline_checks = 0
        """How many times the show was checked against Scope's pipeline schema."""
        self.pipeline_notes: list[str] | None = None
        """What the last pipeline check found (None until Scope described its pipelines)."""
        self.bridge.add_task("pipeline-check", lambda: pipeline_check.watch(self), forever=False)
        self.reloader = ShowReload(self)
        self.bridge.add_task("watch-show", self.reloader.watch)
        self.audio_inputs = AudioInputs(show, self.bridge, lambda: self.devices)
        self._devices.append(self.audio_inputs.lines)
        self.devices = Devices(show, self.bridge)
        self.devices.start()
        self._devices.append(lambda: self.devices.lines())  # the current one, after a reload
        self.tempo = TempoSources(show, self.bridge)  # Link, taps, and who leads
        self.tempo.start()
        self._devices.append(self.tempo.lines)
        self._devices.append(self._target_lines)
        if show.server_sinks and self.link is not None:
            self.bridge.add_task(
                "server-sinks", lambda: frame_outputs.server_sinks(self), forever=False
            )
        self.bridge.add_task("conditions", lambda: conditions.watch(self))
        self.oscquery = OscQuery(lambda: self.show, self.bridge)  # follows reloads itself
        self.bridge.add_task("oscquery", self.oscquery.run)
        self.say_osc_clashes()

    def say_osc_clashes(self) -> None:
        """An OSC input on Scope's own OSC port (`bridge.config.osc_clash`), until fixed."""
        clashes = osc_clashes(self.show)
        self.bridge.problems.sync("osc-scope", {("osc", c[: c.index("]") + 1]): c for c in clashes})

    async def reload(self) -> str | None:
        """Re-read the show and swap it in; None when it worked, else the error sentence
        (what takes effect when: `bridge.running.reload`)."""
        return await self.reloader.reload()

    @property
    def reloads(self) -> int:
        """Reloads that applied (from a file edit or the console): the console says each."""
        return self.reloader.count

    @property
    def audio(self) -> dict[str, LiveAudioInput | FileAudioInput]:
        """The running audio inputs (not those fed over OSC), by name."""
        return self.audio_inputs.sources

    @property
    def router(self) -> FrameRouter:
        """The first target's frame outputs (a plain show's only ones)."""
        return self.first.router

    @router.setter
    def router(self, router: FrameRouter) -> None:
        self.first.router = router

    @property
    def latest_frame(self) -> VideoFrame | None:
        return self.first.latest_frame

    @property
    def server_messages(self) -> int:
        return self.first.server_messages

    @property
    def scope_drops(self) -> int | None:
        """Updates the Scope servers dropped, where they tell (only the stand-in does)."""
        known = [t.scope_drops for t in self.targets.values() if t.scope_drops is not None]
        return sum(known) if known else None

    def _wanted(self) -> PipelineRequest | None:
        """What the show asked Scope to run, while the link has it running (else None)."""
        link = self.link
        return link.pipeline if link is not None and link.ready else None

    def _sink_lines(self) -> list[DeviceView]:
        return frame_outputs.sink_lines(self.targets.values())

    def _target_lines(self) -> list[DeviceView]:
        """With several targets, one line each and one for all (`scope_target.lines`)."""
        return target_lines(self.targets.values()) if self.show.targets else []

    def toggle_sink(self, name: str) -> str:
        """Turn one frame output on or off; a sentence saying which way it went."""
        return frame_outputs.toggle_sink(self.targets.values(), name)

    def _message(self, message: ServerMessage) -> None:
        """What the first target's Scope says: its changes, and its clock for the tempo."""
        self.sync.message(message)
        if message.type == "tempo_update":  # Scope's clock: one more tempo source
            self.tempo.scope_update(message.body)
        elif message.type in ("change_scheduled", "change_applied"):
            self.tempo.scope_message(message.type, message.body)

    # -- reading -------------------------------------------------------------------------
    def connection(self) -> dict[str, Any] | None:
        """The first target's link (with what Scope changed itself): a plain show's one."""
        connection = self.first.connection()
        if connection is not None and self.link is not None:
            return self.sync.connection(connection)
        return connection

    def add_devices(self, provider: Any) -> None:
        """A callable returning DeviceView lines (inputs, outputs, sinks)."""
        self._devices.append(provider)

    def extra(self) -> dict[str, Any]:
        return snapshot_extra.extra(self)

    def snapshot(self) -> Snapshot:
        return take(
            self.bridge, connection=self.connection, devices=self._devices, extra=self.extra
        )

    def preview(self) -> npt.NDArray[np.uint8] | None:
        """The latest frame, small, as RGB (for the console's preview)."""
        return frame_outputs.preview(self.latest_frame)

    # -- running -------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self.bridge.run()
        finally:
            await self.reloader.aclose()  # a device swap still under way ends with the show
            for unit in self.targets.values():
                await unit.aclose()
