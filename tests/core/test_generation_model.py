"""Generation on the real SmolLM2: the cache changes nothing but the cost, greedy equals transformers' generate,
seeded sampling reproduces itself, the shared model is never written, and concurrent sessions share passes.

Kept short (a few tokens per case): the model loads once per test process.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from attention_core import generation as gc
from attention_core import pretrained as pt
from attention_core.views.generate import CacheGeometry, step_view, timings

pytestmark = pytest.mark.slow

PROMPTS = ("The cat sat on the", "Attention is all you need because")


@pytest.fixture(scope="module")
def smollm2() -> pt.LoadedModel:
    return pt.load_model("smollm2")


@pytest.fixture(scope="module")
def hub(smollm2: pt.LoadedModel) -> gc.GenerationHub:
    return gc.GenerationHub(smollm2.model)


def _prompt(smollm2: pt.LoadedModel, hub: gc.GenerationHub, text: str) -> gc.Prompt:
    return gc.prepare_prompt(smollm2.tokenizer, text, hub.bos_id)


def _model_state(model: torch.nn.Module) -> tuple[dict[str, int], float, bool]:
    """What a write to the shared model would change: its attribute dict, its weights, its mode."""
    weights = sum(float(p.detach().double().sum()) for p in model.parameters())
    return {k: id(v) for k, v in vars(model).items()}, weights, model.training


def test_hub_reads_the_config(hub: gc.GenerationHub, smollm2: pt.LoadedModel) -> None:
    config = smollm2.model.config
    assert (hub.layers, hub.heads, hub.kv_heads, hub.head_dim) == (
        config.num_hidden_layers,
        config.num_attention_heads,
        config.num_key_value_heads,
        config.head_dim,
    )
    assert hub.bos_id == config.bos_token_id and config.eos_token_id in hub.eos_ids
    assert hub.heads // hub.kv_heads == 3, "SmolLM2 shares each KV head among 3 query heads"


def test_cached_logits_equal_logits_without_a_cache(smollm2: pt.LoadedModel, hub: gc.GenerationHub) -> None:
    prompt = _prompt(smollm2, hub, PROMPTS[0])
    gen = gc.generate(hub, prompt, gc.Sampling(), 5)
    assert len(gen.steps) == len(gen.ids) + 1 == 6
    full = [*prompt.ids, *gen.ids]
    for step in gen.steps:  # our own check, independent of the hub's recompute
        t = step.context_len
        with torch.inference_mode():
            fresh = smollm2.model(input_ids=torch.tensor([full[:t]]), use_cache=False).logits[0, -1]
        assert np.abs(step.logits - fresh.float().numpy()).max() <= gc.LOGIT_TOLERANCE
    recomputed = [s for s in gen.steps[1:] if s.logit_gap is not None]
    assert [s.index for s in recomputed] == [k for k in range(1, 6) if gc.is_recomputed(k, len(prompt))]
    assert all(0 <= s.logit_gap <= gc.LOGIT_TOLERANCE and s.recompute_seconds > 0 for s in recomputed)


@pytest.mark.parametrize("text", PROMPTS)
def test_greedy_equals_transformers_generate(
    smollm2: pt.LoadedModel, hub: gc.GenerationHub, text: str
) -> None:
    prompt = _prompt(smollm2, hub, text)
    gen = gc.generate(hub, prompt, gc.Sampling(greedy=True), 8)
    with torch.inference_mode():
        ids = torch.tensor([prompt.ids])
        ref = smollm2.model.generate(
            ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, do_sample=False
        )
    assert gen.ids == tuple(ref[0, len(prompt) :].tolist())
    assert hub.reference_greedy(prompt.ids, 8) == gen.ids  # what the page's check button runs


def test_seeded_sampling_reproduces_the_continuation(smollm2: pt.LoadedModel) -> None:
    sampling = gc.Sampling(greedy=False, temperature=1.2, top_k=40, top_p=0.9, seed=11)
    prompt = gc.prepare_prompt(smollm2.tokenizer, PROMPTS[1], 1)
    first = gc.generate(gc.GenerationHub(smollm2.model), prompt, sampling, 6)
    again = gc.generate(gc.GenerationHub(smollm2.model), prompt, sampling, 6)  # nothing shared
    assert first.ids == again.ids and len(first.ids) == 6
    assert all(first.matches(sampling))
    other = gc.Sampling(greedy=False, temperature=1.2, top_k=40, top_p=0.9, seed=12)
    assert (
        not all(first.matches(other))
        or gc.generate(gc.GenerationHub(smollm2.model), prompt, other, 6).ids == first.ids
    ), "another seed either draws differently or matches its own generation"
    replayed = gc.replay(gc.GenerationHub(smollm2.model), prompt, first.ids)  # what a link does
    assert replayed.ids == first.ids
    for a, b in zip(replayed.steps, first.steps, strict=True):
        assert np.array_equal(a.logits, b.logits) and np.array_equal(a.attn_rows, b.attn_rows)


def test_rebuilt_cache_is_the_cache_the_model_grows(smollm2: pt.LoadedModel, hub: gc.GenerationHub) -> None:
    prompt = _prompt(smollm2, hub, PROMPTS[0])
    gen = gc.generate(hub, prompt, gc.Sampling(), 3)
    with torch.inference_mode():
        out = smollm2.model(input_ids=torch.tensor([prompt.ids]), use_cache=True)
        live = out.cache
        for token in gen.ids:  # the last pass fed the last chosen token
            live = smollm2.model(input_ids=torch.tensor([[token]]), cache=live, use_cache=True).cache
    rebuilt = hub.cache_from(gen.steps)
    assert rebuilt.get_seq_length() == live.get_seq_length() == gen.steps[-1].context_len
    for a, b in zip(rebuilt.layers, live.layers, strict=True):
        assert tuple(a.keys.shape) == (1, hub.kv_heads, gen.steps[-1].context_len, hub.head_dim)
        assert torch.equal(a.keys, b.keys) and torch.equal(a.values, b.values)


def test_attention_rows_are_causal_and_match_the_transformer_page(
    smollm2: pt.LoadedModel, hub: gc.GenerationHub
) -> None:
    prompt = _prompt(smollm2, hub, PROMPTS[0])
    gen = gc.generate(hub, prompt, gc.Sampling(), 3)
    for step in gen.steps:
        assert step.attn_rows.shape == (hub.layers, hub.heads, step.context_len)
        np.testing.assert_allclose(step.attn_rows.sum(-1), 1.0, atol=1e-4)
        assert not step.attn_rows.flags.writeable and not step.logits.flags.writeable
    text = smollm2.tokenizer.decode([*prompt.ids, *gen.ids])  # the last pass fed the last chosen token
    run = pt.run_attention(smollm2, text)  # the transformer page's one forward over the whole text
    assert run.token_ids == [*prompt.ids, *gen.ids]
    for step in gen.steps:  # row q of its matrices is the query row of the pass whose newest token is q
        np.testing.assert_allclose(
            step.attn_rows, run.attentions[:, :, step.query_position, : step.context_len], atol=1e-4
        )


def test_the_shared_model_is_never_written(smollm2: pt.LoadedModel) -> None:
    model = smollm2.model
    before = _model_state(model)
    hub = gc.GenerationHub(model)
    prompt = gc.prepare_prompt(smollm2.tokenizer, PROMPTS[1], hub.bos_id)
    gen = gc.generate(hub, prompt, gc.Sampling(greedy=False, seed=5), 3)
    hub.reference_greedy(prompt.ids, 3)  # transformers' generate, run on a shallow copy
    after = _model_state(model)
    assert after[0] == before[0], "generate() or a pass added or replaced an attribute of the shared model"
    assert after[1] == before[1] and after[2] is before[2] is False
    assert len(gen.ids) == 3


def test_concurrent_sessions_share_each_pass(smollm2: pt.LoadedModel) -> None:
    hub = gc.GenerationHub(smollm2.model)
    prompt = gc.prepare_prompt(smollm2.tokenizer, PROMPTS[0], hub.bos_id)
    results: list[gc.Generation] = []
    errors: list[BaseException] = []

    def session() -> None:
        try:
            results.append(gc.generate(hub, prompt, gc.Sampling(), 3))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=session) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert not errors and len(results) == 4
    assert len({r.ids for r in results}) == 1
    for k in range(len(results[0].steps)):
        assert len({id(r.steps[k]) for r in results}) == 1, "every session got the very same pass"
    recomputes = sum(1 for s in results[0].steps if s.recompute_seconds is not None)
    assert hub.forwards == len(results[0].steps) + recomputes, "each pass ran once for all four sessions"


def test_a_small_memo_evicts_but_sessions_keep_their_steps(smollm2: pt.LoadedModel) -> None:
    hub = gc.GenerationHub(smollm2.model, memo_bytes=600_000)  # about two passes of a short prompt
    prompt = gc.prepare_prompt(smollm2.tokenizer, PROMPTS[0], hub.bos_id)
    gen = gc.generate(hub, prompt, gc.Sampling(), 4)
    steps, used = hub.memo_size()
    assert used <= 600_000 and steps < len(gen.steps)
    again = gc.generate(hub, prompt, gc.Sampling(), 4)  # recomputed where evicted, the same tokens
    assert again.ids == gen.ids


def test_bad_paths_are_refused(smollm2: pt.LoadedModel, hub: gc.GenerationHub) -> None:
    prompt = _prompt(smollm2, hub, PROMPTS[0])
    gen = gc.start(hub, prompt)
    with pytest.raises(ValueError):
        hub.step(prompt.ids, (5,), ())  # the earlier step is missing
    with pytest.raises(ValueError):
        hub.step(prompt.ids, (hub.vocab_size,), gen.steps)
    with pytest.raises(ValueError):
        hub.step((), (), ())
    done = gc.Generation(prompt, (*gen.ids, min(hub.eos_ids)), gen.steps, hub.eos_ids)
    assert done.finished == "eos" and not done.pending
    with pytest.raises(ValueError):
        gc.extend(hub, done, 5)


def test_empty_and_long_prompts_with_the_real_tokenizer(
    smollm2: pt.LoadedModel, hub: gc.GenerationHub
) -> None:
    empty = _prompt(smollm2, hub, "  \n ")
    assert empty.ids == (hub.bos_id,) and empty.from_bos
    gen = gc.generate(hub, empty, gc.Sampling(), 2)
    assert gen.steps[0].context_len == 1 and float(gen.steps[0].attn_rows.min()) == pytest.approx(1.0)
    long = _prompt(smollm2, hub, " ".join(f"w{i % 50}" for i in range(600)))
    assert len(long) == gc.MAX_PROMPT_TOKENS and long.total_tokens > gc.MAX_PROMPT_TOKENS


def test_step_view_of_a_real_generation(smollm2: pt.LoadedModel, hub: gc.GenerationHub) -> None:
    prompt = _prompt(smollm2, hub, PROMPTS[0])
    gen = gc.generate(hub, prompt, gc.Sampling(), 3)
    geometry = CacheGeometry.from_config(smollm2.model.config)
    cache = hub.cache_from(gen.steps)
    view = step_view(gen, gc.Sampling(), len(gen.steps), 4, 7, geometry)
    assert view.kv_head == 2  # query head 8 (1-based) reads KV head 3 (1-based)
    assert np.array_equal(view.keys, cache.layers[4].keys[0, 2].numpy())
    assert np.array_equal(view.values, cache.layers[4].values[0, 2].numpy())
    assert geometry.nbytes(view.context_len) == sum(
        layer.keys.numel() * 4 + layer.values.numel() * 4 for layer in cache.layers
    ), "the bytes on the page are the bytes of the real cache"
    tm = timings(gen)
    assert len(tm.cached_s) == 3 and tm.full_t[0] == len(prompt) and tm.cached_tokens_per_s > 0


def test_the_bench_students_prompts_write_all_64_tokens(
    smollm2: pt.LoadedModel, hub: gc.GenerationHub
) -> None:
    """bench.generate --load has 5 students write 64 greedy tokens: none of its prompts may end the text early
    (the old prompt made SmolLM2 write its EOS token after 17-18 tokens for 3 of the 5 students)."""
    from bench.generate import STUDENT_PROMPT

    for n in range(5):
        prompt = _prompt(smollm2, hub, STUDENT_PROMPT.format(n=n))
        written = hub.reference_greedy(prompt.ids, gc.MAX_NEW_TOKENS)  # transformers' greedy = the page's
        assert len(written) == gc.MAX_NEW_TOKENS and not hub.eos_ids & set(written), (n, len(written))


def test_forward_passes_run_at_a_lower_cpu_priority(smollm2: pt.LoadedModel) -> None:
    """The hub's model threads are niced (readers' reruns go first), and a nice of 0 leaves them as they are."""
    import os

    def nice_here() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = nice_here()
    niced, plain = gc.GenerationHub(smollm2.model, nice=5), gc.GenerationHub(smollm2.model, nice=0)
    assert niced._on_model_thread(nice_here) == min(19, mine + 5)
    assert plain._on_model_thread(nice_here) == mine
    assert nice_here() == mine  # the caller's own thread is untouched
