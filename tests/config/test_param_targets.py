"""`param.NAME` targets and sizes offline: what `check` can hold a show to without Scope,
and what it advises (an OSC input on Scope's own port, a size Wan pipelines dislike)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.core.show import Show
from bridge.errors import ConfigError, ConfigErrors
from tests.conftest import REPO

BASE = """
schema = 1
[[prompts]]
id = "p1"
text = "one"
[devices.osc.td]
port = 9123
"""


def mapping(target: str, extra: str = "", address: str = "/x") -> str:
    return (
        f'[[mappings]]\nsource = {{ osc = "td", address = "{address}" }}\n'
        f'target = "{target}"\n{extra}\n'
    )


def error_of(show_from: Callable[[str], Show], text: str) -> str:
    with pytest.raises(ConfigError) as info:
        show_from(BASE + text)
    return str(info.value)


def test_a_number_parameter_is_continuous_over_its_out_range(
    show_from: Callable[[str], Show],
) -> None:
    show = show_from(
        BASE + mapping("param.strength", "out = [0.0, 4.0]") + mapping("param.strength", "")
    )
    spec = show.params["param.strength"]
    assert (spec.kind, spec.lo, spec.hi) == ("continuous", 0.0, 4.0)


def test_values_make_a_value_parameter_carried_as_json(show_from: Callable[[str], Show]) -> None:
    show = show_from(
        BASE
        + mapping("param.ctrl_input", 'pad = "momentary"\nvalues = [{ button = [] }, true, "x"]')
    )
    assert show.params["param.ctrl_input"].kind == "discrete"
    assert show.bindings[0].values == ('{"button":[]}', "true", '"x"')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (mapping("param.bad-name"), "param.'bad-name' is not a parameter name"),
        (mapping("param.prompts"), "prompts is composed by the bridge itself: use the target"),
        (mapping("param.noise_scale"), "noise_scale is composed by the bridge itself"),
        (
            mapping("param.x", "values = [1, { a = 2 }]\nout = [0.0, 2.0]"),
            "a parameter set by values has no out range",
        ),
        (
            mapping("param.x", 'values = [{ t = 1979-05-27 }]\npad = "trigger"'),
            "a date or time cannot be sent to Scope",
        ),
        (mapping("paramx"), "unknown target 'paramx'"),
    ],
)
def test_what_cannot_be_a_parameter_is_one_sentence(
    show_from: Callable[[str], Show], text: str, message: str
) -> None:
    assert message in error_of(show_from, text)


def test_one_parameter_has_one_kind(show_from: Callable[[str], Show]) -> None:
    text = mapping("param.x", 'id = "knob"') + mapping(
        "param.x", 'id = "pad"\npad = "trigger"\nvalue = [1, 2]', "/y"
    )
    with pytest.raises(ConfigErrors) as info:
        show_from(BASE + text + mapping("prompt.nope.weight", 'id = "z"', "/z"))
    said = [str(e) for e in info.value.errors]
    assert any(
        "param.x is driven as a number by knob and set by values by pad: give them one kind" in s
        for s in said
    )
    assert any("no prompt slot 'nope'" in s for s in said)  # every mistake, not the first


def test_check_accepts_512x288_and_any_size_for_cpu_pipelines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = tmp_path / "show.toml"
    show.write_text(BASE + '[scope]\npipeline = "controller-viz"\nwidth = 512\nheight = 288\n')
    assert main(["check", str(show)]) == 0
    assert capsys.readouterr().err == ""


def test_check_advises_multiples_of_64_for_other_pipelines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = tmp_path / "show.toml"
    show.write_text(BASE + '[scope]\npipeline = "longlive"\nwidth = 512\nheight = 288\n')
    assert main(["check", str(show)]) == 0  # advice, not an error
    err = capsys.readouterr().err
    assert err == (
        f"warning: {show}: [scope] height 288 is not a multiple of 64: the Wan-based "
        "pipelines work best on multiples of 64 (Scope pads other sizes); CPU pipelines take "
        "any size\n"
    )


@pytest.mark.parametrize(
    ("url", "host", "clash"),
    [
        ("http://127.0.0.1:9123", "127.0.0.1", True),
        ("http://localhost:9123", "0.0.0.0", True),
        ("http://127.0.0.1:9123", "::", True),
        ("http://127.0.0.1:8000", "127.0.0.1", False),  # another port
        ("http://10.9.9.9:9123", "127.0.0.1", False),  # Scope on another machine
        ("https://scope.example:443", "127.0.0.1", False),
    ],
)
def test_check_says_when_the_osc_input_is_scopes_own_osc_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, host: str, clash: bool
) -> None:
    show = tmp_path / "show.toml"
    devices = BASE.replace("port = 9123", f'port = 9123\nhost = "{host}"')
    show.write_text(devices + f'[scope]\nurl = "{url}"\npipeline = "controller-viz"\n')
    assert main(["check", str(show)]) == 0
    err = capsys.readouterr().err
    if not clash:
        assert err == ""
        return
    assert err == (
        f"warning: {show}: [devices.osc.td] listens on UDP port 9123, where Scope at "
        f"{url.split('//')[1]} takes its own OSC (Scope 0.1.6+ listens for OSC on its HTTP "
        "port): give the device another port\n"
    )


def test_the_controller_viz_example_passes_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPO / "mappings" / "controller-viz.toml")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ok: ")
    assert err == ""
