"""The book's GPTModel: its state-dict keys, its seeded output, and equality with transformers' GPT-2.

The key list and the reference numbers are the book's (chapter 4: GPT_CONFIG_124M, torch.manual_seed(123),
the batch "Every effort moves you" / "Every day holds a"). The transformers comparison loads the same weights
into `GPT2LMHeadModel` (an independent implementation of the same architecture) and compares logits and every
attention matrix, over generated configs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.gpt import (
    GELU,
    ConfigError,
    GPTConfig,
    GPTModel,
    LayerNorm,
    count_parameters,
    expected_shapes,
)

GPT_CONFIG_124M = {
    "vocab_size": 50257,
    "context_length": 1024,
    "emb_dim": 768,
    "n_heads": 12,
    "n_layers": 12,
    "drop_rate": 0.1,
    "qkv_bias": False,
}
BATCH = torch.tensor([[6109, 3626, 6100, 345], [6109, 1110, 6622, 257]])  # the book's two sentences
# The book's printed logits: first three and last three of every position (torch.manual_seed(123), train mode).
BOOK_FIRST = [
    [
        [0.3613, 0.4222, -0.0711],
        [-0.1792, -0.5660, -0.9485],
        [0.7120, 0.0332, 0.1085],
        [-1.0076, 0.3418, -0.1190],
    ],
    [
        [-0.2564, 0.0900, 0.0335],
        [0.1230, 0.3653, -0.2074],
        [1.0558, 1.0318, -0.2800],
        [-0.1565, 0.3926, 0.3288],
    ],
]
BOOK_LAST = [
    [
        [0.3483, 0.4661, -0.2838],
        [0.0477, 0.5181, -0.3168],
        [0.1018, -0.4327, -0.2553],
        [0.7195, 0.4023, 0.0532],
    ],
    [
        [0.2659, 0.4454, -0.6806],
        [0.7705, 0.2710, 0.2246],
        [0.6936, 0.3205, -0.3178],
        [1.2630, -0.1858, 0.0388],
    ],
]


def book_keys(n_layers: int, qkv_bias: bool) -> set[str]:
    """The state-dict keys of the book's GPTModel (chapter 4), written out from its module names."""
    keys = {"tok_emb.weight", "pos_emb.weight", "final_norm.scale", "final_norm.shift", "out_head.weight"}
    for i in range(n_layers):
        b = f"trf_blocks.{i}"
        keys |= {f"{b}.att.{w}.weight" for w in ("W_query", "W_key", "W_value")}
        keys |= {f"{b}.att.{w}.bias" for w in ("W_query", "W_key", "W_value")} if qkv_bias else set()
        keys |= {f"{b}.att.out_proj.weight", f"{b}.att.out_proj.bias", f"{b}.att.mask"}
        keys |= {f"{b}.ff.layers.{j}.{p}" for j in (0, 2) for p in ("weight", "bias")}
        keys |= {f"{b}.{n}.{p}" for n in ("norm1", "norm2") for p in ("scale", "shift")}
    return keys


@pytest.mark.parametrize("qkv_bias", [False, True])
def test_state_dict_keys_are_the_books(qkv_bias: bool) -> None:
    cfg = GPTConfig(vocab_size=97, context_length=12, emb_dim=8, n_heads=2, n_layers=3, qkv_bias=qkv_bias)
    assert set(GPTModel(cfg).state_dict()) == book_keys(3, qkv_bias)
    assert set(expected_shapes(cfg)) == book_keys(3, qkv_bias)


def test_book_parameter_counts_without_allocating() -> None:
    with torch.device("meta"):
        model = GPTModel(GPT_CONFIG_124M)
    assert count_parameters(model) == 163_009_536  # the book's "Total number of parameters"
    assert (
        count_parameters(model) - model.out_head.weight.numel() == 124_412_160
    )  # "considering weight tying"


@pytest.mark.slow
def test_seeded_124m_model_gives_the_books_logits() -> None:
    """torch.manual_seed(123); GPTModel(GPT_CONFIG_124M)(batch) in train mode, as printed in chapter 4."""
    torch.manual_seed(123)
    model = GPTModel(GPT_CONFIG_124M)
    with torch.no_grad():
        out = model(BATCH)  # (2, 4, 50257), dropout active as in the book
    assert out.shape == (2, 4, 50257)
    np.testing.assert_allclose(out[:, :, :3].numpy(), BOOK_FIRST, atol=1e-4)
    np.testing.assert_allclose(out[:, :, -3:].numpy(), BOOK_LAST, atol=1e-4)


def test_layer_norm_and_gelu_equal_torchs() -> None:
    x = torch.randn(5, 7, 16, generator=torch.Generator().manual_seed(0)) * 3
    norm = LayerNorm(16)
    with torch.no_grad():
        norm.scale.uniform_(0.5, 2.0)
        norm.shift.uniform_(-1.0, 1.0)
    ref = torch.nn.functional.layer_norm(x, (16,), norm.scale, norm.shift, eps=1e-5)
    torch.testing.assert_close(norm(x), ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(
        GELU()(x), torch.nn.functional.gelu(x, approximate="tanh"), atol=1e-6, rtol=1e-6
    )


def to_hf_gpt2(model: GPTModel):
    """The same weights in transformers' GPT2LMHeadModel (Conv1D stores (in, out): transpose every Linear)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = model.cfg
    hf = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=cfg.vocab_size,
            n_positions=cfg.context_length,
            n_embd=cfg.emb_dim,
            n_layer=cfg.n_layers,
            n_head=cfg.n_heads,
            activation_function="gelu_new",
            layer_norm_epsilon=1e-5,
            resid_pdrop=0.0,
            embd_pdrop=0.0,
            attn_pdrop=0.0,
            tie_word_embeddings=False,
        ),
    ).eval()
    hf.config._attn_implementation = "eager"
    sd = model.state_dict()
    zeros = torch.zeros(cfg.emb_dim)
    new = {"transformer.wte.weight": sd["tok_emb.weight"], "transformer.wpe.weight": sd["pos_emb.weight"]}
    for i in range(cfg.n_layers):
        b, h = f"trf_blocks.{i}", f"transformer.h.{i}"
        qkv = [sd[f"{b}.att.{w}.weight"].T for w in ("W_query", "W_key", "W_value")]  # 3 x (d_in, d_out)
        new[f"{h}.attn.c_attn.weight"] = torch.cat(qkv, dim=1)  # (d, 3d)
        new[f"{h}.attn.c_attn.bias"] = torch.cat(
            [sd.get(f"{b}.att.{w}.bias", zeros) for w in ("W_query", "W_key", "W_value")]
        )
        new[f"{h}.attn.c_proj.weight"] = sd[f"{b}.att.out_proj.weight"].T
        new[f"{h}.attn.c_proj.bias"] = sd[f"{b}.att.out_proj.bias"]
        new[f"{h}.mlp.c_fc.weight"] = sd[f"{b}.ff.layers.0.weight"].T
        new[f"{h}.mlp.c_fc.bias"] = sd[f"{b}.ff.layers.0.bias"]
        new[f"{h}.mlp.c_proj.weight"] = sd[f"{b}.ff.layers.2.weight"].T
        new[f"{h}.mlp.c_proj.bias"] = sd[f"{b}.ff.layers.2.bias"]
        for ours, theirs in (("norm1", "ln_1"), ("norm2", "ln_2")):
            new[f"{h}.{theirs}.weight"] = sd[f"{b}.{ours}.scale"]
            new[f"{h}.{theirs}.bias"] = sd[f"{b}.{ours}.shift"]
    new["transformer.ln_f.weight"] = sd["final_norm.scale"]
    new["transformer.ln_f.bias"] = sd["final_norm.shift"]
    new["lm_head.weight"] = sd["out_head.weight"]
    missing, unexpected = hf.load_state_dict(new, strict=False)
    assert not unexpected and all(".attn.bias" in k or "masked_bias" in k for k in missing), (
        missing,
        unexpected,
    )
    return hf


def _randomise(model: GPTModel, seed: int) -> None:
    """Non-trivial norms and biases (fresh ones are all 1 and 0), so every weight matters in the comparison."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("scale", "shift", "bias")):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5 + (1.0 if name.endswith("scale") else 0.0))


@settings(max_examples=12, deadline=None)
@given(
    n_layers=st.integers(1, 3),
    n_heads=st.sampled_from([1, 2, 4]),
    head_dim=st.sampled_from([2, 4, 8]),
    qkv_bias=st.booleans(),
    num_tokens=st.integers(1, 10),
    seed=st.integers(0, 10_000),
)
def test_equals_transformers_gpt2_with_the_same_weights(
    n_layers: int, n_heads: int, head_dim: int, qkv_bias: bool, num_tokens: int, seed: int
) -> None:
    cfg = GPTConfig(
        vocab_size=61,
        context_length=10,
        emb_dim=n_heads * head_dim,
        n_heads=n_heads,
        n_layers=n_layers,
        qkv_bias=qkv_bias,
    )
    torch.manual_seed(seed)
    model = GPTModel(cfg).eval()
    _randomise(model, seed)
    hf = to_hf_gpt2(model)
    ids = torch.randint(0, cfg.vocab_size, (2, num_tokens), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        logits, attn = model.logits_and_attention(ids)  # (2, T, V), (2, L, h, T, T)
        ref = hf(input_ids=ids, output_attentions=True)
        plain = model(ids)
    torch.testing.assert_close(logits, ref.logits, atol=2e-5, rtol=1e-4)
    torch.testing.assert_close(plain, ref.logits, atol=2e-5, rtol=1e-4)  # the fused path, same numbers
    ref_attn = torch.stack(ref.attentions, dim=1)  # L x (2, h, T, T) -> (2, L, h, T, T)
    torch.testing.assert_close(attn, ref_attn, atol=1e-5, rtol=1e-4)
    assert torch.all(torch.triu(attn, diagonal=1) == 0)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"emb_dim": 10, "n_heads": 4}, "divisible"),
        ({"n_layers": 0}, "n_layers"),
        ({"vocab_size": 10**9}, "vocab_size"),
        ({"context_length": "1024"}, "whole number"),
        ({"qkv_bias": "no"}, "qkv_bias"),
        ({"drop_rate": 1.5}, "drop_rate"),
        ({"n_heads": True}, "whole number"),
    ],
)
def test_config_errors_name_the_key(change: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        GPTConfig.from_dict({**GPT_CONFIG_124M, **change})


def test_config_missing_and_unknown_keys() -> None:
    with pytest.raises(ConfigError, match="n_heads"):
        GPTConfig.from_dict({k: v for k, v in GPT_CONFIG_124M.items() if k != "n_heads"})
    with pytest.raises(ConfigError, match="emb_size"):
        GPTConfig.from_dict({**GPT_CONFIG_124M, "emb_size": 768})
    assert GPTConfig.from_dict(GPT_CONFIG_124M).to_dict() == GPT_CONFIG_124M


def test_too_many_tokens_are_refused() -> None:
    model = GPTModel(GPTConfig(vocab_size=11, context_length=4, emb_dim=4, n_heads=2, n_layers=1)).eval()
    with pytest.raises(ValueError, match="context_length"):
        model(torch.zeros(1, 5, dtype=torch.long))
