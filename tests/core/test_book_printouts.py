"""attention_core.book: every printout is reproduced by its own settings through the page views, to 4 decimals;
the overflow claim of the simplified page is true exactly when naive exp overflows; the wrapper equals one
MultiHeadAttention holding its stacked weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core import book
from attention_core.builders import Construction
from attention_core.embeddings import BOOK_TOKENS, vectors_for
from attention_core.text import tokenize
from attention_core.views.causal import causal_view
from attention_core.views.multihead import multihead_view, wrapper_view
from attention_core.views.simplified import all_tokens_view, overflow_view, query_view
from attention_core.views.trainable import trainable_view


def _inputs(settings: book.BookSettings) -> torch.Tensor:
    tokens = tokenize(settings.sentence)
    choice = vectors_for(tokens, settings.d_in, "book")
    assert choice.source == "book"  # the printouts all start from the book's six 3-D vectors
    return choice.vectors


def _construction(settings: book.BookSettings) -> Construction:
    return "rand" if settings.construction == "rand" else "linear"


def _computed(printout: book.Printout) -> np.ndarray:
    """What the page view shows for the printout's settings (the array its note compares)."""
    s = printout.settings
    x = _inputs(s)
    if printout.name == book.SIMPLIFIED_WEIGHTS.name:
        return query_view(x, BOOK_TOKENS.index("journey")).attn_weights[None, :]
    if printout.name == book.SIMPLIFIED_CONTEXT.name:
        return query_view(x, BOOK_TOKENS.index("journey")).context_vec[None, :]
    if printout.name == book.SIMPLIFIED_ALL.name:
        return all_tokens_view(x).context_vecs
    if printout.name in (book.SELF_ATTENTION_V1.name, book.SELF_ATTENTION_V2.name):
        return trainable_view(x, _construction(s), s.d_out, s.seed, scale=True).module_context_vec
    if printout.name in (book.MASKED_WEIGHTS.name, book.DROPPED_WEIGHTS.name, book.CAUSAL_ATTENTION.name):
        view = causal_view(
            x, _construction(s), s.d_out, s.seed, s.causal, s.dropout > 0, s.dropout, s.dropout_seed
        )
        return {
            book.MASKED_WEIGHTS.name: view.attn_weights,
            book.DROPPED_WEIGHTS.name: view.dropped,
            book.CAUSAL_ATTENTION.name: view.context_vec,
        }[printout.name]
    if printout.name == book.MULTIHEAD_WRAPPER.name:
        return wrapper_view(x, s.d_out, s.num_heads, s.seed).context_vec
    if printout.name == book.MULTIHEAD_ATTENTION.name:
        heads_on = (True,) * s.num_heads
        return multihead_view(x, s.d_out, s.num_heads, s.seed, s.causal, s.dropout, heads_on, 6).output_all
    raise AssertionError(f"no view for {printout.name}")


@pytest.mark.parametrize("printout", book.PRINTOUTS, ids=lambda p: p.name)
def test_each_printout_is_reproduced_by_its_settings(printout: book.Printout) -> None:
    shown = _computed(printout)
    assert book.matches(printout, shown), (
        f"{printout.name}: largest difference {book.largest_gap(printout, shown)}"
    )


SEEDED = tuple(p for p in book.PRINTOUTS if not p.source.startswith("section 3.3"))  # 3.3 has no weights


@pytest.mark.parametrize("printout", SEEDED, ids=lambda p: p.name)
def test_a_different_seed_does_not_match(printout: book.Printout) -> None:
    """The note could fail: the same listing with another seed gives other numbers."""
    other = book.Printout(
        printout.name,
        printout.source,
        book.BookSettings(**{**printout.settings.__dict__, "seed": printout.settings.seed + 1}),
        printout.values,
    )
    assert not book.matches(printout, _computed(other))


def test_causal_attention_needs_seed_123_not_the_masking_seed() -> None:
    """The issue's example: the masking example's seed (789) does not print CausalAttention's vectors."""
    x = _inputs(book.CAUSAL_ATTENTION.settings)
    at_789 = causal_view(x, "linear", 2, 789, True, False, 0.5, 123).context_vec
    assert not book.matches(book.CAUSAL_ATTENTION, at_789)
    assert book.matches(
        book.CAUSAL_ATTENTION, causal_view(x, "linear", 2, 123, True, False, 0.5, 123).context_vec
    )


@given(
    st.lists(st.floats(-2000, 2000, allow_nan=False, width=32), min_size=1, max_size=6),
)
@settings(max_examples=60, deadline=None)
def test_overflow_claim_is_true_exactly_when_naive_exp_overflows(scores: list[float]) -> None:
    demo = overflow_view(scores)
    with np.errstate(over="ignore"):
        expected = np.isinf(np.exp(np.asarray(scores, dtype=np.float32)))
    assert demo.overflows is bool(expected.any())
    assert demo.overflowed == tuple(int(i) for i in np.flatnonzero(expected))
    assert np.isfinite(demo.softmax_stable).all()  # the stable one never overflows
    if not demo.overflows:
        assert not demo.naive_is_nan or bool(
            (demo.exp_naive == 0).all()
        )  # 0/0 only when everything underflows


def test_overflow_presets_of_the_page() -> None:
    assert overflow_view([1.0, 2.0, 3.0, 400.0]).overflows
    calm = overflow_view([-1000.0, -1000.0, 0.0])
    assert not calm.overflows and calm.underflowed == (0, 1) and not calm.naive_is_nan


@given(
    head_d_out=st.integers(1, 4),
    num_heads=st.integers(1, 4),
    seed=st.integers(0, 999),
    d_in=st.integers(2, 6),
    n=st.integers(1, 7),
)
@settings(max_examples=25, deadline=None)
def test_wrapper_equals_one_mha_with_stacked_weights(
    head_d_out: int, num_heads: int, seed: int, d_in: int, n: int
) -> None:
    x = torch.rand(n, d_in, generator=torch.Generator().manual_seed(seed))
    view = wrapper_view(x, head_d_out, num_heads, seed)
    assert view.context_vec.shape == (n, num_heads * head_d_out)
    assert view.equal and view.max_difference < 1e-5
    stacked = view.stacked_query_weight.reshape(num_heads, head_d_out, d_in)  # (h*d, d_in) -> (h, d, d_in)
    assert np.array_equal(stacked, view.head_query_weights)


def test_matches_is_strict_to_the_fourth_decimal() -> None:
    printed = book.CAUSAL_ATTENTION.array
    assert book.matches(book.CAUSAL_ATTENTION, printed + 4e-5)
    assert not book.matches(book.CAUSAL_ATTENTION, printed + 2e-4)
    assert not book.matches(book.CAUSAL_ATTENTION, printed[:, :1])  # another shape: nothing to compare
    nan = printed.copy()
    nan[0, 0] = np.nan
    assert not book.matches(book.CAUSAL_ATTENTION, nan)
