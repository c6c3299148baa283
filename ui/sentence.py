"""The shared sentence: one sidebar text box for every page, kept in the URL as `?text=`."""

from __future__ import annotations

import streamlit as st

from attention_core.text import DEFAULT_SENTENCE, MAX_TOKENS, PreparedText, clean_text, prepare_text
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


def bounded_text(limit_chars: int) -> str:
    """The shared sentence as raw text: cleaned and cut to `limit_chars`; empty text falls back to the default (noticed)."""
    raw = str(st.session_state.get(TEXT_KEY, DEFAULT_SENTENCE) or "")
    if len(raw) > limit_chars:
        add_notice(f"The text has {len(raw):,} characters; only the first {limit_chars:,} are read here.")
        raw = raw[:limit_chars]
    text, notices = clean_text(raw)
    for message in notices:
        add_notice(message)
    if not text.strip():
        add_notice(f"The sentence box is empty: showing the default sentence “{DEFAULT_SENTENCE}”.")
        return DEFAULT_SENTENCE
    return text
