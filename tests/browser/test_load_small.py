"""A small class at once (CI size): 4 concurrent websocket sessions typing and changing settings, 0 errors."""

from __future__ import annotations

import math

from bench.load import print_report, run_load


def test_four_sessions_without_errors() -> None:
    report = run_load(sessions=4, interactions=4, think=(0.2, 0.6), timeout=120, limit=240, ramp=1.0)
    print_report(report)
    assert report.errors == [], report.errors[:5]
    assert report.interactions == 4 * 4, "every planned interaction was measured"
    assert len(report.first_view) == 4
    assert math.isfinite(report.percentile(95)) and report.percentile(95) > 0
    assert min(report.nbytes) > 0, "every interaction sent something back"
    assert report.rss_peak >= report.rss_warm > report.rss_start > 0
