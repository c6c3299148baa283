"""Today's LLMs: GQA parity and speed at a real size, the KV-cache figures, SmolLM2 under windows, page reruns.

Run `python -m bench.variants`. Prints four tables:
- grouped-query attention (512 tokens, d = 768, 12 query heads, 12/4/1 K/V heads): largest difference from
  `F.scaled_dot_product_attention(enable_gqa=True)` and the median time of each (ratio = core / PyTorch);
- the KV cache of each shipped configuration at its own context length and at 32,768 tokens (bf16, batch 1);
- SmolLM2: one batched pass over every window of the sweep at 64 tokens, and the one-pass window cache against
  the token-by-token rolling KV cache (time and largest loss difference);
- server-side rerun time of the four pages after a widget change (median / p95).
"""

from __future__ import annotations

import statistics
import sys
import time

import torch

from attention_core.variants import gqa
from attention_core.variants import kv_cache as kc
from attention_core.variants import sinks as sk
from attention_core.variants import windows as win
from bench.common import AppTest, bench_args, print_table, rerun_times, summary_ms

NUM_TOKENS, D_MODEL, NUM_HEADS = 512, 768, 12
REPEATS = 15
N_RERUNS = 16


def _median_ms(fn, repeats: int = REPEATS) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


@torch.no_grad()
def gqa_rows(num_tokens: int = NUM_TOKENS, repeats: int = REPEATS) -> list[tuple[object, ...]]:
    """(K/V heads, kind, max |diff|, core ms (weights), core ms (fused), torch ms, fused / torch)."""
    x = torch.randn(1, num_tokens, D_MODEL, generator=torch.Generator().manual_seed(0))
    rows = []
    for groups in (12, 4, 1):
        module = gqa.build_gqa(D_MODEL, D_MODEL, num_tokens, NUM_HEADS, groups, seed=123).eval()
        ours, _ = module(x)
        diff = float((ours - gqa.sdpa_grouped_reference(module, x)).abs().max())
        with_weights = _median_ms(lambda m=module: m(x), repeats)
        fused = _median_ms(lambda m=module: m(x, need_weights=False), repeats)
        ref = _median_ms(lambda m=module: gqa.sdpa_grouped_reference(m, x), repeats)
        rows.append(
            (
                groups,
                gqa.kind_name(NUM_HEADS, groups),
                f"{diff:.1e}",
                f"{with_weights:.1f}",
                f"{fused:.1f}",
                f"{ref:.1f}",
                f"{fused / ref:.2f}",
            )
        )
    return rows


def cache_rows() -> list[tuple[object, ...]]:
    """(model, per token, at its context, at 32,768 tokens, multi-head at 32,768)."""
    configs = list(kc.PUBLISHED)
    try:
        configs.insert(0, kc.smollm2_cache_config())
    except Exception as exc:  # a missing model package leaves SmolLM2 out, the table still prints
        print(f"(SmolLM2 left out: {exc})")
    return [
        (
            c.name,
            kc.human_bytes(kc.kv_cache_bytes(c, 1, rolling=False)),
            f"{kc.human_bytes(kc.kv_cache_bytes(c, c.context_length))} ({c.context_length:,})",
            kc.human_bytes(kc.kv_cache_bytes(c, 32_768)),
            kc.human_bytes(kc.kv_cache_bytes(c.as_multihead(), 32_768)),
        )
        for c in configs
    ]


@torch.no_grad()
def smollm2_rows() -> list[tuple[object, ...]]:
    """(what, tokens, ms, note) for SmolLM2 under windows; empty without the model package."""
    from attention_core import pretrained as pt

    if pt.availability("smollm2") is not None:
        print("(SmolLM2 not installed: its rows are skipped)")
        return []
    loaded = pt.load_model("smollm2")
    text = sk.TEXT_PATH.read_text(encoding="utf-8")
    ids = loaded.tokenizer(text, return_tensors="pt").input_ids
    rows = []
    short = ids[:, :64]
    labels = [str(i) for i in range(64)]
    start = time.perf_counter()
    study = win.smollm2_window_study(loaded.model, loaded.tokenizer, short, labels, 8, 64)
    rows.append(
        (
            "window sweep, one batch",
            64,
            f"{1000 * (time.perf_counter() - start):.0f}",
            f"{len(study.sweep) + 1} masks; W = T vs no mask: {study.no_window_diff:.1e}",
        )
    )
    ids32 = ids[:, :32]
    start = time.perf_counter()
    fast = sk.cache_losses(loaded.model, ids32, 8, 4)
    fast_ms = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    slow = sk.rolling_cache_losses(loaded.model, ids32, 8, 4)
    slow_ms = 1000 * (time.perf_counter() - start)
    diff = float(abs(fast - slow).max())
    rows.append(("window cache + 4 sinks: one pass", 32, f"{fast_ms:.0f}", f"max |loss diff| {diff:.1e}"))
    rows.append(
        ("... token-by-token rolling KV cache", 32, f"{slow_ms:.0f}", f"{slow_ms / fast_ms:.0f}x slower")
    )
    return rows


def _slider(key: str, values: list[int]):
    def make(v: int):
        def action(at: AppTest) -> None:
            at.slider(key=key).set_value(v)

        return action

    return [make(v) for v in values]


def _select(key: str, values: list[object]):
    def make(v: object):
        def action(at: AppTest) -> None:
            at.selectbox(key=key).set_value(v)

        return action

    return [make(v) for v in values]


PAGE_ACTIONS = {
    "app_pages/gqa.py": _select("gqa_groups", [1, 4, 2]),
    "app_pages/sliding_window.py": _slider("swa_window", [2, 4, 3]),
    "app_pages/positions.py": _slider("pos_shuffle", [1, 2, 0]),
    "app_pages/sinks.py": _slider("sink_smooth", [16, 128, 64]),
}


def page_rows(
    n_reruns: int = N_RERUNS, pages: tuple[str, ...] = tuple(PAGE_ACTIONS)
) -> list[tuple[str, float, float]]:
    """(page, median ms, p95 ms) of reruns after a widget change."""
    rows = []
    for page in pages:
        median, p95 = summary_ms(rerun_times(page, PAGE_ACTIONS[page], n=n_reruns))
        rows.append((page, median, p95))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print every table (`--quick`: 64 tokens, 2 repeats, no SmolLM2, the GQA page's reruns only)."""
    quick = bench_args(__doc__, argv).quick
    print_table(
        f"Grouped-query attention vs PyTorch ({64 if quick else NUM_TOKENS} tokens, d={D_MODEL}, {NUM_HEADS} query heads)",
        [
            "K/V heads",
            "kind",
            "max |diff|",
            "core ms (weights)",
            "core ms (fused)",
            "SDPA enable_gqa ms",
            "fused / SDPA",
        ],
        gqa_rows(64, 2) if quick else gqa_rows(),
    )
    print_table(
        "KV cache, bf16, batch 1 (Mistral: rolling buffer of 4,096)",
        ["model", "per token", "at its context", "at 32,768 tokens", "as multi-head at 32,768"],
        cache_rows(),
    )
    smol = [] if quick else smollm2_rows()
    if smol:
        print_table("SmolLM2 under windows", ["what", "tokens", "ms", "note"], smol)
    print_table(
        f"Today's-LLMs pages: rerun after a widget change ({2 if quick else N_RERUNS} reruns, server side)",
        ["page", "median ms", "p95 ms"],
        page_rows(2, ("app_pages/gqa.py",)) if quick else page_rows(),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
