"""The mapping engine: an input event in, target changes out.

Rules of this module:
- bindings are indexed once by what they listen to, so an event costs a dict lookup, not a
  scan; a binding without a MIDI channel listens on all sixteen;
- a raw value is normalised to 0..1 (by the binding's ``in`` range or the source's natural
  one), shaped by the binding's chain, then scaled to the target (``out`` range, or the
  target's bounds);
- buttons (notes, or a CC crossing 64) drive pads; relative encoders step from the
  target's current value; absolute knobs pass soft takeover;
- time only arrives as data: ``feed`` takes the event's stamp, ``tick(now)`` moves LFOs and
  smoothing along;
- ``feed`` is total: no event raises, and no change carries a non-finite number. The edges
  refuse NaN and ±inf (`bridge.core.finite`); whatever gets here anyway is refused again and
  counted in ``refused``, never turned into a value (inf is not "the top of the range"). A
  binding with a non-finite number in the show file is left out, so that every value path,
  fed finite numbers, computes finite ones without a check per value.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bridge.core import events as ev
from bridge.core.beats import BeatClock
from bridge.core.bindings import MIDI_CONTROLS, Binding
from bridge.core.encoders import accelerated, decode
from bridge.core.finite import Refusals, binding_refusal, first_refusal, number_reason, reason
from bridge.core.pages import Pager, is_view_target
from bridge.core.params import from_osc
from bridge.core.show import Show
from bridge.core.state import Change, ShowState
from bridge.core.takeover import Takeover
from bridge.core.targets import TargetSpec, clamp, spec_in
from bridge.core.transforms import Chain, clamp01, lerp, normalise

Key = tuple[str, str, int, int | str]

_BPM_RANGE = (60.0, 180.0)


def lfo_value(shape: str, cycles: float) -> float:
    """An LFO of one of four shapes at a position in cycles, as 0..1."""
    phase = cycles % 1.0
    if shape == "sine":
        return 0.5 - 0.5 * math.cos(2.0 * math.pi * phase)
    if shape == "triangle":
        return 1.0 - abs(2.0 * phase - 1.0)
    if shape == "saw":
        return phase
    return 1.0 if phase < 0.5 else 0.0


@dataclass(slots=True)
class Live:
    """One binding at run time: its chain state, takeover and last values."""

    binding: Binding
    spec: TargetSpec
    in_lo: float
    in_hi: float
    out_lo: float
    out_hi: float
    chain: Chain
    takeover: Takeover | None
    last_input: float | None = None
    last_out: float | str | None = None
    pressed: bool = False
    extra: dict[str, float] = field(default_factory=dict)
    view: bool = False
    """Drives the page or a layer (`bridge.core.pages`): the engine's own, never a Change."""


def _live(b: Binding, show: Show) -> Live:
    spec = spec_in(b.target, show.params)
    assert spec is not None  # the loader checked every target
    src = b.source
    if b.in_range:
        in_lo, in_hi = b.in_range
    elif src.kind == "midi" and src.control:
        in_lo, in_hi = MIDI_CONTROLS[src.control].raw
    elif src.feature == "bpm":
        in_lo, in_hi = _BPM_RANGE
    else:
        in_lo, in_hi = 0.0, 1.0
    out_lo, out_hi = b.out_range or (spec.lo, spec.hi)
    absolute = b.pad is None and b.encoder is None and src.kind in ("midi", "osc")
    takeover = None
    if absolute and b.takeover != "off" and b.merge == "set" and spec.kind == "continuous":
        takeover = Takeover(b.takeover, out_lo, out_hi, b.tolerance)
    live = Live(b, spec, in_lo, in_hi, out_lo, out_hi, Chain(b.transforms), takeover)
    live.view = is_view_target(b.target)
    return live


class Engine:
    """Turns events into changes for one show. Reads the state for relative moves."""

    def __init__(self, show: Show, state: ShowState, refused: Refusals | None = None) -> None:
        self.state = state
        self.refused: Refusals = Counter() if refused is None else refused
        """Non-finite values refused by (source, reason); shared with the bridge's edges."""
        self.show = show
        self.beat_clock = BeatClock(show.quantize, show.lookahead_ms / 1000.0)
        self.lives = [_live(b, show) for b in show.bindings]
        self.index: dict[Key, list[Live]] = {}
        self.lfos: list[Live] = []
        self.t0: float | None = None
        for live in self.lives:
            src = live.binding.source
            why = binding_refusal(live.binding)
            if why is not None:  # never listens: nothing it computed would be a number
                self.refused[f"mapping {live.binding.id}", why] += 1
                continue
            if src.kind == "lfo":
                self.lfos.append(live)
            elif src.kind == "midi":
                key: Key = (str(src.control), src.device, src.channel or 0, src.number)
                self.index.setdefault(key, []).append(live)
            elif src.kind == "osc":
                self.index.setdefault(("osc", src.device, 0, src.address), []).append(live)
            else:
                self.index.setdefault((src.kind, "", 0, src.feature), []).append(live)
        self.pager = Pager(show.pages, self.index, self.lfos, self.lives)
        self.view = self.pager.view
        """The current page and held layers; ``index`` and ``lfos`` hold what acts there."""
        self.acting: list[Live] = []
        """The mappings that act on this page and layer, in show order."""
        self.shadow: dict[Key, list[Live]] = {}
        """The mappings out of play now, by control (`Pager.shadow`)."""
        self.released: list[Change] = []
        """What letting go of the pads a page change took out of play changed."""
        self._regrouped(True)
        self._handlers: dict[type, Callable[[ev.Event], list[Change]]] = {
            ev.ControlChange: self._cc,
            ev.ControlChange14: self._plain,
            ev.ParamNumber: self._nrpn,
            ev.NoteOn: self._note,
            ev.NoteOff: self._note,
            ev.PitchBend: self._plain,
            ev.ChannelPressure: self._plain,
            ev.PolyPressure: self._plain,
            ev.ProgramChange: self._plain,
            ev.OscMessage: self._osc,
            ev.AudioFeatures: self._audio,
            ev.AudioOnset: self._onset,
            ev.TempoBeat: self._tempo,
            ev.UiAction: self._ui,
        }

    # -- entry points ------------------------------------------------------------------
    def feed(self, event: ev.Event) -> list[Change]:
        """The changes one event causes (empty when nothing listens to it)."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return self.tick(event.t) if isinstance(event, ev.Tick) else []
        changes = handler(event)
        if self.released:  # pads let go of by a page change
            changes, self.released = changes + self.released, []
        return self._quantised(changes, event.t)

    def _quantised(self, changes: list[Change], now: float) -> list[Change]:
        if changes and self.show.quantize != "off":
            return self.beat_clock.hold(changes, now)
        return changes

    @property
    def needs_ticks(self) -> bool:
        """True while an LFO runs, a smoothing/slew stage has not settled, or a change waits."""
        return (
            bool(self.lfos)
            or bool(self.beat_clock.waiting)
            or any(live.chain.temporal and not live.chain.settled for live in self.lives)
        )

    def tick(self, now: float) -> list[Change]:
        if now - now:  # NaN or ±inf: no time to move anything to
            self._refuse("clock", now)
            return []
        if self.t0 is None:
            self.t0 = now
        out: list[Change] = []
        for live in self.lfos:
            src = live.binding.source
            x = lfo_value(src.shape, (now - self.t0) / src.period_s + src.phase)
            if x - x:  # a phase the show file cannot give, but never a value
                self._refuse(f"lfo {live.binding.id}", x)
                continue
            self._dispatch(live, x, x, now, out)
        for live in self.lives:
            if live.last_input is not None and live.chain.temporal and not live.chain.settled:
                self._continuous(live, live.last_input, now, out)
        return self.beat_clock.due(now) + self._quantised(out, now)

    # -- matching ----------------------------------------------------------------------
    def _match(self, kind: str, device: str, channel: int, number: int | str) -> list[Live]:
        if self.shadow:  # a control out of play on this page moved: its pick-up is stale
            self.pager.touch((kind, device, channel, number))
            self.pager.touch((kind, device, 0, number))
        exact = self.index.get((kind, device, channel, number), [])
        wild = self.index.get((kind, device, 0, number), [])
        return exact + wild if exact and wild else exact or wild

    def _plain(self, e: ev.Event) -> list[Change]:
        """MIDI messages that are always an absolute value."""
        if isinstance(e, ev.ControlChange14):
            kind, channel, number, raw = "cc14", e.channel, e.control, e.value
        elif isinstance(e, ev.PitchBend):
            kind, channel, number, raw = "pitchbend", e.channel, 0, e.value
        elif isinstance(e, ev.ChannelPressure):
            kind, channel, number, raw = "aftertouch", e.channel, 0, e.value
        elif isinstance(e, ev.PolyPressure):
            kind, channel, number, raw = "poly_aftertouch", e.channel, e.note, e.value
        elif isinstance(e, ev.ProgramChange):
            kind, channel, number, raw = "program", e.channel, 0, e.program
        else:
            return []
        out: list[Change] = []
        for live in self._match(kind, e.source, channel, number):
            self._value(live, float(raw), e.t, out, e.source)
        return out

    def _cc(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.ControlChange)
        out: list[Change] = []
        for live in self._match("cc", e.source, e.channel, e.control):
            b = live.binding
            if b.encoder is not None:
                self._step(live, float(decode(e.value, b.encoder)), out)
            elif b.pad is not None or live.spec.kind in ("oneshot", "action"):
                self._button(live, e.value >= 64, out)
            else:
                self._value(live, float(e.value), e.t, out, e.source)
        return out

    def _nrpn(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.ParamNumber)
        out: list[Change] = []
        for live in self._match(e.kind, e.source, e.channel, e.number):
            if e.delta:
                self._step(live, float(e.delta), out)
            else:
                self._value(live, float(e.value), e.t, out, e.source)
        return out

    def _note(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.NoteOn | ev.NoteOff)
        on = isinstance(e, ev.NoteOn)
        out: list[Change] = []
        for live in self._match("note", e.source, e.channel, e.note):
            if live.binding.pad is not None or live.spec.kind != "continuous":
                self._button(live, on, out)
            else:
                self._value(live, float(e.velocity if on else 0), e.t, out, e.source)
        return out

    def _osc(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.OscMessage)
        out: list[Change] = []
        if self.shadow:
            self.pager.touch(("osc", e.source, 0, e.address))
        lives = self.index.get(("osc", e.source, 0, e.address))
        if lives is None:
            return out
        args = e.args
        for live in lives:
            src = live.binding.source
            arg = src.arg
            if arg >= len(args) or (src.prefix and args[: len(src.prefix)] != src.prefix):
                continue
            raw = args[arg]
            if isinstance(raw, bool) or raw is None:
                raw = 1.0 if raw else 0.0
            if isinstance(raw, (int, float)):  # a tuple: faster than a union, per message
                if raw - raw:  # NaN or ±inf (x - x is NaN, which is truthy); 0 for the rest
                    self._refuse(e.source, raw)
                    continue
                kind = live.spec.kind
                if live.binding.pad is not None or kind in ("oneshot", "action"):
                    self._button(live, float(raw) >= 0.5 * (live.in_lo + live.in_hi), out)
                elif kind == "continuous":  # the common case: what _value would reach
                    x = normalise(float(raw), live.in_lo, live.in_hi)
                    self._continuous(live, x, e.t, out)
                else:
                    self._value(live, float(raw), e.t, out, e.source)
            elif isinstance(raw, str) and live.spec.kind == "discrete":
                self._emit(live, from_osc(raw) if live.spec.encode == "json" else raw, out)
        return out

    def _audio(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.AudioFeatures)
        out: list[Change] = []
        for name, value in e.values.items():
            lives = self.index.get(("audio", "", 0, name), ())
            if not lives:
                continue
            why = number_reason(value)  # numpy scalars too, without numpy's warnings
            if why is not None:
                self.refused[e.source, why] += 1
                continue
            for live in lives:
                self._value(live, float(value), e.t, out, e.source)
        return out

    def _onset(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.AudioOnset)
        out: list[Change] = []
        for live in self.index.get(("audio", "", 0, "onset"), ()):
            self._button(live, True, out)
            self._button(live, False, out)
        return out

    def _tempo(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.TempoBeat)
        why = first_refusal((e.bpm, e.beat_phase, e.bar_phase, e.confidence))
        if why is not None:  # a tempo with one meaningless field is not a tempo
            self.refused[e.source, why] += 1
            return []
        self.beat_clock.observe(e)
        out: list[Change] = []
        values = {"beat_phase": e.beat_phase, "bar_phase": e.bar_phase, "bpm": e.bpm}
        for name, value in values.items():
            for live in self.index.get(("tempo", "", 0, name), ()):
                self._value(live, value, e.t, out, e.source)
        for name, fired in (("beat", e.beat), ("bar", e.downbeat)):
            for live in self.index.get(("tempo", "", 0, name), ()) if fired else ():
                self._button(live, True, out)
                self._button(live, False, out)
        return out

    def _ui(self, e: ev.Event) -> list[Change]:
        assert isinstance(e, ev.UiAction)
        simple = {
            "next_scene": "scene.next",
            "prev_scene": "scene.prev",
            "reset_cache": "reset_cache",
        }
        if e.action in simple:
            return [Change(simple[e.action], 1.0, origin="ui")]
        if e.action == "toggle_pause":
            return [Change("paused", 0.0 if self.state.paused else 1.0, origin="ui")]
        if e.action == "select_scene":
            return [Change("scene", e.target, origin="ui")]
        if e.action == "set_prompt_text" and isinstance(e.value, str):
            return [Change(f"prompt.{e.target}.text", e.value, origin="ui")]
        if e.action == "set_value" and e.value is not None and spec_in(e.target, self.show.params):
            why = number_reason(e.value)
            if why is not None:
                self.refused[e.source, why] += 1
                return []
            return [Change(e.target, e.value, origin="ui")]
        return []

    def _refuse(self, source: str, value: float) -> None:
        self.refused[source, reason(value) or "nan"] += 1

    # -- value paths -------------------------------------------------------------------
    def _value(self, live: Live, raw: float, now: float, out: list[Change], source: str) -> None:
        if raw - raw:  # NaN or ±inf
            self._refuse(source, raw)
            return
        self._dispatch(live, raw, normalise(raw, live.in_lo, live.in_hi), now, out)

    def _dispatch(self, live: Live, raw: float, x: float, now: float, out: list[Change]) -> None:
        if live.spec.kind == "continuous":
            self._continuous(live, x, now, out)
        elif live.spec.kind == "discrete":
            self._select(live, raw, x, out)
        else:
            self._button(live, x >= 0.5, out)

    def _continuous(self, live: Live, x: float, now: float, out: list[Change]) -> None:
        live.last_input = x
        # an empty chain is only the final clamp: skip the call
        y = live.chain.run(x, now) if live.chain.stages else clamp01(x)
        value = lerp(live.out_lo, live.out_hi, y)
        if live.takeover is not None:
            current = self.state.value(live.binding.target)
            if current is not None:
                taken = live.takeover.filter(value, current)
                if taken is None:
                    return
                value = taken
        self._emit(live, value, out)

    def _select(self, live: Live, raw: float, x: float, out: list[Change]) -> None:
        choices = self._choices(live)
        if not choices:
            return
        if live.binding.source.control == "program":
            index = int(raw)
            if not 0 <= index < len(choices):
                return
        else:
            index = min(int(x * len(choices)), len(choices) - 1)
        self._emit(live, choices[index], out)

    def _choices(self, live: Live) -> tuple[float | str, ...]:
        b = live.binding
        if b.values:
            return b.values
        if live.spec.choices:
            return live.spec.choices
        if b.target == "scene":
            return tuple(s.name for s in self.state.show.scenes)
        if b.target == "denoising_steps":
            return tuple(float(i) for i in range(len(self.state.show.denoising_presets)))
        if b.target == "transition.method":
            return ("linear", "slerp")
        if b.target == "page":
            return self.view.pages
        return ()

    def _step(self, live: Live, steps: float, out: list[Change]) -> None:
        if live.view and steps:  # an encoder turning pages
            self._regrouped(self.pager.changed(self.view.step(1 if steps > 0 else -1)))
            return
        if live.spec.kind != "continuous" or steps == 0:
            return
        b = live.binding
        current = self.state.value(b.target)
        base = live.out_lo if current is None else current
        delta = accelerated(int(steps), b.acceleration) * b.step * (live.out_hi - live.out_lo)
        lo, hi = min(live.out_lo, live.out_hi), max(live.out_lo, live.out_hi)
        self._emit(live, clamp(base + delta, lo, hi), out)

    def _button(self, live: Live, pressed: bool, out: list[Change]) -> None:
        was, live.pressed = live.pressed, pressed
        b, kind = live.binding, live.spec.kind
        mode = b.pad or "trigger"
        if mode == "momentary" and kind == "continuous":
            if pressed != was:
                on = b.value if isinstance(b.value, float) else live.out_hi
                self._emit(live, on if pressed else live.out_lo, out)
            return
        if mode == "momentary" and kind == "discrete" and live.spec.encode == "json":
            if pressed != was:  # held: ``value`` (or the last of ``values``); let go: the first
                choices = self._choices(live)
                held = b.value if b.value is not None else choices[-1] if choices else None
                chosen = held if pressed else choices[0] if b.values else None
                if chosen is not None:
                    self._emit(live, chosen, out)
            return
        if not pressed or was:
            return
        if kind in ("oneshot", "action"):
            self._emit(live, 1.0, out)
        elif mode == "cycle":
            self._cycle(live, out)
        elif mode == "toggle" and kind == "continuous":
            current = self.state.value(b.target) or live.out_lo
            mid = 0.5 * (live.out_lo + live.out_hi)
            on = b.value if isinstance(b.value, float) else live.out_hi
            self._emit(live, live.out_lo if current > mid else on, out)
        elif mode == "toggle":
            choices = self._choices(live)
            if len(choices) >= 2:
                chosen = self.state.discrete(b.target)
                self._emit(live, choices[1] if chosen == choices[0] else choices[0], out)
        else:
            value: float | str = b.value if b.value is not None else live.out_hi
            if kind == "discrete" and b.value is None:
                choices = self._choices(live)
                value = choices[0] if choices else value
            self._emit(live, value, out)

    def _cycle(self, live: Live, out: list[Change]) -> None:
        b = live.binding
        choices = self._choices(live) or (live.out_lo, live.out_hi)
        current = (
            self.state.discrete(b.target)
            if live.spec.kind == "discrete"
            else self.state.value(b.target)
        )
        index = choices.index(current) + 1 if current in choices else 0
        self._emit(live, choices[index % len(choices)], out)

    def _emit(self, live: Live, value: float | str, out: list[Change]) -> None:
        if live.view:
            self._regrouped(self.pager.drive(live.binding.target, live.binding.id, value))
            return
        if live.spec.kind == "continuous":
            b = live.binding
            same = (
                self.state.base.get(b.target) == value
                if b.merge == "set"
                else live.last_out == value
            )
            if same:
                return
        live.last_out = value
        out.append(Change(live.binding.target, value, live.binding.merge, live.binding.id))

    # -- for feedback and the console ----------------------------------------------------
    def feedback(self, live: Live) -> float:
        """The binding's target as 0..1 for LEDs, rings and motor faders."""
        b = live.binding
        if live.view:
            return self.view.level(b)
        if live.spec.kind == "continuous":
            current = self.state.value(b.target)
            if current is None:
                return 0.0
            if b.pad in ("radio", "trigger") and isinstance(b.value, float):
                return 1.0 if abs(current - b.value) < 1e-6 else 0.0
            return normalise(current, live.out_lo, live.out_hi)
        if live.spec.kind == "discrete" and b.value is not None:
            return 1.0 if self.state.discrete(b.target) == b.value else 0.0
        return 0.0

    # -- pages and layers (`bridge.core.pages`) -----------------------------------------
    def stay_on(self, page: str) -> None:
        """Start on ``page`` (the page before a reload), if this show still has it."""
        self._regrouped(self.pager.changed(self.view.select(page)))

    def _regrouped(self, changed: bool) -> None:
        if changed:
            pager = self.pager
            self.index, self.lfos, self.acting = pager.index, pager.lfos, pager.acting
            self.shadow = pager.shadow
            left, pager.left_pressed = pager.left_pressed, []
            for live in left:
                self._button(live, False, self.released)
