"""The causal-attention page: the book's masked weights, mask and dropout toggles, links and bad values."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core import builders, stepwise
from attention_core.embeddings import BOOK_INPUTS, vectors_for
from tests.app.conftest import keyed_text, notices, open_app
from tests.support.plotly import chart_specs

PAGE = "app_pages/causal.py"


def _values(spec: dict, i: int) -> np.ndarray:
    """The i-th value panel of a heatmap grid (grey overlays, named 'hidden', are skipped)."""
    traces = [t for t in spec["data"] if t["type"] == "heatmap" and t.get("name") != "hidden"]
    return np.asarray(traces[i]["z"], dtype=float)


def test_default_reproduces_the_book_masking() -> None:
    at = open_app(PAGE)
    assert not at.exception
    charts = chart_specs(at)
    unmasked, causal = _values(charts["ca_weights_fig"], 0), _values(charts["ca_weights_fig"], 1)
    assert np.allclose(unmasked[0], [0.1921, 0.1646, 0.1652, 0.1550, 0.1721, 0.1510], atol=5e-5)
    assert np.allclose(causal[1, :2], [0.5517, 0.4483], atol=5e-5)
    assert np.allclose(causal[4, :5], [0.2175, 0.1983, 0.1984, 0.1888, 0.1971], atol=5e-5)
    upper = np.triu(np.ones((6, 6), dtype=bool), 1)
    assert np.isnan(causal[upper]).all()  # hidden cells carry no value
    method1, method2 = _values(charts["ca_method1_fig"], 1), _values(charts["ca_method2_fig"], 1)
    assert np.allclose(method1[~upper], method2[~upper], atol=1e-6)
    assert "Both methods give the same weights" in keyed_text(at, "ca_methods_check")
    assert "CausalAttention" in keyed_text(at, "ca_module_check")
    assert "masked attention weights printout (section 3.5.1)" in keyed_text(at, "ca_book_note")
    assert keyed_text(at, "ca_book_ctx_note") == ""  # seed 789's context vectors are not CausalAttention's
    assert "ca_dropout_fig" not in charts  # dropout off by default
    # the first token's context vector is its own value vector
    W_value = builders.weight_matrices(builders.build_self_attention("linear", 3, 2, 789))[2]
    assert np.allclose(_values(charts["ca_context_fig"], 0)[0], (BOOK_INPUTS[0] @ W_value).numpy(), atol=1e-6)
    assert not notices(at)


@pytest.mark.parametrize(
    ("params", "masked", "dropped"),
    [
        ({"ca_drop": "1"}, True, True),  # the book's dropout: p = 0.5 after seed 123
        ({"ca_build": "rand"}, False, False),  # torch.rand with its book seed 123 is section 3.4, not 3.5
        ({"ca_mask": "0"}, False, False),
        ({"ca_drop": "1", "ca_rate": "0.2"}, True, False),  # the weights before dropout are still the book's
        ({"ca_drop": "1", "ca_dseed": "7"}, True, False),
        ({"ca_seed": "5"}, False, False),
    ],
)
def test_book_claims_only_for_the_books_numbers(params: dict[str, str], masked: bool, dropped: bool) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert ("(section 3.5.1)" in keyed_text(at, "ca_book_note")) is masked
    assert ("(section 3.5.2)" in keyed_text(at, "ca_book_drop_note")) is dropped


def test_weights_are_shared_with_the_trainable_page() -> None:
    seed = "613"  # a setting no other test builds
    trainable = open_app("app_pages/trainable.py", {"tw_build": "linear", "tw_lseed": seed})
    assert not trainable.exception
    misses = builders._seeded_weights.cache_info().misses
    at = open_app(PAGE, {"ca_seed": seed})
    assert not at.exception
    assert builders._seeded_weights.cache_info().misses == misses  # the trainable page's weights, not rebuilt
    weights = builders.weight_matrices(
        builders.build_self_attention("linear", 3, 2, int(seed))
    )  # built afresh
    unmasked = _values(chart_specs(at)["ca_weights_fig"], 0)
    assert np.allclose(
        unmasked, stepwise.attention_steps(BOOK_INPUTS, *weights).attn_weights.numpy(), atol=1e-4
    )


def test_mask_toggle_changes_weights_and_visibility() -> None:
    at = open_app(PAGE)
    before = _values(chart_specs(at)["ca_weights_fig"], 1)
    at.toggle(key="ca_mask").set_value(False).run()
    assert not at.exception
    charts = chart_specs(at)
    after = _values(charts["ca_weights_fig"], 1)
    assert not np.isnan(after).any()
    assert np.allclose(after, _values(charts["ca_weights_fig"], 0))  # no mask: same as unmasked
    assert not np.allclose(np.nan_to_num(before), after)
    see = _values(charts["ca_see_fig"], 0)
    assert (see[np.triu(np.ones((6, 6), dtype=bool), 1)] == 1).all()  # everything visible now
    assert "ca_method1_fig" not in charts and "ca_method2_fig" not in charts
    assert at.query_params["ca_mask"] == "0"


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_dropout_scales_kept_weights_and_keeps_mask(rate: float) -> None:
    at = open_app(PAGE)
    at.toggle(key="ca_drop").set_value(True).run()
    at.slider(key="ca_rate").set_value(rate).run()
    assert not at.exception
    spec = chart_specs(at)["ca_dropout_fig"]
    before, after = _values(spec, 0), _values(spec, 1)
    upper = np.triu(np.ones((6, 6), dtype=bool), 1)
    assert np.isnan(after[upper]).all()  # the future stays hidden
    kept = ~np.isnan(after)
    assert kept.any()
    assert np.allclose(after[kept], before[kept] / (1 - rate), atol=1e-6)
    overlay = [t for t in spec["data"] if t.get("name") == "hidden"][-1]
    texts = np.asarray(overlay["text"], dtype=object)
    assert (texts[upper] == "0").all()
    assert ((texts == "drop") == (~kept & ~upper)).all()  # dropped cells are labelled as such
    assert at.query_params["ca_drop"] == "1"
    assert at.query_params.get("ca_rate") == (None if rate == 0.5 else f"{rate:g}")  # the default stays out


def test_dropout_seed_changes_pattern() -> None:
    at = open_app(PAGE, {"ca_drop": "1", "ca_rate": "0.5"})
    first = _values(chart_specs(at)["ca_dropout_fig"], 1)
    patterns = {tuple(np.isnan(first).ravel())}
    for seed in (1, 2, 3):
        at.slider(key="ca_dseed").set_value(seed).run()
        patterns.add(tuple(np.isnan(_values(chart_specs(at)["ca_dropout_fig"], 1)).ravel()))
    assert len(patterns) > 1


def test_link_restores_settings() -> None:
    params = {"text": "the cat sat on the mat", "ca_build": "rand", "ca_rseed": "42", "ca_dout": "3"}
    at = open_app(PAGE, params)
    assert not at.exception and not notices(at)
    assert at.radio(key="ca_build").value == "rand" and at.slider(key="ca_rseed").value == 42
    tokens = ["the", "cat", "sat", "on", "the", "mat"]
    module = builders.build_self_attention("rand", 3, 3, seed=42)
    steps = stepwise.attention_steps(
        vectors_for(tokens, 3).vectors, *builders.weight_matrices(module), causal=True
    )
    spec = chart_specs(at)["ca_context_fig"]
    assert spec["layout"]["yaxis"]["ticktext"] == tokens
    assert np.allclose(_values(spec, 0), steps.context_vec.numpy(), atol=1e-6)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"ca_rate": "1.5"}, "Dropout rate"),
        ({"ca_rate": "nan"}, "Dropout rate"),
        ({"ca_dseed": "x"}, "Dropout seed"),
        ({"ca_mask": "maybe"}, "Causal mask"),
        ({"ca_dout": "0"}, "Output size"),
        ({"ca_build": "gpt"}, "How the weights are made"),
    ],
)
def test_tampered_url_values_fall_back_with_notice(params: dict[str, str], fragment: str) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert any(fragment in n and "falls back" in n for n in notices(at)), notices(at)
    assert np.allclose(_values(chart_specs(at)["ca_weights_fig"], 1)[1, :2], [0.5517, 0.4483], atol=5e-5)


@pytest.mark.parametrize("text", ["", "attention", "<img src=x> **b**", " ".join(f"w{i}" for i in range(80))])
def test_bad_input_keeps_page_alive(text: str) -> None:
    at = open_app(PAGE, {"ca_drop": "1"})
    at.text_area(key="text").set_value(text).run()
    assert not at.exception
    ticks = chart_specs(at)["ca_weights_fig"]["layout"]["yaxis"]["ticktext"]
    assert 1 <= len(ticks) <= 64 and all("<" not in t for t in ticks)
    assert "<img" not in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("step", range(1, 6))
@pytest.mark.parametrize("extra", [{}, {"ca_drop": "1"}])
def test_presentation_mode_steps_run_alone(step: int, extra: dict[str, str]) -> None:
    at = open_app(PAGE, {"present": "1", "step": str(step), **extra})
    assert not at.exception
    headers = [h.value for h in at.subheader if h.value.startswith("Step ")]
    assert len(headers) == 1 and headers[0].startswith(f"Step {step} ·")
    if step == 4 and not extra:  # the dropout step says how to switch it on
        assert "Dropout is off" in keyed_text(at, "ca_dropout_off")
    else:
        assert chart_specs(at)  # every other step draws a figure
