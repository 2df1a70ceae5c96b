"""Waiting with a timeout, without losing a cancellation: the one rule for every such wait.

The rule: wait through ``wait_set`` or ``within`` (both built on ``asyncio.timeout``), never
``asyncio.wait_for``. On Python 3.11, ``wait_for`` runs the awaited thing as a task of its
own; when that task finishes in the same loop turn as the waiting task is cancelled, or up to
two turns before, ``wait_for`` returns its result and the cancellation is gone. A supervisor
waiting for "an event or a timeout" in a loop then never stops, and the event that wakes it
(the console asking for a reconnect) and a stop (a reload, Ctrl-C) are just such a pair.
Measured on 3.11.7 (figures in tests/test_aio.py): an event set and the waiting task
cancelled in one turn lost the cancellation every time with ``wait_for``, never with
``asyncio.timeout``; a cancellation landing as the timeout fires was lost by neither. 3.12
rebuilt ``wait_for`` on ``asyncio.timeout``; until the project requires 3.12, wait here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def wait_set(event: asyncio.Event, timeout_s: float) -> bool:
    """Wait until ``event`` is set or ``timeout_s`` passed; True when it is set.

    A cancellation always propagates, even when the event was set in the same turn."""
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True


async def within(awaitable: Awaitable[T], timeout_s: float) -> T:
    """``awaitable``'s result, or ``TimeoutError`` after ``timeout_s`` (the wait is cancelled).

    Runs the awaitable in the calling task (no task of its own), so a cancellation of the
    caller reaches it and is never traded for its result."""
    async with asyncio.timeout(timeout_s):
        return await awaitable
