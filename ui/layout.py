"""Small layout helpers shared by the lesson pages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from attention_core.builders import Construction
from attention_core.embeddings import MAX_DIM, MIN_DIM
from attention_core.figures.common import as_array
from ui.run import begin_section
from ui.widgets import url_slider


def token_names(tokens: Sequence[str]) -> list[str]:
    """Position-qualified names ('2 · journey') so repeated tokens stay distinct in tables and menus."""
    return [f"{i + 1} · {t}" for i, t in enumerate(tokens)]


def matrix_table(
    matrix: object, row_names: Sequence[str], col_names: Sequence[str], decimals: int = 4
) -> None:
    """Show a matrix as a read-only table (text is never rendered as HTML)."""
    df = pd.DataFrame(np.round(as_array(matrix), decimals), index=list(row_names), columns=list(col_names))
    number = st.column_config.NumberColumn(
        format=f"%.{decimals}f"
    )  # 1.4950, never 1.495: one format per page
    st.dataframe(df, width="stretch", column_config={str(c): number for c in df.columns})


def vector_text(values: object, decimals: int = 4) -> str:
    """A vector as the notebook prints it: [0.4419, 0.6515, 0.5683]."""
    return "[" + ", ".join(f"{v:.{decimals}f}" for v in as_array(values).reshape(-1)) + "]"


def head_matrix_caption(matrix: np.ndarray, causal: bool) -> str:
    """The caption under one head's (T, T) weights, computed from them: row sums and the weight above the diagonal."""
    sums = matrix.sum(-1)  # (T,)
    upper = float(np.triu(matrix, k=1).sum())
    return (
        f"Rows sum to 1 (min {float(sums.min()):.4f}, max {float(sums.max()):.4f}); "
        f"total weight above the diagonal: {upper:.4f}"
        + (" — the causal mask at work." if causal else " — tokens attend to later tokens too.")
    )


def step_header(number: int, title: str) -> None:
    """A numbered step heading, so a lesson reads top to bottom (and the export's section titles)."""
    heading = f"Step {number} · {title}"
    begin_section(heading)
    st.subheader(heading, divider="gray")


def settings_container(presenting: bool) -> DeltaGenerator:
    """Where a page's secondary controls go: folded away in presentation mode, inline otherwise."""
    return st.expander("Settings", icon=":material/tune:") if presenting else st.container()


BOOK_SEEDS: dict[Construction, int] = {"rand": 123, "linear": 789}  # the book's seed for each construction


def weight_sizes_ui(
    construction: Construction,
    seed_key: str,
    d_in_key: str,
    d_out_key: str,
    d_out_help: str = "The book uses 2.",
) -> tuple[int, int, int]:
    """Seed, d_in and d_out sliders for seeded Q/K/V weights, in three columns; returns (seed, d_in, d_out).

    Each construction keeps its own seed key (the book seeds them differently), so pass that one's key.
    """
    s1, s2, s3 = st.columns(3)
    with s1:
        book_seed = BOOK_SEEDS[construction]
        seed = url_slider(
            "Random seed",
            0,
            999,
            seed_key,
            book_seed,
            help=f"torch.manual_seed before the weights are made; the book uses {book_seed}.",
        )
    with s2:
        d_in = url_slider("Embedding size d_in", MIN_DIM, MAX_DIM, d_in_key, 3, help="The book uses 3.")
    with s3:
        d_out = url_slider("Output size d_out (= d_k)", 1, 16, d_out_key, 2, help=d_out_help)
    return seed, d_in, d_out
