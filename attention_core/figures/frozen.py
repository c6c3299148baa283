"""Frozen figures: an immutable snapshot of a Plotly figure that many threads can share.

A `go.Figure` is not safe to share between sessions: plotly creates child objects lazily when a property is
read, and copying a figure (`go.Figure(fig)`) briefly removes each trace's `type` from the *source* figure
while it validates it, so a second thread copying or serialising the same figure at that moment sees a
trace without a type, builds it as a Scatter, and fails ("Invalid property ... Scatter: 'coloraxis'") or
hits "dictionary changed size during iteration". Cached figures are therefore stored as `FrozenFigure`s —
plain data nobody writes to — and every reader `thaw()`s its own `go.Figure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go


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

    def thaw(self) -> go.Figure:
        """A new, private `go.Figure` equal to the frozen one (the caller may change it freely)."""
        # The spec came from a validated figure, so plotly's per-property validation is skipped (~10x faster).
        # plotly pops keys from the dicts it is given, so it gets fresh containers, never the shared ones.
        return go.Figure(_containers_copy(self._spec), _validate=False)


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
