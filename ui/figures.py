"""Placing figures: presentation sizing, toolbar PNG export, and registration for the page exports."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from attention_core.figures.export import chart_config
from attention_core.figures.frozen import FrozenFigure
from attention_core.figures.theme import drawn_twin
from ui import projector
from ui.errors import maybe_inject_fault
from ui.lesson import stage_figure_column
from ui.present import is_presenting
from ui.run import figures, register_figure
from ui.theme import active_theme, themed

PRESENT_FONT = 18  # axis labels, legends and titles in presentation mode
PRESENT_CELL_FONT = 16  # numbers drawn in heatmap / matrix cells: readable from the back of a room (>= 14 px)
PRESENT_MAX_HEIGHT = 420  # px: under the compact title, controls and step bar at 1280x720 (see ui/present.py)
PRESENT_ANIMATED_MAX_HEIGHT = 500  # px: a figure with a slider (the RNN and Bahdanau animations)
PRESENT_ROW_GAP = 64  # px between stacked subplots: the upper one's tick labels and the lower one's title
PANEL_SUFFIX = "_panel"  # the key of a figure's panel picker (presentation mode): "<figure key>_panel"
HOVER_NOTE_SUFFIX = "_hover_note"  # the note under a figure whose cell numbers are hidden
PICKER_PX = 48  # the panel picker's row, taken from the figure's height


def presentation_layout(fig: go.Figure) -> None:
    """Size `fig` (this run's own copy) for a projector: larger type, cell numbers >= PRESENT_CELL_FONT, and a
    height that fits under the step bar at 1280x720."""
    fig.update_layout(font={"size": PRESENT_FONT}, title_font_size=PRESENT_FONT + 2)
    for trace in fig.data:
        textfont = getattr(trace, "textfont", None)  # heatmap texttemplate, bar and scatter text
        if textfont is not None and (textfont.size or 0) < PRESENT_CELL_FONT:
            trace.update(textfont={"size": PRESENT_CELL_FONT})
    for annotation in fig.layout.annotations:
        if annotation.font.size is not None and annotation.font.size < PRESENT_CELL_FONT:
            annotation.font.size = PRESENT_CELL_FONT
    # an animation's Play button and slider sit below the plot in paper coordinates: they need the extra height
    limit = PRESENT_ANIMATED_MAX_HEIGHT if fig.layout.sliders else PRESENT_MAX_HEIGHT
    old_height = int(fig.layout.height or 450)  # 450: Plotly's default
    fig.update_layout(height=min(old_height, limit))
    # a shorter plot would pull its Play controls onto its ticks: keep them as far under it as before
    projector.keep_controls_below(fig, old_height)
    projector.readable_ticks(fig)
    projector.unshrunk_bar_text(fig)
    projector.open_row_gaps(fig, PRESENT_ROW_GAP)


def session_figure(fig: go.Figure | FrozenFigure, presenting: bool) -> go.Figure:
    """This run's own figure to draw and export: a thawed copy of a shared (cached) frozen figure, or a copy
    of a figure built in this run when it is enlarged for presentation, so no other view is ever changed."""
    if isinstance(fig, FrozenFigure):
        own = fig.thaw()
    elif presenting:
        own = go.Figure(fig)  # a figure of this run may be placed twice: enlarge a copy, once
    else:
        return fig
    if presenting:
        presentation_layout(own)
    return own


def show_figure(
    fig: go.Figure | FrozenFigure, key: str, container: DeltaGenerator | None = None, **chart_kwargs: Any
) -> Any:
    """Draw a Plotly figure full width (in `container` if given) and register it for the page exports.

    Cached figures arrive frozen (`ui.cache.shared_cache`) and are thawed into this run's own copy; in
    presentation mode the copy is sized for a projector and, placed in the page's main flow of a lesson step,
    goes to the step's figure column (ui.lesson stage). Extra keyword arguments go to `st.plotly_chart` (e.g.
    `on_select`); a `config` there extends the export config.
    """
    maybe_inject_fault(len(figures()))  # tests only (AE_TEST_FAULT); a no-op when it is unset
    presenting = is_presenting()
    config = {**chart_config(key, presenting), **chart_kwargs.pop("config", {})}
    staged = stage_figure_column() if presenting and container is None else None
    target = container if container is not None else staged or st
    if isinstance(fig, FrozenFigure) and not presenting:
        # a shared cached figure drawn as it is: no private copy is needed, and none is built (see for_chart)
        register_figure(key, fig.title or key.replace("_", " "), fig)  # the exports thaw their own copy
        drawn = drawn_twin(fig, dark=active_theme() == "dark")  # as themed() would draw it, made once
        return target.plotly_chart(drawn.for_chart(), width="stretch", key=key, config=config, **chart_kwargs)
    fig = session_figure(fig, presenting)
    register_figure(key, fig.layout.title.text or key.replace("_", " "), fig)  # exports: light, whole figure
    note = None
    if presenting:
        width = projector.FIGURE_COLUMN_PX if (staged is not None or container is not None) else None
        fig, note = fit_cells(fig, key, target, width or projector.MAIN_WIDTH_PX)
    chart = target.plotly_chart(themed(fig), width="stretch", key=key, config=config, **chart_kwargs)
    if note:
        target.container(key=key + HOVER_NOTE_SUFFIX).caption(note)
    return chart


def fit_cells(fig: go.Figure, key: str, target: Any, width_px: float) -> tuple[go.Figure, str | None]:
    """The figure to draw in presentation mode so its cell numbers fit their cells at `width_px`
    (ui.projector.cell_plan): at 16 or 14 px, one panel at a time with a picker (keyed `<key>_panel`) above it,
    or with the numbers hidden and a note (returned) that hovering shows them. `fig` is this run's own copy."""
    plan = projector.cell_plan(fig, width_px)
    if plan is None:
        return fig, None
    if plan.split:
        titles = projector.panel_titles(fig)
        options = list(range(len(titles)))
        picked = target.segmented_control(
            "Panel",
            options,
            format_func=lambda i: titles[i],
            default=0,
            key=key + PANEL_SUFFIX,
            label_visibility="collapsed",
            help="One panel at a time, so its numbers are large enough to read on a projector.",
        )
        fig = projector.single_panel(fig, picked if picked is not None else 0)
        fig.update_layout(height=max(int(fig.layout.height or 450) - PICKER_PX, 240))
    projector.set_cell_font(fig, plan.font)
    if plan.font is None:
        return (
            fig,
            "The numbers are too many to write in the cells at this size: hover over a cell to read it.",
        )
    return fig, None
