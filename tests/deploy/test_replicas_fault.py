"""The fault test in its quick form (bench/replicas.py --quick): 2 replicas, 4 websocket students and a real
chromium tab; the replica holding the tab is killed mid-lesson. Nobody loses their view."""

from __future__ import annotations

import math

import psutil
import pytest

from bench import replicas as bench_replicas
from bench.replicas import QUICK, print_fault_report, run_fault


@pytest.mark.browser
def test_killing_a_replica_loses_no_view(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[psutil.Process] = []
    original = bench_replicas.Cluster.start

    def start_and_remember(self: bench_replicas.Cluster) -> None:
        original(self)
        started.extend(psutil.Process(pid) for pid in (*self.pids, self.haproxy.pid))

    monkeypatch.setattr(bench_replicas.Cluster, "start", start_and_remember)
    report = run_fault(**QUICK, browsers=1, timeout=120)
    print_fault_report(report)

    assert report.killed == "r1" and len(report.spread) == 2, report.spread
    assert report.victims, "some students had their tab open on the killed replica"
    assert report.lost_views == 0, [r for r in report.recoveries if not r.same_view]
    for r in report.recoveries:
        assert r.replica_before == "r1" and r.replica_after == "r2" and r.same_view
    assert math.isfinite(report.reconnect_ms(1.0)) and report.reconnect_ms(1.0) < 30_000
    assert report.errors == [], report.errors[:5]
    assert sum(log.after_recovery for log in report.logs) > 0, "students kept working after reconnecting"
    assert report.balancer_health_during == 200 and report.seconds_to_down < 10
    b = report.browser
    assert b is not None and b.error == "", b
    assert b.same_charts and b.charts_before > 0 and (b.replica_before, b.replica_after) == ("r1", "r2")
    assert len(started) == 3
    assert not [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "all stopped"
