"""One Scope target's control path: its state, pacer and transport (`bridge.running.bridge`).

The bridge feeds every lane the changes routed to it (`bridge.core.fanout`); each lane
sends on its own, when its own pacer allows, through its own transport. A lane whose Scope
is dead or slow only holds back its own updates (its state keeps the latest values, and its
timer is its own): no other lane waits for it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from bridge.core.pacer import Pacer
from bridge.core.payload import PayloadBuilder
from bridge.core.show import Show
from bridge.core.state import ShowState
from bridge.errors import BridgeError
from bridge.protocols import ParamTransport
from bridge.scope.pipelines import frames_per_call

SEND_PROBLEM_S = 10.0
"""How long a failed send stays in Problems when nothing fails again."""

Report = Callable[..., None]


class Lane:
    """The control path to one Scope target: `pump` sends what its pacer allows."""

    def __init__(
        self,
        name: str,
        show: Show,
        state: ShowState,
        *,
        clock: Callable[[], float],
        report: Report,
        sent: Callable[[float, dict[str, Any]], None],
    ) -> None:
        self.name = name
        self.show = show
        """The show as this target sees it (its `[scope]` settings, its scene prompts)."""
        self.state = state
        self.clock = clock
        self._report = report
        self._sent = sent
        self.builder = PayloadBuilder(show.output.weight_quantum)
        self.pacer = Pacer(
            state,
            self.builder,
            max_rate_hz=show.output.max_rate_hz,
            inflight_budget=show.output.inflight_budget,
            chunk_rate_hz=show.scope.chunk_rate_hz or show.scope.idle_chunk_rate_hz,
        )
        self.transport: ParamTransport | None = None
        self.frames_per_call, self.frames_unknown = frames_per_call(
            show.scope.pipeline, show.scope.frames_per_chunk
        )
        self.sent_times: deque[float] = deque(maxlen=512)
        self.on_sent: list[Callable[[dict[str, Any]], None]] = []
        """Listeners for this target's payloads alone (the bridge's hear every target's)."""
        self._timer: asyncio.TimerHandle | None = None
        self.outgoing: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        """Reshapes a message as it leaves (`onbeat` marks a change Scope schedules)."""
        self.after_send: Callable[[], None] | None = None
        """Told after each message left (`onbeat` watches a held change land)."""

    def swap(self, show: Show, state: ShowState) -> None:
        """A reloaded show: the new state carries the live values (`bridge.core.carry`)."""
        self.show, self.state = show, state
        self.pacer.state = state
        self.frames_per_call, self.frames_unknown = frames_per_call(
            show.scope.pipeline, show.scope.frames_per_chunk
        )

    # -- sending -------------------------------------------------------------------------
    def pump(self) -> None:
        """Send what the pacer allows now, and arm the timer for what stays dirty."""
        transport = self.transport
        if transport is None or not transport.ready:
            return
        now = self.clock()
        payload = self.pacer.poll(now)
        if payload is not None:
            if self.outgoing is not None:
                payload = self.outgoing(payload)
            try:
                transport.send(payload)
            except BridgeError as exc:  # a send racing a drop: news for a moment, not a state
                self._report("scope", str(exc), key=self._key("send"), ttl=SEND_PROBLEM_S)
            else:
                self.sent_times.append(now)
                if self.after_send is not None:
                    self.after_send()
                self._sent(now, payload)
                for listener in self.on_sent:
                    listener(payload)
            self._arm(now)
        elif self._timer is None or "paused" in self.state.dirty:
            # with a timer armed and nothing sent, only a pause can make the wake-up earlier
            self._arm(now)

    def _key(self, key: str) -> str:
        """A Problems key of this lane's own (the plain target keeps the old keys)."""
        return key if self.name == "scope" else f"{key}-{self.name}"

    def _arm(self, now: float) -> None:
        at = self.pacer.next_wakeup(now)
        if self._timer is not None:
            if at is not None and abs(self._timer.when() - self._loop_time(at)) < 1e-4:
                return
            self._timer.cancel()
            self._timer = None
        if at is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._timer = loop.call_at(self._loop_time(at), self._wake)

    def _loop_time(self, at: float) -> float:
        loop = asyncio.get_running_loop()
        return loop.time() + (at - self.clock())

    def _wake(self) -> None:
        self._timer = None
        self.pump()

    # -- Scope's pace --------------------------------------------------------------------
    @property
    def evidence_pacing(self) -> bool:
        """Paced by the frames Scope sends; False when ``chunk_rate_hz`` forces a clock."""
        return not self.show.scope.chunk_rate_hz

    def connected(self) -> None:
        """Scope took the full state with a new session: its queue starts empty."""
        now = self.clock()
        self.pacer.reset(now)
        if self.evidence_pacing:
            self.pacer.expect_evidence(now)
        self.pump()

    def observe_frames(self, frames: float) -> None:
        """Scope sent ``frames`` more frames: evidence of pipeline calls (`Bridge`)."""
        if not self.evidence_pacing or frames <= 0:
            return
        self.pacer.observe_calls(frames / self.frames_per_call, self.clock())
        self.pump()

    def set_chunk_rate(self, measured_fps: float | None) -> None:
        """Follow Scope's real pace: measured frame rate ÷ frames per chunk."""
        scope = self.show.scope
        if scope.chunk_rate_hz:
            hz = scope.chunk_rate_hz
        elif measured_fps:
            hz = measured_fps / self.frames_per_call
        else:
            hz = scope.idle_chunk_rate_hz
        self.pacer.set_chunk_rate(hz, self.clock())

    def messages_per_s(self, window: float = 2.0) -> float:
        now = self.clock()
        return sum(1 for t in self.sent_times if now - t <= window) / window
