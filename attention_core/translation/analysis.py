"""What the translation pages compute, as typed results: the models' parts and sizes, one decoding step worked
through with numbers, the alignment view of a sentence, and summaries of the shipped evaluation.

Every number here is read from the loaded models or the evaluation file; nothing is typed in by hand.
Arrays in the results are read-only, so a result cached for one session can be shared with all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from attention_core.translation.evaluate import Evaluation
from attention_core.translation.grammar import Translation, word_kind
from attention_core.translation.models import (
    BOS,
    AttentionTranslator,
    Translated,
    Translator,
    Vocab,
    batch_source,
)


def _frozen(array: object) -> np.ndarray:
    """A float64 numpy copy that cannot be written to."""
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    out = np.array(array, dtype=np.float64)
    out.setflags(write=False)
    return out


# ---------------------------------------------------------------------------------------------------------
# The models' parts, drawn to size


@dataclass(frozen=True)
class Block:
    """One part of a translator: what it is, the sizes it maps between, and its learned parameters."""

    name: str  # "Embedding", "Encoder GRU", ...
    side: str  # "encoder" | "bridge" | "decoder"
    detail: str  # sizes in words: "188 English words → 32 numbers each"
    parameters: int


@dataclass(frozen=True)
class Architecture:
    """The sizes of one trained translator, read from its modules."""

    kind: str  # "bottleneck" | "attention"
    src_vocab: int
    tgt_vocab: int
    emb_dim: int
    encoder_hidden: int  # per direction
    bidirectional: bool
    annotation_dim: int  # size of one encoder state h_j (2 × hidden when bidirectional)
    decoder_hidden: int
    attn_dim: int | None  # size of the additive-attention layer (attention model only)
    context_dim: int  # what the decoder reads besides its own state: c, or the context vector
    blocks: tuple[Block, ...]

    @property
    def parameters(self) -> int:
        """All learned numbers of the model."""
        return sum(b.parameters for b in self.blocks)


def _count(*modules: torch.nn.Module) -> int:
    return sum(p.numel() for m in modules for p in m.parameters())


def architecture(model: Translator) -> Architecture:
    """The parts and sizes of a loaded translator (from its modules, so they always match the weights)."""
    emb = model.embedding
    enc = model.encoder
    dirs = 2 if enc.bidirectional else 1
    annotation = enc.hidden_size * dirs
    readout = model.readout.out
    tgt_emb = model.tgt_embedding
    if isinstance(model, AttentionTranslator):
        dec_hidden = model.decoder.hidden_size
        attn_dim = model.attention.W_query.out_features
        context_dim = annotation
        bridge = Block(
            "Additive attention",
            "bridge",
            f"scores every h_j against the decoder state through a layer of {attn_dim}, "
            f"softmax → α, context = Σ α_j h_j ({annotation} numbers, new at every step)",
            _count(model.attention),
        )
        encoder = Block(
            "Encoder GRU (bidirectional)",
            "encoder",
            f"{enc.hidden_size} + {enc.hidden_size} numbers per word: one state h_j of {annotation} per word",
            _count(enc),
        )
    else:
        dec_hidden = model.decoder.hidden_size
        attn_dim = None
        context_dim = enc.hidden_size
        bridge = Block(
            "Final state c",
            "bridge",
            f"only the last state: {enc.hidden_size} numbers for the whole sentence",
            0,
        )
        encoder = Block(
            "Encoder GRU",
            "encoder",
            f"{enc.hidden_size} numbers, overwritten at every word",
            _count(enc),
        )
    blocks = (
        Block(
            "Embedding",
            "encoder",
            f"{emb.num_embeddings} English tokens → {emb.embedding_dim} numbers each",
            _count(emb),
        ),
        encoder,
        bridge,
        Block(
            "Decoder GRU",
            "decoder",
            f"state s of {dec_hidden} numbers, started from the encoder "
            + ("(backward state of word 1)" if dirs == 2 else "(c)"),
            _count(model.decoder, model.init_state, tgt_emb),
        ),
        Block(
            "Readout",
            "decoder",
            f"[s ; previous word ({tgt_emb.embedding_dim}) ; context ({context_dim})] = "
            f"{readout.in_features} → {readout.out_features} French tokens",
            _count(readout),
        ),
    )
    return Architecture(
        kind="attention" if isinstance(model, AttentionTranslator) else "bottleneck",
        src_vocab=emb.num_embeddings,
        tgt_vocab=readout.out_features,
        emb_dim=emb.embedding_dim,
        encoder_hidden=enc.hidden_size,
        bidirectional=dirs == 2,
        annotation_dim=annotation,
        decoder_hidden=dec_hidden,
        attn_dim=attn_dim,
        context_dim=context_dim,
        blocks=blocks,
    )


# ---------------------------------------------------------------------------------------------------------
# One decoding step, worked through


@dataclass(frozen=True)
class WorkedStep:
    """Additive attention at one output step, every intermediate number of e_j = vᵀ tanh(W s + U h_j + b).

    Shapes: T source tokens, A attention units, H decoder units, C = 2 × encoder units (one annotation h_j).
    """

    step: int  # 0-based output position
    output_word: str  # the word the decoder writes at this step ("<eos>" for the stop step)
    source: tuple[str, ...]
    state: np.ndarray  # (H,) s, the decoder state before writing the word
    query_proj: np.ndarray  # (A,) W s
    key_proj: np.ndarray  # (T, A) U h_j + b
    hidden: np.ndarray  # (T, A) tanh(W s + U h_j + b)
    v: np.ndarray  # (A,)
    scores: np.ndarray  # (T,) e_j
    exp_scores: np.ndarray  # (T,) exp(e_j − max e)
    weights: np.ndarray  # (T,) α_j = softmax(e)_j
    annotations: np.ndarray  # (T, C) h_j
    weighted: np.ndarray  # (T, C) α_j h_j
    context: np.ndarray  # (C,) Σ_j α_j h_j

    @property
    def focus(self) -> int:
        """The source position with the largest weight."""
        return int(np.argmax(self.weights))


@torch.no_grad()
def worked_step(
    model: AttentionTranslator, src_vocab: Vocab, tgt_vocab: Vocab, translated: Translated, step: int
) -> WorkedStep:
    """Recompute output step `step` of a greedy translation by hand, from the model's parameters.

    The decoder is fed the words it wrote itself before this step, which gives back its state s; the scores,
    weights and context are then computed with plain matrix products (not the attention module), so they can
    be checked against what the model's own forward pass produced.
    """
    n_steps = 0 if translated.attn_weights is None else int(translated.attn_weights.shape[0])
    if not 0 <= step < n_steps:
        raise ValueError(f"step must be in [0, {n_steps}), got {step}")
    model.eval()
    tokens = list(translated.source)
    src, lengths = batch_source(src_vocab, [tokens])
    annotations, backward_first = model.encode(src, lengths)  # (1, T, C), (1, H)
    if step == 0:
        state = torch.tanh(model.init_state(backward_first))[0]  # (H,) s_0
    else:
        fed = [
            BOS,
            *translated.output_ids[: step - 1],
        ]  # the decoder's inputs up to this step (its own words)
        forced = model(src, lengths, torch.tensor([fed], dtype=torch.long))
        state = forced.decoder_states[0, step - 1]  # (H,) the state after writing word step - 1
    h = annotations[0]  # (T, C)
    W, U = model.attention.W_query.weight, model.attention.W_key.weight  # (A, H), (A, C)
    b, v = model.attention.W_key.bias, model.attention.v.weight[0]  # (A,), (A,)
    query_proj = W @ state  # (A,)
    key_proj = h @ U.T + b  # (T, A)
    hidden = torch.tanh(query_proj[None, :] + key_proj)  # (T, A)
    scores = hidden @ v  # (T,)
    exp_scores = torch.exp(scores - scores.max())  # (T,)
    weights = exp_scores / exp_scores.sum()  # (T,)
    weighted = weights[:, None] * h  # (T, C)
    return WorkedStep(
        step=step,
        output_word=translated.step_tokens[step],
        source=tuple(tokens),
        state=_frozen(state),
        query_proj=_frozen(query_proj),
        key_proj=_frozen(key_proj),
        hidden=_frozen(hidden),
        v=_frozen(v),
        scores=_frozen(scores),
        exp_scores=_frozen(exp_scores),
        weights=_frozen(weights),
        annotations=_frozen(h),
        weighted=_frozen(weighted),
        context=_frozen(weighted.sum(0)),
    )


def default_step(translated: Translated, reference: Translation) -> int:
    """The step a lecture works through: the last word the rules make from a verb ("sauté" for "jumped"),
    else the middle word."""
    rows = 0 if translated.attn_weights is None else int(translated.attn_weights.shape[0])
    if translated.output == reference.tokens:
        verbs = [i for i, j in enumerate(reference.alignment) if word_kind(translated.source[j]) == "verb"]
        if verbs:
            return verbs[-1]
    return max(0, min(rows - 1, len(translated.output) // 2))


@dataclass(frozen=True)
class Agreement:
    """A verb and the subject it agrees with, and how many tokens lie between them."""

    verb: str
    subject: str
    distance: int


def longest_agreement(tokens: list[str], reference: Translation) -> Agreement | None:
    """The verb of the sentence farthest from its subject ("jumped" … "cat"), if any (from the rules)."""
    pairs = [(v, h) for v, h in reference.subjects if 0 <= h < v < len(tokens)]
    if not pairs:
        return None
    verb, head = max(pairs, key=lambda p: p[0] - p[1])
    return Agreement(tokens[verb], tokens[head], verb - head)


# ---------------------------------------------------------------------------------------------------------
# A sentence's alignment, and the shipped evaluation


@dataclass(frozen=True)
class AlignmentView:
    """The attention model's weights on one sentence, with what the rules say and how often they agree."""

    weights: np.ndarray  # (rows, T_src): one row per output word, plus the <eos> step when produced
    row_labels: tuple[str, ...]
    rule_alignment: tuple[int, ...] | None  # drawn only when the model's output is the reference
    exact: bool  # the output equals the reference translation
    agreement: float | None  # share of output words whose strongest weight is on the rules' source word


def alignment_view(translated: Translated, reference: Translation, show_rule: bool = True) -> AlignmentView:
    """Rows for the output words (and <eos>), the rules' alignment, and how well the focus follows it."""
    if translated.attn_weights is None:
        raise ValueError("the bottleneck model has no attention weights")
    weights = _frozen(translated.attn_weights)
    labels = translated.step_tokens[: weights.shape[0]]
    exact = translated.output == reference.tokens
    agreement = None
    if exact:
        focus = weights[: len(reference.alignment)].argmax(-1)
        agreement = float(np.mean([f == a for f, a in zip(focus, reference.alignment, strict=False)]))
    rule = tuple(reference.alignment) if exact and show_rule else None
    return AlignmentView(weights, labels, rule, exact, agreement)


@dataclass(frozen=True)
class LengthSummary:
    """The shipped evaluation in a few numbers: short vs long sentences, with and without attention."""

    short_max: int  # "short" is up to this many tokens
    long_min: int  # "long" is at least this many
    longest: tuple[int, int]  # the evaluation's longest length group
    bottleneck_short: float
    bottleneck_long: float
    attention_short: float
    attention_long: float
    bottleneck_longest: Mapping[str, float]  # token_accuracy / sentence_accuracy of the longest group
    attention_longest: Mapping[str, float]


def length_summary(ev: Evaluation, metric_key: str, short_max: int = 10, long_min: int = 30) -> LengthSummary:
    """Mean accuracy (`metric_key`) on short and long sentences for both models, from eval.json."""

    def mean(name: str, keep: Callable[[int], bool]) -> float:
        values = [row[metric_key] for k, row in ev.by_length[name].items() if keep(k)]
        return float(np.mean(values)) if values else float("nan")

    lo, hi = ev.buckets[-1]
    return LengthSummary(
        short_max=short_max,
        long_min=long_min,
        longest=(int(lo), int(hi)),
        bottleneck_short=mean("bottleneck", lambda k: k <= short_max),
        bottleneck_long=mean("bottleneck", lambda k: k >= long_min),
        attention_short=mean("attention", lambda k: k <= short_max),
        attention_long=mean("attention", lambda k: k >= long_min),
        bottleneck_longest=dict(ev.by_bucket["bottleneck"][-1]),
        attention_longest=dict(ev.by_bucket["attention"][-1]),
    )


@dataclass(frozen=True)
class SurvivalSummary:
    """Which source positions come out right in the longest sentences (from eval.json)."""

    matrix: np.ndarray  # (buckets, positions), nan where a bucket has no such position
    bucket_labels: tuple[str, ...]
    first_ten: float  # mean over positions 1-10 of the longest bucket
    last_ten: float  # mean over its last ten positions


def survival_summary(ev: Evaluation, model: str) -> SurvivalSummary:
    """The survival matrix of one model and how its first and last ten positions fare in the longest group."""
    matrix = _frozen(ev.survival[model])
    labels = tuple(f"{lo}–{hi} tokens" for lo, hi in ev.buckets)
    longest = matrix[-1]
    return SurvivalSummary(matrix, labels, float(np.nanmean(longest[:10])), float(np.nanmean(longest[-10:])))


__all__ = [
    "Agreement",
    "AlignmentView",
    "Architecture",
    "Block",
    "LengthSummary",
    "SurvivalSummary",
    "WorkedStep",
    "alignment_view",
    "architecture",
    "default_step",
    "length_summary",
    "longest_agreement",
    "survival_summary",
    "worked_step",
]
