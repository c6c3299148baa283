"""Small layout helpers shared by the lesson pages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from attention_core.figures.common import as_array


def token_names(tokens: Sequence[str]) -> list[str]:
    """Position-qualified names ('2 · journey') so repeated tokens stay distinct in tables and menus."""
    return [f"{i + 1} · {t}" for i, t in enumerate(tokens)]


def matrix_table(
    matrix: object, row_names: Sequence[str], col_names: Sequence[str], decimals: int = 4
) -> None:
    """Show a matrix as a read-only table (text is never rendered as HTML)."""
    df = pd.DataFrame(np.round(as_array(matrix), decimals), index=list(row_names), columns=list(col_names))
    st.dataframe(df, width="stretch")


def vector_text(values: object, decimals: int = 4) -> str:
    """A vector as the notebook prints it: [0.4419, 0.6515, 0.5683]."""
    return "[" + ", ".join(f"{v:.{decimals}f}" for v in as_array(values).reshape(-1)) + "]"


def step_header(number: int, title: str) -> None:
    """A numbered step heading, so a lesson reads top to bottom."""
    st.subheader(f"Step {number} · {title}", divider="gray")


def settings_container(presenting: bool) -> object:
    """Where a page's secondary controls go: folded away in presentation mode, inline otherwise."""
    return st.expander("Settings", icon=":material/tune:") if presenting else st.container()
