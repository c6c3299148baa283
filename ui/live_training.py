"""Live training on a page: Start/Stop, a progress bar and the queue position, polled by a fragment.

The training itself runs in the server-wide `TrainingService` (worker processes, a bounded queue, hard
caps). This module only keeps, per session, the id of its job (one at a time) and the finished runs
(frozen `Trajectory`s), and draws the status. A fragment with `run_every` reruns only the status every
POLL_SECONDS while a job is active; each poll is also the heartbeat that keeps the job alive, so a student
who leaves the page (or closes the tab) stops polling and the service cancels the job. When the job ends the
fragment triggers one full rerun so the page's replays switch to the new run.
"""

from __future__ import annotations

import functools
import uuid

import numpy as np
import streamlit as st

from attention_core.figures.export import chart_config
from attention_core.figures.frozen import FrozenFigure, freeze
from attention_core.figures.learning import curves
from attention_core.figures.theme import drawn_twin
from attention_core.learning.config import MAX_SECONDS, Task, TrainConfig
from attention_core.learning.jobs import JobView, TrainingRefusedError, TrainingService
from attention_core.learning.replay import curve_series
from attention_core.learning.trajectory import Trajectory
from attention_core.text import escape_markdown
from ui.present import is_presenting
from ui.theme import active_theme

POLL_SECONDS = 1.0
JOB_STATE = "_learn_job"  # this session's job id
RUNS_STATE = "_learn_runs"  # {task: Trajectory} of this session's latest finished live run per task
SESSION_STATE = "_learn_session"  # a per-session id for the one-job-per-session rule
REFUSED_STATE = "_learn_refused"  # why the last Start was refused
LAST_STATE = "_learn_last"  # how this session's last job ended (shown once it is gone)


@st.cache_resource(show_spinner=False)
def training_service() -> TrainingService:
    """The one training service of this server process; its workers start in the background right away."""
    service = TrainingService()
    service.prestart()
    return service


def session_id() -> str:
    """This browser session's id (Streamlit's own when there is one)."""
    if SESSION_STATE not in st.session_state:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        st.session_state[SESSION_STATE] = ctx.session_id if ctx is not None else uuid.uuid4().hex
    return str(st.session_state[SESSION_STATE])


def my_runs() -> dict[Task, Trajectory]:
    """This session's finished live runs, one per task (the latest)."""
    return st.session_state.setdefault(RUNS_STATE, {})


def _start(config: TrainConfig) -> None:
    st.session_state.pop(REFUSED_STATE, None)
    try:
        view = training_service().submit(session_id(), config)
    except TrainingRefusedError as err:
        st.session_state[REFUSED_STATE] = str(err)
        return
    st.session_state[JOB_STATE] = view.id


def _stop() -> None:
    job_id = st.session_state.get(JOB_STATE)
    if job_id:
        training_service().stop(job_id)


def current_job() -> JobView | None:
    """This session's job, if it has one the service still knows."""
    job_id = st.session_state.get(JOB_STATE)
    return training_service().view(job_id) if job_id else None


def start_button_ui(config: TrainConfig, key: str, disabled: bool = False) -> None:
    """The Start button `key` (disabled while this session's job is active) and why a start was refused."""
    job = current_job()
    busy = job is not None and job.active
    st.button(
        "Train with these settings",
        key=key,
        icon=":material/play_arrow:",
        type="primary",
        on_click=_start,
        args=(config,),
        disabled=busy or disabled,
        help=f"One training per student at a time; it stops by itself after {config.steps} steps or "
        f"{MAX_SECONDS:.0f} seconds, when you press Stop, or when you leave the page.",
    )
    if REFUSED_STATE in st.session_state:
        st.warning(escape_markdown(st.session_state[REFUSED_STATE]), icon=":material/hourglass_top:")


def _status_text(view: JobView) -> str:
    if view.status == "queued":
        ahead = view.queue_position - 1
        return (
            f"Waiting: number {view.queue_position} in the queue "
            f"({view.running} training{'s' * (view.running != 1)} running"
            + (f", {ahead} ahead of you)" if ahead else ", you are next)")
        )
    if view.status == "starting":
        return "Starting a training worker (the first training on this server takes a few seconds) ..."
    if view.status == "running":
        return f"Training: step {view.step} of {view.total_steps} · {view.elapsed:.1f} s"
    done = {
        "finished": f"Finished {view.step} steps in {view.elapsed:.1f} s.",
        "stopped": f"Stopped at step {view.step} ({view.elapsed:.1f} s).",
        "time limit": f"Stopped at step {view.step}: the {MAX_SECONDS:.0f}-second limit per training.",
        "left": f"Cancelled at step {view.step}: the page stopped watching it.",
        "failed": f"The training failed: {view.message}",
    }
    return done.get(view.status, view.status)


@functools.lru_cache(maxsize=64)
def _live_template(
    top: tuple[str, ...], bottom: tuple[str, ...], titles: tuple[str, str], x_max: int, dark: bool
) -> FrozenFigure:
    """The live curves without their data, built (and validated) once per kind of run and theme."""
    fig = curves((), dict.fromkeys(top, ()), dict.fromkeys(bottom, ()), *titles, x_max=x_max)
    fig.update_layout(height=340, title={"text": "Your run, live"})  # x_max: the curves grow to the right
    return drawn_twin(freeze(fig), dark)  # as themed() would draw it


def live_curves(run: Trajectory, dark: bool = False) -> FrozenFigure:
    """The live run's loss and accuracy curves so far, over its planned length: a shared template refilled
    with this run's numbers at every poll (cheap: no Plotly objects are built per poll)."""
    series = curve_series(run)
    template = _live_template(
        tuple(series.top),
        tuple(series.bottom),
        (series.top_title, series.bottom_title),
        run.config.steps,
        dark,
    )
    x = list(series.steps)  # as curves() draws them
    ys = (np.asarray(y, dtype=np.float64) for y in (*series.top.values(), *series.bottom.values()))
    return template.with_trace_data([(x, y) for y in ys])


def live_panel_ui(task: Task, stop_key: str, chart_key: str) -> None:
    """Status, progress bar, Stop button (`stop_key`) and live curves (`chart_key`) of this session's job,
    in a polling fragment. The keys are the page's own constants."""
    job = current_job()
    active = job is not None and job.active
    st.fragment(run_every=POLL_SECONDS if active else None)(_live_fragment)(task, stop_key, chart_key)


def _live_fragment(task: Task, stop_key: str, chart_key: str) -> None:
    job_id = st.session_state.get(JOB_STATE)
    view = training_service().heartbeat(job_id) if job_id else None
    if view is None:
        if LAST_STATE in st.session_state:
            st.caption(escape_markdown(st.session_state[LAST_STATE]))
        return
    status, stop = st.columns([5, 1], vertical_alignment="center")
    with status:
        st.progress(min(view.step / max(view.total_steps, 1), 1.0), text=_status_text(view))  # our words only
    stop.button(
        "Stop",
        key=stop_key,
        icon=":material/stop:",
        on_click=_stop,
        disabled=not view.active,
        width="stretch",
    )
    run = view.trajectory
    if run.config.task == task and run.steps:
        fig = live_curves(run, dark=active_theme() == "dark")
        # placed directly (not through show_figure): a polling rerun must not add to the page's export list
        st.plotly_chart(
            fig.for_chart(), width="stretch", key=chart_key, config=chart_config(chart_key, is_presenting())
        )
    if not view.active:
        if run.snapshot_steps:
            my_runs()[run.config.task] = run
        st.session_state[LAST_STATE] = f"Your last run ({run.config.label()}): {_status_text(view)}"
        del st.session_state[JOB_STATE]
        st.rerun()  # once: the page's replays switch to the new run, and polling stops
