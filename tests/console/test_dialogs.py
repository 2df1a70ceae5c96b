"""The edit and learn dialogs: what they send to the host, and that Escape sends nothing."""

from __future__ import annotations

from textual.widgets import Input

from bridge.console.app.app import ConsoleApp
from bridge.console.app.screens.edit import EditScreen
from bridge.console.app.screens.learn import LearnScreen
from bridge.console.app.screens.pick import PickScreen
from tests.console.conftest import SIZE, FakeHost, screen_text


async def test_edit_prompt_sends_set_prompt_text(app: ConsoleApp, host: FakeHost) -> None:
    """e, pick the second slot, retype it, Enter: one set_prompt_text for that slot."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        box = app.screen.query_one(Input)
        assert box.value == "a neon city street in the rain, reflections"
        box.value = ""
        await pilot.press(*"rain on tin", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, EditScreen)
        app.refresh_panels()
        await pilot.pause()
        assert "▸ city" in app.prompts.text  # the edited slot stays selected for next time
        assert "rain on tin" in app.prompts.text  # the real bridge took it
    assert [(e.action, e.target, e.value) for e in host.submitted] == [
        ("set_prompt_text", "city", "rain on tin")
    ]


async def test_edit_escape_and_empty_text_send_nothing(app: ConsoleApp, host: FakeHost) -> None:
    """Escape at either step cancels; an emptied box is refused with a hint, not sent."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        await pilot.press("e", "enter")
        await pilot.pause()
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        assert "A prompt needs some text" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1
    assert host.submitted == []


async def test_learn_shows_the_candidate_live_and_confirms(app: ConsoleApp, host: FakeHost) -> None:
    """l, pick a target: the dialog waits, then shows the control the performer moved;
    Enter confirms through the host and its sentence is shown."""
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LearnScreen)
        assert host.named("learn_start") == ["prompt.city.weight"]
        assert "waiting for a control to move" in screen_text(app)
        await pilot.press("enter")  # nothing moved yet: Enter must not bind anything
        await pilot.pause()
        assert host.named("learn_confirm") == []
        assert "move a control first" in screen_text(app)
        host.candidate = "apc ch1 cc48"
        await pilot.pause(0.3)  # the dialog polls at 10 Hz
        assert "apc ch1 cc48" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert host.named("learn_confirm") == ["apc ch1 cc48"]
        assert "Learned apc ch1 cc48." in screen_text(app)
    assert host.named("learn_cancel") == []


async def test_learn_escape_cancels(app: ConsoleApp, host: FakeHost) -> None:
    """Escape in the learn dialog tells the host to cancel, and confirms nothing."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LearnScreen)
        host.candidate = "td /fader1"
        await pilot.pause(0.2)
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1
    assert host.named("learn_start") == ["prompt.forest.weight"]
    assert host.named("learn_cancel") == [None]
    assert host.named("learn_confirm") == []


async def test_space_freezes_from_the_learn_dialog(app: ConsoleApp, host: FakeHost) -> None:
    """The emergency key works while a dialog is open (but other show keys do not)."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "enter")
        await pilot.pause()
        await pilot.press("n", "space")
        await pilot.pause()
        assert isinstance(app.screen, LearnScreen)
    assert [e.action for e in host.submitted] == ["toggle_pause"]
