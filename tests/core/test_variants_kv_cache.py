"""The KV-cache calculator: the formula, published figures, real configs, and SmolLM2 read from its GGUF file."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.variants import kv_cache as kc


def test_published_gqa_example_17_to_4_gb() -> None:
    """LLMs-from-scratch, ch04/04_gqa/README.md: emb_dim 4096, 32 heads, 32 layers, 32,768 tokens, bf16,
    8 K/V heads -> "MHA total KV cache: 17.18 GB", "GQA total KV cache: 4.29 GB" (decimal GB)."""
    cfg = kc.CacheConfig(
        "x", "x", layers=32, num_heads=32, kv_heads=8, head_dim=4096 // 32, context_length=32768, source=""
    )
    gqa = kc.kv_cache_bytes(cfg, 32768, batch=1, bytes_per_value=2)
    mha = kc.kv_cache_bytes(cfg.as_multihead(), 32768, batch=1, bytes_per_value=2)
    assert kc.human_bytes(mha) == "17.18 GB" and kc.human_bytes(gqa) == "4.29 GB"
    assert mha / gqa == 4.0
    # Llama-3-8B has exactly these attention shapes, so the calculator's own row says the same
    assert kc.human_bytes(kc.kv_cache_bytes(kc.LLAMA3_8B, 32768)) == "4.29 GB"


def test_published_deepseek_v2_reduction() -> None:
    """DeepSeek-V2 paper: its KV cache is 93.3% smaller than DeepSeek 67B's, counting V2's cache at about 6 bits
    per value (their deployment quantizes it) against 67B's 16-bit GQA cache."""
    v2 = kc.kv_cache_bytes(kc.DEEPSEEK_V2, 1, bytes_per_value=6 / 8)
    dense = kc.kv_cache_bytes(kc.DEEPSEEK_67B, 1, bytes_per_value=2)
    assert round(100 * (1 - v2 / dense), 1) == 93.3
    assert kc.DEEPSEEK_V2.values_per_token == 60 * (512 + 64)


def test_configs_match_transformers_defaults() -> None:
    """GPT-2 small and Mistral-7B (v0.1) are transformers' documented defaults for these config classes."""
    from transformers import GPT2Config, MistralConfig

    gpt2 = GPT2Config()
    assert (
        kc.GPT2_SMALL.layers,
        kc.GPT2_SMALL.num_heads,
        kc.GPT2_SMALL.head_dim,
        kc.GPT2_SMALL.context_length,
    ) == (gpt2.n_layer, gpt2.n_head, gpt2.n_embd // gpt2.n_head, gpt2.n_positions)
    mistral = MistralConfig()
    assert (
        kc.MISTRAL_7B.layers,
        kc.MISTRAL_7B.num_heads,
        kc.MISTRAL_7B.kv_heads,
        kc.MISTRAL_7B.head_dim,
        kc.MISTRAL_7B.window,
    ) == (
        mistral.num_hidden_layers,
        mistral.num_attention_heads,
        mistral.num_key_value_heads,
        mistral.head_dim,
        mistral.sliding_window,
    )


@settings(max_examples=100, deadline=None)
@given(
    layers=st.integers(1, 128),
    heads=st.sampled_from([1, 2, 4, 8, 16, 32, 64]),
    head_dim=st.integers(1, 256),
    tokens=st.integers(0, 1 << 20),
    batch=st.integers(1, 64),
    bpv=st.sampled_from(list(kc.BYTES_PER_VALUE.values())),
    window=st.one_of(st.none(), st.integers(1, 1 << 16)),
    group=st.sampled_from([1, 2, 4, 8]),
)
def test_formula(layers, heads, head_dim, tokens, batch, bpv, window, group) -> None:
    kv = max(1, heads // group)
    cfg = kc.CacheConfig("x", "x", layers, heads, kv, head_dim, 1 << 20, "", window=window)
    cached = tokens if window is None else min(tokens, window)
    assert kc.kv_cache_bytes(cfg, tokens, batch, bpv) == 2 * layers * kv * head_dim * cached * batch * bpv
    assert (
        kc.kv_cache_bytes(cfg, tokens, batch, bpv, rolling=False)
        == 2 * layers * kv * head_dim * tokens * batch * bpv
    )
    assert kc.kv_cache_bytes(cfg.as_multihead(), tokens, batch, bpv) >= kc.kv_cache_bytes(
        cfg, tokens, batch, bpv
    )


def test_mistral_rolling_buffer_caps_the_cache() -> None:
    at_window = kc.kv_cache_bytes(kc.MISTRAL_7B, 4096)
    assert kc.kv_cache_bytes(kc.MISTRAL_7B, 32768) == at_window
    assert kc.kv_cache_bytes(kc.MISTRAL_7B, 32768, rolling=False) == 8 * at_window


def test_study_rows_and_curves() -> None:
    study = kc.cache_study(kc.PUBLISHED, 8192, batch=2, bytes_per_value=2.0, lengths=[256, 1024, 8192])
    assert study.curves.shape == (len(kc.PUBLISHED), 3)
    for row, curve in zip(study.rows, study.curves, strict=True):
        assert row.bytes_total == curve[-1] == kc.kv_cache_bytes(row.config, 8192, 2, 2.0)
        assert np.all(np.diff(curve) >= 0)
    gpt2 = study.rows[0]
    assert gpt2.bytes_as_multihead == gpt2.bytes_total  # GPT-2 is multi-head already
    with pytest.raises(ValueError):
        study.curves[0, 0] = 0.0


def test_invalid_sizes() -> None:
    with pytest.raises(ValueError):
        kc.kv_cache_bytes(kc.GPT2_SMALL, -1)
    with pytest.raises(ValueError):
        kc.kv_cache_bytes(kc.GPT2_SMALL, 10, batch=0)


# --- the GGUF header reader ----------------------------------------------------------------------------


def _write_gguf(path: Path) -> None:
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(7)
    writer.add_uint32("llama.attention.head_count", 6)
    writer.add_uint32("llama.attention.head_count_kv", 2)
    writer.add_uint32("llama.embedding_length", 96)
    writer.add_uint32("llama.context_length", 2048)
    writer.add_float32("llama.rope.freq_base", 500000.0)
    writer.add_uint32("llama.rope.dimension_count", 16)
    writer.add_array("tokenizer.ggml.tokens", [f"tok{i}" for i in range(300)])  # strings to skip
    writer.add_array("tokenizer.ggml.scores", [float(i) for i in range(300)])
    writer.add_string("general.note", "after the arrays")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()


def test_reader_against_the_gguf_package(tmp_path: Path) -> None:
    """A file written by the gguf package (the format's reference writer) reads back value for value."""
    path = tmp_path / "tiny.gguf"
    _write_gguf(path)
    meta = kc.read_gguf_metadata(
        path, ["llama.block_count", "llama.rope.freq_base", "general.note", "tokenizer.ggml.scores"]
    )
    assert meta["llama.block_count"] == 7 and meta["llama.rope.freq_base"] == 500000.0
    assert meta["general.note"] == "after the arrays"
    assert [v[0] for v in meta["tokenizer.ggml.scores"]][:3] == [0.0, 1.0, 2.0]
    reader = gguf.GGUFReader(str(path))
    assert (
        reader.fields["llama.attention.head_count_kv"].contents()
        == kc.read_gguf_metadata(path, ["llama.attention.head_count_kv"])["llama.attention.head_count_kv"]
    )


@pytest.mark.parametrize("damage", ["magic", "truncated", "missing"])
def test_reader_refuses_broken_files(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "bad.gguf"
    _write_gguf(path)
    data = path.read_bytes()
    if damage == "magic":
        path.write_bytes(b"XXXX" + data[4:])
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    keys = ["llama.no_such_key"] if damage == "missing" else ["general.note"]
    with pytest.raises(kc.GGUFError):
        kc.read_gguf_metadata(path, keys)


@pytest.mark.slow
def test_smollm2_from_its_gguf_matches_the_loaded_model() -> None:
    """The calculator's SmolLM2 row, read from the shipped GGUF header, is the loaded model's own config."""
    from tests.support.llm import loaded

    cfg = loaded("smollm2").model.config
    row, rope = kc.smollm2_cache_config(), kc.smollm2_rotary()
    assert (row.layers, row.num_heads, row.kv_heads, row.head_dim, row.context_length) == (
        cfg.num_hidden_layers,
        cfg.num_attention_heads,
        cfg.num_key_value_heads,
        cfg.head_dim,
        cfg.max_position_embeddings,
    )
    assert (row.layers, row.num_heads, row.kv_heads) == (30, 9, 3)  # what the issue says SmolLM2 is
    assert rope.theta == cfg.rope_parameters["rope_theta"] and rope.head_dim == cfg.head_dim
    assert row.values_per_token == 2 * 30 * 3 * 64
