"""The translation pages' computations: a decoding step worked by hand equals the model's own forward pass,
the alignment view, and the summaries of an evaluation."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.translation import grammar as g
from attention_core.translation.analysis import (
    alignment_view,
    architecture,
    default_step,
    length_summary,
    longest_agreement,
    survival_summary,
    worked_step,
)
from attention_core.translation.evaluate import Evaluation
from attention_core.translation.models import (
    ASSET_DIR,
    AttentionTranslator,
    BottleneckTranslator,
    TranslatorConfig,
    Vocab,
    translate_sentence,
)

SRC, TGT = Vocab(list(g.SOURCE_WORDS)), Vocab(list(g.TARGET_WORDS))


def _model(seed: int) -> AttentionTranslator:
    torch.manual_seed(seed)
    return AttentionTranslator(
        TranslatorConfig(len(SRC), len(TGT), emb_dim=8, hidden_dim=12, attn_dim=10)
    ).eval()


MODELS = [_model(seed) for seed in range(3)]


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2),
    sentence_seed=st.integers(0, 10_000),
    length=st.integers(3, 25),
    picks=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=3),
)
def test_worked_step_is_the_models_own_attention(
    seed: int, sentence_seed: int, length: int, picks: list[float]
) -> None:
    """At any output step: the same α as the model's forward pass (the heatmap) and the same context vector."""
    model = MODELS[seed]
    tokens = g.sample_sentence_of_length(random.Random(sentence_seed), length)
    translated = translate_sentence(model, SRC, TGT, tokens)
    n_steps = translated.attn_weights.shape[0]
    for step in sorted({0, n_steps - 1, *(int(p * n_steps) for p in picks)}):
        worked = worked_step(model, SRC, TGT, translated, step)
        assert np.allclose(worked.weights, translated.attn_weights[step].numpy(), atol=1e-6)
        assert np.allclose(worked.context, translated.context_vecs[step].numpy(), atol=1e-5)
        # the pieces add up: e = v · tanh(W s + U h + b), α = softmax(e), c = Σ α h
        assert np.allclose(worked.hidden, np.tanh(worked.query_proj[None, :] + worked.key_proj), atol=1e-6)
        assert np.allclose(worked.scores, worked.hidden @ worked.v, atol=1e-5)
        assert np.isclose(worked.weights.sum(), 1.0, atol=1e-6)
        assert np.allclose(worked.weights, worked.exp_scores / worked.exp_scores.sum(), atol=1e-7)
        assert np.allclose(worked.context, worked.weights @ worked.annotations, atol=1e-5)
        assert worked.output_word == TGT.itos[translated.output_ids[step]]
        assert not worked.weights.flags.writeable  # shared between sessions through a cache


def test_worked_step_rejects_steps_outside_the_translation() -> None:
    translated = translate_sentence(MODELS[0], SRC, TGT, ["the", "cat", "sleeps"])
    with pytest.raises(ValueError):
        worked_step(MODELS[0], SRC, TGT, translated, translated.attn_weights.shape[0])


def test_default_step_is_the_last_word_made_from_a_verb() -> None:
    tokens = g.read_source("The cat that was sitting on the mat, which was next to the dog, jumped.").known
    reference = g.translate(tokens)

    perfect = SimpleNamespace(  # a translation equal to the reference, as the trained model gives
        source=tokens,
        output=reference.tokens,
        step_tokens=(*reference.tokens, "<eos>"),
        attn_weights=torch.full((len(reference.tokens) + 1, len(tokens)), 1 / len(tokens)),
    )
    step = default_step(perfect, reference)  # type: ignore[arg-type]
    assert reference.tokens[step] == "sauté" and tokens[reference.alignment[step]] == "jumped"


def test_alignment_view_rows_rule_and_agreement() -> None:
    tokens = ["the", "small", "cat", "sleeps"]
    reference = g.translate(tokens)  # le chat petit dort

    exact = SimpleNamespace(
        source=tokens,
        output=reference.tokens,
        step_tokens=(*reference.tokens, "<eos>"),
        attn_weights=torch.eye(5, 4)[[0, 2, 1, 3, 3]],  # row i attends to one word
    )
    view = alignment_view(exact, reference)  # type: ignore[arg-type]
    assert view.row_labels == ("le", "chat", "petit", "dort", "<eos>")
    assert view.rule_alignment == (0, 2, 1, 3) and view.exact and view.agreement == 1.0
    assert alignment_view(exact, reference, show_rule=False).rule_alignment is None  # type: ignore[arg-type]
    wrong = alignment_view(SimpleNamespace(**{**vars(exact), "output": ["le", "chien"]}), reference)  # type: ignore[arg-type]
    assert wrong.rule_alignment is None and wrong.agreement is None and not wrong.exact


def _evaluation() -> Evaluation:
    lengths = range(3, 41)
    by_length = {
        "bottleneck": {
            str(k): {"n": 2, "token_accuracy": 1 - k / 50, "sentence_accuracy": 0.0} for k in lengths
        },
        "attention": {str(k): {"n": 2, "token_accuracy": 1.0, "sentence_accuracy": 1.0} for k in lengths},
    }
    bucket = {"lo": 36, "hi": 40, "n": 10, "token_accuracy": 0.25, "sentence_accuracy": 0.0}
    raw = {
        "per_length": 2,
        "buckets": [[3, 5], [36, 40]],
        "by_length": by_length,
        "by_bucket": {
            "bottleneck": [bucket, bucket],
            "attention": [bucket, {**bucket, "token_accuracy": 1.0}],
        },
        "survival": {"bottleneck": [[1.0] * 5 + [np.nan] * 35, [0.9] * 10 + [0.1] * 30]},
    }
    return Evaluation.from_json(raw)


def test_evaluation_reads_the_shipped_file_typed_and_read_only() -> None:
    raw = json.loads((ASSET_DIR / "eval.json").read_text())
    ev = Evaluation.from_json(raw)
    assert ev.per_length == raw["per_length"]
    assert ev.buckets == tuple((lo, hi) for lo, hi in raw["buckets"])
    assert ev.alignment_agreement == raw["attention_alignment_agreement"]
    for name in ("bottleneck", "attention"):
        assert ev.by_length[name] == {int(k): row for k, row in raw["by_length"][name].items()}
        assert list(ev.by_bucket[name]) == raw["by_bucket"][name]
        assert not ev.survival[name].flags.writeable
        np.testing.assert_array_equal(ev.survival[name], np.asarray(raw["survival"][name], dtype=float))
    with pytest.raises(KeyError):
        Evaluation.from_json({k: v for k, v in raw.items() if k != "buckets"})


def test_length_summary_means_of_short_and_long() -> None:
    summary = length_summary(_evaluation(), "token_accuracy")
    assert np.isclose(summary.bottleneck_short, np.mean([1 - k / 50 for k in range(3, 11)]))
    assert np.isclose(summary.bottleneck_long, np.mean([1 - k / 50 for k in range(30, 41)]))
    assert summary.attention_long == 1.0 and summary.longest == (36, 40)
    assert summary.attention_longest["token_accuracy"] == 1.0


def test_survival_summary_first_and_last_ten() -> None:
    summary = survival_summary(_evaluation(), "bottleneck")
    assert summary.bucket_labels == ("3–5 tokens", "36–40 tokens")
    assert np.isclose(summary.first_ten, 0.9) and np.isclose(summary.last_ten, 0.1)


def test_architecture_reads_the_modules() -> None:
    torch.manual_seed(0)
    bottleneck = BottleneckTranslator(TranslatorConfig(30, 40, emb_dim=5, hidden_dim=7, attn_dim=3))
    arch = architecture(bottleneck)
    assert (arch.kind, arch.context_dim, arch.attn_dim, arch.bidirectional) == ("bottleneck", 7, None, False)
    assert arch.parameters == sum(p.numel() for p in bottleneck.parameters())
    arch = architecture(MODELS[0])
    assert (arch.kind, arch.annotation_dim, arch.attn_dim, arch.decoder_hidden) == ("attention", 24, 10, 12)
    assert arch.parameters == sum(p.numel() for p in MODELS[0].parameters())


def test_longest_agreement_finds_the_subject_behind_the_relative_clauses() -> None:
    tokens = g.read_source("The cat that was sitting on the mat, which was next to the dog, jumped.").known
    far = longest_agreement(tokens, g.translate(tokens))
    assert far is not None and (far.verb, far.subject, far.distance) == ("jumped", "cat", 15)
    tokens = ["the", "cats", "that", "the", "dog", "sees", "sleep"]
    far = longest_agreement(tokens, g.translate(tokens))
    assert far is not None and (far.verb, far.subject) == ("sleep", "cats")
    assert (
        longest_agreement(
            ["the", "european", "economic", "area"], g.translate(["the", "european", "economic", "area"])
        )
        is None
    )
