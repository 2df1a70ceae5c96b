"""OSC address patterns compiled once, a router over them, and Resolume's tempo scale."""

from __future__ import annotations

import re
from collections.abc import Iterable


def compile_osc_pattern(pattern: str) -> re.Pattern[str]:
    """An OSC address pattern (``*``, ``?``, ``[a-z]``, ``[!a-z]``, ``{foo,bar}``) as a regex.

    Wildcards never cross a ``/``. ValueError with the reason when the pattern is invalid.
    """
    if not pattern.startswith("/"):
        raise ValueError(f"OSC address pattern {pattern!r} must start with '/'")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2)  # "]" right after "[" is a member, not the end
            if end < 0:
                raise ValueError(f"OSC address pattern {pattern!r}: '[' is never closed")
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            members = "".join("-" if ch == "-" else re.escape(ch) for ch in body)
            out.append(f"[{'^/' if negate else ''}{members}]")
            i = end
        elif c == "{":
            end = pattern.find("}", i)
            if end < 0:
                raise ValueError(f"OSC address pattern {pattern!r}: '{{' is never closed")
            words = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(w) for w in words) + ")")
            i = end
        elif c in "]}":
            raise ValueError(f"OSC address pattern {pattern!r}: unmatched {c!r}")
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error as exc:  # e.g. a reversed range [z-a]
        raise ValueError(f"OSC address pattern {pattern!r}: {exc}") from exc


class OscRouter:
    """Address → the ids of every route whose pattern matches, in route order.

    Patterns compile once; results are cached per address because hosts repeat addresses.
    """

    CACHE_SIZE = 4096

    def __init__(self, routes: Iterable[tuple[str, str]]) -> None:
        """``routes``: (route id, OSC address pattern) pairs."""
        self._routes = [(rid, compile_osc_pattern(p)) for rid, p in routes]
        self._cache: dict[str, tuple[str, ...]] = {}

    def match(self, address: str) -> tuple[str, ...]:
        hit = self._cache.get(address)
        if hit is None:
            ids = dict.fromkeys(rid for rid, rx in self._routes if rx.fullmatch(address))
            hit = tuple(ids)
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            self._cache[address] = hit
        return hit


RESOLUME_TEMPO_ADDRESS = "/composition/tempocontroller/tempo"
RESOLUME_BPM_MIN = 20.0
RESOLUME_BPM_MAX = 500.0


def resolume_bpm(normalised: float) -> float:
    """BPM from Resolume's tempo parameter (0..1 over 20..500 BPM, clamped)."""
    x = min(1.0, max(0.0, normalised))
    return RESOLUME_BPM_MIN * (1.0 - x) + RESOLUME_BPM_MAX * x


def resolume_normalised(bpm: float) -> float:
    """The 0..1 value that sets Resolume to ``bpm`` (clamped to 20..500)."""
    span = RESOLUME_BPM_MAX - RESOLUME_BPM_MIN
    return min(1.0, max(0.0, (bpm - RESOLUME_BPM_MIN) / span))
