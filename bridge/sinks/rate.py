"""Frame-rate measurement in windows of about a second, steady enough to announce to receivers.

Receivers (NDI, a recorder) are told a nominal rate; changing it means reopening the output,
which freezes NDI receivers for about a second. So the announced rate only moves when two
whole windows in a row disagree with it by more than ``tolerance`` (20 %): per-frame jitter,
one bursty second from the network and the small wobble of a loaded machine never reach it,
while a real change (a pipeline at half the rate) does. The first window after a start or a
pause is not used for it either: WebRTC delivers the first second of a stream in a burst
(measured here 7-10 % fast), which used to be announced, then corrected by a reopen.
"""

from __future__ import annotations

from fractions import Fraction


def nominal_fraction(rate: float) -> Fraction:
    """The rate to announce: whole frames per second, or tenths below 2 fps."""
    if rate >= 2.0:
        return Fraction(round(rate))
    return Fraction(max(rate, 0.1)).limit_denominator(10)


class RateMeter:
    """Counts events and reports their rate per window. Feed it times; it has no clock."""

    def __init__(
        self, default: Fraction = Fraction(30), window: float = 1.0, tolerance: float = 0.2
    ) -> None:
        self.nominal = default
        """The announced rate; moves only when two whole windows in a row disagree."""
        self.known = False
        """True once a whole window after the first has been measured (``nominal`` is then
        measured, not the default)."""
        self.rate = 0.0
        """The rate measured over the last complete window (0 before the first)."""
        self._window = window
        self._off_windows = 0
        self._tolerance = tolerance
        self._start: float | None = None
        self._count = 0
        self._warm = False  # a whole window has passed since the start or the last pause
        self._last: float | None = None

    def tick(self, now: float) -> None:
        """Count one event at ``now`` (seconds, any monotonic clock)."""
        gap = self._last is not None and now - self._last > 2 * self._window
        self._last = now
        if self._start is None or gap:
            # A pause is not a slow rate: start a fresh window after it.
            self._start = now
            self._count = 0
            self._warm = False
            return
        self._count += 1
        elapsed = now - self._start
        if elapsed < self._window:
            return
        self.rate = self._count / elapsed
        self._start = now
        self._count = 0
        if not self._warm:
            self._warm = True  # the start-up burst: shown, never announced
            return
        off = abs(self.rate - float(self.nominal)) > self._tolerance * float(self.nominal)
        # one odd window is jitter (WebRTC delivers in bursts); two in a row are a new rate
        self._off_windows = self._off_windows + 1 if off else 0
        if self._off_windows >= 2 or not self.known:
            self.nominal = nominal_fraction(self.rate)
            self._off_windows = 0
        self.known = True

    def current(self, now: float) -> float:
        """The measured rate, or 0 when nothing came for two windows (the source stopped)."""
        if self._last is None or now - self._last > 2 * self._window:
            return 0.0
        return self.rate
