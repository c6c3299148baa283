"""The page computation (run_own_model), the shipped demo checkpoint and the script that makes it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open

from attention_core import api, bpe
from attention_core import own_model as om
from attention_core.checkpoint import load_gpt_bytes
from attention_core.gpt import GPTConfig, GPTModel
from attention_core.views import own_model as ov


@pytest.fixture(scope="module")
def demo():
    return om.load_demo()


@pytest.fixture(scope="module")
def tok() -> bpe.Gpt2Tokenizer:
    return bpe.gpt2_tokenizer()


def test_run_equals_the_models_forward_pass(demo, tok: bpe.Gpt2Tokenizer) -> None:
    text = "the small black cat sees three european dogs ."
    run = ov.own_model_view(demo.model, tok, text)
    ids = tok.encode(text)
    assert list(run.token_ids) == ids and list(run.labels) == [tok.label(i) for i in ids]
    with torch.no_grad():
        logits, attn = demo.model.logits_and_attention(torch.tensor([ids]))
    np.testing.assert_array_equal(run.attentions, attn[0].numpy())
    # an independent path: the weights recomputed from what each attention layer receives
    np.testing.assert_allclose(
        run.attentions, api.attention_weights(demo.model, torch.tensor(ids)), atol=1e-6
    )
    assert run.shape == (2, 4, len(ids), len(ids))
    np.testing.assert_allclose(run.attentions.sum(-1), 1.0, atol=1e-5)
    assert np.all(np.triu(run.attentions, k=1) == 0)
    probs = torch.softmax(logits[0, -1].double(), -1)
    best = probs.topk(5)
    assert [p for _, p in run.next_tokens] == pytest.approx(best.values.tolist())
    assert [t for t, _ in run.next_tokens] == [tok.token_bytes(i).decode() for i in best.indices.tolist()]
    assert not run.attentions.flags.writeable  # shared between sessions: nobody may change it


def test_long_text_is_cut_to_the_context_length(demo, tok: bpe.Gpt2Tokenizer) -> None:
    text = " ".join(["the cat sleeps ."] * 40)
    run = ov.own_model_view(demo.model, tok, text)
    assert run.limit == demo.config.context_length == len(run.token_ids)
    assert run.total_tokens == len(tok.encode(text)) > run.limit and run.truncated


def test_tokens_beyond_a_small_vocabulary_are_named(tok: bpe.Gpt2Tokenizer) -> None:
    small = GPTModel(GPTConfig(vocab_size=1000, context_length=16, emb_dim=8, n_heads=2, n_layers=1)).eval()
    with pytest.raises(ov.TextNotReadableError, match=r"1,000 tokens.*␣cat.*3797"):
        ov.own_model_view(small, tok, "a cat")
    assert ov.own_model_view(small, tok, "a the").shape[-1] == 2  # ids 64 and 262 are inside it


def test_the_shipped_demo_is_what_its_script_reports(demo) -> None:
    """The demo's training.json was measured on the shipped file; re-measure it here."""
    from scripts.train_tiny_gpt import CONFIG, held_out_loss

    info = om.demo_info()
    assert demo.config == CONFIG
    assert demo.stored_dtypes == ("float16",)
    assert demo.num_parameters == info["parameters"]
    loss = held_out_loss(demo.model, *(int(info[k]) for k in ("seed", "train_sentences", "eval_batches")))
    assert loss == pytest.approx(info["held_out_loss"], abs=2e-3)
    assert loss < float(info["uniform_loss"]) - 2.0  # it learned something: far below a uniform guess


def test_the_script_is_seeded_and_writes_a_loadable_checkpoint(tmp_path: Path) -> None:
    from scripts.train_tiny_gpt import main

    threads = torch.get_num_threads()
    for run in ("a", "b"):
        main(["--steps", "2", "--sentences", "40", "--eval-batches", "1", "--out", str(tmp_path / run)])
    assert torch.get_num_threads() == threads  # the script restores the caller's thread count
    a, b = tmp_path / "a", tmp_path / "b"
    # the same tensors, bit for bit, and the same metadata (safetensors writes its metadata map in any order)
    with safe_open(a / om.DEMO_WEIGHTS, "pt") as fa, safe_open(b / om.DEMO_WEIGHTS, "pt") as fb:
        names = sorted(fa.keys())
        assert fa.metadata() == fb.metadata() and names == sorted(fb.keys())
        for name in names:
            ta, tb = fa.get_tensor(name), fb.get_tensor(name)
            assert ta.dtype == tb.dtype and torch.equal(ta, tb), name
    loaded = load_gpt_bytes((a / om.DEMO_CONFIG).read_bytes(), (a / om.DEMO_WEIGHTS).read_bytes())
    info = json.loads((a / om.DEMO_INFO).read_text())
    assert info["steps"] == 2 and loaded.num_parameters == info["parameters"]
