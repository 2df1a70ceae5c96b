"""Pages and layers in show files: `check` takes a paged show on the APC mini mk2 profile,
and refuses an unknown page or layer with the file, line and key, like any other mistake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.core.show import Show
from bridge.errors import ConfigError, ConfigErrors

REPO = Path(__file__).resolve().parents[2]
APC_PAGES = REPO / "mappings" / "apc-pages.toml"
PROFILES = sorted((REPO / "mappings" / "controllers").glob("*.toml"))

BASE = 'schema = 1\npages = ["mix", "lora"]\n[[prompts]]\nid = "p1"\ntext = "one"\n'
DEVICE = '[devices.midi.ctl]\nport = "ctl"\n'


def test_check_accepts_the_paged_apc_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(APC_PAGES)]) == 0
    assert "ok:" in capsys.readouterr().out
    show = load_show(APC_PAGES)
    assert show.pages == ("mix", "lora", "fx")
    by_id = {b.id: b for b in show.bindings}
    assert by_id["lora-ink"].pages == ("lora",)
    assert (by_id["mix-steps"].pages, by_id["mix-steps"].when) == (("mix",), "shift")
    assert by_id["apc-shift"].target == "layer.shift"
    assert by_id["apc-shift"].pad == "momentary"  # a layer button is held, by default
    assert [by_id[f"apc-page-{i}"].value for i in (1, 2, 3)] == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_every_profile_holds_shift_and_turns_pages(profile: Path) -> None:
    """Each shipped profile checks alone, holds a shift layer and can change pages, and
    says in its own words that this was tried on a virtual port, not on the hardware."""
    show = load_show(profile, fragment=True)
    targets = {b.target for b in show.bindings}
    assert "layer.shift" in targets
    assert targets & {"page", "page.next", "page.prev"}
    text = profile.read_text()
    assert "virtual JACK port" in text
    assert "never on the hardware" in text


def test_a_mapping_naming_an_unknown_page_is_refused_with_its_line(
    show_from: Callable[[str], Show],
) -> None:
    text = (
        BASE
        + DEVICE
        + '[[mappings]]\nid = "f1"\nsource = { midi = "ctl", cc = 1 }\n'
        + 'target = "prompt.p1.weight"\npage = "lroa"\n'
    )
    with pytest.raises(ConfigError) as info:
        show_from(text)
    err = info.value
    assert (err.key, err.line) == ("mappings[f1].page", 12)
    assert err.detail == "no page 'lroa' in pages = ['mix', 'lora'] (did you mean 'lora'?)"


def test_an_unknown_page_in_the_paged_apc_show_is_refused_by_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A show that includes the APC page show and adds a mapping for a page it never
    declared: `check` names the file, the line and the key, in one line."""
    path = tmp_path / "show.toml"
    path.write_text(
        f'include = ["{APC_PAGES}"]\n'
        '[[mappings]]\nid = "extra"\nsource = { midi = "apc", channel = 1, cc = 52 }\n'
        'target = "prompt.city.weight"\npage = "effects"\n'
    )
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: {path}:6 at mappings[extra].page: no page 'effects' in "
        "pages = ['mix', 'lora', 'fx']\n"
    )


def test_a_page_without_pages_declared_says_where_to_declare_them(
    show_from: Callable[[str], Show],
) -> None:
    text = BASE.replace('pages = ["mix", "lora"]\n', "") + DEVICE
    text += '[[mappings]]\nsource = { midi = "ctl", note = 1 }\ntarget = "page"\nvalue = "mix"\n'
    with pytest.raises(ConfigError) as info:
        show_from(text)
    assert info.value.key == "mappings[m1].value"
    assert "the show declares no pages (pages = [...] at the top)" in info.value.detail


def test_a_layer_nothing_holds_is_refused_with_the_layers_that_are(
    show_from: Callable[[str], Show],
) -> None:
    text = (
        BASE
        + DEVICE
        + '[[mappings]]\nid = "sh"\nsource = { midi = "ctl", note = 122 }\ntarget = "layer.shift"\n'
        + '[[mappings]]\nid = "f1"\nsource = { midi = "ctl", cc = 1 }\n'
        + 'target = "prompt.p1.weight"\nwhen = "shfit"\n'
    )
    with pytest.raises(ConfigError) as info:
        show_from(text)
    err = info.value
    assert (err.key, err.line) == ("mappings[f1].when", 16)
    assert err.detail == (
        "no mapping holds layer 'shfit' (layers held: shift) (did you mean 'shift'?)"
    )


@pytest.mark.parametrize(
    ("extra", "key", "detail"),
    [
        (
            'target = "layer.shift"\npad = "toggle"\n',
            "mappings[m1].pad",
            "a layer is held while its button is: pad = 'momentary'",
        ),
        (
            'target = "layer.shift"\npage = "mix"\n',
            "mappings[m1].page",
            "a layer button holds its layer on every page and layer",
        ),
        (
            'target = "page"\nvalue = 1.5\n',
            "mappings[m1].value",
            "a page index is a whole number from 0; got 1.5",
        ),
        (
            'target = "page.next"\npage = ["mix", 3]\n',
            "mappings[m1].page",
            "expected a page name or a list of them; got ['mix', 3]",
        ),
    ],
)
def test_page_and_layer_mistakes_are_one_line_each(
    show_from: Callable[[str], Show], extra: str, key: str, detail: str
) -> None:
    text = BASE + DEVICE + '[[mappings]]\nsource = { midi = "ctl", note = 1 }\n' + extra
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        show_from(text)
    errors = getattr(info.value, "errors", [info.value])
    assert [(e.key, e.detail) for e in errors] == [(key, detail)]


def test_pages_declared_twice_are_refused(show_from: Callable[[str], Show]) -> None:
    with pytest.raises(ConfigError) as info:
        show_from(BASE.replace('"lora"]', '"lora", "mix"]'))
    assert (info.value.key, info.value.detail) == ("pages", "page 'mix' is declared twice")
