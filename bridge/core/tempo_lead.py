"""One tempo, chosen on purpose: which of several tempo sources leads the bridge.

Every tempo source (Ableton Link, MIDI clock, a host's OSC, Scope, the audio tracker,
taps) sends `TempoBeat` events; the rest of the bridge (the beat quantiser, tempo
mappings, the console) sees one stream only, the leader's, as this module passes it on.

Rules of this module:
- the leader is the live source ranked first in the show's ``order``; an entry there names
  a kind (``link``, ``midi``, ``osc``, ``scope``, ``audio``, ``tap``) or one source by its
  name; a source whose kind and name are both absent from the order never leads;
- a source is live while its last event is recent (``silent_after``) and sure enough
  (confidence at least `MIN_CONFIDENCE`, a BPM in `TRUSTED_BPM`); when no source is live
  the last leader stays named but nothing is passed on (the quantiser then stops holding);
- a handover never jumps the beat phase: the new leader's phase is offset to where the
  bridge's beat is at that moment, and the offset then shrinks by at most `SLEW` beats per
  beat (the bridge's beat drifts onto the new leader's, as a DJ nudges a record). Only
  whole beats may move at once: the bar follows the new leader's downbeat at once, since
  that moves no beat;
- a source that gives a tempo without a beat (Resolume) never carries a phase: leading,
  it passes on its BPM with no beat marks, as it always did;
- taps are a source of their own (``tap``): two or more presses set a tempo whose beats
  fall on the presses, and it stays live from then on (a tapped tempo is a setting, not a
  signal that can fall silent; it leads only when no source ranked above it is live).

Pure: events in, events out, time arrives as data.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace

from bridge.core.beats import MIN_CONFIDENCE, TRUSTED_BPM
from bridge.core.events import TempoBeat
from bridge.core.show import TEMPO_ORDER, Show

DEFAULT_ORDER = TEMPO_ORDER
KINDS = frozenset(DEFAULT_ORDER)
SLEW = 0.1
"""How fast the bridge's beat moves onto a new leader's after a handover, in beats per beat."""
SILENT_BEATS = 2.5
"""A source is silent after this many of its beats without an event ..."""
SILENT_MIN_S = 0.75
"""... and never sooner than this (a fast tempo still sends only a few events a beat)."""
TAP_SOURCE = "tap"
TAP_RESET_S = 2.0
"""A gap between presses longer than this starts a new run of taps."""
TAP_KEEP = 8


def wrap(x: float) -> float:
    """``x`` moved by whole units into [-0.5, 0.5)."""
    return x - math.floor(x + 0.5)


@dataclass(slots=True)
class Heard:
    """The last event of one source, and whether it ever marked a beat."""

    last: TempoBeat
    phased: bool

    def beat_at(self, t: float) -> float:
        """Its beat position (within the bar, in beats) at ``t``, from its last event."""
        e = self.last
        return e.beat_phase + (t - e.t) * e.bpm / 60.0

    def live(self, now: float) -> bool:
        e = self.last
        lo, hi = TRUSTED_BPM
        if not lo <= e.bpm <= hi or not e.confidence >= MIN_CONFIDENCE:
            return False
        return now - e.t <= silent_after(e.bpm)


def silent_after(bpm: float) -> float:
    """How long a source at ``bpm`` may say nothing and still lead."""
    return max(SILENT_MIN_S, SILENT_BEATS * 60.0 / bpm) if bpm > 0.0 else SILENT_MIN_S


@dataclass(slots=True)
class Handover:
    """A change of leader, for the console and the log."""

    t: float
    leader: str | None
    previous: str | None
    offset_beats: float
    """Where the new leader's beat was against the bridge's (the bridge moves onto it)."""


@dataclass(slots=True)
class TapTempo:
    """Presses in, a tempo out: the median gap of the run, beats on the presses."""

    presses: list[float] = field(default_factory=list)
    bpm: float = 0.0
    anchor: float | None = None
    scale: float = 1.0
    emitted: float | None = None
    """The last beat time passed on (beats are emitted as time passes them)."""

    def press(self, t: float) -> None:
        if self.presses and not 0.0 < t - self.presses[-1] <= TAP_RESET_S:
            self.presses.clear()
        self.presses.append(t)
        del self.presses[:-TAP_KEEP]
        if len(self.presses) >= 2:
            gaps = [b - a for a, b in zip(self.presses, self.presses[1:], strict=False)]
            self.bpm, self.anchor, self.scale = 60.0 / statistics.median(gaps), t, 1.0
            self.emitted = None

    def rescale(self, factor: float) -> None:
        if self.bpm > 0.0:
            self.scale *= factor

    def due(self, now: float) -> list[TempoBeat]:
        """The beats from the last one passed on up to ``now`` (the latest only)."""
        if self.anchor is None or not self.bpm > 0.0:
            return []
        bpm = self.bpm * self.scale
        period = 60.0 / bpm
        n = math.floor((now - self.anchor) / period + 1e-9)
        beat_t = self.anchor + n * period
        if n < 0 or (self.emitted is not None and beat_t <= self.emitted + 1e-9):
            return []
        self.emitted = beat_t
        return [TempoBeat(beat_t, TAP_SOURCE, bpm, 0.0, 0.0, beat=True)]


def tempo_kinds(show: Show) -> dict[str, str]:
    """Each tempo source the show has, by name, with its kind (``link`` and ``tap`` are
    named as their kind; MIDI devices following clock, OSC hosts, audio inputs)."""
    kinds = {d.name: "midi" for d in show.midi if d.clock}
    kinds.update({d.name: "osc" for d in show.osc if d.tempo})
    kinds.update({d.name: "audio" for d in show.audio})
    return kinds


class TempoLead:
    """Chooses the leading tempo source and passes on its beat, continuous across handovers."""

    def __init__(
        self,
        order: tuple[str, ...] = DEFAULT_ORDER,
        kinds: dict[str, str] | None = None,
        beats_per_bar: int = 4,
    ) -> None:
        self.order = order
        self.kinds = dict(kinds or {})
        """Source name → kind; a name not here is its own kind (``tap`` is ``tap``)."""
        self.beats_per_bar = beats_per_bar
        self.heard: dict[str, Heard] = {}
        self.leader: str | None = None
        """The source that leads, or led last when ``leading`` is False (all went silent)."""
        self.leading = False
        self.offset = 0.0
        """The bridge's beat minus the leader's, in beats (shrinks towards 0)."""
        self.offset_t = 0.0
        self.last_out: TempoBeat | None = None
        self.handovers: list[Handover] = []
        """Changes of leader not yet taken by the console (`take_handovers`)."""
        self.taps = TapTempo()

    def reorder(self, order: tuple[str, ...], kinds: dict[str, str], beats_per_bar: int) -> None:
        """A reloaded show's order: the next event or tick elects by it (the beat carries on)."""
        self.order, self.kinds, self.beats_per_bar = order, dict(kinds), beats_per_bar

    @property
    def needs_ticks(self) -> bool:
        """While a source leads (it may go silent) or taps set a tempo (their beats are due)."""
        return self.leading or self.taps.anchor is not None

    # -- ranking ---------------------------------------------------------------------------
    def rank(self, source: str) -> int | None:
        """Its place in the order (0 leads first), or None when it never leads."""
        if source in self.order:
            return self.order.index(source)
        kind = self.kinds.get(source, source)
        return self.order.index(kind) if kind in self.order else None

    def choose(self, now: float) -> str | None:
        """The live source ranked first (ties by name), or None when none is live."""
        ranked = [
            (r, name)
            for name, heard in self.heard.items()
            if heard.live(now) and (r := self.rank(name)) is not None
        ]
        return min(ranked)[1] if ranked else None

    # -- input -----------------------------------------------------------------------------
    def feed(self, event: TempoBeat) -> list[TempoBeat]:
        """Take one source's event; return what the bridge hears (the leader's, adjusted)."""
        heard = self.heard.get(event.source)
        phased = event.beat or event.downbeat or event.beat_phase != 0.0
        if heard is None:
            self.heard[event.source] = Heard(event, phased)
        else:
            heard.last, heard.phased = event, heard.phased or phased
        self._elect(event.t)
        if event.source != self.leader or not self.leading:
            return []
        return [self._pass_on(event)]

    def tick(self, now: float) -> list[TempoBeat]:
        """Time passing: hand over from a source gone silent; pass on due tap beats."""
        out: list[TempoBeat] = []
        for beat in self.taps.due(now):
            out += self.feed(beat)
        self._elect(now)
        return out

    def tap(self, t: float) -> list[TempoBeat]:
        self.taps.press(t)
        return self.tick(t)

    def rescale(self, factor: float) -> None:
        """Double or halve the tapped tempo (the other sources keep their own)."""
        self.taps.rescale(factor)

    def take_handovers(self) -> list[Handover]:
        taken, self.handovers = self.handovers, []
        return taken

    # -- the bridge's beat -----------------------------------------------------------------
    def bridge_beat(self, t: float) -> float | None:
        """The bridge's beat position (beats within the bar) at ``t``: the leader's, moved by
        what is left of the offset; a leader without beats runs on from what was passed on."""
        heard = self.heard.get(self.leader) if self.leader is not None else None
        if heard is None:
            return None
        if not heard.phased:
            out = self.last_out
            return None if out is None else self._position(out) + (t - out.t) * out.bpm / 60.0
        return (
            self._position(heard.last)
            + heard.beat_at(t)
            - heard.last.beat_phase
            + (self._offset_at(t, heard.last.bpm))
        )

    def _position(self, e: TempoBeat) -> float:
        """Its beat position within the bar (whole beats from the bar phase, the rest from
        the beat phase, which is the finer of the two)."""
        bpb = self.beats_per_bar
        return round(e.bar_phase * bpb - e.beat_phase) % bpb + e.beat_phase

    def _offset_at(self, t: float, bpm: float) -> float:
        """The offset left at ``t``: it shrinks by `SLEW` beats per beat towards 0."""
        step = SLEW * max(t - self.offset_t, 0.0) * bpm / 60.0
        return 0.0 if abs(self.offset) <= step else self.offset - math.copysign(step, self.offset)

    def _elect(self, now: float) -> None:
        chosen = self.choose(now)
        if chosen is None:
            if self.leading:  # the leader went silent and no other source is live
                self.leading = False
                self.handovers.append(Handover(now, None, self.leader, 0.0))
            return
        if chosen == self.leader and self.leading:
            return
        # the bridge's beat is kept across a handover; after a silence nothing followed it
        # (the quantiser stopped holding), so the returning leader is taken as it is
        here = self.bridge_beat(now) if self.leading else None
        previous = self.leader if self.leading else None
        new = self.heard[chosen]
        self.leader, self.leading = chosen, True
        self.offset, self.offset_t = 0.0, now
        if here is not None and new.phased:
            self.offset = wrap(
                here - self._position(new.last) - (new.beat_at(now) - new.last.beat_phase)
            )
        elif here is not None:  # no beats of its own: the bridge's runs on at its tempo
            bpb = self.beats_per_bar
            self.last_out = TempoBeat(now, chosen, new.last.bpm, here % 1.0, (here % bpb) / bpb)
        self.handovers.append(Handover(now, chosen, previous, self.offset))

    def _pass_on(self, event: TempoBeat) -> TempoBeat:
        heard = self.heard[event.source]
        prev = self.last_out
        before = self.bridge_beat(event.t) if prev is not None else None
        bpb = self.beats_per_bar
        if not heard.phased:  # a tempo without beats: the bridge's own phase runs on
            here = before or 0.0
            beat = downbeat = False
        else:
            self.offset = self._offset_at(event.t, event.bpm)
            self.offset_t = event.t
            here = self._position(event) + self.offset
            if before is None or prev is None:
                beat, downbeat = event.beat, event.downbeat
            elif self.offset == 0.0 and event.beat:
                beat, downbeat = True, event.downbeat
            else:  # did the bridge's beat cross a whole beat since the last one passed on?
                start = self._position(prev)
                moved = (event.t - prev.t) * prev.bpm / 60.0 + wrap(here - before)
                beat = math.floor(start + moved + 1e-9) > math.floor(start + 1e-9)
                downbeat = beat and (here % bpb) < 0.5
        out = replace(
            event,
            beat_phase=here % 1.0,
            bar_phase=(here % bpb) / bpb,
            beat=beat,
            downbeat=downbeat,
        )
        self.last_out = out
        return out
