"""Placing figures: presentation sizing, toolbar PNG export, and registration for the page exports."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from attention_core.figures.export import chart_config
from ui.present import is_presenting
from ui.run import register_figure

PRESENT_FONT = 20


def show_figure(
    fig: go.Figure, key: str, container: DeltaGenerator | None = None, **chart_kwargs: Any
) -> Any:
    """Draw a Plotly figure full width (in `container` if given) and register it for the page exports.

    In presentation mode a copy is enlarged, so figures cached between reruns are never changed. Extra
    keyword arguments go to `st.plotly_chart` (e.g. `on_select`); a `config` there extends the export config.
    """
    presenting = is_presenting()
    if presenting:
        fig = go.Figure(fig)
        fig.update_layout(font={"size": PRESENT_FONT}, title_font_size=PRESENT_FONT + 4)
        if fig.layout.height:
            fig.update_layout(height=int(fig.layout.height * 1.2))
    title = fig.layout.title.text or key.replace("_", " ")
    register_figure(key, title, fig)
    config = {**chart_config(key, presenting), **chart_kwargs.pop("config", {})}
    target = container if container is not None else st
    return target.plotly_chart(fig, width="stretch", key=key, config=config, **chart_kwargs)
