"""One sink's thread: takes the newest frame from its slot, converts and sends it, keeps status.

Counters are written by one thread each (the loop writes ``_skipped``, this thread the rest),
so no lock is needed; the status is a snapshot.
"""

from __future__ import annotations

import logging
import threading
import time

from bridge.errors import BridgeError
from bridge.sinks.base import FrameSink, PixelFormat, SinkState, SinkStatus
from bridge.sinks.pending import PendingFrame
from bridge.sinks.rate import RateMeter
from bridge.sinks.slot import LatestSlot

log = logging.getLogger(__name__)

_SENDING_WINDOW = 1.0
"""A sink that sent within this many seconds is 'sending', else 'idle'."""


def one_line(exc: BaseException) -> str:
    """What a person reads about a sink error: our own sentence, or the type and first line."""
    if isinstance(exc, BridgeError):
        return str(exc)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class SinkWorker:
    """Owns one sink and the thread that feeds it."""

    def __init__(self, sink: FrameSink, max_errors: int, retry_after: float, poll: float) -> None:
        self.sink = sink
        self.name = sink.name
        self.pixel_format: PixelFormat = sink.pixel_format
        self._reason = sink.unavailable_reason
        self._max_errors = max_errors
        self._retry_after = retry_after
        self._poll = poll
        self._slot: LatestSlot[PendingFrame] = LatestSlot()
        self._enabled = self._reason is None
        self._stop = threading.Event()
        self._close_wanted = False
        self._skipped = 0
        self._sent = 0
        self._errors_in_row = 0
        self._failed = False
        self._retry_at = 0.0
        self._last_sent = -1e9
        self._last_error: str | None = self._reason
        self._rate = RateMeter()
        self._thread = threading.Thread(target=self._run, name=f"sink-{self.name}", daemon=True)

    @property
    def accepting(self) -> bool:
        """True when this sink wants the next frame (enabled and not waiting to retry)."""
        return self._enabled and (not self._failed or time.perf_counter() >= self._retry_at)

    def start(self) -> None:
        if self._reason is None:
            self._thread.start()
        else:
            log.info("Frame output %r is unavailable: %s", self.name, self._reason)

    def offer(self, frame: PendingFrame) -> None:
        """Loop thread: replace whatever frame is waiting with this one."""
        if self._slot.put(frame):
            self._skipped += 1

    def set_enabled(self, enabled: bool) -> None:
        if self._reason is not None or enabled == self._enabled:
            return
        self._enabled = enabled
        if not enabled:
            self._close_wanted = True
            self._slot.clear()
            self._slot.wake()
        else:
            self._failed = False
            self._errors_in_row = 0

    def stop(self) -> None:
        self._stop.set()
        self._slot.wake()

    def join(self, timeout: float) -> bool:
        """Wait for the thread; True when it has ended (or never started)."""
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def status(self, now: float) -> SinkStatus:
        state: SinkState
        if self._reason is not None:
            state = "unavailable"
        elif not self._enabled:
            state = "disabled"
        elif self._failed:
            state = "failed"
        elif now - self._last_sent <= _SENDING_WINDOW:
            state = "sending"
        else:
            state = "idle"
        return SinkStatus(
            name=self.name,
            kind=self.sink.kind,
            state=state,
            fps=self._rate.current(now) if state == "sending" else 0.0,
            sent=self._sent,
            skipped=self._skipped,
            last_error=self._last_error,
        )

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._step()
                except Exception as exc:  # a fault of this loop itself: a status, and go on
                    log.debug("frame output %r: worker loop failed", self.name, exc_info=exc)
                    self._last_error = one_line(exc)
                    self._failed = True
                    self._retry_at = time.perf_counter() + self._retry_after
                    self._close_sink()
                    self._stop.wait(self._retry_after)
        finally:
            self._close_sink()

    def _step(self) -> None:
        frame = self._slot.take(self._poll)
        if self._close_wanted:
            self._close_wanted = False
            self._close_sink()
        # A frame offered just before a failure or a disable is dropped here.
        if frame is not None and self.accepting:
            self._send(frame)

    def _send(self, frame: PendingFrame) -> None:
        try:
            self.sink.send(frame.converted(self.pixel_format))
        except Exception as exc:  # a sink's failure is a status, never the router's end
            self._on_error(exc)
            return
        now = time.perf_counter()
        if self._failed:
            log.debug("Frame output %r is sending again.", self.name)
        self._failed = False
        self._errors_in_row = 0
        self._sent += 1
        self._last_sent = now
        self._rate.tick(now)

    def _on_error(self, exc: Exception) -> None:
        self._last_error = one_line(exc)
        self._errors_in_row += 1
        # While failed, one more error is enough to wait again: a retry is a single attempt.
        if self._errors_in_row < self._max_errors and not self._failed:
            return
        self._errors_in_row = 0
        self._retry_at = time.perf_counter() + self._retry_after
        if not self._failed:  # at debug: the Problems entry is the one line that says it
            log.debug(
                "Frame output %r failed (%s); retrying every %g s.",
                self.name,
                self._last_error,
                self._retry_after,
            )
        self._failed = True
        self._close_sink()

    def _close_sink(self) -> None:
        try:
            self.sink.close()
        except Exception as exc:  # closing a broken device may fail too; the status says so
            self._last_error = one_line(exc)
