"""Two replicas behind HAProxy on 127.0.0.1: sticky by cookie (page and websocket), health-checked, a dead
replica's students redispatched, and everything stopped afterwards; `python -m deploy.replicas` (what
`make serve-replicas` runs) stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import websockets

from bench.load import _run_async  # asyncio.run in a fresh thread: pytest-playwright keeps a loop running
from deploy.haproxy import BALANCER_HEALTH_PATH, COOKIE, REPLICA_HEADER
from deploy.replicas import ROOT, Cluster, free_port, http_get


def get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """(replica that answered, replica named by a Set-Cookie if any) for one GET."""
    req = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
        set_cookie = [c for c in resp.headers.get_all("Set-Cookie") or [] if c.startswith(f"{COOKIE}=")]
        named = set_cookie[0].split(";", 1)[0].split("=", 1)[1] if set_cookie else None
        return resp.headers[REPLICA_HEADER], named


async def websocket_replica(port: int, cookie: str) -> str:
    """The replica that accepts a Streamlit websocket opened with the sticky cookie."""
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream",
        subprotocols=["streamlit"],
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{COOKIE}={cookie}"},
        open_timeout=30,
    ) as ws:
        assert ws.response is not None
        return ws.response.headers[REPLICA_HEADER]


def test_sticky_sessions_health_checks_and_failover(tmp_path: Path) -> None:
    with Cluster(2, log_dir=tmp_path) as cluster:
        procs = [psutil.Process(pid) for pid in (*cluster.pids, cluster.haproxy.pid)]
        assert cluster.server_states() == {"r1": "UP", "r2": "UP"}
        # A browser without the cookie gets one naming the replica that served it ...
        served, named = get(cluster.url + "/")
        assert named == served and served in ("r1", "r2")
        # ... and with it, every request and the websocket reach that replica.
        for name in ("r1", "r2"):
            assert {get(cluster.url + "/", name)[0] for _ in range(5)} == {name}
            assert _run_async(websocket_replica(cluster.port, name)) == name
        # New browsers are spread over the replicas (leastconn; the page requests are short).
        assert {get(cluster.url + "/")[0] for _ in range(6)} == {"r1", "r2"}

        cluster.kill("r2")
        cluster.wait_state("r2", "DOWN", timeout=20)
        served, renamed = get(cluster.url + "/", "r2")
        assert (served, renamed) == ("r1", "r1"), "a student of the dead replica is moved to a live one"
        assert _run_async(websocket_replica(cluster.port, "r2")) == "r1"
        assert cluster.balancer_health() == 200
        cluster.kill("r1")
        cluster.wait_state("r1", "DOWN", timeout=20)
        assert cluster.balancer_health() == 503, "the balancer reports that no replica is left"

        assert cluster.restart("r2") > 0
        cluster.wait_state("r2", "UP", timeout=30)
        assert get(cluster.url + "/", "r1")[0] == "r2"
        procs.append(psutil.Process(cluster.replica("r2").proc.pid))
    assert not [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert http_get(cluster.url + BALANCER_HEALTH_PATH)[0] == 0, "nothing listens after the cluster stopped"


def test_serve_replicas_command_stops_everything_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy.replicas", "--replicas", "1", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while http_get(f"http://127.0.0.1:{port}/_stcore/health")[0] != 200:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the balancer never answered"
            time.sleep(0.2)
        children = psutil.Process(proc.pid).children(recursive=True)
        names = sorted(c.name() for c in children)
        assert any("haproxy" in n for n in names) and len(children) == 2, names
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:  # the test failed: stop what it started, children first
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
            proc.kill()
        log.close()
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert "Stopped." in (tmp_path / "serve.log").read_text()
