"""requirements.lock is in step with pyproject.toml: every dependency (and test tool) is
pinned exactly, to a version pyproject allows, keeping its platform marker, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]


def out_of_step(pyproject: str, lock: str) -> list[str]:
    """What is wrong between the two texts, one sentence each ([] when in step)."""
    problems: list[str] = []
    locked: dict[str, tuple[Version, str]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", lock):
        if entry.startswith("#") or not entry.strip():
            continue
        match = re.match(r"([A-Za-z0-9._-]+)==([^ ;\\\n]+)", entry)
        try:
            assert match is not None
            version = Version(match.group(2))
        except (AssertionError, InvalidVersion):
            problems.append(f"not an exact pin: {entry[:60]!r}")
            continue
        locked[canonicalize_name(match.group(1))] = (version, entry)
        if "--hash=sha256:" not in entry:
            problems.append(f"{match.group(1)} has no hash")
    project = tomllib.loads(pyproject)["project"]
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(line)
        pin = locked.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req.name} is not locked")
        elif not req.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{req.name} is locked at {pin[0]}, outside {req.specifier}")
        elif req.marker is not None and ";" not in pin[1].splitlines()[0]:
            problems.append(f"{req.name} lost its platform marker")
    return problems


def test_the_lock_is_in_step_with_pyproject() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    lock = (ROOT / "requirements.lock").read_text()
    assert out_of_step(pyproject, lock) == [], "run ./scripts/lock"
    assert lock.count("==") > 40, "the lock lists the whole tree, not only our direct needs"


def test_a_lock_out_of_step_is_named() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    lock = (ROOT / "requirements.lock").read_text()
    textual = re.search(r"^textual==(\S+)", lock, re.M)
    assert textual is not None
    moved = lock.replace(textual.group(0), "textual==8.3.0")
    assert out_of_step(pyproject, moved) == ["textual is locked at 8.3.0, outside <8.3,>=8.2"]
    gone = re.sub(r"^mido==.*?(?=\n[a-z])", "", lock, flags=re.M | re.S)
    assert "mido is not locked" in out_of_step(pyproject, gone)
    bare = re.sub(r"(^numpy==\S+).*?(?=\n[a-z])", r"\1", lock, flags=re.M | re.S)
    assert "numpy has no hash" in out_of_step(pyproject, bare)
