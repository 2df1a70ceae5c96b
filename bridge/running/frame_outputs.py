"""The show's frame outputs, across its Scope targets: their Devices lines, switching one on
or off, the console's small preview, and asking Scope to run its own (NDI, Spout, Syphon)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from av import VideoFrame

from bridge.running.scope_target import ScopeTarget
from bridge.sinks.server_sinks import ServerSinkRequest, ServerSinkSupport, plan_output_sinks
from bridge.watch.snapshot import DeviceView

if TYPE_CHECKING:
    from bridge.running.runtime import Runtime

PREVIEW_SIZE = (64, 36)


def sink_lines(targets: Iterable[ScopeTarget]) -> list[DeviceView]:
    """Each frame output as a Devices line: sending (with its pace), or why not."""
    return [
        DeviceView(
            s.name,
            f"{s.kind} out",
            s.state,
            s.last_error
            or (
                f"{s.fps:.1f} fps, {s.sent} sent, {s.skipped} skipped"
                if s.state == "sending"
                else ""
            ),
        )
        for unit in targets
        for s in unit.router.status()
    ]


def toggle_sink(targets: Iterable[ScopeTarget], name: str) -> str:
    """Turn one frame output on or off; a sentence saying which way it went."""
    found = [(unit.router, s) for unit in targets for s in unit.router.status() if s.name == name]
    if not found:
        return f"There is no frame output named {name!r}."
    router, status = found[0]
    if status.state == "unavailable":
        return f"{name} cannot run here: {status.last_error or 'unavailable'}"
    enable = status.state == "disabled"
    router.set_enabled(name, enable)
    return f"{name} ({status.kind}) {'on' if enable else 'off'}"


def preview(frame: VideoFrame | None) -> npt.NDArray[np.uint8] | None:
    """``frame``, small, as RGB (for the console's preview)."""
    if frame is None:
        return None
    small = frame.reformat(width=PREVIEW_SIZE[0], height=PREVIEW_SIZE[1], format="rgb24")
    return np.asarray(small.to_ndarray(), dtype=np.uint8)


async def server_sinks(runtime: Runtime) -> None:
    """Ask Scope to run its own NDI/Spout/Syphon outputs, if its hardware says it can."""
    link = runtime.link
    assert link is not None
    while not link.ready:  # noqa: ASYNC110 - the link has no event to wait on
        await asyncio.sleep(0.2)
    info = await runtime.client.hardware_info()
    support = {
        "ndi": ServerSinkSupport("ndi", info.ndi.available, info.ndi.reason or ""),
        "spout": ServerSinkSupport("spout", info.spout.available, info.spout.reason or ""),
        "syphon": ServerSinkSupport("syphon", info.syphon.available, info.syphon.reason or ""),
    }
    plan = plan_output_sinks(
        support, [ServerSinkRequest(s.kind, s.name, s.enabled) for s in runtime.show.server_sinks]
    )
    for reason in plan.refused:
        runtime.bridge.report("server sinks", reason, key=reason)  # one entry each
    if plan.output_sinks:
        runtime.bridge.extra_initial["output_sinks"] = plan.output_sinks
        link.send({"output_sinks": plan.output_sinks})
