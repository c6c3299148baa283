"""The live-training service: one job per session, a fair queue with positions, the server-wide limit, Stop,
cancellation when a student stops watching, and the hard caps — with a stand-in worker (no torch) so the
rules are tested quickly; the real worker is tested in test_learning_training.py."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest

from attention_core.learning.config import default_config
from attention_core.learning.jobs import JobView, TrainingRefusedError, TrainingService

FAKE = (sys.executable, "-m", "tests.support.fake_worker")


@pytest.fixture
def service() -> Iterator[TrainingService]:
    svc = TrainingService(
        max_running=2, max_queue=10, heartbeat_timeout=1.5, time_limit=5.0, worker_command=FAKE
    )
    yield svc
    svc.shutdown()


def _until(svc: TrainingService, job_id: str, done, timeout: float = 60.0, beat: bool = True) -> JobView:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = svc.heartbeat(job_id) if beat else svc.view(job_id)
        assert view is not None
        if done(view):
            return view
        time.sleep(0.05)
    raise AssertionError(f"timed out: {svc.view(job_id)}")


def test_one_job_per_session_and_a_bounded_queue() -> None:
    svc = TrainingService(max_running=1, max_queue=3, heartbeat_timeout=30, worker_command=FAKE)
    try:
        a = svc.submit("alice", default_config("subject", steps=1000))
        _until(svc, a.id, lambda v: v.status == "running")
        with pytest.raises(TrainingRefusedError, match="already"):
            svc.submit("alice", default_config("induction", steps=10))
        others = [svc.submit(f"s{i}", default_config("subject", steps=10)) for i in range(3)]
        assert [svc.view(o.id).queue_position for o in others] == [1, 2, 3]
        with pytest.raises(TrainingRefusedError, match="3 trainings are already waiting"):
            svc.submit("late", default_config("subject", steps=10))
        svc.stop(a.id)
        assert _until(svc, others[-1].id, lambda v: not v.active).status == "finished"
        b = svc.submit("alice", default_config("subject", steps=10))  # the first one is over: allowed again
        assert _until(svc, b.id, lambda v: not v.active).status == "finished"
    finally:
        svc.shutdown()


def test_at_most_max_running_train_at_once_and_the_queue_moves_in_order(service: TrainingService) -> None:
    jobs = [service.submit(f"s{i}", default_config("subject", steps=60)) for i in range(4)]
    views = [_until(service, j.id, lambda v: v.status == "running") for j in jobs[:2]]
    waiting = [service.heartbeat(j.id) for j in jobs[2:]]
    assert [v.queue_position for v in waiting if v] == [1, 2]
    assert all(v.running <= 2 for v in (*views, *waiting) if v)
    assert service.load()[0] == 2
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # every student keeps watching their own job
        done = [service.heartbeat(j.id) for j in jobs]
        if not any(v.active for v in done if v):
            break
        time.sleep(0.05)
    assert [v.status for v in done if v] == ["finished"] * 4
    assert all(v.step == 60 and v.trajectory.steps == tuple(range(61)) for v in done if v)


def test_stop_ends_a_running_job_and_removes_a_waiting_one() -> None:
    svc = TrainingService(max_running=1, heartbeat_timeout=5, time_limit=30, worker_command=FAKE)
    try:
        running = svc.submit("a", default_config("subject", steps=1000))
        waiting = svc.submit("b", default_config("subject", steps=1000))
        _until(svc, running.id, lambda v: v.step >= 5)
        svc.stop(waiting.id)
        assert svc.view(waiting.id).status == "stopped"
        svc.stop(running.id)
        end = _until(svc, running.id, lambda v: not v.active)
        assert end.status == "stopped" and 5 <= end.step < 1000
    finally:
        svc.shutdown()


def test_a_student_who_stops_watching_loses_the_job(service: TrainingService) -> None:
    job = service.submit("gone", default_config("subject", steps=1000))
    _until(service, job.id, lambda v: v.status == "running")
    end = _until(service, job.id, lambda v: not v.active, beat=False)  # no more heartbeats
    assert end.status == "left" and end.step < 1000


def test_the_time_limit_and_a_stubborn_or_crashing_worker_end_the_job() -> None:
    svc = TrainingService(
        max_running=1, heartbeat_timeout=60, time_limit=0.5, kill_grace=1.0, worker_command=FAKE
    )
    try:
        limited = svc.submit("a", default_config("subject", steps=1000))
        assert _until(svc, limited.id, lambda v: not v.active).status == "time limit"
        stubborn = svc.submit("b", default_config("subject", seed=14, steps=10))
        end = _until(svc, stubborn.id, lambda v: not v.active)
        assert end.status == "failed" and "did not stop" in end.message
        crash = svc.submit("c", default_config("subject", seed=13, steps=50))
        end = _until(svc, crash.id, lambda v: not v.active)
        assert end.status == "failed" and "stopped unexpectedly" in end.message
        after = svc.submit("d", default_config("subject", steps=5))  # a new worker takes over
        assert _until(svc, after.id, lambda v: not v.active).status == "finished"
    finally:
        svc.shutdown()


def test_a_starved_server_that_polls_late_does_not_cancel_watched_jobs() -> None:
    """A poll is the page's fragment running on the server: under a class's load two polls can be 20 s
    apart. With the default timeout neither the running job nor the queued one counts as abandoned."""
    now = [0.0]
    svc = TrainingService(max_running=1, time_limit=60, worker_command=FAKE, clock=lambda: now[0])
    try:
        running = svc.submit("a", default_config("subject", steps=1000))
        waiting = svc.submit("b", default_config("subject", steps=5))
        _until(svc, running.id, lambda v: v.status == "running")
        svc.heartbeat(waiting.id)
        now[0] += 20.0  # 20 s without any poll
        time.sleep(2.5)  # the service checks for abandoned jobs every second (queued) / 0.25 s (running)
        assert svc.view(running.id).status == "running"
        assert svc.view(waiting.id).status == "queued"
        now[0] += 31.0  # really gone: more than the timeout without a poll
        assert _until(svc, running.id, lambda v: not v.active, beat=False).status == "left"
        assert _until(svc, waiting.id, lambda v: not v.active, beat=False).status == "left"
    finally:
        svc.shutdown()


def test_the_default_leaves_one_core_for_the_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """One training on 2 cores (two put the readers' p95 near 2 s), at most 2 anywhere; the setting wins."""
    from attention_core.learning.jobs import MAX_RUNNING_ENV, default_max_running

    monkeypatch.delenv(MAX_RUNNING_ENV, raising=False)
    assert [default_max_running(n) for n in (1, 2, 3, 16)] == [1, 1, 2, 2]
    monkeypatch.setenv(MAX_RUNNING_ENV, "3")
    assert default_max_running(2) == 3
    monkeypatch.setenv(MAX_RUNNING_ENV, "many")
    assert default_max_running(2) == 1
