"""The console's side of the process line: a `ConsoleHost` that asks the bridge process.

Every call is a request on the socket the bridge handed to this process and a wait for its
reply, with a deadline: a snapshot that takes longer than `SNAPSHOT_TIMEOUT_S` is reported
("the bridge did not answer") instead of freezing the screen, and its late reply is
recognised by its id and dropped. Replies are read into a buffer, so a timeout can never
leave half a message behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from typing import Any, cast

from bridge.console.wire.codec import (
    BadMessage,
    event_to_data,
    image_from_data,
    snapshot_from_data,
)
from bridge.console.wire.frames import HEADER, Frame, decode, encode, lengths
from bridge.console.wire.host import PreviewImage
from bridge.console.wire.timing import HEARTBEAT_S
from bridge.core.events import Event, UiAction
from bridge.errors import BridgeError, MessageError, PeerGone
from bridge.watch.snapshot import Snapshot

SNAPSHOT_TIMEOUT_S = 0.25
"""A refresh waits at most this long; the console stays responsive if the bridge is busy."""
COMMAND_TIMEOUT_S = 10.0
"""Reload, save and learn write files and re-read the show: give them time."""
POLL_S = 0.5
"""How often `run_bridge` asks whether the bridge is still running."""


class BridgeGone(PeerGone):
    """The bridge process closed the connection (it stopped, or was stopped)."""


class RemoteHost:
    """The show console's host when the bridge runs in another process."""

    def __init__(self, sock: socket.socket, *, on_gone: Callable[[], None] | None = None) -> None:
        sock.setblocking(True)
        self.sock = sock
        self.on_gone = on_gone
        self.gone: str | None = None
        self._buffer = bytearray()
        self._next_id = 0
        self._raw = b""
        self._version = -1
        self._last: Snapshot | None = None
        self._full_at = 0.0

    # -- one request and its reply -------------------------------------------------------
    def call(self, method: str, *args: Any, timeout: float = COMMAND_TIMEOUT_S) -> Any:
        if self.gone is not None:
            raise BridgeGone(self.gone)
        self._next_id += 1
        request_id = self._next_id
        deadline = time.monotonic() + timeout
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(encode({"id": request_id, "method": method, "args": list(args)}))
            while True:
                frame = self._pop()
                if frame is None:
                    self._receive(deadline, method)
                    continue
                reply, raw = frame
                if not isinstance(reply, dict):
                    raise ConnectionResetError("a reply that is not ours")
                if reply.get("id") != request_id:
                    continue  # the late answer to a call that already timed out
                if not reply.get("ok"):
                    raise BridgeError(str(reply.get("value")))
                self._raw = raw
                return reply.get("value")
        except (ConnectionError, OSError) as exc:
            if isinstance(exc, TimeoutError):
                late = f"the bridge did not answer ({method}) within {timeout:g} s"
                raise BridgeError(late) from None
            self.gone = f"the bridge process went away ({exc})"
            if self.on_gone is not None:  # whichever call notices first closes the console
                self.on_gone()
            raise BridgeGone(self.gone) from exc

    def _receive(self, deadline: float, method: str) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(method)
        self.sock.settimeout(left)
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionResetError("connection closed")
        self._buffer += chunk

    def _pop(self) -> Frame | None:
        buffer = self._buffer
        if len(buffer) < HEADER.size:
            return None
        size, raw = lengths(buffer)
        end = HEADER.size + size + raw
        if len(buffer) < end:
            return None
        body = decode(bytes(buffer[HEADER.size : HEADER.size + size]))
        frame = body, bytes(buffer[HEADER.size + size : end])
        del buffer[:end]
        return frame

    # -- ConsoleHost ---------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The bridge's snapshot: fetched whole only when it changed, or once a heartbeat
        (`bridge.console.serve.feed`); otherwise the last one, the same object (so the console can
        tell that nothing changed by identity)."""
        now = time.monotonic()
        heartbeat = self._last is None or now - self._full_at >= HEARTBEAT_S
        seen = -1 if heartbeat else self._version
        answer = self.call("changes", seen, timeout=SNAPSHOT_TIMEOUT_S)
        if not isinstance(answer, dict) or not isinstance(answer.get("version"), int):
            raise MessageError(f"a changes reply that is not ours: {answer!r:.80}")
        if "snapshot" in answer:
            self._last = self._decode(answer["snapshot"])
            self._full_at = now
        self._version = answer["version"]
        if self._last is None:
            raise MessageError("the bridge sent no snapshot")
        return self._last

    def _decode(self, data: Any) -> Snapshot:
        try:
            return snapshot_from_data(data)
        except BadMessage as exc:
            raise MessageError(f"the bridge sent {exc}") from None

    def preview(self) -> PreviewImage | None:
        head = self.call("preview", timeout=SNAPSHOT_TIMEOUT_S)
        try:
            return image_from_data(head, self._raw)
        except BadMessage as exc:
            raise MessageError(f"the bridge sent {exc}") from None

    def submit(self, event: Event) -> None:
        if not isinstance(event, UiAction):
            raise BridgeError(f"the console sends only its own commands, not {event!r}")
        self.call("submit", event_to_data(event), timeout=1.0)

    def reload(self) -> str | None:
        return cast("str | None", self.call("reload"))

    def reconnect(self) -> None:
        self.call("reconnect")

    def save(self) -> str:
        return str(self.call("save"))

    def toggle_sink(self, name: str) -> str:
        return str(self.call("toggle_sink", name))

    def learn_targets(self) -> list[str]:
        return list(self.call("learn_targets"))

    def learn_start(self, target: str) -> None:
        self.call("learn_start", target)

    def learn_candidate(self) -> str | None:
        return cast("str | None", self.call("learn_candidate", timeout=SNAPSHOT_TIMEOUT_S))

    def learn_conflicts(self) -> list[str]:
        return list(self.call("learn_conflicts", timeout=SNAPSHOT_TIMEOUT_S))

    def learn_confirm(self, move: bool = False) -> str:
        return str(self.call("learn_confirm", move))

    def learn_cancel(self) -> None:
        self.call("learn_cancel")

    async def run_bridge(self) -> None:
        """Watch the bridge process: return when it finished, raise what stopped it.

        When the process itself goes away (it was told to stop, or the bridge stopped), the
        console closes too: `on_gone` is called by whichever call notices it first.
        """
        while True:
            await asyncio.sleep(POLL_S)
            try:
                state = self.call("bridge_state", timeout=1.0)
            except BridgeGone:
                raise
            except BridgeError:
                continue  # busy for a moment: the status line already says so
            if state is None:
                continue
            if state:
                raise BridgeError(str(state))
            return

    def stop(self) -> None:
        """Tell the bridge the performer quit (it shuts down cleanly and exits)."""
        if self.gone is None:
            with contextlib.suppress(BridgeError):  # already stopping or gone
                self.call("stop", timeout=2.0)
