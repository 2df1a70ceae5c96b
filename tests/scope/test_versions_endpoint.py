"""Version parsing, per-version paths, URL handling and redaction."""

from __future__ import annotations

import pytest

from bridge.errors import ConfigError
from bridge.scope import versions
from bridge.scope.endpoint import ScopeEndpoint, auth_headers_from_env, redact
from bridge.scope.versions import ScopeVersion


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1.4", ScopeVersion(0, 1, 4)),
        ("v0.2.4", ScopeVersion(0, 2, 4)),
        ("0.2.4.dev3+g12ab", ScopeVersion(0, 2, 4)),
        ("1.0", ScopeVersion(1, 0, 0)),
        ("dev", None),
        (None, None),
    ],
)
def test_parse(text: str | None, expected: ScopeVersion | None) -> None:
    """Release strings parse; anything else is unknown."""
    assert ScopeVersion.parse(text) == expected


def test_versions_compare_numerically() -> None:
    """0.1.10 is newer than 0.1.9."""
    assert ScopeVersion(0, 1, 10) > ScopeVersion(0, 1, 9)


def test_paths_and_features_follow_the_version() -> None:
    """Old servers get the old LoRA path first and no DELETE / REST parameters."""
    old, new = ScopeVersion(0, 1, 4), ScopeVersion(0, 2, 4)
    assert versions.lora_paths(old)[0] == "/api/v1/lora/list"
    assert versions.lora_paths(new)[0] == "/api/v1/loras"
    assert versions.lora_paths(None)[0] == "/api/v1/loras"
    assert not versions.supports_session_delete(old)
    assert versions.supports_session_delete(ScopeVersion(0, 1, 7))
    assert not versions.supports_rest_parameters(ScopeVersion(0, 1, 7))
    assert versions.supports_rest_parameters(None)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://user:hunter2@x-8000.proxy.runpod.net/", "https://***@x-8000.proxy.runpod.net/"),
        ("http://h/api/scope?token=abc&mode=x", "http://h/api/scope?token=***&mode=x"),
        ("http://h:8000/?api_key=zz", "http://h:8000/?api_key=***"),
    ],
)
def test_redact_hides_secrets(url: str, shown: str) -> None:
    """Userinfo and secret-looking query values never show."""
    assert redact(url) == shown


def test_endpoint_keeps_the_path_prefix_and_splits_secrets() -> None:
    """The root keeps /api/scope; credentials and query go to auth and params."""
    endpoint = ScopeEndpoint("https://me:pw@host/api/scope/?token=t1")
    assert endpoint.root == "https://host/api/scope/"
    assert endpoint.basic_auth == ("me", "pw")
    assert endpoint.query == {"token": "t1"}
    assert "pw" not in endpoint.display
    assert "t1" not in endpoint.display
    assert "pw" not in repr(endpoint)


def test_endpoint_knows_loopback() -> None:
    """localhost and 127.x are local; a proxy is not."""
    assert ScopeEndpoint("http://localhost:8000").is_loopback
    assert ScopeEndpoint("http://127.0.0.2:8000").is_loopback
    assert not ScopeEndpoint("https://x-8000.proxy.runpod.net").is_loopback


def test_bad_url_is_a_config_error() -> None:
    """A URL without scheme or host is refused with one sentence."""
    with pytest.raises(ConfigError, match="not an http"):
        ScopeEndpoint("localhost:8000")


def test_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SCOPE_API_TOKEN becomes a bearer header; unset means no header."""
    monkeypatch.delenv("SCOPE_API_TOKEN", raising=False)
    assert auth_headers_from_env() == {}
    monkeypatch.setenv("SCOPE_API_TOKEN", "s3cret")
    assert auth_headers_from_env() == {"Authorization": "Bearer s3cret"}
