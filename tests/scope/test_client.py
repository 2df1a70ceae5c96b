"""The REST client over httpx.MockTransport: both versions' shapes, and every failure."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bridge.errors import BridgeError, ScopeError, ScopeRejected, ScopeUnreachable
from bridge.scope.client import ScopeClient
from bridge.scope.versions import ScopeVersion
from tests.sim.simkit import free_port, running_sim

Route = Callable[[httpx.Request], httpx.Response]

HEALTH_014 = {
    "status": "healthy",
    "timestamp": "t",
    "server_start_time": 1.0,
    "version": "0.1.4",
    "git_commit": "abc",
}


def _client(
    routes: dict[tuple[str, str], Any],
    base: str = "http://scope:8000",
    seen: list[httpx.Request] | None = None,
) -> ScopeClient:
    """A client whose server answers from ``routes``: {(method, path): json | Response}."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        answer = routes.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"detail": "Not Found"})
        if callable(answer):
            return answer(request)  # type: ignore[no-any-return]
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    return ScopeClient(base, transport=httpx.MockTransport(handler), poll_interval_s=0.001)


async def test_health_reads_version_and_accepts_any_status_word() -> None:
    """The seed's {"status":"ok"} and the real "healthy" both pass."""
    async with _client({("GET", "/health"): HEALTH_014}) as client:
        health = await client.health()
    assert (health.status, health.version) == ("healthy", "0.1.4")
    assert client.version == ScopeVersion(0, 1, 4)
    async with _client({("GET", "/health"): {"status": "ok"}}) as client:
        assert (await client.health()).version is None


async def test_health_without_status_is_rejected() -> None:
    """A 200 that is not Scope's health answer says so."""
    async with _client({("GET", "/health"): {"hello": 1}}) as client:
        with pytest.raises(ScopeRejected, match="is this a Scope server"):
            await client.health()


async def test_path_prefix_headers_and_query_reach_every_request() -> None:
    """A proxied base URL keeps its prefix; the token header and query go along."""
    seen: list[httpx.Request] = []
    routes = {("GET", "/api/scope/health"): HEALTH_014}
    async with _client(routes, "https://x/api/scope?token=q", seen) as client:
        client._http.headers["Authorization"] = "Bearer t"
        await client.health()
    assert str(seen[0].url) == "https://x/api/scope/health?token=q"
    assert seen[0].headers["Authorization"] == "Bearer t"


async def test_hardware_info_flat_and_nested_normalise_alike() -> None:
    """v0.1.x flags and v0.2.4 objects become the same dataclass."""
    flat = {"vram_gb": 24.0, "spout_available": False, "ndi_available": True}
    nested = {
        "vram_gb": 24.0,
        "spout": {"available": False, "reason": "Windows only", "install_hint": None},
        "ndi": {"available": True, "reason": None, "install_hint": None},
        "syphon": {"available": False, "reason": "macOS only", "install_hint": None},
    }
    async with _client({("GET", "/api/v1/hardware/info"): flat}) as client:
        old = await client.hardware_info()
    async with _client({("GET", "/api/v1/hardware/info"): nested}) as client:
        new = await client.hardware_info()
    assert (old.vram_gb, old.ndi.available, old.spout.available) == (24.0, True, False)
    assert (new.vram_gb, new.ndi.available, new.spout.available) == (24.0, True, False)
    assert new.syphon.reason == "macOS only"


async def test_loras_fall_back_to_the_old_path() -> None:
    """/api/v1/loras is tried first; a 0.1.4 server answers the old path."""
    files = {
        "lora_files": [
            {"name": "ink", "path": "/m/lora/ink.safetensors", "size_mb": 12.5, "folder": None}
        ]
    }
    async with _client({("GET", "/api/v1/lora/list"): files}) as client:
        loras = await client.loras()
    assert [(f.name, f.size_mb) for f in loras] == [("ink", 12.5)]


async def test_plugins_fall_back_to_the_root_path() -> None:
    """The seed's /plugins is the fallback."""
    async with _client({("GET", "/plugins"): {"plugins": [{"name": "p"}], "total": 1}}) as c:
        assert [p["name"] for p in await c.plugins()] == ["p"]


async def test_models_status_and_ice_servers() -> None:
    """Query parameter sent; TURN credentials parsed but not shown in repr."""
    seen: list[httpx.Request] = []
    routes = {
        ("GET", "/api/v1/models/status"): {"downloaded": True, "progress": None},
        ("GET", "/api/v1/webrtc/ice-servers"): {
            "iceServers": [
                {"urls": "stun:stun.example:3478"},
                {"urls": ["turn:t.example"], "username": "u", "credential": "c0ffee"},
            ]
        },
    }
    async with _client(routes, seen=seen) as client:
        assert (await client.models_status("longlive")).downloaded
        servers = await client.ice_servers()
    assert seen[0].url.params["pipeline_id"] == "longlive"
    assert servers[0].urls == ("stun:stun.example:3478",)
    assert servers[1].credential == "c0ffee"
    assert "c0ffee" not in repr(servers[1])


async def test_ensure_pipeline_waits_past_the_previous_pipeline() -> None:
    """Right after the load POST the status may still show the old pipeline as loaded."""
    statuses = iter(
        [
            {"status": "loaded", "pipeline_id": "streamdiffusionv2", "load_params": {}},
            {"status": "loaded", "pipeline_id": "streamdiffusionv2", "load_params": {}},
            {"status": "loading", "pipeline_id": "longlive", "load_params": None},
            {
                "status": "loaded",
                "pipeline_id": "longlive",
                "load_params": {"width": 576, "height": 320, "seed": 42},
            },
        ]
    )
    posted: list[Any] = []

    def load(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(200, json={"message": "ok"})

    routes = {
        ("GET", "/api/v1/pipeline/status"): lambda _: httpx.Response(200, json=next(statuses)),
        ("POST", "/api/v1/pipeline/load"): load,
    }
    async with _client(routes) as client:
        status = await client.ensure_pipeline("longlive", {"width": 576, "height": 320})
    assert status.pipeline_id == "longlive"
    assert posted == [{"pipeline_ids": ["longlive"], "load_params": {"width": 576, "height": 320}}]


async def test_ensure_pipeline_skips_the_load_when_already_loaded() -> None:
    """Same pipeline, same params: no POST."""
    loaded = {
        "status": "loaded",
        "pipeline_id": "longlive",
        "load_params": {"width": 576, "height": 320},
    }
    async with _client({("GET", "/api/v1/pipeline/status"): loaded}) as client:
        await client.ensure_pipeline("longlive", {"width": 576, "height": 320})


async def test_load_error_surfaces_in_one_sentence() -> None:
    """The status error becomes the message."""
    statuses = iter(
        [
            {"status": "not_loaded"},
            {"status": "loading"},
            {"status": "error", "error": "CUDA out of memory"},
        ]
    )
    routes = {
        ("GET", "/api/v1/pipeline/status"): lambda _: httpx.Response(200, json=next(statuses)),
        ("POST", "/api/v1/pipeline/load"): {"message": "ok"},
    }
    async with _client(routes) as client:
        with pytest.raises(ScopeRejected, match="could not load longlive: CUDA out of memory"):
            await client.ensure_pipeline("longlive", {"width": 576, "height": 320})


async def test_sizes_must_be_positive_only() -> None:
    """0 is refused before Scope is asked; 512x288 is not (Scope's CPU pipelines load it:
    the pipeline's min_dimension decides, from its schema)."""
    async with _client({}) as client:
        with pytest.raises(BridgeError, match=r"width 0 is not a positive number of pixels"):
            await client.ensure_pipeline("longlive", {"width": 0, "height": 320})
        with pytest.raises(BridgeError, match="pipeline status request"):  # it asked Scope
            await client.ensure_pipeline("controller-viz", {"width": 512, "height": 288})


@pytest.mark.parametrize(
    ("response", "pattern"),
    [
        (
            httpx.Response(
                400, json={"detail": "Pipeline not loaded. Please load pipeline first."}
            ),
            "no pipeline is loaded",
        ),
        (
            httpx.Response(
                500, json={"detail": "400: Pipeline not loaded. Please load pipeline first."}
            ),
            "no pipeline is loaded",
        ),
        (
            httpx.Response(
                422,
                json={
                    "detail": [
                        {
                            "type": "model_attributes_type",
                            "loc": ["body", "initialParameters", "prompts", 0],
                            "msg": "Input should be a valid dictionary or object to extract"
                            " fields from",
                            "input": "a cat",
                        }
                    ]
                },
            ),
            r"field initialParameters\.prompts\.0: Input should be a valid dictionary",
        ),
        (httpx.Response(503, text="upstream connect error"), r"HTTP 503\): upstream connect error"),
        (httpx.Response(401, json={"detail": "no"}), "check the access token"),
        (httpx.Response(200, text="<html>proxy login</html>"), "not JSON"),
    ],
)
async def test_error_statuses_become_one_sentence(response: httpx.Response, pattern: str) -> None:
    """Each error status names what failed, in one line, without a traceback."""
    async with _client({("POST", "/api/v1/webrtc/offer"): response}) as client:
        with pytest.raises(ScopeRejected, match=pattern) as caught:
            await client.offer("v=0", {"pipeline_ids": ["longlive"]})
    assert "\n" not in str(caught.value)


def _raiser(exc: Exception) -> Route:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("exc", "pattern"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), "DNS lookup failed"),
        (httpx.ReadTimeout("timed out"), r"did not answer within 10 s \(timeout\)"),
    ],
)
async def test_transport_failures_become_unreachable(exc: Exception, pattern: str) -> None:
    """DNS and timeouts are named."""
    async with ScopeClient(
        "http://scope.invalid:8000", transport=httpx.MockTransport(_raiser(exc))
    ) as client:
        with pytest.raises(ScopeUnreachable, match=pattern):
            await client.health()


async def test_tls_failure_is_named() -> None:
    """A certificate problem says TLS, not 'cannot connect'."""
    error = httpx.ConnectError("handshake failed")
    error.__cause__ = ssl.SSLCertVerificationError("CERTIFICATE_VERIFY_FAILED")
    async with ScopeClient(
        "https://scope:8000", transport=httpx.MockTransport(_raiser(error))
    ) as client:
        with pytest.raises(ScopeUnreachable, match="TLS handshake"):
            await client.health()


async def test_connection_refused_on_a_real_closed_port() -> None:
    """Nothing listening on 127.0.0.1:port is 'connection refused'."""
    async with ScopeClient(f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(ScopeUnreachable, match="connection refused"):
            await client.health()


async def test_real_timeout_against_a_slow_stand_in() -> None:
    """A server slower than the timeout gives the timeout sentence."""
    async with running_sim() as (sim, base):
        sim.faults.update({"delay_ms": 1500})
        async with ScopeClient(base, timeout_s=0.3) as client:
            with pytest.raises(ScopeUnreachable, match=r"within 0.3 s \(timeout\)"):
                await client.health()


async def test_delete_and_rest_parameters_respect_the_version() -> None:
    """0.1.4 gets no DELETE (skipped) and a clear refusal for REST parameters."""
    seen: list[httpx.Request] = []
    async with _client({("GET", "/health"): HEALTH_014}, seen=seen) as client:
        await client.health()
        assert await client.close_session("abc") is False
        with pytest.raises(ScopeRejected, match=r"needs 0\.1\.8 or newer"):
            await client.set_session_parameters({"paused": True})
    assert [r.method for r in seen] == ["GET"]


async def test_unknown_session_patch_is_rejected_with_the_reason() -> None:
    """A 404 from PATCH carries the server's detail."""
    routes = {
        ("PATCH", "/api/v1/webrtc/offer/s9"): httpx.Response(
            404, json={"detail": "Session s9 not found"}
        )
    }
    async with _client(routes) as client:
        with pytest.raises(ScopeError, match="Session s9 not found"):
            await client.add_ice_candidates("s9", [{"candidate": "candidate:x"}])


async def test_only_the_stand_in_reports_dropped_updates() -> None:
    """A real Scope has no /sim/stats (404): nothing to read, and no error either."""
    async with _client({}) as client:
        assert await client.stand_in_stats() is None
    async with _client({("GET", "/sim/stats"): {"dropped": 2, "applied": 9}}) as client:
        stats = await client.stand_in_stats()
    assert stats is not None
    assert stats["dropped"] == 2


INDEX = '<!doctype html><html lang="en"><head><title>Daydream Scope</title></head></html>'


def _web_ui_client(
    routes: dict[tuple[str, str], Any], seen: list[httpx.Request] | None = None
) -> ScopeClient:
    """A client of a normal Scope install: any GET path without a route answers its web UI
    (200 text/html), any other method 405."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        answer = routes.get((request.method, request.url.path))
        if isinstance(answer, httpx.Response):
            return answer
        if answer is not None:
            return httpx.Response(200, json=answer)
        if request.method == "GET":
            return httpx.Response(200, text=INDEX, headers={"content-type": "text/html"})
        return httpx.Response(405, json={"detail": "Method Not Allowed"})

    return ScopeClient("http://scope:8000", transport=httpx.MockTransport(handler))


async def test_the_web_ui_answer_means_not_served_for_every_fallback() -> None:
    """HTML for an optional endpoint is "not served": fall back or say None, never raise."""
    files = {"lora_files": [{"name": "ink", "path": "/m/ink.safetensors"}]}
    async with _web_ui_client({("GET", "/api/v1/lora/list"): files}) as client:
        assert [f.name for f in await client.loras()] == ["ink"]
        assert await client.plugins() == ()
        assert await client.pipeline_schemas() is None
        assert await client.node_definitions() is None
        assert await client.session_parameters() is None
        assert await client.session_metrics() is None
        assert await client.stand_in_stats() is None
    async with _web_ui_client({}) as client:
        with pytest.raises(ScopeRejected, match="serves no LoRA list"):
            await client.loras()


async def test_json_of_the_wrong_shape_means_not_served() -> None:
    """A proxy's or another server's JSON is not Scope's answer either."""
    odd = {"error": "no such thing"}
    routes = {
        ("GET", path): odd
        for path in ("/sim/stats", "/api/v1/pipelines/schemas", "/api/v1/session/parameters")
    }
    async with _client(routes) as client:
        assert await client.stand_in_stats() is None
        assert await client.pipeline_schemas() is None
        assert await client.session_parameters() is None


async def test_schemas_fall_back_to_the_pipeline_nodes() -> None:
    """Without /api/v1/pipelines/schemas, the pipeline nodes of nodes/definitions say it."""
    meta = {"id": "controller-viz", "supports_prompts": False}
    nodes = {
        "nodes": [
            {"node_type_id": "controller-viz", "category": "pipeline", "pipeline_meta": meta},
            {"node_type_id": "scheduler", "category": "timing", "pipeline_meta": None},
        ]
    }
    async with _web_ui_client({("GET", "/api/v1/nodes/definitions"): nodes}) as client:
        assert await client.pipeline_schemas() == {"controller-viz": meta}


async def test_session_api_answers_are_unwrapped_and_read() -> None:
    """GET parameters is wrapped; metrics say whether a session runs and how fast."""
    metrics = {
        "sessions": {
            "s1": {"frames_out": 171, "fps_out": 55.5, "pipeline_fps": 60.0, "elapsed_seconds": 3.1}
        },
        "gpu": {},
    }
    routes = {
        ("GET", "/api/v1/session/parameters"): {"parameters": {"noise_scale": 0.3}},
        ("GET", "/api/v1/session/metrics"): metrics,
        ("POST", "/api/v1/session/parameters"): {
            "status": "ok",
            "applied_parameters": {"noise_scale": 0.3, "vace_context_scale": 1.0},
        },
    }
    async with _web_ui_client(routes) as client:
        assert await client.session_parameters() == {"noise_scale": 0.3}
        read = await client.session_metrics()
        applied = await client.set_session_parameters({"noise_scale": 0.3})
    assert read is not None
    assert read.active
    [stats] = read.sessions
    assert (stats.session_id, stats.frames_out, stats.pipeline_fps) == ("s1", 171, 60.0)
    assert applied == {"noise_scale": 0.3, "vace_context_scale": 1.0}


async def test_rest_parameters_on_a_server_without_the_session_api() -> None:
    """A version that does not say, answering 405 (only the UI's GET route matches): the
    same sentence as a known-old version."""
    async with _web_ui_client({("GET", "/health"): {"status": "healthy"}}) as client:
        await client.health()
        with pytest.raises(ScopeRejected, match=r"needs 0\.1\.8 or newer"):
            await client.set_session_parameters({"paused": True})


async def test_a_web_page_for_a_required_answer_is_named() -> None:
    """The health check answered by a web page (a wrong URL or prefix) says so."""
    async with _web_ui_client({}) as client:
        with pytest.raises(ScopeRejected, match="with a web page: is the URL right"):
            await client.health()


async def test_a_load_error_without_a_reason_says_so() -> None:
    """Scope's status never carries the reason: the sentence points at Scope's log."""
    answers = iter(
        [
            {"status": "not_loaded", "pipeline_id": None, "load_params": None, "error": None},
            {"status": "error", "pipeline_id": None, "load_params": None, "error": None},
        ]
    )
    routes = {
        ("GET", "/api/v1/pipeline/status"): lambda _: httpx.Response(200, json=next(answers)),
        ("POST", "/api/v1/pipeline/load"): {"message": "loading"},
    }
    async with _client(routes) as client:
        with pytest.raises(ScopeRejected, match=r"could not load longlive; .*see Scope's log"):
            await client.ensure_pipeline("longlive", {"width": 576, "height": 320})


@pytest.mark.parametrize("version", ["0.1.4", "0.2.4"])
async def test_fallbacks_against_the_stand_in_with_its_web_ui(version: str) -> None:
    """The stand-in as a normal install (catch-all on): every optional call lands right."""
    async with running_sim(version=version) as (_, base), ScopeClient(base) as client:
        assert await client.loras() == ()  # 0.1.4: /api/v1/loras is the UI; the old path works
        schemas = await client.pipeline_schemas()
        nodes = await client.node_definitions()
        params = await client.session_parameters()
        assert await client.stand_in_stats() is not None
    assert schemas is not None
    assert schemas["controller-viz"]["supports_prompts"] is False
    if version == "0.1.4":
        assert (nodes, params) == (None, None)
    else:
        assert nodes is not None
        assert params == {}
    async with running_sim(sim_endpoints=False) as (_, base), ScopeClient(base) as client:
        assert await client.stand_in_stats() is None
