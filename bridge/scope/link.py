"""The link supervisor: keeps one live WebRTC session with Scope for as long as the show runs.

``ScopeLink.run()`` loops: health → load the pipeline (unless already loaded with the same
params) → open a session whose ``initialParameters`` is the FULL current show state (asked of
``initial_parameters()`` at every connect) → watch it. A failed or closed connection, a closed
channel, ``stream_stopped`` or no frame for ``watchdog_s`` (aiortc alone takes ~31 s to notice
a dead server; a show frozen before Scope's first frame gets none, and is waited for) ends the
session, and so does Scope refusing connections while no frame comes (``bridge.scope.probe``).
It reconnects after an exponential backoff, or, while nothing listens at Scope's address, the
moment a cheap probe finds it back. Failures are
states with one sentence in ``status().last_error``, never exceptions out of ``run()``.
It is the ``ParamTransport`` the pacer sends through.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from av import VideoFrame

from bridge.aio import wait_set
from bridge.core.show import HEIGHT, PIPELINE, WIDTH
from bridge.errors import BridgeError, ScopeError, ScopeUnreachable
from bridge.protocols import Payload
from bridge.scope.client import ScopeClient
from bridge.scope.health import Backoff, FrameRate
from bridge.scope.ice import Relay, RelaySetting
from bridge.scope.models import IceServer, LoadState, PipelineStatus
from bridge.scope.probe import Probe, first_of
from bridge.scope.session import ScopeSession, ServerMessage

log = logging.getLogger(__name__)

_TICK_S = 0.1

ASKED = ""
"""Why a session ended when someone asked for a new one: no error to show."""


@dataclass(frozen=True, slots=True)
class PipelineRequest:
    """Which pipeline to run and how (``extra`` holds other load params, e.g. vace_enabled)."""

    pipeline_id: str = PIPELINE
    width: int = WIDTH
    height: int = HEIGHT
    extra: Mapping[str, Any] = field(default_factory=dict)

    def load_params(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, **self.extra}


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """A snapshot for UIs; every field is safe to display (the URL is redacted)."""

    url: str
    server_version: str | None
    pipeline_id: str
    width: int
    height: int
    load_state: LoadState
    webrtc_state: str
    channel_open: bool
    fps_recent: float
    fps_measured: float | None
    frames_total: int
    connects: int
    reconnect_in_s: float | None
    last_error: str | None


class ScopeLink:
    """Supervises the Scope connection; implements ``ParamTransport`` (``ready``, ``send``)."""

    def __init__(
        self,
        client: ScopeClient,
        pipeline: PipelineRequest,
        initial_parameters: Callable[[], Mapping[str, Any]],
        *,
        on_frame: Callable[[VideoFrame], None] | None = None,
        on_connected: Callable[[], None] | None = None,
        on_message: Callable[[ServerMessage], None] | None = None,
        ice_servers: tuple[IceServer, ...] | None = None,
        ice_relay: RelaySetting = "auto",
        watchdog_s: float = 2.0,
        first_frame_s: float = 10.0,
        paused: Callable[[], bool] = lambda: False,
        backoff: Backoff | None = None,
        load_timeout_s: float = 600.0,
        probe: Probe | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.pipeline = pipeline
        self._initial_parameters = initial_parameters
        self._on_frame = on_frame
        self._on_connected = on_connected
        self._on_message = on_message
        self._ice_servers = ice_servers
        self._ice_relay: RelaySetting = ice_relay
        self.relay_fallback = False
        """``auto``: ICE failed once while TURN over TCP was on offer; relay only from then on."""
        self.watchdog_s = watchdog_s
        self.first_frame_s = first_frame_s
        self._paused = paused
        """Whether the show is frozen: Scope sends no frame while frozen before its first."""
        self.backoff = backoff or Backoff()
        self.load_timeout_s = load_timeout_s
        self.probe = probe or Probe()
        self._clock = clock
        self._session: ScopeSession | None = None
        self._rate = FrameRate()
        self._load_state: LoadState = "unknown"
        """Scope's pipeline as last seen: its status while loading, ``loaded`` once ready."""
        self._connects = 0
        self._retry_at: float | None = None
        self._last_error: str | None = None
        self._reconnect = asyncio.Event()

    # -- ParamTransport ------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """True when a payload sent now would reach Scope."""
        return self._session is not None and self._session.ready

    def send(self, payload: Payload) -> None:
        """Send one payload on the data channel; raises ``BridgeError`` when not connected."""
        if self._session is None:
            raise ScopeError("Scope is not connected: the update was not sent.")
        self._session.send(payload)

    @property
    def buffered_amount(self) -> int:
        """Bytes waiting in the data channel (0 when not connected)."""
        return self._session.buffered_amount if self._session is not None else 0

    @property
    def fps_measured(self) -> float | None:
        """Scope's output frame rate as measured here (None before the first frames)."""
        return self._rate.measured

    def status(self) -> LinkStatus:
        """A snapshot for UIs (cheap: poll it at 10-15 Hz)."""
        now = self._clock()
        session = self._session
        return LinkStatus(
            url=self.client.endpoint.display,
            server_version=str(self.client.version) if self.client.version else None,
            pipeline_id=self.pipeline.pipeline_id,
            width=self.pipeline.width,
            height=self.pipeline.height,
            load_state=self._load_state,
            webrtc_state=session.connection_state if session is not None else "closed",
            channel_open=session.channel_open if session is not None else False,
            fps_recent=self._rate.recent(now),
            fps_measured=self._rate.measured,
            frames_total=self._rate.total,
            connects=self._connects,
            reconnect_in_s=max(0.0, self._retry_at - now) if self._retry_at is not None else None,
            last_error=self._last_error,
        )

    def reconnect_now(self) -> None:
        """Drop the session (if any) and connect again at once, skipping the back-off."""
        self._reconnect.set()

    # -- supervision ---------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, watch, reconnect, until cancelled; closes the session on the way out."""
        failures = 0
        try:
            while True:
                healthy_since: float | None = None
                try:
                    await self._connect()
                    healthy_since = self._clock()
                    reason = await self._watched()
                    if reason == ASKED:  # the console's `c`, or a reload's new pipeline
                        continue  # no error, no failure counted: connect again at once
                    self._last_error = reason
                except BridgeError as exc:
                    self._last_error = str(exc)
                finally:
                    await self._drop_session()
                # the Problems entry says why, once per reason (bridge.watch.conditions)
                log.debug("Scope link down: %s", self._last_error)
                if healthy_since is not None and (
                    self._clock() - healthy_since >= self.backoff.healthy_s
                ):
                    failures = 0
                # nothing listens: no back-off to wait out, connect as soon as it answers
                if not await self.probe.until_back(self.client, self._reconnect, self._next_try):
                    delay = self.backoff.delay(failures)
                    failures += 1
                    self._next_try(delay)
                    await wait_set(self._reconnect, delay)
                self._reconnect.clear()
                self._retry_at = None
        finally:
            await self._drop_session()

    def _next_try(self, delay: float) -> None:
        self._retry_at = self._clock() + delay

    async def _watched(self) -> str:
        """``_watch``, cut short when Scope refuses connections while frames are missing."""
        if not self.probe.enabled:
            return await self._watch()
        return await first_of(self._watch(), self.probe.gone(self.client, self._quiet))

    def _quiet(self) -> bool:
        last = self._session.last_frame_t if self._session is not None else None
        return last is None or time.monotonic() - last > self.probe.every_s

    def _note_status(self, status: PipelineStatus) -> None:
        self._load_state = status.state

    def _relay_now(self) -> Relay:
        if self._ice_relay == "auto":
            return "tcp" if self.relay_fallback else "off"
        return self._ice_relay

    async def _connect(self) -> None:
        await self.client.health()
        await self.client.ensure_pipeline(
            self.pipeline.pipeline_id,
            self.pipeline.load_params(),
            timeout_s=self.load_timeout_s,
            on_status=self._note_status,
        )
        self._load_state = "loaded"
        session = ScopeSession(
            self.client,
            self.pipeline.pipeline_id,
            on_frame=self._frame,
            on_message=self._on_message,
            ice_servers=self._ice_servers,
            ice_relay=self._relay_now(),
        )
        self._session = session
        try:
            await session.open(self._initial_parameters())
        except ScopeUnreachable as exc:
            auto = self._ice_relay == "auto" and not self.relay_fallback
            if not (auto and session.ice_failed and session.tcp_turn_offered):
                raise
            self.relay_fallback = True
            raise ScopeUnreachable(
                f"{exc} UDP may not get through: the next try relays through TURN over TCP."
            ) from exc
        self._connects += 1
        self._last_error = None
        # debug: headless logs the state change and Problems its end, once each
        log.debug("Scope link up (%s, connect #%d)", self.client.endpoint.display, self._connects)
        if self._on_connected is not None:
            self._on_connected()

    async def _watch(self) -> str:
        """Return why the session ended."""
        session = self._session
        assert session is not None
        opened = self._clock()
        while not session.dead.is_set():
            await asyncio.sleep(_TICK_S)
            if self._reconnect.is_set():
                self._reconnect.clear()
                return ASKED
            now = self._clock()
            if session.last_frame_t is None:
                if self._paused():  # frozen before a first frame: none comes until thawed
                    opened = now
                elif now - opened > self.first_frame_s:
                    return f"Scope sent no video within {self.first_frame_s:g} s of connecting."
            elif now - session.last_frame_t > self.watchdog_s:
                return f"No video from Scope for {self.watchdog_s:g} s: reconnecting."
        return f"Scope session ended: {session.dead_reason}."

    def _frame(self, frame: VideoFrame) -> None:
        self._rate.tick(self._clock())
        if self._on_frame is not None:
            self._on_frame(frame)

    async def _drop_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
