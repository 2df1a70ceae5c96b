"""A sink's worker thread outlives a fault of its own loop: failed for a moment, then sending.

Nothing a sink does can reach the loop (its send and close are guarded); what is left is a
bug in the loop itself, planted here in the frame slot the thread takes from.
"""

from __future__ import annotations

import asyncio
import time

from bridge.sinks.pending import PendingFrame
from bridge.sinks.router import FrameRouter
from bridge.sinks.slot import LatestSlot
from tests.sinks.fakes import RecordingSink, stamped


class FaultySlot(LatestSlot[PendingFrame]):
    """Raises on its first ``faults`` takes, then behaves."""

    def __init__(self, faults: int) -> None:
        super().__init__()
        self.faults = faults

    def take(self, timeout: float) -> PendingFrame | None:
        if self.faults:
            self.faults -= 1
            raise RuntimeError("a bug in the worker loop")
        return super().take(timeout)


async def test_the_worker_thread_survives_a_fault_of_its_loop() -> None:
    sink = RecordingSink("out")
    router = FrameRouter([sink], retry_after=0.2)
    try:
        router._workers["out"]._slot = FaultySlot(2)  # the bug, planted
        deadline = time.monotonic() + 5
        seen_failed = False
        n = 0
        while len(sink.frames) < 5:
            assert time.monotonic() < deadline, router.status()
            n += 1
            router.push(stamped(n))
            status = router.status()[0]
            if status.state == "failed":
                seen_failed = True
                assert status.last_error == "RuntimeError: a bug in the worker loop"
            await asyncio.sleep(0.02)
        assert seen_failed, "the fault shows as a failed output while it lasts"
        assert router.status()[0].state == "sending"
    finally:
        await router.close()
