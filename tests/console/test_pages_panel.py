"""The Controls panel with pages: the page and the held layers first, then what acts."""

from __future__ import annotations

import dataclasses

from bridge.console.app.app import ConsoleApp
from bridge.watch.snapshot import ControlView
from tests.console.conftest import SIZE, FakeHost


async def test_controls_say_the_page_and_the_layer(app: ConsoleApp, host: FakeHost) -> None:
    base = host.snapshot()
    assert base.page == ""  # the demo show has no pages: no such line
    host.fixed = dataclasses.replace(
        base,
        page="lora",
        pages=("mix", "lora", "fx"),
        layers=("shift",),
        controls=(ControlView("ink", "apc ch1 cc48", "lora.ink.scale", "0.40", ""),),
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = [line.plain for line in app.panels["controls"].lines]
    assert lines[0] == "page lora 2/3 · shift"
    assert "apc ch1 cc48" in lines[1]
    assert "ink.scale" in lines[1]


async def test_no_page_line_without_pages(app: ConsoleApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = app.panels["controls"].lines[0].plain
    assert not first.startswith("page")
