"""The stand-in's pipelines: frames per call per pipeline, stalls, a pause that keeps draining,
and controller-viz drawing what ``ctrl_input`` says, over real aiortc sessions."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from PIL import Image

from bridge.scope.client import ScopeClient
from bridge.scope.session import ScopeSession, ServerMessage
from bridge.sim import catalog
from bridge.sim.extras import StandInExtras
from bridge.sim.server import ScopeSim
from tests.sim.simkit import running_sim, streaming, wait_for


def _worker(sim: ScopeSim) -> tuple[int, int]:
    """(frames generated, pipeline calls) of the one session."""
    [session] = sim.sessions.values()
    return session.processor.worker.generated, sim.stats.chunks


@pytest.mark.parametrize(
    ("pipeline", "frames_per_call", "fps"),
    [("longlive", 12, 16.0), ("streamdiffusionv2", 4, 20.0), ("controller-viz", 1, 56.0)],
)
def test_each_pipeline_has_its_own_chunk_model(
    pipeline: str, frames_per_call: int, fps: float
) -> None:
    """12 frames per call for Wan pipelines, 4 for StreamDiffusionV2, 1 for controller-viz;
    --fps and --chunk-frames override every pipeline."""
    assert catalog.chunk_model(pipeline) == catalog.ChunkModel(frames_per_call, fps)
    assert catalog.chunk_model(pipeline, fps=8.0) == catalog.ChunkModel(frames_per_call, 8.0)
    assert catalog.chunk_model(pipeline, frames_per_call=3) == catalog.ChunkModel(3, fps)
    assert catalog.chunk_model("some-plugin") == catalog.ChunkModel(12, 16.0)


@pytest.mark.parametrize(("pipeline", "frames_per_call"), [("controller-viz", 1), ("longlive", 12)])
async def test_frames_come_in_calls_of_the_pipelines_size(
    pipeline: str, frames_per_call: int
) -> None:
    """Each call makes its frames; the counters say so, and /sim/stats names the model."""
    async with streaming(pipeline, fps=48.0) as (sim, _, frames, _):
        await wait_for(lambda: sim.stats.chunks >= 3, 5.0, "three calls")
        generated, calls = _worker(sim)
        chunk = StandInExtras(sim).chunk()
    assert (calls - 1) * frames_per_call < generated <= calls * frames_per_call
    assert chunk == {"frames_per_call": frames_per_call, "fps": 48.0}
    assert frames.counters == sorted(frames.counters)


async def test_a_stall_stops_taking_and_making_then_the_queue_drains() -> None:
    """During stall_ms nothing is taken and no frame is made; what arrives waits in the
    queue; afterwards the pipeline picks up where it was and its measured fps has dipped."""
    async with streaming("controller-viz", fps=20.0) as (sim, session, frames, _):
        await wait_for(lambda: sim.stats.chunks >= 5, 5.0, "some calls")
        [sim_session] = sim.sessions.values()
        sim.faults.update({"stall_ms": 800})
        await asyncio.sleep(0.15)
        generated, applied, seen = (
            sim_session.processor.worker.generated,
            sim.stats.applied,
            len(frames.counters),
        )
        for value in (0.1, 0.2, 0.3):
            session.send({"noise_scale": value})
        await wait_for(lambda: sim.stats.received >= 3, 2.0, "the updates to arrive")
        await asyncio.sleep(0.3)
        during = (
            sim_session.processor.worker.generated,
            sim.stats.applied,
            sim_session.engine.queued,
        )
        frames_during = len(frames.counters) - seen
        await wait_for(lambda: sim_session.engine.queued == 0, 3.0, "the queue to drain")
        fps_after = sim_session.processor.worker.meter.fps
        await wait_for(lambda: len(frames.counters) > seen + 3, 3.0, "frames to come back")
    assert during == (generated, applied, 3)
    assert frames_during <= 1  # at most one already on its way
    assert sim_session.engine.params["noise_scale"] == 0.3
    assert sim.stats.dropped == 0
    assert fps_after < 19.0


async def test_a_paused_pipeline_keeps_taking_updates_so_none_drop() -> None:
    """Frozen output, yet Scope's paused pipeline takes one update per 10 ms: twenty updates
    sent while frozen all land, the last one wins, and the picture stays frozen."""
    async with streaming("longlive", fps=8.0, chunk_frames=8) as (sim, session, frames, _):
        session.send({"paused": True})
        await wait_for(
            lambda: next(iter(sim.sessions.values())).engine.worker_paused, 3.0, "the pause"
        )
        mark = len(frames.counters)
        for i in range(20):
            session.send({"noise_scale": i / 20})
            await asyncio.sleep(0.02)
        engine = next(iter(sim.sessions.values())).engine
        await wait_for(lambda: engine.queued == 0, 2.0, "the queue to drain")
        frozen = frames.counters[mark:]
    assert sim.stats.dropped == 0
    assert engine.params["noise_scale"] == 0.95
    assert len(set(frozen)) <= 1


async def test_controller_viz_draws_the_keys_and_moves_the_dot() -> None:
    """W held lights the up key; mouse deltas move the red dot right of the centre."""
    async with streaming("controller-viz", fps=20.0) as (sim, session, frames, _):
        session.send({"ctrl_input": {"button": ["KeyW"], "mouse": [60.0, 0.0]}})
        engine = next(iter(sim.sessions.values())).engine
        await wait_for(lambda: engine.buttons() == {"KeyW"}, 3.0, "the keys to apply")
        applied_at = len(frames.counters)
        await wait_for(lambda: len(frames.counters) > applied_at + 3, 3.0, "new frames")
        assert frames.last is not None
        pixels = frames.last.to_ndarray(format="rgb24").astype(int)
        cursor = engine.cursor
    # the up key: column 1, row 0 of the key block in the lower left (30 px keys, 5 px gaps)
    up = pixels[320 - 20 - 65 + 5 : 320 - 20 - 65 + 25, 20 + 35 + 5 : 20 + 35 + 25]
    left = pixels[320 - 20 - 30 + 5 : 320 - 20 - 5, 20 + 5 : 20 + 25]  # not held: dark inside
    assert up.mean() > 150 > 60 > left.mean()
    assert cursor == (288 + 60, 160)
    dot = pixels[160 - 3 : 160 + 3, 348 - 3 : 348 + 3]
    assert dot[..., 0].mean() > 150 > 80 > dot[..., 1].mean()


async def test_a_headless_session_runs_reports_and_hands_out_jpeg_frames() -> None:
    """session/start runs the loaded pipeline without WebRTC; metrics, frame, stop."""
    async with (
        running_sim(load_time_s=0.05, fps=20.0) as (sim, base),
        httpx.AsyncClient(base_url=base) as http,
    ):
        refused = await http.post("/api/v1/session/start", json={"pipeline_id": "controller-viz"})
        await http.post(
            "/api/v1/pipeline/load",
            json={"pipeline_ids": ["controller-viz"], "load_params": {"width": 512, "height": 288}},
        )
        await wait_for(lambda: sim.pipeline.loaded, 2.0, "the load")
        invalid = await http.post("/api/v1/session/start", json={})
        started = await http.post("/api/v1/session/start", json={"pipeline_id": "controller-viz"})
        await asyncio.sleep(0.5)
        metrics = (await http.get("/api/v1/session/metrics")).json()
        posted = await http.post("/api/v1/session/parameters", json={"noise_scale": 0.5})
        await asyncio.sleep(0.2)
        params = (await http.get("/api/v1/session/parameters")).json()["parameters"]
        frame = await http.get("/api/v1/session/frame", params={"quality": 70})
        stopped = await http.post("/api/v1/session/stop")
        again = await http.post("/api/v1/session/stop")
        gone = await http.get("/api/v1/session/frame")
    assert refused.status_code == 500
    assert invalid.status_code == 422
    assert started.json() == {
        "status": "ok",
        "input_mode": "text",
        "cloud_mode": False,
        "pipeline_id": "controller-viz",
    }
    [(session_id, stats)] = metrics["sessions"].items()
    assert session_id == "headless"
    assert stats["headless"] is True
    assert stats["frames_out"] >= 3
    assert posted.json()["status"] == "ok"
    assert params["noise_scale"] == 0.5
    assert frame.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(frame.content)).size == (512, 288)
    assert stopped.json() == {"status": "ok", "message": "Headless session stopped"}
    assert (again.status_code, again.json()) == (404, {"detail": "No active headless session"})
    assert gone.status_code == 404


async def test_parameters_updated_reaches_every_open_session() -> None:
    """A REST update is announced on each session's data channel, with what was applied."""
    async with streaming("longlive", fps=16.0) as (sim, _, _, heard_first):
        base = f"http://127.0.0.1:{sim.port}"
        heard_second: list[ServerMessage] = []
        async with ScopeClient(base) as client:
            second = ScopeSession(client, "longlive", on_message=heard_second.append)
            try:
                await second.open({"prompts": [{"text": "a dog", "weight": 1.0}]})
                await wait_for(lambda: len(sim.active()) == 2, 5.0, "both sessions running")
                applied = await client.set_session_parameters({"noise_scale": 0.25})
                await wait_for(lambda: bool(heard_first) and bool(heard_second), 3.0, "both told")
            finally:
                await second.close()
    for heard in (heard_first, heard_second):
        assert heard[0].type == "parameters_updated"
        assert heard[0].body["parameters"] == applied
    assert applied == {
        "prompt_interpolation_method": "linear",
        "noise_scale": 0.25,
        "vace_context_scale": 1.0,
    }
    assert sim.stats.received == 2  # one queued update per session
