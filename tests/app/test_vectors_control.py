"""The shared "Vectors: book / model" control (ui/vectors.py) on the simplified page."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core import embeddings as emb
from attention_core import simplified
from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS, model_vectors
from tests.app.conftest import keyed_text, notices, open_app
from tests.support.plotly import chart_specs, first_z

PAGE = "app_pages/simplified.py"


def _weights(at) -> np.ndarray:
    return first_z(chart_specs(at)["weights_matrix_fig"])


def test_default_sentence_keeps_book_vectors_and_toggle_switches_to_model() -> None:
    at = open_app(PAGE)
    assert at.radio(key="vec").value == "book"
    book = simplified.simplified_self_attention(BOOK_INPUTS)[1].numpy()
    np.testing.assert_allclose(_weights(at), book, atol=1e-6)
    at.radio(key="vec").set_value("model").run()
    assert not at.exception
    expected = simplified.simplified_self_attention(model_vectors(list(BOOK_TOKENS), 3))[1].numpy()
    np.testing.assert_allclose(_weights(at), expected, atol=1e-6)
    assert not np.allclose(_weights(at), book)
    assert at.query_params["vec"] in ("model", ["model"])
    assert any("all-MiniLM-L6-v2" in m.value for m in at.markdown)


def test_typed_sentence_gets_model_vectors() -> None:
    at = open_app(PAGE, {"text": "the cat chased the dog"})
    tokens = ["the", "cat", "chased", "the", "dog"]
    expected = simplified.simplified_self_attention(model_vectors(tokens, 3))[1].numpy()
    np.testing.assert_allclose(_weights(at), expected, atol=1e-6)


def test_link_with_model_vectors_and_dimension() -> None:
    at = open_app(PAGE, {"vec": "model", "dim": "6"})
    assert at.radio(key="vec_used").value == "model" and not at.exception
    assert at.query_params["vec"] in ("model", ["model"])  # the link's choice stays in the link
    expected = simplified.simplified_self_attention(model_vectors(list(BOOK_TOKENS), 6))[1].numpy()
    np.testing.assert_allclose(_weights(at), expected, atol=1e-6)


def test_tampered_vectors_link_falls_back_with_notice() -> None:
    at = open_app(PAGE, {"vec": "glove"})
    assert at.radio(key="vec").value == "book"
    assert any("Word vectors" in n and "glove" in n for n in notices(at))


def test_missing_model_package_falls_back_to_hashed_with_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise emb.ModelVectorsUnavailableError("the MiniLM package is not installed")

    monkeypatch.setattr(emb, "_model_vectors", missing)
    at = open_app(PAGE, {"text": "the cat chased the dog"})
    assert not at.exception
    assert any("hashed" in n for n in notices(at))
    tokens = ["the", "cat", "chased", "the", "dog"]
    expected = simplified.simplified_self_attention(emb.embed_tokens(tokens, 3, source="hashed"))[1].numpy()
    np.testing.assert_allclose(_weights(at), expected, atol=1e-6)


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"text": "the cat chased the dog"}, "not the book's sentence"),
        ({"dim": "6"}, "the dimension is 6, not 3"),
        ({"text": "the cat chased the dog", "dim": "5"}, "not the book's sentence and the dimension is 5"),
    ],
)
def test_control_shows_the_vectors_actually_used(params: dict[str, str], why: str) -> None:
    """Off the book's case the Book choice cannot be honoured: the control shows Model, disabled, and says why."""
    at = open_app(PAGE, params)
    assert not at.exception
    assert "vec" not in {r.key for r in at.radio}  # no radio left saying "Book" while model vectors are used
    used = at.radio(key="vec_used")
    assert used.value == "model" and used.disabled
    caption = keyed_text(at, "vec_why")
    assert why in caption and "model" in caption


def test_book_case_has_no_explanation_and_the_choice_comes_back() -> None:
    at = open_app(PAGE)
    assert keyed_text(at, "vec_why") == "" and "vec_used" not in {r.key for r in at.radio}
    at.slider(key="dim").set_value(4).run()
    assert at.radio(key="vec_used").value == "model"
    at.slider(key="dim").set_value(3).run()
    assert at.radio(key="vec").value == "book"  # the reader's choice was kept while it could not be used
    book = simplified.simplified_self_attention(BOOK_INPUTS)[1].numpy()
    np.testing.assert_allclose(_weights(at), book, atol=1e-6)
