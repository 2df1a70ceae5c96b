"""Shows for the parameter and adoption tests, written once to a temporary directory."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from bridge.config.load import load_show
from bridge.core.param_check import typed_params, with_params
from bridge.core.show import Show

_DIR = Path(tempfile.mkdtemp(prefix="paramkit-"))


@cache
def show_of(text: str) -> Show:
    path = _DIR / f"show-{abs(hash(text))}.toml"
    path.write_text(text, encoding="utf-8")
    return load_show(path)


def typed(show: Show, properties: dict[str, Any], defs: dict[str, Any] | None = None) -> Show:
    """``show`` with its parameters typed by a config_schema holding ``properties``."""
    schema: dict[str, Any] = {"properties": properties, "type": "object"}
    if defs:
        schema["$defs"] = defs
    params, _ = typed_params(show, "test-pipeline", schema)
    return with_params(show, params)


KNOB = """
schema = 1
[[prompts]]
id = "a"
text = "first"
weight = 0.5
[[prompts]]
id = "b"
text = "second"
weight = 0.5
[devices.osc.ctl]
port = 9
[[mappings]]
id = "knob"
source = {{ osc = "ctl", address = "/knob" }}
target = "param.{name}"
{extra}
"""
