"""A real `streamlit run` server on the loopback interface, and Debian's chromium: for the browser tests, the
load test and the browser benchmark (bench/ imports these from here, never the other way round)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Debian's chromium (Playwright cannot download its own browser here) and the flags that keep it offline.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log_path: Path, extra_env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """Launch `streamlit run app.py` on 127.0.0.1:port (offline, headless), output to log_path; no waiting."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(extra_env or {})}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as out:  # the child keeps its own copy of the file descriptor
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_healthy(base_url: str, timeout: float, proc: subprocess.Popen | None = None) -> float:
    """Poll base_url/_stcore/health until it answers 200; seconds waited. Raises if it never does (or if
    `proc` exits first)."""
    start = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before {base_url} was healthy")
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"streamlit at {base_url} not healthy after {timeout:.0f} s")
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate the server, then kill it if it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def streamlit_server(
    port: int, log_path: Path, extra_env: Mapping[str, str] | None = None, timeout: float = 90
) -> Iterator[subprocess.Popen]:
    """Start the app on 127.0.0.1:port, yield the process once it is healthy, always stop it."""
    proc = start_server(port, log_path, extra_env)
    try:
        try:
            wait_healthy(f"http://127.0.0.1:{port}", timeout, proc)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; see {log_path}") from None
        yield proc
    finally:
        stop_server(proc)
