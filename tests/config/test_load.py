"""Show files: every shipped file loads; broken ones fail with file, line and key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.core.bindings import MIDI_CONTROL_KINDS, MIDI_CONTROLS, TOLERANCE, Binding
from bridge.core.show import (
    LOOKAHEAD_MS,
    MAX_RATE_HZ,
    TRANSITION_STEPS,
    MidiDevice,
    OscDevice,
    OscTarget,
    OutputConfig,
    ScopeConfig,
    Show,
    TempoConfig,
)
from bridge.errors import ConfigError
from tests.conftest import REPO

SHIPPED = sorted((REPO / "mappings").rglob("*.toml"))
BASE = """
schema = 1
[[prompts]]
id = "p1"
text = "one"
[devices.midi.ctl]
port = "ctl"
"""


def test_there_are_shipped_files() -> None:
    """mappings/ ships show files (the loop below must not be empty)."""
    assert len(SHIPPED) >= 1


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_every_shipped_file_loads(path: Path) -> None:
    """Each shipped file (show, controller profile, host preset) validates."""
    show = load_show(path, fragment=path.parent.name in ("controllers", "hosts"))
    assert show.prompts or show.midi or show.osc


def test_check_command_accepts_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    """`scope-bridge check mappings/demo.toml` exits 0 and says ok."""
    assert main(["check", str(REPO / "mappings" / "demo.toml")]) == 0
    assert "ok:" in capsys.readouterr().out


def error_of(show_from: Callable[[str], Show], text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        show_from(text)
    return info.value


CASES = [
    # (text appended to BASE, expected key path, expected line, words in the message)
    ("[scope]\nwidth = 0\n", "scope.width", 9, "between 1 and 4096"),
    ("[scope]\nwidht = 512\n", "scope.widht", 9, "unknown key"),
    ("[output]\nmax_rate_hz = 60\n", "output.max_rate_hz", 9, "between 0.5 and 30"),
    (
        '[[mappings]]\nsource = { midi = "ctl", cc = 200 }\ntarget = "prompt.p1.weight"\n',
        "mappings[m1].source.cc",
        9,
        "between 0 and 127",
    ),
    (
        '[[mappings]]\nsource = { midi = "nope", cc = 1 }\ntarget = "prompt.p1.weight"\n',
        "mappings[m1].source.midi",
        9,
        "no MIDI device 'nope'",
    ),
    (
        '[[mappings]]\nsource = { midi = "ctl", cc = 1 }\ntarget = "prompt.p9.weight"\n',
        "mappings[m1].target",
        10,
        "no prompt slot 'p9'",
    ),
    (
        '[[mappings]]\nsource = { midi = "ctl", cc = 1 }\ntarget = "prompt.p1.weight"\n'
        'takeover = "sometimes"\n',
        "mappings[m1].takeover",
        11,
        "must be one of off, pickup",
    ),
    (
        '[[mappings]]\nsource = { midi = "ctl", cc = 1 }\ntarget = "prompt.p1.weight"\n'
        "in = [nan, 127]\n",
        "mappings[0].in[0]",
        11,
        "finite number",
    ),
    (
        '[[mappings]]\nsource = { lfo = "sine", period_s = inf }\ntarget = "prompt.p1.weight"\n',
        "mappings[0].source.period_s",
        9,
        "finite number",
    ),
    (
        '[[mappings]]\nsource = { midi = "ctl", cc = 1 }\ntarget = "warp"\n',
        "mappings[m1].target",
        10,
        "unknown target 'warp'",
    ),
    (
        '[[mappings]]\nsource = { midi = "ctl", cc = 1 }\ntarget = "prompt.p1.weight"\n'
        "out = [0.0, 2.0]\n",
        "mappings[m1].out",
        11,
        "takes 0..1",
    ),
    (
        '[[scenes]]\nname = "s"\nweights = { p1 = 1.5 }\n',
        "scenes[0].weights.p1",
        10,
        "between 0 and 1",
    ),
    ('[[prompts]]\nid = "p1"\ntext = "again"\n', "prompts", None, "declared twice"),
    ('[scope]\nurl = "localhost:8000"\n', "scope.url", 9, "http://"),
    (
        '[devices.audio.daw]\nosc = "td"\nfeatures = { level = "/level" }\n',
        "devices.audio.daw.osc",
        9,
        "no OSC device 'td' (OSC devices: none)",
    ),
    (
        '[devices.osc.td]\nport = 9000\n[devices.audio.daw]\nosc = "td"\n'
        'features = { loudness = "/level" }\n',
        "devices.audio.daw.features.loudness",
        12,
        "not a feature; one of level, bass",
    ),
    (
        '[devices.osc.td]\nport = 9000\n[devices.audio.daw]\nosc = "td"\n'
        'features = { level = "level" }\n',
        "devices.audio.daw.features.level",
        12,
        "starts with '/'",
    ),
    (
        '[devices.osc.td]\nport = 9000\n[devices.audio.daw]\nosc = "td"\nfile = "a.wav"\n'
        'features = { level = "/level" }\n',
        "devices.audio.daw.osc",
        11,
        "one of input, file or osc",
    ),
    (
        '[devices.osc.td]\nport = 9000\n[devices.audio.daw]\nosc = "td"\n',
        "devices.audio.daw.osc",
        11,
        "need a `features` table",
    ),
]


@pytest.mark.parametrize(("extra", "key", "line", "words"), CASES)
def test_errors_name_the_key_the_line_and_what_was_expected(
    show_from: Callable[[str], Show], extra: str, key: str, line: int | None, words: str
) -> None:
    """Each broken file fails with the key path, the line where it stands, and a reason."""
    err = error_of(show_from, BASE + extra)
    assert err.key == key
    if line is not None:
        assert err.line == line
    assert words in str(err)
    assert err.file.endswith("show.toml")


def test_a_newer_schema_is_refused(show_from: Callable[[str], Show]) -> None:
    """A file written for another schema version says which one this bridge reads."""
    err = error_of(show_from, BASE.replace("schema = 1", "schema = 2"))
    assert err.key == "schema"
    assert err.line == 2
    assert "reads schema 1, not 2" in str(err)


def test_toml_syntax_errors_carry_the_line(show_from: Callable[[str], Show]) -> None:
    """A TOML syntax error names the file and the line the parser stopped at."""
    err = error_of(show_from, BASE + "[scope\nurl = 1\n")
    assert err.line == 8
    assert "not valid TOML" in str(err)


def test_includes_merge_and_name_the_included_file(tmp_path: Path) -> None:
    """A show includes a controller profile; an error inside it names that file."""
    (tmp_path / "ctl.toml").write_text('[devices.midi.ctl]\nport = "APC*"\nmatch = "glob"\n')
    (tmp_path / "show.toml").write_text(
        'include = ["ctl.toml"]\n[[prompts]]\nid = "p"\ntext = "t"\n'
        '[[mappings]]\nsource = { midi = "ctl", cc = 7 }\ntarget = "prompt.p.weight"\n'
    )
    show = load_show(tmp_path / "show.toml")
    assert show.midi[0].match == "glob"
    assert len(show.files) == 2
    (tmp_path / "ctl.toml").write_text('[devices.midi.ctl]\nport = "APC*"\nmatch = "fuzzy"\n')
    with pytest.raises(ConfigError) as info:
        load_show(tmp_path / "show.toml")
    assert info.value.file.endswith("ctl.toml")
    assert info.value.line == 3


def test_include_cycles_are_reported(tmp_path: Path) -> None:
    """a includes b includes a: a clear error, not a recursion crash."""
    (tmp_path / "a.toml").write_text('include = ["b.toml"]\n')
    (tmp_path / "b.toml").write_text('include = ["a.toml"]\n')
    with pytest.raises(ConfigError, match="includes itself"):
        load_show(tmp_path / "a.toml")


def test_check_command_fails_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scope-bridge check` on a broken file exits 1 and prints file:line: key: reason."""
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE + "[scope]\nheight = 5000\n")
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:9 at scope.height: must be between 1 and 4096" in err


@pytest.mark.parametrize(
    ("written", "meant"),
    [("jack", "UNIX_JACK"), ("ALSA", "LINUX_ALSA"), ("UNIX_JACK", "UNIX_JACK")],
)
def test_a_midi_api_may_be_named_as_people_say_it(
    show_from: Callable[[str], Show], written: str, meant: str
) -> None:
    """`api = "jack"` is what people write; the MIDI layer knew the alias, the loader did not."""
    show = show_from(BASE + f'[devices.midi.pad]\nport = "x"\napi = "{written}"\n')
    assert next(d for d in show.midi if d.name == "pad").api == meant


def test_an_unknown_midi_api_lists_every_name_without_an_empty_one(
    show_from: Callable[[str], Show],
) -> None:
    err = error_of(show_from, BASE + '[devices.midi.pad]\nport = "x"\napi = "jak"\n')
    assert "must be one of UNIX_JACK, LINUX_ALSA" in err.detail
    assert "one of ," not in err.detail
    assert "did you mean 'jack'" in err.detail


@pytest.mark.parametrize("kind", MIDI_CONTROL_KINDS)
def test_each_midi_kind_is_read_as_its_table_row_says(
    show_from: Callable[[str], Show], kind: str
) -> None:
    """The reader takes a MIDI source's number up to the table's highest and refuses the next;
    a kind with no number is written ``= true``."""
    mapping = '[[mappings]]\nsource = {{ midi = "ctl", {} }}\ntarget = "prompt.p1.weight"\n'
    highest = MIDI_CONTROLS[kind].highest_number
    if highest is None:
        show = show_from(BASE + mapping.format(f"{kind} = true"))
        assert (show.bindings[0].source.control, show.bindings[0].source.number) == (kind, 0)
        assert "set it to true" in str(
            error_of(show_from, BASE + mapping.format(f"{kind} = false"))
        )
        return
    show = show_from(BASE + mapping.format(f"{kind} = {highest}"))
    assert (show.bindings[0].source.control, show.bindings[0].source.number) == (kind, highest)
    err = error_of(show_from, BASE + mapping.format(f"{kind} = {highest + 1}"))
    assert err.key == f"mappings[m1].source.{kind}"
    assert f"between 0 and {highest}" in str(err)


def test_a_show_that_leaves_settings_out_gets_the_typed_shows_defaults(
    show_from: Callable[[str], Show],
) -> None:
    """Defaults are written once, in the typed show: the loader's fall-backs are those."""
    show = show_from(BASE)
    defaults = {f.name: f.default for f in fields(Show)}
    assert show.transition_steps == defaults["transition_steps"] == TRANSITION_STEPS
    assert show.lookahead_ms == defaults["lookahead_ms"] == LOOKAHEAD_MS
    assert show.output == OutputConfig()
    assert show.output.max_rate_hz == MAX_RATE_HZ
    assert show.scope == ScopeConfig()
    assert show.tempo == TempoConfig()
    err = error_of(show_from, BASE + f"[output]\nmax_rate_hz = {MAX_RATE_HZ + 1}\n")
    assert f"between 0.5 and {MAX_RATE_HZ:g}" in str(err)


def test_devices_and_mappings_that_leave_keys_out_get_their_types_defaults(
    show_from: Callable[[str], Show],
) -> None:
    """A device or mapping reader falls back on its dataclass's defaults, not its own."""
    show = show_from(
        BASE + "[devices.osc.td]\n[[devices.osc.td.feedback]]\nport = 9001\n"
        '[[mappings]]\nsource = { midi = "ctl", cc = 1 }\ntarget = "prompt.p1.weight"\n'
    )
    assert show.midi == (MidiDevice("ctl", "ctl"),)
    assert show.osc == (OscDevice("td", feedback=(OscTarget("127.0.0.1", 9001),)),)
    binding = show.bindings[0]
    defaults = {f.name: f.default for f in fields(Binding)}
    for name in ("merge", "takeover", "tolerance", "step", "acceleration", "feedback"):
        assert getattr(binding, name) == defaults[name], name
    assert binding.tolerance == TOLERANCE
