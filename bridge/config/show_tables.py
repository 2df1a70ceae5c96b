"""Reading the show's own tables: [scope], [output], [transition], prompts, scenes, LoRAs.

Each reader takes one table (merged across includes for [scope], [output] and
[transition]) and returns its fields or its typed entry, raising a `ConfigError` that names
the key. The three settings tables are read key by key, each key on its own, so a bad
`url` does not hide a misspelt `widht` in the same table; `bridge.config.load` reads on
past a failed table or entry to the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bridge.config.addresses import shown_url, url_problem
from bridge.config.device_tables import ident
from bridge.config.mistakes import Mistakes, did_you_mean
from bridge.config.reader import Node
from bridge.config.routing import named_tables, target_names
from bridge.core.show import (
    INTERPOLATIONS,
    MAX_RATE_HZ,
    TEMPO_ORDER,
    LoraSlot,
    PromptSlot,
    Scene,
    SceneLook,
)
from bridge.core.targets import MAX_STEPS
from bridge.scope.ice_urls import url_problem as ice_url_problem

INITIAL_KEYS = (
    "input_mode",
    "prompt_interpolation_method",
    "denoising_step_list",
    "manage_cache",
    "kv_cache_attention_bias",
    "noise_scale",
    "noise_controller",
    "vace_context_scale",
    "recording",
    "output_sinks",
    "lora_scales",
)
"""The `[scope.initial]` parameters this bridge passes on to Scope as they are."""

Field = tuple[str, Callable[[Node, str], Any]]


def fields(n: Node, readers: Sequence[Field]) -> dict[str, Any]:
    """Each key the table has, read by its reader; every mistake in the table at once."""
    mistakes = Mistakes()
    out: dict[str, Any] = {}
    for key, read in readers:
        if n.has(key):
            value = mistakes.attempt(read, n, key)
            if value is not None:
                out[key] = value
    mistakes.attempt(n.done)
    mistakes.raise_any()
    return out


def _url(n: Node, key: str) -> str:
    url = n.get(key, str)
    problem = url_problem(url)
    if problem:
        raise n.error(key, f"{shown_url(url)!r} {problem}")
    return url.rstrip("/")


def _size(n: Node, key: str) -> int:
    """A frame side: the pipeline's ``min_dimension`` is checked against Scope's schema when
    the bridge runs; a multiple of 64 is only advice (`size_advice`), since Scope pads sizes
    and its CPU pipelines take any (512x288 loads)."""
    return n.integer(key, 0, 1, 4096)


def size_advice(width: int, height: int) -> str | None:
    """A sentence when a frame side is not a multiple of 64, else None."""
    odd = [f"{name} {v}" for name, v in (("width", width), ("height", height)) if v % 64]
    if not odd:
        return None
    return (
        f"[scope] {' and '.join(odd)} {'is' if len(odd) == 1 else 'are'} not a multiple of 64: "
        "the Wan-based pipelines work best on multiples of 64 (Scope pads other sizes); CPU "
        "pipelines take any size"
    )


def _initial(n: Node, key: str) -> dict[str, Any]:
    initial = n.table(key)
    for name in initial.data:
        if name not in INITIAL_KEYS:
            hint = did_you_mean(name, INITIAL_KEYS)
            raise initial.error(name, f"not a Scope parameter this bridge sends ({name!r}){hint}")
    if "noise_scale" in initial.data and initial.data.get("input_mode", "text") == "text":
        raise initial.error("noise_scale", "Scope ignores noise_scale in text mode")
    return dict(initial.data)


# The settings tables are read only for the keys they hold (`fields`), so these readers take
# no default: a key left out keeps the typed show's default (`bridge.core.show`), written once.
def _number(lo: float, hi: float) -> Callable[[Node, str], float]:
    return lambda n, key: n.number(key, None, lo, hi)


def _integer(lo: int, hi: int) -> Callable[[Node, str], int]:
    return lambda n, key: n.integer(key, None, lo, hi)


def _choice(*options: str) -> Callable[[Node, str], str]:
    return lambda n, key: n.choice(key, options)


def _string(n: Node, key: str) -> str:
    return n.get(key, str)


def _flag(n: Node, key: str) -> bool:
    return n.get(key, bool)


def _urls(n: Node, key: str) -> tuple[str, ...]:
    urls = tuple(n.list_of(key, lambda v: isinstance(v, str), "a STUN/TURN URL"))
    for i, url in enumerate(urls):
        problem = ice_url_problem(url)
        if problem:
            raise n.error(f"{key}[{i}]", f"{url!r} {problem}")
    return urls


SCOPE: tuple[Field, ...] = (
    ("url", _url),
    ("pipeline", _string),
    ("width", _size),
    ("height", _size),
    ("transport", _choice("webrtc", "rest")),
    ("token_env", _string),
    ("frames_per_chunk", _integer(0, 240)),
    ("chunk_rate_hz", _number(0.0, 60.0)),
    ("idle_chunk_rate_hz", _number(0.1, 60.0)),
    ("watchdog_s", _number(0.2, 60.0)),
    ("start_session", _flag),
    ("ice_servers", _urls),
    ("ice_username", _string),
    ("ice_credential_env", _string),
    ("ice_relay", _choice("auto", "off", "tcp", "tls")),
    ("initial", _initial),
)
OUTPUT: tuple[Field, ...] = (
    ("max_rate_hz", _number(0.5, MAX_RATE_HZ)),
    ("inflight_budget", _integer(1, 6)),
    ("weight_quantum", _number(0.0001, 0.1)),
)
TRANSITION: tuple[Field, ...] = (
    ("num_steps", _integer(0, MAX_STEPS)),
    ("method", _choice(*INTERPOLATIONS)),
    ("quantize", _choice("off", "beat", "bar")),
    ("lookahead_ms", _number(0.0, 4000.0)),
)

TEMPO_ORDER_WORDS = ", ".join(TEMPO_ORDER)


def _order(n: Node, key: str) -> tuple[str, ...]:
    """Kinds of tempo source (or sources by name), first leads; each named once."""
    order = n.list_of(key, lambda v: isinstance(v, str) and v != "", "a tempo source kind")
    doubled = sorted({o for o in order if order.count(o) > 1})
    if doubled:
        raise n.error(key, f"names {doubled[0]!r} twice")
    if not order:
        raise n.error(key, f"names no source: list some of {TEMPO_ORDER_WORDS}")
    return tuple(order)


TEMPO: tuple[Field, ...] = (
    ("link", _flag),
    ("link_set", _flag),
    ("quantum", _integer(1, 16)),
    ("start_stop", _flag),
    ("order", _order),
    ("quantize_by", _choice("bridge", "scope")),
    ("send_early", _choice("predicted", "fixed")),
    ("frame_delay_ms", _number(0.0, 4000.0)),
)


def presets(n: Node) -> tuple[tuple[int, ...], ...]:
    raw = n.get("denoising_presets", list)
    out = []
    for i, steps in enumerate(raw):
        ok = isinstance(steps, list) and steps and all(isinstance(s, int) for s in steps)
        if not ok or any(not 0 <= s <= 1000 for s in steps) or steps != sorted(steps)[::-1]:
            raise n.error(
                f"denoising_presets[{i}]", "each preset is a descending list of ints in 0..1000"
            )
        if len(set(steps)) != len(steps):
            raise n.error(f"denoising_presets[{i}]", "steps must be strictly descending")
        out.append(tuple(steps))
    return tuple(out)


def prompt(n: Node) -> PromptSlot:
    slot = PromptSlot(ident(n, "id"), n.get("text", str), n.number("weight", 1.0, 0.0, 1.0))
    n.done()
    return slot


def scene(n: Node) -> Scene:
    name = ident(n, "name")
    weights = n.table("weights")
    pairs = dict(weights.items(float))
    for k, v in pairs.items():
        if not 0.0 <= v <= 1.0:
            raise weights.error(k, f"a weight is between 0 and 1; got {v:g}")
    texts = dict(n.table("texts").items(str))
    steps = n.integer("num_steps", -1, -1, MAX_STEPS) if n.has("num_steps") else None
    method = n.choice("method", INTERPOLATIONS) if n.has("method") else None
    targets = target_names(n, "targets")
    looks = {name: _look(look) for name, look in named_tables(n.table("per_target"))}
    n.done()
    return Scene(name, pairs, texts, steps, method, targets, looks)  # type: ignore[arg-type]


def _look(n: Node) -> SceneLook:
    weights = n.table("weights")
    pairs = dict(weights.items(float))
    for k, v in pairs.items():
        if not 0.0 <= v <= 1.0:
            raise weights.error(k, f"a weight is between 0 and 1; got {v:g}")
    texts = dict(n.table("texts").items(str))
    n.done()
    return SceneLook(pairs, texts)


def lora(n: Node) -> LoraSlot:
    slot = LoraSlot(ident(n, "id"), n.get("path", str), n.number("scale", 1.0, -10.0, 10.0))
    n.done()
    return slot
