"""Starting a PortAudio stream without ever blocking the loop or the exit on it.

PortAudio's open and start calls block, and a stuck audio server can hold them for long: they
run on a daemon thread, waited for up to a deadline; whatever an abandoned thread opens later
it closes itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

from bridge.errors import DeviceError

OPEN_TIMEOUT_S = 5.0
"""Longest wait for PortAudio to start a stream. A stuck audio server (JACK in synchronous
mode) can hold Pa_StartStream for a long time: then this open fails with a sentence and is
retried by name, and quitting never waits for it."""


class StartTimeout(DeviceError):
    """The stream was found and opened but never started: retried, not given up on."""


async def open_with_deadline(
    loop: asyncio.AbstractEventLoop, open_stream: Callable[[], Any], name: str
) -> Any:
    """Run ``open_stream`` on a daemon thread and wait at most OPEN_TIMEOUT_S for it.

    The thread cannot be interrupted. Abandoned (timed out, or the caller cancelled), it
    closes whatever it opens later itself; being a daemon, it never holds up the exit.
    """
    done: asyncio.Future[Any] = loop.create_future()
    abandoned = threading.Event()

    def settle(stream: Any, error: BaseException | None) -> None:
        if done.done():  # given up on meanwhile: what it opened is nobody's
            if stream is not None:
                threading.Thread(target=close_stream, args=(stream,), daemon=True).start()
        elif error is not None:
            done.set_exception(error)
        else:
            done.set_result(stream)

    def opener() -> None:
        try:
            stream = open_stream()
        except BaseException as exc:
            with contextlib.suppress(RuntimeError):  # the loop is gone
                loop.call_soon_threadsafe(settle, None, exc)
            return
        if abandoned.is_set():
            close_stream(stream)
            return
        try:
            loop.call_soon_threadsafe(settle, stream, None)
        except RuntimeError:
            close_stream(stream)

    threading.Thread(target=opener, name=f"audio-open-{name}", daemon=True).start()
    try:
        async with asyncio.timeout(OPEN_TIMEOUT_S):
            return await asyncio.shield(done)
    except TimeoutError:
        abandoned.set()
        done.cancel()
        raise StartTimeout(
            f"audio input {name} did not start within {OPEN_TIMEOUT_S:g} s "
            "(the audio server is not answering)"
        ) from None
    except asyncio.CancelledError:
        abandoned.set()
        if not done.cancel() and not done.cancelled() and done.exception() is None:
            threading.Thread(target=close_stream, args=(done.result(),), daemon=True).start()
        raise


def close_stream(stream: Any) -> None:
    """Stop and close a PortAudio stream (blocks: joins its thread)."""
    stream.stop()
    stream.close()
