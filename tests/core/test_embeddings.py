"""Sentences become vectors: the book's vectors for its words, fixed vectors for every other word."""

from __future__ import annotations

import pytest
import torch

from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS, embed_tokens, is_book_sentence


def test_default_sentence_uses_book_vectors() -> None:
    assert torch.equal(embed_tokens(list(BOOK_TOKENS)), BOOK_INPUTS)
    assert is_book_sentence(["your", "JOURNEY", "starts", "with", "one", "step"])


def test_same_word_same_vector_in_any_sentence() -> None:
    a = embed_tokens(["the", "cat", "sat"])
    b = embed_tokens(["a", "big", "cat", "and", "the", "dog"])
    assert torch.equal(a[1], b[2])
    assert torch.equal(a[0], b[4])
    assert not torch.equal(a[1], a[2])


def test_book_words_keep_book_vectors_elsewhere() -> None:
    assert torch.equal(embed_tokens(["a", "journey"])[1], BOOK_INPUTS[1])


@pytest.mark.parametrize("dim", [2, 3, 8, 16])
def test_dimension_selectable(dim: int) -> None:
    vectors = embed_tokens(["one", "two", "three"], dim)
    assert vectors.shape == (3, dim)
    assert ((vectors >= 0) & (vectors < 1)).all()


@pytest.mark.parametrize("dim", [0, 1, 17])
def test_bad_dimension_rejected(dim: int) -> None:
    with pytest.raises(ValueError):
        embed_tokens(["x"], dim)
