"""A loopback-only network namespace for running NDI where nothing can leave the machine.

NDI discovery and streams go to the network; tests and benchmarks must not. Inside a fresh
namespace only ``lo`` exists, and ``NDI_CONFIG_DIR`` points NDI at 127.0.0.1 with no
discovery server (there is no Avahi either), so a finder sees sources in well under a second.
Needs root (``ip netns add``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bridge.errors import SinkError

NDI_CONFIG = {"ndi": {"networks": {"ips": "127.0.0.1", "discovery": ""}}}


def namespace_missing() -> str | None:
    """Why a namespace cannot be made here, or None when it can."""
    if shutil.which("ip") is None:
        return "the ip command is missing (apt-get install iproute2)"
    if os.geteuid() != 0:
        return "creating a network namespace needs root"
    return None


@dataclass(frozen=True, slots=True)
class NdiNamespace:
    """A namespace with only loopback up, and the NDI configuration for it."""

    name: str
    config_dir: Path

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside the namespace (``ip netns exec`` execs it: same PID)."""
        return ["ip", "netns", "exec", self.name, *argv]

    def env(self) -> dict[str, str]:
        """The environment a process needs for NDI inside the namespace."""
        return {**os.environ, "NDI_CONFIG_DIR": str(self.config_dir)}

    def popen(self, argv: Sequence[str], stdin: int | None = None) -> subprocess.Popen[str]:
        """Start ``argv`` inside the namespace with NDI's environment, its output piped."""
        return subprocess.Popen(
            self.command(argv),
            env=self.env(),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, check=False)
    if done.returncode != 0:
        raise SinkError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")


@contextmanager
def ndi_namespace(prefix: str = "sb-ndi") -> Iterator[NdiNamespace]:
    """Create ``<prefix>-<pid>`` with loopback up; delete it and its config afterwards."""
    reason = namespace_missing()
    if reason is not None:
        raise SinkError(f"Cannot run NDI in a private network namespace: {reason}.")
    name = f"{prefix}-{os.getpid()}"
    if (
        name
        in subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.split()
    ):
        _ip("netns", "del", name)  # left over from a run that was killed
    config_dir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    try:
        (config_dir / "ndi-config.v1.json").write_text(json.dumps(NDI_CONFIG))
        _ip("netns", "add", name)
        try:
            _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
            yield NdiNamespace(name, config_dir)
        finally:
            _ip("netns", "del", name)
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)
