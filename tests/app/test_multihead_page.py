"""The multi-head page: the book's output, heads on/off, causal toggle, divisors only, PyTorch parity table."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from streamlit.testing.v1.element_tree import Dataframe

from attention_core import builders, references
from attention_core.embeddings import BOOK_INPUTS, vectors_for
from attention_core.figures.palette import OFF_SCALE
from tests.app.conftest import keyed_text, notices, open_app
from tests.support.plotly import chart_specs

PAGE = "app_pages/multihead.py"
BOOK_MHA = [
    [0.3190, 0.4858],
    [0.2943, 0.3897],
    [0.2856, 0.3593],
    [0.2693, 0.3873],
    [0.2639, 0.3928],
    [0.2575, 0.4028],
]


def _panels(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t["type"] == "heatmap" and t.get("name") != "hidden"]


def _z(spec: dict, i: int) -> np.ndarray:
    return np.asarray(_panels(spec)[i]["z"], dtype=float)


def _parity(at) -> dict[str, list]:
    (frame,) = [node.value for node in at.get_by_key("mh_parity_table") if isinstance(node, Dataframe)]
    return frame.to_dict(orient="list")


def test_default_reproduces_the_book_and_passes_parity() -> None:
    at = open_app(PAGE)
    assert not at.exception
    charts = chart_specs(at)
    assert np.allclose(_z(charts["mh_effect_fig"], 0), BOOK_MHA, atol=5e-5)
    codes = [c.value for c in at.code]
    assert sum("[0.3190, 0.4858]" in c for c in codes) == 2  # the book's print and the page's own
    heads = charts["mh_heads_fig"]
    assert len(_panels(heads)) == 2
    upper = np.triu(np.ones((6, 6), dtype=bool), 1)
    assert np.isnan(_z(heads, 0)[upper]).all()  # causal by default
    mha = builders.build_multihead(3, 2, 6, 2, 123)
    assert np.allclose(_z(heads, 1)[~upper], mha(BOOK_INPUTS)[1][1].detach().numpy()[~upper], atol=1e-6)
    parity = _parity(at)
    assert parity["within 1e-5"] == ["yes", "yes"]
    assert all(d < 1e-5 for d in parity["largest difference"])
    assert "same result" in keyed_text(at, "mh_parity_result")
    assert len(_panels(charts["mh_pipeline_fig"])) == 2 + 3
    assert [str(o) for o in at.selectbox(key="mh_heads").options] == ["1", "2"]
    assert not notices(at)


@pytest.mark.parametrize(
    ("d_out", "expected"), [(12, [1, 2, 3, 4, 6, 12]), (7, [1, 7]), (16, [1, 2, 4, 8, 16])]
)
def test_only_divisors_are_offered(d_out: int, expected: list[int]) -> None:
    at = open_app(PAGE, {"mh_dout": str(d_out)})
    assert not at.exception
    assert [int(o) for o in at.selectbox(key="mh_heads").options] == expected


@pytest.mark.parametrize("value", ["3", "0", "abc", "2.5"])
def test_tampered_head_count_falls_back_with_notice(value: str) -> None:
    at = open_app(PAGE, {"mh_heads": value})
    assert not at.exception
    assert any("Number of heads" in n and "falls back" in n for n in notices(at)), notices(at)
    assert at.selectbox(key="mh_heads").value == 2
    assert np.allclose(_z(chart_specs(at)["mh_effect_fig"], 0), BOOK_MHA, atol=5e-5)


def test_switching_a_head_off_changes_output_and_url() -> None:
    at = open_app(PAGE)
    at.toggle(key="mh_h2").set_value(False).run()
    assert not at.exception
    charts = chart_specs(at)
    heads = _panels(charts["mh_heads_fig"])
    assert heads[1]["colorscale"][0][1] == OFF_SCALE[0][1] and heads[0]["colorscale"][0][1] != OFF_SCALE[0][1]
    titles = [a["text"] for a in charts["mh_heads_fig"]["layout"]["annotations"]]
    assert titles[1].endswith("(off)") and not titles[0].endswith("(off)")
    full, selected, change = (_z(charts["mh_effect_fig"], i) for i in range(3))
    mha = builders.build_multihead(3, 2, 6, 2, 123)
    expected, _ = mha(BOOK_INPUTS, head_mask=[1, 0])
    assert np.allclose(selected, expected.detach().numpy(), atol=1e-6)
    assert np.allclose(change, selected - full, atol=1e-6)
    assert np.abs(change).max() > 1e-3
    assert np.allclose(_z(charts["mh_pipeline_fig"], 2), 0.0)  # head 2's output is zero in the pipeline
    assert at.query_params["mh_h2"] == "0"
    assert _parity(at)["within 1e-5"] == ["yes", "yes"]  # the check follows the head mask
    at.toggle(key="mh_h1").set_value(False).run()
    bias = mha.out_proj.bias.detach().numpy()
    assert np.allclose(_z(chart_specs(at)["mh_effect_fig"], 1), np.broadcast_to(bias, (6, 2)), atol=1e-6)


def test_causal_toggle_changes_head_heatmaps() -> None:
    at = open_app(PAGE)
    before = _z(chart_specs(at)["mh_heads_fig"], 0)
    at.toggle(key="mh_causal").set_value(False).run()
    assert not at.exception
    after = _z(chart_specs(at)["mh_heads_fig"], 0)
    assert not np.isnan(after).any() and np.isnan(before).any()
    assert np.allclose(after.sum(-1), 1.0, atol=1e-6)
    assert at.query_params["mh_causal"] == "0"
    assert _parity(at)["within 1e-5"] == ["yes", "yes"]


def test_square_projection_adds_torch_multihead_to_the_check() -> None:
    params = {
        "text": "the cat sat on the mat",
        "mh_dout": "12",
        "mh_heads": "4",
        "mh_din": "12",
        "mh_seed": "5",
    }
    at = open_app(PAGE, params)
    assert not at.exception and not notices(at)
    assert at.selectbox(key="mh_heads").value == 4
    parity = _parity(at)
    assert len(parity["within 1e-5"]) == 4 and set(parity["within 1e-5"]) == {"yes"}
    assert any("nn.MultiheadAttention" in r for r in parity["PyTorch reference"])
    charts = chart_specs(at)
    assert len(_panels(charts["mh_heads_fig"])) == 4
    tokens = ["the", "cat", "sat", "on", "the", "mat"]
    ref, _ = references.torch_multihead_reference(
        builders.build_multihead(12, 12, 6, 4, 5), vectors_for(tokens, 12).vectors
    )
    assert np.allclose(_z(charts["mh_effect_fig"], 0), ref.numpy(), atol=1e-5)


def test_dropout_scales_kept_weights() -> None:
    at = open_app(PAGE)
    clean = _z(chart_specs(at)["mh_heads_fig"], 0)
    at.toggle(key="mh_drop").set_value(True).run()
    assert not at.exception
    dropped = _z(chart_specs(at)["mh_heads_fig"], 0)
    kept = ~np.isnan(clean) & (dropped != 0)
    assert kept.any()
    assert np.allclose(dropped[kept], clean[kept] * 2, atol=1e-6)  # p = 0.5: kept weights doubled
    assert np.isnan(dropped[np.triu(np.ones((6, 6), dtype=bool), 1)]).all()  # the mask still holds


@pytest.mark.parametrize(
    "text", ["", "attention", "<script>x</script> $y$", " ".join(f"w{i}" for i in range(80))]
)
def test_bad_input_keeps_page_alive(text: str) -> None:
    at = open_app(PAGE)
    at.text_area(key="text").set_value(text).run()
    assert not at.exception
    ticks = chart_specs(at)["mh_heads_fig"]["layout"]["yaxis"]["ticktext"]
    assert 1 <= len(ticks) <= 64 and all("<" not in t for t in ticks)
    assert set(_parity(at)["within 1e-5"]) == {"yes"}
    assert torch.isfinite(torch.tensor(_z(chart_specs(at)["mh_effect_fig"], 0))).all()


@pytest.mark.parametrize("step", range(1, 5))
def test_presentation_mode_steps_run_alone_and_keep_head_switches(step: int) -> None:
    at = open_app(PAGE, {"present": "1", "step": str(step), "mh_h2": "0"})
    assert not at.exception
    headers = [h.value for h in at.subheader if h.value.startswith("Step ")]
    assert len(headers) == 1 and headers[0].startswith(f"Step {step} ·")
    assert at.toggle(key="mh_h2").value is False  # head switches stay on screen in every step
    assert at.query_params["mh_h2"] == "0"


def test_presentation_resizing_never_touches_the_cached_figures() -> None:
    from ui.figures import PRESENT_FONT, PRESENT_MAX_HEIGHT

    at = open_app(PAGE, {"present": "1"})
    first = chart_specs(at)["mh_heads_fig"]["layout"]["height"]
    at.run()
    at.run()
    assert chart_specs(at)["mh_heads_fig"]["layout"]["height"] == first  # no growth on reruns
    presented = chart_specs(at)["mh_heads_fig"]["layout"]
    assert (
        presented["font"]["size"] == PRESENT_FONT and first <= PRESENT_MAX_HEIGHT
    )  # sized for the projector
    plain = open_app(PAGE)
    assert (
        chart_specs(plain)["mh_heads_fig"]["layout"].get("font", {}).get("size") != PRESENT_FONT
    )  # only then


def test_four_heads_on_ten_tokens_opens_from_its_link() -> None:
    """Issue 11's reproduction: /multihead?text=a+b+c+d+e+f+g+h+i+j&mh_dout=4&mh_heads=4 raised in heatmap_grid
    (a grid domain of -5.6e-17). It opens with four panels on two rows, every domain inside [0, 1]."""
    from tests.support.domains import assert_valid_domains

    at = open_app(PAGE, {"text": "a b c d e f g h i j", "mh_dout": "4", "mh_heads": "4"})
    assert not at.exception
    assert not notices(at)
    heads = chart_specs(at)["mh_heads_fig"]
    assert len(_panels(heads)) == 4
    assert_valid_domains(heads)
    assert heads["layout"]["yaxis3"]["domain"][0] == 0.0  # the bottom row ends exactly at the bottom
