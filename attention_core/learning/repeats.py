"""Task 2's data: random token sequences whose second half repeats the first (the induction-head task).

A sequence draws L distinct symbols at random (L varies, so no fixed offset works), then writes them again:
``A B C D | A B C D``. The first half cannot be predicted; in the second half every next token can be
copied from just after the earlier occurrence of the current token — once a model has an induction head.

Sequences come from a `torch.Generator`, so a seed gives the same batches on every run of this torch version.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

VOCAB_SIZE = 24  # symbols, shown as letters
MIN_HALF, MAX_HALF = 6, 12  # length L of the first half
CONTEXT_LENGTH = 2 * MAX_HALF
SYMBOLS = tuple(chr(ord("A") + i) for i in range(VOCAB_SIZE))


@dataclass(frozen=True)
class RepeatBatch:
    """Padded sequences ``x_1..x_L x_1..x_L``; padding after 2L is never read (causal) nor scored."""

    ids: torch.Tensor  # (b, CONTEXT_LENGTH) int64; padding positions hold 0
    half: torch.Tensor  # (b,) int64, L of each sequence

    @property
    def positions(self) -> torch.Tensor:
        """(1, T) position indices."""
        return torch.arange(self.ids.shape[1]).unsqueeze(0)

    def valid(self) -> torch.Tensor:
        """(b, T) True where a prediction of the next token is scored (t + 1 < 2L)."""
        return self.positions + 1 < 2 * self.half.unsqueeze(1)

    def repeated(self) -> torch.Tensor:
        """(b, T) True where the next token is a predictable repeat: t in [L, 2L-2], predicting x_{t-L+2}."""
        t, half = self.positions, self.half.unsqueeze(1)
        return (t >= half) & (t + 1 < 2 * half)

    def first_half(self) -> torch.Tensor:
        """(b, T) True where the next token is a fresh random symbol of the first half: t in [0, L-2]."""
        return self.positions + 1 < self.half.unsqueeze(1)


def repeat_batch(gen: torch.Generator, batch: int) -> RepeatBatch:
    """`batch` sequences of random distinct symbols, each followed by its own copy."""
    half = torch.randint(MIN_HALF, MAX_HALF + 1, (batch,), generator=gen)  # (b,)
    firsts = torch.rand(batch, VOCAB_SIZE, generator=gen).argsort(dim=1)[:, :MAX_HALF]  # (b, MAX_HALF)
    t = torch.arange(CONTEXT_LENGTH).unsqueeze(0)  # (1, T)
    source = torch.where(t < half.unsqueeze(1), t, t - half.unsqueeze(1))  # position copied from
    source = source.clamp(0, MAX_HALF - 1)  # (b, T)
    ids = firsts.gather(1, source)  # (b, T)
    ids = ids.masked_fill(t >= 2 * half.unsqueeze(1), 0)  # padding after the copy
    return RepeatBatch(ids, half)


def display_sequence(half: int = 9, seed: int = 7) -> RepeatBatch:
    """One fixed held-out sequence for the attention maps (the same picture for every run)."""
    gen = torch.Generator().manual_seed(10_000 + seed)
    firsts = torch.rand(VOCAB_SIZE, generator=gen).argsort()[:half]
    ids = torch.cat([firsts, firsts]).unsqueeze(0)  # (1, 2L)
    return RepeatBatch(ids, torch.tensor([half]))


def symbols(ids: torch.Tensor) -> list[str]:
    """Token ids -> letters."""
    return [SYMBOLS[int(i)] for i in ids]
