"""N `streamlit run app.py` replicas behind one HAProxy on 127.0.0.1: start them, watch them, stop them.

    make serve-replicas N=3                     # the same as the next line; Ctrl+C stops everything
    python -m deploy.replicas --replicas 3 --port 8500

Students open http://127.0.0.1:8500; HAProxy gives each browser a cookie naming its replica, so its
websocket and its later requests stay there (a Streamlit session lives in one process). A replica that dies
is taken out of rotation by the health checks (`/_stcore/health` every second) and its students reconnect to
a live one, where their URL reopens the same view. Everything listens on the loopback interface only; the
bench (`bench/replicas.py`) and the tests use the same `Cluster`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deploy.haproxy import BALANCER_HEALTH_PATH, HEALTH_PATH, Server, find_haproxy, haproxy_config

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
MAX_REPLICAS = 8  # two cores here: more replicas than that only compete for them


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def replica_command(port: int, address: str = LOOPBACK) -> list[str]:
    """The command line of one replica (the Dockerfile's CMD runs the same flags)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless=true",
        f"--server.port={port}",
        f"--server.address={address}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ]


def replica_env(cookie_secret: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The replicas' environment: offline model hubs, one cookie secret shared by every replica."""
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        # Streamlit signs its cookies with this; behind a balancer every replica must use the same one.
        "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
        **(extra or {}),
    }


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    """(status, body) of a GET; (0, reason) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError as exc:
        return 0, str(exc)


@dataclass
class Replica:
    """One streamlit process of the cluster."""

    name: str
    port: int
    log: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Its own address (the balancer's students never use it)."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def alive(self) -> bool:
        """The process is running."""
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Cluster:
    """N replicas and one HAProxy on 127.0.0.1; `with Cluster(3) as c:` starts them and always stops them."""

    replicas: int = 3
    port: int = 0  # the balancer's port; 0 picks a free one
    log_dir: Path | None = None  # default: artifacts/replicas/lb-<port>/, so clusters never share logs
    extra_env: Mapping[str, str] = field(default_factory=dict)
    start_timeout: float = 180.0
    members: list[Replica] = field(default_factory=list)
    stats_port: int = 0
    haproxy: subprocess.Popen | None = None
    config_path: Path | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise ValueError(f"replicas must be in 1..{MAX_REPLICAS}")
        self.port = self.port or free_port()
        self.stats_port = self.stats_port or free_port()
        self.logs = self.log_dir or ROOT / "artifacts" / "replicas" / f"lb-{self.port}"
        self._secret = secrets.token_hex(32)

    # ---------------------------------------------------------------- addresses

    @property
    def url(self) -> str:
        """Where students go: the balancer."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pids(self) -> tuple[int, ...]:
        """The live replicas' process ids."""
        return tuple(r.proc.pid for r in self.members if r.proc is not None and r.alive)

    def replica(self, name: str) -> Replica:
        """The replica called `name` (r1, r2, ...)."""
        return next(r for r in self.members if r.name == name)

    # ---------------------------------------------------------------- life cycle

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start every replica at once, wait until each is healthy, then HAProxy, then until it sees them up."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.members = [
            Replica(f"r{i}", free_port(), self.logs / f"r{i}.log") for i in range(1, self.replicas + 1)
        ]
        for r in self.members:
            self._launch(r)
        for r in self.members:
            self.wait_replica(r, self.start_timeout)
        self.config_path = self.logs / "haproxy.cfg"
        servers = [Server(r.name, LOOPBACK, r.port) for r in self.members]
        self.config_path.write_text(
            haproxy_config(servers, f"{LOOPBACK}:{self.port}", f"{LOOPBACK}:{self.stats_port}")
        )
        with (self.logs / "haproxy.log").open("w") as out:
            self.haproxy = subprocess.Popen(
                [find_haproxy(), "-db", "-f", str(self.config_path)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.wait_balancer(up=self.replicas, timeout=30)

    def _launch(self, r: Replica) -> None:
        with r.log.open("a") as out:  # the child keeps its own copy of the descriptor
            r.proc = subprocess.Popen(
                replica_command(r.port),
                cwd=ROOT,
                env=replica_env(self._secret, self.extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_replica(self, r: Replica, timeout: float) -> float:
        """Poll the replica's own /_stcore/health until it answers 200; seconds waited."""
        start = time.monotonic()
        while http_get(r.url + HEALTH_PATH)[0] != 200:
            if not r.alive:
                raise RuntimeError(f"replica {r.name} exited before it was healthy; see {r.log}")
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"replica {r.name} not healthy after {timeout:.0f} s; see {r.log}")
            time.sleep(0.1)
        return time.monotonic() - start

    def server_states(self) -> dict[str, str]:
        """HAProxy's view of each replica ("UP", "DOWN", "UP 1/2", ...), read from its stats CSV."""
        status, body = http_get(f"http://{LOOPBACK}:{self.stats_port}/;csv")
        if status != 200:
            return {}
        rows = csv.DictReader(io.StringIO(body.lstrip("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row.get("pxname") == "replicas" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def wait_balancer(self, up: int, timeout: float) -> float:
        """Wait until HAProxy counts `up` replicas UP and answers through its frontend; seconds waited."""
        start = time.monotonic()
        while True:
            states = self.server_states()
            n_up = sum(1 for s in states.values() if s == "UP")
            if n_up == up and http_get(self.url + HEALTH_PATH)[0] == 200:
                return time.monotonic() - start
            if self.haproxy is not None and self.haproxy.poll() is not None:
                raise RuntimeError(f"haproxy exited ({self.haproxy.returncode}); see {self.logs}/haproxy.log")
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"haproxy sees {states} after {timeout:.0f} s (wanted {up} UP)")
            time.sleep(0.1)

    def wait_state(self, name: str, state: str, timeout: float) -> float:
        """Wait until HAProxy reports replica `name` in `state` ("DOWN", "UP"); seconds waited."""
        start = time.monotonic()
        while self.server_states().get(name) != state:
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"{name} not {state} after {timeout:.0f} s: {self.server_states()}")
            time.sleep(0.05)
        return time.monotonic() - start

    def kill(self, name: str) -> float:
        """Crash a replica (SIGKILL: no goodbye to its sockets); the monotonic time of the kill."""
        r = self.replica(name)
        assert r.proc is not None
        r.proc.kill()
        at = time.monotonic()
        r.proc.wait(timeout=10)
        return at

    def restart(self, name: str) -> float:
        """Start a killed replica again on its port; seconds until it is healthy."""
        r = self.replica(name)
        if r.alive:
            raise RuntimeError(f"{name} is still running")
        self._launch(r)
        return self.wait_replica(r, self.start_timeout)

    def balancer_health(self) -> int:
        """HAProxy's own health answer: 200 while at least one replica is up, 503 when none is."""
        return http_get(self.url + BALANCER_HEALTH_PATH)[0]

    def stop(self) -> None:
        """Stop HAProxy and every replica (terminate, then kill what does not stop in time)."""
        procs = [p for p in [self.haproxy, *(r.proc for r in self.members)] if p is not None]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 15
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


@contextlib.contextmanager
def _signals_stop() -> Iterator[None]:
    """SIGTERM (e.g. from `kill`) leaves through the same clean-up path as Ctrl+C."""

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> None:
    """Serve the app from N replicas behind HAProxy until Ctrl+C (or SIGTERM), then stop them all."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--port", type=int, default=8500, help="the balancer's port on 127.0.0.1")
    args = ap.parse_args(argv)
    with _signals_stop(), contextlib.suppress(KeyboardInterrupt):
        print(f"Starting {args.replicas} replicas and HAProxy ...", flush=True)
        with Cluster(args.replicas, args.port) as cluster:
            print(f"\nAttention Explorer on {cluster.url}  ({args.replicas} replicas behind HAProxy)")
            print(f"  logs and haproxy.cfg: {cluster.logs}")
            for r in cluster.members:
                print(f"  replica {r.name}: {r.url} (pid {r.proc.pid if r.proc else '-'})")
            print(f"  HAProxy stats: http://{LOOPBACK}:{cluster.stats_port}/")
            print("Press Ctrl+C to stop everything.", flush=True)
            while True:
                time.sleep(1)
                if cluster.haproxy is not None and cluster.haproxy.poll() is not None:
                    print("haproxy exited; stopping the replicas", file=sys.stderr)
                    break
    print("Stopped.")


if __name__ == "__main__":
    main(sys.argv[1:])
