"""build_sink's options and errors, and the server-side output_sinks payload."""

from __future__ import annotations

import pytest

from bridge.errors import SinkError
from bridge.sinks.factory import build_sink
from bridge.sinks.ndi import NdiSink
from bridge.sinks.server_sinks import (
    ServerSinkRequest,
    ServerSinkSupport,
    plan_output_sinks,
    support_from_hardware_info,
)


def test_ndi_is_built_when_cyndilib_is_installed() -> None:
    """cyndilib is a dependency here, so NDI is available; options are checked."""
    sink = build_sink("ndi", "main", {"source_name": "Scope Out", "pixel_format": "uyvy"})
    assert isinstance(sink, NdiSink)
    assert (sink.name, sink.kind, sink.pixel_format) == ("main", "ndi", "uyvy")
    assert sink.unavailable_reason is None


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("hdmi", {}, "unknown kind 'hdmi'"),
        ("ndi", {"colour": "red"}, "unknown option 'colour'"),
        ("ndi", {"pixel_format": "rgb24"}, "pixel_format must be one of"),
        ("ndi", {"source_name": 3}, "source_name must be text"),
        ("record", {}, "needs a path"),
        ("record", {"path": "a.mp4", "bit_rate": -1}, "bit_rate must be a positive"),
        ("spout", {"pixel_format": "yuv420p"}, None),  # unavailable on Linux before checks
    ],
)
def test_user_mistakes_are_one_sentence(
    kind: str, options: dict[str, object], message: str | None
) -> None:
    """Options the user got wrong raise SinkError naming the output and the key."""
    if message is None:
        assert build_sink(kind, "x", options).unavailable_reason is not None
        return
    with pytest.raises(SinkError, match=message):
        build_sink(kind, "x", options)


def test_missing_cyndilib_makes_ndi_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without cyndilib, NDI is reported unavailable with the pip package to install."""
    import sys

    monkeypatch.setitem(sys.modules, "cyndilib", None)
    sink = build_sink("ndi", "main", {})
    assert sink.unavailable_reason is not None
    assert sink.unavailable_reason.startswith("NDI output needs the cyndilib package")


def test_support_from_old_and_new_hardware_info() -> None:
    """v0.1.4 flat flags and v0.2.4 nested objects read the same way."""
    old = support_from_hardware_info(
        {"vram_gb": 24, "ndi_available": True, "spout_available": False}
    )
    assert old["ndi"] == ServerSinkSupport("ndi", True)
    assert not old["spout"].available
    assert old["syphon"].reason == "this Scope version does not report it"
    new = support_from_hardware_info(
        {
            "vram_gb": 24,
            "ndi": {
                "available": False,
                "reason": "NDI runtime not found",
                "install_hint": "get NDI Tools",
            },
            "spout": {"available": False, "reason": "", "install_hint": ""},
            "syphon": {"available": True, "reason": None, "install_hint": None},
        }
    )
    assert new["ndi"].reason == "NDI runtime not found (get NDI Tools)"
    assert new["spout"].reason == "the server says it is not available"
    assert new["syphon"] == ServerSinkSupport("syphon", True)


def test_plan_builds_payload_and_refuses_with_reasons() -> None:
    """Available kinds go in the payload; others come back as sentences; off is always fine."""
    support = support_from_hardware_info({"ndi_available": True, "spout_available": False})
    plan = plan_output_sinks(
        support,
        [
            ServerSinkRequest("ndi", "Scope"),
            ServerSinkRequest("spout", "Scope"),
            ServerSinkRequest("syphon", "Scope", enabled=False),
            ServerSinkRequest("v4l2", "cam"),
        ],
    )
    assert plan.output_sinks == {
        "ndi": {"enabled": True, "name": "Scope"},
        "syphon": {"enabled": False, "name": "Scope"},
    }
    assert plan.refused == (
        "Scope cannot publish spout: the server says it is not available.",
        "Scope cannot publish 'v4l2' itself (it can: ndi, spout, syphon).",
    )
    unnamed = plan_output_sinks(support, [ServerSinkRequest("ndi", " ")])
    assert unnamed.output_sinks == {}
    assert unnamed.refused == ("Scope's ndi output needs a name.",)
