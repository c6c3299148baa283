"""attention_weights and transformers_attention: the weights a notebook passes to show().

attention_weights recomputes the weights from what each attention layer receives, so it also works on the
book's own classes, which return only context vectors. Checked against the weights our classes return, on a
"reader's copy" that returns only the context, on a GPTModel and on real MiniLM attention.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import attention_core as ac
from attention_core import builders as sa_builders
from attention_core import modules as sa
from attention_core import pretrained as pt

X = ac.BOOK_INPUTS  # (6, 3): "Your journey starts with one step"


class ContextOnly(sa.MultiHeadAttention):
    """What the book's MultiHeadAttention returns: the context vectors only."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x)[0]


@pytest.mark.parametrize(
    "build",
    [
        lambda: sa_builders.build_self_attention("rand", 3, 2, 123),
        lambda: sa_builders.build_self_attention("linear", 3, 2, 789),
        lambda: sa_builders.build_self_attention("rand", 3, 4, 5, scale=False),
        lambda: sa_builders.build_causal_attention(3, 2, 6, 0.0, 123),
        lambda: sa_builders.build_multihead(3, 4, 6, 2, 123),
        lambda: sa_builders.build_multihead(3, 6, 6, 3, 1, causal=False),
        lambda: sa.MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2),
    ],
    ids=["v1", "v2", "v1-unscaled", "causal", "mha", "mha-not-causal", "wrapper"],
)
@pytest.mark.parametrize("batched", [False, True])
def test_equals_the_weights_the_classes_return(build, batched: bool) -> None:
    module = build().eval()
    x = torch.stack([X, X.flip(0)]) if batched else X
    with torch.no_grad():
        _, expected = module(x)
    got = ac.attention_weights(module, x)
    assert got.shape == tuple(expected.shape)
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-6)
    assert not module._forward_pre_hooks  # hooks are removed afterwards


def test_works_on_a_class_that_returns_only_context_vectors() -> None:
    torch.manual_seed(123)
    reader = ContextOnly(3, 2, 6, 0.0, 2).eval()
    torch.manual_seed(123)
    ours = sa.MultiHeadAttention(3, 2, 6, 0.0, 2).eval()
    with torch.no_grad():
        _, expected = ours(X)
    np.testing.assert_allclose(ac.attention_weights(reader, X), expected.numpy(), atol=1e-6)


def test_dropout_is_not_in_the_weights() -> None:
    """In train mode the module drops weights; attention_weights gives the weights before dropout."""
    module = sa_builders.build_causal_attention(3, 2, 6, 0.5, 123).train()
    with torch.no_grad():
        module.eval()
        _, clean = module(X)
        module.train()
    np.testing.assert_allclose(ac.attention_weights(module, X), clean.numpy(), atol=1e-6)


def test_gpt_model_every_layer_and_head() -> None:
    torch.manual_seed(0)
    gpt = ac.GPTModel(
        {"vocab_size": 50, "context_length": 8, "emb_dim": 12, "n_heads": 3, "n_layers": 2}
    ).eval()
    ids = torch.tensor([[4, 8, 15, 16, 23], [42, 4, 8, 15, 16]])
    with torch.no_grad():
        _, expected = gpt.logits_and_attention(ids)  # (2, L, h, T, T)
    np.testing.assert_allclose(ac.attention_weights(gpt, ids), expected.numpy(), atol=1e-6)
    np.testing.assert_allclose(ac.attention_weights(gpt, ids[1]), expected[1].numpy(), atol=1e-6)  # (T,) ids


def test_nested_models_find_their_attention_layers_in_order() -> None:
    torch.manual_seed(1)
    stack = nn.Sequential(sa.MultiHeadAttention(4, 4, 6, 0.0, 2), nn.Identity())
    layers = ac.api.attention_layers(stack)
    assert layers == [stack[0]]
    with pytest.raises(ValueError, match="no attention layer"):
        ac.attention_weights(nn.Linear(3, 3), X)


@pytest.mark.slow
def test_transformers_model_matches_the_real_model_page() -> None:
    """MiniLM (shipped in a pip package) through the public helper == what page 8 computes."""
    if pt.availability("minilm") is not None:
        pytest.skip(pt.availability("minilm"))
    loaded = pt.load_model("minilm")
    text = "The cat sat on the mat"
    tokens, weights = ac.transformers_attention(loaded.model, loaded.tokenizer, text)
    run = pt.run_attention(loaded, text)
    assert tokens == run.tokens
    np.testing.assert_allclose(weights, run.attentions, atol=1e-6)
    assert weights.shape == (6, 12, len(tokens), len(tokens))


def test_transformers_model_without_weights_says_load_it_eagerly() -> None:
    class NoWeights:
        def __call__(self, **kwargs):
            return type("Out", (), {"attentions": None})()

    class Tokenizer:
        def __call__(self, text, **kwargs):
            return {"input_ids": torch.tensor([[1, 2]])}

    with pytest.raises(ValueError, match="attn_implementation='eager'"):
        ac.transformers_attention(NoWeights(), Tokenizer(), "hi")
