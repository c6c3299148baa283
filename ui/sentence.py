"""The shared sentence: one sidebar text box for every page, kept in the URL as `?text=`."""

from __future__ import annotations

import streamlit as st

from attention_core.text import DEFAULT_SENTENCE, MAX_TOKENS, PreparedText, prepare_text
from ui.notices import add_notice
from ui.widgets import url_text

TEXT_KEY = "text"
MAX_URL_CHARS = 10_000


def sentence_box_ui() -> str:
    """Draw the shared sentence box in the sidebar and return exactly what the user typed."""
    return url_text(
        "Your sentence",
        TEXT_KEY,
        DEFAULT_SENTENCE,
        MAX_URL_CHARS,
        st.sidebar.text_area,
        height=100,
        help="Every page uses this sentence. Press Ctrl+Enter (or click outside) to apply. "
        "It is saved in the link, so sharing the URL shares the sentence.",
    )


def current_tokens(max_tokens: int = MAX_TOKENS) -> PreparedText:
    """Tokens of the shared sentence for this page; queues its notices (truncation, empty text...)."""
    prepared = prepare_text(st.session_state.get(TEXT_KEY, DEFAULT_SENTENCE), max_tokens=max_tokens)
    for message in prepared.notices:
        add_notice(message)
    return prepared
