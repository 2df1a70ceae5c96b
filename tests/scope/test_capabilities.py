"""What the loaded pipeline ignores: the pure check, and a running show told about it by the
stand-in's /api/v1/pipelines/schemas."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from bridge.config.load import load_show
from bridge.core.show import Show
from bridge.running.runtime import Runtime
from bridge.scope.capabilities import mismatches
from tests.sim.simkit import FAST, running_sim, wait_for

BASE = """
schema = 1
[[prompts]]
id = "a"
text = "first"
[devices.midi.ctl]
port = "ctl"
[[mappings]]
id = "bias-knob"
source = { midi = "ctl", cc = 1 }
target = "kv_cache_attention_bias"
"""


def test_each_ignored_thing_is_one_sentence(show_from: Callable[[str], Show]) -> None:
    show = show_from(BASE)
    assert mismatches(show, "krea-realtime-video", {"supports_kv_cache_bias": True}) == []
    assert mismatches(show, "plugin-x", None) == []  # not described: nothing guessed
    assert mismatches(show, "longlive", {}) == []  # flags not stated: nothing guessed
    (bias,) = mismatches(show, "longlive", {"supports_kv_cache_bias": False})
    assert bias.startswith("pipeline longlive has no KV-cache attention bias")
    assert "mapping(s) bias-knob on kv_cache_attention_bias" in bias
    found = mismatches(
        show, "gray", {"supports_prompts": False, "supports_lora": False, "min_dimension": 1024}
    )
    # the one slot every show must have, unmapped and in no scene, is no news
    assert found == [
        "pipeline gray needs frames at least 1024 pixels on a side; the show asks for 576x320"
    ]
    mapped = show_from(
        BASE + '[[mappings]]\nsource = { midi = "ctl", cc = 2 }\ntarget = "prompt.a.weight"\n'
    )
    (prompts,) = mismatches(mapped, "gray", {"supports_prompts": False})
    assert "takes no text prompts" in prompts
    assert "the show's 1 prompt slot(s)" in prompts


SHOW = """
schema = 1
[scope]
url = "{url}"
pipeline = "{pipeline}"
[[prompts]]
id = "a"
text = "first"
[[mappings]]
id = "bias-lfo"
source = {{ lfo = "sine", period_s = 4.0 }}
target = "kv_cache_attention_bias"
"""


async def test_a_show_hears_what_its_pipeline_ignores_and_a_reload_clears_it(
    tmp_path: Path,
) -> None:
    show_file = tmp_path / "show.toml"
    async with running_sim(**FAST) as (_, url):
        show_file.write_text(SHOW.format(url=url, pipeline="longlive"))
        runtime = Runtime(load_show(show_file))
        task = asyncio.create_task(runtime.run())

        def said() -> list[str]:
            return [p.message for p in runtime.bridge.problems if p.where == "pipeline"]

        try:
            await wait_for(lambda: bool(said()), 10.0, "the pipeline check")
            assert said() == [
                "pipeline longlive has no KV-cache attention bias (supports_kv_cache_bias: "
                "false): mapping(s) bias-lfo on kv_cache_attention_bias will change nothing"
            ]
            assert await runtime.reload() is None  # same file: said once, not again
            await asyncio.sleep(0.3)
            assert len(said()) == 1
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        show_file.write_text(SHOW.format(url=url, pipeline="krea-realtime-video"))
        runtime = Runtime(load_show(show_file))
        task = asyncio.create_task(runtime.run())
        try:
            await wait_for(lambda: runtime.pipeline_notes is not None, 10.0, "the check")
            assert runtime.pipeline_notes == []
            assert [p.message for p in runtime.bridge.problems if p.where == "pipeline"] == []
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
