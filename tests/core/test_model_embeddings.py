"""Real word vectors for the self-attention pages: MiniLM's embedding table, projected by the shipped PCA asset."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from attention_core import embeddings as emb
from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS, embed_tokens, model_vectors, vectors_for

RELATED = [("cat", "dog"), ("king", "queen"), ("red", "blue"), ("monday", "tuesday"), ("car", "truck")]
UNRELATED = [
    ("cat", "economy"),
    ("king", "banana"),
    ("red", "election"),
    ("monday", "chemical"),
    ("car", "poem"),
]


def test_model_vectors_shape_range_and_two_decimals() -> None:
    vectors = embed_tokens(["the", "cat", "sat", "on", "the", "mat", "!"], 3, source="model")
    assert vectors.shape == (7, 3) and vectors.dtype == torch.float32
    assert ((vectors >= 0) & (vectors <= 1)).all()
    assert torch.allclose(vectors * 100, (vectors * 100).round(), atol=1e-4)
    assert torch.equal(vectors[0], vectors[4])  # the same word, the same vector
    assert len({tuple(v.tolist()) for v in vectors}) == 6


def test_same_word_same_place_in_every_sentence_and_case() -> None:
    a = model_vectors(["The", "cat", "sat"], 3)
    b = model_vectors(["a", "CAT", "ran", "after", "the", "dog"], 3)
    assert torch.equal(a[1], b[1]) and torch.equal(a[0], b[4])


def test_smaller_dimensions_are_the_leading_components() -> None:
    words = ["journey", "starts", "with", "one", "step"]
    full = model_vectors(words, 16)
    for dim in (2, 3, 8):
        assert torch.equal(model_vectors(words, dim), full[:, :dim])


@pytest.mark.parametrize("dim", [3, 8])
def test_related_words_land_nearer_than_unrelated(dim: int) -> None:
    def dist(a: str, b: str) -> float:
        v = model_vectors([a, b], dim)
        return float((v[0] - v[1]).norm())

    closer = [dist(*r) < dist(*u) for r, u in zip(RELATED, UNRELATED, strict=True)]
    assert sum(closer) >= 4, closer


def test_word_pieces_are_averaged_then_projected() -> None:
    pieces = emb.word_pieces("tokenization")
    assert pieces == ["token", "##ization"]
    table = emb.minilm_embedding_table()  # (vocab, 384)
    proj = load_file(str(emb.PROJECTION_PATH))
    vocab = (emb.minilm_folder() / "vocab.txt").read_text().splitlines()
    mean = table[[vocab.index(p) for p in pieces]].mean(axis=0)  # (384,)
    by_hand = np.clip(
        ((mean - proj["mean"]) @ proj["components"].T - proj["lo"]) / (proj["hi"] - proj["lo"]), 0, 1
    )
    np.testing.assert_allclose(model_vectors(["tokenization"], 16)[0].numpy(), by_hand, atol=0.005 + 1e-6)


def test_shipped_projection_is_what_the_script_fits() -> None:
    from scripts import fit_projection

    vocab = (emb.minilm_folder() / "vocab.txt").read_text().splitlines()
    ids = fit_projection.reference_ids(vocab)
    assert len(ids) == 5000 and vocab[ids[0]] == "the" and all("#" not in vocab[i] for i in ids)
    fitted = fit_projection.fit(emb.minilm_embedding_table(), ids)
    shipped = load_file(str(emb.PROJECTION_PATH))
    assert emb.PROJECTION_PATH.stat().st_size < 64_000
    for name, value in fitted.items():
        np.testing.assert_allclose(shipped[name], value, atol=1e-4, err_msg=name)
    # the reference words themselves spread over [0, 1] on every component
    projected = (emb.minilm_embedding_table()[ids] - shipped["mean"]) @ shipped["components"].T
    scaled = (projected - shipped["lo"]) / (shipped["hi"] - shipped["lo"])
    assert ((scaled >= 0) & (scaled <= 1)).mean() > 0.97


def test_hashed_and_book_sources() -> None:
    assert torch.equal(embed_tokens(["cat"], 4, source="hashed")[0], emb.hashed_vector("cat", 4))
    assert torch.equal(embed_tokens(list(BOOK_TOKENS), 3, source="book"), BOOK_INPUTS)
    assert not torch.equal(embed_tokens(list(BOOK_TOKENS), 3, source="hashed"), BOOK_INPUTS)
    with pytest.raises(ValueError):
        embed_tokens(["x"], 3, source="glove")
    with pytest.raises(ValueError):
        model_vectors(["x"], 17)
    assert model_vectors([], 3).shape == (0, 3)


def test_vectors_for_resolves_book_and_model() -> None:
    book = vectors_for(list(BOOK_TOKENS), 3, "book")
    assert book.source == "book" and torch.equal(book.vectors, BOOK_INPUTS) and book.notice is None
    model = vectors_for(list(BOOK_TOKENS), 3, "model")
    assert model.source == "model" and not torch.equal(model.vectors, BOOK_INPUTS)
    typed = vectors_for(["the", "cat"], 3, "book")  # the book has no vectors for other sentences
    assert typed.source == "model" and "book has vectors only" in typed.explanation
    assert vectors_for(list(BOOK_TOKENS), 5, "book").source == "model"
    with pytest.raises(ValueError):
        vectors_for(["x"], 3, "glove")


def test_missing_model_falls_back_to_hashed_with_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise emb.ModelVectorsUnavailableError("the MiniLM package is not installed")

    monkeypatch.setattr(emb, "_model_vectors", missing)
    assert "not installed" in (emb.model_vectors_problem() or "")
    assert torch.equal(embed_tokens(["cat"], 3, source="model")[0], emb.hashed_vector("cat", 3))
    choice = vectors_for(["the", "cat"], 3, "model")
    assert choice.source == "hashed" and "not installed" in (choice.notice or "")
    assert vectors_for(list(BOOK_TOKENS), 3, "book").source == "book"  # the book needs no model


def test_word_vector_cache_is_bounded_and_shared_across_case() -> None:
    cache = emb._lower_word_vector
    assert cache.cache_info().maxsize == emb.MODEL_VECTOR_CACHE == 50_000  # bounded, not a growing dict
    cache.cache_clear()
    words = [f"word{i}" for i in range(300)]
    first = model_vectors(words, 16)
    assert cache.cache_info().currsize == 300
    again = model_vectors([w.upper() for w in words], 16)  # the same words in capitals: no new entries
    assert cache.cache_info().currsize == 300 and torch.equal(first, again)
    with pytest.raises(ValueError):
        emb._model_vector("cat")[0] = 1.0  # a cached vector cannot be changed by a caller
    for i in range(emb.MODEL_VECTOR_CACHE + 10):  # more distinct words than the cache keeps (~1.5 s)
        emb._model_vector(f"w{i}")
    assert cache.cache_info().currsize == emb.MODEL_VECTOR_CACHE
    misses = cache.cache_info().misses
    emb._model_vector("w0")  # the least recently used word has left
    assert cache.cache_info().misses == misses + 1
    cache.cache_clear()
