"""A far-away Scope behind a link that carries no UDP, with a real TURN server, on one machine.

Two network namespaces of this process's own, joined by a veth pair: the bridge's side
(``10.213.0.1``) and Scope's side (``10.213.0.2``, where the stand-in and Debian's coturn run).
On the veth, nft drops every UDP packet both ways (a pod that allows no UDP) and 1% of TCP
packets each way (``numgen random``: real loss, real TCP retransmissions). The kernel here
has no netem, so distance comes from ``delayproxy``: Scope's HTTP port and coturn's TCP port
are reached through it, 40 ± 10 ms each way (80 ms round trip). WebRTC from the bridge can
only go through coturn over TCP, relayed to the stand-in's host address on Scope's side.

The stand-in hands out two TURN URLs, UDP first and TCP second, as a Scope with TURN
credentials does. Everything is stopped by its PID and both namespaces deleted on the way
out, also when a step fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bridge.sim.options import ICE_CREDENTIAL_ENV

BRIDGE_IP = "10.213.0.1"
SCOPE_IP = "10.213.0.2"
HTTP_PORT = 8000  # the proxy: what the bridge is told
SIM_PORT = 8001  # the stand-in itself
TURN_PORT = 3478  # the proxy: TURN over TCP as the bridge reaches it
COTURN_PORT = 3479  # coturn itself (UDP and TCP; UDP from the bridge's side is dropped)
DELAY_MS = 40.0
JITTER_MS = 10.0
LOSS_PERCENT = 1
TURN_USER = "bridge"
CREDENTIAL_ENV = "SCOPE_TURN_CREDENTIAL"
"""The variable a show's ``ice_credential_env`` names in the lab's runs."""


def lab_missing() -> str | None:
    """What this machine lacks for the lab, as one sentence; None when it has everything."""
    if os.geteuid() != 0:
        return "the TURN lab needs root (network namespaces, veth, nft)"
    for tool, package in (("ip", "iproute2"), ("nft", "nftables"), ("turnserver", "coturn")):
        if shutil.which(tool) is None:
            return f"{tool} is missing (apt-get install {package}, or ./scripts/system-packages)"
    return None


def _run(argv: Sequence[str], stdin: str | None = None) -> None:
    done = subprocess.run(
        list(argv), input=stdin, capture_output=True, text=True, timeout=20, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip() or done.stdout}")


def _rules(veth: str) -> str:
    return f"""
table inet sblab {{
  chain out {{
    type filter hook output priority 0; policy accept;
    oifname "{veth}" meta l4proto udp counter drop
    oifname "{veth}" meta l4proto tcp numgen random mod 100 < {LOSS_PERCENT} counter drop
  }}
  chain in {{
    type filter hook input priority 0; policy accept;
    iifname "{veth}" meta l4proto udp counter drop
  }}
}}
"""


def _coturn_config(folder: Path, credential: str) -> Path:
    path = folder / "turnserver.conf"
    path.write_text(
        "\n".join(
            [
                f"listening-ip={SCOPE_IP}",
                f"listening-port={COTURN_PORT}",
                f"relay-ip={SCOPE_IP}",
                "min-port=49200",
                "max-port=49400",
                "lt-cred-mech",
                f"user={TURN_USER}:{credential}",
                "realm=scope-bridge.lab",
                "fingerprint",
                "no-tls",
                "no-dtls",
                "no-cli",
                "no-software-attribute",
                f"pidfile={folder / 'turnserver.pid'}",
                f"log-file={folder / 'turnserver.log'}",
                "simple-log",
                "",
            ]
        ),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


@dataclass
class Lab:
    """The running lab: where Scope is, the TURN credential, and the processes to stop."""

    bridge_ns: str
    scope_ns: str
    folder: Path
    credential: str
    procs: list[subprocess.Popen[str]] = field(default_factory=list)
    proxies: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    @property
    def scope_url(self) -> str:
        return f"http://{SCOPE_IP}:{HTTP_PORT}"

    @property
    def turn_urls(self) -> list[str]:
        """As the stand-in hands them out: UDP first (blocked), TCP second."""
        return [
            f"turn:{SCOPE_IP}:{COTURN_PORT}?transport=udp",
            f"turn:{SCOPE_IP}:{TURN_PORT}?transport=tcp",
        ]

    def in_bridge_ns(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run on the bridge's side (``ip netns exec`` execs it: same PID)."""
        return ["ip", "netns", "exec", self.bridge_ns, *argv]

    def in_scope_ns(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.scope_ns, *argv]

    def start(
        self, argv: Sequence[str], env: dict[str, str] | None = None, log: str | None = None
    ) -> subprocess.Popen[str]:
        """Start a process of the lab (stopped by its PID on the way out); its output piped,
        or written to ``log`` in the lab's folder for a long-lived one nobody reads."""
        with contextlib.ExitStack() as files:
            out: Any = subprocess.PIPE
            if log is not None:
                out = files.enter_context(open(self.folder / log, "w", encoding="utf-8"))
            proc = subprocess.Popen(
                list(argv), stdout=out, stderr=subprocess.STDOUT, text=True, env=env
            )
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        """The end of a process's log in the lab's folder (for a failure message)."""
        path = self.folder / name
        return path.read_text(encoding="utf-8")[-2000:] if path.exists() else ""

    def udp_dropped(self) -> int:
        """UDP packets the firewall dropped on both sides so far."""
        total = 0
        for ns in (self.bridge_ns, self.scope_ns):
            done = subprocess.run(
                ["ip", "netns", "exec", ns, "nft", "-j", "list", "table", "inet", "sblab"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            for item in json.loads(done.stdout or "{}").get("nftables", []):
                rule = item.get("rule")
                if rule and "udp" in json.dumps(rule["expr"]):
                    for expr in rule["expr"]:
                        if "counter" in expr:
                            total += int(expr["counter"]["packets"])
        return total

    def proxy_totals(self, name: str) -> dict[str, int]:
        """Stop one delay proxy (by its PID) and return the bytes it carried each way."""
        proc = self.proxies[name]
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        totals: dict[str, int] = json.loads(lines[-1]) if lines else {}
        return totals


def _stop(procs: Sequence[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def _wait_http(lab: Lab, proc: subprocess.Popen[str], timeout_s: float = 30.0) -> None:
    """Until the stand-in answers ``/health`` through the proxy, asked from the bridge's side."""
    probe = (
        "import httpx,sys\n"
        "try:\n"
        f"    httpx.get('{lab.scope_url}/health', timeout=2.0).raise_for_status()\n"
        "except Exception:\n"
        "    sys.exit(1)\n"
    )
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the stand-in exited with {proc.returncode}: {lab.log('sim.log')}")
        done = subprocess.run(
            lab.in_bridge_ns([sys.executable, "-c", probe]), timeout=20, check=False
        )
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the stand-in did not answer on {lab.scope_url} from the bridge")
        time.sleep(0.3)


@contextlib.contextmanager
def turn_lab(sim_args: Sequence[str] = (), shaped: bool = True) -> Iterator[Lab]:
    """Build the lab (``shaped``: with delay, jitter and loss; else UDP dropped only)."""
    missing = lab_missing()
    if missing is not None:
        raise RuntimeError(f"Cannot build the TURN lab: {missing}.")
    tag = f"{os.getpid()}"
    lab = Lab(
        f"sblab-b-{tag}",
        f"sblab-s-{tag}",
        Path(tempfile.mkdtemp(prefix="sblab-")),
        secrets.token_hex(12),
    )
    made: list[str] = []
    try:
        for ns in (lab.bridge_ns, lab.scope_ns):
            _run(["ip", "netns", "add", ns])
            made.append(ns)
            _run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
        veth_b, veth_s = f"sbb{tag}"[:15], f"sbs{tag}"[:15]
        _run(
            [
                "ip",
                "link",
                "add",
                veth_b,
                "netns",
                lab.bridge_ns,
                "type",
                "veth",
                "peer",
                "name",
                veth_s,
                "netns",
                lab.scope_ns,
            ]
        )
        for ns, veth, ip in ((lab.bridge_ns, veth_b, BRIDGE_IP), (lab.scope_ns, veth_s, SCOPE_IP)):
            _run(["ip", "netns", "exec", ns, "ip", "addr", "add", f"{ip}/24", "dev", veth])
            _run(["ip", "netns", "exec", ns, "ip", "link", "set", veth, "up"])
            rules = _rules(veth)
            if not shaped:
                rules = "\n".join(line for line in rules.splitlines() if "numgen" not in line)
            _run(["ip", "netns", "exec", ns, "nft", "-f", "-"], stdin=rules)
        config = _coturn_config(lab.folder, lab.credential)
        lab.start(lab.in_scope_ns(["turnserver", "-c", str(config)]), log="coturn.out")
        delay, jitter = (DELAY_MS, JITTER_MS) if shaped else (0.0, 0.0)
        for name, port, to in (("http", HTTP_PORT, SIM_PORT), ("turn", TURN_PORT, COTURN_PORT)):
            argv = [sys.executable, "-m", "scripts.harness.delayproxy"]
            argv += [f"{SCOPE_IP}:{port}", f"{SCOPE_IP}:{to}", str(delay), str(jitter)]
            lab.proxies[name] = lab.start(lab.in_scope_ns(argv))
        sim_argv = [sys.executable, "-m", "bridge.sim", "--host", SCOPE_IP]
        sim_argv += ["--port", str(SIM_PORT), "--ice-username", TURN_USER, *sim_args]
        for url in lab.turn_urls:
            sim_argv += ["--ice-server", url]
        env = {**os.environ, ICE_CREDENTIAL_ENV: lab.credential}
        sim = lab.start(lab.in_scope_ns(sim_argv), env=env, log="sim.log")
        _wait_http(lab, sim)
        yield lab
    finally:
        _stop(lab.procs)
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], timeout=20, check=False)
        shutil.rmtree(lab.folder, ignore_errors=True)


def health(url: str) -> bool:
    try:
        httpx.get(f"{url}/health", timeout=1.0).raise_for_status()
    except httpx.HTTPError:
        return False
    return True
