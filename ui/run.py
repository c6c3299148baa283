"""One rerun of the app, from app.py's first line to its last: per-run bookkeeping, notices, placed figures.

Life of a rerun (Streamlit runs app.py top to bottom on every interaction):

1. `begin_run(page)` (app.py): this run's notices and figures start empty; arriving on another page forgets
   which settings were seeded from the URL (a link is read once per visit) and the page-scoped keys (the
   lesson step).
2. The sidebar and then the page draw their widgets. Every URL-backed widget (`ui.widgets`) is seeded
   (`ui.url.seed_value`: the link on arrival, else the value last chosen in this session, else the default;
   a link value that does not parse falls back with a notice) and, once drawn, claimed
   (`ui.url.claim_value`: the value is saved, and goes into the URL unless it is the default).
3. `ui.figures.show_figure` places each chart and registers it here for the page's HTML and CSV exports.
4. app.py draws the share box (`ui.url.claimed_params`) and calls `end_run()`: the URL then holds exactly the
   view's non-default settings (`ui.url.sync_url`), and link keys that no setting knows are named once.
5. app.py shows this run's notices at the top of the page.
"""

from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go
import streamlit as st

from attention_core.figures.frozen import FrozenFigure
from attention_core.text import escape_markdown
from ui import url
from ui.notices import add_notice, clear_notices

_FIGURES = "_ae_figures"  # (key, title, figure) placed this run, for the page exports
_SECTION = "_ae_section"  # the heading of the step being drawn (ui.layout.step_header), for the HTML export
_SECTIONS = "_ae_sections"  # the section heading of each placed figure, parallel to _FIGURES


def begin_run(page_id: str, page_scoped: Iterable[str] = ()) -> None:
    """Reset per-run bookkeeping; on arrival at a new page forget URL seeding and the `page_scoped` keys."""
    clear_notices()
    st.session_state[_FIGURES] = []
    st.session_state[_SECTIONS] = []
    st.session_state[_SECTION] = None
    url.begin_run(page_id, page_scoped)


def end_run() -> None:
    """Make the URL hold this view's non-default settings; name unknown link keys once."""
    for key in url.sync_url():
        add_notice(f"The link had an unknown setting “{escape_markdown(key[:40])}”; it was ignored.")


def register_figure(key: str, title: str, figure: go.Figure | FrozenFigure) -> None:
    """Remember a figure placed in this run, for the page's HTML and CSV exports (a shared frozen figure is
    kept frozen: an export thaws its own copy)."""
    st.session_state.setdefault(_FIGURES, []).append((key, title, figure))
    st.session_state.setdefault(_SECTIONS, []).append(st.session_state.get(_SECTION))


def begin_section(heading: str) -> None:
    """The figures placed from now on belong under this heading (a lesson step) in the HTML export."""
    st.session_state[_SECTION] = heading


def figure_sections() -> list[str | None]:
    """The section heading of each figure placed this run (None before any heading), in page order."""
    return list(st.session_state.get(_SECTIONS, []))


def figures() -> list[tuple[str, str, go.Figure | FrozenFigure]]:
    """The figures placed during this run, in page order."""
    return list(st.session_state.get(_FIGURES, []))
