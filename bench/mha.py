"""Multi-head attention: attention_core vs PyTorch (512 tokens, d=768, 12 heads), and page rerun times (pages 5-7).

Run `python -m bench.mha`. Prints the largest difference and the median time of each path; the ratio is
core / PyTorch (below 1.0 means the core is faster). Two fair pairings:
- with weights: core `need_weights=True` vs `nn.MultiheadAttention(need_weights=True, average_attn_weights=False)`
  (both materialise the (h, T, T) weights);
- without weights: core `need_weights=False` (F.scaled_dot_product_attention) vs `nn.MultiheadAttention(
  need_weights=False)` (PyTorch's fused fast path in eval mode).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import torch

from attention_core import builders, modules, references
from bench.common import AppTest, bench_args, print_table, rerun_times, summary_ms

NUM_TOKENS, D_MODEL, NUM_HEADS = 512, 768, 12
REPEATS, WARMUP = 30, 5
N_RERUNS = 24
QUICK = {"num_tokens": 32, "d_model": 48, "num_heads": 4, "repeats": 3, "warmup": 1}  # --quick


def _interleaved(
    fns: dict[str, Callable[[], object]], rounds: int = REPEATS, warmup: int = WARMUP
) -> dict[str, float]:
    """Median ms per function, timed in alternation so that machine noise hits every path alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


@torch.no_grad()
def mha_parity_and_speed(
    num_tokens: int = NUM_TOKENS,
    d_model: int = D_MODEL,
    num_heads: int = NUM_HEADS,
    repeats: int = REPEATS,
    warmup: int = WARMUP,
) -> list[tuple[object, ...]]:
    """Rows: (case, max |diff| output, max |diff| weights, core ms, torch ms, ratio)."""
    rows = []
    x = torch.randn(1, num_tokens, d_model, generator=torch.Generator().manual_seed(0))
    for causal in (True, False):
        mha = builders.build_multihead(
            d_model, d_model, num_tokens, num_heads, seed=123, causal=causal
        ).eval()
        ref = references.torch_multihead(mha)
        mask = modules.causal_mask(num_tokens) if causal else None
        ours, ours_w = mha(x)
        fused, _ = mha(x, need_weights=False)
        theirs, theirs_w = ref(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
        theirs_fast, _ = ref(x, x, x, attn_mask=mask, need_weights=False, is_causal=causal)
        tag = "causal" if causal else "full"
        times = _interleaved(
            {
                "core_w": lambda mha=mha: mha(x),
                "torch_w": lambda ref=ref, mask=mask: ref(
                    x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False
                ),
                "core_f": lambda mha=mha: mha(x, need_weights=False),
                "torch_f": lambda ref=ref, mask=mask, causal=causal: ref(
                    x, x, x, attn_mask=mask, need_weights=False, is_causal=causal
                ),
            },
            rounds=repeats,
            warmup=warmup,
        )
        rows.append(
            (
                f"{tag}, with weights",
                f"{float((ours - theirs).abs().max()):.2e}",
                f"{float((ours_w - theirs_w).abs().max()):.2e}",
                times["core_w"],
                times["torch_w"],
                f"{times['core_w'] / times['torch_w']:.2f}x",
            )
        )
        rows.append(
            (
                f"{tag}, no weights (fused)",
                f"{float((fused - theirs_fast).abs().max()):.2e}",
                "-",
                times["core_f"],
                times["torch_f"],
                f"{times['core_f'] / times['torch_f']:.2f}x",
            )
        )
    return rows


def _set(kind: str, key: str, value: object):
    def action(at: AppTest) -> None:
        getattr(at, kind)(key=key).set_value(value)

    return action


def _pick(key: str, index: int):
    """Choose the option at `index` of a selectbox (token menus list names like '1 · Your', not positions)."""

    def action(at: AppTest) -> None:
        at.selectbox(key=key).select_index(index)

    return action


# page -> widget changes that cycle during the benchmark (each is a real setting change)
PAGE_ACTIONS = {
    "app_pages/trainable.py": [
        _set("toggle", "tw_scale", False),
        _set("toggle", "tw_scale", True),
        _pick("tw_q", 0),
        _set("slider", "tw_seed", 7),
        _set("slider", "tw_seed", 123),
        _pick("tw_q", 1),
    ],
    "app_pages/causal.py": [
        _set("toggle", "ca_mask", False),
        _set("toggle", "ca_mask", True),
        _set("toggle", "ca_drop", True),
        _set("slider", "ca_dseed", 5),
        _set("toggle", "ca_drop", False),
    ],
    "app_pages/multihead.py": [
        _set("toggle", "mh_h2", False),
        _set("toggle", "mh_causal", False),
        _set("toggle", "mh_h2", True),
        _set("toggle", "mh_causal", True),
        _set("selectbox", "mh_heads", 1),
        _set("selectbox", "mh_heads", 2),
    ],
}


def page_reruns(n_reruns: int = N_RERUNS) -> list[tuple[object, ...]]:
    """Rows: (page, median ms, p95 ms) for widget changes, then for the first visit of each setting.

    At least one rerun per action, so every listed change is exercised (also in `--quick`)."""
    rows = []
    for page, actions in PAGE_ACTIONS.items():
        median, p95 = summary_ms(rerun_times(page, actions, n=max(n_reruns, len(actions))))
        rows.append((page, "widget change (cycling settings)", median, p95))
        # a fresh seed every rerun: nothing cached, the page builds every figure
        key = {"app_pages/trainable.py": "tw_seed", "app_pages/causal.py": "ca_seed"}.get(page, "mh_seed")
        fresh = [_set("slider", key, 200 + i) for i in range(max(2, n_reruns // 2))]
        median, p95 = summary_ms(rerun_times(page, fresh, n=len(fresh)))
        rows.append((page, "new setting (no cache hit)", median, p95))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print both tables (`--quick`: a small attention and a few reruns, to check the bench runs)."""
    quick = bench_args(__doc__, argv).quick
    sizes = (
        QUICK
        if quick
        else {
            "num_tokens": NUM_TOKENS,
            "d_model": D_MODEL,
            "num_heads": NUM_HEADS,
            "repeats": REPEATS,
            "warmup": WARMUP,
        }
    )
    n_reruns = 3 if quick else N_RERUNS
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print_table(
        f"Multi-head attention, {sizes['num_tokens']} tokens, d={sizes['d_model']}, {sizes['num_heads']} heads, "
        f"batch 1, float32 (median of {sizes['repeats']} interleaved runs; ratio = core / torch, goal <= 1.0x)",
        ["case", "max |diff| output", "max |diff| weights", "core ms", "torch ms", "ratio"],
        mha_parity_and_speed(**sizes),
    )
    print_table(
        f"Pages 5-7: rerun after a widget change, server side ({n_reruns} reruns; target <= 100 ms)",
        ["page", "change", "median ms", "p95 ms"],
        page_reruns(n_reruns),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
