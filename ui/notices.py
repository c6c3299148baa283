"""Friendly messages for the top of the page, queued during a run (fallbacks, truncation, bad input)."""

from __future__ import annotations

import streamlit as st

_NOTICES = "_ae_notices"  # messages for the current run


def clear_notices() -> None:
    """Start a run with no messages."""
    st.session_state[_NOTICES] = []


def add_notice(message: str) -> None:
    """Queue a friendly message for the top of the page (Markdown; escape user text first)."""
    notices = st.session_state.setdefault(_NOTICES, [])
    if message not in notices:
        notices.append(message)


def notices() -> list[str]:
    """The messages queued during this run."""
    return list(st.session_state.get(_NOTICES, []))
