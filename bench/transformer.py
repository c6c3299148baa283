"""The real-transformer page: rerun time at 32 and 512 tokens, bytes sent per view at 512, BertViz comparison.

Run: `python -m bench.transformer` (loads both models; ~2-4 minutes on 2 busy cores).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from bench.common import AppTest, bench_args, open_page, print_table, rerun_times, summary_ms

PAGE = "app_pages/transformer.py"
N_RERUNS = 20
SOURCE_TEXT = (
    "the cat sat on the mat and the dog ran to the park while the sun was out and the birds sang "
    "in the old tree by the road near the house where we live with our friends and family"
)
WORDS = SOURCE_TEXT.split(" ")


def text_with_tokens(model_key: str, target: int) -> tuple[str, int]:
    """A text of common words that the model reads as `target` tokens (or just above, for 512 + truncation)."""
    from attention_core import pretrained as pt

    loaded = pt.load_model(model_key)
    words: list[str] = []
    i = 0
    while pt.count_tokens(loaded, " ".join(words)) < target:
        words.append(WORDS[i % len(WORDS)])
        i += 1
    text = " ".join(words)
    return text, min(pt.count_tokens(loaded, text), pt.MAX_MODEL_TOKENS)


def _actions(n_layers: int, n_heads: int) -> list[Callable[[AppTest], object]]:
    """Widget changes cycled during the benchmark: layer, head, query token."""

    def layer(at: AppTest) -> None:
        s = at.slider(key="tf_layer")
        s.set_value(s.value % n_layers + 1)

    def head(at: AppTest) -> None:
        s = at.slider(key="tf_head")
        s.set_value(s.value % n_heads + 1)

    def query(at: AppTest) -> None:
        box = at.selectbox(key="tf_q")
        options = list(box.options)
        box.set_value(options[(options.index(box.value) + 3) % len(options)])

    return [layer, head, query]


SHAPES = {"minilm": (6, 12), "smollm2": (30, 9)}


def chart_bytes(at: AppTest) -> dict[str, int]:
    """Bytes of every Plotly figure the page sent in its last run (the figure JSON Streamlit ships)."""
    out = {}
    for i, el in enumerate(at.get("plotly_chart")):
        key = getattr(el.proto, "id", "") or str(i)
        key = key.split("-", 2)[2] if key.startswith("$$ID-") else key
        out[key] = len(el.proto.spec.encode("utf-8"))
    return out


def bertviz_bytes(model_key: str, text: str, layers: list[int] | None = None) -> int | None:
    """Bytes of BertViz head_view(..., html_action="return") for the same input (None if not installed)."""
    try:
        from bertviz import head_view
    except ImportError:
        return None
    import torch

    from attention_core import pretrained as pt

    loaded = pt.load_model(model_key)
    enc = loaded.tokenizer(text, return_tensors="pt", truncation=True, max_length=pt.MAX_MODEL_TOKENS)
    with torch.inference_mode():
        out = loaded.model(**enc, output_attentions=True)
    tokens = loaded.tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist())
    html = head_view(out.attentions, tokens, include_layers=layers, html_action="return")
    return len(html.data.encode("utf-8"))


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Measure and print the tables; returns the numbers.

    `--quick` checks the bench end to end on short texts: 16 and 40 tokens instead of 32 and 512 (the bytes
    table is then for the 40-token view), 3 reruns each.
    """
    quick = bench_args(__doc__, argv).quick
    small, large = (16, 40) if quick else (32, 512)
    n_reruns = 3 if quick else N_RERUNS
    results: dict[str, object] = {}
    timing_rows = []
    byte_rows = []
    for key, (n_layers, n_heads) in SHAPES.items():
        for target in (small, large):
            text, tokens = text_with_tokens(key, target if target < 512 else 540)
            params = {"text": text, "tf_model": key}
            start = time.perf_counter()
            at = open_page(PAGE, params, timeout=600)
            first = time.perf_counter() - start  # includes model load (once) and the forward pass
            times = rerun_times(PAGE, _actions(n_layers, n_heads), n=n_reruns, query_params=params)
            median, p95 = summary_ms(times)
            timing_rows.append((key, tokens, 1000 * first, median, p95))
            results[f"{key}_{tokens}_rerun_ms"] = (median, p95)
            if target == large:
                sizes = chart_bytes(at)
                total = sum(sizes.values())
                results[f"{key}_{large}_bytes"] = sizes
                if key == "minilm":
                    bv = bertviz_bytes(key, text)
                    bv_note = "measured"
                else:  # all 30 layers would be ~1.4 GB of JSON text: measure one layer, scale by 30
                    one = bertviz_bytes(key, text, layers=[0])
                    bv = None if one is None else one * n_layers
                    bv_note = "1 layer measured x 30"
                results[f"{key}_{large}_bertviz"] = bv
                for chart, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
                    byte_rows.append((key, chart, f"{size:,}"))
                byte_rows.append((key, "TOTAL (all figures of one view)", f"{total:,}"))
                if bv is None:
                    byte_rows.append((key, "BertViz head_view: not installed", "-"))
                else:
                    byte_rows.append((key, f"BertViz head_view ({bv_note})", f"{bv:,}"))
                    byte_rows.append((key, "ratio ours / BertViz", f"{total / bv:.4f}"))
    print_table(
        f"Real-transformer page: rerun after a layer/head/query change ({n_reruns} reruns; target <= 300 ms "
        f"at {small} tokens)",
        ["model", "tokens", "first view ms", "rerun median ms", "rerun p95 ms"],
        timing_rows,
    )
    print_table(
        f"Bytes sent to the browser per view at {large} tokens", ["model", "figure", "bytes"], byte_rows
    )
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
