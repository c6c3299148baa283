"""The shipped training runs the page replays instantly (made by scripts/train_learning.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from attention_core.learning.config import Task, TrainConfig, default_config
from attention_core.learning.trajectory import Trajectory, load

ASSET_DIR = Path(__file__).resolve().parents[1] / "assets" / "learning"


@dataclass(frozen=True)
class ShippedRun:
    """One shipped run: its file name and the config that made it."""

    name: str
    config: TrainConfig


def _runs() -> dict[str, ShippedRun]:
    runs = [
        ShippedRun("subject-pos", default_config("subject")),
        ShippedRun("subject-nopos", default_config("subject", positions=False)),
        ShippedRun("subject-mean", default_config("subject", mixer="mean")),
        ShippedRun("induction-pos", default_config("induction")),
        ShippedRun("induction-nopos", default_config("induction", positions=False)),
    ]
    return {run.name: run for run in runs}


SHIPPED: dict[str, ShippedRun] = _runs()


def shipped_name(task: Task, positions: bool = True, baseline: bool = False) -> str:
    """The shipped run of a task: with or without positions, or (task 1) the no-attention baseline."""
    if baseline:
        return "subject-mean"
    return f"{task}-{'pos' if positions else 'nopos'}"


def load_shipped(name: str, directory: Path | None = None) -> Trajectory:
    """A shipped run by name (from ASSET_DIR by default); raises TrajectoryError (what is wrong, how to fix it)."""
    run = load(directory if directory is not None else ASSET_DIR, name)
    expected = SHIPPED[name].config
    if run.config != expected:
        from attention_core.learning.trajectory import TrajectoryError

        raise TrajectoryError(
            f"The shipped run {name} was made with other settings ({run.config.label()}) than this version "
            f"of the app expects ({expected.label()}). Run `python scripts/train_learning.py` to recreate it."
        )
    return run


def matching_shipped(config: TrainConfig) -> str | None:
    """The shipped run a run of `config` repeats (step for step, up to the shorter length), if there is one.

    Runs differing only in their number of steps share every step they both reach: batches and logging do not
    depend on the length of a run.
    """
    return next(
        (run.name for run in SHIPPED.values() if replace(run.config, steps=config.steps) == config), None
    )
