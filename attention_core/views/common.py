"""What every page view shares: read-only arrays and the result of a parity check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def frozen(values: torch.Tensor | np.ndarray) -> np.ndarray:
    """A read-only copy of a tensor or array (same dtype and shape): views are shared, so nobody may write."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    out = np.array(values, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class ParityCheck:
    """One comparison of our result with a reference implementation on the same weights."""

    reference: str  # what was run, e.g. "F.scaled_dot_product_attention + out_proj"
    compared: str  # which result, e.g. "output (heads as selected)"
    largest_difference: float  # max |ours - reference|
    tolerance: float

    @property
    def passed(self) -> bool:
        """True when the two agree within the tolerance."""
        return self.largest_difference <= self.tolerance


def largest_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| as a float."""
    return float((a - b).abs().max())
