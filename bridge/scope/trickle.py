"""Trickle ICE: take candidates out of an offer and deliver them once the session id is known.

aiortc gathers every candidate before the offer leaves, so trickling is optional for us. When
it is used (a slow TURN gather, or to test the server's PATCH path), candidates found before
the offer's answer arrives must wait: the PATCH URL needs the ``sessionId`` from that answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CandidateInit:
    """One candidate as the browser API and Scope's PATCH body spell it."""

    candidate: str
    sdp_mid: str | None
    sdp_mline_index: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "sdpMid": self.sdp_mid,
            "sdpMLineIndex": self.sdp_mline_index,
        }


def split_candidates(sdp: str) -> tuple[str, tuple[CandidateInit, ...]]:
    """Return ``sdp`` without candidate and end-of-candidates lines, and the candidates.

    Dropping ``a=end-of-candidates`` matters: it tells the answerer that more will come.
    """
    kept: list[str] = []
    found: list[CandidateInit] = []
    mline = -1
    mid: str | None = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            mline += 1
            mid = None
        elif line.startswith("a=mid:"):
            mid = line[len("a=mid:") :]
        if line.startswith("a=candidate:"):
            found.append(CandidateInit(line[2:], mid, mline if mline >= 0 else None))
            continue
        if line.startswith("a=end-of-candidates"):
            continue
        kept.append(line)
    return "\r\n".join(kept) + "\r\n", tuple(found)


PatchCandidates = Callable[[str, Sequence[Mapping[str, Any]]], Awaitable[None]]


class CandidateQueue:
    """Holds candidates until the session id is known, then PATCHes them in order."""

    def __init__(self, patch: PatchCandidates) -> None:
        self._patch = patch
        self._pending: list[CandidateInit] = []
        self._session_id: str | None = None
        self.sent = 0

    @property
    def pending(self) -> int:
        """Candidates waiting for the session id."""
        return len(self._pending)

    async def add(self, candidate: CandidateInit) -> None:
        """Queue ``candidate``, or send it at once when the session id is already known."""
        self._pending.append(candidate)
        if self._session_id is not None:
            await self.flush()

    async def start(self, session_id: str) -> None:
        """The answer arrived: remember its session id and send everything queued so far."""
        self._session_id = session_id
        await self.flush()

    async def flush(self) -> None:
        """Send all queued candidates in one PATCH (no-op before ``start``)."""
        if self._session_id is None or not self._pending:
            return
        batch, self._pending = self._pending, []
        await self._patch(self._session_id, [candidate.to_json() for candidate in batch])
        self.sent += len(batch)
