"""Choosing a token, the prompt, the server gate and the cache geometry: no model needed."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core import generation as gc
from attention_core.views.generate import CacheGeometry

FAST = settings(max_examples=40, deadline=None, derandomize=True)

logit_arrays = st.integers(min_value=2, max_value=120).flatmap(
    lambda n: st.lists(st.floats(-30, 30, allow_nan=False, width=32), min_size=n, max_size=n)
)
samplings = st.builds(
    gc.Sampling,
    greedy=st.booleans(),
    temperature=st.floats(*gc.TEMPERATURE_RANGE),
    top_k=st.integers(*gc.TOP_K_RANGE),
    top_p=st.floats(*gc.TOP_P_RANGE),
    seed=st.integers(*gc.SEED_RANGE),
)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"temperature": 0.0},
        {"temperature": 2.5},
        {"temperature": float("nan")},
        {"top_k": -1},
        {"top_k": 201},
        {"top_p": 0.0},
        {"top_p": 1.01},
        {"seed": 1000},
        {"seed": -1},
    ],
)
def test_sampling_refuses_out_of_range_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        gc.Sampling(greedy=False, **kwargs)


def test_describe_names_every_setting() -> None:
    assert "greedy" in gc.Sampling().describe()
    text = gc.Sampling(greedy=False, temperature=1.3, top_k=0, top_p=1.0, seed=7).describe()
    assert text == "temperature 1.3 · top-k off · top-p off · seed 7"


@FAST
@given(logit_arrays, samplings)
def test_sampling_distribution_is_a_filtered_reshaped_softmax(
    values: list[float], sampling: gc.Sampling
) -> None:
    logits = np.array(values, dtype=np.float32)
    probs = gc.sampling_probs(logits, sampling)
    assert probs.shape == logits.shape and np.all(probs >= 0)
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    if sampling.greedy:
        np.testing.assert_allclose(probs, gc.softmax(logits), rtol=1e-12)
        return
    kept = probs > 0
    assert kept[np.argmax(logits)], "the most likely token always keeps a chance"
    if 0 < sampling.top_k < len(values):
        kth = np.sort(logits / np.float32(sampling.temperature))[-sampling.top_k]
        assert not kept[logits / np.float32(sampling.temperature) < kth].any(), "a token outside the top-k"
    # kept tokens keep their relative odds under temperature: p_i / p_j = exp((l_i - l_j) / T)
    idx = np.flatnonzero(kept)
    if len(idx) >= 2:
        i, j = idx[0], idx[-1]
        want = np.exp((float(logits[i]) - float(logits[j])) / sampling.temperature)
        assert probs[i] / probs[j] == pytest.approx(want, rel=1e-3)


@FAST
@given(logit_arrays, st.floats(*gc.TOP_P_RANGE))
def test_top_p_keeps_the_smallest_set_reaching_p(values: list[float], top_p: float) -> None:
    logits = np.array(values, dtype=np.float32)
    sampling = gc.Sampling(greedy=False, temperature=1.0, top_k=0, top_p=top_p)
    kept = gc.sampling_probs(logits, sampling) > 0
    model = gc.softmax(logits)
    if top_p < 1.0:
        # what is kept reaches top_p; dropping its least likely member would fall below it
        assert model[kept].sum() >= top_p - 1e-5
        weakest = model[kept].min()
        assert model[kept].sum() - weakest < top_p + 1e-5 or kept.sum() == 1
    else:
        assert kept.all()


@FAST
@given(logit_arrays, st.floats(0.1, 0.9), st.floats(1.1, 2.0))
def test_lower_temperature_sharpens(values: list[float], cold: float, hot: float) -> None:
    logits = np.array(values, dtype=np.float32)
    off = {"greedy": False, "top_k": 0, "top_p": 1.0}
    p_cold = gc.sampling_probs(logits, gc.Sampling(temperature=cold, **off))
    p_hot = gc.sampling_probs(logits, gc.Sampling(temperature=hot, **off))
    assert p_cold.max() >= p_hot.max() - 1e-9
    assert np.argmax(p_cold) == np.argmax(p_hot) == np.argmax(logits)


@FAST
@given(logit_arrays, samplings, st.integers(1, gc.MAX_NEW_TOKENS))
def test_pick_is_reproducible_and_allowed(values: list[float], sampling: gc.Sampling, number: int) -> None:
    logits = np.array(values, dtype=np.float32)
    token = gc.pick(logits, sampling, number)
    assert token == gc.pick(logits, sampling, number), "the same seed and token number draw the same token"
    assert gc.sampling_probs(logits, sampling)[token] > 0
    if sampling.greedy:
        assert token == int(np.argmax(logits))


def test_seeded_draws_vary_with_the_token_number_and_the_seed() -> None:
    logits = np.zeros(50, dtype=np.float32)  # uniform: every draw equally likely
    s = gc.Sampling(greedy=False, temperature=1.0, top_k=0, top_p=1.0, seed=3)
    by_number = {gc.pick(logits, s, k) for k in range(1, 65)}
    by_seed = {gc.pick(logits, gc.Sampling(greedy=False, top_k=0, top_p=1.0, seed=k), 1) for k in range(64)}
    assert len(by_number) > 20 and len(by_seed) > 20
    seeds = {gc.draw_seed(seed, k) for seed in range(0, 1000, 7) for k in range(1, 65)}
    assert len(seeds) == len(range(0, 1000, 7)) * 64


class FakeTokenizer:
    """Splits on spaces; token i is the i-th distinct word (plus 100)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}

    def __call__(self, text: str, add_special_tokens: bool = False) -> dict[str, list[int]]:
        assert add_special_tokens is False
        return {"input_ids": [self.vocab.setdefault(w, 100 + len(self.vocab)) for w in text.split()]}


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n"])
def test_an_empty_prompt_starts_from_bos(text: str) -> None:
    prompt = gc.prepare_prompt(FakeTokenizer(), text, bos_id=1)
    assert prompt.ids == (1,) and prompt.from_bos and not prompt.truncated


def test_a_long_prompt_keeps_its_last_tokens() -> None:
    words = [f"w{i}" for i in range(600)]
    tok = FakeTokenizer()
    prompt = gc.prepare_prompt(tok, " ".join(words), bos_id=1)
    assert len(prompt) == gc.MAX_PROMPT_TOKENS and prompt.total_tokens == 600 and prompt.truncated
    assert (
        prompt.ids[-1] == tok.vocab["w599"] and prompt.ids[0] == tok.vocab[f"w{600 - gc.MAX_PROMPT_TOKENS}"]
    )
    short = gc.prepare_prompt(tok, "w1 w2 w3", bos_id=1)
    assert short.ids == (tok.vocab["w1"], tok.vocab["w2"], tok.vocab["w3"]) and not short.truncated


@pytest.mark.parametrize("prompt_len", [1, 10, 32, 100, 128, 300, 512])
def test_recomputing_stays_within_the_budget(prompt_len: int) -> None:
    recomputed = [k for k in range(1, gc.MAX_NEW_TOKENS + 1) if gc.is_recomputed(k, prompt_len)]
    assert recomputed[0] == 1 and not gc.is_recomputed(0, prompt_len)
    assert len(recomputed) <= gc.MAX_RECOMPUTES + 1
    assert sum(prompt_len + k for k in recomputed) <= gc.RECOMPUTE_BUDGET + prompt_len + gc.MAX_NEW_TOKENS
    assert len(recomputed) >= 8, "enough checked passes for a curve"


# ---------------------------------------------------------------- the gate


def test_gate_serves_first_come_first_served_with_prefill_first() -> None:
    gate = gc._Gate(1)
    order: list[str] = []
    hold = threading.Event()

    def holder() -> None:
        with gate.slot(1, None, 0.01, 5):
            hold.wait(5)

    def worker(name: str, priority: int) -> None:
        with gate.slot(priority, None, 0.01, 5):
            order.append(name)

    first = threading.Thread(target=holder)
    first.start()
    while gate.running != 1:
        time.sleep(0.005)
    threads = []
    for name, priority in (("step-a", 1), ("step-b", 1), ("prefill", 0), ("step-c", 1)):
        t = threading.Thread(target=worker, args=(name, priority))
        t.start()
        threads.append(t)
        while gate.queued() < len(threads):
            time.sleep(0.005)
    hold.set()
    for t in [first, *threads]:
        t.join(5)
    assert order == ["prefill", "step-a", "step-b", "step-c"]
    assert gate.queued() == 0 and gate.running == 0


def test_gate_holds_at_most_its_slots_and_reports_waiting() -> None:
    gate = gc._Gate(2)
    peak, now = [0], [0]
    lock = threading.Lock()
    waits: list[int] = []

    def worker() -> None:
        with gate.slot(1, waits.append, 0.01, 10):
            with lock:
                now[0] += 1
                peak[0] = max(peak[0], now[0])
            time.sleep(0.03)
            with lock:
                now[0] -= 1

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peak[0] == 2
    assert waits and all(w >= 1 for w in waits), "waiting requests are told how many are ahead"


def test_an_interrupted_wait_leaves_no_ticket_and_a_busy_gate_times_out() -> None:
    gate = gc._Gate(1)
    release = threading.Event()

    def holder() -> None:
        with gate.slot(1, None, 0.01, 5):
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    while gate.running != 1:
        time.sleep(0.005)

    class RerunError(Exception):
        """What Streamlit raises in the waiting callback when the user clicks something."""

    def interrupt(_: int) -> None:
        raise RerunError

    with pytest.raises(RerunError), gate.slot(1, interrupt, 0.01, 5):
        pass
    assert gate.queued() == 0
    with pytest.raises(gc.GenerationBusyError), gate.slot(1, None, 0.01, 0.1):
        pass
    assert gate.queued() == 0
    release.set()
    t.join(5)
    with gate.slot(1, None, 0.01, 1):  # the slot is free again: nothing leaked
        assert gate.running == 1


# ---------------------------------------------------------------- cache geometry


def test_cache_geometry_of_grouped_query_attention() -> None:
    config = SimpleNamespace(num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3, head_dim=64)
    g = CacheGeometry.from_config(config)
    assert (g.layers, g.heads, g.kv_heads, g.head_dim, g.group) == (30, 9, 3, 64, 3)
    assert g.shape(17) == (30, 3, 17, 64)
    assert g.nbytes(17) == 2 * 30 * 3 * 17 * 64 * 4
    assert g.mha_nbytes(17) == 3 * g.nbytes(17)
    assert [g.kv_head_of(h) for h in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert list(g.heads_of(1)) == [3, 4, 5]
    plain = CacheGeometry.from_config(
        SimpleNamespace(num_hidden_layers=2, num_attention_heads=4, hidden_size=32)
    )
    assert plain.kv_heads == 4 and plain.head_dim == 8 and plain.nbytes(5) == plain.mha_nbytes(5)
