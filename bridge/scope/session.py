"""One WebRTC session with Scope: offer, data channel "parameters", and the returned video.

What Scope needs, from its source and a live server: the client creates the data channel; the
video m-line is sendrecv (recvonly gets zero frames), so we feed it a tiny black track;
``initialParameters`` always carries ``pipeline_ids`` (without it, no frames and no error) and
prompts as objects (strings get a 422). Dead streams are not announced, so the session exposes
``dead`` (set on failed/closed connection, a closed channel or ``stream_stopped``) and frame
timestamps; the link supervisor adds the frame watchdog.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCDataChannel,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from bridge.errors import BridgeError, ScopeError, ScopeUnreachable
from bridge.protocols import Payload
from bridge.scope.client import ScopeClient
from bridge.scope.ice import (
    Relay,
    loopback_candidates,
    offers_tcp_turn,
    relay_servers,
    rtc_configuration,
    shown,
)
from bridge.scope.models import IceServer
from bridge.scope.outgoing import BlackTrack
from bridge.scope.trickle import CandidateQueue, split_candidates

log = logging.getLogger(__name__)

CHANNEL_LABEL = "parameters"
SERVER_MESSAGES = frozenset(
    {"stream_stopped", "parameters_updated", "tempo_update", "change_scheduled", "change_applied"}
)


@dataclass(frozen=True, slots=True)
class ServerMessage:
    """A notification Scope sent on the data channel (only the kinds we know)."""

    type: str
    body: Mapping[str, Any]


def initial_parameters_for(parameters: Mapping[str, Any], pipeline_id: str) -> dict[str, Any]:
    """The offer's ``initialParameters``: ``pipeline_ids`` always set, prompts as objects."""
    result = dict(parameters)
    result.setdefault("pipeline_ids", [pipeline_id])
    prompts = result.get("prompts")
    if isinstance(prompts, list):
        result["prompts"] = [
            {"text": item, "weight": 1.0} if isinstance(item, str) else item for item in prompts
        ]
    return result


def _vp8_first() -> list[Any]:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    return [c for c in codecs if c.mimeType.lower() in ("video/vp8", "video/rtx")]


class ScopeSession:
    """Open with ``await open(params)``; ``send`` while ``ready``; ``await close()`` at the end.

    Callbacks run on the event loop and must return quickly: ``on_frame`` hands each received
    ``av.VideoFrame`` on (to a latest-frame slot), ``on_message`` gets known server messages.
    """

    def __init__(
        self,
        client: ScopeClient,
        pipeline_id: str,
        *,
        on_frame: Callable[[VideoFrame], None] | None = None,
        on_message: Callable[[ServerMessage], None] | None = None,
        ice_servers: Sequence[IceServer] | None = None,
        loopback_ice: bool | None = None,
        ice_relay: Relay = "off",
        video_direction: str = "sendrecv",
        outgoing_fps: float = 2.0,
        trickle: bool = False,
        connect_timeout_s: float = 15.0,
    ) -> None:
        self._client = client
        self._pipeline_id = pipeline_id
        self._on_frame = on_frame
        self._on_message = on_message
        self._ice_servers = ice_servers
        self._loopback = client.endpoint.is_loopback if loopback_ice is None else loopback_ice
        self._relay: Relay = ice_relay
        self._direction = video_direction
        self._outgoing_fps = outgoing_fps
        self._trickle = trickle
        self._connect_timeout_s = connect_timeout_s
        self._pc: RTCPeerConnection | None = None
        self._channel: RTCDataChannel | None = None
        self._readers: set[asyncio.Task[None]] = set()
        self._connected = asyncio.Event()
        self._changed = asyncio.Event()  # any progress or failure while opening
        self.dead = asyncio.Event()
        """Set once the session can no longer carry updates or video."""
        self.dead_reason: str | None = None
        self.session_id: str | None = None
        self.frames_received = 0
        self.last_frame_t: float | None = None
        self.bad_messages = 0
        self.trickled = 0
        self.ice_failed = False
        """True when the offer was answered but ICE never connected (UDP blocked, say)."""
        self.tcp_turn_offered = False
        """Whether the ICE servers had a TURN URL over TCP or TLS (a relay-only retry could)."""
        self._closed = False

    @property
    def connection_state(self) -> str:
        """aiortc's connection state ("new" before ``open``)."""
        return self._pc.connectionState if self._pc is not None else "new"

    @property
    def channel_open(self) -> bool:
        return self._channel is not None and self._channel.readyState == "open"

    @property
    def ready(self) -> bool:
        """True when a payload sent now would reach Scope."""
        return self.channel_open and not self.dead.is_set()

    @property
    def buffered_amount(self) -> int:
        """Bytes queued in the data channel but not yet sent (backpressure signal)."""
        return self._channel.bufferedAmount if self._channel is not None else 0

    def _die(self, reason: str) -> None:
        if not self.dead.is_set():
            self.dead_reason = reason
            self.dead.set()
            self._changed.set()

    async def _servers(self) -> Sequence[IceServer]:
        if self._ice_servers is not None:
            return self._ice_servers
        if self._loopback and self._relay == "off":
            return ()  # a public STUN server cannot help a loopback peer, and may not answer
        try:
            return await self._client.ice_servers()
        except ScopeError as exc:
            if self._relay != "off":
                raise  # relay only, and no server to relay through: say why it cannot connect
            log.warning("Using no ICE servers: %s", exc)
            return ()

    async def open(self, parameters: Mapping[str, Any]) -> None:
        """Offer, answer, and wait until connected with the channel open (or raise)."""
        offered = await self._servers()
        self.tcp_turn_offered = offers_tcp_turn(offered)
        servers = relay_servers(offered, self._relay)
        # URLs only: a TURN username or credential never reaches a log line
        log.debug("Scope ICE servers (relay %s): %s", self._relay, shown(servers))
        with loopback_candidates(self._loopback and self._relay == "off"):
            await self._offer(servers, parameters)
        try:
            await self._connect()
        except ScopeUnreachable:
            self.ice_failed = not self._connected.is_set()
            raise

    async def _offer(self, servers: Sequence[IceServer], parameters: Mapping[str, Any]) -> None:
        """Gather (inside the caller's candidate choice), offer, and take Scope's answer."""
        pc = self._pc = RTCPeerConnection(rtc_configuration(servers, self._relay))
        pc.on("connectionstatechange", self._on_connection_state)
        pc.on("track", self._on_track)
        channel = self._channel = pc.createDataChannel(CHANNEL_LABEL, ordered=True)
        channel.on("open", self._changed.set)
        channel.on("close", lambda: self._die("the data channel closed"))
        channel.on("message", self._on_channel_message)
        if self._direction in ("sendrecv", "sendonly"):
            track: MediaStreamTrack | str = BlackTrack(self._outgoing_fps)
        else:
            track = "video"
        transceiver = pc.addTransceiver(track, direction=self._direction)
        transceiver.setCodecPreferences(_vp8_first())

        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        queue = CandidateQueue(self._client.add_ice_candidates)
        if self._trickle:
            sdp, candidates = split_candidates(sdp)
            for candidate in candidates:
                await queue.add(candidate)
        answer = await self._client.offer(
            sdp, initial_parameters_for(parameters, self._pipeline_id)
        )
        self.session_id = answer.session_id
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        if self._trickle and answer.session_id is not None:
            await queue.start(answer.session_id)
            self.trickled = queue.sent

    async def _connect(self) -> None:
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                while not (self._connected.is_set() and self.channel_open):
                    if self.dead.is_set():
                        raise ScopeUnreachable(f"WebRTC to Scope failed: {self.dead_reason}.")
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError as exc:
            raise ScopeUnreachable(
                f"WebRTC to Scope did not connect within {self._connect_timeout_s:g} s "
                f"(state {self.connection_state})."
            ) from exc

    def _on_connection_state(self) -> None:
        state = self.connection_state
        log.debug("Scope WebRTC connection state: %s", state)
        if state == "connected":
            self._connected.set()
            self._changed.set()
        elif state in ("failed", "closed"):
            self._die(f"the WebRTC connection is {state}")

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "video":
            return
        reader = asyncio.get_running_loop().create_task(self._read_video(track), name="scope-video")
        self._readers.add(reader)
        reader.add_done_callback(self._readers.discard)

    async def _read_video(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                self._die("Scope's video track ended")
                return
            if not isinstance(frame, VideoFrame):
                continue
            self.frames_received += 1
            self.last_frame_t = time.monotonic()
            if self._on_frame is not None:
                self._on_frame(frame)

    def _on_channel_message(self, message: str | bytes) -> None:
        try:
            body = json.loads(message)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self.bad_messages += 1
            return
        kind = body.get("type") if isinstance(body, dict) else None
        if kind not in SERVER_MESSAGES:
            return  # newer servers add messages: ignoring them is the contract
        if kind == "stream_stopped":
            self._die("Scope stopped the stream")
        if self._on_message is not None:
            self._on_message(ServerMessage(str(kind), body))

    def send(self, payload: Payload) -> None:
        """Send one parameter message now; raises ``BridgeError`` unless ``ready``."""
        if self._channel is None or not self.ready:
            raise ScopeError("The Scope data channel is not open: the update was not sent.")
        try:
            text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise BridgeError(f"A parameter update is not plain JSON ({exc}).") from exc
        self._channel.send(text)

    async def close(self) -> None:
        """Stop reading, close the peer connection, and DELETE the session where supported."""
        if self._closed:
            return
        self._closed = True
        self._die("the session was closed")
        readers = list(self._readers)
        for reader in readers:
            reader.cancel()
        # return_exceptions collects the readers' cancellations; our own still propagates
        await asyncio.gather(*readers, return_exceptions=True)
        if self._pc is not None:
            # Shielded: cancelling a waiter would cancel aiortc's shared "closed" future.
            await asyncio.shield(self._pc.close())
        if self.session_id is not None:
            try:
                await self._client.close_session(self.session_id)
            except ScopeError as exc:
                log.debug("Closing the Scope session: %s", exc)  # Scope gone: Problems says so
