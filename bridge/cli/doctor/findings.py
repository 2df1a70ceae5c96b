"""What one check found, and how findings are shown (a screen of lines, or JSON)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, TypeVar

from bridge.errors import BridgeError

Status = Literal["ok", "warning", "missing"]

_MARK: dict[Status, str] = {"ok": "ok", "warning": "warning", "missing": "MISSING"}

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the doctor's screen. ``missing`` means the show cannot do without it."""

    area: str
    status: Status
    text: str
    fix: str = ""


def render(findings: Sequence[Finding]) -> str:
    """One line per finding, status first, the fix after a dash; a summary line last."""
    width = max((len(f.area) for f in findings), default=0)
    lines = []
    for f in findings:
        fix = f" — {f.fix}" if f.fix and f.status != "ok" else ""
        lines.append(f"{_MARK[f.status]:<8} {f.area:<{width}}  {f.text}{fix}")
    missing = sum(f.status == "missing" for f in findings)
    warnings = sum(f.status == "warning" for f in findings)
    if missing:
        lines.append(f"{missing} missing, {_n(warnings, 'warning')}: the show cannot run as it is.")
    elif warnings:
        lines.append(f"ready, with {_n(warnings, 'warning')}.")
    else:
        lines.append("ready.")
    return "\n".join(lines)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def to_json(findings: Sequence[Finding]) -> str:
    return json.dumps(
        {"ready": exit_status(findings) == 0, "checks": [asdict(f) for f in findings]}, indent=2
    )


def exit_status(findings: Sequence[Finding]) -> int:
    """1 when something the show needs is missing, else 0 (warnings do not fail)."""
    return 1 if any(f.status == "missing" for f in findings) else 0


class TooSlow(BridgeError):
    """A probe did not finish within its deadline."""


def bounded(fn: Callable[[], T], timeout_s: float) -> T:
    """Run ``fn`` on a daemon thread; raise ``TooSlow`` after ``timeout_s``.

    A daemon thread, not an executor's: a probe stuck in a native call (PortAudio, libjack)
    must not keep the command from exiting.
    """
    box: dict[str, object] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="doctor-probe", daemon=True).start()
    if not done.wait(timeout_s):
        raise TooSlow(f"no answer within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
