"""The Bahdanau attention page: learned alignment of the real model, focus animation, reordering, curves."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core.translation import grammar as g
from attention_core.translation.models import load_models, translate_sentence
from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs, decode, first_z

PAGE = "app_pages/bahdanau.py"


@pytest.fixture(scope="module")
def models():
    return load_models()


def test_alignment_heatmap_is_the_models_attention(models) -> None:
    at = open_app(PAGE, {"text": "the small black cat sleeps under the old table"})
    assert not at.exception
    tokens = ["the", "small", "black", "cat", "sleeps", "under", "the", "old", "table"]
    expected = translate_sentence(models.attention, models.src_vocab, models.tgt_vocab, tokens)
    spec = chart_specs(at)["bd_alignment"]
    z = first_z(spec)
    assert np.allclose(z, expected.attn_weights.numpy(), atol=1e-6)
    assert np.allclose(z.sum(1), 1.0, atol=1e-5)
    assert list(spec["layout"]["xaxis"]["ticktext"]) == tokens
    assert list(spec["layout"]["yaxis"]["ticktext"])[: len(expected.output)] == expected.output


def test_focus_animation_has_a_frame_per_output_step(models) -> None:
    at = open_app(PAGE)
    spec = chart_specs(at)["bd_focus"]
    weights = first_z(chart_specs(at)["bd_alignment"])
    assert len(spec["frames"]) == weights.shape[0]
    for i, frame in enumerate(spec["frames"]):
        assert np.allclose(decode(frame["data"][0]["y"]), weights[i], atol=1e-6)


def test_rule_outline_toggle() -> None:
    at = open_app(PAGE, {"bd_ex": "3"})  # the european economic area opens a big market
    traces = chart_specs(at)["bd_alignment"]["data"]
    outline = [t for t in traces if t["type"] == "scatter"]
    ref = g.translate(g.EXAMPLE_SENTENCES[2].split())
    assert len(outline) == 1  # drawn because the shipped model translates this example exactly
    assert list(outline[0]["x"]) == ref.alignment
    at.toggle(key="bd_rule").set_value(False).run()
    assert not at.exception
    assert not [t for t in chart_specs(at)["bd_alignment"]["data"] if t["type"] == "scatter"]
    assert at.query_params["bd_rule"] == "0"


def test_reordering_example_shows_the_noun_first(models) -> None:
    at = open_app(PAGE)
    spec = chart_specs(at)["bd_reorder_fig"]
    rows = list(spec["layout"]["yaxis"]["ticktext"])
    assert rows[:4] == ["la", "zone", "économique", "européenne"]
    z = first_z(spec)
    # the decoder's strongest focus for "zone" is "area" (source position 3), for "européenne" it is "european"
    assert int(np.argmax(z[1])) == 3 and int(np.argmax(z[3])) == 1


def test_length_curves_side_by_side() -> None:
    at = open_app(PAGE)
    specs = chart_specs(at)
    for key in ("bd_curve_tokens", "bd_curve_sentences"):
        names = [t["name"] for t in specs[key]["data"] if t["type"] == "scatter"]
        assert len(names) == 2
    text = "\n".join(m.value for m in at.markdown)
    from ui.translation import evaluation

    lo, hi = evaluation()["buckets"][-1]
    assert f"{lo}–{hi} words" in text


def test_long_sentence_figures_name_the_evaluated_lengths(monkeypatch: pytest.MonkeyPatch) -> None:
    import copy

    import ui.translation as ui_translation

    ev = copy.deepcopy(ui_translation.evaluation())
    ev["buckets"][-1] = [31, 44]  # another evaluation: the text must follow its longest group
    monkeypatch.setattr(ui_translation, "evaluation", lambda: ev)
    text = "\n".join(m.value for m in open_app(PAGE).markdown)
    assert "sentences of 31–44 words" in text and "36–40" not in text


@pytest.mark.parametrize("params", [{"bd_ex": "-4"}, {"bd_rule": "maybe"}, {"bd_reorder": "1"}])
def test_tampered_links_fall_back_with_a_notice(params: dict[str, str]) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert any("falls back" in n for n in notices(at))
    assert "bd_alignment" in chart_specs(at)


def test_empty_sentence_still_shows_a_translation() -> None:
    at = open_app(PAGE, {"text": "   "})
    assert not at.exception
    assert "bd_alignment" in chart_specs(at)
