"""Reading a show file's bytes without ever blocking on a special file or a huge one.

An include can name anything: a named pipe (opening it waits for a writer, reading it waits
for data), `/dev/zero` (never ends), a directory, a symlink loop, a multi-gigabyte file. A
show file must be a regular file of at most `MAX_BYTES`: it is opened with ``O_NONBLOCK``
(a pipe opens at once), checked with ``fstat`` *before* a byte is read, and read for at most
``MAX_BYTES + 1`` bytes (a file that grows after the check is still caught). Every refusal
is a `ConfigError` naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from bridge.errors import ConfigError

MAX_BYTES = 1024 * 1024
"""A show file or include may be at most 1 MiB (the largest shipped one is under 10 KiB)."""
LIMIT_TEXT = "1 MiB"

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a named pipe opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)  # a terminal named as an include never becomes ours
    | getattr(os, "O_CLOEXEC", 0)
)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _cannot(path: Path, exc: OSError) -> ConfigError:
    if exc.errno == errno.ENOENT:
        return ConfigError(str(path), "", "file not found")
    if exc.errno == errno.ELOOP:
        return ConfigError(str(path), "", "cannot read the file (a loop of symbolic links)")
    reason = (exc.strerror or str(exc)).lower()
    return ConfigError(str(path), "", f"cannot read the file ({reason})")


def read_show_text(path: Path) -> str:
    """The text of one show file (a regular UTF-8 file of at most MAX_BYTES); ConfigError."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise _cannot(path, exc) from exc
    try:
        info = os.fstat(fd)
        for is_kind, kind in _KINDS:
            if is_kind(info.st_mode):
                raise ConfigError(str(path), "", f"is {kind}, not a regular file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(str(path), "", "is not a regular file")
        if info.st_size > MAX_BYTES:
            raise ConfigError(
                str(path), "", f"is {_size(info.st_size)}; a show file may be at most {LIMIT_TEXT}"
            )
        chunks: list[bytes] = []
        left = MAX_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise _cannot(path, exc) from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_BYTES:
        raise ConfigError(str(path), "", f"grew past {LIMIT_TEXT} while being read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(str(path), "", "is not UTF-8 text", line) from exc
