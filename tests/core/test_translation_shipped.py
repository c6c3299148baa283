"""The shipped translators: they load, they still fit the grammar, and they reproduce the shipped evaluation."""

from __future__ import annotations

import csv
import json
import random

import numpy as np
import pytest

from attention_core.translation import grammar as g
from attention_core.translation.evaluate import SentenceScore, accuracy_by_length, score_pairs
from attention_core.translation.models import ASSET_DIR, load_models

SUBSET_SEED = 0
SUBSET_SIZE = 60


@pytest.fixture(scope="module")
def models():
    return load_models(ASSET_DIR)


@pytest.fixture(scope="module")
def evaluation() -> dict:
    return json.loads((ASSET_DIR / "eval.json").read_text())


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with (ASSET_DIR / "eval_sentences.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def test_assets_are_small_and_complete() -> None:
    for name in ("bottleneck.safetensors", "attention.safetensors", "config.json", "eval.json"):
        path = ASSET_DIR / name
        assert path.is_file(), name
        assert path.stat().st_size < 3_000_000
    assert (ASSET_DIR / "eval_by_length.csv").is_file()


def test_vocabularies_match_the_grammar(models) -> None:
    assert models.src_vocab.itos[4:] == list(g.SOURCE_WORDS)
    assert models.tgt_vocab.itos[4:] == list(g.TARGET_WORDS)


def test_shipped_sentences_still_translate_the_same(rows) -> None:
    for row in random.Random(SUBSET_SEED).sample(rows, SUBSET_SIZE):
        assert " ".join(g.translate(row["source"].split()).tokens) == row["reference"]


def test_loaded_weights_reproduce_the_shipped_evaluation(models, rows) -> None:
    """Re-run both models on a fixed random subset of the held-out sentences and compare with the CSV."""
    subset = random.Random(SUBSET_SEED).sample(rows, SUBSET_SIZE)
    pairs = [g.make_pair(r["source"].split()) for r in subset]
    for name in ("bottleneck", "attention"):
        model = getattr(models, name)
        scores = score_pairs(model, models.src_vocab, models.tgt_vocab, pairs)
        for row, score in zip(subset, scores, strict=True):
            assert " ".join(score.output) == row[f"{name}_output"]
            assert sum(score.correct) == int(row[f"{name}_correct"])


def test_evaluation_json_agrees_with_the_sentence_csv(evaluation, rows) -> None:
    """The curves the pages plot are the per-sentence results, aggregated."""
    pairs = [g.Pair(r["source"].split(), r["reference"].split(), []) for r in rows]
    for name in ("bottleneck", "attention"):
        scores = [
            SentenceScore(
                r[f"{name}_output"].split(),
                # only the count of matched reference words is stored; their positions do not enter the mean
                [i < int(r[f"{name}_correct"]) for i in range(len(r["reference"].split()))],
                r[f"{name}_output"] == r["reference"],
            )
            for r in rows
        ]
        table = accuracy_by_length(pairs, scores)
        shipped = evaluation["by_length"][name]
        assert sorted(int(k) for k in shipped) == sorted(table)
        for length, values in table.items():
            assert values["n"] == shipped[str(length)]["n"] == evaluation["per_length"]
            assert np.isclose(values["token_accuracy"], shipped[str(length)]["token_accuracy"])
            assert np.isclose(values["sentence_accuracy"], shipped[str(length)]["sentence_accuracy"])


def test_the_measured_curves_have_the_shape_of_figure_2(evaluation) -> None:
    """Attention holds up on long sentences; the bottleneck learned short ones but falls with length."""
    b = {int(k): v["token_accuracy"] for k, v in evaluation["by_length"]["bottleneck"].items()}
    a = {int(k): v["token_accuracy"] for k, v in evaluation["by_length"]["attention"].items()}
    short_b = np.mean([v for k, v in b.items() if k <= 8])
    long_b = np.mean([v for k, v in b.items() if k >= 33])
    long_a = np.mean([v for k, v in a.items() if k >= 33])
    assert short_b >= 0.8  # the bottleneck model really learned the task on short sentences
    assert short_b - long_b >= 0.3  # ... and loses it as sentences grow
    assert long_a >= 0.9  # the attention model holds up
    assert evaluation["attention_alignment_agreement"] >= 0.8  # and its focus follows the rules' alignment


def _lecture_pairs() -> list[g.Pair]:
    return [g.make_pair(g.read_source(s.text).known) for s in g.LECTURE_SENTENCES]


def test_the_attention_model_translates_every_lecture_sentence(models) -> None:
    """Computed here, not read from a file: each of the lectures' sentences comes out as the rules' French."""
    pairs = _lecture_pairs()
    scores = score_pairs(models.attention, models.src_vocab, models.tgt_vocab, pairs)
    for pair, score in zip(pairs, scores, strict=True):
        assert all(models.src_vocab.stoi.get(w, 3) != 3 for w in pair.source)  # no <unk> on the way in
        assert score.output == pair.target, (pair.source, score.output)


def test_the_bottleneck_fails_on_the_long_lecture_sentence(models) -> None:
    cat = _lecture_pairs()[0]
    assert len(cat.source) == 17
    score = score_pairs(models.bottleneck, models.src_vocab, models.tgt_vocab, [cat])[0]
    assert score.output != cat.target and sum(score.correct) < len(cat.target)


def test_the_shipped_lecture_results_are_what_the_models_do(models, evaluation) -> None:
    pairs = _lecture_pairs()
    shipped = evaluation["lecture_sentences"]
    assert [row["text"] for row in shipped] == [s.text for s in g.LECTURE_SENTENCES]
    for name in ("bottleneck", "attention"):
        scores = score_pairs(getattr(models, name), models.src_vocab, models.tgt_vocab, pairs)
        for row, pair, score in zip(shipped, pairs, scores, strict=True):
            assert row["reference"] == " ".join(pair.target)
            assert row[f"{name}_output"] == " ".join(score.output)
