"""Benchmark of the frame path: push → NDI send latency, CPU, and skips behind a slow sink.

``run_frames_bench`` runs the NDI sender (router + NDI sink, fed stamped 30 fps frames) and a
receiver as two processes inside a loopback-only network namespace (needs root), at 576×320
and 1280×720; then, in this process, a router with a sink that takes 50 ms per frame.
Targets: forward p99 ≤ 10 ms and CPU ≤ 50 % of one core at 1280×720/30 fps.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bridge.errors import BridgeError
from bridge.sinks.base import PixelFormat, SinkFrame
from bridge.sinks.router import FrameRouter
from scripts.harness.loopcheck import check_in_namespace, feed
from scripts.harness.netns import ndi_namespace

_SIZES = {"": (576, 320), "_720p": (1280, 720)}


class _SlowSink:
    """Takes 50 ms per frame, like a congested network output."""

    kind = "bench"
    name = "slow"
    pixel_format: PixelFormat = "yuv420p"
    unavailable_reason: str | None = None

    def send(self, frame: SinkFrame) -> None:
        time.sleep(0.05)

    def close(self) -> None:
        pass


async def _skips(seconds: float) -> dict[str, float]:
    router = FrameRouter([_SlowSink()])
    try:
        push_times = await feed(router, 576, 320, 30.0, seconds)
        await asyncio.sleep(0.2)
        status = router.status()[0]
    finally:
        await router.close()
    pushed = len(push_times)
    return {
        "frames.skipped_pct": 100.0 * status.skipped / pushed,
        "frames.slow_sink_push_us_max": max(push_times) * 1e6,
    }


def _ndi(quick: bool) -> dict[str, float]:
    seconds = 3.0 if quick else 8.0
    results: dict[str, float] = {}
    with ndi_namespace("sb-bench") as ns:
        for suffix, (width, height) in _SIZES.items():
            sender, receiver = check_in_namespace(
                ns,
                name=f"bench{suffix or '_320p'}",
                width=width,
                height=height,
                seconds=seconds,
            )
            _require(sender, receiver)
            results[f"frames.forward_ms_p50{suffix}"] = float(sender["forward_ms_p50"])
            results[f"frames.forward_ms_p99{suffix}"] = float(sender["forward_ms_p99"])
            results[f"frames.cpu_pct{suffix}"] = float(sender["cpu_pct"])
            results[f"frames.push_us_p99{suffix}"] = float(sender["push_us_p99"])
    return results


def _require(sender: dict[str, Any], receiver: dict[str, Any]) -> None:
    if not receiver.get("found"):
        raise BridgeError(f"The NDI bench receiver never found the sender: {receiver}")
    if sender.get("sent", 0) == 0:
        raise BridgeError(f"The NDI bench sender sent nothing: {sender}")


def run_frames_bench(quick: bool = False) -> dict[str, float]:
    """Measure the frame path; keys ``frames.*``, times in ms, CPU in % of one core."""
    results = _ndi(quick)
    results.update(asyncio.run(_skips(2.0 if quick else 5.0)))
    return results


if __name__ == "__main__":
    for key, value in run_frames_bench(quick=True).items():
        print(f"{key} = {value:.3f}")
