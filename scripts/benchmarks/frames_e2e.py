"""frames.*: Scope's VP8 video → aiortc → the frame router → the NDI sender, end to end.

The run itself (stand-in, bridge and NDI receiver as processes in a loopback-only namespace)
is ``scripts.harness.ndi_e2e``, shared with the NDI tests. The router-only figures of
``scripts.benchmarks.frames_router`` (synthetic frames, no decoding) are the baseline in the
same run.

Scope sizes are multiples of 64, so "720p" here is 1280×704.
"""

from __future__ import annotations

from scripts.harness.ndi_e2e import run_e2e
from scripts.harness.netns import ndi_namespace

SIZES = {"": (576, 320), "_720p": (1280, 704)}


def run(quick: bool = False) -> dict[str, float]:
    seconds = 4.0 if quick else 10.0
    results: dict[str, float] = {}
    with ndi_namespace("sb-e2e") as ns:
        for suffix, (width, height) in SIZES.items():
            bridge, receiver = run_e2e(ns, width, height, seconds, f"e2e{suffix or '_320p'}")
            if "error" in bridge:
                raise RuntimeError(f"frames bench ({width}x{height}): {bridge}")
            if not receiver.get("found") or not receiver.get("polls"):
                raise RuntimeError(f"the NDI receiver got nothing at {width}x{height}: {receiver}")
            results[f"frames.forward_ms_p50{suffix}"] = bridge["forward_ms_p50"]
            results[f"frames.forward_ms_p99{suffix}"] = bridge["forward_ms_p99"]
            results[f"frames.cpu_pct{suffix}"] = bridge["cpu_pct"]
            results[f"frames.fps_in{suffix}"] = bridge["fps_in"]
    return results


def run_all(quick: bool = False) -> dict[str, float]:
    """End to end, then the router-only baseline (``frames_router``) as ``frames.router_*``."""
    from scripts.benchmarks.frames_router import run_frames_bench

    results = run(quick)
    for key, value in run_frames_bench(quick).items():
        results[key.replace("frames.", "frames.router_", 1)] = value
    return results
