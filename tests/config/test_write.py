"""Learn and save rewrite show files without losing a comment, and never leave them broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.config.write import add_binding, save_prompts
from bridge.core import events as ev
from bridge.core.learn import Learn, describe
from bridge.errors import ConfigError
from tests.conftest import REPO


@pytest.fixture
def show_file(tmp_path: Path) -> Path:
    path = tmp_path / "show.toml"
    shutil.copy(REPO / "tests" / "core" / "core-show.toml", path)
    return path


def test_learn_needs_movement_then_writes_a_binding(show_file: Path) -> None:
    """One CC value is not enough; two are. The file keeps its comments and still checks."""
    learn = Learn("prompt.p3.weight")
    assert not learn.feed(ev.ControlChange(0.0, "ctl", 2, 77, 10))
    assert learn.feed(ev.ControlChange(0.1, "ctl", 2, 77, 12))
    binding = learn.binding()
    assert binding is not None
    assert describe(binding["source"]) == '{ midi = "ctl", channel = 2, cc = 77 }'
    before = show_file.read_text()
    show = add_binding(show_file, binding, comment="learned")
    after = show_file.read_text()
    assert after.startswith(before.rstrip("\n").split("\n")[0])  # the header comment survives
    assert "# The show the core tests drive" in after
    assert "# learned" in after
    assert show.bindings[-1].source.number == 77
    assert show.bindings[-1].takeover == "pickup"
    assert load_show(show_file).bindings[-1].target == "prompt.p3.weight"


def test_a_pad_learns_as_a_button() -> None:
    """A note is a press: learn takes it at once, and a weight target gets a toggle pad."""
    learn = Learn("prompt.p1.weight")
    assert learn.feed(ev.NoteOn(0.0, "ctl", 1, 60, 90))
    assert learn.binding() == {
        "source": {"midi": "ctl", "channel": 1, "note": 60},
        "target": "prompt.p1.weight",
        "pad": "toggle",
    }


def test_an_invalid_write_leaves_the_file_untouched(show_file: Path) -> None:
    """A binding to a device the show lacks is refused and the old file stays as it was."""
    before = show_file.read_text()
    with pytest.raises(ConfigError, match="no MIDI device 'ghost'"):
        add_binding(show_file, {"source": {"midi": "ghost", "cc": 1}, "target": "paused"})
    assert show_file.read_text() == before
    assert not list(show_file.parent.glob(".*.saving"))


def test_a_refused_write_names_the_show_file_not_the_temporary_one(show_file: Path) -> None:
    """The error points at the file the person knows (with the line the entry would have),
    and the show a write returns is the show file's."""
    lines = show_file.read_text().count("\n")
    with pytest.raises(ConfigError) as info:
        add_binding(show_file, {"source": {"midi": "ghost", "cc": 1}, "target": "paused"})
    assert info.value.file == str(show_file)
    assert info.value.line is not None
    assert info.value.line > lines
    assert ".saving" not in str(info.value)
    show = save_prompts(show_file, {}, {})
    assert show.path == str(show_file)
    assert show.files[-1] == str(show_file)


def test_save_prompts_changes_only_the_values(show_file: Path) -> None:
    """Saving edited texts and weights keeps every other line byte for byte."""
    before = show_file.read_text().splitlines()
    save_prompts(show_file, {"p2": "two, edited"}, {"p2": 0.25})
    after = show_file.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [('text = "two"', 'text = "two, edited"'), ("weight = 0.0", "weight = 0.25")]
