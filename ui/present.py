"""Presentation mode: larger type and figures, fewer controls, for a projector at 1280x720."""

from __future__ import annotations

import streamlit as st

from ui.url import keep_offscreen_settings
from ui.widgets import url_toggle

PRESENT_KEY = "present"  # presentation mode in the URL: ?present=1

# A constant stylesheet (no user text): larger type for the back of the room, less chrome.
_PRESENTATION_CSS = """
<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; max-width: 100%; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.1rem; }
[data-testid="stCaptionContainer"] { font-size: 0.95rem; }
[data-testid="stHeader"] { background: transparent; }
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
