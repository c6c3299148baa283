"""The "Vectors: book / model" control that the four self-attention pages share (one URL key, so the choice follows the reader).

Usage in a page (after reading the tokens and the embedding dimension):

    choice = vector_source_ui(tokens, dim)      # draws the control, queues a notice on fallback
    inputs = choice.vectors                      # (T, dim) tensor
    st.markdown(choice.explanation)              # where the numbers come from
"""

from __future__ import annotations

import streamlit as st

from attention_core.embeddings import VectorChoice, vectors_for
from ui.notices import add_notice
from ui.widgets import url_selectbox

VECTORS_KEY = "vec"  # shared by the self-attention pages like the sentence: the choice follows the reader
VECTOR_LABELS = {"book": "Book", "model": "Model (MiniLM)"}


def vector_source_ui(
    tokens: list[str], dim: int, key: str = VECTORS_KEY, label: str = "Word vectors"
) -> VectorChoice:
    """A url-backed book/model radio; returns the vectors for `tokens` at `dim` and how they were made.

    "Book's vectors" gives the book's numbers on the book's sentence (3-D); any other sentence or dimension
    gets the model's vectors, since the book has no others. Without the model package: hashed vectors and
    a notice.
    """
    choice = url_selectbox(
        label,
        list(VECTOR_LABELS),
        key,
        "book",
        format_func=VECTOR_LABELS.__getitem__,
        widget=st.radio,
        horizontal=True,
        help="Book: the book's hand-made 3-D vectors for its example sentence. Model: vectors from the real "
        "all-MiniLM-L6-v2 model's embedding table, for any sentence (related words land near each other).",
    )
    result = vectors_for(tokens, dim, choice)
    if result.notice:
        add_notice(result.notice)
    return result
