"""A latest-value slot between two threads: the writer never waits, the reader gets the newest.

This is what keeps a slow consumer from delaying a fast producer: putting a new item replaces
an unread one (and says so, so the caller can count a skipped frame).
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Holds at most one item; ``put`` never blocks, ``take`` waits for the next one."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._item: T | None = None
        self._woken = False

    def put(self, item: T) -> bool:
        """Store ``item``; True when it replaced an item nobody had taken (a skip)."""
        with self._cond:
            replaced = self._item is not None
            self._item = item
            self._cond.notify()
        return replaced

    def clear(self) -> bool:
        """Drop the waiting item, if any; True when there was one."""
        with self._cond:
            dropped = self._item is not None
            self._item = None
        return dropped

    def wake(self) -> None:
        """Make a waiting ``take`` return at once (with whatever is there, maybe None)."""
        with self._cond:
            self._woken = True
            self._cond.notify()

    def take(self, timeout: float) -> T | None:
        """Wait up to ``timeout`` s for an item; None on timeout or ``wake``."""
        with self._cond:
            if self._item is None and not self._woken:
                self._cond.wait(timeout)
            self._woken = False
            item, self._item = self._item, None
        return item
