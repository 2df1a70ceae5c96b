"""What both sides of the console's process line agree on about time.

The bridge's feed (`bridge.console.serve.feed`) and the console (`bridge.console.app`) read
these same numbers: one decides when a snapshot counts as new, the other when to ask for a
whole one and how to draw a tempo. Kept here, the console never imports the bridge's side.
"""

from __future__ import annotations

TEMPO_RUNS_S = 4.0
"""A tempo heard within this long is running: its phase (the console's beat light) moving
is a change. Older, the phase still moves on paper, but the console shows the tempo as
stale, and its phase no longer makes snapshots new."""
HEARTBEAT_S = 1.0
"""How often the console takes a full snapshot even when nothing changed."""
