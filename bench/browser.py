"""One student in a real browser: the SPEC's single-user targets, measured end to end in Debian chromium.

    (a) server start -> first chart drawn: `streamlit run` is started (cold: a new process, nothing imported
        or cached) and a browser that is already open loads the simplified page; the clock stops when the
        first `.js-plotly-plot .main-svg` is visible. Target <= 5 s (issue 17; the SPEC's first target was 10 s).
    (b) new sentence -> every chart updated, on the simplified page: type a sentence, press Ctrl+Enter; the
        clock stops when the weights heatmap's tick labels are the new tokens AND Streamlit's status widget
        is gone (the script finished, so every later chart was sent too). Target <= 500 ms (issue 17). Each is
        split at the server's last websocket message: before it the server's rerun, after it the browser drawing.
    (c) the same on the causal and multi-head pages (tick labels of their first attention heatmap).

Every sentence is new to the server (no cached result), as when a student types their own. The clock in
(b)/(c) starts at the key press (filling the box is the student's typing time). Server and browser both run
on this machine, so the figures include the browser's drawing time.

    python -m bench.browser                # 12 sentences per page
    python -m bench.browser --sentences 20
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.common import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    bench_args,
    free_port,
    print_table,
    start_server,
    stop_server,
    wait_healthy,
)

TARGET_UPDATE_S = 0.5  # issue 17: new sentence -> every chart updated (the SPEC's first target was 1 s)
TARGET_START_S = 5.0  # issue 17: cold server start -> first chart (the SPEC's first target was 10 s)
STATUS_GONE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
SENTENCES = (
    "the cat sat on the mat",
    "your journey starts with one step",
    "attention is all you need",
    "a dog chased the ball across the yard",
    "she reads a book every night before bed",
    "the model looks back at every word",
    "students ask good questions in class",
    "the little girl saw a big dog in the park",
    "rain fell on the quiet town",
    "every head learns a different pattern",
    "the teacher writes the next example on the board",
    "we train small networks on toy data",
    "the sun rose over the old bridge",
    "queries meet keys and values follow",
    "a short sentence",
    "the river runs past the mill and into the sea",
    "tokens attend to earlier tokens only",
    "my brother plays the piano after school",
    "light travels faster than sound",
    "the bakery opens early on sunday morning",
)


@dataclass(frozen=True)
class Target:
    """A page to type on and the heatmap whose y tick labels must become the new tokens."""

    url_path: str
    label: str
    chart_text: str  # text that only the checked heatmap contains (its title or first panel title)


PAGES = (
    Target("simplified", "simplified page", "Attention weights (softmax of each row)"),
    Target("causal", "causal page", "Without a mask"),
    Target("multihead", "multi-head page", "head 1 ·"),
)

# true once the chart holding `text` shows `want` as its (non-blank) y tick labels, once per grid row, and
# the script has finished
_UPDATED = (
    """([text, want]) => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => p.textContent.includes(text));
  if (!plot) return false;
  const ticks = [...plot.querySelectorAll('.yaxislayer-above .ytick text')]
    .map(e => e.textContent).filter(s => s !== '');
  return ticks.length > 0 && ticks.length % want.length === 0
    && ticks.every((s, i) => s === want[i % want.length]) && """
    + STATUS_GONE
    + "; }"
)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of a list of seconds."""
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(q / 100 * (len(data) - 1))))]


def sentences_for(page_index: int, n: int) -> list[str]:
    """n different sentences for one page, none shared with another page (so none is cached)."""
    tails = ("today", "again", "here")
    return [f"{SENTENCES[i % len(SENTENCES)]} {tails[page_index % len(tails)]}" for i in range(n)]


class Frames:
    """When the page's websocket last received a message from the server (the rerun's last delta)."""

    def __init__(self, page) -> None:
        self.last = 0.0
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, _payload: object) -> None:
        self.last = time.perf_counter()


def type_and_wait(
    page, target: Target, sentence: str, timeout_ms: float = 60_000, frames: Frames | None = None
) -> tuple[float, float]:
    """Type one sentence, press Ctrl+Enter: (seconds until the page's charts show it and the run ended, seconds
    until the server's last message of the rerun arrived; the difference is the browser drawing)."""
    box = page.get_by_role("textbox", name="Your sentence")
    box.fill(sentence)
    start = time.perf_counter()
    box.press("Control+Enter")
    page.wait_for_function(_UPDATED, arg=[target.chart_text, sentence.split()], timeout=timeout_ms)
    seconds = time.perf_counter() - start
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{target.url_path}: exception shown after typing {sentence!r}")
    server = (frames.last - start) if frames is not None and frames.last > start else float("nan")
    return seconds, server


def open_page(page, base: str, target: Target, timeout_ms: float = 120_000) -> None:
    """Go to a page and wait until its checked heatmap is drawn and the run has finished."""
    page.goto(f"{base}/{target.url_path}")
    page.locator(".js-plotly-plot").filter(has_text=target.chart_text).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(f"() => {STATUS_GONE}", timeout=timeout_ms)


def run(n_sentences: int = 12, patience: float = 1.0) -> dict[str, object]:
    """Start a server, measure (a), (b), (c) in one chromium tab, stop everything; the raw seconds.

    `patience` multiplies every wait (the quick dry run uses 4: on a machine busy with other jobs the first
    chart has taken over 100 s, and the dry run checks that the bench works, not how fast)."""
    wait_ms = 120_000 * patience
    from playwright.sync_api import sync_playwright

    if n_sentences < 1:
        raise ValueError("need at least one sentence per page")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, object] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2200})
            page.on("dialog", lambda d: d.dismiss())
            frames = Frames(page)
            chunk: dict[str, float] = {}
            page.on(
                "requestfinished",
                lambda r: chunk.setdefault("plotly", time.perf_counter()) if "PlotlyChart" in r.url else None,
            )
            start = time.perf_counter()
            proc = start_server(port, ROOT / "artifacts" / "browser-bench-server.log")
            try:
                wait_healthy(base, 90, proc)
                results["healthy"] = time.perf_counter() - start
                page.goto(f"{base}/simplified")
                page.locator(".js-plotly-plot .main-svg").first.wait_for(state="visible", timeout=wait_ms)
                results["first_chart"] = time.perf_counter() - start
                page.wait_for_function(f"() => {STATUS_GONE}", timeout=wait_ms)
                results["first_page_done"] = time.perf_counter() - start
                results["first_messages_done"] = frames.last - start
                results["plotly_chunk"] = chunk.get("plotly", float("nan")) - start
                for i, target in enumerate(PAGES):
                    open_page(page, base, target, timeout_ms=wait_ms)
                    results[target.url_path] = [
                        type_and_wait(page, target, s, timeout_ms=wait_ms / 2, frames=frames)
                        for s in sentences_for(i, n_sentences)
                    ]
            finally:
                stop_server(proc)
        finally:
            browser.close()
    return results


def print_results(results: dict[str, object]) -> None:
    """The figures as a table, each against its SPEC target."""

    def verdict(seconds: float, target: float) -> str:
        return "yes" if seconds <= target else "NO"

    rows: list[tuple[object, ...]] = [
        ("server start -> /_stcore/health answers", 1, 1000 * results["healthy"], "", "", ""),
        (
            "server start -> first chart visible (cold)",
            1,
            1000 * results["first_chart"],
            "",
            f"<= {TARGET_START_S:.0f} s",
            verdict(results["first_chart"], TARGET_START_S),
        ),
        ("server start -> first page finished", 1, 1000 * results["first_page_done"], "", "", ""),
        ("  the server's last message of it arrived", 1, 1000 * results["first_messages_done"], "", "", ""),
        (
            "  Streamlit's Plotly code (PlotlyChart chunk) loaded",
            1,
            1000 * results["plotly_chunk"],
            "",
            "",
            "",
        ),
    ]
    for target in PAGES:
        pairs = results[target.url_path]
        times, server = [t for t, _ in pairs], [s for _, s in pairs]
        p95 = percentile(times, 95)
        rows.append(
            (
                f"new sentence -> every chart updated, {target.label} (median / p95)",
                len(times),
                1000 * statistics.median(times),
                1000 * p95,
                f"<= {1000 * TARGET_UPDATE_S:.0f} ms",
                verdict(p95, TARGET_UPDATE_S),
            )
        )
        rows.append(
            (
                "  of which until the server's last message (the rest is the browser drawing)",
                len(server),
                1000 * statistics.median(server),
                1000 * percentile(server, 95),
                "",
                "",
            )
        )
    print_table(
        "One student in chromium (server and browser on this machine)",
        ["measurement", "n", "ms (median)", "p95 ms", "SPEC target", "met (p95)"],
        rows,
    )


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run the single-user browser benchmark and print its table."""
    args = bench_args(
        __doc__,
        argv,
        lambda ap: ap.add_argument(
            "--sentences", type=int, default=12, help="different sentences typed per page (>= 10)"
        ),
    )
    results = run(1, patience=4.0) if args.quick else run(args.sentences)  # --quick: one sentence per page
    print_results(results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
