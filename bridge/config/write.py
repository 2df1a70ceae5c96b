"""Writing show files back: learned bindings and edited prompts, keeping comments and layout.

tomlkit edits the document in place, so everything a person wrote (comments, ordering,
spacing) survives. A write is validated by loading the new text *before* it replaces the
file (written beside it, then renamed), so a failed write never leaves a broken show.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from bridge.config.load import load_show
from bridge.core.show import Show
from bridge.errors import ConfigError, ConfigErrors


def _inline(value: Mapping[str, Any]) -> tomlkit.items.InlineTable:
    table = tomlkit.inline_table()
    table.update(value)
    return table


def _commit(path: Path, text: str) -> Show:
    """Validate ``text`` as the show at ``path`` and put it in place atomically.

    An error in the new text names ``path`` (the file the person knows), not the temporary
    file it was checked in.
    """
    temp = path.with_name(f".{path.name}.saving")
    temp.write_text(text, encoding="utf-8")
    try:
        show = load_show(temp)
    except ConfigError as exc:
        temp.unlink(missing_ok=True)
        tried = Path(os.path.realpath(temp))
        named = [  # an include that is wrong names itself
            ConfigError(str(path), e.key, e.detail, e.line) if Path(e.file) == tried else e
            for e in getattr(exc, "errors", (exc,))
        ]
        raise (ConfigErrors(named) if len(named) > 1 else named[0]) from None
    os.replace(temp, path)
    checked, real = os.path.realpath(temp), os.path.realpath(path)
    files = tuple(real if f == checked else f for f in show.files)
    return replace(show, path=real, files=files)


def _document(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except (OSError, tomlkit.exceptions.ParseError) as exc:
        raise ConfigError(str(path), "", f"cannot rewrite this file: {exc}") from exc


def add_binding(
    path: str | Path,
    binding: Mapping[str, Any],
    comment: str = "",
    *,
    remove: Sequence[int] = (),
) -> Show:
    """Append one ``[[mappings]]`` entry (source as an inline table) and validate.

    ``remove`` lists entries of this file (their place among its ``[[mappings]]``) that go
    in the same write: learning a control again *moves* it instead of binding it twice.
    """
    path = Path(path)
    doc = _document(path)
    table = tomlkit.table()
    if comment:
        table.add(tomlkit.comment(comment))
    for key, value in binding.items():
        table.add(key, _inline(value) if isinstance(value, Mapping) else value)
    mappings = doc.get("mappings")
    if mappings is None:
        aot = tomlkit.aot()
        aot.append(table)
        doc.add("mappings", aot)
    elif isinstance(mappings, AoT):
        for index in sorted(set(remove), reverse=True):
            if not 0 <= index < len(mappings):
                raise ConfigError(str(path), f"mappings[{index}]", "no such mapping to move")
            del mappings[index]
        mappings.append(table)
    else:
        raise ConfigError(str(path), "mappings", "expected [[mappings]] tables")
    return _commit(path, tomlkit.dumps(doc))


def save_prompts(path: str | Path, texts: Mapping[str, str], weights: Mapping[str, float]) -> Show:
    """Write the running prompt texts and base weights into the slots this file declares."""
    path = Path(path)
    doc = _document(path)
    prompts = doc.get("prompts")
    if isinstance(prompts, AoT):
        for slot in prompts:
            assert isinstance(slot, Table)
            slot_id = str(slot.get("id"))
            if slot_id in texts and slot.get("text") != texts[slot_id]:
                slot["text"] = texts[slot_id]
            if slot_id in weights and slot.get("weight") != round(weights[slot_id], 3):
                slot["weight"] = round(weights[slot_id], 3)
    return _commit(path, tomlkit.dumps(doc))
