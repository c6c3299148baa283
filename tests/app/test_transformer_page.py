"""The real-transformer page through Streamlit's AppTest: models, selectors, links, long input, missing models.

Models are loaded once per pytest process (st.cache_resource carries over between AppTest instances).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from attention_core import pretrained as pt
from attention_core.figures.transformer import MAX_BINS
from tests.app.conftest import keyed_text, notices, open_app
from tests.support.plotly import chart_specs, first_z

PAGE = "app_pages/transformer.py"
TIMEOUT = 240  # the first SmolLM2 use may convert its GGUF weights (~30 s on a busy machine)
SENTENCE = "The cat sat on the mat because it was tired"

pytestmark = pytest.mark.slow


def _open(params: dict[str, str] | None = None):
    return open_app(PAGE, params, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def minilm() -> pt.LoadedModel:
    return pt.load_model("minilm")


def test_default_shows_minilm_tokens_and_every_view(minilm: pt.LoadedModel) -> None:
    at = _open({"text": SENTENCE})
    assert not at.exception
    codes = [c.value for c in at.code]
    assert any(c.startswith("[CLS] · the · cat") and c.endswith("[SEP]") for c in codes)
    charts = chart_specs(at)
    assert {
        "tf_grid",
        "tf_head_map",
        "tf_head_lines",
        "tf_heads_query",
        "tf_mean_map",
        "tf_rollout_map",
    } <= set(charts)
    assert "tf_next" not in charts  # the encoder predicts no next token
    run = pt.run_attention(minilm, SENTENCE)
    np.testing.assert_allclose(first_z(charts["tf_head_map"]), run.attentions[0, 0], atol=1e-6)
    assert charts["tf_head_map"]["layout"]["yaxis"]["ticktext"][:3] == ["[CLS]", "the", "cat"]
    np.testing.assert_allclose(first_z(charts["tf_mean_map"]), run.attentions[0].mean(0), atol=1e-6)
    assert np.triu(first_z(charts["tf_head_map"]), k=1).sum() > 0.1  # an encoder looks ahead


def test_layer_and_head_change_the_figure_and_the_url(minilm: pt.LoadedModel) -> None:
    at = _open({"text": SENTENCE})
    before = first_z(chart_specs(at)["tf_head_map"])
    at.slider(key="tf_layer").set_value(4).run()
    at.slider(key="tf_head").set_value(7).run()
    assert not at.exception
    charts = chart_specs(at)
    after = first_z(charts["tf_head_map"])
    run = pt.run_attention(minilm, SENTENCE)
    np.testing.assert_allclose(after, run.attentions[3, 6], atol=1e-6)
    assert not np.allclose(before, after)
    assert charts["tf_head_map"]["layout"]["title"]["text"].startswith("Layer 4, head 7")
    (box,) = charts["tf_grid"]["layout"]["shapes"]  # the enlarged head is outlined in the model view
    assert box["line"]["width"] == 3
    assert at.query_params["tf_layer"] in ("4", ["4"]) and at.query_params["tf_head"] in ("7", ["7"])


def test_model_view_is_built_once_per_text_and_only_the_outline_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from attention_core.figures import transformer as model_figs

    calls = []
    real = model_figs.model_view
    monkeypatch.setattr(model_figs, "model_view", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = _open({"text": "A text that only this test uses, so the cached model view is built here"})
    grid = chart_specs(at)["tf_grid"]
    at.slider(key="tf_layer").set_value(3).run()
    at.slider(key="tf_head").set_value(5).run()
    assert not at.exception
    moved = chart_specs(at)["tf_grid"]
    assert len(calls) == 1  # three reruns, one build
    np.testing.assert_array_equal(first_z(moved), first_z(grid))
    assert grid["layout"]["shapes"] != moved["layout"]["shapes"]
    (box,) = moved["layout"]["shapes"]
    picks = next(t for t in moved["data"] if t.get("name") == "pick")
    i = [list(c) for c in picks["customdata"]].index([3, 5])
    assert box["x0"] < picks["x"][i] < box["x1"] and box["y0"] < picks["y"][i] < box["y1"]


def test_query_token_changes_head_view(minilm: pt.LoadedModel) -> None:
    at = _open({"text": SENTENCE})
    at.selectbox(key="tf_q").set_value("3 · cat").run()
    assert at.query_params["tf_q"] in ("3", ["3"])
    lines = chart_specs(at)["tf_head_lines"]
    weights = np.asarray(lines["data"][-1]["customdata"], dtype=float)
    run = pt.run_attention(minilm, SENTENCE)
    np.testing.assert_allclose(weights, run.attentions[0, 0, 2], atol=1e-6)
    heads = first_z(chart_specs(at)["tf_heads_query"])
    np.testing.assert_allclose(heads, run.attentions[0, :, 2, :], atol=1e-6)


def test_decoder_is_triangular_quantized_and_predicts_next_token() -> None:
    at = _open({"text": "The capital of France is", "tf_model": "smollm2", "tf_layer": "3", "tf_head": "2"})
    assert not at.exception
    charts = chart_specs(at)
    head = first_z(charts["tf_head_map"])
    assert np.abs(np.triu(head, k=1)).max() == 0.0
    np.testing.assert_allclose(head.sum(-1), 1.0, atol=1e-5)
    assert any("4-bit quantized" in i.value for i in at.info)
    next_tokens = charts["tf_next"]["layout"]["yaxis"]["ticktext"]
    assert "␣Paris" in next_tokens
    assert at.radio(key="tf_model").value == "smollm2"
    assert at.slider(key="tf_layer").value == 3 and at.slider(key="tf_layer").max == 30


def test_switching_model_keeps_the_page_working() -> None:
    at = _open({"text": SENTENCE, "tf_layer": "6"})
    at.radio(key="tf_model").set_value("smollm2").run()
    assert not at.exception
    at.slider(key="tf_layer").set_value(25).run()
    at.radio(key="tf_model").set_value("minilm").run()  # 25 > 6 layers: clamped, not crashed
    assert not at.exception
    assert at.slider(key="tf_layer").value == 6


def test_tampered_link_falls_back_with_notice() -> None:
    at = _open({"text": SENTENCE, "tf_layer": "99", "tf_head": "x", "tf_model": "gpt9"})
    assert not at.exception
    text = " ".join(notices(at))
    assert "Layer" in text and "Head" in text and "Model" in text
    assert at.slider(key="tf_layer").value == 1 and at.radio(key="tf_model").value == "minilm"


def test_html_in_text_stays_text() -> None:
    at = _open({"text": "<b>bold</b> <script>alert(1)</script>"})
    assert not at.exception
    spec = chart_specs(at)["tf_head_map"]
    ticks = spec["layout"]["yaxis"]["ticktext"]
    assert "&lt;" in ticks and "<" not in ticks
    assert at.selectbox(key="tf_q").value == "2 · <"  # [CLS] < b > ...: the default query is '<'
    title = chart_specs(at)["tf_heads_query"]["layout"]["title"]["text"]
    assert title.endswith("the query 2 · &lt;") and "<" not in title


def test_512_tokens_truncate_bin_and_stay_bounded() -> None:
    long_text = " ".join(f"word{i % 50}" for i in range(700))
    at = _open({"text": long_text})
    assert not at.exception
    assert any("first 512" in n for n in notices(at))
    charts = chart_specs(at)
    z = first_z(charts["tf_head_map"])
    assert z.shape == (MAX_BINS, MAX_BINS)
    np.testing.assert_allclose(z.sum(-1), 1.0, atol=1e-4)
    zoom = first_z(charts["tf_zoom_map"])
    assert zoom.shape == (64, 64)
    assert "tf_head_bars" in charts and "tf_head_lines" not in charts  # lines only for short inputs
    at.slider(key="tf_zoom").set_value(200).run()
    assert chart_specs(at)["tf_zoom_map"]["data"][0]["y"][0].startswith("200 · ")
    for el in at.get("plotly_chart"):
        assert len(el.proto.spec) < 400_000  # bytes sent per figure stay bounded


def test_missing_model_is_disabled_not_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pt.availability
    monkeypatch.setattr(
        pt, "availability", lambda key: "SmolLM2 is missing in this test" if key == "smollm2" else real(key)
    )
    at = _open({"text": SENTENCE})
    assert not at.exception
    assert any("missing in this test" in w.value for w in at.warning)
    assert len(at.radio(key="tf_model").options) == 1
    assert "tf_head_map" in chart_specs(at)


def test_no_model_at_all_leaves_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pt, "availability", lambda key: f"{key} is not installed (test)")
    at = _open()
    assert not at.exception
    assert any("No pretrained model" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def _click_head(at, layer: int, head: int):
    """Send what the browser sends when a head of the model view is clicked (AppTest has no plotly widget).

    The selection goes to the chart's current element id as a widget state, so Streamlit runs the chart's
    on_select callback exactly as it does for a real click.
    """
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    (grid,) = [el for el in at.get("plotly_chart") if el.proto.id.endswith("-tf_grid")]
    selection = {"points": [{"customdata": [layer, head]}], "point_indices": [0], "box": [], "lasso": []}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=grid.proto.id, string_value=json.dumps({"selection": selection})))
    return at._run(states)


def test_click_in_model_view_enlarges_that_head() -> None:
    at = _open({"text": SENTENCE})
    _click_head(at, 5, 9)
    assert not at.exception
    assert (at.slider(key="tf_layer").value, at.slider(key="tf_head").value) == (5, 9)
    assert chart_specs(at)["tf_head_map"]["layout"]["title"]["text"].startswith("Layer 5, head 9")
    assert at.query_params["tf_layer"] in ("5", ["5"]) and at.query_params["tf_head"] in ("9", ["9"])
    at.slider(key="tf_head").set_value(2).run()  # the old click must not win over a later slider move
    assert at.slider(key="tf_head").value == 2
    _click_head(at, 5, 9)  # the same square again, after the slider moved: selected again
    assert not at.exception
    assert (at.slider(key="tf_layer").value, at.slider(key="tf_head").value) == (5, 9)
    _click_head(at, 99, 1)  # a point outside this model's grid changes nothing
    assert (at.slider(key="tf_layer").value, at.slider(key="tf_head").value) == (5, 9)


def test_query_position_survives_a_model_switch() -> None:
    at = _open({"text": SENTENCE, "tf_q": "4"})
    assert at.selectbox(key="tf_q").value == "4 · sat"  # [CLS] the cat sat
    at.radio(key="tf_model").set_value("smollm2").run()
    assert not at.exception
    assert at.selectbox(key="tf_q").value == "4 · ␣on"  # The ␣cat ␣sat ␣on: same position, new token
    assert "4 · ␣on" in at.selectbox(key="tf_q").options


def test_single_token_text_still_draws_every_view() -> None:
    at = _open({"text": "Hi", "tf_model": "smollm2"})
    assert not at.exception
    charts = chart_specs(at)
    np.testing.assert_allclose(first_z(charts["tf_head_map"]), [[1.0]], atol=1e-6)  # it can only see itself
    assert {"tf_grid", "tf_head_lines", "tf_next"} <= set(charts)


# ---------------------------------------------------------------- lesson steps and "which heads link A to B"

LECTURE = "The cat that was sitting on the mat, which was next to the dog, jumped."
STEP_CHARTS = {  # the charts each presentation step draws (MiniLM: step 6 explains there is no next token)
    1: set(),
    2: {"tf_grid"},
    3: {"tf_head_map", "tf_head_lines", "tf_heads_query"},
    4: {"tf_mean_map", "tf_rollout_map"},
    5: {"tf_link_grid", "tf_link_head"},
    6: set(),
}


def _ranked(attentions: np.ndarray, a: int, b: int) -> list[tuple[int, int]]:
    """(layer, head) pairs, strongest A -> B weight first, by a plain loop (ties: lower layer, lower head)."""
    cells = [
        (float(attentions[i, j, a, b]), i, j)
        for i in range(attentions.shape[0])
        for j in range(attentions.shape[1])
    ]
    return [(i, j) for _, i, j in sorted(cells, key=lambda c: (-c[0], c[1], c[2]))]


@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_lecture_sentence_opens_jumped_to_cat_and_its_best_head(model: str) -> None:
    at = _open({"text": LECTURE, "tf_model": model})
    assert not at.exception
    run = pt.run_attention(pt.load_model(model), LECTURE)
    a = next(i for i, t in enumerate(run.labels) if t.strip("␣") == "jumped")
    b = next(i for i, t in enumerate(run.labels) if t.strip("␣") == "cat")
    assert at.selectbox(key="tf_from").value.startswith(f"{a + 1} · ")
    assert at.selectbox(key="tf_to").value.startswith(f"{b + 1} · ")
    charts = chart_specs(at)
    np.testing.assert_allclose(first_z(charts["tf_link_grid"]), run.attentions[:, :, a, b].T, atol=1e-6)
    (layer, head), second = _ranked(run.attentions, a, b)[:2]
    np.testing.assert_allclose(first_z(charts["tf_link_head"]), run.attentions[layer, head], atol=1e-6)
    assert f"layer {layer + 1}, head {head + 1}" in charts["tf_link_head"]["layout"]["title"]["text"]
    top = keyed_text(at, "tf_link_top")
    assert f"1. layer {layer + 1}, head {head + 1}: **{run.attentions[layer, head, a, b]:.4f}**" in top
    assert f"2. layer {second[0] + 1}, head {second[1] + 1}:" in top
    (outline,) = charts["tf_link_head"]["layout"]["shapes"]  # the A -> B cell of the best head
    assert (outline["x0"] + 0.5, outline["y0"] + 0.5) == (b, a)
    assert "one token" in keyed_text(at, "tf_link_pieces")


def test_changing_a_and_b_by_key_changes_the_ranking(minilm: pt.LoadedModel) -> None:
    at = _open({"text": LECTURE})
    run = pt.run_attention(minilm, LECTURE)
    before = keyed_text(at, "tf_link_top")
    dog = run.labels.index("dog")
    at.selectbox(key="tf_to").set_value(f"{dog + 1} · dog").run()
    assert not at.exception and at.query_params["tf_to"] in (str(dog + 1), [str(dog + 1)])
    a = run.labels.index("jumped")
    np.testing.assert_allclose(
        first_z(chart_specs(at)["tf_link_grid"]), run.attentions[:, :, a, dog].T, atol=1e-6
    )
    layer, head = _ranked(run.attentions, a, dog)[0]
    after = keyed_text(at, "tf_link_top")
    assert after != before and f"1. layer {layer + 1}, head {head + 1}:" in after
    at.selectbox(key="tf_from").set_value("2 · the").run()
    layer, head = _ranked(run.attentions, 1, dog)[0]
    assert f"1. layer {layer + 1}, head {head + 1}:" in keyed_text(at, "tf_link_top")
    at.button(key="tf_open_best").click().run()  # the strongest head opens in step 3
    assert (at.slider(key="tf_layer").value, at.slider(key="tf_head").value) == (layer + 1, head + 1)
    assert chart_specs(at)["tf_head_map"]["layout"]["title"]["text"].startswith(
        f"Layer {layer + 1}, head {head + 1}"
    )


def test_a_new_sentence_moves_untouched_a_and_b_to_its_defaults() -> None:
    at = _open({"text": LECTURE})
    at.text_area(key="text").set_value("Your journey starts with one step").run()
    assert not at.exception
    assert (at.selectbox(key="tf_from").value, at.selectbox(key="tf_to").value) == ("7 · step", "3 · journey")


def test_decoder_says_a_cannot_see_a_later_b() -> None:
    at = _open({"text": LECTURE, "tf_model": "smollm2", "tf_from": "2", "tf_to": "5"})
    assert not at.exception
    assert "weight 0" in keyed_text(at, "tf_link_blind")
    assert first_z(chart_specs(at)["tf_link_grid"]).max() == 0.0


def test_split_words_name_the_piece_used() -> None:
    at = _open({"text": "The unbelievably jumpy kangaroo hopped.", "tf_model": "smollm2"})
    assert not at.exception
    note = keyed_text(at, "tf_link_pieces")
    run = pt.run_attention(pt.load_model("smollm2"), "The unbelievably jumpy kangaroo hopped.")
    words = pt.token_words(run.tokens, wordpiece=False)
    hopped = next(w for w in words if w.text == "hopped")
    assert hopped.pieces > 1  # SmolLM2 splits it: the note must say which piece A is
    assert f"piece {hopped.pieces} of {hopped.pieces}" in note


@pytest.mark.parametrize("step", range(1, 7))
def test_presentation_shows_one_step_at_a_time(step: int) -> None:
    at = _open({"text": LECTURE, "present": "1", "step": str(step)})
    assert not at.exception
    drawn = set(chart_specs(at))
    assert STEP_CHARTS[step] <= drawn
    others = set().union(*STEP_CHARTS.values()) - STEP_CHARTS[step]
    assert not drawn & others, f"step {step} also drew {drawn & others}"
    if step == 6:
        assert keyed_text(at, "tf_no_next")  # MiniLM is an encoder: it says so instead of a chart
