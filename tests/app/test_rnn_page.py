"""The RNN bottleneck page: the encoder animation of the real model (ending on c), the model drawn with its
sizes, output vs reference on the lectures' sentences, curves, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app_pages import rnn_bottleneck as page  # its key constants (EXAMPLE_KEY, ...)
from attention_core.figures.common import ACCENT
from attention_core.translation import grammar as g
from attention_core.translation.models import load_models, translate_sentence
from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs, decode

PAGE = "app_pages/rnn_bottleneck.py"
CAT = g.LECTURE_SENTENCES[0].text  # "The cat that was sitting on the mat, which was next to the dog, jumped."
CAT_EXAMPLE = str(g.LECTURE_EXAMPLES[0] + 1)  # its number in the example picker's links


@pytest.fixture(scope="module")
def models():
    return load_models()


def _encoder_frames(at) -> list[dict]:
    spec = chart_specs(at)[page.ENCODER_FIG]
    frames = spec["frames"]
    for frame in frames:
        for trace in frame["data"]:
            for key, value in list(trace.items()):
                trace[key] = decode(value)
    return frames


def _marked_line(at, label: str) -> str:
    """A model/reference line with the red marks removed."""
    line = next(m.value for m in at.markdown if m.value.startswith(f"**{label}"))
    text = line.split(":**", 1)[1]
    return re.sub(r":red\[(?:\*\*|__)(.*?)(?:\*\*|__)\]", r"\1", text).replace("\\", "").strip()


def test_default_sentence_is_known_and_animated(models) -> None:
    at = open_app(PAGE)
    assert not at.exception
    tokens = ["your", "journey", "starts", "with", "one", "step"]
    frames = _encoder_frames(at)
    assert len(frames) == len(tokens)
    expected = translate_sentence(models.bottleneck, models.src_vocab, models.tgt_vocab, tokens)
    states = expected.encoder_states.numpy()
    assert np.allclose(frames[-1]["data"][0]["y"], states[-1], atol=1e-6)  # the final state c, as bars
    assert np.allclose(frames[2]["data"][0]["y"], states[2], atol=1e-6)
    heat = np.asarray(chart_specs(at)[page.ENCODER_FIG]["data"][0]["z"], dtype=float)
    assert np.allclose(heat, states.T, atol=1e-6)  # every hidden state, one column per token
    assert not [w for w in at.warning if "does not know" in w.value]
    assert _marked_line(at, "Reference") == "ton voyage commence avec un pas"
    assert _marked_line(at, "Decoder") == " ".join(expected.output)
    assert {page.ENCODER_FIG, page.DIAGRAM_FIG, page.CURVES_FIG, page.SURVIVAL_FIG} <= set(chart_specs(at))


def test_the_lectures_cat_sentence_is_fully_known_and_ends_on_c(models) -> None:
    """The seeds' example from the sidebar: no word left out, the rules' French, and the climax — the last frame
    (where Play and the slider end) shows c outlined in the accent colour, uncovered, and named."""
    at = open_app(PAGE, {"text": CAT})
    assert not at.exception
    assert not [w for w in at.warning if "does not know" in w.value]
    tokens = g.read_source(CAT).known
    assert len(tokens) == 17  # commas are words of the toy language
    assert _marked_line(at, "Reference") == (
        "le chat qui était assis sur le tapis , qui était à côté du chien , a sauté"
    )
    expected = translate_sentence(models.bottleneck, models.src_vocab, models.tgt_vocab, tokens)
    assert _marked_line(at, "Decoder") == " ".join(expected.output)
    frames = _encoder_frames(at)
    assert len(frames) == 17
    last = frames[-1]["layout"]
    box, curtain = last["shapes"][0], last["shapes"][1]
    assert (
        (box["x0"], box["x1"]) == (15.5, 16.5)
        and box["line"]["color"] == ACCENT
        and box["line"]["width"] >= 4
    )
    assert curtain["visible"] is False  # nothing grey over c
    assert all(len(f["layout"]["shapes"]) == len(last["shapes"]) for f in frames)  # so no stale curtain
    label = next(a for a in last["annotations"] if a["text"] == "<b>c</b>")
    assert label["visible"] is True and label["x"] == 16
    assert any("only thing the decoder receives" in a["text"] for a in last["annotations"])
    spec = chart_specs(at)[page.ENCODER_FIG]
    assert spec["layout"]["shapes"] == last["shapes"]  # the figure opens on that frame too
    text = "\n".join(m.value for m in at.markdown)
    assert "“jumped” must still know its subject, “cat”, 15 tokens back" in text  # from the rules' subjects


def test_a_short_sentence_names_no_long_dependency() -> None:
    at = open_app(PAGE)  # your journey starts with one step: "starts" is right after "journey"
    assert "must still know its subject" not in "\n".join(m.value for m in at.markdown)


def test_diagram_shows_the_loaded_models_sizes(models) -> None:
    at = open_app(PAGE)
    cfg = models.bottleneck.cfg
    texts = [a["text"] for a in chart_specs(at)[page.DIAGRAM_FIG]["layout"]["annotations"]]
    for expected in (
        f"{len(models.src_vocab)} known",
        f"{cfg.emb_dim} per word",
        f"{cfg.hidden_dim}, once",
        f"s: {cfg.hidden_dim}",
        f"→ {len(models.tgt_vocab)} French",
    ):
        assert expected in texts
    table = at.get_by_key(page.PARTS_KEY).dataframe[0].value
    assert table["learned numbers"].sum() == sum(p.numel() for p in models.bottleneck.parameters())
    text = "\n".join(m.value for m in at.markdown)
    assert f"{sum(p.numel() for p in models.bottleneck.parameters()):,} learned numbers" in text


def test_unknown_words_are_named_with_suggestions(models) -> None:
    at = open_app(PAGE, {"text": "The zebra sleeps under the tabel."})
    assert not at.exception
    warning = next(w.value for w in at.warning if "does not know" in w.value)
    assert "zebra" in warning and "tabel" in warning and "table" in warning
    assert len(_encoder_frames(at)) == 4  # the, sleeps, under, the


def test_no_known_word_falls_back_to_an_example() -> None:
    at = open_app(PAGE, {"text": "Bonjour tout le monde 日本語"})
    assert not at.exception
    assert any("No word of the sidebar sentence" in i.value for i in at.info)
    fallback = g.read_source(g.EXAMPLE_SENTENCES[2]).known
    assert len(_encoder_frames(at)) == len(fallback)


def test_example_from_link_and_curves_match_shipped_evaluation() -> None:
    at = open_app(PAGE, {page.EXAMPLE_KEY: "10", page.METRIC_KEY: "sentence"})  # the lesson plan's 39 tokens
    assert not at.exception
    longest = g.read_source(g.EXAMPLE_SENTENCES[9]).known
    assert len(longest) == 39
    assert len(_encoder_frames(at)) == len(longest)
    curves = chart_specs(at)[page.CURVES_FIG]
    from ui.translation import evaluation  # the same file the page reads

    shipped = evaluation().by_length["bottleneck"]
    line = curves["data"][0]
    assert list(line["x"]) == sorted(shipped)
    assert np.allclose(line["y"], [shipped[k]["sentence_accuracy"] for k in line["x"]])
    assert at.query_params[page.EXAMPLE_KEY] == "10"


def test_the_cat_example_from_a_link() -> None:
    at = open_app(PAGE, {page.EXAMPLE_KEY: CAT_EXAMPLE})
    assert not at.exception
    assert len(_encoder_frames(at)) == 17
    assert _marked_line(at, "Reference").endswith("a sauté")


def test_picking_an_example_writes_the_url() -> None:
    at = open_app(PAGE)
    at.selectbox(key=page.EXAMPLE_KEY).set_value(3).run()
    assert not at.exception
    assert at.query_params[page.EXAMPLE_KEY] == "4"
    assert len(_encoder_frames(at)) == len(g.EXAMPLE_SENTENCES[3].split())
    options = at.selectbox(key=page.EXAMPLE_KEY).options
    assert options[1].startswith("Lecture · 17 tokens · the cat that was sitting")  # the lectures' come first


@pytest.mark.parametrize(
    "params", [{page.EXAMPLE_KEY: "999"}, {page.METRIC_KEY: "bleu"}, {page.SURVIVAL_KEY: "x"}]
)
def test_tampered_links_fall_back_with_a_notice(params: dict[str, str]) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert any("falls back" in n for n in notices(at))
    assert page.ENCODER_FIG in chart_specs(at)


def test_html_and_huge_text_stay_text() -> None:
    at = open_app(PAGE, {"text": "<script>alert(1)</script> the cat sleeps " + "x" * 10_000})
    assert not at.exception
    warning = next(w.value for w in at.warning if "does not know" in w.value)
    assert "<script>" not in warning and "script" in warning
    assert len(_encoder_frames(at)) == 3


def test_survival_switches_model() -> None:
    at = open_app(PAGE, {page.SURVIVAL_KEY: "attention"})
    assert not at.exception
    from ui.translation import evaluation

    z = np.asarray(chart_specs(at)[page.SURVIVAL_FIG]["data"][0]["z"], dtype=float)
    assert np.allclose(z, evaluation().survival["attention"], equal_nan=True)
    # A second click on the chosen model must keep it: the browser does not clear a required control
    # (otherwise it sends None and the page falls back to the default model).
    control = at.button_group(key=page.SURVIVAL_KEY)
    assert control.value == "attention" and control.proto.required


def test_long_sentence_is_cut_to_the_trained_length() -> None:
    at = open_app(PAGE, {"text": " and ".join(["the cat sleeps"] * 15)})  # 59 known words
    assert not at.exception
    assert any("first 40 are used" in i.value for i in at.info)
    assert len(_encoder_frames(at)) == 40
