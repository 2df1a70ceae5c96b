"""Tempo sync on the stand-in: the beat arithmetic, the endpoints, ``tempo_update`` messages,
and ``_quantized`` updates answered with ``change_scheduled`` then ``change_applied``."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.sim.server import ScopeSim
from bridge.sim.tempo import BeatState, TempoClock, quantize_delay
from tests.sim.simkit import running_sim, streaming, wait_for


def _http(sim: ScopeSim) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{sim.port}")


def _state(beat: float, bpm: float = 120.0) -> BeatState:
    return TempoClock(bpm, 4, 0.0).state(beat * 60.0 / bpm)


def test_delays_land_on_the_next_boundary_minus_the_lookahead() -> None:
    """At 120 bpm (0.5 s a beat), beat 5.25: the next beat in 0.375 s, the next bar (beat 8)
    in 1.375 s; a lookahead comes off; "none" and unknown modes apply at once."""
    state = _state(5.25)
    assert quantize_delay("beat", state, 4, 0) == pytest.approx(0.375)
    assert quantize_delay("bar", state, 4, 0) == pytest.approx(1.375)
    assert quantize_delay("2_bar", state, 4, 0) == pytest.approx(1.375)
    assert quantize_delay("4_bar", state, 4, 0) == pytest.approx(5.375)
    assert quantize_delay("bar", state, 4, 375) == pytest.approx(1.0)
    assert quantize_delay("none", state, 4, 0) == 0.0
    assert quantize_delay("beat", _state(5.999), 4, 0) == pytest.approx(0.5005)  # next one


@given(
    beat=st.floats(0, 10_000, allow_nan=False),
    bpm=st.floats(20, 300),
    mode=st.sampled_from(["beat", "bar", "2_bar", "4_bar"]),
    lookahead=st.floats(0, 1000),
)
def test_a_delay_is_never_negative_nor_longer_than_one_cycle_plus_a_beat(
    beat: float, bpm: float, mode: str, lookahead: float
) -> None:
    cycle = {"beat": 1, "bar": 4, "2_bar": 8, "4_bar": 16}[mode] * 60.0 / bpm
    delay = quantize_delay(mode, _state(beat, bpm), 4, lookahead)
    assert 0.0 <= delay <= cycle + 60.0 / bpm


def test_the_clock_keeps_its_place_when_the_tempo_changes() -> None:
    clock = TempoClock(120.0, 4, 10.0)
    assert clock.state(12.0).beat_count == 4
    faster = clock.with_bpm(240.0, 12.0)
    assert faster.beat(12.0) == pytest.approx(4.0)
    assert faster.beat(13.0) == pytest.approx(8.0)
    message = faster.update_message(13.1)
    assert set(message) == {"type", "bpm", "beat_phase", "bar_position", "beat_count", "is_playing"}


async def test_the_endpoints_answer_as_scope_does() -> None:
    async with running_sim() as (_, base), httpx.AsyncClient(base_url=base) as http:
        off = (await http.get("/api/v1/tempo/status")).json()
        unset = await http.post("/api/v1/tempo/set_tempo", json={"bpm": 100})
        missing = await http.post("/api/v1/tempo/enable", json={})
        slow = await http.post("/api/v1/tempo/enable", json={"source": "link", "bpm": 5})
        midi = await http.post("/api/v1/tempo/enable", json={"source": "midi_clock"})
        on = (await http.post("/api/v1/tempo/enable", json={"source": "link", "bpm": 90})).json()
        faster = (await http.post("/api/v1/tempo/set_tempo", json={"bpm": 128})).json()
        sources = (await http.get("/api/v1/tempo/sources")).json()["sources"]
        disabled = (await http.post("/api/v1/tempo/disable")).json()
    assert off == {"enabled": False, "source": None, "beats_per_bar": 4, "beat_state": None}
    assert (unset.status_code, unset.json()) == (400, {"detail": "Tempo sync is not enabled"})
    assert missing.json()["detail"][0]["loc"] == ["body", "source"]
    assert slow.json()["detail"][0]["type"] == "greater_than_equal"
    assert midi.status_code == 400
    assert "uv sync --extra midi" in midi.json()["detail"]
    assert on["enabled"] is True
    assert on["source"] == {"type": "link", "num_peers": 0}
    assert set(on["beat_state"]) == {
        "bpm",
        "beat_phase",
        "bar_position",
        "beat_count",
        "is_playing",
        "source",
    }
    assert faster["beat_state"]["bpm"] == 128
    assert sources["link"] == {"available": True, "name": "Ableton Link"}
    assert sources["midi_clock"]["available"] is False
    assert disabled["enabled"] is False


async def test_tempo_updates_flow_about_fifteen_times_a_second_while_enabled() -> None:
    async with streaming("longlive", fps=16.0) as (sim, _, _, heard), _http(sim) as http:
        await http.post("/api/v1/tempo/enable", json={"source": "link", "bpm": 120})
        await asyncio.sleep(1.0)
        await http.post("/api/v1/tempo/disable")
        count = sum(m.type == "tempo_update" for m in heard)
        await asyncio.sleep(0.3)
        after = sum(m.type == "tempo_update" for m in heard)
    assert 8 <= count <= 17
    assert after == count
    update = next(m for m in heard if m.type == "tempo_update").body
    assert update["bpm"] == 120
    assert 0 <= update["beat_phase"] < 1


async def test_a_quantized_update_is_scheduled_then_applied_on_the_beat() -> None:
    """quantize_mode "beat" set first; a _quantized update is heard as change_scheduled, goes
    in at the beat (change_applied), merges what else was quantised meanwhile; paused is never
    held back."""
    async with streaming("controller-viz", fps=20.0) as (sim, session, _, heard):
        async with _http(sim) as http:
            await http.post("/api/v1/tempo/enable", json={"source": "link", "bpm": 60})
        engine = next(iter(sim.sessions.values())).engine
        session.send({"quantize_mode": "beat", "lookahead_ms": 0})
        await wait_for(lambda: sim.stats.applied >= 1, 3.0, "the settings")
        sent = time.monotonic()
        session.send({"_quantized": True, "noise_scale": 0.4})
        session.send({"_quantized": True, "manage_cache": False})
        session.send({"_quantized": True, "paused": True})
        await wait_for(lambda: any(m.type == "change_scheduled" for m in heard), 3.0, "scheduled")
        paused_at_once = engine.paused
        value_before = engine.params.get("noise_scale")
        await wait_for(lambda: any(m.type == "change_applied" for m in heard), 3.0, "applied")
        waited = time.monotonic() - sent
        await wait_for(lambda: engine.params.get("noise_scale") == 0.4, 2.0, "the update")
    scheduled = next(m for m in heard if m.type == "change_scheduled").body
    assert 0 < scheduled["delay_ms"] <= 1000
    assert [m.type for m in heard if m.type.startswith("change_")] == [
        "change_scheduled",
        "change_applied",
    ]
    assert paused_at_once is True
    assert value_before is None
    assert waited >= scheduled["delay_ms"] / 1000 - 0.05
    assert engine.params["manage_cache"] is False
    assert "_quantized" not in engine.params
    assert "quantize_mode" not in engine.params


async def test_without_tempo_or_before_0_1_8_quantized_is_not_special() -> None:
    """Tempo off: applied at once, nothing heard. 0.1.4: just another key."""
    async with streaming("longlive", fps=16.0) as (sim, session, _, heard):
        session.send({"quantize_mode": "beat"})
        session.send({"_quantized": True, "noise_scale": 0.3})
        engine = next(iter(sim.sessions.values())).engine
        await wait_for(lambda: engine.params.get("noise_scale") == 0.3, 5.0, "the update")
    assert not [m for m in heard if m.type.startswith("change_")]
    async with streaming("longlive", version="0.1.4", fps=16.0) as (sim, session, _, _):
        session.send({"_quantized": True, "noise_scale": 0.3})
        engine = next(iter(sim.sessions.values())).engine
        await wait_for(lambda: engine.params.get("noise_scale") == 0.3, 5.0, "the update")
        async with _http(sim) as http:
            tempo = await http.get("/api/v1/tempo/status")
    assert engine.params["_quantized"] is True
    assert tempo.headers["content-type"].startswith("text/html")
