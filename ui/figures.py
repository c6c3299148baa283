"""Placing figures: presentation sizing, toolbar PNG export, and registration for the page exports."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from attention_core.figures.export import chart_config
from ui.present import is_presenting
from ui.state import register_figure

PRESENT_FONT = 20


def show_figure(fig: go.Figure, key: str, container: object = None) -> None:
    """Draw a Plotly figure full width (in `container` if given) and register it for the exports."""
    presenting = is_presenting()
    if presenting:
        fig.update_layout(font={"size": PRESENT_FONT}, title_font_size=PRESENT_FONT + 4)
        if fig.layout.height:
            fig.update_layout(height=int(fig.layout.height * 1.2))
    title = fig.layout.title.text or key.replace("_", " ")
    register_figure(key, title, fig)
    target = container if container is not None else st
    target.plotly_chart(fig, width="stretch", key=key, config=chart_config(key, presenting))
