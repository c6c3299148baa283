"""Figures for a dark page: the same figure with each light-theme palette colour swapped for its dark twin.

Builders draw with the light palette (`palette.py`) and never ask which theme is on; Streamlit's Plotly
template already themes the background, fonts, axes and grid. Only colours a builder sets itself (accents,
ink on grey cells, the 3-D context vector, Okabe-Ito's black) need a twin, listed in `palette.DARK_SWAPS`.
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from attention_core.figures.frozen import FrozenFigure
from attention_core.figures.palette import AXIS_TEXT, DARK_SWAPS

_SWAPS = {light.lower(): dark for light, dark in DARK_SWAPS.items()}
# a colour is a whole JSON string, e.g. "#c2410c" as a marker colour or inside a colour scale
_COLOR = re.compile(r'"(#[0-9a-fA-F]{6})"')


def dark_color(color: str) -> str:
    """The dark-theme twin of a palette colour (any other colour is returned unchanged)."""
    return _SWAPS.get(color.lower(), color)


def for_dark(fig: go.Figure) -> go.Figure:
    """A new figure, `fig` with every palette colour (traces, layout, frames) swapped for its dark twin.

    With `with_axis_text`, the validated reference of what `drawn_spec` and `drawn_twin` make from plain data
    (pages draw through those; tests/app/test_drawn_spec.py holds every page's figures to this reference)."""
    text = _COLOR.sub(lambda m: f'"{dark_color(m.group(1))}"', fig.to_json())
    out = pio.from_json(text)
    assert isinstance(out, go.Figure)
    return out


def with_axis_text(fig: go.Figure) -> go.Figure:
    """A copy of `fig` whose chart text on the chart's background (ticks, axis, colour-bar and legend titles,
    3-D axis labels) is `palette.AXIS_TEXT` (readable at 4.5:1 or more), not the template's grey; `for_dark`
    turns it into its dark twin. Text a builder colours itself (annotations, cell text) keeps its colour."""
    out = go.Figure(fig)
    out.update_layout(font_color=AXIS_TEXT, legend_title_font_color=AXIS_TEXT)
    axis = {"tickfont_color": AXIS_TEXT, "title_font_color": AXIS_TEXT}
    out.update_xaxes(**axis)
    out.update_yaxes(**axis)
    out.update_coloraxes(colorbar_tickfont_color=AXIS_TEXT, colorbar_title_font_color=AXIS_TEXT)
    return out


# the layout keys `update_xaxes` / `update_yaxes` / `update_coloraxes` reach: the first axis always, others if set
_AXIS_KEY = re.compile(r"^[xy]axis\d*$")
_COLORAXIS_KEY = re.compile(r"^coloraxis\d*$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _set(tree: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    """tree[p0][p1]...[pn] = value, making the dicts on the way."""
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def _swap_dark(value: Any) -> Any:
    """Plotly JSON data with every palette colour (a whole string) swapped for its dark twin."""
    if isinstance(value, str):
        return dark_color(value) if _HEX.match(value) else value
    if isinstance(value, dict):
        return {k: _swap_dark(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_swap_dark(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":  # e.g. per-bar colours
        return [_swap_dark(v) for v in value.tolist()]
    return value


def _drawn(spec: dict[str, Any], dark: bool) -> dict[str, Any]:
    """A figure's plain data (`to_dict()` or a frozen spec) as `with_axis_text` (then `for_dark` on a dark page)
    would give it: `spec`'s layout is edited in place; on a dark page new containers are returned."""
    layout = spec.setdefault("layout", {})
    _set(layout, ("font", "color"), AXIS_TEXT)
    _set(layout, ("legend", "title", "font", "color"), AXIS_TEXT)
    for axis in {"xaxis", "yaxis", *filter(_AXIS_KEY.match, layout)}:
        _set(layout, (axis, "tickfont", "color"), AXIS_TEXT)
        _set(layout, (axis, "title", "font", "color"), AXIS_TEXT)
    for axis in {"coloraxis", *filter(_COLORAXIS_KEY.match, layout)}:
        _set(layout, (axis, "colorbar", "tickfont", "color"), AXIS_TEXT)
        _set(layout, (axis, "colorbar", "title", "font", "color"), AXIS_TEXT)
    return _swap_dark(spec) if dark else spec


def drawn_spec(fig: go.Figure, dark: bool) -> dict[str, Any]:
    """What `with_axis_text(fig)` (then `for_dark` on a dark page) gives as `to_dict()`, made from one
    `fig.to_dict()` by editing plain data: no validated copy of the figure is built (that copy was the largest
    cost of placing a figure built in the run)."""
    return _drawn(fig.to_dict(), dark)


_DRAWN: weakref.WeakKeyDictionary[FrozenFigure, dict[bool, FrozenFigure]] = weakref.WeakKeyDictionary()
_DRAWN_LOCK = threading.Lock()


def drawn_twin(fig: FrozenFigure, dark: bool) -> FrozenFigure:
    """A shared frozen figure as a page draws it (`with_axis_text`, then `for_dark` on a dark page), made once
    per figure and theme and shared as it is (both are immutable)."""
    with _DRAWN_LOCK:
        twin = _DRAWN.get(fig, {}).get(dark)
    if twin is None:  # two threads may both build it at once: the same value, either one is kept
        twin = fig.edited(lambda spec: _drawn(spec, dark))
        with _DRAWN_LOCK:
            twin = _DRAWN.setdefault(fig, {}).setdefault(dark, twin)
    return twin
