"""Presentation layout for the Today's-LLMs pages: at 1280x720 a step's explanation sits beside its main figure."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from attention_core.figures.frozen import FrozenFigure, thaw
from ui.lesson import stage_columns

PRESENT_MAX_HEIGHT = 372  # px: beside the step's text, under the step bar at 1280x720


def step_columns(presenting: bool) -> tuple[Any, Any]:
    """(where the step's text goes, where its main figure goes): side by side when presenting, else stacked."""
    if presenting:
        stage = stage_columns()  # the lesson step's own two columns (ui.lesson), when the step opened one
        if stage is not None:
            return stage
        text, figure = st.columns([2, 3], vertical_alignment="top")
        return text, figure
    return st.container(), st.container()


def fit(
    fig: go.Figure | FrozenFigure, presenting: bool, max_height: int = PRESENT_MAX_HEIGHT
) -> go.Figure | FrozenFigure:
    """The figure itself, or when presenting a private copy no taller than `max_height` (shared ones unchanged)."""
    if not presenting:
        return fig
    own = thaw(fig) if isinstance(fig, FrozenFigure) else go.Figure(fig)
    if (own.layout.height or 0) > max_height:
        own.update_layout(height=max_height)
    return own
