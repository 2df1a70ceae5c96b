"""A live input's status as a type: the words made from it are the words it used to hold.

Before, the input kept its status as a sentence and the Devices line and the Problems panel
parsed it back. ``before`` writes those sentences exactly as the input did; each state must
give the same sentence, the same Devices line, and the same Problems entry.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bridge.config.load import load_show
from bridge.errors import DeviceError
from bridge.inputs.audio import FileAudioInput, LiveAudioInput
from bridge.inputs.audio.status import AudioState, AudioStatus
from bridge.running.runtime import Runtime
from bridge.watch.conditions import audio_problems
from bridge.watch.snapshot import DeviceView

SHOW = """
schema = 1
[scope]
url = "http://127.0.0.1:9"
[[prompts]]
id = "p"
text = "a forest"
[devices.audio.mic]
input = "mic"
"""


def before(state: AudioState, device: object = None, name: str = "", reason: str = "") -> str:
    """The sentence the input stored for ``state`` before it had a type."""
    if state is AudioState.CAPTURING:
        return f"capturing from {device!r}"
    if state is AudioState.WAITING:
        return f"waiting for {name}: {reason}"
    if state is AudioState.LOST:
        return f"lost ({reason}); retrying"
    return "stopped"


def made(status: AudioStatus) -> tuple[str, str, str]:
    """What the console shows: the Devices line's state and detail, and the sentence."""
    return status.state.value, status.detail(), status.sentence()


def parsed(sentence: str) -> tuple[str, str, str]:
    """What the console showed: the sentence split at its first space, and the sentence."""
    state, _, detail = sentence.partition(" ")
    return state, detail, sentence


def test_each_state_reads_as_it_did() -> None:
    missing = DeviceError("no audio input matches 'mic' (inputs: 'system')")
    assert AudioStatus().sentence() == "stopped"
    assert AudioStatus.capturing(3).sentence() == "capturing from 3"
    assert AudioStatus.capturing("USB Mic").sentence() == "capturing from 'USB Mic'"
    assert AudioStatus.waiting("'mic'", missing).sentence() == (
        "waiting for 'mic': no audio input matches 'mic' (inputs: 'system')"
    )
    assert AudioStatus.lost("no audio for 2 s").sentence() == "lost (no audio for 2 s); retrying"
    assert made(AudioStatus()) == ("stopped", "", "stopped")


text = st.text(st.characters(codec="utf-8"), max_size=30)


@given(device=st.one_of(st.integers(0, 64), text), name=text, reason=text)
def test_every_state_gives_the_sentence_and_line_of_before(
    device: int | str, name: str, reason: str
) -> None:
    statuses = {
        AudioState.STOPPED: AudioStatus(),
        AudioState.CAPTURING: AudioStatus.capturing(device),
        AudioState.WAITING: AudioStatus.waiting(name, DeviceError(reason)),
        AudioState.LOST: AudioStatus.lost(reason),
    }
    for state, status in statuses.items():
        assert status.state is state
        old = before(state, device=device, name=name, reason=reason)
        assert made(status) == parsed(old)
        assert status.trouble == old.startswith(("lost", "waiting"))


def test_problems_list_inputs_that_wait_or_were_lost_in_their_sentence() -> None:
    inputs = {name: LiveAudioInput(name) for name in ("off", "on", "away", "gone")}
    inputs["on"].status = AudioStatus.capturing(2)
    inputs["away"].status = AudioStatus.waiting("'away'", "the audio server is not answering")
    inputs["gone"].status = AudioStatus.lost("the stream ended")
    found = audio_problems({**inputs, "file": FileAudioInput("clicks.wav")})
    assert found == {
        ("audio away", "device"): "waiting for 'away': the audio server is not answering",
        ("audio gone", "device"): "lost (the stream ended); retrying",
    }


async def test_the_devices_line_shows_the_state_word_then_the_rest(tmp_path: Path) -> None:
    """A Runtime's Devices line for a live input, as the console and `status` print it."""
    path = tmp_path / "show.toml"
    path.write_text(SHOW, encoding="utf-8")
    runtime = Runtime(load_show(path))  # not run: the input never touches PortAudio
    mic = runtime.audio["mic"]
    assert isinstance(mic, LiveAudioInput)

    def line() -> DeviceView:
        return next(d for d in runtime.snapshot().devices if d.kind == "audio")

    assert line() == DeviceView("mic", "audio", "stopped", "")
    mic.status = AudioStatus.lost("no audio for 2 s")
    assert line() == DeviceView("mic", "audio", "lost", "(no audio for 2 s); retrying")
    mic.status, mic.reconnects = AudioStatus.capturing(4), 2
    assert line() == DeviceView("mic", "audio", "capturing", "from 4 · back 2x")
    mic.status = AudioStatus()
    assert line() == DeviceView("mic", "audio", "stopped", "back 2x")
