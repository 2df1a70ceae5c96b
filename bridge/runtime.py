"""Everything a show needs, built from its file: the bridge, the Scope link, inputs, sinks.

`Runtime` owns the pieces and their wiring; `Bridge` owns the control path. The console and
the headless runner both drive a Runtime and only read its `snapshot()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from av import VideoFrame

from bridge import conditions, pipeline_check
from bridge.app import Bridge
from bridge.config.background import ShowReader
from bridge.config.load import load_show
from bridge.config.osc_clash import osc_clashes
from bridge.core.events import AudioFeatures, Event, TempoBeat
from bridge.core.finite import by_source
from bridge.core.show import AudioDevice, Show, scope_targets
from bridge.devices import Devices
from bridge.errors import BridgeError
from bridge.inputs.audio import FileAudioInput, LiveAudioInput
from bridge.oscquery import OscQuery
from bridge.scope.link import PipelineRequest
from bridge.scope.session import ServerMessage
from bridge.scope_sync import ScopeSync
from bridge.scope_target import ScopeTarget, target_lines, targets_extra
from bridge.sinks import FrameRouter
from bridge.sinks.server_sinks import ServerSinkRequest, ServerSinkSupport, plan_output_sinks
from bridge.snapshot import DeviceView, Snapshot, take
from bridge.tempo import TempoSources

log = logging.getLogger("bridge")

PREVIEW_SIZE = (64, 36)


class Runtime:
    """One show, wired: build it, `await run()`, read `snapshot()`."""

    def __init__(self, show: Show) -> None:
        self.show = show
        self._file_url = _file_url(show)  # as the file says it (--scope-url may override)
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
        """Set to check the show against Scope's pipeline again (`bridge.pipeline_check`)."""
        self.sync = ScopeSync(self.bridge, self.client, self._wanted, self.recheck.set)
        """Scope's changes adopted; a pipeline loaded elsewhere noticed (`bridge.scope_sync`)."""
        if self.link is not None:
            self.bridge.add_task("scope-pipeline", self.sync.watch)
        self.pipeline_checks = 0
        """How many times the show was checked against Scope's pipeline schema."""
        self.pipeline_notes: list[str] | None = None
        """What the last pipeline check found (None until Scope described its pipelines)."""
        self.bridge.add_task("pipeline-check", lambda: pipeline_check.watch(self), forever=False)
        self._mtimes: dict[str, float] = {}
        self._reader = ShowReader(show.path)
        self._reloading = asyncio.Lock()
        self.reloads = 0
        """Reloads that applied (from a file edit or the console): the console says each."""
        self.bridge.add_task("watch-show", self._watch_files)
        self.audio: dict[str, LiveAudioInput | FileAudioInput] = {}
        self.audio_values: dict[str, float] = {}
        for device in show.audio:
            self._add_audio(device)
        self._devices.append(self._audio_lines)
        self.devices = Devices(show, self.bridge)
        self.devices.start()
        self._devices.append(lambda: self.devices.lines())  # the current one, after a reload
        self.tempo = TempoSources(show, self.bridge)  # Link, taps, and who leads
        self.tempo.start()
        self._devices.append(self.tempo.lines)
        self._devices.append(self._target_lines)
        self._swaps: set[asyncio.Task[None]] = set()
        if show.server_sinks and self.link is not None:
            self.bridge.add_task("server-sinks", self._server_sinks, forever=False)
        self.bridge.add_task("conditions", lambda: conditions.watch(self))
        self.oscquery = OscQuery(lambda: self.show, self.bridge)  # follows reloads itself
        self.bridge.add_task("oscquery", self.oscquery.run)
        self._say_osc_clashes()

    def _say_osc_clashes(self) -> None:
        """An OSC input on Scope's own OSC port (`bridge.config.osc_clash`), until fixed."""
        clashes = osc_clashes(self.show)
        self.bridge.problems.sync("osc-scope", {("osc", c[: c.index("]") + 1]): c for c in clashes})

    # -- hot reload ----------------------------------------------------------------------
    async def reload(self) -> str | None:
        """Re-read the show and swap it in; None when it worked, else the error sentence.

        A reload applies whole or not at all. The files are read, validated and their OSC
        addresses resolved off the loop (`ShowReader`, with a deadline); a show that is
        wrong, or unreadable in time, keeps the running one. Changed MIDI and OSC devices
        are opened before the show is swapped: the new ports are bound while the old
        devices still run where they can be, and if one cannot be bound (a port another
        program holds) the running devices stay, or are reopened, and the reload is
        refused with the reason. Then mappings, prompts, scenes, transitions and output
        settings take effect at once; changed audio inputs and frame outputs restart just
        after (unchanged audio inputs keep running). A new pipeline, frame size or watchdog
        takes effect through a new session; a change of where Scope is or how to reach it
        (url, transport, token, ICE servers) is reported as needing a restart.
        """
        async with self._reloading:  # the file watcher and the console may ask at once
            return await self._reload()

    async def _reload(self) -> str | None:
        try:
            show = await self._reader.load()
        except BridgeError as exc:
            self.bridge.report("reload", f"kept the running show: {exc}", key="show")
            return str(exc)
        file_url = show.scope.url
        show = replace(show, scope=replace(show.scope, url=self.show.scope.url))
        inputs_changed = _inputs(self.show) != _inputs(show)
        sinks_changed = self.show.sinks != show.sinks
        old_audio = self.show.audio
        outputs_changed = sinks_changed or old_audio != show.audio
        running = self.bridge.running
        if inputs_changed and running:
            error = await self._swap_inputs(show)
            if error is not None:
                self.bridge.report("reload", error, key="show")
                return error
        url_edited, self._file_url = file_url != self._file_url, file_url
        needs_restart = self._swap_scope(show, url_edited)
        if show.tempo.link != self.show.tempo.link:
            needs_restart.append("[tempo] link")
        self.tempo.swap_show(show)
        self.show = show
        self.bridge.swap_show(show)
        if outputs_changed and running:
            swap = asyncio.get_running_loop().create_task(
                self._swap_outputs(show, sinks_changed, old_audio), name="swap-devices"
            )
            self._swaps.add(swap)
            swap.add_done_callback(self._swaps.discard)
        elif inputs_changed or outputs_changed:
            needs_restart.append("devices")  # not running yet: nothing to swap on
        self._mtimes = await self._reader.times(show.files) or self._mtimes
        self._say_osc_clashes()
        self.recheck.set()
        self.reloads += 1
        log.info("reloaded %s", show.path)
        self.bridge.clear("reload", "show")  # whatever kept the last version out is fixed
        if needs_restart:
            self.bridge.report(
                "reload",
                f"changes to {', '.join(needs_restart)} take effect after a restart",
                key="restart",
            )
        return None

    def _swap_scope(self, show: Show, url_edited: bool) -> list[str]:
        """Take a new pipeline, size or watchdog at once (a new session loads it); what needs
        a restart instead (where Scope is and how to reach it, which targets), as names."""
        old_targets = {t.name: t.scope for t in scope_targets(self.show)}
        new_targets = {t.name: t.scope for t in scope_targets(show)}
        if list(old_targets) != list(new_targets):
            return ["[scope.targets]"]
        restart = ["[scope] url"] if url_edited else []
        fixed = (
            "transport",
            "token_env",
            "ice_servers",
            "ice_username",
            "ice_credential_env",
            "ice_relay",
        )
        for name, old in old_targets.items():
            new, unit = new_targets[name], self.targets[name]
            table = unit.table
            changed = [f"[{table}] {f}" for f in fixed if getattr(old, f) != getattr(new, f)]
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
        old = self.devices
        try:
            new = Devices(show, self.bridge)
            # Ports none of ours holds first: one another program holds fails here, while
            # the running devices still listen.
            await new.open(skip=old.osc_ports())
        except BridgeError as exc:
            return f"kept the running devices: {exc}"
        await old.close()
        try:
            await new.open()  # the ports the running devices just let go of
        except BridgeError as exc:
            back = Devices(self.show, self.bridge)
            with contextlib.suppress(BridgeError):  # if not, its task retries and says so
                await back.open()
            back.start()
            self.devices = back
            return f"kept the running devices: {exc}"
        new.start()
        self.devices = new
        log.info("reload: MIDI and OSC devices restarted")
        return None

    async def _swap_outputs(
        self, show: Show, sinks: bool, old_audio: tuple[AudioDevice, ...]
    ) -> None:
        """Restart what a reload changed among frame outputs and audio inputs (old files and
        names let go of first); these cannot fail to open (an unavailable one says so)."""
        try:
            if sinks:  # the old outputs let go of their names and files before the new open;
                # they stay on screen until they have (a recording is finishing its file)
                for unit in self.targets.values():
                    await unit.router.close()
                    unit.router = unit.outputs(show, unit is self.first)
                log.info("reload: frame outputs restarted")
            new = {d.name: d for d in show.audio}
            changed = [d.name for d in old_audio if new.get(d.name) != d]
            await self.bridge.stop_tasks(f"audio-{name}" for name in changed)
            for name in changed:
                self.audio.pop(name, None)
            started = [d.name for d in show.audio if d.name not in self.audio]
            for device in show.audio:
                if device.name not in self.audio:
                    self._add_audio(device)
            if changed or started:
                log.info("reload: audio inputs stopped %s, started %s", changed, started)
        except Exception as exc:  # a bug: the rest of the show keeps running
            log.exception("reload: restarting outputs failed")
            self.bridge.report(
                "reload", f"restarting outputs failed: {type(exc).__name__}: {exc}", key="outputs"
            )

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

    async def _watch_files(self) -> None:
        """Reload when the show file or one of its includes changes on disk (the times are
        read off the loop too: a stalled disk never holds up the show)."""
        self._mtimes = await self._reader.times(self.show.files) or {}
        while True:
            await asyncio.sleep(0.5)
            now = await self._reader.times(self.show.files)
            if now is not None and now != self._mtimes:
                self._mtimes = now
                await asyncio.sleep(0.1)  # let an editor finish writing
                await self.reload()

    # -- audio ---------------------------------------------------------------------------
    def _add_audio(self, device: AudioDevice) -> None:
        if self._audio_event not in self.bridge.on_event:  # once, whatever a reload adds
            self.bridge.on_action.append(self._tempo_action)
            self.bridge.on_event.append(self._audio_event)
        if device.osc:
            return  # features another program sends: read by its OSC device (Devices)
        source: LiveAudioInput | FileAudioInput
        if device.file:
            source = FileAudioInput(
                device.file, realtime=device.realtime, repeat=True, block_size=device.block_size
            )
        else:
            source = LiveAudioInput(
                device.input or None,
                sample_rate=device.sample_rate,
                block_size=device.block_size,
            )
        self.audio[device.name] = source
        self.bridge.add_task(f"audio-{device.name}", lambda: source.run(self.bridge.submit))

    def _audio_lines(self) -> list[DeviceView]:
        """Each audio input as a Devices line: capturing, lost and retrying, or playing."""
        lines = []
        for name, source in self.audio.items():
            if isinstance(source, FileAudioInput):
                state = "playing" if source.blocks else "starting"
                lines.append(DeviceView(name, "audio", state, source.path.name))
                continue
            state, _, detail = source.status.partition(" ")
            if source.reconnects:
                detail = f"{detail} · back {source.reconnects}x".lstrip(" ·")
            lines.append(DeviceView(name, "audio", state, detail))
        return lines

    def _tempo_action(self, action: str) -> None:
        for source in self.audio.values():
            analyser = source.analyser
            if analyser is None:
                continue
            if action == "tempo.tap":
                analyser.tap(self.bridge.clock())
            elif action == "tempo.double":
                analyser.double()
            elif action == "tempo.half":
                analyser.halve()

    def _audio_event(self, event: Event) -> None:
        if isinstance(event, AudioFeatures):
            self.audio_values.update(event.values)  # OSC-fed features come one at a time
            return
        external = self.devices.external_tempo(event)
        if external is not None and external.beat and external.source == self.bridge.lead.leader:
            for source in self.audio.values():
                if source.analyser is not None:
                    source.analyser.set_external_tempo(
                        external.bpm, 0.0, external.t, external.bar_phase
                    )

    # -- frames --------------------------------------------------------------------------
    def _sink_lines(self) -> list[DeviceView]:
        return [
            DeviceView(
                s.name,
                f"{s.kind} out",
                s.state,
                s.last_error
                or (
                    f"{s.fps:.1f} fps, {s.sent} sent, {s.skipped} skipped"
                    if s.state == "sending"
                    else ""
                ),
            )
            for unit in self.targets.values()
            for s in unit.router.status()
        ]

    def _target_lines(self) -> list[DeviceView]:
        """With several targets, one line each and one for all (`scope_target.lines`)."""
        return target_lines(self.targets.values()) if self.show.targets else []

    def toggle_sink(self, name: str) -> str:
        """Turn one frame output on or off; a sentence saying which way it went."""
        found = [
            (unit.router, s)
            for unit in self.targets.values()
            for s in unit.router.status()
            if s.name == name
        ]
        if not found:
            return f"There is no frame output named {name!r}."
        router, status = found[0]
        if status.state == "unavailable":
            return f"{name} cannot run here: {status.last_error or 'unavailable'}"
        enable = status.state == "disabled"
        router.set_enabled(name, enable)
        return f"{name} ({status.kind}) {'on' if enable else 'off'}"

    async def _server_sinks(self) -> None:
        """Ask Scope to run its own NDI/Spout/Syphon outputs, if its hardware says it can."""
        assert self.link is not None
        while not self.link.ready:  # noqa: ASYNC110 - the link has no event to wait on
            await asyncio.sleep(0.2)
        info = await self.client.hardware_info()
        support = {
            "ndi": ServerSinkSupport("ndi", info.ndi.available, info.ndi.reason or ""),
            "spout": ServerSinkSupport("spout", info.spout.available, info.spout.reason or ""),
            "syphon": ServerSinkSupport("syphon", info.syphon.available, info.syphon.reason or ""),
        }
        plan = plan_output_sinks(
            support, [ServerSinkRequest(s.kind, s.name, s.enabled) for s in self.show.server_sinks]
        )
        for reason in plan.refused:
            self.bridge.report("server sinks", reason, key=reason)  # one entry each
        if plan.output_sinks:
            self.bridge.extra_initial["output_sinks"] = plan.output_sinks
            self.link.send({"output_sinks": plan.output_sinks})

    # -- Scope ---------------------------------------------------------------------------
    def _message(self, message: ServerMessage) -> None:
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
        extra: dict[str, Any] = {}
        if self.show.audio:
            extra["audio"] = dict(self.audio_values)
        extra["scenes"] = [s.name for s in self.show.scenes]
        osc = self.devices.osc_losses()
        extra["osc_malformed"] = sum(o.malformed_total for o in osc.values())
        extra["osc"] = {name: asdict(o) for name, o in osc.items()}
        # non-finite numbers refused, by source and reason: OSC inputs refuse theirs as they
        # parse, the bridge those of audio, tempo, console and clock events
        refused = Counter(self.bridge.refused)
        for name, o in osc.items():
            refused.update({(name, why): count for why, count in o.refused.items()})
        extra["refused"] = by_source(refused)
        extra["scope_drops"] = self.scope_drops
        extra["sinks"] = [s.name for u in self.targets.values() for s in u.router.status()]
        if self.show.targets:  # one line per target, and what they add up to
            extra.update(targets_extra(self.targets.values()))
        extra["reloads"] = self.reloads
        extra["scope_changes"] = {"count": self.sync.changes, "line": self.sync.last_change}
        tempo = self.bridge.tempo
        lead = self.tempo.view()  # who leads, the last change, Link's peers
        if tempo is not None:  # where it comes from and how fresh it is, for every view
            extra["tempo"] = tempo_view(tempo, self.bridge.clock()) | lead
        elif len(lead) > 1:
            extra["tempo"] = lead
        return extra

    def snapshot(self) -> Snapshot:
        return take(
            self.bridge, connection=self.connection, devices=self._devices, extra=self.extra
        )

    def preview(self) -> npt.NDArray[np.uint8] | None:
        """The latest frame, small, as RGB (for the console's preview)."""
        frame = self.latest_frame
        if frame is None:
            return None
        small = frame.reformat(width=PREVIEW_SIZE[0], height=PREVIEW_SIZE[1], format="rgb24")
        return np.asarray(small.to_ndarray(), dtype=np.uint8)

    # -- running -------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self.bridge.run()
        finally:
            swaps = list(self._swaps)  # a device swap still under way ends with the show
            for swap in swaps:
                swap.cancel()
            await asyncio.gather(*swaps, return_exceptions=True)
            for unit in self.targets.values():
                await unit.aclose()


def tempo_view(tempo: TempoBeat, now: float) -> dict[str, Any]:
    """The tempo as the console, the log and `status` show it: its source, its BPM, the
    phase now (it moves on between beat events) and how old the last event is."""
    beats = max(now - tempo.t, 0.0) * tempo.bpm / 60.0
    return {
        "source": tempo.source,
        "bpm": round(tempo.bpm, 1),
        "beat_phase": (tempo.beat_phase + beats) % 1.0,
        "age_s": round(max(now - tempo.t, 0.0), 2),
    }


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


def device_lines(views: Sequence[DeviceView]) -> list[str]:
    return [f"{v.kind} {v.name}: {v.state}" + (f" ({v.detail})" if v.detail else "") for v in views]
