"""Watch attention learn, the data and the measures: generated sentences, repeated sequences, head scores."""

from __future__ import annotations

import random

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.learning import metrics, repeats, sentences
from attention_core.learning.models import SubjectFinder


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_every_generated_sentence_has_one_subject_before_its_verb(seed: int) -> None:
    s = sentences.random_sentence(random.Random(seed))
    vocab = set(sentences.vocabulary())
    assert set(s.tokens) <= vocab and len(s.tokens) <= sentences.CONTEXT_LENGTH
    assert s.tokens[-1] in sentences.VERBS and s.verb_pos == len(s.tokens) - 1
    assert s.tokens[s.subject_pos] == sentences.ANIMALS[s.subject]
    animals = [i for i, w in enumerate(s.tokens) if w in sentences.ANIMALS]
    assert animals[0] == s.subject_pos, "the subject is the first animal"
    assert [sentences.ANIMALS.index(s.tokens[i]) for i in animals[1:]] == list(s.distractors)
    assert s.subject not in s.distractors, "a distractor is always another animal"
    assert 1 <= s.distance == s.verb_pos - s.subject_pos


def test_training_and_held_out_sentences_never_overlap() -> None:
    data = sentences.make_data(0)
    assert data.held_out[0].text == sentences.LECTURE_SENTENCE, "the lectures' sentence is held out"
    train, held_out = {s.tokens for s in data.train}, {s.tokens for s in data.held_out}
    assert len(train) == len(data.train) and len(held_out) == len(data.held_out)
    assert not train & held_out
    assert sentences.make_data(0) == data, "the same seed gives the same sentences"
    assert sentences.make_data(1).train != data.train
    buckets = {sentences.bucket_of(s.distance) for s in data.held_out}
    assert buckets == set(range(len(sentences.DISTANCE_BUCKETS))), "every distance bucket is held out"


def test_encoding_puts_the_verb_and_subject_where_the_sentences_say() -> None:
    data = sentences.make_data(0)
    enc = data.held_out_encoded
    vocab = data.vocab
    for row, s in enumerate(data.held_out[:50]):
        assert [vocab[int(i)] for i in enc.ids[row, : len(s.tokens)]] == list(s.tokens)
        assert (enc.ids[row, len(s.tokens) :] == 0).all()  # PAD after the verb
        assert int(enc.verb_pos[row]) == s.verb_pos and int(enc.subject_pos[row]) == s.subject_pos
        assert int(enc.labels[row]) == s.subject


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40))
def test_repeat_batches_repeat_their_first_half(seed: int, batch: int) -> None:
    b = repeats.repeat_batch(torch.Generator().manual_seed(seed), batch)
    for row in range(batch):
        half = int(b.half[row])
        assert repeats.MIN_HALF <= half <= repeats.MAX_HALF
        first, second = b.ids[row, :half], b.ids[row, half : 2 * half]
        assert torch.equal(first, second)
        assert len(set(first.tolist())) == half, "the first half has no repeats"
    rep, fh, valid = b.repeated(), b.first_half(), b.valid()
    assert not (rep & fh).any() and not ((rep | fh) & ~valid).any()
    assert int(rep.sum()) == int((b.half - 1).sum())  # predictable: every repeated symbol but the first


def _perfect(kind: str, batch: repeats.RepeatBatch) -> torch.Tensor:
    """(1, b, 1, T, T) attention that puts all weight on t-1 ('prev') or on t-L+1 in the second half ('ind')."""
    b, T = batch.ids.shape
    w = torch.zeros(1, b, 1, T, T)
    for row in range(b):
        half = int(batch.half[row])
        for t in range(T):
            target = max(t - 1, 0) if kind == "prev" else (t - half + 1 if t >= half else t)
            w[0, row, 0, t, max(target, 0)] = 1.0
    return w


def test_head_scores_are_one_for_the_pattern_they_name_and_small_for_a_flat_row() -> None:
    batch = repeats.repeat_batch(torch.Generator().manual_seed(3), 16)
    prev, ind = _perfect("prev", batch), _perfect("ind", batch)
    assert torch.allclose(metrics.previous_token_scores(prev, batch), torch.ones(1, 1))
    assert torch.allclose(metrics.induction_scores(ind, batch), torch.ones(1, 1))
    assert (
        float(metrics.induction_scores(prev, batch)) < 0.05
    )  # a previous-token head is not an induction head
    T = batch.ids.shape[1]
    flat = torch.tril(torch.ones(T, T)) / torch.arange(1, T + 1).unsqueeze(1)  # causal uniform rows
    flat = flat.expand(1, len(batch.ids), 1, T, T)
    assert float(metrics.induction_scores(flat, batch)) < metrics.INDUCTION_THRESHOLD / 3


def test_subject_hits_count_rows_peaking_on_the_subject() -> None:
    rows = torch.tensor([[[0.1, 0.8, 0.1]], [[0.6, 0.2, 0.2]], [[0.2, 0.3, 0.5]]])  # (n=3, h=1, T=3)
    subject = torch.tensor([1, 1, 2])
    assert torch.allclose(metrics.subject_hits(rows, subject), torch.tensor([2 / 3], dtype=torch.float64))
    assert torch.allclose(metrics.subject_weight(rows, subject), torch.tensor([0.5], dtype=torch.float64))


def test_the_no_attention_baseline_is_the_mean_of_the_embeddings_and_the_model_is_causal() -> None:
    data = sentences.make_data(0)
    enc = data.held_out_encoded
    torch.manual_seed(0)
    mean = SubjectFinder(len(data.vocab), 8, 16, 1, sentences.CONTEXT_LENGTH, mixer="mean").eval()
    with torch.no_grad():
        logits, weights = mean(enc.ids[:4], enc.verb_pos[:4])
        x = mean.emb["tok"](enc.ids[:4]) + mean.emb["pos"](torch.arange(enc.ids.shape[1]))
        expected = torch.stack([x[i, : int(enc.verb_pos[i]) + 1].mean(0) for i in range(4)])
    assert weights is None
    assert torch.allclose(logits, mean.readout(expected), atol=1e-6)
    model = SubjectFinder(len(data.vocab), 8, 16, 2, sentences.CONTEXT_LENGTH).eval()
    with torch.no_grad():
        a, w = model(enc.ids[:4], enc.verb_pos[:4])
        changed = enc.ids[:4].clone()
        changed[:, -1] = 5  # a token after every verb (the longest sentence is shorter than the context)
        b, _ = model(changed, enc.verb_pos[:4])
    assert torch.equal(a, b), "tokens after the verb cannot change the answer"
    assert w is not None and torch.allclose(w.sum(-1), torch.ones_like(w.sum(-1)))
