"""Names in a narrow column keep their start and (more of) their end; URLs are not names."""

from __future__ import annotations

import pytest

from bridge.console.app.widgets.names import middle, short_target, short_targets


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("fader-1", 10, "fader-1"),
        ("launch-control-xl", 9, "laun…l-xl"),
        ("resolume /composition/layers/1/clips/14/connect", 26, "resolume …clips/14/connect"),
        ("abc", 1, "a"),
        ("abcdef", 0, ""),
    ],
)
def test_middle(text: str, width: int, shown: str) -> None:
    assert middle(text, width) == shown
    assert len(middle(text, width)) <= max(width, 0)


def test_a_target_drops_what_its_kind_makes_plain() -> None:
    assert short_targets("prompt.ocean.weight") == ["prompt.ocean.weight", "ocean.weight", "ocean"]
    assert short_targets("lora.style.scale") == ["lora.style.scale", "style.scale"]
    assert short_targets("scene.next") == ["scene.next"]
    assert short_target("prompt.ocean.weight", 14) == "ocean.weight"
    assert short_target("prompt.ocean.weight", 6) == "ocean"
    assert short_target("prompt.forest_at_dawn.weight", 9) == "fore…dawn"
