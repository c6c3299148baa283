"""One training run's settings, their allowed ranges, and the hard caps a server puts on live training."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

Task = Literal["subject", "induction"]
TASKS: tuple[Task, ...] = ("subject", "induction")
TASK_TITLES = {"subject": "Which word did the jumping?", "induction": "Induction heads"}
WIDTHS = (16, 32, 64)
HEADS = (1, 2, 4)
LEARNING_RATES = (1e-3, 3e-3, 1e-2, 3e-2)
MAX_SEED = 999
MAX_STEPS = {"subject": 1000, "induction": 1500}  # hard cap on the steps of one live run
MAX_SECONDS = 75.0  # hard cap on the wall-clock seconds of one live run (it stops with what it has)
BATCH_SIZE = 64
# log (metrics) and snapshot (weights) intervals are fixed per task, so a shorter run logs a prefix of a
# longer one with the same seed: that is what lets a live run be compared with a shipped one step by step
LOG_EVERY = {"subject": 5, "induction": 10}
SNAPSHOT_EVERY = {"subject": 5, "induction": 20}


class ConfigError(ValueError):
    """A setting outside what the page allows (the message names it)."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run: with the same config (and torch version) training gives the same bits."""

    task: Task
    seed: int = 0  # model initialisation and batch order (the sentences themselves are fixed)
    steps: int = 200  # Adam steps
    lr: float = 3e-3  # Adam learning rate (constant)
    heads: int = 1  # 1: the book's CausalAttention; more: MultiHeadAttention
    width: int = 32  # embedding size d = d_in = d_out
    positions: bool = True  # learned position embeddings added to the token embeddings
    mixer: Literal["attention", "mean"] = "attention"  # task 1 only: "mean" is the no-attention baseline
    layers: int = 2  # task 2 only

    @property
    def log_every(self) -> int:
        """Steps between two metric records."""
        return LOG_EVERY[self.task]

    @property
    def snapshot_every(self) -> int:
        """Steps between two saved weight snapshots."""
        return SNAPSHOT_EVERY[self.task]

    @property
    def batch_size(self) -> int:
        """Sequences per step."""
        return BATCH_SIZE

    def validate(self) -> TrainConfig:
        """Raise ConfigError for a setting outside the allowed ranges; return self."""
        checks = [
            (self.task in TASKS, f"task must be one of {TASKS}"),
            (isinstance(self.seed, int) and 0 <= self.seed <= MAX_SEED, f"seed must be in 0..{MAX_SEED}"),
            (
                isinstance(self.steps, int) and 1 <= self.steps <= MAX_STEPS.get(self.task, 0),
                f"steps must be in 1..{MAX_STEPS.get(self.task)}",
            ),
            (self.lr in LEARNING_RATES, f"learning rate must be one of {LEARNING_RATES}"),
            (self.width in WIDTHS, f"width must be one of {WIDTHS}"),
            (self.heads in HEADS and self.width % self.heads == 0, f"heads must be one of {HEADS}"),
            (isinstance(self.positions, bool), "positions must be true or false"),
            (self.mixer in ("attention", "mean"), "mixer must be 'attention' or 'mean'"),
            (self.mixer == "attention" or self.task == "subject", "only task 1 has a mean baseline"),
            (self.layers == 2 or self.task == "subject", "the induction model has two layers"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Rebuild (and validate) a config from `to_dict` output; unknown keys raise ConfigError."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown or "task" not in data:
            raise ConfigError(f"not a training config (unknown keys {sorted(unknown)})")
        return cls(**data).validate()

    def label(self) -> str:
        """A short description: 'seed 0 · 200 steps · lr 0.003 · 1 head · width 32 · positions on'."""
        heads = f"{self.heads} head{'s' * (self.heads != 1)}"
        parts = [f"seed {self.seed}", f"{self.steps} steps", f"lr {self.lr:g}", heads, f"width {self.width}"]
        parts.append(f"positions {'on' if self.positions else 'off'}")
        if self.mixer == "mean":
            parts.append("no attention (mean of embeddings)")
        return " · ".join(parts)


def default_config(task: Task, **changes: Any) -> TrainConfig:
    """The page's default run of a task (the shipped one), with `changes` applied."""
    base = {
        "subject": TrainConfig("subject", seed=0, steps=200, lr=3e-3, heads=1, width=32),
        "induction": TrainConfig("induction", seed=0, steps=600, lr=1e-2, heads=2, width=32),
    }[task]
    return replace(base, **changes).validate()
