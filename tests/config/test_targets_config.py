"""`[scope.targets.NAME]` tables and routing lists: inheritance from `[scope]`, the plain
show unchanged, and every routing mistake named by `check` at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.config.targets import target_show
from bridge.console.serve.server import console_env, token_envs
from bridge.core.show import PLAIN_TARGET, scope_targets
from bridge.errors import ConfigError, ConfigErrors
from bridge.running.bridge import Bridge
from bridge.running.scope_sync import ScopeSync
from bridge.scope.client import ScopeClient
from bridge.scope.session import ServerMessage
from tests.conftest import REPO
from tests.sim.simkit import free_port

HEAD = """
schema = 1
[scope]
pipeline = "passthrough"
width = 512
height = 256
token_env = "SCOPE_TOKEN"
[[prompts]]
id = "a"
text = "a forest"
[[prompts]]
id = "b"
text = "a city"
"""
TARGETS = """
[scope.targets.left]
url = "http://127.0.0.1:8101"
[scope.targets.right]
url = "http://10.0.0.9:8000"
pipeline = "longlive"
transport = "rest"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "show.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_target_inherits_what_it_does_not_set_from_scope(tmp_path: Path) -> None:
    show = load_show(write(tmp_path, HEAD + TARGETS))
    left, right = show.targets
    assert (left.name, left.scope.url, left.scope.pipeline) == (
        "left",
        "http://127.0.0.1:8101",
        "passthrough",
    )
    assert (left.scope.width, left.scope.height, left.scope.token_env) == (512, 256, "SCOPE_TOKEN")
    assert (right.scope.pipeline, right.scope.transport, right.scope.width) == (
        "longlive",
        "rest",
        512,
    )
    assert target_show(show, "right").scope == right.scope


def test_a_plain_scope_is_one_target_named_scope(tmp_path: Path) -> None:
    show = load_show(write(tmp_path, HEAD))
    assert show.targets == ()
    (only,) = scope_targets(show)
    assert (only.name, only.scope) == (PLAIN_TARGET, show.scope)


def test_routing_lists_and_per_target_prompts_are_read(tmp_path: Path) -> None:
    text = (
        HEAD
        + TARGETS
        + """
[[scenes]]
name = "calm"
weights = { a = 1.0 }
targets = ["left"]
[[scenes]]
name = "split"
weights = { a = 1.0 }
[scenes.per_target.right]
weights = { a = 0.0, b = 1.0 }
texts = { b = "the sea" }
[[mappings]]
id = "n"
source = { lfo = "sine" }
target = "prompt.b.weight"
targets = ["right"]
[[sinks]]
kind = "record"
name = "rec"
path = "x.mp4"
target = "right"
"""
    )
    show = load_show(write(tmp_path, text))
    calm, split = show.scenes
    assert calm.targets == ("left",)
    assert split.targets == ()
    assert dict(split.per_target["right"].texts) == {"b": "the sea"}
    assert show.bindings[0].targets == ("right",)
    assert show.sinks[0].target == "right"
    seen = target_show(show, "right").scenes[1]
    assert (dict(seen.weights), dict(seen.texts)) == ({"a": 0.0, "b": 1.0}, {"b": "the sea"})
    assert target_show(show, "left").scenes[1] == split


ROUTING_MISTAKES = (
    HEAD
    + TARGETS
    + """
[[scenes]]
name = "calm"
weights = { a = 1.0 }
targets = ["lfet"]
[scenes.per_target.rihgt]
texts = { a = "x" }
[[mappings]]
id = "fader"
source = { lfo = "sine" }
target = "prompt.a.weight"
targets = ["center"]
[[sinks]]
kind = "record"
name = "rec"
path = "x.mp4"
target = "rigth"
"""
)


def test_check_names_every_unknown_target_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, ROUTING_MISTAKES)
    with pytest.raises(ConfigErrors) as caught:
        load_show(path)
    said = [str(e) for e in caught.value.errors]
    assert len(said) == 4, said
    assert any("mapping 'fader' routes to 'center'" in s for s in said)
    assert any("'lfet'" in s and "did you mean 'left'" in s for s in said)
    assert any("'rihgt'" in s and "did you mean 'right'" in s for s in said)
    assert any("frame output 'rec' routes to 'rigth'" in s for s in said)
    assert main(["check", str(path)]) == 1
    assert "4 errors" in capsys.readouterr().err


def test_routing_to_a_target_in_a_plain_show_names_the_one_it_has(tmp_path: Path) -> None:
    text = HEAD + '[[mappings]]\nsource = { lfo = "sine" }\ntarget = "noise_scale"\n'
    with pytest.raises(ConfigError, match=r"routes to 'left', no target of this show \(scope\)"):
        load_show(write(tmp_path, text + 'targets = ["left"]\n'))


@pytest.mark.parametrize(
    ("table", "says"),
    [
        (
            '[scope.targets.left]\nurl = "http://127.0.0.1:8000"\n'
            '[scope.targets.right]\nurl = "http://127.0.0.1:8000"\n',
            "one server, two targets",
        ),
        ("[scope.targets.left]\nwidht = 512\n", "unknown key (did you mean 'width'?)"),
        ('[scope.targets."left side"]\n', "a target name is letters"),
    ],
)
def test_a_bad_targets_table_is_one_sentence(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        load_show(write(tmp_path, HEAD + table))


def test_an_empty_routing_list_is_refused(tmp_path: Path) -> None:
    text = HEAD + '[[mappings]]\nsource = { lfo = "sine" }\ntarget = "noise_scale"\ntargets = []\n'
    with pytest.raises(ConfigError, match="names no target"):
        load_show(write(tmp_path, text))


def test_the_two_screen_example_drives_two_servers_with_their_own_outputs() -> None:
    """mappings/two-screens.toml: the shipped example of targets and routing."""
    show = load_show(REPO / "mappings" / "two-screens.toml")
    assert [t.name for t in show.targets] == ["left", "right"]
    assert len({t.scope.url for t in show.targets}) == 2
    assert {s.name: s.target for s in show.sinks} == {"ndi-left": "left", "ndi-right": "right"}
    routed = {b.id: b.targets for b in show.bindings if b.targets}
    assert routed == {"city-right": ("right",)}
    left, right = target_show(show, "left"), target_show(show, "right")
    split = {s.name: s for s in left.scenes}["split"], {s.name: s for s in right.scenes}["split"]
    assert dict(split[0].weights) != dict(split[1].weights)  # each screen its own picture
    assert {s.name: s.targets for s in show.scenes}["left-night"] == ("left",)
    assert main(["check", str(REPO / "mappings" / "two-screens.toml")]) == 0


def test_scope_url_on_the_command_line_is_refused_for_a_show_with_targets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = REPO / "mappings" / "two-screens.toml"
    assert main(["run", "--headless", "--scope-url", "http://127.0.0.1:9", str(path)]) != 0
    assert "drives several Scope servers (left, right)" in capsys.readouterr().err


async def test_one_servers_ui_change_is_adopted_only_in_a_one_target_show(tmp_path: Path) -> None:
    """Scope's own UI pausing: a plain show takes the value; a show with two targets keeps
    its own (one screen's UI does not speak for the other)."""
    changed = ServerMessage("parameters_updated", {"parameters": {"paused": True}})
    for text, adopted in ((HEAD, True), (HEAD + TARGETS, False)):
        bridge = Bridge(load_show(write(tmp_path, text)))
        async with ScopeClient("http://127.0.0.1:9") as client:
            sync = ScopeSync(bridge, client, lambda: None, lambda: None)
            sync.message(changed)
        assert bridge.state.paused is adopted
        assert sync.changes == int(adopted)


def test_every_targets_token_stays_out_of_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console process never sees a Scope token, whichever target names it."""
    show = load_show(REPO / "mappings" / "two-screens.toml")
    monkeypatch.setenv("RIGHT_SCOPE_TOKEN", "s3cret")
    assert token_envs(show) == ("RIGHT_SCOPE_TOKEN",)
    env = console_env("door", token_envs(show))
    assert "RIGHT_SCOPE_TOKEN" not in env
    assert "s3cret" not in env.values()


def test_doctor_asks_every_target_and_names_its_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listens at either target's address: doctor says so for each, by its table."""
    monkeypatch.delenv("RIGHT_SCOPE_TOKEN", raising=False)
    text = (REPO / "mappings" / "two-screens.toml").read_text(encoding="utf-8")
    for port in ("8101", "8102"):
        text = text.replace(f"127.0.0.1:{port}", f"127.0.0.1:{free_port()}")
    status = main(["doctor", str(write(tmp_path, text))])
    out, err = capsys.readouterr()
    assert status == 1, err
    assert "fix [scope.targets.left] url" in out, err
    assert "fix [scope.targets.right] url" in out
    assert "RIGHT_SCOPE_TOKEN is not set" in out
