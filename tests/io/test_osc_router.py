"""OSC address patterns compiled to regexes, route matching, and the Resolume tempo scale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.inputs.osc_address import (
    OscRouter,
    compile_osc_pattern,
    resolume_bpm,
    resolume_normalised,
)


@pytest.mark.parametrize(
    ("pattern", "address", "hit"),
    [
        ("/fader1", "/fader1", True),
        ("/fader1", "/fader10", False),
        ("/fader*", "/fader12", True),
        ("/fader*", "/fader/1", False),  # * stays within one part
        ("/*/opacity", "/layer2/opacity", True),
        ("/fader?", "/fader7", True),
        ("/fader?", "/fader", False),
        ("/fader[1-3]", "/fader2", True),
        ("/fader[1-3]", "/fader4", False),
        ("/fader[!1-3]", "/fader4", True),
        ("/fader[!1-3]", "/fader2", False),
        ("/{foo,bar}/x", "/bar/x", True),
        ("/{foo,bar}/x", "/baz/x", False),
        ("/a.b", "/axb", False),  # regex characters are literal
        ("/a+(b)", "/a+(b)", True),
        ("/layer[-a]", "/layer-", True),
    ],
)
def test_pattern_matching(pattern: str, address: str, hit: bool) -> None:
    """OSC 1.0 wildcards match as the spec says and never cross a slash."""
    assert (compile_osc_pattern(pattern).fullmatch(address) is not None) == hit


@pytest.mark.parametrize("bad", ["fader", "/a[bc", "/a{b,c", "/a]", "/a}", "/a[z-a]"])
def test_invalid_patterns_are_refused(bad: str) -> None:
    """Broken patterns fail at load with a reason, not at the first packet."""
    with pytest.raises(ValueError, match="OSC address pattern"):
        compile_osc_pattern(bad)


def test_router_returns_every_matching_route_in_order() -> None:
    """One address can drive several routes; unmatched gives nothing; the cache agrees."""
    router = OscRouter(
        [("opacity", "/layer*/opacity"), ("all", "/*/*"), ("l1", "/layer1/{opacity,speed}")]
    )
    assert router.match("/layer1/opacity") == ("opacity", "all", "l1")
    assert router.match("/layer1/opacity") == ("opacity", "all", "l1")
    assert router.match("/layer2/speed") == ("all",)
    assert router.match("/nothing") == ()


@given(st.from_regex(r"/[a-z0-9_.+()$^]{1,10}(/[a-z0-9_.+()$^]{1,10}){0,3}", fullmatch=True))
def test_literal_addresses_match_only_themselves(address: str) -> None:
    """A pattern with no wildcards is the literal address."""
    rx = compile_osc_pattern(address)
    assert rx.fullmatch(address)
    assert not rx.fullmatch(address + "x")


def test_resolume_tempo_scale() -> None:
    """0..1 spans 20..500 BPM, clamped, and inverts."""
    assert resolume_bpm(0.0) == 20.0
    assert resolume_bpm(1.0) == 500.0
    assert resolume_bpm(0.25) == pytest.approx(140.0)
    assert resolume_bpm(-1.0) == 20.0
    assert resolume_bpm(2.0) == 500.0
    assert resolume_normalised(120.0) == pytest.approx(100 / 480)
    assert resolume_normalised(1000.0) == 1.0


@given(st.floats(0.0, 1.0))
def test_resolume_round_trip(x: float) -> None:
    """Normalised → BPM → normalised is the identity."""
    assert resolume_normalised(resolume_bpm(x)) == pytest.approx(x, abs=1e-12)
