"""Live training for a whole class: a bounded queue, a few worker processes, and fair limits.

One `TrainingService` per server process (the page keeps it in `st.cache_resource`). Every session may have
one job at a time; at most `max_running` jobs train at once (each in its own niced worker process, so the
pages other students read keep their CPU); the rest wait in a FIFO queue whose position each student sees.
A job ends when it finishes, on Stop, at the hard caps (steps are validated, seconds are enforced by the
worker and, as a backstop, by killing it), or when its session stops polling — a student who closed the
tab or went to another page — after `heartbeat_timeout` seconds.

Everything a page reads is a `JobView`: a frozen copy taken under the service's lock, so sessions never
share mutable state. Worker processes are started on first use and reused; one that dies is replaced.
"""

from __future__ import annotations

import itertools
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from attention_core.learning.config import MAX_SECONDS, TrainConfig
from attention_core.learning.trajectory import Trajectory, TrajectoryBuilder
from attention_core.learning.worker import decode_state

Status = Literal["queued", "starting", "running", "finished", "stopped", "time limit", "left", "failed"]
ACTIVE: frozenset[str] = frozenset({"queued", "starting", "running"})
_ENDED: dict[str, Status] = {
    "finished": "finished",
    "stopped": "stopped",
    "time limit": "time limit",
    "left": "left",
}
ROOT = Path(__file__).resolve().parents[2]
MAX_RUNNING_ENV = "ATTENTION_EXPLORER_MAX_TRAININGS"
WORKER_COMMAND = (sys.executable, "-m", "attention_core.learning.worker")
# The shipped runs were trained with torch's AVX2 CPU kernels. On a CPU with AVX-512 torch picks other kernels
# that round differently (a 20-step run then differs from the shipped one by 1.9e-6), so the workers (and
# scripts/train_learning.py) pin AVX2: a live run repeats a shipped one bit for bit on any x86 CPU with AVX2.
# A setting of the server's own environment wins.
TORCH_KERNELS = {"ATEN_CPU_CAPABILITY": "avx2"}
# seconds without a poll before a job counts as abandoned: a poll is the page's fragment *running* on the
# server, so on a starved server (a class rerunning at once) a watched job can go several seconds between
# two polls; 12 s was too tight for that (a loaded class measured reader reruns at p95 13.6 s)
HEARTBEAT_TIMEOUT = 30.0


class TrainingRefusedError(RuntimeError):
    """A job the service will not take (one per session, or the queue is full); the message says why."""


@dataclass(frozen=True)
class JobView:
    """What a page may know about a job at one moment."""

    id: str
    status: Status
    queue_position: int  # 1 = next to start; 0 when not waiting
    queue_length: int  # jobs waiting in all
    running: int  # jobs training right now (server-wide)
    step: int  # last logged step
    total_steps: int
    elapsed: float  # seconds since it started training (0 while waiting)
    trajectory: Trajectory  # everything received so far
    message: str  # why it failed, if it did

    @property
    def active(self) -> bool:
        """Waiting or training."""
        return self.status in ACTIVE


class _Job:
    """A job's mutable record; only the service touches it, under its lock."""

    def __init__(self, job_id: str, session: str, config: TrainConfig, now: float) -> None:
        self.id, self.session, self.config = job_id, session, config
        self.status: Status = "queued"
        self.builder = TrajectoryBuilder(config)
        self.last_seen = now
        self.started: float | None = None
        self.seconds = 0.0
        self.stop_requested = False
        self.message = ""
        self.cached: tuple[int, int, Trajectory] | None = None  # (logs, snapshots) -> built trajectory


def default_max_running(cpu_count: int | None = None) -> int:
    """Concurrent trainings per server: $ATTENTION_EXPLORER_MAX_TRAININGS, else one core left free for the class's
    page reruns (at most 2 trainings; 1 on a 2-core machine, where two trainings put readers' p95 at 1.4-2.0 s,
    one at 1.06 s, bench.learn)."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 2)
    fallback = min(2, max(1, cores - 1))
    try:
        return max(1, int(os.environ.get(MAX_RUNNING_ENV, str(fallback))))
    except ValueError:
        return fallback


class TrainingService:
    """A server-wide queue of training jobs run by worker processes (see the module docstring)."""

    def __init__(
        self,
        max_running: int | None = None,
        max_queue: int = 30,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
        worker_idle_timeout: float = 600.0,
        kill_grace: float = 30.0,
        time_limit: float = MAX_SECONDS,
        worker_command: Sequence[str] = WORKER_COMMAND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_running = max_running or default_max_running()
        self.max_queue, self.heartbeat_timeout, self.time_limit = max_queue, heartbeat_timeout, time_limit
        self.worker_idle_timeout, self.kill_grace = worker_idle_timeout, kill_grace
        self.worker_command, self.clock = tuple(worker_command), clock
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._jobs: dict[str, _Job] = {}
        self._queue: deque[str] = deque()
        self._ids = itertools.count(1)
        self._slots: list[_Slot] = []
        self._closed = False

    # ------------------------------------------------------------ what pages call

    def submit(self, session: str, config: TrainConfig) -> JobView:
        """Queue a job for `session`; raises TrainingRefusedError if it already has one or the queue is full."""
        config.validate()
        with self._lock:
            if self._closed:
                raise TrainingRefusedError("The training service is shutting down.")
            for job in self._jobs.values():
                if job.session == session and job.status in ACTIVE:
                    raise TrainingRefusedError("You already have a training running: stop it first.")
            if len(self._queue) >= self.max_queue:
                raise TrainingRefusedError(
                    f"{len(self._queue)} trainings are already waiting on this server; try again in a minute."
                )
            job = _Job(f"job-{next(self._ids)}", session, config, self.clock())
            self._jobs[job.id] = job
            self._queue.append(job.id)
            self._forget_old()
            self._ensure_slots()
            self._wake.notify_all()
            return self._view(job)

    def heartbeat(self, job_id: str) -> JobView | None:
        """The student is still watching: keep the job alive and return its view (None if unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            job.last_seen = self.clock()
            return self._view(job)

    def view(self, job_id: str) -> JobView | None:
        """The job's view without counting as a heartbeat."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else self._view(job)

    def stop(self, job_id: str) -> None:
        """Stop a job: a waiting one leaves the queue, a running one ends after its current step."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status not in ACTIVE:
                return
            job.stop_requested = True
            if job.status == "queued":
                self._queue.remove(job.id)
                job.status = "stopped"
            self._wake.notify_all()

    def prestart(self) -> None:
        """Start the worker processes now (in the background), so the first training starts quickly."""
        with self._lock:
            if not self._closed:
                self._ensure_slots(prestart=True)

    def load(self) -> tuple[int, int]:
        """(jobs training, jobs waiting) server-wide."""
        with self._lock:
            return self._running(), len(self._queue)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every job and worker (tests and server shutdown)."""
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                if job.status in ACTIVE:
                    job.stop_requested = True
            self._queue.clear()
            self._wake.notify_all()
            slots = list(self._slots)
        for slot in slots:
            slot.join(timeout)

    # ------------------------------------------------------------ internals (lock held)

    def _running(self) -> int:
        return sum(job.status in ("starting", "running") for job in self._jobs.values())

    def _view(self, job: _Job) -> JobView:
        position = self._queue.index(job.id) + 1 if job.id in self._queue else 0
        n_logs, n_snaps = len(job.builder.steps), len(job.builder.snapshot_steps)
        if job.cached is None or job.cached[:2] != (n_logs, n_snaps) or job.status not in ACTIVE:
            stopped = job.status if job.status in ("finished", "stopped", "time limit", "left") else "stopped"
            job.cached = (n_logs, n_snaps, job.builder.build(stopped, job.seconds))
        elapsed = (self.clock() - job.started) if job.started is not None and job.status in ACTIVE else 0.0
        return JobView(
            id=job.id,
            status=job.status,
            queue_position=position,
            queue_length=len(self._queue),
            running=self._running(),
            step=job.builder.steps[-1] if job.builder.steps else 0,
            total_steps=job.config.steps,
            elapsed=elapsed if job.status in ACTIVE else job.seconds,
            trajectory=job.cached[2],
            message=job.message,
        )

    def _ensure_slots(self, prestart: bool = False) -> None:
        while len(self._slots) < self.max_running:
            slot = _Slot(self, len(self._slots), prestart)
            self._slots.append(slot)
            slot.start()

    def _forget_old(self, keep: int = 200) -> None:
        """Drop the records of long-finished jobs so the registry stays bounded."""
        done = [j for j in self._jobs.values() if j.status not in ACTIVE]
        for job in done[: max(0, len(done) - keep)]:
            del self._jobs[job.id]

    def _stale(self, job: _Job) -> bool:
        return self.clock() - job.last_seen > self.heartbeat_timeout

    def _next_job(self, idle_timeout: float | None = None) -> _Job | Literal["idle"] | None:
        """Wait for the next job to run: None when shutting down, 'idle' after `idle_timeout` seconds without
        one. Queued jobs nobody watches any more are dropped."""
        waited_since = time.monotonic()
        while True:
            if self._closed:
                return None
            if idle_timeout is not None and time.monotonic() - waited_since > idle_timeout:
                return "idle"
            while self._queue:
                job = self._jobs[self._queue.popleft()]
                if self._stale(job):
                    job.status = "left"
                    continue
                job.status = "starting"
                return job
            self._wake.wait(timeout=1.0)
            for job_id in list(self._queue):  # a waiting student who left gives up their place
                if self._stale(self._jobs[job_id]):
                    self._queue.remove(job_id)
                    self._jobs[job_id].status = "left"


class _Slot(threading.Thread):
    """One concurrent training: a supervisor thread that owns one worker process and feeds it jobs."""

    def __init__(self, service: TrainingService, index: int, prestart: bool = False) -> None:
        super().__init__(name=f"training-slot-{index}", daemon=True)
        self.service, self.prestart = service, prestart
        self.proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._ready = False

    def run(self) -> None:
        svc = self.service
        try:
            if self.prestart:
                self._start_worker()  # import torch now, not when the first student presses Start
            while True:
                with svc._lock:
                    job = svc._next_job(svc.worker_idle_timeout if self.proc is not None else None)
                if job is None:
                    return
                if job == "idle":  # nobody trained for a while: give the memory back
                    self._close_worker()
                    continue
                self._run_job(job)
        finally:
            self._close_worker()

    # -------- the worker process

    def _start_worker(self) -> None:
        self._close_worker()
        env = {
            **TORCH_KERNELS,
            **os.environ,
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        }
        self.proc = subprocess.Popen(
            list(self.service.worker_command),
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._buffer, self._ready = b"", False

    def _close_worker(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None and proc.stdin is not None:
                proc.stdin.close()  # the worker exits at the end of its input
            proc.wait(timeout=3)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=5)

    def _send(self, message: dict[str, Any]) -> bool:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def _read_event(self, timeout: float) -> dict[str, Any] | Literal["eof"] | None:
        """The next event line, None if none within `timeout`, 'eof' if the worker is gone."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return "eof"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            return None
        return event if isinstance(event, dict) else None

    # -------- one job

    def _fail(self, job: _Job, message: str) -> None:
        with self.service._lock:
            job.status, job.message = "failed", message
        self._close_worker()

    def _run_job(self, job: _Job) -> None:
        svc = self.service
        if self.proc is None or self.proc.poll() is not None:
            self._start_worker()
        if not self._ready:
            ready_by = time.monotonic() + 120
            while True:  # torch takes a few seconds to import in a fresh process
                event = self._read_event(0.5)
                if event == "eof" or time.monotonic() > ready_by:
                    self._fail(job, "The training worker could not start.")
                    return
                if isinstance(event, dict) and event.get("event") == "ready":
                    self._ready = True
                    break
                with svc._lock:
                    if job.stop_requested or svc._stale(job):
                        job.status = "left" if not job.stop_requested else "stopped"
                        return
        with svc._lock:
            if job.stop_requested or svc._stale(job):
                job.status = "stopped" if job.stop_requested else "left"
                return
            job.status, job.started = "running", svc.clock()
            config = job.config.to_dict()
        if not self._send({"cmd": "train", "job": job.id, "config": config, "time_limit": svc.time_limit}):
            self._fail(job, "The training worker stopped unexpectedly.")
            return
        stop_sent, reason = False, ""
        hard_deadline = time.monotonic() + svc.time_limit + svc.kill_grace  # the worker stops itself before
        while True:
            event = self._read_event(0.25)
            if event == "eof":
                self._fail(job, "The training worker stopped unexpectedly.")
                return
            with svc._lock:
                if not stop_sent and (job.stop_requested or svc._stale(job) or svc._closed):
                    reason = "stopped" if job.stop_requested or svc._closed else "left"
                    stop_sent = True
                    send_stop = True
                else:
                    send_stop = False
            if send_stop and not self._send({"cmd": "stop", "job": job.id}):
                self._fail(job, "The training worker stopped unexpectedly.")
                return
            if time.monotonic() > hard_deadline:
                self._fail(job, "The training worker did not stop at the time limit and was ended.")
                return
            if not isinstance(event, dict) or event.get("job") != job.id:
                continue
            kind = event.get("event")
            state = decode_state(event["weights"]) if kind == "snapshot" else None
            with svc._lock:
                if kind == "log":
                    job.builder.add_log(int(event["step"]), event["metrics"])
                elif kind == "snapshot":
                    job.builder.add_snapshot(int(event["step"]), state or {})
                elif kind == "done":
                    job.seconds = float(event.get("seconds", 0.0))
                    stopped = _ENDED.get(str(event.get("stopped")), "finished")
                    job.status = _ENDED[reason] if (stopped == "stopped" and reason) else stopped
                    return
                elif kind == "error":
                    job.status, job.message = "failed", str(event.get("message", "unknown error"))
                    return
