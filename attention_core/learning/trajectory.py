"""A training run as data: logged metrics per step and weight snapshots, in memory and on disk.

On disk a trajectory is two files next to each other: ``<name>.json`` (the config, the torch version it was
made with, every logged metric, the snapshot steps, why it stopped, a SHA-256 of the weights file) and
``<name>.safetensors`` (every snapshot's weights, keyed ``"<step>/<parameter>"``). Both are plain data: nothing
is unpickled or executed when they are read.

A `Trajectory` is frozen and its arrays are read-only, so one loaded copy can be shared by every session.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import torch

from attention_core.learning.config import ConfigError, TrainConfig

FORMAT = 1
STOP_REASONS = ("finished", "stopped", "time limit", "left")
_HINT = "Run `python scripts/train_learning.py` to recreate the shipped runs."


class TrajectoryError(RuntimeError):
    """A shipped trajectory is missing, unreadable or inconsistent (the message says what to do)."""


State = Mapping[str, torch.Tensor]  # parameter name -> weights, plus PROBE + name -> what the model showed
PROBE = "probe:"  # state keys that hold the model's outputs on the page's fixed examples, not weights


def weights_only(state: State) -> dict[str, torch.Tensor]:
    """A snapshot's model weights (its probe outputs left out)."""
    return {k: v for k, v in state.items() if not k.startswith(PROBE)}


@dataclass(frozen=True)
class Trajectory:
    """Metrics at every logged step and weights at every snapshot step of one run."""

    config: TrainConfig
    steps: tuple[int, ...]  # logged steps, increasing, starting at 0
    metrics: Mapping[str, np.ndarray]  # name -> (len(steps), ...) read-only
    snapshot_steps: tuple[int, ...]  # steps with saved weights, increasing, starting at 0
    states: tuple[State, ...]  # one per snapshot step
    stopped: str  # one of STOP_REASONS
    seconds: float  # wall-clock training time
    torch_version: str

    def metric(self, name: str) -> np.ndarray:
        """One logged metric over the steps, (len(steps), ...)."""
        return self.metrics[name]

    @property
    def last_step(self) -> int:
        """The last step that was logged."""
        return self.steps[-1] if self.steps else 0

    def state_at(self, step: int) -> State:
        """The weights saved at `step` (one of `snapshot_steps`)."""
        return self.states[self.snapshot_steps.index(step)]

    def probe(self, name: str) -> np.ndarray:
        """A probe output at every snapshot, stacked: (len(snapshot_steps), ...) float64, read-only."""
        return _frozen_array(np.stack([state[PROBE + name].double().numpy() for state in self.states]))

    def log_index(self, step: int) -> int:
        """Index of the last logged step at or before `step`."""
        idx = int(np.searchsorted(np.asarray(self.steps), step, side="right")) - 1
        return max(idx, 0)


def _frozen_array(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


class TrajectoryBuilder:
    """Collects a run's records as they arrive (from the training loop or a worker) and builds `Trajectory`s."""

    def __init__(self, config: TrainConfig, torch_version: str | None = None) -> None:
        self.config = config
        self.torch_version = torch_version or torch.__version__
        self.steps: list[int] = []
        self.records: list[dict[str, Any]] = []
        self.snapshot_steps: list[int] = []
        self.states: list[State] = []

    def add_log(self, step: int, values: Mapping[str, Any]) -> None:
        """One metric record (numbers or nested lists of numbers; None means not measured)."""
        if self.steps and step <= self.steps[-1]:
            raise ValueError(f"log step {step} after {self.steps[-1]}")
        self.steps.append(int(step))
        self.records.append(dict(values))

    def add_snapshot(self, step: int, state: State) -> None:
        """The weights at `step` (kept as given; pass copies)."""
        if self.snapshot_steps and step <= self.snapshot_steps[-1]:
            raise ValueError(f"snapshot step {step} after {self.snapshot_steps[-1]}")
        self.snapshot_steps.append(int(step))
        self.states.append(MappingProxyType(dict(state)))

    def build(self, stopped: str = "finished", seconds: float = 0.0) -> Trajectory:
        """A frozen trajectory of everything collected so far."""
        names = list(self.records[0]) if self.records else []
        metrics = {
            name: _frozen_array([_nan(r.get(name)) for r in self.records])
            for name in names
            if all(name in r for r in self.records)
        }
        return Trajectory(
            config=self.config,
            steps=tuple(self.steps),
            metrics=MappingProxyType(metrics),
            snapshot_steps=tuple(self.snapshot_steps),
            states=tuple(self.states),
            stopped=stopped,
            seconds=float(seconds),
            torch_version=self.torch_version,
        )


def _nan(value: Any) -> Any:
    """None -> nan, recursively (JSON has no nan)."""
    if value is None:
        return math.nan
    if isinstance(value, list | tuple):
        return [_nan(v) for v in value]
    return value


def _none(value: Any) -> Any:
    """nan -> None, recursively (for JSON)."""
    if isinstance(value, list | tuple):
        return [_none(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# ---------------------------------------------------------------- files


def paths(directory: Path, name: str) -> tuple[Path, Path]:
    """(<name>.json, <name>.safetensors) in `directory`."""
    return directory / f"{name}.json", directory / f"{name}.safetensors"


def save(trajectory: Trajectory, directory: Path, name: str) -> tuple[Path, Path]:
    """Write the two files of a trajectory; returns their paths."""
    from safetensors.torch import save_file

    json_path, weights_path = paths(directory, name)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {
        f"{step}/{key}": value.detach().contiguous()
        for step, state in zip(trajectory.snapshot_steps, trajectory.states, strict=True)
        for key, value in state.items()
    }
    save_file(tensors, str(weights_path), metadata={"format": str(FORMAT)})
    doc = {
        "format": FORMAT,
        "config": trajectory.config.to_dict(),
        "torch_version": trajectory.torch_version,
        "stopped": trajectory.stopped,
        "seconds": round(trajectory.seconds, 3),
        "steps": list(trajectory.steps),
        "metrics": {k: _none(v.tolist()) for k, v in trajectory.metrics.items()},
        "snapshot_steps": list(trajectory.snapshot_steps),
        "weights_sha256": hashlib.sha256(weights_path.read_bytes()).hexdigest(),
    }
    json_path.write_text(json.dumps(doc, allow_nan=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return json_path, weights_path


def load(directory: Path, name: str) -> Trajectory:
    """Read a trajectory; raises TrajectoryError (with how to fix it) when a file is missing or wrong."""
    from safetensors import SafetensorError
    from safetensors.torch import load as load_bytes

    json_path, weights_path = paths(directory, name)
    for path in (json_path, weights_path):
        if not path.is_file():
            raise TrajectoryError(f"The shipped training run {path} is missing. {_HINT}")
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"format {doc.get('format')!r}, expected {FORMAT}")
        config = TrainConfig.from_dict(doc["config"])
        steps = tuple(int(s) for s in doc["steps"])
        snapshot_steps = tuple(int(s) for s in doc["snapshot_steps"])
        metrics = {k: _frozen_array(_nan(v)) for k, v in doc["metrics"].items()}
        stopped, seconds, version = str(doc["stopped"]), float(doc["seconds"]), str(doc["torch_version"])
        expected_sha = str(doc["weights_sha256"])
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError, ConfigError) as err:
        raise TrajectoryError(f"The shipped training run {json_path} is unreadable ({err}). {_HINT}") from err
    if any(len(v) != len(steps) for v in metrics.values()) or stopped not in STOP_REASONS:
        raise TrajectoryError(f"The shipped training run {json_path} is inconsistent. {_HINT}")
    data = weights_path.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected_sha:
        raise TrajectoryError(
            f"The weights {weights_path} are corrupt or incomplete (their checksum does not match "
            f"{json_path.name}). {_HINT}"
        )
    try:
        tensors = load_bytes(data)
    except (SafetensorError, OSError, ValueError) as err:
        raise TrajectoryError(
            f"The weights {weights_path} are not a valid safetensors file ({err}). {_HINT}"
        ) from err
    states: list[dict[str, torch.Tensor]] = [{} for _ in snapshot_steps]
    where = {step: i for i, step in enumerate(snapshot_steps)}
    for key, value in tensors.items():
        step, _, param = key.partition("/")
        if not step.isdigit() or int(step) not in where:
            raise TrajectoryError(f"The weights {weights_path} hold an unexpected tensor {key!r}. {_HINT}")
        states[where[int(step)]][param] = value
    return Trajectory(
        config=config,
        steps=steps,
        metrics=MappingProxyType(metrics),
        snapshot_steps=snapshot_steps,
        states=tuple(MappingProxyType(s) for s in states),
        stopped=stopped,
        seconds=seconds,
        torch_version=version,
    )


def same_prefix(a: Trajectory, b: Trajectory) -> tuple[bool, float, int]:
    """Do two runs agree on every step both logged and every snapshot both saved?

    Returns (bit-identical, largest absolute difference, number of common steps compared).
    """
    common_logs = sorted(set(a.steps) & set(b.steps))
    worst = 0.0
    identical = True
    for name in set(a.metrics) & set(b.metrics):
        ia = [a.steps.index(s) for s in common_logs]
        ib = [b.steps.index(s) for s in common_logs]
        va, vb = a.metrics[name][ia], b.metrics[name][ib]
        same = np.array_equal(va, vb, equal_nan=True)
        identical &= same
        if not same:
            worst = max(worst, float(np.nanmax(np.abs(va - vb))))
    common_snaps = sorted(set(a.snapshot_steps) & set(b.snapshot_steps))
    for step in common_snaps:
        sa, sb = a.state_at(step), b.state_at(step)
        if set(sa) != set(sb):
            return False, math.inf, len(common_logs)
        for key in sa:
            if not torch.equal(sa[key], sb[key]):
                identical = False
                worst = max(worst, float((sa[key] - sb[key]).abs().max()))
    return identical, worst, len(common_logs) + len(common_snaps)
