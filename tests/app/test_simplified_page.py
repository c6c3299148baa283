"""The simplified self-attention page: the book's numbers, reacting to the sentence, links, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attention_core import simplified
from attention_core.embeddings import vectors_for
from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs, first_z

PAGE = "app_pages/simplified.py"


def _codes(at) -> list[str]:
    return [c.value for c in at.code]


def test_default_shows_book_numbers() -> None:
    at = open_app(PAGE)
    assert not at.exception
    codes = _codes(at)
    assert "[0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865]" in codes  # loop and matmul scores
    assert "[0.4419, 0.6515, 0.5683]" in codes  # context vector z2
    charts = chart_specs(at)
    weights = np.asarray(charts["weights_fig"]["data"][0]["y"])
    assert np.allclose(weights, [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581], atol=5e-5)
    assert np.allclose(
        first_z(charts["weights_matrix_fig"])[0], [0.2098, 0.2006, 0.1981, 0.1242, 0.1220, 0.1452], atol=5e-5
    )
    assert np.allclose(first_z(charts["context_fig"])[0], [0.4421, 0.5931, 0.5790], atol=5e-5)


def test_changing_sentence_changes_figures() -> None:
    at = open_app(PAGE)
    before = first_z(chart_specs(at)["weights_matrix_fig"])
    at.text_area(key="text").set_value("the cat sat on the mat").run()
    assert not at.exception
    spec = chart_specs(at)["weights_matrix_fig"]
    after = first_z(spec)
    assert spec["layout"]["yaxis"]["ticktext"] == ["the", "cat", "sat", "on", "the", "mat"]
    vectors = vectors_for(["the", "cat", "sat", "on", "the", "mat"], 3).vectors  # what the page shows
    expected = simplified.simplified_self_attention(vectors)[1]
    assert np.allclose(after, expected.numpy(), atol=1e-6)
    assert not np.allclose(before, after)


def test_query_selector_changes_weights_and_url() -> None:
    at = open_app(PAGE)
    at.selectbox(key="q").set_value("1 · Your").run()
    weights = np.asarray(chart_specs(at)["weights_fig"]["data"][0]["y"])
    assert np.allclose(weights, [0.2098, 0.2006, 0.1981, 0.1242, 0.1220, 0.1452], atol=5e-5)
    assert at.query_params["q"] == "1"


def test_link_restores_sentence_and_settings() -> None:
    at = open_app(PAGE, {"text": "attention is all you need", "q": "3", "dim": "5"})
    assert not at.exception
    assert at.text_area(key="text").value == "attention is all you need"
    assert at.selectbox(key="q").value == "3 · all"
    assert at.slider(key="dim").value == 5
    ticks = chart_specs(at)["weights_matrix_fig"]["layout"]["yaxis"]["ticktext"]
    assert ticks == ["attention", "is", "all", "you", "need"]
    vectors = vectors_for(["attention", "is", "all", "you", "need"], 5).vectors  # what the page shows
    expected = torch.softmax(vectors @ vectors[2], dim=0)
    assert np.allclose(
        np.asarray(chart_specs(at)["weights_fig"]["data"][0]["y"]), expected.numpy(), atol=1e-6
    )
    assert not notices(at)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": "99"}, "Query token"),
        ({"q": "abc"}, "Query token"),
        ({"dim": "-3"}, "Embedding dimension"),
        ({"dim": "1e9"}, "Embedding dimension"),
        ({"demo": "<script>"}, "Extreme scores"),
    ],
)
def test_tampered_url_values_fall_back_with_notice(params: dict[str, str], fragment: str) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert any(fragment in n and "falls back" in n for n in notices(at))
    assert "[0.4419, 0.6515, 0.5683]" in _codes(at)  # defaults in force, page fully drawn


@pytest.mark.parametrize(
    ("text", "fragment", "n_tokens"),
    [
        ("", "empty", 6),
        ("   \n ", "empty", 6),
        ("attention", "one token", 1),
        (" ".join(f"w{i}" for i in range(80)), "80 tokens", 64),
        ("x" * 10_000, "10,000 characters", 1),
        ("猫が 好き 😀 🚀", None, 4),
        ("<script>alert('x')</script> **bold** $x$", None, None),
    ],
)
def test_bad_input_keeps_page_alive_and_text(text: str, fragment: str | None, n_tokens: int | None) -> None:
    at = open_app(PAGE)
    at.text_area(key="text").set_value(text).run()
    assert not at.exception
    assert at.text_area(key="text").value == text  # nothing typed is lost
    if fragment:
        assert any(fragment in n for n in notices(at)), notices(at)
    ticks = chart_specs(at)["weights_matrix_fig"]["layout"]["yaxis"]["ticktext"]
    if n_tokens is not None:
        assert len(ticks) == n_tokens
    assert all("<" not in t for t in ticks)  # HTML escaped for Plotly


def test_user_markup_never_reaches_markdown_unescaped() -> None:
    at = open_app(PAGE)
    at.text_area(key="text").set_value("<b>bold</b> **star**").run()
    rendered = " ".join(m.value for m in at.markdown) + " ".join(m.value for m in at.subheader)
    assert "<b>" not in rendered
    assert "**star**" not in rendered


def test_query_keeps_position_and_fresh_label_when_sentence_changes() -> None:
    at = open_app(PAGE)
    at.selectbox(key="q").set_value("4 · with").run()
    at.text_area(key="text").set_value("the cat sat on the mat").run()
    assert at.selectbox(key="q").value == "4 · on"  # same position, the new sentence's label
    assert at.selectbox(key="q").options == ["1 · the", "2 · cat", "3 · sat", "4 · on", "5 · the", "6 · mat"]
    at.text_area(key="text").set_value("two words").run()
    assert at.selectbox(key="q").value == "2 · words"  # position gone: back to the default
    assert at.query_params.get("q") is None
