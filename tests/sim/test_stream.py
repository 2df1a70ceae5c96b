"""Real aiortc peers against the stand-in over loopback: frames, queue, transitions, pause."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from aiortc import RTCPeerConnection, RTCSessionDescription

from bridge.scope.client import ScopeClient
from bridge.scope.outgoing import BlackTrack
from bridge.scope.session import ScopeSession
from tests.sim.simkit import FAST, Frames, running_sim, streaming, wait_for


async def test_frames_carry_an_increasing_counter_at_the_load_size() -> None:
    """Frames are 576×320 and their stamped counter survives VP8 and increases."""
    async with streaming(**FAST) as (_, _session, frames, _):
        await wait_for(lambda: len(frames.counters) >= 10, 5.0, "ten frames")
    assert frames.last is not None
    assert (frames.last.width, frames.last.height) == (576, 320)
    assert frames.counters == sorted(frames.counters)
    assert frames.counters[-1] > frames.counters[0]


async def test_an_update_is_applied_at_a_chunk_and_logged() -> None:
    """A prompt change shows in /sim/stats with receive and apply times."""
    async with streaming(**FAST) as (sim, session, _, _):
        session.send({"prompts": [{"text": "a dog", "weight": 1.0}]})
        await wait_for(lambda: sim.stats.applied >= 1, 3.0, "the update to apply")
        entry = sim.stats.log[-1]
        params = next(iter(sim.sessions.values())).engine.params
    assert entry.payload == {"prompts": [{"text": "a dog", "weight": 1.0}]}
    # one 0.2 s chunk at most, plus slack for a loaded machine
    assert 0 <= entry.applied_t - entry.received_t < 1.0
    assert params["prompts"] == [{"text": "a dog", "weight": 1.0}]


async def test_a_burst_of_twenty_loses_the_newest_twelve() -> None:
    """With no chunk boundary during the burst, 8 are queued and 12 dropped."""
    # One chunk per 10 000 frames: the first frame's chunk has passed, the next is far away.
    async with streaming(fps=20.0, chunk_frames=10_000) as (sim, session, _, _):
        for i in range(20):
            session.send({"noise_scale": i / 20})
        await wait_for(lambda: sim.stats.received >= 20, 3.0, "twenty messages")
        engine = next(iter(sim.sessions.values())).engine
    assert (sim.stats.dropped, engine.queued, sim.stats.applied) == (12, 8, 0)


async def test_a_transition_completes_over_its_steps() -> None:
    """num_steps=4 at 0.2 s chunks finishes in about 0.6-0.8 s."""
    async with streaming(**FAST) as (sim, session, _, _):
        session.send(
            {
                "transition": {
                    "target_prompts": [{"text": "a dog", "weight": 1.0}],
                    "num_steps": 4,
                    "temporal_interpolation_method": "linear",
                }
            }
        )
        await wait_for(lambda: sim.stats.transitions_started == 1, 3.0, "the transition start")
        started = time.monotonic()
        await wait_for(lambda: sim.stats.transitions_completed == 1, 3.0, "the transition end")
        took = time.monotonic() - started
        engine = next(iter(sim.sessions.values())).engine
    assert [p.text for p in engine.prompts] == ["a dog"]
    assert 0.3 < took < 2.0


async def test_pause_freezes_the_counter_and_resume_advances_it() -> None:
    """Paused frames keep coming (the stream stays alive) but show the same picture."""
    async with streaming(**FAST) as (_, session, frames, _):
        session.send({"paused": True})
        await asyncio.sleep(0.3)
        mark = len(frames.counters)
        await asyncio.sleep(0.5)
        frozen = frames.counters[mark:]
        session.send({"paused": False})
        await asyncio.sleep(0.5)
        resumed = frames.counters[mark + len(frozen) :]
    assert len(frozen) >= 3
    assert len(set(frozen)) == 1
    assert resumed
    assert resumed[-1] > frozen[-1]


async def test_recvonly_offer_gets_no_frames() -> None:
    """Like Scope, a recvonly video m-line connects but never gets a frame."""
    frames = Frames()
    async with running_sim(**FAST) as (sim, base), ScopeClient(base) as client:
        await client.ensure_pipeline("longlive", {"width": 576, "height": 320})
        session = ScopeSession(client, "longlive", on_frame=frames, video_direction="recvonly")
        try:
            await session.open({"prompts": [{"text": "a cat", "weight": 1.0}]})
            assert session.ready
            await asyncio.sleep(1.0)
        finally:
            await session.close()
    assert frames.counters == []
    assert sim.stats.frames_sent == 0


async def test_offer_without_pipeline_ids_gets_no_frames() -> None:
    """The channel comes up, yet no frames flow without initialParameters.pipeline_ids."""
    async with running_sim(**FAST) as (sim, base), httpx.AsyncClient() as http:
        await http.post(
            f"{base}/api/v1/pipeline/load",
            json={"pipeline_ids": ["longlive"], "load_params": {"width": 576, "height": 320}},
        )
        await wait_for(lambda: sim.pipeline.loaded, 2.0, "the load")
        pc = RTCPeerConnection()
        received: list[object] = []
        opened = asyncio.Event()
        try:
            channel = pc.createDataChannel("parameters", ordered=True)
            channel.on("open", opened.set)
            pc.addTransceiver(BlackTrack(), direction="sendrecv")

            def on_track(track: Any) -> None:
                async def read() -> None:
                    received.append(await track.recv())

                reader = asyncio.get_running_loop().create_task(read())
                tasks.add(reader)

            tasks: set[asyncio.Task[None]] = set()
            pc.on("track", on_track)
            await pc.setLocalDescription(await pc.createOffer())
            initial = {"prompts": [{"text": "a cat", "weight": 1.0}]}
            answer = (
                await http.post(
                    f"{base}/api/v1/webrtc/offer",
                    json={
                        "sdp": pc.localDescription.sdp,
                        "type": "offer",
                        "initialParameters": initial,
                    },
                )
            ).json()
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
            await asyncio.wait_for(opened.wait(), 5.0)
            await asyncio.sleep(1.0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await pc.close()
    assert received == []
    assert sim.stats.frames_sent == 0


async def test_frames_fault_stops_the_video_but_not_the_channel() -> None:
    """{"frames": false} stops frames; the session itself stays up."""
    async with streaming(**FAST) as (sim, session, frames, _):
        sim.faults.update({"frames": False})
        await asyncio.sleep(0.3)
        mark = len(frames.counters)
        await asyncio.sleep(0.6)
        assert len(frames.counters) == mark
        assert session.ready
        sim.faults.update({"frames": True})
        await wait_for(lambda: len(frames.counters) > mark, 3.0, "frames to come back")


async def test_close_after_fault_ends_the_session() -> None:
    """close_after_s closes the server's peer connection; the client notices."""
    async with streaming(**FAST) as (sim, session, _, _):
        sim.faults.update({})
        for sim_session in sim.sessions.values():
            sim_session.close_later(0.2)
        await asyncio.wait_for(session.dead.wait(), 10.0)
    assert session.dead_reason is not None
