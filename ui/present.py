"""Presentation mode: larger type and figures, fewer controls, for a projector at 1280x720."""

from __future__ import annotations

import streamlit as st

from ui.url import keep_offscreen_settings
from ui.widgets import url_toggle

PRESENT_KEY = "present"  # presentation mode in the URL: ?present=1

# A constant stylesheet (no user text): larger type for the back of the room, little chrome. At 1280x720 the
# page title, the settings and the step bar (Previous · step heading · Next, one row) take under ~200 px, and
# a lesson step's stage (ui/lesson.py) puts its figure beside the text; a stage with no figure in its figure
# column gives the text the full width (the stage's own two columns only: columns a step draws in its text keep
# their layout). Wide formulas and tables in the text column scroll sideways instead of being cut off. The left padding leaves room for the sidebar's expand control; the
# transparent header lets clicks through to the step bar under it (only its own buttons take them).
_PRESENTATION_CSS = """
<style>
html { font-size: 18px; }
[data-testid="stHeader"] { background: transparent; height: 2.25rem; min-height: 0; }
[data-testid="stHeader"], [data-testid="stHeader"] div { pointer-events: none !important; }
[data-testid="stHeader"] button, [data-testid="stHeader"] a { pointer-events: auto !important; }
[data-testid="stMainBlockContainer"] { padding: 0.45rem 2.6rem 2rem 3.4rem; max-width: 100%; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.6rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.55rem; line-height: 1.3; padding: 0; margin: 0; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.05rem; }
[data-testid="stCaptionContainer"] { font-size: 0.9rem; }
[data-testid="stMain"] [data-testid="stExpander"] summary { padding-top: 0.3rem; padding-bottom: 0.3rem; }
.st-key-lesson_nav h3 { font-size: 1.2rem; padding: 0; line-height: 1.3; }
.st-key-lesson_nav button { min-height: 2.1rem; padding-top: 0.15rem; padding-bottom: 0.15rem; }
.st-key-lesson_stage > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"]:not(:has(
  .st-key-lesson_stage_figure [data-testid="stPlotlyChart"])) > [data-testid="stColumn"]:last-child { display: none; }
.st-key-lesson_stage > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"]:not(:has(
  .st-key-lesson_stage_figure [data-testid="stPlotlyChart"])) > [data-testid="stColumn"]:first-child {
  flex: 1 1 100% !important; width: 100% !important; max-width: 100% !important; }
.st-key-lesson_stage [data-testid="stColumn"] { min-width: 0; }
.st-key-lesson_stage_text { overflow-x: auto; overflow-y: hidden; }
.st-key-lesson_stage_text .katex-display, .st-key-lesson_stage_text [data-testid="stMarkdownContainer"] table,
.st-key-lesson_stage_text [data-testid="stTable"] { overflow-x: auto; overflow-y: hidden; max-width: 100%; }
.st-key-lesson_stage_text [data-testid="stMarkdownContainer"] table { display: block; }
.st-key-lesson_stage_text code { white-space: pre-wrap; overflow-wrap: anywhere; }
</style>
"""


def presentation_toggle_ui() -> bool:
    """The sidebar switch for presentation mode (kept in the URL as ?present=1)."""
    presenting = url_toggle(
        "Presentation mode",
        PRESENT_KEY,
        False,
        help="Larger type and figures, one lesson step at a time with Previous / Next (keys: Left / Right).",
    )
    if presenting:
        keep_offscreen_settings()  # a lesson shows one step: the other steps' settings stay in the link
        st.html(_PRESENTATION_CSS)
    return presenting


def is_presenting() -> bool:
    """True while presentation mode is on (read by pages and figure placement)."""
    return bool(st.session_state.get(PRESENT_KEY, False))
