"""The stand-in answers like the real Scope servers: held to their captured answers.

``captures/`` holds what real v0.2.4 and v0.1.4 servers answered (controller-viz loaded at
576x320). Where an answer depends only on the server's state it must be equal; where it
carries times, ports or counters, its shape must be: the same keys and the same JSON value
types, recursively. Both versions run with the stand-in's defaults (the web UI's catch-all on).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiortc import RTCPeerConnection

from bridge.scope.client import ScopeClient
from bridge.scope.outgoing import BlackTrack
from bridge.scope.session import ScopeSession, ServerMessage
from tests.sim.simkit import running_sim, wait_for

CAPTURES = Path(__file__).parent / "captures"
VERSIONS = ("0.1.4", "0.2.4")
SIZE = {"width": 576, "height": 320}


def captured(version: str, name: str) -> Any:
    text = (CAPTURES / f"v{version}" / name).read_text(encoding="utf-8")
    return text if name.endswith(".html") else json.loads(text)


def shape_differences(expected: object, actual: object, at: str = "$") -> list[str]:
    """Where ``actual`` differs from ``expected`` in keys or JSON value types (not values)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{at}: expected an object, got {type(actual).__name__}"]
        found = [f"{at}: missing {k!r}" for k in expected if k not in actual]
        found += [f"{at}: unexpected {k!r}" for k in actual if k not in expected]
        for key in expected.keys() & actual.keys():
            found += shape_differences(expected[key], actual[key], f"{at}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{at}: expected a list, got {type(actual).__name__}"]
        if expected and len(expected) != len(actual):
            return [f"{at}: expected {len(expected)} items, got {len(actual)}"]
        found = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
            found += shape_differences(want, got, f"{at}[{index}]")
        return found
    if type(expected) is not type(actual):
        return [f"{at}: expected {type(expected).__name__}, got {type(actual).__name__}"]
    return []


def test_the_shape_check_can_fail() -> None:
    """The checker itself notices a missing key, a new key, a type change and a length."""
    assert shape_differences({"a": 1, "b": [1.0]}, {"a": 1, "b": [2.5]}) == []
    assert shape_differences({"a": 1}, {"a": 1.0}) == ["$.a: expected int, got float"]
    assert shape_differences({"a": None}, {"b": None}) == ["$: missing 'a'", "$: unexpected 'b'"]
    assert shape_differences([1, 2], [1]) == ["$: expected 2 items, got 1"]


@asynccontextmanager
async def loaded(version: str, **options: Any) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """A stand-in of ``version`` with controller-viz loaded at 576x320, as captured."""
    async with (
        running_sim(version=version, load_time_s=0.05, **options) as (_, base),
        ScopeClient(base) as client,
        httpx.AsyncClient(base_url=base) as http,
    ):
        await client.ensure_pipeline("controller-viz", SIZE)
        yield base, http


EQUAL = {
    "0.1.4": {
        "_api_v1_hardware_info.json": "/api/v1/hardware/info",
        "_api_v1_lora_list.json": "/api/v1/lora/list",
        "_api_v1_models_status_pipeline_id_controller-viz.json": (
            "/api/v1/models/status?pipeline_id=controller-viz"
        ),
        "_api_v1_pipeline_status.json": "/api/v1/pipeline/status",
        "_api_v1_plugins.json": "/api/v1/plugins",
        "_api_v1_webrtc_ice-servers.json": "/api/v1/webrtc/ice-servers",
    },
    "0.2.4": {
        "_api_v1_hardware_info.json": "/api/v1/hardware/info",
        "_api_v1_loras.json": "/api/v1/loras",
        "_api_v1_models_status_pipeline_id_controller-viz.json": (
            "/api/v1/models/status?pipeline_id=controller-viz"
        ),
        "_api_v1_pipeline_status.json": "/api/v1/pipeline/status",
        "_api_v1_plugins.json": "/api/v1/plugins",
        "_api_v1_session_metrics.json": "/api/v1/session/metrics",
        "_api_v1_session_parameters.json": "/api/v1/session/parameters",
        "_api_v1_tempo_status.json": "/api/v1/tempo/status",
        "_api_v1_webrtc_ice-servers.json": "/api/v1/webrtc/ice-servers",
    },
}
SHAPED = {
    "0.1.4": {"_health.json": "/health"},
    "0.2.4": {"_health.json": "/health", "_api_v1_osc_status.json": "/api/v1/osc/status"},
}
HTML = {
    "0.1.4": {
        "_api_v1_loras.html": "/api/v1/loras",
        "_api_v1_session_parameters.html": "/api/v1/session/parameters",
        "_api_v1_unknown-path.html": "/api/v1/unknown-path",
    },
    "0.2.4": {
        "_api_v1_pipelines.html": "/api/v1/pipelines",
        "_api_v1_unknown-path.html": "/api/v1/unknown-path",
    },
}


@pytest.mark.parametrize("version", VERSIONS)
async def test_idle_answers_match_the_real_server(version: str) -> None:
    """Every captured answer without a session: equal, or (times, ports) the same shape."""
    problems: list[str] = []
    async with loaded(version) as (_, http):
        for name, path in EQUAL[version].items():
            got = (await http.get(path)).json()
            if got != captured(version, name):
                problems.append(f"{path}: {got!r} != {captured(version, name)!r}")
        for name, path in SHAPED[version].items():
            got = (await http.get(path)).json()
            problems += [f"{path} {d}" for d in shape_differences(captured(version, name), got)]
        for name, path in HTML[version].items():
            response = await http.get(path)
            kind = response.headers["content-type"].split(";")[0]
            if (response.status_code, kind, response.text) != (
                200,
                "text/html",
                captured(version, name),
            ):
                problems.append(f"{path}: {response.status_code} {kind} {response.text[:60]!r}")
        health = (await http.get("/health")).json()
    assert problems == []
    assert health["version"] == version


@pytest.mark.parametrize("version", VERSIONS)
async def test_pipeline_schemas_match_and_the_gpu_pipelines_look_alike(version: str) -> None:
    """The CPU pipelines' descriptions are the real ones, value for value; the simulated GPU
    pipelines carry the same fields (plus their mode defaults) and the same base fields."""
    real = captured(version, "_api_v1_pipelines_schemas.json")["pipelines"]
    async with loaded(version) as (_, http):
        ours = (await http.get("/api/v1/pipelines/schemas")).json()["pipelines"]
    shared = ours.keys() & real.keys()
    assert shared == {"controller-viz", "passthrough", "gray"}
    for pipeline in shared:
        assert ours[pipeline] == real[pipeline], pipeline
    template = real["controller-viz"]
    for pipeline in ours.keys() - shared:
        entry = ours[pipeline]
        assert set(entry) == set(template) | {"mode_defaults"}, pipeline
        for base in ("input_size", "ref_images"):
            if pipeline != "streamdiffusionv2" or base != "input_size":
                assert (
                    entry["config_schema"]["properties"][base]
                    == template["config_schema"]["properties"][base]
                )
    assert ours["controller-viz"]["supports_prompts"] is False
    assert "ctrl_input" in ours["controller-viz"]["config_schema"]["properties"]
    assert ours["longlive"]["min_dimension"] == 16


async def test_node_definitions_match_on_0_2_4_and_are_the_web_ui_before() -> None:
    """/api/v1/nodes/definitions (0.2.4): the real nodes for the pipelines both have."""
    real = {
        n["node_type_id"]: n for n in captured("0.2.4", "_api_v1_nodes_definitions.json")["nodes"]
    }
    async with loaded("0.2.4") as (_, http):
        ours = {
            n["node_type_id"]: n
            for n in (await http.get("/api/v1/nodes/definitions")).json()["nodes"]
        }
    async with loaded("0.1.4") as (_, http):
        old = await http.get("/api/v1/nodes/definitions")
    for node in ours.keys() & real.keys():
        assert ours[node] == real[node], node
    assert {"controller-viz", "longlive"} <= ours.keys()
    assert all(set(n) == set(real["controller-viz"]) for n in ours.values())
    assert old.headers["content-type"].startswith("text/html")


async def test_osc_inventory_matches_with_the_runtime_paths_active() -> None:
    real = captured("0.2.4", "_api_v1_osc_paths.json")
    async with loaded("0.2.4") as (_, http):
        ours = (await http.get("/api/v1/osc/paths")).json()
    assert set(ours) == set(real)
    assert ours["active"] == real["active"]
    assert ours["active_pipeline_ids"] == ["controller-viz"]
    assert ours["available"]["longlive"][0]["osc_address"] == "/scope/noise_scale"


async def test_tempo_sources_match_a_scope_without_its_extras() -> None:
    """With tempo_link off, the stand-in lists its tempo sources as the captured server did."""
    async with loaded("0.2.4", tempo_link=False) as (_, http):
        sources = (await http.get("/api/v1/tempo/sources")).json()
    assert sources == captured("0.2.4", "_api_v1_tempo_sources.json")


async def _raw_offer(
    base: str, initial: dict[str, Any]
) -> tuple[RTCPeerConnection, httpx.Response]:
    pc = RTCPeerConnection()
    pc.createDataChannel("parameters", ordered=True)
    pc.addTransceiver(BlackTrack(), direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    body = {"sdp": pc.localDescription.sdp, "type": "offer", "initialParameters": initial}
    async with httpx.AsyncClient() as http:
        return pc, await http.post(f"{base}/api/v1/webrtc/offer", json=body)


@pytest.mark.parametrize("version", VERSIONS)
async def test_offer_answer_has_the_real_keys(version: str) -> None:
    async with loaded(version) as (base, _):
        pc, answer = await _raw_offer(base, {"pipeline_ids": ["controller-viz"]})
        await pc.close()
    keys = captured(version, "offer_answer_keys.json")
    assert (answer.status_code, sorted(answer.json())) == (keys["status"], keys["keys"])


async def test_a_streaming_session_answers_and_announces_like_0_2_4() -> None:
    """With one session streaming: its parameters, metrics, a REST update, what the session
    hears about it, the parameters after it, and the DELETE, as the real server answered."""
    heard: list[ServerMessage] = []
    prompts = [{"text": "a forest", "weight": 0.5}, {"text": "a city", "weight": 0.5}]
    async with loaded("0.2.4") as (base, http), ScopeClient(base) as client:
        session = ScopeSession(client, "controller-viz", on_message=heard.append)
        try:
            await session.open({"input_mode": "text", "prompts": prompts})
            await wait_for(lambda: session.frames_received > 5, 10.0, "frames")
            status = (await http.get("/api/v1/pipeline/status")).json()
            params = (await http.get("/api/v1/session/parameters")).json()
            metrics = (await http.get("/api/v1/session/metrics")).json()
            rest = await http.post(
                "/api/v1/session/parameters",
                json={"prompts": [{"text": "from rest", "weight": 1.0}]},
            )
            await wait_for(lambda: bool(heard), 5.0, "parameters_updated")
            after = (await http.get("/api/v1/session/parameters")).json()
            assert session.session_id is not None
            deleted = await http.delete(f"/api/v1/webrtc/offer/{session.session_id}")
        finally:
            await session.close()
    assert status == captured("0.2.4", "active_api_v1_pipeline_status.json")
    assert params == captured("0.2.4", "active_api_v1_session_parameters.json")
    real_metrics = captured("0.2.4", "active_api_v1_session_metrics.json")
    [(_, ours)] = metrics["sessions"].items()
    [(_, theirs)] = real_metrics["sessions"].items()
    assert shape_differences(theirs, ours) == []
    assert metrics["gpu"] == {}
    answer = captured("0.2.4", "rest_post_answer.json")
    assert (rest.status_code, rest.json()) == (answer["status"], answer["body"])
    assert [dict(m.body) for m in heard[:1]] == captured("0.2.4", "server_messages.json")
    assert after == captured("0.2.4", "active_api_v1_session_parameters_after_rest.json")
    delete = captured("0.2.4", "delete_answer.json")
    assert (deleted.status_code, deleted.text) == (delete["status"], delete["text"])
