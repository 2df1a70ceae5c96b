"""Learning on a page: the new mapping acts on that page, and only what acts there counts as
already mapped (a control free on this page is free, whatever it does elsewhere)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from bridge.config.load import load_show
from bridge.console.serve.showhost import ShowHost
from bridge.core import events as ev
from bridge.running.runtime import Runtime

SHOW = """
schema = 1
pages = ["mix", "lora"]
[[prompts]]
id = "forest"
text = "a forest"
[[prompts]]
id = "city"
text = "a city"
[devices.osc.td]
port = 9000

[[mappings]]
id = "page"
source = { osc = "td", address = "/page" }
target = "page"

[[mappings]]
id = "mix-fader"
source = { osc = "td", address = "/fader1" }
target = "prompt.city.weight"
page = "mix"
"""


def moved(host: ShowHost, address: str) -> None:
    for value in (0.1, 0.7):
        host._learn_event(ev.OscMessage(0.0, "td", address, (value,)))


async def test_a_control_learned_on_a_page_acts_on_that_page(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text(SHOW)
    host = ShowHost(Runtime(load_show(path)))
    bridge = host.runtime.bridge
    bridge.submit(ev.OscMessage(0.0, "td", "/page", ("lora",)))
    assert bridge.engine.view.page == "lora"
    assert {"page", "page.next", "page.prev"} <= set(host.learn_targets())
    host.learn_start("prompt.forest.weight")
    moved(host, "/fader1")
    assert host.learn_conflicts() == []  # mix's mapping does not act on lora
    await host.learn_confirm(move=True)
    data = tomllib.loads(path.read_text())
    assert [(m.get("id"), m.get("page")) for m in data["mappings"]] == [
        ("page", None),
        ("mix-fader", "mix"),
        (None, "lora"),
    ]
    assert host.runtime.bridge.engine.view.page == "lora"  # the reload kept it
    for value in (1.0, 0.3):  # learned with pick-up: from where forest is (1.0), then down
        host.runtime.bridge.submit(ev.OscMessage(0.0, "td", "/fader1", (value,)))
    assert host.runtime.bridge.state.value("prompt.forest.weight") == 0.3
    assert host.runtime.bridge.state.value("prompt.city.weight") == 1.0


async def test_on_the_page_where_it_acts_a_mapping_is_named(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text(SHOW)
    host = ShowHost(Runtime(load_show(path)))
    host.learn_start("prompt.forest.weight")
    moved(host, "/fader1")
    assert host.learn_conflicts() == ["'mix-fader' → prompt.city.weight"]
    said = await host.learn_confirm(move=True)
    assert said.endswith("moved from 'mix-fader'")
    pages = [(m.get("id"), m.get("page")) for m in tomllib.loads(path.read_text())["mappings"]]
    assert pages == [("page", None), (None, "mix")]
