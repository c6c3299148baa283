"""The book's chapter-3 printouts, the settings that print them, and a 4-decimal comparison with what a page shows.

A page may say "matches the book" only when `matches(printout, shown)` is true for the numbers it shows; the
claim names the printout's listing (`printout.source`). The values below are what the book prints (4 decimals);
tests/core/test_book_printouts.py recomputes each one from its `BookSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attention_core.text import DEFAULT_SENTENCE

PRINT_DECIMALS = 4
_HALF_LAST_DIGIT = 0.5 * 10**-PRINT_DECIMALS + 1e-7  # |shown - printed| within half a unit of the 4th decimal


@dataclass(frozen=True)
class BookSettings:
    """What the book used to print one output: the sentence, seed, sizes, heads, mask and dropout."""

    sentence: str = DEFAULT_SENTENCE
    construction: str = "linear"  # "rand" (nn.Parameter(torch.rand)) or "linear" (nn.Linear)
    seed: int = 123
    d_in: int = 3
    d_out: int = 2
    num_heads: int = 1
    causal: bool = False
    dropout: float = 0.0
    dropout_seed: int = 123


@dataclass(frozen=True)
class Printout:
    """One printed output of chapter 3: its name, where it is printed, the settings and the printed rows."""

    name: str  # e.g. "SelfAttention_v1"
    source: str  # e.g. "listing 3.1"
    settings: BookSettings
    values: tuple[tuple[float, ...], ...]  # (rows, cols) as printed

    @property
    def array(self) -> np.ndarray:
        """The printed values as a (rows, cols) float array."""
        return np.array(self.values, dtype=np.float64)

    @property
    def label(self) -> str:
        """How a page names it: "the book's SelfAttention_v1 printout (listing 3.1)"."""
        return f"the book's {self.name} printout ({self.source})"


def largest_gap(printout: Printout, shown: object) -> float | None:
    """max |shown - printed|, or None when the shapes differ (nothing to compare)."""
    array = np.asarray(shown, dtype=np.float64)
    if array.shape != printout.array.shape:
        return None
    return float(np.abs(array - printout.array).max())


def matches(printout: Printout, shown: object) -> bool:
    """True when `shown` has the printout's shape and equals it to 4 decimals (as the book rounds)."""
    gap = largest_gap(printout, shown)
    return gap is not None and bool(np.isfinite(gap)) and gap <= _HALF_LAST_DIGIT


# --- the printouts ------------------------------------------------------------------------------------------

SIMPLIFIED_WEIGHTS = Printout(  # section 3.3.1: softmax of the scores of the query "journey"
    "attn_weights_2",
    "section 3.3.1",
    BookSettings(),
    ((0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581),),
)
SIMPLIFIED_CONTEXT = Printout(  # section 3.3.1: the context vector of "journey"
    "context_vec_2",
    "section 3.3.1",
    BookSettings(),
    ((0.4419, 0.6515, 0.5683),),
)
SIMPLIFIED_ALL = Printout(  # section 3.3.2: attn_weights @ inputs
    "all_context_vecs",
    "section 3.3.2",
    BookSettings(),
    (
        (0.4421, 0.5931, 0.5790),
        (0.4419, 0.6515, 0.5683),
        (0.4431, 0.6496, 0.5671),
        (0.4304, 0.6298, 0.5510),
        (0.4671, 0.5910, 0.5266),
        (0.4177, 0.6503, 0.5645),
    ),
)
SELF_ATTENTION_V1 = Printout(
    "SelfAttention_v1",
    "listing 3.1",
    BookSettings(construction="rand", seed=123),
    (
        (0.2996, 0.8053),
        (0.3061, 0.8210),
        (0.3058, 0.8203),
        (0.2948, 0.7939),
        (0.2927, 0.7891),
        (0.2990, 0.8040),
    ),
)
SELF_ATTENTION_V2 = Printout(
    "SelfAttention_v2",
    "listing 3.2",
    BookSettings(construction="linear", seed=789),
    (
        (-0.0739, 0.0713),
        (-0.0748, 0.0703),
        (-0.0749, 0.0702),
        (-0.0760, 0.0685),
        (-0.0763, 0.0679),
        (-0.0754, 0.0693),
    ),
)
MASKED_WEIGHTS = Printout(  # section 3.5.1: SelfAttention_v2's weights (seed 789), masked and renormalised
    "masked attention weights",
    "section 3.5.1",
    BookSettings(construction="linear", seed=789, causal=True),
    (
        (1.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000),
        (0.5517, 0.4483, 0.0000, 0.0000, 0.0000, 0.0000),
        (0.3800, 0.3097, 0.3103, 0.0000, 0.0000, 0.0000),
        (0.2758, 0.2460, 0.2462, 0.2319, 0.0000, 0.0000),
        (0.2175, 0.1983, 0.1984, 0.1888, 0.1971, 0.0000),
        (0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529),
    ),
)
CAUSAL_ATTENTION = Printout(  # listing 3.3 with torch.manual_seed(123), dropout 0.0; one batch item
    "CausalAttention",
    "listing 3.3",
    BookSettings(construction="linear", seed=123, causal=True),
    (
        (-0.4519, 0.2216),
        (-0.5874, 0.0058),
        (-0.6300, -0.0632),
        (-0.5675, -0.0843),
        (-0.5526, -0.0981),
        (-0.5299, -0.1081),
    ),
)
MULTIHEAD_WRAPPER = Printout(  # listing 3.4: two CausalAttention heads of d_out 2, seed 123; one batch item
    "MultiHeadAttentionWrapper",
    "listing 3.4",
    BookSettings(construction="linear", seed=123, num_heads=2, causal=True),
    (
        (-0.4519, 0.2216, 0.4772, 0.1063),
        (-0.5874, 0.0058, 0.5891, 0.3257),
        (-0.6300, -0.0632, 0.6202, 0.3860),
        (-0.5675, -0.0843, 0.5478, 0.3589),
        (-0.5526, -0.0981, 0.5321, 0.3428),
        (-0.5299, -0.1081, 0.5077, 0.3493),
    ),
)
MULTIHEAD_ATTENTION = Printout(  # listing 3.5: d_out 2, two heads, seed 123; one batch item
    "MultiHeadAttention",
    "listing 3.5",
    BookSettings(construction="linear", seed=123, num_heads=2, causal=True),
    (
        (0.3190, 0.4858),
        (0.2943, 0.3897),
        (0.2856, 0.3593),
        (0.2693, 0.3873),
        (0.2639, 0.3928),
        (0.2575, 0.4028),
    ),
)
DROPPED_WEIGHTS = Printout(  # section 3.5.2: torch.manual_seed(123), nn.Dropout(0.5) on the masked weights
    "dropout on the masked weights",
    "section 3.5.2",
    BookSettings(construction="linear", seed=789, causal=True, dropout=0.5, dropout_seed=123),
    (
        (2.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000),
        (0.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000),
        (0.7599, 0.6194, 0.6206, 0.0000, 0.0000, 0.0000),
        (0.0000, 0.4921, 0.4925, 0.0000, 0.0000, 0.0000),
        (0.0000, 0.3966, 0.0000, 0.3775, 0.0000, 0.0000),
        (0.0000, 0.3327, 0.3331, 0.3084, 0.3331, 0.0000),
    ),
)
PRINTOUTS: tuple[Printout, ...] = (
    SIMPLIFIED_WEIGHTS,
    SIMPLIFIED_CONTEXT,
    SIMPLIFIED_ALL,
    SELF_ATTENTION_V1,
    SELF_ATTENTION_V2,
    MASKED_WEIGHTS,
    DROPPED_WEIGHTS,
    CAUSAL_ATTENTION,
    MULTIHEAD_WRAPPER,
    MULTIHEAD_ATTENTION,
)


def printout_text(values: object) -> str:
    """A matrix printed row by row as the book does, 4 decimals: [[a, b],\\n [c, d]]."""
    rows = np.atleast_2d(np.asarray(values, dtype=np.float64))
    body = ",\n ".join("[" + ", ".join(f"{v:.{PRINT_DECIMALS}f}" for v in row) + "]" for row in rows)
    return f"[{body}]"
