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
from bridge.config.model import AudioDevice, Show
from bridge.config.osc_clash import osc_clashes
from bridge.core.events import AudioFeatures, Event, TempoBeat
from bridge.core.finite import by_source
from bridge.devices import Devices
from bridge.errors import BridgeError, ScopeError
from bridge.inputs.audio import FileAudioInput, LiveAudioInput
from bridge.oscquery import OscQuery
from bridge.scope.client import ScopeClient
from bridge.scope.endpoint import ScopeEndpoint, auth_headers_from_env
from bridge.scope.link import PipelineRequest, ScopeLink
from bridge.scope.models import IceServer
from bridge.scope.rest_transport import HeadlessStart, RestParamTransport, resent
from bridge.scope.session import ServerMessage
from bridge.scope_sync import ScopeSync
from bridge.sinks import FrameRouter, build_sink
from bridge.sinks.base import FrameSink, UnavailableSink
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
        scope = show.scope
        headers = auth_headers_from_env(scope.token_env) if scope.token_env else {}
        if scope.token_env and not headers:
            self.bridge.report(
                "scope",
                f"[scope] token_env names {scope.token_env}, which is not set: "
                "connecting without a token",
                key="token",
            )
        self.client = ScopeClient(ScopeEndpoint(scope.url, headers))
        self.latest_frame: VideoFrame | None = None
        self.server_messages = 0
        self.link: ScopeLink | None = None
        self.rest: RestParamTransport | None = None
        self._devices: list[Any] = [self._sink_lines]
        self.router = self._build_router(show)
        if scope.transport == "rest":
            self.rest = RestParamTransport(
                self.client,
                start=self._headless_start,
                sticky=lambda: resent(self.bridge.builder.last, self.show.scope.initial),
                on_evidence=self.bridge.observe_frames,
            )
            self.bridge.transport = self.rest
            # it ends for good against a Scope without the session API (said once)
            self.bridge.add_task("scope-rest", self.rest.run, forever=False)
            self.bridge.add_task("scope-rest-sync", self._rest_sync)
        else:
            ice = None
            if scope.ice_servers is not None:
                ice = tuple(IceServer(urls=(url,)) for url in scope.ice_servers)
            self.link = ScopeLink(
                self.client,
                PipelineRequest(scope.pipeline, scope.width, scope.height),
                self.bridge.initial_parameters,
                on_frame=self._frame,
                on_connected=self.bridge.connected,
                on_message=self._message,
                ice_servers=ice,
                watchdog_s=scope.watchdog_s,
                paused=lambda: self.bridge.state.paused,
            )
            self.bridge.transport = self.link
            self.bridge.add_task("scope", self.link.run)
        self.recheck = asyncio.Event()
        """Set to check the show against Scope's pipeline again (`bridge.pipeline_check`)."""
        self.sync = ScopeSync(self.bridge, self.client, self._wanted, self.recheck.set)
        """Scope's changes adopted; a pipeline loaded elsewhere noticed (`bridge.scope_sync`)."""
        if self.link is not None:
            self.bridge.add_task("scope-pipeline", self.sync.watch)
        self.bridge.add_task("chunk-rate", self._follow_chunk_rate)
        self.scope_drops: int | None = None
        """Updates Scope dropped, where the server tells (only the stand-in does)."""
        self.bridge.add_task("scope-drops", self._watch_drops, forever=False)
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
        a restart instead (where Scope is and how to reach it), as names to report."""
        old, new = self.show.scope, show.scope
        fixed = ("transport", "token_env", "ice_servers")
        restart = [f"[scope] {f}" for f in fixed if getattr(old, f) != getattr(new, f)]
        if url_edited:
            restart.append("[scope] url")
        if self.link is not None and not restart:
            self.link.watchdog_s = new.watchdog_s
            request = PipelineRequest(new.pipeline, new.width, new.height)
            if request != self.link.pipeline:
                self.link.pipeline = request
                self.link.reconnect_now()  # a new session loads the new pipeline or size
                log.info("reload: reconnecting for %s %dx%d", *astuple_request(request))
        elif (old.pipeline, old.width, old.height) != (new.pipeline, new.width, new.height):
            restart.append("[scope] pipeline")
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
                await self.router.close()
                self.router = self._build_router(show)
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

    def _wanted(self) -> PipelineRequest | None:
        """What the show asked Scope to run, while the link has it running (else None)."""
        link = self.link
        return link.pipeline if link is not None and link.ready else None

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
    @staticmethod
    def _build_router(show: Show) -> FrameRouter:
        sinks: list[FrameSink] = []
        for spec in show.sinks:
            try:
                sinks.append(build_sink(spec.kind, spec.name, spec.options))
            except BridgeError as exc:
                sinks.append(UnavailableSink(spec.name, spec.kind, str(exc)))
        router = FrameRouter(sinks)
        for spec in show.sinks:
            if not spec.enabled:
                router.set_enabled(spec.name, False)
        return router

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
            for s in self.router.status()
        ]

    def toggle_sink(self, name: str) -> str:
        """Turn one frame output on or off; a sentence saying which way it went."""
        status = next((s for s in self.router.status() if s.name == name), None)
        if status is None:
            return f"There is no frame output named {name!r}."
        if status.state == "unavailable":
            return f"{name} cannot run here: {status.last_error or 'unavailable'}"
        enable = status.state == "disabled"
        self.router.set_enabled(name, enable)
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
    def _frame(self, frame: VideoFrame) -> None:
        self.latest_frame = frame
        self.router.push(frame)
        self.bridge.observe_frames(1)  # evidence of Scope's pipeline calls, for the pacer

    def _message(self, message: ServerMessage) -> None:
        self.server_messages += 1
        self.sync.message(message)
        if message.type == "tempo_update":  # Scope's clock: one more tempo source
            self.tempo.scope_update(message.body)
        elif message.type in ("change_scheduled", "change_applied"):
            self.tempo.scope_message(message.type, message.body)

    async def _follow_chunk_rate(self) -> None:
        while True:
            fps = self.link.fps_measured if self.link is not None else None
            if self.rest is not None:
                fps = self.rest.pipeline_fps
            self.bridge.set_chunk_rate(fps)
            await asyncio.sleep(1.0)

    def _headless_start(self) -> HeadlessStart | None:
        """The headless session REST control starts when none is open, if the show asks."""
        scope = self.show.scope
        if not scope.start_session:
            return None
        load = {"width": scope.width, "height": scope.height}
        return HeadlessStart(scope.pipeline, load, self.bridge.initial_parameters())

    async def _rest_sync(self) -> None:
        """REST has no offer: when it becomes ready, send the full state once."""
        was_ready = False
        while True:
            ready = self.rest is not None and self.rest.ready
            if ready and not was_ready and self.rest is not None:
                self.rest.send(self.bridge.initial_parameters())
                self.bridge.connected()
            was_ready = ready
            await asyncio.sleep(0.2)

    # -- reading -------------------------------------------------------------------------
    def connection(self) -> dict[str, Any] | None:
        if self.link is not None:
            return self.sync.connection(asdict(self.link.status()))
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
                "pipeline_id": self.show.scope.pipeline,
                "server_version": str(self.client.version) if self.client.version else None,
                "last_error": self.rest.last_error,
            }
        return None

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
        extra["sinks"] = [s.name for s in self.router.status()]
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
            await self.router.close()
            await self.client.aclose()


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
