"""Runtime files in a shared temp dir: a private directory, no symbolic link followed, one
status file per bridge. Real directories, real `chown` (the tests run as root), real bridges.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.running.bridge import Bridge
from bridge.watch.rundir import RuntimeDirError, open_append, private_dir, write_atomic
from bridge.watch.snapshot import take
from bridge.watch.statusfile import keep_status
from tests.app.test_cli_errors import command, one_sentence
from tests.app.test_listen_cli import SHOW, free_port, stop
from tests.core.showkit import core_show
from tests.sim.simkit import wait_for

NOBODY = 65534


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_RUNTIME_DIR for this test; the runtime directory is ``base / scope-bridge-UID``."""
    where = tmp_path / "xdg"
    where.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(where))
    return where


def ours(base: Path) -> Path:
    return base / f"scope-bridge-{os.getuid()}"


def test_the_directory_is_created_private(base: Path) -> None:
    made = private_dir()
    assert made == ours(base)
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_a_directory_of_another_user_is_refused(base: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("this test makes a directory owned by another user: run it as root (CI does)")
    ours(base).mkdir(mode=0o700)
    os.chown(ours(base), NOBODY, NOBODY)
    with pytest.raises(RuntimeDirError, match=f"it belongs to uid {NOBODY}, not to you"):
        private_dir()


def test_a_directory_others_may_write_to_is_refused(base: Path) -> None:
    ours(base).mkdir()
    os.chmod(ours(base), 0o777)
    with pytest.raises(RuntimeDirError, match="mode 0777 lets other users write there"):
        private_dir()


def test_a_directory_others_may_only_read_is_closed(base: Path) -> None:
    """What earlier versions made (0755 with the usual umask): nothing could be planted in
    it, so it is tightened instead of refused."""
    ours(base).mkdir()
    os.chmod(ours(base), 0o755)
    private_dir()
    assert stat.S_IMODE(ours(base).stat().st_mode) == 0o700


def test_a_symbolic_link_in_place_of_the_directory_is_refused(base: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    ours(base).symlink_to(elsewhere)
    with pytest.raises(RuntimeDirError, match="it is a symbolic link"):
        private_dir()


def test_writes_never_follow_a_planted_link(base: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    directory = private_dir()
    status = directory / "status-1.json"
    status.symlink_to(victim)
    write_atomic(status, '{"show": "x"}')
    assert victim.read_text() == "precious"
    assert not status.is_symlink()
    assert json.loads(status.read_text()) == {"show": "x"}
    assert [p.name for p in directory.iterdir()] == ["status-1.json"], "no temporary left"
    log = directory / "console.log"
    log.symlink_to(victim)
    with pytest.raises(RuntimeDirError, match="it is a symbolic link; remove it"):
        open_append(log)
    assert victim.read_text() == "precious"


def test_the_console_refuses_a_planted_log_link(base: Path, tmp_path: Path) -> None:
    """`scope-bridge run` (the console) with console.log planted as a link: one sentence,
    nothing appended to the target."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    private_dir()
    (ours(base) / "console.log").symlink_to(victim)
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(port=free_port()))
    done = command("run", str(show))
    one_sentence(done, "refusing to write the log", "it is a symbolic link")
    assert victim.read_text() == "precious"


def start_headless(tmp_path: Path, name: str) -> subprocess.Popen[str]:
    show = tmp_path / f"{name}.toml"
    url = f"http://127.0.0.1:{free_port()}"  # no Scope: the bridge keeps trying
    show.write_text(SHOW.format(port=free_port()) + f'[scope]\nurl = "{url}"\n')
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", "run", "--headless", str(show)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_file(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.is_file():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


@pytest.fixture
def two_bridges(base: Path, tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    procs = [start_headless(tmp_path, "first"), start_headless(tmp_path, "second")]
    try:
        for proc in procs:
            wait_file(ours(base) / f"status-{proc.pid}.json")
        yield procs
    finally:
        for proc in procs:
            stop(proc)


def test_a_planted_link_over_a_running_status_file_is_replaced_not_followed(
    two_bridges: list[subprocess.Popen[str]], base: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    status = ours(base) / f"status-{two_bridges[0].pid}.json"
    planted = ours(base) / "planted"
    planted.symlink_to(victim)
    os.replace(planted, status)  # swapped in under the running bridge
    deadline = time.monotonic() + 10
    while status.is_symlink():
        assert time.monotonic() < deadline, "the bridge stopped rewriting its status"
        time.sleep(0.1)
    assert victim.read_text() == "precious"
    assert json.loads(status.read_text())["pid"] == two_bridges[0].pid


def test_two_bridges_have_a_status_file_each_and_status_picks_one(
    two_bridges: list[subprocess.Popen[str]], base: Path
) -> None:
    first, second = two_bridges
    both = command("status")
    one_sentence(both, "2 bridges are running: pick one with --pid", str(first.pid))
    listing = command("status", "--list")
    assert listing.returncode == 0
    assert {line.split("\t")[0] for line in listing.stdout.splitlines()} == {
        str(first.pid),
        str(second.pid),
    }
    picked = command("status", "--pid", str(second.pid))
    assert picked.returncode == 0, picked.stderr
    snap = json.loads(picked.stdout)
    assert snap["pid"] == second.pid
    assert snap["show"].endswith("second.toml")

    # killed without cleanup: its file stays, and is ignored (and removed) as a dead pid's
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    assert (ours(base) / f"status-{first.pid}.json").exists()
    only = command("status")
    assert only.returncode == 0, only.stderr
    assert json.loads(only.stdout)["pid"] == second.pid
    assert not (ours(base) / f"status-{first.pid}.json").exists()
    one_sentence(
        command("status", "--pid", str(first.pid)), f"no running bridge with pid {first.pid}"
    )


async def test_a_status_file_that_cannot_be_written_is_reported_then_cleared(
    tmp_path: Path,
) -> None:
    """A --status-file in a folder that is not there yet: said once, cleared once it is."""
    bridge = Bridge(core_show())
    said: list[str | None] = []
    path = tmp_path / "later" / "status.json"
    task = asyncio.create_task(keep_status(lambda: take(bridge), path, said.append))
    try:
        await wait_for(lambda: len(said) >= 1, 5, "the failure")
        assert said[0] == f"cannot write the status file {path}: No such file or directory"
        path.parent.mkdir()
        await wait_for(lambda: said[-1] is None, 5, "the all-clear")
        assert json.loads(path.read_text())["pid"] == os.getpid()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert not path.exists(), "removed when the bridge stops"
