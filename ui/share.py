"""The sidebar's share and export tools: a copyable link to this exact view, HTML and CSV downloads."""

from __future__ import annotations

from urllib.parse import urlencode

import plotly.graph_objects as go
import streamlit as st

from attention_core.figures.export import ViewHeader, figure_title, matrices_zip, page_html
from attention_core.figures.frozen import FrozenFigure, thaw
from ui.lesson import STEP_KEY
from ui.present import is_presenting
from ui.run import figure_sections, figures
from ui.sentence import TEXT_KEY
from ui.url import PREFERENCE_KEYS, claimed_params, claimed_settings

FALLBACK_BASE = "http://localhost:8501/"
EXPORT_HTML_KEY, EXPORT_CSV_KEY = "export_html", "export_csv"  # the sidebar's download buttons, on every page
SHARE_LINK_KEY = "share_link"  # the sidebar's link box


def view_link(url_path: str) -> str:
    """The URL that reopens this view: the app's address, this page, and every non-default setting."""
    base = st.context.url or (FALLBACK_BASE + url_path)
    params = claimed_params()
    return base + ("?" + urlencode(params) if params else "")


def handout_sections() -> list[tuple[str, go.Figure | FrozenFigure]]:
    """Each figure placed this run under a human title: its step's heading, else its own title, else its number
    (shared figures stay frozen: thaw them to read or change them)."""
    placed: list[tuple[str, go.Figure | FrozenFigure]] = []
    for n, ((_, _, fig), section) in enumerate(zip(figures(), figure_sections(), strict=True), start=1):
        placed.append((section or figure_title(fig) or f"Figure {n}", fig))
    return placed


def _has_heatmap(fig: go.Figure | FrozenFigure) -> bool:
    types = fig.trace_types if isinstance(fig, FrozenFigure) else tuple(trace.type for trace in fig.data)
    return "heatmap" in types


def view_header(url_path: str) -> ViewHeader:
    """The sentence, the settings (human names, values as shown) and the share link of this view."""
    left_out = {TEXT_KEY, *PREFERENCE_KEYS} | (set() if is_presenting() else {STEP_KEY})  # all steps show
    settings = tuple((label, value) for key, label, value in claimed_settings() if key not in left_out)
    return ViewHeader(str(st.session_state.get(TEXT_KEY, "")), settings, view_link(url_path))


def share_and_export_ui(url_path: str, page_title: str) -> None:
    """Draw the link box and the two download buttons for the page that just ran."""
    st.markdown("**Share this view**")
    with st.container(key=SHARE_LINK_KEY):
        st.code(view_link(url_path), language=None, wrap_lines=False)
    st.caption(
        "The copy button at the right of the box copies the link; opening it shows these exact figures."
    )
    placed = handout_sections()
    keyed = [(key, fig) for key, _, fig in figures()]
    if not placed:
        return
    header = view_header(url_path)
    st.download_button(
        "Download this page (HTML)",
        key=EXPORT_HTML_KEY,
        data=lambda: page_html(page_title, [(title, thaw(fig)) for title, fig in placed], view=header),
        file_name=f"attention-explorer-{url_path or 'home'}.html",
        mime="text/html",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
        help="One self-contained file with every figure of this page; it opens offline.",
    )
    if any(_has_heatmap(fig) for _, fig in keyed):
        st.download_button(
            "Download matrices (CSV)",
            key=EXPORT_CSV_KEY,
            data=lambda: matrices_zip([(key, thaw(fig)) for key, fig in keyed]),
            file_name=f"attention-explorer-{url_path or 'home'}-matrices.zip",
            mime="application/zip",
            icon=":material/table_view:",
            on_click="ignore",
            width="stretch",
            help="Every heatmap on this page as a CSV file with token labels, in one zip.",
        )
