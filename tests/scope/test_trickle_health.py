"""Trickle candidate handling, reconnect backoff and frame-rate measurement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from bridge.scope.health import Backoff, FrameRate
from bridge.scope.trickle import CandidateInit, CandidateQueue, split_candidates

SDP = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 97\r\na=mid:0\r\n"
    "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n"
    "m=application 9 DTLS/SCTP 5000\r\na=mid:1\r\n"
    "a=candidate:2 1 udp 2130706431 127.0.0.1 5001 typ host\r\n"
)


def test_split_candidates_strips_and_locates_them() -> None:
    """Candidates leave the SDP with their mid and m-line index; so does end-of-candidates."""
    stripped, found = split_candidates(SDP)
    assert "a=candidate" not in stripped
    assert "end-of-candidates" not in stripped
    assert "a=mid:1" in stripped
    assert found == (
        CandidateInit("candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", "0", 0),
        CandidateInit("candidate:2 1 udp 2130706431 127.0.0.1 5001 typ host", "1", 1),
    )


async def test_candidates_wait_for_the_session_id() -> None:
    """Nothing is PATCHed before the answer; then all go at once, later ones at once too."""
    calls: list[tuple[str, list[Mapping[str, Any]]]] = []

    async def patch(session_id: str, candidates: Sequence[Mapping[str, Any]]) -> None:
        calls.append((session_id, list(candidates)))

    queue = CandidateQueue(patch)
    await queue.add(CandidateInit("candidate:a", "0", 0))
    await queue.add(CandidateInit("candidate:b", "0", 0))
    assert calls == []
    assert queue.pending == 2
    await queue.start("s1")
    await queue.add(CandidateInit("candidate:c", "1", 1))
    assert [(sid, [c["candidate"] for c in batch]) for sid, batch in calls] == [
        ("s1", ["candidate:a", "candidate:b"]),
        ("s1", ["candidate:c"]),
    ]
    assert calls[0][1][0] == {"candidate": "candidate:a", "sdpMid": "0", "sdpMLineIndex": 0}
    assert queue.sent == 3


def test_backoff_doubles_to_the_cap() -> None:
    """0.5 s → 8 s, then stays at 8 s."""
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff.delay(10_000) == 8.0


def test_frame_rate_recent_and_measured() -> None:
    """20 fps for 3 s reads as ~20 over the 2 s window; a gap empties the window only."""
    rate = FrameRate()
    t = 0.0
    for _ in range(60):
        t += 0.05
        rate.tick(t)
    assert rate.recent(t) == pytest.approx(20.0, abs=1.0)
    assert rate.measured == pytest.approx(20.0, rel=0.05)
    assert rate.recent(t + 5.0) == 0.0
    rate.tick(t + 5.0)  # a gap is not a rate
    assert rate.measured == pytest.approx(20.0, rel=0.05)
    assert rate.total == 61
