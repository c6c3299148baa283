"""The RNN bottleneck page: the encoder animation of the real model, output vs reference, curves, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest

from attention_core.translation import grammar as g
from attention_core.translation.models import load_models, translate_sentence
from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs, decode

PAGE = "app_pages/rnn_bottleneck.py"


@pytest.fixture(scope="module")
def models():
    return load_models()


def _encoder_frames(at) -> list[dict]:
    spec = chart_specs(at)["rb_encoder"]
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
    heat = np.asarray(chart_specs(at)["rb_encoder"]["data"][0]["z"], dtype=float)
    assert np.allclose(heat, states.T, atol=1e-6)  # every hidden state, one column per token
    assert not [w for w in at.warning if "does not know" in w.value]
    assert _marked_line(at, "Reference") == "ton voyage commence avec un pas"
    assert _marked_line(at, "Decoder") == " ".join(expected.output)
    assert {"rb_encoder", "rb_curves", "rb_survival"} <= set(chart_specs(at))


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
    at = open_app(PAGE, {"rb_ex": str(len(g.EXAMPLE_SENTENCES)), "rb_metric": "sentence"})
    assert not at.exception
    longest = g.read_source(g.EXAMPLE_SENTENCES[-1]).known
    assert len(_encoder_frames(at)) == len(longest)
    curves = chart_specs(at)["rb_curves"]
    from ui.translation import evaluation  # the same file the page reads

    shipped = evaluation()["by_length"]["bottleneck"]
    line = curves["data"][0]
    assert list(line["x"]) == sorted(int(k) for k in shipped)
    assert np.allclose(line["y"], [shipped[str(k)]["sentence_accuracy"] for k in line["x"]])
    assert at.query_params["rb_ex"] == str(len(g.EXAMPLE_SENTENCES))


def test_picking_an_example_writes_the_url() -> None:
    at = open_app(PAGE)
    at.selectbox(key="rb_ex").set_value(3).run()
    assert not at.exception
    assert at.query_params["rb_ex"] == "4"
    assert len(_encoder_frames(at)) == len(g.EXAMPLE_SENTENCES[3].split())


@pytest.mark.parametrize("params", [{"rb_ex": "999"}, {"rb_metric": "bleu"}, {"rb_surv": "x"}])
def test_tampered_links_fall_back_with_a_notice(params: dict[str, str]) -> None:
    at = open_app(PAGE, params)
    assert not at.exception
    assert any("falls back" in n for n in notices(at))
    assert "rb_encoder" in chart_specs(at)


def test_html_and_huge_text_stay_text() -> None:
    at = open_app(PAGE, {"text": "<script>alert(1)</script> the cat sleeps " + "x" * 10_000})
    assert not at.exception
    warning = next(w.value for w in at.warning if "does not know" in w.value)
    assert "<script>" not in warning and "script" in warning
    assert len(_encoder_frames(at)) == 3


def test_survival_switches_model() -> None:
    at = open_app(PAGE, {"rb_surv": "attention"})
    assert not at.exception
    from ui.translation import evaluation

    z = np.asarray(chart_specs(at)["rb_survival"]["data"][0]["z"], dtype=float)
    assert np.allclose(z, np.asarray(evaluation()["survival"]["attention"], dtype=float), equal_nan=True)
    # A second click on the chosen model must keep it: the browser does not clear a required control
    # (otherwise it sends None and the page falls back to the default model).
    control = at.button_group(key="rb_surv")
    assert control.value == "attention" and control.proto.required


def test_long_sentence_is_cut_to_the_trained_length() -> None:
    at = open_app(PAGE, {"text": " and ".join(["the cat sleeps"] * 15)})  # 59 known words
    assert not at.exception
    assert any("first 40 are used" in i.value for i in at.info)
    assert len(_encoder_frames(at)) == 40
