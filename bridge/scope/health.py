"""Small measures of a link's health: reconnect backoff and the received frame rate.

Kept apart from the supervisor so they are plain values and functions of time, tested without
a network: the caller passes monotonic seconds in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential reconnect delays: ``first_s`` doubling up to ``cap_s``.

    A session that stayed healthy for ``healthy_s`` resets the sequence, so one drop in a long
    show retries fast while a server that keeps dying is not hammered.
    """

    first_s: float = 0.5
    cap_s: float = 8.0
    healthy_s: float = 60.0

    def delay(self, failures: int) -> float:
        """Delay before the next attempt after ``failures`` consecutive failures (0-based)."""
        return min(self.cap_s, self.first_s * 2.0 ** min(failures, 30))


class FrameRate:
    """Frames per second over a sliding window, plus a slower estimate that survives gaps.

    ``recent`` is what a status line shows (it falls to 0 when frames stop); ``measured``
    (frames over the last ~5 s of continuous video, kept while none arrive) is what the pacer
    uses to estimate Scope's chunk rate. Rates come from counts over spans, never from single
    intervals: WebRTC delivers frames in small bursts.
    """

    def __init__(self, window_s: float = 2.0, smooth_s: float = 5.0) -> None:
        self.window_s = window_s
        self.smooth_s = smooth_s
        self.total = 0
        self.measured: float | None = None
        self._recent: deque[float] = deque()
        self._run: deque[float] = deque()  # frames of the current unbroken run, ≤ smooth_s

    def tick(self, now: float) -> None:
        """One frame arrived at ``now``."""
        self.total += 1
        if self._run and now - self._run[-1] > self.window_s:
            self._run.clear()  # a gap (pause, reconnect) is not part of the rate
        self._run.append(now)
        while now - self._run[0] > self.smooth_s:
            self._run.popleft()
        span = self._run[-1] - self._run[0]
        if span >= 1.0:
            self.measured = (len(self._run) - 1) / span
        self._recent.append(now)
        self._trim(now)

    def recent(self, now: float) -> float:
        """Frames per second over the last ``window_s`` (or since the first frame, if sooner)."""
        self._trim(now)
        if not self._recent:
            return 0.0
        return len(self._recent) / max(now - self._recent[0], 0.25)

    def _trim(self, now: float) -> None:
        while self._recent and now - self._recent[0] > self.window_s:
            self._recent.popleft()
