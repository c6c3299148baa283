"""Attention sinks: many heads park their attention on the first token, and a window cache that drops it fails.

Two measurements:

- for a text, the share of each head's attention that lands on the first token (and, for the encoder MiniLM,
  on [CLS] and [SEP]), against what uniform attention would give;
- the window-cache experiment of the attention-sink work (Xiao et al., 2023, "Efficient Streaming Language
  Models with Attention Sinks"): the next-token loss at every position of a long text when the KV cache holds
  only the last W tokens, versus a cache of the same size that keeps the first 4 tokens for good.
  `scripts/sink_experiment.py` measures it on a shipped public-domain text and writes
  `assets/sink_experiment.json`; the page plots that file.

Shapes: L = layers, H = heads, T = tokens.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from attention_core.variants import windows as win

ASSET_DIR = Path(__file__).resolve().parents[1] / "assets"
EXPERIMENT_PATH = ASSET_DIR / "sink_experiment.json"
TEXT_PATH = ASSET_DIR / "texts" / "alice_ch1-2.txt"
DEFAULT_SINKS = 4


def _ro(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=np.float64)
    out.setflags(write=False)
    return out


# --- how much attention lands on a token ----------------------------------------------------------------


def share_on(attentions: np.ndarray, key: int, first_query: int = 0) -> np.ndarray:
    """(L, H, T, T) weights -> (L, H): the mean, over queries first_query.., of the weight on key `key`."""
    att = np.asarray(attentions, dtype=np.float64)
    if att.ndim != 4 or att.shape[-1] != att.shape[-2]:
        raise ValueError(f"need (layers, heads, T, T) attentions, got {att.shape}")
    t = att.shape[-1]
    if not 0 <= first_query < t:
        raise ValueError(f"first_query must be in 0..{t - 1}")
    return att[:, :, first_query:, key].mean(axis=-1)


def uniform_share(num_tokens: int, causal: bool, first_query: int = 0) -> float:
    """What `share_on(.., key=0)` would be if every query spread its weight evenly over the keys it sees."""
    queries = np.arange(first_query, num_tokens)
    if causal:
        return float(np.mean(1.0 / (queries + 1)))  # query q sees q + 1 keys
    return 1.0 / num_tokens


@dataclass(frozen=True)
class SinkShares:
    """Attention on the first (and for an encoder also the last) token, per layer and head (read-only)."""

    model_key: str
    tokens: tuple[str, ...]  # display labels
    causal: bool
    first: np.ndarray  # (L, H) share on token 0 ([CLS] for MiniLM); a decoder's query 0 is left out
    last: np.ndarray | None  # (L, H) share on the last token ([SEP] for MiniLM); None for a decoder
    uniform: float  # the share on token 0 under uniform attention (same queries)

    @property
    def first_mean(self) -> np.ndarray:
        """(L,) the mean over heads of `first`."""
        return _ro(self.first.mean(axis=1))

    @property
    def last_mean(self) -> np.ndarray | None:
        """(L,) the mean over heads of `last`, or None."""
        return None if self.last is None else _ro(self.last.mean(axis=1))

    @property
    def sink_heads(self) -> int:
        """Heads (over all layers) that give the first token more than half of their attention."""
        return int((self.first > 0.5).sum())

    @property
    def num_tokens(self) -> int:
        """Tokens in the run."""
        return len(self.tokens)


def sink_shares(model_key: str, labels: Sequence[str], attentions: np.ndarray, causal: bool) -> SinkShares:
    """Shares of attention on the first (and last) token from a run's (L, H, T, T) attentions.

    A decoder's first query can only attend to itself (weight 1), so it is left out of the mean there.
    """
    t = np.asarray(attentions).shape[-1]
    first_query = 1 if (causal and t > 1) else 0
    first = share_on(attentions, 0, first_query)
    last = None if causal else share_on(attentions, t - 1)
    return SinkShares(
        model_key,
        tuple(labels),
        causal,
        _ro(first),
        None if last is None else _ro(last),
        uniform_share(t, causal, first_query),
    )


# --- the window-cache experiment ----------------------------------------------------------------------------


@torch.no_grad()
def cache_losses(
    model: torch.nn.Module, input_ids: torch.Tensor, window: int | None, sinks: int = 0
) -> np.ndarray:
    """(T - 1,) next-token losses with a KV cache of `window` entries keeping the first `sinks` (None: full).

    One forward pass with the cache's mask on every layer (see `windows`): the same numbers a token-by-token
    rolling cache gives (`rolling_cache_losses` checks it), at the tokens' true positions.
    """
    t = input_ids.shape[1]
    if window is None or window >= t:
        hidden = win.window_mask(t, t)
    elif sinks:
        hidden = win.sink_window_mask(t, window, sinks)
    else:
        hidden = win.window_mask(t, window)
    logits, _ = win.masked_forward(model, input_ids, hidden)
    return win.next_token_losses(logits, input_ids)[0].double().numpy()


@torch.no_grad()
def rolling_cache_losses(
    model: torch.nn.Module, input_ids: torch.Tensor, window: int, sinks: int = 0
) -> np.ndarray:
    """The reference: decode token by token with a real transformers KV cache, evicting the oldest non-sink entry
    whenever the cache would exceed `window` entries. (T - 1,) next-token losses. Slow; for tests."""
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    t = input_ids.shape[1]
    cache = DynamicCache()
    losses = []
    for pos in range(t - 1):
        length = cache.get_seq_length() if pos else 0
        if length >= window:  # make room: drop the oldest entry that is not a sink
            for layer in cache.layers:
                assert isinstance(layer, DynamicLayer)  # full attention: keys/values (b, g, length, hd)
                keys, values = layer.keys, layer.values
                assert keys is not None and values is not None
                layer.keys = torch.cat([keys[..., :sinks, :], keys[..., sinks + 1 :, :]], dim=-2)
                layer.values = torch.cat([values[..., :sinks, :], values[..., sinks + 1 :, :]], dim=-2)
            length -= 1
        out = model(
            input_ids=input_ids[:, pos : pos + 1],
            position_ids=torch.tensor([[pos]]),  # the true position, as in the one-pass mask
            attention_mask=torch.zeros(1, 1, 1, length + 1),  # the new token sees the whole cache
            cache=cache,  # updated in place
            use_cache=True,
        )
        logp = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        losses.append(-float(logp[input_ids[0, pos + 1]]))
    return np.asarray(losses, dtype=np.float64)


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    """A centred running mean over `width` positions (shorter at the ends), for plotting noisy losses."""
    v = np.asarray(values, dtype=np.float64)
    if width <= 1 or v.size == 0:
        return v.copy()
    kernel = np.ones(width)
    sums = np.convolve(v, kernel, mode="same")
    counts = np.convolve(np.ones_like(v), kernel, mode="same")
    return sums / counts


@dataclass(frozen=True)
class CacheRun:
    """One cache setting of the shipped experiment."""

    name: str
    window: int | None  # None: full attention (no cache limit)
    sinks: int
    mean_after_window: float  # mean loss over the positions where the cache is full (nats)
    losses: np.ndarray | None  # (T - 1,) per position, for the runs that are plotted

    @property
    def perplexity_after_window(self) -> float:
        """exp(mean_after_window)."""
        return float(np.exp(self.mean_after_window))


@dataclass(frozen=True)
class SinkExperiment:
    """The shipped result of scripts/sink_experiment.py."""

    text_title: str
    text_source: str
    licence: str
    model: str
    num_tokens: int
    window: int  # the window of the plotted runs
    runs: tuple[CacheRun, ...]
    seconds: float
    seed: int

    def run(self, window: int | None, sinks: int = 0) -> CacheRun:
        """The run with this window and number of sinks; KeyError if it was not measured."""
        for r in self.runs:
            if r.window == window and r.sinks == sinks:
                return r
        raise KeyError(f"no run with window={window}, sinks={sinks}")

    @property
    def loss_jump(self) -> float:
        """How much the mean loss after the window rises when the sinks are dropped (window vs window + 4)."""
        return (
            self.run(self.window, 0).mean_after_window
            - self.run(self.window, DEFAULT_SINKS).mean_after_window
        )


class ExperimentUnavailableError(RuntimeError):
    """The shipped experiment file is missing or unreadable; the message says how to rebuild it."""


def load_experiment(path: Path = EXPERIMENT_PATH) -> SinkExperiment:
    """Read the shipped window-cache experiment; raises ExperimentUnavailableError with the fix."""
    fix = "Rebuild it with `.venv/bin/python scripts/sink_experiment.py`."
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        runs = tuple(
            CacheRun(
                str(r["name"]),
                None if r["window"] is None else int(r["window"]),
                int(r["sinks"]),
                float(r["mean_after_window"]),
                None if r.get("losses") is None else _ro(np.asarray(r["losses"], dtype=np.float64)),
            )
            for r in raw["runs"]
        )
        exp = SinkExperiment(
            str(raw["text_title"]),
            str(raw["text_source"]),
            str(raw["licence"]),
            str(raw["model"]),
            int(raw["num_tokens"]),
            int(raw["window"]),
            runs,
            float(raw["seconds"]),
            int(raw["seed"]),
        )
        for needed in ((None, 0), (exp.window, 0), (exp.window, DEFAULT_SINKS)):
            if exp.run(*needed).losses is None:
                raise ValueError(f"run {needed} has no per-position losses")
    except FileNotFoundError as exc:
        raise ExperimentUnavailableError(f"The experiment file {path.name} is missing. {fix}") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExperimentUnavailableError(
            f"The experiment file {path.name} is unreadable or corrupt ({type(exc).__name__}). {fix}"
        ) from exc
    return exp


def mean_after(losses: np.ndarray, window: int | None) -> float:
    """Mean loss over positions whose cache is full: predictions made from position `window` on."""
    v = np.asarray(losses, dtype=np.float64)
    start = 0 if window is None else min(window, v.size - 1)
    return float(v[start:].mean())


@dataclass(frozen=True)
class TypedCacheStudy:
    """The window-cache comparison on the typed text (read-only arrays)."""

    window: int
    sinks: int
    num_tokens: int
    full: np.ndarray  # (T - 1,) losses with full attention
    dropped: np.ndarray  # (T - 1,) window cache that drops the first tokens
    kept: np.ndarray  # (T - 1,) window cache that keeps the first `sinks`

    def mean_after(self, which: str) -> float:
        """Mean loss after the window for 'full', 'dropped' or 'kept'."""
        return mean_after(getattr(self, which), self.window)


@torch.no_grad()
def typed_cache_study(
    model: torch.nn.Module, input_ids: torch.Tensor, window: int, sinks: int
) -> TypedCacheStudy:
    """Full attention, a window cache and a window cache with sinks on a short text, in one batched pass."""
    t = input_ids.shape[1]
    window = max(sinks + 1, min(window, t))
    masks = torch.stack(
        [win.window_mask(t, t), win.window_mask(t, window), win.sink_window_mask(t, window, sinks)]
    )  # (3, T, T)
    logits, _ = win.masked_forward(model, input_ids, masks)
    losses = win.next_token_losses(logits, input_ids).double().numpy()  # (3, T - 1)
    return TypedCacheStudy(window, sinks, t, _ro(losses[0]), _ro(losses[1]), _ro(losses[2]))
