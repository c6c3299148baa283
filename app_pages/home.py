"""Page 1: why attention — the four kinds, the timeline, and a map of the pages."""

from __future__ import annotations

import streamlit as st

from attention_core.figures.home import timeline_figure
from ui.figures import show_figure
from ui.pages import PAGES


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
    show_figure(timeline_figure(), "timeline")

    st.header("Four kinds of attention, each built on the last")
    cols = st.columns(4)
    steps = [
        (
            "1 · Simplified self-attention",
            "Each token scores every token by a dot product, turns the scores into weights with softmax, "
            "and mixes all tokens into a context vector. No learned parameters yet.",
        ),
        (
            "2 · Trainable weights",
            "Three learned matrices project each token into a query, a key and a value. Scores compare "
            "queries with keys, scaled by √d_k; the weights mix values.",
        ),
        (
            "3 · Causal attention",
            "A language model may not peek at the future: a mask hides every later token, and dropout "
            "randomly removes weights while training.",
        ),
        (
            "4 · Multi-head attention",
            "Several causal heads run side by side on smaller slices, then their outputs are concatenated "
            "and projected. GPT-style models stack dozens of these.",
        ),
    ]
    for col, (title, body) in zip(cols, steps, strict=True):
        with col, st.container(border=True):
            st.markdown(f"**{title}**")
            st.write(body)

    st.header("Map of the pages")
    st.markdown(
        "Type any sentence in the sidebar: every page uses it, and the link in your address bar reopens the "
        "exact view you are looking at."
    )
    for info in PAGES[1:]:
        st.page_link(info.path, label=f"**{info.title}** — {info.summary}", icon=info.icon)


home_ui()
