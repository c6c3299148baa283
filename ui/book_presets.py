"""One-click "book settings" buttons and the computed "matches the book" note of the self-attention pages.

A button sets the page's widgets (by key) to what the book used for one printout; the note appears only when
the numbers on screen equal a printout to 4 decimals (attention_core.book.matches), and names its listing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from attention_core.book import Printout, matches
from ui.sentence import TEXT_KEY
from ui.vectors import VECTORS_KEY


def _apply(values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        st.session_state[key] = value


def book_button(key: str, printout: Printout, values: Mapping[str, Any], label: str | None = None) -> bool:
    """A button that sets the book's sentence, the book's vectors and `values` (widget key -> value)."""
    settings = {TEXT_KEY: printout.settings.sentence, VECTORS_KEY: "book", **values}
    return st.button(
        label or f"Book: {printout.name}",
        key=key,
        on_click=_apply,
        args=(settings,),
        icon=":material/menu_book:",
        help=f"Set the sentence, vectors, seed and sizes the book used for {printout.label}.",
    )


def matching(shown: Sequence[tuple[Printout, object]]) -> list[Printout]:
    """The printouts among `shown` whose paired numbers equal them to 4 decimals."""
    return [printout for printout, numbers in shown if matches(printout, numbers)]


def book_note(
    key: str, shown: Sequence[tuple[Printout, object]], what: str = "These numbers"
) -> list[Printout]:
    """A note naming each printout the shown numbers equal to 4 decimals (nothing when none does)."""
    found = matching(shown)
    if found:
        with st.container(key=key):
            names = "; ".join(p.label for p in found)
            st.success(f"{what}: equal to {names}, to 4 decimals.", icon=":material/menu_book:")
    return found
