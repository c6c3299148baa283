"""The sizing curve's table (bench/sizing.py) is computed from each load report it holds."""

from __future__ import annotations

from bench.load import LoadReport
from bench.sizing import HEADER, Point, markdown


def report(latencies: list[float], errors: int, wall: float) -> LoadReport:
    return LoadReport(
        sessions=0,
        interactions=len(latencies),
        errors=["x"] * errors,
        latencies=latencies,
        first_view=[0.1],
        nbytes=[2048] * len(latencies),
        rss_start=100.0,
        rss_warm=200.0,
        rss_peak=321.4,
        rss_end=300.0,
        wall=wall,
        browser=[],
    )


def test_rows_follow_the_reports() -> None:
    slow = Point(30, report([0.1] * 18 + [2.0, 2.0], errors=1, wall=4.0), think=(0.5, 2.0))
    row = dict(zip(HEADER, slow.row(), strict=True))
    assert row["sessions"] == 30 and row["interactions"] == 20 and row["errors"] == 1
    assert row["p50 ms"] == 100 and row["p95 ms"] == 2000 and row["max ms"] == 2000
    assert row["reruns/s reached"] == 5.0 and row["reruns/s wanted"] == 24.0  # 30 / 1.25 s
    assert row["kB / interaction"] == 2.0 and row["RSS peak MB"] == 321
    fast = Point(10, report([0.05] * 10, errors=0, wall=2.0), think=(0.5, 2.0))
    text = markdown([fast, slow], "note")
    lines = text.splitlines()
    assert lines[0].count("|") == len(HEADER) + 1 and len(lines) == 2 + 2 + 2
    assert lines[2].startswith("| 10 | 10 | 0 | 50 | 50 |") and lines[3].startswith("| 30 | 20 | 1 |")
    assert text.rstrip().endswith("note")
    nothing = dict(zip(HEADER, Point(120, report([], errors=120, wall=60.0), (0.5, 2.0)).row(), strict=True))
    assert nothing["p95 ms"] == "-" and nothing["errors"] == 120, (
        "a class where nothing completed still has a row"
    )
