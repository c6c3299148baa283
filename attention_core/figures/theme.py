"""Figures for a dark page: the same figure with each light-theme palette colour swapped for its dark twin.

Builders draw with the light palette (`palette.py`) and never ask which theme is on; Streamlit's Plotly
template already themes the background, fonts, axes and grid. Only colours a builder sets itself (accents,
ink on grey cells, the 3-D context vector, Okabe-Ito's black) need a twin, listed in `palette.DARK_SWAPS`.
"""

from __future__ import annotations

import json
import re
import threading
import weakref

import plotly.graph_objects as go
import plotly.io as pio

from attention_core.figures.frozen import FrozenFigure, freeze_spec
from attention_core.figures.palette import DARK_SWAPS

_SWAPS = {light.lower(): dark for light, dark in DARK_SWAPS.items()}
# a colour is a whole JSON string, e.g. "#c2410c" as a marker colour or inside a colour scale
_COLOR = re.compile(r'"(#[0-9a-fA-F]{6})"')


def dark_color(color: str) -> str:
    """The dark-theme twin of a palette colour (any other colour is returned unchanged)."""
    return _SWAPS.get(color.lower(), color)


def for_dark(fig: go.Figure) -> go.Figure:
    """A new figure, `fig` with every palette colour (traces, layout, frames) swapped for its dark twin."""
    text = _COLOR.sub(lambda m: f'"{dark_color(m.group(1))}"', fig.to_json())
    out = pio.from_json(text)
    assert isinstance(out, go.Figure)
    return out


_DARK_TWINS: weakref.WeakKeyDictionary[FrozenFigure, FrozenFigure] = weakref.WeakKeyDictionary()
_DARK_LOCK = threading.Lock()


def dark_twin(fig: FrozenFigure) -> FrozenFigure:
    """The dark twin of a shared frozen figure, made once per figure and shared as it is (both are immutable)."""
    with _DARK_LOCK:
        twin = _DARK_TWINS.get(fig)
    if twin is None:  # two threads may both build it at once: the same value, either one is kept
        text = _COLOR.sub(lambda m: f'"{dark_color(m.group(1))}"', fig.to_json())
        twin = freeze_spec(json.loads(text))
        with _DARK_LOCK:
            twin = _DARK_TWINS.setdefault(fig, twin)
    return twin
