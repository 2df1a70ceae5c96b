"""Every console key does what the footer and help say, through the host and nothing else."""

from __future__ import annotations

import pytest

from bridge.console.app.app import ConsoleApp
from bridge.console.app.keys import KEYS, PANELS
from bridge.console.app.screens.confirm import ConfirmScreen
from bridge.console.app.screens.help import HelpScreen
from bridge.core import events as ev
from tests.console.conftest import SIZE, FakeHost, screen_text


@pytest.mark.parametrize(
    ("key", "action"),
    [
        ("space", "toggle_pause"),
        ("n", "next_scene"),
        ("b", "prev_scene"),
    ],
)
async def test_show_keys_submit_ui_actions(
    app: ConsoleApp, host: FakeHost, key: str, action: str
) -> None:
    """Each show key submits exactly one UiAction of the right kind, from the console."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
    assert [(e.action, e.source) for e in host.submitted] == [(action, "ui")]
    assert isinstance(host.submitted[0], ev.UiAction)


async def test_next_scene_changes_what_the_console_shows(app: ConsoleApp, host: FakeHost) -> None:
    """n goes through the real bridge: the Prompts panel and the header show the new scene."""
    async with app.run_test(size=SIZE) as pilot:
        assert "scene dawn" in app.prompts.text
        await pilot.press("n")
        app.refresh_panels()
        await pilot.pause()
        assert "scene night" in app.prompts.text
        assert "scene night" in screen_text(app)


async def test_space_freezes_output_and_says_so(app: ConsoleApp, host: FakeHost) -> None:
    """After space the real bridge is paused, and the header and Output panel say FROZEN."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        app.refresh_panels()
        await pilot.pause()
        assert host.bridge.state.paused
        assert "OUTPUT FROZEN" in app.panels["output"].text
        assert "OUTPUT FROZEN" in screen_text(app)


async def test_reload_calls_the_host_at_once(app: ConsoleApp, host: FakeHost) -> None:
    """ctrl+r reloads without asking (it only reads the file); nothing goes to the show."""
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert [name for name, _ in host.calls] == ["reload"]
        assert "Show reloaded from its file." in screen_text(app)
    assert host.submitted == []


async def test_number_keys_toggle_panels(app: ConsoleApp) -> None:
    """1..9 hide and show the panels in order; hidden panels leave the screen."""
    async with app.run_test(size=SIZE) as pilot:
        for n, (pid, title) in enumerate(PANELS, start=1):
            panel = app.panels[pid]
            assert panel.display
            await pilot.press(str(n))
            assert not panel.display, title
            assert title not in screen_text(app)
            await pilot.press(str(n))
            assert panel.display, title


async def test_help_screen_lists_every_key(app: ConsoleApp) -> None:
    """? opens the help with every key's sentence; Escape closes it."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for k in KEYS:
            assert k.help in text, k.key
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_every_action_is_in_the_command_palette(app: ConsoleApp, host: FakeHost) -> None:
    """The palette offers each key's action by name, and running one does the same thing."""
    async with app.run_test(size=SIZE) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for k in KEYS:
            if k.action != "quit":
                assert k.help in commands, k.help
        assert "Quit" in commands
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"next scene")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
    assert [e.action for e in host.submitted] == ["next_scene"]


async def test_quit_asks_first(app: ConsoleApp, host: FakeHost) -> None:
    """q opens a confirmation; n stays (the bridge keeps running); q then y quits."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Quit Scope Bridge?" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.is_running
        assert host.bridge_running
        await pilot.press("ctrl+q")  # Textual's own quit key asks too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # focus starts on Stay: a reflexive Enter keeps the show
        await pilot.pause()
        assert app.is_running
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0
    assert not host.bridge_running  # the worker was cancelled with the app


async def test_show_keys_are_off_in_dialogs_except_freeze(app: ConsoleApp, host: FakeHost) -> None:
    """With a dialog open, n/b/r/c do nothing, but space still freezes the output."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("n", "b", "r", "c", "space")
        await pilot.pause()
    assert [e.action for e in host.submitted] == ["toggle_pause"]


async def test_scene_picker_selects_a_scene(app: ConsoleApp, host: FakeHost) -> None:
    """s lists the scenes the host names in extra["scenes"]; Enter selects one."""
    host.extra["scenes"] = ["dawn", "night", "tide"]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        app.refresh_panels()
        await pilot.pause()
        assert "scene tide" in app.prompts.text
    assert [(e.action, e.target) for e in host.submitted] == [("select_scene", "tide")]


async def test_o_turns_a_frame_output_off_and_says_so(app: ConsoleApp, host: FakeHost) -> None:
    """o lists the frame outputs; Enter on one asks the host to switch it and shows why."""
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
    assert ("toggle_sink", "rec") in host.calls
