"""Learn warns before binding a control that already moves something (and offers to move
it), and says at once when the show has nothing to learn from."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from bridge.config.load import load_show
from bridge.console.app.app import ConsoleApp
from bridge.console.app.screens.learn import LearnScreen
from bridge.console.app.screens.pick import PickScreen
from bridge.console.serve.showhost import ShowHost
from bridge.core import events as ev
from bridge.running.runtime import Runtime
from tests.console.conftest import SIZE, FakeHost, screen_text

MAPPED = ["'fader-2' → prompt.city.weight"]


async def test_a_mapped_control_is_named_and_enter_binds_it_twice(
    app: ConsoleApp, host: FakeHost
) -> None:
    host.candidate = "apc ch1 cc49"
    host.conflicts = MAPPED
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("l", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, LearnScreen)
        text = screen_text(app)
        assert "Already mapped: 'fader-2' → prompt.city.weight" in text
        assert "m moves it here" in text
        await pilot.press("enter")
        await pilot.pause()
    assert host.named("learn_confirm") == ["apc ch1 cc49"]
    assert host.named("learn_move") == []


async def test_m_moves_a_mapped_control(app: ConsoleApp, host: FakeHost) -> None:
    host.candidate = "apc ch1 cc49"
    host.conflicts = MAPPED
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("l", "enter")
        await pilot.pause(0.3)
        await pilot.press("m")
        await pilot.pause()
        assert "Moved apc ch1 cc49." in screen_text(app)
    assert host.named("learn_move") == ["apc ch1 cc49"]
    assert host.named("learn_confirm") == []


async def test_m_does_nothing_for_a_free_control(app: ConsoleApp, host: FakeHost) -> None:
    host.candidate = "apc ch1 cc50"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "enter")
        await pilot.pause(0.3)
        assert "Already mapped" not in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, LearnScreen)
    assert host.named("learn_move") == []


async def test_no_midi_or_osc_input_is_said_at_once(app: ConsoleApp, host: FakeHost) -> None:
    """The demo with only LFOs and a sink: l says why at once, and opens no list to wait in."""
    host.devices = [d for d in host.devices if d.kind == "sink"]
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(app.screen, PickScreen | LearnScreen)
        assert "no MIDI or OSC input to learn from" in screen_text(app)
    assert host.named("learn_targets") == []


SHOW = """
schema = 1
[[prompts]]
id = "forest"
text = "a forest"
[[prompts]]
id = "city"
text = "a city"
[devices.osc.td]
port = 9000

[[mappings]]
id = "fader-1"
source = { osc = "td", address = "/fader1" }
target = "prompt.forest.weight"

# this one is learned again below
[[mappings]]
id = "fader-2"
source = { osc = "td", address = "/fader2" }
target = "prompt.city.weight"
"""


def moved(host: ShowHost, address: str) -> None:
    for value in (0.1, 0.7):
        host._learn_event(ev.OscMessage(0.0, "td", address, (value,)))


async def test_the_show_host_names_and_moves_a_mapped_control(tmp_path: Path) -> None:
    """Real files: /fader2 already drives city; learning it for forest names 'fader-2', and
    moving rewrites the file with fader-2 gone and the new mapping in, comments kept."""
    path = tmp_path / "show.toml"
    path.write_text(SHOW)
    host = ShowHost(Runtime(load_show(path)))
    host.learn_start("prompt.forest.weight")
    assert host.learn_conflicts() == []
    moved(host, "/fader2")
    assert host.learn_conflicts() == ["'fader-2' → prompt.city.weight"]
    said = await host.learn_confirm(move=True)
    assert said.endswith("→ prompt.forest.weight; moved from 'fader-2'")
    data = tomllib.loads(path.read_text())
    assert [(m.get("id"), m["target"]) for m in data["mappings"]] == [
        ("fader-1", "prompt.forest.weight"),
        (None, "prompt.forest.weight"),
    ]
    assert data["mappings"][1]["source"] == {"osc": "td", "address": "/fader2"}
    assert "# learned for prompt.forest.weight" in path.read_text()
    assert len(host.runtime.show.bindings) == 2


async def test_binding_twice_keeps_both(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text(SHOW)
    host = ShowHost(Runtime(load_show(path)))
    host.learn_start("prompt.forest.weight")
    moved(host, "/fader1")
    assert host.learn_conflicts() == ["'fader-1' → prompt.forest.weight"]
    await host.learn_confirm()
    targets = [b.target for b in host.runtime.show.bindings]
    assert targets == ["prompt.forest.weight", "prompt.city.weight", "prompt.forest.weight"]


async def test_a_mapping_in_an_included_file_is_named_and_stays(tmp_path: Path) -> None:
    (tmp_path / "profile.toml").write_text(
        '[devices.osc.td]\nport = 9000\n[[mappings]]\nid = "p-fader"\n'
        'source = { osc = "td", address = "/fader9" }\ntarget = "prompt.city.weight"\n'
    )
    path = tmp_path / "show.toml"
    path.write_text('include = ["profile.toml"]\n' + SHOW.split("[devices.osc.td]")[0])
    host = ShowHost(Runtime(load_show(path)))
    host.learn_start("prompt.forest.weight")
    moved(host, "/fader9")
    assert host.learn_conflicts() == ["'p-fader' → prompt.city.weight (in profile.toml)"]
    said = await host.learn_confirm(move=True)
    assert said.endswith("still mapped in an included file: 'p-fader' (profile.toml)")
    assert "p-fader" in (tmp_path / "profile.toml").read_text()  # never written into
    assert dataclasses.asdict(host.runtime.show.bindings[0])["id"] == "p-fader"
