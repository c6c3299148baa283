"""Where a rerun's time goes, server side: one page run under cProfile after each new sentence, split by stage.

A student types a sentence nobody typed before, so every shared cache misses. The script thread of each rerun is
profiled (AppTest runs the real page script) and its time is split into what the code does:

- cache misses: the shared work a new text causes once (`ui.cache.shared_cache` builds the view and its figures),
  and of that the figure builders (`attention_core.figures`, mostly Plotly's property validation) and freezing;
- figure builders the page calls on every rerun, outside any cache;
- thawing the shared (frozen) figures into the run's own copy, `st.plotly_chart` (figure -> JSON -> protobuf)
  and the theme pass (`ui.theme.themed`);
- the rest (widgets, text, the URL, the sidebar, the frame in app.py).

AppTest compiles the page scripts on every run (a server caches their bytecode); that time is left out.

The websocket and the browser's drawing come after this; `python -m bench.browser` measures those.

    python -m bench.profile              # 6 new sentences per page
    python -m bench.profile --quick      # one page, 2 sentences
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from streamlit.runtime.caching import cache_utils
from streamlit.runtime.scriptrunner import script_runner

from bench.common import bench_args, open_page, print_table

PAGES = ("app_pages/simplified.py", "app_pages/trainable.py", "app_pages/causal.py", "app_pages/multihead.py")
WORDS = ("river", "lamp", "quiet", "window", "garden", "letter", "orange", "winter", "bridge", "silver")

FuncKey = tuple[str, int, str]
Match = Callable[[FuncKey], bool]


def _in(path_part: str, name: str | None = None) -> Match:
    """Functions defined in a file whose path contains path_part (and, if given, named name)."""
    return lambda k: path_part in k[0] and (name is None or k[2] == name)


def BUILDERS(k: FuncKey) -> bool:  # noqa: N802  (one of the stage matchers, named like them)
    """The figure builders (attention_core.figures, without the frozen-figure plumbing)."""
    return "/attention_core/figures/" in k[0] and not k[0].endswith("/frozen.py")


THAW = _in("/attention_core/figures/frozen.py", "thaw")
FREEZING = _in("/ui/cache.py", "frozen_value")
CACHE_MISS = _in("/streamlit/runtime/caching/cache_utils.py", "_handle_cache_miss")
PLOTLY_CHART = _in("/streamlit/elements/plotly_chart.py", "plotly_chart")
THEMED = _in("/ui/theme.py", "themed")
COMPILE = _in("/streamlit/runtime/scriptrunner/script_cache.py", "get_bytecode")


def inclusive_seconds(stats: pstats.Stats, match: Match) -> float:
    """Time spent inside the matching functions, counted once: each call edge from a non-matching caller."""
    raw: dict[FuncKey, Any] = stats.stats  # type: ignore[attr-defined]  # {func: (cc, nc, tt, ct, callers)}
    total = 0.0
    for func, (_cc, _nc, _tt, ct, callers) in raw.items():
        if not match(func):
            continue
        if not callers:  # a root (the profiled entry point itself)
            total += ct
        for caller, edge in callers.items():
            if not match(caller):
                total += edge[3]  # cumulative time of the calls made along this edge
    return total


@dataclass
class Profiles:
    """Two profiles of the script thread: the run itself, and the cache misses inside it (kept apart)."""

    run: cProfile.Profile = field(default_factory=cProfile.Profile)
    miss: cProfile.Profile = field(default_factory=cProfile.Profile)
    in_miss: bool = False
    script_seconds: float = 0.0  # by the clock: a profiler paused for a miss loses the frames open across it


@contextmanager
def profiled_script_runs(profiles: Profiles) -> Iterator[None]:
    """Profile every script run Streamlit starts (in its own thread) while the block is open; a cache miss
    (the shared work a new sentence causes once) goes to `profiles.miss`, the rest of the run to `.run`."""
    runner, cached = script_runner.ScriptRunner, cache_utils.CachedFunc
    run_script, handle_miss = runner._run_script, cached._handle_cache_miss

    def profiled_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        profiles.run.enable()
        try:
            return run_script(self, *args, **kwargs)
        finally:
            profiles.run.disable()
            profiles.script_seconds += time.perf_counter() - start

    def profiled_miss(self: Any, *args: Any, **kwargs: Any) -> Any:
        if profiles.in_miss:  # a miss inside a miss: already counted
            return handle_miss(self, *args, **kwargs)
        profiles.run.disable()
        profiles.miss.enable()
        profiles.in_miss = True
        try:
            return handle_miss(self, *args, **kwargs)
        finally:
            profiles.in_miss = False
            profiles.miss.disable()
            profiles.run.enable()

    runner._run_script, cached._handle_cache_miss = profiled_run, profiled_miss  # type: ignore[method-assign]
    try:
        yield
    finally:
        runner._run_script, cached._handle_cache_miss = run_script, handle_miss  # type: ignore[method-assign]


def new_sentences(page_index: int, n: int) -> list[str]:
    """n sentences no page and no earlier rerun typed (so every shared cache misses)."""
    return [
        f"the {WORDS[(i + page_index) % len(WORDS)]} near the {WORDS[(3 * i + 1) % len(WORDS)]} {page_index} {i}"
        for i in range(n)
    ]


def profile_page(
    page: str, page_index: int, n: int
) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """Wall-clock ms per rerun under the profiler, (stage, ms per rerun) rows (AppTest's compiling left out), and
    the builders that run on every rerun, slowest first."""
    at = open_page(page)
    profiles = Profiles()
    wall = 0.0
    with profiled_script_runs(profiles):
        for sentence in new_sentences(page_index, n):
            at.text_area(key="text").set_value(sentence)
            start = time.perf_counter()
            at.run()
            wall += time.perf_counter() - start
            if at.exception:
                raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    run, miss = pstats.Stats(profiles.run), pstats.Stats(profiles.miss)

    def ms(stats: pstats.Stats, match: Match) -> float:
        return 1000 * inclusive_seconds(stats, match) / n

    compile_ms = ms(run, COMPILE)  # AppTest compiles every run; a server caches the bytecode
    missed = ms(miss, CACHE_MISS)
    script = 1000 * profiles.script_seconds / n - compile_ms
    per_run = [ms(run, BUILDERS), ms(run, THAW), ms(run, PLOTLY_CHART), ms(run, THEMED)]
    rows = [
        ("script, whole run (without compiling)", script),
        ("cache misses: views + figures built once per new text", missed),
        ("  of which figure builders (attention_core.figures)", ms(miss, BUILDERS)),
        ("  of which freezing the shared result", ms(miss, FREEZING)),
        ("figure builders run on every rerun (not cached)", per_run[0]),
        ("thawing shared figures into the run's own copy", per_run[1]),
        ("st.plotly_chart (figure -> JSON -> protobuf)", per_run[2]),
        ("the theme pass (ui.theme.themed)", per_run[3]),
        ("the rest (widgets, text, URL, sidebar, app.py)", script - missed - sum(per_run)),
    ]
    return 1000 * wall / n - compile_ms, rows, top_entries(run, BUILDERS, n)


def top_entries(stats: pstats.Stats, match: Match, n: int, k: int = 3) -> list[tuple[str, float]]:
    """The k matching functions entered from outside the group that take the most time, ms per rerun."""
    raw: dict[FuncKey, Any] = stats.stats  # type: ignore[attr-defined]
    entered = {
        func: sum(edge[3] for caller, edge in callers.items() if not match(caller))
        for func, (_cc, _nc, _tt, _ct, callers) in raw.items()
        if match(func)
    }
    ranked = sorted(entered.items(), key=lambda item: -item[1])[:k]
    return [
        (f"{func[0].split('/attention_core/')[-1]}:{func[2]}", 1000 * t / n) for func, t in ranked if t > 0
    ]


def main(argv: list[str] | None = None) -> list[tuple[object, ...]]:
    """Profile each page's new-sentence rerun and print one table per page; returns the rows."""
    quick = bench_args(__doc__, argv).quick
    pages, n = (PAGES[:1], 2) if quick else (PAGES, 6)
    rows: list[tuple[object, ...]] = []
    for i, page in enumerate(pages):
        wall, stages, per_run = profile_page(page, i, n)
        script = stages[0][1]
        print_table(
            f"{page}: a new sentence, {n} reruns ({wall:.0f} ms per rerun by the clock, under the profiler)",
            ["stage", "ms per rerun", "% of the script"],
            [(label, value, 100 * value / script) for label, value in stages],
        )
        print("  built on every rerun: " + ", ".join(f"{name} {t:.0f} ms" for name, t in per_run))
        rows += [(page, label, value) for label, value in stages]
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
