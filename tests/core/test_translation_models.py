"""The two GRU translators: shapes, attention weights, equal teacher-forced and greedy paths, loading."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import torch

from attention_core.translation import grammar as g
from attention_core.translation.models import (
    BOS,
    EOS,
    PAD,
    AttentionTranslator,
    BottleneckTranslator,
    TranslatorConfig,
    Vocab,
    WeightsError,
    batch_source,
    load_models,
    save_models,
    translate_sentence,
)

SRC, TGT = Vocab(list(g.SOURCE_WORDS)), Vocab(list(g.TARGET_WORDS))
CFG = TranslatorConfig(len(SRC), len(TGT), emb_dim=8, hidden_dim=12, attn_dim=10)
MODELS = [BottleneckTranslator, AttentionTranslator]


def _batch(lengths: list[int], seed: int = 0) -> tuple[list[list[str]], torch.Tensor, torch.Tensor]:
    rng = random.Random(seed)
    sentences = [g.sample_sentence_of_length(rng, n) for n in lengths]
    src, lens = batch_source(SRC, sentences)
    return sentences, src, lens


def _model(cls: type, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return cls(CFG).eval()


def test_vocab_round_trip_and_specials() -> None:
    words = ["le", "chat", "noir"]
    ids = TGT.encode(words)
    assert min(ids) >= 4 and TGT.decode([*ids, EOS, ids[0]]) == words  # stops at <eos>
    assert TGT.decode([BOS, *ids, PAD]) == words
    assert SRC.encode(["zebra"]) == [3]


@pytest.mark.parametrize("cls", MODELS)
def test_shapes_teacher_forced_and_greedy(cls: type) -> None:
    _, src, lens = _batch([3, 9, 17])
    model = _model(cls)
    tgt_in = torch.randint(4, len(TGT), (3, 11))
    tgt_in[:, 0] = BOS
    forced = model(src, lens, tgt_in)
    enc_width = CFG.hidden_dim * (2 if cls is AttentionTranslator else 1)
    assert forced.logits.shape == (3, 11, len(TGT))
    assert forced.encoder_states.shape == (3, 17, enc_width)
    assert forced.decoder_states.shape == (3, 11, CFG.hidden_dim)
    greedy = model(src, lens, max_len=7)
    assert greedy.token_ids.shape[0] == 3 and greedy.token_ids.shape[1] <= 7
    if cls is AttentionTranslator:
        assert forced.attn_weights.shape == (3, 11, 17)
        assert forced.context.shape == (3, 11, enc_width)
    else:
        assert forced.attn_weights is None
        assert forced.context.shape == (3, CFG.hidden_dim)


def test_attention_weights_sum_to_one_over_real_source_tokens() -> None:
    _, src, lens = _batch([4, 15, 31], seed=3)
    model = _model(AttentionTranslator, seed=3)
    weights = model(src, lens, max_len=12).attn_weights  # (B, T_out, T_src)
    assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:2]), atol=1e-6)
    for row, n in enumerate(lens.tolist()):
        assert torch.all(weights[row, :, n:] == 0)  # padding gets no attention
        assert torch.all(weights[row, :, :n] > 0)


@pytest.mark.parametrize("cls", MODELS)
def test_padding_does_not_change_a_sentence(cls: type) -> None:
    sentences, src, lens = _batch([5, 22], seed=4)
    model = _model(cls, seed=4)
    alone_src, alone_len = batch_source(SRC, [sentences[0]])
    alone, batched = model(alone_src, alone_len, max_len=9), model(src, lens, max_len=9)
    assert torch.allclose(alone.encoder_states[0], batched.encoder_states[0, :5], atol=1e-6)
    steps = alone.logits.shape[1]
    assert torch.allclose(alone.logits[0], batched.logits[0, :steps], atol=1e-5)


@pytest.mark.parametrize("cls", MODELS)
def test_greedy_equals_teacher_forcing_on_its_own_output(cls: type) -> None:
    """The step-by-step path and the teacher-forced path are the same network."""
    _, src, lens = _batch([6, 13], seed=5)
    model = _model(cls, seed=5)
    greedy = model(src, lens, max_len=10)
    steps = greedy.logits.shape[1]
    tgt_in = torch.cat([torch.full((2, 1), BOS), greedy.logits.argmax(-1)[:, : steps - 1]], dim=1)
    forced = model(src, lens, tgt_in)
    assert torch.allclose(forced.logits, greedy.logits, atol=1e-5)
    assert torch.allclose(forced.decoder_states, greedy.decoder_states, atol=1e-6)


def test_bottleneck_decoder_depends_on_the_source_only_through_c() -> None:
    """Swap in another sentence's final state: the decoder output follows c, not the rest of the encoding."""
    model = _model(BottleneckTranslator, seed=6)
    _, src, lens = _batch([7, 19], seed=6)
    _, final = model.encode(src, lens)
    other_src, other_len = src[1:].clone(), lens[1:].clone()
    original_encode = model.encode
    model.encode = lambda s, n: (original_encode(s, n)[0], final[:1])  # type: ignore[method-assign]
    swapped = model(other_src, other_len, max_len=8)
    model.encode = original_encode  # type: ignore[method-assign]
    reference = model(src[:1], lens[:1], max_len=8)
    assert torch.allclose(swapped.logits, reference.logits, atol=1e-6)


def test_translate_sentence_rows_cover_output_and_eos() -> None:
    model = _model(AttentionTranslator, seed=7)
    tokens = ["the", "small", "cat", "sleeps"]
    result = translate_sentence(model, SRC, TGT, tokens)
    assert result.encoder_states.shape == (4, 2 * CFG.hidden_dim)
    assert result.attn_weights.shape[1] == 4
    assert result.attn_weights.shape[0] in (len(result.output), len(result.output) + 1)
    with pytest.raises(ValueError):
        translate_sentence(model, SRC, TGT, [])


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    b, a = _model(BottleneckTranslator, 1), _model(AttentionTranslator, 2)
    save_models(tmp_path, b, a, SRC, TGT, {"note": "test"})
    loaded = load_models(tmp_path)
    _, src, lens = _batch([8], seed=8)
    assert torch.equal(loaded.bottleneck(src, lens, max_len=5).logits, b(src, lens, max_len=5).logits)
    assert torch.equal(
        loaded.attention(src, lens, max_len=5).attn_weights, a(src, lens, max_len=5).attn_weights
    )
    assert loaded.src_vocab.itos == SRC.itos and loaded.config["note"] == "test"


def test_loader_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="train_translation"):
        load_models(tmp_path / "missing")
    save_models(tmp_path, _model(BottleneckTranslator), _model(AttentionTranslator), SRC, TGT, {})
    broken = tmp_path / "broken"
    shutil.copytree(tmp_path, broken, ignore=shutil.ignore_patterns("broken"))
    (broken / "attention.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(WeightsError, match=r"attention weights .* not a valid safetensors"):
        load_models(broken)
    resized = tmp_path / "resized"
    shutil.copytree(tmp_path, resized, ignore=shutil.ignore_patterns("broken", "resized"))
    config = json.loads((resized / "config.json").read_text())
    config["models"]["attention"]["hidden_dim"] = 16
    (resized / "config.json").write_text(json.dumps(config))
    with pytest.raises(WeightsError, match="do not fit the model"):
        load_models(resized)
    (resized / "config.json").write_text("{")
    with pytest.raises(WeightsError, match="unreadable"):
        load_models(resized)
