"""Every input the show names, wired to the bridge: MIDI and OSC devices with the feedback
outputs that go with them (`Devices`), and audio inputs (`AudioInputs`).

Inputs hand their events to `Bridge.submit`; what the feedback outputs send is worked out in
`bridge.feedback.refresh`. A reload replaces the MIDI and OSC devices as a whole, but restarts only
the audio inputs the file changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Coroutine, Sequence
from typing import Any

from bridge.core.events import AudioFeatures, Event, OscMessage, TempoBeat
from bridge.core.show import AudioDevice, MidiDevice, OscDevice, Show
from bridge.errors import BridgeError
from bridge.feedback.midi_feedback import ControlKey, MidiFeedback
from bridge.feedback.osc_out import OscOutput
from bridge.feedback.osc_out import OscTarget as OutTarget
from bridge.feedback.refresh import publish_osc, refresh_midi
from bridge.inputs.audio import FileAudioInput, LiveAudioInput
from bridge.inputs.host_tempo import HostTempo
from bridge.inputs.midi import MidiDeviceConfig, MidiInputs
from bridge.inputs.midi_ports import MidiApi
from bridge.inputs.osc import OscInput, OscInputConfig
from bridge.inputs.osc_features import OscFeatures
from bridge.inputs.osc_losses import OscLosses
from bridge.running.bridge import Bridge
from bridge.watch.snapshot import DeviceView

log = logging.getLogger("bridge")


def port_text(device: MidiDevice, port: str) -> str:
    prefix = {"exact": "exact:", "glob": "glob:", "regex": "re:"}[device.match]
    return port if device.virtual else prefix + port


def midi_api(show: Show) -> MidiApi:
    """The MIDI API the show asks for (the first device that names one), else the default."""
    return MidiApi(next((d.api for d in show.midi if d.api), None))


def midi_configs(show: Show) -> list[MidiDeviceConfig]:
    return [
        MidiDeviceConfig(
            d.name,
            port_text(d, d.port),
            d.virtual,
            fourteen_bit=frozenset(d.cc14),
            tempo_from_clock=d.clock,
        )
        for d in show.midi
    ]


def osc_config(device: OscDevice) -> OscInputConfig:
    return OscInputConfig(device.name, device.port, device.host, device.allow)


class Devices:
    """Builds and runs the show's MIDI and OSC devices around one bridge.

    Building opens nothing. `open` binds the OSC ports (the one step that can fail: a port
    another program holds), so a reload learns that before it lets the running devices go;
    `start` runs everything in the bridge's task group; `close` stops it all.
    """

    def __init__(self, show: Show, bridge: Bridge) -> None:
        self.show = show
        self.bridge = bridge
        self.api: MidiApi | None = None
        self.midi: MidiInputs | None = None
        self.feedback: dict[str, MidiFeedback] = {}
        self.osc: dict[str, OscInput] = {}
        self.osc_out: dict[str, OscOutput] = {}
        self.host_tempo: dict[str, HostTempo] = {}
        self.osc_features: dict[str, OscFeatures] = {}
        self.last_input: dict[str, tuple[ControlKey, float]] = {}
        self.task_names: list[str] = []
        self._tasks: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
        if show.midi:
            self._midi(show)
        for device in show.osc:
            self._osc(device.name)

    def _add_task(self, name: str, factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.task_names.append(name)
        self._tasks.append((name, factory))

    def osc_ports(self) -> set[int]:
        """The UDP ports these devices listen on (as the show names them)."""
        return {d.port for d in self.show.osc if d.port}

    async def open(self, *, skip: Collection[int] = ()) -> None:
        """Bind every OSC port not yet bound (but those in ``skip``); BridgeError with one
        sentence when one cannot be, after letting go of those this call bound."""
        ports = {d.name: d.port for d in self.show.osc}
        opened: list[OscInput] = []
        try:
            for name, listener in self.osc.items():
                if listener.address is None and ports[name] not in skip:
                    await listener.start()
                    opened.append(listener)
        except BridgeError:
            for listener in opened:
                listener.close()
            raise

    def start(self) -> None:
        """Run the devices in the bridge's task group (bound ports stay bound)."""
        for name, factory in self._tasks:
            self.bridge.add_task(name, factory)
        if self.feedback:  # echo prevention needs the last input of each device
            self.bridge.on_event.append(self._note_input)

    async def close(self) -> None:
        """Stop every input and output of these devices (a reload replaces them)."""
        await self.bridge.stop_tasks(self.task_names)
        for listener in self.osc.values():
            listener.close()  # bound by `open` but never started: let go of the port too
        if self._note_input in self.bridge.on_event:
            self.bridge.on_event.remove(self._note_input)

    # -- building ------------------------------------------------------------------------
    def _midi(self, show: Show) -> None:
        self.api = midi_api(show)
        self.midi = MidiInputs(
            midi_configs(show), self.bridge.submit, api=self.api, on_reconnected=self._reconnected
        )
        self._add_task("midi", self.midi.run)
        for d in show.midi:
            if d.feedback and not d.virtual:
                out = MidiFeedback(d.name, port_text(d, d.output_port or d.port), api=self.api)
                self.feedback[d.name] = out
                self._add_task(f"midi-feedback-{d.name}", out.run)
        if self.feedback:
            self._add_task("feedback", lambda: refresh_midi(self))

    def _osc(self, name: str) -> None:
        device = next(d for d in self.show.osc if d.name == name)
        # what this device's messages also mean: a host's tempo, another program's analysis
        readers: list[Callable[[OscMessage], Sequence[Event]]] = []
        if device.tempo:
            self.host_tempo[name] = HostTempo(device.tempo)
            readers.append(self.host_tempo[name].feed)
        for audio in self.show.audio:
            if audio.osc == name:
                self.osc_features[audio.name] = OscFeatures(audio.name, dict(audio.features))
                readers.append(self.osc_features[audio.name].feed)
        emit = self.bridge.submit
        if readers:

            def emit_and_read(event: Event) -> None:
                self.bridge.submit(event)
                if isinstance(event, OscMessage):
                    for read in readers:
                        for derived in read(event):
                            self.bridge.submit(derived)

            emit = emit_and_read
        listener = OscInput(osc_config(device), emit)
        self.osc[name] = listener
        self._add_task(f"osc-{name}", listener.run)
        if device.feedback:
            out = OscOutput([OutTarget(t.host, t.port, t.bundles) for t in device.feedback])
            self.osc_out[name] = out
            self._add_task(f"osc-out-{name}", out.run)
            if len(self.osc_out) == 1:
                self._add_task("osc-feedback", lambda: publish_osc(self))

    # -- feedback ------------------------------------------------------------------------
    def _note_input(self, event: Event) -> None:
        key = ControlKey.of_event(event)
        if key is not None:
            self.last_input[event.source] = (key, event.t)

    def _reconnected(self, device: str) -> None:
        out = self.feedback.get(device)
        if out is not None:
            out.resend_all()

    # -- status --------------------------------------------------------------------------
    def lines(self) -> list[DeviceView]:
        views = []
        if self.midi is not None:
            if self.midi.api_error:
                views.append(DeviceView("MIDI", "midi", "unavailable", self.midi.api_error))
            for s in self.midi.statuses():
                state = "connected" if s.connected else "waiting"
                detail = s.error or (s.port or f"looking for {s.pattern}")
                views.append(DeviceView(s.name, "midi in", state, detail))
        for name, out in self.feedback.items():
            state = "connected" if out.connected else "waiting"
            views.append(DeviceView(name, "midi out", state, out.error or (out.port_name or "")))
        for name, listener in self.osc.items():
            lost = listener.losses().detail()
            where = f"{listener.address[0]}:{listener.address[1]}" if listener.address else ""
            state = "listening" if listener.address else "closed"
            detail = where + (f", {lost}" if lost else "")
            views.append(DeviceView(name, "osc in", state, detail))
        for name, reader in self.osc_features.items():
            device = next(a.osc for a in self.show.audio if a.name == name)
            views.append(
                DeviceView(
                    name, "audio", "from OSC", f"{device}, {len(reader.by_address)} features"
                )
            )
        return views

    def osc_losses(self) -> dict[str, OscLosses]:
        """Each OSC input's counts: bad packets by reason, not allowed, kernel drops, refused."""
        return {name: listener.losses() for name, listener in self.osc.items()}

    def external_tempo(self, event: Event) -> TempoBeat | None:
        """A tempo event from MIDI clock or a host (not from the audio analyser)."""
        if isinstance(event, TempoBeat) and event.source not in {a.name for a in self.show.audio}:
            return event
        return None


class AudioInputs:
    """The show's audio inputs (live capture or a file), each a supervised task feeding the
    bridge, and what they hear: features, taps and an external tempo for their analysers.

    Features another program sends over OSC are read by that OSC device (`Devices`); they
    are kept here too (``values``), as they arrive one at a time.
    """

    def __init__(self, show: Show, bridge: Bridge, devices: Callable[[], Devices]) -> None:
        self.bridge = bridge
        self._devices = devices  # the running MIDI and OSC devices (a reload replaces them)
        self.sources: dict[str, LiveAudioInput | FileAudioInput] = {}
        self.values: dict[str, float] = {}
        """The latest value of each audio feature, by name."""
        for device in show.audio:
            self._add(device)

    def _add(self, device: AudioDevice) -> None:
        if self._event not in self.bridge.on_event:  # once, whatever a reload adds
            self.bridge.on_action.append(self._tempo_action)
            self.bridge.on_event.append(self._event)
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
        self.sources[device.name] = source
        self.bridge.add_task(f"audio-{device.name}", lambda: source.run(self.bridge.submit))

    async def restart(self, old: tuple[AudioDevice, ...], show: Show) -> None:
        """Restart the inputs a reload changed (from ``old``), start the new ones; the others
        keep running."""
        new = {d.name: d for d in show.audio}
        changed = [d.name for d in old if new.get(d.name) != d]
        await self.bridge.stop_tasks(f"audio-{name}" for name in changed)
        for name in changed:
            self.sources.pop(name, None)
        started = [d.name for d in show.audio if not d.osc and d.name not in self.sources]
        for device in show.audio:
            if device.name not in self.sources:
                self._add(device)  # a device fed over OSC has no task of its own to start
        if changed or started:
            log.info("reload: audio inputs stopped %s, started %s", changed, started)

    def lines(self) -> list[DeviceView]:
        """Each audio input as a Devices line: capturing, lost and retrying, or playing."""
        lines = []
        for name, source in self.sources.items():
            if isinstance(source, FileAudioInput):
                state = "playing" if source.blocks else "starting"
                lines.append(DeviceView(name, "audio", state, source.path.name))
                continue
            state, detail = source.status.state.value, source.status.detail()
            if source.reconnects:
                detail = f"{detail} · back {source.reconnects}x".lstrip(" ·")
            lines.append(DeviceView(name, "audio", state, detail))
        return lines

    def _tempo_action(self, action: str) -> None:
        for source in self.sources.values():
            analyser = source.analyser
            if analyser is None:
                continue
            if action == "tempo.tap":
                analyser.tap(self.bridge.clock())
            elif action == "tempo.double":
                analyser.double()
            elif action == "tempo.half":
                analyser.halve()

    def _event(self, event: Event) -> None:
        if isinstance(event, AudioFeatures):
            self.values.update(event.values)  # OSC-fed features come one at a time
            return
        external = self._devices().external_tempo(event)
        if external is not None and external.beat and external.source == self.bridge.lead.leader:
            for source in self.sources.values():
                if source.analyser is not None:
                    source.analyser.set_external_tempo(
                        external.bpm, 0.0, external.t, external.bar_phase
                    )
