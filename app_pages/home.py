"""Why attention — the four kinds, the timeline, and a map of the pages."""

from __future__ import annotations

import streamlit as st

from attention_core.figures.home import timeline_figure
from ui.figures import show_figure
from ui.pages import PAGES

TIMELINE_FIG = "timeline"  # chart key
_COUNT_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


def _count_word(n: int) -> str:
    """'Four' for 4 (digits from eleven on)."""
    return _COUNT_WORDS[n] if n < len(_COUNT_WORDS) else str(n)


def home_ui() -> None:
    """The landing page: what attention solves and where each page fits."""
    st.title("Attention Explorer")
    st.markdown(
        "Attention is the engine inside every transformer. This app rebuilds it one step at a time, with "
        "numbers you can check against your notebook, and ends inside a real pretrained model."
    )

    st.header("The problem: long-range dependencies")
    st.markdown(
        "> *The cat that was sitting on the mat, which was next to the dog, **jumped**.*\n\n"
        "Who jumped? A reader links *jumped* back to *cat* across eleven words. A recurrent network has to "
        "carry *cat* through every step in one fixed-size hidden state, and by the time it reaches *jumped* "
        "that memory has been overwritten many times. Attention lets each word look directly at every other "
        "word and decide how much each one matters."
    )

    st.header("From recurrence to transformers")
    show_figure(timeline_figure(), TIMELINE_FIG)

    cards = [info for info in PAGES if info.card]
    if cards:
        st.header(f"{_count_word(len(cards))} kinds of attention, each built on the last")
    for col, (number, info) in zip(st.columns(max(len(cards), 1)), enumerate(cards, start=1), strict=False):
        with col, st.container(border=True):
            st.markdown(f"**{number} · {info.title}**")
            st.write(info.card)

    st.header("Map of the pages")
    st.markdown(
        "Type any sentence in the sidebar: every page uses it, and the link in your address bar reopens the "
        "exact view you are looking at."
    )
    for info in PAGES[1:]:
        st.page_link(info.path, label=f"**{info.title}** — {info.summary}", icon=info.icon)


if __name__ == "__main__":  # Streamlit runs a page as __main__
    home_ui()
