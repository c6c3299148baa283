"""The Bahdanau attention page: learned alignment of the real model (outlines beside the numbers), focus
animation, reordering, the model drawn with its sizes, one decoding step worked by hand, curves."""

from __future__ import annotations

import numpy as np
import pytest

from app_pages import bahdanau as page  # its key constants (EXAMPLE_KEY, ...)
from attention_core.figures.translation import DECIMALS, cell_outlines
from attention_core.translation import grammar as g
from attention_core.translation.analysis import default_step
from attention_core.translation.models import load_models, translate_sentence
from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs, decode, first_z

PAGE = "app_pages/bahdanau.py"
CAT = g.LECTURE_SENTENCES[0].text
CAT_TOKENS = g.read_source(CAT).known


@pytest.fixture(scope="module")
def models():
    return load_models()


def _heatmaps(spec: dict) -> list[np.ndarray]:
    return [np.asarray(t["z"], dtype=float) for t in spec["data"] if t["type"] == "heatmap"]


def test_alignment_heatmap_is_the_models_attention(models) -> None:
    at = open_app(PAGE, {"text": "the small black cat sleeps under the old table"})
    assert not at.exception
    tokens = ["the", "small", "black", "cat", "sleeps", "under", "the", "old", "table"]
    expected = translate_sentence(models.attention, models.src_vocab, models.tgt_vocab, tokens)
    spec = chart_specs(at)[page.ALIGNMENT_FIG]
    z = first_z(spec)
    assert np.allclose(z, expected.attn_weights.numpy(), atol=1e-6)
    assert np.allclose(z.sum(1), 1.0, atol=1e-5)
    assert list(spec["layout"]["xaxis"]["ticktext"]) == tokens
    assert list(spec["layout"]["yaxis"]["ticktext"])[: len(expected.output)] == expected.output
    heat = next(t for t in spec["data"] if t["type"] == "heatmap")
    assert heat["texttemplate"] == f"%{{z:.{DECIMALS}f}}"  # the page's one number format


def test_the_lectures_cat_sentence_translates_and_is_outlined(models) -> None:
    """The seeds' example: every word known, the model's output is the rules' French, and the outlines run
    along the borders of the rules' cells (not over the numbers)."""
    at = open_app(PAGE, {"text": CAT})
    assert not at.exception
    assert not [w for w in at.warning if "does not know" in w.value]
    reference = g.translate(CAT_TOKENS)
    expected = translate_sentence(models.attention, models.src_vocab, models.tgt_vocab, CAT_TOKENS)
    assert expected.output == reference.tokens  # computed, not assumed: the shipped model gets it right
    spec = chart_specs(at)[page.ALIGNMENT_FIG]
    outline = next(t for t in spec["data"] if t["type"] == "scatter")
    xs, ys = cell_outlines([(j, i) for i, j in enumerate(reference.alignment)])
    assert outline["mode"] == "lines" and list(outline["x"]) == xs and list(outline["y"]) == ys


def test_focus_animation_has_a_frame_per_output_step(models) -> None:
    at = open_app(PAGE)
    spec = chart_specs(at)[page.FOCUS_FIG]
    weights = first_z(chart_specs(at)[page.ALIGNMENT_FIG])
    assert len(spec["frames"]) == weights.shape[0]
    for i, frame in enumerate(spec["frames"]):
        assert np.allclose(decode(frame["data"][0]["y"]), weights[i], atol=1e-6)


def test_rule_outline_toggle() -> None:
    at = open_app(PAGE, {page.EXAMPLE_KEY: "3"})  # the european economic area opens a big market
    traces = chart_specs(at)[page.ALIGNMENT_FIG]["data"]
    outline = [t for t in traces if t["type"] == "scatter"]
    ref = g.translate(g.EXAMPLE_SENTENCES[2].split())
    assert len(outline) == 1  # drawn because the shipped model translates this example exactly
    assert list(outline[0]["x"]) == cell_outlines([(j, i) for i, j in enumerate(ref.alignment)])[0]
    at.toggle(key=page.RULE_KEY).set_value(False).run()
    assert not at.exception
    assert not [t for t in chart_specs(at)[page.ALIGNMENT_FIG]["data"] if t["type"] == "scatter"]
    assert at.query_params[page.RULE_KEY] == "0"


def test_reordering_example_shows_the_noun_first(models) -> None:
    at = open_app(PAGE)
    spec = chart_specs(at)[page.REORDER_FIG]
    rows = list(spec["layout"]["yaxis"]["ticktext"])
    assert rows[:4] == ["la", "zone", "économique", "européenne"]
    z = first_z(spec)
    # the decoder's strongest focus for "zone" is "area" (source position 3), for "européenne" it is "european"
    assert int(np.argmax(z[1])) == 3 and int(np.argmax(z[3])) == 1


def test_diagram_shows_the_loaded_models_sizes(models) -> None:
    at = open_app(PAGE)
    cfg = models.attention.cfg
    texts = [a["text"] for a in chart_specs(at)[page.DIAGRAM_FIG]["layout"]["annotations"]]
    for expected in (
        f"{len(models.src_vocab)} known",
        f"{cfg.emb_dim} per word",
        f"{cfg.hidden_dim} → + {cfg.hidden_dim} ←",  # the bidirectional encoder
        f"T × {2 * cfg.hidden_dim}",
        f"layer of {cfg.attn_dim}",
        f"s: {cfg.hidden_dim}",
        f"→ {len(models.tgt_vocab)} French",
    ):
        assert expected in texts
    table = at.get_by_key(page.PARTS_KEY).dataframe[0].value
    assert table["learned numbers"].sum() == sum(p.numel() for p in models.attention.parameters())


def test_worked_step_is_what_the_model_computes(models) -> None:
    """The worked numbers for the default word of the cat sentence ("sauté", for "jumped") are the heatmap's
    row and the context vector of the model's own forward pass; the table shows the same α."""
    at = open_app(PAGE, {"text": CAT})
    assert not at.exception
    expected = translate_sentence(models.attention, models.src_vocab, models.tgt_vocab, CAT_TOKENS)
    step = default_step(expected, g.translate(CAT_TOKENS))
    assert expected.step_tokens[step] == "sauté"
    selector = at.selectbox(key=page.WORD_KEY)
    assert selector.value == f"{step + 1} · sauté"
    heat_row = first_z(chart_specs(at)[page.ALIGNMENT_FIG])[step]
    worked = _heatmaps(chart_specs(at)[page.WORKED_FIG])
    alpha, context = worked[2][:, 0], worked[5][0]
    assert np.allclose(alpha, heat_row, atol=1e-6)
    assert np.allclose(alpha, expected.attn_weights[step].numpy(), atol=1e-6)
    assert np.allclose(context, expected.context_vecs[step].numpy(), atol=1e-5)
    table = at.get_by_key(page.WORKED_TABLE_KEY).dataframe[0]
    assert np.allclose(table.value["α_j"], alpha, atol=1e-9)
    jumped = CAT_TOKENS.index("jumped")
    assert int(np.argmax(alpha)) == jumped  # writing "sauté", the decoder looks at "jumped"
    assert any("differ from its own forward pass by at most" in c.value for c in at.caption)


def test_worked_step_word_lives_in_the_url(models) -> None:
    at = open_app(PAGE, {"text": CAT})
    at.selectbox(key=page.WORD_KEY).set_value("2 · chat").run()
    assert not at.exception
    assert at.query_params[page.WORD_KEY] == "2"
    again = open_app(PAGE, {"text": CAT, page.WORD_KEY: "2"})
    expected = translate_sentence(models.attention, models.src_vocab, models.tgt_vocab, CAT_TOKENS)
    alpha = _heatmaps(chart_specs(again)[page.WORKED_FIG])[2][:, 0]
    assert np.allclose(alpha, expected.attn_weights[1].numpy(), atol=1e-6)
    assert again.selectbox(key=page.WORD_KEY).value == "2 · chat"


def test_length_curves_side_by_side() -> None:
    at = open_app(PAGE)
    specs = chart_specs(at)
    for key in (page.CURVE_TOKENS_FIG, page.CURVE_SENTENCES_FIG):
        names = [t["name"] for t in specs[key]["data"] if t["type"] == "scatter"]
        assert len(names) == 2
    text = "\n".join(m.value for m in at.markdown)
    from ui.translation import evaluation

    lo, hi = evaluation().buckets[-1]
    assert f"{lo}–{hi} words" in text


def test_long_sentence_figures_name_the_evaluated_lengths(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import ui.translation as ui_translation

    shipped = ui_translation.evaluation()
    # another evaluation: the text must follow its longest group
    ev = dataclasses.replace(shipped, buckets=(*shipped.buckets[:-1], (31, 44)))
    monkeypatch.setattr(ui_translation, "evaluation", lambda: ev)
    text = "\n".join(m.value for m in open_app(PAGE).markdown)
    assert "sentences of 31–44 words" in text and "36–40" not in text


@pytest.mark.parametrize(
    "params",
    [{page.EXAMPLE_KEY: "-4"}, {page.RULE_KEY: "maybe"}, {page.REORDER_KEY: "1"}, {page.WORD_KEY: "999"}],
)
def test_tampered_links_fall_back_with_a_notice(params: dict[str, str]) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert any("falls back" in n for n in notices(at))
    assert page.ALIGNMENT_FIG in chart_specs(at)


def test_empty_sentence_still_shows_a_translation() -> None:
    at = open_app(PAGE, {"text": "   "})
    assert not at.exception
    assert page.ALIGNMENT_FIG in chart_specs(at)
    assert page.WORKED_FIG in chart_specs(at)
