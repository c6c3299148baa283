"""Shared benchmark helpers: page rerun timing through Streamlit's AppTest, a table printer, and a real
`streamlit run` server on the loopback interface (also used by the browser tests)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from streamlit.testing.v1 import AppTest  # noqa: E402

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

Action = Callable[[AppTest], object]


def bench_args(
    doc: str | None,
    argv: Sequence[str] | None,
    configure: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """The command line every bench module shares: `--quick` (a small run that checks the module works end to
    end; `make test` dry-runs every module with it) plus the module's own options from `configure`."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="a small, fast run (seconds): checks the bench runs to the end"
    )
    if configure is not None:
        configure(ap)
    return ap.parse_args(list(argv) if argv is not None else [])


def open_page(page_path: str, query_params: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    """An AppTest on `page_path` (e.g. 'app_pages/simplified.py'), already run once (warm)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.switch_page(page_path).run()
    if at.exception:
        raise RuntimeError(f"{page_path} raised: {at.exception[0].message}")
    return at


def rerun_times(
    page_path: str,
    actions: Sequence[Action],
    n: int = 25,
    query_params: dict[str, str] | None = None,
) -> list[float]:
    """Seconds per rerun after a widget change; action i % len(actions) is applied before rerun i."""
    at = open_page(page_path, query_params)
    times = []
    for i in range(n):
        actions[i % len(actions)](at)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{page_path} raised after action {i}: {at.exception[0].message}")
    return times


def summary_ms(times: Sequence[float]) -> tuple[float, float]:
    """(median, p95) of a list of seconds, in milliseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return 1000 * statistics.median(ordered), 1000 * p95


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain-text table that reads well in a terminal and pastes into Markdown."""
    cells = [
        [str(c) for c in header],
        *[[f"{c:.1f}" if isinstance(c, float) else str(c) for c in r] for r in rows],
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for j, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if j == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


# ---------------------------------------------------------------- a real server


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
