"""The Today's-LLMs pages in AppTest: defaults, controls by key, links, presentation steps, computed sentences."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs

GQA, SWA, POS, SINKS = (
    "app_pages/gqa.py",
    "app_pages/sliding_window.py",
    "app_pages/positions.py",
    "app_pages/sinks.py",
)
TEXT = "The cat sat on the mat because it was tired and wanted to sleep."
TIMEOUT = 300


def _panels(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t["type"] == "heatmap" and t.get("name") != "hidden"]


def _said(at) -> str:
    return " ".join(str(m.value) for m in at.markdown)


def test_gqa_default_groups_checks_and_calculator() -> None:
    at = open_app(GQA, timeout=TIMEOUT)
    assert not at.exception and not notices(at)
    charts = chart_specs(at)
    assert {"gqa_heads_fig", "gqa_tensors_fig", "gqa_cost_fig", "gqa_memory_fig"} <= set(charts)
    assert len(_panels(charts["gqa_heads_fig"])) == 4
    assert [str(o) for o in at.selectbox(key="gqa_groups").options] == [
        "1 · multi-query",
        "2 · grouped-query",
        "4 · multi-head",
    ]
    checks = at.dataframe[0].value
    assert list(checks["within 1e-5"]) == ["yes"] * 4
    assert any("same result" in s.value for s in at.success)
    said = _said(at)
    assert "query heads 1–2 read K/V group 1; query heads 3–4 read K/V group 2" in said
    assert "**4.29 GB**" in said and "17.18 GB" in said  # Llama-3-8B at the default 32,768 tokens
    table = at.dataframe[1].value
    assert table["model"].iloc[0] == "SmolLM2-135M" and table["K/V heads"].iloc[0] == "3"


def test_gqa_multi_query_from_a_link_and_a_tampered_one() -> None:
    at = open_app(GQA, {"gqa_groups": "1"}, timeout=TIMEOUT)
    assert not at.exception
    assert "Multi-query attention" in _said(at)
    k = _panels(chart_specs(at)["gqa_tensors_fig"])[1]
    assert np.asarray(k["z"]).shape == (6, 2)  # one K head of head_dim 2
    bad = open_app(GQA, {"gqa_groups": "3"}, timeout=TIMEOUT)
    assert any("Key/value heads" in n and "falls back" in n for n in notices(bad)), notices(bad)
    assert bad.selectbox(key="gqa_groups").value == 2


def test_gqa_calculator_follows_its_controls() -> None:
    at = open_app(GQA, timeout=TIMEOUT)
    at.select_slider(key="gqa_ctx").set_value(4096).run()
    at.slider(key="gqa_batch").set_value(2).run()
    assert not at.exception
    said = _said(at)
    assert "Llama-3-8B at 4,096 tokens: **1.07 GB**" in said  # 2 x 32 x 8 x 128 x 4096 x 2 sequences x 2 B
    assert at.query_params["gqa_ctx"] == "4096" and at.query_params["gqa_batch"] == "2"


def test_sliding_window_toy_and_smollm2() -> None:
    at = open_app(SWA, {"text": TEXT}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    toy = _panels(chart_specs(at)["swa_toy_fig"])[1]
    z = np.asarray(toy["z"], dtype=float)
    assert np.isfinite(z).sum(axis=1).max() == 3  # the default window of 3
    said = _said(at)
    assert re.search(r"draws on \*\*\d+ of \d+\*\* tokens — min\(T, L·\(W − 1\) \+ 1\)", said)
    assert "matches the model's own output" in said
    assert {"swa_llm_fig", "swa_next_full", "swa_next_window", "swa_sweep_fig"} <= set(chart_specs(at))
    at.slider(key="swa_window").set_value(1).run()
    z1 = np.asarray(_panels(chart_specs(at)["swa_toy_fig"])[1]["z"], dtype=float)
    assert np.allclose(z1[np.isfinite(z1)], 1.0)  # a window of 1: every token attends only to itself
    assert at.query_params["swa_window"] == "1"


def test_positions_shuffle_rope_and_smollm2_settings() -> None:
    at = open_app(POS, timeout=TIMEOUT)
    assert not at.exception
    said = _said(at)
    gap = float(re.search(r"the largest difference is \*\*([0-9.e+-]+)\*\*", said).group(1))
    assert gap < 1e-5
    assert "base **θ = 100,000**" in said and "**64 rotated dimensions**" in said
    assert any("equals transformers' own" in s.value for s in at.success)
    before = np.asarray(_panels(chart_specs(at)["pos_scheme_fig"])[1]["z"], dtype=float)
    at.radio(key="pos_scheme").set_value("rope").run()
    assert not at.exception and at.query_params["pos_scheme"] == "rope"
    after = np.asarray(_panels(chart_specs(at)["pos_scheme_fig"])[1]["z"], dtype=float)
    assert not np.allclose(before, after)  # the shuffled sentence's weights under RoPE differ
    assert "pos_table_fig" not in chart_specs(at)  # RoPE adds no table


def test_sinks_shares_experiment_and_typed_text() -> None:
    from attention_core.variants import sinks as sk

    at = open_app(SINKS, {"text": TEXT}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    charts = chart_specs(at)
    assert {"sink_smol_heads", "sink_cls_heads", "sink_sep_heads", "sink_loss_fig", "sink_typed_fig"} <= set(
        charts
    )
    assert np.asarray(_panels(charts["sink_smol_heads"])[0]["z"]).shape == (30, 9)
    exp = sk.load_experiment()
    said = _said(at)
    assert f"a jump of **{exp.loss_jump:.2f}** nats" in said
    assert (
        f"**{exp.run(exp.window, 0).mean_after_window:.2f}** nats when the first tokens are dropped" in said
    )
    at.slider(key="sink_window").set_value(4).run()
    assert not at.exception and "with a cache of 4" in _said(at)


def test_sinks_smallest_cache_still_has_a_choice_of_kept_tokens() -> None:
    """The cache slider's lowest value leaves the kept-tokens slider a real range (a 1..1 slider raises)."""
    at = open_app(SINKS, {"text": TEXT}, timeout=TIMEOUT)
    lowest = int(at.slider(key="sink_window").min)
    at = open_app(SINKS, {"text": TEXT, "sink_window": str(lowest), "sink_keep": "1"}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    keep = at.slider(key="sink_keep")
    assert at.slider(key="sink_window").value == lowest and keep.min < keep.max


STEP_CHARTS = {
    GQA: ["gqa_heads_fig", "gqa_tensors_fig", None, "gqa_memory_fig"],
    SWA: ["swa_toy_fig", "swa_field_fig", "swa_llm_fig", "swa_sweep_fig"],
    POS: [
        "pos_none_fig",
        "pos_scheme_fig",
        "pos_sinusoid_fig",
        "pos_rotation_fig",
        "pos_grid_fig",
        "pos_wave_fig",
    ],
    SINKS: ["sink_smol_heads", "sink_cls_heads", "sink_loss_fig", "sink_typed_fig"],
}


@pytest.mark.parametrize(
    ("path", "step"), [(p, i + 1) for p, keys in STEP_CHARTS.items() for i in range(len(keys))]
)
def test_presentation_shows_one_step_and_its_chart(path: str, step: int) -> None:
    at = open_app(path, {"present": "1", "step": str(step), "text": TEXT}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert not notices(at)
    shown = set(chart_specs(at))
    want = STEP_CHARTS[path][step - 1]
    if want is not None:
        assert want in shown
    others = {k for i, k in enumerate(STEP_CHARTS[path]) if k and i != step - 1}
    assert not shown & others, shown & others
    headers = [h.value for h in at.subheader]
    assert any(h.startswith(f"Step {step} ·") for h in headers) and len(headers) == 1
