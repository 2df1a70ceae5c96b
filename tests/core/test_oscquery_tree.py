"""The OSCQuery tree of a surface: every target at its address with its attributes, every
container on the way, nothing else; a path that is no node is None."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bridge.core.oscquery_tree import Leaf, describe, namespace, node_at
from bridge.core.surface import address_of, surface_targets
from bridge.core.targets import TargetSpec, spec_in
from tests.core.test_surface import PREFIXES, SHOWS


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    for child in node.get("CONTENTS", {}).values():
        out += _walk(child)
    return out


@given(SHOWS, PREFIXES, st.floats(0.0, 1.0))
def test_every_target_is_a_node_at_its_address_and_nothing_else(
    show: Any, parts: list[str], value: float
) -> None:
    prefix = "/" + "/".join(parts)
    params = {p: TargetSpec("continuous", 0.0, 2.0, encode="number") for p in show.params}
    leaves = []
    for target in surface_targets(show):
        spec = spec_in(target, params)
        assert spec is not None
        leaves.append(Leaf(target, spec, value if spec.kind == "continuous" else None))
    tree = namespace(prefix, leaves)
    for leaf in leaves:
        node = node_at(tree, address_of(prefix, leaf.target))
        assert node is not None
        assert node["FULL_PATH"] == address_of(prefix, leaf.target)
        assert {k: node[k] for k in describe(leaf)} == describe(leaf)
        if leaf.spec.kind == "continuous":
            assert node["VALUE"] == [round(value, 4)]
            (bounds,) = node["RANGE"]
            assert bounds["MIN"] <= node["VALUE"][0] <= bounds["MAX"] or leaf.spec.lo > value
    nodes = _walk(tree)
    typed = sorted(n["FULL_PATH"] for n in nodes if "TYPE" in n)
    assert typed == sorted(address_of(prefix, leaf.target) for leaf in leaves)
    for node in nodes:  # a container's children are at its path plus their name
        for name, child in node.get("CONTENTS", {}).items():
            assert child["FULL_PATH"] == node["FULL_PATH"].rstrip("/") + "/" + name
    assert node_at(tree, prefix + "/no/such/thing") is None
    assert node_at(tree, "/") is tree


def test_choices_and_actions_say_what_to_send() -> None:
    scene = describe(Leaf("scene", TargetSpec("discrete"), 1.0, ("day", "night")))
    assert (scene["TYPE"], scene["RANGE"], scene["VALUE"]) == (
        "s",
        [{"VALS": ["day", "night"]}],
        ["night"],
    )
    preset = describe(Leaf("denoising_steps", TargetSpec("discrete"), 2.0, (), 3))
    assert (preset["TYPE"], preset["RANGE"], preset["VALUE"]) == ("i", [{"MIN": 0, "MAX": 2}], [2])
    fire = describe(Leaf("scene.next", TargetSpec("action")))
    assert (fire["ACCESS"], "VALUE" in fire) == (2, False)
    text = describe(Leaf("prompt.a.text", TargetSpec("discrete", slot="prompt"), "a forest"))
    assert (text["TYPE"], text["VALUE"], "RANGE" in text) == ("s", ["a forest"], False)
