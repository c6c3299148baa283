"""Frozen figures: an immutable snapshot of a Plotly figure that many threads can share.

A `go.Figure` is not safe to share between sessions: plotly creates child objects lazily when a property is
read, and copying a figure (`go.Figure(fig)`) briefly removes each trace's `type` from the *source* figure
while it validates it, so a second thread copying or serialising the same figure at that moment sees a
trace without a type, builds it as a Scatter, and fails ("Invalid property ... Scatter: 'coloraxis'") or
hits "dictionary changed size during iteration". Cached figures are therefore stored as `FrozenFigure`s —
plain data nobody writes to — and every reader `thaw()`s its own `go.Figure`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64


def _frozen_tree(value: Any) -> Any:
    """A private copy of plotly JSON data: dicts and lists rebuilt, numpy arrays as read-only views."""
    if isinstance(value, dict):
        return {k: _frozen_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_frozen_tree(v) for v in value)
    if isinstance(value, np.ndarray):
        view = value.view()
        view.setflags(write=False)
        return view
    return value


def _containers_copy(value: Any) -> Any:
    """New dicts and lists around the same leaves (read-only arrays and scalars need no copy)."""
    if isinstance(value, dict):
        return {k: _containers_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_containers_copy(v) for v in value)
    return value


@dataclass(frozen=True, eq=False)
class FrozenFigure:
    """An immutable Plotly figure (its data, layout and frames as plain read-only data); `thaw` builds a Figure."""

    _spec: dict[str, Any] = field(repr=False)

    @property
    def title(self) -> str:
        """The figure's title text as Plotly holds it ('' when it has none)."""
        title = self._spec["layout"].get("title")
        return str((title.get("text") if isinstance(title, dict) else title) or "")

    @property
    def trace_types(self) -> tuple[str, ...]:
        """The type of each trace, in order (e.g. 'heatmap')."""
        return tuple(str(trace.get("type", "scatter")) for trace in self._spec["data"])

    def to_json(self) -> str:
        """The figure as Plotly JSON (what `thaw().to_json()` gives), read without building a Figure."""
        return pio.to_json(_chart_spec(self), validate=False)

    def for_chart(self) -> go.Figure:
        """A stand-in for this figure to hand to `st.plotly_chart` as is, without building Plotly's objects.

        Streamlit serialises a figure by calling its `to_dict()` (the costly part of placing a cached
        figure: thawing it and copying it out again take ~90 % of the time); this Figure's `to_dict()` gives
        what `thaw().to_dict()` would, from a copy prepared once per frozen figure (arrays already in
        Plotly's base64 wire form), so the chart gets the same JSON at a fraction of the cost. It is for
        drawing only: its own `data` and `layout` are empty, so read or change the figure through `thaw()`.
        """
        return _ChartFigure(_chart_spec(self))

    def with_trace_data(self, xy: Sequence[tuple[Any, Any]]) -> FrozenFigure:
        """This figure with trace i's x and y replaced by `xy[i]` (a figure that only moves, e.g. curves that
        grow while a model trains, is built once and refilled, not rebuilt and validated each time)."""
        if len(xy) != len(self._spec["data"]):
            raise ValueError(f"{len(xy)} (x, y) pairs for {len(self._spec['data'])} traces")
        spec = _containers_copy(self._spec)
        for trace, (x, y) in zip(spec["data"], xy, strict=True):
            trace["x"], trace["y"] = _frozen_tree(x), _frozen_tree(y)  # as a builder would give them
        return FrozenFigure(spec)

    def edited(self, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> FrozenFigure:
        """A new frozen figure from `edit` applied to a private copy of this one's plain data (its containers
        are new; its arrays are the shared read-only ones, to be replaced, never written)."""
        return FrozenFigure(_frozen_tree(edit(_containers_copy(self._spec))))

    def thaw(self) -> go.Figure:
        """A new, private `go.Figure` equal to the frozen one (the caller may change it freely)."""
        # The spec came from a validated figure, so plotly's per-property validation is skipped (~10x faster).
        # plotly pops keys from the dicts it is given, so it gets fresh containers, never the shared ones.
        return go.Figure(_containers_copy(self._spec), _validate=False)


_CHART_SPECS: weakref.WeakKeyDictionary[FrozenFigure, dict[str, Any]] = weakref.WeakKeyDictionary()
_CHART_LOCK = threading.Lock()


def _chart_spec(fig: FrozenFigure) -> dict[str, Any]:
    """`fig.thaw().to_dict()`, made once per frozen figure and shared (nobody writes to it; readers get copies)."""
    with _CHART_LOCK:
        spec = _CHART_SPECS.get(fig)
    if spec is None:  # two threads may both make it at once: the same value, either one is kept
        spec = _containers_copy(fig._spec)
        if not spec["frames"]:
            del spec["frames"]  # as Figure.to_dict: the key only when there are frames
        convert_to_base64(spec)  # as Figure.to_dict: numeric arrays in Plotly's typed-array form
        with _CHART_LOCK:
            spec = _CHART_SPECS.setdefault(fig, spec)
    return spec


class _ChartFigure(go.Figure):
    """A Figure that serialises as a frozen figure's prepared spec (see `FrozenFigure.for_chart`)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self._chart_spec = spec
        # st.plotly_chart sizes its element from `figure.layout` (height / width "content"): give it the spec's
        layout = spec.get("layout", {})
        self.layout.height, self.layout.width = layout.get("height"), layout.get("width")

    def to_dict(self) -> dict[str, Any]:
        """The prepared spec in fresh containers (its leaves are strings and numbers, shared as they are)."""
        spec: dict[str, Any] = _containers_copy(self._chart_spec)
        return spec


def chart_figure(spec: dict[str, Any]) -> go.Figure:
    """A stand-in Figure for `st.plotly_chart` that serialises as `spec` (a `to_dict()` result that nobody
    writes to afterwards), for drawing only, like `FrozenFigure.for_chart`."""
    return _ChartFigure(spec)


def freeze(fig: go.Figure) -> FrozenFigure:
    """Snapshot a figure that no other thread can see yet (e.g. just built) into a shareable `FrozenFigure`."""
    if isinstance(fig, FrozenFigure):
        return fig
    spec = {
        "data": [trace.to_plotly_json() for trace in fig.data],  # each a deep copy of the trace's properties
        "layout": fig.layout.to_plotly_json(),
        "frames": [frame.to_plotly_json() for frame in fig.frames],
    }
    return FrozenFigure(_frozen_tree(spec))


def thaw(fig: go.Figure | FrozenFigure) -> go.Figure:
    """A figure this caller owns: `fig.thaw()` for a frozen one, else `fig` itself (built by this caller)."""
    return fig.thaw() if isinstance(fig, FrozenFigure) else fig
