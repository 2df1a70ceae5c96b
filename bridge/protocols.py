"""The seams between the pure core and the world: what an input, a transport and a sink promise.

Tests use small hand-written fakes of these, never ``unittest.mock``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bridge.core.events import Event

Emit = Callable[[Event], None]
"""How an input adapter hands an event to the loop. Called on the loop thread only: device
callback threads hop over with ``loop.call_soon_threadsafe(emit, event)``."""

Payload = Mapping[str, Any]
"""One Scope parameter message (a JSON object)."""


class ParamTransport(Protocol):
    """Carries paced payloads to Scope: the WebRTC data channel or REST session parameters."""

    @property
    def ready(self) -> bool:
        """True when a payload sent now would reach Scope."""
        ...

    def send(self, payload: Payload) -> None:
        """Send one payload at once (never blocks; raises BridgeError if not ready)."""
        ...
