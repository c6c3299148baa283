"""Real pretrained models: attention shapes and properties, parity with our own multi-head attention, rollout."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch

from attention_core import pretrained as pt
from attention_core.modules import MultiHeadAttention

TEXT = "The cat sat on the mat because it was tired."

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm() -> pt.LoadedModel:
    return pt.load_model("minilm")


@pytest.fixture(scope="module")
def smollm2() -> pt.LoadedModel:
    return pt.load_model("smollm2")


@pytest.fixture(scope="module")
def minilm_run(minilm: pt.LoadedModel) -> pt.AttentionRun:
    return pt.run_attention(minilm, TEXT)


@pytest.fixture(scope="module")
def smollm2_run(smollm2: pt.LoadedModel) -> pt.AttentionRun:
    return pt.run_attention(smollm2, TEXT)


def test_registry_names_both_models() -> None:
    assert pt.MODELS["minilm"].kind == "encoder" and not pt.MODELS["minilm"].causal
    assert pt.MODELS["smollm2"].causal and pt.MODELS["smollm2"].quantized
    assert pt.availability("minilm") is None and pt.availability("smollm2") is None


def test_minilm_tokens_as_the_model_sees_them(minilm_run: pt.AttentionRun) -> None:
    assert minilm_run.tokens[0] == "[CLS]" and minilm_run.tokens[-1] == "[SEP]"
    assert "cat" in minilm_run.tokens and minilm_run.tokens.count("the") == 2  # uncased: 'The' -> 'the'
    assert minilm_run.shape == (6, 12, len(minilm_run.tokens), len(minilm_run.tokens))
    assert minilm_run.attentions.dtype == np.float32
    assert not minilm_run.truncated and minilm_run.next_tokens == []


def test_smollm2_tokens_and_shape(smollm2_run: pt.AttentionRun) -> None:
    assert smollm2_run.tokens[:2] == ["The", "Ġcat"]
    assert smollm2_run.labels[1] == "␣cat"  # the space marker made visible
    t = len(smollm2_run.tokens)
    assert smollm2_run.shape == (30, 9, t, t)


@pytest.mark.parametrize("which", ["minilm_run", "smollm2_run"])
def test_rows_sum_to_one(which: str, request: pytest.FixtureRequest) -> None:
    att = request.getfixturevalue(which).attentions
    np.testing.assert_allclose(att.sum(axis=-1), 1.0, atol=1e-5)
    assert (att >= 0).all()


def test_decoder_upper_triangle_is_zero_encoder_is_not(
    smollm2_run: pt.AttentionRun, minilm_run: pt.AttentionRun
) -> None:
    t = smollm2_run.attentions.shape[-1]
    upper = np.triu(np.ones((t, t), dtype=bool), k=1)
    assert np.abs(smollm2_run.attentions[..., upper]).max() == 0.0
    t = minilm_run.attentions.shape[-1]
    upper = np.triu(np.ones((t, t), dtype=bool), k=1)
    assert minilm_run.attentions[..., upper].max() > 0.1  # the encoder looks ahead


def test_next_token_top5_is_a_distribution_head(smollm2_run: pt.AttentionRun) -> None:
    probs = [p for _, p in smollm2_run.next_tokens]
    assert len(probs) == 5 and probs == sorted(probs, reverse=True)
    assert 0 < sum(probs) <= 1.0 + 1e-6
    assert all(isinstance(tok, str) and tok for tok, _ in smollm2_run.next_tokens)


def test_next_token_is_sensible(smollm2: pt.LoadedModel) -> None:
    run = pt.run_attention(smollm2, "The capital of France is")
    assert "Paris" in [tok.strip() for tok, _ in run.next_tokens]


@pytest.mark.parametrize("layer", [0, 3, 5])
def test_our_multihead_attention_reproduces_minilm_layer(minilm: pt.LoadedModel, layer: int) -> None:
    """attention_core's MultiHeadAttention with one MiniLM layer's Q/K/V weights gives that layer's attention."""
    tokens, hidden = pt.minilm_hidden_states(minilm, TEXT)  # hidden: (L + 1, T, 384)
    run = pt.run_attention(minilm, TEXT)
    assert tokens == run.tokens
    qkv = pt.minilm_layer_qkv(minilm, layer)
    d_model = qkv["W_query"].shape[1]
    mha = MultiHeadAttention(d_model, d_model, 512, 0.0, num_heads=12, qkv_bias=True, causal=False).eval()
    with torch.no_grad():
        for name in ("W_query", "W_key", "W_value"):
            getattr(mha, name).weight.copy_(torch.from_numpy(qkv[name]))
            getattr(mha, name).bias.copy_(torch.from_numpy(qkv[f"{name}_bias"]))
        _, attn_weights = mha(torch.from_numpy(hidden[layer])[None])  # (1, 12, T, T)
    np.testing.assert_allclose(attn_weights[0].numpy(), run.attentions[layer], atol=1e-5, rtol=0)
    # and not by accident: another layer's weights give different attention
    other = run.attentions[(layer + 1) % 6]
    assert np.abs(attn_weights[0].numpy() - other).max() > 1e-2


def test_mean_over_heads(minilm_run: pt.AttentionRun) -> None:
    mean = pt.mean_over_heads(minilm_run.attentions)
    assert mean.shape == (6, *minilm_run.attentions.shape[-2:])
    np.testing.assert_allclose(mean[2], minilm_run.attentions[2].mean(axis=0), atol=1e-7)


def test_rollout_properties(minilm_run: pt.AttentionRun, smollm2_run: pt.AttentionRun) -> None:
    att = minilm_run.attentions
    rollout = pt.attention_rollout(att)
    t = att.shape[-1]
    assert rollout.shape == (6, t, t)
    np.testing.assert_allclose(rollout.sum(-1), 1.0, atol=1e-5)
    assert (rollout >= 0).all()
    # layer 0: half identity, half the head-mean
    np.testing.assert_allclose(rollout[0], 0.5 * np.eye(t) + 0.5 * att[0].mean(0), atol=1e-6)
    # layer 1 is the product of the first two mixed layers
    a1 = 0.5 * np.eye(t) + 0.5 * att[1].mean(0)
    np.testing.assert_allclose(rollout[1], a1 @ rollout[0], atol=1e-5)
    # with residual=1 nothing mixes: the identity at every layer
    np.testing.assert_allclose(pt.attention_rollout(att, residual=1.0)[-1], np.eye(t), atol=1e-6)
    # causal stays causal through the product
    causal = pt.attention_rollout(smollm2_run.attentions)
    assert np.abs(np.triu(causal[-1], k=1)).max() == 0.0
    with pytest.raises(ValueError):
        pt.attention_rollout(att, residual=1.5)


def test_rollout_from_a_precomputed_head_mean_is_identical(
    minilm_run: pt.AttentionRun, smollm2_run: pt.AttentionRun
) -> None:
    for run in (minilm_run, smollm2_run):
        mean = pt.mean_over_heads(run.attentions)
        kept = mean.copy()
        from_mean = pt.attention_rollout(None, head_mean=mean)
        np.testing.assert_array_equal(from_mean, pt.attention_rollout(run.attentions))
        np.testing.assert_array_equal(mean, kept)  # the caller's head mean is not changed in place
    with pytest.raises(ValueError):
        pt.attention_rollout(None)
    with pytest.raises(ValueError):
        pt.attention_rollout(None, head_mean=np.ones((2, 3, 4), dtype=np.float32))


def test_truncation_to_512(minilm: pt.LoadedModel) -> None:
    run = pt.run_attention(minilm, "word " * 700)
    assert run.shape[-1] == 512 and run.total_tokens == 702 and run.truncated
    assert run.tokens[-1] == "[SEP]"
    np.testing.assert_allclose(run.attentions[-1].sum(-1), 1.0, atol=1e-5)


def test_empty_and_odd_text_do_not_crash(minilm: pt.LoadedModel) -> None:
    assert pt.run_attention(minilm, "   ").shape[-1] >= 2
    run = pt.run_attention(minilm, "<script>alert(1)</script> 猫 😀")
    assert "<" in run.tokens and "[UNK]" in run.tokens


def test_missing_package_disables_model_with_message(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = pt.ModelSpec("ghost", "Ghost-1", "encoder", "ghost-model-pkg", "ghost_model_pkg_not_here", "none")
    monkeypatch.setitem(pt.MODELS, "ghost", fake)
    message = pt.availability("ghost")
    assert message is not None and "ghost-model-pkg" in message and "not installed" in message
    with pytest.raises(pt.ModelUnavailableError, match="not installed"):
        pt.load_model("ghost")
    with pytest.raises(pt.ModelUnavailableError, match="Unknown model"):
        pt.load_model("nope")


def test_broken_package_disables_model_with_message(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    monkeypatch.setattr(pt, "_package_dir", lambda spec: tmp_path)
    message = pt.availability("minilm")
    assert message is not None and "broken" in message and "model.safetensors" in message


def test_unloadable_weights_raise_model_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (folder / name).write_text("not what it should be")
    monkeypatch.setattr(pt, "_package_dir", lambda spec: tmp_path)
    with pytest.raises(pt.ModelUnavailableError, match="could not be loaded"):
        pt.load_model("minilm")


def test_smollm2_cache_is_reused(smollm2: pt.LoadedModel) -> None:
    folder = pt.smollm2_cache()
    marker = json.loads((folder / "source.json").read_text())
    assert marker["gguf"] == pt.SMOLLM2_GGUF
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())
    start = time.perf_counter()
    assert pt.smollm2_cache() == folder  # a fingerprint match: no new conversion
    assert time.perf_counter() - start < 1.0
    assert str(folder) == smollm2.source


def test_display_token() -> None:
    assert pt.display_token("Ġcat") == "␣cat" and pt.display_token("Ċ") == "↵"
    assert pt.display_token("##ing") == "##ing"
