"""What the show console needs from the bridge: the `ConsoleHost` protocol.

The console only watches snapshots and sends commands; everything it can do to the show
goes through this seam, so the real bridge and a test's hand-written fake are
interchangeable. Every method except `run_bridge` is called on the Textual loop and must
return quickly (no network round trips, no sleeps).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from bridge.core.events import Event
from bridge.watch.snapshot import Snapshot

PreviewImage = npt.NDArray[np.uint8]
"""A small RGB image, shape (height, width, 3), e.g. 36 x 64."""


class ConsoleHost(Protocol):
    """The running bridge as the console sees it."""

    def snapshot(self) -> Snapshot:
        """The current state for display; called 10-15 times a second, so keep it cheap."""
        ...

    def submit(self, event: Event) -> None:
        """Take a command (a `UiAction`) through the same path as a controller input."""
        ...

    def reload(self) -> str | None:
        """Reload the mapping files: None when it worked, else the error (file, line, key)."""
        ...

    def reconnect(self) -> None:
        """Drop the Scope session and connect again now, skipping any back-off wait."""
        ...

    def save(self) -> str:
        """Write the show (learned mappings, edited prompts): where it went, or why not."""
        ...

    def toggle_sink(self, name: str) -> str:
        """Turn a frame output (NDI, Syphon, Spout, recorder) on or off; a sentence."""
        ...

    def learn_targets(self) -> list[str]:
        """The target keys a control can be learned onto, in display order."""
        ...

    def learn_start(self, target: str) -> None:
        """Start watching inputs for the control the performer moves next."""
        ...

    def learn_candidate(self) -> str | None:
        """The control moved since `learn_start`, described for a person; None if none yet."""
        ...

    def learn_conflicts(self) -> list[str]:
        """The mappings the moved control already drives ("'fader-2' → prompt.city.weight"),
        so the console can warn before binding one control to two things."""
        ...

    def learn_confirm(self, move: bool = False) -> str:
        """Bind the candidate to the target; a sentence saying what was learned (or why not).
        With ``move``, the mappings it already drove (in the show file) go."""
        ...

    def learn_cancel(self) -> None:
        """Stop learning without changing anything."""
        ...

    async def run_bridge(self) -> None:
        """Run the whole bridge until cancelled (the console runs it as a worker)."""
        ...

    def preview(self) -> PreviewImage | None:
        """A small RGB image of the latest frame from Scope, or None before the first one."""
        ...
