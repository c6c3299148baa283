"""The real-transformer page: one text through one pretrained model, with the head mean and attention rollout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from attention_core.pretrained import (
    AttentionRun,
    LoadedModel,
    Word,
    attention_rollout,
    mean_over_heads,
    run_attention,
    token_words,
)


def _lock(array: np.ndarray) -> np.ndarray:
    """Make an array read-only in place (these can be hundreds of MB, so no copy)."""
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class TransformerView:
    """Everything the page draws for one (model, text), shared by every session that shows it."""

    run: AttentionRun  # tokens and attentions (layers, heads, T, T), read-only
    head_mean: np.ndarray  # (layers, T, T), the mean over each layer's heads
    rollout: np.ndarray  # (layers, T, T), attention rollout up to each layer


def transformer_view(model: LoadedModel, text: str) -> TransformerView:
    """Run `text` through `model` once and aggregate its attention; every array of the result is read-only."""
    run = run_attention(model, text)
    _lock(run.attentions)
    head_mean = mean_over_heads(run.attentions)  # (layers, T, T), computed once for both views
    return TransformerView(run, _lock(head_mean), _lock(attention_rollout(None, head_mean=head_mean)))


# ---------------------------------------------------------------- find the heads that link A to B

LECTURE_LINK = ("jumped", "cat")  # the lectures' question about their sentence: who jumped?
_NOT_NOUNS = frozenset(  # words the default B skips: articles, pronouns, auxiliaries, prepositions
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "him",
        "us",
        "them",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
    ]
)


@dataclass(frozen=True)
class HeadLink:
    """One head's attention weight from token A (query) to token B (key)."""

    layer: int  # 0-based
    head: int  # 0-based
    weight: float


@dataclass(frozen=True)
class LinkView:
    """How strongly every layer x head sends token A's attention to token B, strongest head first."""

    source: int  # A: the query token's position (0-based)
    target: int  # B: the key token's position (0-based)
    weights: np.ndarray  # (layers, heads): attentions[:, :, source, target], read-only
    ranking: tuple[HeadLink, ...]  # every head, strongest first; ties: lower layer first, then lower head
    uniform: float  # what A would give B if it spread its attention evenly over the tokens it sees
    visible: bool  # False when a decoder's A comes before B: A cannot see B, so every weight is exactly 0
    source_word: Word  # the word A's token belongs to (a split word has several pieces)
    target_word: Word

    @property
    def best(self) -> HeadLink:
        """The head with the largest weight from A to B."""
        return self.ranking[0]

    def top(self, n: int) -> tuple[HeadLink, ...]:
        """The n strongest heads."""
        return self.ranking[:n]


def _word_at(words: tuple[Word, ...], position: int) -> Word:
    return next(w for w in words if w.start <= position < w.stop)


def link_view(
    attentions: np.ndarray, tokens: Sequence[str], source: int, target: int, *, wordpiece: bool, causal: bool
) -> LinkView:
    """Rank every layer x head by the weight from token `source` (A, query) to token `target` (B, key).

    attentions: (layers, heads, T, T), rows are queries. Positions are 0-based token positions.
    """
    a = np.asarray(attentions)
    _, n_heads, t, t2 = a.shape  # (layers, heads, T, T)
    if t != t2 or len(tokens) != t:
        raise ValueError(f"attentions {a.shape} do not match {len(tokens)} tokens")
    if not (0 <= source < t and 0 <= target < t):
        raise ValueError(f"positions {source}, {target} outside 0..{t - 1}")
    weights = np.array(a[:, :, source, target], dtype=np.float32)  # (layers, heads), a copy
    weights.flags.writeable = False
    order = np.argsort(
        -weights.ravel(), kind="stable"
    )  # flat index = layer * heads + head: ties keep that order
    ranking = tuple(HeadLink(int(i // n_heads), int(i % n_heads), float(weights.flat[i])) for i in order)
    words = token_words(tokens, wordpiece)
    return LinkView(
        source,
        target,
        weights,
        ranking,
        1.0 / (source + 1) if causal else 1.0 / t,
        not causal or target <= source,
        _word_at(words, source),
        _word_at(words, target),
    )


def default_link(tokens: Sequence[str], *, wordpiece: bool) -> tuple[int, int]:
    """Default (A, B) positions: 'jumped' -> 'cat' when the text has both (cat first), else the last word ->
    the first noun-like word before it, else the last token -> the first. A is the last piece of its word
    (in a decoder it has read the whole word), B the first piece of its."""
    words = [w for w in token_words(tokens, wordpiece) if not w.special and any(c.isalnum() for c in w.text)]
    lowered = [w.text.lower() for w in words]
    verb, noun = LECTURE_LINK
    if verb in lowered and noun in lowered and lowered.index(noun) < lowered.index(verb):
        return words[lowered.index(verb)].stop - 1, words[lowered.index(noun)].start
    if len(words) >= 2:
        a = words[-1]
        nouns = [w for w in words[:-1] if w.text.lower() not in _NOT_NOUNS]
        return a.stop - 1, (nouns or words[:-1])[0].start
    return len(tokens) - 1, 0
