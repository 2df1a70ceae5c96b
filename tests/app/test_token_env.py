"""A `token_env` naming a variable that is not set is said once, and the bridge goes on."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bridge.core.show import Show
from bridge.running.runtime import Runtime

SHOW = """
schema = 1
[scope]
url = "http://127.0.0.1:9"
token_env = "SB_TEST_UNSET_TOKEN"
[[prompts]]
id = "p"
text = "a forest"
"""


def test_an_unset_token_variable_is_one_warning(
    show_from: Callable[[str], Show],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("SB_TEST_UNSET_TOKEN", raising=False)
    caplog.set_level(logging.WARNING)
    runtime = Runtime(show_from(SHOW))
    runtime.snapshot()
    runtime.snapshot()
    (problem,) = runtime.snapshot().problems
    assert problem == (
        "scope: [scope] token_env names SB_TEST_UNSET_TOKEN, which is not set: "
        "connecting without a token"
    )
    assert [r.getMessage() for r in caplog.records] == [problem]
    assert "Authorization" not in runtime.client.endpoint.headers


def test_a_set_token_is_used_and_not_a_problem(
    show_from: Callable[[str], Show], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SB_TEST_UNSET_TOKEN", "abc")
    runtime = Runtime(show_from(SHOW))
    assert runtime.snapshot().problems == ()
    assert runtime.client.endpoint.headers["Authorization"] == "Bearer abc"
