"""Cached values are read by every session's thread at once: nothing a session does may change them.

The race of issue 11 (`Invalid property specified for object of type Scatter: 'coloraxis'` under load):
plotly's `go.Figure(fig)` briefly pops each trace's `type` out of the *source* figure while it validates the
copy, so sessions that copied (highlight_head, presentation mode) or serialised (st.plotly_chart) the same
cached go.Figure at the same moment built a heatmap as a Scatter. The threaded test below, run against the
old code (st.cache_resource holding go.Figure, show_figure and highlight_head copying it), failed 5 of its 80
reruns: 3 x that 'coloraxis' error, 1 x "dictionary changed size during iteration", 1 x KeyError 'type'.
"""

from __future__ import annotations

import json
import threading
from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import torch

from attention_core.builders import build_multihead
from attention_core.figures import transformer as model_figs
from attention_core.figures.export import matrices_zip
from attention_core.figures.frozen import FrozenFigure, chart_figure, freeze
from attention_core.figures.grid import heatmap_grid
from attention_core.figures.palette import ACCENT
from attention_core.figures.theme import dark_color, drawn_twin, for_dark, with_axis_text
from attention_core.figures.translation import encoder_animation
from ui.cache import private_copy, shared_cache
from ui.figures import PRESENT_FONT, session_figure

THREADS, ROUNDS = 8, 10


def _figures() -> dict[str, go.Figure]:
    rng = np.random.default_rng(0)
    tokens = [f"t{i}" for i in range(10)]
    return {
        "view": model_figs.model_view(rng.random((3, 4, 12, 12)).astype(np.float32)),
        "grid": heatmap_grid(
            [rng.random((10, 10)) for _ in range(4)], tokens, tokens, list("abcd"), max_cols=2
        ),
        "animation": encoder_animation(rng.uniform(-1, 1, (10, 8)), tokens),
    }


@pytest.mark.parametrize("name", ["view", "grid", "animation"])
def test_freeze_then_thaw_gives_back_the_same_figure(name: str) -> None:
    fig = _figures()[name]
    frozen = freeze(fig)
    assert json.loads(frozen.thaw().to_json()) == json.loads(fig.to_json())
    thawed = frozen.thaw()
    thawed.update_layout(height=999)  # a reader's changes stay in its own copy
    thawed.data[0].name = "changed"
    assert json.loads(frozen.thaw().to_json()) == json.loads(fig.to_json())


@shared_cache()
def _cached_state(seed: int) -> dict[str, object]:
    """A page-like cached value: figures, a tensor, an array, a table."""
    return {
        **_figures(),
        "tensor": torch.arange(6.0),
        "array": np.arange(6.0),
        "table": pd.DataFrame({"a": [1.0, 2.0]}),
        "seed": seed,
    }


def test_shared_values_are_frozen_and_each_call_gets_its_own_copy() -> None:
    _cached_state.clear()
    first, second = _cached_state(1), _cached_state(1)
    assert isinstance(first["view"], FrozenFigure) and first["view"] is second["view"]  # immutable: shared
    assert first["tensor"] is not second["tensor"] and first["table"] is not second["table"]
    first["tensor"] += 1  # a session changing its copy changes no one else's
    first["table"].loc[0, "a"] = -1.0
    assert torch.equal(second["tensor"], torch.arange(6.0)) and second["table"].loc[0, "a"] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        first["array"][0] = 5.0
    assert private_copy([1, (2, 3)]) == [1, (2, 3)]


def _session_work(state: dict[str, object], i: int) -> dict[str, str]:
    """What one session's rerun does with the cached figures: highlight, enlarge, serialise, export."""
    layer, head = i % 3, (i * 5) % 4
    picked = model_figs.highlight_head(state["view"], (layer, head))  # type: ignore[arg-type]
    grid = session_figure(state["grid"], presenting=i % 2 == 0)  # type: ignore[arg-type]
    animation = session_figure(state["animation"], presenting=i % 3 == 0)  # type: ignore[arg-type]
    for fig in (picked, grid, animation):  # st.plotly_chart's own path: to_dict, then JSON
        fig.to_dict()
    return {
        "picked": picked.to_json(),
        "grid": grid.to_json(),
        "animation": animation.to_json(),
        "zip": str(len(matrices_zip([("grid", grid)]))),
    }


def test_many_threads_read_the_same_cached_figures_at_once() -> None:
    """8 threads x 10 reruns on one cached state: no exception, every result equal to a lone run's."""
    _cached_state.clear()
    expected = {i: _session_work(_cached_state(7), i) for i in range(12)}  # one thread, the reference
    errors: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    start = threading.Barrier(THREADS)

    def session(t: int) -> None:
        start.wait()
        for r in range(ROUNDS):
            i = (t + r) % 12
            try:
                got = _session_work(_cached_state(7), i)
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
                continue
            wrong.update(k for k, v in got.items() if v != expected[i][k])

    threads = [threading.Thread(target=session, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, dict(errors)
    assert not wrong, dict(wrong)
    # and the presentation copies really were enlarged (the check above compares like with like)
    assert json.loads(expected[0]["grid"])["layout"]["font"]["size"] == PRESENT_FONT


def test_a_shared_multihead_module_gives_the_same_output_in_every_thread() -> None:
    """A MultiHeadAttention read by many threads keeps no per-call state: same output, same attributes."""
    mha = build_multihead(4, 4, 16, 2, 123).eval()
    attributes = dict(mha.__dict__)
    params = {name: p.detach().clone() for name, p in mha.named_parameters()}
    x = torch.rand(8, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = mha(x)[0]
    outputs: list[torch.Tensor] = []
    lock = threading.Lock()

    def run() -> None:
        with torch.no_grad():
            for _ in range(50):
                out = mha(x)[0]
                with lock:
                    outputs.append(out)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outputs) == 400 and all(torch.equal(o, expected) for o in outputs)
    assert mha.__dict__.keys() == attributes.keys()  # nothing cached on the module by a call
    assert all(torch.equal(p, params[name]) for name, p in mha.named_parameters())


def test_st_cache_resource_is_still_what_shared_cache_uses() -> None:
    """shared_cache keeps Streamlit's cache (one computation per argument set, clear() works)."""
    calls = []

    @shared_cache(max_entries=4)
    def square(x: int) -> dict[str, int]:
        calls.append(x)
        return {"x": x * x}

    assert square(3) == {"x": 9} and square(3) == {"x": 9} and calls == [3]
    square.clear()  # type: ignore[attr-defined]
    square(3)
    assert calls == [3, 3]


@pytest.mark.parametrize("name", ["view", "grid", "animation"])
def test_a_frozen_figure_draws_exactly_as_its_thawed_copy(name: str) -> None:
    """`for_chart` (what show_figure hands st.plotly_chart) serialises as the thawed figure does, in both themes."""
    fig = _figures()[name]
    frozen = freeze(fig)
    drawn = json.loads(pio.to_json(frozen.for_chart(), validate=False))
    assert drawn == json.loads(pio.to_json(frozen.thaw(), validate=False))
    assert drawn["data"] and drawn["layout"]
    assert frozen.title == (fig.layout.title.text or "")
    assert frozen.trace_types == tuple(trace.type for trace in fig.data)
    for dark in (False, True):  # as themed() draws the figure: readable chart text, dark twins on a dark page
        twin = drawn_twin(frozen, dark)
        assert twin is drawn_twin(frozen, dark)  # made once, shared
        expected = for_dark(with_axis_text(fig)) if dark else with_axis_text(fig)
        assert json.loads(pio.to_json(twin.for_chart(), validate=False)) == json.loads(expected.to_json())


def test_the_dark_twin_of_a_frozen_figure_swaps_palette_colours() -> None:
    frozen = freeze(go.Figure(go.Scatter(y=np.arange(3.0), line={"color": ACCENT})))
    drawn = json.loads(pio.to_json(drawn_twin(frozen, dark=True).for_chart(), validate=False))
    assert drawn["data"][0]["line"]["color"] == dark_color(ACCENT) != ACCENT
    assert (
        json.loads(frozen.to_json())["data"][0]["line"]["color"] == ACCENT
    )  # the shared light one unchanged


def test_many_threads_draw_the_same_frozen_figure_at_once() -> None:
    """Sessions drawing one shared figure at the same moment (light and dark) all send the same JSON."""
    frozen = freeze(_figures()["grid"])
    light = with_axis_text(frozen.thaw()).to_json()
    dark = for_dark(with_axis_text(frozen.thaw())).to_json()
    seen: Counter[str] = Counter()
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def draw(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                chart = drawn_twin(frozen, dark=bool(n % 2)).for_chart()
                text = pio.to_json(chart, validate=False)
                seen["ok" if json.loads(text) == json.loads(dark if n % 2 else light) else "wrong"] += 1
        except BaseException as exc:  # collected: a thread's error must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert seen == Counter({"ok": THREADS * ROUNDS})


@pytest.mark.parametrize("height", [None, 333, 720])
def test_a_chart_stand_in_is_sized_as_its_figure(height: int | None) -> None:
    """st.plotly_chart sizes its element from `figure.layout.height` (height "content", its default): the
    stand-ins `for_chart` and `theme.themed` hand it must give it the figure's height, not Streamlit's 450 px."""
    from streamlit.elements.plotly_chart import _resolve_content_height  # what plotly_chart itself calls

    fig = go.Figure(go.Bar(y=[1.0, 2.0]), layout={"height": height})
    expected = _resolve_content_height("content", fig)
    assert expected == (height or 450)
    assert _resolve_content_height("content", freeze(fig).for_chart()) == expected
    assert _resolve_content_height("content", chart_figure(fig.to_dict())) == expected
