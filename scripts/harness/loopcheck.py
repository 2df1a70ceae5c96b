"""End-to-end check of the NDI output: stamped frames in, counters read back by a receiver.

``python -m scripts.harness.loopcheck send --name X`` feeds synthetic ``av.VideoFrame``s (each
carrying a frame counter drawn by :mod:`bridge.sim.framecode`) through a real
:class:`FrameRouter` into a real :class:`NdiSink`; ``... receive --name X`` finds that source
with cyndilib's Finder and reads the counters back. NDI needs sender and receiver in
separate processes. Each prints one JSON line. Tests and the benchmark run both inside a
loopback-only namespace (:mod:`scripts.harness.netns`); a person can run them to see NDI work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from bridge.errors import SinkError
from bridge.sim import framecode
from bridge.sinks.base import PIXEL_FORMATS, PixelFormat, SinkFrame
from bridge.sinks.ndi import NdiSink, load_cyndilib
from bridge.sinks.router import FrameRouter
from scripts.harness.netns import NdiNamespace


def base_picture(width: int, height: int) -> npt.NDArray[np.uint8]:
    """A mid-grey I420 picture with a gradient (something for a codec to chew on)."""
    yuv = np.full((height * 3 // 2, width), 128, np.uint8)
    yuv[:height] = np.linspace(40, 200, width, dtype=np.uint8)[None, :]
    return yuv


def stamped_frame(base: npt.NDArray[np.uint8], width: int, height: int, counter: int) -> Any:
    """An ``av.VideoFrame`` (yuv420p) of ``base`` with ``counter`` stamped in the luma."""
    yuv = base.copy()
    # The stamp writes white/black blocks; on the luma plane that reads back as grey levels.
    framecode.stamp(yuv[:height, :, None], counter)
    return av.VideoFrame.from_ndarray(yuv, format="yuv420p")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


OPEN_WITHIN_S = 5.0
"""How long a sink may take to open (it waits for two measured windows of the rate)."""

OPEN_LINE = "open"
"""What a sending process prints once its NDI source is open: start a receiver then (a finder
started long before a source appears may take seconds more to see it)."""


def announce_open() -> None:
    print(OPEN_LINE, flush=True)


def start_receiver(ns: NdiNamespace, argv: Sequence[str]) -> subprocess.Popen[str]:
    """A receiver process that loads NDI now and searches once told (``go``)."""
    return ns.popen([*argv, "--after-go"], stdin=subprocess.PIPE)


def go(receiver: subprocess.Popen[str]) -> None:
    """Tell a receiver from ``start_receiver`` to search now."""
    assert receiver.stdin is not None
    receiver.stdin.write("go\n")
    receiver.stdin.flush()


def wait_for_open(proc: subprocess.Popen[str], timeout_s: float) -> None:
    """Read ``proc``'s output until it says its source is open (SinkError after timeout_s).

    A thread reads, so a sender that hangs cannot block the caller, who stops it by PID."""
    assert proc.stdout is not None
    stdout = proc.stdout
    seen: list[str] = []
    opened = threading.Event()

    def read() -> None:
        for line in stdout:
            if line.strip() == OPEN_LINE:
                opened.set()
                return
            seen.append(line)

    threading.Thread(target=read, name="wait-for-open", daemon=True).start()
    if not opened.wait(timeout_s):
        said = "".join(seen)[-300:]
        raise SinkError(f"the NDI sender did not open within {timeout_s:g} s: {said!r}")


async def feed(
    router: FrameRouter,
    width: int,
    height: int,
    fps: float,
    seconds: float,
    opened: Callable[[], bool] = lambda: True,
) -> list[float]:
    """Push stamped frames (counters from 1) at ``fps`` until ``seconds`` of them were pushed
    with ``opened()`` true (the NDI sink opens only once the rate is measured, and a frame
    output that never opens stops the feed ``OPEN_WITHIN_S`` later); push times (s)."""
    base = base_picture(width, height)
    loop = asyncio.get_running_loop()
    start = loop.time()
    push_times: list[float] = []
    wanted = round(fps * seconds)
    limit = wanted + round(fps * OPEN_WITHIN_S)
    n = after_open = 0
    while after_open < wanted and n < limit:
        frame = stamped_frame(base, width, height, n + 1)
        # Pace to deadlines, not sleeps, so lateness never accumulates.
        await asyncio.sleep(max(0.0, start + n / fps - loop.time()))
        began = time.perf_counter()
        router.push(frame)
        push_times.append(time.perf_counter() - began)
        n += 1
        after_open += 1 if opened() else 0
    return push_times


async def run_sender(
    name: str, width: int, height: int, fps: float, seconds: float, pixel_format: str
) -> dict[str, Any]:
    """Feed a router with one NDI sink; report latency, CPU and what was sent."""
    forward: list[float] = []

    def handoff(frame: SinkFrame) -> None:
        forward.append(time.perf_counter() - frame.pushed_at)

    layout: PixelFormat = "yuv420p"
    for known in PIXEL_FORMATS:
        if known == pixel_format:
            layout = known
    sink = NdiSink("ndi", name, pixel_format=layout, on_handoff=handoff)
    router = FrameRouter([sink])
    wall, cpu = time.perf_counter(), time.process_time()

    def opened() -> bool:
        if forward and not said:
            said.append(True)
            announce_open()
        return bool(forward)

    said: list[bool] = []
    try:
        push_times = await feed(router, width, height, fps, seconds, opened)
        await asyncio.sleep(0.2)  # let the last frame reach NDI
        cpu_used, wall_used = time.process_time() - cpu, time.perf_counter() - wall
        announced = sink.announced
        status = router.status()[0]
    finally:
        await router.close()
    steady = forward[len(forward) // 10 :]  # leave out the sender's start-up
    return {
        "pushed": len(push_times),
        "sent": status.sent,
        "skipped": status.skipped,
        "state": status.state,
        "last_error": status.last_error,
        "announced": announced,
        "push_us_p99": percentile(push_times, 0.99) * 1e6,
        "push_us_max": max(push_times, default=0.0) * 1e6,
        "forward_ms_p50": percentile(steady, 0.5) * 1000,
        "forward_ms_p99": percentile(steady, 0.99) * 1000,
        "cpu_pct": 100.0 * cpu_used / wall_used,
    }


def run_receiver(
    name: str, seconds: float, find_timeout: float = 10.0, go: Callable[[], object] | None = None
) -> dict[str, Any]:
    """Find the NDI source ``name``, capture for ``seconds``; counters seen, in order.

    ``go`` (if given) is waited for after NDI has loaded and before the search: the
    receiver's start-up then costs none of the sender's time."""
    lib = load_cyndilib()
    if go is not None:
        go()
    finder = lib.Finder()
    finder.open()
    receiver = None
    try:
        wanted = f"({name})"
        deadline = time.monotonic() + find_timeout
        source = None
        while source is None and time.monotonic() < deadline:
            finder.wait_for_sources(0.2)
            found = [s for s in finder.get_source_names() if s.endswith(wanted)]
            source = finder.get_source(found[0]) if found else None
        if source is None:
            return {"found": False, "sources": finder.get_source_names()}
        receiver = lib.Receiver(
            color_format=lib.RecvColorFormat.RGBX_RGBA, bandwidth=lib.RecvBandwidth.highest
        )
        video = lib.VideoFrameSync()
        receiver.frame_sync.set_video_frame(video)
        receiver.set_source(source)
        polls: list[int] = []
        size = (0, 0)
        rate = 0.0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            receiver.frame_sync.capture_video()
            if video.xres > 0 and video.yres > 0:
                size = (int(video.xres), int(video.yres))
                pixels = video.get_array().reshape(size[1], size[0], -1)
                polls.append(framecode.read(pixels))
                rate = float(video.get_frame_rate())
            time.sleep(1 / 60)
        return {"found": True, "source": source.name, "size": size, "fps": rate, "polls": polls}
    finally:
        if receiver is not None:
            receiver.disconnect()
        finder.close()


def json_result(text: str) -> dict[str, Any]:
    """The last JSON object line a check process printed (SinkError if none)."""
    lines = [line for line in text.splitlines() if line.startswith("{")]
    if not lines:
        raise SinkError(f"NDI check process printed no result: {text.strip()[-300:]!r}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def check_in_namespace(
    ns: NdiNamespace,
    *,
    name: str,
    width: int = 576,
    height: int = 320,
    fps: float = 30.0,
    seconds: float = 4.0,
    pixel_format: str = "yuv420p",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run sender and receiver as two processes in ``ns``; their results (sender first).

    The receiver starts once the sender's source is open and captures for most of the
    ``seconds`` the sender then goes on sending.
    Both are stopped by PID if they overrun.
    """
    common = [sys.executable, "-m", "scripts.harness.loopcheck"]
    sender_cmd = [
        *common,
        *("send", "--name", name, "--width", str(width), "--height", str(height)),
        *("--fps", str(fps), "--seconds", str(seconds), "--pixel-format", pixel_format),
    ]
    receiver_cmd = [*common, "receive", "--name", name, "--seconds", str(seconds * 0.6)]
    procs: list[subprocess.Popen[str]] = []
    try:
        procs.append(start_receiver(ns, receiver_cmd))
        procs.append(ns.popen(sender_cmd))
        wait_for_open(procs[1], OPEN_WITHIN_S + 20)
        go(procs[0])
        outputs = [proc.communicate(timeout=seconds + 30)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    return json_result(outputs[1]), json_result(outputs[0])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.harness.loopcheck")
    parser.add_argument("role", choices=("send", "receive"))
    parser.add_argument("--name", default="scope-bridge-check")
    parser.add_argument("--width", type=int, default=576)
    parser.add_argument("--height", type=int, default=320)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pixel-format", default="yuv420p")
    parser.add_argument(
        "--after-go", action="store_true", help="receive: search once a line comes on stdin"
    )
    args = parser.parse_args(argv)
    if args.role == "send":
        result = asyncio.run(
            run_sender(
                args.name, args.width, args.height, args.fps, args.seconds, args.pixel_format
            )
        )
    else:
        result = run_receiver(
            args.name, args.seconds, go=sys.stdin.readline if args.after_go else None
        )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
