"""`check` names every mistake in a file at once, by mapping id, with the nearest right word.

A performer fixing a show before doors open should not run `check` nine times to find nine
typos; each line says where (file:line), which mapping (its id) and what was probably meant.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.core.show import Show
from bridge.errors import ConfigError, ConfigErrors

BROKEN = """\
schema = 1
[[prompts]]
id = "forest"
text = "a forest"
[scope]
url = "localhost:8000"
widht = 512
[devices.midi.apc]
port = "APC*"
match = "glob"
[[mappings]]
id = "fader-1"
source = { midi = "apcc", cc = 48 }
target = "prompt.forest.weight"
[[mappings]]
id = "fader-2"
source = { midi = "apc", cc = 49 }
target = "prompt.forst.weight"
takeovr = "pickup"
[[mappings]]
source = { midi = "apc", cc = 50 }
target = "prompt.forest.weight"
takeover = "pickp"
[[mappings]]
id = "fader-1"
source = { midi = "apc", ccc = 51 }
target = "scene.nxt"
"""

EXPECTED = [
    "6 at scope.url: 'localhost:8000' must start with http:// or https:// and a host",
    "7 at scope.widht: unknown key (did you mean 'width'?)",
    "13 at mappings[fader-1].source.midi: no MIDI device 'apcc' in [devices.midi] "
    "(did you mean 'apc'?)",
    "18 at mappings[fader-2].target: no prompt slot 'forst' (did you mean 'forest'?)",
    "19 at mappings[fader-2].takeovr: unknown key (did you mean 'takeover'?)",
    "23 at mappings[m3].takeover: must be one of off, pickup, pickup_tolerant, catchup; "
    "got 'pickp' (did you mean 'pickup'?)",
    "25 at mappings[fader-1].id: mapping id 'fader-1' is used twice (first at line 11)",
    "26 at mappings[fader-1].source.ccc: unknown key (did you mean 'cc'?)",
    "27 at mappings[fader-1].target: unknown target 'scene.nxt' (did you mean 'scene.next'?)",
]


def test_check_lists_every_mistake_in_one_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nine mistakes in one file: nine lines in file order, then how many."""
    path = tmp_path / "show.toml"
    path.write_text(BROKEN)
    assert main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        *(f"error: {path}:{line}" for line in EXPECTED),
        f"{path}: 9 errors",
    ]


def test_one_line_where_one_line_fits(show_from: Callable[[str], Show]) -> None:
    """A reload shows one line: the first mistake, and how many more `check` will list."""
    with pytest.raises(ConfigErrors) as info:
        show_from(BROKEN)
    assert len(info.value.errors) == 9
    assert info.value.key == "scope.url"
    assert str(info.value).endswith("(and 8 more: `scope-bridge check` lists all)")


BASE = """\
schema = 1
[[prompts]]
id = "forest"
text = "a forest"
[devices.midi.apc]
port = "APC"
[devices.osc.td]
port = 9000
"""
MAPPING = '[[mappings]]\nid = "f"\nsource = {source}\ntarget = "{target}"\n'


@pytest.mark.parametrize(
    ("extra", "key", "suggestion"),
    [
        ("[output]\nmax_rate = 20\n", "output.max_rate", "max_rate_hz"),
        ("[transition]\nnum_step = 4\n", "transition.num_step", "num_steps"),
        ("[scope.initial]\nmanage_cach = true\n", "scope.initial.manage_cach", "manage_cache"),
        ("[devices.osc.td2]\nprot = 9001\n", "devices.osc.td2.prot", "port"),
        (
            MAPPING.format(source='{ midii = "apc", cc = 1 }', target="prompt.forest.weight"),
            "mappings[f].source.midii",
            "midi",
        ),
        (
            MAPPING.format(source='{ osc = "tdd", address = "/x" }', target="paused"),
            "mappings[f].source.osc",
            "td",
        ),
        (
            MAPPING.format(source='{ midi = "apc", cc = 1 }', target="kv_cache_bias")
            + "transforms = [{ smoth = 80 }]\n",
            "mappings[f].target",
            "kv_cache_attention_bias",
        ),
        (
            MAPPING.format(source='{ midi = "apc", cc = 1 }', target="paused")
            + "transforms = [{ smoth = 80 }]\n",
            "mappings[f].transforms[0].smoth",
            "smooth",
        ),
        (
            MAPPING.format(source='{ midi = "apc", cc = 1 }', target="paused") + 'pad = "toggel"\n',
            "mappings[f].pad",
            "toggle",
        ),
    ],
)
def test_a_misspelt_word_gets_the_nearest_right_one(
    show_from: Callable[[str], Show], extra: str, key: str, suggestion: str
) -> None:
    with pytest.raises(ConfigError) as info:
        show_from(BASE + extra)
    errors = getattr(info.value, "errors", (info.value,))
    said = {e.key: e.detail for e in errors}
    assert key in said, said
    assert said[key].endswith(f"(did you mean {suggestion!r}?)"), said[key]


def test_a_missing_key_points_at_its_misspelling(show_from: Callable[[str], Show]) -> None:
    """`txt = ...` where `text` is required: the required key is named, and the typo."""
    with pytest.raises(ConfigError) as info:
        show_from(BASE + '[[prompts]]\nid = "city"\ntxt = "a city"\n')
    err = info.value
    assert (err.key, err.line) == ("prompts[1].text", 9)
    assert err.detail == "is required (a string); is 'txt' a misspelling of it?"


def test_nothing_close_is_not_guessed(show_from: Callable[[str], Show]) -> None:
    """A key like no other still points at the README, not at a random neighbour."""
    with pytest.raises(ConfigError) as info:
        show_from(BASE + "[output]\nbananas = 3\n")
    assert info.value.detail == "unknown key (check its spelling in mappings/README.md)"


def test_a_broken_device_is_one_mistake_not_one_per_mapping(
    show_from: Callable[[str], Show],
) -> None:
    """The device's own error is reported; mappings naming it are not called wrong too."""
    text = BASE.replace('port = "APC"', 'port = "APC"\nmatch = "fuzzy"') + MAPPING.format(
        source='{ midi = "apc", cc = 1 }', target="prompt.forest.weight"
    )
    with pytest.raises(ConfigError) as info:
        show_from(text)
    assert not isinstance(info.value, ConfigErrors)
    assert info.value.key == "devices.midi.apc.match"
    assert "(did you mean" not in info.value.detail  # 'fuzzy' is near none of the modes


def test_mistakes_in_several_files_come_file_by_file(tmp_path: Path) -> None:
    """An include's mistakes first (it is read first), then the show's, each naming its file."""
    (tmp_path / "ctl.toml").write_text('[devices.midi.apc]\nport = "APC"\nled_onn = 127\n')
    (tmp_path / "show.toml").write_text(
        'include = ["ctl.toml"]\n[[prompts]]\nid = "p"\ntext = "t"\nweight = 2.0\n'
    )
    with pytest.raises(ConfigErrors) as info:
        load_show(tmp_path / "show.toml")
    assert [(Path(e.file).name, e.line, e.key) for e in info.value.errors] == [
        ("ctl.toml", 3, "devices.midi.apc.led_onn"),
        ("show.toml", 5, "prompts[0].weight"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '[[mappings]]\nid = "a"\ntakeover = "off"\ntakeover = "pickup"\n',
            4,
            "the key 'takeover' is set twice in [[mappings]] (first on line 3)",
        ),
        (
            "a = 1\nb = 2\na = 3\n",
            3,
            "the key 'a' is set twice at the top of the file (first on line 1)",
        ),
        ("[scope]\nurl = 'x'\n[output]\n[scope]\n", 4, "the table [scope] is declared twice"),
        ("x = { a = 1, a = 2 }\n", 1, "the key 'a' is set twice in one inline table { ... }"),
    ],
)
def test_a_key_set_twice_is_named(
    show_from: Callable[[str], Show], text: str, line: int, message: str
) -> None:
    """tomllib's "Cannot overwrite a value" becomes the key, its table and its first line."""
    with pytest.raises(ConfigError) as info:
        show_from(text)
    assert info.value.line == line
    assert info.value.detail.startswith(f"not valid TOML: {message}"), info.value.detail
