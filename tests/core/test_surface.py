"""The default OSC surface's addresses: derived from the show's targets, one each, and back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.core.params import RESERVED
from bridge.core.state import ShowState
from bridge.core.surface import (
    SurfaceShow,
    address_of,
    surface_targets,
    surface_values,
    target_of,
)
from bridge.core.targets import FIXED, TargetSpec, spec_in
from tests.core.showkit import core_show

IDS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True)
PARAMS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in RESERVED
)
PREFIXES = st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True), min_size=1, max_size=3)

SHOWS = st.builds(
    SurfaceShow,
    prompts=st.lists(IDS, unique=True, max_size=6).map(tuple),
    loras=st.lists(IDS, unique=True, max_size=4).map(tuple),
    params=st.lists(PARAMS, unique=True, max_size=5).map(
        lambda ns: tuple(f"param.{n}" for n in ns)
    ),
    pages=st.booleans(),
    denoising=st.booleans(),
)


def _specs(show: SurfaceShow) -> dict[str, TargetSpec]:
    return {p: TargetSpec("continuous", encode="number") for p in show.params}


@given(SHOWS, PREFIXES)
def test_every_target_has_exactly_one_address_and_it_round_trips(
    show: SurfaceShow, parts: list[str]
) -> None:
    prefix = "/" + "/".join(parts)
    targets = surface_targets(show)
    assert len(set(targets)) == len(targets)
    addresses = [address_of(prefix, t) for t in targets]
    assert len(set(addresses)) == len(addresses)  # no two targets share an address
    for target, address in zip(targets, addresses, strict=True):
        assert address.startswith(prefix + "/")
        assert target_of(prefix, address) == target
        assert spec_in(target, _specs(show)) is not None  # every address drives a real target


@given(SHOWS)
def test_the_list_is_the_shows_targets_and_nothing_else(show: SurfaceShow) -> None:
    targets = set(surface_targets(show))
    for slot in show.prompts:
        assert {f"prompt.{slot}.weight", f"prompt.{slot}.text"} <= targets
    for slot in show.loras:
        assert f"lora.{slot}.scale" in targets
    assert set(show.params) <= targets
    assert ("page" in targets) == show.pages
    assert ("denoising_steps" in targets) == show.denoising
    fixed = {t for t in FIXED if not t.startswith("page") and t != "denoising_steps"}
    assert fixed <= targets
    assert not any(t.startswith("layer.") for t in targets)


@given(st.text(max_size=30))
def test_an_address_outside_the_form_names_no_target(address: str) -> None:
    target = target_of("/bridge", address)
    if target is not None:
        assert address_of("/bridge", target) == address
        assert all(target.split("."))


def test_edges_of_the_form() -> None:
    assert target_of("/bridge", "/bridge/scene") == "scene"
    assert target_of("/bridge", "/bridge") is None
    assert target_of("/bridge", "/bridgex/scene") is None
    assert target_of("/bridge", "/bridge/prompt//weight") is None
    assert target_of("/bridge", "/bridge/prompt/a.b/weight") is None


def test_values_report_what_the_state_holds_and_skip_actions() -> None:
    show = core_show()
    state = ShowState(show)
    prompt = show.prompts[0].id
    targets = ["scene", "scene.next", f"prompt.{prompt}.weight", "paused"]
    specs = {t: spec for t in targets if (spec := spec_in(t, {})) is not None}
    values = surface_values(state, "/s", targets, specs, "")
    assert "/s/scene/next" not in values
    assert values["/s/scene"] == state.scene
    assert values[f"/s/prompt/{prompt}/weight"] == round(
        state.value(f"prompt.{prompt}.weight") or 0.0, 4
    )
