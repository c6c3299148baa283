"""Shared benchmark helpers: page rerun timing through Streamlit's AppTest and a table printer; the real
`streamlit run` server and chromium come from tests/support/server.py (shared with the browser tests)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.support.server import (  # noqa: E402, F401  (bench modules import these from here)
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    start_server,
    stop_server,
    streamlit_server,
    wait_healthy,
)

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
