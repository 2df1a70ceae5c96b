"""Show files and includes are regular files of at most 1 MiB, refused at once otherwise.

A named pipe, /dev/zero, a directory, a huge file, a symlink loop: each is one sentence that
names the file, and nothing blocks or fills memory. Real special files throughout; the two
that used to hang (`scope-bridge check` on a pipe and on /dev/zero) run as the command does,
in a child process with bounded memory and time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.config.files import MAX_BYTES
from bridge.config.load import load_show
from bridge.errors import ConfigError

SHOW = 'include = ["{include}"]\n[[prompts]]\nid = "p"\ntext = "t"\n'


def refusal(path: Path) -> ConfigError:
    """load_show's error for ``path``, from a thread so that a read that blocks fails the
    test (after 10 s) instead of hanging it."""
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_show(path)
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(10.0)
    assert not reader.is_alive(), f"loading {path} blocked"
    (error,) = outcome
    assert isinstance(error, ConfigError), repr(error)
    return error


def including(tmp_path: Path, include: str | Path) -> Path:
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(include=include))
    return show


def fifo(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "fifo.toml")
    return tmp_path / "fifo.toml"


def directory(tmp_path: Path) -> Path:
    (tmp_path / "profiles.toml").mkdir()
    return tmp_path / "profiles.toml"


def huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge.toml"
    with path.open("wb") as f:
        f.truncate(3 << 30)  # sparse: 3 GiB that take no disk
    return path


def symlink_loop(tmp_path: Path) -> Path:
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    return tmp_path / "a.toml"


def not_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'# ok\n[[prompts]]\nid = "p"\ntext = "caf\xe9"\n')
    return path


def just_over(tmp_path: Path) -> Path:
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * (MAX_BYTES + 1))
    return path


CASES: list[tuple[Callable[[Path], Path], str]] = [
    (fifo, "is a named pipe, not a regular file"),
    (directory, "is a directory, not a regular file"),
    (huge, "is 3.0 GiB; a show file may be at most 1 MiB"),
    (symlink_loop, "cannot read the file (a loop of symbolic links)"),
    (not_utf8, "is not UTF-8 text"),
    (just_over, "is 1.0 MiB; a show file may be at most 1 MiB"),
]


@pytest.mark.parametrize(("make", "words"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_bad_include_is_refused_naming_it(
    tmp_path: Path, make: Callable[[Path], Path], words: str
) -> None:
    bad = make(tmp_path)
    err = refusal(including(tmp_path, bad))
    assert (err.file, err.detail) == (str(bad), words)


@pytest.mark.parametrize(("make", "words"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_bad_show_file_itself_is_refused(
    tmp_path: Path, make: Callable[[Path], Path], words: str
) -> None:
    bad = make(tmp_path)
    assert words in str(refusal(bad))


def test_a_file_of_exactly_the_limit_loads(tmp_path: Path) -> None:
    text = SHOW.format(include="x").replace('include = ["x"]\n', "")
    path = tmp_path / "show.toml"
    path.write_text(text + "#" * (MAX_BYTES - len(text)))
    assert path.stat().st_size == MAX_BYTES
    assert load_show(path).prompts[0].id == "p"


def test_a_symlink_to_a_profile_is_fine(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text('[devices.midi.c]\nport = "C"\n')
    (tmp_path / "link.toml").symlink_to(tmp_path / "real.toml")
    assert load_show(including(tmp_path, "link.toml")).midi[0].port == "C"


def test_keys_nested_too_deep_are_refused_unparsed(tmp_path: Path) -> None:
    """tomllib takes time and memory in the square of a dotted key's depth (20,000 parts:
    14 s, 1.5 GB): 64 parts in a row are refused before parsing."""
    path = tmp_path / "deep.toml"
    path.write_text("# deep\na" + ".b" * 20000 + " = 1\n")
    err = refusal(path)
    assert (err.line, err.detail) == (2, "has a key nested more than 64 levels deep")
    path.write_text("a = " + "[" * 2000 + "]" * 2000 + "\n")
    assert refusal(path).detail == "nests arrays or tables too deeply"


# The broken reader grew ~170 MB/s on /dev/zero: the child stops at 2 GiB, not the machine.
CHECK = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from bridge.cli.main import main
sys.exit(main(["check", sys.argv[1]]))
"""


@pytest.mark.parametrize("include", ["/dev/zero", "fifo.toml"])
def test_check_answers_at_once_on_a_device_or_a_pipe(tmp_path: Path, include: str) -> None:
    """`scope-bridge check` on include = ["/dev/zero"] or a named pipe: one line, exit 1."""
    if include == "fifo.toml":
        fifo(tmp_path)
    show = including(tmp_path, include)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHECK, str(show)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"check on {include} did not answer within 30 s")
    kind = "a character device" if include == "/dev/zero" else "a named pipe"
    where = include if include.startswith("/") else str(tmp_path / include)
    assert (proc.returncode, out) == (1, "")
    assert err == f"error: {where}: is {kind}, not a regular file\n"
