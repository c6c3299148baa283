"""The learn page's figures: how fast attention learns on 2 cores, and a class reading while others train.

    python -m bench.learn                 # speed (in-process and through the page's worker) + the load test
    python -m bench.learn --speed-only
    python -m bench.learn --readers 30 --trainers 5
    python -m bench.learn --quick         # task 1's speed in this process only (the dry run of make test)

Speed: seconds until task 1 first reaches >= 95 % held-out accuracy and until task 2's phase change (the
repeated-half loss at or below half of ln V), for the page's default settings, (a) in this process with one
torch thread, (b) through the page's own TrainingService (a niced worker process; from Start to the event,
so queueing and the worker's start are counted too). Logged steps are every 5 (task 1) / 10 (task 2)
steps, so a time is "at the first logged step that qualifies".

Load: one `streamlit run` server; `--readers` websocket students of bench/load.py reading every page at
reading pace while `--trainers` other sessions open the learn page and train for as long as the readers
read: press Start, poll their fragment the way the browser does (auto-rerun every POLL_SECONDS) until the
run ends, press Start again. So every reader rerun is measured while trainings run (or wait in the queue).
Reported: the readers' rerun latency (goal p95 <= 2 s) and errors, and for the trainers how many runs
ended, the queue positions they saw and how long their runs took. Figures on a shared machine are upper
bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import re
import sys
import time
from dataclasses import dataclass, field

from app_pages.learn import START_KEY
from bench.common import ROOT, free_port, print_table, streamlit_server
from bench.load import (
    RssSampler,
    Session,
    _run_async,
    _warm,
    gc_env,
    page_paths,
    pages_of,
    print_pages,
    rss_mb,
    student,
)

# ---------------------------------------------------------------- speed


def _first(steps, values, ok) -> int | None:
    return next((s for s, v in zip(steps, values, strict=True) if ok(v)), None)


def speed_in_process(tasks: tuple[str, ...] = ("subject", "induction")) -> list[tuple[str, str, str, str]]:
    """Seconds to 95 % (task 1) and to the phase change (task 2) with train() in this process, one thread."""
    import torch

    from attention_core.learning.config import default_config
    from attention_core.learning.metrics import PHASE_LOSS
    from attention_core.learning.train import train, warm_up

    torch.set_num_threads(1)
    warm_up()
    rows = []
    goals = {
        "subject": ("held_out_acc", lambda v: v >= 0.95, 10.0),
        "induction": ("loss_repeated", lambda v: v <= PHASE_LOSS, 60.0),
    }
    for task, (metric, ok, goal) in goals.items():
        if task not in tasks:
            continue
        seen: dict[int, tuple[float, float]] = {}
        wall0, cpu0 = time.perf_counter(), time.process_time()

        def on_log(step, metrics, state, seen=seen, wall0=wall0, cpu0=cpu0):
            seen[step] = (time.perf_counter() - wall0, time.process_time() - cpu0)

        run = train(default_config(task), on_log=on_log)
        step = _first(run.steps, run.metric(metric).tolist(), ok)
        if step is None:
            rows.append((task, "never", "-", f"goal <= {goal:.0f} s"))
            continue
        wall, cpu = seen[step]
        rows.append((task, f"step {step}", f"{wall:.1f} s wall / {cpu:.1f} s CPU", f"goal <= {goal:.0f} s"))
    return rows


def speed_through_worker() -> list[tuple[str, str, str, str]]:
    """The same through the page's TrainingService: a niced worker process, from Start to the event."""
    from attention_core.learning.config import default_config
    from attention_core.learning.jobs import TrainingService
    from attention_core.learning.metrics import PHASE_LOSS

    service = TrainingService(max_running=1, heartbeat_timeout=600)
    rows = []
    try:
        service.prestart()
        time.sleep(0.5)
        ready = time.perf_counter()
        # wait until the worker has imported torch and warmed up (a started server does this in the background)
        probe = service.submit("bench-warm", default_config("subject", steps=1))
        while (v := service.heartbeat(probe.id)) is not None and v.active:
            time.sleep(0.05)
        rows.append(
            ("worker start", "", f"{time.perf_counter() - ready:.1f} s (import + warm-up, niced)", "")
        )
        goals = {
            "subject": ("held_out_acc", lambda v: v >= 0.95),
            "induction": ("loss_repeated", lambda v: v <= PHASE_LOSS),
        }
        for task, (metric, ok) in goals.items():
            start = time.perf_counter()
            view = service.submit(f"bench-{task}", default_config(task))
            first_log, hit = None, None
            while (view := service.heartbeat(view.id)) is not None and view.active:
                run = view.trajectory
                if first_log is None and run.steps:
                    first_log = time.perf_counter() - start
                if hit is None and run.steps and metric in run.metrics:
                    step = _first(run.steps, run.metric(metric).tolist(), ok)
                    if step is not None:
                        hit = (step, time.perf_counter() - start)
                time.sleep(0.05)
            label = f"step {hit[0]}" if hit else "never"
            rows.append(
                (
                    f"{task} (live)",
                    label,
                    f"{hit[1]:.1f} s from Start" if hit else "-",
                    f"first log after {first_log or math.nan:.1f} s",
                )
            )
    finally:
        service.shutdown()
    return rows


# ---------------------------------------------------------------- the class: readers and trainers


LAST_RUN = "Your last run ("  # ui.live_training's caption of how the run ended


class Trainer(Session):
    """A student on the learn page who presses Start and keeps the page open until the run ends."""

    WIDGET_KINDS = (*Session.WIDGET_KINDS, "button")

    def __init__(self, port: int, timeout: float) -> None:
        super().__init__(port, timeout)
        self.fragment_id, self.interval = "", 1.0
        self.progress: list[str] = []

    def on_message(self, fm) -> None:
        kind = fm.WhichOneof("type")
        if kind == "auto_rerun":
            self.fragment_id, self.interval = fm.auto_rerun.fragment_id, fm.auto_rerun.interval or 1.0
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            if el.WhichOneof("type") == "progress":
                self.progress.append(el.progress.text)
            elif el.WhichOneof("type") == "markdown":
                body = el.markdown.body.replace("\\", "")  # the page escapes its markdown
                if body.startswith(LAST_RUN):  # the note on the ended run, drawn by the rerun after it ended
                    self.progress.append(body.split("): ", 1)[-1])


@dataclass
class TrainerStats:
    """What one training student saw over all of its runs."""

    errors: list[str] = field(default_factory=list)
    polls: list[float] = field(default_factory=list)  # seconds per fragment poll
    gaps: list[float] = field(default_factory=list)  # seconds between the ends of two polls (heartbeats)
    positions: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # per run: Start -> the run ended
    waited: list[float] = field(default_factory=list)  # per run: Start -> the first "Training" status
    trained: list[float] = field(default_factory=list)  # per run: the service's own training seconds
    ended: list[str] = field(default_factory=list)  # per run: how it ended (the page's final status)
    unfinished: int = 0  # runs cut by the end of the class (the readers were done) or the wall clock


END_SECONDS = re.compile(r"in ([\d.]+) s\.|\(([\d.]+) s\)")


def _ended(texts: list[str]) -> str:
    """The last status text if it is a final one ('' while waiting, starting or training)."""
    last = texts[-1] if texts else ""
    return "" if not last or last.startswith(("Training", "Waiting", "Starting")) else last


async def _one_run(s: Trainer, stats: TrainerStats, stop_at: float, class_over: asyncio.Event) -> bool:
    """Press Start, then poll the fragment as the browser does (every `interval` seconds after the previous
    poll answered) until the run has ended; False when there was no Start button or the class ended first."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    button = s.widgets.get(START_KEY)
    if button is None:
        stats.errors.append("no Start button on the learn page")
        return False
    s.progress.clear()
    s.states[button.id] = WidgetState(id=button.id, trigger_value=True)
    start = time.monotonic()
    clicked = await s.rerun()
    s.states.pop(button.id, None)
    stats.errors += clicked.errors
    last_end, waited = time.monotonic(), math.nan
    while time.monotonic() < stop_at and not class_over.is_set():
        if math.isnan(waited) and any(t.startswith("Training") for t in s.progress):
            waited = time.monotonic() - start
        if ended := _ended(s.progress):
            stats.seconds.append(time.monotonic() - start)
            stats.waited.append(waited)
            stats.ended.append(ended)
            m = END_SECONDS.search(ended)
            stats.trained.append(float(m.group(1) or m.group(2)) if m else math.nan)
            return True
        await asyncio.sleep(s.interval)
        result = await s.rerun(fragment_id=s.fragment_id) if s.fragment_id else await s.rerun()
        now = time.monotonic()
        stats.gaps.append(now - last_end)
        last_end = now
        stats.polls.append(result.seconds)
        stats.errors += result.errors
        for text in s.progress[-2:]:
            m = re.search(r"number (\d+) in the queue", text)
            if m:
                stats.positions.append(int(m.group(1)))
    stats.unfinished += 1
    if not class_over.is_set():
        stats.errors.append("a run did not end before the wall-clock limit")
    return False


async def trainer(
    n: int, port: int, timeout: float, stop_at: float, delay: float, class_over: asyncio.Event
) -> TrainerStats:
    """Open the learn page and train again and again (Start, poll until the run ends, Start again) for as long
    as the readers read, so every reader rerun is measured while trainings run or wait in the queue."""
    stats = TrainerStats()
    s = Trainer(port, timeout)
    await asyncio.sleep(delay)
    try:
        await s.connect()
        first = await s.rerun("learn")
        stats.errors += first.errors
        while time.monotonic() < stop_at and not class_over.is_set():
            if not await _one_run(s, stats, stop_at, class_over):
                break
    except OSError as exc:
        stats.errors.append(f"connection: {exc}")
    finally:
        with contextlib.suppress(Exception):
            await s.close()
    return stats


def run_class(
    readers: int,
    trainers: int,
    interactions: int,
    think: tuple[float, float],
    limit: float,
    skip: tuple[str, ...] = (),
) -> None:
    """Start a server, warm it, then readers and trainers at once; print their figures."""
    port = free_port()
    with streamlit_server(port, ROOT / "artifacts" / "learn-load-server.log", gc_env(False)) as proc:
        pages = [p for p in page_paths() if p not in skip]
        _run_async(_warm(port, pages, 240))
        rss_warm = rss_mb(proc.pid)
        sampler = RssSampler(proc.pid)
        sampler.start()
        stop_at = time.monotonic() + limit
        content = [p for p in pages if p]

        async def everyone():
            readers_ = [
                student(n, port, content[n % len(content)], content, interactions, think, 60.0, stop_at)
                for n in range(readers)
            ]
            class_over = asyncio.Event()

            async def reading():
                try:
                    return await asyncio.gather(*readers_)
                finally:
                    class_over.set()  # the trainers stop training when the last reader is done

            trainers_ = [trainer(n, port, 60.0, stop_at, 2.0 + n, class_over) for n in range(trainers)]
            return await asyncio.gather(reading(), asyncio.gather(*trainers_))

        wall = time.perf_counter()
        reader_stats, trainer_stats = _run_async(everyone())
        wall = time.perf_counter() - wall
        peak = max(sampler.stop(), rss_warm)
    latencies = sorted(x for r in reader_stats for x in r.latencies[1:])
    errors = [e for r in reader_stats for e in r.errors]
    t_errors = [e for t in trainer_stats for e in t.errors]

    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))] if values else math.nan

    polls = [p for t in trainer_stats for p in t.polls]
    seconds = [x for t in trainer_stats for x in t.seconds]
    waits = [x for t in trainer_stats for x in t.waited if not math.isnan(x)]
    rows = [
        ("readers (reading pace) / trainers", f"{readers} / {trainers}"),
        ("reader interactions measured", len(latencies)),
        ("reader errors (goal 0)", len(errors)),
        ("reader rerun p50 ms", 1000 * pct(latencies, 50)),
        ("reader rerun p95 ms (goal <= 2000)", 1000 * pct(latencies, 95)),
        ("reader rerun max ms", 1000 * max(latencies) if latencies else math.nan),
        ("trainer errors (goal 0)", len(t_errors)),
        (
            "trainings ended / cut by the class's end",
            f"{sum(len(t.ended) for t in trainer_stats)} / {sum(t.unfinished for t in trainer_stats)}",
        ),
        ("largest queue position seen", max((p for t in trainer_stats for p in t.positions), default=0)),
        ("Start -> run ended p50 / max s", f"{pct(seconds, 50):.1f} / {max(seconds, default=math.nan):.1f}"),
        (
            "queue wait (Start -> training) p50 / max s",
            f"{pct(waits, 50):.1f} / {max(waits, default=math.nan):.1f}",
        ),
        (
            "trainer poll p50 / p95 / max ms",
            f"{1000 * pct(polls, 50):.0f} / {1000 * pct(polls, 95):.0f} / "
            f"{1000 * max(polls, default=math.nan):.0f}",
        ),
        (
            "longest gap between two polls s",
            max((g for t in trainer_stats for g in t.gaps), default=math.nan),
        ),
        ("server RSS warm / peak MB", f"{rss_warm:.0f} / {peak:.0f}"),
        ("wall time s", wall),
    ]
    print_table("Learn page under load: a class reading while some train", ["figure", "value"], rows)
    print_pages(pages_of(reader_stats), "The readers' reruns by page")
    for t in trainer_stats:
        print(
            f"  trainer: {len(t.ended)} runs, trained {sum(t.trained):.1f} s in all, "
            f"ends {sorted(set(e.split(' ', 1)[0] for e in t.ended)) or '-'}; queue positions "
            f"{sorted(set(t.positions)) or '-'}"
        )
    for e in (errors + t_errors)[:10]:
        print(f"  error: {e}")


def main(argv: list[str] | None = None) -> None:
    """Speed figures, then the class under load."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--load-only", action="store_true")
    ap.add_argument("--readers", type=int, default=30)
    ap.add_argument("--trainers", type=int, default=5)
    ap.add_argument("--interactions", type=int, default=10)
    ap.add_argument("--think-min", type=float, default=5.0)
    ap.add_argument("--think-max", type=float, default=15.0)
    ap.add_argument("--limit", type=float, default=420.0, help="wall-clock limit of the load part (s)")
    ap.add_argument("--skip", default="", help="comma-separated page url paths the readers leave out")
    ap.add_argument("--quick", action="store_true", help="task 1's in-process speed only (a dry run)")
    args = ap.parse_args(argv if argv is not None else [])
    if args.quick:
        print_table(
            "Seconds to learn task 1 (one torch thread, this process; --quick)",
            ["task", "reached at", "time", "goal"],
            speed_in_process(("subject",)),
        )
        return
    if not args.load_only:
        print_table(
            "Seconds to learn (one torch thread, this process)",
            ["task", "reached at", "time", "goal"],
            speed_in_process(),
        )
        print_table(
            "The same through the page's worker",
            ["task", "reached at", "time", "note"],
            speed_through_worker(),
        )
    if not args.speed_only:
        run_class(
            args.readers,
            args.trainers,
            args.interactions,
            (args.think_min, args.think_max),
            args.limit,
            tuple(p for p in args.skip.split(",") if p),
        )


if __name__ == "__main__":
    main(sys.argv[1:])
