"""Find the heads that link A to B: word pieces, default tokens and the ranking against a brute-force loop."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core import pretrained as pt
from attention_core.views.transformer import default_link, link_view

LECTURE = "The cat that was sitting on the mat, which was next to the dog, jumped."
SMALL = "Your journey starts with one step"


def _brute_force(attentions: np.ndarray, a: int, b: int) -> list[tuple[float, int, int]]:
    """Every (weight, layer, head), strongest first, ties by lower layer then lower head: a plain loop."""
    rows = []
    for layer in range(attentions.shape[0]):
        for head in range(attentions.shape[1]):
            rows.append((float(attentions[layer, head, a, b]), layer, head))
    return sorted(rows, key=lambda r: (-r[0], r[1], r[2]))


def _random_attention(layers: int, heads: int, t: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = rng.random((layers, heads, t, t)).astype(np.float32)
    return w / w.sum(-1, keepdims=True)


# ---------------------------------------------------------------- word pieces (no model needed)


def test_wordpiece_words_join_hash_pieces_and_keep_specials_apart() -> None:
    tokens = ["[CLS]", "the", "un", "##bel", "##ievable", "cat", ",", "[SEP]"]
    words = pt.token_words(tokens, wordpiece=True)
    assert [(w.text, w.start, w.stop) for w in words] == [
        ("[CLS]", 0, 1),
        ("the", 1, 2),
        ("unbelievable", 2, 5),
        ("cat", 5, 6),
        (",", 6, 7),
        ("[SEP]", 7, 8),
    ]
    assert words[0].special and words[-1].special and words[2].pieces == 3


def test_bpe_words_start_with_a_space_marker() -> None:
    tokens = ["The", "Ġj", "umped", "ly", ",", "Ġcat", "'t", "Ġ", "3"]
    words = pt.token_words(tokens, wordpiece=False)
    assert [(w.text, w.start, w.stop) for w in words] == [
        ("The", 0, 1),
        ("jumpedly", 1, 4),
        (",", 4, 5),
        ("cat", 5, 6),
        ("'t", 6, 7),
        ("3", 7, 9),
    ]


@given(st.lists(st.sampled_from(["Ġa", "b", "##c", ",", "[CLS]", "Ġ", "d", "."]), min_size=1, max_size=12))
@settings(max_examples=40, deadline=None)
def test_words_cover_every_token_once(tokens: list[str]) -> None:
    for wordpiece in (True, False):
        words = pt.token_words(tokens, wordpiece)
        assert words[0].start == 0 and words[-1].stop == len(tokens)
        assert all(a.stop == b.start for a, b in itertools.pairwise(words))
        assert all(w.pieces >= 1 for w in words)


# ---------------------------------------------------------------- the ranking (synthetic attention)


@given(
    st.integers(1, 4),
    st.integers(1, 5),
    st.integers(1, 7),
    st.data(),
)
@settings(max_examples=40, deadline=None)
def test_ranking_matches_a_brute_force_loop(layers: int, heads: int, t: int, data: st.DataObject) -> None:
    a, b = data.draw(st.integers(0, t - 1)), data.draw(st.integers(0, t - 1))
    attentions = _random_attention(layers, heads, t, data.draw(st.integers(0, 999)))
    tokens = [f"Ġw{i}" for i in range(t)]
    view = link_view(attentions, tokens, a, b, wordpiece=False, causal=False)
    assert view.weights.shape == (layers, heads) and not view.weights.flags.writeable
    expected = _brute_force(attentions, a, b)
    assert [(h.layer, h.head) for h in view.ranking] == [(r[1], r[2]) for r in expected]
    np.testing.assert_allclose([h.weight for h in view.ranking], [r[0] for r in expected], rtol=0, atol=0)
    assert (view.best.layer, view.best.head) == expected[0][1:]
    assert view.uniform == pytest.approx(1 / t)


def test_ties_go_to_the_lower_layer_then_the_lower_head() -> None:
    attentions = np.full((3, 4, 2, 2), 0.5, dtype=np.float32)  # every head gives every pair 0.5
    attentions[2, 1, 1, 0], attentions[2, 1, 1, 1] = 0.9, 0.1
    attentions[0, 3, 1, 0], attentions[0, 3, 1, 1] = 0.9, 0.1
    view = link_view(attentions, ["Ġa", "Ġb"], 1, 0, wordpiece=False, causal=False)
    assert [(h.layer, h.head) for h in view.ranking[:3]] == [(0, 3), (2, 1), (0, 0)]


def test_a_decoder_cannot_link_to_a_later_token() -> None:
    attentions = _random_attention(2, 2, 4, 1)
    attentions = np.tril(attentions)
    attentions /= attentions.sum(-1, keepdims=True)
    view = link_view(attentions, ["a", "Ġb", "Ġc", "Ġd"], 1, 3, wordpiece=False, causal=True)
    assert not view.visible and float(view.weights.max()) == 0.0
    seen = link_view(attentions, ["a", "Ġb", "Ġc", "Ġd"], 3, 1, wordpiece=False, causal=True)
    assert seen.visible and seen.uniform == pytest.approx(1 / 4)


def test_bad_positions_are_refused() -> None:
    with pytest.raises(ValueError):
        link_view(_random_attention(1, 1, 3, 0), ["a", "b", "c"], 3, 0, wordpiece=False, causal=False)


def test_default_link_without_the_lecture_words() -> None:
    a, b = default_link(["[CLS]", "your", "journey", "starts", "[SEP]"], wordpiece=True)
    assert (a, b) == (3, 2)  # last word 'starts' -> first word that is not an article or pronoun
    a, b = default_link(
        ["The", "Ġj", "umped", "Ġcat"], wordpiece=False
    )  # 'cat' after 'jumped': no lecture pair
    assert (a, b) == (3, 1)
    assert default_link(["[CLS]", "[SEP]"], wordpiece=True) == (1, 0)


# ---------------------------------------------------------------- both real models


@pytest.fixture(scope="module", params=list(pt.MODELS))
def loaded(request: pytest.FixtureRequest) -> pt.LoadedModel:
    if pt.availability(request.param) is not None:
        pytest.skip(f"{request.param} is not installed")
    return pt.load_model(request.param)


@pytest.mark.slow
def test_lecture_sentence_defaults_to_jumped_and_cat(loaded: pt.LoadedModel) -> None:
    run = pt.run_attention(loaded, LECTURE)
    spec = loaded.spec
    a, b = default_link(run.tokens, wordpiece=spec.wordpiece)
    assert run.labels[a].strip("␣") == "jumped" and run.labels[b].strip("␣") == "cat"
    view = link_view(run.attentions, run.tokens, a, b, wordpiece=spec.wordpiece, causal=spec.causal)
    expected = _brute_force(run.attentions, a, b)
    assert [(h.layer, h.head) for h in view.ranking] == [(r[1], r[2]) for r in expected]
    assert view.best.weight > 2 * view.uniform  # some head really links the verb to its subject


@pytest.mark.slow
@given(st.data())
@settings(max_examples=15, deadline=None)
def test_every_token_pair_of_a_small_sentence(loaded: pt.LoadedModel, data: st.DataObject) -> None:
    run = _small_runs(loaded)
    t = len(run.tokens)
    a, b = data.draw(st.integers(0, t - 1)), data.draw(st.integers(0, t - 1))
    spec = loaded.spec
    view = link_view(run.attentions, run.tokens, a, b, wordpiece=spec.wordpiece, causal=spec.causal)
    np.testing.assert_array_equal(view.weights, run.attentions[:, :, a, b])
    assert view.best.weight == float(run.attentions[:, :, a, b].max())
    assert len(view.ranking) == run.shape[0] * run.shape[1]
    if spec.causal and b > a:
        assert not view.visible and view.best.weight == 0.0
    assert view.source_word.start <= a < view.source_word.stop


_RUNS: dict[str, pt.AttentionRun] = {}


def _small_runs(loaded: pt.LoadedModel) -> pt.AttentionRun:
    if loaded.spec.key not in _RUNS:
        _RUNS[loaded.spec.key] = pt.run_attention(loaded, SMALL)
    return _RUNS[loaded.spec.key]
