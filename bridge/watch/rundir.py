"""Where the bridge keeps its runtime files (status JSON, console log), safely.

Without ``XDG_RUNTIME_DIR`` that is ``/tmp/scope-bridge-$UID``: a name in a directory every
local user can write to. Another user could have made it first, or planted a symbolic link
in it, to have the bridge overwrite one of our files with status JSON or append log lines to
it. So the directory is created private (0700) and refused, with one sentence saying what
to do, when it is not a plain directory of ours that only we can write to (one that others
may only read, as earlier versions made it, is closed to 0700); files are
never written through a symbolic link: a status file is a new temporary file (``O_EXCL |
O_NOFOLLOW``) renamed over the old one, and logs are opened ``O_NOFOLLOW`` for appending.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

from bridge.errors import BridgeError

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class RuntimeDirError(BridgeError):
    """The runtime directory (or a file in it) is not safe to use."""


def runtime_dir() -> Path:
    """``$XDG_RUNTIME_DIR/scope-bridge-$UID``, or the same name in the temp dir."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"scope-bridge-{os.getuid()}"


def private_dir(path: Path | None = None) -> Path:
    """The runtime directory, made 0700 if missing; `RuntimeDirError` if it is not safe."""
    path = path or runtime_dir()
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise RuntimeDirError(
            f"cannot create {path} for runtime files ({exc.strerror or exc}): "
            "set XDG_RUNTIME_DIR to a directory of yours"
        ) from exc
    st = os.lstat(path)
    refuse = f"refusing to keep runtime files in {path}"
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        what = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a directory"
        raise RuntimeDirError(
            f"{refuse}: it is {what}; remove it, or set XDG_RUNTIME_DIR to a private directory"
        )
    if st.st_uid != os.getuid():
        raise RuntimeDirError(
            f"{refuse}: it belongs to uid {st.st_uid}, not to you (uid {os.getuid()}); "
            "remove it, or set XDG_RUNTIME_DIR to a private directory"
        )
    if st.st_mode & 0o022:
        raise RuntimeDirError(
            f"{refuse}: its mode {stat.S_IMODE(st.st_mode):04o} lets other users write there; "
            f"remove it (`rm -r {path}`), or set XDG_RUNTIME_DIR to a private directory"
        )
    if st.st_mode & 0o077:
        # readable by others but writable only by us (as earlier versions made it): nothing
        # can have been planted, so closing it is safe
        os.chmod(path, 0o700)
    return path


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a reader never sees half a file, and a symbolic link
    planted at ``path`` is replaced, never followed."""
    temp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def open_append(path: Path) -> int:
    """A descriptor appending to ``path`` (created 0600), never through a symbolic link."""
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | NOFOLLOW | CLOEXEC, 0o600)
    except OSError as exc:
        if path.is_symlink():
            raise RuntimeDirError(
                f"refusing to write the log {path}: it is a symbolic link; remove it"
            ) from exc
        raise RuntimeDirError(f"cannot open the log {path}: {exc.strerror or exc}") from exc
