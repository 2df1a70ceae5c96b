"""What is wrong now: problems with an identity, so each one clears when its cause is gone.

A problem is known by where it is and a key (``("osc-td", "task")``, ``("reload", "show")``).
Reporting the same identity again updates it in place; clearing it removes it. Conditions
read from the running parts (a controller not plugged in, a failed frame output, Scope
away) are *synced* as a set under one source: whatever that source no longer reports is
gone. Each change is logged exactly once (a new problem or a new message as a warning, its
end as an info line), so the log keeps the history while the console shows the present.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

log = logging.getLogger("bridge.watch.problems")

Identity = tuple[str, str]
"""(where, key): what a problem is about; the message may change while it lasts."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the performer should know about, with when it started."""

    t: float
    where: str
    message: str
    key: str = ""
    source: str = ""
    """The condition source that owns it (cleared by `ProblemBook.sync`), "" if reported."""
    count: int = 1
    """How many times it was reported while it lasted."""
    expires: float | None = None
    """When a one-off problem (a failed send) stops being news, if it is not reported again."""

    @property
    def text(self) -> str:
        return f"{self.where}: {self.message}"


class ProblemBook:
    """The present problems, in the order they started."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._items: dict[Identity, Problem] = {}

    def report(self, where: str, message: str, *, key: str = "", ttl: float | None = None) -> None:
        """Say something is wrong at (where, key); logged only when new or changed.

        ``ttl`` makes it a one-off: it goes away by itself ``ttl`` seconds after the last
        report (a send that failed once is not a standing problem).
        """
        self._set(where, key, message, "", ttl)

    def clear(self, where: str, key: str = "") -> None:
        """The cause is gone: remove the problem (logged once, if it was there)."""
        gone = self._items.pop((where, key), None)
        if gone is not None:
            log.info("resolved: %s", gone.text)

    def clear_where(self, where: str) -> None:
        """Remove every problem at ``where`` (whatever its key)."""
        for where_, key in [i for i in self._items if i[0] == where]:
            self.clear(where_, key)

    def sync(self, source: str, current: Mapping[Identity, str]) -> None:
        """Make ``current`` the whole set of problems ``source`` owns (a condition check)."""
        for identity, message in current.items():
            self._set(*identity, message, source, None)
        for identity, problem in list(self._items.items()):
            if problem.source == source and identity not in current:
                self.clear(*identity)

    def present(self) -> list[Problem]:
        """What is wrong now, oldest first (expired one-offs dropped here)."""
        now = self._clock()
        for identity, problem in list(self._items.items()):
            if problem.expires is not None and problem.expires <= now:
                del self._items[identity]
                log.debug("no longer seen: %s", problem.text)
        return list(self._items.values())

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.present())

    def __len__(self) -> int:
        return len(self.present())

    def __bool__(self) -> bool:
        return bool(self.present())

    def _set(self, where: str, key: str, message: str, source: str, ttl: float | None) -> None:
        now = self._clock()
        expires = None if ttl is None else now + ttl
        old = self._items.get((where, key))
        if old is None:
            self._items[(where, key)] = Problem(now, where, message, key, source, 1, expires)
            log.warning("%s: %s", where, message)
            return
        if old.message != message:
            log.warning("%s: %s", where, message)
        self._items[(where, key)] = replace(
            old, message=message, source=source, count=old.count + 1, expires=expires
        )
