"""What of an analysed burst reaches ``emit``.

When the loop falls behind, one drain analyses several blocks at once: every onset and beat
still counts, but features are states, so only the newest AudioFeatures of the burst is worth
sending.
"""

from __future__ import annotations

from bridge.core.events import AudioFeatures, Event
from bridge.protocols import Emit


def emit_all(emit: Emit, events: list[Event], keep_features: bool) -> None:
    """Emit ``events`` in order; AudioFeatures only when ``keep_features``."""
    for event in events:
        if keep_features or not isinstance(event, AudioFeatures):
            emit(event)
