"""``surface`` on an OSC device: `check` takes it, makes a set-mapping per target in the
target's own units, and refuses a prefix that is no OSC address with the line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.config.sources import target_problem

SHOW = """schema = 1
pages = ["mix", "fx"]
[[prompts]]
id = "forest"
text = "a forest"
[[scenes]]
name = "day"
weights = {{ forest = 1.0 }}
[[scenes]]
name = "night"
weights = {{ forest = 0.2 }}
[[loras]]
id = "ink"
path = "ink.safetensors"
[devices.osc.touch]
port = 9301
surface = {surface}
[[mappings]]
id = "vace"
source = {{ osc = "touch", address = "/vace" }}
target = "param.vace_context_scale"
out = [0.0, 2.0]
"""


def _write(tmp_path: Path, surface: str) -> Path:
    path = tmp_path / "show.toml"
    path.write_text(SHOW.format(surface=surface), encoding="utf-8")
    return path


def test_check_accepts_a_show_with_a_surface(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "true")
    assert main(["check", str(path)]) == 0
    # one mapping written, the surface said as one: 16 fixed (with pages, no presets), 2 for
    # the prompt, the LoRA's scale, the parameter
    assert "1 mappings, OSC surface touch at /bridge/… (20 targets)" in capsys.readouterr().out
    show = load_show(path)
    by_target = {b.target: b for b in show.bindings if b.surface == "touch"}
    address = {t: b.source.address for t, b in by_target.items()}
    assert address["prompt.forest.weight"] == "/bridge/prompt/forest/weight"
    assert address["scene"] == "/bridge/scene"
    assert address["scene.next"] == "/bridge/scene/next"
    assert address["param.vace_context_scale"] == "/bridge/param/vace_context_scale"
    assert address["page"] == "/bridge/page"
    assert address["lora.ink.scale"] == "/bridge/lora/ink/scale"
    # values are in the target's units: a LoRA scale of -2 is sent as -2
    assert by_target["lora.ink.scale"].in_range == (-10.0, 10.0)
    assert by_target["param.vace_context_scale"].in_range == (0.0, 2.0)
    assert by_target["scene"].in_range == (-0.5, 1.5)  # an index picks its scene exactly
    assert all(b.merge == "set" and b.takeover == "off" for b in by_target.values())
    assert "vace" in {b.id for b in show.bindings}  # the show's own mappings stay
    for b in by_target.values():  # each names a target the loader itself would accept
        assert target_problem(b.target, show) is None


def test_a_prefix_of_its_own(tmp_path: Path) -> None:
    show = load_show(_write(tmp_path, '"/stage/left"'))
    addresses = {b.source.address for b in show.bindings if b.surface}
    assert "/stage/left/prompt/forest/weight" in addresses


def test_no_surface_when_false(tmp_path: Path) -> None:
    show = load_show(_write(tmp_path, "false"))
    assert not any(b.surface for b in show.bindings)


@pytest.mark.parametrize("bad", ['"bridge"', '"/bridge/"', '"/my bridge"', '"/b/*"', "3"])
def test_check_refuses_a_bad_prefix_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    path = _write(tmp_path, bad)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:20 " in err  # the line of `surface =`
    assert "devices.osc.touch.surface" in err
    assert 'an OSC address prefix such as "/bridge"' in err


def test_a_fragment_with_a_surface_counts_only_the_mappings_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A host preset with a surface and no prompts: `check` counts what the file says."""
    path = tmp_path / "preset.toml"
    path.write_text("schema = 1\n[devices.osc.touch]\nport = 19123\nsurface = true\n")
    assert main(["check", str(path)]) == 0
    assert "a fragment (0 mappings)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "port", "advertise"),
    [
        ("", 0, False),
        ("oscquery = true", 9301, False),
        ("oscquery = 9400", 9400, False),
        ("oscquery = 9400\noscquery_advertise = true", 9400, True),
    ],
)
def test_oscquery_is_off_unless_asked(
    tmp_path: Path, extra: str, port: int, advertise: bool
) -> None:
    path = _write(tmp_path, "true\n" + extra)
    (device,) = load_show(path).osc
    assert (device.oscquery, device.oscquery_advertise) == (port, advertise)


@pytest.mark.parametrize(
    ("surface", "extra", "said"),
    [
        ("false", "oscquery = true", "add surface = true"),
        ("true", "oscquery = 70000", "a TCP port 1..65535"),
        ("true", 'oscquery = "yes"', "a TCP port 1..65535"),
        ("true", "oscquery_advertise = true", "add oscquery = true"),
    ],
)
def test_oscquery_refuses_what_cannot_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], surface: str, extra: str, said: str
) -> None:
    path = _write(tmp_path, surface + "\n" + extra)
    assert main(["check", str(path)]) != 0
    err = capsys.readouterr()
    message = err.out + err.err
    assert said in message
    assert "devices.osc.touch.oscquery" in message


def test_two_surfaces_cannot_serve_oscquery_on_one_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "true\noscquery = 9400")
    text = path.read_text() + '[devices.osc.other]\nport = 9302\nsurface = "/b"\noscquery = 9400\n'
    path.write_text(text)
    assert main(["check", str(path)]) != 0
    err = capsys.readouterr()
    assert "TCP port 9400 already serves the OSCQuery of OSC device 'touch'" in err.err
    head, tail = text.rsplit("oscquery = 9400", 1)
    path.write_text(head + "oscquery = 9401" + tail)
    assert main(["check", str(path)]) == 0


def test_check_says_where_oscquery_is_served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "true\noscquery = 9400\noscquery_advertise = true")
    assert main(["check", str(path)]) == 0
    said = capsys.readouterr().out
    assert "OSC surface touch at /bridge/… (20 targets, OSCQuery on TCP 9400, announced)" in said
