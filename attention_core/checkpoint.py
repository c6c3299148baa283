"""Load a reader's GPTModel checkpoint from bytes, safely: nothing in a file is ever run.

A checkpoint is a config JSON (the book's GPT_CONFIG dict) plus a state dict, either as ``safetensors`` (plain
tensors, no code at all) or as a PyTorch ``.pth`` read with ``torch.load(weights_only=True)``, whose restricted
unpickler refuses any object that is not a tensor or a plain container. Everything happens in memory: the bytes
come in, a model in eval mode comes out, and nothing is written to disk.

Every refusal is a ``CheckpointError`` whose message says what is wrong and what to do about it: too large,
truncated, not a checkpoint, code inside a pickle, missing or unexpected keys, wrong shapes, a config that does
not match the weights, non-float or non-finite values, or a causal mask that is not one.
"""

from __future__ import annotations

import io
import json
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from attention_core.gpt import ConfigError, GPTConfig, GPTModel, count_parameters, expected_shapes

MAX_CONFIG_BYTES = 64 * 1024  # a config is a handful of numbers
DEFAULT_MAX_WEIGHTS_BYTES = 200 * 1024 * 1024  # Streamlit's default upload limit
_MASK_KEY = re.compile(r"^trf_blocks\.\d+\.att\.mask$")
_WRAPPERS = ("model_state_dict", "state_dict", "model")  # the book's model_and_optimizer.pth uses the first
_PREFIXES = ("_orig_mod.", "module.")  # torch.compile and DataParallel prefix every key
_SHOW = 6  # keys named in a message at most
MAX_MASK_ELEMENTS = 2**27  # causal masks made for a file that left them out (512 MB of float32 at most)


class CheckpointError(ValueError):
    """A file that cannot be used as a GPTModel checkpoint; the message says why and how to fix it."""


@dataclass(frozen=True)
class LoadedGPT:
    """A checkpoint turned into a model in eval mode, with what was read."""

    model: GPTModel
    config: GPTConfig
    weights_format: str  # "safetensors" or "PyTorch .pth (weights_only)"
    stored_dtypes: tuple[str, ...]  # dtypes of the tensors in the file (the model runs in float32)
    num_parameters: int
    notes: tuple[str, ...]  # what was adapted on the way (e.g. a stripped key prefix)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def _names(keys: list[str]) -> str:
    shown = ", ".join(f"`{k[:80]}`" for k in keys[:_SHOW])
    return shown + (f" and {len(keys) - _SHOW} more" if len(keys) > _SHOW else "")


def read_config(data: bytes, max_bytes: int = MAX_CONFIG_BYTES) -> GPTConfig:
    """The config JSON as a GPTConfig; raises CheckpointError for a file that is not one."""
    if len(data) > max_bytes:
        raise CheckpointError(
            f"The config file has {len(data):,} bytes; a GPT config is a few hundred (limit {max_bytes:,}). "
            "Upload the JSON with vocab_size, context_length, emb_dim, n_heads, n_layers, drop_rate and qkv_bias."
        )
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CheckpointError(
            "The config file is not text (UTF-8): upload the JSON config, not the weights."
        ) from exc
    except json.JSONDecodeError as exc:
        raise CheckpointError(
            f"The config file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); it may be "
            "cut short. Save it with json.dump(GPT_CONFIG, f)."
        ) from exc
    try:
        return GPTConfig.from_dict(raw)
    except ConfigError as exc:
        raise CheckpointError(f"The config does not describe a GPTModel: {exc}") from exc
    except TypeError as exc:
        raise CheckpointError(f"The config does not describe a GPTModel: {exc}") from exc


def _is_safetensors(data: bytes) -> bool:
    """safetensors starts with a little-endian u64 header length, then a JSON header that begins with '{'."""
    if len(data) < 9:
        return False
    (n,) = struct.unpack("<Q", data[:8])
    return 2 <= n <= 100_000_000 and data[8:9] == b"{"


def _describe_pickle_refusal(exc: Exception) -> str:
    """What torch's safe unpickler refused, from its message (e.g. 'builtins.exec')."""
    found = re.findall(r"(?:GLOBAL|global) ([\w.]+)", str(exc))
    return f" (it asks for `{found[0]}`)" if found else ""


def read_state_dict(
    data: bytes, filename: str = "", max_bytes: int | None = DEFAULT_MAX_WEIGHTS_BYTES
) -> tuple[dict[str, torch.Tensor], str, list[str]]:
    """Parse weights from bytes (format by content): (state dict, format name, notes). Never runs code.

    `max_bytes` None means no size limit (the library; the app always passes its upload limit).
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise CheckpointError(
            f"The weights file {filename or ''} has {_mb(len(data))}; this app takes at most {_mb(max_bytes)}. "
            "Use a smaller model, save it in bfloat16, or start the app with a larger --server.maxUploadSize."
        )
    if not data:
        raise CheckpointError("The weights file is empty.")
    notes: list[str] = []
    if _is_safetensors(data):
        from safetensors import SafetensorError
        from safetensors.torch import load as load_safetensors

        try:
            loaded: Any = load_safetensors(data)
        except SafetensorError as exc:
            raise CheckpointError(
                f"The safetensors file is damaged or incomplete ({str(exc)[:160]}); the upload may have been cut "
                "short. Save it again with safetensors.torch.save_file(model.state_dict(), path)."
            ) from exc
        fmt = "safetensors"
    elif data[:4] == b"PK\x03\x04" or data[:1] == b"\x80":
        try:
            loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError... for bad files
            text = str(exc)
            if "weights_only" in text or "Unsupported global" in text or "GLOBAL" in text:
                raise CheckpointError(
                    "The .pth file contains Python objects other than tensors"
                    f"{_describe_pickle_refusal(exc)}, so it was refused and nothing in it was run. Save only the "
                    "weights: torch.save(model.state_dict(), path), or better, safetensors."
                ) from exc
            raise CheckpointError(
                f"The .pth file could not be read ({type(exc).__name__}: {text[:160]}); it may be truncated or "
                "not a PyTorch file. Save it again with torch.save(model.state_dict(), path)."
            ) from exc
        fmt = "PyTorch .pth (weights_only)"
    else:
        raise CheckpointError(
            f"{filename or 'The weights file'} is neither safetensors nor a PyTorch .pth file. Save the weights "
            "with safetensors.torch.save_file(model.state_dict(), 'model.safetensors') or torch.save."
        )
    if isinstance(loaded, Mapping):
        for wrapper in _WRAPPERS:
            inner = loaded.get(wrapper)
            if isinstance(inner, Mapping) and not isinstance(loaded.get("tok_emb.weight"), torch.Tensor):
                notes.append(f"Read the model's weights from the file's “{wrapper}” entry.")
                loaded = inner
                break
    if not isinstance(loaded, Mapping) or not loaded:
        raise CheckpointError(
            "The weights file does not hold a state dict (a mapping of names to tensors). Save "
            "model.state_dict(), not the model object."
        )
    state: dict[str, torch.Tensor] = {}
    for key, value in loaded.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise CheckpointError(
                f"The state dict entry `{str(key)[:80]}` is a {type(value).__name__}, not a tensor. Save "
                "model.state_dict() only."
            )
        state[key] = value
    for prefix in _PREFIXES:
        if all(k.startswith(prefix) for k in state):
            state = {k[len(prefix) :]: v for k, v in state.items()}
            notes.append(
                f"Removed the “{prefix}” prefix from every key (added by torch.compile or DataParallel)."
            )
    return state, fmt, notes


def infer_config(state: Mapping[str, torch.Tensor]) -> dict[str, Any]:
    """What the weights themselves say about the config (n_heads cannot be read from shapes)."""
    found: dict[str, Any] = {}
    tok, pos = state.get("tok_emb.weight"), state.get("pos_emb.weight")
    if isinstance(tok, torch.Tensor) and tok.dim() == 2:
        found["vocab_size"], found["emb_dim"] = int(tok.shape[0]), int(tok.shape[1])
    if isinstance(pos, torch.Tensor) and pos.dim() == 2:
        found["context_length"] = int(pos.shape[0])
    blocks = {int(m.group(1)) for k in state if (m := re.match(r"trf_blocks\.(\d+)\.", k))}
    if blocks:
        found["n_layers"] = max(blocks) + 1
    found["qkv_bias"] = "trf_blocks.0.att.W_query.bias" in state
    return found


def check_state_dict(config: GPTConfig, state: Mapping[str, torch.Tensor]) -> None:
    """Raise CheckpointError unless `state` has exactly the keys and shapes a GPTModel(config) has."""
    want = expected_shapes(config)
    missing = [k for k in want if k not in state and not _MASK_KEY.match(k)]
    unexpected = [k for k in state if k not in want]
    wrong = [k for k in want if k in state and tuple(state[k].shape) != want[k]]
    if not (missing or unexpected or wrong):
        return
    problems = []
    if wrong:
        details = "; ".join(f"`{k}` is {tuple(state[k].shape)}, expected {want[k]}" for k in wrong[:3])
        problems.append(f"{len(wrong)} tensor{'s' * (len(wrong) != 1)} with the wrong shape ({details})")
    if missing:
        problems.append(f"missing {_names(missing)}")
    if unexpected:
        problems.append(f"unexpected {_names(unexpected)}")
    inferred = infer_config(state)
    differs = {k: v for k, v in inferred.items() if getattr(config, k) != v}
    hint = (
        " The weights look like a model with "
        + ", ".join(f"{k} = {json.dumps(v)}" for k, v in differs.items())
        + f" (the config says {', '.join(f'{k} = {json.dumps(getattr(config, k))}' for k in differs)})."
        if differs
        else ""
    )
    if not differs and wrong and any(".att." in k for k in wrong):
        hint = " Check n_heads and emb_dim in the config."
    raise CheckpointError(
        "The weights do not match the config: " + "; ".join(problems) + "." + hint + " Upload the config the "
        "model was trained with, and weights saved from the book's GPTModel (model.state_dict())."
    )


# Trained weights are small (|w| < 100 in GPT-2); from 1e6 on, a block's query-key products can overflow float32
# (about (1e6 * emb_dim) ** 2 * emb_dim for the book's 768), so such values mean a damaged file.
MAX_WEIGHT_MAGNITUDE = 1e6


def _check_values(state: Mapping[str, torch.Tensor], config: GPTConfig) -> None:
    """Float tensors with finite values; a stored causal mask must be the causal mask."""
    for key, tensor in state.items():
        if _MASK_KEY.match(key):
            n = config.context_length
            causal = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
            if tensor.dtype.is_complex or not torch.equal(tensor.bool(), causal):
                raise CheckpointError(
                    f"`{key}` is not the causal mask (ones above the diagonal, zeros elsewhere), so the model "
                    "would see later tokens. Save the weights from the book's unmodified GPTModel."
                )
            continue
        if not tensor.dtype.is_floating_point:
            raise CheckpointError(f"`{key}` holds {tensor.dtype} numbers; weights must be floating point.")
        if not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(
                f"`{key}` contains NaN or infinite values (training may have diverged); this model cannot run."
            )
        largest = float(tensor.detach().abs().max()) if tensor.numel() else 0.0
        if largest >= MAX_WEIGHT_MAGNITUDE:
            raise CheckpointError(
                f"`{key}` holds values as large as {largest:.3g}; trained weights stay far below "
                f"{MAX_WEIGHT_MAGNITUDE:.0e}, and the model's outputs would overflow. The file is probably damaged."
            )


def load_gpt_bytes(
    config_bytes: bytes,
    weights_bytes: bytes,
    weights_name: str = "",
    max_bytes: int | None = DEFAULT_MAX_WEIGHTS_BYTES,
) -> LoadedGPT:
    """Config JSON + weights (safetensors or .pth) -> a float32 GPTModel in eval mode; CheckpointError if unusable."""
    config = read_config(config_bytes)
    state, fmt, notes = read_state_dict(weights_bytes, weights_name, max_bytes)
    return build_model(config, state, fmt, notes)


def build_model(
    config: GPTConfig,
    state: Mapping[str, torch.Tensor],
    fmt: str = "state dict",
    notes: list[str] | None = None,
) -> LoadedGPT:
    """Check `state` against `config` and load it into a new float32 GPTModel (eval mode, no gradients)."""
    check_state_dict(config, state)
    _check_values(state, config)
    dtypes = tuple(
        sorted({str(t.dtype).removeprefix("torch.") for k, t in state.items() if not _MASK_KEY.match(k)})
    )
    n = config.context_length
    missing_masks = [k for k in expected_shapes(config) if _MASK_KEY.match(k) and k not in state]
    if missing_masks and len(missing_masks) * n * n > MAX_MASK_ELEMENTS:
        raise CheckpointError(
            f"The file has no causal masks, and making {len(missing_masks)} of {n:,} × {n:,} would take "
            f"{len(missing_masks) * n * n * 4 / 1024**3:,.1f} GB. Save the weights with their masks "
            "(model.state_dict() includes them), or use a shorter context_length."
        )
    full: dict[str, torch.Tensor] = {}
    for key in expected_shapes(config):
        if key in state:  # masks included: they were checked to be the causal mask
            full[key] = state[key].detach().to(torch.float32, copy=True).contiguous()
        else:  # a mask the file left out: its own tensor per block, so the model saves like the book's
            full[key] = torch.triu(torch.ones(n, n), diagonal=1)
    with torch.device("meta"):
        model = GPTModel(config)
    model.load_state_dict(full, strict=True, assign=True)
    model.eval().requires_grad_(False)
    return LoadedGPT(model, config, fmt, dtypes, count_parameters(model), tuple(notes or ()))
