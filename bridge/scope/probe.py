"""Telling "Scope is not there" from "Scope is there but failing", cheaply and often.

A killed or restarting Scope refuses connections: nothing can be gained by waiting out a
growing back-off then, and every second waited is a second of frozen video once it is back.
So while nothing listens the link asks ``GET /health`` every ``every_s`` with a short timeout,
and connects the moment anything answers. A server that answers but fails (an error status,
a broken offer, a timeout) is left to the back-off, so it is not hammered.

The same probe notices a server that died under a live session: aiortc takes ~31 s to see
it, the frame watchdog ``watchdog_s`` (longer before the first frame). While no frame has
arrived for ``every_s``, one refused probe ends the session at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bridge.aio import wait_set
from bridge.errors import ScopeUnreachable
from bridge.scope import failures
from bridge.scope.client import ScopeClient


def refused(exc: BaseException) -> bool:
    """True when ``exc`` says nothing listens at Scope's address (process gone or not up)."""
    return isinstance(exc, ScopeUnreachable) and failures.refused(exc)


@dataclass(frozen=True, slots=True)
class Probe:
    """How often, and how patiently, to ask an absent Scope whether it is back.

    ``every_s`` = 0 turns probing off (the link then only backs off, as before probing).
    """

    every_s: float = 0.5
    timeout_s: float = 0.5

    @property
    def enabled(self) -> bool:
        return self.every_s > 0

    async def absent(self, client: ScopeClient) -> ScopeUnreachable | None:
        """One probe: the refusal when nothing listens; None for any answer, error status or
        timeout (a server that is there, however badly)."""
        try:
            await client.health(timeout_s=self.timeout_s)
        except ScopeUnreachable as exc:
            return exc if refused(exc) else None
        except Exception:  # an error status, a page that is not JSON: someone answers
            return None
        return None

    async def until_back(
        self, client: ScopeClient, wake: asyncio.Event, on_next: Callable[[float], None]
    ) -> bool:
        """Probe every ``every_s`` until Scope answers or ``wake`` is set; False when it
        answered the first probe (nothing was waited for). ``on_next`` gets the delay before
        each next probe (the console's countdown)."""
        if not self.enabled or await self.absent(client) is None:
            return False
        while not wake.is_set():
            on_next(self.every_s)
            await wait_set(wake, self.every_s)
            if wake.is_set() or await self.absent(client) is None:
                break
        return True

    async def gone(self, client: ScopeClient, quiet: Callable[[], bool]) -> str:
        """Return why, once Scope refuses connections while ``quiet()`` (no recent frames)."""
        while True:
            await asyncio.sleep(self.every_s)
            if quiet():
                exc = await self.absent(client)
                if exc is not None:
                    return f"Scope stopped answering: {exc}"


async def first_of(watch: Awaitable[str], other: Awaitable[str]) -> str:
    """The result of whichever finishes first (the other is cancelled, then awaited)."""
    tasks = [asyncio.ensure_future(watch), asyncio.ensure_future(other)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return next(iter(done)).result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
