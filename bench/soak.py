"""Soak: one server, a class of 30 students for 10 minutes at reading pace; errors and the server's memory.

The same websocket students as `bench.load` (typing sentences, moving settings, switching pages), with 5-15 s
of reading between actions, for a fixed time instead of a fixed number of actions. The server's RSS is
sampled every few seconds; the table gives it when the class starts (after one warm-up session has visited
every page, so the models are loaded), after a tenth of the run (1 minute) and at the end (10 minutes). A
server that keeps something per session or per sentence grows between the last two.

    python -m bench.soak                        # 30 sessions, 600 s
    python -m bench.soak --sessions 10 --minutes 2
    python -m bench.soak --quick                # 2 sessions, 20 s (the dry run in make test)
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass, field

from bench.common import ROOT, bench_args, free_port, print_table, streamlit_server
from bench.load import _run_async, _warm, gc_env, page_paths, rss_mb, student

MAX_MINUTES = 30.0
READING_PACE = (5.0, 15.0)  # seconds between a student's actions


@dataclass
class SoakReport:
    """What a soak run measured."""

    sessions: int
    seconds: float
    interactions: int
    errors: list[str]
    latencies: list[float]
    think: tuple[float, float] = READING_PACE
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds since the class started, MB)

    def rss_at(self, t: float) -> float:
        """The RSS sample closest to `t` seconds after the start."""
        return min(self.rss, key=lambda s: abs(s[0] - t))[1]

    def percentile(self, q: float) -> float:
        """The q-th percentile (nearest rank) of the interaction latencies, in seconds."""
        data = sorted(self.latencies)
        return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))] if data else float("nan")


def _sample_rss(pid: int, start: float, every: float, stop: threading.Event, out: list) -> None:
    while not stop.is_set():
        out.append((time.monotonic() - start, rss_mb(pid)))
        stop.wait(every)


def run_soak(
    sessions: int = 30,
    seconds: float = 600.0,
    think: tuple[float, float] = READING_PACE,
    timeout: float = 60.0,
    sample_every: float = 5.0,
    warm_all: bool = True,
) -> SoakReport:
    """Start a server, warm it (every page, or only the first), run `sessions` students for `seconds`,
    sample RSS, stop the server."""
    if not 1 <= sessions <= 200 or not 0 < seconds <= 60 * MAX_MINUTES:
        raise ValueError(f"1..200 sessions for at most {MAX_MINUTES:.0f} minutes")
    pages = page_paths()
    content = [p for p in pages if p] or pages
    port = free_port()
    with streamlit_server(port, ROOT / "artifacts" / "soak-server.log", gc_env(False)) as proc:
        _run_async(_warm(port, pages if warm_all else pages[:1], timeout))
        start = time.monotonic()
        samples: list[tuple[float, float]] = []
        stop = threading.Event()
        sampler = threading.Thread(
            target=_sample_rss, args=(proc.pid, start, sample_every, stop, samples), daemon=True
        )
        sampler.start()
        until = start + seconds

        async def klass() -> list:
            import asyncio

            async def one(n: int):
                await asyncio.sleep(think[0] * n / max(sessions, 1))  # students arrive over a few seconds
                return await student(
                    n,
                    port,
                    content[n % len(content)],
                    content,
                    10**6,
                    think,
                    timeout,
                    until + 2 * timeout,
                    until,
                )

            return await asyncio.gather(*(one(n) for n in range(sessions)))

        results = _run_async(klass())
        stop.set()
        sampler.join(timeout=10)
        samples.append((time.monotonic() - start, rss_mb(proc.pid)))
    return SoakReport(
        sessions=sessions,
        seconds=seconds,
        interactions=sum(len(r.latencies) - 1 for r in results),
        errors=[e for r in results for e in r.errors],
        latencies=[x for r in results for x in r.latencies[1:]],
        think=think,
        rss=samples,
    )


def print_report(r: SoakReport) -> None:
    """The soak figures as a table."""
    tenth = r.seconds / 10
    rows = [
        (
            "sessions (concurrent), think time between actions",
            f"{r.sessions}, {r.think[0]:.0f}-{r.think[1]:.0f} s",
        ),
        ("duration s", r.seconds),
        ("interactions", r.interactions),
        ("errors (goal 0)", len(r.errors)),
        ("interaction p50 / p95 ms", f"{1000 * r.percentile(50):.0f} / {1000 * r.percentile(95):.0f}"),
        ("server RSS at start MB (warm)", r.rss_at(0.0)),
        *((f"server RSS after {k * tenth:.0f} s MB", r.rss_at(k * tenth)) for k in range(1, 11)),
        ("server RSS peak MB", max(mb for _, mb in r.rss)),
        (f"growth from {tenth:.0f} s to the end MB", r.rss_at(r.seconds) - r.rss_at(tenth)),
        (
            "growth over the second half MB (a leak keeps growing here)",
            r.rss_at(r.seconds) - r.rss_at(5 * tenth),
        ),
    ]
    print_table(
        f"Soak: {r.sessions} sessions for {r.seconds / 60:.1f} min on one server", ["figure", "value"], rows
    )
    if r.errors:
        print("\nFirst errors:")
        for e in r.errors[:10]:
            print(f"  - {e}")


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--minutes", type=float, default=10.0)


def main(argv: list[str] | None = None) -> SoakReport:
    """Run the soak (30 sessions x 10 minutes; `--quick`: 2 sessions x 20 s) and print its table."""
    args = bench_args(__doc__, argv, _options)
    sessions, seconds = (2, 20.0) if args.quick else (args.sessions, 60 * args.minutes)
    think = (1.0, 3.0) if args.quick else READING_PACE
    report = run_soak(
        sessions, seconds, think, sample_every=2.0 if args.quick else 5.0, warm_all=not args.quick
    )
    print_report(report)
    if report.errors:
        raise RuntimeError(f"soak: {len(report.errors)} errors (first: {report.errors[0]})")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
