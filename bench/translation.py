"""Translation pages: page rerun time after a widget change, and model inference time for a 40-token sentence.

python -m bench.translation
"""

from __future__ import annotations

import random
import sys
import time

import torch

from bench.common import AppTest, bench_args, open_page, print_table, rerun_times, summary_ms

N_RERUNS = 20
N_INFERENCE = 20
SENTENCES = (
    "the cat sleeps",
    "the small black cat sleeps under the old table",
    "the happy girls sing in the green garden and the tired dog often sleeps",
)


def _set(kind: str, key: str, value: object):
    def action(at: AppTest) -> None:
        getattr(at, kind)(key=key).set_value(value)

    return action


def _set_text(i: int):
    def action(at: AppTest) -> None:
        at.text_area(key="text").set_value(SENTENCES[i % len(SENTENCES)])

    return action


PAGE_ACTIONS = {
    "app_pages/rnn_bottleneck.py": [
        _set("selectbox", "rb_metric", "sentence"),
        _set("selectbox", "rb_metric", "token"),
    ],
    "app_pages/bahdanau.py": [_set("toggle", "bd_rule", False), _set("toggle", "bd_rule", True)],
}


LONGEST = {"app_pages/rnn_bottleneck.py": {"rb_ex": "10"}, "app_pages/bahdanau.py": {"bd_ex": "10"}}


def page_rows(n_reruns: int = N_RERUNS) -> list[tuple[str, float, float, int]]:
    """(label, median ms, p95 ms, chart bytes) for a settings change, a new sentence, and the 39-word example."""
    rows = []
    for page, actions in PAGE_ACTIONS.items():
        text_actions = [_set_text(i) for i in range(len(SENTENCES))]
        for label, acts, params in (
            (page, actions, None),
            (f"{page} (new sentence)", text_actions, None),
            (f"{page} (39-word example)", actions, LONGEST[page]),
        ):
            times = rerun_times(page, acts, n=max(n_reruns, len(acts)), query_params=params)
            at = open_page(page, params)
            payload = sum(len(el.proto.spec) for el in at.get("plotly_chart"))
            rows.append((label, *summary_ms(times), payload))
    return rows


def inference_rows(n_inference: int = N_INFERENCE) -> list[tuple[str, float, float]]:
    """(model, median ms, p95 ms) to translate one 40-token sentence greedily (encoder + full decode)."""
    from attention_core.translation import grammar as g
    from attention_core.translation.models import load_models, translate_sentence

    torch.set_num_threads(1)
    models = load_models()
    sentence = g.sample_sentence_of_length(random.Random(0), 40)
    rows = []
    for name in ("bottleneck", "attention"):
        model = getattr(models, name)
        translate_sentence(model, models.src_vocab, models.tgt_vocab, sentence)  # warm up
        times = []
        for _ in range(n_inference):
            start = time.perf_counter()
            translate_sentence(model, models.src_vocab, models.tgt_vocab, sentence)
            times.append(time.perf_counter() - start)
        rows.append((f"{name} (40 tokens, 1 thread)", *summary_ms(times)))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print both tables (`--quick`: 3 runs of each, to check the bench runs)."""
    quick = bench_args(__doc__, argv).quick
    n_inference, n_reruns = (3, 3) if quick else (N_INFERENCE, N_RERUNS)
    print_table(
        f"Translation model inference, greedy decoding ({n_inference} runs)",
        ["model", "median ms", "p95 ms"],
        inference_rows(n_inference),
    )
    print_table(
        f"Translation pages: rerun after a change ({n_reruns} reruns; server side)",
        ["page", "median ms", "p95 ms", "chart JSON bytes"],
        page_rows(n_reruns),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
