"""Score translators against the reference translator: accuracy by length and which source positions survive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from attention_core.translation.grammar import Pair
from attention_core.translation.models import (
    BOS,
    EOS,
    PAD,
    AttentionTranslator,
    Translator,
    Vocab,
    batch_source,
    max_output_len,
)


@dataclass
class SentenceScore:
    """How one model did on one held-out sentence."""

    output: list[str]
    correct: list[bool]  # per reference token: produced by the model, in order (see matched_reference)
    exact: bool  # the whole output equals the reference
    aligned: float | None = (
        None  # attention only: share of teacher-forced steps whose focus is the rule's word
    )


def lcs_match(output: Sequence[str], reference: Sequence[str]) -> tuple[list[bool], list[bool]]:
    """Which output and which reference tokens pair up in a longest common subsequence of the two.

    A dropped or extra word costs only itself, not every word after it, so one slip does not zero a sentence.
    """
    n, m = len(output), len(reference)
    lcs = np.zeros((n + 1, m + 1), dtype=np.int32)  # lcs[i, j]: LCS length of output[i:], reference[j:]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            lcs[i, j] = (
                lcs[i + 1, j + 1] + 1 if output[i] == reference[j] else max(lcs[i + 1, j], lcs[i, j + 1])
            )
    out_hit, ref_hit = [False] * n, [False] * m
    i = j = 0
    while i < n and j < m:
        if output[i] == reference[j]:
            out_hit[i] = ref_hit[j] = True
            i, j = i + 1, j + 1
        elif lcs[i + 1, j] >= lcs[i, j + 1]:
            i += 1
        else:
            j += 1
    return out_hit, ref_hit


def matched_reference(output: Sequence[str], reference: Sequence[str]) -> list[bool]:
    """Per reference token: the model produced it, in order (token accuracy is the mean of this)."""
    return lcs_match(output, reference)[1]


def _target_batch(vocab: Vocab, pairs: Sequence[Pair]) -> torch.Tensor:
    """<bos> target <eos> ids, padded: (B, T_tgt + 2)."""
    seqs = [[BOS, *vocab.encode(p.target), EOS] for p in pairs]
    out = torch.full((len(seqs), max(map(len, seqs))), PAD, dtype=torch.long)
    for row, seq in enumerate(seqs):
        out[row, : len(seq)] = torch.tensor(seq)
    return out


@torch.no_grad()
def score_pairs(
    model: Translator, src_vocab: Vocab, tgt_vocab: Vocab, pairs: Sequence[Pair], batch_size: int = 128
) -> list[SentenceScore]:
    """Greedy-decode every pair (batched, in the given order) and score it against its reference."""
    model.eval()
    scores: list[SentenceScore] = []
    for start in range(0, len(pairs), batch_size):
        chunk = list(pairs[start : start + batch_size])
        src, lengths = batch_source(src_vocab, [p.source for p in chunk])
        result = model(src, lengths, max_len=max_output_len(int(lengths.max())))
        aligned: list[float | None] = [None] * len(chunk)
        if isinstance(model, AttentionTranslator):
            tgt = _target_batch(tgt_vocab, chunk)
            forced = model(src, lengths, tgt[:, :-1])
            focus = forced.attn_weights.argmax(-1)  # (B, T_tgt + 1): most-attended source position per step
            for row, pair in enumerate(chunk):
                steps = focus[row, : len(pair.alignment)].tolist()
                aligned[row] = float(np.mean([f == a for f, a in zip(steps, pair.alignment, strict=True)]))
        for row, pair in enumerate(chunk):
            output = tgt_vocab.decode(result.token_ids[row].tolist())
            scores.append(
                SentenceScore(
                    output, matched_reference(output, pair.target), output == pair.target, aligned[row]
                )
            )
    return scores


def accuracy_by_length(pairs: Sequence[Pair], scores: Sequence[SentenceScore]) -> dict[int, dict[str, float]]:
    """{source length: {n, token_accuracy, sentence_accuracy}} (token accuracy pools all target tokens)."""
    groups: dict[int, list[tuple[Pair, SentenceScore]]] = defaultdict(list)
    for pair, score in zip(pairs, scores, strict=True):
        groups[len(pair.source)].append((pair, score))
    table = {}
    for length in sorted(groups):
        items = groups[length]
        correct = sum(sum(s.correct) for _, s in items)
        total = sum(len(s.correct) for _, s in items)
        table[length] = {
            "n": len(items),
            "token_accuracy": correct / total,
            "sentence_accuracy": float(np.mean([s.exact for _, s in items])),
        }
    return table


def survival_by_position(
    pairs: Sequence[Pair], scores: Sequence[SentenceScore], buckets: Sequence[tuple[int, int]]
) -> np.ndarray:
    """(len(buckets), max source length): share of target words from source position j translated right.

    A source word "survives" when the target word(s) the rules make from it come out at the right place.
    Positions a bucket's sentences never reach are nan.
    """
    width = max(hi for _, hi in buckets)
    hits = np.zeros((len(buckets), width))
    counts = np.zeros((len(buckets), width))
    for pair, score in zip(pairs, scores, strict=True):
        n = len(pair.source)
        for b, (lo, hi) in enumerate(buckets):
            if lo <= n <= hi:
                for ok, j in zip(score.correct, pair.alignment, strict=True):
                    hits[b, j] += ok
                    counts[b, j] += 1
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)


@dataclass(frozen=True)
class Evaluation:
    """The shipped held-out evaluation (eval.json), typed: accuracy by length and bucket, survival by position."""

    per_length: int  # held-out sentences per source length
    buckets: tuple[tuple[int, int], ...]  # (shortest, longest) source length of each group
    by_length: Mapping[
        str, Mapping[int, Mapping[str, float]]
    ]  # model -> length -> n / token_ / sentence_accuracy
    by_bucket: Mapping[str, tuple[Mapping[str, float], ...]]  # model -> one score mapping per bucket
    survival: Mapping[
        str, np.ndarray
    ]  # model -> (buckets, positions) share right, nan where no such position
    alignment_agreement: float | None  # attention model: share of steps focused on the rule's word

    @classmethod
    def from_json(cls, raw: Mapping) -> Evaluation:
        """Read the JSON written by scripts/train_translation.py; raises KeyError/TypeError/ValueError if malformed."""
        models = ("bottleneck", "attention")
        survival = {}
        for name in raw["survival"]:
            matrix = np.asarray(raw["survival"][name], dtype=float)
            matrix.setflags(write=False)
            survival[name] = matrix
        agreement = raw.get("attention_alignment_agreement")
        return cls(
            per_length=int(raw["per_length"]),
            buckets=tuple((int(lo), int(hi)) for lo, hi in raw["buckets"]),
            by_length={
                name: {
                    int(k): {m: float(v) for m, v in row.items()} for k, row in raw["by_length"][name].items()
                }
                for name in models
            },
            by_bucket={
                name: tuple({m: float(v) for m, v in row.items()} for row in raw["by_bucket"][name])
                for name in models
                if name in raw["by_bucket"]
            },
            survival=survival,
            alignment_agreement=None if agreement is None else float(agreement),
        )


def length_curves_data(ev: Evaluation, metric_key: str) -> dict[str, dict[int, float]]:
    """From the shipped evaluation: {model: {source length: metric}} for both models (plot-ready)."""
    return {
        name: {k: row[metric_key] for k, row in sorted(ev.by_length[name].items())} for name in ev.by_length
    }
