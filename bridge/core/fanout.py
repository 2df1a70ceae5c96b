"""Routing the show's changes to its Scope targets (`[scope.targets.NAME]`).

Rules of this module:
- the engine feeds one show state (the show as the performer drives it); each target keeps
  its own state, fed the changes routed to it, so each has its own dirty set and pacer;
- a change goes to every target unless the mapping that made it (its ``origin``) names
  ``targets``; a scene goes to the targets the scene names (all by default);
- scene steps (``scene.next``, a scene by index) are resolved once, on the show state, and
  reach targets as the scene's name: every target it goes to starts the same scene on the
  same event;
- actions (tap tempo, page changes) belong to the bridge, not to Scope: no target gets them.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.core.show import Show
from bridge.core.state import Change
from bridge.core.targets import spec_of

SCENE_TARGETS = frozenset({"scene", "scene.next", "scene.prev"})


@dataclass(frozen=True, slots=True)
class Routed:
    """A change as the targets take it; ``to`` names them (None: every target)."""

    change: Change
    to: frozenset[str] | None

    def reaches(self, target: str) -> bool:
        return self.to is None or target in self.to


class Fanout:
    """Which targets each change goes to, from the show's routing lists."""

    def __init__(self, show: Show) -> None:
        self.by_mapping = {b.id: frozenset(b.targets) for b in show.bindings if b.targets}
        self.by_scene = {s.name: frozenset(s.targets) for s in show.scenes if s.targets}

    def route(self, change: Change, scene_now: str) -> Routed | None:
        """Where ``change`` goes, given the scene the show state selected after applying it
        (``scene_now``); None when it is for no target."""
        target = change.target
        to = self.by_mapping.get(change.origin)
        if target in SCENE_TARGETS:
            if not scene_now:
                return None
            change = Change("scene", scene_now, "set", change.origin)
            scene_to = self.by_scene.get(scene_now)
            if scene_to is not None:
                to = scene_to if to is None else to & scene_to
            return Routed(change, to)
        spec = spec_of(target)
        if spec is not None and spec.kind == "action":
            return None
        return Routed(change, to)
