"""`check` refuses what `run` would fail on, and bad command-line input is one sentence.

Allow-list entries that are not IP literals, Scope URLs that do not parse or name an
impossible port, two OSC devices on one port, a listen address that is not this machine's,
host names that do not resolve (looked up inside a loopback-only network namespace, so
nothing leaves the machine); `--scope-url` and `learn` on a missing target answer at once.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.cli.main import main
from bridge.config.load import load_show
from bridge.core.show import Show
from bridge.errors import ConfigError
from scripts.harness.netns import ndi_namespace
from tests.app.test_reload_devices import free_udp_port

BASE = 'schema = 1\n[[prompts]]\nid = "p1"\ntext = "one"\n'

CASES = [
    # (text appended to BASE, key path, line, the message after "file:line at key: ")
    (
        '[devices.osc.td]\nport = 9000\nallow = ["127.0.0.1", "bogus-host"]\n',
        "devices.osc.td.allow",
        7,
        "'bogus-host' is not an IP address or network (e.g. 192.168.1.20 or 10.0.0.0/24; "
        "host names are not looked up)",
    ),
    (
        '[scope]\nurl = "http://[::1:bad"\n',
        "scope.url",
        6,
        "'http://[::1:bad' is not a valid URL (Invalid IPv6 URL)",
    ),
    (
        '[scope]\nurl = "http://127.0.0.1:99999"\n',
        "scope.url",
        6,
        "'http://127.0.0.1:99999' has a port that is not a number from 1 to 65535",
    ),
    (
        '[scope]\nurl = "http://127.0.0.1:0"\n',
        "scope.url",
        6,
        "'http://127.0.0.1' has port 0; a port is a number from 1 to 65535",
    ),
    (
        '[scope]\nurl = "http://host name:8000"\n',
        "scope.url",
        6,
        "'http://host name:8000' must not contain spaces",
    ),
    (
        "[devices.osc.td]\nport = 0\n",
        "devices.osc.td.port",
        6,
        "must be between 1 and 65535, got 0",
    ),
    (
        '[devices.osc.td]\nport = 9000\nfeedback = [{ host = "127.0.0.1", port = 70000 }]\n',
        "devices.osc.td.feedback[0].port",
        7,
        "must be between 1 and 65535, got 70000",
    ),
    (
        "[devices.osc.a]\nport = 9000\n[devices.osc.b]\nport = 9000\n",
        "devices.osc.b.port",
        8,
        "port 9000 is OSC device 'a''s already (each OSC device needs a port of its own)",
    ),
    (
        '[devices.osc.a]\nhost = "0.0.0.0"\nport = 9000\n[devices.osc.b]\nport = 9000\n',
        "devices.osc.b.port",
        9,
        "port 9000 is OSC device 'a''s already (each OSC device needs a port of its own)",
    ),
]


@pytest.mark.parametrize(("extra", "key", "line", "message"), CASES)
def test_what_run_would_fail_on_is_refused(
    show_from: Callable[[str], Show], extra: str, key: str, line: int, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        show_from(BASE + extra)
    err = info.value
    assert (err.key, err.line, err.detail) == (key, line, message)


def test_two_devices_on_one_port_at_different_addresses_are_fine(
    show_from: Callable[[str], Show],
) -> None:
    show = show_from(
        BASE + '[devices.osc.a]\nport = 9000\n[devices.osc.b]\nhost = "127.0.0.2"\nport = 9000\n'
    )
    assert [(d.host, d.port) for d in show.osc] == [("127.0.0.1", 9000), ("127.0.0.2", 9000)]


def test_a_listen_address_not_of_this_machine_is_refused_by_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """192.0.2.1 (a documentation address) cannot be bound here: `check` says so, with the
    line; plain loading (no machine questions) still accepts the file."""
    path = tmp_path / "show.toml"
    path.write_text(BASE + '[devices.osc.td]\nhost = "192.0.2.1"\nport = 9000\n')
    assert load_show(path).osc[0].host == "192.0.2.1"
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:6 at devices.osc.td.host: cannot listen on '192.0.2.1': ")
    assert "not an address of this machine" in err
    assert err.count("\n") == 1


@pytest.mark.netns
def test_check_says_which_host_does_not_resolve(tmp_path: Path) -> None:
    """Inside a namespace with only loopback, a name needs DNS and fails at once: `check`
    names the listen host, then (fixed) the feedback host."""
    path = tmp_path / "show.toml"
    osc = '[devices.osc.td]\nhost = "{host}"\nport = 9000\n'
    feedback = 'feedback = [{ host = "resolume-pc.example", port = 7000 }]\n'
    with ndi_namespace("sb-cfg") as ns:
        answers = []
        for text in (osc.format(host="td-laptop.example"), osc.format(host="localhost") + feedback):
            path.write_text(BASE + text)
            done = subprocess.run(
                ns.command([sys.executable, "-m", "bridge", "check", str(path)]),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            answers.append((done.returncode, done.stderr))
    (code1, err1), (code2, err2) = answers
    assert code1 == code2 == 1
    assert err1.startswith(f"error: {path}:6 at devices.osc.td.host: 'td-laptop.example' does not")
    assert err2.startswith(
        f"error: {path}:8 at devices.osc.td.feedback[0].host: 'resolume-pc.example' does not"
    )
    assert err1.count("\n") == err2.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1:bad", "'http://[::1:bad' is not a valid URL (Invalid IPv6 URL)"),
        (
            "http://127.0.0.1:99999",
            "'http://127.0.0.1:99999' has a port that is not a number from 1 to 65535",
        ),
        ("ftp://127.0.0.1", "'ftp://127.0.0.1' must start with http:// or https:// and a host"),
        (
            "http://user:secret@[::1:bad?token=abc",
            "'http://***@[::1:bad' is not a valid URL (Invalid IPv6 URL)",
        ),
    ],
)
def test_a_bad_scope_url_stops_run_with_one_sentence(tmp_path: Path, url: str, reason: str) -> None:
    """`run --scope-url BAD`: exit 1 at once, one line, no traceback, no retry loop, and
    never a secret from the URL."""
    show = tmp_path / "show.toml"
    show.write_text(BASE)
    status = tmp_path / "status.json"
    started = time.monotonic()
    command = ["run", "--headless", str(show), "--scope-url", url, "--status-file", str(status)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"run --scope-url {url!r} kept running: {err[-500:]}")
    assert time.monotonic() - started < 30
    assert (proc.returncode, out, err) == (1, "", f"error: --scope-url: {reason}\n")
    assert not status.exists()


def test_learn_checks_the_target_before_listening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`learn SHOW prompt.nope.weight` names the show file and the missing slot at once,
    without waiting for a control (the show has a real OSC input it would listen on)."""
    show = tmp_path / "show.toml"
    text = BASE + f"[devices.osc.td]\nport = {free_udp_port()}\n"
    show.write_text(text)
    started = time.monotonic()
    assert main(["learn", str(show), "prompt.nope.weight", "--timeout", "5"]) == 1
    assert time.monotonic() - started < 3.0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: cannot learn prompt.nope.weight for {show}: no prompt slot 'nope'\n"
    assert show.read_text() == text
