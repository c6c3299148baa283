"""The sizing curve of one server: classes of 10, 30, 60, 90 and 120 students against p95 and reruns/s.

One `streamlit run` server is started and warmed once (every page, both pretrained models); then each class
size runs back to back against it with bench/load.py's websocket students (fast clicking: 0.5-2 s think,
8 interactions each). The table shows errors, latency, the throughput the server reached against the one
the class wanted (sessions / mean think time), and memory. It is printed and written as Markdown to
`artifacts/sizing.md` (`--out` to change).

    python -m bench.sizing
    python -m bench.sizing --sessions 10,30 --interactions 4      # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, free_port, print_table, streamlit_server
from bench.load import LoadReport, LoadTarget, _run_async, _warm, gc_env, page_paths, run_load

SIZES = (10, 30, 60, 90, 120)
HEADER = (
    "sessions",
    "interactions",
    "errors",
    "p50 ms",
    "p95 ms",
    "max ms",
    "reruns/s reached",
    "reruns/s wanted",
    "kB / interaction",
    "RSS peak MB",
)


@dataclass(frozen=True)
class Point:
    """One class size on the curve."""

    sessions: int
    report: LoadReport
    think: tuple[float, float]

    def row(self) -> tuple[object, ...]:
        """The table row of this point."""
        r = self.report
        ms = [1000 * x for x in r.latencies]
        wanted = self.sessions / (sum(self.think) / 2)  # if every rerun were instant
        return (
            self.sessions,
            len(r.latencies),
            len(r.errors),
            round(1000 * r.percentile(50)) if ms else "-",  # nothing completed: no latency to show
            round(1000 * r.percentile(95)) if ms else "-",
            round(max(ms)) if ms else "-",
            round(len(r.latencies) / r.wall, 1) if r.wall else "-",
            round(wanted, 1),
            round(statistics.median(r.nbytes) / 1024, 1) if r.nbytes else "-",
            round(r.rss_peak),
        )


def sizing_curve(
    sizes: tuple[int, ...] = SIZES,
    interactions: int = 8,
    think: tuple[float, float] = (0.5, 2.0),
    timeout: float = 60.0,
    limit: float = 600.0,
    on_point: Callable[[list[Point]], None] | None = None,
) -> list[Point]:
    """Start one server, warm it once, run each class size against it in turn (calling `on_point` with the
    curve so far after each), stop it."""
    pages = page_paths()
    port = free_port()
    with streamlit_server(port, ROOT / "artifacts" / "sizing-server.log", gc_env(False)) as proc:
        _run_async(_warm(port, pages, timeout))
        target = LoadTarget(port, warm_ports=(), pids=(proc.pid,), label="one server")
        points = []
        for n in sizes:
            report = run_load(n, interactions, think, timeout, limit, target=target, pages=pages)
            points.append(Point(n, report, think))
            print(
                f"  {n} sessions: p95 {1000 * report.percentile(95):.0f} ms, {len(report.errors)} errors",
                flush=True,
            )
            if on_point is not None:
                on_point(points)
    return points


def markdown(points: list[Point], note: str) -> str:
    """The curve as a Markdown table with a note on the conditions."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(str(c) for c in p.row()) + " |" for p in points]
    return "\n".join(lines) + f"\n\n{note}\n"


def main(argv: list[str] | None = None) -> list[Point]:
    """Measure the curve, print it and write it as Markdown."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", default=",".join(map(str, SIZES)), help="class sizes, comma-separated")
    ap.add_argument("--interactions", type=int, default=8)
    ap.add_argument("--think-min", type=float, default=0.5)
    ap.add_argument("--think-max", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=ROOT / "artifacts" / "sizing.md")
    ap.add_argument(
        "--quick", action="store_true", help="two small classes (2 and 4 students, 2 interactions)"
    )
    args = ap.parse_args(argv if argv is not None else [])
    if args.quick:
        args.sessions, args.interactions, args.think_min, args.think_max = "2,4", 2, 0.1, 0.3
        args.out = ROOT / "artifacts" / "sizing-quick.md"
    sizes = tuple(int(s) for s in args.sessions.split(",") if s)
    think = (args.think_min, args.think_max)
    note = (
        f"One server, {args.interactions} interactions per student, think time {think[0]}-{think[1]} s; "
        "'wanted' = sessions / mean think time: what the class would ask of an instant server."
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def write(points: list[Point]) -> None:  # after every point, so a long run keeps what it measured
        args.out.write_text(markdown(points, note))

    points = sizing_curve(sizes, args.interactions, think, on_point=write)
    print_table("Sizing curve: one server, a class of N students clicking", HEADER, [p.row() for p in points])
    print(f"(written to {args.out})")
    for p in points:
        if p.report.errors:
            print(f"  {p.sessions} sessions, first errors: {p.report.errors[:3]}")
    return points


if __name__ == "__main__":
    main(sys.argv[1:])
