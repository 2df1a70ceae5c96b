"""Control without video: parameters over ``POST /api/v1/session/parameters`` (Scope 0.1.8+).

For a show that only steers Scope (someone else watches the output). ``send`` never blocks:
it merges the payload into one pending slot (later values win per key, so a one-shot
``reset_cache`` or a ``transition`` is not lost to a later knob move) and a background task
POSTs it; while a POST is in flight, newer sends keep merging into the slot.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bridge.errors import BridgeError, ScopeError
from bridge.protocols import Payload
from bridge.scope import versions
from bridge.scope.client import ScopeClient
from bridge.scope.health import Backoff

log = logging.getLogger(__name__)


class RestParamTransport:
    """A ``ParamTransport`` over REST. Run ``run()`` in the task group; then ``send``."""

    def __init__(self, client: ScopeClient, *, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()
        self.sent = 0
        self.last_error: str | None = None
        self._pending: dict[str, Any] | None = None
        self._wake = asyncio.Event()
        self._healthy = False

    @property
    def ready(self) -> bool:
        """True once the server is known to take REST parameters and the last POST worked."""
        return self._healthy

    def send(self, payload: Payload) -> None:
        """Queue ``payload`` (merged into the pending one); raises when Scope is not ready."""
        if not self._healthy:
            raise ScopeError(self.last_error or "Scope's REST parameters are not ready yet.")
        self._merge(payload)

    def _merge(self, payload: Payload) -> None:
        self._pending = {**(self._pending or {}), **payload}
        self._wake.set()

    async def run(self) -> None:
        """Check the server, then deliver pending payloads one POST at a time, until cancelled."""
        failures = 0
        while True:
            try:
                if not self._healthy:
                    await self._check()
                await self._wake.wait()
                self._wake.clear()
                payload, self._pending = self._pending, None
                if payload is None:
                    continue
                try:
                    await self.client.set_session_parameters(payload)
                except BridgeError:
                    # Keep it, under anything newer, for the next attempt.
                    self._pending = {**payload, **(self._pending or {})}
                    raise
                self.sent += 1
                failures = 0
            except BridgeError as exc:
                self._healthy = False
                self.last_error = str(exc)
                log.warning("Scope REST parameters: %s", exc)
                await asyncio.sleep(self.backoff.delay(failures))
                failures += 1

    async def _check(self) -> None:
        await self.client.health()
        if not versions.supports_rest_parameters(self.client.version):
            raise ScopeError(
                f"Scope {self.client.version} cannot take parameters over REST (needs 0.1.8+)."
            )
        self._healthy = True
        self.last_error = None
        if self._pending:
            self._wake.set()
