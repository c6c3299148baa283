"""The "Vectors: book / model" control that the four self-attention pages share (one URL key, so the choice follows the reader).

Usage in a page (after reading the tokens and the embedding dimension):

    choice = vector_source_ui(tokens, dim)      # draws the control, queues a notice on fallback
    inputs = choice.vectors                      # (T, dim) tensor
    st.markdown(choice.explanation)              # where the numbers come from

The control always shows what is used: the book's vectors exist only for the book's sentence in 3-D, so for
any other sentence or dimension the choice is replaced by a disabled control showing the vectors in use and a
caption saying why (the reader's choice is kept, and comes back with the book's sentence).
"""

from __future__ import annotations

import streamlit as st

from attention_core.embeddings import VectorChoice, is_book_sentence, vectors_for
from attention_core.text import escape_markdown
from ui.notices import add_notice
from ui.url import claim_value, seed_value
from ui.widgets import url_selectbox

VECTORS_KEY = "vec"  # shared by the self-attention pages like the sentence: the choice follows the reader
VECTORS_USED_KEY = f"{VECTORS_KEY}_used"  # the disabled control shown when the book's vectors cannot be used
VECTORS_WHY_KEY = f"{VECTORS_KEY}_why"  # the caption saying why
VECTOR_LABELS = {"book": "Book", "model": "Model (MiniLM)", "hashed": "Hashed (no model)"}
CHOICES = ("book", "model")
HELP = (
    "Book: the book's hand-made 3-D vectors for its example sentence. Model: vectors from the real "
    "all-MiniLM-L6-v2 model's embedding table, for any sentence (related words land near each other)."
)


def book_vectors_available(tokens: list[str], dim: int) -> bool:
    """The book has vectors only for its own sentence in 3 dimensions."""
    return dim == 3 and is_book_sentence(tokens)


def why_not_book(tokens: list[str], dim: int) -> str:
    """Why the book's vectors cannot be used for these tokens and dimension (computed from them)."""
    reasons = []
    if not is_book_sentence(tokens):
        reasons.append("this is not the book's sentence")
    if dim != 3:
        reasons.append(f"the dimension is {dim}, not 3")
    return " and ".join(reasons)


def vector_source_ui(
    tokens: list[str], dim: int, key: str = VECTORS_KEY, label: str = "Word vectors"
) -> VectorChoice:
    """A url-backed book/model radio; returns the vectors for `tokens` at `dim` and how they were made.

    "Book" gives the book's numbers on the book's sentence (3-D). For any other sentence or dimension the
    radio is replaced by a disabled one showing the vectors actually used, with a caption saying why; the
    stored choice stays in the link. Without the model package: hashed vectors and a notice.
    """
    book_ok = book_vectors_available(tokens, dim)
    if book_ok:
        choice = url_selectbox(
            label,
            list(CHOICES),
            key,
            "book",
            format_func=VECTOR_LABELS.__getitem__,
            widget=st.radio,
            horizontal=True,
            help=HELP,
        )
    else:
        lookup = {c: c for c in CHOICES}
        seed_value(key, "book", lookup.get, label, VECTOR_LABELS.__getitem__)
        stored = st.session_state[key] if st.session_state[key] in CHOICES else "book"
        claim_value(key, stored, "book", str)  # kept for when the book's sentence comes back
        choice = "model"
    result = vectors_for(tokens, dim, choice)
    if not book_ok:
        options = ["book", result.source]
        st.session_state[f"{key}_used"] = result.source
        st.radio(
            label,
            options,
            key=f"{key}_used",
            format_func=VECTOR_LABELS.__getitem__,
            horizontal=True,
            disabled=True,
            help=HELP,
        )
        with st.container(key=f"{key}_why"):
            st.caption(
                f"Using {escape_markdown(VECTOR_LABELS[result.source].lower())} vectors: the book's exist only "
                f"for its sentence in 3-D, and {why_not_book(tokens, dim)}."
            )
    elif result.source != choice:
        with st.container(key=f"{key}_why"):
            st.caption(f"Using {escape_markdown(VECTOR_LABELS[result.source].lower())} vectors instead.")
    if result.notice:
        add_notice(result.notice)
    return result
