"""``[tempo] quantize_by``, ``send_early`` and ``frame_delay_ms``: read, defaulted, refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.config.load import load_show
from bridge.errors import ConfigError

HEAD = '[[prompts]]\nid = "a"\ntext = "x"\n[tempo]\n'


def show(tmp_path: Path, tempo: str) -> Path:
    path = tmp_path / "show.toml"
    path.write_text(HEAD + tempo)
    return path


def test_the_defaults_keep_the_bridges_quantiser_and_predict_the_lead(tmp_path: Path) -> None:
    tempo = load_show(show(tmp_path, "")).tempo
    assert (tempo.quantize_by, tempo.send_early, tempo.frame_delay_ms) == ("bridge", "predicted", 0)


def test_a_show_may_let_scope_schedule(tmp_path: Path) -> None:
    text = 'quantize_by = "scope"\nsend_early = "fixed"\nframe_delay_ms = 750\n'
    tempo = load_show(show(tmp_path, text)).tempo
    assert (tempo.quantize_by, tempo.send_early, tempo.frame_delay_ms) == ("scope", "fixed", 750)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('quantize_by = "scop"', "at tempo.quantize_by: must be one of bridge, scope"),
        ('send_early = "auto"', "at tempo.send_early: must be one of predicted, fixed"),
        ("frame_delay_ms = -3", "at tempo.frame_delay_ms"),
        ("frame_delay_ms = 5000", "at tempo.frame_delay_ms"),
    ],
)
def test_a_wrong_value_is_named_with_its_place(tmp_path: Path, line: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_show(show(tmp_path, line + "\n"))
    assert said in str(caught.value)
    assert "show.toml:5" in str(caught.value)


def test_a_lookahead_written_down_is_kept_unless_told_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text(HEAD.replace("[tempo]\n", "[transition]\nlookahead_ms = 100\n"))
    assert load_show(path).tempo.send_early == "fixed"
    path.write_text(
        HEAD.replace("[tempo]\n", "[transition]\nlookahead_ms = 100\n[tempo]\n")
        + 'send_early = "predicted"\n'
    )
    assert load_show(path).tempo.send_early == "predicted"
