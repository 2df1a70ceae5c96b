"""What a live audio input is doing, kept as a state and its facts.

The Devices line shows the state word and the words after it, the Problems panel the whole
sentence. Both are made here from the facts, so nothing reads a state back out of a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class AudioState(Enum):
    """Where a live input is in its life; the value is the word the console shows."""

    STOPPED = "stopped"
    CAPTURING = "capturing"
    WAITING = "waiting"
    """Not capturing yet: the device is missing or its audio server does not answer."""
    LOST = "lost"
    """Was capturing; the stream ended or went silent, and is being looked for again."""


TROUBLE = frozenset({AudioState.WAITING, AudioState.LOST})
"""States the Problems panel lists."""


@dataclass(frozen=True, slots=True)
class AudioStatus:
    """A state with its facts: ``device`` as shown (captured from, or waited for) and
    ``reason`` (why it waits, or why the stream counts as lost)."""

    state: AudioState = AudioState.STOPPED
    device: str = ""
    reason: str = ""

    @classmethod
    def capturing(cls, device: object) -> AudioStatus:
        """Capturing from ``device`` as PortAudio names the open stream's device."""
        return cls(AudioState.CAPTURING, device=repr(device))

    @classmethod
    def waiting(cls, name: str, reason: object) -> AudioStatus:
        """Waiting for the input called ``name`` (already quoted for display)."""
        return cls(AudioState.WAITING, device=name, reason=str(reason))

    @classmethod
    def lost(cls, reason: str) -> AudioStatus:
        return cls(AudioState.LOST, reason=reason)

    @property
    def trouble(self) -> bool:
        """True when the input is not capturing but should be."""
        return self.state in TROUBLE

    def detail(self) -> str:
        """The words after the state word on a Devices line ("" when there are none)."""
        if self.state is AudioState.CAPTURING:
            return f"from {self.device}"
        if self.state is AudioState.WAITING:
            return f"for {self.device}: {self.reason}"
        if self.state is AudioState.LOST:
            return f"({self.reason}); retrying"
        return ""

    def sentence(self) -> str:
        """The status in one line, as the Problems panel shows it."""
        detail = self.detail()
        return f"{self.state.value} {detail}" if detail else self.state.value
