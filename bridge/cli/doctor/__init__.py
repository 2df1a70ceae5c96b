"""`scope-bridge doctor`: before the show, everything this machine and show need, one line each.

Each check gives a ``Finding``: ok, warning or missing, what was found, and the one sentence
that fixes it. It changes nothing (a port is bound and let go at once, nothing is loaded into
Scope) and never waits long: every probe that can block runs on a daemon thread with a
deadline, so a hung audio server or a silent Scope costs seconds, not the show.
"""

from __future__ import annotations

from bridge.cli.doctor.findings import Finding, Status, exit_status, render, to_json
from bridge.cli.doctor.run import diagnose

__all__ = ["Finding", "Status", "diagnose", "exit_status", "render", "to_json"]
