"""A reload and the show's audio inputs: what the log says was started is what was started."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.running.bridge import Bridge
from bridge.running.devices import AudioInputs

SHOW = """schema = 1
[scope]
url = "http://127.0.0.1:9"
[[prompts]]
id = "a"
text = "a"
[devices.osc.td]
port = 9
[devices.audio.daw]
osc = "td"
features = { level = "/audio/level" }
"""


async def test_a_reload_does_not_say_an_osc_fed_input_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Features sent over OSC have no capture task: an unchanged show starts nothing, and the
    log says nothing (it said "started ['daw']" on every reload)."""
    path = tmp_path / "show.toml"
    path.write_text(SHOW)
    show = load_show(str(path))
    inputs = AudioInputs(show, Bridge(show), lambda: None)  # type: ignore[arg-type,return-value]
    with caplog.at_level(logging.INFO):
        await inputs.restart(show.audio, show)
    assert inputs.sources == {}
    assert "reload: audio inputs" not in caplog.text, caplog.text
