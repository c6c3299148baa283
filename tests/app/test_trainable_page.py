"""The trainable-weights page: the book's numbers by default, every control changes the figures and the URL."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attention_core import builders, stepwise
from attention_core.embeddings import vectors_for
from attention_core.views import trainable as trainable_view_module
from tests.app.conftest import keyed_text, notices, open_app
from tests.support.plotly import chart_specs, first_z

PAGE = "app_pages/trainable.py"
BOOK_V2 = [
    [-0.0739, 0.0713],
    [-0.0748, 0.0703],
    [-0.0749, 0.0702],
    [-0.0760, 0.0685],
    [-0.0763, 0.0679],
    [-0.0754, 0.0693],
]


def _codes(at) -> list[str]:
    return [c.value for c in at.code]


def _z(spec: dict, i: int = 0) -> np.ndarray:
    return np.asarray([t for t in spec["data"] if t["type"] == "heatmap"][i]["z"], dtype=float)


def test_default_reproduces_the_book_reference_table() -> None:
    at = open_app(PAGE)
    assert not at.exception
    codes = _codes(at)
    assert "[0.4306, 1.4551]" in codes  # query_2
    assert "[1.2705, 1.8524, 1.8111, 1.0795, 0.5577, 1.5440]" in codes  # scores_2
    assert "[0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820]" in codes  # weights_2
    assert "[0.3061, 0.8210]" in codes  # context_2
    assert any("torch.manual_seed(123)" in c and "torch.rand(3, 2)" in c for c in codes)
    charts = chart_specs(at)
    assert np.allclose(_z(charts["tw_qkv_fig"], 0)[1], [0.4306, 1.4551], atol=5e-5)
    assert np.allclose(
        first_z(charts["tw_attn_weights_fig"])[1], [0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820], atol=5e-5
    )
    assert np.allclose(first_z(charts["tw_context_fig"])[1], [0.3061, 0.8210], atol=5e-5)
    assert "SelfAttention_v1 printout (listing 3.1)" in keyed_text(at, "tw_book_note")
    assert {"tw_weights_fig", "tw_scores_fig", "tw_saturation_fig"} <= set(charts)
    assert not notices(at)


def test_steps_are_computed_once_per_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = stepwise.attention_steps
    monkeypatch.setattr(
        trainable_view_module,
        "attention_steps",
        lambda *a, **k: calls.append(k.get("scale")) or real(*a, **k),
    )
    at = open_app(PAGE, {"tw_seed": "417"})  # a setting no other test caches
    assert not at.exception
    assert sorted(calls) == [False, True]  # both scalings, once, inside the cached step figures
    assert "with scaling and" in keyed_text(at, "tw_saturation_note")
    at.selectbox(key="tw_q").set_value(at.selectbox(key="tw_q").options[3]).run()  # a rerun, same setting
    assert not at.exception and len(calls) == 2


def test_scaling_toggle_changes_weights_and_url() -> None:
    at = open_app(PAGE)
    before = first_z(chart_specs(at)["tw_attn_weights_fig"])
    at.toggle(key="tw_scale").set_value(False).run()
    assert not at.exception
    charts = chart_specs(at)
    after = first_z(charts["tw_attn_weights_fig"])
    raw_scores = _z(charts["tw_scores_fig"], 0)
    assert np.allclose(after, torch.softmax(torch.tensor(raw_scores), dim=-1).numpy(), atol=1e-6)
    assert np.allclose(_z(charts["tw_scores_fig"], 1), raw_scores)  # "scaled" panel = raw scores now
    assert not np.allclose(before, after, atol=1e-3)
    assert at.query_params["tw_scale"] == "0"
    assert keyed_text(at, "tw_book_note") == ""


def test_switch_to_linear_construction_gives_book_v2() -> None:
    at = open_app(PAGE)
    at.radio(key="tw_build").set_value("linear").run()
    assert not at.exception
    assert at.slider(key="tw_lseed").value == 789
    assert np.allclose(first_z(chart_specs(at)["tw_context_fig"]), BOOK_V2, atol=5e-5)
    assert at.query_params["tw_build"] == "linear"
    assert "tw_lseed" not in at.query_params  # the book's seed is the default: kept out of the link
    assert any("torch.nn.Linear(3, 2, bias=False)" in c for c in _codes(at))


def test_seed_and_sizes_change_weights() -> None:
    at = open_app(PAGE)
    at.slider(key="tw_seed").set_value(7).run()
    at.slider(key="tw_dout").set_value(4).run()
    assert not at.exception
    charts = chart_specs(at)
    W_query, W_key, W_value = builders.weight_matrices(builders.build_self_attention("rand", 3, 4, seed=7))
    assert np.allclose(_z(charts["tw_weights_fig"], 0), W_query.numpy(), atol=1e-6)
    assert np.allclose(_z(charts["tw_weights_fig"], 1), W_key.numpy(), atol=1e-6)
    assert np.allclose(_z(charts["tw_weights_fig"], 2), W_value.numpy(), atol=1e-6)
    assert first_z(charts["tw_context_fig"]).shape == (6, 4)
    assert at.query_params["tw_seed"] == "7" and at.query_params["tw_dout"] == "4"


def test_link_restores_settings_and_sentence() -> None:
    params = {
        "text": "the cat sat on the mat",
        "tw_build": "linear",
        "tw_lseed": "5",
        "tw_din": "4",
        "tw_dout": "3",
        "tw_q": "6",
    }
    at = open_app(PAGE, params)
    assert not at.exception and not notices(at)
    assert at.radio(key="tw_build").value == "linear"
    assert at.slider(key="tw_lseed").value == 5
    assert at.selectbox(key="tw_q").value == "6 · mat"
    tokens = ["the", "cat", "sat", "on", "the", "mat"]
    module = builders.build_self_attention("linear", 4, 3, seed=5)
    context_vec, _ = module(vectors_for(tokens, 4).vectors)
    spec = chart_specs(at)["tw_context_fig"]
    assert spec["layout"]["yaxis"]["ticktext"] == tokens
    assert np.allclose(first_z(spec), context_vec.detach().numpy(), atol=1e-6)
    assert "[" + ", ".join(f"{v:.4f}" for v in context_vec[5].tolist()) + "]" in _codes(at)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"tw_dout": "99"}, "Output size"),
        ({"tw_dout": "two"}, "Output size"),
        ({"tw_seed": "-1"}, "Random seed"),
        ({"tw_build": "<script>"}, "How the weights are made"),
        ({"tw_scale": "maybe"}, "Scale by"),
        ({"tw_q": "0"}, "Query token"),
    ],
)
def test_tampered_url_values_fall_back_with_notice(params: dict[str, str], fragment: str) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert any(fragment in n and "falls back" in n for n in notices(at)), notices(at)
    assert "[0.3061, 0.8210]" in _codes(at)  # defaults in force, page fully drawn


@pytest.mark.parametrize(
    "text", ["", "attention", "<b>x</b> **y** $z$", " ".join(f"w{i}" for i in range(80))]
)
def test_bad_input_keeps_page_alive(text: str) -> None:
    at = open_app(PAGE)
    at.text_area(key="text").set_value(text).run()
    assert not at.exception
    ticks = chart_specs(at)["tw_attn_weights_fig"]["layout"]["yaxis"]["ticktext"]
    assert 1 <= len(ticks) <= 64 and all("<" not in t for t in ticks)
    rendered = " ".join(m.value for m in at.markdown)
    assert "<b>" not in rendered


@pytest.mark.parametrize("step", range(1, 8))
def test_presentation_mode_shows_one_step_at_a_time(step: int) -> None:
    at = open_app(PAGE, {"present": "1", "step": str(step)})
    assert not at.exception
    headers = [h.value for h in at.subheader if h.value.startswith("Step ")]
    assert headers == [f"Step {step} · {trainable_steps()[step - 1]}"]


def trainable_steps() -> tuple[str, ...]:
    """The page's step titles, read from its source (pages are scripts, not importable modules)."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[2] / PAGE).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "STEPS":
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("STEPS not found")
