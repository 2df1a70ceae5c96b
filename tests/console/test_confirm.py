"""Keys that cut the picture, drop the video or write a file ask first (y does it; n, Escape
or a reflexive Enter leave the show as it was), and ctrl+s says which file it would write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bridge.console.app.app import ConsoleApp
from bridge.console.app.saving import is_shipped, save_question
from bridge.console.app.screens.confirm import ConfirmScreen
from tests.console.conftest import DEMO, REPO, SIZE, FakeHost, screen_text


@pytest.mark.parametrize(
    ("key", "question"),
    [("r", "Reset Scope's cache now?"), ("c", "Reconnect to Scope now?")],
)
@pytest.mark.parametrize("no", ["n", "escape", "enter"])
async def test_a_disruptive_key_asks_and_no_leaves_the_show(
    app: ConsoleApp, host: FakeHost, key: str, question: str, no: str
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert question in screen_text(app)
        await pilot.press(no)  # focus starts on the safe button: Enter keeps the show
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
    assert host.submitted == []
    assert host.named("reconnect") == []


async def test_r_then_y_resets_the_cache(app: ConsoleApp, host: FakeHost) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "r")  # a second r while it asks opens nothing more
        await pilot.pause()
        assert len(app.screen_stack) == 2
        await pilot.press("y")
        await pilot.pause()
    assert [(e.action, e.source) for e in host.submitted] == [("reset_cache", "ui")]


async def test_c_then_y_reconnects(app: ConsoleApp, host: FakeHost) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("c", "y")
        await pilot.pause()
        assert "Reconnecting to Scope" in screen_text(app)
    assert host.named("reconnect") == [None]
    assert host.submitted == []


async def test_save_names_the_file_and_writes_only_after_yes(
    app: ConsoleApp, host: FakeHost, tmp_path: Path
) -> None:
    """ctrl+s names the show's own file; n writes nothing; y saves and says where."""
    show = tmp_path / "myshow.toml"
    host.fixed = replace(host.snapshot(), show=str(show))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == f"Save prompts into {show}?"
        assert "Slots declared in included files are left as they are" in dialog.detail
        assert dialog.warning == ""
        assert "Save prompts into" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert host.named("save") == []
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
        assert host.named("save") == [None]
        assert "Saved the show to /tmp/show.toml." in screen_text(app)


async def test_save_warns_before_writing_over_a_shipped_example(
    app: ConsoleApp, host: FakeHost
) -> None:
    """The demo's tracked mappings/demo.toml: the question says it is a shipped example and
    how to keep a copy of one's own; Escape writes nothing."""
    assert host.snapshot().show == str(DEMO.resolve())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question.endswith("mappings/demo.toml?")
        assert "is an example shipped with Scope Bridge: saving changes it" in dialog.warning
        assert "(cp mappings/demo.toml myshow.toml)" in dialog.warning
        assert "example shipped with Scope" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert host.named("save") == []


def test_what_counts_as_shipped(tmp_path: Path) -> None:
    assert is_shipped(REPO / "mappings" / "demo.toml")
    assert is_shipped(REPO / "mappings" / "controllers" / "launch-control-xl.toml")
    assert not is_shipped(tmp_path / "demo.toml")
    assert not is_shipped(REPO / "README.md")
    q = save_question(str(tmp_path / "show.toml"))
    assert q.warning == ""
    assert q.question.startswith("Save prompts into ")
