"""The stand-in's HTTP API matches Scope's paths, shapes and status codes per version."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.sim.simkit import running_sim, wait_for


async def _load(http: httpx.AsyncClient, base: str) -> None:
    response = await http.post(
        f"{base}/api/v1/pipeline/load",
        json={"pipeline_ids": ["longlive"], "load_params": {"width": 576, "height": 320}},
    )
    assert response.status_code == 200


async def test_health_reports_the_configured_version() -> None:
    """/health has status and version like the live server."""
    async with running_sim(version="0.1.4") as (_, base), httpx.AsyncClient() as http:
        body = (await http.get(f"{base}/health")).json()
    assert body["status"] == "healthy"
    assert body["version"] == "0.1.4"
    assert {"timestamp", "server_start_time", "git_commit"} <= body.keys()


async def test_load_goes_loading_then_loaded() -> None:
    """Loading takes load_time_s; status echoes pipeline id and params."""
    async with running_sim(load_time_s=0.3) as (_, base), httpx.AsyncClient() as http:
        before = (await http.get(f"{base}/api/v1/pipeline/status")).json()
        await _load(http, base)
        during = (await http.get(f"{base}/api/v1/pipeline/status")).json()
        await asyncio.sleep(0.4)
        after = (await http.get(f"{base}/api/v1/pipeline/status")).json()
    assert before["status"] == "not_loaded"
    assert during["status"] == "loading"
    assert after["status"] == "loaded"
    assert after["pipeline_id"] == "longlive"
    assert after["load_params"] == {"width": 576, "height": 320}


async def test_empty_pipeline_ids_is_400() -> None:
    """The server refuses a load without pipeline ids."""
    async with running_sim() as (_, base), httpx.AsyncClient() as http:
        response = await http.post(f"{base}/api/v1/pipeline/load", json={"pipeline_ids": []})
    assert response.status_code == 400


async def test_load_error_is_reported_once_without_a_reason() -> None:
    """An error shows in one status answer, then the server is back to not_loaded. Like
    Scope, the answer carries no reason (Scope only logs it); /sim/stats keeps it."""
    async with running_sim(load_time_s=0.05) as (_, base), httpx.AsyncClient() as http:
        await http.post(f"{base}/sim/faults", json={"load_error": "CUDA out of memory"})
        await _load(http, base)
        await asyncio.sleep(0.15)
        kept = (await http.get(f"{base}/sim/stats")).json()["pipeline"]
        first = (await http.get(f"{base}/api/v1/pipeline/status")).json()
        second = (await http.get(f"{base}/api/v1/pipeline/status")).json()
    assert (first["status"], first["error"]) == ("error", None)
    assert kept["error"] == "CUDA out of memory"
    assert second["status"] == "not_loaded"


async def test_offer_before_load_is_400_pipeline_not_loaded() -> None:
    """Offers need a loaded pipeline."""
    async with running_sim() as (_, base), httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/api/v1/webrtc/offer", json={"sdp": "v=0\r\n", "type": "offer"}
        )
    assert response.status_code == 400
    assert response.json() == {"detail": "Pipeline not loaded. Please load pipeline first."}


async def test_string_prompts_in_initial_parameters_are_422_with_loc() -> None:
    """Prompts as strings fail validation the FastAPI way, naming the field."""
    async with running_sim() as (_, base), httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/api/v1/webrtc/offer",
            json={"sdp": "v=0", "type": "offer", "initialParameters": {"prompts": ["a cat"]}},
        )
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "initialParameters", "prompts", 0]
    assert problem["type"] == "model_attributes_type"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.4", {"vram_gb", "spout_available", "ndi_available"}),
        ("0.1.5", {"vram_gb", "spout_available", "ndi_available", "syphon_available"}),
        ("0.2.4", {"vram_gb", "spout", "ndi", "syphon"}),
    ],
)
async def test_hardware_info_shape_follows_the_version(version: str, expected: set[str]) -> None:
    """Flat before 0.2.4, nested from 0.2.4."""
    async with running_sim(version=version) as (_, base), httpx.AsyncClient() as http:
        body = (await http.get(f"{base}/api/v1/hardware/info")).json()
    assert set(body) == expected


@pytest.mark.parametrize(
    ("version", "present", "absent"),
    [
        ("0.1.4", "/api/v1/lora/list", "/api/v1/loras"),
        ("0.2.4", "/api/v1/loras", "/api/v1/lora/list"),
    ],
)
async def test_lora_path_follows_the_version(version: str, present: str, absent: str) -> None:
    """The LoRA list moved in 0.1.5; the old path is now just one the web UI answers."""
    async with running_sim(version=version) as (_, base), httpx.AsyncClient() as http:
        assert (await http.get(base + present)).json() == {"lora_files": []}
        missing = await http.get(base + absent)
    assert missing.status_code == 200
    assert missing.headers["content-type"].startswith("text/html")
    assert "<title>Daydream Scope</title>" in missing.text


@pytest.mark.parametrize("path", ["/api/v1/unknown-path", "/sim/nothing-here", "/"])
async def test_unknown_get_paths_answer_the_web_ui_or_frontend_not_built(path: str) -> None:
    """A normal install serves its UI's HTML for any GET path it has no route for; without
    the UI built, 404 "Frontend not built" (the root says so in a 200)."""
    async with running_sim() as (_, base), httpx.AsyncClient() as http:
        html = await http.get(base + path)
    async with running_sim(frontend=False) as (_, base), httpx.AsyncClient() as http:
        bare = await http.get(base + path)
    assert (html.status_code, html.headers["content-type"].split(";")[0]) == (200, "text/html")
    if path == "/":
        assert bare.json() == {"message": "Scope API - Frontend not built"}
    else:
        assert (bare.status_code, bare.json()) == (404, {"detail": "Frontend not built"})


async def test_old_versions_lack_delete_and_rest_parameters() -> None:
    """0.1.4 has neither DELETE on a session nor /session/parameters: only the UI's GET route
    matches those paths, so other methods are 405 and GET is the UI's HTML."""
    async with running_sim(version="0.1.4") as (_, base), httpx.AsyncClient() as http:
        delete = await http.delete(f"{base}/api/v1/webrtc/offer/abc")
        params = await http.post(f"{base}/api/v1/session/parameters", json={})
        read = await http.get(f"{base}/api/v1/session/parameters")
    assert delete.status_code == 405
    assert (params.status_code, params.json()) == (405, {"detail": "Method Not Allowed"})
    assert read.headers["content-type"].startswith("text/html")


async def test_unknown_session_patch_and_delete_are_404() -> None:
    """Trickle and close name a session the server must know."""
    async with running_sim() as (_, base), httpx.AsyncClient() as http:
        patch = await http.patch(f"{base}/api/v1/webrtc/offer/nope", json={"candidates": []})
        delete = await http.delete(f"{base}/api/v1/webrtc/offer/nope")
    assert (patch.status_code, delete.status_code) == (404, 404)


async def test_rest_parameters_without_a_session_answer_ok_and_apply_nothing() -> None:
    """POST /session/parameters re-applies Scope's two defaults and says ok even with no
    session open; nothing is applied, so GET shows empty parameters."""
    async with running_sim() as (sim, base), httpx.AsyncClient() as http:
        posted = await http.post(f"{base}/api/v1/session/parameters", json={"noise_scale": 0.4})
        body = (await http.get(f"{base}/api/v1/session/parameters")).json()
    assert posted.status_code == 200
    assert posted.json() == {
        "status": "ok",
        "applied_parameters": {
            "prompt_interpolation_method": "linear",
            "noise_scale": 0.4,
            "vace_context_scale": 1.0,
        },
    }
    assert body == {"parameters": {}}
    assert sim.stats.received == 0


async def test_rest_parameters_are_validated_like_scope() -> None:
    """Out-of-range values get pydantic's 422 naming the field."""
    async with running_sim() as (_, base), httpx.AsyncClient() as http:
        response = await http.post(f"{base}/api/v1/session/parameters", json={"noise_scale": 2})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["type"], problem["loc"]) == ("less_than_equal", ["body", "noise_scale"])


async def test_fault_switches_status_and_delay() -> None:
    """Faults answer every Scope endpoint with a status, or late; /sim stays reachable."""
    async with running_sim() as (sim, base), httpx.AsyncClient() as http:
        await http.post(f"{base}/sim/faults", json={"http_status": 503})
        assert (await http.get(f"{base}/health")).status_code == 503
        assert (await http.get(f"{base}/sim/stats")).status_code == 200
        await http.post(f"{base}/sim/faults", json={"http_status": None, "delay_ms": 300})
        start = time.monotonic()
        assert (await http.get(f"{base}/health")).status_code == 200
        assert time.monotonic() - start >= 0.25
        await http.post(f"{base}/sim/faults", json={"reset": True})
        await wait_for(lambda: sim.faults.delay_ms == 0, 1.0, "the faults to clear")


async def test_invalid_json_body_is_422() -> None:
    """A body that is not JSON gets FastAPI's json_invalid error."""
    async with running_sim() as (_, base), httpx.AsyncClient() as http:
        response = await http.post(f"{base}/api/v1/pipeline/load", content=b"{nope")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_a_client_leaving_mid_body_is_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """A bridge killed mid-POST leaves a cut-off body; the stand-in shrugs, with no traceback."""
    async with running_sim() as (_, base):
        host, port = base.removeprefix("http://").split(":")
        for _ in range(3):
            _reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                b"POST /api/v1/pipeline/load HTTP/1.1\r\nHost: x\r\n"
                b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"pipe'
            )
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.transport.abort()
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as http:  # and it still answers
            assert (await http.get(f"{base}/health")).status_code == 200
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, [r.getMessage() for r in tracebacks]
