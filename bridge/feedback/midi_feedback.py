"""MIDI feedback: LEDs and motor faders of one device, coalesced, rate limited, echo-free.

The mapping engine decides *what* a control should show (already as the device's byte);
this module decides *when* it goes out. ``FeedbackQueue`` is the pure part (time as data):
latest value per control, no echo back to the control that caused the change, at most
``max_rate`` MIDI messages per second. ``MidiFeedback`` drives it on the loop, owns the output
port, reopens it when the device returns and then re-sends everything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bridge.aio import wait_set
from bridge.core.events import (
    ChannelPressure,
    ControlChange,
    ControlChange14,
    Event,
    NoteOff,
    NoteOn,
    ParamNumber,
    PitchBend,
    ProgramChange,
)
from bridge.errors import DeviceError
from bridge.inputs.midi_ports import MidiApi, PortPattern, close_ports

log = logging.getLogger(__name__)

ControlKind = Literal["cc", "cc14", "note", "nrpn", "rpn", "pitchbend", "pressure", "program"]


@dataclass(frozen=True, slots=True, order=True)
class ControlKey:
    """One addressable control on a device: kind, channel (1..16) and number.

    Values sent for it are device values: 0..127, 0..16383 for cc14/nrpn/rpn/pitchbend.
    """

    kind: ControlKind
    channel: int
    number: int = 0

    @classmethod
    def of_event(cls, event: Event) -> ControlKey | None:
        """The control an input event came from (pass it as ``origin``), if it is one."""
        match event:
            case ControlChange(channel=ch, control=n):
                return cls("cc", ch, n)
            case ControlChange14(channel=ch, control=n):
                return cls("cc14", ch, n)
            case NoteOn(channel=ch, note=n) | NoteOff(channel=ch, note=n):
                return cls("note", ch, n)
            case ParamNumber(channel=ch, kind=kind, number=n):
                return cls(kind, ch, n)
            case PitchBend(channel=ch):
                return cls("pitchbend", ch)
            case ChannelPressure(channel=ch):
                return cls("pressure", ch)
            case ProgramChange(channel=ch):
                return cls("program", ch)
        return None


def feedback_messages(key: ControlKey, value: int) -> list[tuple[int, ...]]:
    """The raw MIDI messages that show ``value`` on ``key`` (values are clamped to range)."""
    ch = (key.channel - 1) & 0x0F
    n = key.number & 0x7F
    v7 = max(0, min(127, value))
    v14 = max(0, min(16383, value))
    if key.kind == "cc":
        return [(0xB0 | ch, n, v7)]
    if key.kind == "note":
        return [(0x90 | ch, n, v7)]  # velocity 0 is note-off; LED maps usually want that
    if key.kind == "cc14":
        return [
            (0xB0 | ch, key.number & 0x1F, v14 >> 7),
            (0xB0 | ch, (key.number & 0x1F) + 32, v14 & 0x7F),
        ]
    if key.kind in ("nrpn", "rpn"):
        msb, lsb = (99, 98) if key.kind == "nrpn" else (101, 100)
        number = key.number & 0x3FFF
        return [
            (0xB0 | ch, msb, number >> 7),
            (0xB0 | ch, lsb, number & 0x7F),
            (0xB0 | ch, 6, v14 >> 7),
            (0xB0 | ch, 38, v14 & 0x7F),
        ]
    if key.kind == "pitchbend":
        return [(0xE0 | ch, v14 & 0x7F, v14 >> 7)]
    if key.kind == "pressure":
        return [(0xD0 | ch, v7)]
    return [(0xC0 | ch, v7)]


class FeedbackQueue:
    """Latest value per control; what may be sent now. Pure: every call takes ``now``."""

    def __init__(self, *, max_rate: float = 1000.0, echo_window: float = 0.3) -> None:
        if max_rate <= 0:
            raise ValueError("max_rate must be positive")
        self.max_rate = max_rate
        self.echo_window = echo_window
        self.burst = max(4.0, max_rate / 20)  # room for one NRPN and a short leading burst
        self._tokens = self.burst
        self._refilled: float | None = None
        self._pending: dict[ControlKey, int] = {}
        self._shown: dict[ControlKey, int] = {}  # what the device shows (or will, once sent)
        self._sent: dict[ControlKey, int] = {}
        self.echoes_skipped = 0

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def set(
        self,
        key: ControlKey,
        value: int,
        now: float,
        origin: ControlKey | None = None,
        origin_t: float | None = None,
    ) -> bool:
        """Ask for ``key`` to show ``value``; False when nothing needs to go out.

        A change caused by the same control moments ago is not echoed: the device (a motor
        fader under a finger) already shows it, and an echo would fight the hand.
        """
        self._shown[key] = value
        if origin == key and origin_t is not None and now - origin_t <= self.echo_window:
            self._sent[key] = value
            self._pending.pop(key, None)
            self.echoes_skipped += 1
            return False
        if self._sent.get(key) == value:
            self._pending.pop(key, None)
            return False
        self._pending.pop(key, None)  # re-insert: the queue drains in order of last change
        self._pending[key] = value
        return True

    def resend_all(self) -> None:
        """Queue every known value again (after the device reconnects)."""
        self._sent.clear()
        self._pending = dict(self._shown)

    def take(self, now: float) -> list[tuple[ControlKey, int]]:
        """Pop the changes the rate limit allows now, oldest first."""
        self._refill(now)
        out: list[tuple[ControlKey, int]] = []
        for key, value in list(self._pending.items()):
            cost = len(feedback_messages(key, value))
            if cost > self._tokens:
                break
            self._tokens -= cost
            del self._pending[key]
            self._sent[key] = value
            out.append((key, value))
        return out

    def wait_time(self, now: float) -> float | None:
        """Seconds until ``take`` can send more; None when nothing is pending."""
        if not self._pending:
            return None
        self._refill(now)
        key, value = next(iter(self._pending.items()))
        missing = len(feedback_messages(key, value)) - self._tokens
        return max(0.0, missing / self.max_rate)

    def _refill(self, now: float) -> None:
        if self._refilled is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.max_rate)
        self._refilled = now


class MidiFeedback:
    """The feedback output of one device. ``run()`` owns the port until cancelled.

    ``port`` is a PortPattern text (``virtual`` creates a port of that name instead). While
    the port is missing values keep accumulating; when it (re)appears everything is re-sent.
    """

    def __init__(
        self,
        device: str,
        port: str,
        *,
        virtual: bool = False,
        api: MidiApi | str | None = None,
        max_rate: float = 1000.0,
        echo_window: float = 0.3,
        poll_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = device
        self.virtual = virtual
        self.port_text = port
        self.pattern = PortPattern.parse(port)
        self.api = api if isinstance(api, MidiApi) else MidiApi(api)
        self.queue = FeedbackQueue(max_rate=max_rate, echo_window=echo_window)
        self.poll_interval = poll_interval
        self._clock = clock
        self._port: Any = None
        self._broken: Any = None  # a port whose send failed, closed at the next poll
        self.port_name: str | None = None
        self.error: str | None = None
        self.messages_sent = 0
        self._wake = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._port is not None

    def set(
        self,
        key: ControlKey,
        value: int,
        *,
        origin: ControlKey | None = None,
        origin_t: float | None = None,
    ) -> None:
        """Show ``value`` on ``key``; ``origin``/``origin_t``: the input control and time that
        caused the change (see ``FeedbackQueue.set``). Never blocks; sends from ``run``."""
        if self.queue.set(key, value, self._clock(), origin, origin_t):
            self._wake.set()

    def resend_all(self) -> None:
        """Send every value again (wire ``MidiInputs(on_reconnected=...)`` here)."""
        self.queue.resend_all()
        self._wake.set()

    async def run(self) -> None:
        """Open the port, send what the queue allows, watch the port list; until cancelled."""
        next_poll = self._clock()
        try:
            while True:
                now = self._clock()
                if now >= next_poll:
                    next_poll = now + self.poll_interval
                    await self._check_port()
                if self._port is not None:
                    self._send(self.queue.take(self._clock()))
                wait = self.queue.wait_time(self._clock()) if self._port is not None else None
                timeout = max(0.0, next_poll - self._clock())
                if wait is not None:
                    timeout = min(timeout, wait)
                self._wake.clear()
                await wait_set(self._wake, timeout)
        finally:
            port, self._port = self._port, None
            if port is not None:
                await asyncio.shield(asyncio.to_thread(close_ports, [port]))

    async def _check_port(self) -> None:
        if self._broken is not None:
            port, self._broken = self._broken, None
            await asyncio.to_thread(close_ports, [port])
        if self.virtual:
            if self._port is None:
                await self._open(self.port_text)
            return
        try:
            names = await asyncio.to_thread(self.api.output_names)
        except DeviceError as exc:
            self._fail(str(exc))
            return
        if self._port is not None and self.port_name not in names:
            log.warning("MIDI feedback %s: port %r is gone", self.device, self.port_name)
            port, self._port = self._port, None
            await asyncio.to_thread(close_ports, [port])
        if self._port is None:
            match = self.pattern.first_match(names)
            if match is None:
                self._fail(f"no output port matches {self.pattern.text!r}")
            else:
                await self._open(match)

    async def _open(self, name: str) -> None:
        try:
            port = await asyncio.to_thread(self.api.open_output, name, virtual=self.virtual)
        except DeviceError as exc:
            self._fail(str(exc))
            return
        self._port, self.port_name, self.error = port, name, None
        log.info("MIDI feedback %s: connected to %r", self.device, name)
        self.queue.resend_all()

    def _send(self, changes: list[tuple[ControlKey, int]]) -> None:
        for key, value in changes:
            for data in feedback_messages(key, value):
                try:
                    self.api.send_bytes(self._port, data)
                except Exception as exc:  # a port that died under us: reopen on next poll
                    self._fail(f"send failed: {exc}")
                    self._broken, self._port = self._port, None
                    self.queue.resend_all()
                    return
                self.messages_sent += 1

    def _fail(self, error: str) -> None:
        if error != self.error:
            log.warning("MIDI feedback %s: %s", self.device, error)
        self.error = error
