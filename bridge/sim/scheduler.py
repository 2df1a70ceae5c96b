"""Beat-quantised updates for one stand-in session, as Scope's ``ParameterScheduler`` does them.

A data-channel message with ``_quantized: true`` is held until the next boundary of
``quantize_mode`` (minus ``lookahead_ms``) and then queued like any other update. The client
hears ``{"type": "change_scheduled", "delay_ms": N}`` at once and ``{"type": "change_applied"}``
when it goes in. Messages quantised while one is pending merge into it (same boundary). With
mode ``none``, tempo off, or a boundary that is due now, the update goes straight in, unheard.
Setting ``quantize_mode`` or ``lookahead_ms`` (any message may carry them) cancels a pending
change, as in Scope.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from typing import Any

from bridge.sim.tempo import QUANTIZE_MODES, TempoClock, quantize_delay

Deliver = Callable[[dict[str, Any]], None]
Notify = Callable[[Mapping[str, Any]], None]


class QuantizedScheduler:
    """Holds at most one pending change; ``clock()`` is the tempo clock (None when off)."""

    def __init__(
        self, clock: Callable[[], TempoClock | None], deliver: Deliver, notify: Notify
    ) -> None:
        self._clock = clock
        self._deliver = deliver
        self._notify = notify
        self.mode = "none"
        self.lookahead_ms = 0.0
        self._pending: dict[str, Any] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.scheduled = 0
        self.applied = 0

    def set_mode(self, mode: object) -> None:
        if mode not in QUANTIZE_MODES:
            return  # Scope logs "Invalid quantize mode" and keeps the old one
        self.cancel()
        self.mode = str(mode)

    def set_lookahead(self, ms: object) -> None:
        if not isinstance(ms, int | float) or isinstance(ms, bool) or not math.isfinite(ms):
            return
        self.cancel()
        self.lookahead_ms = max(0.0, float(ms))

    def schedule(self, params: dict[str, Any], now: float) -> None:
        """A ``_quantized`` message (the flag already removed) arrived at ``now``."""
        clock = self._clock()
        if self.mode == "none" or clock is None:
            self._deliver(params)
            return
        if self._timer is not None and self._pending is not None:
            self._pending.update(params)
            return
        delay = quantize_delay(self.mode, clock.state(now), clock.beats_per_bar, self.lookahead_ms)
        if delay <= 0:
            self._deliver(params)
            return
        self._pending = dict(params)
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)
        self.scheduled += 1
        self._notify({"type": "change_scheduled", "delay_ms": int(delay * 1000)})

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._pending = None, None

    def _fire(self) -> None:
        params, self._pending, self._timer = self._pending, None, None
        if params is None:
            return
        self.applied += 1
        self._deliver(params)
        self._notify({"type": "change_applied"})
