"""The WebRTC session against the stand-in over loopback, plus its message handling."""

from __future__ import annotations

import time

import httpx
import pytest
from av import VideoFrame

from bridge.errors import BridgeError, ScopeError
from bridge.scope.client import ScopeClient
from bridge.scope.session import ScopeSession, ServerMessage, initial_parameters_for
from tests.sim.simkit import FAST, running_sim, wait_for

CAT = {"prompts": [{"text": "a cat", "weight": 1.0}]}


def test_initial_parameters_always_name_the_pipeline_and_use_prompt_objects() -> None:
    """pipeline_ids is added; string prompts become objects (strings would get a 422)."""
    assert initial_parameters_for({"prompts": ["a cat"]}, "longlive") == {
        "prompts": [{"text": "a cat", "weight": 1.0}],
        "pipeline_ids": ["longlive"],
    }
    assert initial_parameters_for({"pipeline_ids": ["krea"]}, "longlive") == {
        "pipeline_ids": ["krea"]
    }


def test_server_messages_known_unknown_and_broken() -> None:
    """Known kinds reach the callback; unknown ones are ignored; bad JSON is only counted."""
    got: list[ServerMessage] = []
    session = ScopeSession(ScopeClient("http://127.0.0.1:9"), "longlive", on_message=got.append)
    session._on_channel_message('{"type":"tempo_update","bpm":120}')
    session._on_channel_message('{"type":"from_the_future"}')
    session._on_channel_message("{not json")
    session._on_channel_message("[1,2]")
    session._on_channel_message('{"type":"stream_stopped"}')
    assert [m.type for m in got] == ["tempo_update", "stream_stopped"]
    assert got[0].body["bpm"] == 120
    assert session.bad_messages == 1
    assert session.dead.is_set()


def test_send_before_open_raises_a_bridge_error() -> None:
    """No channel, no send: one sentence, not an aiortc exception."""
    session = ScopeSession(ScopeClient("http://127.0.0.1:9"), "longlive")
    with pytest.raises(ScopeError, match="not open"):
        session.send({"paused": True})


async def test_connect_send_receive_and_close_with_delete() -> None:
    """First frame arrives quickly; an update lands; close DELETEs the server's session."""
    frames: list[VideoFrame] = []
    async with running_sim(**FAST) as (sim, base), ScopeClient(base) as client:
        await client.ensure_pipeline("longlive", {"width": 576, "height": 320})
        session = ScopeSession(client, "longlive", on_frame=frames.append)
        start = time.monotonic()
        try:
            await session.open(CAT)
            await wait_for(lambda: bool(frames), 5.0, "the first frame")
            first_frame_s = time.monotonic() - start
            assert session.ready
            assert session.session_id in sim.sessions
            assert sim.offers[-1]["initialParameters"] == {**CAT, "pipeline_ids": ["longlive"]}
            session.send({"prompts": [{"text": "a dog", "weight": 1.0}]})
            assert session.buffered_amount >= 0
            with pytest.raises(BridgeError, match="not plain JSON"):
                session.send({"noise_scale": float("nan")})
            await wait_for(lambda: sim.stats.applied >= 1, 3.0, "the update")
        finally:
            await session.close()
        await wait_for(lambda: not sim.sessions, 2.0, "the server session to go")
    assert first_frame_s < 5.0  # loose bound; ~0.15 s measured on loopback
    assert session.frames_received == len(frames)


async def test_parameters_updated_arrives_after_a_rest_update() -> None:
    """A v0.1.8+ REST update is announced on the data channel."""
    got: list[ServerMessage] = []
    async with running_sim(**FAST) as (_, base), ScopeClient(base) as client:
        await client.ensure_pipeline("longlive", {"width": 576, "height": 320})
        session = ScopeSession(client, "longlive", on_message=got.append)
        try:
            await session.open(CAT)
            await client.health()
            await client.set_session_parameters({"noise_scale": 0.3})
            await wait_for(lambda: bool(got), 3.0, "parameters_updated")
        finally:
            await session.close()
    assert got[0].type == "parameters_updated"
    assert got[0].body["parameters"]["noise_scale"] == 0.3


async def test_trickled_candidates_are_patched_after_the_answer() -> None:
    """With trickle on, the offer has no candidates and they arrive by PATCH (204)."""
    frames: list[VideoFrame] = []
    async with running_sim(**FAST) as (sim, base), ScopeClient(base) as client:
        await client.ensure_pipeline("longlive", {"width": 576, "height": 320})
        session = ScopeSession(client, "longlive", on_frame=frames.append, trickle=True)
        try:
            await session.open(CAT)
            await wait_for(lambda: bool(frames), 5.0, "the first frame")
        finally:
            await session.close()
    assert session.trickled >= 1
    assert sim.candidates_added == session.trickled


async def test_offer_before_load_is_a_clear_error() -> None:
    """The 400 from an unloaded server becomes one sentence."""
    async with running_sim(**FAST) as (_, base), ScopeClient(base) as client:
        session = ScopeSession(client, "longlive")
        try:
            with pytest.raises(ScopeError, match="no pipeline is loaded"):
                await session.open(CAT)
        finally:
            await session.close()


async def test_ice_servers_come_from_the_server_unless_overridden() -> None:
    """A non-loopback endpoint asks the server; the stand-in lists none."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"iceServers": [{"urls": "stun:127.0.0.1:3478"}]})

    client = ScopeClient("http://scope.example", transport=httpx.MockTransport(handler))
    session = ScopeSession(client, "longlive", loopback_ice=False)
    servers = await session._servers()
    overridden = ScopeSession(client, "longlive", ice_servers=(), loopback_ice=False)
    assert await overridden._servers() == ()
    await client.aclose()
    assert [s.urls for s in servers] == [("stun:127.0.0.1:3478",)]
    assert seen == ["/api/v1/webrtc/ice-servers"]
