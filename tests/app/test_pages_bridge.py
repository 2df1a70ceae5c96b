"""Pages in the running bridge: what the snapshot says (page, layers, what acts there), and
a reload that keeps the page the performer is on."""

from __future__ import annotations

from pathlib import Path

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.running.bridge import Bridge
from bridge.watch.snapshot import take

PAGES_SHOW = Path(__file__).resolve().parents[1] / "core" / "pages-show.toml"


def press(bridge: Bridge, n: int) -> None:
    bridge.submit(ev.NoteOn(0.0, "ctl", 1, n, 100))
    bridge.submit(ev.NoteOff(0.0, "ctl", 1, n))


def controls(bridge: Bridge) -> set[str]:
    return {c.id for c in take(bridge).controls}


def test_the_snapshot_says_the_page_the_layers_and_what_acts_there() -> None:
    bridge = Bridge(load_show(PAGES_SHOW))
    snap = take(bridge)
    assert (snap.page, snap.pages, snap.layers) == ("mix", ("mix", "lora", "fx"), ())
    assert "fader-a" in controls(bridge)
    assert not {"fader-b", "fader-ink", "pad-fx"} & controls(bridge)
    press(bridge, 1)
    bridge.submit(ev.NoteOn(0.0, "ctl", 1, 122, 100))  # shift, held
    snap = take(bridge)
    assert (snap.page, snap.layers) == ("lora", ("shift",))
    assert "fader-ink" in controls(bridge)
    assert not {"fader-a", "fader-b"} & controls(bridge)


def test_a_reload_keeps_the_page(tmp_path: Path) -> None:
    """The same show re-read keeps the page; a show without that page starts on its first."""
    bridge = Bridge(load_show(PAGES_SHOW))
    press(bridge, 3)  # fx
    bridge.swap_show(load_show(PAGES_SHOW))
    assert bridge.engine.view.page == "fx"
    assert "pad-fx" in controls(bridge)
    fewer = tmp_path / "show.toml"
    text = PAGES_SHOW.read_text().replace('"lora", "fx"]', '"lora"]')
    fewer.write_text(text.replace('page = ["fx"]', 'page = ["lora"]').replace('"fx"', '"lora"'))
    bridge.swap_show(load_show(fewer))
    assert bridge.engine.view.page == "mix"
