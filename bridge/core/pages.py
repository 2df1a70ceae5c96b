"""Pages and layers: which of a control's mappings act now.

A controller has fewer faders than a show has values, so one control may mean different
things on different *pages* (``page = "lora"`` on a mapping) or while a modifier is held
(``when = "shift"``, held by a mapping whose target is ``layer.shift``).

Rules of this module:
- a mapping fits now when it names no page or the current one, and names no layer or one
  that is held; of a control's fitting mappings only the most specific act: one for the held
  layer replaces the layer-less ones, one for this page replaces the page-less ones (so a
  profile's show-wide meaning gives way to a page's, and both to shift's);
- a mapping that holds a layer always acts where its page fits (its release must arrive);
- the engine's index of what listens is rebuilt only when the page or a layer changes, so an
  event still costs one dict lookup; what is out of play sits in ``shadow``, so a move of its
  control is noticed (soft takeover then picks up again instead of jumping);
- page and layer targets are the engine's own: they never become changes for Scope.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from bridge.core.bindings import Binding
from bridge.core.takeover import Takeover

PAGE_ACTIONS = ("page.next", "page.prev")


def is_view_target(target: str) -> bool:
    """True for ``page``, ``page.next``, ``page.prev`` and ``layer.NAME``."""
    return target == "page" or target in PAGE_ACTIONS or target.startswith("layer.")


def layer_of(target: str) -> str:
    """The layer a ``layer.NAME`` target holds ("" for any other target)."""
    return target[6:] if target.startswith("layer.") else ""


class HasBinding(Protocol):
    binding: Binding


class Playable(Protocol):
    """What a mapping at run time has that coming into and out of play touches."""

    binding: Binding
    takeover: Takeover | None
    pressed: bool


L = TypeVar("L", bound=HasBinding)
P = TypeVar("P", bound=Playable)
K = TypeVar("K", bound=Hashable)


@dataclass(slots=True)
class View:
    """The current page and the held layers. Pure: the engine changes it through its
    mappings, the console reads it."""

    pages: tuple[str, ...] = ()
    page: str = ""
    held: dict[str, set[str]] = field(default_factory=dict)
    """Layer → the ids of the mappings holding it (two shift buttons may hold one layer)."""
    version: int = 0
    """Goes up at every page or layer change: what feedback watches to refresh a page."""

    def __post_init__(self) -> None:
        if not self.page and self.pages:
            self.page = self.pages[0]

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers held now, by name."""
        return tuple(sorted(name for name, by in self.held.items() if by))

    def select(self, value: float | str) -> bool:
        """Go to a page by name or by index (0 is the first); False when nothing changed."""
        if isinstance(value, str):
            name = value if value in self.pages else ""
        else:
            index = int(value)
            name = self.pages[index] if 0 <= index < len(self.pages) else ""
        if not name or name == self.page:
            return False
        self.page = name
        self.version += 1
        return True

    def step(self, steps: int) -> bool:
        """Move ``steps`` pages on (negative: back), wrapping around."""
        if not self.pages or not steps:
            return False
        here = self.pages.index(self.page) if self.page in self.pages else 0
        return self.select(self.pages[(here + steps) % len(self.pages)])

    def hold(self, layer: str, by: str, on: bool) -> bool:
        """Mapping ``by`` presses (``on``) or lets go of ``layer``; False when nothing changed."""
        holders = self.held.setdefault(layer, set())
        was = bool(holders)
        if on:
            holders.add(by)
        else:
            holders.discard(by)
        if bool(holders) == was:
            return False
        self.version += 1
        return True

    def fits(self, b: Binding) -> bool:
        if b.pages and self.page not in b.pages:
            return False
        return not b.when or bool(self.held.get(b.when))

    def level(self, b: Binding) -> float:
        """A page or layer mapping's LED: lit on its page, while its layer is held."""
        if b.target == "page":
            if isinstance(b.value, str):
                return 1.0 if b.value == self.page else 0.0
            if isinstance(b.value, float):
                index = int(b.value)
                on = 0 <= index < len(self.pages) and self.pages[index] == self.page
                return 1.0 if on else 0.0
            return 0.0
        layer = layer_of(b.target)
        return 1.0 if layer and self.held.get(layer) else 0.0


def rank(b: Binding) -> int:
    """How specific a mapping is: a layer counts more than a page."""
    return 2 * bool(b.when) + bool(b.pages)


def conditional(bindings: Iterable[Binding]) -> bool:
    """True when some mapping depends on the page or a layer (else nothing needs arranging)."""
    return any(b.pages or b.when for b in bindings)


def acting(lives: Sequence[L], view: View) -> tuple[list[L], list[L]]:
    """Of one control's mappings, those that act now and those that do not."""
    fitting = [lv for lv in lives if view.fits(lv.binding)]
    plain = [lv for lv in fitting if not layer_of(lv.binding.target)]
    top = max((rank(lv.binding) for lv in plain), default=0)
    keep = [lv for lv in fitting if layer_of(lv.binding.target) or rank(lv.binding) == top]
    kept = {id(lv) for lv in keep}
    return keep, [lv for lv in lives if id(lv) not in kept]


def arrange(index: dict[K, list[L]], view: View) -> tuple[dict[K, list[L]], dict[K, list[L]]]:
    """The index of what acts now, and of what is out of play, from the index of everything."""
    active: dict[K, list[L]] = {}
    shadow: dict[K, list[L]] = {}
    for key, lives in index.items():
        if not any(lv.binding.pages or lv.binding.when for lv in lives):
            active[key] = lives  # the common case: one meaning all show long
            continue
        keep, out = acting(lives, view)
        if keep:
            active[key] = keep
        if out:
            shadow[key] = out
    return active, shadow


class Pager(Generic[K, P]):
    """The engine's pages and layers: the view, and what acts in it.

    Built from the engine's index of every mapping by control (``everything``) and its
    LFOs; ``index``, ``lfos`` and ``acting`` are what acts now, rebuilt at each change.
    """

    def __init__(
        self, pages: tuple[str, ...], index: dict[K, list[P]], lfos: list[P], lives: list[P]
    ) -> None:
        self.view = View(pages)
        self.everything, self.all_lfos, self.lives = index, lfos, lives
        self.index, self.lfos, self.acting = index, lfos, lives
        self.shadow: dict[K, list[P]] = {}
        """What is out of play now, by control: a move of it is noted in ``moved``."""
        self.moved: set[str] = set()
        """Ids of mappings out of play whose control moved: they must pick up again."""
        self.left_pressed: list[P] = []
        self.paged = conditional(live.binding for live in lives)
        if self.paged:
            self.regroup()

    def touch(self, key: K) -> None:
        """The control at ``key`` moved (called only while something is out of play)."""
        for live in self.shadow.get(key, ()):
            self.moved.add(live.binding.id)

    def drive(self, target: str, by: str, value: float | str) -> bool:
        """What a page or layer mapping sets; True when what acts changed."""
        view = self.view
        if target == "page.next":
            changed = view.step(1)
        elif target == "page.prev":
            changed = view.step(-1)
        elif target == "page":
            changed = view.select(value)
        else:
            on = isinstance(value, float) and value >= 0.5
            changed = view.hold(layer_of(target), by, on)
        return self.changed(changed)

    def changed(self, changed: bool) -> bool:
        if changed and self.paged:
            self.regroup()
            return True
        return False

    def regroup(self) -> None:
        """Put what acts on this page and layer in ``index``. A mapping coming back into play
        whose control moved meanwhile must pick its value up again (no jump); one leaving
        while its button is down goes in ``left_pressed``: it will not see the release, so
        the engine releases it (a momentary pad never stays on)."""
        before = {id(live) for live in self.acting}
        self.index, self.shadow = arrange(self.everything, self.view)
        self.lfos = [live for live in self.all_lfos if self.view.fits(live.binding)]
        now = {id(live) for lives in self.index.values() for live in lives}
        now.update(id(live) for live in self.lfos)
        self.acting = [live for live in self.lives if id(live) in now]
        for live in self.lives:
            if id(live) in now and id(live) not in before:
                if live.binding.id in self.moved and live.takeover is not None:
                    live.takeover.engaged = False
                    live.takeover.last_candidate = None
                self.moved.discard(live.binding.id)
            elif id(live) in before and id(live) not in now and live.pressed:
                self.left_pressed.append(live)
