"""What crosses the process line, as plain data: snapshots, console commands, preview images.

The console and the bridge exchange JSON (`bridge.console.wire.frames`), so nothing executable
crosses the socket and any other reader (a web page, a second console) can follow the stream. A
snapshot travels as the same dictionary `scope-bridge status` writes (`Snapshot.to_json`),
and is rebuilt here into the typed `Snapshot` the panels read; the one event the console
sends, a `UiAction`, travels as its fields; a preview image is its shape in JSON and its
pixels as raw bytes beside it.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, fields, is_dataclass
from typing import Any, cast, get_args

import numpy as np

from bridge.console.wire.host import PreviewImage
from bridge.core.events import UiAction, UiActionName
from bridge.errors import MessageError
from bridge.watch.snapshot import ControlView, DeviceView, OutputView, PromptView, Snapshot

ACTIONS = frozenset(get_args(UiActionName))


class BadMessage(MessageError, ValueError):
    """A message whose fields are not what its kind needs (named in the sentence)."""


LEAVES = frozenset({str, int, float, bool, type(None)})
"""Values that cannot change once made: a copy of the snapshot may share them."""


_NAMES: dict[type, tuple[str, ...]] = {}
"""Each dataclass's field names, looked up once."""


def plain(value: Any) -> Any:
    """``dataclasses.asdict``'s result, made faster: the console asks for a snapshot ten
    times a second on the bridge's loop, and `asdict` passes every string and number in it
    through `copy.deepcopy` (about 0.4 ms of a 72-control show's 1.2 ms answer under a
    storm, while controller messages wait). Immutable leaves are shared instead; containers
    are still copied, so a dict the bridge goes on changing (its connection and extra
    views) cannot change the copy the feed compares against."""
    kind = type(value)
    if kind in LEAVES:
        return value
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(plain(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        names = _NAMES.get(kind)
        if names is None:
            names = _NAMES[kind] = tuple(f.name for f in fields(value))
        return {name: plain(getattr(value, name)) for name in names}
    return copy.deepcopy(value)  # anything else (a path, an enum, a set), as `asdict` has it


def snapshot_to_data(snap: Snapshot) -> dict[str, Any]:
    """The snapshot as plain data, equal to ``dataclasses.asdict(snap)`` (see `plain`)."""
    data: dict[str, Any] = plain(snap)
    return data


def _tuple_of(kind: Any, items: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(items, list):
        raise BadMessage(f"snapshot.{where}: expected a list, got {type(items).__name__}")
    try:
        return tuple(kind(**item) for item in items)
    except TypeError as exc:
        raise BadMessage(f"snapshot.{where}: {exc}") from None


def snapshot_from_data(data: Any) -> Snapshot:
    """The typed snapshot back from its dictionary; `BadMessage` names a field that is off."""
    if not isinstance(data, dict):
        raise BadMessage(f"a snapshot must be an object, got {type(data).__name__}")
    fields = dict(data)
    try:
        fields["prompts"] = _tuple_of(PromptView, data["prompts"], "prompts")
        fields["controls"] = _tuple_of(ControlView, data["controls"], "controls")
        fields["devices"] = _tuple_of(DeviceView, data["devices"], "devices")
        fields["output"] = OutputView(**data["output"])
        for name in ("events", "problems", "pages", "layers"):
            fields[name] = tuple(str(item) for item in data.get(name, ()))
        return Snapshot(**fields)
    except (KeyError, TypeError) as exc:
        raise BadMessage(f"a snapshot without a usable field: {exc}") from None


def event_to_data(event: UiAction) -> dict[str, Any]:
    return asdict(event)


def event_from_data(data: Any) -> UiAction:
    """The console's command back from its fields; only known actions are accepted."""
    if not isinstance(data, dict):
        raise BadMessage(f"a console command must be an object, got {type(data).__name__}")
    action = data.get("action")
    if action not in ACTIONS:
        raise BadMessage(f"a console command with an unknown action {action!r}")
    value = data.get("value")
    if value is not None and not isinstance(value, int | float | str):
        raise BadMessage(f"console command {action}: a value of type {type(value).__name__}")
    t, source, target = data.get("t"), data.get("source"), data.get("target", "")
    if not isinstance(t, int | float) or not isinstance(source, str) or not isinstance(target, str):
        raise BadMessage(f"console command {action}: t, source or target of the wrong type")
    return UiAction(float(t), source, cast(UiActionName, action), target, value)


def image_to_data(image: PreviewImage | None) -> tuple[dict[str, Any] | None, bytes]:
    """An image as (its shape, its pixels); (None, b"") for no image yet."""
    if image is None:
        return None, b""
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    return {"shape": list(pixels.shape)}, pixels.tobytes()


def image_from_data(head: Any, raw: bytes) -> PreviewImage | None:
    if head is None:
        return None
    shape = head.get("shape") if isinstance(head, dict) else None
    if (
        not isinstance(shape, list)
        or len(shape) != 3
        or not all(isinstance(n, int) and n > 0 for n in shape)
        or shape[2] != 3
        or shape[0] * shape[1] * 3 != len(raw)
    ):
        raise BadMessage(f"a preview image of shape {shape!r} with {len(raw)} bytes")
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape).copy()
