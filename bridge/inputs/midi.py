"""MIDI input: opens devices through mido + python-rtmidi and turns messages into events.

Each configured device (a name from the show file, a port pattern or a virtual port) is
opened on the chosen MIDI API. Messages are converted to ``bridge.core.events`` inside the
rtmidi callback thread and handed to the loop with ``call_soon_threadsafe``. A poll (about
once a second, in a worker thread because listing ports opens a client and can block) notices
devices that vanish and reopens them when they return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.core.events import (
    ChannelPressure,
    Event,
    MidiClock,
    NoteOff,
    NoteOn,
    PitchBend,
    PolyPressure,
    ProgramChange,
)
from bridge.errors import DeviceError
from bridge.inputs.midi_assembly import AssemblyConfig, CcAssembler, ClockTempo
from bridge.inputs.midi_ports import MidiApi, PortPattern, close_ports
from bridge.protocols import Emit

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MidiDeviceConfig:
    """One MIDI input device of the show.

    ``name`` becomes every event's ``source``. ``port`` is a ``PortPattern`` text; with
    ``virtual`` it is the name of the port we create (a DAW sends to it). ``tempo_from_clock``
    also emits TempoBeat events derived from the device's MIDI clock.
    """

    name: str
    port: str = ""
    virtual: bool = False
    fourteen_bit: frozenset[int] = frozenset()
    parameter_numbers: bool = True
    tempo_from_clock: bool = False
    beats_per_bar: int = 4

    @property
    def pattern(self) -> PortPattern:
        return PortPattern.parse(self.port or self.name)


@dataclass(frozen=True, slots=True)
class MidiDeviceStatus:
    """What a UI shows about one device."""

    name: str
    pattern: str
    port: str | None
    connected: bool
    last_event: float | None
    error: str | None


def message_events(
    msg: Any, t: float, source: str, cc: CcAssembler, tempo: ClockTempo | None = None
) -> list[Event]:
    """Convert one ``mido.Message`` to events (none for sysex and other ignored kinds)."""
    kind = msg.type
    if kind == "control_change":
        return list(cc.feed(t, msg.channel + 1, msg.control, msg.value))
    out: list[Event] = list(cc.flush(t)) if cc.pending else []
    if kind == "note_on" and msg.velocity > 0:
        out.append(NoteOn(t, source, msg.channel + 1, msg.note, msg.velocity))
    elif kind in ("note_on", "note_off"):
        out.append(NoteOff(t, source, msg.channel + 1, msg.note, msg.velocity))
    elif kind == "pitchwheel":
        out.append(PitchBend(t, source, msg.channel + 1, msg.pitch))
    elif kind == "aftertouch":
        out.append(ChannelPressure(t, source, msg.channel + 1, msg.value))
    elif kind == "polytouch":
        out.append(PolyPressure(t, source, msg.channel + 1, msg.note, msg.value))
    elif kind == "program_change":
        out.append(ProgramChange(t, source, msg.channel + 1, msg.program))
    elif kind in ("clock", "start", "stop", "continue", "songpos"):
        clock = MidiClock(t, source, "tick" if kind == "clock" else kind, getattr(msg, "pos", 0))
        out.append(clock)
        if tempo is not None:
            out.extend(tempo.feed(clock))
    return out


SEEN_LISTED = 6
"""How many port names a "no port matches" sentence lists."""


def no_match(pattern: PortPattern, names: Sequence[str]) -> str:
    """Why a device is not connected: its pattern, how it matches, and what ports exist."""
    seen = ", ".join(repr(n) for n in names[:SEEN_LISTED]) or "no ports at all"
    if len(names) > SEEN_LISTED:
        seen += f" and {len(names) - SEEN_LISTED} more"
    return f"no port matches {pattern.text!r} ({pattern.kind}); seen: {seen}"


class _Device:
    """Runtime state of one configured device (touched by its callback thread and the loop)."""

    def __init__(self, config: MidiDeviceConfig) -> None:
        self.config = config
        self.pattern = config.pattern
        self.lock = threading.Lock()  # guards the assembler between callback thread and loop
        self.cc = CcAssembler(
            config.name, AssemblyConfig(config.fourteen_bit, config.parameter_numbers)
        )
        self.tempo = (
            ClockTempo(config.name, beats_per_bar=config.beats_per_bar)
            if config.tempo_from_clock
            else None
        )
        self.port: Any = None
        self.port_name: str | None = None
        self.was_connected = False
        self.last_event: float | None = None
        self.error: str | None = None
        self.flush_timer: asyncio.TimerHandle | None = None

    def status(self) -> MidiDeviceStatus:
        c = self.config
        return MidiDeviceStatus(
            c.name,
            f"virtual:{c.port or c.name}" if c.virtual else self.pattern.text,
            self.port_name,
            self.port is not None,
            self.last_event,
            self.error,
        )


class MidiInputs:
    """Every MIDI input device of a show; ``run()`` owns them until cancelled.

    ``on_reconnected(device_name)`` is called on the loop when a device that had been
    connected comes back (so its feedback can be re-sent). A missing API or device is a
    status and a log line, never an exception: the bridge keeps going without it.
    """

    def __init__(
        self,
        devices: Sequence[MidiDeviceConfig],
        emit: Emit,
        *,
        api: MidiApi | str | None = None,
        poll_interval: float = 1.0,
        on_reconnected: Callable[[str], None] | None = None,
        flush_delay: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [d.name for d in devices]
        if len(set(names)) != len(names):
            raise DeviceError(f"MIDI device names must be unique, got {names}")
        self.api = api if isinstance(api, MidiApi) else MidiApi(api)
        self._devices = [_Device(d) for d in devices]
        self._emit = emit
        self.poll_interval = poll_interval
        self._on_reconnected = on_reconnected
        self._flush_delay = flush_delay  # an MSB with no LSB after this long is released alone
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self.api_error: str | None = None

    def statuses(self) -> list[MidiDeviceStatus]:
        """A snapshot for UIs."""
        return [d.status() for d in self._devices]

    async def run(self) -> None:
        """Open devices and watch for hot-plug until cancelled; closes every port on exit."""
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                await self.scan()
                await asyncio.sleep(self.poll_interval)
        finally:
            for dev in self._devices:
                if dev.flush_timer is not None:
                    dev.flush_timer.cancel()
            ports = [d.port for d in self._devices if d.port is not None]
            for dev in self._devices:
                dev.port = None
            # Closing a JACK/ALSA client can block; do it off the loop, but finish even if
            # this task is cancelled again meanwhile.
            await asyncio.shield(asyncio.to_thread(close_ports, ports))

    async def scan(self) -> None:
        """One hot-plug pass: close ports that vanished, open ports that appeared."""
        self._loop = asyncio.get_running_loop()
        for dev in self._devices:
            if dev.config.virtual and dev.port is None:  # ours: no listing needed
                await self._open(dev, dev.config.port or dev.config.name, virtual=True)
        wanted = [d for d in self._devices if not d.config.virtual]
        if not wanted:
            return
        try:
            names = await asyncio.to_thread(self.api.input_names)
        except DeviceError as exc:
            self._set_api_error(str(exc))
            return
        self._set_api_error(None)
        for dev in wanted:
            if dev.port is not None and dev.port_name not in names:
                # debug only: the error below is the Problems entry, logged there once
                log.debug("MIDI device %s: port %r is gone", dev.config.name, dev.port_name)
                dev.error = f"port {dev.port_name!r} is gone"
                port, dev.port, dev.port_name = dev.port, None, None
                await asyncio.to_thread(close_ports, [port])
            if dev.port is None:
                match = dev.pattern.first_match(names)
                if match is None:
                    dev.error = no_match(dev.pattern, names)
                else:
                    await self._open(dev, match, virtual=False)

    async def _open(self, dev: _Device, port_name: str, *, virtual: bool) -> None:
        with dev.lock:
            dev.cc.reset()
        callback = self._callback(dev)
        try:
            port = await asyncio.to_thread(
                self.api.open_input, port_name, callback, virtual=virtual
            )
        except DeviceError as exc:
            dev.error = str(exc)  # shown in Problems (and logged there, once)
            return
        dev.port, dev.port_name, dev.error = port, port_name, None
        log.debug("MIDI device %s: connected to %r", dev.config.name, port_name)
        if dev.was_connected and self._on_reconnected is not None:
            self._on_reconnected(dev.config.name)
        dev.was_connected = True

    def _set_api_error(self, error: str | None) -> None:
        if error is not None and error != self.api_error:
            log.debug("%s; continuing without MIDI until it works", error)
        self.api_error = error
        if error is not None:
            for dev in self._devices:
                if dev.port is None:
                    dev.error = error

    def _callback(self, dev: _Device) -> Callable[[Any], None]:
        loop = self._loop
        assert loop is not None
        clock, source = self._clock, dev.config.name

        def on_message(msg: Any) -> None:
            # Runs on the backend's thread: convert here, then hop to the loop.
            t = clock()
            with dev.lock:
                events = message_events(msg, t, source, dev.cc, dev.tempo)
                pending = dev.cc.pending
            dev.last_event = t
            if events or pending:
                # The loop is gone only during shutdown; nothing is waiting for events then.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._deliver, dev, events, pending)

        return on_message

    def _deliver(self, dev: _Device, events: list[Event], pending: bool) -> None:
        for event in events:
            self._emit(event)
        if dev.flush_timer is not None:
            dev.flush_timer.cancel()
            dev.flush_timer = None
        if pending and self._loop is not None:
            dev.flush_timer = self._loop.call_later(self._flush_delay, self._flush, dev)

    def _flush(self, dev: _Device) -> None:
        dev.flush_timer = None
        with dev.lock:
            events = dev.cc.flush(self._clock())
        for event in events:
            self._emit(event)
