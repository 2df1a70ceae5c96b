"""Several Scope servers in one show: `[scope.targets.NAME]` tables and routing checks.

A target table takes every `[scope]` key; what it does not set it inherits from `[scope]`,
so the shared settings (pipeline, size, token) are written once. A show without targets
tables drives the one server of `[scope]` (`scope_targets` names it ``scope``). Routing
lists (a mapping's or scene's ``targets``, a scene's ``per_target`` tables, a frame
output's ``target``) are checked here against the targets the show declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from bridge.config.mistakes import Mistakes, did_you_mean
from bridge.config.reader import Node
from bridge.config.routing import named_tables
from bridge.config.show_tables import SCOPE, fields
from bridge.core.show import ScopeConfig, Show, TargetConfig, scope_targets


def read_targets(n: Node, base: dict[str, Any]) -> tuple[TargetConfig, ...]:
    """Each ``[scope.targets.NAME]`` as a whole ScopeConfig (its keys over ``[scope]``'s);
    every mistake in every table at once."""
    mistakes = Mistakes()
    targets: list[TargetConfig] = []
    for name, table in mistakes.attempt(named_tables, n) or []:
        own = mistakes.attempt(fields, table, SCOPE)
        if own is not None:
            targets.append(TargetConfig(name, ScopeConfig(**{**base, **own})))
    by_url: dict[str, str] = {}
    for target in targets:
        first = by_url.setdefault(target.scope.url, target.name)
        if first != target.name:
            message = (
                f"{first} and {target.name} both reach {target.scope.url}: one server, two targets"
            )
            mistakes.add(n.error(target.name, message))
    mistakes.raise_any()
    return tuple(targets)


def check_routing(show: Show, root: Node, mistakes: Mistakes) -> None:
    """Every target name a mapping, scene or frame output routes to must be declared."""
    known = [t.name for t in scope_targets(show)]

    def check(names: Iterable[str], key: str, what: str) -> None:
        for name in names:
            if name not in known:
                hint = did_you_mean(name, known)
                listed = ", ".join(known)
                message = f"{what} routes to {name!r}, no target of this show ({listed}){hint}"
                mistakes.add(root.error(key, message))

    for i, binding in enumerate(show.bindings):
        check(binding.targets, f"mappings[{i}]", f"mapping {binding.id!r}")
    for i, scene in enumerate(show.scenes):
        check((*scene.targets, *scene.per_target), f"scenes[{i}]", f"scene {scene.name!r}")
        ids = {p.id for p in show.prompts}
        for target, look in scene.per_target.items():
            for slot in (*look.weights, *look.texts):
                if slot not in ids:
                    hint = did_you_mean(slot, ids)
                    message = f"scene {scene.name!r} for {target} names no prompt {slot!r}{hint}"
                    mistakes.add(root.error(f"scenes[{i}]", message))
    for sink in show.sinks:
        check([sink.target] if sink.target else [], "sinks", f"frame output {sink.name!r}")


def target_show(show: Show, target: str) -> Show:
    """The show as one target sees it: its own `[scope]` settings and each scene's prompts
    with that target's ``per_target`` weights and texts over the scene's own."""
    config = next((t for t in scope_targets(show) if t.name == target), None)
    scenes = tuple(
        replace(
            s,
            weights={**s.weights, **s.per_target[target].weights},
            texts={**s.texts, **s.per_target[target].texts},
        )
        if target in s.per_target
        else s
        for s in show.scenes
    )
    scope = config.scope if config is not None else show.scope
    return replace(show, scope=scope, scenes=scenes)
