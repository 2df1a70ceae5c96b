"""Includes merge as mappings/README.md says: tables key by key, the including file winning.

One test per table kind, the two overrides every user writes (a controller profile's `api`,
a host preset's `port`) over the shipped profiles, and errors that name the file that set
the key, wherever the table was merged from.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.core.show import Show
from bridge.errors import ConfigError
from tests.conftest import REPO

PROMPT = '[[prompts]]\nid = "p"\ntext = "t"\n'


def show_with(tmp_path: Path, included: str, including: str) -> Show:
    """``including`` (with a prompt) includes ``included``; the merged show."""
    (tmp_path / "inc.toml").write_text(included)
    (tmp_path / "show.toml").write_text('include = ["inc.toml"]\n' + PROMPT + including)
    return load_show(tmp_path / "show.toml")


def test_scope_merges_key_by_key(tmp_path: Path) -> None:
    """[scope]: the show's width wins; the include's url and pipeline stay."""
    show = show_with(
        tmp_path,
        '[scope]\nurl = "http://10.0.0.5:8000"\npipeline = "krea"\nwidth = 512\n',
        "[scope]\nwidth = 640\n",
    )
    assert (show.scope.url, show.scope.pipeline, show.scope.width) == (
        "http://10.0.0.5:8000",
        "krea",
        640,
    )


def test_scope_initial_merges_key_by_key(tmp_path: Path) -> None:
    """[scope.initial], a table inside a table, merges too."""
    show = show_with(
        tmp_path,
        '[scope.initial]\ninput_mode = "text"\nmanage_cache = true\n',
        "[scope.initial]\nmanage_cache = false\n",
    )
    assert dict(show.scope.initial) == {"input_mode": "text", "manage_cache": False}


def test_output_merges_key_by_key(tmp_path: Path) -> None:
    show = show_with(
        tmp_path,
        "[output]\nmax_rate_hz = 10\ninflight_budget = 3\n",
        "[output]\nmax_rate_hz = 20\n",
    )
    assert (show.output.max_rate_hz, show.output.inflight_budget) == (20.0, 3)


def test_transition_merges_key_by_key(tmp_path: Path) -> None:
    show = show_with(
        tmp_path,
        '[transition]\nnum_steps = 12\nmethod = "slerp"\n',
        '[transition]\nmethod = "linear"\n',
    )
    assert (show.transition_steps, show.transition_method) == (12, "linear")


def test_a_midi_device_keeps_the_profile_under_an_api_override(tmp_path: Path) -> None:
    """`[devices.midi.lcxl] api = "UNIX_JACK"` over the shipped Launch Control XL profile:
    port, glob matching, LED values and its mappings all stay."""
    profile = REPO / "mappings" / "controllers" / "launch-control-xl.toml"
    (tmp_path / "show.toml").write_text(
        f'include = ["{profile}"]\n{PROMPT}[devices.midi.lcxl]\napi = "UNIX_JACK"\n'
    )
    show = load_show(tmp_path / "show.toml")
    alone = load_show(profile, fragment=True)
    (lcxl,) = show.midi
    assert lcxl.api == "UNIX_JACK"
    assert (lcxl.port, lcxl.match, lcxl.led_on, lcxl.led_off, lcxl.feedback) == (
        "Launch Control XL*",
        "glob",
        60,
        12,
        True,
    )
    assert lcxl == replace(alone.midi[0], api="UNIX_JACK")
    assert [b.id for b in show.bindings] == [b.id for b in alone.bindings]


def test_an_osc_device_keeps_the_preset_under_a_port_override(tmp_path: Path) -> None:
    """`[devices.osc.resolume] port = 19701` over the shipped Resolume preset: the tempo
    source, the feedback target and the host stay."""
    preset = REPO / "mappings" / "hosts" / "resolume.toml"
    (tmp_path / "show.toml").write_text(
        f'include = ["{preset}"]\n{PROMPT}[devices.osc.resolume]\nport = 19701\n'
    )
    (resolume,) = load_show(tmp_path / "show.toml").osc
    (alone,) = load_show(preset, fragment=True).osc
    assert resolume.port == 19701
    assert (resolume.host, resolume.tempo, resolume.feedback) == (
        alone.host,
        "resolume",
        alone.feedback,
    )
    assert alone.feedback, "the preset sends feedback: the override must keep it"


def test_the_two_overrides_check_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`scope-bridge check` accepts both overrides together, as a user writes them."""
    lcxl = REPO / "mappings" / "controllers" / "launch-control-xl.toml"
    resolume = REPO / "mappings" / "hosts" / "resolume.toml"
    (tmp_path / "show.toml").write_text(
        f'include = ["{lcxl}", "{resolume}"]\n{PROMPT}'
        '[devices.midi.lcxl]\napi = "UNIX_JACK"\n[devices.osc.resolume]\nport = 19701\n'
    )
    assert main(["check", str(tmp_path / "show.toml")]) == 0
    assert "ok:" in capsys.readouterr().out


def test_an_audio_device_and_its_features_merge(tmp_path: Path) -> None:
    """[devices.audio.NAME] merges, its `features` table too, and a file path stays
    relative to the file that named it."""
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "audio.toml").write_text(
        "[devices.osc.td]\nport = 9000\n[devices.osc.td2]\nport = 9001\n"
        '[devices.audio.daw]\nosc = "td"\nfeatures = { level = "/level", bass = "/bass" }\n'
        '[devices.audio.loop]\nfile = "loop.wav"\nblock_size = 1024\n'
    )
    (tmp_path / "show.toml").write_text(
        'include = ["presets/audio.toml"]\n' + PROMPT + '[devices.audio.daw]\nosc = "td2"\n'
        '[devices.audio.daw.features]\nonset = "/onset"\nbass = "/low"\n'
        "[devices.audio.loop]\nrealtime = false\n"
    )
    daw, loop = load_show(tmp_path / "show.toml").audio
    assert daw.osc == "td2"
    assert dict(daw.features) == {"level": "/level", "bass": "/low", "onset": "/onset"}
    assert (loop.file, loop.block_size, loop.realtime) == (
        str(tmp_path / "presets" / "loop.wav"),
        1024,
        False,
    )


def test_a_named_sink_merges_by_name(tmp_path: Path) -> None:
    """[[sinks]] with the same name merge key by key: the show turns the preset's recorder
    off without repeating it; its path stays relative to the preset."""
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "out.toml").write_text(
        '[[sinks]]\nkind = "ndi"\nname = "main"\nsource_name = "Scope"\n'
        '[[sinks]]\nkind = "record"\nname = "rec"\npath = "take.mp4"\nbit_rate = 4000000\n'
    )
    (tmp_path / "show.toml").write_text(
        'include = ["presets/out.toml"]\n' + PROMPT + '[[sinks]]\nname = "rec"\nenabled = false\n'
    )
    ndi, rec = load_show(tmp_path / "show.toml").sinks
    assert (ndi.name, ndi.kind, dict(ndi.options)) == ("main", "ndi", {"source_name": "Scope"})
    assert (rec.kind, rec.enabled) == ("record", False)
    assert dict(rec.options) == {
        "path": str(tmp_path / "presets" / "take.mp4"),
        "bit_rate": 4000000,
    }


def test_arrays_in_a_table_are_replaced_not_appended(tmp_path: Path) -> None:
    """Only tables merge: an allow-list (an array) written by the show replaces the preset's."""
    (osc,) = show_with(
        tmp_path,
        '[devices.osc.td]\nport = 9000\nallow = ["127.0.0.1"]\n',
        '[devices.osc.td]\nallow = ["10.0.0.0/8"]\n',
    ).osc
    assert (osc.port, osc.allow) == (9000, ("10.0.0.0/8",))


def test_three_levels_merge_in_order(tmp_path: Path) -> None:
    """show includes mid includes base: show wins over mid, mid over base."""
    (tmp_path / "base.toml").write_text(
        '[devices.midi.c]\nport = "Base*"\nmatch = "glob"\nled_on = 1\nled_off = 2\n'
    )
    (tmp_path / "mid.toml").write_text('include = ["base.toml"]\n[devices.midi.c]\nled_on = 3\n')
    (tmp_path / "show.toml").write_text(
        'include = ["mid.toml"]\n' + PROMPT + "[devices.midi.c]\nled_off = 4\n"
    )
    (c,) = load_show(tmp_path / "show.toml").midi
    assert (c.port, c.match, c.led_on, c.led_off) == ("Base*", "glob", 3, 4)


# -- errors name the file that set the key ----------------------------------------------
PROFILE = '# a profile\n[devices.midi.c]\nport = "C*"\nmatch = "glob"\nled_on = {led_on}\n'


def error_of(tmp_path: Path, profile: str, show: str) -> ConfigError:
    (tmp_path / "inc.toml").write_text(profile)
    (tmp_path / "show.toml").write_text('include = ["inc.toml"]\n' + PROMPT + show)
    with pytest.raises(ConfigError) as info:
        load_show(tmp_path / "show.toml")
    return info.value


def test_an_error_in_the_profile_names_the_profile(tmp_path: Path) -> None:
    err = error_of(tmp_path, PROFILE.format(led_on=300), '[devices.midi.c]\napi = "UNIX_JACK"\n')
    assert (Path(err.file).name, err.line, err.key) == ("inc.toml", 5, "devices.midi.c.led_on")
    assert "between 0 and 127" in str(err)


def test_an_error_in_the_override_names_the_show(tmp_path: Path) -> None:
    err = error_of(tmp_path, PROFILE.format(led_on=60), "[devices.midi.c]\nled_off = 200\n")
    assert (Path(err.file).name, err.line, err.key) == ("show.toml", 6, "devices.midi.c.led_off")


def test_an_unknown_key_in_an_override_names_the_show(tmp_path: Path) -> None:
    err = error_of(tmp_path, PROFILE.format(led_on=60), "[devices.midi.c]\nlde_on = 1\n")
    assert (Path(err.file).name, err.line, err.key) == ("show.toml", 6, "devices.midi.c.lde_on")
    assert "unknown key" in str(err)


def test_an_override_of_a_device_nobody_declared_names_the_show(tmp_path: Path) -> None:
    """A misspelt device name in an override is a device with no port: said at its table."""
    err = error_of(tmp_path, PROFILE.format(led_on=60), '[devices.midi.cc]\napi = "UNIX_JACK"\n')
    assert (Path(err.file).name, err.line, err.key) == ("show.toml", 5, "devices.midi.cc.port")
    assert "is required" in str(err)


def test_a_sink_error_names_the_file_and_its_own_index(tmp_path: Path) -> None:
    """A merged [[sinks]] entry is found at its index in the file that set the key."""
    (tmp_path / "inc.toml").write_text(
        '[[sinks]]\nkind = "ndi"\nname = "a"\n[[sinks]]\nkind = "record"\nname = "rec"\n'
        "bit_rate = 1\n"
    )
    (tmp_path / "show.toml").write_text(
        'include = ["inc.toml"]\n' + PROMPT + '[[sinks]]\nname = "rec"\nbit_rate = "high"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_show(tmp_path / "show.toml")
    err = info.value
    assert (Path(err.file).name, err.line, err.key) == ("show.toml", 7, "sinks[0].bit_rate")
