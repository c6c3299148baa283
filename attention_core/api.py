"""The library's public API: the app's attention figures in a notebook, and attention weights to feed them.

    import attention_core as ac
    ac.show(attn_weights, tokens)            # (T, T) heatmap; (heads, T, T) or (layers, heads, T, T) model view
    ac.show(attn_weights, tokens, view="head", layer=0, head=2, query=3)   # one query's lines to every key
    ac.attention_weights(module, inputs)     # the book's attention classes, or a GPTModel on token ids
    ac.transformers_attention(model, tokenizer, "The cat sat")   # any transformers model (eager attention)
    ac.load_gpt("config.json", "model.safetensors")              # a GPTModel checkpoint, loaded safely

Figures are Plotly figures (Jupyter shows them; ``fig.write_html(path)`` saves one that opens offline).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from attention_core.checkpoint import load_gpt_bytes
from attention_core.figures import transformer as tf
from attention_core.gpt import GPTModel

View = Literal["auto", "heatmap", "head", "heads", "model"]
VIEWS: tuple[str, ...] = ("auto", "heatmap", "head", "heads", "model")


def _as_weights(attn_weights: Any) -> np.ndarray:
    """A tensor or array-like as float32 numpy (detached, on the CPU)."""
    if isinstance(attn_weights, torch.Tensor):
        attn_weights = attn_weights.detach().to("cpu", torch.float32).numpy()
    return np.asarray(attn_weights, dtype=np.float32)


def _index(value: int, size: int, name: str) -> int:
    """A 0-based index checked against `size` (negative counts from the end, like Python)."""
    if not -size <= value < size:
        raise ValueError(f"{name} {value} is out of range: there are {size} (0-based indices 0..{size - 1})")
    return value % size


def show(
    attn_weights: Any,
    tokens: Sequence[str],
    *,
    view: View = "auto",
    layer: int = 0,
    head: int = 0,
    query: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """The app's figure for attention weights: a heatmap, a head view, every head of a layer, or a model view.

    `attn_weights` is a tensor or array shaped (T, T), (heads, T, T) or (layers, heads, T, T); row q holds query
    q's weights over the keys. `tokens` labels the T positions. `view` "auto" draws a (T, T) matrix as a
    heatmap and anything with heads as the model view (every head as a thumbnail). "heatmap" and "head" show the
    head picked by `layer` and `head` (0-based): its matrix, or lines from the `query` token (default: the
    last) to every key. "heads" shows where each head of `layer` sends the `query`.
    """
    a = _as_weights(attn_weights)
    if a.ndim not in (2, 3, 4) or a.shape[-1] != a.shape[-2]:
        raise ValueError(
            f"attn_weights must be (T, T), (heads, T, T) or (layers, heads, T, T), got shape {a.shape}"
        )
    t = a.shape[-1]
    labels = [str(tok) for tok in tokens]
    if len(labels) != t:
        raise ValueError(f"{len(labels)} tokens for {t} positions: give one token per row of the matrix")
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    dims = a.ndim
    grid = a.reshape((1,) * (4 - dims) + a.shape)  # -> (layers, heads, T, T)
    li, hi = _index(layer, grid.shape[0], "layer"), _index(head, grid.shape[1], "head")
    qi = _index(t - 1 if query is None else query, t, "query")
    where = (f"Layer {li + 1}, head {hi + 1}" if dims == 4 else f"Head {hi + 1}") if dims > 2 else ""
    if view == "auto":
        view = "heatmap" if dims == 2 else "model"
    matrix = grid[li, hi]  # (T, T)
    if view == "heatmap":
        return tf.attention_heatmap(
            matrix, labels, title if title is not None else f"{where} attention weights".strip()
        )
    if view == "head":
        causal = bool(np.all(np.triu(matrix, k=1) == 0)) and t > 1
        name = tf.position_names(labels)[qi]
        default = f"{where + ': ' if where else ''}where {name} looks"
        if t <= tf.DETAIL_MAX:
            return tf.head_lines(
                matrix[qi], labels, qi, title if title is not None else default, causal=causal
            )
        return tf.top_keys(matrix[qi], labels, qi, title=title if title is not None else default)
    if view == "heads":
        name = tf.position_names(labels)[qi]
        default = f"{f'Layer {li + 1}: ' if dims == 4 else ''}where each head sends {name}"
        return tf.heads_for_query(grid[li], labels, qi, title if title is not None else default, head=hi)
    return tf.model_view(grid, title=title or "")


# ------------------------------------------------------------------ weights from the book's classes


def _is_attention(module: nn.Module) -> bool:
    """The book's attention classes all have W_query and W_key (nn.Linear or nn.Parameter)."""
    return hasattr(module, "W_query") and hasattr(module, "W_key")


def _is_head_wrapper(module: nn.Module) -> bool:
    """MultiHeadAttentionWrapper: a `heads` list of single-head attention modules."""
    heads = getattr(module, "heads", None)
    return isinstance(heads, nn.ModuleList) and len(heads) > 0 and all(_is_attention(h) for h in heads)


def _project(weight: Any, x: torch.Tensor) -> torch.Tensor:
    """x @ W for an nn.Parameter (d_in, d_out); W(x) for an nn.Linear."""
    return weight(x) if isinstance(weight, nn.Module) else x @ weight


def _recompute(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """softmax(Q K^T / sqrt(d_k)) (causal where the layer has a mask) for the input `x` the layer received."""
    if _is_head_wrapper(layer) and not _is_attention(layer):
        heads = [_recompute(h, x) for h in getattr(layer, "heads")]  # noqa: B009 (checked by _is_head_wrapper)
        return torch.stack(heads, dim=-3)  # h x (.., T, T) -> (.., h, T, T)
    queries = _project(layer.W_query, x)  # (.., T, d_out)
    keys = _project(layer.W_key, x)  # (.., T, d_out)
    num_heads = getattr(layer, "num_heads", None)
    if isinstance(num_heads, int):  # the book's MultiHeadAttention: split d_out into heads
        hd = keys.shape[-1] // num_heads
        queries = queries.unflatten(-1, (num_heads, hd)).transpose(-3, -2)  # (.., T, h, hd) -> (.., h, T, hd)
        keys = keys.unflatten(-1, (num_heads, hd)).transpose(-3, -2)
    attn_scores = queries @ keys.transpose(-2, -1)  # (.., [h,] T, T)
    mask = getattr(layer, "mask", None)
    if isinstance(mask, torch.Tensor) and getattr(layer, "causal", True):
        t = attn_scores.shape[-1]
        attn_scores = attn_scores.masked_fill(mask.bool()[:t, :t], -torch.inf)
    scale = getattr(layer, "scale", True)
    divisor = math.sqrt(keys.shape[-1]) if scale is not False else 1.0
    return torch.softmax(attn_scores / divisor, dim=-1)


def attention_layers(module: nn.Module) -> list[nn.Module]:
    """The attention layers inside `module`, in order (itself, if it is one of the book's attention classes)."""
    if _is_attention(module) or _is_head_wrapper(module):
        return [module]
    found: list[nn.Module] = []
    inside: set[int] = set()
    for _, sub in module.named_modules():
        if id(sub) in inside:
            continue
        if _is_attention(sub) or _is_head_wrapper(sub):
            found.append(sub)
            inside.update(id(m) for m in sub.modules())
    return found


def attention_weights(module: nn.Module, inputs: torch.Tensor) -> np.ndarray:
    """Attention weights of the book's classes, recomputed from what each attention layer receives.

    Works on SelfAttention_v1/v2, CausalAttention, MultiHeadAttentionWrapper, MultiHeadAttention (the book's
    versions return only context vectors; these helpers do not need them to return weights) and on a GPTModel
    or anything else built from them. `inputs` is what `module` takes: embeddings (T, d_in) / (b, T, d_in) for an
    attention class, token ids (T,) / (b, T) for a GPTModel. Returns float32 numpy: (T, T) for one head,
    (heads, T, T) for multi-head, (layers, heads, T, T) for a model, with a leading batch dimension when
    `inputs` had one. The weights are those before dropout (what the model uses in eval mode).
    """
    layers = attention_layers(module)
    if not layers:
        raise ValueError(f"{type(module).__name__} has no attention layer with W_query and W_key")
    x = inputs
    add_batch = isinstance(module, GPTModel) or hasattr(module, "trf_blocks")
    unbatched = add_batch and x.dim() == 1
    if unbatched:
        x = x.unsqueeze(0)  # (T,) ids -> (1, T)
    captured: dict[int, torch.Tensor] = {}

    def hook_for(i: int):
        def hook(_module: nn.Module, args: tuple[Any, ...]) -> None:
            captured[i] = args[0].detach()

        return hook

    handles = [layer.register_forward_pre_hook(hook_for(i)) for i, layer in enumerate(layers)]
    try:
        with torch.no_grad():
            module(x)
            weights = [_recompute(layer, captured[i]) for i, layer in enumerate(layers)]
    finally:
        for handle in handles:
            handle.remove()
    if len(layers) == 1 and not add_batch:
        out = weights[0]
    else:
        with_heads = _is_head_wrapper(layers[0]) or isinstance(getattr(layers[0], "num_heads", None), int)
        out = torch.stack(weights, dim=-4 if with_heads else -3)  # L x (.., [h,] T, T) -> (.., L, [h,] T, T)
        if unbatched:
            out = out.squeeze(0)
    return out.to(torch.float32).numpy()


# ------------------------------------------------------------------ weights from a transformers model


def transformers_attention(
    model: Any, tokenizer: Any, text: str, max_tokens: int = 512
) -> tuple[list[str], np.ndarray]:
    """Run a Hugging Face `transformers` model on `text` with output_attentions=True.

    Returns (tokens, weights (layers, heads, T, T) float32). Load the model with
    ``attn_implementation="eager"``: the fused attention kernels return no weights.
    """
    enc = tokenizer(text, return_tensors="pt", truncation=True, max_length=max_tokens)
    with torch.no_grad():
        out = model(**enc, output_attentions=True)
    attentions = getattr(out, "attentions", None)
    if not attentions or any(a is None for a in attentions):
        raise ValueError(
            "the model returned no attention weights: load it with attn_implementation='eager' "
            "(e.g. AutoModel.from_pretrained(path, attn_implementation='eager'))"
        )
    weights = (
        torch.stack([a[0] for a in attentions]).to(torch.float32).numpy()
    )  # L x (h, T, T) -> (L, h, T, T)
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist())
    return [str(t) for t in tokens], weights


# ------------------------------------------------------------------ a GPTModel checkpoint from files


def load_gpt(config_path: str | Path, weights_path: str | Path) -> GPTModel:
    """A GPTModel (float32, eval mode) from the book's config JSON and a .safetensors or .pth state dict.

    The same checks as the app's upload page: a .pth is read with torch.load(weights_only=True), so a file
    with code in it is refused and never run; missing keys, wrong shapes and a mismatched config are named.
    """
    weights = Path(weights_path)
    loaded = load_gpt_bytes(
        Path(config_path).read_bytes(), weights.read_bytes(), weights.name, max_bytes=None
    )
    return loaded.model
