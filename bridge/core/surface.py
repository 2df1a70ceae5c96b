"""The default OSC surface: every target of a show at an address derived from its name.

An OSC device with ``surface = "/bridge"`` answers ``/bridge/prompt/forest/weight`` without a
mapping: the target ``a.b.c`` lives at ``PREFIX/a/b/c``. The list of targets is derived from
the show (its slots, scenes, pages, presets and pipeline parameters) and the vocabulary of
`bridge.core.targets`, never written by hand, so a target added there appears here too.
Target names never hold a ``/`` and their parts are never empty (slot ids and parameter names
are identifiers), which is what makes the address and the target two spellings of one name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bridge.core.state import ShowState
from bridge.core.targets import FIXED, SLOTTED, TargetSpec

DEFAULT_PREFIX = "/bridge"


@dataclass(frozen=True, slots=True)
class SurfaceShow:
    """What of a show decides its surface's targets."""

    prompts: tuple[str, ...] = ()
    loras: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    """``param.NAME`` targets the show types (from its mappings)."""
    pages: bool = False
    denoising: bool = False


def surface_targets(show: SurfaceShow) -> list[str]:
    """Every target this show can drive, in a stable order: the fixed ones, then each slot's,
    then the pipeline parameters. Page targets only with pages, presets only with presets;
    layers are left out (a layer is held by a button that a mapping names)."""
    out = []
    for target in FIXED:
        if target.split(".")[0] == "page" and not show.pages:
            continue
        if target == "denoising_steps" and not show.denoising:
            continue
        out.append(target)
    slots = {"prompt": show.prompts, "lora": show.loras}
    for kind, field in SLOTTED:
        out += [f"{kind}.{slot}.{field}" for slot in slots[kind]]
    out += [p for p in show.params if p not in out]
    return out


def address_of(prefix: str, target: str) -> str:
    """``prompt.forest.weight`` → ``/bridge/prompt/forest/weight``."""
    return f"{prefix}/{target.replace('.', '/')}"


def target_of(prefix: str, address: str) -> str | None:
    """The target an address names under ``prefix``, or None when it is not one of its
    form (outside the prefix, or with an empty part)."""
    if not address.startswith(prefix + "/"):
        return None
    parts = address[len(prefix) + 1 :].split("/")
    if not all(parts) or any("." in p for p in parts):
        return None
    return ".".join(parts)


def surface_value(state: ShowState, target: str, spec: TargetSpec, page: str) -> float | str | None:
    """What the surface reports for ``target`` now (None: nothing to report: an action, a
    one-shot, a target with no value yet)."""
    if target == "page":
        return page or None
    if spec.kind == "continuous":
        return state.value(target)
    if spec.kind == "discrete":
        return state.discrete(target)
    return None


def surface_values(
    state: ShowState,
    prefix: str,
    targets: Iterable[str],
    specs: Mapping[str, TargetSpec],
    page: str,
) -> dict[str, float | str]:
    """Address → current value of every target that has one, rounded as feedback is
    (a weight moving by less than 0.001 is not news)."""
    out: dict[str, float | str] = {}
    for target in targets:
        spec = specs.get(target)
        if spec is None:
            continue
        value = surface_value(state, target, spec, page)
        if value is None:
            continue
        out[address_of(prefix, target)] = round(value, 4) if isinstance(value, float) else value
    return out
