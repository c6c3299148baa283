"""Page rerun time after a widget change, server side (median and p95 over >= 20 reruns)."""

from __future__ import annotations

import sys

from bench.common import AppTest, bench_args, print_table, rerun_times, summary_ms

N_RERUNS = 30
SENTENCES = ("Your journey starts with one step", "the cat sat on the mat", "attention is all you need")


def _set_text(i: int):
    def action(at: AppTest) -> None:
        at.text_area(key="text").set_value(SENTENCES[i % len(SENTENCES)])

    return action


def _select(key: str, value: object):
    def action(at: AppTest) -> None:
        at.selectbox(key=key).set_value(value)

    return action


def _slide(key: str, value: int):
    def action(at: AppTest) -> None:
        at.slider(key=key).set_value(value)

    return action


# page -> widget changes that cycle during the benchmark (other pages register theirs here)
PAGE_ACTIONS = {
    "app_pages/simplified.py": [
        _select("q", "1 · Your"),
        _select("q", "3 · starts"),
        _select("q", "2 · journey"),
    ],
    "app_pages/own_model.py": [
        _slide("own_layer", 2),
        _slide("own_head", 3),
        _slide("own_layer", 1),
        _slide("own_head", 1),
    ],
}


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    """Measure every page and print a table; returns (page, median ms, p95 ms) rows (`--quick`: 3 reruns)."""
    n_reruns = 3 if bench_args(__doc__, argv).quick else N_RERUNS
    rows = []
    for page, actions in PAGE_ACTIONS.items():
        median, p95 = summary_ms(rerun_times(page, actions, n=n_reruns))
        rows.append((page, median, p95))
        text_median, text_p95 = summary_ms(
            rerun_times(page, [_set_text(i) for i in range(3)], n=max(3, n_reruns // 2))
        )
        rows.append((f"{page} (new sentence)", text_median, text_p95))
    print_table(
        f"Page rerun after a widget change ({n_reruns} reruns; target <= 100 ms)",
        ["page", "median ms", "p95 ms"],
        rows,
    )
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
