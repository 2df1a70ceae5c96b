"""Reading on past a mistake, so one `check` names every mistake in a show, not the first.

A show is read entry by entry (a prompt, a scene, a device, a mapping, a table): a mistake
in one entry is kept and the reading goes on with the next, and the whole show is refused
at the end with all of them (`ConfigErrors`). An entry that failed still leaves its name
behind (a placeholder), so mappings that point at it are not reported as well: one mistake,
one line. Misspelt words get the nearest right one ("did you mean 'takeover'?").
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from bridge.errors import ConfigError, ConfigErrors

P = ParamSpec("P")
T = TypeVar("T")

CLOSE_ENOUGH = 0.6
"""difflib's ratio for a suggestion: 'takeovr' → 'takeover' (0.93), 'apcc' → 'apc' (0.86);
'width' is never offered for 'scene' (0.2)."""


def nearest(word: str, options: Iterable[str]) -> str | None:
    """The option closest to ``word``, if one is close enough to be what was meant."""
    close = difflib.get_close_matches(word, sorted(set(options)), n=1, cutoff=CLOSE_ENOUGH)
    return close[0] if close else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'takeover'?)`` for the closest option, or "" when none is close."""
    close = nearest(word, options)
    return f" (did you mean {close!r}?)" if close else ""


class Mistakes:
    """The errors found so far in one reading of a show."""

    def __init__(self) -> None:
        self.found: list[ConfigError] = []

    def attempt(self, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """``read(...)``, or None after keeping the ConfigError it raised."""
        try:
            return read(*args, **kwargs)
        except ConfigError as exc:
            self.add(exc)
            return None

    def add(self, exc: ConfigError) -> None:
        self.found.extend(getattr(exc, "errors", (exc,)))

    def raise_any(self, files: Iterable[str] = ()) -> None:
        """Raise every mistake at once, file by file (in ``files`` order) and line by line."""
        if not self.found:
            return
        order = {f: i for i, f in enumerate(files)}
        ranked = sorted(self.found, key=lambda e: (order.get(e.file, len(order)), e.line or 0))
        unique: dict[tuple[object, ...], ConfigError] = {}
        for e in ranked:  # the same mistake found twice (a merged table) is one mistake
            unique.setdefault((e.file, e.line, e.key, e.detail), e)
        errors = list(unique.values())
        raise ConfigErrors(errors) if len(errors) > 1 else errors[0]
